"""A revision's changes as sentences with their article (第九章第一条; RULEBOOK §11), and the labels behind them."""

import copy
import json
import typing
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import translation
from pydantic import BaseModel

from opc_community.rulebook import schema
from opc_community.rulebook.labels import CHOICE_LABELS, KEY_LABELS, LABELS, Unit, field_label
from opc_community.rulebook.rules import describe_changes
from opc_community.rulebook.validation import SEED as SEED_PATH
from opc_community.rulebook.validation import parse_body

SEED = json.loads(Path(SEED_PATH).read_text(encoding="utf-8"))


def sentences(edit: Callable[[dict], None]) -> list[str]:
    body = copy.deepcopy(SEED)
    edit(body)
    with translation.override("zh-hans"):
        return [change.sentence for change in describe_changes(parse_body(SEED), parse_body(body))]


def _set(path: list, value) -> Callable[[dict], None]:
    def edit(body: dict) -> None:
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


def _append_step(body: dict) -> None:
    body["violations"]["kinds"]["2b"]["steps"].insert(0, {"when": {"count_min": 4}, "measures": [
        {"type": "fine", "amount": "200"}]})


def _remove_kind(body: dict) -> None:
    del body["violations"]["kinds"]["6c"]


CHANGES = [
    # a ratio
    (_set(["elimination", "bottom_ratio"], "0.08"), "第六章第二条 考核淘汰 末位淘汰比例：10% → 8%"),
    # a band limit: the whole table of bands, as it reads
    (_set(["scoring", "participation", "bands", 0, "min"], "85"),
     "第六章第一条 季度考核评分 活动参与 评分档次：高于 80%得 10 分；60%及以上得 5 分；低于 60%得 0 分 → "
     "高于 85%得 10 分；60%及以上得 5 分；低于 60%得 0 分"),
    (_set(["scoring", "contributions", "bands", 0, "min"], "4"),
     "第六章第一条 季度考核评分 团队/技术贡献 评分档次：3 次及以上得 20 分；2 次及以上得 15 分；1 次及以上得 10 分；"
     "低于 1 次得 0 分 → 4 次及以上得 20 分；2 次及以上得 15 分；1 次及以上得 10 分；低于 1 次得 0 分"),
    # deadlines: working days, calendar days
    (_set(["deadlines", "appeal_answer_working_days"], 5), "第八章第二条 工作日期限 复核答复：3 个工作日 → 5 个工作日"),
    (_set(["term", "grace_days"], 10), "第三章第三条 入驻期限、续约与退出 到期退出缓冲期：7 天 → 10 天"),
    (_set(["term", "voluntary_exit_notice_days"], 30),
     "第三章第四条 入驻期限、续约与退出 自愿退出提前申请：15 天 → 30 天"),
    # a fine range of a penalty rule, and a money range of a reward
    (_set(["violations", "kinds", "2a", "steps", 0, "measures", 1],
          {"type": "fine", "amount_min": "300", "amount_max": "600"}),
     "第八章第二条 违规处罚 2a 损坏设施 规则 1：损失价值超过 ¥500.00的，照价赔偿、罚款 ¥200.00–¥500.00 → "
     "损失价值超过 ¥500.00的，照价赔偿、罚款 ¥300.00–¥600.00"),
    (_set(["rewards", "innovation", "municipal"], {"min": "2000", "max": "3000"}),
     "第八章第一条 奖励 项目创新奖 市级：¥1,000.00–¥3,000.00 → ¥2,000.00–¥3,000.00"),
    (_set(["rewards", "compliance_excellence", "voucher_subsidy"], "800"),
     "第八章第一条 奖励 合规优秀奖 算力券补贴：¥500.00 → ¥800.00"),
    # an escalation (RULEBOOK §9, decisions added 2026-12)
    (_set(["violations", "kinds", "3c", "steps", 1, "measures", 0, "days"], 14),
     "第八章第二条 违规处罚 3c 损坏公共资源 规则 2：整改不到位的，另加：暂停公共资源使用权限 7 天 → "
     "整改不到位的，另加：暂停公共资源使用权限 14 天"),
    # list entries added and removed
    (_append_step, "第八章第二条 违规处罚 2b 污染环境 规则 1：新增 同类第 4 次及以上的，罚款 ¥200.00"),
    (_set(["intake", "allowed_file_types"], ["pdf", "png"]),
     "第三章第二条 申请材料 允许的文件类型：PDF、JPEG、PNG → PDF、PNG"),
    (_remove_kind,
     "第八章第二条 违规处罚 6c 网络违规（诈骗、传播不良信息等）：删除 名称 网络违规（诈骗、传播不良信息等），"
     "类别 安全管理违规，计量依据 无计量，由系统自动立案 否，处罚规则 规则 1：一般情形，强制退出、上报相关部门、追究法律责任"),
    # clock times, points, minutes, percentages
    (_set(["booking", "room_types", "meeting_room", "opens"], "09:00"), "第四章第一条 公共空间预约 会议室 开放时间：08:00 → 09:00"),
    (_set(["scoring", "awards", "levels", "national"], 12), "第六章第一条 季度考核评分 获奖荣誉 国家级：15 分 → 12 分"),
    (_set(["booking", "no_show_release_minutes"], 20), "第四章第一条 公共空间预约 未签到预约的释放时间：15 分钟 → 20 分钟"),
    (_set(["publication", "public_retention_days"], 60),
     "第四章第四条 公示栏 处罚、评分结果公示期满后在公示栏保留：30 天 → 60 天"),
]


