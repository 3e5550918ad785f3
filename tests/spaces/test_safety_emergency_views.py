"""Pages of emergency plans (第七章第四条), the front desk's daily visitor list (第七章第二条) and the yearly
safety report as PDF: who may open them, what they show, their queries, the PDF really rendered."""

import shutil
import subprocess
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spaces.models import EmergencyPlan, PlanActivation
from spaces.services import emergency as emergency_services
from spaces.services import visitors as visitor_services
from tests.spaces.support.desks import member
from tests.spaces.support.emergency import fire_plan, supply
from tests.spaces.support.safety import NOW, FireEquipmentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

PLANS = "/portal/spaces/safety/plans/"
FIRE = "/portal/spaces/safety/plans/fire/"
DAILY = "/admin/spaces/visitordailylist/"
PDF = "/admin/spaces/safetydashboard/report/2026/pdf/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_url_names():
    assert reverse("spaces:plan_list") == PLANS
    assert reverse("spaces:plan_detail", args=["fire"]) == FIRE
    assert reverse("admin:spaces_visitordailylist_changelist") == DAILY
    assert reverse("admin:spaces_safetydashboard_report_pdf", args=[2026]) == PDF


# --- The plans in the portal ---------------------------------------------------------------------------


def test_a_resident_reads_the_plan_in_force_on_a_phone(client_for, resident_a, daily_staff):
    fire_plan(daily_staff, title="火灾应急预案（旧）", superseded_at=NOW)
    fire_plan(daily_staff, version=2)
    supply(name="防烟面罩")
    supply(name="急救包", plan_kind="", expires_on=None)
    supply(name="地震应急包", plan_kind="earthquake")
    client = client_for(resident_a)
    listing = client.get(PLANS).content.decode()
    assert "火灾应急预案" in listing and "（旧）" not in listing
    page = client.get(FIRE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "拨打 119" in html and "总指挥：行政管理员" in html
    assert "防烟面罩" in html and "急救包" in html and "地震应急包" not in html
    assert "viewport" in html  # the portal's phone-first base


def test_an_activated_plan_says_so(client_for, resident_a, daily_staff):
    plan = fire_plan(daily_staff)
    emergency_services.plan_activate(plan=plan, reason="冒烟", actor=daily_staff)
    assert "正在启动" in client_for(resident_a).get(FIRE).content.decode()


def test_unknown_or_missing_plans_are_404_and_visitors_must_sign_in(client, client_for, resident_a):
    assert client_for(resident_a).get(FIRE).status_code == 404  # none published yet
    assert client_for(resident_a).get("/portal/spaces/safety/plans/flood/").status_code == 404
    assert client.get(PLANS).status_code == 302


def test_the_plan_pages_keep_their_queries(client_for, resident_a, daily_staff):
    fire_plan(daily_staff)
    client = client_for(resident_a)
    with CaptureQueriesContext(connection) as few:
        client.get(FIRE)
    for n in range(8):
        supply(name=f"物资{n}")
    with CaptureQueriesContext(connection) as many:
        assert "物资7" in client.get(FIRE).content.decode()
    assert len(many) == len(few)


# --- Plans, supplies and activations in the operations desk --------------------------------------------


def test_the_daily_team_publishes_a_version_and_activates_it(client_for, daily_staff, administrator):
    client = client_for(daily_staff)
    url = reverse("admin:spaces_emergencyplan_publish")
    assert client.get(url).status_code == 200
    response = client.post(url, {"apply": "1", "kind": "fire", "title": "火灾应急预案", "roles": "总指挥：行政管理员",
                                 "procedures": "报警\n疏散"})
    assert response.status_code == 302
    plan = EmergencyPlan.objects.get()
    prefilled = client.get(url + "?kind=fire").content.decode()
    assert "火灾应急预案" in prefilled
    page = client.get(reverse("admin:spaces_emergencyplan_change", args=[plan.pk])).content.decode()
    assert reverse("admin:spaces_emergencyplan_activate", args=[plan.pk]) in page
    activate = client.post(reverse("admin:spaces_emergencyplan_activate", args=[plan.pk]),
                           {"apply": "1", "reason": "3F 冒烟"})
    activation = PlanActivation.objects.get()
    assert activate["Location"] == reverse("admin:spaces_planactivation_change", args=[activation.pk])
    step = reverse("admin:spaces_planactivation_step", args=[activation.pk, "record"])
    assert client.post(step, {"apply": "1", "text": "已疏散"}).status_code == 302
    assert activation.entries.count() == 2
    empty = client.post(step, {"apply": "1", "text": ""})
    assert empty.status_code == 200 and activation.entries.count() == 2


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff", "oversight"])
def test_other_teams_do_not_publish_or_activate(request, client_for, daily_staff, who):
    plan = fire_plan(daily_staff)
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("admin:spaces_emergencyplan_publish")).status_code == 403
    assert client.post(reverse("admin:spaces_emergencyplan_activate", args=[plan.pk]),
                       {"apply": "1", "reason": "x"}).status_code == 403
    assert not PlanActivation.objects.exists()


