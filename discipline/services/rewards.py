"""Every state change of rewards and volunteer service (第八章第一条; RULEBOOK §8).

The process: **verified** by staff → **published** on the notice board for 3 working days
(masked) → no upheld objection → **approved**, to be granted within 10 working days →
**granted** (cash paid, roadshow credits granted, voucher subsidy recorded, resource support
given) → kept in the archive. An objection upheld during the window → **annulled**.

Who (RULEBOOK §1 "Administrator: everything, including penalties, rewards"): the
administrator verifies, publishes, grants and annuls rewards — the services check the
``discipline.change_reward`` permission, which the role matrix gives the administrator only.
Volunteer services are recorded by whoever holds ``discipline.add_volunteerservice``: the
administrator, and the resources team once the role matrix grants it (activities and
volunteer service are the resources team's work, 第二章). The resident chooses the form of
a compliance-excellence reward; staff may record the choice for them. Nobody verifies, publishes,
grants or annuls a reward to their own account, nor records their own volunteer service
(``opc_community.accounts.conflicts``).

Decision ledger (the tamper-evident chain): a reward's *decisions* are appended — the
decision taking effect after the publication window (approved), an annulment of a reward
that had been published (objection upheld or withdrawn from the board), and the grant
(what was actually given). A verification is a proposal still open to objection and is
not appended; nor is the resident's choice.

The 500-yuan compute-voucher subsidy is recorded on the reward (``amount``); granting it issues a
voucher grant in the resources app's ledger (``resources.services.vouchers.reward_grant``, keyed
``reward:<id>``, so a retry grants once) and the grant's number goes in the reward's note.
"""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline import reward_rules as rules
from discipline.models import (
    REWARD_TRANSITIONS,
    LedgerKind,
    Reward,
    RewardChoice,
    RewardKind,
    RewardStatus,
    VolunteerService,
)
from discipline.selectors import rewards as selectors
from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.i18n import StoredText, community_language, render_stored
from opc_community.core.moments import format_day, format_moment
from opc_community.core.money import format_yuan, quantize_money
from opc_community.core.transitions import lock, move
from opc_community.core.uploads import validate_upload
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.portal.services import notifications_withdraw, notify
from opc_community.rulebook.schema import Rulebook
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from residents.models import Resident
from residents.rules.naming import public_name
from scoring.models import AwardClaim

ACTIVITY_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 300
MAX_HOURS = Decimal("24")
EVIDENCE_TYPES = ("pdf", "jpeg", "png")


# --- Who may act ---------------------------------------------------------------------------------


