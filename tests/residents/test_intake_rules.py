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
