"""Intake (第三章第一条、第二条): sign-up, the application draft and its materials, and the review workflow.

The review is an explicit state machine (``APPLICATION_TRANSITIONS``)::

    draft → submitted → evaluation (initial review passed) → evaluated → approved
                      ↘ returned (more material) → submitted (round + 1, the clock restarts)
                      ↘ rejected (reasons)        evaluation/evaluated → rejected
    draft / submitted / returned → withdrawn (by the applicant)

Every transition is one function here: it locks the row, moves it with a
compare-and-set (:func:`opc_community.core.transitions.move`), writes an
:class:`~residents.models.ApplicationTransition` row (who, from, to, why),
runs inside ``acting_as`` so the audit trail names the actor, and notifies the
applicant (inbox + email after commit); a submission also notifies the intake team.

Deadlines (第三章第二条, numbers from the rulebook in force on the day of the event):
initial review by the end of the 7th working day after the submission; the result
by the end of the 2nd working day after the evaluation (RULEBOOK §2).

Eligibility (第三章第一条) is checked at submission. Hard requirements refuse the
submission (the applicant fixes them): entity type and direction given, a
justification for direction "other", the no-dishonesty declaration, valid
identity numbers (in their one ASCII spelling, ``residents.rules.identity``), no
other live application or resident holding the same ID number or credit code, the
consent to process the ID number, the required materials, and no ban in force
(RULEBOOK §4.6). Points only staff can judge are *flags*
(:func:`residents.rules.intake.eligibility_flags`): the application passes
initial review only when the reviewer gives an ``eligibility_override`` reason in
that step; the reason is stored on the application and in the transition row.

Authorisation: portal views and the API decide who may call; the services check
it again (the applicant for their own draft, the intake team or the
administrator for review steps) so no interface can skip it. Staff accounts never apply, and
nobody reviews an application of their own (``opc_community.accounts.conflicts``).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook, workdays
from opc_community.accounts.conflicts import ensure_not_own, ensure_not_staff_applicant
from opc_community.accounts.models import User
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.accounts.tokens import (
    account_to_activate,
    activation_link_args,
    awaiting_activation,
)
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import StoredText
from opc_community.core.moments import format_day, format_day_lazy
from opc_community.core.transitions import ensure_can_move, lock, move
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from residents.models import (
    APPLICATION_TRANSITIONS,
    LIVE_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    Ban,
    Direction,
    DocumentKind,
    EntityType,
    Resident,
    ResidentStatus,
)
from residents.models.intake import IDENTITY_IN_USE
from residents.rules import intake as rules
from residents.rules.identity import (
    IdCardProblem,
    UsccProblem,
    id_card_problem,
    normalise_identity,
    uscc_problem,
)
from residents.selectors.intake import provisional_results, provisional_reviews

#: Who runs the review (第二章: 招商入驻组; the operations lead may act for it).
REVIEWERS = (Role.INTAKE, Role.ADMINISTRATOR)
#: Statuses in which the applicant may still change the application and its materials.
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
#: Statuses of a live application (one per applicant, and one per ID number or credit code;
#: enforced by the database too).
LIVE = LIVE_STATUSES
PHONE_PATTERN = r"^1[3-9]\d{9}$"
NOTIFICATION_KIND = "residents.application"


# --- errors ----------------------------------------------------------------------------------


class _Errors:
    """Collects field errors so a refusal names every problem at once (form and API show them all)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.lead: tuple[str, str] | None = None

    def add(self, field: str, message: str, *, lead: bool = False) -> None:
        self.errors.setdefault(field, []).append(str(message))
        if lead or self.lead is None:
            self.lead = (field, str(message))

    def raise_if_any(self) -> None:
        if self.lead is not None:
            field, message = self.lead
            raise DomainError(message, field=field, details={"errors": self.errors})


def _require_reason(reason: str, *, field: str = "reason", message: str | None = None) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(message or _("Give the reasons: the applicant reads them (第三章第二条)."), field=field)
    return text


def _require_reviewer(actor: User, application: Application) -> None:
    if not has_role(actor, *REVIEWERS):
        raise PermissionDenied(_("Only the intake team or the operations lead may review applications."))
    ensure_not_own(actor, concerned_user=application.applicant_id, what=_("this application"))


def _require_applicant(application: Application, actor: User) -> None:
    if application.applicant_id != actor.pk:
        raise PermissionDenied(_("Only the applicant may change or submit an application."))


# --- sign-up ----------------------------------------------------------------------------------
#
# A sign-up never tells the person at the keyboard whether its email address or mobile number
# already has an account: every accepted form gets the same "check your mailbox" answer.
# - A new email address: an inactive account is created and the address is sent a link that
#   activates it (accounts.tokens, valid 3 days); the login comes after the activation.
# - An email address that has an account: nothing is created; that address is told someone
#   tried, with its user name (and a fresh activation link if it was never activated). Only the
#   owner of the mailbox learns anything.
# - Mobile numbers are not proof of anything (never verified), so they do not block a sign-up:
#   when the new account is activated, the accounts holding the same number are told by email.
# The password is hashed in every case, so that the answer takes the same time.

