"""Usage from a provider's statement (RULEBOOK §6): an Excel file of uses imported all rows or none, each
refused row named in Chinese (第 3 行：…)."""


from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
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

#: The statement's columns, by position (the first row is the header): 券号, 用量, 使用日期, 流水号, 备注.
STATEMENT_COLUMNS = ("number", "amount", "used_on", "reference", "note")


@dataclass(frozen=True)
class ImportResult:
    entries: int
    total: Decimal


def read_statement(upload: Any) -> list[tuple[int, dict[str, Any]]]:
    """The rows of an uploaded .xlsx (first sheet, header in row 1): (row number, values); empty rows skipped."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise DomainError(_("The file is not an Excel workbook (.xlsx)."), field="statement") from error
    sheet = book.worksheets[0]
    rows = []
    for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        values = dict(zip(STATEMENT_COLUMNS, cells, strict=False))
        if all(value in (None, "") for value in values.values()):
            continue
        rows.append((number, values))
    book.close()
    return rows


def _row_day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(_("the date %(value)s is not a date (write 2026-10-12)") % {"value": value}) from None


@transaction.atomic
def usage_import(*, upload: Any, actor: Any) -> ImportResult:
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
                    _use(grant, amount=amount, used_on=_row_day(values.get("used_on")), channel=UsageChannel.IMPORT,
                         reference=str(values.get("reference") or "").strip()[:64] or None,
                         note=str(values.get("note") or ""), actor=actor, now=timezone.now())
                    total += amount
                    count += 1
            except DomainError as error:
                errors.append(_("Row %(row)s: %(error)s") % {"row": row, "error": error.message})
    if errors:
        transaction.set_rollback(True)
        raise DomainError(
            _("Nothing was imported: %(count)s row(s) refused. %(errors)s")
            % {"count": len(errors), "errors": "；".join(errors)},
            field="statement", details={"errors": errors},
        )
    return ImportResult(entries=count, total=total)
