"""Intake rules (第三章第一条、第二条; RULEBOOK §4.6) as tables, without a database."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from residents.models import ApplicationStatus, Direction, DocumentKind, EntityType
from residents.rules import intake as rules

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("entity_type", "required"),
    [
        (EntityType.INDIVIDUAL, ("id_card", "project_plan")),
        (EntityType.OPC_COMPANY, ("id_card", "business_licence", "project_plan")),
        (EntityType.SOLE_TRADER, ("id_card", "business_licence", "project_plan")),
        (EntityType.INSTITUTION, ("id_card", "business_licence", "project_plan")),
        ("", ("id_card", "project_plan")),
    ],
)
def test_required_materials(entity_type, required):
    assert rules.required_materials(entity_type) == required
    assert DocumentKind.QUALIFICATION not in rules.required_materials(entity_type)


@pytest.mark.parametrize(
    ("entity_type", "uploaded", "missing"),
    [
        (EntityType.INDIVIDUAL, [], ("id_card", "project_plan")),
        (EntityType.INDIVIDUAL, ["id_card", "project_plan"], ()),
        (EntityType.INDIVIDUAL, ["qualification", "qualification"], ("id_card", "project_plan")),
        (EntityType.OPC_COMPANY, ["id_card", "project_plan"], ("business_licence",)),
        (EntityType.SOLE_TRADER, ["id_card", "project_plan", "business_licence", "id_card"], ()),
    ],
)
def test_missing_materials(entity_type, uploaded, missing):
    assert rules.missing_materials(entity_type, uploaded) == missing


@pytest.mark.parametrize(
    ("entity_type", "direction", "flags"),
    [
        (EntityType.INDIVIDUAL, Direction.AI_NATIVE, ()),
        (EntityType.INDIVIDUAL, Direction.DIGITAL_ECONOMY, (rules.EligibilityFlag.INDIVIDUAL_NOT_AI,)),
        (EntityType.INDIVIDUAL, Direction.CROSS_BORDER, (rules.EligibilityFlag.INDIVIDUAL_NOT_AI,)),
        (
            EntityType.INDIVIDUAL,
            Direction.OTHER,
            (rules.EligibilityFlag.DIRECTION_OTHER, rules.EligibilityFlag.INDIVIDUAL_NOT_AI),
        ),
        (EntityType.OPC_COMPANY, Direction.OTHER, (rules.EligibilityFlag.DIRECTION_OTHER,)),
        (EntityType.OPC_COMPANY, Direction.DIGITAL_ECONOMY, ()),
        (EntityType.SOLE_TRADER, Direction.CROSS_BORDER, ()),
        (EntityType.INSTITUTION, Direction.AI_NATIVE, ()),
    ],
)
def test_eligibility_flags(entity_type, direction, flags):
    assert rules.eligibility_flags(entity_type=entity_type, direction=direction) == flags
    assert all("第三章第一条" in str(rules.FLAG_MESSAGES[flag]) for flag in flags)


@dataclass
class FakeBan:
    ends_on: date
    id_number: str = ""
    uscc: str = ""


ID = "11010519491231002X"
USCC = "91350100M000100Y43"
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("bans", "expected"),
    [
        ([], None),
        ([FakeBan(date(2029, 5, 31), id_number=ID)], 0),
        ([FakeBan(date(2029, 5, 31), uscc=USCC)], 0),
        ([FakeBan(date(2029, 5, 31), id_number=ID.lower())], 0),  # compared normalised
        ([FakeBan(TODAY, id_number=ID)], 0),  # the last day still counts (today <= ends_on)
        ([FakeBan(date(2026, 5, 31), id_number=ID)], None),  # ended yesterday
        ([FakeBan(date(2029, 5, 31), id_number="440106199003075670")], None),  # someone else
        ([FakeBan(date(2029, 5, 31), id_number="", uscc="")], None),  # empty values never match
        # two bans: the one ending last wins (RULEBOOK §4.6)
        ([FakeBan(date(2027, 5, 31), id_number=ID), FakeBan(date(2029, 5, 31), uscc=USCC)], 1),
        ([FakeBan(date(2029, 5, 31), id_number=ID), FakeBan(date(2027, 5, 31), uscc=USCC)], 0),
    ],
)
def test_ban_in_force(bans, expected):
    found = rules.ban_in_force(bans, id_number=ID, uscc=USCC, today=TODAY)
    assert found is (bans[expected] if expected is not None else None)


def test_an_applicant_without_a_credit_code_is_not_matched_on_an_empty_one():
    bans = [FakeBan(date(2029, 5, 31), id_number="440106199003075670", uscc="")]
    assert rules.ban_in_force(bans, id_number=ID, uscc="", today=TODAY) is None


REVIEW_DUE = datetime(2026, 6, 10, 23, 59, 59, tzinfo=SH)
RESULT_DUE = datetime(2026, 6, 3, 23, 59, 59, tzinfo=SH)


@pytest.mark.parametrize(
    ("status", "due", "provisional"),
    [
        (ApplicationStatus.SUBMITTED, REVIEW_DUE, True),
        (ApplicationStatus.EVALUATION, None, False),  # the regulation sets no deadline for the evaluation itself
        (ApplicationStatus.EVALUATED, RESULT_DUE, False),
    ],
)
def test_current_step(status, due, provisional):
    step = rules.current_step(
        status=status, review_due_at=REVIEW_DUE, review_due_provisional=True,
        result_due_at=RESULT_DUE, result_due_provisional=False,
    )
    assert (step.due_at, step.provisional, step.article) == (due, provisional, "第三章第二条")


@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.DRAFT, ApplicationStatus.RETURNED, ApplicationStatus.APPROVED,
     ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN],
)
def test_nothing_is_due_outside_review(status):
    assert rules.current_step(
        status=status, review_due_at=REVIEW_DUE, review_due_provisional=False,
        result_due_at=RESULT_DUE, result_due_provisional=False,
    ) is None


# --- What keeps an application from being submitted (第三章第一条、第二条) --------------------------------


@dataclass
class Fields:
    """An application's own fields, as the rule reads them (no database)."""

    entity_type: str = EntityType.INDIVIDUAL
    direction: str = Direction.AI_NATIVE
    direction_note: str = ""
    person_name: str = "张三"
    id_number: str = "11010519491231002X"
    phone: str = "13800138000"
    project_summary: str = "AI 写作助手"
    company_name: str = ""
    uscc: str = ""
    declares_no_dishonesty: bool = True
    consent_id_processing_at: datetime | None = datetime(2026, 10, 8, 9, tzinfo=SH)