def test_the_supply_list_flags_expiry(client_for, daily_staff):
    supply(name="急救包", expires_on=NOW.date())
    supply(name="手电", expires_on=NOW.date() + timedelta(days=5))
    html = client_for(daily_staff).get(reverse("admin:spaces_emergencysupply_changelist")).content.decode()
    assert "已过期" in html and "即将到期" in html


# --- The daily visitor list ------------------------------------------------------------------------------


@pytest.fixture
def visitors_of_today(resident_a, daily_staff):
    host = member(resident_a, name="张三")

    def make(name, hour):
        return visitor_services.visitor_register(name=name, phone="13812345678", host=host, purpose="商务洽谈",
                                                 expected_at=NOW.replace(hour=hour), actor=daily_staff)

    waiting = make("李四", 10)
    inside = make("王五", 11)
    visitor_services.visitor_confirm(visitor=inside, actor=daily_staff, by_phone=True)
    visitor_services.visitor_admit(visitor=inside, actor=daily_staff)
    gone = make("赵六", 12)
    visitor_services.visitor_confirm(visitor=gone, actor=daily_staff, by_phone=True)
    visitor_services.visitor_admit(visitor=gone, actor=daily_staff)
    visitor_services.visitor_sign_out(visitor=gone, actor=daily_staff)
    return host, waiting, make


@pytest.mark.parametrize("who", ["daily_staff", "administrator", "oversight"])
def test_the_daily_list_flags_visitors_not_confirmed(request, client_for, visitors_of_today, who):
    _host, waiting, _make = visitors_of_today
    response = client_for(request.getfixturevalue(who)).get(DAILY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "李四" in html and "王五" in html and "赵六" in html
    assert html.count('class="no-entry"') == 1 and f'data-visitor="{waiting.pk}"' in html
    assert "13812345678" not in html  # no phone numbers on this list
    other_day = client_for(request.getfixturevalue(who)).get(DAILY, {"day": "2026-11-17"}).content.decode()
    assert "李四" not in other_day and "王五" in other_day  # still inside


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff"])
def test_other_teams_are_refused_the_daily_list(request, client_for, who):
    assert client_for(request.getfixturevalue(who)).get(DAILY).status_code == 403


def test_a_resident_never_reaches_the_daily_list(client_for, resident_b):
    response = client_for(resident_b).get(DAILY)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_daily_list_keeps_its_queries(client_for, daily_staff, visitors_of_today):
    _host, _waiting, make = visitors_of_today
    client = client_for(daily_staff)
    with CaptureQueriesContext(connection) as few:
        client.get(DAILY)
    for n in range(6):
        make(f"访客{n}", 14)
    with CaptureQueriesContext(connection) as many:
        assert "访客5" in client.get(DAILY).content.decode()
    assert len(many) == len(few)


# --- The yearly report as PDF ---------------------------------------------------------------------------


def test_the_yearly_report_renders_as_a_pdf_in_chinese(client_for, administrator, daily_staff, tmp_path):
    FireEquipmentFactory(code="XF-PDF", last_inspected_on=date(2026, 9, 1))
    IncidentFactory(category="theft")
    response = client_for(administrator).get(PDF)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="safety-report-2026.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "2026" in text and "XF-PDF" in text and "盗窃" in text
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True).stdout
        assert "NotoSansCJK" in fonts.replace(" ", "").replace("-", "")


def test_the_pdf_follows_the_dashboard_permissions(client_for, resources_staff, resident_a, administrator):
    assert client_for(resources_staff).get(PDF).status_code == 403
    assert client_for(resident_a).get(PDF).status_code == 302
    assert PDF in client_for(administrator).get("/admin/spaces/safetydashboard/").content.decode()
