"""Compute and model vouchers (算力券、模型券, 第四章第二条; RULEBOOK §6): every state change.

Who does what:

- the resources team (资源赋能组) and the administrator ("managers") open programmes (published
  on the notice board as resource notices), review applications within the deadline (rule data,
  working days), record usage (by hand, by importing the provider's statement), and record a
  fraud finding (违规套取/伪造材料), which freezes the resident's vouchers and opens a 3b case;
- a checked-in resident applies in the portal or the API (``Action.APPLY_VOUCHER``);
- the provider's system reports usage of its own programmes' vouchers by API (token of the
  provider's ``api_user``, an idempotency key, and the statement line's reference);
- the daily job expires what is left after the validity (idempotent) and warns before it.

The balance never goes below zero, under concurrent use too: every change locks the grant's row
(``SELECT … FOR UPDATE``), judges the use by :func:`resources.rules.vouchers.use_refusal` against
the locked balance, and writes the new balance with its ledger entry in the same transaction; the
CHECK ``voucher_balance_not_negative`` refuses anything else at the database.

Extension point — **fraud handlers** (RULEBOOK §9 kind 3b): ``register_fraud_handler(name, handler)``,
filled by discipline in its ``AppConfig.ready()``; ``handler(finding, *, actor)`` runs inside the
finding's transaction and returns the reference of what it opened (the case number), or "".
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import StoredText
from opc_community.core.moments import format_day
from opc_community.core.money import quantize_money
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from residents.models import Resident, ResidentStatus
from resources.models import (
    ApplicationFile,
    ApplicationStatus,
    EntryKind,
    GrantSource,
    UsageChannel,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
    VoucherKind,
    VoucherProgramme,
    VoucherUnit,
)
from resources.rules import vouchers as rules

#: Who runs vouchers (第二章: 资源赋能组; the administrator runs everything).
MANAGERS = (Role.RESOURCES, Role.ADMINISTRATOR)
#: Who may read every programme, application and ledger (oversight reads everything).
READERS = (*MANAGERS, Role.OVERSIGHT)

TEXT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 300
FILE_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

REFUSALS = {
    rules.Refusal.NOT_PUBLISHED: gettext_lazy("This programme is not published yet."),
    rules.Refusal.NOT_OPEN_YET: gettext_lazy("Applications to this programme open on %(opens)s."),
    rules.Refusal.CLOSED: gettext_lazy("Applications to this programme closed on %(closes)s."),
    rules.Refusal.NOT_POSITIVE: gettext_lazy("The amount must be greater than zero."),
    rules.Refusal.OVER_CAP: gettext_lazy(
        "At most %(cap)s %(unit)s per resident in this programme; %(left)s %(unit)s can still be granted."
    ),
    rules.Refusal.OVER_BUDGET: gettext_lazy("The programme's budget has %(left)s %(unit)s left."),
    rules.Refusal.FROZEN: gettext_lazy("Voucher %(number)s is frozen (a fraud finding is being handled)."),
    rules.Refusal.EXPIRED: gettext_lazy("Voucher %(number)s expired on %(expiry)s; what was left returns nothing."),
    rules.Refusal.ENDED: gettext_lazy("Voucher %(number)s ended when the resident exited."),
    rules.Refusal.OVER_BALANCE: gettext_lazy(
        "Voucher %(number)s has a balance of %(balance)s %(unit)s: a use of %(amount)s %(unit)s is refused "
        "(the balance never goes below zero)."
    ),
    rules.Refusal.NOT_YET_VALID: gettext_lazy("Voucher %(number)s was issued after that day."),
}


def is_manager(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *MANAGERS)


def is_reader(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *READERS)


def _refuse(message: Any, *, field: str | None = None, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code)


def _ensure_manager(actor: Actor) -> None:
    if not is_manager(actor):
        _refuse(_("Only the resources team or the administrator handles vouchers."), code="not_allowed")


def unit_label(unit: str) -> str:
    return str(VoucherUnit(unit).label)


def refusal_message(refusal: rules.Refusal, **values: Any) -> str:
    return str(REFUSALS[refusal]) % values


def _amount(value: Any, *, field: str) -> Decimal:
    try:
        amount = quantize_money(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError, TypeError):
        _refuse(_("Write the amount as a number, e.g. 500 or 12.5."), field=field)
    if not amount.is_finite() or amount <= 0:
        _refuse(str(REFUSALS[rules.Refusal.NOT_POSITIVE]), field=field)
    return amount


def _text(value: str, *, field: str, message: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    text = (value or "").strip()
    if not text:
        _refuse(message, field=field)
    if len(text) > max_length:
        _refuse(_("At most %(count)d characters.") % {"count": max_length}, field=field)
    return text


# --- Programmes ------------------------------------------------------------------------------------------


def programme_notice_body(programme: VoucherProgramme, *, remaining: Decimal | None = None) -> str:
    """The resource notice (RULEBOOK §10: resource supply) composed from the programme's fields."""
    unit = unit_label(programme.unit)
    lines = [
        _("Provider: %(provider)s") % {"provider": programme.provider.name},
        _("Kind: %(kind)s") % {"kind": programme.get_kind_display()},
        _("Per approval: %(value)s %(unit)s; at most %(cap)s %(unit)s per resident.")
        % {"value": programme.face_value, "cap": programme.per_resident_cap, "unit": unit},
        _("Valid %(days)s days after issue.") % {"days": programme.validity_days},
        _("Applications from %(opens)s to %(closes)s, in the portal (资源 → 算力券/模型券).")
        % {"opens": format_day(programme.opens_on), "closes": format_day(programme.closes_on)},
        _("Budget: %(budget)s %(unit)s.") % {"budget": remaining if remaining is not None else programme.budget,
                                             "unit": unit},
    ]
    if programme.required_materials:
        lines.append(_("Materials: %(materials)s") % {"materials": programme.required_materials})
    if programme.description:
        lines.append(programme.description)
    return "\n".join(lines)


