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

This module holds volunteer service, verification and the resident's choice; publication, annulment
and the grant are in ``reward_grants``, what both share in ``reward_support``.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline import reward_rules as rules
from discipline.models import (
    Reward,
    RewardChoice,
    RewardKind,
    RewardStatus,
    VolunteerService,
)
from discipline.selectors import rewards as selectors
from discipline.services.reward_support import (
    NOTE_MAX_LENGTH,
    can_decide_rewards,
    require_decider,
    required_text,
    rules_of,
    tell,
)
from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan, quantize_money
from opc_community.core.transitions import lock
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from opc_community.rulebook.schema import Rulebook
from opc_community.workdays.rules import local_date
from residents.models import Resident
from scoring.models import AwardClaim

ACTIVITY_MAX_LENGTH = 200
MAX_HOURS = Decimal("24")
EVIDENCE_TYPES = ("pdf", "jpeg", "png")


# --- Who may act ---------------------------------------------------------------------------------


def can_record_volunteer(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and user.has_perm("discipline.add_volunteerservice")


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
    tell(reward, gettext_lazy("Reward verified: %(kind)s"), lambda: _verified_body(reward, rules_in_force), "verified")
    return reward


def _once_a_year(year: int) -> str:
    return _("Compliance excellence of %(year)s was already given to this resident: at most once a year "
             "(Chapter 8, Article 1).") % {"year": year}


@transaction.atomic
def reward_propose_compliance(
    *, resident: Resident, year: int, actor: Actor, note: str = "", today: date | None = None
) -> Reward:
    """Verify compliance excellence (合规优秀) of ``year`` for an eligible resident; the resident then chooses."""
    require_decider(actor, resident)
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
    *, resident: Resident, level: str, amount: Any, certificate: str, reason: str, actor: Actor,
    evidence: UploadedFile | None = None, award_claim: AwardClaim | None = None,
) -> Reward:
    """项目创新: a municipal or higher entrepreneurship award; cash within the level's range (staff choose).

    ``award_claim``: the verified award of the quarterly inputs the reward was found from
    (:func:`discipline.selectors.rewards.innovation_candidates`); each is rewarded once.
    """
    require_decider(actor, resident)
    _live(resident)
    today = timezone.localdate()
    rules_in_force = rulebook.in_force(on=today)
    if level not in rules_in_force.rewards.innovation:
        raise DomainError(_("Choose the level of the award: municipal, or provincial and higher."), field="level")
    if award_claim is not None:
        _check_award_claim(award_claim, resident=resident, level=level)
    value = _amount(rules_in_force, kind=RewardKind.INNOVATION, level=level, amount=amount)
    certificate = required_text(certificate, field="evidence_ref", limit=NOTE_MAX_LENGTH,
                        message=_("Name the award certificate (issuer, number, date)."))
    reason = required_text(reason, field="reason", message=_("Give the grounds of the reward."))
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
    require_decider(actor, resident)
    _live(resident)
    today = timezone.localdate()
    rules_in_force = rulebook.in_force(on=today)
    if not rules.choice_allowed(RewardKind.OTHER, choice):
        raise DomainError(_("Choose cash or resource support."), field="choice")
    fields: dict[str, Any] = {"choice": choice}
    if choice == RewardChoice.CASH:
        fields["amount"] = _amount(rules_in_force, kind=RewardKind.OTHER, level="", amount=amount)
    else:
        fields["support"] = required_text(support, field="support", limit=NOTE_MAX_LENGTH,
                                  message=_("Describe the resource support."))
    reason = required_text(reason, field="reason", message=_("Give the grounds of the reward."))
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
    rules_in_force = rules_of(reward)
    amount = rules_in_force.rewards.compliance_excellence.voucher_subsidy if choice == RewardChoice.VOUCHER_SUBSIDY \
        else None
    with acting_as(actor, action="discipline.reward_choose"):
        Reward.objects.filter(pk=reward.pk).update(choice=choice, amount=amount)
    reward.refresh_from_db()
    if not own:
        tell(reward, gettext_lazy("Your reward choice was recorded: %(kind)s"),
              lambda: _("Recorded by staff: %(what)s.") % {"what": selectors.reward_what(reward, rules_in_force)}, "chosen",
              once=False)
    return reward


def _verified_body(reward: Reward, rules_in_force: Rulebook) -> str:
    days = rules_in_force.deadlines.publication_window_working_days
    if reward.kind == RewardKind.COMPLIANCE:
        return _("You qualify for compliance excellence of %(year)s. Choose your reward in the portal: the "
                 "roadshow-hall bookings or the compute-voucher subsidy. It is first published on the notice board "
                 "for %(days)s working days (Chapter 8, Article 1).") % {"year": reward.year, "days": days}
    what = format_yuan(reward.amount) if reward.amount is not None else reward.support
    return _("%(what)s. It is first published on the notice board for %(days)s working days (Chapter 8, "
             "Article 1).") % {"what": what, "days": days}
