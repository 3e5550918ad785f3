"""Innovation rewards found by the system (第八章第一条 项目创新): a verified award of municipal level or
higher in the quarterly inputs (第六章 维度四) is a candidate; the resources team records volunteer service."""
# ruff: noqa: F811 - pytest fixtures imported from support.rewards are parameters here

from datetime import date

import pytest
from django.urls import reverse

from discipline import reward_rules
from discipline.models import Reward, RewardKind, RewardStatus, VolunteerService
from discipline.selectors import rewards as selectors
from discipline.services import rewards as services
from opc_community.core.errors import ConflictError, DomainError
from scoring.models import AwardLevel, Quarter, QuarterInput
from tests.discipline.support.rewards import (  # noqa: F401  (fixtures)
    check_in,
    member_a,
    member_b,
    today,
)
from tests.scoring.factories import AwardClaimFactory, QuarterFactory, QuarterInputFactory

pytestmark = pytest.mark.django_db
CANDIDATES = reverse("admin:discipline_reward_innovation_candidates")


@pytest.mark.parametrize(("award", "reward"), [
    (AwardLevel.NATIONAL, "provincial"), (AwardLevel.PROVINCIAL, "provincial"),
    (AwardLevel.INDUSTRY_PROVINCIAL, "provincial"), (AwardLevel.MUNICIPAL, "municipal"),
    (AwardLevel.INDUSTRY_MUNICIPAL, "municipal"), ("", None), ("district", None),
])
def test_each_award_level_maps_to_the_innovation_reward_level(award, reward):
    assert reward_rules.innovation_level(award) == reward


def _award(resident, **fields):
    """An award in the resident's inputs of 2026 Q3 (one input per resident and quarter)."""
    quarter = Quarter.objects.filter(year=2026, number=3).first() or QuarterFactory()
    data = QuarterInput.objects.filter(quarter=quarter, resident=resident).first()
    return AwardClaimFactory(input=data or QuarterInputFactory(quarter=quarter, resident=resident), **fields)


def test_verified_awards_of_the_year_are_candidates(today, member_a, member_b):
    check_in(member_a, date(2026, 1, 5))
    found = _award(member_a, level=AwardLevel.PROVINCIAL)
    _award(member_b, verified=False)  # not verified by staff: not a candidate
    candidates = selectors.innovation_candidates(year=2026)
    assert [(c.claim, c.level, c.proposable) for c in candidates] == [(found, "provincial", True)]
    assert selectors.innovation_candidates(year=2025) == []


def test_a_reward_verified_from_a_candidate_is_linked_and_given_once(today, member_a, administrator):
    check_in(member_a, date(2026, 1, 5))
    claim = _award(member_a)
    reward = services.reward_verify_innovation(
        resident=member_a, level="municipal", amount="2000", certificate=claim.title, reason="获奖",
        award_claim=claim, actor=administrator,
    )
    assert (reward.kind, reward.award_claim) == (RewardKind.INNOVATION, claim)
    [candidate] = selectors.innovation_candidates(year=2026)
    assert (candidate.reward_id, candidate.proposable) == (reward.pk, False)
    with pytest.raises(ConflictError):
        services.reward_verify_innovation(resident=member_a, level="municipal", amount="2000",
                                          certificate=claim.title, reason="再次", award_claim=claim,
                                          actor=administrator)
    assert Reward.objects.count() == 1


def test_a_candidate_is_rewarded_at_its_own_level_and_for_its_own_resident(
    today, member_a, member_b, administrator
):
    check_in(member_a, date(2026, 1, 5))
    check_in(member_b, date(2026, 1, 5))
    claim = _award(member_a)
    with pytest.raises(DomainError) as wrong_level:
        services.reward_verify_innovation(resident=member_a, level="provincial", amount="5000", certificate="证书",
                                          reason="获奖", award_claim=claim, actor=administrator)
    assert wrong_level.value.field == "level"
    with pytest.raises(DomainError) as wrong_resident:
        services.reward_verify_innovation(resident=member_b, level="municipal", amount="2000", certificate="证书",
                                          reason="获奖", award_claim=claim, actor=administrator)
    assert wrong_resident.value.field == "award_claim"
    assert not Reward.objects.exists()


def test_the_candidates_page_leads_to_the_filled_form(client_for, today, member_a, administrator):
    check_in(member_a, date(2026, 1, 5))
    claim = _award(member_a)
    client = client_for(administrator)
    html = client.get(CANDIDATES).content.decode()
    assert claim.title in html and f"?claim={claim.pk}" in html
    form = client.get(reverse("admin:discipline_reward_innovation") + f"?claim={claim.pk}").context["form"]
    assert form.initial["resident"] == member_a.pk and form.initial["level"] == "municipal"
    response = client.post(reverse("admin:discipline_reward_innovation") + f"?claim={claim.pk}", {
        "resident": member_a.pk, "level": "municipal", "amount": "1500", "certificate": claim.title,
        "reason": "市级创业奖项", "award_claim": claim.pk,
    })
    assert response.status_code == 302
    assert Reward.objects.get().award_claim == claim
    assert Reward.objects.get().status == RewardStatus.VERIFIED


def test_the_candidates_page_has_a_fixed_number_of_queries(
    client_for, today, member_a, member_b, administrator, django_assert_max_num_queries
):
    for member in (member_a, member_b):
        check_in(member, date(2026, 1, 5))
        _award(member)
        _award(member, level=AwardLevel.NATIONAL)
    client = client_for(administrator)
    client.get(CANDIDATES)
    with django_assert_max_num_queries(12):
        assert client.get(CANDIDATES).status_code == 200


def test_the_resources_team_records_volunteer_service(client_for, today, member_a, resources_staff):
    check_in(member_a, date(2026, 1, 5))
    assert services.can_record_volunteer(resources_staff)
    client = client_for(resources_staff)
    done = client.post(reverse("admin:discipline_volunteerservice_add"),
                       {"resident": member_a.pk, "served_on": "2026-10-10", "activity": "路演活动志愿者", "hours": "2"})
    assert done.status_code == 302
    assert VolunteerService.objects.get().recorded_by == resources_staff
    assert not resources_staff.has_perm("discipline.change_reward")  # rewards stay the administrator's
