"""Demo cleaning and closing rounds (第四章第一条 3、4), called by ``spaces.demo.seed``: the week before
today logged in full — every area's cleanings and disinfection, every evening's closing round — except
one evening whose closing round was missed (found by the daily job, told to the daily team once), and
one closing round with an exception (a gas canister under a desk).

Idempotent: a day already logged is skipped; the missed rounds are recorded by the job itself, which
records nothing twice. The history is written with the ORM (its times are past, as the register of
demo_safety); the missed evening is found by the job's service.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from opc_community import rulebook
from opc_community.core.demo import Demo
from opc_community.workdays.rules import local_date
from spaces.models import CleaningKind, CleaningRound, ClosingItem, ClosingRound, RoundException
from spaces.services import rounds as services

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = 7
#: Days back from today: the evening whose closing round was missed, the one with an exception.
MISSED, EXCEPTION = 3, 2


def seed(demo: Demo) -> None:
    today = local_date(demo.now)
    daily = demo.users["daily"]
    logged = set(CleaningRound.objects.filter(day__gte=today - timedelta(days=DAYS)).values_list("day", flat=True))
    rows = []
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        if day in logged:
            continue
        areas = rulebook.in_force(on=day).rounds.cleaning_areas
        for code, area in areas.items():
            for n in range(area.cleanings_per_day):
                rows.append(CleaningRound(area=code, kind=CleaningKind.CLEANING, day=day, done_by=daily,
                                          done_at=datetime.combine(day, time(8 + 4 * n, 30), tzinfo=SHANGHAI)))
            rows.append(CleaningRound(area=code, kind=CleaningKind.DISINFECTION, day=day, done_by=daily,
                                      done_at=datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)))
        if back != MISSED and not ClosingRound.objects.filter(day=day).exists():
            closing = ClosingRound.objects.create(
                day=day, done_at=datetime.combine(day, time(21, 0), tzinfo=SHANGHAI), done_by=daily,
                power_off=True, locked=True, no_hazards=back != EXCEPTION)
            if back == EXCEPTION:
                RoundException.objects.create(closing_round=closing, item=ClosingItem.HAZARDS, place="3F A-12 工位",
                                              description="工位下存放两罐丁烷气，已请入驻主体次日带离")
    CleaningRound.objects.bulk_create(rows)
    # The daily job the morning after the missed evening (it records and tells once).
    services.rounds_flag_missed(today=today - timedelta(days=MISSED - 1))
