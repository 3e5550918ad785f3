"""The shared Excel exporter: headers, formats, time zones, several sheets."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from opc_community.core.excel import Column, Sheet, xlsx_response

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
