"""Safety services (第七章): inspections with defects opening work items closed with evidence, the idempotent
daily flag job, incidents reported by anyone, triaged with a deadline, serious ones told to the administrator
and closed only after the report to the authorities."""

from datetime import date, timedelta

import pytest
import time_machine

from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.portal.models import Notification
from spaces.models import EquipmentStatus, Incident, IncidentAction, Inspection, SafetyWorkItem
from spaces.services import safety as services
from spaces.tasks import flag_safety_due
from tests.spaces.support.desks import use_private_storage
from tests.spaces.support.safety import NOW, TODAY, FireEquipmentFactory, IncidentFactory, photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    use_private_storage(settings, tmp_path)


def _equipment_counts(counts):
    """The job's counts of fire equipment (it also counts supplies and patrols: test_safety_emergency_services)."""
    return {key: counts[key] for key in ("overdue", "expiring", "expired")}


# --- Inspections and work items ------------------------------------------------------------------------


def test_a_pass_moves_the_last_inspection_day(daily_staff):
    item = FireEquipmentFactory(last_inspected_on=date(2026, 10, 10))
    services.inspection_record(equipment=item, result="pass", actor=daily_staff)
    item.refresh_from_db()
    assert item.last_inspected_on == TODAY and item.status == EquipmentStatus.IN_SERVICE


def test_an_item_is_inspected_once_per_round(daily_staff):
    item = FireEquipmentFactory()
    services.inspection_record(equipment=item, result="pass", actor=daily_staff)
    with pytest.raises(DomainError) as refusal:
        services.inspection_record(equipment=item, result="pass", actor=daily_staff)
    assert refusal.value.code == "done"


def test_a_defect_needs_a_photo_and_a_note(daily_staff):
    item = FireEquipmentFactory()
    with pytest.raises(DomainError) as refusal:
        services.inspection_record(equipment=item, result="defect", note="压力不足", actor=daily_staff)
    assert refusal.value.field == "photo"
    with pytest.raises(DomainError) as refusal:
        services.inspection_record(equipment=item, result="defect", photo=photo(), actor=daily_staff)
    assert refusal.value.field == "note"


def test_a_defect_opens_a_work_item_closed_only_with_evidence(daily_staff, administrator):
    item = FireEquipmentFactory(code="XF-101")
    inspection = services.inspection_record(equipment=item, result="defect", note="压力表指针在红区",
                                            photo=photo(), actor=daily_staff)
    work = SafetyWorkItem.objects.get(inspection=inspection)
    item.refresh_from_db()
    assert item.status == EquipmentStatus.DEFECTIVE and inspection.photo_type == "image/jpeg"
    assert Notification.objects.filter(kind="spaces.safety_defect").count() == 2  # daily + administrator

    with pytest.raises(DomainError) as refusal:
        services.work_item_close(item=work, note="已更换", evidence=None, actor=daily_staff)
    assert refusal.value.field == "evidence"
    services.work_item_close(item=work, note="已更换灭火器", evidence=photo("fixed.jpg"), actor=daily_staff)
    work.refresh_from_db()
    item.refresh_from_db()
    assert work.status == "closed" and work.evidence and item.status == EquipmentStatus.IN_SERVICE
    with pytest.raises(DomainError):
        services.work_item_close(item=work, note="again", evidence=photo(), actor=daily_staff)


def test_residents_and_other_teams_do_not_inspect(resident_a, resources_staff):
    item = FireEquipmentFactory()
    for actor in (resident_a, resources_staff):
        with pytest.raises(DomainError) as refusal:
            services.inspection_record(equipment=item, result="pass", actor=actor)
        assert refusal.value.code == "not_allowed"
    assert not Inspection.objects.exists()


# --- The daily job ----------------------------------------------------------------------------------------


