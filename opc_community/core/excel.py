"""Excel exports (UI.md: "Excel export on every list a staff member would otherwise copy by hand").

One way to write a sheet: declare the columns, hand over the rows. Money is
written as numbers with a yuan format, dates as dates, aware datetimes as
Asia/Shanghai wall time (Excel has no time zones).

Every other value is written as a text cell, never as a formula: an applicant
named ``=HYPERLINK(...)`` stays a name (formula injection, OWASP "CSV
Injection"). Every export of the project goes through :func:`workbook_bytes`.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any, Literal

from django.http import HttpResponse
from django.utils import timezone

from opc_community.core.uploads import attachment_response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"money": '"¥"#,##0.00', "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "percent": "0.00%"}


@dataclass(frozen=True)
class Column:
    header: Any  # a (lazy) translated string
    value: Callable[[Any], Any]
    kind: Literal["text", "number", "money", "date", "datetime", "percent"] = "text"
    width: int = 14


#: Leading characters that make a spreadsheet read text as a formula (or run it on editing).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(sheet: Any, value: Any) -> Any:
    """A value as Excel should hold it: numbers and dates typed, everything else inert text."""
    from openpyxl.cell import Cell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date | int | float | Decimal) or value is None:
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters Excel refuses
    cell = Cell(sheet, value=text)
    cell.data_type = "s"  # text, even when it reads "=…" (a formula) or "#N/A" (an error)
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


@dataclass(frozen=True)
class Sheet:
    title: Any
    columns: Sequence[Column]
    rows: Iterable[Any]


def workbook_bytes(*sheets: Sheet) -> bytes:
    """An .xlsx file: per sheet a bold, frozen header row and one line per row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(str(spec.title)[:31])  # Excel's limit
        sheet.append([_cell(sheet, column.header) for column in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in spec.rows:
            sheet.append([_cell(sheet, column.value(row)) for column in spec.columns])
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = column.width
            if column.kind in FORMATS:
                for cell in sheet[letter][1:]:
                    cell.number_format = FORMATS[column.kind]
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, *sheets: Sheet) -> HttpResponse:
    """Download response for :func:`workbook_bytes` (``filename`` without extension)."""
    return attachment_response(workbook_bytes(*sheets), download_name=f"{filename}.xlsx", content_type=XLSX)


def admin_export_action(*, filename: str, title: Any, columns: Sequence[Column]) -> Callable:
    """An admin action exporting the selected rows (add it to ``ModelAdmin.actions``)."""
    from django.contrib import admin
    from django.utils.translation import gettext_lazy

    @admin.action(description=gettext_lazy("Export the selected rows to Excel"), permissions=["view"])
    def export_excel(modeladmin: Any, request: Any, queryset: Any) -> HttpResponse:
        queryset = queryset.select_related(*getattr(modeladmin, "list_select_related", ()) or ())
        return xlsx_response(f"{filename}-{timezone.localdate():%Y%m%d}", Sheet(title, columns, queryset))

    return export_excel
