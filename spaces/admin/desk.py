"""The spaces app's items on the work desk (运营工作台, opc_community/core/desk.py): today's visitors still to be
confirmed, today's no-shows. Registered in spaces/apps.py; each tally is one query over an indexed
(status, time) pair."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.roles import Role
from opc_community.core.desk import (
    DeskItem,
    Tally,
    admin_list,
    tally_of,
    today_starts,
    tomorrow_starts,
)
from spaces.models import Booking, BookingStatus, Visitor, VisitorStatus


def _today(now: datetime) -> Q:
    return Q(starts_at__gte=today_starts(now), starts_at__lt=tomorrow_starts(now))


def _visitors(now: datetime) -> Tally:
    """Today's visitors the host has not confirmed yet; late once their expected time has passed."""
    waiting = Visitor.objects.filter(
        status=VisitorStatus.AWAITING_HOST,
        expected_at__gte=today_starts(now),
        expected_at__lt=tomorrow_starts(now),
    )
    return tally_of(waiting, Q(expected_at__lt=now))


def _no_shows(now: datetime) -> Tally:
    """Today's bookings released because nobody came (RULEBOOK §5)."""
    return Tally(Booking.objects.filter(_today(now), status=BookingStatus.RELEASED).count())


def _visitor_list(now: datetime) -> str:
    today = timezone.localdate(now).isoformat()
    return admin_list(
        "admin:spaces_visitor_changelist",
        expected_at__from=today,
        expected_at__to=today,
        status__exact=VisitorStatus.AWAITING_HOST,
    )


ITEMS = (
    # 第四章第一条, 第七章第二条: a visitor is admitted once the resident host confirms.
    DeskItem(
        key="spaces.visitors",
        label=_("Today's visitors to confirm"),
        roles=(Role.DAILY,),
        order=30,
        tally=_visitors,
        link=_visitor_list,
    ),
    # RULEBOOK §5: a booking nobody checked in to is released (no-show).
    DeskItem(
        key="spaces.no_shows",
        label=_("Today's no-shows"),
        roles=(Role.DAILY,),
        order=32,
        tally=_no_shows,
        link=lambda now: admin_list(
            "admin:spaces_booking_changelist", when="today", status__exact=BookingStatus.RELEASED
        ),
    ),
)
