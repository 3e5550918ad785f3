"""API of quarterly plans (/api/v1/scoring-plans/, /api/v1/scoring-plan-changes/): a resident's own only (another
resident's: 404), the administrator accepts, returns and decides changes; filters; fixed query counts."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from scoring.models import PlanChange, PlanChangeStatus, PlanStatus, QuarterPlan
from tests.scoring.support.inputs import (
    at,
    make_quarter,
    member,
    plan_numbers,
    sh,
    stored_plan,
)

pytestmark = pytest.mark.django_db
PLANS = "/api/v1/scoring-plans/"
CHANGES = "/api/v1/scoring-plan-changes/"
EARLY = sh(2026, 10, 9, 10)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def quarter():
    return make_quarter(number=4, due=date(2026, 12, 31))


def test_a_resident_files_submits_and_lists_only_its_own(quarter, resident_a, resident_b):
    me, other = member(resident_a, name="张三"), member(resident_b)
    theirs = stored_plan(quarter, other, status=PlanStatus.SUBMITTED)
    api = _api(me.user)
    with at(EARLY):
        created = api.post(PLANS, {"quarter": quarter.pk, **plan_numbers(planned=5)}, format="json")
        assert created.status_code == 201, created.json()
        submitted = api.post(f"{PLANS}{created.json()['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == PlanStatus.SUBMITTED
    assert submitted.json()["decision_due_on"] == "2026-10-13"
    listed = api.get(PLANS).json()
    assert [row["resident"]["id"] for row in listed["results"]] == [me.pk]
    assert api.get(f"{PLANS}{theirs.pk}/").status_code == 404
    for step in ("submit", "change", "accept", "return"):
        assert api.post(f"{PLANS}{theirs.pk}/{step}/", {}, format="json").status_code == 404


def test_bad_numbers_are_400_naming_the_field_and_a_late_plan_is_409(quarter, resident_a):
    api = _api(member(resident_a).user)
    with at(EARLY):
        negative = api.post(PLANS, {"quarter": quarter.pk, **plan_numbers(target="-1")}, format="json")
        missing = api.post(PLANS, {"quarter": quarter.pk, **plan_numbers(planned=None)}, format="json")
    with at(sh(2026, 10, 21, 0, 0)):
        late = api.post(PLANS, {"quarter": quarter.pk, **plan_numbers()}, format="json")
    assert (negative.status_code, negative.json()["field"]) == (400, "revenue_target")
    assert (missing.status_code, missing.json()["field"]) == (400, "milestones_planned")
    assert (late.status_code, late.json()["code"]) == (409, "plan_deadline_passed")
    assert not QuarterPlan.objects.exists()


def test_the_administrator_accepts_and_returns_others_only_read(quarter, resident_a, resident_b, administrator,
                                                                 daily_staff, oversight):
    plan = stored_plan(quarter, member(resident_a), status=PlanStatus.SUBMITTED)
    other = stored_plan(quarter, member(resident_b), status=PlanStatus.SUBMITTED)
    assert _api(daily_staff).get(PLANS).status_code == 403
    assert _api(oversight).get(PLANS).json()["count"] == 2
    assert _api(oversight).post(f"{PLANS}{plan.pk}/accept/").status_code == 403
    api = _api(administrator)
    assert api.post(f"{PLANS}{plan.pk}/accept/").json()["status"] == PlanStatus.ACCEPTED
    blank = api.post(f"{PLANS}{other.pk}/return/", {"reason": ""}, format="json")
    assert (blank.status_code, blank.json()["field"]) == (400, "reason")
    with at(EARLY):
        returned = api.post(f"{PLANS}{other.pk}/return/", {"reason": "请列出里程碑"}, format="json")
    assert returned.json()["status"] == PlanStatus.RETURNED and returned.json()["return_reason"] == "请列出里程碑"
    assert returned.json()["refile_due_on"] == "2026-10-20"
    assert api.post(f"{PLANS}{plan.pk}/accept/").status_code == 409  # already accepted
    assert api.post(PLANS, {"quarter": quarter.pk, **plan_numbers()}, format="json").status_code == 403


def test_changes_are_asked_by_the_resident_and_decided_by_the_administrator(quarter, resident_a, resident_b,
                                                                            administrator):
    me = member(resident_a)
    plan = stored_plan(quarter, me)
    api = _api(me.user)
    with at(sh(2026, 11, 2, 9)):
        asked = api.post(f"{PLANS}{plan.pk}/change/", {**plan_numbers(planned=3), "reason": "客户推迟"}, format="json")
        again = api.post(f"{PLANS}{plan.pk}/change/", {**plan_numbers(planned=2), "reason": "再改"}, format="json")
    assert asked.status_code == 201 and asked.json()["status"] == PlanChangeStatus.PENDING
    assert again.status_code == 409
    change_id = asked.json()["id"]
    other = _api(member(resident_b).user)
    assert other.get(f"{CHANGES}{change_id}/").status_code == 404
    assert other.get(CHANGES).json()["count"] == 0
    assert api.post(f"{CHANGES}{change_id}/approve/", {"reason": "同意"}, format="json").status_code == 403
    approved = _api(administrator).post(f"{CHANGES}{change_id}/approve/", {"reason": "有依据"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == PlanChangeStatus.APPROVED
    assert QuarterPlan.objects.get().milestones_planned == 3
    assert api.get(f"{PLANS}{plan.pk}/").json()["changes"][0]["answer"] == "有依据"


def test_staff_filter_by_quarter_status_resident_and_late_decisions(quarter, resident_a, resident_b, administrator):
    late = stored_plan(quarter, member(resident_a), status=PlanStatus.SUBMITTED, decision_due_on=date(2026, 10, 13))
    stored_plan(quarter, member(resident_b), status=PlanStatus.SUBMITTED, decision_due_on=date(2026, 10, 20))
    stored_plan(make_quarter(number=3), member(), status=PlanStatus.ACCEPTED)
    api = _api(administrator)
    with at(sh(2026, 10, 15, 9)):
        assert [r["id"] for r in api.get(PLANS, {"late": "true"}).json()["results"]] == [late.pk]
        assert api.get(PLANS, {"late": "false"}).json()["count"] == 2
    assert api.get(PLANS, {"quarter": quarter.pk}).json()["count"] == 2
    assert api.get(PLANS, {"status": "accepted"}).json()["count"] == 1
    assert api.get(PLANS, {"resident": late.resident_id}).json()["count"] == 1
    assert api.get(PLANS, {"status": "nonsense"}).status_code == 400


def test_the_lists_have_a_fixed_number_of_queries(quarter, administrator, django_assert_num_queries):
    api = _api(administrator)

    def add() -> None:
        plan = stored_plan(quarter, member())
        PlanChange.objects.create(plan=plan, milestones_planned=1, revenue_target=1, previous_milestones_planned=4,
                                  previous_revenue_target=1, reason="x", requested_by=administrator,
                                  requested_at=sh(2026, 11, 2, 9), answer_due_on=date(2026, 11, 5))

    add()
    api.get(PLANS)
    with django_assert_num_queries(LIST_QUERIES[PLANS]):
        api.get(PLANS)
    with django_assert_num_queries(LIST_QUERIES[CHANGES]):
        api.get(CHANGES)
    for _ in range(4):
        add()
    with django_assert_num_queries(LIST_QUERIES[PLANS]):
        assert api.get(PLANS).json()["count"] == 5
    with django_assert_num_queries(LIST_QUERIES[CHANGES]):
        assert api.get(CHANGES).json()["count"] == 5


#: plans: count, page (quarter, resident and decider joined), the changes prefetched; changes: count, page
LIST_QUERIES = {PLANS: 3, CHANGES: 2}
