"""Safety in the portal and the operations desk (第七章): anyone logged in reports an incident and sees only
their own reports; the phone round records pass / defect; staff triage and close on the incident's page,
and open a 6a case from it (discipline); lists keep a fixed number of queries."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from discipline.models import ViolationCase
from spaces.models import Incident, IncidentAction, Inspection, SafetyWorkItem
from tests.spaces.support.desks import member, use_private_storage
from tests.spaces.support.safety import NOW, FireEquipmentFactory, IncidentFactory, photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    use_private_storage(settings, tmp_path)


def test_a_resident_reports_a_blocked_exit_with_a_photo(client_for, resident_a, daily_staff):
    member(resident_a, name="张三")
    client = client_for(resident_a)
    assert client.get(reverse("spaces:incident_new")).status_code == 200
    response = client.post(reverse("spaces:incident_new"), {
        "category": "hazard", "place": "3F 安全出口", "occurred_at": "2026-11-16T08:50",
        "description": "安全出口被纸箱堵住", "photo": photo(),
    })
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("spaces:incident_detail",
                                                                          args=[incident.pk])
    assert incident.reported_by == resident_a and incident.photo
    page = client.get(reverse("spaces:incident_detail", args=[incident.pk]))
    assert "3F 安全出口" in page.content.decode()
    assert client.get(reverse("spaces:safety_photo", args=["incident", incident.pk]))["Content-Type"] == "image/jpeg"


def test_a_report_with_errors_comes_back_filled_in(client_for, resident_a):
    response = client_for(resident_a).post(reverse("spaces:incident_new"), {
        "category": "theft", "place": "", "occurred_at": "2026-11-16T08:50", "description": "笔记本电脑丢失"})
    assert response.status_code == 400 and "笔记本电脑丢失" in response.content.decode()
    assert not Incident.objects.exists()


def test_reports_are_seen_only_by_their_reporter(client_for, resident_a, resident_b, django_assert_max_num_queries):
    mine = IncidentFactory(reported_by=resident_a, photo="safety/incident/x.jpg", photo_type="image/jpeg")
    for n in range(5):
        IncidentFactory(reported_by=resident_a, place=f"{n}F")
    client = client_for(resident_b)
    assert client.get(reverse("spaces:incident_detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("spaces:safety_photo", args=["incident", mine.pk])).status_code == 404
    assert "3F 安全出口" not in client.get(reverse("spaces:incident_list")).content.decode()
    own = client_for(resident_a)
    with django_assert_max_num_queries(12):  # session, user, groups…, count, page of incidents
        response = own.get(reverse("spaces:incident_list"))
    assert response.content.decode().count(reverse("spaces:incident_detail", args=[mine.pk])) == 1


def test_the_wrong_method_is_refused(client_for, resident_a):
    assert client_for(resident_a).post(reverse("spaces:incident_list")).status_code == 405


def test_the_phone_round_records_a_defect_with_a_photo(client_for, daily_staff, resident_a):
    item = FireEquipmentFactory(code="XF-009")
    FireEquipmentFactory(code="XF-010")
    client = client_for(daily_staff)
    assert "XF-009" in client.get(reverse("spaces:inspection_round")).content.decode()
    response = client.post(reverse("spaces:inspection_new", args=[item.pk]),
                           {"result": "defect", "note": "喷嘴堵塞", "photo": photo()})
    assert response.status_code == 302
    assert Inspection.objects.get().result == "defect" and SafetyWorkItem.objects.filter(status="open").count() == 1
    assert f'id="item-{item.pk}"' not in client.get(reverse("spaces:inspection_round")).content.decode()
    refused = client.post(reverse("spaces:inspection_new", args=[item.pk]), {"result": "pass"})
    assert refused.status_code == 400
    assert client_for(resident_a).get(reverse("spaces:inspection_round")).status_code == 403


def test_staff_triage_open_a_case_and_close_on_the_incident_page(client_for, daily_staff, resident_a):
    resident = member(resident_a, name="张三")
    incident = IncidentFactory(reported_by=resident_a, occurred_at=NOW - timedelta(hours=1))
    client = client_for(daily_staff)
    page = client.get(reverse("admin:spaces_incident_change", args=[incident.pk])).content.decode()
    assert reverse("admin:spaces_incident_step", args=[incident.pk, "triage"]) in page
    assert reverse("admin:spaces_incident_more", args=[incident.pk, "violation_case"]) in page
    step = reverse("admin:spaces_incident_step", args=[incident.pk, "triage"])
    assert client.post(step, {"apply": "1", "severity": "general", "note": ""}).status_code == 302

    more = reverse("admin:spaces_incident_more", args=[incident.pk, "violation_case"])
    assert client.get(more).status_code == 200
    response = client.post(more, {"apply": "1", "resident": resident.pk, "kind": "6a", "facts": "堵塞安全出口"})
    case = ViolationCase.objects.get()
    assert response.status_code == 302 and case.kind == "6a" and case.resident == resident
    assert IncidentAction.objects.filter(incident=incident, text__contains=case.number).exists()

    close = reverse("admin:spaces_incident_step", args=[incident.pk, "close"])
    assert client.post(close, {"apply": "1", "outcome": "纸箱已清走"}).status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == "closed"


def test_other_teams_cannot_work_incidents(client_for, resources_staff):
    incident = IncidentFactory()
    step = reverse("admin:spaces_incident_step", args=[incident.pk, "triage"])
    assert client_for(resources_staff).post(step, {"apply": "1", "severity": "general"}).status_code == 403


def test_the_register_list_shows_overdue_items_in_a_fixed_number_of_queries(
    client_for, daily_staff, django_assert_max_num_queries
):
    FireEquipmentFactory(code="LATE-1", last_inspected_on=NOW.date() - timedelta(days=40))
    for _ in range(10):
        FireEquipmentFactory()
    client = client_for(daily_staff)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("admin:spaces_fireequipment_changelist")).content.decode()
    assert "LATE-1" in page
    overdue = client.get(reverse("admin:spaces_fireequipment_changelist") + "?due=overdue").content.decode()
    assert "LATE-1" in overdue and "XF-0" not in overdue


def test_a_shift_shows_its_missing_round_and_staff_record_one(client_for, daily_staff,
                                                             django_assert_max_num_queries):
    from spaces.models import DutyShift, PatrolRound
    from spaces.services import safety as services

    shift = DutyShift.objects.create(on_duty=daily_staff, starts_at=NOW - timedelta(hours=5), ends_at=NOW)
    services.patrol_record(shift=shift, walked_at=NOW - timedelta(hours=4), checkpoints="1F 大堂、3F 安全出口",
                           actor=daily_staff)
    for n in range(5):
        DutyShift.objects.create(on_duty=daily_staff, starts_at=NOW - timedelta(days=n + 1),
                                 ends_at=NOW - timedelta(days=n + 1) + timedelta(minutes=90))
    client = client_for(daily_staff)
    with django_assert_max_num_queries(16):  # the admin's own, the page of shifts, their rounds, the rulebook once
        page = client.get(reverse("admin:spaces_dutyshift_changelist")).content.decode()
    assert "color:#b42318" in page  # 4 h before now → 2 h later a round was due: missing
    patrol = reverse("admin:spaces_dutyshift_patrol", args=[shift.pk])
    response = client.post(patrol, {"apply": "1", "walked_at": "2026-11-16T07:00", "checkpoints": "4F 机房"})
    assert response.status_code == 302 and PatrolRound.objects.filter(shift=shift).count() == 2
    late = client.post(patrol, {"apply": "1", "walked_at": "2026-11-16T10:00", "checkpoints": "4F 机房"})
    assert late.status_code == 200 and PatrolRound.objects.filter(shift=shift).count() == 2
