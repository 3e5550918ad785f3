"""Agreements, check-in and orientation services (第三章第二条、第三条): issuing, numbering, acceptance,
cancellation, the PDF in the archive, check-in refusals, the desk register, orientation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import (
    Agreement,
    AgreementStatus,
    FeePeriod,
    Invoice,
    OrientationAcknowledgement,
    ResidentStatus,
)
from residents.selectors import agreements as selectors
from residents.selectors import ledger as ledger_selectors
from residents.services import agreements as services
from residents.services import ledger
from spaces.models import DeskAssignment
from tests.residents.factories import AgreementFactory
from tests.residents.support.agreements import (
    NOW,
    TODAY,
    issue,
    onboarding,
    pay_deposit,
    pay_first_invoice,
    ready_for_check_in,
    use_private_storage,
)
from tests.spaces.factories import DeskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Issuing ------------------------------------------------------------------------------------------


def test_issuing_an_agreement_sets_the_term_number_version_and_invoices(intake_staff):
    # Given an approved resident awaiting check-in
    resident = onboarding()

    # When the intake team issues a monthly agreement from today
    agreement = issue(resident, intake_staff)

    # Then it runs 12 months, carries the first number of the year and the rulebook version,
    assert agreement.status == AgreementStatus.ISSUED
    assert (agreement.starts_on, agreement.ends_on) == (date(2026, 5, 6), date(2027, 5, 5))
    assert agreement.number == "OPC-2026-0001"
    assert agreement.rulebook_version == 1
    assert agreement.issued_by == intake_staff
    # and the term's twelve invoices exist, the first due on the start date.
    invoices = list(Invoice.objects.filter(agreement=agreement).order_by("due_on"))
    assert len(invoices) == 12
    assert [i.due_on for i in invoices[:3]] == [date(2026, 5, 6), date(2026, 6, 6), date(2026, 7, 6)]
    assert invoices[0].source_key == f"agreement:{agreement.pk}:fee:0"
    assert invoices[0].number.startswith("INV-2026-")
    assert invoices[0].description == f"协议 {agreement.number} 第 1 期服务费"
    assert ledger_selectors.resident_balance(resident) == Decimal("9600.00")
    # The resident is told, with a link to the agreement.
    note = Notification.objects.get(recipient=resident.user, kind="residents.agreement_issued")
    assert note.link == f"/portal/residents/agreements/{agreement.pk}/"


def test_a_fee_per_term_is_one_invoice_and_no_fee_none(intake_staff):
    per_term = issue(onboarding(), intake_staff, period=FeePeriod.TERM, fee="9000.00")
    free = issue(onboarding(), intake_staff, fee="0")

    assert list(per_term.invoices.values_list("amount", "due_on")) == [(Decimal("9000.00"), TODAY)]
    assert not free.invoices.exists()


def test_numbers_are_sequential_per_year_of_issue(intake_staff):
    first, second = issue(onboarding(), intake_staff), issue(onboarding(), intake_staff)
    with time_machine.travel(NOW.replace(year=2027), tick=False):
        next_year = issue(onboarding(), intake_staff, starts_on=date(2027, 5, 6))

    assert [first.number, second.number, next_year.number] == ["OPC-2026-0001", "OPC-2026-0002",
                                                                "OPC-2027-0001"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"starts_on": TODAY - timedelta(days=1)}, "starts_on", "起始日不能早于今天"),
        ({"fee": "-1"}, "fee_amount", "服务费不能为负数"),
        ({"deposit": "-5"}, "deposit_amount", "保证金不能为负数"),
        ({"fee": "800.001"}, "fee_amount", "最多两位小数"),
        ({"period": "weekly"}, "fee_period", "请选择按月或按期计费"),
    ],
)
def test_issuing_refuses_bad_terms_with_a_chinese_message(intake_staff, change, field, message):
    resident = onboarding()

    with pytest.raises(DomainError, match=message) as refused:
        issue(resident, intake_staff, **change)

    assert refused.value.field == field
    assert not Agreement.objects.filter(resident=resident).exists()
    assert not Invoice.objects.filter(resident=resident).exists()  # nothing half-written


def test_a_first_agreement_goes_only_to_a_resident_awaiting_check_in(intake_staff):
    active = AgreementFactory().resident  # checked in already

    with pytest.raises(DomainError, match="首份入驻协议只签发给已通过审核、尚未办理入驻的入驻主体") as refused:
        issue(active, intake_staff, starts_on=date(2027, 6, 1))
    assert refused.value.field == "resident"


def test_two_live_agreements_for_the_same_days_are_refused(intake_staff):
    resident = onboarding()
    first = issue(resident, intake_staff)

    with pytest.raises(ConflictError, match=first.number):
        issue(resident, intake_staff, starts_on=TODAY + timedelta(days=30))


def test_a_renewal_starts_the_day_after_and_may_start_during_the_grace_period(intake_staff):
    # Given an accepted agreement that ended yesterday (renewal approved in the grace period)
    old = AgreementFactory(starts_on=date(2025, 5, 6), ends_on=date(2026, 5, 5))

    wrong_day = TODAY + timedelta(days=1)
    with pytest.raises(DomainError, match="续约协议自原协议到期次日起算"):
        services.agreement_issue(resident=old.resident, starts_on=wrong_day, fee_amount="800", fee_period="monthly",
                                 deposit_amount="2000", renews=old, actor=intake_staff)
    renewal = services.agreement_issue(resident=old.resident, starts_on=date(2026, 5, 6), fee_amount="800",
                                       fee_period="monthly", deposit_amount="2000", renews=old, actor=intake_staff)

    assert renewal.renews == old
    assert renewal.ends_on == date(2027, 5, 5)


def test_a_renewal_starting_in_the_past_has_nothing_due_before_the_day_of_issue(intake_staff):
    old = AgreementFactory(starts_on=date(2025, 5, 1), ends_on=date(2026, 4, 30))

    renewal = services.agreement_issue(resident=old.resident, starts_on=date(2026, 5, 1), fee_amount="800",
                                       fee_period="monthly", deposit_amount="2000", renews=old, actor=intake_staff)

    assert renewal.invoices.order_by("due_on").first().due_on == TODAY
    assert not ledger_selectors.overdue_invoices(today=TODAY).exists()


# --- The PDF in the archive --------------------------------------------------------------------------


def test_the_pdf_is_rendered_after_commit_into_the_private_archive(intake_staff, private_storage,
                                                                   django_capture_on_commit_callbacks):
    resident = onboarding()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        agreement = issue(resident, intake_staff)
    agreement.refresh_from_db()
    assert not agreement.document  # nothing rendered inside the decision's transaction

    for callback in callbacks:
        callback()
    agreement.refresh_from_db()
    assert agreement.document.name == f"agreements/{agreement.number}.pdf"
    assert (private_storage / agreement.document.name).read_bytes().startswith(b"%PDF-")

    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_accept(agreement=agreement, actor=resident.user)
    agreement.refresh_from_db()
    assert agreement.document.name == f"agreements/{agreement.number}-accepted.pdf"


# --- Acceptance and cancellation ---------------------------------------------------------------------------


def test_the_resident_accepts_its_agreement_and_the_time_is_recorded(intake_staff, daily_staff):
    resident = onboarding()
    agreement = issue(resident, intake_staff)

    accepted = services.agreement_accept(agreement=agreement, actor=resident.user)

    assert accepted.status == AgreementStatus.ACCEPTED
    assert accepted.accepted_at == timezone.now()
    assert Notification.objects.filter(recipient=daily_staff, kind="residents.agreement_accepted").exists()
    with pytest.raises(InvalidTransition):
        services.agreement_accept(agreement=accepted, actor=resident.user)


def test_only_the_resident_itself_accepts(intake_staff, resident_b):
    agreement = issue(onboarding(), intake_staff)

    for someone_else in (intake_staff, resident_b):
        with pytest.raises(DomainError, match="只能由入驻主体本人签署"):
            services.agreement_accept(agreement=agreement, actor=someone_else)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ISSUED


def test_cancelling_an_issued_agreement_voids_its_invoices(intake_staff):
    resident = onboarding()
    agreement = issue(resident, intake_staff)

    with pytest.raises(DomainError, match="取消理由"):
        services.agreement_cancel(agreement=agreement, reason=" ", actor=intake_staff)
    services.agreement_cancel(agreement=agreement, reason="服务费填错", actor=intake_staff)

    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_reason) == (AgreementStatus.CANCELLED, "服务费填错")
    assert Invoice.objects.filter(agreement=agreement).count() == 12  # the ledger keeps them
    assert ledger_selectors.resident_balance(resident) == 0  # but nobody owes them
    assert not ledger_selectors.overdue_invoices(today=TODAY + timedelta(days=90)).exists()
    # A corrected agreement can now be issued for the same days.
    assert issue(resident, intake_staff, fee="600.00").number == "OPC-2026-0002"


def test_an_agreement_with_payments_is_not_cancelled_until_they_are_reversed(intake_staff):
    resident = onboarding()
    agreement = issue(resident, intake_staff)
    pay_first_invoice(resident, intake_staff)

    with pytest.raises(DomainError, match="请先冲销后再取消"):
        services.agreement_cancel(agreement=agreement, reason="填错", actor=intake_staff)

    ledger.payment_reverse(payment=resident.payments.get(), reason="退回", actor=intake_staff)
    assert services.agreement_cancel(agreement=agreement, reason="填错", actor=intake_staff).status == "cancelled"


def test_an_accepted_agreement_cannot_be_cancelled(intake_staff):
    resident = onboarding()
    agreement = services.agreement_accept(agreement=issue(resident, intake_staff), actor=resident.user)

    with pytest.raises(InvalidTransition):
        services.agreement_cancel(agreement=agreement, reason="x", actor=intake_staff)


# --- Check-in (办理入驻) ------------------------------------------------------------------------------


def test_check_in_assigns_the_desk_opens_the_portal_and_records_who(intake_staff, daily_staff):
    # Given a resident whose agreement is accepted, first fee and deposit paid, and a free desk
    resident = onboarding()
    ready_for_check_in(resident, intake_staff)
    chosen = DeskFactory(code="B-201")

    # When the daily management team checks it in
    checked = services.resident_check_in(resident=resident, desk=chosen, actor=daily_staff)

    # Then the resident is active (portal open), with who and when, at the desk
    assert checked.status == ResidentStatus.ACTIVE
    assert (checked.checked_in_at, checked.checked_in_by) == (timezone.now(), daily_staff)
    assignment = DeskAssignment.objects.get(resident=resident, ends_at__isnull=True)
    assert (assignment.desk, assignment.assigned_by) == (chosen, daily_staff)
    note = Notification.objects.get(recipient=resident.user, kind="residents.checked_in")
    assert note.link == "/portal/residents/orientation/" and "B-201" in note.body


def test_check_in_without_a_desk_takes_the_first_free_one(intake_staff, daily_staff):
    resident = onboarding()
    ready_for_check_in(resident, intake_staff)
    DeskFactory(code="Z-9", is_active=False)
    expected = DeskFactory(code="C-1", floor="1F")
    DeskFactory(code="C-2", floor="2F")

    services.resident_check_in(resident=resident, desk=None, actor=daily_staff)

    assert resident.desk_assignments.get().desk == expected


def test_check_in_names_everything_that_is_missing(intake_staff, daily_staff):
    # Given an agreement issued but not accepted, nothing paid, no desk in the register
    resident = onboarding()
    agreement = issue(resident, intake_staff)

    with pytest.raises(DomainError) as refused:
        services.resident_check_in(resident=resident, desk=None, actor=daily_staff)

    message = str(refused.value.message)
    assert message.startswith("无法办理入驻（第三章第二条）：")
    assert f"入驻主体尚未签署协议 {agreement.number}" in message
    assert "有未缴账单：INV-2026-" in message and "¥800.00，2026年5月6日到期" in message
    assert "保证金尚缺 ¥2,000.00（应缴 ¥2,000.00，已缴 ¥0.00）" in message
    assert "没有空闲工位" in message
    assert set(refused.value.details["problems"]) == {"agreement", "invoices", "deposit", "desk"}
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.ONBOARDING
    assert not DeskAssignment.objects.exists()


@pytest.mark.parametrize(
    ("skip", "expected"),
    [
        ("accept", "尚未签署协议"),
        ("fee", "有未缴账单"),
        ("deposit", "保证金尚缺 ¥500.00（应缴 ¥2,000.00，已缴 ¥1,500.00）"),
    ],
)
def test_check_in_refuses_each_missing_step_alone(intake_staff, daily_staff, skip, expected):
    resident = onboarding()
    agreement = issue(resident, intake_staff)
    if skip != "accept":
        services.agreement_accept(agreement=agreement, actor=resident.user)
    if skip != "fee":
        pay_first_invoice(resident, intake_staff)
    pay_deposit(resident, intake_staff, "1500.00" if skip == "deposit" else "2000.00")

    with pytest.raises(DomainError) as refused:
        services.resident_check_in(resident=resident, desk=DeskFactory(code="A-101"), actor=daily_staff)

    assert expected in str(refused.value.message)
    assert list(refused.value.details["problems"]) == [{"accept": "agreement", "fee": "invoices",
                                                         "deposit": "deposit"}[skip]]


def test_check_in_waits_for_the_start_date_and_only_invoices_due_by_today_count(intake_staff, daily_staff):
    resident = onboarding()
    agreement = issue(resident, intake_staff, starts_on=TODAY + timedelta(days=3))
    services.agreement_accept(agreement=agreement, actor=resident.user)
    pay_deposit(resident, intake_staff)

    with pytest.raises(DomainError, match="自2026年5月9日起生效，当日起方可办理入驻"):
        services.resident_check_in(resident=resident, desk=DeskFactory(code="A-101"), actor=daily_staff)

    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        with pytest.raises(DomainError, match="有未缴账单"):  # the first fee is due on the start day
            services.resident_check_in(resident=resident, desk=None, actor=daily_staff)
        pay_first_invoice(resident, intake_staff, on=TODAY + timedelta(days=3))
        # The eleven later invoices are not due yet: they do not block.
        assert services.resident_check_in(resident=resident, desk=None, actor=daily_staff).status == "active"


def test_an_out_of_use_or_taken_desk_is_refused(intake_staff, daily_staff):
    resident, other = onboarding(), onboarding()
    ready_for_check_in(resident, intake_staff)
    ready_for_check_in(other, intake_staff)
    broken, taken = DeskFactory(code="X-1", is_active=False), DeskFactory(code="X-2")
    services.resident_check_in(resident=other, desk=taken, actor=daily_staff)

    with pytest.raises(DomainError, match="工位 X-1 已停用") as refused:
        services.resident_check_in(resident=resident, desk=broken, actor=daily_staff)
    assert refused.value.field == "desk"
    with pytest.raises(DomainError, match="工位 X-2 已分配给他人"):
        services.resident_check_in(resident=resident, desk=taken, actor=daily_staff)


def test_a_resident_is_checked_in_once(intake_staff, daily_staff):
    resident = onboarding()
    ready_for_check_in(resident, intake_staff)
    services.resident_check_in(resident=resident, desk=DeskFactory(code="A-101"), actor=daily_staff)

    with pytest.raises(DomainError, match="只有已通过审核、待办理入驻的入驻主体才能办理入驻"):
        services.resident_check_in(resident=resident, desk=DeskFactory(code="A-102"), actor=daily_staff)


# --- Orientation (岗前告知) ------------------------------------------------------------------------------


def test_orientation_records_the_rulebook_version_once(intake_staff, daily_staff):
    resident = onboarding()
    with pytest.raises(DomainError, match="办理入驻后方可确认岗前告知"):
        services.orientation_acknowledge(resident=resident, actor=resident.user)
    ready_for_check_in(resident, intake_staff)
    services.resident_check_in(resident=resident, desk=DeskFactory(code="A-101"), actor=daily_staff)

    first = services.orientation_acknowledge(resident=resident, actor=resident.user)
    again = services.orientation_acknowledge(resident=resident, actor=resident.user)

    assert first == again
    assert (first.rulebook_version, first.acknowledged_by) == (1, resident.user)
    assert OrientationAcknowledgement.objects.filter(resident=resident).count() == 1


# --- The dashboard card "我的协议" ------------------------------------------------------------------------


def test_the_agreement_card_says_what_to_do(intake_staff, django_assert_num_queries):
    resident = onboarding()
    assert selectors.agreement_card(resident) is None
    agreement = issue(resident, intake_staff)

    card = selectors.agreement_card(resident)
    assert (card.agreement, card.status_label, card.action_label) == (agreement, "已出具，待签署", "请阅读并签署入驻协议")
    services.agreement_accept(agreement=agreement, actor=resident.user)
    assert selectors.agreement_card(resident).action_label.startswith("请缴纳首期费用及保证金")

    # 1: agreements with renewal annotations; 2: the rulebook in force; the working-day calendar is held (no query)
    with django_assert_num_queries(2):
        card = selectors.agreement_card(resident, today=TODAY)
    assert (card.ends_on, card.days_left) == (date(2027, 5, 5), 364)
    assert card.url == f"/portal/residents/agreements/{agreement.pk}/"


def test_the_card_announces_the_renewal_window_thirty_days_before_the_end():
    agreement = AgreementFactory(starts_on=date(2025, 6, 5), ends_on=date(2026, 6, 4))

    assert selectors.agreement_card(agreement.resident, today=date(2026, 5, 4)).renewal_label == ""
    card = selectors.agreement_card(agreement.resident, today=date(2026, 5, 5))
    assert card.renewal_label == "将在 30 天内到期：请申请续约或安排退出（第三章第三条）"


def test_nothing_is_half_written_when_check_in_fails_late(intake_staff, daily_staff, monkeypatch):
    """A failure after the desk insert rolls the desk back too (one transaction)."""
    resident = onboarding()
    ready_for_check_in(resident, intake_staff)

    def explode(*args, **kwargs):
        raise RuntimeError("notification outage")

    monkeypatch.setattr(services, "notify", explode)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.resident_check_in(resident=resident, desk=DeskFactory(code="A-101"), actor=daily_staff)

    resident.refresh_from_db()
    assert resident.status == ResidentStatus.ONBOARDING
    assert not DeskAssignment.objects.exists()
