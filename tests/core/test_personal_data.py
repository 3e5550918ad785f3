"""The personal-data scanner (RULEBOOK §10, decisions added 2026-12): a pure function, table-tested.

Each row: the text, then the findings as (kind, span) in reading order. Known names in every row:
王小明 (a visitor), 钱日常 (a staff member), 欧阳娜娜 (a resident), Li Wei, and the one-character
name 王, which is never looked for (MIN_NAME_LENGTH).
"""

import pytest

from opc_community.core.personal_data import Finding, FindingKind, find_personal_data, name_key

ID = FindingKind.ID_NUMBER
USCC = FindingKind.USCC
PHONE = FindingKind.PHONE
EMAIL = FindingKind.EMAIL
CARD = FindingKind.BANK_CARD
NAME = FindingKind.NAME

KNOWN = ["王小明", "钱日常", "欧阳娜娜", "Li Wei", "王", ""]


def scan(text: str) -> list[tuple[str, str]]:
    return [(finding.kind.value, finding.text) for finding in find_personal_data(text, KNOWN)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Mobile numbers: contiguous, in groups, with dashes, dots, +86 / 86 / 0086, brackets
        ("电话13800138000。", [(PHONE, "13800138000")]),
        ("电话 138 0013 8000 联系", [(PHONE, "138 0013 8000")]),
        ("138-0013-8000", [(PHONE, "138-0013-8000")]),
        ("138.0013.8000", [(PHONE, "138.0013.8000")]),
        ("138 - 0013 - 8000", [(PHONE, "138 - 0013 - 8000")]),
        ("1 3 8 0 0 1 3 8 0 0 0", [(PHONE, "1 3 8 0 0 1 3 8 0 0 0")]),
        ("+86 138 0013 8000", [(PHONE, "+86 138 0013 8000")]),
        ("+8613800138000", [(PHONE, "+8613800138000")]),
        ("0086-138-0013-8000", [(PHONE, "0086-138-0013-8000")]),
        ("86 13800138000", [(PHONE, "86 13800138000")]),
        ("（+86）13800138000", [(PHONE, "13800138000")]),
        ("19912345678", [(PHONE, "19912345678")]),
        # Any digit width: full-width, full-width spaces and dashes, Arabic-Indic, zero-width spaces
        ("１３８００１３８０００", [(PHONE, "１３８００１３８０００")]),
        ("１３８\u3000００１３\u3000８０００", [(PHONE, "１３８\u3000００１３\u3000８０００")]),
        ("138－0013－8000", [(PHONE, "138－0013－8000")]),
        ("١٣٨٠٠١٣٨٠٠٠", [(PHONE, "١٣٨٠٠١٣٨٠٠٠")]),
        ("१३८००१३८०००", [(PHONE, "१३८००१३८०००")]),  # Devanagari digits
        ("138\u200b0013\u200b8000", [(PHONE, "138\u200b0013\u200b8000")]),
        # ID numbers (18 characters, X in either case, in groups) and unified social credit codes
        ("身份证440106199003075670。", [(ID, "440106199003075670")]),
        ("11010519491231002X", [(ID, "11010519491231002X")]),
        ("11010519491231002x", [(ID, "11010519491231002x")]),
        ("4401 0619 9003 0756 70", [(ID, "4401 0619 9003 0756 70")]),
        ("440106 19900307 5670", [(ID, "440106 19900307 5670")]),
        ("４４０１０６１９９００３０７５６７０", [(ID, "４４０１０６１９９００３０７５６７０")]),
        ("信用代码91440101MA59TQXX18", [(USCC, "91440101MA59TQXX18")]),
        ("91350100m000100y43", [(USCC, "91350100m000100y43")]),
        ("9144 0101 MA59 TQXX 18", [(USCC, "9144 0101 MA59 TQXX 18")]),
        # Bank cards: 13–19 digits, contiguous or grouped by spaces; 18 digits without a birth date
        ("卡号6222021234567890", [(CARD, "6222021234567890")]),
        ("6222 0212 3456 7890 123", [(CARD, "6222 0212 3456 7890 123")]),
        ("6222\u30000212\u30003456\u30007890", [(CARD, "6222\u30000212\u30003456\u30007890")]),
        ("4000123456789", [(CARD, "4000123456789")]),
        ("622202123456789012", [(CARD, "622202123456789012")]),
        # E-mail addresses, also in full width and with spaces around the @
        ("邮箱 wang.xm@163.com。", [(EMAIL, "wang.xm@163.com")]),
        ("wang_xm+opc@mail.example.com.cn", [(EMAIL, "wang_xm+opc@mail.example.com.cn")]),
        ("wang @ example.com", [(EMAIL, "wang @ example.com")]),
        ("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", [(EMAIL, "ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ")]),
        # Names: any spacing between Chinese characters, Latin names as whole words, any case
        ("访客王小明来访", [(NAME, "王小明")]),
        ("访客王 小 明来访", [(NAME, "王 小 明")]),
        ("由钱日常登记", [(NAME, "钱日常")]),
        ("欧阳娜娜与王小明", [(NAME, "欧阳娜娜"), (NAME, "王小明")]),
        ("met li wei and LI  WEI", [(NAME, "li wei"), (NAME, "LI  WEI")]),
        ("Ｌｉ Ｗｅｉ", [(NAME, "Ｌｉ Ｗｅｉ")]),
        # Several kinds in one text, in reading order; a span inside another is not repeated
        ("王小明 13800138000", [(NAME, "王小明"), (PHONE, "13800138000")]),
        ("13800138000@163.com", [(EMAIL, "13800138000@163.com")]),
        ("138 0013 8000 6222 0212 3456 7890",
         [(PHONE, "138 0013 8000"), (CARD, "6222 0212 3456 7890")]),
    ],
)
def test_personal_data_is_found_in_any_spacing_and_width(text, expected):
    assert scan(text) == [(kind.value, span) for kind, span in expected]


