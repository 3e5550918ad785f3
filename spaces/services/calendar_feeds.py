"""The resident's calendar feed of bookings (a private iCalendar link they can rotate)."""

import secrets

from django.db import IntegrityError, transaction

from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from residents.models import Resident
from spaces.models import (
    CalendarFeed,
)

# --- Calendar feed ---------------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_get_or_create(*, resident: Resident, actor: Actor) -> CalendarFeed:
    """The resident's secret calendar-feed address, created on first use."""
    feed = CalendarFeed.objects.filter(resident=resident).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic(), acting_as(actor, action="spaces.calendar_feed_create"):
            return CalendarFeed.objects.create(resident=resident, token=_new_token())
    except IntegrityError:  # created meanwhile (two tabs)
        return CalendarFeed.objects.get(resident=resident)


@transaction.atomic
def calendar_feed_rotate(*, resident: Resident, actor: Actor) -> CalendarFeed:
    """A new secret address: the old one stops working at once (e.g. after sharing it by mistake)."""
    feed = calendar_feed_get_or_create(resident=resident, actor=actor)
    with acting_as(actor, action="spaces.calendar_feed_rotate"):
        CalendarFeed.objects.filter(pk=feed.pk).update(token=_new_token())
    feed.refresh_from_db()
    return feed


