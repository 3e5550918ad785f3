"""The activities demo (resources/demo.py): a programme with history and coming activities, and a
second run changes nothing."""

from datetime import datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from opc_community.core.demo import SEEDERS, Demo
from residents.models import Resident
from resources import demo as resources_demo
from resources.models import Activity, ActivityRegistration, Attendance
from resources.selectors import activities as selectors
from spaces.models import Booking

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 7, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }


def _seed() -> None:
    demo = Demo(now=timezone.now())
    for module in SEEDERS[: SEEDERS.index("resources") + 1]:
        import_module(f"{module}.demo").seed(demo)


def _counts() -> tuple[int, int, int]:
    return Activity.objects.count(), ActivityRegistration.objects.count(), Attendance.objects.count()


def test_the_programme_has_history_and_coming_activities_and_a_second_run_changes_nothing():
    with time_machine.travel(NOW):
        _seed()
        first = _counts()
        held = Activity.objects.filter(starts_at__lt=NOW).exclude(kind="drill")
        assert held.count() == len(resources_demo.HELD)
        assert Activity.objects.filter(starts_at__gt=NOW).exclude(kind="drill").count() == len(resources_demo.COMING)
        # 第七章第四条: a drill held with its report (two findings → work items) and one coming
        from resources.models import SafetyDrill

        drills = list(SafetyDrill.objects.select_related("activity").order_by("activity__starts_at"))
        assert [d.activity.starts_at < NOW for d in drills] == [True, False]
        assert drills[0].reported_at is not None and drills[0].findings.count() == 2
        # 张三 is registered for next week's training (his QR code page works)
        zhangsan = Resident.objects.get(user__username="zhangsan")
        assert ActivityRegistration.objects.filter(resident=zhangsan, activity__starts_at__gt=NOW).count() == 1
        # attendance only while checked in (RULEBOOK §6); 欧阳娜娜 missed some: below 80 %
        assert not Attendance.objects.filter(activity__starts_at__lt=zhangsan.checked_in_at, resident=zhangsan).exists()
        ouyang = Resident.objects.get(user__username="ouyang")
        rate = selectors.quarter_participation(ouyang, now=timezone.now())
        assert rate.expected > rate.attended > 0
        # the coming training reserved the roadshow hall through the booking rules (a community booking)
        training = Activity.objects.get(title="大模型应用开发培训", starts_at__gt=NOW)
        assert training.booking.resident is None and training.booking.room.code == "RH-101"
        assert training.place == training.booking.room.name

    with time_machine.travel(NOW + timedelta(days=2)):
        _seed()
    assert _counts() == first
    assert Booking.objects.filter(resident__isnull=True).count() == 1


def test_the_voucher_demo_has_two_programmes_every_application_state_and_a_usage_ledger():
    from opc_community.notices.models import Publication, PublicationKind
    from resources.models import (
        ApplicationStatus,
        EntryKind,
        VoucherApplication,
        VoucherEntry,
        VoucherProgramme,
    )

    with time_machine.travel(NOW):
        _seed()
        assert VoucherProgramme.objects.filter(published_at__isnull=False).count() == 2
        assert Publication.objects.filter(kind=PublicationKind.RESOURCE_SUPPLY,
                                          title__startswith="算力券/模型券项目").count() == 2
        states = set(VoucherApplication.objects.values_list("status", flat=True))
        assert states == set(ApplicationStatus.values)
        assert VoucherEntry.objects.filter(kind=EntryKind.USE).count() >= 3
        entries = VoucherEntry.objects.count()

    with time_machine.travel(NOW + timedelta(days=2)):
        _seed()
    assert VoucherEntry.objects.count() == entries


def test_the_matchmaking_demo_has_three_scenarios_with_interest_an_outcome_and_two_policies():
    from opc_community.notices.models import Publication, PublicationKind
    from resources.models import MatchStep, Policy, PolicyHelpRequest, Scenario, ScenarioInterest

    with time_machine.travel(NOW):
        _seed()
        assert Scenario.objects.filter(published_at__isnull=False).count() == 3
        assert all(scenario.interests.exists() for scenario in Scenario.objects.all())
        assert MatchStep.objects.filter(kind="outcome", outcome="order", amount__gt=0).count() == 1
        assert Policy.objects.filter(published_at__isnull=False).count() == 2
        assert Publication.objects.filter(kind=PublicationKind.POLICY_NOTICE, title__startswith="政策：").count() == 2
        assert PolicyHelpRequest.objects.filter(status="accepted").count() == 1
        counts = (ScenarioInterest.objects.count(), MatchStep.objects.count())

    with time_machine.travel(NOW + timedelta(days=2)):
        _seed()
    assert (ScenarioInterest.objects.count(), MatchStep.objects.count()) == counts
def test_the_sharing_demo_has_ten_posts_and_two_matches():
    from resources.models import MatchStatus, SharingMatch, SharingPost

    with time_machine.travel(NOW):
        _seed()
        assert SharingPost.objects.count() == len(resources_demo.SHARING_POSTS) == 10
        assert set(SharingMatch.objects.values_list("status", flat=True)) == {MatchStatus.CONFIRMED,
                                                                                MatchStatus.PROPOSED}
        assert all(post.no_secrets_confirmed_at for post in SharingPost.objects.all())

    with time_machine.travel(NOW + timedelta(days=2)):
        _seed()
    assert SharingPost.objects.count() == 10 and SharingMatch.objects.count() == 2
def test_the_stage_services_demo_has_every_state_a_survey_with_results_and_the_standing_notices():
    from resources.models import (
        ImprovementItem,
        RequestStatus,
        ServiceRequest,
        StandingNotice,
        Survey,
    )

    with time_machine.travel(NOW):
        _seed()
        states = set(ServiceRequest.objects.values_list("status", flat=True))
        assert states == set(RequestStatus.values)
        assert ServiceRequest.objects.filter(rating__isnull=False).exists()
        assert Survey.objects.filter(year=2026, quarter=3, evaluated_at__isnull=False).exists()
        assert Survey.objects.filter(year=2026, quarter=4).exists()
        assert StandingNotice.objects.filter(key="resource-supply").exists()
        counts = (ServiceRequest.objects.count(), ImprovementItem.objects.count(), StandingNotice.objects.count())

    with time_machine.travel(NOW + timedelta(days=2)):
        _seed()
    assert (ServiceRequest.objects.count(), ImprovementItem.objects.count(), StandingNotice.objects.count()) == counts
