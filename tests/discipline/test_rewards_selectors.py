"""Reads for rewards (第八章第一条): the candidates list and "my rewards" in a fixed number of queries."""
# ruff: noqa: F811 - pytest fixtures imported from support.rewards are parameters here

from datetime import date

import pytest

from discipline.models import CaseStatus, RewardStatus
from discipline.selectors import rewards as selectors
from discipline.services import rewards as services
from tests.discipline.support.rewards import (  # noqa: F401  (fixtures)
    TODAY,
    eligible,
    member_a,
    member_b,
    today,
    violation,
    volunteer,
)
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("residents", [1, 10])
def test_the_candidates_list_takes_two_queries_whatever_the_number_of_residents(
    django_assert_num_queries, today, administrator, residents
):
    for _ in range(residents):
        eligible(ResidentFactory(), administrator)
    # 1: the rulebook in force on the judging date
    # 2: residents with their volunteer count, counting-violation count and compliance reward of the year
    with django_assert_num_queries(2):
        candidates = selectors.compliance_candidates(year=2026, today=TODAY)
    assert len(candidates) == residents and all(c.eligible for c in candidates)


def test_candidates_show_each_condition_and_an_existing_reward(today, member_a, member_b, administrator):
    eligible(member_a, administrator)
    eligible(member_b, administrator, services=3)
    violation(member_b, occurred_on=date(2026, 5, 1), status=CaseStatus.CONFIRMED)
    reward = services.reward_propose_compliance(resident=member_a, year=2026, actor=administrator)
    rows = {c.resident.pk: c for c in selectors.compliance_candidates(year=2026, today=TODAY)}
    a, b = rows[member_a.pk], rows[member_b.pk]
    assert (a.eligible, a.proposable, a.reward_id, a.reward_status) == (True, False, reward.pk, RewardStatus.VERIFIED)
    assert (b.eligible, b.violations, b.volunteer_services) == (False, 1, 3)
    assert {f.code for f in b.eligibility.failures} == {"violations", "volunteer"}
    # Once the year is over it is judged on its last day.
    assert selectors.compliance_candidates(year=2026, today=date(2027, 1, 5))[0].judged_on == date(2026, 12, 31)


@pytest.mark.parametrize("rewards", [1, 5])
def test_my_rewards_page_reads_in_a_fixed_number_of_queries(django_assert_num_queries, today, member_a, administrator,
                                                             rewards):
    eligible(member_a, administrator)
    for _ in range(rewards):
        services.reward_verify_other(resident=member_a, choice="cash", amount="100", reason="分享", actor=administrator)
    # 1 rulebook today, 2 rewards, 3 rulebook versions, 4 publications, 5 volunteer services, 6 credit balance
    with django_assert_num_queries(6):
        page = selectors.reward_page(member_a, today=TODAY)
    assert len(page.lines) == rewards and page.volunteer_this_year == 8 and page.credit_balance == 0
