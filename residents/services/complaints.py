"""Complaints and requests (诉求反馈, 第四章第四条; RULEBOOK §6): every state change of a complaint.

Each step is one service: it refuses a wrong actor or a wrong state with a
Chinese message, moves the status through ``COMPLAINT_TRANSITIONS`` (row lock +
compare-and-set), writes a :class:`ComplaintMessage` into the thread (the
thread is append-only), records the actor in the audit trail and tells the
other side — the resident, or the daily management team — through the inbox
(email after commit).

Who does what:

- the resident (its own complaints only): files, writes messages, confirms or
  reopens a solution;
- the daily management team and the administrator ("handlers"): record a
  complaint on a resident's behalf (suggestion box, in person, phone), respond,
  give a solution, write messages and internal notes (never shown to the resident);
- oversight reads only;
- nobody handles a complaint of their own account (``opc_community.accounts.conflicts``): a member
  of staff who is also the resident concerned takes part as the resident only.

SLA decisions (reopening, solving straight away, on time) are in
``residents.rules.complaints``.

A complaint is filed once: a second *open* complaint of the resident with the same category,
subject and details is refused with a ConflictError naming the first — decided by a database
constraint, so two identical submissions arriving together make one complaint.
"""

import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own, is_self_dealing
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.core.transitions import move
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from residents.models import (
    COMPLAINT_TRANSITIONS,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintMessage,
    ComplaintStatus,
    MessageKind,
    Resident,
    ResidentStatus,
)
from residents.models.complaints import OPEN_ONCE
from residents.rules import complaints as rules

#: Who handles complaints (第二章第二条: the daily management team; the administrator runs everything).
HANDLERS = (Role.DAILY, Role.ADMINISTRATOR)
#: Who may read every complaint (oversight reads everything, changes nothing).
READERS = (*HANDLERS, Role.OVERSIGHT)

SUBJECT_MAX_LENGTH = Complaint._meta.get_field("subject").max_length
TEXT_MAX_LENGTH = 5000
ATTACHMENT_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def is_handler(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *HANDLERS)


def is_reader(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *READERS)


# --- Filing ---------------------------------------------------------------------------------


@atomic_with_files
def complaint_file(
    *,
    resident: Resident,
    category: str,
    subject: str,
    text: str,
    attachment: UploadedFile | None = None,
    actor: Actor | None,
) -> Complaint:
    """The resident files a complaint or request in the portal (or the API)."""
    if actor.pk != resident.user_id:
        raise DomainError(_("Only the resident itself can file a complaint in the portal."), code="not_allowed")
    if resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        raise DomainError(
            _("Complaints are filed in the portal after check-in; please contact the daily management team."),
            code="not_checked_in",
        )
    return _create(
        resident=resident, channel=ComplaintChannel.PORTAL, category=category, subject=subject,
        text=text, attachment=attachment, actor=actor,
    )


@atomic_with_files
def complaint_record(
    *,
    resident: Resident,
    channel: str,
    category: str,
    subject: str,
    text: str,
    attachment: UploadedFile | None = None,
    actor: Actor,
) -> Complaint:
    """Staff record a complaint on a resident's behalf: from the suggestion box, in person or by phone."""
    _ensure_handler(actor, resident)
    if channel == ComplaintChannel.PORTAL or channel not in ComplaintChannel.values:
        raise DomainError(
            _("Choose how the complaint reached you: suggestion box, in person or by phone."), field="channel"
        )
    if resident.status == ResidentStatus.ONBOARDING:
        raise DomainError(_("This resident has not checked in yet."), field="resident")
    return _create(
        resident=resident, channel=channel, category=category, subject=subject, text=text,
        attachment=attachment, actor=actor,
    )


