"""A reward's publication and its outcome, annulment, the grant and overdue grants (第八章第一条; RULEBOOK §8).

Verified → **published** on the notice board for 3 working days (masked) → no upheld objection →
**approved**, to be granted within 10 working days → **granted**; an objection upheld during the
window, or staff withdrawing it first → **annulled** (``discipline.services.rewards`` has the steps
before: volunteer service, verification, the resident's choice).

The 500-yuan compute-voucher subsidy is granted as a voucher grant in the resources app's ledger
(``resources.services.vouchers.reward_grant``, keyed ``reward:<id>``, so a retry grants once); roadshow
credits likewise through ``spaces.services.credits.credit_grant``.
"""


from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline.models import (
    REWARD_TRANSITIONS,
    Reward,
    RewardChoice,
    RewardKind,
    RewardStatus,
)
from discipline.selectors import rewards as selectors
from discipline.services.reward_support import (
    NOTE_MAX_LENGTH,
    append_decision,
    require_decider,
    required_text,
    rules_of,
    tell,
)
from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import render_stored
from opc_community.core.moments import format_day, format_moment
from opc_community.core.transitions import lock, move
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.portal.services import notifications_withdraw, notify_overdue
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from residents.models import Resident
from residents.rules.naming import public_name

# --- Publication and its outcome ---------------------------------------------------------------------


@transaction.atomic
def reward_publish(*, reward: Reward, actor: Actor) -> Reward:
    """Publish a verified reward on the notice board (3 working days, masked name, RULEBOOK §10)."""
    require_decider(actor, reward.resident)
    reward = lock(reward)
    rules_in_force = rules_of(reward)
    with acting_as(actor, action="discipline.reward_publish"):
        reward = move(reward, RewardStatus.PUBLISHED, transitions=REWARD_TRANSITIONS)
    from opc_community.notices.services import publication_open

    resident = Resident.objects.select_related("application", "user").get(pk=reward.resident_id)
    reward.resident = resident
    publication = publication_open(
        kind=PublicationKind.REWARD_DECISION,
        title=_("Reward decision: %(kind)s, %(name)s") % {
            "kind": reward.get_kind_display(), "name": public_name(resident.application)},
        body=selectors.public_body(reward, rules_in_force),
        staff_text={},  # composed from the reward's fields only; the grounds staff wrote stay private
        subject=reward,
        concerned_user=resident.user,
        actor=actor,
    )
    tell(reward, gettext_lazy("Your reward is on the notice board: %(kind)s"), lambda: _(
        "Published until %(end)s. Unless an objection is upheld it is granted within %(days)s working days "
        "after that (Chapter 8, Article 1)."
    ) % {"end": format_moment(publication.window_ends_at), "days": rules_in_force.deadlines.reward_grant_working_days},
        "published")
    return reward


def _grant_starts_at(publication: Publication) -> datetime:
    """When the grant period starts: the window's end; or, when an objection was decided only after the
    window, that decision (the moment it became clear no objection stands)."""
    late = publication.objections.filter(decided_at__gt=publication.window_ends_at).order_by("-decided_at").first()
    return late.decided_at if late else publication.window_ends_at


def reward_publication_closed(publication: Publication, *, overturned: bool) -> None:
    """Close hook of reward publications (registered in discipline/apps.py; runs in the closing transaction).

    Not overturned → approved, to be granted within ``reward_grant_working_days`` working days
    (第八章第一条: 10); overturned (an objection upheld) → annulled. A reward no longer on the board
    (annulled meanwhile) is left alone, so the hook is safe to run twice.
    """
    reward = Reward.objects.select_for_update(no_key=True).filter(pk=publication.object_id).first()
    if reward is None or reward.status != RewardStatus.PUBLISHED:
        return
    if overturned:
        _annul(reward, reason=_("An objection raised during the publication was upheld."), actor=None,
               action="discipline.reward_publication_closed")
        return
    start = _grant_starts_at(publication)
    days = rulebook.in_force(on=local_date(start)).deadlines.reward_grant_working_days
    due = workdays.deadline(start, days)
    with acting_as(None, action="discipline.reward_publication_closed"):
        reward = move(reward, RewardStatus.APPROVED, transitions=REWARD_TRANSITIONS, grant_period_starts_at=start,
                      grant_due_at=due.at, grant_due_provisional=due.provisional)
    append_decision(reward, "approved", publication=publication.pk, grant_due_at=due.at.isoformat())
    tell(reward, gettext_lazy("Your reward takes effect: %(kind)s"), lambda: _(
        "No objection was upheld. It will be granted by %(due)s (%(days)s working days, Chapter 8, Article 1)."
    ) % {"due": format_day(due.date), "days": days}, "approved")


def _annul(reward: Reward, *, reason: str, actor: Actor | None, action: str) -> Reward:
    was_public = reward.status == RewardStatus.PUBLISHED
    with acting_as(actor, action=action):
        reward = move(reward, RewardStatus.ANNULLED, transitions=REWARD_TRANSITIONS,
                      annulled_at=timezone.now(), annul_reason=reason)
    if was_public:
        append_decision(reward, "annulled", reason=reason)
    tell(reward, gettext_lazy("Your reward was annulled: %(kind)s"), lambda: _("Reason: %(reason)s") % {"reason": reason}, "annulled")
    return reward