@pytest.mark.parametrize(
    "text",
    [
        # Dates, times and ranges
        "于2026年10月12日 14:30 发现",
        "公示期：2026-10-12 至 2026-10-16",
        "公示期 2026-10-12 - 2026-10-16",
        "2026.10.12 - 2026.10.16，9:00-18:00",
        "20261012",
        # Amounts
        "罚款 ¥1,000.00，赔偿 ¥12,345,678.90 元",
        "金额 100 元、200 元、300 元",
        # Case, invoice, agreement and article numbers, rulebook paths, scores
        "处罚决定 2026-0012（第 3 次同类违规）",
        "案号 OPC-2026-0012，账单 INV-2026-000123，协议 OPC-TEST-0001",
        "依据第八章第二条、第六章第一条；RULEBOOK §10",
        "· booking.room_types.roadshow.max_hours: 4 → 6",
        "总分 87.50（参与率 5/20，项目完成 10/20，营收 15/20）",
        # Runs of numbers that are no phone, ID or card: 12 digits, 10 digits, dashed 16 digits
        "15 12 18 20 19 17",
        "座位 A1-203，共 12 间",
        "138001380001",
        "1380013800",
        "6222-0212-3456-7890",
        # Masked people, a one-character name, the name inside an ordinary word (Latin)
        "入驻主体张*、欧阳**、王* 未按期整改",
        "王先生在王府井",
        "The lime tree and the Liweiss brand: Li",
        "",
    ],
)
def test_dates_amounts_and_numbers_of_the_board_are_not_personal_data(text):
    assert scan(text) == []


def test_spans_point_into_the_original_text():
    text = "访客王小明（手机 +86 139 0013 9000）"
    findings = find_personal_data(text, ["王小明"])
    assert findings == [
        Finding(FindingKind.NAME, 2, 5, "王小明"),
        Finding(FindingKind.PHONE, 9, 26, "+86 139 0013 9000"),
    ]
    assert all(text[f.start:f.end] == f.text for f in findings)


def test_every_occurrence_is_found_among_many_known_names():
    names = [f"测试用户{number}" for number in range(20_000)] + ["王小明"]
    assert len(find_personal_data("访客王小明来访。" * 50, names)) == 50


@pytest.mark.parametrize(
    ("name", "key"),
    [("王小明", "王小明"), ("王 小明", "王小明"), ("Li Wei", "liwei"), ("Ｌｉ\u3000Ｗｅｉ", "liwei"), ("", "")],
)
def test_names_are_compared_without_spaces_width_or_case(name, key):
    assert name_key(name) == key
