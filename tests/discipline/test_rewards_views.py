"""Portal pages: 我的奖励与使用券 (第八章第一条) — happy path, anonymous, wrong method, the other resident, staff."""
# ruff: noqa: F811 - pytest fixtures imported from support.rewards are parameters here

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from discipline.models import RewardChoice
from discipline.services import reward_grants
from discipline.services import rewards as services
from tests.discipline.support.rewards import eligible, member_a, member_b, today  # noqa: F401
from tests.downloads import assert_safe_download

pytestmark = pytest.mark.django_db
PAGE = reverse("discipline:my_rewards")


@pytest.fixture
def reward(today, member_a, administrator):
    eligible(member_a, administrator)
    return services.reward_propose_compliance(resident=member_a, year=2026, actor=administrator)


def test_my_rewards_shows_rewards_credits_and_volunteer_services(client_for, resident_a, reward):
    response = client_for(resident_a).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的奖励与使用券" in html and "合规优秀" in html and "第八章第一条" in html
    assert "8 / 8" in html and "社区活动志愿者 1" in html
    assert 'name="choice"' in html  # the choice form


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_wrong_method(client_for, resident_a, member_a, reward):
    assert client_for(resident_a).post(PAGE).status_code == 405
    assert client_for(resident_a).get(reverse("discipline:reward_choose", args=[reward.pk])).status_code == 405


def test_staff_and_outsiders_are_refused(client_for, administrator, outsider, today):
    assert client_for(administrator).get(PAGE).status_code == 403
    assert client_for(outsider).get(PAGE).status_code == 403


def test_the_resident_chooses(client_for, resident_a, reward):
    url = reverse("discipline:reward_choose", args=[reward.pk])
    response = client_for(resident_a).post(url, {"choice": RewardChoice.VOUCHER_SUBSIDY})
    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.choice == RewardChoice.VOUCHER_SUBSIDY and str(reward.amount) == "500.00"


def test_an_invalid_choice_comes_back_with_the_error(client_for, resident_a, reward):
    url = reverse("discipline:reward_choose", args=[reward.pk])
    response = client_for(resident_a).post(url, {"choice": "cash"})
    assert response.status_code == 400
    reward.refresh_from_db()
    assert reward.choice == ""


def test_the_other_resident_gets_404(client_for, resident_b, member_b, reward):
    url = reverse("discipline:reward_choose", args=[reward.pk])
    assert client_for(resident_b).post(url, {"choice": RewardChoice.ROADSHOW_CREDITS}).status_code == 404
    assert client_for(resident_b).get(reverse("discipline:reward_evidence", args=[reward.pk])).status_code == 404
    reward.refresh_from_db()
    assert reward.choice == ""
    assert f'data-testid="reward-{reward.pk}"' not in client_for(resident_b).get(PAGE).content.decode()


def test_the_certificate_is_private(client, client_for, today, member_a, member_b, resident_a, resident_b,
                                    administrator):
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%c\n", content_type="application/pdf")
    reward = services.reward_verify_innovation(resident=member_a, level="municipal", amount="2000",
                                               certificate="证书", reason="获奖", evidence=pdf, actor=administrator)
    url = reverse("discipline:reward_evidence", args=[reward.pk])
    assert_safe_download(client_for(resident_a).get(url), f"reward-{reward.pk}.pdf")
    assert client_for(administrator).get(url).status_code == 200
    assert client_for(resident_b).get(url).status_code == 404
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("rewards", [1, 5])
def test_the_page_has_a_fixed_number_of_queries(django_assert_num_queries, client_for, resident_a, today, member_a,
                                                 administrator, rewards):
    eligible(member_a, administrator)
    for _ in range(rewards):
        services.reward_verify_other(resident=member_a, choice="cash", amount="100", reason="分享", actor=administrator)
    client = client_for(resident_a)
    client.get(PAGE)
    # 1 session, 2 user, 3 resident, 4 rulebook in force + 5 acknowledgement (resident_required),
    # 6-11 reward_page (rulebook, rewards, rulebook versions, publications, volunteer services, credits),
    # 12 the unread badge
    with django_assert_num_queries(12):
        assert client.get(PAGE).status_code == 200


def test_the_public_board_shows_the_reward_masked(client, reward, member_a, administrator):
    reward_grants.reward_publish(reward=reward, actor=administrator)
    from opc_community.notices.models import Publication

    publication = Publication.objects.get(object_id=reward.pk, kind="reward_decision")
    for url in (publication.get_absolute_url(), "/notices/"):
        html = client.get(url).content.decode()
        assert "张*" in html
        application = member_a.application
        for secret in ("张三", application.phone, application.id_number):
            assert secret not in html
