"""Scale data of the discipline app (``manage.py seed_scale``; opc_community/core/scale.py): violation cases
for about 3 % of the generated residents (第八章第二条), in the states that need no decision records:
two in three dismissed after a look (not verified), one in three found and awaiting verification. Decided
cases carry measures, notices and the decision ledger's chain: they come from the overdue-fee ladder run on
the scale data (``discipline.tasks.run_overdue_ladders``), through the services.

Kinds are the rulebook's, except those only an automatic ladder or an occupant opens (1a, 1b, 7).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from discipline.models import CaseStatus, ViolationCase
from discipline.rules.ladders import LADDER_KINDS
from opc_community import rulebook
from opc_community.core.scale import BATCH, Scale

OCCUPANT_ONLY = "1a"


def seed_scale(scale: Scale) -> None:
    zone = ZoneInfo(settings.TIME_ZONE)
    kinds = sorted(
        set(rulebook.in_force(on=scale.today).violations.kinds)
        - set(LADDER_KINDS.values())
        - {OCCUPANT_ONLY}
    )
    numbers: dict[int, int] = {}
    rows = []
    for resident in scale.residents:
        n = resident.sequence
        if n % 33 != 5:
            continue
        since = (scale.today - resident.checked_in_at.date()).days
        occurred_on = scale.today - timedelta(days=1 + n % max(since - 1, 1))
        found_at = min(
            datetime.combine(occurred_on + timedelta(days=1), time(11), tzinfo=zone), scale.now
        )
        year = found_at.year
        if year not in numbers:
            numbers[year] = (
                ViolationCase.objects.filter(number__startswith=f"违〔{year}〕").count() + 1
            )
        case = ViolationCase(
            resident_id=resident.pk,
            number=f"违〔{year}〕{numbers[year]:04d}号",
            kind=kinds[n % len(kinds)],
            occurred_on=occurred_on,
            facts="日常巡查发现：工位区域存在违反社区管理规定的情况，待核实。",
            status=CaseStatus.FOUND,
            found_by=scale.staff,
            found_at=found_at,
        )
        numbers[year] += 1
        if n % 3 != 2:
            case.status = CaseStatus.DISMISSED
            case.dismissal_reason = "经核实情况不属实，不予立案。"
        rows.append(case)
    ViolationCase.objects.bulk_create(rows, batch_size=BATCH)
