"""Quarters and inputs in the operations desk: run with progress, sign-off actions, Excel, corrections."""

from io import BytesIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from openpyxl import load_workbook

from opc_community.notices.models import Publication
from opc_community.notices.services import publication_close
from scoring.models import AwardClaim, InputStatus, Quarter, QuarterInput, QuarterStatus, ScoreCard
from scoring.services.run import quarter_run
from tests.scoring.support.inputs import at, make_quarter, member, sh, stored_input, workbook

pytestmark = pytest.mark.django_db

QUARTERS = reverse("admin:scoring_quarter_changelist")
INPUTS = reverse("admin:scoring_quarterinput_changelist")


@pytest.fixture
def quarter():
    return make_quarter()


def _action(client, url, action, *objects):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects]})


def test_the_administrator_runs_confirms_and_publishes_from_the_admin(client_for, administrator, quarter,
                                                                       resident_a, django_capture_on_commit_callbacks):
    stored_input(quarter, member(resident_a, name="张三"), status=InputStatus.VERIFIED)
    client = client_for(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client, QUARTERS, "run", quarter)
    assert response.status_code == 302 and response["Location"].endswith(f"/{quarter.pk}/progress/")
    assert ScoreCard.objects.filter(quarter=quarter).count() == 1  # the task ran (eagerly in tests)
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"<progress" in page.content
    progress = client.get(reverse("admin:scoring_quarter_progress_json", args=[quarter.pk])).json()
    assert (progress["stage"], progress["percent"], progress["done"]) == ("done", 100, 1)
    _action(client, QUARTERS, "confirm", quarter)
    _action(client, QUARTERS, "publish", quarter)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED and Publication.objects.count() == 1


def test_other_staff_cannot_run_or_confirm(client_for, daily_staff, oversight, quarter):
    assert client_for(daily_staff).get(QUARTERS).status_code == 403
    client = client_for(oversight)
    assert client.get(QUARTERS).status_code == 200  # oversight reads
    _action(client, QUARTERS, "confirm", quarter)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.OPEN
    assert client.get(reverse("admin:scoring_quarter_import", args=[quarter.pk])).status_code == 403


def test_export_then_import_round_trip_and_row_errors(client_for, administrator, quarter, resident_a, resident_b):
    me, other = member(resident_a, name="张三"), member(resident_b, name="欧阳娜娜")
    stored_input(quarter, me)
    client = client_for(administrator)
    export = client.get(reverse("admin:scoring_quarter_export", args=[quarter.pk]))
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in rows} == {me.pk, other.pk}
    url = reverse("admin:scoring_quarter_import", args=[quarter.pk])
    bad = client.post(url, {"sheet": workbook([[me.pk, "张三", 2, 1], [other.pk, "欧阳娜娜", 1, -3]]),
                            "reason": "按季度报表"})
    assert bad.status_code == 200 and b"import-errors" in bad.content
    assert QuarterInput.objects.get(resident=me).milestones_done == 4  # nothing half-imported
    good = client.post(url, {"sheet": workbook([[me.pk, "张三", 2, 1], [other.pk, "欧阳娜娜", 1, 3]]),
                             "reason": "按季度报表"})
    assert good.status_code == 302
    assert QuarterInput.objects.get(resident=me).status == InputStatus.CORRECTED
    assert QuarterInput.objects.get(resident=other).revenue == 3


def test_verify_and_correct_an_input(client_for, administrator, quarter, resident_a):
    data = stored_input(quarter, member(resident_a, name="张三"))
    award = AwardClaim.objects.create(input=data, level="national", title="国家级", certificate="x")
    client = client_for(administrator)
    _action(client, INPUTS, "verify", data)
    data.refresh_from_db()
    assert data.status == InputStatus.VERIFIED
    url = reverse("admin:scoring_quarterinput_correct", args=[data.pk])
    assert client.get(url).status_code == 200
    page = client.get(url).content.decode()
    assert 'name="accept_completion"' in page and 'name="accept_revenue"' in page and "4 个里程碑" in page  # the plan
    refused = client.post(url, {"milestones_done": -1, "revenue": 1, "accept_completion": "on", "reason": "更正"})
    assert refused.status_code == 200 and QuarterInput.objects.get().milestones_done == 4
    done = client.post(url, {"milestones_done": 3, "revenue": 1, "accept_completion": "on",
                             "reason": "进展报告只证明完成 3 个；营收无财务报表"})
    assert done.status_code == 302
    data.refresh_from_db()
    award.refresh_from_db()
    assert (data.status, data.milestones_done, award.verified) == (InputStatus.CORRECTED, 3, False)
    # the revenue claim was not accepted: it scores as absent
    assert (data.completion_rejected, data.revenue_rejected) == (False, True)


@pytest.mark.parametrize("url_name", ["admin:scoring_quarter_changelist", "admin:scoring_quarterinput_changelist"])
def test_admin_lists_have_a_fixed_number_of_queries(client_for, administrator, quarter, url_name,
                                                    django_assert_num_queries):
    client = client_for(administrator)
    url = reverse(url_name)

    def add(n, first):
        for year in range(first, first + n):
            other = make_quarter(year=year, number=1)
            stored_input(other, member())
        stored_input(quarter, member())

    add(1, 2010)
    client.get(url)
    with django_assert_num_queries(ADMIN_QUERIES[url_name]):
        client.get(url)
    add(4, 2015)
    with django_assert_num_queries(ADMIN_QUERIES[url_name]):
        assert client.get(url).status_code == 200


#: session, user, groups and permissions, then the changelist: counts, page, filter choices (years / quarters).
ADMIN_QUERIES = {"admin:scoring_quarter_changelist": 10, "admin:scoring_quarterinput_changelist": 10}


def test_reopen_and_finalise_actions_call_the_services(client_for, administrator, quarter, resident_a):
    stored_input(quarter, member(resident_a, name="张三"), status=InputStatus.VERIFIED)
    client = client_for(administrator)
    quarter_run(quarter=quarter)
    _action(client, QUARTERS, "confirm", quarter)
    _action(client, QUARTERS, "reopen", quarter)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.DRAFTED
    _action(client, QUARTERS, "confirm", quarter)
    with at(sh(2026, 10, 12, 10)):
        _action(client_for(administrator), QUARTERS, "publish", quarter)
    with at(sh(2026, 10, 13, 10)):
        response = _action(client_for(administrator), QUARTERS, "finalise", quarter)  # window still open
        assert response.status_code == 302
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED
    with at(sh(2026, 10, 16, 1)):
        publication_close(publication=Publication.objects.get(), now=sh(2026, 10, 16, 1))
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.FINAL


def test_the_administrator_adds_a_quarter_and_moves_its_deadline(client_for, administrator):
    client = client_for(administrator)
    add = reverse("admin:scoring_quarter_add")
    refused = client.post(add, {"year": 2027, "number": 1, "inputs_due_on": "2026-12-31"})
    assert refused.status_code == 200 and "2027-01-01" in refused.content.decode()
    assert client.post(add, {"year": 2027, "number": 1, "inputs_due_on": "2027-04-10"}).status_code == 302
    quarter = Quarter.objects.get(year=2027)
    assert quarter.events.get(pgh_label="insert").pgh_context.metadata["action"] == "scoring.quarter_open"
    change = reverse("admin:scoring_quarter_change", args=[quarter.pk])
    assert client.post(change, {"inputs_due_on": "2027-04-15"}).status_code == 302
    quarter.refresh_from_db()
    assert str(quarter.inputs_due_on) == "2027-04-15"
