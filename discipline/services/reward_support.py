"""What the steps of a reward share (第八章第一条; RULEBOOK §8): who decides, the rules a reward is
judged by, appending its decisions to the ledger, telling the resident.

The steps themselves: ``rewards`` (volunteer service, verification, the resident's choice) and
``reward_grants`` (publication and its outcome, annulment, the grant, overdue grants).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from discipline.models import LedgerKind, Reward
from discipline.selectors import rewards as selectors
from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.errors import DomainError
from opc_community.core.i18n import StoredText
from opc_community.portal.services import notify
from opc_community.rulebook.schema import Rulebook
from opc_community.workdays.rules import local_date
from residents.models import Resident

TEXT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 300


def can_decide_rewards(user: Any) -> bool:
    """The administrator decides rewards (RULEBOOK §1); the permission comes from the role matrix."""
    return bool(getattr(user, "is_staff", False)) and user.has_perm("discipline.change_reward")


def require_decider(actor: Actor, resident: Resident) -> None:
    if not can_decide_rewards(actor):
        raise PermissionDenied(_("Only the administrator decides rewards (Chapter 8, Article 1)."))
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a reward to your own account"))


def required_text(value: str, *, field: str, message: str, limit: int = TEXT_MAX_LENGTH) -> str:
    """``value`` stripped; ``message`` when it is empty, a refusal when it is longer than ``limit``."""
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field=field)
    if len(text) > limit:
        raise DomainError(_("At most %(count)d characters.") % {"count": limit}, field=field)
    return text


def rules_of(reward: Reward) -> Rulebook:
    """The rules a reward is judged by: the rulebook version recorded at verification."""
    rules_in_force = selectors.rules_by_version({reward.rulebook_version}).get(reward.rulebook_version)
    return rules_in_force or rulebook.in_force(on=local_date(reward.verified_at))


def append_decision(reward: Reward, event: str, **extra: Any) -> None:
    """Append a reward decision to the tamper-evident decision ledger."""
    from discipline.services.ledger import ledger_append, reward_content

    ledger_append(kind=LedgerKind.REWARD, object_id=reward.pk, content=reward_content(reward, event, **extra))


def tell(reward: Reward, title: Promise, body: StoredText, event: str, *, once: bool = True) -> None:
    """Tell the resident (inbox now, email after commit); each event once per reward unless ``once`` is False."""
    notify(
        recipients=[reward.resident.user],
        title=lambda: title % {"kind": reward.get_kind_display()},
        body=body,
        link=reverse("discipline:my_rewards"),
        kind=f"discipline.reward_{event}",
        dedupe_key=f"discipline:reward:{reward.pk}:{event}" if once else None,
    )
