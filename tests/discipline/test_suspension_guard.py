"""The discipline app's guard (discipline.selectors.suspensions.suspension_guard; RULEBOOK §9, decisions added
2026-12): a suspension in force refuses every action its scope covers, naming the scope, the reason and the end
(or the invoice an "until paid" suspension waits for); other actions, and suspensions lifted, over or not yet
started, refuse nothing."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from discipline.models import Suspension, SuspensionScope
from discipline.rules import SUSPENDED_ACTIONS
from discipline.selectors.suspensions import suspension_guard
from residents.guards import Action
from residents.models import InvoiceKind
from residents.services import ledger

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 10, 9, 0, tzinfo=SH)
ENDS = datetime(2026, 12, 20, 18, 0, tzinfo=SH)


def suspend(resident, scope: str, **kwargs) -> Suspension:
    values = {"starts_at": AT - timedelta(days=1), "ends_at": ENDS, "reason": "违规处罚：损坏公共设施", **kwargs}
    return Suspension.objects.create(resident=resident, scope=scope, **values)


@pytest.mark.parametrize("scope", SuspensionScope.values)
def test_a_suspension_refuses_exactly_the_actions_of_its_scope(member_a, scope):
    suspend(member_a, scope)
    for action in Action:
        refusal = suspension_guard(member_a, action, at=AT)
        assert (refusal is not None) is (action in SUSPENDED_ACTIONS[scope]), action


@pytest.mark.parametrize(
    ("scope", "action", "text"),
    [
        (SuspensionScope.PUBLIC_SPACES, Action.BOOK_ROOM, "您的公共空间使用权限已暂停至 2026年12月20日 18:00（违规处罚：损坏公共设施），在此之前不能预约场地（第八章第二条）。"),
        (SuspensionScope.PUBLIC_RESOURCES, Action.BORROW_EQUIPMENT, "您的公共资源使用权限已暂停至 2026年12月20日 18:00"),
        (SuspensionScope.RESOURCES, Action.APPLY_VOUCHER, "您的资源使用权限已暂停至 2026年12月20日 18:00"),
        (SuspensionScope.COMMUNITY, Action.INVITE_VISITOR, "在此之前不能接待访客"),
    ],
)
def test_the_refusal_names_the_scope_the_end_and_the_reason(member_a, scope, action, text):
    suspend(member_a, scope)
    refusal = suspension_guard(member_a, action, at=AT)
    assert text in refusal.message
    assert "违规处罚：损坏公共设施" in refusal.message
    assert (refusal.code, refusal.until) == ("suspended", ENDS)


def test_until_paid_names_the_invoice(member_a, administrator):
    invoice = ledger.invoice_create(
        resident=member_a, agreement=None, kind=InvoiceKind.OTHER, description="逾期费用", amount=Decimal("800.00"),
        due_on=AT.date() - timedelta(days=20), issued_on=AT.date() - timedelta(days=30), actor=administrator,
    )
    suspend(member_a, SuspensionScope.RESOURCES, ends_at=None, until_paid=invoice, reason="逾期缴费 20 天")
    refusal = suspension_guard(member_a, Action.USE_VOUCHER, at=AT)
    assert f"直至账单 {invoice.number} 缴清" in refusal.message and refusal.until is None


@pytest.mark.parametrize(
    "changes",
    [
        {"lifted_at": AT - timedelta(hours=1)},
        {"ends_at": AT},  # ended at that very moment
        {"starts_at": AT + timedelta(minutes=1), "ends_at": ENDS},  # not started yet
    ],
)
def test_a_suspension_lifted_over_or_not_started_refuses_nothing(member_a, changes):
    suspend(member_a, SuspensionScope.COMMUNITY, **changes)
    assert suspension_guard(member_a, Action.BOOK_ROOM, at=AT) is None


def test_another_residents_suspension_refuses_nothing(member_a, member_b):
    suspend(member_b, SuspensionScope.COMMUNITY)
    assert suspension_guard(member_a, Action.BOOK_ROOM, at=AT) is None


def test_the_longest_suspension_is_named(member_a):
    suspend(member_a, SuspensionScope.PUBLIC_SPACES, ends_at=ENDS, reason="较短")
    suspend(member_a, SuspensionScope.COMMUNITY, ends_at=ENDS + timedelta(days=3), reason="较长")
    refusal = suspension_guard(member_a, Action.BOOK_ROOM, at=AT)
    assert "较长" in refusal.message and "2026年12月23日" in refusal.message


def test_one_query(member_a, django_assert_num_queries):
    suspend(member_a, SuspensionScope.COMMUNITY)
    with django_assert_num_queries(1):
        suspension_guard(member_a, Action.BOOK_ROOM, at=AT)
