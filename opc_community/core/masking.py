"""Masking of personal data on public pages (RULEBOOK §10, privacy decision; PIPL).

A person is shown as surname + one "*" per remaining character (张*, 欧阳**),
a company by its registered name; phone and identity numbers keep only their
ends.
"""

# Two-character surnames (复姓) commonly met; everything else is a one-character surname.
COMPOUND_SURNAMES = frozenset(
    ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠", "赫连", "闻人", "万俟", "濮阳", "钟离", "宗政", "拓跋", "第五", "左丘", "东郭", "微生", "羊舌"]
)


def mask_person_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**, "Li Wei" → "Li *"."""
    name = (name or "").strip()
    if not name:
        return ""
    if name.isascii():
        first, _, rest = name.partition(" ")
        return f"{first} *" if rest else f"{name[0]}*"
    surname_length = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:surname_length] + "*" * max(len(name) - surname_length, 1)


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    digits = (phone or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_identity_number(number: str) -> str:
    """440101199001011234 → 4401**********1234 (ID card or unified social credit code)."""
    value = (number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
