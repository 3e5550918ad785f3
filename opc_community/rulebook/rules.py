"""Pure helpers over rulebook versions: what a revision changes, in sentences a person reads (第九章第一条).

``describe_changes(old, new)`` compares two parsed rulebooks item by item along the schema and writes
each change with its article, the labels of ``labels.LABELS`` and its values in their unit::

    第六章第二条 考核淘汰 末位淘汰比例：10% → 8%
    第八章第二条 违规处罚 2a 损坏设施 处罚规则 1：损失价值超过 ¥500.00：照价赔偿、罚款 ¥200.00–¥500.00 → …
    第三章第二条 入驻申请材料 允许的文件类型：PDF、JPEG、PNG → PDF、PNG

A section is compared field by field, a dictionary entry by entry (an entry added or removed is one
sentence), a penalty ladder rule by rule; every other item — a number, a list of bands, a money
range — is compared as a whole, as it reads.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from django.utils.translation import gettext as _

from opc_community.core.money import format_yuan
from opc_community.rulebook import schema as s
from opc_community.rulebook.labels import CHOICE_LABELS, KEY_LABELS, Label, Unit, field_label


@dataclass(frozen=True)
class Change:
    """One change of a revision: where (article and labels) and the values before and after, as they read.
    ``old`` is None for an item added, ``new`` None for an item removed."""

    article: str
    item: str
    old: str | None
    new: str | None

    @property
    def sentence(self) -> str:
        where = f"{self.article} {self.item}".strip()
        if self.old is None:
            return _("%(where)s: added %(new)s") % {"where": where, "new": self.new}
        if self.new is None:
            return _("%(where)s: removed %(old)s") % {"where": where, "old": self.old}
        return _("%(where)s: %(old)s → %(new)s") % {"where": where, "old": self.old, "new": self.new}

    def __str__(self) -> str:
        return self.sentence


def describe_changes(old: s.Rulebook, new: s.Rulebook) -> list[Change]:
    """Every change from ``old`` to ``new``, in the order of the schema."""
    root = Label(text="", unit=Unit.SECTION, in_path=False)
    return list(_compare(old, new, root, article="", path=(), owner=new))


def describe_rulebook(rulebook: s.Rulebook) -> list[str]:
    """Every item of a rulebook as it reads, in the order of the schema, each with its article and labels
    ("第四章第二条 会议室 最短提前预约时间：30 分钟") — a version's page shows its rules so, never its keys."""
    root = Label(text="", unit=Unit.SECTION, in_path=False)
    return [f"{where}：{text}" for where, text in _items(rulebook, root, article="", path=(), owner=rulebook)]


def _items(value: Any, label: Label, *, article: str, path: tuple[str, ...], owner: Any) -> Iterator[tuple[str, str]]:
    article = label.article or article
    path = (*path, str(label.text)) if label.in_path else path
    if label.unit is Unit.SECTION and isinstance(value, s.Section):
        for name in type(value).model_fields:
            yield from _items(getattr(value, name), field_label(type(value), name), article=article, path=path,
                              owner=value)
    elif label.unit is Unit.ENTRIES and isinstance(value, dict):
        for key, item in value.items():
            entry = Label(text=_entry_name(key, item), unit=label.entry or Unit.TEXT)
            yield from _items(item, entry, article=article, path=path, owner=owner)
    elif value is not None:
        where = f"{article} {' '.join(part for part in path if part)}".strip()
        yield where, format_value(value, label.unit, owner=owner)


# --- Comparing ----------------------------------------------------------------------------------------


def _compare(
    old: Any, new: Any, label: Label, *, article: str, path: tuple[str, ...], owner: Any
) -> Iterator[Change]:
    article = label.article or article
    path = (*path, str(label.text)) if label.in_path else path
    both = old is not None and new is not None
    if label.unit is Unit.SECTION and both:
        for name in type(new).model_fields:
            yield from _compare(getattr(old, name), getattr(new, name), field_label(type(new), name),
                                article=article, path=path, owner=new)
    elif label.unit is Unit.ENTRIES and both:
        for key in [*old, *(key for key in new if key not in old)]:
            entry = Label(text=_entry_name(key, new.get(key) or old.get(key)), unit=label.entry or Unit.TEXT)
            yield from _compare(old.get(key), new.get(key), entry, article=article, path=path, owner=owner)
    elif label.unit is Unit.STEPS and both:
        yield from _compare_steps(old, new, article=article, path=path, owner=owner)
    else:
        yield from _changed(
            None if old is None else format_value(old, label.unit, owner=owner),
            None if new is None else format_value(new, label.unit, owner=owner),
            article=article, path=path,
        )


