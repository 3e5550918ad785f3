"""Scenario matchmaking and policy help pages and API (第五章第二条): the resident's pages in Chinese, another
resident's proposal and help request out of reach (page and API), the staff desk (funnel, quarterly report
with chart and Excel, step and help actions, overdue flag), fixed query counts on every list."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from resources.models import (
    HelpStatus,
    InterestStatus,
    MatchStep,
    PolicyHelpRequest,
    ScenarioInterest,
)
from resources.services import policies, scenarios
from tests.resources.factories import PartnerFactory, PolicyFactory, ScenarioFactory
from tests.resources.support import at, member, sh

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def interest_of(resident, scenario=None, proposal="我们做过类似项目。"):
    return scenarios.interest_submit(scenario=scenario or ScenarioFactory(), resident=resident, proposal=proposal,
                                     actor=resident.user)


# --- The resident's pages -----------------------------------------------------------------------------------


def test_express_interest_and_change_it_in_the_portal(member_a, client_for):
    scenario = ScenarioFactory()
    client = client_for(member_a.user)
    page = client.get(reverse("resources:scenario_list"))
    assert page.status_code == 200 and "工厂质检视觉模型" in page.content.decode()
    assert "王经理" not in page.content.decode()
    url = reverse("resources:scenario_detail", args=[scenario.pk])
    assert client.post(url, {"proposal": "第一版方案"}).status_code == 302
    assert client.post(url, {"proposal": "第二版方案"}).status_code == 302
    assert ScenarioInterest.objects.get(resident=member_a).proposal == "第二版方案"
    page = client.get(url)
    assert "修改" in page.content.decode() or "第二版方案" in page.content.decode()


def test_an_empty_proposal_is_refused_in_chinese(member_a, client_for):
    scenario = ScenarioFactory()
    response = client_for(member_a.user).post(reverse("resources:scenario_detail", args=[scenario.pk]),
                                              {"proposal": " "})
    assert response.status_code == 400
    assert not ScenarioInterest.objects.exists()


def test_my_matchmaking_shows_steps_and_help_progress(member_a, resources_staff, client_for):
    interest = interest_of(member_a)
    scenarios.step_record(interest=interest, kind="outcome", outcome="funded", amount="500000",
                          happened_on=date(2026, 10, 12), actor=resources_staff)
    request = policies.help_request(policy=PolicyFactory(), resident=member_a, question="帮我看材料",
                                    actor=member_a.user)
    policies.help_accept(request=request, actor=resources_staff)
    page = client_for(member_a.user).get(reverse("resources:my_matchmaking"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "500000.00" in text and "南沙区一人公司创业补贴" in text and "赵资源" in text


def test_policy_page_follow_and_ask_for_help(member_a, client_for):
    policy = PolicyFactory()
    client = client_for(member_a.user)
    assert client.get(reverse("resources:policy_list")).status_code == 200
    assert client.get(reverse("resources:policy_detail", args=[policy.pk])).status_code == 200
    assert client.post(reverse("resources:policy_follow", args=[policy.pk])).status_code == 302
    assert policy.interests.filter(resident=member_a).exists()
    assert client.post(reverse("resources:policy_follow", args=[policy.pk]), {"follow": "0"}).status_code == 302
    assert not policy.interests.exists()
    response = client.post(reverse("resources:policy_detail", args=[policy.pk]), {"question": "能否协助申报？"})
    assert response.status_code == 302
    assert PolicyHelpRequest.objects.get(resident=member_a).status == HelpStatus.REQUESTED


def test_a_resident_cannot_see_or_touch_another_residents_proposal_or_request(member_a, member_b, client_for):
    theirs = interest_of(member_b, proposal="欧阳的保密方案")
    their_request = policies.help_request(policy=PolicyFactory(), resident=member_b, question="欧阳的问题",
                                          actor=member_b.user)
    client = client_for(member_a.user)
    for url in (reverse("resources:my_matchmaking"), reverse("resources:scenario_detail", args=[theirs.scenario_id]),
                reverse("resources:policy_detail", args=[their_request.policy_id])):
        text = client.get(url).content.decode()
        assert "欧阳的保密方案" not in text and "欧阳的问题" not in text
    assert client.post(reverse("resources:interest_withdraw", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("resources:help_withdraw", args=[their_request.pk])).status_code == 404
    api = _api(member_a.user)
    assert api.get(f"/api/v1/scenario-interests/{theirs.pk}/").status_code == 404
    assert api.get("/api/v1/scenario-interests/").json()["count"] == 0
    assert api.patch(f"/api/v1/scenario-interests/{theirs.pk}/", {"proposal": "x"}, format="json").status_code == 404
    assert api.get(f"/api/v1/policy-help-requests/{their_request.pk}/").status_code == 404
    assert api.get("/api/v1/policy-help-requests/").json()["count"] == 0
    assert ScenarioInterest.objects.get(pk=theirs.pk).status == InterestStatus.SUBMITTED


def test_pages_take_a_fixed_number_of_queries(member_a, resources_staff, client_for, django_assert_max_num_queries):
    for index in range(4):
        scenario = ScenarioFactory(title=f"场景{index}")
        interest = interest_of(member_a, scenario)
        scenarios.step_record(interest=interest, kind="meeting", happened_on=date(2026, 10, 12),
                              actor=resources_staff)
        policy = PolicyFactory(title=f"政策{index}")
        policies.help_request(policy=policy, resident=member_a, question="x", actor=member_a.user)
    client = client_for(member_a.user)
    for name in ("resources:scenario_list", "resources:policy_list", "resources:my_matchmaking"):
        client.get(reverse(name))
        with django_assert_max_num_queries(20):
            assert client.get(reverse(name)).status_code == 200


# --- The API ---------------------------------------------------------------------------------------------------


def test_api_express_interest_and_staff_record_a_step(member_a, resources_staff):
    scenario = ScenarioFactory()
    created = _api(member_a.user).post("/api/v1/scenario-interests/", {"scenario": scenario.pk, "proposal": "方案"},
                                       format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    refused = _api(member_a.user).post(f"/api/v1/scenario-interests/{pk}/steps/",
                                       {"kind": "meeting", "happened_on": "2026-10-12"}, format="json")
    assert refused.status_code == 403
    step = _api(resources_staff).post(f"/api/v1/scenario-interests/{pk}/steps/",
                                      {"kind": "outcome", "outcome": "funded", "happened_on": "2026-10-12"},
                                      format="json")
    assert step.status_code == 400 and step.json()["field"] == "amount"
    assert not MatchStep.objects.exists()


def test_api_scenarios_never_show_the_contact_person(member_a):
    ScenarioFactory(partner=PartnerFactory(name="某银行", kind="bank"))
    data = _api(member_a.user).get("/api/v1/scenarios/?partner_kind=bank").json()
    assert data["count"] == 1 and "王经理" not in str(data) and "13800138000" not in str(data)


def test_api_help_request_and_overdue_filter(member_a, resources_staff):
    policy = PolicyFactory()
    created = _api(member_a.user).post("/api/v1/policy-help-requests/", {"policy": policy.pk, "question": "帮忙"},
                                       format="json")
    assert created.status_code == 201 and created.json()["sla"] == "pending"
    with at(sh(2026, 10, 15, 9, 0)):
        data = _api(resources_staff).get("/api/v1/policy-help-requests/?overdue=true").json()
        assert data["count"] == 1
    accepted = _api(resources_staff).post(f"/api/v1/policy-help-requests/{created.json()['id']}/accept/", {},
                                          format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


@pytest.mark.parametrize("url", ["/api/v1/scenarios/", "/api/v1/scenario-interests/", "/api/v1/policies/",
                                 "/api/v1/policy-help-requests/"])
def test_api_lists_take_a_fixed_number_of_queries(url, resources_staff, django_assert_max_num_queries):
    for index in range(4):
        resident = member(name=f"居民{index}")
        interest = interest_of(resident, ScenarioFactory(title=f"场景{index}"))
        scenarios.step_record(interest=interest, kind="meeting", happened_on=date(2026, 10, 12),
                              actor=resources_staff)
        policies.help_request(policy=PolicyFactory(title=f"政策{index}"), resident=resident, question="x",
                              actor=resident.user)
    with django_assert_max_num_queries(8):
        response = _api(resources_staff).get(url)
    assert response.status_code == 200 and response.json()["count"] >= 4


# --- The staff desk ---------------------------------------------------------------------------------------------


def test_scenario_changelist_shows_the_funnel(member_a, member_b, resources_staff, client_for,
                                              django_assert_max_num_queries):
    scenario = ScenarioFactory()
    interest = interest_of(member_a, scenario)
    interest_of(member_b, scenario)
    scenarios.step_record(interest=interest, kind="introduction", happened_on=date(2026, 10, 12),
                          actor=resources_staff)
    client = client_for(resources_staff)
    client.get(reverse("admin:resources_scenario_changelist"))
    with django_assert_max_num_queries(25):
        page = client.get(reverse("admin:resources_scenario_changelist"))
    assert page.status_code == 200


def test_quarterly_report_and_export(member_a, resources_staff, client_for):
    interest = interest_of(member_a, ScenarioFactory(kind="financing"))
    scenarios.step_record(interest=interest, kind="outcome", outcome="funded", amount="300000",
                          happened_on=date(2026, 10, 12), actor=resources_staff)
    client = client_for(resources_staff)
    page = client.get(reverse("admin:resources_scenario_report") + "?quarter=2026Q4")
    text = page.content.decode()
    assert page.status_code == 200 and 'id="outcomes-chart-title"' in text and "300000.00" in text
    export = client.get(reverse("admin:resources_scenario_report_export") + "?quarter=2026Q4")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_step_action_records_the_outcome(member_a, resources_staff, client_for):
    interest = interest_of(member_a)
    response = client_for(resources_staff).post(reverse("admin:resources_scenariointerest_changelist"), {
        "action": "record_step", "_selected_action": [interest.pk], "apply": "1", "kind": "outcome",
        "outcome": "signed", "happened_on": "2026-10-12", "note": "签署合作协议"})
    assert response.status_code == 302
    assert ScenarioInterest.objects.get(pk=interest.pk).status == InterestStatus.CONCLUDED


def test_help_queue_flags_overdue_and_the_decision_action(member_a, resources_staff, client_for):
    request = policies.help_request(policy=PolicyFactory(), resident=member_a, question="x", actor=member_a.user)
    client = client_for(resources_staff)
    with at(sh(2026, 10, 15, 9, 0)):
        page = client.get(reverse("admin:resources_policyhelprequest_changelist") + "?sla=overdue")
        assert page.status_code == 200 and "已逾期" in page.content.decode()
    policies.help_accept(request=request, actor=resources_staff)
    policies.help_submit(request=request, actor=resources_staff)
    response = client.post(reverse("admin:resources_policyhelprequest_changelist"), {
        "action": "decide", "_selected_action": [request.pk], "apply": "1", "granted": "yes", "amount": "15000"})
    assert response.status_code == 302
    assert PolicyHelpRequest.objects.get(pk=request.pk).status == HelpStatus.GRANTED


def test_the_admin_pages_open(resources_staff, client_for):
    ScenarioFactory()
    PolicyFactory()
    client = client_for(resources_staff)
    for name in ("partner", "scenario", "scenariointerest", "policy", "policyhelprequest"):
        assert client.get(reverse(f"admin:resources_{name}_changelist")).status_code == 200


def test_a_suspended_resident_sees_why_instead_of_the_forms(member_a, client_for):
    from residents.guards import Refusal, register_guard, unregister_guard

    scenario, policy = ScenarioFactory(), PolicyFactory()
    register_guard("test.matchmaking", lambda resident, action, *, at: Refusal("资源使用权限已暂停至 2026年10月20日"))
    try:
        client = client_for(member_a.user)
        scenario_page = client.get(reverse("resources:scenario_detail", args=[scenario.pk])).content.decode()
        policy_page = client.get(reverse("resources:policy_detail", args=[policy.pk])).content.decode()
    finally:
        unregister_guard("test.matchmaking")
    assert "资源使用权限已暂停" in scenario_page and 'data-testid="interest-form"' not in scenario_page
    assert "资源使用权限已暂停" in policy_page and 'data-testid="help-form"' not in policy_page