SIGN_UP_ACTIVATE = "activate"
SIGN_UP_EMAIL_TAKEN = "email_taken"
SIGN_UP_PHONE_REUSED = "phone_reused"


@transaction.atomic
def applicant_sign_up(
    *, username: str, full_name: str, phone: str, email: str, password: str, origin: str
) -> User | None:
    """Sign up a future applicant (no role: it becomes a resident on approval) as described above;
    returns the new inactive account, or None when the email address already has one. The caller
    must answer the same either way. ``origin`` (``https://host``) begins the links of the email.

    The sign-up form has already run Django's password validators (AUTH_PASSWORD_VALIDATORS).
    """
    password_hash = make_password(password)
    email = email.strip()
    with acting_as(None, action="residents.applicant_sign_up"):
        holders = list(User.objects.filter(email__iexact=email).values_list("pk", flat=True))
        if holders:
            _send_sign_up_emails(SIGN_UP_EMAIL_TAKEN, holders, origin)
            return None
        try:
            with transaction.atomic():
                user = User.objects.create(
                    username=username.strip(),
                    password=password_hash,
                    full_name=full_name.strip(),
                    phone=phone.strip(),
                    email=email,
                    is_active=False,
                )
        except IntegrityError as error:
            raise DomainError(_("This user name is already taken."), field="username") from error
        _send_sign_up_emails(SIGN_UP_ACTIVATE, [user.pk], origin)
        return user


@transaction.atomic
def applicant_activate(*, uidb64: str, token: str, origin: str) -> User:
    """Activate the account of an activation link (once); holders of the same mobile number are told."""
    user = account_to_activate(uidb64, token)
    if user is None:
        raise DomainError(
            _("This activation link is not valid any more: it was used already or is older than 3 days. "
              "Log in, or sign up again."),
            code="invalid_link",
        )
    with acting_as(user, action="residents.applicant_activate"):
        if not User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
            raise ConflictError(_("This account is already active: log in."), code="already_active")
    user.is_active = True
    if user.phone:
        same_phone = User.objects.filter(phone=user.phone, is_active=True).exclude(pk=user.pk).exclude(email="")
        _send_sign_up_emails(SIGN_UP_PHONE_REUSED, list(same_phone.values_list("pk", flat=True)), origin)
    return user


def _send_sign_up_emails(kind: str, user_ids: list[int], origin: str) -> None:
    from residents.tasks.intake import send_sign_up_email

    for user_id in user_ids:
        # robust: a broker outage must not turn the sign-up into an error page (and so give it away).
        transaction.on_commit(partial(send_sign_up_email.delay, kind, user_id, origin), robust=True)


_SIGN_UP_SUBJECTS = {
    SIGN_UP_ACTIVATE: gettext_lazy("Activate your account"),
    SIGN_UP_EMAIL_TAKEN: gettext_lazy("Someone tried to sign up with your email address"),
    SIGN_UP_PHONE_REUSED: gettext_lazy("A new account gave your mobile number"),
}


def sign_up_email_send(*, kind: str, user_id: int, origin: str) -> bool:
    """Send one sign-up email (in the site's language: it is read outside any session)."""
    user = User.objects.filter(pk=user_id).exclude(email="").first()
    if user is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "site_name": settings.SITE_NAME, "login_url": origin + reverse("portal:login")}
        if awaiting_activation(user):
            context["activation_url"] = origin + reverse("residents:signup_activate", args=activation_link_args(user))
        subject = " ".join(f"[{settings.SITE_NAME}] {_SIGN_UP_SUBJECTS[kind]}".split())
        body = render_to_string(f"residents/intake/email/sign_up_{kind}.txt", context)
    EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return True


# --- the draft --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationDetails:
    """What the applicant fills in on 《OPC社区入驻申请表》 (materials are uploaded separately).

    ``consent_id_processing``: PIPL Art. 29, required before the ID number or ID card is stored.
    ``consent_public_naming``: PIPL Art. 25, optional; recorded either way.
    """

    entity_type: str = ""
    direction: str = ""
    direction_note: str = ""
    person_name: str = ""
    id_number: str = ""
    company_name: str = ""
    uscc: str = ""
    phone: str = ""
    email: str = ""
    project_summary: str = ""
    declares_no_dishonesty: bool = False
    consent_id_processing: bool = False
    consent_public_naming: bool = False


def details_of(application: Application) -> ApplicationDetails:
    """The details currently stored on an application (a base for partial updates)."""
    consents = ("consent_id_processing", "consent_public_naming")
    values = {f.name: getattr(application, f.name) for f in fields(ApplicationDetails) if f.name not in consents}
    return ApplicationDetails(
        **values,
        consent_id_processing=application.consent_id_processing_at is not None,
        consent_public_naming=bool(application.consent_public_naming),
    )


_MAX_LENGTHS = {"direction_note": 300, "person_name": 60, "company_name": 120, "phone": 20, "email": 254}


def _id_number_message(problem: IdCardProblem) -> str:
    return {
        IdCardProblem.LENGTH: _("ID card number: a resident identity card number has 18 characters."),
        IdCardProblem.CHARACTERS: _(
            "ID card number: only the digits 0-9, and X as the last character "
            "(full-width digits are converted; digits of other scripts are not accepted)."
        ),
        IdCardProblem.BIRTH_DATE: _("ID card number: characters 7 to 14 must be a real date of birth."),
        IdCardProblem.CHECK: _(
            "ID card number: the last character does not match (GB 11643 check character). Please check the number."
        ),
    }[problem]


