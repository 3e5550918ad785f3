"""The public notice board never shows full names, ID numbers or phone numbers (RULEBOOK §10 decision).

Given a penalty decided by staff (facts that name the resident, the phone and the ID number), a
penalty of the automatic overdue-fee ladder and a reward, all published, when anonymous visitors
read the board's list, each publication's page and the Atom feed, then the rendered HTML holds the
masked name (张*, 欧阳**) and none of the full names, ID numbers or phone numbers — checked both by
the residents' own values and by the shapes of such numbers.
"""

import re

import pytest
from django.urls import reverse

from discipline.services import rewards as reward_services
from opc_community.notices.models import Publication
from tests.discipline.test_cases_support import TODAY, on_day, open_case, to_published
from tests.discipline.test_ladders_support import day, fee, run

pytestmark = pytest.mark.django_db

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")  # 18-digit resident identity number
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # mainland mobile number


@pytest.fixture
def board(member_a, member_b, daily_staff, administrator):
    application = member_a.application
    with on_day(TODAY):
        case = open_case(
            member_a, daily_staff, kind="2b",
            facts=f"{application.person_name}（身份证 {application.id_number}，电话 {application.phone}）"
                  "在三楼公共休息区丢弃垃圾。",
        )
        to_published(case, daily_staff, administrator)
    fee(member_b)
    run(day(8))  # the ladder: 8 days overdue → fine 100, published by the system
    with on_day(day(8), hour=11):
        reward = reward_services.reward_verify_other(
            resident=member_a, choice="cash", amount="300", reason=f"{application.person_name} 组织技术分享。",
            actor=administrator,
        )
        reward_services.reward_publish(reward=reward, actor=administrator)
    return Publication.objects.order_by("id")


def _secrets(*residents) -> set[str]:
    values = set()
    for resident in residents:
        application = resident.application
        values |= {resident.name, resident.user.full_name, application.person_name, application.phone,
                   resident.user.phone, application.id_number}
    return {value for value in values if value and len(value) > 1}


def test_no_full_name_id_number_or_phone_on_any_public_page(client, board, member_a, member_b):
    assert {p.kind for p in board} == {"penalty_decision", "reward_decision"} and board.count() == 3
    pages = [reverse("notices:list"), reverse("notices:feed"), *(p.get_absolute_url() for p in board)]
    with on_day(day(8), hour=12):
        responses = {url: client.get(url) for url in pages}
    html = {url: response.content.decode() for url, response in responses.items()}
    assert all(response.status_code == 200 for response in responses.values())

    for url, text in html.items():
        for secret in _secrets(member_a, member_b):
            assert secret not in text, f"{secret} on {url}"
        assert not ID_NUMBER.search(text), url
        assert not PHONE.search(text), url
    # The masked forms are what the board shows.
    staff_case, ladder_case, reward = board
    assert "张*" in html[reverse("notices:list")]
    assert "张*" in html[staff_case.get_absolute_url()] and "2b 污染环境" in html[staff_case.get_absolute_url()]
    assert "欧阳**" in html[ladder_case.get_absolute_url()] and "7 逾期缴费" in html[ladder_case.get_absolute_url()]
    assert "张*" in html[reward.get_absolute_url()]