def _compare_steps(
    old: Sequence[s.Step], new: Sequence[s.Step], *, article: str, path: tuple[str, ...], owner: Any
) -> Iterator[Change]:
    """A ladder rule by rule, matched by content (a rule inserted is one "added", not every rule below it
    changed); a rule is numbered by its place in the new ladder, a removed one by its place in the old."""
    before, after = [step_text(step, owner) for step in old], [step_text(step, owner) for step in new]
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        pairs = max(i2 - i1, j2 - j1)
        for offset in range(pairs):
            i, j = i1 + offset, j1 + offset
            place = j + 1 if j < j2 else i + 1
            yield from _changed(before[i] if i < i2 else None, after[j] if j < j2 else None,
                                article=article, path=(*path, _("rule %(n)s") % {"n": place}))


def _changed(before: str | None, after: str | None, *, article: str, path: tuple[str, ...]) -> Iterator[Change]:
    if before != after:
        yield Change(article, " ".join(part for part in path if part), before, after)


def _entry_name(key: str, value: Any) -> str:
    """"会议室", "国家级", "2a 损坏设施" — a fixed key by its label, a violation kind by its code and name."""
    if isinstance(value, s.ViolationKind):
        return f"{key} {value.name}"
    if isinstance(value, s.CleaningArea):  # 第四章第一条3: an area is named by the data itself
        return value.name
    if isinstance(value, s.SurveyArea):  # a survey's service area by its title, a question by its text
        return value.title
    if key not in KEY_LABELS and isinstance(value, str):
        return ""
    return str(KEY_LABELS.get(key, key))


# --- Values as they read --------------------------------------------------------------------------------


def number(value: Decimal | int) -> str:
    """A number without trailing zeros (80, 7.5, 10)."""
    return format(Decimal(value).normalize(), "f")


def _choice(value: str | None) -> str:
    return "" if value is None else str(CHOICE_LABELS.get(value, value))


def format_value(value: Any, unit: Unit, *, owner: Any = None) -> str:
    """``value`` written in ``unit`` ("7 个工作日", "10%", "¥1,000.00–¥3,000.00", the bands…).
    ``owner`` is the section holding the value (a penalty ladder's kind tells what its steps measure)."""
    simple = {
        Unit.WORKING_DAYS: _("%(n)s working days"),
        Unit.DAYS: _("%(n)s days"),
        Unit.MONTHS: _("%(n)s months"),
        Unit.YEARS: _("%(n)s years"),
        Unit.QUARTERS: _("%(n)s quarters"),
        Unit.MINUTES: _("%(n)s minutes"),
        Unit.HOURS: _("%(n)s hours"),
        Unit.MEGABYTES: _("%(n)s MB"),
        Unit.TIMES: _("%(n)s times"),
        Unit.FILES: _("%(n)s files"),
        Unit.POINTS: _("%(n)s points"),
        Unit.PERCENT: "%(n)s%%",
    }
    if unit in simple:
        return simple[unit] % {"n": number(value)}
    if unit is Unit.RATIO:
        return f"{number(Decimal(value) * 100)}%"
    if unit is Unit.YUAN:
        return format_yuan(value)
    if unit is Unit.YUAN_RANGE:
        return f"{format_yuan(value.min)}–{format_yuan(value.max)}"
    if unit is Unit.CLOCK:
        return value.strftime("%H:%M") if isinstance(value, time) else str(value)
    if unit is Unit.YES_NO:
        return _("yes") if value else _("no")
    if unit is Unit.CHOICE:
        return _choice(value)
    if unit is Unit.FILE_TYPES:
        return "、".join(str(kind).upper() for kind in value)
    if unit in (Unit.PERCENT_BANDS, Unit.COUNT_BANDS):
        return bands_text(value, unit)
    if unit is Unit.CONDITION:
        return condition_text(value, owner)
    if unit is Unit.MEASURES:
        return "、".join(measure_text(measure) for measure in value)
    if unit is Unit.STEPS:
        return "；".join(f"{_('rule %(n)s') % {'n': i}}：{step_text(step, owner)}" for i, step in enumerate(value, 1))
    if unit in (Unit.SECTION, Unit.ENTRIES):
        return _section_text(value, owner)
    return str(value)


def _section_text(value: Any, owner: Any) -> str:
    """A section or dictionary added or removed as a whole: each item with its label, "；" between them."""
    if isinstance(value, dict):
        return "；".join(f"{_entry_name(key, item)} {_section_text(item, owner)}" for key, item in value.items())
    if not isinstance(value, s.Section):
        return str(value)
    parts = []
    for name in type(value).model_fields:
        label = field_label(type(value), name)
        item = getattr(value, name)
        if item is not None:
            parts.append(f"{label.text} {format_value(item, label.unit, owner=value)}")
    return "，".join(parts)


