"""The end of vouchers (RULEBOOK §6, §4.5): what is left expires after the validity (a daily job, once per
grant), residents are warned before, and an exit ends every live grant."""


from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from residents.models import Resident
from resources.models import (
    ApplicationStatus,
    EntryKind,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
)
from resources.rules import vouchers as rules

#: Who runs vouchers (第二章: 资源赋能组; the administrator runs everything).
from resources.services.vouchers import (
    NOTE_MAX_LENGTH,
    _lock_grant,
    _tell,
    unit_label,
)

# --- Expiry --------------------------------------------------------------------------------------------------


def _close_grant(grant: VoucherGrant, *, kind: str, field: str, now: datetime, actor: Actor, note: str) -> VoucherEntry:
    left = grant.balance
    VoucherGrant.objects.filter(pk=grant.pk).update(balance=0, **{field: now})
    return VoucherEntry.objects.create(grant=grant, kind=kind, amount=-left, balance_after=0, at=now,
                                       note=note[:NOTE_MAX_LENGTH], recorded_by=actor)


def grants_expire(*, now: datetime | None = None) -> int:
    """The daily job: every grant past its expiry loses what is left (an expiry entry, once — idempotent:
    a grant already expired or ended is skipped, and the database keeps one expiry entry per grant)."""
    now = now or timezone.now()
    expired = 0
    for grant_id in VoucherGrant.objects.filter(expires_at__lte=now, expired_at__isnull=True,
                                                ended_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            grant = _lock_grant(grant_id)
            if grant.expired_at is not None or grant.ended_at is not None:
                continue
            with acting_as(None, action="resources.voucher_expire"):
                _close_grant(grant, kind=EntryKind.EXPIRY, field="expired_at", now=now, actor=None,
                             note=_("Expired after the validity; what was left returns nothing."))
            expired += 1
    return expired


def expiry_warn(*, now: datetime | None = None) -> int:
    """Warn each resident whose balance expires within ``vouchers.expiry_warning_days`` (once per grant)."""
    now = now or timezone.now()
    days = rulebook.in_force(on=timezone.localdate(now)).vouchers.expiry_warning_days
    warned = 0
    soon = VoucherGrant.objects.filter(
        balance__gt=0, expired_at__isnull=True, ended_at__isnull=True, frozen_at__isnull=True,
        expires_at__gt=now, expires_at__lte=now + timedelta(days=days),
    ).select_related("resident__user")
    for grant in soon:
        with community_language():
            created = _tell(
                grant.resident,
                title=_("Vouchers expiring: %(number)s") % {"number": grant.number},
                body=_("%(balance)s %(unit)s left, usable until %(last)s; after that it returns nothing.")
                % {"balance": grant.balance, "unit": unit_label(grant.unit),
                   "last": format_day(rules.last_day(grant.expires_at))},
                kind="resources.voucher_expiring", dedupe_key=f"resources:voucher:{grant.pk}:expiring",
            )
        warned += bool(created)
    return warned


# --- Exit ------------------------------------------------------------------------------------------------------


def grants_end_for_exit(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler (第三章第四条; RULEBOOK §4.5: every exit revokes voucher permissions): every live grant
    ends, what is left returns nothing; pending applications are withdrawn. Inside the exit's transaction."""
    now = timezone.now()
    ended = 0
    for grant_id in VoucherGrant.objects.filter(resident=resident, expired_at__isnull=True,
                                                ended_at__isnull=True).values_list("pk", flat=True):
        grant = _lock_grant(grant_id)
        with acting_as(actor, action="resources.voucher_exit"):
            _close_grant(grant, kind=EntryKind.EXIT, field="ended_at", now=now, actor=actor,
                         note=_("Ended at the resident's exit."))
        ended += 1
    withdrawn = VoucherApplication.objects.filter(resident=resident, status=ApplicationStatus.SUBMITTED).update(
        status=ApplicationStatus.WITHDRAWN, decided_at=now)
    if not (ended or withdrawn):
        return ""
    return _("Vouchers: %(ended)s grant(s) ended, %(withdrawn)s application(s) withdrawn.") % {
        "ended": ended, "withdrawn": withdrawn}
