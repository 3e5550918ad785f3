"""Portal pages of quarterly inputs (/portal/scores/inputs/): own data only, errors next to the field."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.models import AwardClaim, InputStatus, PlanStatus, QuarterInput, QuarterStatus
from tests.downloads import assert_safe_download
from tests.scoring.support.inputs import (
    AFTER_DEADLINE,
    DURING,
    at,
    make_quarter,
    member,
    numbers,
    pdf,
    stored_input,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _during():
    with at(DURING):
        yield


@pytest.fixture
def quarter():
    return make_quarter()


@pytest.fixture
def me(resident_a):
    return member(resident_a, name="张三")


def test_a_resident_fills_in_uploads_and_submits(client_for, quarter, me):
    client = client_for(me.user)
    assert "2026 Q3" in client.get(reverse("scoring:input_list")).content.decode()
    page = reverse("scoring:input_detail", args=[quarter.pk])
    assert client.get(page).status_code == 200
    assert client.post(page, numbers(done=4)).status_code == 302
    response = client.post(reverse("scoring:award_add", args=[quarter.pk]),
                           {"level": "provincial", "title": "省级创业大赛二等奖", "certificate": pdf()})
    assert response.status_code == 302
    award = AwardClaim.objects.get()
    download = client.get(reverse("scoring:input_file", args=["award", award.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert_safe_download(download, award.certificate.name.rsplit("/", 1)[-1] + ".pdf")  # the stored name, typed
    assert client.post(reverse("scoring:input_submit", args=[quarter.pk])).status_code == 302
    data = QuarterInput.objects.get()
    assert (data.status, data.milestones_done) == (InputStatus.SUBMITTED, 4)


def test_a_negative_revenue_comes_back_next_to_the_field_with_nothing_written(client_for, quarter, me):
    response = client_for(me.user).post(reverse("scoring:input_detail", args=[quarter.pk]),
                                        numbers(revenue="-10"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_revenue_error"' in html and "不能为负" in html
    assert 'value="-10"' in html  # nothing lost
    assert not QuarterInput.objects.exists()


def test_a_missing_value_is_named(client_for, quarter, me):
    response = client_for(me.user).post(reverse("scoring:input_detail", args=[quarter.pk]),
                                        numbers(done=""))
    assert response.status_code == 400 and 'id="id_milestones_done_error"' in response.content.decode()


@pytest.mark.parametrize(("plan", "shown"), [(PlanStatus.ACCEPTED, "已接受的计划：4 个里程碑"),
                                             (PlanStatus.SUBMITTED, "本季度没有已接受的计划"),
                                             (None, "本季度没有已接受的计划")])
def test_the_results_page_shows_the_plan_they_are_measured_against(client_for, quarter, me, plan, shown):
    stored_input(quarter, me, status=InputStatus.DRAFT, plan=plan)
    html = client_for(me.user).get(reverse("scoring:input_detail", args=[quarter.pk])).content.decode()
    assert shown in html


def test_another_residents_files_and_quarters_are_not_found(client_for, quarter, me, resident_b):
    other = member(resident_b)
    data = stored_input(quarter, other, status=InputStatus.DRAFT)
    award = AwardClaim.objects.create(input=data, level="national", title="国家级", certificate="scoring/awards/x")
    client = client_for(me.user)
    assert client.get(reverse("scoring:input_file", args=["award", award.pk])).status_code == 404
    assert client.post(reverse("scoring:input_file_remove", args=["award", award.pk])).status_code == 404
    assert client.get(reverse("scoring:input_file", args=["secret", award.pk])).status_code == 404
    late = make_quarter(year=2025, number=1)  # before A was checked in
    assert client.get(reverse("scoring:input_detail", args=[late.pk])).status_code == 404
    assert AwardClaim.objects.filter(pk=award.pk).exists()


def test_staff_and_outsiders_are_refused(client_for, quarter, daily_staff, outsider):
    for user in (daily_staff, outsider):
        assert client_for(user).get(reverse("scoring:input_list")).status_code == 403


def test_wrong_methods_are_refused(client_for, quarter, me):
    client = client_for(me.user)
    assert client.get(reverse("scoring:input_submit", args=[quarter.pk])).status_code == 405
    assert client.delete(reverse("scoring:input_detail", args=[quarter.pk])).status_code == 405


def test_after_the_deadline_the_page_is_read_only(client_for, quarter, me):
    stored_input(quarter, me, status=InputStatus.DRAFT)
    with at(AFTER_DEADLINE):
        client = client_for(me.user)
        html = client.get(reverse("scoring:input_detail", args=[quarter.pk])).content.decode()
        assert reverse("scoring:input_submit", args=[quarter.pk]) not in html
        response = client.post(reverse("scoring:input_detail", args=[quarter.pk]), numbers(done=1))
    assert response.status_code == 409
    assert QuarterInput.objects.get().milestones_done == 4


@pytest.mark.parametrize("page", ["input_list", "input_detail"])
def test_pages_have_a_fixed_number_of_queries(client_for, quarter, me, page):
    client = client_for(me.user)
    target = reverse(f"scoring:{page}", args=[quarter.pk] if page == "input_detail" else [])
    data = stored_input(quarter, me, status=InputStatus.DRAFT)
    client.get(target)  # warm-up (session, rulebook cache)
    with CaptureQueriesContext(connection) as few:
        client.get(target)
    for n in range(5):
        AwardClaim.objects.create(input=data, level="municipal", title=f"奖{n}", certificate="x")
    for number in (1, 2):  # earlier quarters, closed: no countdown
        make_quarter(number=number, due=DURING.date(), status=QuarterStatus.FINAL, rulebook_version=1)
    with CaptureQueriesContext(connection) as many:
        client.get(target)
    assert (len(few), len(many)) == (QUERIES[page], QUERIES[page]), [q["sql"][:60] for q in many.captured_queries]


#: session, user, resident, orientation, rulebook in force, unread badge, then — list: inputs, quarters, the
#: open quarter's countdown; detail: quarter, input + awards, contributions, evidence, the plan, countdown.
#: The countdowns read the working-day calendar the process holds (loaded by the warm-up): no query.
QUERIES = {"input_list": 8, "input_detail": 12}