def can_record_volunteer(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and user.has_perm("discipline.add_volunteerservice")


def can_decide_rewards(user: Any) -> bool:
    """The administrator decides rewards (RULEBOOK §1); the permission comes from the role matrix."""
    return bool(getattr(user, "is_staff", False)) and user.has_perm("discipline.change_reward")


def _require_decider(actor: Actor, resident: Resident) -> None:
    if not can_decide_rewards(actor):
        raise PermissionDenied(_("Only the administrator decides rewards (Chapter 8, Article 1)."))
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a reward to your own account"))


# --- Volunteer service (志愿服务) ----------------------------------------------------------------------


def volunteer_service_check(
    *, resident: Resident, served_on: date, activity: str, hours: Any = None, today: date | None = None
) -> tuple[str, Decimal | None]:
    """Refuse a volunteer service that cannot be recorded; return the cleaned (activity, hours).

    Forms call it to put the refusal next to the field; :func:`volunteer_service_record` calls it again.
    """
    today = today or timezone.localdate()
    activity = (activity or "").strip()
    if not activity:
        raise DomainError(_("Name the activity of the volunteer service."), field="activity")
    if len(activity) > ACTIVITY_MAX_LENGTH:
        raise DomainError(
            _("An activity is at most %(count)d characters long.") % {"count": ACTIVITY_MAX_LENGTH}, field="activity"
        )
    if served_on > today:
        raise DomainError(
            _("A volunteer service is recorded once it has taken place: %(date)s is in the future.")
            % {"date": format_day(served_on)}, field="served_on",
        )
    if resident.status not in selectors.LIVE_STATUSES or resident.checked_in_at is None:
        raise DomainError(_("Volunteer services are recorded for checked-in residents only."), field="resident")
    if served_on < local_date(resident.checked_in_at):
        raise DomainError(
            _("The resident checked in on %(date)s; a service before that does not count.")
            % {"date": format_day(local_date(resident.checked_in_at))}, field="served_on",
        )
    if hours is not None:
        try:
            hours = Decimal(hours).quantize(Decimal("0.1"))
        except (InvalidOperation, TypeError, ValueError) as error:
            raise DomainError(_("Give the hours as a number."), field="hours") from error
        if not Decimal("0") < hours <= MAX_HOURS:
            raise DomainError(
                _("Hours of one service are more than 0 and at most %(max)s.") % {"max": MAX_HOURS}, field="hours"
            )
    return activity, hours


@transaction.atomic
def volunteer_service_record(
    *, resident: Resident, served_on: date, activity: str, hours: Decimal | None = None, actor: Actor,
    today: date | None = None,
) -> VolunteerService:
    """Record one volunteer service of a checked-in resident (it counts towards compliance excellence)."""
    if not can_record_volunteer(actor):
        raise PermissionDenied(_("Only the resources team or the administrator records volunteer services."))
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("volunteer services of your own account"))
    activity, hours = volunteer_service_check(
        resident=resident, served_on=served_on, activity=activity, hours=hours, today=today
    )
    with acting_as(actor, action="discipline.volunteer_service_record"):
        service = VolunteerService.objects.create(
            resident=resident, served_on=served_on, activity=activity, hours=hours, recorded_by=actor
        )
    count = VolunteerService.objects.filter(resident=resident, served_on__year=served_on.year).count()
    notify(
        recipients=[resident.user],
        title=lambda: _("Volunteer service recorded: %(activity)s") % {"activity": activity},
        body=lambda: _("On %(date)s. Volunteer services in %(year)s so far: %(count)s.")
        % {"date": format_day(served_on), "year": served_on.year, "count": count},
        link=reverse("discipline:my_rewards"),
        kind="discipline.volunteer_recorded",
        dedupe_key=f"discipline:volunteer:{service.pk}",
        email=False,
    )
    return service


# --- Verification (核实) ------------------------------------------------------------------------------


def _live(resident: Resident) -> None:
    if resident.status not in selectors.LIVE_STATUSES:
        raise DomainError(_("Only a checked-in resident can be rewarded."), field="resident")


def _create(*, resident: Resident, kind: str, year: int, actor: Actor, rules_in_force: Rulebook, **fields: Any) -> Reward:
    """Insert a verified reward (its own savepoint, so the once-a-year constraint becomes a clear refusal)."""
    try:
        with transaction.atomic(), acting_as(actor, action="discipline.reward_verify"):
            reward = Reward.objects.create(
                resident=resident, kind=kind, year=year, status=RewardStatus.VERIFIED, verified_by=actor,
                verified_at=timezone.now(), rulebook_version=rules_in_force.version, **fields,
            )
    except IntegrityError as error:
        raise ConflictError(_once_a_year(year), field="year") from error
    _tell(reward, gettext_lazy("Reward verified: %(kind)s"), lambda: _verified_body(reward, rules_in_force), "verified")
    return reward


def _once_a_year(year: int) -> str:
    return _("Compliance excellence of %(year)s was already given to this resident: at most once a year "
             "(Chapter 8, Article 1).") % {"year": year}


@transaction.atomic
def reward_propose_compliance(
    *, resident: Resident, year: int, actor: Actor, note: str = "", today: date | None = None
) -> Reward:
    """Verify compliance excellence (合规优秀) of ``year`` for an eligible resident; the resident then chooses."""
    _require_decider(actor, resident)
    today = today or timezone.localdate()
    if year > today.year:
        raise DomainError(_("A year is judged once it has begun."), field="year")
    Resident.objects.select_for_update(no_key=True).filter(pk=resident.pk).get()  # one proposal at a time per resident
    _live(resident)
    candidate = selectors.compliance_candidate(resident, year=year, today=today)
    if candidate.reward_id is not None:
        raise ConflictError(_once_a_year(year), field="year")
    if not candidate.eligible:
        raise DomainError(
            _("Not eligible for compliance excellence of %(year)s: %(reasons)s")
            % {"year": year, "reasons": candidate.eligibility.summary},
            code="not_eligible",
        )
    reason = _(
        "Checked in for %(months)s full months by %(date)s, no violation and %(services)s volunteer services "
        "in %(year)s."
    ) % {"months": candidate.eligibility.months_checked_in, "date": format_day(candidate.judged_on),
         "services": candidate.volunteer_services, "year": year}
    note = (note or "").strip()
    return _create(
        resident=resident, kind=RewardKind.COMPLIANCE, year=year, actor=actor,
        rules_in_force=rulebook.in_force(on=candidate.judged_on), reason=f"{reason}\n{note}".strip(),
    )


