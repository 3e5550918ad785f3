"""Voucher fraud (伪造材料、违规套取; RULEBOOK §6, §9 kind 3b): a finding freezes the resident's vouchers, and
the higher apps' fraud handlers (discipline: a 3b case) are told — an extension point filled in
``AppConfig.ready()``."""


import uuid
from collections.abc import Callable
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.uploads import validate_upload
from residents.models import Resident
from resources.models import (
    EntryKind,
    FraudFinding,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
)

#: Who runs vouchers (第二章: 资源赋能组; the administrator runs everything).
from resources.services.vouchers import (
    FILE_EXTENSIONS,
    _ensure_manager,
    _lock_grant,
    _refuse,
    _text,
)

# --- Fraud handlers (extension point) -----------------------------------------------------------------

FraudHandler = Callable[..., str]
_FRAUD_HANDLERS: dict[str, FraudHandler] = {}


def register_fraud_handler(name: str, handler: FraudHandler) -> None:
    """Register (or replace) what a higher app does with a fraud finding (discipline: a 3b case)."""
    _FRAUD_HANDLERS[name] = handler


def unregister_fraud_handler(name: str) -> None:
    _FRAUD_HANDLERS.pop(name, None)


def fraud_handlers() -> list[tuple[str, FraudHandler]]:
    return sorted(_FRAUD_HANDLERS.items())



# --- Fraud (违规套取 / 伪造材料, RULEBOOK §9 kind 3b) ------------------------------------------------------------


@transaction.atomic
def fraud_record(
    *, resident: Resident, facts: str, actor: Actor, occurred_on: date | None = None,
    application: VoucherApplication | None = None, evidence: UploadedFile | None = None,
) -> FraudFinding:
    """Record a fraud finding with its evidence: every live voucher of the resident is frozen (a freeze
    entry each) and the registered fraud handlers run — discipline opens a 3b case with the evidence."""
    _ensure_manager(actor)
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a fraud finding"))
    facts = _text(facts, field="facts", message=_("Describe the facts and the evidence of the fraud."))
    now = timezone.now()
    occurred_on = occurred_on or timezone.localdate(now)
    if occurred_on > timezone.localdate(now):
        _refuse(_("The day of the violation cannot be in the future."), field="occurred_on")
    if application is not None and application.resident_id != resident.pk:
        _refuse(_("The application is another resident's."), field="application")
    with acting_as(actor, action="resources.voucher_fraud"):
        finding = FraudFinding(resident=resident, application=application, occurred_on=occurred_on, facts=facts,
                               found_by=actor, found_at=now)
        if evidence:
            book = rulebook.in_force(on=timezone.localdate(now))
            content_type, _digest = validate_upload(evidence, field="evidence", allowed=book.intake.allowed_file_types,
                                                    max_mb=book.intake.max_upload_mb)
            finding.evidence.save(f"{uuid.uuid4().hex}.{FILE_EXTENSIONS[content_type]}", evidence, save=False)
        finding.save()
        for grant_id in VoucherGrant.objects.filter(
            resident=resident, frozen_at__isnull=True, expired_at__isnull=True, ended_at__isnull=True
        ).values_list("pk", flat=True):
            grant = _lock_grant(grant_id)
            VoucherGrant.objects.filter(pk=grant.pk).update(frozen_at=now)
            VoucherEntry.objects.create(grant=grant, kind=EntryKind.FREEZE, amount=0, balance_after=grant.balance,
                                        at=now, note=_("Frozen: fraud finding %(id)s") % {"id": finding.pk},
                                        recorded_by=actor)
    references = [reference for _name, handler in fraud_handlers() if (reference := handler(finding, actor=actor))]
    if references:
        finding.case_reference = "、".join(references)[:40]
        finding.save(update_fields=["case_reference"])
    return finding
