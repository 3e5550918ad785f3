"""《OPC社区入驻协议》 as a PDF (WeasyPrint, Noto Sans CJK SC embedded; templates/pdf/base.html).

The text names the parties, the term, the fees and deposit, the key rights and
liabilities of the regulation's 第三章 and the reward/penalty mechanism of 第八章.
Every number in it comes from the agreement row or from the rulebook version
recorded on it (``agreement.rulebook_version``), so a reprint says exactly what
was issued. Rendering happens after commit (see ``agreement_document_store``).
"""

from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from opc_community.core.documents import render_pdf
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.selectors import rules_of
from residents.models import Agreement
from residents.rules.term import add_months
from residents.selectors.agreements import penalty_ladder

TEMPLATE = "residents/agreements/agreement_pdf.html"


def _rules_of_agreement(agreement: Agreement) -> Any:
    version = RulebookVersion.objects.filter(number=agreement.rulebook_version).first()
    if version is None:  # pragma: no cover - versions are never deleted
        from opc_community import rulebook

        return rulebook.in_force(on=timezone.localdate(agreement.issued_at))
    return rules_of(version)


def agreement_context(agreement: Agreement) -> dict[str, Any]:
    """Everything the agreement template shows."""
    rules = _rules_of_agreement(agreement)
    resident = agreement.resident
    application = resident.application
    months = rules.term.agreement_months
    overdue_fees = rules.violations.kinds.get("7")
    return {
        "agreement": agreement,
        "resident": resident,
        "application": application,
        "rules": rules,
        "months": months,
        "installments": months if agreement.fee_period == "monthly" else 1,
        "second_due": add_months(agreement.starts_on, 1),
        "overdue_fee_ladder": penalty_ladder(overdue_fees, rules) if overdue_fees else [],
        "issued_on": timezone.localdate(agreement.issued_at),
    }


def agreement_pdf(agreement: Agreement) -> bytes:
    """The agreement rendered to PDF bytes, in Chinese (the generated clauses too)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = agreement_context(agreement)
    return render_pdf(TEMPLATE, context)
