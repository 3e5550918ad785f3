"""Renewal, expiry, exits, bans and the ledger settlement (第三章第三条、第四条; RULEBOOK §4.2–§4.6).

Given/when/then; the clock travels to the days around member_a's end date (2027-03-31).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Ban,
    BanSource,
    ClearanceItem,
    DepositEntry,
    DepositEntryKind,
    Exit,
    ExitClearance,
    ExitKind,
    ExitStatus,
    Payment,
    PaymentMethod,
    RenewalRequest,
    RenewalStatus,
    Resident,
    ResidentStatus,
)
from residents.rules.term import ban_end
from residents.selectors import ledger as ledger_selectors
from residents.selectors import lifecycle as selectors
from residents.services import intake as intake_services
from residents.services import ledger
from residents.services import lifecycle as services
from spaces.models import DeskAssignment
from tests.residents.factories import VALID_USCC, AgreementFactory, ApplicationFactory
from tests.residents.support.lifecycle import (
    AFTER_END,
    END,
    LAST_GRACE_DAY,
    REMINDER_DAY,
    charge,
    exit_handler_fixture,  # noqa: F401 (the exit_handler fixture)
    give_desk,
    on_day,
    pay_deposit,
)

pytestmark = pytest.mark.django_db

ALL_ITEMS = list(ClearanceItem.values)


def _agreement(resident) -> Agreement:
    return resident.agreements.get()


def _kinds(user, kind: str) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


# --- Renewal reminder (RULEBOOK §4.2) -------------------------------------------------------------


def test_the_reminder_goes_to_the_resident_and_the_intake_team_once(member_a, intake_staff):
    agreement = _agreement(member_a)
    with on_day(REMINDER_DAY):
        first = services.renewal_reminder_send(agreement=agreement, today=REMINDER_DAY)
        second = services.renewal_reminder_send(agreement=agreement, today=REMINDER_DAY)

    assert (first, second) == (True, False)
    agreement.refresh_from_db()
    assert agreement.renewal_reminder_sent_at is not None
    assert _kinds(member_a.user, "residents.renewal_reminder") == 1
    assert _kinds(intake_staff, "residents.renewal_reminder") == 1
    message = Notification.objects.get(recipient=member_a.user)
    assert "2027年3月31日" in message.title
    assert "第三章第三条" in message.body


@pytest.mark.parametrize(("day", "sent"), [(date(2027, 2, 28), False), (REMINDER_DAY, True), (date(2027, 3, 2), True)])
def test_the_reminder_is_due_from_thirty_days_before_the_end(member_a, day, sent):
    with on_day(day):
        assert services.renewal_reminder_send(agreement=_agreement(member_a), today=day) is sent


# --- Renewal request and decision (RULEBOOK §4.3) -------------------------------------------------------


def test_renewal_cannot_be_requested_before_the_reminder_date(member_a):
    with on_day(date(2027, 2, 28)), pytest.raises(DomainError, match="2027年3月1日") as refused:
        services.renewal_request(resident=member_a, actor=member_a.user)
    assert refused.value.field == "agreement"


def test_a_renewal_is_approved_when_every_condition_holds(member_a, intake_staff):
    old = _agreement(member_a)
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, note="继续经营", actor=member_a.user)
        # Staff have not confirmed the direction yet: approval refused, naming the condition.
        with pytest.raises(DomainError, match="第三章第三条") as refused:
            services.renewal_approve(renewal=renewal, actor=intake_staff)
        assert refused.value.code == "renewal_conditions_not_met"
        services.renewal_confirm_direction(renewal=renewal, fits=True, actor=intake_staff)
        renewal = services.renewal_approve(renewal=renewal, actor=intake_staff)

    new = renewal.new_agreement
    assert renewal.status == RenewalStatus.APPROVED
    assert (new.starts_on, new.ends_on) == (date(2027, 4, 1), date(2028, 3, 31))
    assert new.renews_id == old.pk
    assert (new.fee_amount, new.deposit_amount) == (old.fee_amount, old.deposit_amount)
    assert [c["met"] for c in renewal.conditions] == [True, True, True, True]
    assert _kinds(member_a.user, "residents.renewal_approved") == 1


def test_a_fee_paid_late_this_term_fails_the_renewal(member_a, intake_staff):
    with on_day(date(2026, 11, 26)):
        invoice = charge(member_a, "800.00", due_on=date(2026, 11, 20), issued_on=date(2026, 11, 1),
                         actor=intake_staff)
        ledger.payment_record(invoice=invoice, amount=Decimal("800.00"), paid_on=date(2026, 11, 26),
                              method=PaymentMethod.BANK_TRANSFER, actor=intake_staff)
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
        services.renewal_confirm_direction(renewal=renewal, fits=True, actor=intake_staff)
        conditions = {c.code: c for c in selectors.renewal_conditions_for(
            resident=member_a, agreement=renewal.agreement, today=REMINDER_DAY, direction_confirmed=True)}
        with pytest.raises(DomainError, match="按时") as refused:
            services.renewal_approve(renewal=renewal, actor=intake_staff)

    assert conditions["fees_on_time"].met is False
    assert "1" in conditions["fees_on_time"].explanation
    assert conditions["no_violation"].met is True
    assert "第三章第三条" in str(refused.value.message)
    assert not Agreement.objects.filter(renews=renewal.agreement).exists()


def test_an_unpaid_overdue_invoice_fails_the_renewal(member_a, intake_staff):
    with on_day(date(2027, 2, 1)):
        charge(member_a, "800.00", due_on=date(2027, 2, 5), issued_on=date(2027, 2, 1), actor=intake_staff)
    with on_day(REMINDER_DAY):
        state = selectors.renewal_state(member_a, today=REMINDER_DAY)
    fees = next(c for c in state.conditions if c.code == "fees_on_time")
    assert fees.met is False
    assert state.can_request  # the resident may still ask; staff cannot approve while it fails


def test_refusal_needs_reasons_and_tells_the_resident(member_a, intake_staff):
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
        with pytest.raises(DomainError) as refused:
            services.renewal_refuse(renewal=renewal, reason=" ", actor=intake_staff)
        assert refused.value.field == "reason"
        renewal = services.renewal_refuse(renewal=renewal, reason="项目方向已调整", actor=intake_staff)

    assert renewal.status == RenewalStatus.REFUSED
    assert len(renewal.conditions) == 4
    assert "项目方向已调整" in Notification.objects.get(recipient=member_a.user,
                                                    kind="residents.renewal_refused").body


def test_one_open_renewal_request_at_a_time(member_a):
    with on_day(REMINDER_DAY):
        services.renewal_request(resident=member_a, actor=member_a.user)
        with pytest.raises(DomainError, match="等待"):
            services.renewal_request(resident=member_a, actor=member_a.user)


def test_the_resident_withdraws_its_request_and_may_ask_again(member_a):
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
        assert services.renewal_withdraw(renewal=renewal, actor=member_a.user).status == RenewalStatus.WITHDRAWN
        with pytest.raises(InvalidTransition):
            services.renewal_withdraw(renewal=renewal, actor=member_a.user)
        services.renewal_request(resident=member_a, actor=member_a.user)
    assert RenewalRequest.objects.filter(resident=member_a).count() == 2


# --- Expiry and the grace period (RULEBOOK §4.4) ------------------------------------------------------


def test_an_agreement_not_renewed_opens_an_expiry_exit_once(member_a, daily_staff):
    agreement = _agreement(member_a)
    with on_day(AFTER_END):
        first = services.exit_open_on_expiry(agreement=agreement, today=AFTER_END)
        second = services.exit_open_on_expiry(agreement=agreement, today=AFTER_END)

    assert second is None
    assert Exit.objects.filter(resident=member_a).count() == 1
    assert (first.kind, first.status, first.exit_on, first.grace_ends_on) == (
        ExitKind.EXPIRY, ExitStatus.SCHEDULED, END, LAST_GRACE_DAY)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.ended_on) == (AgreementStatus.ENDED, END)
    member_a.refresh_from_db()
    assert member_a.status == ResidentStatus.EXITING
    told = Notification.objects.get(recipient=member_a.user, kind="residents.exit_expiry")
    assert "2027年4月7日" in told.title
    assert _kinds(daily_staff, "residents.exit_expiry") == 1


def test_the_end_date_itself_is_still_in_the_term(member_a):
    with on_day(END):
        assert services.exit_open_on_expiry(agreement=_agreement(member_a), today=END) is None
    assert not Exit.objects.exists()


def test_a_renewed_agreement_ends_without_an_exit(member_a, intake_staff):
    old = _agreement(member_a)
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
        services.renewal_confirm_direction(renewal=renewal, fits=True, actor=intake_staff)
        services.renewal_approve(renewal=renewal, actor=intake_staff)
    with on_day(AFTER_END):
        assert services.exit_open_on_expiry(agreement=old, today=AFTER_END) is None
    old.refresh_from_db()
    assert old.status == AgreementStatus.ENDED
    assert old.end_reason == "已续约"
    assert not Exit.objects.exists()


def test_an_undecided_renewal_request_holds_the_expiry(member_a, intake_staff):
    agreement = _agreement(member_a)
    with on_day(date(2027, 3, 20)):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
    with on_day(AFTER_END):
        assert services.exit_open_on_expiry(agreement=agreement, today=AFTER_END) is None
    # Refused after the end date: the grace period runs from the refusal.
    refused_on = date(2027, 4, 3)
    with on_day(refused_on):
        services.renewal_refuse(renewal=renewal, reason="不符合社区方向", actor=intake_staff)
        exit = services.exit_open_on_expiry(agreement=agreement, today=refused_on)
    assert exit.grace_ends_on == date(2027, 4, 10)


@pytest.mark.parametrize(("day", "days_after"), [(LAST_GRACE_DAY, None), (date(2027, 4, 8), 1), (date(2027, 4, 15), 8)])
def test_overdue_exits_count_the_days_after_the_grace_period(member_a, day, days_after):
    with on_day(AFTER_END):
        services.exit_open_on_expiry(agreement=_agreement(member_a), today=AFTER_END)
    rows = {e.resident_id: e.days_after_grace for e in selectors.overdue_exits(today=day)}
    assert rows.get(member_a.pk) == days_after


def test_overdue_exits_is_one_query_for_any_number(django_assert_num_queries, member_a, member_b):
    with on_day(AFTER_END):
        for resident in (member_a, member_b):
            services.exit_open_on_expiry(agreement=_agreement(resident), today=AFTER_END)
    with django_assert_num_queries(1):  # exits joined with their residents, days computed in SQL
        rows = list(selectors.overdue_exits(today=date(2027, 4, 10)))
    assert [row.days_after_grace for row in rows] == [3, 3]
    assert {row.resident.name for row in rows} == {"张三", "欧阳娜娜"}


# --- Voluntary exit (第三章第四条) ---------------------------------------------------------------------

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(("days", "allowed"), [(14, False), (15, True), (16, True)])
def test_a_voluntary_exit_needs_fifteen_days_notice(member_a, days, allowed):
    with on_day(TODAY):
        if allowed:
            exit = services.exit_request_voluntary(resident=member_a, exit_on=TODAY + timedelta(days=days),
                                                   actor=member_a.user)
            assert (exit.status, exit.kind) == (ExitStatus.REQUESTED, ExitKind.VOLUNTARY)
        else:
            with pytest.raises(DomainError, match="2026年12月11日") as refused:
                services.exit_request_voluntary(resident=member_a, exit_on=TODAY + timedelta(days=days),
                                                actor=member_a.user)
            assert refused.value.field == "exit_on"
            assert "第三章第四条" in str(refused.value.message)


def test_a_voluntary_exit_date_after_the_agreement_is_refused(member_a):
    with on_day(TODAY), pytest.raises(DomainError, match="2027年3月31日"):
        services.exit_request_voluntary(resident=member_a, exit_on=date(2027, 4, 15), actor=member_a.user)


def test_a_voluntary_exit_withdraws_an_open_renewal_request(member_a):
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
        services.exit_request_voluntary(resident=member_a, exit_on=date(2027, 3, 20), actor=member_a.user)
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.WITHDRAWN


def _scheduled_voluntary_exit(resident, staff, exit_on=date(2026, 12, 15)) -> Exit:
    with on_day(TODAY):
        exit = services.exit_request_voluntary(resident=resident, exit_on=exit_on, actor=resident.user)
        return services.exit_confirm(exit=exit, actor=staff)


def test_confirming_a_voluntary_exit_makes_the_resident_exiting(member_a, daily_staff):
    exit = _scheduled_voluntary_exit(member_a, daily_staff)
    member_a.refresh_from_db()
    assert exit.status == ExitStatus.SCHEDULED
    assert member_a.status == ResidentStatus.EXITING
    assert _kinds(member_a.user, "residents.exit_confirmed") == 1


def test_the_checklist_settles_the_ledger_and_completes_the_exit(member_a, daily_staff, intake_staff, exit_handler):
    with on_day(date(2026, 11, 20)):
        pay_deposit(member_a, "2000.00", on=date(2026, 11, 20), actor=intake_staff)
        open_fee = charge(member_a, "800.00", due_on=date(2026, 12, 1), issued_on=date(2026, 11, 20),
                          actor=intake_staff)
        give_desk(member_a, daily_staff)
    exit = _scheduled_voluntary_exit(member_a, daily_staff)
    exit_day = date(2026, 12, 15)

    with on_day(exit_day):
        # The deposit pays the fees first: refunding before that is refused.
        with pytest.raises(DomainError, match="费用"):
            services.exit_clear(exit=exit, item=ClearanceItem.DEPOSIT_SETTLED, actor=daily_staff)
        fees = services.exit_clear(exit=exit, item=ClearanceItem.FEES_SETTLED, actor=daily_staff)
        deposit = services.exit_clear(exit=exit, item=ClearanceItem.DEPOSIT_SETTLED, actor=daily_staff)
        services.exit_clear(exit=exit, item=ClearanceItem.ITEMS_CLEARED, note="钥匙卡已交回", actor=daily_staff)
        desk = services.exit_clear(exit=exit, item=ClearanceItem.DESK_RELEASED, actor=daily_staff)
        with pytest.raises(ConflictError):
            services.exit_clear(exit=exit, item=ClearanceItem.DESK_RELEASED, actor=daily_staff)
        services.exit_clear(exit=exit, item=ClearanceItem.PERMISSIONS_REVOKED, actor=daily_staff)

    # Fees: the open invoice paid from the deposit (a "deposit" payment + an "applied" entry).
    assert ledger_selectors.invoice_balance(open_fee) == 0
    assert Payment.objects.get(invoice=open_fee).method == PaymentMethod.DEPOSIT
    assert "¥800.00" in fees.note
    # Deposit: the rest refunded, nothing held.
    assert "¥1,200.00" in deposit.note
    assert ledger_selectors.deposit_held(member_a) == 0
    assert list(DepositEntry.objects.filter(resident=member_a).values_list("kind", "amount")) == [
        (DepositEntryKind.PAID, Decimal("2000.00")),
        (DepositEntryKind.APPLIED, Decimal("800.00")),
        (DepositEntryKind.REFUNDED, Decimal("1200.00")),
    ]
    assert "A-101" in desk.note
    assert not DeskAssignment.objects.filter(resident=member_a, ends_at__isnull=True).exists()
    assert len(exit_handler) == 1 and exit_handler[0]["exit"].pk == exit.pk
    # Who cleared what, when: one row per item.
    assert sorted(exit.clearances.values_list("item", flat=True)) == sorted(ALL_ITEMS)
    assert set(exit.clearances.values_list("cleared_by", flat=True)) == {daily_staff.pk}
    # Completed: resident exited, archive kept three years, agreement ended on the exit date.
    exit.refresh_from_db()
    member_a.refresh_from_db()
    assert exit.status == ExitStatus.COMPLETED and exit.completed_by == daily_staff
    assert (member_a.status, member_a.exited_on, member_a.retain_until) == (
        ResidentStatus.EXITED, exit_day, date(2029, 12, 15))
    agreement = _agreement(member_a)
    assert (agreement.status, agreement.ended_on) == (AgreementStatus.ENDED, exit_day)
    assert _kinds(member_a.user, "residents.exit_completed") == 1
    assert _kinds(member_a.user, "residents.exit_clearance") == 4


def test_fees_the_deposit_cannot_cover_must_be_paid_first(member_a, daily_staff, intake_staff):
    with on_day(date(2026, 11, 20)):
        pay_deposit(member_a, "500.00", on=date(2026, 11, 20), actor=intake_staff)
        invoice = charge(member_a, "800.00", due_on=date(2026, 12, 1), issued_on=date(2026, 11, 20),
                         actor=intake_staff)
    exit = _scheduled_voluntary_exit(member_a, daily_staff)
    with on_day(date(2026, 12, 15)):
        with pytest.raises(DomainError, match="¥300.00") as refused:
            services.exit_clear(exit=exit, item=ClearanceItem.FEES_SETTLED, actor=daily_staff)
        assert refused.value.code == "fees_outstanding"
        # Nothing half-written: the deposit is untouched.
        assert ledger_selectors.deposit_held(member_a) == Decimal("500.00")
        ledger.payment_record(invoice=invoice, amount=Decimal("300.00"), paid_on=date(2026, 12, 15),
                              method=PaymentMethod.WECHAT, actor=intake_staff)
        services.exit_clear(exit=exit, item=ClearanceItem.FEES_SETTLED, actor=daily_staff)
        deposit = services.exit_clear(exit=exit, item=ClearanceItem.DEPOSIT_SETTLED, actor=daily_staff)
    assert ledger_selectors.invoice_balance(invoice) == 0
    assert deposit.note.startswith("无保证金") or "无" in deposit.note
    assert ledger_selectors.deposit_held(member_a) == 0


def test_an_unconfirmed_exit_cannot_be_cleared(member_a, daily_staff):
    with on_day(TODAY):
        exit = services.exit_request_voluntary(resident=member_a, exit_on=date(2026, 12, 15), actor=member_a.user)
        with pytest.raises(InvalidTransition):
            services.exit_clear(exit=exit, item=ClearanceItem.ITEMS_CLEARED, actor=daily_staff)


def test_the_resident_withdraws_and_staff_cancel_with_reasons(member_a, daily_staff):
    with on_day(TODAY):
        exit = services.exit_request_voluntary(resident=member_a, exit_on=date(2026, 12, 15), actor=member_a.user)
        assert services.exit_withdraw(exit=exit, actor=member_a.user).status == ExitStatus.CANCELLED
    exit = _scheduled_voluntary_exit(member_a, daily_staff)
    with on_day(TODAY):
        with pytest.raises(DomainError):
            services.exit_cancel(exit=exit, reason="", actor=daily_staff)
        services.exit_cancel(exit=exit, reason="入驻主体决定留下", actor=daily_staff)
    member_a.refresh_from_db()
    assert member_a.status == ResidentStatus.ACTIVE


def test_a_failing_exit_handler_rolls_the_step_back(member_a, daily_staff):
    exit = _scheduled_voluntary_exit(member_a, daily_staff)

    def broken(*, resident, exit, actor):
        raise RuntimeError("bookings service down")

    services.register_exit_handler("tests.broken", broken)
    try:
        with on_day(date(2026, 12, 15)), pytest.raises(RuntimeError):
            services.exit_clear(exit=exit, item=ClearanceItem.PERMISSIONS_REVOKED, actor=daily_staff)
    finally:
        services.unregister_exit_handler("tests.broken")
    assert not exit.clearances.exists()


# --- Forced exit (RULEBOOK §4.5, §4.6) -----------------------------------------------------------------


def _member_with_money_and_desk(resident, staff, *, uscc: str = VALID_USCC[0]):
    Application.objects.filter(pk=resident.application_id).update(uscc=uscc)
    resident.refresh_from_db()  # a locked row keeps the related rows its caller loaded (core.transitions.lock)
    with on_day(date(2026, 11, 20)):
        pay_deposit(resident, "2000.00", on=date(2026, 11, 20), actor=staff)
        give_desk(resident, staff)


def test_force_exit_does_everything_at_once(member_a, administrator, exit_handler):
    _member_with_money_and_desk(member_a, administrator)
    with on_day(TODAY):
        exit = services.force_exit(resident=member_a, reason="转租工位，整改逾期未完成", ban_years=3,
                                   actor=administrator)

    member_a.refresh_from_db()
    agreement = _agreement(member_a)
    ban = Ban.objects.get(resident=member_a)
    assert (exit.kind, exit.status, exit.deposit_outcome, exit.ban_years) == (
        ExitKind.FORCED, ExitStatus.COMPLETED, "forfeit", 3)
    assert (agreement.status, agreement.ended_on) == (AgreementStatus.ENDED, TODAY)
    assert ledger_selectors.deposit_held(member_a) == 0
    assert DepositEntry.objects.get(resident=member_a, kind=DepositEntryKind.FORFEITED).amount == Decimal("2000.00")
    assert (ban.id_number, ban.uscc, ban.source) == (member_a.application.id_number, VALID_USCC[0],
                                                     BanSource.FORCED_EXIT)
    assert (ban.starts_on, ban.ends_on) == (TODAY, ban_end(TODAY, 3)) == (TODAY, date(2029, 11, 25))
    assert not DeskAssignment.objects.filter(resident=member_a, ends_at__isnull=True).exists()
    assert len(exit_handler) == 1
    assert (member_a.status, member_a.exited_on, member_a.retain_until) == (
        ResidentStatus.EXITED, TODAY, date(2029, 11, 26))
    assert sorted(exit.clearances.values_list("item", flat=True)) == sorted(ALL_ITEMS)
    assert _kinds(member_a.user, "residents.exit_forced") == 1


def test_the_forfeited_deposit_pays_no_fees(member_a, administrator):
    _member_with_money_and_desk(member_a, administrator)
    with on_day(date(2026, 11, 20)):
        invoice = charge(member_a, "800.00", due_on=date(2026, 11, 25), issued_on=date(2026, 11, 20),
                         actor=administrator)
    with on_day(TODAY):
        exit = services.force_exit(resident=member_a, reason="严重违规", ban_years=3, actor=administrator)
    assert ledger_selectors.invoice_balance(invoice) == Decimal("800.00")
    assert invoice.number in exit.clearances.get(item=ClearanceItem.FEES_SETTLED).note


def test_a_banned_id_number_cannot_apply_again(member_a, administrator, outsider):
    _member_with_money_and_desk(member_a, administrator)
    with on_day(TODAY):
        services.force_exit(resident=member_a, reason="严重违规", ban_years=3, actor=administrator)
        again = ApplicationFactory(applicant=outsider, status=ApplicationStatus.DRAFT,
                                   id_number=member_a.application.id_number)
        problems = intake_services.submission_problems(again, today=TODAY)
    assert "2029年11月25日" in " ".join(problems.errors["id_number"])
    ban = intake_services.ban_in_force_for(id_number="", uscc=VALID_USCC[0], on=date(2029, 11, 25))
    assert ban is not None
    assert intake_services.ban_in_force_for(id_number="", uscc=VALID_USCC[0], on=date(2029, 11, 26)) is None


def test_the_longer_ban_wins(member_a, administrator):
    _member_with_money_and_desk(member_a, administrator)
    earlier = Ban.objects.create(id_number=member_a.application.id_number, source=BanSource.SUBSIDY_FRAUD,
                                 starts_on=date(2026, 1, 1), ends_on=date(2028, 12, 31))
    with on_day(TODAY):
        services.force_exit(resident=member_a, reason="转租", ban_years=1, ban_source=BanSource.SUBLETTING,
                            actor=administrator)
    # The new 1-year ban ends 2027-11-25; the earlier one (to 2028-12-31) keeps applying.
    assert Ban.objects.filter(id_number=member_a.application.id_number).count() == 2
    ban = intake_services.ban_in_force_for(id_number=member_a.application.id_number, uscc="", on=TODAY)
    assert ban.pk == earlier.pk
    assert intake_services.ban_in_force_for(
        id_number=member_a.application.id_number, uscc="", on=date(2028, 6, 1)).pk == earlier.pk


def test_force_exit_supersedes_an_exit_in_grace(member_a, administrator):
    with on_day(AFTER_END):
        expiry = services.exit_open_on_expiry(agreement=_agreement(member_a), today=AFTER_END)
    with on_day(date(2027, 4, 16)):
        forced = services.force_exit(resident=member_a, reason="逾期退出超过7天", ban_years=3, actor=administrator)
        with pytest.raises(InvalidTransition):
            services.force_exit(resident=member_a, reason="再次", ban_years=3, actor=administrator)
    expiry.refresh_from_db()
    assert expiry.status == ExitStatus.CANCELLED
    assert forced.status == ExitStatus.COMPLETED


def test_force_exit_needs_a_reason(member_a, administrator):
    with pytest.raises(DomainError) as refused:
        services.force_exit(resident=member_a, reason="", ban_years=3, actor=administrator)
    assert refused.value.field == "reason"
    assert not Exit.objects.exists()


# --- Exit by assessment (RULEBOOK §4.5 decision) ---------------------------------------------------------


def test_exit_by_assessment_refunds_the_deposit_and_bans_nobody(member_a, administrator, daily_staff, exit_handler):
    _member_with_money_and_desk(member_a, administrator)
    with on_day(date(2026, 11, 20)):
        charge(member_a, "800.00", due_on=date(2026, 11, 25), issued_on=date(2026, 11, 20), actor=administrator)
    with on_day(TODAY):
        exit = services.exit_by_assessment(resident=member_a, reason="连续两个季度考核不合格", actor=administrator)

    member_a.refresh_from_db()
    assert (exit.kind, exit.status, exit.deposit_outcome) == (ExitKind.ASSESSMENT, ExitStatus.SCHEDULED, "refund")
    assert member_a.status == ResidentStatus.EXITING
    assert not Ban.objects.exists()
    assert ledger_selectors.deposit_held(member_a) == 0
    assert DepositEntry.objects.get(resident=member_a, kind=DepositEntryKind.REFUNDED).amount == Decimal("1200.00")
    assert _agreement(member_a).status == AgreementStatus.ENDED
    assert len(exit_handler) == 1
    assert sorted(exit.clearances.values_list("item", flat=True)) == sorted(
        set(ALL_ITEMS) - {ClearanceItem.ITEMS_CLEARED})
    with on_day(TODAY):
        services.exit_clear(exit=exit, item=ClearanceItem.ITEMS_CLEARED, actor=daily_staff)
    member_a.refresh_from_db()
    assert member_a.status == ResidentStatus.EXITED


def test_exit_by_assessment_leaves_fees_the_deposit_cannot_cover(member_a, administrator):
    with on_day(date(2026, 11, 20)):
        pay_deposit(member_a, "100.00", on=date(2026, 11, 20), actor=administrator)
        charge(member_a, "800.00", due_on=date(2026, 11, 25), issued_on=date(2026, 11, 20), actor=administrator)
    with on_day(TODAY):
        exit = services.exit_by_assessment(resident=member_a, reason="考核淘汰", actor=administrator)
    cleared = set(exit.clearances.values_list("item", flat=True))
    assert ClearanceItem.FEES_SETTLED not in cleared and ClearanceItem.DEPOSIT_SETTLED not in cleared
    assert ledger_selectors.deposit_held(member_a) == Decimal("100.00")


# --- The archive stays (第三章第五条) ------------------------------------------------------------------------


def test_an_exited_residents_records_cannot_be_deleted_within_retention(member_a, administrator):
    with on_day(TODAY):
        exit = services.force_exit(resident=member_a, reason="严重违规", ban_years=3, actor=administrator)
    rows = [(ExitClearance, exit.clearances.first().pk), (Exit, exit.pk), (Ban, Ban.objects.get().pk),
            (Resident, member_a.pk)]
    for model, pk in rows:
        # Plain SQL, as a database user would: only the database protects the row.
        with pytest.raises(DatabaseError, match="第三章第五条"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608


def test_two_residents_exits_do_not_mix(member_a, member_b, daily_staff):
    exit_a = _scheduled_voluntary_exit(member_a, daily_staff)
    with on_day(TODAY):
        exit_b = services.exit_request_voluntary(resident=member_b, exit_on=date(2026, 12, 20), actor=member_b.user)
    assert list(selectors.exits_of(member_a)) == [exit_a]
    assert list(selectors.exits_of(member_b)) == [exit_b]
    assert AgreementFactory._meta.model.objects.filter(resident=member_b, status=AgreementStatus.ACCEPTED).exists()
