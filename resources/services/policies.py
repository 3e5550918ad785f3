"""Policy help (政策对接, 第五章第二条第3项; RULEBOOK §6): every state change.

Who does what:

- the resources team and the administrator publish policies (a policy notice on the board) and handle
  each request for help to its outcome: accepted (the response, due within
  ``policies.help_response_working_days`` working days) → submitted to the authority → granted (with
  the amount) or not granted;
- a checked-in resident follows a policy (关注) and/or asks for help applying (``Action.REQUEST_POLICY``);
  asking for help follows the policy too;
- jobs: requests not answered by their due day are flagged to the resources team (once each), and the
  residents following a policy are reminded ``policies.reminder_days_before_deadline`` days before its
  deadline — once per resident and policy, which the unique ``PolicyReminder`` row guarantees;
- an exit closes the open requests (第三章第四条).
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.core.money import quantize_money
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from residents.models import Resident, ResidentStatus
from resources.models import (
    HELP_TRANSITIONS,
    OPEN_HELP,
    HelpStatus,
    Policy,
    PolicyHelpRequest,
    PolicyInterest,
    PolicyReminder,
)
from resources.rules import matchmaking as rules
from resources.services.vouchers import is_manager

QUESTION_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 600

REFUSALS = {
    rules.Refusal.NOT_PUBLISHED: gettext_lazy("This policy is not published."),
    rules.Refusal.PAST_DEADLINE: gettext_lazy(
        "The application deadline of this policy was %(deadline)s (Chapter 5, Article 2)."),
}


def _refuse(message: Any, *, field: str | None = None, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code)


def _ensure_manager(actor: Actor) -> None:
    if not is_manager(actor):
        _refuse(_("Only the resources team or the administrator handles policy help."), code="not_allowed")


def refusal_message(refusal: rules.Refusal, policy: Policy) -> str:
    return str(REFUSALS[refusal]) % {"deadline": format_day(policy.application_deadline)}


def _ensure_open(policy: Policy) -> None:
    refusal = rules.open_refusal(published=policy.published_at is not None, deadline=policy.application_deadline,
                                 today=timezone.localdate())
    if refusal is not None:
        _refuse(refusal_message(refusal, policy), field="policy")


def _ensure_resident(resident: Resident, actor: Actor) -> None:
    if getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("You can do this only for yourself."), code="not_allowed")
    if resident.status != ResidentStatus.ACTIVE:
        _refuse(_("Only a checked-in resident can ask for policy help."), field="resident")
    ensure_allowed(resident, Action.REQUEST_POLICY)


def _link() -> str:
    return reverse("resources:my_matchmaking")


# --- Publishing ------------------------------------------------------------------------------------------------


def notice_body(policy: Policy) -> str:
    """The policy notice (RULEBOOK §10: policy and subsidy notices) from the policy's fields."""
    lines = [_("Kind: %(kind)s") % {"kind": policy.get_kind_display()}]
    if policy.issuer_id:
        lines.append(_("Issued by: %(issuer)s") % {"issuer": policy.issuer.name})
    if policy.benefit:
        lines.append(_("Benefit: %(benefit)s") % {"benefit": policy.benefit})
    lines.append(policy.summary)
    if policy.eligibility:
        lines.append(_("Who may apply: %(eligibility)s") % {"eligibility": policy.eligibility})
    lines.append(_("Application deadline: %(deadline)s. Residents ask the resources team for help in the portal "
                   "(资源 → 政策对接) (Chapter 5, Article 2).") % {"deadline": format_day(policy.application_deadline)})
    return "\n".join(lines)