def _uscc_message(problem: UsccProblem) -> str:
    return {
        UsccProblem.LENGTH: _("Unified social credit code: the code has 18 characters."),
        UsccProblem.CHARACTERS: _(
            "Unified social credit code: only the digits 0-9 and the letters A-Z other than I, O, Z, S and V "
            "(full-width characters are converted; other scripts are not accepted)."
        ),
        UsccProblem.CHECK: _(
            "Unified social credit code: the last character does not match (GB 32100 check character). "
            "Please check the code."
        ),
    }[problem]


def _identity_in_use_message(field: str) -> str:
    if field == "uscc":
        return _(
            "Unified social credit code: another application in progress or a resident of the community "
            "already uses this code, and one code holds one application. If the code is yours, contact the "
            "intake team."
        )
    return _(
        "ID card number: another application in progress or a resident of the community already uses this "
        "number, and one number holds one application. If the number is yours, contact the intake team."
    )


#: An application holds its ID number and credit code while it is live, and after its approval
#: while its resident has not exited (the database's ``identity_in_use`` trigger, in the service's words).
_HOLDS_IDENTITY = Q(status__in=LIVE) | Q(
    resident__status__in=[status for status in ResidentStatus.values if status != ResidentStatus.EXITED]
)


def _check_identity_in_use(application: Application, errors: _Errors) -> None:
    """One ID number (one credit code) holds at most one live application or resident, whoever's account."""
    for field in ("id_number", "uscc"):
        value = getattr(application, field)
        others = Application.objects.filter(_HOLDS_IDENTITY, **{field: value}).exclude(pk=application.pk)
        if value and others.exists():
            errors.add(field, _identity_in_use_message(field), lead=True)


def _claimed_field(error: IntegrityError) -> str | None:
    """The field whose number the database's ``identity_in_use`` trigger refused, if that was the error."""
    diag = getattr(error.__cause__, "diag", None)
    return diag.column_name if getattr(diag, "constraint_name", None) == IDENTITY_IN_USE else None


def _clean_details(details: ApplicationDetails, today: date) -> ApplicationDetails:
    """Normalise the details and refuse malformed values (blank values are allowed in a draft)."""
    errors = _Errors()
    values = {
        f.name: (getattr(details, f.name).strip() if isinstance(getattr(details, f.name), str) else getattr(details, f.name))
        for f in fields(ApplicationDetails)
    }
    values["id_number"] = normalise_identity(values["id_number"])
    values["uscc"] = normalise_identity(values["uscc"])
    values["phone"] = values["phone"].replace(" ", "").replace("-", "")
    if values["entity_type"] and values["entity_type"] not in EntityType.values:
        errors.add("entity_type", _("Entity type: choose one of the listed types (第三章第一条)."))
    if values["direction"] and values["direction"] not in Direction.values:
        errors.add("direction", _("Direction: choose one of the listed directions (第三章第一条)."))
    if values["entity_type"] and values["entity_type"] not in EntityType.registered():
        # Unregistered individuals have no registered name or code: nothing to keep.
        values["company_name"] = values["uscc"] = ""
    for name, limit in _MAX_LENGTHS.items():
        if len(values[name]) > limit:
            errors.add(name, _("At most %(limit)d characters.") % {"limit": limit})
    if values["id_number"] and (problem := id_card_problem(values["id_number"], today=today)):
        errors.add("id_number", _id_number_message(problem))
    if values["id_number"] and not values["consent_id_processing"]:
        errors.add(
            "consent_id_processing",
            _(
                "Consent to the processing of your ID number is needed before it is stored "
                "(Personal Information Protection Law, Art. 29)."
            ),
        )
    if values["uscc"] and (problem := uscc_problem(values["uscc"])):
        errors.add("uscc", _uscc_message(problem))
    if values["phone"] and not re.match(PHONE_PATTERN, values["phone"]):
        errors.add("phone", _("Mobile phone: 11 digits starting with 1, e.g. 13800138000."))
    if values["email"]:
        try:
            EmailValidator()(values["email"])
        except ValidationError:
            errors.add("email", _("Email: enter a valid email address."))
    errors.raise_if_any()
    return ApplicationDetails(**values)


def _refuse_second_application(applicant: User) -> None:
    # A former resident may apply again with the same account (re-entry); bans are checked at submission.
    if Resident.objects.filter(user=applicant).exclude(status=ResidentStatus.EXITED).exists():
        raise DomainError(_("You are already a resident of the community: no new application is needed."))


