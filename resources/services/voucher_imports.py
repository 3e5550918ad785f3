"""Usage from a provider's statement (RULEBOOK §6): an Excel file of uses imported all rows or none, each
refused row named in Chinese (第 3 行：…)."""


from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.excel import SheetColumn, cell_day, read_rows, row_error
from resources.models import (
    UsageChannel,
    VoucherGrant,
)
from resources.rules import vouchers as rules

#: Who runs vouchers (第二章: 资源赋能组; the administrator runs everything).
from resources.services.vouchers import (
    _amount,
    _ensure_manager,
    _refuse,
    _use,
)

# --- Import of a provider's statement ----------------------------------------------------------------------

#: The statement's columns (券号, 用量, 使用日期, 流水号, 备注): by header when the header row names them all,
#: otherwise in this order (the first row is the header).
STATEMENT_COLUMNS = (
    SheetColumn("number", gettext_lazy("voucher number"), ("券号", "number")),
    SheetColumn("amount", gettext_lazy("amount used"), ("用量", "amount")),
    SheetColumn("used_on", gettext_lazy("date of use"), ("使用日期", "used on")),
    SheetColumn("reference", gettext_lazy("statement reference"), ("流水号", "reference")),
    SheetColumn("note", gettext_lazy("statement note"), ("备注", "note")),
)
COLUMN_BY_KEY = {column.key: column for column in STATEMENT_COLUMNS}


@dataclass(frozen=True)
class ImportResult:
    entries: int
    total: Decimal


def read_statement(upload: Any) -> list[tuple[int, dict[str, Any]]]:
    """The rows of an uploaded statement (first sheet, header in row 1): (row number, values)."""
    return read_rows(upload, STATEMENT_COLUMNS, field="statement")


@transaction.atomic
def usage_import(*, upload: Any, actor: Actor) -> ImportResult:
    """Import a provider's statement: every row is a use of a voucher. All or nothing — if any row is
    refused, nothing is written and every refused row is named (第 N 行：…)."""
    _ensure_manager(actor)
    rows = read_statement(upload)
    if not rows:
        _refuse(_("The statement holds no rows."), field="statement")
    errors: list[str] = []
    total = rules.ZERO
    count = 0
    with acting_as(actor, action="resources.voucher_import"):
        for row, values in rows:
            try:
                with transaction.atomic():
                    number = str(values.get("number") or "").strip()
                    grant = VoucherGrant.objects.filter(number=number).first()
                    if grant is None:
                        raise DomainError(_("no voucher numbered “%(number)s”") % {"number": number})
                    amount = _amount(values.get("amount"), field="amount")
                    _use(grant, amount=amount, used_on=cell_day(values.get("used_on")), channel=UsageChannel.IMPORT,
                         reference=str(values.get("reference") or "").strip()[:64] or None,
                         note=str(values.get("note") or ""), actor=actor, now=timezone.now())
                    total += amount
                    count += 1
            except DomainError as error:
                errors.append(row_error(row, error.message, COLUMN_BY_KEY.get(error.field or "")))
    if errors:
        transaction.set_rollback(True)
        raise DomainError(
            _("Nothing was imported: %(count)s row(s) refused. %(errors)s")
            % {"count": len(errors), "errors": "；".join(errors)},
            field="statement", details={"errors": errors},
        )
    return ImportResult(entries=count, total=total)
