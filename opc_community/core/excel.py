"""Excel exports (UI.md: "Excel export on every list a staff member would otherwise copy by hand") and the
one reader of uploaded sheets (:func:`read_rows`, below).

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
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opc_community.core.errors import DomainError
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


# --- Reading uploaded sheets ------------------------------------------------------------------------------
#
# Every import of an uploaded .xlsx reads it here: the first sheet, its header row, then one dict per row.
# The file is opened read-only (streamed, formulas as their last computed values, never evaluated); a
# file that is not a workbook, or too long, is refused as a whole, naming the form field.

#: Rows one upload may hold (a statement or a quarter's sheet is far shorter; a longer file is a mistake).
MAX_ROWS = 5000


@dataclass(frozen=True)
class SheetColumn:
    """A column an import reads: ``key`` in the row dicts, ``label`` (lazy, translated) names it in errors
    and in the header row; ``headers`` are further header texts that name it (e.g. a provider's wording)."""

    key: str
    label: Any
    headers: tuple[str, ...] = ()


def _normalised(text: Any) -> str:
    return "".join(str(text or "").split()).casefold()


def _names(column: SheetColumn) -> set[str]:
    names = {_normalised(header) for header in column.headers}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names.add(_normalised(column.label))
    return names - {""}


def column_map(header: Sequence[Any], columns: Sequence[SheetColumn]) -> dict[str, int]:
    """Where each column is: found by its header when the header row names every column (any order, either
    language, spaces and case ignored); otherwise by position — the layout of the template or export."""
    found = {_normalised(cell): index for index, cell in reversed(list(enumerate(header)))}
    by_header = {}
    for column in columns:
        index = next((found[name] for name in _names(column) if name in found), None)
        if index is None:
            return {column.key: index for index, column in enumerate(columns)}
        by_header[column.key] = index
    return by_header


def open_workbook(upload: Any, *, field: str) -> Any:
    """The uploaded workbook, read-only; anything that is not an .xlsx is refused naming ``field``."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        if hasattr(upload, "seek"):
            upload.seek(0)
        return load_workbook(upload, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise DomainError(_("The file is not an Excel workbook (.xlsx)."), field=field) from error


def read_rows(
    upload: Any, columns: Sequence[SheetColumn], *, field: str, max_rows: int = MAX_ROWS
) -> list[tuple[int, dict[str, Any]]]:
    """The rows of an uploaded .xlsx (first sheet, header in row 1): (the sheet's row number, {key: value}).

    Columns are placed by :func:`column_map`; empty rows are skipped; text cells are stripped of the
    spaces around them. More than ``max_rows`` rows, or no sheet at all, is refused naming ``field``."""
    book = open_workbook(upload, field=field)
    try:
        if not book.worksheets:
            raise DomainError(_("The workbook holds no sheet."), field=field)
        cells_by_row = book.worksheets[0].iter_rows(values_only=True)
        positions = column_map(next(cells_by_row, ()) or (), columns)
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, cells in enumerate(cells_by_row, start=2):
            values = {key: _value(cells, index) for key, index in positions.items()}
            if all(value in (None, "") for value in values.values()):
                continue
            if len(rows) >= max_rows:
                raise DomainError(_("The sheet holds more than %(count)d rows: split it into several files.")
                                  % {"count": max_rows}, field=field)
            rows.append((number, values))
        return rows
    finally:
        book.close()


def _value(cells: Sequence[Any], index: int) -> Any:
    value = cells[index] if index < len(cells) else None
    return value.strip() if isinstance(value, str) else value


def row_error(row: int, message: Any, column: SheetColumn | None = None) -> str:
    """A refusal of one row, as the import lists it: "第 3 行：…", or "第 3 行“用量”列：…" naming the column."""
    if column is None:
        return _("Row %(row)s: %(error)s") % {"row": row, "error": message}
    return _("Row %(row)s, column “%(column)s”: %(error)s") % {"row": row, "column": column.label, "error": message}


def cell_day(value: Any) -> date | None:
    """A date cell: a date, a datetime (its day) or ISO text (2026-10-12); empty → None."""
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
