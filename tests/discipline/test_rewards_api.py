"""/api/v1/rewards/ and /api/v1/volunteer-services/: residents see their own, staff all (第八章第一条)."""
# ruff: noqa: F811 - pytest fixtures imported from support.rewards are parameters here

from datetime import date

import pytest
from rest_framework.test import APIClient

from discipline.models import RewardChoice, VolunteerService
from discipline.services import rewards as services
from tests.discipline.support.rewards import (  # noqa: F401
    TODAY,
    check_in,
    eligible,
    member_a,
    member_b,
    today,
)

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def reward(today, member_a, administrator):
    eligible(member_a, administrator)
    return services.reward_propose_compliance(resident=member_a, year=2026, actor=administrator)


def test_a_resident_lists_its_own_rewards_and_services(reward, resident_a, resident_b, member_b):
    body = api(resident_a).get("/api/v1/rewards/").json()
    assert [r["id"] for r in body["results"]] == [reward.pk] and "resident" not in body["results"][0]
    assert len(api(resident_a).get("/api/v1/volunteer-services/").json()["results"]) == 8
    assert api(resident_b).get("/api/v1/rewards/").json()["results"] == []
    assert api(resident_b).get(f"/api/v1/rewards/{reward.pk}/").status_code == 404
    assert api(resident_b).post(f"/api/v1/rewards/{reward.pk}/choose/", {"choice": "voucher_subsidy"}).status_code == 404


def test_the_resident_chooses_through_the_api(reward, resident_a):
    response = api(resident_a).post(f"/api/v1/rewards/{reward.pk}/choose/", {"choice": RewardChoice.ROADSHOW_CREDITS})
    assert response.status_code == 200 and response.json()["choice"] == RewardChoice.ROADSHOW_CREDITS
    refused = api(resident_a).post(f"/api/v1/rewards/{reward.pk}/choose/", {"choice": "cash"})
    assert refused.status_code == 400


def test_staff_list_all_with_filters(reward, administrator, oversight, member_b):
    body = api(administrator).get("/api/v1/rewards/", {"kind": "compliance", "year": 2026}).json()
    assert [r["resident"]["id"] for r in body["results"]] == [reward.resident_id]
    assert api(oversight).get("/api/v1/rewards/", {"grant_overdue": "true"}).json()["results"] == []
    services_body = api(administrator).get("/api/v1/volunteer-services/", {"year": 2026}).json()
    assert services_body["count"] == 8
    assert api(administrator).get("/api/v1/volunteer-services/", {"year": 2025}).json()["count"] == 0


def test_who_may_not(client, reward, daily_staff, outsider, oversight):
    assert api().get("/api/v1/rewards/").status_code in (401, 403)
    assert api(daily_staff).get("/api/v1/rewards/").status_code == 403
    assert api(outsider).get("/api/v1/volunteer-services/").status_code == 403
    assert api(oversight).post(f"/api/v1/rewards/{reward.pk}/choose/", {"choice": "voucher_subsidy"}).status_code == 403


def test_staff_record_a_volunteer_service(today, member_a, administrator, resident_a, oversight):
    check_in(member_a, date(2026, 1, 5))
    data = {"resident": member_a.pk, "served_on": "2026-10-10", "activity": "创业沙龙签到", "hours": "1.5"}
    response = api(administrator).post("/api/v1/volunteer-services/", data)
    assert response.status_code == 201 and response.json()["resident"]["id"] == member_a.pk
    assert api(resident_a).post("/api/v1/volunteer-services/", data).status_code == 403
    assert api(oversight).post("/api/v1/volunteer-services/", data).status_code == 403
    future = api(administrator).post("/api/v1/volunteer-services/", {**data, "served_on": "2026-10-13"})
    assert future.status_code == 400 and future.json()["field"] == "served_on"
    assert VolunteerService.objects.count() == 1