def _create(
    *,
    resident: Resident,
    channel: str,
    category: str,
    subject: str,
    text: str,
    attachment: UploadedFile | None,
    actor: Actor | None,
) -> Complaint:
    if category not in ComplaintCategory.values:
        raise DomainError(_("Choose a category."), field="category")
    subject = _required_text(subject, field="subject", max_length=SUBJECT_MAX_LENGTH)
    text = _required_text(text, field="text")
    filed_at = timezone.now()
    rules_in_force = rulebook.in_force(on=local_date(filed_at))
    # 第四章第四条: respond within 2, give a solution within 7 working days (rule data, RULEBOOK §2).
    response = workdays.deadline(filed_at, rules_in_force.deadlines.complaint_response_working_days)
    solution = workdays.deadline(filed_at, rules_in_force.deadlines.complaint_solution_working_days)
    complaint = Complaint(
        resident=resident,
        filed_by=actor,
        channel=channel,
        category=category,
        subject=subject,
        text=text,
        filed_at=filed_at,
        response_due_at=response.at,
        solution_due_at=solution.at,
        due_provisional=response.provisional or solution.provisional,
    )
    if attachment is not None:
        content_type, _sha = validate_upload(
            attachment,
            field="attachment",
            allowed=tuple(rules_in_force.intake.allowed_file_types),
            max_mb=rules_in_force.intake.max_upload_mb,
        )
        # A neutral name: the stored file never carries the resident's own file name.
        complaint.attachment.save(
            f"{uuid.uuid4().hex}.{ATTACHMENT_EXTENSIONS[content_type]}", attachment, save=False
        )
    try:
        # A savepoint: the identical complaint filed meanwhile is named in the refusal below.
        with transaction.atomic(), acting_as(actor, action="residents.complaint_file"):
            complaint.save()
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") or str(error)
        if OPEN_ONCE not in constraint:
            raise
        raise _already_filed(resident, category=category, subject=subject, text=text) from error
    with community_language():
        when = _("Respond by %(response)s, give a solution by %(solution)s (Chapter 4, Article 4).") % {
            "response": format_day(response.at),
            "solution": format_day(solution.at),
        }
        notify(
            recipients=_team(exclude=actor),
            title=lambda: _("New complaint: %(subject)s") % {"subject": _short(subject)},
            body=lambda: _("%(resident)s · %(category)s · %(channel)s. %(when)s")
            % {
                "resident": resident.name,
                "category": complaint.get_category_display(),
                "channel": complaint.get_channel_display(),
                "when": when,
            },
            link=_staff_link(complaint),
            kind="residents.complaint_filed",
            dedupe_key=f"complaint:{complaint.pk}:filed",
        )
        if actor.pk != resident.user_id:
            notify(
                recipients=[resident.user],
                title=lambda: _("Your complaint was recorded: %(subject)s") % {"subject": _short(subject)},
                body=when,
                link=_resident_link(complaint),
                kind="residents.complaint_recorded",
                dedupe_key=f"complaint:{complaint.pk}:recorded",
            )
    return complaint


def _already_filed(resident: Resident, *, category: str, subject: str, text: str) -> ConflictError:
    """The refusal of a second identical open complaint, naming the first (database constraint ``OPEN_ONCE``)."""
    first = (
        Complaint.objects.filter(resident=resident, category=category, subject=subject, text=text)
        .exclude(status=ComplaintStatus.CLOSED)
        .get()
    )
    return ConflictError(
        _("The same complaint (%(subject)s, filed %(filed)s) is still open; add a message to it instead of filing it again.")
        % {"subject": _short(first.subject), "filed": format_day(first.filed_at)},
        code="already_filed",
        details={"complaint": first.pk},
    )


# --- The team's steps -------------------------------------------------------------------------


@transaction.atomic
def complaint_respond(*, complaint: Complaint, text: str, actor: Actor) -> Complaint:
    """First response (awaiting response → responded, solution pending); due within 2 working days."""
    _ensure_handler(actor, complaint.resident)
    text = _required_text(text, field="text")
    complaint = _lock(complaint)
    now = timezone.now()
    with acting_as(actor, action="residents.complaint_respond"):
        complaint = move(
            complaint, ComplaintStatus.IN_PROGRESS, transitions=COMPLAINT_TRANSITIONS,
            responded_at=now, assigned_to=complaint.assigned_to or actor,
        )
        _post(complaint, kind=MessageKind.RESPONSE, body=text, author=actor)
    with community_language():
        notify(
            recipients=[complaint.resident.user],
            title=lambda: _("Your complaint was answered: %(subject)s") % {"subject": _short(complaint.subject)},
            body=text,
            link=_resident_link(complaint),
            kind="residents.complaint_responded",
            dedupe_key=f"complaint:{complaint.pk}:responded",
        )
    return complaint