@transaction.atomic
def policy_publish(*, policy: Policy, actor: Actor) -> Policy:
    """Publish a policy: a policy notice on the board; residents follow it and ask for help until its deadline."""
    from opc_community.notices.models import PublicationKind
    from opc_community.notices.services import publication_open

    _ensure_manager(actor)
    policy = Policy.objects.select_for_update(no_key=True).get(pk=policy.pk)
    if policy.published_at is not None:
        raise InvalidTransition(_("This policy is already published."))
    if policy.application_deadline < timezone.localdate():
        _refuse(_("Application deadline: the day has passed; set a later one first."), field="application_deadline")
    with acting_as(actor, action="resources.policy_publish"):
        policy.published_at = timezone.now()
        policy.save(update_fields=["published_at"])
    publication_open(
        kind=PublicationKind.POLICY_NOTICE,
        title=_("Policy: %(title)s") % {"title": policy.title},
        body=notice_body(policy),
        staff_text={"title": policy.title, "summary": policy.summary, "eligibility": policy.eligibility,
                    "benefit": policy.benefit},
        subject=policy,
        actor=actor,
    )
    return policy


# --- Interest --------------------------------------------------------------------------------------------------


def _follow(policy: Policy, resident: Resident, *, now: datetime) -> PolicyInterest:
    interest, _created = PolicyInterest.objects.get_or_create(policy=policy, resident=resident,
                                                              defaults={"created_at": now})
    return interest


@transaction.atomic
def interest_mark(*, policy: Policy, resident: Resident, actor: Actor) -> PolicyInterest:
    """关注: the resident follows the policy and is reminded before its deadline (marking twice is one mark)."""
    _ensure_resident(resident, actor)
    policy = Policy.objects.select_for_update(no_key=True).get(pk=policy.pk)
    _ensure_open(policy)
    with acting_as(actor, action="resources.policy_interest"):
        return _follow(policy, resident, now=timezone.now())


@transaction.atomic
def interest_unmark(*, policy: Policy, resident: Resident, actor: Actor) -> int:
    """The resident stops following the policy (no reminder then)."""
    if getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("You can do this only for yourself."), code="not_allowed")
    with acting_as(actor, action="resources.policy_interest_remove"):
        deleted, _rows = PolicyInterest.objects.filter(policy=policy, resident=resident).delete()
    return deleted


# --- Help requests -----------------------------------------------------------------------------------------------


@transaction.atomic
def help_request(*, policy: Policy, resident: Resident, question: str, actor: Actor) -> PolicyHelpRequest:
    """A checked-in resident asks for help applying (one open request per policy); the response is due within
    ``policies.help_response_working_days`` working days (rule data; RULEBOOK §2). Follows the policy too."""
    _ensure_resident(resident, actor)
    policy = Policy.objects.select_for_update(no_key=True).get(pk=policy.pk)
    _ensure_open(policy)
    question = (question or "").strip()
    if not question:
        _refuse(_("What help is needed: say what you need (materials, eligibility, the form…)."), field="question")
    if len(question) > QUESTION_MAX_LENGTH:
        _refuse(_("What help is needed: at most %(count)d characters.") % {"count": QUESTION_MAX_LENGTH},
                field="question")
    if PolicyHelpRequest.objects.filter(policy=policy, resident=resident, status__in=OPEN_HELP).exists():
        _refuse(_("You already asked for help with this policy; the resources team is handling it."),
                field="policy", code="conflict")
    now = timezone.now()
    book = rulebook.in_force(on=timezone.localdate(now))
    due = workdays.deadline(now, book.policies.help_response_working_days)
    with acting_as(actor, action="resources.policy_help_request"):
        request = PolicyHelpRequest.objects.create(
            policy=policy, resident=resident, question=question, requested_at=now, response_due_at=due.at,
            response_due_provisional=due.provisional)
        _follow(policy, resident, now=now)
    return request


def _lock(request: PolicyHelpRequest) -> PolicyHelpRequest:
    return PolicyHelpRequest.objects.select_for_update(no_key=True).select_related("policy", "resident__user").get(
        pk=request.pk)


def _tell(request: PolicyHelpRequest, *, body: Any, kind: str) -> None:
    title = request.policy.title
    notify(recipients=[request.resident.user], title=lambda: _("Policy help: %(title)s") % {"title": title},
           body=body, link=_link(), kind=f"resources.policy_help_{kind}")