@transaction.atomic
def reward_annul(*, reward: Reward, reason: str, actor: Actor) -> Reward:
    """Withdraw a reward before it takes effect (verified, or on the board: the publication is withdrawn)."""
    require_decider(actor, reward.resident)
    reason = required_text(reason, field="reason", message=_("Give the reason for annulling the reward."))
    reward = lock(reward)
    if reward.status == RewardStatus.PUBLISHED:
        from opc_community.notices.services import publication_withdraw

        publication = selectors.publications_of([reward]).get(reward.pk)
        if publication is not None and publication.status in (PublicationStatus.OPEN,
                                                              PublicationStatus.AWAITING_DECISION):
            publication_withdraw(publication=publication, reason=reason, actor=actor)
    return _annul(reward, reason=reason, actor=actor, action="discipline.reward_annul")


# --- The grant ------------------------------------------------------------------------------------------


@transaction.atomic
def reward_grant(*, reward: Reward, actor: Actor, note: str = "", now: datetime | None = None) -> Reward:
    """Grant an approved reward: credits through the booking app, cash paid or the subsidy recorded by staff.

    Roadshow credits go through ``spaces.services.credits.credit_grant`` keyed ``reward:<id>``, so
    they are granted once even if this is retried; the voucher subsidy likewise through
    ``resources.services.vouchers.reward_grant`` keyed ``reward:<id>``. Cash and resource support are
    staff confirmations: ``note`` records what was done (transfer reference, the support given).
    """
    require_decider(actor, reward.resident)
    now = now or timezone.now()
    reward = lock(reward)
    if reward.status != RewardStatus.APPROVED:
        raise InvalidTransition(_("This reward is “%(status)s”; only an approved reward is granted.")
                                % {"status": reward.get_status_display()})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(_("At most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}, field="note")
    rules_in_force = rules_of(reward)
    credit_id = None
    if reward.kind == RewardKind.COMPLIANCE and not reward.choice:
        raise DomainError(_("The resident has not chosen between the roadshow-hall bookings and the "
                            "compute-voucher subsidy yet."), field="choice")
    if reward.choice == RewardChoice.ROADSHOW_CREDITS:
        from spaces.services.credits import credit_grant

        ce = rules_in_force.rewards.compliance_excellence
        credit = credit_grant(
            resident=reward.resident, count=ce.roadshow_credits, max_hours=ce.roadshow_credit_max_hours,
            source_key=f"reward:{reward.pk}", actor=actor,
            note=render_stored(lambda: _("Compliance excellence %(year)s") % {"year": reward.year}),
        )
        credit_id = credit.pk
        note = note or render_stored(lambda: _("%(count)s roadshow-hall credits granted") % {"count": ce.roadshow_credits})
    elif reward.choice == RewardChoice.VOUCHER_SUBSIDY:
        # 第八章第一条 算力券补贴: a voucher grant in the resources ledger, once per reward (its source key).
        from resources.services.vouchers import reward_grant as voucher_reward_grant

        grant = voucher_reward_grant(
            resident=reward.resident, amount=reward.amount, source_key=f"reward:{reward.pk}", actor=actor,
            note=render_stored(lambda: _("Compliance excellence %(year)s") % {"year": reward.year}),
        )
        note = note or render_stored(lambda: _("Compute vouchers %(number)s granted") % {"number": grant.number})
    elif not note:
        raise DomainError(_("Record how the reward was given (transfer reference, voucher number or the support "
                            "provided)."), field="note")
    with acting_as(actor, action="discipline.reward_grant"):
        reward = move(reward, RewardStatus.GRANTED, transitions=REWARD_TRANSITIONS,
                      granted_by=actor, granted_at=now, grant_note=note)
    append_decision(reward, "granted", note=note, credit=credit_id, late=bool(reward.grant_due_at and now > reward.grant_due_at))
    tell(reward, gettext_lazy("Your reward was granted: %(kind)s"),
          lambda: f"{selectors.reward_what(reward, rules_in_force)}. {note}", "granted")
    return reward


# --- Overdue grants ---------------------------------------------------------------------------------------


def rewards_flag_overdue(*, now: datetime) -> int:
    """Tell the administrators about each approved reward not granted by its deadline — once per reward
    (the notification's dedupe key); returns how many rewards were newly flagged."""
    overdue = list(selectors.overdue_grants(now=now))
    if not overdue:
        return 0
    return notify_overdue(
        overdue, recipients=list(members_of(Role.ADMINISTRATOR)),
        title=lambda reward: _("Reward grant overdue: %(name)s, %(kind)s") % {
            "name": reward.resident.name, "kind": reward.get_kind_display()},
        body=lambda reward: _("To be granted by %(due)s (Chapter 8, Article 1: granted within the working days the "
                              "rulebook sets after the publication).") % {"due": format_moment(reward.grant_due_at)},
        link=lambda reward: reverse("admin:discipline_reward_change", args=[reward.pk]),
        kind="discipline.reward_grant_overdue", dedupe_key=lambda reward: overdue_flag_key(reward.pk),
    )


def overdue_flag_key(reward_id: int) -> str:
    """The key of a reward's grant-overdue notice (withdrawn when a calendar change moves its deadline)."""
    return f"discipline:reward:{reward_id}:grant_overdue"


def rewards_recompute_provisional() -> Recomputed:
    """Provisional grant deadlines of approved rewards, computed again from the start of their grant
    period after a calendar change (RULEBOOK §2; registered in discipline/apps.py). The overdue notice
    of a reward whose deadline moved is withdrawn; the daily flag job raises it again if need be."""
    rules_on = rulebook.in_force_by_day()
    moves, result = recompute_deadlines(
        selectors.provisional_grants(), provisional="grant_due_provisional",
        fields=[DeadlineField("grant_due_at", "grant_period_starts_at",
                              lambda day: rules_on(day).deadlines.reward_grant_working_days)],
    )
    return replace(result, flags_cleared=notifications_withdraw(
        dedupe_keys=[overdue_flag_key(move.pk) for move in moves]))