@transaction.atomic
def application_save_draft(
    *,
    applicant: User,
    details: ApplicationDetails,
    uploads: Sequence[tuple[str, UploadedFile]] = (),
    actor: User,
    new: bool = False,
) -> Application:
    """Create or update the applicant's editable application (draft, or returned for more material).

    ``uploads`` are (kind, file) pairs added as materials in the same transaction: a bad file
    refuses the whole save, nothing half-written. Consents are stamped with the time they
    were given; withdrawing the ID consent in a draft clears it (and the ID number must go).
    ``new``: the caller starts an application (the API's create), so one in progress is a conflict.

    The applicant's account row is locked first: the same form sent twice at once (a double
    click, a retried request) is saved one after the other, into one application.
    """
    if actor.pk != applicant.pk:
        raise PermissionDenied(_("Only the applicant may change or submit an application."))
    ensure_not_staff_applicant(applicant)
    now = timezone.now()
    details = _clean_details(details, local_date(now))
    User.objects.select_for_update().get(pk=applicant.pk)
    application = Application.objects.select_for_update().filter(applicant=applicant, status__in=LIVE).first()
    if application is not None and new:
        raise ConflictError(_("You already have an application in progress: change it with PATCH."))
    if application is None:
        _refuse_second_application(applicant)
        application = Application(applicant=applicant, status=ApplicationStatus.DRAFT)
    elif application.status not in EDITABLE:
        raise InvalidTransition(
            _("Your application is “%(status)s”: it can no longer be changed.")
            % {"status": application.get_status_display()}
        )
    for f in fields(ApplicationDetails):
        if f.name not in ("consent_id_processing", "consent_public_naming"):
            setattr(application, f.name, getattr(details, f.name))
    if not details.consent_id_processing:
        application.consent_id_processing_at = None
    elif application.consent_id_processing_at is None:
        application.consent_id_processing_at = now
    if application.consent_public_naming is not details.consent_public_naming:
        application.consent_public_naming = details.consent_public_naming
        application.consent_public_naming_at = now
    errors = _Errors()
    _check_identity_in_use(application, errors)
    errors.raise_if_any()
    with acting_as(actor, action="residents.application_save_draft"):
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError as error:  # another account claimed the same number meanwhile
            if (field := _claimed_field(error)) is None:
                raise
            message = _identity_in_use_message(field)
            raise DomainError(message, field=field, details={"errors": {field: [message]}}) from error
        for kind, upload in uploads:
            _add_document(application=application, kind=kind, upload=upload, actor=actor)
    return application


def _rules_for_upload(today: date) -> tuple[tuple[str, ...], int, int]:
    """(allowed file types, size limit in MB, files per application) of the rulebook in force."""
    intake = rulebook.in_force(on=today).intake
    return tuple(intake.allowed_file_types), intake.max_upload_mb, intake.max_files_per_application


def _add_document(*, application: Application, kind: str, upload: UploadedFile, actor: User) -> ApplicationDocument:
    if kind not in DocumentKind.values:
        raise DomainError(_("Unknown kind of material."), field="kind")
    if kind == DocumentKind.ID_CARD and application.consent_id_processing_at is None:
        raise DomainError(
            _(
                "Consent to the processing of your ID number is needed before the ID card is stored "
                "(Personal Information Protection Law, Art. 29)."
            ),
            field="consent_id_processing",
        )
    if kind == DocumentKind.BUSINESS_LICENCE and application.entity_type not in EntityType.registered():
        raise DomainError(
            _("A business licence is only uploaded by registered entities: choose the entity type first."),
            field=kind,
        )
    allowed, max_mb, max_files = _rules_for_upload(local_date(timezone.now()))
    if application.documents.count() >= max_files:  # the caller holds the application's row lock
        raise DomainError(
            _("An application holds at most %(limit)s files: %(name)s was not added. Remove a file you no longer "
              "need first.") % {"limit": max_files, "name": upload.name},
            field=kind,
        )
    content_type, sha256 = validate_upload(upload, field=kind, allowed=allowed, max_mb=max_mb)
    original_name = (upload.name or kind)[-200:]
    if same := application.documents.filter(kind=kind, sha256=sha256, original_name=original_name).first():
        return same  # the same file sent again (a form sent twice): kept once
    document = ApplicationDocument(
        application=application,
        kind=kind,
        original_name=original_name,
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=actor,
    )
    document.file.save(document_filename(document), upload, save=False)
    document.save()
    return document


def document_filename(document: ApplicationDocument) -> str:
    """The name handed to the storage (``upload_to`` makes the final, random-looking path)."""
    return f"{document.kind}-{document.sha256[:16]}"


@transaction.atomic
def application_document_add(
    *, application: Application, kind: str, upload: UploadedFile, actor: User
) -> ApplicationDocument:
    """Add one material (PDF/JPEG/PNG by content, at most the rulebook's size, 第三章第二条)."""
    application = lock(application)
    _require_applicant(application, actor)
    if application.status not in EDITABLE:
        raise InvalidTransition(
            _("Materials can only be added while the application is a draft or returned for more material.")
        )
    with acting_as(actor, action="residents.application_document_add"):
        return _add_document(application=application, kind=kind, upload=upload, actor=actor)


@transaction.atomic
def application_document_remove(*, document: ApplicationDocument, actor: User) -> None:
    """Remove a material uploaded since the last submission (materials staff have seen stay in the archive)."""
    application = lock(document.application)
    _require_applicant(application, actor)
    if application.status not in EDITABLE:
        raise InvalidTransition(_("Materials can only be removed while the application is a draft or returned."))
    if application.submitted_at is not None and document.uploaded_at <= application.submitted_at:
        raise DomainError(
            _("This material was part of an earlier submission and stays on file; upload a new one instead.")
        )
    file = document.file
    with acting_as(actor, action="residents.application_document_remove"):
        document.delete()
    transaction.on_commit(partial(file.storage.delete, file.name))


