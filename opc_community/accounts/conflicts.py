"""Conflicts of interest (利益冲突回避; RULEBOOK §1): nobody decides about themselves.

Two rules, checked by the services themselves so that no interface can skip them:

- **Staff accounts do not apply.** An operations or oversight account cannot apply for residency
  (:func:`ensure_not_staff_applicant`); a member of staff who wants to become a resident applies
  with a personal account that holds no staff role.
- **Nobody reviews, approves or decides their own matter.** A service that decides about a person's
  application, case, complaint, appeal, objection, reward or score names the person concerned — the
  applicant, the resident's account holder, the author of an objection — and refuses when the actor
  is that person (:func:`ensure_not_own`). Another member of staff with the same authority acts
  instead. Where only the administrator may decide and the administrator is the person concerned,
  no account can decide inside the system: oversight (社区组织) appoints someone outside it.

The system itself (``actor`` None: scheduled jobs, close hooks) is never a party.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import is_staff_account
from opc_community.core.errors import DomainError


class ConflictOfInterest(DomainError):
    """The actor is a party to what it would decide (HTTP 403 on the API)."""

    status_code = 403
    default_code = "conflict_of_interest"


def _ids(concerned: Any) -> set[int]:
    if concerned is None:
        return set()
    if isinstance(concerned, int):
        return {concerned}
    if hasattr(concerned, "pk"):
        return {concerned.pk} if concerned.pk is not None else set()
    if isinstance(concerned, Iterable) and not isinstance(concerned, str):
        return set().union(*(_ids(item) for item in concerned))
    raise TypeError(f"not a user or user id: {concerned!r}")


def is_self_dealing(actor: Actor, concerned: Any) -> bool:
    """True when ``actor`` (a user, or None for the system) is one of the ``concerned`` users.

    ``concerned`` is a user, a user id, None, or an iterable of those (e.g. every account holder
    scored in a quarter).
    """
    actor_id = getattr(actor, "pk", None)
    return actor_id is not None and actor_id in _ids(concerned)


def ensure_not_own(actor: Actor, *, concerned_user: Any, what: str) -> None:
    """Refuse ``actor`` deciding ``what`` (e.g. "this application") when it concerns the actor itself."""
    if is_self_dealing(actor, concerned_user):
        raise ConflictOfInterest(
            _(
                "You cannot review or decide %(what)s: it concerns you yourself (conflict of interest). "
                "Another member of staff with the same authority must handle it; where only the "
                "administrator may decide and the administrator is concerned, the community organisation "
                "(oversight) appoints someone."
            )
            % {"what": what}
        )


def ensure_not_staff_applicant(user: Any) -> None:
    """Refuse an application for residency from a staff (or oversight) account."""
    if is_staff_account(user):
        raise ConflictOfInterest(
            _(
                "Staff accounts cannot apply for residency (conflict of interest). "
                "Apply with a personal account that holds no staff role."
            ),
            code="staff_account",
        )
