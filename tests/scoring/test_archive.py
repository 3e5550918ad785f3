"""The quarterly assessment in the resident's archive (第三章第五条; RULEBOOK §4.7 "project progress reports …
scores"): the scoring app's archive section, registered with the residents app — each submitted quarterly
input as a progress report, each published score card; drafts are not on record; two queries for any number."""

import pytest

from residents.selectors.archive import resident_archive
from scoring.models import InputStatus, QuarterInput
from scoring.selectors.archive import archive_entries
from tests.scoring.support.cards import drafted_cast, published_cast
from tests.scoring.support.inputs import make_quarter, member, sh, stored_input

pytestmark = pytest.mark.django_db

SUBMITTED_AT = sh(2026, 10, 8, 18)


def submitted() -> None:
    """The stored inputs as the residents submitted them (the support writes them straight to the table)."""
    QuarterInput.objects.exclude(status=InputStatus.DRAFT).update(submitted_at=SUBMITTED_AT)


def test_a_draft_quarter_shows_the_progress_report_but_no_score(resident_a, resident_b):
    cast = drafted_cast(resident_a, resident_b)
    submitted()

    entries = archive_entries(cast.good)

    titles = [entry.title for entry in entries]
    assert [entry.section for entry in entries] == ["score", "score"]  # the previous quarter's card is final
    assert any("2026 Q3 项目进展报告：完成里程碑 4 / 4 个" in title for title in titles)
    assert any(title.startswith("2026 Q2 评分：82 分") for title in titles)
    assert not any(title.startswith("2026 Q3 评分") for title in titles)  # a draft is not on record


def test_a_published_score_is_on_record_with_its_points_and_outcome(resident_a, resident_b, administrator):
    cast = published_cast(resident_a, resident_b, administrator)
    card = cast.card(cast.good)

    entries = archive_entries(cast.good)

    [line] = [entry for entry in entries if entry.title.startswith("2026 Q3 评分")]
    assert line.title == f"2026 Q3 评分：{card.total} 分，{card.get_outcome_display()}"
    assert f"排名 {card.rank}" in line.detail and f"项目完成 {card.completion_points}" in line.detail
    assert line.at == cast.quarter.published_at
    assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)


def test_the_section_is_in_the_archive_and_holds_only_the_residents_own(resident_a, resident_b, administrator):
    cast = published_cast(resident_a, resident_b, administrator)
    sections = {key: (label, rows) for key, label, rows in resident_archive(cast.good).sections}
    label, rows = sections["score"]
    assert label == "季度评分及项目进展报告"
    totals = {row.title for row in rows if row.title.startswith("2026 Q3 评分")}
    assert totals == {f"2026 Q3 评分：{cast.card(cast.good).total} 分，{cast.card(cast.good).get_outcome_display()}"}
    assert cast.card(cast.good).total != cast.card(cast.warned).total  # so the other resident's would show


@pytest.mark.parametrize("quarters", [1, 3])
def test_two_queries_for_any_number_of_quarters(resident_a, django_assert_num_queries, quarters):
    resident = member(resident_a, name="张三")
    for number in range(1, quarters + 1):
        stored_input(make_quarter(number=number), resident)
    submitted()
    with django_assert_num_queries(2):  # the submitted inputs (quarter, verifier), the visible cards (quarter)
        entries = archive_entries(resident)
    assert len(entries) == quarters