# --- transitions ------------------------------------------------------------------------------


def _record(application: Application, *, from_status: str, actor: User | None, reason: str = "") -> None:
    ApplicationTransition.objects.create(
        application=application, actor=actor, from_status=from_status, to_status=application.status, reason=reason
    )


def _application_link() -> str:
    return reverse("residents:application")


def _notify_applicant(application: Application, *, title: StoredText, body: StoredText) -> None:
    notify(
        recipients=[application.applicant],
        title=title,
        body=body,
        link=_application_link(),
        kind=NOTIFICATION_KIND,
    )


def ban_in_force_for(*, id_number: str, uscc: str, on: date) -> Ban | None:
    """The re-application ban refusing these identity numbers on ``on`` (RULEBOOK §4.6), or None."""
    id_number, uscc = normalise_identity(id_number), normalise_identity(uscc)
    if not id_number and not uscc:
        return None
    query = Q()
    if id_number:
        query |= Q(id_number=id_number)  # stored normalised (a check constraint keeps them so)
    if uscc:
        query |= Q(uscc=uscc)
    return rules.ban_in_force(Ban.objects.filter(query, ends_on__gte=on), id_number=id_number, uscc=uscc, today=on)


def _ban_message(ban: Ban, *, on_uscc: bool) -> str:
    values = {"date": format_day(ban.ends_on), "reason": ban.get_source_display()}
    if on_uscc:
        return _(
            "This unified social credit code may not apply again until %(date)s inclusive "
            "(re-application ban after %(reason)s, 第三章第四条)."
        ) % values
    return _(
        "This ID card number may not apply again until %(date)s inclusive "
        "(re-application ban after %(reason)s, 第三章第四条)."
    ) % values


def _check_ban(application: Application, errors: _Errors, *, today: date) -> None:
    ban = ban_in_force_for(id_number=application.id_number, uscc=application.uscc, on=today)
    if ban is None:
        return
    on_id = bool(application.id_number) and normalise_identity(ban.id_number) == application.id_number
    field = "id_number" if on_id else "uscc"
    errors.add(field, _ban_message(ban, on_uscc=not on_id), lead=True)


def submission_problems(application: Application, *, today: date) -> _Errors:
    """Everything that keeps an application from being submitted (第三章第一条、第二条; RULEBOOK §4.6)."""
    errors = _Errors()
    required = {
        "entity_type": _("Entity type: required (第三章第一条)."),
        "direction": _("Direction: required (第三章第一条)."),
        "person_name": _("Name as on the ID card: required."),
        "id_number": _("ID card number: required."),
        "phone": _("Mobile phone: required."),
        "project_summary": _("Project summary: required."),
    }
    for field, message in required.items():
        if not getattr(application, field):
            errors.add(field, message)
    if application.id_number and (problem := id_card_problem(application.id_number, today=today)):
        errors.add("id_number", _id_number_message(problem))
    if application.entity_type in EntityType.registered():
        if not application.company_name:
            errors.add("company_name", _("Registered name: required for a registered entity (第三章第一条)."))
        if not application.uscc:
            errors.add("uscc", _("Unified social credit code: required for a registered entity (第三章第一条)."))
        elif problem := uscc_problem(application.uscc):
            errors.add("uscc", _uscc_message(problem))
    if application.direction == Direction.OTHER and not application.direction_note:
        errors.add(
            "direction_note",
            _("Direction “other”: explain how the project fits the community; staff read it (第三章第一条)."),
        )
    if not application.declares_no_dishonesty:
        errors.add(
            "declares_no_dishonesty",
            _("Declare that you have no record of serious dishonesty (第三章第一条)."),
        )
    if application.consent_id_processing_at is None:
        errors.add(
            "consent_id_processing",
            _(
                "Consent to the processing of your ID number is required to apply "
                "(Personal Information Protection Law, Art. 29)."
            ),
        )
    kinds = {document.kind for document in application.documents.all()}
    for kind in rules.missing_materials(application.entity_type, kinds):
        errors.add(
            kind,
            _("%(material)s: required material, not uploaded yet (第三章第二条).")
            % {"material": DocumentKind(kind).label},
        )
    _check_identity_in_use(application, errors)
    _check_ban(application, errors, today=today)
    return errors


