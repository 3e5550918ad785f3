"""/api/v1/cases/ and /api/v1/appeals/: residents read their own cases and appeal them; staff list, filter
and move cases through POST steps; 400 with the Chinese message, 403 for the wrong role, 404 for
another resident's case, 409 for a step the status does not allow."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from discipline.models import Appeal, CaseStatus, PenaltyMeasure, ViolationCase
from tests.discipline.support.cases import (
    TODAY,
    evidence,
    on_day,
    open_case,
    pdf_upload,
    to_notice,
    to_published,
)

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
APPEALS = "/api/v1/appeals/"


@pytest.fixture
def clock():
    with on_day(TODAY, hour=11):
        yield


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused(clock):
    assert APIClient().get(CASES).status_code in (401, 403)
    assert APIClient().get(APPEALS).status_code in (401, 403)


def test_resident_reads_only_its_own_cases(clock, member_a, member_b, daily_staff, administrator):
    mine = open_case(member_a, daily_staff, kind="2b")
    to_published(mine, daily_staff, administrator)
    theirs = open_case(member_b, daily_staff, kind="2b")
    response = api(member_a.user).get(CASES)
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [mine.number]
    row = response.json()["results"][0]
    assert row["status"] == "published" and row["can_appeal"] is True
    assert row["rule_text"].endswith("（第八章第二条）")
    assert row["next_step"] == "罚款 ¥50.00"
    assert row["measures"][0]["text"] == "警告"
    assert row["notice"]["pdf_url"].endswith(f"/portal/discipline/cases/{mine.pk}/notice.pdf")
    assert "resident" not in row  # staff fields stay staff's
    assert api(member_a.user).get(f"{CASES}{theirs.pk}/").status_code == 404


def test_resident_cannot_move_cases(clock, member_a, daily_staff):
    case = open_case(member_a, daily_staff)
    client = api(member_a.user)
    assert client.post(f"{CASES}{case.pk}/verify/").status_code == 403
    assert client.post(CASES, {}, format="json").status_code == 403


def test_staff_open_verify_notice_decide_publish(clock, member_a, daily_staff, administrator):
    staff = api(administrator)
    response = staff.post(CASES, {"resident": member_a.pk, "kind": "6a", "occurred_on": "2026-10-11",
                                  "facts": "在工位私拉电线。"}, format="json")
    assert response.status_code == 201, response.json()
    case_id = response.json()["id"]
    assert response.json()["resident"] == {"id": member_a.pk, "name": "张三"}

    response = staff.post(f"{CASES}{case_id}/verify/", {"evidence": [evidence()]}, format="multipart")
    assert response.status_code == 200 and response.json()["status"] == "verified"
    response = staff.post(f"{CASES}{case_id}/notice/", {"requirement": "立即拆除私拉电线。"}, format="json")
    assert response.json()["notice"]["deadline"] == "2026-10-19"

    # 6a: warning + rectification + fine 200–500 (index 2)
    response = staff.post(f"{CASES}{case_id}/decide/", {"amounts": {"2": "600.00"}}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "amounts.2" and "¥200.00" in response.json()["detail"]
    assert not PenaltyMeasure.objects.exists()
    response = staff.post(f"{CASES}{case_id}/decide/", {"amounts": {"2": "300.00"}}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "decided"
    assert [m["text"] for m in response.json()["measures"]] == ["警告", "责令整改", "罚款 ¥300.00"]

    response = staff.post(f"{CASES}{case_id}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert staff.post(f"{CASES}{case_id}/publish/").status_code == 409


def test_daily_team_cannot_decide_and_oversight_only_reads(clock, member_a, daily_staff, administrator, oversight):
    case = open_case(member_a, daily_staff)
    to_notice(case, daily_staff)
    assert api(oversight).get(CASES).status_code == 200
    assert api(oversight).post(f"{CASES}{case.pk}/dismiss/", {"reason": "x"}, format="json").status_code == 403
    assert api(daily_staff).get(CASES).status_code in (200, 403)  # per the roles matrix
    assert api(daily_staff).post(f"{CASES}{case.pk}/decide/", {}, format="json").status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_ISSUED


def test_wrong_state_is_409(clock, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    assert api(administrator).post(f"{CASES}{case.pk}/decide/", {}, format="json").status_code == 409
    assert api(administrator).post(f"{CASES}{case.pk}/rectified/", {}, format="json").status_code == 409


def test_staff_filters(clock, member_a, member_b, daily_staff, administrator):
    first = open_case(member_a, daily_staff, kind="2b")
    to_notice(first, daily_staff, deadline=TODAY)
    open_case(member_b, daily_staff, kind="5b", facts="争吵")
    staff = api(administrator)
    assert [r["number"] for r in staff.get(CASES, {"kind": "2b"}).json()["results"]] == [first.number]
    assert [r["number"] for r in staff.get(CASES, {"resident": member_b.pk}).json()["results"]] != [first.number]
    assert staff.get(CASES, {"status": "notice_issued"}).json()["count"] == 1
    assert staff.get(CASES, {"behind": "true"}).json()["count"] == 0
    with on_day(TODAY + timedelta(days=1)):
        assert [r["number"] for r in staff.get(CASES, {"behind": "true"}).json()["results"]] == [first.number]


def test_resident_appeals_its_own_case_and_lists_its_appeals(clock, member_a, member_b, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    to_published(case, daily_staff, administrator)
    response = api(member_b.user).post(APPEALS, {"case": case.pk, "reason": "不是我"}, format="multipart")
    assert response.status_code == 404
    response = api(member_a.user).post(APPEALS, {"case": case.pk, "reason": "当天不在社区。",
                                                 "evidence": [pdf_upload()]}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending"
    assert api(member_a.user).post(APPEALS, {"case": case.pk, "reason": "再次"}, format="multipart").status_code == 409
    assert api(member_a.user).get(APPEALS).json()["count"] == 1
    assert api(member_b.user).get(APPEALS).json()["count"] == 0
    assert api(member_b.user).get(f"{APPEALS}{Appeal.objects.get().pk}/").status_code == 404


def test_appeal_after_the_window_is_400_with_its_end(member_a, daily_staff, administrator):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff)
        to_published(case, daily_staff, administrator)
    with on_day(date(2026, 10, 16)):
        response = api(member_a.user).post(APPEALS, {"case": case.pk, "reason": "理由"}, format="multipart")
    assert response.status_code == 400 and "2026年10月15日" in response.json()["detail"]
    assert not Appeal.objects.exists()


def test_administrator_answers_an_appeal(clock, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    to_published(case, daily_staff, administrator)
    api(member_a.user).post(APPEALS, {"case": case.pk, "reason": "理由"}, format="multipart")
    appeal_id = Appeal.objects.get().pk
    assert api(daily_staff).post(f"{APPEALS}{appeal_id}/decide/", {"upheld": True, "answer": "x"},
                                 format="json").status_code == 403
    response = api(administrator).post(f"{APPEALS}{appeal_id}/decide/", {"upheld": True, "answer": "成立。"},
                                       format="json")
    assert response.status_code == 200 and response.json()["status"] == "upheld"
    assert ViolationCase.objects.get().status == CaseStatus.ANNULLED


def test_in_the_openapi_schema(openapi_schema):
    schema = openapi_schema
    for path in ("/api/v1/cases/", "/api/v1/cases/{id}/decide/", "/api/v1/appeals/", "/api/v1/appeals/{id}/decide/"):
        assert path in schema["paths"], path


@pytest.mark.parametrize("n", [1, 5])
def test_resident_list_query_count_is_fixed(member_a, daily_staff, administrator, django_assert_num_queries, n):
    with on_day(TODAY, hour=11):
        for i in range(n):
            case = open_case(member_a, daily_staff, occurred_on=TODAY - timedelta(days=i))
            to_published(case, daily_staff, administrator)
        client = api(member_a.user)
        client.get(CASES)
        # resident_of, count, cases, measures, appeals, publications, rulebook versions (calendar: held)
        with django_assert_num_queries(7):
            assert client.get(CASES).status_code == 200
