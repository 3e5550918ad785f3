"""Shared pieces of the intake services (第三章第一条、第二条): who reviews, the editable and live
statuses, the error collector, the transition record and the applicant's notification.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.models import User
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import StoredText
from opc_community.core.transitions import ensure_can_move, move
from opc_community.portal.services import notify
from residents.models import (
    APPLICATION_TRANSITIONS,
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    ApplicationTransition,
)

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


# --- transitions ------------------------------------------------------------------------------


def _record(application: Application, *, from_status: str, actor: User | None, reason: str = "") -> None:
    ApplicationTransition.objects.create(
        application=application, actor=actor, from_status=from_status, to_status=application.status, reason=reason
    )


def _advance(
    application: Application, to_status: str, *, actor: User, action: str, reason: str = "", **fields: Any
) -> Application:
    """Move a locked application one step (``fields`` set with it) and record the transition, audited as
    ``action``: every step of intake goes through here."""
    from_status = application.status
    with acting_as(actor, action=action):
        application = move(application, to_status, transitions=APPLICATION_TRANSITIONS, **fields)
        _record(application, from_status=from_status, actor=actor, reason=reason)
    return application


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



def _refuse(application: Application, target: str, messages: dict[str, str]) -> None:
    """Refuse a move outside the state machine with a message that says why in plain words."""
    if target not in APPLICATION_TRANSITIONS.get(application.status, ()):
        message = messages.get(application.status)
        if message:
            raise InvalidTransition(message)
        ensure_can_move(application, target, transitions=APPLICATION_TRANSITIONS)  # the generic message

