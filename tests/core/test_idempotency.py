"""The idempotency mechanism (opc_community.core.idempotency) on its own: fingerprints, a key carried
out once and replayed, a key reused with another request, expiry and the nightly purge, the one-time
form token. The endpoints that use it are tested in their apps (tests/residents/test_idempotency_*)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone

from opc_community.core import idempotency
from opc_community.core.errors import ConflictError, DomainError
from opc_community.core.models import IdempotencyRecord
from opc_community.core.tasks import purge_idempotency_records
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REUSED = ConflictError("reused")


@pytest.fixture
def user():
    return UserFactory()


# --- Fingerprints ---------------------------------------------------------------------------------------


def _form(body: str) -> QueryDict:
    return QueryDict(body)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": "1", "b": "2"}, {"b": "2", "a": "1"}),  # key order
        (_form("a=1&b=2"), {"a": "1", "b": "2"}),  # form data as JSON
        (_form("tag=x&tag=y"), {"tag": ["x", "y"]}),  # a repeated field
        ({"amount": Decimal("800.00"), "on": date(2026, 5, 6)}, {"amount": "800.00", "on": "2026-05-06"}),
        ({"file": SimpleUploadedFile("a.pdf", b"%PDF-1")}, {"file": SimpleUploadedFile("b.pdf", b"%PDF-1")}),
    ],
)
def test_the_same_request_has_the_same_fingerprint(first, second):
    assert idempotency.fingerprint("POST", "/x/", first) == idempotency.fingerprint("POST", "/x/", second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"amount": "800.00"}, {"amount": "800.01"}),
        ({"amount": "800.00"}, {"amount": "800.00", "note": ""}),
        ({"file": SimpleUploadedFile("a.pdf", b"%PDF-1")}, {"file": SimpleUploadedFile("a.pdf", b"%PDF-2")}),
    ],
)
def test_any_change_changes_the_fingerprint(first, second):
    assert idempotency.fingerprint("POST", "/x/", first) != idempotency.fingerprint("POST", "/x/", second)


def test_the_path_is_part_of_the_fingerprint():
    assert idempotency.fingerprint("POST", "/a/1/", {}) != idempotency.fingerprint("POST", "/a/2/", {})


def test_an_uploaded_file_is_read_from_the_start_again_afterwards():
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1 content")
    idempotency.fingerprint({"file": upload})
    assert upload.read() == b"%PDF-1 content"


# --- once() ---------------------------------------------------------------------------------------------


class Counter:
    """A piece of work that says how often it was carried out."""

    def __init__(self, status_code: int = 201) -> None:
        self.calls = 0
        self.status_code = status_code

    def __call__(self) -> dict:
        self.calls += 1
        return {"n": self.calls}


def _once(user, work: Counter, *, key: str = "k-1", fingerprint: str = "f-1", scope: str = "tests.work"):
    return idempotency.once(scope=scope, user=user, key=key, fingerprint=fingerprint, perform=work,
                            answer=lambda result: (work.status_code, result), reused=REUSED)


def test_the_first_call_carries_out_the_work_and_keeps_its_answer(user):
    work = Counter()

    assert _once(user, work) == {"n": 1}

    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.user, record.key, record.status_code, record.body) == (
        "tests.work", user, "k-1", 201, '{"n": 1}')


def test_a_repeat_gets_the_first_answer_and_carries_out_nothing(user):
    work = Counter()
    _once(user, work)

    again = _once(user, work)

    assert again == idempotency.Stored(201, {"n": 1})
    assert work.calls == 1


def test_the_same_key_with_another_request_is_refused(user):
    work = Counter()
    _once(user, work)

    with pytest.raises(ConflictError) as refused:
        _once(user, work, fingerprint="f-2")

    assert refused.value is REUSED
    assert work.calls == 1


def test_a_key_belongs_to_one_user_and_one_operation(user):
    work = Counter()
    _once(user, work)
    _once(UserFactory(), work)
    _once(user, work, scope="tests.other")

    assert work.calls == 3


def test_a_refusal_keeps_nothing_so_the_corrected_request_goes_through(user):
    def refuse() -> dict:
        raise DomainError("no")

    with pytest.raises(DomainError):
        idempotency.once(scope="tests.work", user=user, key="k-1", fingerprint="f-1", perform=refuse,
                         answer=lambda result: (201, result), reused=REUSED)
    assert not IdempotencyRecord.objects.exists()

    work = Counter()
    assert _once(user, work, fingerprint="f-2") == {"n": 1}


def test_an_answer_of_400_or_more_is_not_kept(user):
    refused, accepted = Counter(status_code=400), Counter()

    _once(user, refused)
    _once(user, accepted)

    assert (refused.calls, accepted.calls) == (1, 1)
    assert IdempotencyRecord.objects.get().status_code == 201


def test_a_key_counts_for_a_day_then_it_is_new_again(user, settings):
    work = Counter()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _once(user, work)
    with time_machine.travel(start + settings.IDEMPOTENCY_KEY_TTL - timedelta(seconds=1), tick=False):
        assert isinstance(_once(user, work), idempotency.Stored)
    with time_machine.travel(start + settings.IDEMPOTENCY_KEY_TTL, tick=False):
        assert _once(user, work, fingerprint="f-2") == {"n": 2}  # expired: neither replayed nor refused

    assert IdempotencyRecord.objects.get().fingerprint == "f-2"


def test_the_nightly_purge_removes_expired_records_only_and_can_run_twice(user, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _once(user, Counter(), key="old")
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        _once(user, Counter(), key="new")

    with time_machine.travel(start + settings.IDEMPOTENCY_KEY_TTL, tick=False):
        assert purge_idempotency_records.delay().get() == 1
        assert purge_idempotency_records.delay().get() == 0

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


# --- The one-time form token ------------------------------------------------------------------------------


class NoteForm(idempotency.SubmitOnceForm):
    note = forms.CharField()


def _bound(token: str | None, note: str = "hello") -> NoteForm:
    data = {"note": note}
    if token is not None:
        data["form_token"] = token
    return NoteForm(data)


def test_each_rendered_form_has_a_new_hidden_token():
    first, second = str(NoteForm()), str(NoteForm())
    assert 'type="hidden" name="form_token"' in first
    assert first != second


def test_a_valid_token_gives_its_key_and_stays_out_of_the_cleaned_data():
    token = idempotency.new_form_token()
    form = _bound(token)

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"note": "hello"}
    assert form.submit_key and form.submit_key in token


@pytest.mark.parametrize("token", [None, "", "made-up", "abc:def:ghi"])
def test_a_missing_or_forged_token_is_refused_on_top_of_the_form(token):
    form = _bound(token)

    assert not form.is_valid()
    assert form.non_field_errors() == ["表单已过期，请核对所填内容后重新提交。"]


def test_an_expired_token_is_refused_and_the_page_shown_again_gets_a_new_one(settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = idempotency.new_form_token()
    with time_machine.travel(start + settings.IDEMPOTENCY_KEY_TTL + timedelta(seconds=1), tick=False):
        form = _bound(token)
        assert not form.is_valid()
        fresh = form["form_token"].value()
        assert fresh != token
        assert _bound(fresh).is_valid()


def test_a_page_shown_again_after_an_error_keeps_its_valid_token():
    token = idempotency.new_form_token()
    form = _bound(token, note="")

    assert not form.is_valid()
    assert form["form_token"].value() == token
