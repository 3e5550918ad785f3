"""Action guards: the one answer to "may this resident do X now?" (RULEBOOK §9, decisions added 2026-12).

Every service of an action that a suspension can cover asks before it writes::

    from residents.guards import Action, ensure_allowed

    ensure_allowed(resident, Action.BOOK_ROOM)          # raises DomainError(code="suspended")

and a page that offers the action may ask :func:`refusal` first, to say why instead of showing
a form the service would refuse.

The residents app (the lowest domain app) keeps only the question and the registry. Who may
refuse is registered by the apps above it in their ``AppConfig.ready()`` — the discipline app
registers its suspensions, mapping each scope to the actions it covers
(``discipline.rules.SUSPENDED_ACTIONS``)::

    from residents.guards import register_guard
    register_guard("discipline.suspensions", suspensions.suspension_guard)

A guard is ``guard(resident, action, *, at) -> Refusal | None``: None lets the action through;
a :class:`Refusal` carries the Chinese message, which names the reason and the end date (or
"until the invoice is paid"). Guards are asked in name order and the first refusal wins.

A guard may also register a *probe*: ``probe(resident_id, action, *, at) -> QuerySet`` of the rows that
would make it refuse. :func:`may_refuse` turns the probes into one SQL expression a hot path folds into
a query it makes anyway (a booking reads the rulebook version in the same statement), and asks the guards
themselves only when that expression says one may refuse — the messages stay the guards'.

:class:`Action` lists every resident action a suspension scope covers, including those whose
features do not exist yet (vouchers, equipment, the sharing board, scenarios, policy and
service requests): a feature that brings one only calls the guard.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Exists, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from opc_community.core.errors import DomainError


class Action(models.TextChoices):
    """What a resident does that a suspension may stop; the label completes "…在此之前不能<label>"."""

    # Public spaces (§5): rooms by booking, promotion and self-organised events.
    BOOK_ROOM = "book_room", pgettext_lazy("guarded action", "book rooms")
    APPLY_PERMIT = "apply_permit", pgettext_lazy("guarded action", "apply for event or promotion permits")
    # Public resources (§6): meeting equipment and other public facilities, lent and returned.
    BORROW_EQUIPMENT = "borrow_equipment", pgettext_lazy("guarded action", "borrow equipment")
    USE_FACILITY = "use_facility", pgettext_lazy("guarded action", "use public facilities")
    # Resources (§6): vouchers, the sharing board, scenario matchmaking, policy and service requests.
    APPLY_VOUCHER = "apply_voucher", pgettext_lazy("guarded action", "apply for compute or model vouchers")
    USE_VOUCHER = "use_voucher", pgettext_lazy("guarded action", "use compute or model vouchers")
    POST_SHARING = "post_sharing", pgettext_lazy("guarded action", "post on the resource sharing board")
    JOIN_SCENARIO = "join_scenario", pgettext_lazy("guarded action", "take part in scenario matchmaking")
    REQUEST_POLICY = "request_policy", pgettext_lazy("guarded action", "ask for help with policies")
    REQUEST_SERVICE = "request_service", pgettext_lazy("guarded action", "request community services")
    # The community: activities, visitors, desks (a community suspension covers everything above too).
    REGISTER_ACTIVITY = "register_activity", pgettext_lazy("guarded action", "register for activities")
    INVITE_VISITOR = "invite_visitor", pgettext_lazy("guarded action", "receive visitors")
    REQUEST_DESK_CHANGE = "request_desk_change", pgettext_lazy("guarded action", "ask to change desks")


@dataclass(frozen=True)
class Refusal:
    """Why the action is refused now: a Chinese message naming the reason and until when."""

    message: str
    code: str = "suspended"
    until: datetime | None = None  # None: open-ended (e.g. until an invoice is paid)


Guard = Callable[..., Refusal | None]  # guard(resident, action, *, at) -> Refusal | None
Probe = Callable[..., QuerySet]  # probe(resident_id, action, *, at) -> the rows that would refuse

_GUARDS: dict[str, Guard] = {}
_PROBES: dict[str, Probe] = {}


def register_guard(name: str, guard: Guard, *, probe: Probe | None = None) -> None:
    """Register (or replace) a guard under ``name`` (``"<app>.<what>"``), with its probe when it has one;
    see the module docstring."""
    _GUARDS[name] = guard
    _PROBES.pop(name, None)
    if probe is not None:
        _PROBES[name] = probe


def unregister_guard(name: str) -> None:
    _GUARDS.pop(name, None)
    _PROBES.pop(name, None)


def guards() -> dict[str, Guard]:
    """The registered guards by name (a copy)."""
    return dict(_GUARDS)


def probes() -> dict[str, Probe]:
    """The registered guards' probes by name (a copy)."""
    return dict(_PROBES)


def refusal(resident: Any, action: Action, *, at: datetime | None = None) -> Refusal | None:
    """The first refusal of the registered guards (name order) for ``action`` at ``at`` (default now), or None."""
    at = at or timezone.now()
    for _name, guard in sorted(_GUARDS.items()):
        found = guard(resident, Action(action), at=at)
        if found is not None:
            return found
    return None


def may_refuse(resident_id: int, action: Action, *, at: datetime) -> Exists | Q | Value:
    """A boolean SQL expression, true when a guard may refuse ``action`` at ``at``: EXISTS over each probe,
    plain true for a guard without one (it must be asked). Annotate a query the caller makes anyway with
    it, and call :func:`refusal` only when it is true."""
    if set(_GUARDS) - set(_PROBES):
        return Value(True)
    probes = [Exists(probe(resident_id, Action(action), at=at)) for probe in _PROBES.values()]
    if not probes:
        return Value(False)
    condition: Exists | Q = probes[0]
    for probe in probes[1:]:
        condition = condition | probe
    return condition


def ensure_allowed(resident: Any, action: Action, *, at: datetime | None = None, field: str = "resident") -> None:
    """Raise a :class:`DomainError` (the refusal's code, ``field``) when a guard refuses ``action``."""
    found = refusal(resident, action, at=at)
    if found is not None:
        raise DomainError(found.message, field=field, code=found.code)
