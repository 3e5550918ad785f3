""""立即" measures and effects that do something (RULEBOOK §9, decisions added 2026-12): the interim community
suspension of 1a / 4b / 6c (effective at once, with its reason, shown to the resident and refusing every
community action, ended when the final measure takes effect or the case is dismissed); confiscated gains
(3b) owed as an invoice line; the eviction of 1a as an exit with its clearance steps."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from discipline.models import CaseStatus, Suspension
from discipline.services import cases as services
from discipline.services import interim
from opc_community.core.errors import DomainError
from residents.guards import Action, ensure_allowed
from residents.models import ExitClearance, ExitKind, InvoiceKind, ResidentStatus
from tests.discipline.support.cases import (
    TODAY,
    close,
    confirmed_case,
    evidence,
    on_day,
    open_case,
    pay_deposit,
    to_published,
)

pytestmark = pytest.mark.django_db


def _verified(resident, staff, kind="4b"):
    case = open_case(resident, staff, kind=kind, facts="在社区内销售盗版软件。")
    services.case_verify(case=case, actor=staff, evidence=[evidence()])
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(("kind", "allowed"), [("1a", True), ("4b", True), ("6c", True), ("2b", False)])
def test_only_immediate_kinds_take_an_interim_suspension(today, member_a, daily_staff, administrator, kind, allowed):
    case = _verified(member_a, daily_staff, kind=kind)
    assert interim.may_impose_interim(case) is allowed
    if allowed:
        suspension = interim.interim_suspend(case=case, reason="正在销售盗版", actor=administrator)
        assert suspension.scope == "community" and suspension.interim_for == case and suspension.ends_at is None
    else:
        with pytest.raises(DomainError):
            interim.interim_suspend(case=case, reason="正在销售盗版", actor=administrator)


def test_the_interim_suspension_refuses_at_once_with_its_reason(today, member_a, daily_staff, administrator):
    case = _verified(member_a, daily_staff)
    with pytest.raises(DomainError):  # the reason is required
        interim.interim_suspend(case=case, reason=" ", actor=administrator)
    with pytest.raises(PermissionDenied):  # the administrator only
        interim.interim_suspend(case=case, reason="正在销售盗版", actor=daily_staff)
    interim.interim_suspend(case=case, reason="正在销售盗版", actor=administrator)
    with pytest.raises(DomainError) as refused:
        ensure_allowed(member_a, Action.REGISTER_ACTIVITY)
    assert "正在销售盗版" in refused.value.message
    with pytest.raises(DomainError):  # one at a time
        interim.interim_suspend(case=case, reason="再次", actor=administrator)


def test_the_interim_suspension_ends_when_the_case_is_dismissed(today, member_a, daily_staff, administrator):
    case = _verified(member_a, daily_staff)
    suspension = interim.interim_suspend(case=case, reason="正在销售盗版", actor=administrator)
    services.case_dismiss(case=case, actor=daily_staff, reason="查无实据")
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None
    ensure_allowed(member_a, Action.REGISTER_ACTIVITY)  # allowed again


def test_the_interim_suspension_ends_when_the_final_measure_takes_effect(member_a, daily_staff, administrator):
    with on_day(TODAY):
        case = _verified(member_a, daily_staff, kind="1a")
        suspension = interim.interim_suspend(case=case, reason="未经审批占用工位", actor=administrator)
        services.notice_issue(case=case, requirement="立即搬离。", actor=daily_staff)
        case.refresh_from_db()
        services.case_decide(case=case, actor=administrator)
        publication = services.case_publish(case=case, actor=administrator)
    suspension.refresh_from_db()
    assert suspension.lifted_at is None  # the final measure waits for the window
    close(publication)
    case.refresh_from_db()
    suspension.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED and suspension.lifted_at is not None
    assert not Suspension.objects.filter(interim_for=case, lifted_at__isnull=True).exists()


def test_the_portal_card_shows_the_interim_suspension(today, member_a, daily_staff, administrator, client_for):
    case = _verified(member_a, daily_staff)
    interim.interim_suspend(case=case, reason="正在销售盗版", actor=administrator)
    page = client_for(member_a.user).get(reverse("portal:dashboard"))
    assert page.status_code == 200
    assert "正在销售盗版" in page.content.decode()


def test_confiscated_gains_are_owed_as_an_invoice_line(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="3b", facts="伪造材料申领补贴。")
    with pytest.raises(DomainError) as missing:
        to_published(case, daily_staff, administrator, amounts={1: Decimal("1000")})
    assert missing.value.field == "amounts.0"
    case = confirmed_case(member_a, daily_staff, administrator, kind="3b", facts="伪造材料申领补贴。",
                          amounts={0: Decimal("3600.50"), 1: Decimal("1000")})
    confiscation = case.measures.get(type="confiscation")
    invoice = confiscation.invoice
    assert (invoice.kind, invoice.amount, invoice.due_on) == (InvoiceKind.FINE, Decimal("3600.50"),
                                                             TODAY + timedelta(days=15))
    assert invoice.resident == member_a and case.number in invoice.description


def test_eviction_opens_an_exit_with_its_clearance_steps(today, member_a, daily_staff, administrator):
    pay_deposit(member_a, actor=administrator)
    case = confirmed_case(member_a, daily_staff, administrator, kind="1a", facts="未经审批占用 B-203 工位。")
    member_a.refresh_from_db()
    assert member_a.status == ResidentStatus.EXITING
    exit = member_a.exits.get()
    assert exit.kind == ExitKind.FORCED and exit.exit_on == TODAY
    done = set(ExitClearance.objects.filter(exit=exit).values_list("item", flat=True))
    assert {"desk_released", "permissions_revoked"} <= done
    assert "items_cleared" not in done  # left for the daily management team
    assert case.measures.get(type="eviction").applied_at is not None