@transaction.atomic
def application_submit(*, application: Application, actor: User) -> Application:
    """Submit 《OPC社区入驻申请表》 (first time, or again after being returned: the clock restarts).

    Refused, with every problem named by field, when a requirement is missing or a ban is in
    force (the message names the day the ban ends). The initial review is due by the end of the
    rulebook's ``intake_initial_review_working_days``-th working day after today (第三章第二条).
    """
    application = lock(application)
    _require_applicant(application, actor)
    ensure_not_staff_applicant(actor)
    under_review = _("This application has been submitted and is under review.")
    _refuse(
        application,
        ApplicationStatus.SUBMITTED,
        {
            ApplicationStatus.SUBMITTED: under_review,
            ApplicationStatus.EVALUATION: under_review,
            ApplicationStatus.EVALUATED: under_review,
            ApplicationStatus.APPROVED: _("This application has already been approved."),
            ApplicationStatus.REJECTED: _("This application was rejected: start a new application instead."),
            ApplicationStatus.WITHDRAWN: _("This application was withdrawn: start a new application instead."),
        },
    )
    now = timezone.now()
    today = local_date(now)
    submission_problems(application, today=today).raise_if_any()
    days = rulebook.in_force(on=today).deadlines.intake_initial_review_working_days
    due = workdays.deadline(now, days)
    from_status = application.status
    with acting_as(actor, action="residents.application_submit"):
        application = move(
            application,
            ApplicationStatus.SUBMITTED,
            transitions=APPLICATION_TRANSITIONS,
            round=application.round + 1,
            submitted_at=now,
            review_due_at=due.at,
            review_due_provisional=due.provisional,
            evaluation_feasibility="",
            evaluation_fit="",
            evaluated_at=None,
            result_due_at=None,
            result_due_provisional=False,
            decision_reason="",
        )
        _record(
            application,
            from_status=from_status,
            actor=actor,
            reason=_("Submission round %(round)d.") % {"round": application.round},
        )
    due_text = format_day_lazy(due.at)
    _notify_applicant(
        application,
        title=lambda: _("Your application was received"),
        body=lambda: _(
            "We received your application (round %(round)d). The intake team completes the initial review "
            "by %(date)s (within %(days)d working days, 第三章第二条)."
        )
        % {"round": application.round, "date": due_text, "days": days},
    )
    flags = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
    notify(
        recipients=members_of(Role.INTAKE),
        title=lambda: _("New application to review: %(name)s") % {"name": application.display_name},
        body=lambda: _("Initial review due by %(date)s (第三章第二条).%(flags)s")
        % {
            "date": due_text,
            "flags": (" " + _("Needs a staff decision: ") + "；".join(str(rules.FLAG_MESSAGES[f]) for f in flags))
            if flags
            else "",
        },
        link=reverse("admin:residents_application_change", args=[application.pk]),
        kind=NOTIFICATION_KIND,
    )
    return application


def _refuse(application: Application, target: str, messages: dict[str, str]) -> None:
    """Refuse a move outside the state machine with a message that says why in plain words."""
    if target not in APPLICATION_TRANSITIONS.get(application.status, ()):
        message = messages.get(application.status)
        if message:
            raise InvalidTransition(message)
        ensure_can_move(application, target, transitions=APPLICATION_TRANSITIONS)  # the generic message


def _not_under_review_messages() -> dict[str, str]:
    return {
        ApplicationStatus.DRAFT: _("This application has not been submitted yet."),
        ApplicationStatus.RETURNED: _(
            "This application was returned for more material and has not been resubmitted yet."
        ),
        ApplicationStatus.APPROVED: _("This application has already been approved."),
        ApplicationStatus.REJECTED: _("This application has already been rejected."),
        ApplicationStatus.WITHDRAWN: _("The applicant has withdrawn this application."),
    }


@transaction.atomic
def application_start_evaluation(
    *, application: Application, actor: User, reason: str = "", eligibility_override: str = ""
) -> Application:
    """Initial review passed (初审通过, 第三章第二条): the project evaluation begins.

    An application with eligibility flags passes only with an ``eligibility_override``
    reason given here; it is stored on the application and in the transition row.
    """
    _require_reviewer(actor, application)
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.EVALUATION,
        {
            **_not_under_review_messages(),
            ApplicationStatus.EVALUATION: _("The initial review of this application has already been passed."),
            ApplicationStatus.EVALUATED: _("This application has already been evaluated."),
        },
    )
    flags = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
    override = (eligibility_override or "").strip()
    if flags and not override:
        raise DomainError(
            _("Eligibility needs a staff decision: %(flags)s Give the reason for admitting it as an eligibility override.")
            % {"flags": " ".join(str(rules.FLAG_MESSAGES[f]) for f in flags)},
            field="eligibility_override",
            code="eligibility_override_required",
        )
    note = (reason or "").strip()
    if flags:
        note = "\n".join(
            filter(None, [note, _("Eligibility override: %(reason)s") % {"reason": override}])
        )
    from_status = application.status
    with acting_as(actor, action="residents.application_start_evaluation"):
        application = move(
            application,
            ApplicationStatus.EVALUATION,
            transitions=APPLICATION_TRANSITIONS,
            reviewer=actor,
            **({"eligibility_override": override} if flags else {}),
        )
        _record(application, from_status=from_status, actor=actor, reason=note)
    _notify_applicant(
        application,
        title=lambda: _("Initial review passed"),
        body=lambda: _(
            "Your application passed the initial review. The intake team now evaluates the project "
            "(feasibility and fit with the community, 第三章第二条)."
        ),
    )
    return application


