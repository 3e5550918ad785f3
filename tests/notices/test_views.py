"""The public notice board pages (公示栏, RULEBOOK §10): list, detail with objection form, Atom feed."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from opc_community.notices import services
from opc_community.notices.models import Objection, PublicationKind
from opc_community.notices.rules import PublicationTable
from tests.notices.conftest import AFTER, SH, START

pytestmark = pytest.mark.django_db

DURING = START + timedelta(hours=1)
PHONE = re.compile(r"1[3-9]\d{9}")


def _text(response) -> str:
    return response.content.decode()


# --- Reading: anyone, no login -------------------------------------------------------


def test_anyone_reads_the_board_in_chinese(client, publish):
    # Given a penalty decision published over the National Day holidays
    publish(starts_at=datetime(2026, 10, 8, 9, 0, tzinfo=SH))

    with time_machine.travel(datetime(2026, 10, 9, 9, 0, tzinfo=SH), tick=False):
        response = client.get(reverse("notices:list"))

    assert response.status_code == 200
    page = _text(response)
    assert "关于入驻主体张*违规使用空间的处罚决定" in page
    assert "公示期：2026年10月8日至2026年10月12日" in page  # UI.md's own example
    assert "处罚决定" in page
    assert "公示中" in page
    assert "暂定" not in page


def test_the_board_marks_provisional_windows(client, publish):
    publish(starts_at=datetime(2031, 3, 3, 9, 0, tzinfo=SH))

    with time_machine.travel(datetime(2031, 3, 4, 9, 0, tzinfo=SH), tick=False):
        page = _text(client.get(reverse("notices:list")))

    assert "暂定" in page


@pytest.mark.parametrize(
    ("settle", "label"),
    [
        ("close", "已生效"),
        ("withdraw", "已撤销"),
    ],
)
def test_the_board_shows_how_a_publication_ended(client, publish, administrator, settle, label):
    publication = publish()
    if settle == "close":
        services.publication_close(publication=publication, now=AFTER)
    else:
        services.publication_withdraw(
            publication=publication, reason="发布有误", actor=administrator
        )

    with time_machine.travel(AFTER, tick=False):
        page = _text(client.get(reverse("notices:list")))

    assert label in page


def test_the_board_is_newest_first_and_filtered_by_kind(client, publish):
    publish(title="旧的处罚决定", starts_at=START)
    publish(title="新的处罚决定", starts_at=START + timedelta(days=1))
    publish(
        kind=PublicationKind.POLICY_NOTICE,
        title="算力券申领通知",
        starts_at=START + timedelta(days=2),
    )

    with time_machine.travel(AFTER, tick=False):
        everything = _text(client.get(reverse("notices:list")))
        penalties = _text(
            client.get(reverse("notices:list"), {"kind": PublicationKind.PENALTY_DECISION})
        )
        unknown_kind = _text(client.get(reverse("notices:list"), {"kind": "gossip"}))

    assert (
        everything.index("算力券申领通知")
        < everything.index("新的处罚决定")
        < everything.index("旧的处罚决定")
    )
    assert "新的处罚决定" in penalties and "算力券申领通知" not in penalties
    assert 'aria-current="page">处罚决定' in penalties
    assert "算力券申领通知" in unknown_kind  # an unknown kind shows everything


def test_the_board_pages_by_twenty(client, publish):
    for number in range(25):
        publish(title=f"第{number:02d}号公示", starts_at=START + timedelta(minutes=number))

    with time_machine.travel(AFTER, tick=False):
        first = _text(client.get(reverse("notices:list")))
        second = _text(client.get(reverse("notices:list"), {"page": 2}))

    assert first.count('class="notice-list__link"') == 20
    assert second.count('class="notice-list__link"') == 5
    assert "第24号公示" in first and "第04号公示" in second
    assert "第 1 页 / 共 2 页" in first


def test_publications_not_started_yet_are_not_shown(client, publish):
    future = publish(title="尚未开始的公示", starts_at=AFTER)

    with time_machine.travel(DURING, tick=False):
        assert "尚未开始的公示" not in _text(client.get(reverse("notices:list")))
        assert client.get(future.get_absolute_url()).status_code == 404


def test_anyone_reads_a_publication_and_is_asked_to_log_in_to_object(client, publish):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        response = client.get(publication.get_absolute_url())

    page = _text(response)
    assert response.status_code == 200
    assert (
        "<p>经核实，入驻主体张*于2026年5月20日在公共区域堆放杂物、堵塞消防通道。" in page
    )  # linebreaks
    assert "登录后可提出异议" in page
    assert f'href="{reverse("portal:login")}?next={publication.get_absolute_url()}"' in page
    assert "<textarea" not in page


def test_every_item_shows_its_publisher_date_and_how_to_object_in_one_sentence(client, publish):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        listing = _text(client.get(reverse("notices:list")))
        page = _text(client.get(publication.get_absolute_url()))

    byline = "发布单位：南沙国际OPC生态社区运营管理办公室　发布日期：2026年6月2日"
    assert byline in listing and byline in page
    # The window's last day (Fri 2026-06-05), from the publication, in one sentence.
    assert "如有异议，请于 2026年6月5日 前登录后在本页提出。" in page


def test_results_published_as_a_table_and_sign_up_from_a_procedure(client, publish):
    scores = publish(
        kind=PublicationKind.QUARTERLY_SCORES,
        title="2026年第三季度考核结果",
        body="考核结果如下表。",
        table=PublicationTable(
            columns=["入驻主体", "总分"], rows=[["广州欧阳智算科技有限公司", "92"], ["张*", "75"]]
        ),
    )
    procedure = publish(
        kind=PublicationKind.SERVICE_PROCEDURE, title="入驻办理流程", body="一、在线填写申请表。"
    )

    with time_machine.travel(DURING, tick=False):
        page = _text(client.get(scores.get_absolute_url()))
        procedure_page = _text(client.get(procedure.get_absolute_url()))
        feed = _text(client.get(reverse("notices:feed")))

    assert '<th scope="col">入驻主体</th><th scope="col">总分</th>' in page
    assert (
        '<th scope="row">广州欧阳智算科技有限公司</th><td>92</td>' in page
    )  # a company as registered
    assert reverse("residents:signup") in procedure_page and reverse("residents:signup") not in page
    assert (
        "&lt;td&gt;广州欧阳智算科技有限公司&lt;/td&gt;" in feed
    )  # the table travels in the feed too


def test_after_the_window_nobody_is_offered_the_form(client_for, publish, resident_b):
    publication = publish()

    with time_machine.travel(AFTER, tick=False):
        page = _text(client_for(resident_b).get(publication.get_absolute_url()))

    assert "公示期已结束，不再受理异议" in page
    assert "<textarea" not in page


def test_the_pages_are_printable_and_made_for_phones(client, publish):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        page = _text(client.get(publication.get_absolute_url()))

    assert 'name="viewport" content="width=device-width' in page  # base.html: 375 px first
    assert "notices/notices.css" in page  # with its @media print rules
    assert 'type="application/atom+xml"' in page


# --- Objecting: logged in, during the window ------------------------------------------


def test_anonymous_objections_are_sent_to_log_in(client, publish):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        response = client.post(publication.get_absolute_url(), {"text": "匿名异议"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("portal:login") + "?next=")
    assert not Objection.objects.exists()


def test_a_logged_in_person_objects_during_the_window(client_for, publish, resident_b):
    publication = publish()
    client = client_for(resident_b)

    with time_machine.travel(DURING, tick=False):
        form_page = _text(client.get(publication.get_absolute_url()))
        response = client.post(
            publication.get_absolute_url(), {"text": "处罚依据不足。"}, follow=True
        )

    assert "<textarea" in form_page
    assert response.redirect_chain == [(publication.get_absolute_url(), 302)]
    objection = Objection.objects.get()
    assert (objection.author, objection.text) == (resident_b, "处罚依据不足。")
    page = _text(response)
    assert "异议已收到" in page
    assert "处理状态：待处理" in page  # the person sees their own objection, not the form again
    assert "<textarea" not in page


def test_only_the_author_sees_the_reason_for_the_decision(
    client, client_for, publish, resident_b, administrator
):
    publication = publish()
    with time_machine.travel(DURING, tick=False):
        objection = services.objection_submit(
            publication=publication, author=resident_b, text="异议"
        )
        services.objection_decide(
            objection=objection, upheld=False, reason="理由不成立", actor=administrator
        )
        own = _text(client_for(resident_b).get(publication.get_absolute_url()))
        public = _text(client.get(publication.get_absolute_url()))

    assert "处理状态：驳回" in own and "处理理由：理由不成立" in own
    assert "理由不成立" not in public


def test_an_empty_objection_comes_back_with_the_error_next_to_the_field(
    client_for, publish, resident_b
):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        response = client_for(resident_b).post(publication.get_absolute_url(), {"text": ""})

    assert response.status_code == 200
    page = _text(response)
    assert re.search(r'<textarea[^>]*id="id_text"', page)
    assert re.search(r'id="id_text"[^>]*>\s*</textarea>\s*<ul class="form-row__errors"', page)
    assert "该字段是必填项。" in page
    assert not Objection.objects.exists()


def test_a_late_objection_keeps_its_text_and_names_the_windows_end(client_for, publish, resident_b):
    publication = publish()
    client = client_for(resident_b)

    with time_machine.travel(AFTER, tick=False):
        response = client.post(
            publication.get_absolute_url(), {"text": "我的异议理由很长，不能丢。"}
        )

    page = _text(response)
    assert response.status_code == 200
    assert "公示期已于 2026年6月5日 23:59 结束，不再受理异议。" in page
    assert "我的异议理由很长，不能丢。</textarea>" in page
    assert not Objection.objects.exists()


def test_objecting_twice_is_refused(client_for, publish, resident_b):
    publication = publish()
    with time_machine.travel(DURING, tick=False):
        services.objection_submit(publication=publication, author=resident_b, text="第一次")
        response = client_for(resident_b).post(publication.get_absolute_url(), {"text": "第二次"})

    # The page shows the objection already on file instead of the form.
    assert "您已于2026年6月2日提出异议，处理状态：待处理。" in _text(response)
    assert Objection.objects.get().text == "第一次"


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("post", "notices:list"),
        ("put", "notices:list"),
        ("put", "notices:detail"),
        ("delete", "notices:detail"),
    ],
)
def test_wrong_methods_are_refused(client_for, publish, resident_b, method, name):
    publication = publish()
    url = reverse(name, args=[publication.pk] if name == "notices:detail" else [])

    response = getattr(client_for(resident_b), method)(url)

    assert response.status_code == 405


# --- Atom feed ----------------------------------------------------------------------


def test_anyone_reads_the_atom_feed(client, publish):
    publish()
    publish(kind=PublicationKind.POLICY_NOTICE, title="算力券申领通知", body="申领条件：<见附件>")

    response = client.get(reverse("notices:feed"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = _text(response)
    assert "<feed" in feed and "[政策与补贴] 算力券申领通知" in feed
    assert "公示期：2026年6月2日至2026年6月5日" in feed
    assert "&amp;lt;见附件&amp;gt;" in feed  # plain text escaped before it becomes the HTML summary


# --- Privacy (RULEBOOK §10 decision) ---------------------------------------------------


def test_public_pages_show_no_phone_numbers_or_full_names(
    client, client_for, publish, resident_a, resident_b, outsider
):
    # Given a decision about resident A (full name 张三), objected to by resident B (欧阳娜娜)
    # and by an outsider, all with phone numbers on file, published by the administrator (孙负责)
    publication = publish(subject=resident_a, concerned_user=resident_a)
    with time_machine.travel(DURING, tick=False):
        for person in (resident_b, outsider):
            services.objection_submit(publication=publication, author=person, text="异议")

        # When anyone (or another resident) looks at the board
        pages = [
            _text(client.get(reverse("notices:list"))),
            _text(client.get(publication.get_absolute_url())),
            _text(client.get(reverse("notices:feed"))),
            _text(client_for(resident_b).get(publication.get_absolute_url())),
            _text(client.get(reverse("notice-list"))),
            _text(client.get(reverse("notice-detail", args=[publication.pk]))),
        ]

    # Then nobody's phone or full name appears, and objection authors not at all
    people = (resident_a, resident_b, outsider, publication.published_by)
    for page in pages:
        assert not PHONE.search(page)
        for person in people:
            assert person.full_name not in page
            assert person.username not in page
    assert "张*" in pages[1]  # the publisher's masked text is shown as written


# --- Query counts (fixed, whatever the number of publications) ----------------------------


def test_list_and_detail_pages_cost_a_fixed_number_of_queries(
    client, client_for, publish, resident_b, django_assert_num_queries
):
    publications = [publish(title=f"第{number}号公示") for number in range(25)]
    detail_url = publications[0].get_absolute_url()
    member = client_for(resident_b)

    with time_machine.travel(DURING, tick=False):
        # 1 COUNT for the paginator, 1 SELECT of the page's 20 publications.
        with django_assert_num_queries(2):
            client.get(reverse("notices:list"))
        # The publication.
        with django_assert_num_queries(1):
            client.get(detail_url)
        # The latest publications.
        with django_assert_num_queries(1):
            client.get(reverse("notices:feed"))
        # Session, user, paginator COUNT, page SELECT, unread-notification badge (base.html).
        with django_assert_num_queries(5):
            member.get(reverse("notices:list"))
        # Session, user, publication, the member's own objection, unread-notification badge.
        with django_assert_num_queries(5):
            member.get(detail_url)
