"""The application draft and its materials (《OPC社区入驻申请表》, 第三章第一条)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.conflicts import ensure_not_staff_applicant
from opc_community.accounts.models import User
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.transitions import lock
from opc_community.core.uploads import validate_upload
from opc_community.workdays.rules import local_date
from residents.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Direction,
    DocumentKind,
    EntityType,
    Resident,
    ResidentStatus,
)
from residents.models.intake import IDENTITY_IN_USE
from residents.rules.identity import (
    id_card_problem,
    id_number_message,
    normalise_identity,
    uscc_message,
    uscc_problem,
)
from residents.services.intake_base import (
    EDITABLE,
    LIVE,
    PHONE_PATTERN,
    _Errors,
    _require_applicant,
)

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
        errors.add("id_number", id_number_message(problem))
    if values["id_number"] and not values["consent_id_processing"]:
        errors.add(
            "consent_id_processing",
            _(
                "Consent to the processing of your ID number is needed before it is stored "
                "(Personal Information Protection Law, Art. 29)."
            ),
        )
    if values["uscc"] and (problem := uscc_problem(values["uscc"])):
        errors.add("uscc", uscc_message(problem))
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


@atomic_with_files
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
    click, a retried request) is saved one after the other, into one application. The lock is
    ``FOR NO KEY UPDATE``: rows that merely point at the account (a transition, a notification written
    by a submission holding this application) are not blocked by it, so the two never deadlock.
    """
    if actor.pk != applicant.pk:
        raise PermissionDenied(_("Only the applicant may change or submit an application."))
    ensure_not_staff_applicant(applicant)
    now = timezone.now()
    details = _clean_details(details, local_date(now))
    User.objects.select_for_update(no_key=True).get(pk=applicant.pk)
    application = Application.objects.select_for_update(no_key=True).filter(applicant=applicant, status__in=LIVE).first()
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


@atomic_with_files
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
    with acting_as(actor, action="residents.application_document_remove"):
        document.delete()  # its file goes once the deletion commits (opc_community.core.files)