@transaction.atomic
def application_return(*, application: Application, actor: User, reason: str) -> Application:
    """Return for more material (退回补充材料): the applicant adds what is asked and resubmits."""
    _require_reviewer(actor, application)
    reason = _require_reason(reason)
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.RETURNED,
        {
            **_not_under_review_messages(),
            ApplicationStatus.RETURNED: _("This application has already been returned for more material."),
            ApplicationStatus.EVALUATED: _(
                "This application has been evaluated: decide it (approve or reject) within the result deadline."
            ),
        },
    )
    from_status = application.status
    with acting_as(actor, action="residents.application_return"):
        application = move(
            application,
            ApplicationStatus.RETURNED,
            transitions=APPLICATION_TRANSITIONS,
            reviewer=actor,
            decision_reason=reason,
        )
        _record(application, from_status=from_status, actor=actor, reason=reason)
    _notify_applicant(
        application,
        title=lambda: _("Your application needs more material"),
        body=lambda: _(
            "The intake team returned your application for more material: %(reason)s "
            "Add what is asked and submit it again; the review period starts again then (第三章第二条)."
        )
        % {"reason": reason},
    )
    return application


@transaction.atomic
def application_reject(*, application: Application, actor: User, reason: str) -> Application:
    """Reject, with the reasons the applicant reads (第三章第二条)."""
    _require_reviewer(actor, application)
    reason = _require_reason(reason)
    application = lock(application)
    _refuse(application, ApplicationStatus.REJECTED, _not_under_review_messages())
    from_status = application.status
    with acting_as(actor, action="residents.application_reject"):
        application = move(
            application,
            ApplicationStatus.REJECTED,
            transitions=APPLICATION_TRANSITIONS,
            reviewer=actor,
            decided_at=timezone.now(),
            decision_reason=reason,
        )
        _record(application, from_status=from_status, actor=actor, reason=reason)
    _notify_applicant(
        application,
        title=lambda: _("Your application was not approved"),
        body=lambda: _("The community did not approve your application. Reasons: %(reason)s") % {"reason": reason},
    )
    return application


@transaction.atomic
def application_record_evaluation(
    *, application: Application, actor: User, feasibility: str, fit: str
) -> Application:
    """Record the project evaluation (项目评估: feasibility, fit); the result is due within the
    rulebook's ``intake_evaluation_result_working_days`` working days (第三章第二条: 2 个工作日)."""
    _require_reviewer(actor, application)
    feasibility = _require_reason(
        feasibility, field="feasibility", message=_("Evaluation: describe the project's feasibility.")
    )
    fit = _require_reason(fit, field="fit", message=_("Evaluation: describe the project's fit with the community."))
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.EVALUATED,
        {
            **_not_under_review_messages(),
            ApplicationStatus.SUBMITTED: _(
                "Pass the initial review first: the project is evaluated after the initial review (第三章第二条)."
            ),
            ApplicationStatus.EVALUATED: _("The evaluation of this application has already been recorded."),
        },
    )
    now = timezone.now()
    days = rulebook.in_force(on=local_date(now)).deadlines.intake_evaluation_result_working_days
    due = workdays.deadline(now, days)
    from_status = application.status
    with acting_as(actor, action="residents.application_record_evaluation"):
        application = move(
            application,
            ApplicationStatus.EVALUATED,
            transitions=APPLICATION_TRANSITIONS,
            reviewer=actor,
            evaluation_feasibility=feasibility,
            evaluation_fit=fit,
            evaluated_at=now,
            result_due_at=due.at,
            result_due_provisional=due.provisional,
        )
        _record(application, from_status=from_status, actor=actor)
    _notify_applicant(
        application,
        title=lambda: _("Your project has been evaluated"),
        body=lambda: _("The project evaluation is done. You will be told the result by %(date)s (第三章第二条).")
        % {"date": format_day(due.at)},
    )
    return application