@transaction.atomic
def complaint_solve(*, complaint: Complaint, text: str, actor: Actor) -> Complaint:
    """A solution (→ solution given, awaiting confirmation); due within 7 working days of the filing
    or of the latest reopening. Given to a complaint not yet responded to, it is also the response."""
    _ensure_handler(actor, complaint.resident)
    text = _required_text(text, field="text")
    complaint = _lock(complaint)
    now = timezone.now()
    fields: dict[str, Any] = {
        "solved_at": now,
        "assigned_to": complaint.assigned_to or actor,
        "solution_late": rules.solution_was_late(
            already_late=complaint.solution_late, solved_at=now, solution_due_at=complaint.solution_due_at
        ),
    }
    if complaint.responded_at is None:
        fields["responded_at"] = now
    with acting_as(actor, action="residents.complaint_solve"):
        complaint = move(complaint, ComplaintStatus.SOLVED, transitions=COMPLAINT_TRANSITIONS, **fields)
        _post(complaint, kind=MessageKind.SOLUTION, body=text, author=actor)
    with community_language():
        notify(
            recipients=[complaint.resident.user],
            title=lambda: _("A solution was given: %(subject)s") % {"subject": _short(complaint.subject)},
            body=lambda: _("%(text)s\n\nPlease confirm the solution, or reopen the complaint with a reason, in the portal.")
            % {"text": text},
            link=_resident_link(complaint),
            kind="residents.complaint_solved",
            dedupe_key=f"complaint:{complaint.pk}:solved:{complaint.reopened_count}",
        )
    return complaint


@transaction.atomic
def complaint_note(*, complaint: Complaint, text: str, actor: Actor) -> ComplaintMessage:
    """An internal note of the team: never shown to the resident, tells nobody."""
    _ensure_handler(actor, complaint.resident)
    text = _required_text(text, field="text")
    complaint = _lock(complaint)
    with acting_as(actor, action="residents.complaint_note"):
        return _post(complaint, kind=MessageKind.NOTE, body=text, author=actor)


# --- The resident's steps and the conversation ------------------------------------------------


@transaction.atomic
def complaint_confirm(*, complaint: Complaint, actor: Actor, comment: str = "") -> Complaint:
    """The resident accepts the solution (solution given → closed)."""
    complaint = _lock(complaint)
    _ensure_owner(complaint, actor)
    if not rules.may_answer_solution(complaint.status):
        raise InvalidTransition(_("Only a complaint with a solution can be confirmed."))
    comment = (comment or "").strip()
    with acting_as(actor, action="residents.complaint_confirm"):
        complaint = move(
            complaint, ComplaintStatus.CLOSED, transitions=COMPLAINT_TRANSITIONS, closed_at=timezone.now()
        )
        _post(complaint, kind=MessageKind.CONFIRM, body=comment[:TEXT_MAX_LENGTH], author=actor)
    with community_language():
        notify(
            recipients=_team(extra=complaint.assigned_to),
            title=lambda: _("Solution confirmed: %(subject)s") % {"subject": _short(complaint.subject)},
            body=lambda: comment or _("The resident confirmed the solution; the complaint is closed."),
            link=_staff_link(complaint),
            kind="residents.complaint_confirmed",
            dedupe_key=f"complaint:{complaint.pk}:confirmed",
        )
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, reason: str, actor: Actor) -> Complaint:
    """The resident is not satisfied (solution given → in progress), with a reason.

    A new solution deadline runs from now (RULEBOOK §6 decision, see residents.rules.complaints).
    """
    reason = _required_text(reason, field="reason")
    complaint = _lock(complaint)
    _ensure_owner(complaint, actor)
    if not rules.may_answer_solution(complaint.status):
        raise InvalidTransition(_("Only a complaint with a solution can be reopened."))
    now = timezone.now()
    rules_in_force = rulebook.in_force(on=local_date(now))
    due = workdays.deadline(now, rules_in_force.deadlines.complaint_solution_working_days)
    with acting_as(actor, action="residents.complaint_reopen"):
        complaint = move(
            complaint, ComplaintStatus.IN_PROGRESS, transitions=COMPLAINT_TRANSITIONS,
            solved_at=None, solution_due_at=due.at, due_provisional=due.provisional,
            reopened_count=complaint.reopened_count + 1, reopened_at=now,
        )
        _post(complaint, kind=MessageKind.REOPEN, body=reason, author=actor)
    with community_language():
        notify(
            recipients=_team(extra=complaint.assigned_to),
            title=lambda: _("Complaint reopened: %(subject)s") % {"subject": _short(complaint.subject)},
            body=lambda: _("%(reason)s\n\nNew solution deadline: %(due)s (Chapter 4, Article 4).")
            % {"reason": reason, "due": format_day(due.at)},
            link=_staff_link(complaint),
            kind="residents.complaint_reopened",
            dedupe_key=f"complaint:{complaint.pk}:reopened:{complaint.reopened_count}",
        )
    return complaint


