"""Races with real parallel database connections (threads, committed data): 20 redemptions at the same
moment against a balance that allows 5 → exactly 5 succeed, the balance is 0 and never went negative
(RULEBOOK §6: the balance never goes below zero, under concurrent use too)."""

from decimal import Decimal

from opc_community.core.errors import DomainError
from resources.models import EntryKind, VoucherEntry, VoucherGrant
from resources.services import vouchers as services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.resources.support import granted, member

pytestmark = committed_data


def test_twenty_parallel_redemptions_against_a_balance_for_five(resources_staff):
    resident = member(name="并发")
    grant = granted(resident, resources_staff, amount="100")

    results = run_in_parallel([
        (lambda index=index: services.usage_record(grant=grant, amount="20", actor=resources_staff,
                                                   reference=f"R-{index}"))
        for index in range(20)
    ])

    won = [r for r in results if isinstance(r, VoucherEntry)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(won), len(refused)) == (5, 15), results
    assert all("余额" in r.message for r in refused)
    grant = VoucherGrant.objects.get(pk=grant.pk)
    assert grant.balance == Decimal("0.00")
    uses = VoucherEntry.objects.filter(grant=grant, kind=EntryKind.USE)
    assert uses.count() == 5
    assert min(uses.values_list("balance_after", flat=True)) == Decimal("0.00")
    assert sorted(uses.values_list("balance_after", flat=True)) == [Decimal(v) for v in ("0", "20", "40", "60", "80")]
