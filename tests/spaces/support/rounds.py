"""Arrangements of the rounds tests (no tests here): a day's rounds logged through the services."""

from datetime import datetime, timedelta

from opc_community import rulebook
from spaces.services import rounds as services


def log_full_day(day_at_eight: datetime, actor) -> None:
    """Every cleaning and disinfection of the seed's areas, and the closing round, on that day."""
    for code, area in rulebook.in_force(on=day_at_eight.date()).rounds.cleaning_areas.items():
        for n in range(area.cleanings_per_day):
            services.cleaning_round_record(area=code, kind="cleaning", actor=actor,
                                           done_at=day_at_eight + timedelta(hours=n))
        services.cleaning_round_record(area=code, kind="disinfection", actor=actor, done_at=day_at_eight)
    services.closing_round_record(actor=actor, power_off=True, locked=True, no_hazards=True, exceptions=[],
                                  done_at=day_at_eight + timedelta(hours=12))
