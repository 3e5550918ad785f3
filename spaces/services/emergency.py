"""Emergency plans, supplies, activations (第七章第四条) and the safety jobs added with them.

- **Plans** are versioned: ``plan_publish`` supersedes the kind's current version (kept as it was) and
  adds the next version; residents read the current one in the portal.
- **Supplies** (应急物资) are stock with an expiry date; ``supplies_flag_expiring`` (the daily safety job)
  tells the safety staff of each supply expiring or expired, once per expiry date and state.
- **Activation** (``plan_activate``) records who put which plan into action and why, tells the
  administrator at once, and opens a timeline (``activation_record``: who, when, what) until it ends.
- **Missing patrol rounds** (``patrols_flag_missing``, 第七章第二条): each gap of a shift is told to the
  daily management team once (dedupe key per shift and gap start).
- **Work items from elsewhere** (``work_item_open``): a drill's findings become safety work items.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day, format_moment
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from spaces.models import (
    ActivationEntry,
    EmergencyPlan,
    EmergencySupply,
    PlanActivation,
    PlanKind,
    SafetyWorkItem,
)
from spaces.rules import emergency as rules
from spaces.services.safety import SAFETY_STAFF, _ensure_staff, _required

TEXT_MAX_LENGTH = 2000


# --- Plans ------------------------------------------------------------------------------------------


@transaction.atomic
def plan_publish(*, kind: str, title: str, roles: str, procedures: str, actor: Actor) -> EmergencyPlan:
    """Publish a new version of the plan of ``kind``: the current version (if any) is superseded now and
    kept; the new one becomes current."""
    _ensure_staff(actor)
    if kind not in PlanKind.values:
        raise DomainError(_("Choose the kind of plan: fire, earthquake, public-security incident or epidemic."),
                          field="kind")
    title = _required(title, field="title", max_length=120)
    roles = _required(roles, field="roles", max_length=TEXT_MAX_LENGTH)
    procedures = _required(procedures, field="procedures", max_length=TEXT_MAX_LENGTH)
    current = (EmergencyPlan.objects.select_for_update(no_key=True)
               .filter(kind=kind, superseded_at__isnull=True).first())
    latest = EmergencyPlan.objects.filter(kind=kind).order_by("-version").values_list("version", flat=True).first()
    with acting_as(actor, action="spaces.plan_publish"):
        if current is not None:
            EmergencyPlan.objects.filter(pk=current.pk).update(superseded_at=timezone.now())
        return EmergencyPlan.objects.create(
            kind=kind, version=rules.next_version(latest), title=title, roles=roles, procedures=procedures,
            published_by=actor,
        )


# --- Activation and its timeline --------------------------------------------------------------------


@transaction.atomic
def plan_activate(*, plan: EmergencyPlan, reason: str, actor: Actor) -> PlanActivation:
    """Put the current plan into action: the activation and its first timeline entry; the administrator is
    told at once (第七章第四条 启动应急预案)."""
    _ensure_staff(actor)
    plan = EmergencyPlan.objects.select_for_update(no_key=True).get(pk=plan.pk)
    if plan.superseded_at is not None:
        raise DomainError(_("This version has been superseded: activate the current plan."), code="superseded")
    if PlanActivation.objects.filter(plan__kind=plan.kind, ended_at__isnull=True).exists():
        raise DomainError(_("This plan is already in action: add to its timeline."), code="active")
    reason = _required(reason, field="reason", max_length=300)
    with acting_as(actor, action="spaces.plan_activate"):
        activation = PlanActivation.objects.create(plan=plan, reason=reason, started_by=actor)
        with community_language():  # the timeline is stored in Chinese
            text = _("Plan activated: %(reason)s") % {"reason": reason}
        ActivationEntry.objects.create(activation=activation, actor=actor, text=text)
    link = reverse("admin:spaces_planactivation_change", args=[activation.pk])
    notify(
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda: _("Emergency plan activated: %(title)s") % {"title": plan.title},
        body=lambda: _("%(who)s activated %(title)s (version %(version)s) at %(at)s: %(reason)s")
        % {"who": actor, "title": plan.title, "version": plan.version,
           "at": format_moment(activation.started_at), "reason": reason},
        link=link, kind="spaces.plan_activated", dedupe_key=f"plan_activation:{activation.pk}",
    )
    return activation


def _lock_activation(activation: PlanActivation) -> PlanActivation:
    return PlanActivation.objects.select_for_update(no_key=True).select_related("plan").get(pk=activation.pk)


@transaction.atomic
def activation_record(*, activation: PlanActivation, text: str, actor: Actor) -> ActivationEntry:
    """Add what was done to an activation's timeline (who and when are recorded by the system)."""
    _ensure_staff(actor)
    activation = _lock_activation(activation)
    if activation.ended_at is not None:
        raise DomainError(_("This activation has ended: its timeline is closed."), code="ended")
    text = _required(text, field="text", max_length=TEXT_MAX_LENGTH)
    with acting_as(actor, action="spaces.activation_record"):
        return ActivationEntry.objects.create(activation=activation, actor=actor, text=text)


