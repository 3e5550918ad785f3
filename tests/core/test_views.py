"""The portal's submit helpers (opc_community.core.views): a form or a button, a service, its refusal.

The pages that use them are tested in their apps (status codes, messages, redirects); here the helpers
on their own, with a plain request: a refusal with and without a field, invalid input, success, GET."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory

from opc_community.core import idempotency
from opc_community.core.errors import ConflictError, DomainError
from opc_community.core.views import submit_action, submit_form
from tests.factories import UserFactory


class NoteForm(forms.Form):
    text = forms.CharField(max_length=20)


class PlacingForm(NoteForm):
    """A form that places refusals itself (like the booking form)."""

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error("text", f"placed: {error.message}")


def request_for(method: str = "post", data: dict | None = None, user=None):
    request = getattr(RequestFactory(), method)("/portal/notes/", data or {})
    request._messages = CookieStorage(request)
    if user is not None:
        request.user = user
    return request


def said(request) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(request)]


def page(form: forms.Form):
    """The page shown again: its status and the form's errors, as a test can read them."""
    return lambda status: HttpResponse(repr(dict(form.errors)), status=status)


class Service:
    """A service that records what it was given, and refuses when told to."""

    def __init__(self, refusal: DomainError | None = None):
        self.calls: list[dict] = []
        self.refusal = refusal

    def __call__(self, data: dict) -> int:
        self.calls.append(data)
        if self.refusal:
            raise self.refusal
        return 7


def test_a_valid_form_calls_the_service_says_so_and_redirects():
    request, service = request_for(data={"text": "hello"}), Service()
    form = NoteForm(request.POST)

    response = submit_form(request, form, service, success_url=lambda pk: f"/portal/notes/{pk}/",
                           message=lambda pk: f"Note {pk} saved.", page=page(form))

    assert service.calls == [{"text": "hello"}]
    assert (response.status_code, response["Location"]) == (302, "/portal/notes/7/")
    assert said(request) == [("success", "Note 7 saved.")]


def test_a_refusal_naming_a_field_stands_next_to_it_and_the_page_comes_back():
    request, service = request_for(data={"text": "hello"}), Service(DomainError("Too long for a note.", field="text"))
    form = NoteForm(request.POST)

    response = submit_form(request, form, service, success_url="/x/", message="saved", page=page(form),
                           flash_errors=True)

    assert response.status_code == 400
    assert form.errors == {"text": ["Too long for a note."]}
    assert said(request) == []  # nothing flashed, not the success either


def test_a_refusal_naming_no_field_stands_atop_the_form():
    request = request_for(data={"text": "hello"})
    form = NoteForm(request.POST)

    response = submit_form(request, form, Service(DomainError("Suspended until Friday.")), success_url="/x/",
                           page=page(form), failed_status=200)

    assert response.status_code == 200
    assert form.non_field_errors() == ["Suspended until Friday."]
    assert said(request) == []


def test_flash_errors_shows_a_refusal_naming_no_field_among_the_messages():
    request = request_for(data={"text": "hello"})
    form = NoteForm(request.POST)

    response = submit_form(request, form, Service(DomainError("Suspended until Friday.", field="booking")),
                           success_url="/x/", page=page(form), flash_errors=True)

    assert response.status_code == 400
    assert not form.errors
    assert said(request) == [("error", "Suspended until Friday.")]


def test_a_form_that_places_refusals_itself_is_asked_to():
    request = request_for(data={"text": "hello"})
    form = PlacingForm(request.POST)

    submit_form(request, form, Service(DomainError("No.")), success_url="/x/", page=page(form), flash_errors=True)

    assert form.errors == {"text": ["placed: No."]} and said(request) == []


def test_invalid_input_never_reaches_the_service():
    request, service = request_for(data={"text": "x" * 21}), Service()
    form = NoteForm(request.POST)

    response = submit_form(request, form, service, success_url="/x/", page=page(form))

    assert service.calls == [] and response.status_code == 400 and "text" in form.errors


@pytest.mark.parametrize(("refusal", "status"), [(None, 400), (DomainError("No."), 400),
                                                  (ConflictError("Taken."), 409)])
def test_without_a_failed_status_the_page_answers_with_the_refusals_own(refusal, status):
    data = {"text": "hello"} if refusal else {"text": ""}  # no refusal: the input is invalid
    request = request_for(data=data)
    form = NoteForm(request.POST)

    response = submit_form(request, form, Service(refusal), success_url="/x/", page=page(form), failed_status=None)

    assert response.status_code == status


def test_a_get_shows_the_page_with_its_template_and_context(settings):
    settings.TEMPLATES = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader",
                                 {"note.html": "{{ title }}: {{ form.text.value|default:'empty' }}"})]},
    }]
    request, service = request_for("get"), Service()

    response = submit_form(request, NoteForm(), service, success_url="/x/", template="note.html",
                           context={"title": "New note"})

    assert service.calls == []
    assert (response.status_code, response.content.decode()) == (200, "New note: empty")


@pytest.mark.django_db
def test_once_carries_out_a_form_sent_twice_once():
    class OnceForm(idempotency.SubmitOnceForm, NoteForm):
        pass

    user, service, token = UserFactory(), Service(), idempotency.new_form_token()
    responses = []
    for _attempt in range(2):
        request = request_for(data={"text": "hello", "form_token": token}, user=user)
        form = OnceForm(request.POST)
        responses.append(submit_form(request, form, service, success_url="/portal/notes/7/", message="Saved.",
                                     page=page(form), once="tests.note"))

    assert len(service.calls) == 1
    assert [response["Location"] for response in responses] == ["/portal/notes/7/"] * 2


def test_a_button_calls_the_service_and_goes_on():
    request, calls = request_for(), []

    response = submit_action(request, lambda: calls.append("done") or "Ada", redirect_to="/portal/desk/",
                             message=lambda name: f"{name}'s request was withdrawn.")

    assert calls == ["done"]
    assert (response.status_code, response["Location"]) == (302, "/portal/desk/")
    assert said(request) == [("success", "Ada's request was withdrawn.")]


@pytest.mark.parametrize("field", [None, "text"])
def test_a_refused_button_says_why_and_goes_on_all_the_same(field):
    request = request_for()

    def refuse():
        raise DomainError("Already decided.", field=field)

    response = submit_action(request, refuse, redirect_to="/portal/desk/", message="withdrawn")

    assert (response.status_code, response["Location"]) == (302, "/portal/desk/")
    assert said(request) == [("error", "Already decided.")]


def test_a_refused_button_may_show_its_page_again_with_the_refusals_status():
    request = request_for()

    def refuse():
        raise ConflictError("The activity is full.")

    response = submit_action(request, refuse, redirect_to="/x/", page=lambda status: HttpResponse(status=status))

    assert response.status_code == 409
    assert said(request) == [("error", "The activity is full.")]