def _text(value: str, *, field: str, message: str, limit: int = TEXT_MAX_LENGTH) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field=field)
    if len(text) > limit:
        raise DomainError(_("At most %(count)d characters.") % {"count": limit}, field=field)
    return text


def _amount(rules_in_force: Rulebook, *, kind: str, level: str, amount: Any) -> Decimal:
    try:
        value = quantize_money(amount) if amount not in (None, "") else None
    except (InvalidOperation, TypeError, ValueError):
        value = None
    refusal = rules.amount_refusal(rules_in_force.rewards, kind=kind, level=level, amount=value)
    if refusal:
        raise DomainError(refusal, field="amount")
    assert value is not None
    return value


def _evidence(upload: UploadedFile | None, rules_in_force: Rulebook) -> UploadedFile | None:
    if upload:
        validate_upload(upload, field="evidence", allowed=EVIDENCE_TYPES, max_mb=rules_in_force.intake.max_upload_mb)
    return upload or None


def _check_award_claim(claim: AwardClaim, *, resident: Resident, level: str) -> None:
    """A reward verified from an award of the quarterly inputs: that award, verified, of this resident and
    level, not rewarded yet (the claim's row is locked so two staff cannot reward it twice)."""
    claim = AwardClaim.objects.select_for_update(no_key=True, of=("self",)).select_related("input").get(pk=claim.pk)
    if not claim.verified or claim.input.resident_id != resident.pk:
        raise DomainError(_("This award of the quarterly inputs is not a verified award of %(name)s.")
                          % {"name": resident.name}, field="award_claim")
    if rules.innovation_level(claim.level) != level:
        raise DomainError(_("The award was verified as %(level)s: choose that level (Chapter 8, Article 1).")
                          % {"level": rules.level_label(rules.innovation_level(claim.level) or "")}, field="level")
    if Reward.objects.filter(award_claim=claim).exclude(status=RewardStatus.ANNULLED).exists():
        raise ConflictError(_("A reward was already verified for this award."), field="award_claim")


@atomic_with_files
def reward_verify_innovation(
    *, resident: Resident, level: str, amount: Any, certificate: str, reason: str, actor: Any,
    evidence: UploadedFile | None = None, award_claim: AwardClaim | None = None,
) -> Reward:
    """项目创新: a municipal or higher entrepreneurship award; cash within the level's range (staff choose).

    ``award_claim``: the verified award of the quarterly inputs the reward was found from
    (:func:`discipline.selectors.rewards.innovation_candidates`); each is rewarded once.
    """
    _require_decider(actor, resident)
    _live(resident)
    today = timezone.localdate()
    rules_in_force = rulebook.in_force(on=today)
    if level not in rules_in_force.rewards.innovation:
        raise DomainError(_("Choose the level of the award: municipal, or provincial and higher."), field="level")
    if award_claim is not None:
        _check_award_claim(award_claim, resident=resident, level=level)
    value = _amount(rules_in_force, kind=RewardKind.INNOVATION, level=level, amount=amount)
    certificate = _text(certificate, field="evidence_ref", limit=NOTE_MAX_LENGTH,
                        message=_("Name the award certificate (issuer, number, date)."))
    reason = _text(reason, field="reason", message=_("Give the grounds of the reward."))
    upload = _evidence(evidence, rules_in_force)
    return _create(
        resident=resident, kind=RewardKind.INNOVATION, year=today.year, actor=actor, rules_in_force=rules_in_force,
        level=level, amount=value, choice=RewardChoice.CASH, evidence_ref=certificate, reason=reason,
        award_claim=award_claim, **({"evidence": upload} if upload else {}),
    )


