"""Races in intake with real parallel database connections (threads, committed data): the same form
sent twice at once makes one application, and two accounts claiming one ID number or credit code at
once end with one live application.

The services are slowed down where a race would bite (after "is there an application already?" and
after "is the number free?"), so the second caller really arrives while the first one's transaction is
open: the lock on the applicant's account row and the database's identity trigger decide, not timing.
"""

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from opc_community.core.errors import DomainError
from residents.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
)
from residents.services import applications
from residents.services import intake as services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.factories import UserFactory
from tests.residents.support.intake import (
    MONDAY,
    USCC_A,
    at,
    company_details,
    details,
    materials,
    private_storage,  # noqa: F401 (fixture)
)
from tests.residents.test_identity_rules import FULL_WIDTH, ID
from tests.residents.test_intake_views import EDIT, PAGE, _form_data

pytestmark = [committed_data, pytest.mark.usefixtures("private_storage")]


@pytest.fixture(autouse=True)
def _monday():
    with at(MONDAY):
        yield


def _slow(monkeypatch, name: str) -> None:
    """Hold the open transaction for a moment after ``applications.<name>`` ran (the draft's module)."""
    real = getattr(applications, name)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(applications, name, slow)


# --- The same form sent twice at once (same account) -----------------------------------------------


def test_the_same_draft_saved_twice_at_once_is_one_application(monkeypatch):
    applicant = UserFactory()
    _slow(monkeypatch, "_refuse_second_application")  # both would find no application and create one

    results = run_in_parallel([
        lambda: services.application_save_draft(
            applicant=applicant, details=details(), uploads=materials(), actor=applicant
        ).pk
        for _ in range(2)
    ])

    assert results[0] == results[1] and isinstance(results[0], int), results
    assert Application.objects.count() == 1
    assert ApplicationDocument.objects.count() == 2  # the same files sent again are kept once


def test_the_portal_form_submitted_twice_at_once_is_one_submitted_application(monkeypatch):
    applicant = UserFactory()
    _slow(monkeypatch, "_refuse_second_application")
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(applicant)

    responses = run_in_parallel([lambda client=client: client.post(EDIT, _form_data(submit="1")) for client in clients])

    assert [(r.status_code, r.headers["Location"]) for r in responses] == [(302, PAGE), (302, PAGE)], responses
    application = Application.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED and application.round == 1
    assert ApplicationTransition.objects.filter(to_status=ApplicationStatus.SUBMITTED).count() == 1
    assert ApplicationDocument.objects.count() == 2


def test_a_second_form_arriving_while_the_first_is_being_submitted_waits_instead_of_deadlocking(monkeypatch):
    """The first request holds its application while submitting, and records rows that point at the
    account; the second one holds the account while saving its draft, then needs the application. The
    account lock does not block those references (``FOR NO KEY UPDATE``), so the two never deadlock
    (a deadlock would answer 503)."""
    from residents.services import submission

    applicant = UserFactory()
    _slow(monkeypatch, "_refuse_second_application")
    real_lock = submission.lock

    def slow_lock(application):
        locked = real_lock(application)
        time.sleep(0.8)  # the second request now holds the account and waits for the application
        return locked

    monkeypatch.setattr(submission, "lock", slow_lock)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(applicant)

    def post(client, delay):
        time.sleep(delay)
        return client.post(EDIT, _form_data(submit="1"))

    responses = run_in_parallel([lambda: post(clients[0], 0), lambda: post(clients[1], 0.7)])

    assert [r.status_code for r in responses] == [302, 302], responses
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    assert ApplicationTransition.objects.filter(to_status=ApplicationStatus.SUBMITTED).count() == 1


def test_the_api_create_sent_twice_at_once_is_one_application(monkeypatch):
    applicant = UserFactory()
    _slow(monkeypatch, "_refuse_second_application")
    clients = [APIClient(), APIClient()]
    for client in clients:
        client.force_authenticate(applicant)
    body = {"person_name": "王五", "id_number": ID, "consent_id_processing": True}

    responses = run_in_parallel(
        [lambda client=client: client.post("/api/v1/applications/", body, format="json") for client in clients]
    )

    assert sorted(r.status_code for r in responses) == [201, 409], responses
    assert Application.objects.count() == 1


# --- One number, two accounts at once ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("id_number", details(id_number=ID), details(id_number=FULL_WIDTH)),
        ("uscc", company_details(id_number=ID), company_details(id_number="440106199003075670", uscc=USCC_A.lower())),
    ],
)
def test_two_accounts_claiming_one_number_at_once_end_with_one_live_application(monkeypatch, field, first, second):
    applicants = [UserFactory(), UserFactory()]
    _slow(monkeypatch, "_check_identity_in_use")  # both find the number free: the database decides

    results = run_in_parallel([
        lambda applicant=applicant, filled=filled: services.application_save_draft(
            applicant=applicant, details=filled, actor=applicant
        )
        for applicant, filled in zip(applicants, (first, second), strict=True)
    ])

    refused = [r for r in results if isinstance(r, DomainError)]
    saved = [r for r in results if isinstance(r, Application)]
    assert len(refused) == 1 and len(saved) == 1, results
    assert refused[0].field == field and "只能对应一份申请" in str(refused[0].message)
    assert Application.objects.count() == 1