@transaction.atomic
def programme_open(*, programme: VoucherProgramme, actor: Actor) -> VoucherProgramme:
    """Publish a programme: residents may apply from its opening day, and a resource notice goes on the
    notice board (RULEBOOK §10) with the provider, the amounts, the dates and the materials."""
    from opc_community.notices.models import PublicationKind
    from opc_community.notices.services import publication_open

    _ensure_manager(actor)
    programme = VoucherProgramme.objects.select_for_update(no_key=True).select_related("provider").get(pk=programme.pk)
    if programme.published_at is not None:
        raise InvalidTransition(_("This programme is already published."))
    if programme.closes_on < timezone.localdate():
        _refuse(_("The programme's closing day has passed: change the dates first."), field="closes_on")
    with acting_as(actor, action="resources.voucher_programme_open"):
        programme.published_at = timezone.now()
        programme.save(update_fields=["published_at"])
    publication_open(
        kind=PublicationKind.RESOURCE_SUPPLY,
        title=_("Voucher programme: %(title)s") % {"title": programme.title},
        body=programme_notice_body(programme),
        staff_text={"title": programme.title, "required_materials": programme.required_materials,
                    "description": programme.description},
        subject=programme,
        actor=actor,
    )
    return programme


def _granted(programme: VoucherProgramme, resident: Resident | None = None) -> Decimal:
    grants = VoucherGrant.objects.filter(programme=programme)
    if resident is not None:
        grants = grants.filter(resident=resident)
    return grants.aggregate(total=Sum("amount"))["total"] or rules.ZERO


# --- Applications --------------------------------------------------------------------------------------


def _store_files(application: VoucherApplication, files: Iterable[UploadedFile], *, book: Any) -> None:
    files = [f for f in (files or ()) if f]
    if len(files) > book.vouchers.max_files_per_application:
        _refuse(_("At most %(count)s files per application.") % {"count": book.vouchers.max_files_per_application},
                field="files")
    for upload in files:
        content_type, _digest = validate_upload(
            upload, field="files", allowed=book.intake.allowed_file_types, max_mb=book.intake.max_upload_mb
        )
        stored = ApplicationFile(application=application, original_name=(upload.name or "")[:200],
                                 content_type=content_type)
        stored.file.save(f"{uuid.uuid4().hex}.{FILE_EXTENSIONS[content_type]}", upload, save=False)
        stored.save()


