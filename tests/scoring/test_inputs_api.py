"""API of quarterly inputs (/api/v1/scoring-inputs/): a resident's own only, staff verify and correct."""

import pytest
from rest_framework.test import APIClient

from scoring.models import InputStatus, QuarterInput
from tests.scoring.support.inputs import (
    DURING,
    at,
    make_quarter,
    member,
    numbers,
    stored_input,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/scoring-inputs/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def quarter():
    return make_quarter()


def test_a_resident_saves_submits_and_lists_only_its_own(quarter, resident_a, resident_b):
    me, other = member(resident_a, name="张三"), member(resident_b)
    stored_input(quarter, other)
    api = _api(me.user)
    with at(DURING):
        created = api.post(URL, {"quarter": quarter.pk, **numbers(done=5)}, format="json")
        assert created.status_code == 201, created.json()
        submitted = api.post(f"{URL}{created.json()['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == InputStatus.SUBMITTED
    listed = api.get(URL).json()
    assert [row["resident"]["id"] for row in listed["results"]] == [me.pk]
    theirs = QuarterInput.objects.get(resident=other)
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.post(f"{URL}{theirs.pk}/submit/").status_code == 404


def test_negative_numbers_and_a_missing_value_are_400_naming_the_field(quarter, resident_a):
    api = _api(member(resident_a).user)
    with at(DURING):
        negative = api.post(URL, {"quarter": quarter.pk, **numbers(revenue="-1")}, format="json")
        missing = api.post(URL, {"quarter": quarter.pk, **numbers(done=None)}, format="json")
    assert (negative.status_code, negative.json()["field"]) == (400, "revenue")
    assert (missing.status_code, missing.json()["field"]) == (400, "milestones_done")
    assert not QuarterInput.objects.exists()


def test_staff_list_verify_and_correct(quarter, resident_a, administrator, daily_staff, oversight):
    data = stored_input(quarter, member(resident_a))
    assert _api(daily_staff).get(URL).status_code == 403
    assert _api(oversight).get(URL).json()["count"] == 1
    assert _api(oversight).post(f"{URL}{data.pk}/verify/").status_code == 403
    api = _api(administrator)
    assert api.post(f"{URL}{data.pk}/verify/").json()["status"] == InputStatus.VERIFIED
    refused = api.post(f"{URL}{data.pk}/correct/", {"reason": "", "revenue": "5"}, format="json")
    assert (refused.status_code, refused.json()["field"]) == (400, "reason")
    corrected = api.post(f"{URL}{data.pk}/correct/", {"reason": "按报表更正", "revenue": "5"}, format="json")
    assert corrected.status_code == 200 and corrected.json()["revenue"] == "5.00"
    assert corrected.json()["revenue_rejected"] is False  # not named: left as it was
    rejected = api.post(f"{URL}{data.pk}/correct/", {"reason": "无财务报表", "rejected_results": ["revenue"]},
                        format="json")
    assert (rejected.json()["revenue_rejected"], rejected.json()["completion_rejected"]) == (True, False)
    unknown = api.post(f"{URL}{data.pk}/correct/", {"reason": "x", "rejected_results": ["awards"]}, format="json")
    assert unknown.status_code == 400 and "rejected_results" in unknown.json()
    assert _api(administrator).post(URL, {"quarter": quarter.pk, **numbers()}, format="json").status_code == 403


def test_the_list_has_a_fixed_number_of_queries(quarter, administrator, django_assert_num_queries):
    api = _api(administrator)
    stored_input(quarter, member())
    api.get(URL)
    with django_assert_num_queries(LIST_QUERIES):
        api.get(URL)
    for _ in range(4):
        stored_input(quarter, member())
    with django_assert_num_queries(LIST_QUERIES):
        assert api.get(URL).json()["count"] == 5


#: count, page (with quarter and resident), then awards, contributions and evidence prefetched
LIST_QUERIES = 5