SUBMIT_DAY = date(2026, 10, 8)
INDIVIDUAL_KINDS = ("id_card", "project_plan")
COMPANY_KINDS = ("id_card", "business_licence", "project_plan")
COMPANY = {"entity_type": EntityType.OPC_COMPANY, "company_name": "某某科技", "uscc": "91350100M000100Y43"}


@pytest.mark.parametrize(
    ("changes", "kinds", "fields"),
    [
        ({}, INDIVIDUAL_KINDS, []),
        (COMPANY, COMPANY_KINDS, []),
        ({"person_name": "", "phone": ""}, INDIVIDUAL_KINDS, ["person_name", "phone"]),
        ({"entity_type": "", "direction": ""}, INDIVIDUAL_KINDS, ["entity_type", "direction"]),
        ({"id_number": ""}, INDIVIDUAL_KINDS, ["id_number"]),
        ({"id_number": "11010519491231002"}, INDIVIDUAL_KINDS, ["id_number"]),  # 17 characters
        ({"id_number": "110105194912310021"}, INDIVIDUAL_KINDS, ["id_number"]),  # wrong check character
        ({"id_number": "110105202712310022"}, INDIVIDUAL_KINDS, ["id_number"]),  # born after today
        ({**COMPANY, "company_name": ""}, COMPANY_KINDS, ["company_name"]),
        ({**COMPANY, "uscc": ""}, COMPANY_KINDS, ["uscc"]),
        ({**COMPANY, "uscc": "91350100M000100Y44"}, COMPANY_KINDS, ["uscc"]),  # wrong check character
        ({"company_name": "", "uscc": "bad"}, INDIVIDUAL_KINDS, []),  # an individual's credit code is not read
        ({"direction": Direction.OTHER}, INDIVIDUAL_KINDS, ["direction_note"]),
        ({"direction": Direction.OTHER, "direction_note": "服务 AI 企业"}, INDIVIDUAL_KINDS, []),
        ({"declares_no_dishonesty": False}, INDIVIDUAL_KINDS, ["declares_no_dishonesty"]),
        ({"consent_id_processing_at": None}, INDIVIDUAL_KINDS, ["consent_id_processing"]),
        ({}, ("project_plan", "qualification"), ["id_card"]),
        ({}, (), ["id_card", "project_plan"]),
        (COMPANY, INDIVIDUAL_KINDS, ["business_licence"]),
        ({"person_name": "", "consent_id_processing_at": None}, (),
         ["person_name", "consent_id_processing", "id_card", "project_plan"]),  # every problem, in the form's order
    ],
)
def test_submission_problems(changes, kinds, fields):
    problems = rules.submission_problems(Fields(**changes), uploaded_kinds=kinds, today=SUBMIT_DAY)
    assert [field for field, _message in problems] == fields
    assert all(isinstance(message, str) and message for _field, message in problems)


def test_submission_problems_are_told_in_chinese_with_the_article():
    problems = dict(rules.submission_problems(Fields(direction=Direction.OTHER, person_name=""), uploaded_kinds=(),
                                              today=SUBMIT_DAY))
    assert problems["person_name"] == "姓名：必填。"
    assert "第三章第一条" in problems["direction_note"]
    assert "第三章第二条" in problems["id_card"] and "身份证" in problems["id_card"]


@pytest.mark.parametrize(("status", "states"), [
    ("draft", ["current", "next", "next", "next"]),
    ("returned", ["current", "next", "next", "next"]),
    ("submitted", ["done", "current", "next", "next"]),
    ("evaluation", ["done", "done", "current", "next"]),
    ("evaluated", ["done", "done", "current", "next"]),
    ("approved", ["done", "done", "done", "done"]),
    ("rejected", ["done", "done", "done", "done"]),
    ("withdrawn", []),
])
def test_the_applicant_sees_which_steps_are_done_current_and_next(status, states):
    from residents.rules.intake import progress_steps

    assert [step.state for step in progress_steps(status)] == states
