"""A violation case referred from a closing round's exception (第四章第一条 3、4 → 第八章第二条 2b, 6a).

The exception lives in the spaces app (a lower layer); the discipline app adds "refer for a violation
case" to its page through ``spaces.extensions.register_exception_step``. The case is opened through the
public case service with the exception's facts; one case per exception (``source_key``): referring
again returns the same case.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from discipline.models import ViolationCase
from discipline.services import cases
from opc_community.accounts.actors import Actor
from opc_community.core.errors import DomainError
from opc_community.core.moments import format_day
from residents.models import Resident
from spaces.models import RoundException

#: RULEBOOK §9: 2b 污染环境 (cleaning, 第四章第一条3), 6a 安全隐患 (closing round, 第四章第一条4).
EXCEPTION_KINDS = ("2b", "6a")


def source_key(exception: Any) -> str:
    return f"spaces.round_exception:{exception.pk}"


def default_facts(exception: Any) -> str:
    return _("Closing round of %(day)s, %(item)s at %(place)s: %(description)s") % {
        "day": format_day(exception.closing_round.day), "item": exception.get_item_display(),
        "place": exception.place, "description": exception.description,
    }


def case_of_exception(exception: Any) -> ViolationCase | None:
    return ViolationCase.objects.filter(source_key=source_key(exception)).first()


@transaction.atomic
def case_open_from_exception(
    *, exception_id: int, resident: Resident, kind: str, actor: Actor, facts: str = ""
) -> ViolationCase:
    """Open a 2b/6a case against ``resident`` from a closing round's exception (once per exception)."""
    exception = (RoundException.objects.select_for_update(no_key=True, of=("self",))
                 .select_related("closing_round").filter(pk=exception_id).first())
    if exception is None:
        raise DomainError(_("No such exception."), code="not_found")
    if kind not in EXCEPTION_KINDS:
        raise DomainError(
            _("A case from a closing round is of kind 2b or 6a (Chapter 8, Article 2)."), field="kind")
    existing = case_of_exception(exception)
    if existing is not None:
        return existing
    return cases.case_open(
        resident=resident, kind=kind, occurred_on=exception.closing_round.day,
        facts=(facts or "").strip() or default_facts(exception), actor=actor, source_key=source_key(exception),
    )
