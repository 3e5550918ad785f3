"""Damage to public resources (第八章第二条 3c 损坏公共资源; RULEBOOK §9): a case opened from an equipment loan.

The loan is read through the spaces app's selectors (returned damaged, with the value of the damage); the
case is opened through the public case-opening service (``discipline.services.cases.case_open``) with the
item, the day of the return, the value and the staff's note in its facts, and the case number is kept on
the loan (``spaces.services.equipment.loan_record_case``). Once per loan: the source key
``equipment-loan:<id>`` makes a second call return the same case. The compensation and the warning are
decided later in the usual process (3c: compensation + warning; not rectified → also public resources
suspended 7 days).
"""


from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import ViolationCase
from discipline.services import cases
from opc_community.accounts.actors import Actor
from opc_community.core.errors import DomainError
from opc_community.core.money import format_yuan
from spaces.selectors import equipment as loan_selectors
from spaces.services import equipment as loan_services

#: The violation kind of the penalty table (第八章第二条) a damage to public resources is.
DAMAGE_KIND = "3c"


def source_key(loan_id: int) -> str:
    return f"equipment-loan:{loan_id}"


def case_open_for_damaged_loan(*, loan_id: int, actor: Actor) -> ViolationCase:
    """Open (or return, if opened before) the 3c case of a loan returned damaged."""
    loan = loan_selectors.loan_for_case(loan_id)
    if loan is None:
        raise DomainError(_("Only a loan returned damaged, with the value of the damage, opens a case (3c)."),
                          field="loan", code="not_damaged")
    returned_on = timezone.localdate(loan.returned_at)
    facts = _("%(item)s, borrowed on %(out)s, came back damaged on %(day)s; value of the damage %(value)s.") % {
        "item": loan.equipment,
        "out": timezone.localdate(loan.handed_out_at).isoformat() if loan.handed_out_at else "—",
        "day": returned_on.isoformat(),
        "value": format_yuan(loan.damage_value),
    }
    if loan.return_note:
        facts += " " + _("Check on the return: %(note)s") % {"note": loan.return_note}
    case = cases.case_open(resident=loan.resident, kind=DAMAGE_KIND, occurred_on=returned_on, facts=facts,
                           actor=actor, source_key=source_key(loan.pk))
    if loan.case_number != case.number:
        loan_services.loan_record_case(loan=loan, case_number=case.number)
    return case
