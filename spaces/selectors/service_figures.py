"""The spaces app's figure on the public service-quality page (服务公示, 第四章第四条 2): room occupancy by
month, every room type together — hours only, never a booking or a person.

Registered in ``spaces/apps.py`` (``notices.registry.register_service_figures``).
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from opc_community.notices.rules import ServiceFigure, ServiceSection
from opc_community.workdays.rules import local_date
from spaces.selectors.reports import occupancy_report


def occupancy_figures(months: Sequence[date], *, now: datetime) -> list[ServiceSection]:
    """Per month (this month up to today), the staff's occupancy report over every room type: used ÷ open
    hours and the share lost to no-shows. Three queries a month (:func:`occupancy_report`)."""
    today = local_date(now)
    totals = []
    for month in months:
        last = min((month + timedelta(days=32)).replace(day=1) - timedelta(days=1), today)
        totals.append(occupancy_report(start=month, end=last).total)
    return [
        ServiceSection(
            key="rooms",
            order=30,
            title=_("Room occupancy"),
            rule=_(
                "Chapter 4, Article 1: meeting rooms, negotiation rooms and the roadshow hall are booked in advance; "
                "occupancy is the hours used (checked in) out of the hours the rooms were open; a booking not "
                "checked in is released and its hours are lost."
            ),
            figures=[
                ServiceFigure(
                    _("Occupancy"), "percent", [total.utilisation for total in totals], charted=True
                ),
                ServiceFigure(
                    _("Hours lost to no-shows"),
                    "percent",
                    [total.lost_share for total in totals],
                    charted=True,
                ),
                ServiceFigure(_("Bookings"), "count", [total.bookings for total in totals]),
            ],
        )
    ]
