"""Races with real parallel database connections (threads, committed data): two residents asking for the
last place get one registration and one clear refusal; two staff checking the same resident in at the
same moment write one attendance row.

The service is slowed down right after it counted the registrations, so the second caller really
arrives while the first one's transaction is open: without the row lock on the activity both would
count "29 of 30" and both would register.
"""

import time
from typing import Any

from opc_community.core.errors import ConflictError
from resources.models import ActivityRegistration, Attendance
from resources.rules import activities as rules
from resources.services import activities as services
from resources.services import attendance as attendance_services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.resources.support import STARTS, at, make_activity, member, register

pytestmark = committed_data


def test_two_residents_asking_for_the_last_place_one_wins(resources_staff, monkeypatch):
    activity = make_activity(resources_staff, capacity=2)
    register(activity, member(name="已报名"))
    first, second = member(name="甲"), member(name="乙")
    real_refusal = rules.registration_refusal

    def slow_refusal(**kwargs: Any) -> Any:
        refusal = real_refusal(**kwargs)
        time.sleep(0.3)  # both would have counted 1 of 2 here if nothing serialised them
        return refusal

    monkeypatch.setattr(rules, "registration_refusal", slow_refusal)

    results = run_in_parallel([
        (lambda resident=resident: services.registration_create(
            activity=activity, resident=resident, actor=resident.user))
        for resident in (first, second)
    ])

    winners = [r for r in results if isinstance(r, ActivityRegistration)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert str(losers[0].message) == "“大模型应用开发培训”已满员：2 个名额均已报满。"
    assert ActivityRegistration.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 2


def test_two_staff_checking_the_same_resident_in_write_one_row(resources_staff, administrator):
    activity = make_activity(resources_staff)
    resident = member(name="丙")
    register(activity, resident)

    with at(STARTS):
        results = run_in_parallel([
            (lambda staff=staff: attendance_services.attendance_record(
                activity=activity, resident=resident, method="list", actor=staff))
            for staff in (resources_staff, administrator)
        ])

    assert sorted(r.created for r in results) == [False, True], results
    assert Attendance.objects.filter(activity=activity, resident=resident).count() == 1