@transaction.atomic
def application_submit(
    *, programme: VoucherProgramme, resident: Resident, purpose: str, amount: Any = None,
    files: Sequence[UploadedFile] = (), actor: Actor,
) -> VoucherApplication:
    """A checked-in resident applies with a purpose and materials; the review is due within
    ``vouchers.review_working_days`` working days (rule data; RULEBOOK §2)."""
    if actor is not None and not is_manager(actor) and getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("You can apply only for yourself."), code="not_allowed")
    if resident.status != ResidentStatus.ACTIVE:
        _refuse(_("Only a checked-in resident can apply for vouchers."), field="resident")
    ensure_allowed(resident, Action.APPLY_VOUCHER)
    programme = VoucherProgramme.objects.select_for_update(no_key=True).get(pk=programme.pk)
    now = timezone.now()
    today = timezone.localdate(now)
    refusal = rules.application_refusal(
        published=programme.published_at is not None, opens_on=programme.opens_on,
        closes_on=programme.closes_on, today=today,
    )
    if refusal is not None:
        _refuse(refusal_message(refusal, opens=format_day(programme.opens_on), closes=format_day(programme.closes_on)),
                field="programme")
    purpose = _text(purpose, field="purpose", message=_("Describe what you will use the vouchers for."))
    amount = programme.face_value if amount in (None, "") else _amount(amount, field="amount")
    left = rules.cap_left(cap=programme.per_resident_cap, granted=_granted(programme, resident))
    if amount > left:
        _refuse(refusal_message(rules.Refusal.OVER_CAP, cap=programme.per_resident_cap, left=left,
                                unit=unit_label(programme.unit)), field="amount")
    if VoucherApplication.objects.filter(programme=programme, resident=resident,
                                         status=ApplicationStatus.SUBMITTED).exists():
        _refuse(_("You already have an application to this programme waiting for review."), field="programme",
                code="conflict")
    book = rulebook.in_force(on=today)
    due = workdays.deadline(now, book.vouchers.review_working_days)
    with acting_as(actor, action="resources.voucher_apply"):
        application = VoucherApplication.objects.create(
            programme=programme, resident=resident, purpose=purpose, amount_requested=amount,
            submitted_at=now, review_due_at=due.at, review_due_provisional=due.provisional,
        )
        _store_files(application, files, book=book)
    return application


def _lock_application(application: VoucherApplication) -> VoucherApplication:
    return VoucherApplication.objects.select_for_update(no_key=True).select_related("programme", "resident").get(
        pk=application.pk
    )


def _ensure_submitted(application: VoucherApplication) -> None:
    if application.status != ApplicationStatus.SUBMITTED:
        raise InvalidTransition(_("This application is “%(status)s”; only a submitted application can change.")
                                % {"status": application.get_status_display()})


def _tell(resident: Resident, *, title: StoredText, body: StoredText, kind: str, dedupe_key: str | None = None) -> list:
    return notify(recipients=[resident.user], title=title, body=body, link=reverse("resources:my_vouchers"),
                  kind=kind, dedupe_key=dedupe_key)


@transaction.atomic
def application_withdraw(*, application: VoucherApplication, actor: Actor) -> VoucherApplication:
    application = _lock_application(application)
    if getattr(actor, "pk", None) != application.resident.user_id:
        _refuse(_("Only the applicant withdraws an application."), code="not_allowed")
    _ensure_submitted(application)
    with acting_as(actor, action="resources.voucher_withdraw"):
        application.status = ApplicationStatus.WITHDRAWN
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "decided_at"])
    return application


def _grant_number(grant: VoucherGrant) -> str:
    return f"QJ{timezone.localdate(grant.issued_at).year}-{grant.pk:05d}"


def _new_grant(*, resident: Resident, amount: Decimal, issued_at: datetime, expires_at: datetime, kind: str,
               unit: str, source: str, entry_kind: str, actor: Actor, note: str = "",
               programme: VoucherProgramme | None = None, application: VoucherApplication | None = None,
               source_key: str | None = None) -> VoucherGrant:
    grant = VoucherGrant.objects.create(
        number=uuid.uuid4().hex[:24], resident=resident, programme=programme, application=application,
        source=source, source_key=source_key, kind=kind, unit=unit, amount=amount, balance=amount,
        issued_at=issued_at, expires_at=expires_at,
    )
    grant.number = _grant_number(grant)
    grant.save(update_fields=["number"])
    VoucherEntry.objects.create(grant=grant, kind=entry_kind, amount=amount, balance_after=amount, at=issued_at,
                                note=note[:NOTE_MAX_LENGTH], recorded_by=actor)
    return grant