def test_the_daily_job_flags_overdue_and_expiring_items_once(daily_staff):
    FireEquipmentFactory(code="OK-1")  # inspected 1 Nov: due 1 Dec
    FireEquipmentFactory(code="LATE-1", last_inspected_on=date(2026, 10, 16))  # due 15 Nov: overdue
    FireEquipmentFactory(code="DUE-1", last_inspected_on=date(2026, 10, 17))  # due today: not yet
    FireEquipmentFactory(code="EXP-1", expires_on=TODAY + timedelta(days=30))
    FireEquipmentFactory(code="GONE-1", expires_on=TODAY, status="retired", last_inspected_on=date(2026, 1, 1))

    assert _equipment_counts(flag_safety_due()) == {"overdue": 1, "expiring": 1, "expired": 0}
    titles = sorted(Notification.objects.values_list("title", flat=True))
    assert len(titles) == 2 and any("LATE-1" in t for t in titles) and any("EXP-1" in t for t in titles)
    assert _equipment_counts(flag_safety_due()) == {"overdue": 0, "expiring": 0, "expired": 0}
    assert Notification.objects.count() == 2


# --- Incidents -------------------------------------------------------------------------------------------


def report(actor, **kwargs):
    values = {"category": "hazard", "place": "3F 安全出口", "occurred_at": NOW - timedelta(minutes=5),
              "description": "安全出口被纸箱堵住", **kwargs}
    return services.incident_report(actor=actor, **values)


def test_anyone_logged_in_reports_and_the_team_is_told(resident_a, outsider, daily_staff):
    first = report(resident_a, photo=photo())
    second = report(outsider, category="network_anomaly", place="共享办公区 Wi-Fi")
    assert (first.number, second.number) == ("安〔2026〕0001号", "安〔2026〕0002号")
    assert first.photo_type == "image/jpeg" and first.status == "reported"
    assert Notification.objects.filter(recipient=daily_staff, kind="spaces.incident_reported").count() == 2


def test_a_report_needs_place_description_and_a_past_time(resident_a):
    with pytest.raises(DomainError) as refusal:
        report(resident_a, place=" ")
    assert refusal.value.field == "place"
    with pytest.raises(DomainError) as refusal:
        report(resident_a, occurred_at=NOW + timedelta(hours=1))
    assert refusal.value.field == "occurred_at"


def test_triage_sets_the_deadline_by_severity(daily_staff, resident_a):
    incident = services.incident_triage(incident=report(resident_a), severity="major", actor=daily_staff)
    assert incident.status == "in_progress" and incident.respond_by == NOW + timedelta(hours=4)
    assert IncidentAction.objects.filter(incident=incident).count() == 1
    assert not Notification.objects.filter(kind="spaces.incident_serious").exists()
    with pytest.raises(InvalidTransition):
        services.incident_triage(incident=incident, severity="general", actor=daily_staff)


def test_a_serious_incident_tells_the_administrator_and_closes_after_the_authority_report(
    daily_staff, administrator, resident_a
):
    incident = services.incident_triage(incident=report(resident_a, category="fight"), severity="serious",
                                        actor=daily_staff)
    assert Notification.objects.filter(recipient=administrator, kind="spaces.incident_serious").count() == 1
    with pytest.raises(DomainError) as refusal:
        services.incident_close(incident=incident, outcome="双方已离开", actor=daily_staff)
    assert refusal.value.code == "not_reported"
    services.incident_report_to_authorities(incident=incident, authority="南沙派出所",
                                            reported_at=NOW, actor=daily_staff)
    incident = services.incident_close(incident=incident, outcome="派出所已处理", actor=daily_staff)
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.authorities_told == "南沙派出所"
    assert incident.authorities_told_by == daily_staff
    assert Notification.objects.filter(recipient=resident_a, kind="spaces.incident_closed").exists()
    with pytest.raises(DomainError):
        services.incident_add_action(incident=incident, text="more", actor=daily_staff)


def test_only_safety_staff_triage(resident_a, resources_staff):
    incident = IncidentFactory(reported_by=resident_a)
    with pytest.raises(DomainError):
        services.incident_triage(incident=incident, severity="general", actor=resources_staff)
    assert Incident.objects.get(pk=incident.pk).status == "reported"