def _note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        _refuse(_("Note: at most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}, field="note")
    return note


def _staff_step(request: PolicyHelpRequest, actor: Actor) -> PolicyHelpRequest:
    _ensure_manager(actor)
    request = _lock(request)
    ensure_not_own(actor, concerned_user=request.resident.user_id, what=_("a request for policy help"))
    return request


@transaction.atomic
def help_accept(*, request: PolicyHelpRequest, actor: Actor, note: str = "") -> PolicyHelpRequest:
    """受理: the team's response (it counts against the response deadline); the resident is told who helps."""
    request = _staff_step(request, actor)
    note = _note(note)
    with acting_as(actor, action="resources.policy_help_accept"):
        request = move(request, HelpStatus.ACCEPTED, transitions=HELP_TRANSITIONS, accepted_at=timezone.now(),
                       handled_by=actor, staff_note=note or request.staff_note)
    name = actor.get_full_name() if hasattr(actor, "get_full_name") else str(actor)
    _tell(request, kind="accepted",
          body=lambda: _("Accepted; %(name)s of the resources team helps you apply.") % {"name": name}
          + (f" {note}" if note else ""))
    return request


def _day(value: date | None, *, field: str) -> date:
    day = value or timezone.localdate()
    if day > timezone.localdate():
        _refuse(_("Date: today or earlier."), field=field)
    return day


@transaction.atomic
def help_submit(*, request: PolicyHelpRequest, actor: Actor, submitted_on: date | None = None,
                note: str = "") -> PolicyHelpRequest:
    """The application went to the authority (with the resident)."""
    request = _staff_step(request, actor)
    day = _day(submitted_on, field="submitted_on")
    note = _note(note)
    with acting_as(actor, action="resources.policy_help_submit"):
        request = move(request, HelpStatus.SUBMITTED, transitions=HELP_TRANSITIONS, submitted_on=day,
                       staff_note=note or request.staff_note)
    _tell(request, kind="submitted",
          body=lambda: _("Your application was submitted to the authority on %(day)s.") % {"day": format_day(day)})
    return request


@transaction.atomic
def help_decide(*, request: PolicyHelpRequest, granted: bool, actor: Actor, amount: Any = None,
                decided_on: date | None = None, note: str = "") -> PolicyHelpRequest:
    """The authority's answer: granted (with the amount in yuan) or not granted."""
    request = _staff_step(request, actor)
    day = _day(decided_on, field="decided_on")
    note = _note(note)
    value: Decimal | None = None
    if granted:
        try:
            value = quantize_money(Decimal(str(amount).strip()))
        except (InvalidOperation, ValueError, TypeError):
            _refuse(_("Amount granted: write a number of yuan, e.g. 50000."), field="amount")
        if not value.is_finite() or value <= 0:
            _refuse(_("Amount granted: must be greater than zero."), field="amount")
    elif amount not in (None, ""):
        _refuse(_("Amount granted: a policy not granted has no amount."), field="amount")
    target = HelpStatus.GRANTED if granted else HelpStatus.NOT_GRANTED
    with acting_as(actor, action=f"resources.policy_help_{target}"):
        request = move(request, target, transitions=HELP_TRANSITIONS, decided_on=day, granted_amount=value,
                       closed_at=timezone.now(), staff_note=note or request.staff_note)
    if granted:
        body: Any = lambda: _("Granted on %(day)s: %(amount)s yuan.") % {"day": format_day(day), "amount": value}  # noqa: E731
    else:
        body = lambda: _("Not granted (answer of %(day)s).") % {"day": format_day(day)} + (f" {note}" if note else "")  # noqa: E731
    _tell(request, kind=str(target), body=body)
    return request


@transaction.atomic
def help_withdraw(*, request: PolicyHelpRequest, actor: Actor) -> PolicyHelpRequest:
    request = _lock(request)
    if getattr(actor, "pk", None) != request.resident.user_id:
        _refuse(_("Only the resident who asked withdraws the request."), code="not_allowed")
    with acting_as(actor, action="resources.policy_help_withdraw"):
        return move(request, HelpStatus.WITHDRAWN, transitions=HELP_TRANSITIONS, closed_at=timezone.now())


# --- Jobs --------------------------------------------------------------------------------------------------------


def help_overdue_key(request_id: int) -> str:
    return f"resources:policy-help:{request_id}:overdue"


def help_flag_overdue(*, now: datetime | None = None) -> int:
    """Requests still unanswered after their due day: flagged (``overdue_flagged_at``, once each) and told to
    the resources team. A second run flags nobody: the conditional update only takes unflagged rows."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    team = list(members_of(Role.RESOURCES))
    flagged = 0
    candidates = PolicyHelpRequest.objects.filter(status=HelpStatus.REQUESTED, overdue_flagged_at__isnull=True,
                                                  response_due_at__lt=now).select_related("policy", "resident")
    for request in candidates:
        if rules.response_sla(due_at=request.response_due_at, answered_at=None, now=now) != rules.Sla.OVERDUE:
            continue
        with transaction.atomic():
            with acting_as(None, action="resources.policy_help_overdue"):
                taken = PolicyHelpRequest.objects.filter(pk=request.pk, overdue_flagged_at__isnull=True,
                                                         status=HelpStatus.REQUESTED).update(overdue_flagged_at=now)
            if not taken:
                continue
            flagged += 1
            with community_language():
                notify(
                    recipients=team,
                    title=_("Policy help overdue: %(title)s") % {"title": request.policy.title},
                    body=_("%(resident)s asked on %(asked)s; the response was due by %(due)s (Chapter 5, Article 2; "
                           "checked on %(today)s).") % {
                        "resident": request.resident.name, "asked": format_day(request.requested_at),
                        "due": format_day(request.response_due_at), "today": format_day(today)},
                    link=reverse("admin:resources_policyhelprequest_change", args=[request.pk]),
                    kind="resources.policy_help_overdue", dedupe_key=help_overdue_key(request.pk),
                )
    return flagged


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind each resident following a published policy ``policies.reminder_days_before_deadline`` days
    before its deadline (up to the deadline day), once per resident and policy: the reminder row is inserted
    first, and the unique pair refuses a second one — a rerun or a concurrent run reminds nobody twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = rulebook.in_force(on=today).policies.reminder_days_before_deadline
    sent = 0
    interests = (PolicyInterest.objects.filter(
        policy__published_at__isnull=False, policy__application_deadline__gte=today,
        resident__status=ResidentStatus.ACTIVE)
        .filter(~Exists(PolicyReminder.objects.filter(policy=OuterRef("policy"), resident=OuterRef("resident"))))
        .select_related("policy", "resident__user"))
    for interest in interests:
        policy = interest.policy
        if not rules.reminder_due(deadline=policy.application_deadline, today=today, days_before=days):
            continue
        try:
            with transaction.atomic():
                PolicyReminder.objects.create(policy=policy, resident=interest.resident, sent_at=now)
                with community_language():
                    notify(
                        recipients=[interest.resident.user],
                        title=_("Policy deadline soon: %(title)s") % {"title": policy.title},
                        body=_("Applications close on %(deadline)s. Ask the resources team for help in the portal "
                               "if you need it (Chapter 5, Article 2).")
                        % {"deadline": format_day(policy.application_deadline)},
                        link=_link(), kind="resources.policy_reminder",
                    )
        except IntegrityError:
            continue
        sent += 1
    return sent


# --- Exit --------------------------------------------------------------------------------------------------------


def help_close_for_exit(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler (第三章第四条): every open request for help closes. Inside the exit's transaction."""
    with acting_as(actor, action="resources.policy_help_exit"):
        closed = PolicyHelpRequest.objects.filter(resident=resident, status__in=OPEN_HELP).update(
            status=HelpStatus.CLOSED, closed_at=timezone.now())
    if not closed:
        return ""
    return _("Policy help: %(count)s open request(s) closed.") % {"count": closed}