@pytest.mark.parametrize(("edit", "expected"), CHANGES, ids=[row[1].split("：")[0] for row in CHANGES])
def test_each_change_reads_as_a_sentence_with_its_article(edit, expected):
    assert sentences(edit) == [expected]


def test_several_changes_come_in_the_order_of_the_rulebook():
    def edit(body: dict) -> None:
        body["elimination"]["bottom_ratio"] = "0.08"
        body["term"]["grace_days"] = 10
    assert [text.split("：")[0] for text in sentences(edit)] == [
        "第三章第三条 入驻期限、续约与退出 到期退出缓冲期", "第六章第二条 考核淘汰 末位淘汰比例"]


def test_no_change_no_sentence():
    assert sentences(lambda body: None) == []


# --- The labels: every item of the schema has one ------------------------------------------------------


def _sections(model: type[BaseModel], seen: set) -> set[type[BaseModel]]:
    """Every section class reachable from ``model`` through its fields' annotations."""
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        for inner in _types(field.annotation):
            if isinstance(inner, type) and issubclass(inner, schema.Section):
                _sections(inner, seen)
    return seen


def _types(annotation) -> list:
    args = typing.get_args(annotation)
    return [annotation, *(t for arg in args for t in _types(arg))]


def _literal_values(annotation) -> set[str]:
    return {value for t in _types(annotation) if typing.get_origin(t) is typing.Literal for value in typing.get_args(t)}


def test_every_field_of_the_schema_has_a_label_and_an_article():
    sections = _sections(schema.Rulebook, set())
    assert schema.RateDimension in sections and schema.Measure in sections
    missing = [f"{cls.__name__}.{name}" for cls in sections for name in cls.model_fields
               if not _has_label(cls, name)]
    assert not missing, f"label these rulebook fields in opc_community/rulebook/labels.py: {missing}"
    # every top-level section carries the article changes inherit, unless each of its fields has its own
    for name in schema.Rulebook.model_fields:
        label = field_label(schema.Rulebook, name)
        section = schema.Rulebook.model_fields[name].annotation
        assert label.article or all(field_label(section, f).article for f in section.model_fields), name


def _has_label(cls, name: str) -> bool:
    try:
        label = field_label(cls, name)
    except KeyError:
        return False
    return bool(str(label.text)) and (label.unit is not Unit.ENTRIES or label.entry is not None)


def test_the_labels_name_only_fields_of_the_schema():
    stray = [f"{cls.__name__}.{name}" for cls, fields in LABELS.items() for name in fields
             if name not in cls.model_fields]
    assert not stray


def test_every_fixed_key_and_choice_has_a_label():
    keys = set(schema.RoomType.__args__) | set(schema.AwardLevel.__args__)
    keys |= _literal_values(schema.Rewards.model_fields["innovation"].annotation)
    assert keys <= set(KEY_LABELS)
    choices = set(schema.MeasureType.__args__) | set(schema.SuspensionScope.__args__)
    choices |= set(schema.ViolationBasis.__args__)
    choices |= _literal_values(schema.Condition.model_fields["flag"].annotation)
    choices |= _literal_values(schema.Measure.model_fields["ban"].annotation)
    assert choices <= set(CHOICE_LABELS)
