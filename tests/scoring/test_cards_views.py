"""The resident's score cards in the portal (第六章第二条、第三条): own cards of published quarters only, the
rule behind each band, the history chart, the outlook, the appeal within the publication window."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.documents.report import report_number
from scoring.models import ScoreAppeal, ScoreAppealStatus
from tests.downloads import assert_safe_download
from tests.scoring.support.cards import AFTER_WINDOW, IN_WINDOW, drafted_cast, published_cast
from tests.scoring.support.inputs import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(resident_a, resident_b, administrator):
    return published_cast(resident_a, resident_b, administrator)


def test_my_scores_list_the_published_quarters_with_the_history_chart(cast, client_for, resident_a):
    with at(IN_WINDOW):
        page = client_for(resident_a).get(reverse("scoring:card_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026 Q3" in html and "2026 Q2" in html
    assert "<polyline" in html and 'points="' in html  # the inline SVG history, no script
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    assert reverse("scoring:card_detail", args=[cast.card(cast.good).pk]) in html


def test_the_card_shows_the_rule_behind_each_band_and_the_outlook(cast, client_for, resident_b):
    card = cast.card(cast.warned)
    with at(IN_WINDOW):
        page = client_for(resident_b).get(reverse("scoring:card_detail", args=[card.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("第六章第一条") >= 4  # one rule per dimension (awards name the article too)
    assert "65" in html
    assert "预警名单" in html  # the warning outcome
    assert "本季度有 1 位入驻主体的总分低于您。" in html  # rank 2 of the ascending ranking, in plain words
    assert "升序" not in html and "1 = 总分最低" not in html
    assert "70" in html  # what next quarter needs: at least 70 (a third quarter below 70 eliminates)
    assert f"action=\"{reverse('scoring:card_appeal', args=[card.pk])}\"" in html  # window open: appeal form


def test_a_draft_quarter_is_not_shown(resident_a, resident_b, client_for):
    cast = drafted_cast(resident_a, resident_b)
    client = client_for(resident_a)
    html = client.get(reverse("scoring:card_list")).content.decode()
    assert "2026 Q3" not in html  # only the final Q2
    assert client.get(reverse("scoring:card_detail", args=[cast.card(cast.good).pk])).status_code == 404


def test_another_residents_card_is_not_found(cast, client_for, resident_a):
    other = cast.card(cast.warned)
    client = client_for(resident_a)
    assert client.get(reverse("scoring:card_detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("scoring:card_appeal", args=[other.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("scoring:card_report", args=[other.pk])).status_code == 404
    assert not ScoreAppeal.objects.exists()


def test_appeal_within_the_window_is_answered_in_3_working_days(cast, client_for, resident_b):
    card = cast.card(cast.warned)
    with at(IN_WINDOW):
        answer = client_for(resident_b).post(reverse("scoring:card_appeal", args=[card.pk]),
                                             {"reason": "我参加了 9 月 18 日的路演，签到漏记。"})
    assert answer.status_code == 302
    appeal = ScoreAppeal.objects.get(card=card)
    assert appeal.status == ScoreAppealStatus.PENDING
    # Wednesday 10-14 → Thu 15, Fri 16, Mon 19: answer by the end of Monday 2026-10-19
    assert timezone.localtime(appeal.answer_due_at).date() == date(2026, 10, 19)


def test_appeal_after_the_window_is_refused_and_nothing_written(cast, client_for, resident_b):
    card = cast.card(cast.warned)
    with at(AFTER_WINDOW):
        answer = client_for(resident_b).post(reverse("scoring:card_appeal", args=[card.pk]), {"reason": "理由"})
    assert answer.status_code == 400
    assert "2026年10月15日" in answer.content.decode()  # the error names the window's end
    assert not ScoreAppeal.objects.exists()


def test_a_blank_appeal_comes_back_with_the_error_next_to_the_field(cast, client_for, resident_b):
    card = cast.card(cast.warned)
    with at(IN_WINDOW):
        answer = client_for(resident_b).post(reverse("scoring:card_appeal", args=[card.pk]), {"reason": "  "})
    assert answer.status_code == 400
    assert not ScoreAppeal.objects.exists()


def test_wrong_methods_and_who_may_use_the_pages(cast, client, client_for, resident_a, daily_staff):
    card = cast.card(cast.good)
    assert client_for(resident_a).get(reverse("scoring:card_appeal", args=[card.pk])).status_code == 405
    assert client_for(resident_a).post(reverse("scoring:card_list")).status_code == 405
    assert client.get(reverse("scoring:card_list")).status_code == 302  # anonymous → login
    assert client_for(daily_staff).get(reverse("scoring:card_list")).status_code == 403  # not a resident


def test_the_resident_downloads_its_own_report(cast, client_for, resident_a):
    card = cast.card(cast.good)
    answer = client_for(resident_a).get(reverse("scoring:card_report", args=[card.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert_safe_download(answer, f"{report_number(card)}.pdf")
    assert answer.content.startswith(b"%PDF")


def test_the_dashboard_card_shows_the_latest_score_and_the_window(cast, client_for, resident_b):
    with at(IN_WINDOW):
        html = client_for(resident_b).get(reverse("portal:dashboard")).content.decode()
    card = html.split('aria-labelledby="card-score"', 1)[1].split("</section>", 1)[0]
    assert reverse("scoring:card_detail", args=[cast.card(cast.warned).pk]) in card
    assert "65" in card and "70" in card  # the total and what the next quarter needs
    assert "2026年10月15日" in card  # the appeal window's end


@pytest.mark.parametrize("quarters", [1, 4])
def test_the_list_page_has_a_fixed_number_of_queries(quarters, resident_a, resident_b, administrator,
                                                     client_for, django_assert_num_queries):
    from scoring.models import QuarterStatus
    from tests.scoring.factories import QuarterFactory, ScoreCardFactory

    cast = published_cast(resident_a, resident_b, administrator)
    for year in range(2020, 2020 + quarters):
        old = QuarterFactory(year=year, number=1, inputs_due_on=date(year, 4, 9), status=QuarterStatus.FINAL,
                             rulebook_version=1)
        ScoreCardFactory(quarter=old, resident=cast.good, total=70 + year - 2020)
    client = client_for(resident_a)
    client.get(reverse("scoring:card_list"))  # warm the per-process caches (rulebook, calendar)
    # session, user, resident, rulebook in force + orientation (resident_required), the cards, the rulebook
    # version of the latest quarter, the inbox's unread count (portal shell)
    with at(IN_WINDOW), django_assert_num_queries(8):
        assert client.get(reverse("scoring:card_list")).status_code == 200


@pytest.mark.parametrize("appeals", [0, 3])
def test_the_card_page_has_a_fixed_number_of_queries(appeals, cast, client_for, resident_b,
                                                     django_assert_num_queries):
    from tests.scoring.factories import ScoreAppealFactory
    from tests.scoring.support.inputs import sh

    card = cast.card(cast.warned)
    for index in range(appeals):
        ScoreAppealFactory(card=card, reason=f"理由 {index}", status="dismissed", answer="无误",
                           submitted_at=sh(2026, 10, 13, 9), answer_due_at=sh(2026, 10, 16, 23))
    client = client_for(resident_b)
    url = reverse("scoring:card_detail", args=[card.pk])
    with at(IN_WINDOW):
        client.get(url)
        # session, user, resident, rulebook in force + orientation, the card, the quarter's rulebook version,
        # the publication, the appeals, today's rulebook (the answer time), the inbox's unread count
        # (the working-day calendar is held: no query)
        with django_assert_num_queries(11):
            assert client.get(url).status_code == 200


def test_an_eliminated_resident_is_not_asked_for_next_quarters_plan_or_material(cast, client_for):
    from scoring.models import QuarterStatus
    from tests.scoring.support.inputs import make_quarter

    make_quarter(number=4, due=date(2027, 1, 10), status=QuarterStatus.OPEN)
    with at(IN_WINDOW):
        eliminated = client_for(cast.idle.user).get(reverse("portal:dashboard")).content.decode()
        warned = client_for(cast.warned.user).get(reverse("portal:dashboard")).content.decode()
    assert 'aria-labelledby="card-inputs"' in warned  # a resident who stays reports on the open quarter
    assert 'aria-labelledby="card-score"' in eliminated  # its latest card (淘汰) is still shown
    assert 'aria-labelledby="card-inputs"' not in eliminated and 'aria-labelledby="card-plan"' not in eliminated
