"""Reads of the discipline app used by other apps' paths, and the suspension guard every resident
action asks (registered with ``residents.guards`` in ``DisciplineConfig.ready()``)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from discipline import rules
from discipline.models import Suspension, SuspensionScope
from opc_community.core.moments import format_moment
from residents.guards import Action, Refusal


def _in_force(resident_id: int, at: datetime) -> QuerySet[Suspension]:
    """The resident's suspensions in force at ``at``: started, not lifted, not ended (or "until paid")."""
    return Suspension.objects.filter(
        resident_id=resident_id, starts_at__lte=at, lifted_at__isnull=True
    ).filter(Q(ends_at__gt=at) | Q(ends_at__isnull=True))


def active_suspension(resident_id: int, scope: str, *, at: datetime | None = None) -> Suspension | None:
    """The suspension that blocks ``scope`` for the resident at ``at`` (default now), or None (one query).

    A community-wide suspension blocks every scope. Booking, voucher and portal paths all call this.
    """
    at = at or timezone.now()
    return (
        _in_force(resident_id, at)
        .filter(scope__in={scope, SuspensionScope.COMMUNITY})
        .order_by("ends_at")
        .first()
    )


def active_suspensions(resident_id: int, *, at: datetime | None = None) -> list[Suspension]:
    """Every suspension in force for the resident (the portal tells the resident what is blocked and until
    when; one query, the invoice an "until paid" suspension waits for joined)."""
    at = at or timezone.now()
    return list(_in_force(resident_id, at).select_related("until_paid").order_by("scope", "ends_at"))


def blocking_suspension(resident_id: int, scopes: Iterable[str], *, at: datetime) -> Suspension | None:
    """The suspension in force at ``at`` in one of ``scopes`` that lasts longest ("until paid" last of
    all), with the invoice it waits for; None when none (one query)."""
    return (
        _in_force(resident_id, at)
        .filter(scope__in=set(scopes))
        .select_related("until_paid")
        .order_by(F("ends_at").desc(nulls_first=True), "pk")
        .first()
    )


#: How a scope reads in "您的<scope>使用权限已暂停…".
SCOPE_NAMES = {
    SuspensionScope.PUBLIC_SPACES: pgettext_lazy("suspension scope", "public spaces"),
    SuspensionScope.PUBLIC_RESOURCES: pgettext_lazy("suspension scope", "public resources"),
    SuspensionScope.RESOURCES: pgettext_lazy("suspension scope", "resources"),
    SuspensionScope.COMMUNITY: pgettext_lazy("suspension scope", "community"),
}


def suspension_probe(resident_id: int, action: Action, *, at: datetime) -> QuerySet[Suspension]:
    """The probe of :func:`suspension_guard` (``residents.guards.may_refuse``): the suspensions in force at
    ``at`` in a scope covering ``action``, as a query another statement can test with EXISTS."""
    return _in_force(resident_id, at).filter(scope__in=set(rules.scopes_covering(action)))


def suspension_guard(resident: Any, action: Action, *, at: datetime) -> Refusal | None:
    """The guard of ``residents.guards``: a suspension in force in a scope covering ``action``
    (``discipline.rules.SUSPENDED_ACTIONS``) refuses it, naming the scope, the end (or the invoice an
    "until paid" suspension waits for) and the reason (第八章第二条; one query)."""
    suspension = blocking_suspension(resident.pk, rules.scopes_covering(action), at=at)
    if suspension is None:
        return None
    values = {"scope": SCOPE_NAMES[suspension.scope], "reason": suspension.reason, "action": action.label}
    if suspension.interim_for_id is not None:
        message = _(
            "Your use of %(scope)s is suspended until the decision of the case takes effect (%(reason)s), so you "
            "cannot %(action)s until then (Chapter 8, Article 2)."
        ) % values
    elif suspension.ends_at is not None:
        message = _(
            "Your use of %(scope)s is suspended until %(until)s (%(reason)s), so you cannot %(action)s until then "
            "(Chapter 8, Article 2)."
        ) % {**values, "until": format_moment(suspension.ends_at)}
    else:
        message = _(
            "Your use of %(scope)s is suspended until invoice %(invoice)s is paid (%(reason)s), so you cannot "
            "%(action)s until then (Chapter 8, Article 2)."
        ) % {**values, "invoice": getattr(suspension.until_paid, "number", "")}
    return Refusal(message=message, until=suspension.ends_at)
