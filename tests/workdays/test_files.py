"""Reading a year's schedule from a file (RULEBOOK §2): every problem named with its line, nothing
half-read. Pure: no database."""

import json
from datetime import date

import pytest
from django.utils import translation

from opc_community.workdays.files import MAX_BYTES, Day, parse_schedule


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def parse(text: str, *, filename: str = "2027.csv", year: int = 2027):
    return parse_schedule(text.encode(), filename=filename, year=year)


def test_a_good_csv_gives_the_days_in_order():
    parsed = parse("2027-02-20,workday,春节调休\n2027-01-01,holiday,元旦\n\n2027-02-06,holiday,春节\n")
    assert parsed.errors == []
    assert parsed.days == [
        Day(date(2027, 1, 1), "holiday", "元旦"),
        Day(date(2027, 2, 6), "holiday", "春节"),
        Day(date(2027, 2, 20), "workday", "春节调休"),
    ]


@pytest.mark.parametrize("header", ["date,kind,name", "日期,类型,名称", "Date,Kind,Name"])
def test_a_header_line_is_skipped(header):
    assert len(parse(f"{header}\n2027-01-01,holiday,元旦\n").days) == 1


def test_chinese_kinds_and_excel_encodings_are_understood():
    text = "\ufeff2027-01-01,休,元旦\r\n2027-02-20,班,春节调休\r\n"
    assert [d.kind for d in parse_schedule(text.encode("utf-8"), filename="a.csv", year=2027).days] == [
        "holiday", "workday"]
    gbk = "2027-01-01,holiday,元旦\n".encode("gb18030")
    assert parse_schedule(gbk, filename="a.csv", year=2027).days[0].name == "元旦"


def test_json_is_read_too():
    data = [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, {"date": "2027-02-20", "kind": "workday",
                                                                      "name": "春节调休"}]
    assert len(parse(json.dumps(data, ensure_ascii=False), filename="2027.json").days) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-02-30,holiday,春节\n", "第 1 行：日期“2027-02-30”不是 YYYY-MM-DD 格式的日期。"),
        ("2027/01/01,holiday,元旦\n", "第 1 行：日期“2027/01/01”不是 YYYY-MM-DD 格式的日期。"),
        ("2027-01-01,day off,元旦\n", "第 1 行：类型“day off”既不是 holiday 也不是 workday。"),
        ("2027-01-01,holiday,\n", "第 1 行：缺少节日名称。"),
        ("2027-01-01,holiday\n", "第 1 行：应有 3 列（日期、类型、名称），实际为 2 列。"),
        ("2028-01-01,holiday,元旦\n", "第 1 行：2028-01-01 不在 2027 年。"),
        ("2027-01-04,workday,调休\n", "第 1 行：2027-01-04 不是周末：调休上班日必须是星期六或星期日。"),
        (f"2027-01-01,holiday,{'节' * 101}\n", "第 1 行：名称超过 100 个字符。"),
    ],
)
def test_each_bad_line_is_named_with_its_problem_in_chinese(text, expected):
    parsed = parse("2027-10-01,holiday,国庆节\n" + text)
    assert parsed.days == []  # all or nothing
    assert [error.replace("第 2 行", "第 1 行") for error in parsed.errors] == [expected]


def test_every_problem_of_a_line_and_of_every_line_is_reported():
    parsed = parse("date,kind,name\n2027-13-01,holidays,\n2027-01-01,holiday,元旦\n2028-01-03,workday,x\n")
    assert parsed.days == []
    assert parsed.errors == [
        "第 2 行：日期“2027-13-01”不是 YYYY-MM-DD 格式的日期。",
        "第 2 行：类型“holidays”既不是 holiday 也不是 workday。",
        "第 2 行：缺少节日名称。",
        "第 4 行：2028-01-03 不在 2027 年。",
        "第 4 行：2028-01-03 不是周末：调休上班日必须是星期六或星期日。",
    ]


def test_a_date_listed_twice_is_refused_naming_the_first_line():
    parsed = parse("2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-01,holiday,新年\n")
    assert parsed.days == []
    assert parsed.errors == ["第 3 行：2027-01-01 已在第 1 行列出。"]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"", "a.csv", "文件中没有列出任何日期。"),
        (b"date,kind,name\n", "a.csv", "文件中没有列出任何日期。"),
        (b"\xff\xfe\x00\x00\xff", "a.csv", "文件既不是 UTF-8 也不是 GB18030 文本：请另存为 UTF-8 编码的 CSV。"),
        (b"[{", "a.json", "文件不是有效的 JSON（第 1 行，第 3 列）。"),
        (b'{"date": "2027-01-01"}', "a.json", "JSON 文件必须是日期的列表：[{\"date\": …, \"kind\": …, \"name\": …}, …]。"),
        (b"[1]", "a.json", "第 1 项：每个日期都应是包含 date、kind、name 的对象。"),
        (b"x" * (MAX_BYTES + 1), "a.csv", "文件大于 200 KB：不是节假日安排。"),
    ],
)
def test_files_that_are_not_a_schedule(content, filename, expected):
    parsed = parse_schedule(content, filename=filename, year=2027)
    assert (parsed.days, parsed.errors) == ([], [expected])
