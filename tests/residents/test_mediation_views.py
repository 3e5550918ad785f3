"""Portal pages of mediation (我的调解) and questions about the rules (我的规则咨询, 规则常见问题):
who may open them, both parties see a mediation and a third resident never does, nothing on the
public board, the failed mediation's next steps, fixed query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opc_community.notices.models import Publication
from residents.models import Mediation, MediationStatus, RuleQuestion
from residents.services import mediation as services
from residents.services import rule_questions as questions
from tests.forms import form_token
from tests.residents.support.mediation import ask, at, member_c_of, request_mediation, schedule, sh

pytestmark = pytest.mark.django_db

LIST = reverse("residents:mediation_list")
NEW = reverse("residents:mediation_new")
Q_LIST = reverse("residents:rule_question_list")
Q_NEW = reverse("residents:rule_question_new")
FAQ = reverse("residents:rule_faq")


def detail(mediation) -> str:
    return reverse("residents:mediation_detail", args=[mediation.pk])


def step(name: str, mediation) -> str:
    return reverse(f"residents:mediation_{name}", args=[mediation.pk])


@pytest.fixture
def mediation(member_a, member_b):
    return request_mediation(member_a, member_b)


# --- Who may open the pages ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, mediation):
    for url in (LIST, NEW, detail(mediation), Q_LIST, Q_NEW, FAQ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith(reverse("portal:login"))


def test_staff_and_outsiders_are_refused_the_resident_pages(client_for, daily_staff, outsider):
    for user in (daily_staff, outsider):
        client = client_for(user)
        for url in (LIST, NEW, Q_LIST, Q_NEW):
            assert client.get(url).status_code == 403


def test_both_parties_see_the_mediation_a_third_resident_gets_404(client_for, mediation, member_a, member_b):
    for party in (member_a, member_b):
        page = client_for(party.user).get(detail(mediation))
        assert page.status_code == 200
        assert "对方在共享会议室长期占用" in page.content.decode()
    assert "欧阳娜娜" in client_for(member_a.user).get(LIST).content.decode()
    assert "张三 申请与您调解" in client_for(member_b.user).get(LIST).content.decode()
    third = member_c_of()
    client = client_for(third.user)
    assert client.get(detail(mediation)).status_code == 404
    assert client.post(step("statement", mediation), {"text": "我也来说两句"}).status_code == 404
    assert client.post(step("withdraw", mediation), {"reason": "x"}).status_code == 404
    assert "对方在共享会议室" not in client.get(LIST).content.decode()
    assert not mediation.statements.exists()


def test_the_other_party_cannot_withdraw_the_request(client_for, mediation, member_b):
    response = client_for(member_b.user).post(step("withdraw", mediation), {"reason": "不想调解"})
    assert response.status_code in (302, 400)
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.REQUESTED


# --- Asking, adding one's side, the outcome -------------------------------------------------------


def test_a_resident_asks_for_mediation_choosing_the_other_party(client_for, member_a, member_b):
    client = client_for(member_a.user)
    page = client.get(NEW).content.decode()
    assert "欧阳娜娜" in page and "5 个工作日内安排调解会" in page
    response = client.post(NEW, {
        "respondent": member_b.pk, "facts": "噪音纠纷", "wish": "希望对方降低音量", "form_token": form_token(client, NEW),
    })
    mediation = Mediation.objects.get()
    assert response.status_code == 302 and response.headers["Location"] == detail(mediation)
    assert (mediation.requester, mediation.respondent) == (member_a, member_b)


def test_a_refusal_names_the_field_in_chinese(client_for, member_a):
    client = client_for(member_a.user)
    response = client.post(NEW, {"facts": "x", "wish": "y", "form_token": form_token(client, NEW)})
    assert response.status_code == 200
    assert not Mediation.objects.exists()
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()


def test_the_other_party_adds_its_side(client_for, mediation, member_b):
    response = client_for(member_b.user).post(step("statement", mediation), {"text": "我方先预约了会议室"})
    assert response.status_code == 302
    assert mediation.statements.get().body == "我方先预约了会议室"


def test_a_failed_mediation_shows_both_parties_where_to_go_next(client_for, mediation, member_a, member_b, daily_staff):
    schedule(mediation, daily_staff)
    with at(sh(2026, 10, 12, 16, 0)):
        services.mediation_close(mediation=mediation, requester_attended=True, respondent_attended=True,
                                 agreed=False, outcome="双方未达成一致", actor=daily_staff)
    for party in (member_a, member_b):
        page = client_for(party.user).get(detail(mediation)).content.decode()
        assert "调解未达成一致" in page
        assert "人民法院提起诉讼" in page and "第九章第三条" in page


def test_mediations_never_appear_on_the_public_board(client, mediation, member_b, daily_staff):
    schedule(mediation, daily_staff)
    services.mediation_statement(mediation=mediation, text="我方意见", actor=member_b.user)
    assert not Publication.objects.exists()
    board = client.get(reverse("notices:list")).content.decode()
    assert "调解" not in board and "张三" not in board and "欧阳娜娜" not in board


# --- Questions about the rules and the FAQ ----------------------------------------------------------


def test_a_resident_asks_about_a_rule_from_the_rulebook_list(client_for, member_a):
    client = client_for(member_a.user)
    page = client.get(Q_NEW).content.decode()
    assert "擅自宣传" in page and "5 个工作日内答复" in page
    response = client.post(Q_NEW, {"topic": "reward:innovation", "text": "市级创新奖如何申请？",
                                   "form_token": form_token(client, Q_NEW)})
    question = RuleQuestion.objects.get()
    assert response.status_code == 302
    assert question.topic == "reward:innovation" and "创新" in question.topic_label


def test_another_resident_cannot_read_a_question(client_for, member_a, member_b):
    question = ask(member_a)
    url = reverse("residents:rule_question_detail", args=[question.pk])
    assert client_for(member_a.user).get(url).status_code == 200
    assert client_for(member_b.user).get(url).status_code == 404


def test_the_faq_is_readable_in_the_portal(client_for, member_a, member_b, daily_staff):
    question = questions.question_answer(question=ask(member_a), text="仅转发社区官方海报不属于擅自宣传。",
                                         actor=daily_staff)
    questions.faq_publish(question=question, faq_question="转发社区官方活动海报算擅自宣传吗？",
                          faq_answer="不算。擅自宣传指未经同意张贴或发布商业广告（第八章第二条 4c）。", actor=daily_staff)
    page = client_for(member_b.user).get(FAQ).content.decode()
    assert "转发社区官方活动海报算擅自宣传吗？" in page
    assert "张三" not in page


# --- Query counts ------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_have_a_fixed_number_of_queries(client_for, member_a, member_b, daily_staff):
    request_mediation(member_a, member_b)
    first = questions.question_answer(question=ask(member_a), text="答复", actor=daily_staff)
    questions.faq_publish(question=first, faq_question="常见问题", faq_answer="答复内容", actor=daily_staff)
    client = client_for(member_a.user)
    for url in (LIST, Q_LIST, FAQ):
        client.get(url)  # warm-up
    before = {url: _queries(client, url) for url in (LIST, Q_LIST, FAQ)}
    for n in range(4):
        other = member_c_of()
        request_mediation(member_a, other, facts=f"纠纷 {n}")
        request_mediation(other, member_a, facts=f"对方纠纷 {n}")
        question = questions.question_answer(question=ask(member_a, text=f"问题 {n}"), text="答复", actor=daily_staff)
        questions.faq_publish(question=question, faq_question=f"常见问题 {n}", faq_answer="答复内容", actor=daily_staff)
    assert {url: _queries(client, url) for url in (LIST, Q_LIST, FAQ)} == before


def test_a_mediation_page_has_a_fixed_number_of_queries(client_for, mediation, member_a, member_b):
    client = client_for(member_a.user)
    client.get(detail(mediation))
    before = _queries(client, detail(mediation))
    for n in range(5):
        services.mediation_statement(mediation=mediation, text=f"陈述 {n}", actor=member_b.user)
        services.mediation_statement(mediation=mediation, text=f"补充 {n}", actor=member_a.user)
    assert _queries(client, detail(mediation)) == before
