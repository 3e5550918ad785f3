"""Reads of emergency plans (第七章第四条) and the front desk's daily visitor list (第七章第二条)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from opc_community import rulebook
from spaces.models import (
    ActivationEntry,
    EmergencyPlan,
    EmergencySupply,
    PlanActivation,
    Visitor,
    VisitorStatus,
)
from spaces.rules import emergency as rules


def current_plans() -> QuerySet[EmergencyPlan]:
    """The plan in force of each kind (one query)."""
    return EmergencyPlan.objects.filter(superseded_at__isnull=True).order_by("kind")


def plan_versions(kind: str) -> QuerySet[EmergencyPlan]:
    return EmergencyPlan.objects.filter(kind=kind).select_related("published_by").order_by("-version")


def supplies_for(kind: str, *, today: date) -> list[EmergencySupply]:
    """The supplies a plan of ``kind`` relies on (its own and the general ones), each with ``expiry``
    (expired / expiring / None) from the rules; two queries (the rulebook, the supplies)."""
    warning = int(rulebook.in_force(on=today).safety.supply_expiry_warning_days)
    items = list(EmergencySupply.objects.filter(Q(plan_kind=kind) | Q(plan_kind="")).order_by("name"))
    return with_expiry(items, today=today, warning_days=warning)


def with_expiry(items: list[EmergencySupply], *, today: date, warning_days: int) -> list[EmergencySupply]:
    for item in items:
        item.expiry = rules.supply_expiry_state(expires_on=item.expires_on, today=today, warning_days=warning_days)
    return items


def activations() -> QuerySet[PlanActivation]:
    """Activations with their plan, who started them and their timeline (two queries)."""
    return PlanActivation.objects.select_related("plan", "started_by").prefetch_related(
        Prefetch("entries", queryset=ActivationEntry.objects.select_related("actor"), to_attr="timeline"))


# --- The front desk's daily list ----------------------------------------------------------------------


@dataclass
class DailyVisitors:
    day: date
    visitors: list[Visitor]

    @property
    def unconfirmed(self) -> list[Visitor]:
        """Not confirmed by their host: no entry (第七章第二条)."""
        return [v for v in self.visitors if v.status == VisitorStatus.AWAITING_HOST]

    @property
    def inside(self) -> list[Visitor]:
        return [v for v in self.visitors if v.status == VisitorStatus.ADMITTED]


def daily_visitors(*, day: date) -> DailyVisitors:
    """The front desk's list of ``day``: everyone expected that day whatever their state, plus anyone admitted
    earlier and still inside (``spaces.selectors.visitors.front_desk_board``) — one query."""
    from spaces.selectors.visitors import front_desk_board

    return DailyVisitors(day=day, visitors=list(front_desk_board(day).select_related("confirmed_by")))


def flag(visitor: Any) -> str:
    """The front desk's word on a visitor: "no_entry" while the host has not confirmed, "" otherwise."""
    return "no_entry" if visitor.status == VisitorStatus.AWAITING_HOST else ""
