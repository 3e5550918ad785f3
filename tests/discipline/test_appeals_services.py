"""复核 (第八章第二条): appeals within the publication window, answered within 3 working days; upheld annuls
(no longer counts), dismissed keeps the penalty; overdue answers flagged once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from discipline.models import Appeal, AppealStatus, CaseStatus, DecisionLedgerEntry, EvidenceFile
from discipline.services import appeals as services
from discipline.services import cases as case_services
from discipline.tasks import flag_overdue_appeals
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.notices.models import PublicationStatus
from opc_community.portal.models import Notification
from tests.discipline.support.cases import (
    TODAY,
    at,
    close,
    on_day,
    open_case,
    pdf_upload,
    to_decided,
    to_published,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(member_a, daily_staff, administrator):
    """A warning for 2b, published Monday 2026-10-12 10:00: the window ends Thursday 15th 23:59:59."""
    with on_day(TODAY):
        case = open_case(member_a, daily_staff, kind="2b")
        publication = to_published(case, daily_staff, administrator)
    return case, publication


def appeal(case, member, *, when=None, **kwargs):
    kwargs.setdefault("reason", "当天我不在社区，监控可证明。")
    with on_day(when or TODAY, hour=11):
        return services.appeal_submit(case=case, resident=member, actor=member.user, **kwargs)


def test_window_end_is_3_working_days(published):
    _case, publication = published
    assert timezone.localtime(publication.window_ends_at) == at(date(2026, 10, 15), 23, 59).replace(second=59)


def test_appeal_within_the_window_is_due_in_3_working_days(published, member_a, administrator):
    case, _ = published
    # the window's last day, Thursday 15 Oct → Fri 16, Mon 19, Tue 20: answer by Tuesday 20 Oct
    result = appeal(case, member_a, when=date(2026, 10, 15), evidence=[pdf_upload()])
    assert result.status == AppealStatus.PENDING
    assert timezone.localtime(result.answer_due_at).date() == date(2026, 10, 20)
    stored = EvidenceFile.objects.get(case=case, by_resident=True)
    assert stored.uploaded_by == member_a.user
    assert Notification.objects.filter(recipient=administrator, kind="discipline.appeal_submitted").count() == 1


def test_answer_due_skips_holidays():
    from opc_community import workdays

    # filed on Wednesday 2026-09-30, the 3rd working day after is 2026-10-10 (an adjusted working Saturday)
    assert workdays.deadline(at(date(2026, 9, 30)), 3).at.date() == date(2026, 10, 10)


def test_appeal_on_the_last_second_of_the_window_and_refused_after_it(published, member_a):
    case, publication = published
    last = timezone.localtime(publication.window_ends_at)
    import time_machine

    with time_machine.travel(last, tick=False):
        services.appeal_submit(case=case, resident=member_a, reason="理由", actor=member_a.user)
    Appeal.objects.all().update(status=AppealStatus.DISMISSED, answer="x")  # make room for a second try
    with time_machine.travel(last + timedelta(seconds=1), tick=False), pytest.raises(DomainError) as refused:
        services.appeal_submit(case=case, resident=member_a, reason="理由", actor=member_a.user)
    assert "2026年10月15日" in str(refused.value.message)
    assert Appeal.objects.filter(status=AppealStatus.PENDING).count() == 0


def test_appeal_after_the_window_writes_nothing(published, member_a):
    case, _ = published
    with pytest.raises(DomainError) as refused:
        appeal(case, member_a, when=date(2026, 10, 16), evidence=[pdf_upload()])
    assert "公示期已于" in str(refused.value.message)
    assert not Appeal.objects.exists() and not EvidenceFile.objects.filter(by_resident=True).exists()


def test_a_resident_cannot_appeal_someone_elses_case(published, member_b):
    case, _ = published
    with pytest.raises(PermissionDenied):
        appeal(case, member_b)
    assert not Appeal.objects.exists()


def test_a_second_pending_appeal_is_refused_and_the_database_agrees(published, member_a):
    case, _ = published
    first = appeal(case, member_a)
    with pytest.raises(ConflictError):
        appeal(case, member_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(case=case, resident=member_a, reason="again", submitted_at=first.submitted_at,
                              answer_due_at=first.answer_due_at)


def test_appeal_needs_grounds_and_a_published_case(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    to_decided(case, daily_staff, administrator)
    with pytest.raises(InvalidTransition):
        services.appeal_submit(case=case, resident=member_a, reason="理由", actor=member_a.user)
    case_services.case_publish(case=case, actor=administrator)
    with pytest.raises(DomainError) as refused:
        services.appeal_submit(case=case, resident=member_a, reason="  ", actor=member_a.user)
    assert refused.value.field == "reason"


def test_upheld_annuls_withdraws_the_publication_and_removes_it_from_the_count(published, member_a, daily_staff,
                                                                                administrator):
    case, publication = published
    pending = appeal(case, member_a)
    with on_day(TODAY + timedelta(days=1)):
        answered = services.appeal_decide(appeal=pending, upheld=True, answer="经核实监控，确非本人。",
                                          actor=administrator)
    assert answered.status == AppealStatus.UPHELD and answered.decided_by == administrator
    case.refresh_from_db()
    publication.refresh_from_db()
    assert case.status == CaseStatus.ANNULLED and case.annulled_at is not None
    assert publication.status == PublicationStatus.WITHDRAWN
    entry = DecisionLedgerEntry.objects.get(kind="appeal")
    assert entry.content["outcome"] == "upheld" and entry.content["on_time"] is True
    # the next 2b is a first offence again: a warning, not the fine of the second
    with on_day(TODAY + timedelta(days=2)):
        second = open_case(member_a, daily_staff, kind="2b")
        measures = to_decided(second, daily_staff, administrator)
    assert second.same_kind_count == 1 and [m.type for m in measures] == ["warning"]
    assert Notification.objects.filter(recipient=member_a.user, kind="discipline.appeal_decided").count() == 1


def test_dismissed_during_the_window_then_the_close_confirms(published, member_a, administrator):
    case, publication = published
    pending = appeal(case, member_a)
    services.appeal_decide(appeal=pending, upheld=False, answer="监控显示确为本人。", actor=administrator)
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLISHED  # the window is still open
    close(publication)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED


def test_a_pending_appeal_holds_the_confirmation_until_it_is_answered(published, member_a, administrator):
    case, publication = published
    pending = appeal(case, member_a)
    close(publication)
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLISHED  # window over, appeal pending: no effects yet
    with on_day(date(2026, 10, 19)):
        services.appeal_decide(appeal=pending, upheld=False, answer="维持处罚。", actor=administrator)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED
    assert list(DecisionLedgerEntry.objects.values_list("kind", flat=True)) == ["appeal", "penalty"]


def test_a_pending_appeal_upheld_after_the_window_annuls_without_effects(member_a, daily_staff, administrator):
    with on_day(TODAY):
        pay_and_open = open_case(member_a, daily_staff, kind="1a", facts="未经审批占用 B-203 工位。")
        publication = to_published(pay_and_open, daily_staff, administrator)
        pending = appeal(pay_and_open, member_a)
    close(publication)
    with on_day(date(2026, 10, 19)):
        services.appeal_decide(appeal=pending, upheld=True, answer="经核实已获口头批准。", actor=administrator)
    pay_and_open.refresh_from_db()
    assert pay_and_open.status == CaseStatus.ANNULLED
    from residents.models import Invoice

    assert not Invoice.objects.exists()  # the fine never became an invoice


def test_only_the_administrator_answers_and_only_once(published, member_a, daily_staff, administrator):
    case, _ = published
    pending = appeal(case, member_a)
    with pytest.raises(PermissionDenied):
        services.appeal_decide(appeal=pending, upheld=True, answer="x", actor=daily_staff)
    with pytest.raises(DomainError):
        services.appeal_decide(appeal=pending, upheld=True, answer=" ", actor=administrator)
    services.appeal_decide(appeal=pending, upheld=False, answer="维持。", actor=administrator)
    with pytest.raises(InvalidTransition):
        services.appeal_decide(appeal=pending, upheld=True, answer="改判", actor=administrator)


def test_overdue_appeals_are_flagged_once(published, member_a, administrator):
    case, _ = published
    pending = appeal(case, member_a)  # Monday 12 Oct 11:00 → due Thursday 15 Oct 23:59:59
    with on_day(date(2026, 10, 15), hour=23):
        assert flag_overdue_appeals.delay().get() == 0
    with on_day(date(2026, 10, 16), hour=8):
        assert flag_overdue_appeals.delay().get() == 1
        assert flag_overdue_appeals.delay().get() == 0  # twice: nothing more
    flagged = Notification.objects.filter(recipient=administrator, kind="discipline.appeal_overdue")
    assert flagged.count() == 1 and pending.case.number in flagged.get().title


def test_an_answered_appeal_is_not_flagged(published, member_a, administrator):
    case, _ = published
    pending = appeal(case, member_a)
    services.appeal_decide(appeal=pending, upheld=False, answer="维持。", actor=administrator)
    with on_day(date(2026, 10, 20)):
        assert flag_overdue_appeals.delay().get() == 0
