"""/api/v1/residents/, /api/v1/exits/, /api/v1/renewals/: own records for residents, staff by permission."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from residents.models import ClearanceItem, Exit, ExitStatus, RenewalStatus
from residents.services import lifecycle as services
from tests.residents.factories import AgreementFactory, ResidentFactory
from tests.residents.support.lifecycle import AFTER_END, REMINDER_DAY, on_day

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
RESIDENTS, EXITS, RENEWALS = reverse("resident-list"), reverse("exit-list"), reverse("renewal-list")


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def _exit(resident) -> Exit:
    with on_day(TODAY):
        return services.exit_request_voluntary(resident=resident, exit_on=date(2026, 12, 15), actor=resident.user)


# --- /api/v1/residents/ ---------------------------------------------------------------------------------


def test_staff_list_residents_with_filters(api_for, member_a, member_b, daily_staff):
    with on_day(TODAY):
        ending = api_for(daily_staff).get(RESIDENTS, {"ending_before": "2027-03-31"}).json()["results"]
        none_ending = api_for(daily_staff).get(RESIDENTS, {"ending_before": "2027-03-30"}).json()["results"]
    with on_day(AFTER_END):
        services.exit_open_on_expiry(agreement=member_a.agreements.get(), today=AFTER_END)
        client = api_for(daily_staff)
        everyone = client.get(RESIDENTS).json()["results"]
        exiting = client.get(RESIDENTS, {"status": "exiting"}).json()["results"]
        in_grace = client.get(RESIDENTS, {"in_grace": "true"}).json()["results"]
        not_in_grace = client.get(RESIDENTS, {"in_grace": "false"}).json()["results"]
    assert {r["name"] for r in everyone} == {"张三", "欧阳娜娜"}
    assert [r["name"] for r in exiting] == [r["name"] for r in in_grace] == ["张三"]
    assert in_grace[0]["grace_ends_on"] == "2027-04-07" and in_grace[0]["exit_kind"] == "expiry"
    assert [r["name"] for r in not_in_grace] == ["欧阳娜娜"]
    assert len(ending) == 2 and none_ending == []


def test_a_bad_filter_value_is_a_400(api_for, daily_staff):
    response = api_for(daily_staff).get(RESIDENTS, {"ending_before": "not-a-date"})
    assert response.status_code == 400
    assert "ending_before" in response.json()


def test_a_resident_sees_only_its_own_record(api_for, member_a, member_b):
    client = api_for(member_a.user)
    listed = client.get(RESIDENTS).json()["results"]
    assert [r["id"] for r in listed] == [member_a.pk]
    assert "id_number" not in listed[0]
    assert client.get(reverse("resident-detail", args=[member_b.pk])).status_code == 404
    assert client.get(reverse("resident-detail", args=[member_a.pk])).status_code == 200


def test_the_resident_list_has_a_fixed_number_of_queries(api_for, member_a, daily_staff):
    client = api_for(daily_staff)
    client.get(RESIDENTS)
    with CaptureQueriesContext(connection) as one:
        client.get(RESIDENTS)
    for _ in range(5):
        AgreementFactory(resident=ResidentFactory())
    with CaptureQueriesContext(connection) as six:
        response = client.get(RESIDENTS)
    assert response.json()["count"] == 6
    assert len(six) == len(one)


def test_anonymous_and_outsiders_are_refused(client, api_for, outsider):
    for url in (RESIDENTS, EXITS, RENEWALS):
        assert client.get(url).status_code in (401, 403)
        assert api_for(outsider).get(url).status_code == 403


# --- /api/v1/exits/ ------------------------------------------------------------------------------------------


def test_a_resident_applies_for_a_voluntary_exit(api_for, member_a):
    with on_day(TODAY):
        response = api_for(member_a.user).post(EXITS, {"exit_on": "2026-12-11", "reason": "业务调整"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["exit_on"]) == ("voluntary", "requested", "2026-12-11")
    assert body["clearances"] == []


def test_too_little_notice_is_a_400_naming_the_field_and_the_earliest_date(api_for, member_a):
    with on_day(TODAY):
        client = api_for(member_a.user)
        short = client.post(EXITS, {"exit_on": "2026-12-10"}, format="json")
        missing = client.post(EXITS, {}, format="json")
    assert short.status_code == 400
    assert short.json()["field"] == "exit_on"
    assert "2026年12月11日" in short.json()["detail"] and "第三章第四条" in short.json()["detail"]
    assert missing.status_code == 400 and "exit_on" in missing.json()
    assert not Exit.objects.exists()


def test_resident_b_gets_404_on_resident_as_exit(api_for, member_a, member_b):
    exit = _exit(member_a)
    client = api_for(member_b.user)
    assert client.get(reverse("exit-detail", args=[exit.pk])).status_code == 404
    assert client.post(reverse("exit-withdraw", args=[exit.pk])).status_code == 404
    assert client.get(EXITS).json()["results"] == []
    exit.refresh_from_db()
    assert exit.status == ExitStatus.REQUESTED


def test_the_daily_team_confirms_and_clears(api_for, member_a, daily_staff):
    exit = _exit(member_a)
    with on_day(TODAY):
        client = api_for(daily_staff)
        confirmed = client.post(reverse("exit-confirm", args=[exit.pk]))
        cleared = client.post(reverse("exit-clear", args=[exit.pk]), {"item": "items_cleared", "note": "已清空"},
                              format="json")
        again = client.post(reverse("exit-clear", args=[exit.pk]), {"item": "items_cleared"}, format="json")
        bad = client.post(reverse("exit-clear", args=[exit.pk]), {"item": "nonsense"}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "scheduled"
    assert cleared.status_code == 200
    assert cleared.json()["clearances"][0]["item"] == ClearanceItem.ITEMS_CLEARED
    assert cleared.json()["clearances"][0]["cleared_by_name"] == "钱日常"
    assert again.status_code == 409
    assert bad.status_code == 400 and "item" in bad.json()


def test_who_may_act_on_exits(api_for, member_a, resources_staff, oversight):
    exit = _exit(member_a)
    for user in (resources_staff, oversight, member_a.user):
        assert api_for(user).post(reverse("exit-confirm", args=[exit.pk])).status_code == 403
    assert api_for(oversight).get(EXITS).status_code == 200
    # Staff do not apply for a resident's exit.
    assert api_for(resources_staff).post(EXITS, {"exit_on": "2026-12-20"}, format="json").status_code == 403


def test_cancel_needs_a_reason(api_for, member_a, daily_staff):
    exit = _exit(member_a)
    with on_day(TODAY):
        response = api_for(daily_staff).post(reverse("exit-cancel", args=[exit.pk]), {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()


def test_the_exit_list_has_a_fixed_number_of_queries(api_for, member_a, member_b, daily_staff):
    client = api_for(daily_staff)
    _exit(member_a)
    client.get(EXITS)
    with CaptureQueriesContext(connection) as one:
        client.get(EXITS)
    with on_day(TODAY):
        services.exit_request_voluntary(resident=member_b, exit_on=date(2026, 12, 20), actor=member_b.user)
        for _ in range(4):
            resident = AgreementFactory(resident=ResidentFactory()).resident
            services.exit_request_voluntary(resident=resident, exit_on=date(2026, 12, 20), actor=resident.user)
    with CaptureQueriesContext(connection) as six:
        response = client.get(EXITS)
    assert response.json()["count"] == 6
    assert len(six) == len(one)


# --- /api/v1/renewals/ ----------------------------------------------------------------------------------------


def test_the_renewal_flow_through_the_api(api_for, member_a, intake_staff, daily_staff):
    with on_day(REMINDER_DAY):
        resident = api_for(member_a.user)
        eligibility = resident.get(reverse("renewal-eligibility")).json()
        created = resident.post(RENEWALS, {"note": "继续入驻"}, format="json")
        renewal_id = created.json()["id"]
        staff = api_for(intake_staff)
        too_early = staff.post(reverse("renewal-approve", args=[renewal_id]))
        not_theirs = api_for(daily_staff).post(reverse("renewal-approve", args=[renewal_id]))
        staff.post(reverse("renewal-direction", args=[renewal_id]), {"fits": True}, format="json")
        approved = staff.post(reverse("renewal-approve", args=[renewal_id]))

    assert eligibility["can_request"] is True and eligibility["agreement_ends_on"] == "2027-03-31"
    assert [c["code"] for c in eligibility["conditions"]] == ["no_violation", "fees_on_time", "cooperation",
                                                              "direction_fit"]
    assert created.status_code == 201
    assert created.json()["conditions"][3]["met"] is None
    assert too_early.status_code == 400 and "第三章第三条" in too_early.json()["detail"]
    assert not_theirs.status_code == 403
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == RenewalStatus.APPROVED
    assert approved.json()["new_agreement_number"]


def test_a_renewal_request_before_the_window_is_a_400(api_for, member_a):
    with on_day(TODAY):
        response = api_for(member_a.user).post(RENEWALS, {}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "agreement" and "2027年3月1日" in response.json()["detail"]


def test_resident_b_gets_404_on_resident_as_renewal(api_for, member_a, member_b):
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=member_a, actor=member_a.user)
        client = api_for(member_b.user)
        assert client.get(reverse("renewal-detail", args=[renewal.pk])).status_code == 404
        assert client.post(reverse("renewal-withdraw", args=[renewal.pk])).status_code == 404
        assert client.get(RENEWALS).json()["results"] == []


def test_the_schema_documents_the_lifecycle_endpoints(api_for, administrator):
    schema = api_for(administrator).get(reverse("api-schema"), {"format": "json"}).json()
    for path in ("/api/v1/residents/", "/api/v1/exits/", "/api/v1/exits/{id}/clear/",
                 "/api/v1/renewals/", "/api/v1/renewals/{id}/approve/", "/api/v1/renewals/eligibility/"):
        assert path in schema["paths"], path
