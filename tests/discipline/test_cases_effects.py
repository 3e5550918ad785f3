"""Effects of a confirmed penalty, through the owning apps' services (invoices, suspensions, deposit,
forced exit with its ban), applied once; the "until paid" suspension lifted by the payment."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from discipline.models import CaseStatus, PenaltyMeasure, Suspension, ViolationCase
from discipline.selectors import active_suspension
from discipline.services import cases as services
from opc_community.portal.models import Notification
from residents.models import (
    AgreementStatus,
    Ban,
    BanSource,
    DepositEntry,
    DepositEntryKind,
    Invoice,
    InvoiceKind,
    PaymentMethod,
    ResidentStatus,
)
from residents.selectors.ledger import deposit_held
from residents.services import ledger
from tests.discipline.support.cases import (
    SH,
    TODAY,
    close,
    confirmed_case,
    on_day,
    open_case,
    pay_deposit,
    to_notice,
    to_published,
)
from tests.spec import case_id, cases

pytestmark = pytest.mark.django_db


def test_a_fine_becomes_an_invoice_due_in_15_days(today, member_a, daily_staff, administrator):
    # 2b second time: fine 50
    confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=TODAY - timedelta(days=20))
    case = confirmed_case(member_a, daily_staff, administrator, kind="2b")
    fine = case.measures.get()
    invoice = fine.invoice
    assert (invoice.kind, invoice.amount, invoice.due_on) == (InvoiceKind.FINE, Decimal("50.00"), TODAY + timedelta(15))
    assert invoice.source_key == f"case:{case.pk}:fine:{fine.pk}"
    assert case.number in invoice.description
    assert fine.applied_at is not None


def test_effects_are_applied_once(today, member_a, daily_staff, administrator):
    pay_deposit(member_a, actor=administrator)
    case = confirmed_case(member_a, daily_staff, administrator, kind="1a", facts="未经审批占用 B-203 工位。")
    invoices, entries = Invoice.objects.count(), DepositEntry.objects.count()
    applied = list(PenaltyMeasure.objects.filter(case=case).values_list("id", "applied_at", "invoice_id", "note"))

    services.apply_effects(case=case)  # again
    services.penalty_publication_closed(case_publication(case), overturned=False)  # the hook again

    assert Invoice.objects.count() == invoices and DepositEntry.objects.count() == entries
    assert list(PenaltyMeasure.objects.filter(case=case).values_list("id", "applied_at", "invoice_id", "note")) == applied


def case_publication(case):
    from discipline.selectors.cases import publication_of

    return publication_of(case)


def test_a_lone_deposit_forfeiture_takes_the_deposit_held(today, member_a, daily_staff, administrator):
    pay_deposit(member_a, "2000.00", actor=administrator)
    case = confirmed_case(member_a, daily_staff, administrator, kind="1a", facts="未经审批占用 B-203 工位。")
    forfeited = DepositEntry.objects.get(resident=member_a, kind=DepositEntryKind.FORFEITED)
    assert forfeited.amount == Decimal("2000.00") and deposit_held(member_a) == 0
    measures = {m.type: m for m in case.measures.all()}
    assert measures["deposit_forfeiture"].note == "已没收 ¥2,000.00"
    assert measures["fine"].invoice.amount == Decimal("500.00")
    assert measures["eviction"].applied_at is not None  # an exit ordered, with its clearance steps
    member_a.refresh_from_db()
    assert member_a.status == ResidentStatus.EXITING  # 1a is no forced exit: no ban, the exit is cleared by staff
    assert not Ban.objects.filter(resident=member_a).exists()


def test_no_deposit_held_is_noted_not_refused(today, member_a, daily_staff, administrator):
    case = confirmed_case(member_a, daily_staff, administrator, kind="1a", facts="未经审批占用 B-203 工位。")
    assert case.measures.get(type="deposit_forfeiture").note == "无保证金可没收"


def test_a_suspension_of_days_blocks_its_scope(today, member_a, daily_staff, administrator):
    case = confirmed_case(member_a, daily_staff, administrator, kind="3a", facts="批量申领算力券转售。")
    measure = case.measures.get(type="suspension")
    suspension = measure.suspension
    assert (suspension.scope, suspension.until_paid) == ("resources", None)
    assert suspension.ends_at - suspension.starts_at == timedelta(days=3)
    assert active_suspension(member_a.pk, "resources") == suspension
    assert active_suspension(member_a.pk, "public_spaces") is None
    assert active_suspension(member_a.pk, "resources", at=suspension.ends_at + timedelta(seconds=1)) is None


def test_a_community_suspension_for_serious_unauthorised_promotion(today, member_a, daily_staff, administrator):
    case = confirmed_case(
        member_a, daily_staff, administrator, kind="4c", flags=["serious"], flag_reason="在大厅张贴大量广告",
        facts="未经许可在公共区域张贴广告。", amounts={2: Decimal("150")},
    )
    suspension = case.measures.get(type="suspension").suspension
    assert suspension.scope == "community"
    assert active_suspension(member_a.pk, "public_spaces") == suspension  # community blocks every scope


@pytest.mark.parametrize("case", [c for c in cases("discipline_decisions") if "rectified" in c], ids=case_id)
def test_conformance_3c_not_rectified_adds_a_public_resources_suspension(case, member_a, daily_staff, administrator):
    with on_day(TODAY):
        found = open_case(member_a, daily_staff, kind=case["kind"], facts="损坏共享投影仪后未修复。")
        to_notice(found, daily_staff, deadline=TODAY + timedelta(days=1))
    with on_day(TODAY + timedelta(days=2)):
        services.case_mark_not_rectified(case=found, actor=daily_staff)
        services.case_decide(case=found, actor=administrator, amounts={0: Decimal("600")})
        close(services.case_publish(case=found, actor=administrator))
    found.refresh_from_db()
    assert found.status == CaseStatus.CONFIRMED
    measures = list(found.measures.order_by("id"))
    assert [f"{m.type} {m.scope} {m.days} days" if m.scope else m.type for m in measures] == case["measures"]
    assert measures[0].invoice.kind == InvoiceKind.COMPENSATION
    suspension = measures[2].suspension
    assert suspension.ends_at - suspension.starts_at == timedelta(days=7)
    during = suspension.starts_at + timedelta(days=1)
    assert active_suspension(member_a.pk, "public_resources", at=during) == suspension
    assert active_suspension(member_a.pk, "resources", at=during) is None
    assert active_suspension(member_a.pk, "public_spaces", at=during) is None


def test_report_to_the_authorities_is_a_staff_task_once(today, member_a, daily_staff, administrator):
    case = confirmed_case(
        member_a, daily_staff, administrator, kind="3b", flags=["serious"], flag_reason="金额巨大",
        facts="伪造材料申领补贴。", amounts={0: Decimal("800"), 1: Decimal("2000")},
    )
    assert Notification.objects.filter(recipient=administrator, kind="discipline.staff_task").count() == 1
    services.apply_effects(case=case)
    assert Notification.objects.filter(recipient=administrator, kind="discipline.staff_task").count() == 1


# --- Forced exit (RULEBOOK §4.5, §4.6) ---------------------------------------------------------------


def _future_booking(resident):
    from tests.spaces.factories import BookingFactory, RoomFactory

    return BookingFactory(resident=resident, room=RoomFactory(code="A301"),
                          starts_at=datetime(2026, 10, 20, 10, 0, tzinfo=SH))


def test_forced_exit_ends_agreement_forfeits_deposit_bans_3_years_cancels_bookings(
    member_a, daily_staff, administrator
):
    from spaces.models import BookingStatus

    with on_day(TODAY):
        pay_deposit(member_a, "2000.00", actor=administrator)
        booking = _future_booking(member_a)
        case = confirmed_case(member_a, daily_staff, administrator, kind="4b", facts="在社区内销售盗版软件。")
    member_a.refresh_from_db()
    assert member_a.status == ResidentStatus.EXITED
    assert member_a.agreements.get().status == AgreementStatus.ENDED
    assert deposit_held(member_a) == 0
    assert DepositEntry.objects.filter(resident=member_a, kind=DepositEntryKind.FORFEITED).exists()
    ban = Ban.objects.get()
    assert ban.source == BanSource.FORCED_EXIT and ban.ends_on.year == 2029
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    measures = {m.type: m for m in case.measures.all()}
    assert measures["forced_exit"].ban_years == 3
    assert measures["deposit_forfeiture"].note == "随强制退出没收"
    assert Notification.objects.filter(recipient=administrator, kind="discipline.staff_task").count() == 2


def test_subletting_not_rectified_is_a_forced_exit_with_a_1_year_ban(member_a, daily_staff, administrator):
    with on_day(TODAY):
        pay_deposit(member_a, actor=administrator)
        case = open_case(member_a, daily_staff, kind="1c", facts="将工位转借给非入驻人员使用。")
        to_notice(case, daily_staff, deadline=TODAY + timedelta(days=1))
    with on_day(TODAY + timedelta(days=2)):
        services.case_mark_not_rectified(case=case, actor=daily_staff)
        services.case_decide(case=case, actor=administrator)
        publication = services.case_publish(case=case, actor=administrator)
        close(publication)
    ban = Ban.objects.get()
    assert ban.source == BanSource.SUBLETTING
    assert ban.ends_on == date(2027, 10, 13)  # 1 year from 2026-10-14, the last day inclusive
    fine = Invoice.objects.get(kind=InvoiceKind.FINE)
    assert fine.amount == Decimal("800.00")


def test_forced_exit_of_an_exited_resident_is_noted(today, member_a, daily_staff, administrator):
    from residents.services.lifecycle import force_exit

    case = open_case(member_a, daily_staff, kind="6c", facts="利用社区网络实施诈骗。")
    publication = to_published(case, daily_staff, administrator)
    force_exit(resident=member_a, reason="另案强制退出", ban_years=3, actor=administrator)
    close(publication)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED
    assert case.measures.get(type="forced_exit").note == "已退出：无需强制退出"


# --- Automatic ladders: kind 7 "until paid" -------------------------------------------------------------


def _overdue_invoice(resident, actor):
    return ledger.invoice_create(
        resident=resident, kind=InvoiceKind.FEE, description="2026年9月工位费", amount=Decimal("800.00"),
        issued_on=date(2026, 9, 1), due_on=date(2026, 9, 10), actor=actor,
    )


def test_run_automatic_goes_to_published_as_the_system(today, member_a, administrator):
    invoice = _overdue_invoice(member_a, administrator)
    case = open_case(member_a, None, kind="7", measure=Decimal("20"), source_key=f"overdue:{invoice.pk}:16",
                     facts="账单逾期 20 天未缴。")
    case = services.case_run_automatic(case=case, until_paid_invoice=invoice)
    assert case.status == CaseStatus.PUBLISHED
    assert case.verified_by is None and case.decided_by is None
    assert invoice.number in case.notice.requirement and "2026年10月19日" in case.notice.requirement
    measure = case.measures.get()
    assert (measure.type, measure.until_paid, measure.invoice) == ("suspension", True, invoice)
    # idempotent
    assert services.case_run_automatic(case=case, until_paid_invoice=invoice).pk == case.pk
    assert ViolationCase.objects.count() == 1


def test_until_paid_suspension_is_lifted_by_the_payment_the_same_day(member_a, administrator):
    with on_day(TODAY):
        invoice = _overdue_invoice(member_a, administrator)
        case = open_case(member_a, None, kind="7", measure=Decimal("20"), source_key=f"overdue:{invoice.pk}:16",
                         facts="账单逾期 20 天未缴。")
        case = services.case_run_automatic(case=case, until_paid_invoice=invoice)
        close(case_publication(case))
    suspension = Suspension.objects.get()
    assert suspension.until_paid == invoice and suspension.ends_at is None
    with on_day(TODAY + timedelta(days=5), hour=15):
        assert active_suspension(member_a.pk, "resources") == suspension
        ledger.payment_record(invoice=invoice, amount="400.00", paid_on=timezone.localdate(),
                              method=PaymentMethod.WECHAT, actor=administrator)
        assert active_suspension(member_a.pk, "resources") == suspension  # half paid: still suspended
        ledger.payment_record(invoice=invoice, amount="400.00", paid_on=timezone.localdate(),
                              method=PaymentMethod.WECHAT, actor=administrator)
        suspension.refresh_from_db()
        assert timezone.localdate(suspension.lifted_at) == TODAY + timedelta(days=5)
        assert active_suspension(member_a.pk, "resources") is None


def test_an_invoice_paid_before_confirmation_creates_no_suspension(member_a, administrator):
    with on_day(TODAY):
        invoice = _overdue_invoice(member_a, administrator)
        case = open_case(member_a, None, kind="7", measure=Decimal("20"), source_key=f"overdue:{invoice.pk}:16",
                         facts="账单逾期 20 天未缴。")
        case = services.case_run_automatic(case=case, until_paid_invoice=invoice)
        ledger.payment_record(invoice=invoice, amount="800.00", paid_on=TODAY, method=PaymentMethod.CASH,
                              actor=administrator)
        close(case_publication(case))
    assert not Suspension.objects.exists()
    assert case.measures.get().note == "账单已缴清：不再暂停"


def test_overdue_exit_beyond_7_days_forced_exit_plus_fine_1000(today, member_a, administrator):
    pay_deposit(member_a, actor=administrator)
    case = open_case(member_a, None, kind="1b", measure=Decimal("8"), source_key="exit:1:8",
                     facts="缓冲期结束后 8 天仍未清退。")
    case = services.case_run_automatic(case=case)
    close(case_publication(case))
    member_a.refresh_from_db()
    assert member_a.status == ResidentStatus.EXITED
    assert Invoice.objects.get(kind=InvoiceKind.FINE).amount == Decimal("1000.00")
    assert Ban.objects.get().source == BanSource.FORCED_EXIT


def test_annulling_a_confirmed_case_lifts_its_suspension_and_names_the_invoice(today, member_a, daily_staff,
                                                                                administrator):
    confirmed_case(member_a, daily_staff, administrator, kind="3a", occurred_on=TODAY - timedelta(days=3),
                   facts="批量申领算力券转售。")
    case = confirmed_case(member_a, daily_staff, administrator, kind="3a", facts="再次批量申领算力券转售。",
                          amounts={0: Decimal("200")})
    services.case_annul(case=case, reason="复核成立", actor=administrator)
    suspension = case.measures.get(type="suspension").suspension
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None
    note = Notification.objects.get(recipient=administrator, kind="discipline.case_annulled_manual")
    assert case.measures.get(type="fine").invoice.number in note.body