@atomic_with_files
def reward_verify_other(
    *, resident: Resident, choice: str, reason: str, actor: Actor, amount: Any = None, support: str = "",
    basis: str = "", evidence: UploadedFile | None = None,
) -> Reward:
    """其他贡献: judged by staff; cash within the range, or resource support described in words."""
    _require_decider(actor, resident)
    _live(resident)
    today = timezone.localdate()
    rules_in_force = rulebook.in_force(on=today)
    if not rules.choice_allowed(RewardKind.OTHER, choice):
        raise DomainError(_("Choose cash or resource support."), field="choice")
    fields: dict[str, Any] = {"choice": choice}
    if choice == RewardChoice.CASH:
        fields["amount"] = _amount(rules_in_force, kind=RewardKind.OTHER, level="", amount=amount)
    else:
        fields["support"] = _text(support, field="support", limit=NOTE_MAX_LENGTH,
                                  message=_("Describe the resource support."))
    reason = _text(reason, field="reason", message=_("Give the grounds of the reward."))
    upload = _evidence(evidence, rules_in_force)
    if upload:
        fields["evidence"] = upload
    return _create(
        resident=resident, kind=RewardKind.OTHER, year=today.year, actor=actor, rules_in_force=rules_in_force,
        reason=reason, evidence_ref=(basis or "").strip()[:NOTE_MAX_LENGTH], **fields,
    )


# --- The resident's choice (compliance excellence) ----------------------------------------------------


CHOOSABLE = (RewardStatus.VERIFIED, RewardStatus.PUBLISHED, RewardStatus.APPROVED)


@transaction.atomic
def reward_choose(*, reward: Reward, choice: str, actor: Actor) -> Reward:
    """The resident chooses 2 roadshow-hall credits or the compute-voucher subsidy (staff may record it).

    Possible until the reward is granted; the subsidy's amount comes from the rulebook version
    the reward was verified under.
    """
    reward = lock(reward)
    own = actor.pk == reward.resident.user_id
    if not own and not can_decide_rewards(actor):
        raise PermissionDenied(_("Only the resident or the administrator chooses the reward."))
    if reward.kind != RewardKind.COMPLIANCE:
        raise DomainError(_("Only compliance excellence offers a choice."), field="choice")
    if reward.status not in CHOOSABLE:
        raise InvalidTransition(
            _("This reward is “%(status)s”; the choice can no longer change.") % {"status": reward.get_status_display()}
        )
    if not rules.choice_allowed(reward.kind, choice):
        raise DomainError(_("Choose the roadshow-hall bookings or the compute-voucher subsidy."), field="choice")
    rules_in_force = _rules_of(reward)
    amount = rules_in_force.rewards.compliance_excellence.voucher_subsidy if choice == RewardChoice.VOUCHER_SUBSIDY \
        else None
    with acting_as(actor, action="discipline.reward_choose"):
        Reward.objects.filter(pk=reward.pk).update(choice=choice, amount=amount)
    reward.refresh_from_db()
    if not own:
        _tell(reward, gettext_lazy("Your reward choice was recorded: %(kind)s"),
              lambda: _("Recorded by staff: %(what)s.") % {"what": selectors.reward_what(reward, rules_in_force)}, "chosen",
              once=False)
    return reward


# --- Publication and its outcome ---------------------------------------------------------------------


