"""Shared arrangements of the agreements/ledger tests (no tests here): residents at each step before
check-in, desks, private storage in a temporary folder, and the seed rulebook parsed without a database."""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings

from opc_community.rulebook.schema import Rulebook
from residents.models import Agreement, FeePeriod, Resident, ResidentStatus
from residents.selectors import ledger as ledger_selectors
from residents.services import agreements, ledger
from tests.residents.factories import ResidentFactory
from tests.spaces.factories import DeskFactory

SH = ZoneInfo("Asia/Shanghai")
#: The day most tests live on: a Wednesday, rulebook v1 in force (from 2026-04-01).
TODAY = date(2026, 5, 6)
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=SH)

SEED = Path(django_settings.BASE_DIR) / "opc_community" / "rulebook" / "seed" / "v1.json"


def seed_rules(**changes: object) -> Rulebook:
    """The first rulebook version parsed from its seed file (no database); ``changes`` patch sections:
    ``seed_rules(term={"agreement_months": 6})``."""
    body = json.loads(SEED.read_text())
    for section, values in changes.items():
        body[section] = {**body[section], **values}  # type: ignore[dict-item]
    return Rulebook.load(body, version=1, effective_from=date(2026, 4, 1))


def use_private_storage(settings, tmp_path: Path) -> Path:
    """Agreement PDFs go to a temporary folder, never to the checkout's .data/ (call from a fixture)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    return tmp_path / "private"


def onboarding(**kwargs: object) -> Resident:
    """An approved resident awaiting check-in (no agreement yet)."""
    return ResidentFactory(status=ResidentStatus.ONBOARDING, checked_in_at=None, **kwargs)



def issue(
    resident: Resident,
    actor: object,
    *,
    starts_on: date = TODAY,
    fee: str = "800.00",
    period: str = FeePeriod.MONTHLY,
    deposit: str = "2000.00",
) -> Agreement:
    return agreements.agreement_issue(
        resident=resident, starts_on=starts_on, fee_amount=Decimal(fee), fee_period=period,
        deposit_amount=Decimal(deposit), actor=actor,
    )


def pay_first_invoice(resident: Resident, actor: object, *, on: date = TODAY) -> None:
    first = ledger_selectors.outstanding_invoices(resident).first()
    ledger.payment_record(invoice=first, amount=first.balance, paid_on=on, method="bank_transfer", actor=actor)


def pay_deposit(resident: Resident, actor: object, amount: str = "2000.00", *, on: date = TODAY) -> None:
    ledger.deposit_record(resident=resident, kind="paid", amount=Decimal(amount), on=on, actor=actor)


def ready_for_check_in(resident: Resident, staff: object) -> Agreement:
    """Agreement issued and accepted, first fee and deposit paid: everything check-in needs but a desk."""
    agreement = issue(resident, staff)
    agreement = agreements.agreement_accept(agreement=agreement, actor=resident.user)
    pay_first_invoice(resident, staff)
    pay_deposit(resident, staff)
    return agreement


def checked_in(resident: Resident, staff: object, *, desk_code: str = "A-101") -> Resident:
    ready_for_check_in(resident, staff)
    return agreements.resident_check_in(resident=resident, desk=DeskFactory(code=desk_code), actor=staff)
