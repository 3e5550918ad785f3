"""API of score cards and appeals (/api/v1/score-cards/, /api/v1/score-appeals/, /api/v1/score-dashboard/)."""

import pytest
from django.urls import reverse

from scoring.models import ScoreAppeal, ScoreAppealStatus
from tests.scoring.support.cards import AFTER_WINDOW, IN_WINDOW, published_cast
from tests.scoring.support.inputs import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(resident_a, resident_b, administrator):
    return published_cast(resident_a, resident_b, administrator)


def test_a_resident_lists_only_its_own_published_cards(cast, client_for, resident_a):
    rows = client_for(resident_a).get(reverse("score-card-list")).json()["results"]
    assert [(row["quarter"]["year"], row["quarter"]["number"], row["total"]) for row in rows] == [
        (2026, 3, 75), (2026, 2, 82)]
    assert "resident" not in rows[0]


def test_the_detail_explains_each_band_and_the_outlook(cast, client_for, resident_b):
    card = cast.card(cast.warned)
    with at(IN_WINDOW):
        data = client_for(resident_b).get(reverse("score-card-detail", args=[card.pk])).json()
    assert [d["key"] for d in data["dimensions"]] == ["participation", "completion", "revenue", "awards",
                                                      "contributions"]
    assert all("第六章" in d["rule_text"] for d in data["dimensions"])
    assert data["outlook"]["outcome"] == "warning" and data["outlook"]["next_minimum"] == 70
    assert data["can_appeal"] is True and data["appeal_window_ends_at"].startswith("2026-10-15T23:59:59")


def test_another_residents_card_is_404(cast, client_for, resident_a):
    client = client_for(resident_a)
    other = cast.card(cast.warned)
    assert client.get(reverse("score-card-detail", args=[other.pk])).status_code == 404
    with at(IN_WINDOW):
        answer = client.post(reverse("score-appeal-list"), {"card": other.pk, "reason": "x"},
                             content_type="application/json")
    assert answer.status_code == 404 and not ScoreAppeal.objects.exists()


def test_appeal_in_the_window_and_refused_after_it(cast, client_for, resident_b):
    client = client_for(resident_b)
    card = cast.card(cast.warned)
    with at(AFTER_WINDOW):
        late = client.post(reverse("score-appeal-list"), {"card": card.pk, "reason": "签到漏记"},
                           content_type="application/json")
    assert late.status_code == 400 and late.json()["field"] == "reason"
    assert "2026年10月15日" in late.json()["detail"] and not ScoreAppeal.objects.exists()
    with at(IN_WINDOW):
        made = client.post(reverse("score-appeal-list"), {"card": card.pk, "reason": "签到漏记"},
                           content_type="application/json")
    assert made.status_code == 201 and made.json()["status"] == "pending"
    assert [row["id"] for row in client.get(reverse("score-appeal-list")).json()["results"]] == [made.json()["id"]]


def test_only_the_administrator_decides_and_an_upheld_appeal_recomputes(cast, client_for, administrator,
                                                                         oversight):
    card = cast.card(cast.idle)
    with at(IN_WINDOW):
        made = client_for(cast.idle.user).post(reverse("score-appeal-list"),
                                               {"card": card.pk, "reason": "我按时提交过进度报告与财务报表"},
                                               content_type="application/json").json()
        decide = reverse("score-appeal-decide", args=[made["id"]])
        body = {"upheld": True, "answer": "核实：补录已提交的数据", "milestones_planned": 4, "milestones_done": 4,
                "revenue": "100000.00", "revenue_target": "100000.00"}
        assert client_for(oversight).post(decide, body, content_type="application/json").status_code == 403
        assert client_for(cast.idle.user).post(decide, body, content_type="application/json").status_code == 403
        answer = client_for(administrator).post(decide, body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["appeal"]["status"] == ScoreAppealStatus.UPHELD and answer.json()["changes"] >= 1
    assert cast.card(cast.idle).total == 65


def test_staff_readers_list_every_card_and_filter_by_outcome(cast, client_for, oversight, daily_staff):
    rows = client_for(oversight).get(reverse("score-card-list"), {"quarter": cast.quarter.pk,
                                                                  "outcome": "eliminated"}).json()["results"]
    assert [row["resident"]["name"] for row in rows] == ["王小明"]
    assert client_for(daily_staff).get(reverse("score-card-list")).status_code == 403


def test_the_dashboard_api(cast, client_for, oversight, resident_a):
    data = client_for(oversight).get(reverse("score-dashboard-list"), {"quarter": cast.quarter.pk}).json()
    assert data["cohort"] == 3 and [b["count"] for b in data["bins"]][6:8] == [1, 1]
    assert [row["resident"]["name"] for row in data["warnings"]] == ["欧阳娜娜"]
    assert client_for(resident_a).get(reverse("score-dashboard-list")).status_code == 403


@pytest.mark.parametrize("extra", [0, 15])
def test_the_card_list_has_a_fixed_number_of_queries(extra, resident_a, resident_b, administrator, client_for,
                                                     oversight, django_assert_num_queries):
    from scoring.services.run import quarter_run
    from tests.scoring.support.cards import drafted_cast
    from tests.scoring.support.inputs import member, stored_input

    cast = drafted_cast(resident_a, resident_b)
    for index in range(extra):
        stored_input(cast.quarter, member(name=f"钱{index}"))
    quarter_run(quarter=cast.quarter)
    client = client_for(oversight)
    client.get(reverse("score-card-list"))
    # session, user, its permissions (user, groups), the count, the page of cards with quarter and resident
    with django_assert_num_queries(6):
        rows = client.get(reverse("score-card-list")).json()["results"]
    assert len(rows) == 3 + extra + 2  # this quarter's cards and last quarter's two