@transaction.atomic
def application_approve(*, application: VoucherApplication, actor: Actor, amount: Any = None) -> VoucherGrant:
    """Approve with an amount (default: the amount requested) within the cap and the budget: issues a grant
    and its ledger entry, valid ``validity_days`` days after today."""
    _ensure_manager(actor)
    application = _lock_application(application)
    ensure_not_own(actor, concerned_user=application.resident.user_id, what=_("a voucher application"))
    _ensure_submitted(application)
    programme = VoucherProgramme.objects.select_for_update(no_key=True).get(pk=application.programme_id)
    amount = application.amount_requested if amount in (None, "") else _amount(amount, field="amount")
    granted_to_resident = _granted(programme, application.resident)
    granted_total = _granted(programme)
    refusal = rules.approval_refusal(
        amount=amount, cap=programme.per_resident_cap, granted_to_resident=granted_to_resident,
        budget=programme.budget, granted_total=granted_total,
    )
    if refusal is not None:
        _refuse(refusal_message(
            refusal, cap=programme.per_resident_cap, unit=unit_label(programme.unit),
            left=(rules.cap_left(cap=programme.per_resident_cap, granted=granted_to_resident)
                  if refusal == rules.Refusal.OVER_CAP
                  else rules.budget_left(budget=programme.budget, granted_total=granted_total)),
        ), field="amount")
    now = timezone.now()
    with acting_as(actor, action="resources.voucher_approve"):
        application.status = ApplicationStatus.APPROVED
        application.decided_at = now
        application.decided_by = actor
        application.amount_approved = amount
        application.save(update_fields=["status", "decided_at", "decided_by", "amount_approved"])
        grant = _new_grant(
            resident=application.resident, amount=amount, issued_at=now,
            expires_at=rules.expires_at(issued_on=timezone.localdate(now), validity_days=programme.validity_days),
            kind=programme.kind, unit=programme.unit, source=GrantSource.APPLICATION, entry_kind=EntryKind.ISSUE,
            actor=actor, programme=programme, application=application,
        )
    _tell(application.resident,
          title=lambda: _("Vouchers issued: %(programme)s") % {"programme": programme.title},
          body=lambda: _("%(amount)s %(unit)s (voucher %(number)s), usable until %(last)s.")
          % {"amount": amount, "unit": unit_label(programme.unit), "number": grant.number,
             "last": format_day(rules.last_day(grant.expires_at))},
          kind="resources.voucher_issued")
    return grant


@transaction.atomic
def application_refuse(*, application: VoucherApplication, reason: str, actor: Actor) -> VoucherApplication:
    """Refuse with a reason the resident receives."""
    _ensure_manager(actor)
    reason = _text(reason, field="reason", message=_("Give the reason for the refusal: the resident receives it."),
                   max_length=NOTE_MAX_LENGTH * 2)
    application = _lock_application(application)
    ensure_not_own(actor, concerned_user=application.resident.user_id, what=_("a voucher application"))
    _ensure_submitted(application)
    with acting_as(actor, action="resources.voucher_refuse", reason=reason):
        application.status = ApplicationStatus.REFUSED
        application.decided_at = timezone.now()
        application.decided_by = actor
        application.refusal_reason = reason
        application.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    _tell(application.resident,
          title=lambda: _("Voucher application refused: %(programme)s") % {"programme": application.programme.title},
          body=lambda: _("Reason: %(reason)s") % {"reason": reason}, kind="resources.voucher_refused")
    return application


# --- Usage ------------------------------------------------------------------------------------------------


def _lock_grant(grant_id: int) -> VoucherGrant:
    return VoucherGrant.objects.select_for_update(no_key=True).get(pk=grant_id)


def _state(grant: VoucherGrant) -> rules.GrantState:
    return rules.GrantState(balance=grant.balance, issued_at=grant.issued_at, expires_at=grant.expires_at,
                            frozen=grant.frozen_at is not None, ended=grant.ended_at is not None)


def _use_message(refusal: rules.Refusal, grant: VoucherGrant, amount: Decimal) -> str:
    return refusal_message(refusal, number=grant.number, balance=grant.balance, amount=amount,
                           unit=unit_label(grant.unit), expiry=format_day(rules.last_day(grant.expires_at)))


def may_record_usage(user: Any, grant: VoucherGrant) -> bool:
    """Managers record any usage; a provider's API account only that of its own programmes' grants."""
    if is_manager(user):
        return True
    provider = getattr(grant.programme, "provider", None) if grant.programme_id else None
    return provider is not None and provider.api_user_id is not None and provider.api_user_id == user.pk


