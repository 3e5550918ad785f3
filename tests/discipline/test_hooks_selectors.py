"""What the discipline app registers with the residents app (discipline.selectors.history):

- ``penalties_on_record`` — RULEBOOK §4.3: penalties on record this term, warnings included; a penalty
  annulled on appeal does not count (nor a dismissed case, nor one not yet decided);
- ``unresolved_notices`` — 《违规整改通知书》 issued and neither rectified nor decided yet;
- ``archive_rows`` — one archive line per case (第三章第五条), in a fixed number of queries.

The cases are made through the real services of the 处罚流程 (as the system, ``actor=None``).
"""

from datetime import date, timedelta

import pytest

from discipline.models import CaseStatus
from discipline.selectors import history
from discipline.services import cases as services
from residents.selectors import archive, lifecycle
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    other_fixture,
    staff_fixture,
    tenant_fixture,
)
from tests.residents.support.lifecycle import on_day

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
TERM_START = date(2026, 4, 1)


def opened(resident, *, occurred_on: date = date(2026, 11, 2), kind: str = "2b"):
    with on_day(TODAY):
        return services.case_open(resident=resident, kind=kind, occurred_on=occurred_on, facts="公共区域堆放垃圾",
                                  actor=None)


def published(resident, **kwargs):
    case = opened(resident, **kwargs)
    with on_day(TODAY):
        return services.case_run_automatic(case=case)


def noticed(resident, **kwargs):
    case = opened(resident, **kwargs)
    with on_day(TODAY):
        services.case_verify(case=case, actor=None)
        services.notice_issue(case=case, requirement="清理公共区域", deadline=TODAY + timedelta(days=7), actor=None)
    case.refresh_from_db()
    return case


# --- penalties_on_record -----------------------------------------------------------------------------


def test_a_decided_warning_counts_and_an_annulled_one_does_not(tenant, staff):
    assert history.penalties_on_record(tenant, since=TERM_START) == 0
    case = published(tenant)
    assert case.status == CaseStatus.PUBLISHED
    assert list(case.measures.values_list("type", flat=True)) == ["warning"]
    assert history.penalties_on_record(tenant, since=TERM_START) == 1  # warnings included

    with on_day(TODAY):
        services.case_annul(case=case, reason="复核成立", actor=staff)
    assert history.penalties_on_record(tenant, since=TERM_START) == 0  # overturned on appeal


@pytest.mark.parametrize(
    ("state", "counts"),
    [("found", 0), ("notice", 0), ("dismissed", 0), ("published", 1), ("confirmed", 1)],
)
def test_only_decided_published_and_confirmed_cases_count(tenant, state, counts):
    if state == "found":
        opened(tenant)
    elif state == "notice":
        noticed(tenant)
    elif state == "dismissed":
        case = opened(tenant)
        with on_day(TODAY):
            services.case_dismiss(case=case, actor=None, reason="查无实据")
    else:
        case = published(tenant)
        if state == "confirmed":
            with on_day(TODAY):
                services.case_confirm(case=case)
    assert history.penalties_on_record(tenant, since=TERM_START) == counts


def test_the_term_starts_on_its_first_day(tenant):
    published(tenant, occurred_on=date(2026, 6, 1))
    published(tenant, occurred_on=date(2026, 5, 31))
    assert history.penalties_on_record(tenant, since=date(2026, 6, 1)) == 1
    assert history.penalties_on_record(tenant, since=date(2026, 6, 2)) == 0
    assert history.penalties_on_record(tenant, since=date(2026, 5, 31)) == 2


def test_another_residents_cases_do_not_count(tenant, other):
    published(other)
    assert history.penalties_on_record(tenant, since=TERM_START) == 0
    assert history.unresolved_notices(tenant) == 0


# --- unresolved_notices --------------------------------------------------------------------------


def test_a_notice_is_unresolved_until_rectified(tenant):
    case = noticed(tenant)
    assert history.unresolved_notices(tenant) == 1
    with on_day(TODAY + timedelta(days=2)):
        services.case_mark_rectified(case=case, actor=None, note="已清理")
    assert history.unresolved_notices(tenant) == 0


def test_a_notice_not_rectified_stays_unresolved_until_the_penalty_is_decided(tenant):
    case = noticed(tenant)
    with on_day(TODAY + timedelta(days=8)):
        services.case_mark_not_rectified(case=case, actor=None)
    assert history.unresolved_notices(tenant) == 1
    with on_day(TODAY + timedelta(days=8)):
        services.case_decide(case=case, actor=None)
    assert history.unresolved_notices(tenant) == 0
    assert history.penalties_on_record(tenant, since=TERM_START) == 1  # counted as a penalty instead


def test_the_renewal_conditions_now_read_the_discipline_record(tenant):
    agreement = tenant.agreements.get()
    noticed(tenant)
    conditions = {c.code: c for c in lifecycle.renewal_conditions_for(
        resident=tenant, agreement=agreement, today=TODAY, direction_confirmed=True)}
    assert conditions["no_violation"].met is True
    assert conditions["cooperation"].met is False
    assert "1" in conditions["cooperation"].explanation

    published(tenant)
    conditions = {c.code: c for c in lifecycle.renewal_conditions_for(
        resident=tenant, agreement=agreement, today=TODAY, direction_confirmed=True)}
    assert conditions["no_violation"].met is False


# --- archive_rows ----------------------------------------------------------------------------------------


def test_each_case_is_a_line_of_the_archive(tenant):
    case = published(tenant)
    opened(tenant, occurred_on=date(2026, 11, 5), kind="5b")

    rows = history.archive_rows(tenant)

    assert [row.section for row in rows] == ["violation", "violation"]
    first = rows[0]
    assert first.at.date() == date(2026, 11, 2) and first.date_only
    assert case.number in first.title and "污染环境" in first.title and "已公示" in first.title
    assert "警告" in first.detail and case.notice.number in first.detail
    assert first.actor == "系统"
    assert "寻衅滋事" in rows[1].title and rows[1].detail == ""  # found, nothing decided, no notice yet
    pending = {key: entries for key, _label, entries in archive.resident_archive(tenant).sections}
    assert [e.title for e in pending["violation"]] == [row.title for row in rows]


@pytest.mark.parametrize("count", [1, 5])
def test_the_archive_lines_take_a_fixed_number_of_queries(tenant, django_assert_num_queries, count):
    for index in range(count):
        published(tenant, occurred_on=date(2026, 10, 1) + timedelta(days=index))
    with django_assert_num_queries(3):  # 1 cases + notices + finders, 2 measures, 3 the rulebook (kind names)
        rows = history.archive_rows(tenant)
    assert len(rows) == count


def test_no_case_costs_one_query_and_gives_no_line(tenant, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert history.archive_rows(tenant) == []
