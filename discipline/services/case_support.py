"""What every step of a violation case shares (第八章第二条; RULEBOOK §9): who may act, the case
numbers, the compare-and-set move through ``CASE_TRANSITIONS``, telling the resident, evidence files.

The steps themselves: ``cases`` (open, verify, dismiss, the rectification notice, the automatic
ladders' run), ``decisions`` (the penalty decided), ``publishing`` (published, confirmed, annulled,
and the close and settlement hooks), ``effects`` (what a confirmed measure does in the owning apps).
"""

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import (
    CASE_TRANSITIONS,
    EvidenceFile,
    ViolationCase,
)
from discipline.selectors import cases as selectors
from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.i18n import StoredText
from opc_community.core.transitions import move
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from residents.models import Resident

#: Decision: a fine / compensation invoice of a confirmed case is due this many calendar days later.
FINE_DUE_DAYS = 15

#: Who may open and verify cases, issue notices and record rectification (decision, see module doc).
CASE_HANDLERS = (Role.DAILY, Role.ADMINISTRATOR)
#: Who decides, publishes and answers appeals (RULEBOOK §1).
DECIDERS = (Role.ADMINISTRATOR,)

#: Bases whose measured value is required (days overdue / after grace, damage value).
MEASURED_BASES = frozenset({"days_after_grace", "days_overdue", "damage_value"})
#: Flags staff may set when opening a case (not_rectified comes from the workflow).
STAFF_FLAGS = frozenset({"serious", "loss"})
EVIDENCE_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
#: Longest text of the facts as the notice board shows them (staff rewrite them shorter, without names).
PUBLIC_FACTS_MAX_LENGTH = 300


# --- Helpers ------------------------------------------------------------------------------------------


def require(actor: Actor, roles: tuple[str, ...], resident: Resident | None) -> None:
    """Services for people refuse the wrong role, and anyone handling a case against their own resident
    account (conflict of interest: another handler, or another administrator, acts); ``actor`` None is
    the system (the automatic ladders). ``resident`` None: a case against an occupant, who has no account."""
    if actor is not None and not has_role(actor, *roles):
        if roles == DECIDERS:
            raise PermissionDenied(_("Only the administrator decides penalties (Chapter 8, Article 2)."))
        raise PermissionDenied(_("Only the daily management team and the administrator handle violation cases."))
    if resident is None:
        return
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a violation case against your own account"))


def advisory_lock(key: str, second: int | None = None) -> None:
    """A transaction-scoped PostgreSQL advisory lock (released at commit / rollback)."""
    with connection.cursor() as cursor:
        if second is None:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [key, second])


def next_number(model: type, prefix: str, year: int) -> str:
    """"<prefix>〔2026〕0007号": the year's next number, gapless (serialised by an advisory lock)."""
    advisory_lock(f"discipline.number.{model._meta.model_name}", year)
    head = f"{prefix}〔{year}〕"
    count = model.objects.filter(number__startswith=head).count()
    return f"{head}{count + 1:04d}号"


def move_case(case: ViolationCase, to_status: str, **fields: Any) -> ViolationCase:
    return move(case, to_status, transitions=CASE_TRANSITIONS, **fields)


def case_link(case: ViolationCase) -> str:
    return reverse("discipline:case_detail", args=[case.pk])


def tell_resident(case: ViolationCase, *, title: StoredText, body: StoredText, step: str) -> None:
    """The resident hears of every step (inbox now, email after commit); once per case and step. An
    occupant (no account) hears nothing here: staff hand the notice over and record it."""
    if case.resident_id is None:
        return
    notify(
        recipients=[case.resident.user], title=title, body=body, link=case_link(case),
        kind=f"discipline.case_{step}", dedupe_key=f"discipline:case:{case.pk}:{step}",
    )


def kind_name(case: ViolationCase) -> str:
    return selectors.kind_label(case.kind, rulebook.in_force(on=case.occurred_on))


def uploads(files: Iterable[Any]) -> list[UploadedFile]:
    return [f for f in (files or ()) if f]


def evidence_add(
    *, case: ViolationCase, files: Iterable[UploadedFile], actor: Actor, by_resident: bool = False
) -> list[EvidenceFile]:
    """Store evidence files of a case privately (checked by content and size: the intake upload rules)."""
    book = rulebook.in_force(on=timezone.localdate())
    stored = []
    for upload in uploads(files):
        content_type, _digest = validate_upload(
            upload, field="evidence", allowed=book.intake.allowed_file_types, max_mb=book.intake.max_upload_mb
        )
        evidence = EvidenceFile(
            case=case, original_name=(upload.name or "")[:200], content_type=content_type,
            uploaded_by=actor, by_resident=by_resident,
        )
        evidence.file.save(f"{uuid.uuid4().hex}.{EVIDENCE_EXTENSIONS[content_type]}", upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored

