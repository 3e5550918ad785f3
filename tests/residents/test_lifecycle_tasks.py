"""The daily jobs of the term (08:00): renewal reminders and expiry exits — each safe to run twice."""

from datetime import date

import pytest

from opc_community.celery import app as celery_app
from opc_community.portal.models import Notification
from residents.models import AgreementStatus, Exit, ExitKind, ResidentStatus
from residents.services import lifecycle as services
from residents.tasks.lifecycle import open_expiry_exits, send_renewal_reminders
from tests.residents.factories import AgreementFactory
from tests.residents.support.lifecycle import AFTER_END, REMINDER_DAY, on_day

pytestmark = pytest.mark.django_db


def test_the_tasks_are_registered_under_the_names_the_beat_schedule_uses():
    assert send_renewal_reminders.name == "residents.tasks.lifecycle.send_renewal_reminders"
    assert open_expiry_exits.name == "residents.tasks.lifecycle.open_expiry_exits"
    assert {send_renewal_reminders.name, open_expiry_exits.name} <= set(celery_app.tasks)


def test_the_reminder_job_run_twice_reminds_each_agreement_once(member_a, member_b, intake_staff):
    # Given two agreements ending on 2027-03-31 and one ending later
    later = AgreementFactory(starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31))
    with on_day(REMINDER_DAY, hour=8):
        # When the job runs twice
        first = send_renewal_reminders.delay().get()
        second = send_renewal_reminders.delay().get()

    # Then each due agreement was reminded once, to the resident and to the intake team
    assert (first, second) == (2, 0)
    for resident in (member_a, member_b):
        assert Notification.objects.filter(recipient=resident.user, kind="residents.renewal_reminder").count() == 1
    assert Notification.objects.filter(recipient=intake_staff, kind="residents.renewal_reminder").count() == 2
    assert not Notification.objects.filter(recipient=later.resident.user).exists()


def test_the_reminder_job_skips_renewed_agreements_and_exiting_residents(member_a, member_b, intake_staff):
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
        services.renewal_confirm_direction(renewal=renewal, fits=True, actor=intake_staff)
        services.renewal_approve(renewal=renewal, actor=intake_staff)
        services.exit_request_voluntary(resident=member_b, exit_on=date(2027, 3, 31), actor=member_b.user)
    with on_day(date(2027, 3, 2)):
        assert send_renewal_reminders.delay().get() == 0


def test_the_expiry_job_run_twice_opens_one_exit_per_agreement(member_a, member_b):
    with on_day(AFTER_END, hour=8):
        first = open_expiry_exits.delay().get()
        second = open_expiry_exits.delay().get()
    with on_day(date(2027, 4, 2), hour=8):
        third = open_expiry_exits.delay().get()

    assert (first, second, third) == (2, 0, 0)
    assert Exit.objects.filter(kind=ExitKind.EXPIRY).count() == 2
    for resident in (member_a, member_b):
        resident.refresh_from_db()
        assert resident.status == ResidentStatus.EXITING
        assert resident.agreements.get().status == AgreementStatus.ENDED
        assert Notification.objects.filter(recipient=resident.user, kind="residents.exit_expiry").count() == 1


def test_the_expiry_job_does_nothing_on_the_end_date(member_a):
    with on_day(date(2027, 3, 31), hour=8):
        assert open_expiry_exits.delay().get() == 0


def test_one_failing_agreement_does_not_stop_the_others(member_a, member_b, monkeypatch):
    real = services.exit_open_on_expiry

    def flaky(*, agreement, today):
        if agreement.pk == member_a.agreements.get().pk:
            raise RuntimeError("boom")
        return real(agreement=agreement, today=today)

    monkeypatch.setattr(services, "exit_open_on_expiry", flaky)
    with on_day(AFTER_END, hour=8):
        assert open_expiry_exits.delay().get() == 1
    monkeypatch.setattr(services, "exit_open_on_expiry", real)
    with on_day(AFTER_END, hour=9):
        assert open_expiry_exits.delay().get() == 1  # the next run retries it
    assert Exit.objects.count() == 2
