"""No personal data on any public surface (RULEBOOK §10 and its decisions added 2026-12).

Given the facts staff typed about a violation — a visitor's full name, mobile number and 18-digit ID
number, a staff member's name, the resident's phone number written with spaces — publishing the penalty
is refused, naming each span, through the service, the admin's step and the API, with nothing written;
the facts rewritten, it is published. Then, with that case, an automatic overdue-fee penalty of a
company, and a reward whose grounds name people, anonymous visitors read the board, every publication's
page, the Atom feed and the API: no known person's full name, no phone, ID, card number or e-mail
address appears (checked with the scanner and the system's known names, and by the literal values),
the person is masked (张*) and the company named by its registered name.

The board has no PDF of its own (the page is printable); PDFs of penalties and scores go to the
resident concerned only, never to the public.
"""

import pytest
from django.urls import reverse
from django.utils.html import strip_tags
from rest_framework.test import APIClient

from discipline.models import CaseStatus
from discipline.services import cases as services
from discipline.services import reward_grants
from discipline.services import rewards as reward_services
from opc_community.core.errors import DomainError
from opc_community.core.personal_data import find_personal_data
from opc_community.notices.models import Publication
from opc_community.notices.selectors import known_names_in
from tests.discipline.support.cases import TODAY, at, on_day, open_case, to_decided
from tests.discipline.support.ladders import day, fee, run
from tests.spaces.factories import VisitorFactory

pytestmark = pytest.mark.django_db

#: What the daily management team wrote down (the resident's phone on file is 13800000001).
FACTS = (
    "访客王小明（手机 139 0013 9000，身份证 440106199003075670）由钱日常登记后进入三楼办公区，"
    "入驻主体电话 138 0000 0001 无人接听，访客在公共休息区丢弃垃圾。"
)
REFUSAL = (
    "公示内容含有个人信息，请改写后再公示：姓名「王小明」、手机号「139 0013 9000」、"
    "身份证号「440106199003075670」、姓名「钱日常」、手机号「138 0000 0001」"
)
REWRITTEN = "一名访客经前台登记后进入三楼办公区，在公共休息区丢弃垃圾；入驻主体未接听前台电话。"
COMPANY = "广州南沙智算科技有限公司"


@pytest.fixture
def decided(member_a, daily_staff, administrator):
    """Resident A's case with the facts above, decided; the visitor registered at the front desk."""
    with on_day(TODAY):
        VisitorFactory(name="王小明", host=member_a, expected_at=at(TODAY), registered_by=daily_staff)
        case = open_case(member_a, daily_staff, kind="2b", facts=FACTS)
        to_decided(case, daily_staff, administrator)
    return case


def _refused_without_trace(case) -> None:
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    assert not Publication.objects.exists()


# --- Refused while the facts hold personal data ------------------------------------------------


def test_the_service_refuses_the_facts_naming_each_span(decided, administrator):
    with on_day(TODAY, hour=11), pytest.raises(DomainError) as refused:
        services.case_publish(case=decided, actor=administrator)

    assert refused.value.message == REFUSAL
    assert refused.value.field == "public_facts"
    _refused_without_trace(decided)

    with on_day(TODAY, hour=11):
        publication = services.case_publish(case=decided, actor=administrator, public_facts=REWRITTEN)
    assert f"违规事实：{REWRITTEN}" in publication.body


def test_the_admin_step_shows_the_refusal_next_to_the_facts(decided, client_for, administrator):
    url = reverse("admin:discipline_violationcase_step", args=[decided.pk, "publish"])
    client = client_for(administrator)
    with on_day(TODAY, hour=11):
        form = client.get(url).content.decode()
        refused = client.post(url, {"public_facts": FACTS})
        _refused_without_trace(decided)
        published = client.post(url, {"public_facts": REWRITTEN})

    assert f"{FACTS}</textarea>" in form  # prefilled with the facts, to be rewritten
    assert refused.status_code == 200 and REFUSAL in refused.content.decode()
    assert published.status_code == 302
    decided.refresh_from_db()
    assert decided.status == CaseStatus.PUBLISHED


def test_the_api_answers_400_with_the_findings(decided, administrator):
    api = APIClient()
    api.force_authenticate(administrator)
    url = f"/api/v1/cases/{decided.pk}/publish/"
    with on_day(TODAY, hour=11):
        refused = api.post(url, {}, format="json")
        _refused_without_trace(decided)
        published = api.post(url, {"public_facts": REWRITTEN}, format="json")

    assert refused.status_code == 400
    answer = refused.json()
    assert (answer["code"], answer["field"], answer["detail"]) == ("personal_data", "public_facts", REFUSAL)
    assert [(f["kind"], f["text"]) for f in answer["findings"]] == [
        ("name", "王小明"), ("phone", "139 0013 9000"), ("id_number", "440106199003075670"),
        ("name", "钱日常"), ("phone", "138 0000 0001"),
    ]
    assert published.status_code == 200 and published.json()["status"] == "published"


# --- What the public reads ----------------------------------------------------------------------


@pytest.fixture
def board(decided, member_a, member_b, administrator):
    """The rewritten penalty of resident A, an automatic penalty of resident B (a company), a reward of A."""
    application = member_b.application
    application.entity_type, application.company_name = "opc_company", COMPANY
    application.save(update_fields=["entity_type", "company_name"])
    fee(member_b)
    run(day(8))  # the ladder: 8 days overdue → fine 100, published by the system
    with on_day(day(8), hour=11):
        services.case_publish(case=decided, actor=administrator, public_facts=REWRITTEN)
        reward = reward_services.reward_verify_other(
            resident=member_a, choice="cash", amount="300", actor=administrator,
            reason=f"{member_a.application.person_name}（{member_a.application.phone}）组织技术分享。",
        )
        reward_grants.reward_publish(reward=reward, actor=administrator)
    return Publication.objects.order_by("id")


def _public_texts(client, publications) -> dict[str, str]:
    api = APIClient()
    urls = [reverse("notices:list"), reverse("notices:feed"), *(p.get_absolute_url() for p in publications)]
    with on_day(day(8), hour=12):
        responses = {url: client.get(url) for url in urls}
        responses["api:list"] = api.get(reverse("notice-list"))
        responses |= {f"api:{p.pk}": api.get(reverse("notice-detail", args=[p.pk])) for p in publications}
    assert all(response.status_code == 200 for response in responses.values())
    return {url: strip_tags(response.content.decode()) for url, response in responses.items()}


def test_no_known_name_phone_or_id_number_on_any_public_surface(client, board, member_a, member_b,
                                                                daily_staff, administrator):
    assert [p.kind for p in board] == ["penalty_decision", "penalty_decision", "reward_decision"]
    texts = _public_texts(client, board)
    literal = {"王小明", "钱日常", "孙负责", "13900139000", "139 0013 9000", "440106199003075670",
               "138 0000 0001"}
    for resident in (member_a, member_b):
        application = resident.application
        literal |= {application.person_name, resident.user.full_name, application.phone, resident.user.phone,
                    application.id_number}

    for surface, text in texts.items():
        assert find_personal_data(text, known_names_in(text)) == [], surface
        for value in literal:
            assert value not in text, f"{value} on {surface}"

    ladder_case, staff_case, reward = board
    assert "张*" in texts[staff_case.get_absolute_url()] and REWRITTEN in texts[staff_case.get_absolute_url()]
    assert COMPANY in texts[ladder_case.get_absolute_url()] and "7 逾期缴费" in texts[ladder_case.get_absolute_url()]
    assert "张*" in texts[reward.get_absolute_url()] and "张*" in texts[reverse("notices:list")]
