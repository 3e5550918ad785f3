"""Voucher fraud (伪造材料、违规套取; RULEBOOK §6, §9 kind 3b 违规套取补贴): a finding of the resources team
becomes a 3b case with its evidence. Registered as the fraud handler of ``resources.services.vouchers``
in ``DisciplineConfig.ready()``; opens the case through the public case services only."""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from discipline.services import cases
from discipline.services.case_support import CASE_HANDLERS
from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import has_role

SUBSIDY_FRAUD = "3b"


def voucher_fraud_case(finding: Any, *, actor: Actor) -> str:
    """Fraud handler registered with ``resources.services.vouchers`` (RULEBOOK §6: 伪造材料、违规套取 is a 3b
    violation): open a 3b case with the finding's facts and its evidence file, once per finding (its
    ``source_key``). The resources team found it; a case handler's account opens it as theirs, otherwise
    the case is opened by the system and the daily management team verifies it. Returns the case number."""
    opener = actor if actor is not None and has_role(actor, *CASE_HANDLERS) else None
    facts = _("Voucher fraud found by %(who)s: %(facts)s") % {
        "who": getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", ""),
        "facts": finding.facts,
    }
    case = cases.case_open(resident=finding.resident, kind=SUBSIDY_FRAUD, occurred_on=finding.occurred_on, facts=facts,
                     actor=opener, source_key=f"voucher_fraud:{finding.pk}")
    if finding.evidence and not case.evidence.exists():
        with finding.evidence.open("rb") as stored:
            upload = SimpleUploadedFile(finding.evidence.name.rsplit("/", 1)[-1], stored.read())
        cases.evidence_add(case=case, files=[upload], actor=actor)
    return case.number