@transaction.atomic
def activation_end(*, activation: PlanActivation, summary: str, actor: Actor) -> PlanActivation:
    """End an activation with a last timeline entry (the emergency is over)."""
    _ensure_staff(actor)
    activation = _lock_activation(activation)
    if activation.ended_at is not None:
        raise DomainError(_("This activation has ended: its timeline is closed."), code="ended")
    summary = _required(summary, field="summary", max_length=TEXT_MAX_LENGTH)
    with acting_as(actor, action="spaces.activation_end"):
        with community_language():
            text = _("Emergency over: %(summary)s") % {"summary": summary}
        ActivationEntry.objects.create(activation=activation, actor=actor, text=text)
        activation.ended_at = timezone.now()
        activation.save(update_fields=["ended_at"])
    return activation


# --- Supplies ---------------------------------------------------------------------------------------


@transaction.atomic
def supply_save(*, supply: EmergencySupply, actor: Actor) -> EmergencySupply:
    """Add or change a supply in stock (the operations desk's form)."""
    _ensure_staff(actor)
    supply.name = _required(supply.name, field="name", max_length=80)
    supply.location = _required(supply.location, field="location", max_length=120)
    with acting_as(actor, action="spaces.supply_save"):
        supply.save()
    return supply


def supplies_flag_expiring(*, today: date) -> dict[str, int]:
    """The daily job: each supply expiring or expired is told to the safety staff once per expiry date and
    state. Returns the counts flagged now."""
    warning = int(rulebook.in_force(on=today).safety.supply_expiry_warning_days)
    recipients = list(members_of(*SAFETY_STAFF))
    counts = {"supplies_expiring": 0, "supplies_expired": 0}
    supplies = EmergencySupply.objects.filter(expires_on__isnull=False, quantity__gt=0).order_by("pk")
    with community_language():
        for supply in supplies:
            state = rules.supply_expiry_state(expires_on=supply.expires_on, today=today, warning_days=warning)
            if state and notify(
                recipients=recipients,
                title=(_("Emergency supply expired: %(name)s") if state == "expired"
                       else _("Emergency supply expiring: %(name)s")) % {"name": supply.name},
                body=_("%(supply)s expires on %(day)s: replace it (Chapter 7, Article 4).")
                % {"supply": supply, "day": format_day(supply.expires_on)},
                link=reverse("admin:spaces_emergencysupply_change", args=[supply.pk]),
                kind="spaces.supply_expiry",
                dedupe_key=f"supply:{state}:{supply.pk}:{supply.expires_on.isoformat()}",
            ):
                counts[f"supplies_{state}"] += 1
    return counts


# --- Missing patrol rounds (第七章第二条) ---------------------------------------------------------------

#: Shifts the daily job looks at: those started in the last two days (yesterday's night shift too).
PATROL_JOB_LOOKBACK = timedelta(days=2)


def patrols_flag_missing(*, now: datetime) -> int:
    """The daily job: every missing patrol round (a gap longer than the patrol interval) of the shifts of the
    last two days is told to the daily management team, once per shift and gap (dedupe key). Returns how
    many gaps were told now."""
    from spaces.selectors.safety import shift_gaps, shifts

    recipients = list(members_of(Role.DAILY))
    told = 0
    recent = shifts().filter(starts_at__gte=now - PATROL_JOB_LOOKBACK, starts_at__lte=now).order_by("starts_at")
    book = rulebook.in_force_by_day()
    with community_language():
        for shift in recent:
            link = reverse("admin:spaces_dutyshift_change", args=[shift.pk])
            for start, end in shift_gaps(shift, now=now, book=book):
                if notify(
                    recipients=recipients,
                    title=_("Patrol round missing: %(who)s") % {"who": shift.on_duty},
                    body=_("No patrol round was recorded from %(start)s to %(end)s on %(who)s's duty shift "
                           "(a round at least every %(minutes)s minutes, Chapter 7, Article 2).")
                    % {"start": format_moment(start), "end": format_moment(end), "who": shift.on_duty,
                       "minutes": int(book(local_date(start)).safety.patrol_interval_minutes)},
                    link=link, kind="spaces.patrol_missing",
                    dedupe_key=f"patrol:missing:{shift.pk}:{start.isoformat()}",
                ):
                    told += 1
    return told


# --- Work items opened elsewhere ---------------------------------------------------------------------


def work_item_open(*, title: str, actor: Actor, link_note: str = "") -> SafetyWorkItem:
    """Open a safety work item (整改工单) for something found outside an inspection — a drill's finding.
    Runs inside the caller's transaction; the safety staff are told."""
    title = Truncator(_required(title, field="title", max_length=1000)).chars(200)
    with acting_as(actor, action="spaces.work_item_open"):
        item = SafetyWorkItem.objects.create(title=title, opened_by=actor)
    notify(
        recipients=members_of(*SAFETY_STAFF),
        title=lambda: _("Safety work item opened: %(title)s") % {"title": title},
        body=lambda: _("%(title)s. %(note)s It stays open until the repair is shown.")
        % {"title": title, "note": link_note},
        link=reverse("admin:spaces_safetyworkitem_change", args=[item.pk]),
        kind="spaces.safety_work_item", dedupe_key=f"safety:work_item:{item.pk}",
    )
    return item