@transaction.atomic
def application_approve(*, application: Application, actor: User, reason: str = "") -> Resident:
    """Approve an evaluated application: the applicant becomes a resident (status ONBOARDING) and
    joins the resident role group. The agreement (《OPC社区入驻协议》) follows (第三章第二条).
    """
    _require_reviewer(actor, application)
    ensure_not_staff_applicant(application.applicant)  # the account may have joined the staff since
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.APPROVED,
        {
            **_not_under_review_messages(),
            ApplicationStatus.SUBMITTED: _(
                "This application has not passed the initial review and the project evaluation yet: "
                "it cannot be approved (第三章第二条)."
            ),
            ApplicationStatus.EVALUATION: _(
                "The project evaluation has not been recorded yet: record it before approving (第三章第二条)."
            ),
            ApplicationStatus.RETURNED: _(
                "This application is still missing material (returned, not resubmitted): it cannot be approved."
            ),
        },
    )
    now = timezone.now()
    errors = submission_problems(application, today=local_date(now))
    errors.raise_if_any()
    flags = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
    if flags and not application.eligibility_override:
        raise DomainError(
            _("Eligibility needs a staff decision first (eligibility override)."), field="eligibility_override"
        )
    if Resident.objects.filter(user_id=application.applicant_id).exclude(status=ResidentStatus.EXITED).exists():
        raise DomainError(_("The applicant's account already has a resident record."))
    from_status = application.status
    with acting_as(actor, action="residents.application_approve"):
        application = move(
            application,
            ApplicationStatus.APPROVED,
            transitions=APPLICATION_TRANSITIONS,
            reviewer=actor,
            decided_at=now,
            decision_reason=(reason or "").strip(),
        )
        _record(application, from_status=from_status, actor=actor, reason=(reason or "").strip())
        resident = Resident.objects.create(
            user=application.applicant,
            application=application,
            name=application.display_name,
            status=ResidentStatus.ONBOARDING,
        )
        application.applicant.groups.add(Group.objects.get(name=Role.RESIDENT))
    _notify_applicant(
        application,
        title=lambda: _("Your application was approved"),
        body=lambda: _(
            "Welcome to the community. Next: the intake team issues 《OPC社区入驻协议》 (term, fees and deposit); "
            "you accept it in the portal, pay the fees and deposit, then check in."
        ),
    )
    return resident


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    """The applicant withdraws a draft, a submitted application or one returned for more material."""
    application = lock(application)
    _require_applicant(application, actor)
    _refuse(
        application,
        ApplicationStatus.WITHDRAWN,
        {
            ApplicationStatus.EVALUATION: _(
                "The project is being evaluated; please contact the intake team to withdraw."
            ),
            ApplicationStatus.EVALUATED: _(
                "The project has been evaluated; please contact the intake team to withdraw."
            ),
            ApplicationStatus.APPROVED: _("This application has already been approved."),
            ApplicationStatus.REJECTED: _("This application has already been rejected."),
            ApplicationStatus.WITHDRAWN: _("This application has already been withdrawn."),
        },
    )
    from_status = application.status
    reason = (reason or "").strip()
    with acting_as(actor, action="residents.application_withdraw"):
        application = move(application, ApplicationStatus.WITHDRAWN, transitions=APPLICATION_TRANSITIONS)
        _record(application, from_status=from_status, actor=actor, reason=reason)
    _notify_applicant(
        application,
        title=lambda: _("Your application was withdrawn"),
        body=lambda: _("You withdrew your application. You may apply again at any time."),
    )
    if from_status != ApplicationStatus.DRAFT:
        notify(
            recipients=members_of(Role.INTAKE),
            title=lambda: _("Application withdrawn: %(name)s") % {"name": application.display_name},
            body=lambda: reason or _("The applicant gave no reason."),
            link=reverse("admin:residents_application_change", args=[application.pk]),
            kind=NOTIFICATION_KIND,
        )
    return application


#: Named review steps for the admin and the API: name → target status.
REVIEW_STEPS = {
    "start_evaluation": ApplicationStatus.EVALUATION,
    "return": ApplicationStatus.RETURNED,
    "reject": ApplicationStatus.REJECTED,
    "record_evaluation": ApplicationStatus.EVALUATED,
    "approve": ApplicationStatus.APPROVED,
}


def available_steps(application: Application) -> list[str]:
    """The review steps the state machine allows from the application's status (for buttons)."""
    allowed = APPLICATION_TRANSITIONS.get(application.status, frozenset())
    return [name for name, target in REVIEW_STEPS.items() if target in allowed]


def application_review_step(*, application: Application, step: str, actor: User, **inputs: str) -> Application:
    """Run a named review step (the admin's and the API's entry point) with its form's inputs."""
    if step == "start_evaluation":
        return application_start_evaluation(
            application=application,
            actor=actor,
            reason=inputs.get("reason", ""),
            eligibility_override=inputs.get("eligibility_override", ""),
        )
    if step == "return":
        return application_return(application=application, actor=actor, reason=inputs.get("reason", ""))
    if step == "reject":
        return application_reject(application=application, actor=actor, reason=inputs.get("reason", ""))
    if step == "record_evaluation":
        return application_record_evaluation(
            application=application, actor=actor, feasibility=inputs.get("feasibility", ""), fit=inputs.get("fit", "")
        )
    if step == "approve":
        return application_approve(application=application, actor=actor, reason=inputs.get("reason", "")).application
    raise DomainError(_("Unknown review step."), field="step")


# --- Deadlines that follow the calendar (RULEBOOK §2, registered in residents/apps.py) -------------


def reviews_recompute_provisional() -> Recomputed:
    """Provisional initial-review deadlines computed again from their submissions, after a calendar change."""
    rules_on = rulebook.in_force_by_day()
    _moves, result = recompute_deadlines(provisional_reviews(), provisional="review_due_provisional", fields=[
        DeadlineField("review_due_at", "submitted_at",
                      lambda day: rules_on(day).deadlines.intake_initial_review_working_days),
    ])
    return result


def results_recompute_provisional() -> Recomputed:
    """Provisional result deadlines computed again from their evaluations, after a calendar change."""
    rules_on = rulebook.in_force_by_day()
    _moves, result = recompute_deadlines(provisional_results(), provisional="result_due_provisional", fields=[
        DeadlineField("result_due_at", "evaluated_at",
                      lambda day: rules_on(day).deadlines.intake_evaluation_result_working_days),
    ])
    return result


__all__ = [
    "ApplicationDetails", "REVIEWERS", "REVIEW_STEPS", "applicant_activate", "applicant_sign_up", "application_approve",
    "application_document_add", "application_document_remove", "application_reject", "application_review_step",
    "application_record_evaluation", "application_return", "application_save_draft",
    "application_start_evaluation", "application_submit", "application_withdraw", "available_steps",
    "ban_in_force_for", "details_of", "results_recompute_provisional", "reviews_recompute_provisional",
    "sign_up_email_send", "submission_problems",
]