def bands_text(bands: Sequence[s.Band], unit: Unit) -> str:
    """"高于 80% 得 10 分；60% 及以上得 5 分；低于 60% 得 0 分" — from the highest band; the lowest band reads
    from the limit of the band above it."""
    def value(limit: Decimal | None) -> str:
        if limit is None:  # only the lowest band has no limit, and it is read from the band above
            return ""
        return f"{number(limit)}%" if unit is Unit.PERCENT_BANDS else _("%(n)s times") % {"n": number(limit)}

    parts = []
    for position, band in enumerate(bands):
        points = _("%(n)s points") % {"n": band.points}
        if band.min is not None:
            template = _("%(value)s or more: %(points)s") if band.min_inclusive else _("above %(value)s: %(points)s")
            parts.append(template % {"value": value(band.min), "points": points})
        elif position:
            above = bands[position - 1]
            template = _("below %(value)s: %(points)s") if above.min_inclusive else _("%(value)s or less: %(points)s")
            parts.append(template % {"value": value(above.min), "points": points})
        else:
            parts.append(_("any value: %(points)s") % {"points": points})
    return "；".join(parts)


def condition_text(condition: s.Condition, kind: Any) -> str:
    """When a rule of a ladder applies, in words ("同类第 2 次及以上", "损失价值超过 ¥500.00", "整改不到位")."""
    parts = []
    low, high = condition.count_min, condition.count_max
    if low is not None and low == high:
        parts.append(_("same-kind violation no. %(n)s") % {"n": low})
    elif low is not None and high is not None:
        parts.append(_("same-kind violation no. %(low)s to %(high)s") % {"low": low, "high": high})
    elif low is not None:
        parts.append(_("same-kind violation no. %(n)s or later") % {"n": low})
    elif high is not None:
        parts.append(_("same-kind violation no. %(n)s or earlier") % {"n": high})
    basis = getattr(kind, "basis", "none")
    bounds = (
        (condition.measure_at_least, _("%(what)s %(value)s or more")),
        (condition.measure_above, _("%(what)s more than %(value)s")),
        (condition.measure_at_most, _("%(what)s up to %(value)s")),
    )
    for bound, template in bounds:
        if bound is not None:
            parts.append(template % {"what": _choice(basis), "value": _measured(bound, basis)})
    if condition.flag is not None:
        parts.append(_choice(condition.flag))
    return "，".join(parts)


def _measured(value: Decimal, basis: str) -> str:
    if basis == "damage_value":
        return format_yuan(value)
    if basis in ("days_after_grace", "days_overdue"):
        return _("%(n)s days") % {"n": number(value)}
    return number(value)


def measure_text(measure: s.Measure) -> str:
    """A measure of a ladder ("罚款 ¥200.00–¥500.00", "暂停公共资源使用权限 7 天", "强制退出（适用转租转借禁入期）")."""
    if measure.type == "fine":
        if measure.amount is not None:
            return _("fine of %(amount)s") % {"amount": format_yuan(measure.amount)}
        return _("fine of %(min)s to %(max)s") % {
            "min": format_yuan(measure.amount_min), "max": format_yuan(measure.amount_max)}
    if measure.type == "suspension":
        scope = _choice(measure.scope)
        if measure.until_paid:
            return _("use of %(scope)s suspended until paid") % {"scope": scope}
        if measure.days:
            return _("use of %(scope)s suspended for %(days)s days") % {"scope": scope, "days": measure.days}
        return _("use of %(scope)s suspended") % {"scope": scope}
    if measure.type == "forced_exit" and measure.ban not in (None, "forced_exit"):
        return _("forced exit with %(ban)s") % {"ban": _choice(measure.ban)}
    return _choice(measure.type)


def step_text(step: s.Step, kind: Any) -> str:
    """A rule of a ladder: "同类第 2 次及以上的，罚款 ¥50.00", "整改不到位的，另加：暂停公共资源使用权限 7 天"."""
    texts = [measure_text(measure) for measure in step.measures]
    measures = _("one of: %(list)s") % {"list": _(" or ").join(texts)} if step.choose_one else "、".join(texts)
    if step.also:
        measures = _("in addition: %(measures)s") % {"measures": measures}
    condition = condition_text(step.when, kind)
    if not condition:
        return _("in general: %(measures)s") % {"measures": measures}
    return _("where %(condition)s: %(measures)s") % {"condition": condition, "measures": measures}

