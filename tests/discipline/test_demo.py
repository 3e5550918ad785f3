"""The discipline demo (discipline/demo.py): cases at different steps, an appeal and a reward, made
through the services after the residents and spaces seeders; a second run changes nothing."""

from datetime import datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from discipline.models import (
    Appeal,
    AppealStatus,
    CaseStatus,
    DecisionLedgerEntry,
    EvidenceFile,
    Reward,
    RewardChoice,
    RewardStatus,
    ViolationCase,
    VolunteerService,
)
from discipline.services.ledger import ledger_verify
from opc_community.core.audit import acting_as
from opc_community.core.demo import SEEDERS, Demo

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 7, tzinfo=SHANGHAI)  # a Wednesday morning
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Evidence photos (and the other demos' files) go to a throw-away folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }


def _seed() -> None:
    demo = Demo(now=timezone.now())
    with acting_as(None, command="seed_demo"):
        for module in SEEDERS[: SEEDERS.index("discipline") + 1]:
            import_module(f"{module}.demo").seed(demo)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (ViolationCase, EvidenceFile, Appeal, Reward, VolunteerService, DecisionLedgerEntry)}


def test_discipline_is_seeded_after_the_residents_and_spaces():
    assert SEEDERS.index("discipline") > SEEDERS.index("spaces") > SEEDERS.index("residents")


def test_the_demo_has_cases_at_each_step_an_appeal_and_a_reward():
    with time_machine.travel(NOW, tick=False):
        _seed()
    by_kind = {(case.resident.user.username, case.kind): case
               for case in ViolationCase.objects.select_related("resident__user") if case.resident_id}

    # Cases at different steps of the 处罚流程
    assert by_kind[("zhangsan", "2b")].status == CaseStatus.FOUND
    noticed = by_kind[("lisi", "2c")]
    assert noticed.status == CaseStatus.NOTICE_ISSUED and noticed.notice.deadline > NOW.date()
    appealed = by_kind[("zhangsan", "4c")]
    assert appealed.status == CaseStatus.PUBLISHED
    assert appealed.measures.get(type="fine").amount == 150
    confirmed = by_kind[("lisi", "5c")]
    assert confirmed.status == CaseStatus.CONFIRMED
    assert confirmed.occurred_on == NOW.date() - timedelta(days=25)
    assert timezone.localdate(confirmed.found_at) == confirmed.occurred_on
    # The pending appeal, to be answered within 3 working days: Thu, Fri, Mon → Monday 2026-11-23
    appeal = Appeal.objects.get()
    assert appeal.case == appealed and appeal.status == AppealStatus.PENDING
    assert timezone.localdate(appeal.answer_due_at) == NOW.date() + timedelta(days=5)
    assert appealed.evidence.filter(by_resident=True).count() == 1
    # A reward: eight volunteer services, compliance excellence, her choice, on the board
    reward = Reward.objects.get()
    assert reward.resident.user.username == "ouyang"
    assert (reward.choice, reward.status) == (RewardChoice.ROADSHOW_CREDITS, RewardStatus.PUBLISHED)
    assert VolunteerService.objects.filter(resident=reward.resident, served_on__year=2026).count() == 8
    # The decision ledger holds the confirmed penalty, and its chain verifies
    assert DecisionLedgerEntry.objects.filter(kind="penalty", object_id=confirmed.pk).exists()
    assert ledger_verify().ok

    # 1a against an occupant who is not a resident: the notice handed over in person
    occupant = ViolationCase.objects.get(resident__isnull=True)
    assert (occupant.kind, occupant.status, occupant.notice.handed_over_on) == (
        "1a", CaseStatus.NOTICE_ISSUED, NOW.date())

    # When the demo is seeded again, nothing is added
    first = _counts()
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        _seed()
    assert _counts() == first
