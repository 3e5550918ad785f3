"""An application received on paper (《OPC社区入驻申请表》 handed in at the desk), entered by the intake
team for the applicant (第三章第一条).

:func:`application_enter_on_paper` writes the application as the applicant filled it in, with the
materials staff scanned, records who entered it and the applicant's consent as given on paper —
who gave it, on which day and how (PIPL Art. 14, 29: the consent to process the ID number is the
applicant's, never the staff's) — and submits it at once: the same checks as a submission in the
portal (materials, identity numbers, bans), and the same review and deadlines after.

The applicant needs an account to follow the review: the account holding the email address given on
the form, or a new inactive one the applicant activates later (a password reset to that address).
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.accounts.conflicts import ensure_not_own, ensure_not_staff_applicant
from opc_community.accounts.models import User
from opc_community.accounts.permissions import has_role
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError
from opc_community.core.moments import format_day
from opc_community.workdays.rules import local_date
from residents.models import Application, ApplicationStatus
from residents.services.applications import (
    ApplicationDetails,
    _add_document,
    _check_identity_in_use,
    _clean_details,
    _refuse_second_application,
)
from residents.services.intake_base import LIVE, REVIEWERS, _Errors
from residents.services.submission import submit

CONSENT_BY_MAX_LENGTH = Application._meta.get_field("paper_consent_by").max_length
CONSENT_HOW_MAX_LENGTH = Application._meta.get_field("paper_consent_how").max_length


@dataclass(frozen=True)
class PaperConsent:
    """The applicant's consent as given on paper: who gave it, on which day, how (e.g. "signed the
    consent clause of the paper form")."""

    given_by: str
    given_on: date | None
    how: str


def _clean_consent(consent: PaperConsent, *, today: date) -> PaperConsent:
    errors = _Errors()
    given_by, how = (consent.given_by or "").strip(), (consent.how or "").strip()
    if not given_by:
        errors.add("paper_consent_by", _("Consent given by: name the person who signed the consent."))
    elif len(given_by) > CONSENT_BY_MAX_LENGTH:
        errors.add("paper_consent_by", _("At most %(limit)d characters.") % {"limit": CONSENT_BY_MAX_LENGTH})
    if consent.given_on is None:
        errors.add("paper_consent_on", _("Consent given on: the day the applicant signed it."))
    elif consent.given_on > today:
        errors.add("paper_consent_on", _("Consent given on: the day cannot be in the future."))
    if not how:
        errors.add("paper_consent_how", _("How the consent was given: e.g. signed the consent clause of the paper "
                                          "form."))
    elif len(how) > CONSENT_HOW_MAX_LENGTH:
        errors.add("paper_consent_how", _("At most %(limit)d characters.") % {"limit": CONSENT_HOW_MAX_LENGTH})
    errors.raise_if_any()
    return PaperConsent(given_by=given_by, given_on=consent.given_on, how=how)


def _applicant_account(details: ApplicationDetails) -> User:
    """The account of the email address on the form, or a new inactive one (activated later by the applicant)."""
    if not details.email:
        raise DomainError(_("Email: the applicant follows the review through an account; give their email "
                            "address."), field="email")
    account = User.objects.select_for_update(no_key=True).filter(email__iexact=details.email).first()
    if account is not None:
        return account
    account = User(username=details.email, email=details.email, full_name=details.person_name,
                   phone=details.phone, is_active=False)
    account.set_unusable_password()
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:  # the address is another account's user name
        raise ConflictError(_("An account already uses this email address as its user name: ask the applicant "
                              "which account to use."), field="email") from error
    return account


def _consent_moment(day: date) -> datetime:
    """The consent's time: the start of the day it was signed (Asia/Shanghai), the paper has no hour."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


@transaction.atomic
def application_enter_on_paper(
    *,
    details: ApplicationDetails,
    consent: PaperConsent,
    uploads: Sequence[tuple[str, UploadedFile]] = (),
    actor: User,
) -> Application:
    """Enter and submit an application received on paper, for the applicant (the intake team only).

    Refused, with every problem named by field, when the consent record is incomplete, the consent to
    process the ID number is not ticked, the account already has an application in progress, or a
    submission check fails (then nothing is written: no account, no application, no file).
    """
    if not has_role(actor, *REVIEWERS):
        raise PermissionDenied(_("Only the intake team or the operations lead enter paper applications."))
    now = timezone.now()
    today = local_date(now)
    consent = _clean_consent(consent, today=today)
    details = _clean_details(details, today)
    if not details.consent_id_processing:
        raise DomainError(_("The applicant's consent to the processing of the ID number is needed: tick it only "
                            "when the paper form carries it (Personal Information Protection Law, Art. 29)."),
                          field="consent_id_processing")
    with acting_as(actor, action="residents.application_enter_on_paper"):
        applicant = _applicant_account(details)
        ensure_not_staff_applicant(applicant)
        ensure_not_own(actor, concerned_user=applicant.pk, what=_("this application"))
        if Application.objects.filter(applicant=applicant, status__in=LIVE).exists():
            raise ConflictError(_("This applicant already has an application in progress."), field="email")
        _refuse_second_application(applicant)
        consented_at = _consent_moment(consent.given_on)
        application = Application(
            applicant=applicant, status=ApplicationStatus.DRAFT,
            **{f.name: getattr(details, f.name) for f in fields(ApplicationDetails)
               if f.name not in ("consent_id_processing", "consent_public_naming")},
            consent_id_processing_at=consented_at,
            consent_public_naming=details.consent_public_naming, consent_public_naming_at=consented_at,
            entered_by=actor, paper_consent_by=consent.given_by, paper_consent_on=consent.given_on,
            paper_consent_how=consent.how,
        )
        errors = _Errors()
        _check_identity_in_use(application, errors)
        errors.raise_if_any()
        application.save()
        for kind, upload in uploads:
            _add_document(application=application, kind=kind, upload=upload, actor=actor)
    note = _("Received on paper and entered by %(staff)s; consent given by %(who)s on %(date)s (%(how)s).") % {
        "staff": actor.get_full_name() or actor.get_username(), "who": consent.given_by,
        "date": format_day(consent.given_on), "how": consent.how}
    return submit(application, actor=actor, note=note)


__all__ = ["PaperConsent", "application_enter_on_paper"]