@transaction.atomic
def reward_publish(*, reward: Reward, actor: Actor) -> Reward:
    """Publish a verified reward on the notice board (3 working days, masked name, RULEBOOK §10)."""
    _require_decider(actor, reward.resident)
    reward = lock(reward)
    rules_in_force = _rules_of(reward)
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
    _tell(reward, gettext_lazy("Your reward is on the notice board: %(kind)s"), lambda: _(
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
    _ledger(reward, "approved", publication=publication.pk, grant_due_at=due.at.isoformat())
    _tell(reward, gettext_lazy("Your reward takes effect: %(kind)s"), lambda: _(
        "No objection was upheld. It will be granted by %(due)s (%(days)s working days, Chapter 8, Article 1)."
    ) % {"due": format_day(due.date), "days": days}, "approved")


def _annul(reward: Reward, *, reason: str, actor: Actor | None, action: str) -> Reward:
    was_public = reward.status == RewardStatus.PUBLISHED
    with acting_as(actor, action=action):
        reward = move(reward, RewardStatus.ANNULLED, transitions=REWARD_TRANSITIONS,
                      annulled_at=timezone.now(), annul_reason=reason)
    if was_public:
        _ledger(reward, "annulled", reason=reason)
    _tell(reward, gettext_lazy("Your reward was annulled: %(kind)s"), lambda: _("Reason: %(reason)s") % {"reason": reason}, "annulled")
    return reward


@transaction.atomic
def reward_annul(*, reward: Reward, reason: str, actor: Actor) -> Reward:
    """Withdraw a reward before it takes effect (verified, or on the board: the publication is withdrawn)."""
    _require_decider(actor, reward.resident)
    reason = _text(reason, field="reason", message=_("Give the reason for annulling the reward."))
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
    _require_decider(actor, reward.resident)
    now = now or timezone.now()
    reward = lock(reward)
    if reward.status != RewardStatus.APPROVED:
        raise InvalidTransition(_("This reward is “%(status)s”; only an approved reward is granted.")
                                % {"status": reward.get_status_display()})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(_("At most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}, field="note")
    rules_in_force = _rules_of(reward)
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
    _ledger(reward, "granted", note=note, credit=credit_id, late=bool(reward.grant_due_at and now > reward.grant_due_at))
    _tell(reward, gettext_lazy("Your reward was granted: %(kind)s"),
          lambda: f"{selectors.reward_what(reward, rules_in_force)}. {note}", "granted")
    return reward


# --- Overdue grants ---------------------------------------------------------------------------------------


def rewards_flag_overdue(*, now: datetime) -> int:
    """Tell the administrators about each approved reward not granted by its deadline — once per reward
    (the notification's dedupe key); returns how many rewards were newly flagged."""
    overdue = list(selectors.overdue_grants(now=now))
    if not overdue:
        return 0
    administrators = list(members_of(Role.ADMINISTRATOR))
    flagged = 0
    for reward in overdue:
        with community_language():
            created = notify(
                recipients=administrators,
                title=_("Reward grant overdue: %(name)s, %(kind)s") % {
                    "name": reward.resident.name, "kind": reward.get_kind_display()},
                body=_("To be granted by %(due)s (Chapter 8, Article 1: granted within the working days the rulebook "
                       "sets after the publication).") % {"due": format_moment(reward.grant_due_at)},
                link=reverse("admin:discipline_reward_change", args=[reward.pk]),
                kind="discipline.reward_grant_overdue",
                dedupe_key=overdue_flag_key(reward.pk),
            )
        flagged += bool(created)
    return flagged


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


# --- Helpers ----------------------------------------------------------------------------------------------


def _rules_of(reward: Reward) -> Rulebook:
    """The rules a reward is judged by: the rulebook version recorded at verification."""
    rules_in_force = selectors.rules_by_version({reward.rulebook_version}).get(reward.rulebook_version)
    return rules_in_force or rulebook.in_force(on=local_date(reward.verified_at))


def _ledger(reward: Reward, event: str, **extra: Any) -> None:
    """Append a reward decision to the tamper-evident decision ledger."""
    from discipline.services.ledger import ledger_append, reward_content

    ledger_append(kind=LedgerKind.REWARD, object_id=reward.pk, content=reward_content(reward, event, **extra))


def _verified_body(reward: Reward, rules_in_force: Rulebook) -> str:
    days = rules_in_force.deadlines.publication_window_working_days
    if reward.kind == RewardKind.COMPLIANCE:
        return _("You qualify for compliance excellence of %(year)s. Choose your reward in the portal: the "
                 "roadshow-hall bookings or the compute-voucher subsidy. It is first published on the notice board "
                 "for %(days)s working days (Chapter 8, Article 1).") % {"year": reward.year, "days": days}
    what = format_yuan(reward.amount) if reward.amount is not None else reward.support
    return _("%(what)s. It is first published on the notice board for %(days)s working days (Chapter 8, "
             "Article 1).") % {"what": what, "days": days}


def _tell(reward: Reward, title: Promise, body: StoredText, event: str, *, once: bool = True) -> None:
    """Tell the resident (inbox now, email after commit); each event once per reward unless ``once`` is False."""
    notify(
        recipients=[reward.resident.user],
        title=lambda: title % {"kind": reward.get_kind_display()},
        body=body,
        link=reverse("discipline:my_rewards"),
        kind=f"discipline.reward_{event}",
        dedupe_key=f"discipline:reward:{reward.pk}:{event}" if once else None,
    )