def _use(grant: VoucherGrant, *, amount: Decimal, used_on: date | None, channel: str, reference: str | None,
         note: str, actor: Actor, now: datetime) -> VoucherEntry:
    """One use inside the caller's transaction: the grant locked, judged, the balance and the entry written."""
    locked = _lock_grant(grant.pk)
    ensure_allowed(locked.resident, Action.USE_VOUCHER)
    if used_on is not None and used_on > timezone.localdate(now):
        _refuse(_("The day of use cannot be in the future."), field="used_on")
    # A day of use counts as its last moment (a use on the issue day is valid; one on the last valid day too).
    used_at = now if used_on is None or used_on >= timezone.localdate(now) else datetime.combine(
        used_on, time(23, 59, 59), tzinfo=rules.SHANGHAI)
    if reference and VoucherEntry.objects.filter(grant=locked, reference=reference).exists():
        _refuse(_("The provider's reference %(reference)s was already recorded on voucher %(number)s.")
                % {"reference": reference, "number": locked.number}, field="reference", code="conflict")
    refusal = rules.use_refusal(_state(locked), amount=amount, used_at=used_at, now=now)
    if refusal is not None:
        _refuse(_use_message(refusal, locked, amount), field="amount")
    after = rules.balance_after(balance=locked.balance, amount=amount)
    try:
        with transaction.atomic():
            # The CHECK (balance >= 0) stands behind the lock: even a path forgetting it cannot overdraw.
            VoucherGrant.objects.filter(pk=locked.pk).update(balance=F("balance") - amount)
            entry = VoucherEntry.objects.create(
                grant=locked, kind=EntryKind.USE, amount=-amount, balance_after=after, at=now,
                used_on=timezone.localdate(used_at), channel=channel, reference=reference or None,
                note=(note or "")[:NOTE_MAX_LENGTH], recorded_by=actor,
            )
    except IntegrityError as error:
        raise DomainError(_use_message(rules.Refusal.OVER_BALANCE, locked, amount), field="amount") from error
    return entry


@transaction.atomic
def usage_record(
    *, grant: VoucherGrant, amount: Any, actor: Actor, used_on: date | None = None, reference: str = "",
    note: str = "", channel: str = UsageChannel.STAFF,
) -> VoucherEntry:
    """Record a use of a grant (staff by hand, or the provider's API account for its own programmes)."""
    if not may_record_usage(actor, grant):
        _refuse(_("Only the resources team, the administrator or the voucher's provider records usage."),
                code="not_allowed")
    amount = _amount(amount, field="amount")
    reference = (reference or "").strip()[:64]
    with acting_as(actor, action="resources.voucher_use"):
        return _use(grant, amount=amount, used_on=used_on, channel=channel, reference=reference or None,
                    note=note, actor=actor, now=timezone.now())


# --- Rewards (第八章第一条 算力券补贴) ------------------------------------------------------------------------------


@transaction.atomic
def reward_grant(*, resident: Resident, amount: Decimal, source_key: str, actor: Actor, note: str = "") -> VoucherGrant:
    """Grant vouchers as a reward (called by discipline when it grants the compliance-excellence subsidy):
    a compute-voucher grant in yuan, valid ``vouchers.reward_validity_days`` days, once per ``source_key``."""
    existing = VoucherGrant.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    amount = _amount(amount, field="amount")
    now = timezone.now()
    days = rulebook.in_force(on=timezone.localdate(now)).vouchers.reward_validity_days
    with acting_as(actor, action="resources.voucher_reward"):
        grant = _new_grant(
            resident=resident, amount=amount, issued_at=now,
            expires_at=rules.expires_at(issued_on=timezone.localdate(now), validity_days=days),
            kind=VoucherKind.COMPUTE, unit=VoucherUnit.YUAN, source=GrantSource.REWARD, entry_kind=EntryKind.REWARD,
            actor=actor, note=note, source_key=source_key,
        )
    _tell(resident, title=lambda: _("Vouchers granted as a reward: %(number)s") % {"number": grant.number},
          body=lambda: _("%(amount)s yuan of compute vouchers, usable until %(last)s.")
          % {"amount": amount, "last": format_day(rules.last_day(grant.expires_at))},
          kind="resources.voucher_reward")
    return grant