@transaction.atomic
def complaint_message(*, complaint: Complaint, text: str, actor: Actor) -> ComplaintMessage:
    """A message in the thread, from the resident (its own complaint) or from a handler, while not closed.

    A message is not a response: the response deadline is met only by :func:`complaint_respond`.
    """
    text = _required_text(text, field="text")
    complaint = _lock(complaint)
    # A handler writing on a complaint of their own account writes as the resident, not as staff.
    from_staff = is_handler(actor) and not is_self_dealing(actor, complaint.resident.user_id)
    if not from_staff:
        _ensure_owner(complaint, actor)
    if not rules.thread_open(complaint.status):
        raise InvalidTransition(_("This complaint is closed; please file a new one."))
    with acting_as(actor, action="residents.complaint_message"):
        message = _post(complaint, kind=MessageKind.MESSAGE, body=text, author=actor)
    with community_language():
        title = _("New message on: %(subject)s") % {"subject": _short(complaint.subject)}
        if from_staff:
            notify(
                recipients=[complaint.resident.user], title=title, body=text,
                link=_resident_link(complaint), kind="residents.complaint_message",
            )
        else:
            notify(
                recipients=_team(extra=complaint.assigned_to), title=title, body=text,
                link=_staff_link(complaint), kind="residents.complaint_message",
            )
    return message


# --- Helpers ----------------------------------------------------------------------------------


def _lock(complaint: Complaint) -> Complaint:
    """The complaint re-read with a row lock (call inside the service's transaction)."""
    return Complaint.objects.select_for_update(no_key=True, of=("self",)).select_related("resident__user").get(
        pk=complaint.pk
    )


def _post(complaint: Complaint, *, kind: str, body: str, author: Any) -> ComplaintMessage:
    return ComplaintMessage.objects.create(complaint=complaint, kind=kind, body=body, author=author)


def _ensure_handler(actor: Actor, resident: Resident) -> None:
    if not is_handler(actor):
        raise DomainError(
            _("Only the daily management team or the administrator handles complaints (Chapter 4, Article 4)."),
            code="not_allowed",
        )
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a complaint of your own account"))


def _ensure_owner(complaint: Complaint, actor: Actor | None) -> None:
    if complaint.resident.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the resident who filed the complaint can do this."), code="not_allowed")


def _required_text(value: str | None, *, field: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Please fill this in."), field=field)
    if len(value) > max_length:
        raise DomainError(
            _("At most %(limit)s characters, please.") % {"limit": max_length}, field=field
        )
    return value


def _team(*, exclude: Any = None, extra: Any = None) -> list[Any]:
    people = [user for user in members_of(Role.DAILY) if exclude is None or user.pk != exclude.pk]
    if extra is not None and extra.pk not in {user.pk for user in people}:
        people.append(extra)
    return people


def _staff_link(complaint: Complaint) -> str:
    return reverse("admin:residents_complaint_change", args=[complaint.pk])


def _resident_link(complaint: Complaint) -> str:
    return reverse("residents:complaint_detail", args=[complaint.pk])


def _short(text: str) -> str:
    return Truncator(text).chars(40)

