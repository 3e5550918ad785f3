"""Privacy of the notice board (RULEBOOK §10, decisions added 2026-12).

- Known names: every person the system knows (account holders, applicants by the name on their ID
  card, visitors), gathered with one query per source, never one per person.
- Staff-typed text is scanned before publication; publication is refused naming each span, with
  nothing written, on the desk's form and in the service every publisher goes through.
- Penalty and score publications leave the public board 30 days after their window (shown through
  day 30, gone on day 31): list, page (410 with a "removed" page), feed and API; the staff archive
  keeps them; the pages' query counts stay fixed.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from opc_community.core.errors import DomainError
from opc_community.notices import selectors
from opc_community.notices.models import Publication, PublicationKind
from tests.factories import UserFactory
from tests.notices.conftest import SH, START
from tests.residents.factories import ApplicationFactory, ResidentFactory
from tests.spaces.factories import VisitorFactory

pytestmark = pytest.mark.django_db

#: The window of the ``publish`` fixture ends on Fri 2026-06-05 (D): day 30 is 07-05, day 31 07-06.
DAY_30 = datetime(2026, 7, 5, 23, 59, 59, tzinfo=SH)
DAY_31 = datetime(2026, 7, 6, 0, 0, tzinfo=SH)
DESK_ADD = reverse("admin:notices_publication_add")
PUBLICATIONS = reverse("admin:notices_publication_changelist")


@pytest.fixture
def people(resident_a, daily_staff, outsider):
    """张三 (resident A's account), 钱日常 (staff), 王五 (an account whose ID card reads 王五一), visitor
    王小明, and an account holder with the one-character name 易."""
    host = ResidentFactory(user=resident_a)
    ApplicationFactory(applicant=outsider, person_name="王五一")
    VisitorFactory(name="王小明", host=host, expected_at=START, registered_by=daily_staff)
    UserFactory(username="yi", full_name="易")


# --- Known names --------------------------------------------------------------------------


def test_known_names_come_from_every_source_with_one_query_each(people, django_assert_num_queries):
    text = "访客王 小 明由钱日常登记，王五一陪同；张三未到场。容易处理。"

    # One query per source: accounts, applications, visitors, occupants of 1a cases — whatever the number of people.
    with django_assert_num_queries(4):
        names = selectors.known_names_in(text)

    # 王五 is inside 王五一 (the scanner reports the longer name); 易 is too short to look for.
    assert names == ["张三", "王五", "王五一", "王小明", "钱日常"]


def test_known_names_cost_the_same_for_many_people(people, django_assert_num_queries):
    for number in range(30):
        UserFactory(full_name=f"批量用户{number:02d}")
    with django_assert_num_queries(4):  # one per registered source, whatever the people
        assert selectors.known_names_in("批量用户05 与 批量用户12") == ["批量用户05", "批量用户12"]


def test_names_are_matched_whatever_the_width_case_or_spacing(db):
    UserFactory(username="liwei", full_name="Li Wei")
    assert selectors.known_names_in("met ＬＩ ＷＥＩ today") == ["Li Wei"]
    assert selectors.known_names_in("a lime") == []


# --- Refusal before publication ------------------------------------------------------------


def test_publishing_staff_text_with_personal_data_is_refused_naming_each_span(people, publish):
    body = "访客王小明（手机 +86 139 0013 9000，邮箱 wxm@example.com）由钱日常登记。"

    with pytest.raises(DomainError) as refused:
        publish(kind=PublicationKind.OTHER, title="访客登记情况说明", body=body)

    assert refused.value.message == (
        "公示内容含有个人信息，请改写后再公示：姓名「王小明」、手机号「+86 139 0013 9000」、"
        "电子邮箱「wxm@example.com」、姓名「钱日常」"
    )
    assert refused.value.field == "body" and refused.value.code == "personal_data"
    assert refused.value.details["findings"][1] == {
        "field": "body", "kind": "phone", "text": "+86 139 0013 9000"
    }
    assert not Publication.objects.exists()


def test_the_title_is_scanned_too(people, publish):
    with pytest.raises(DomainError) as refused:
        publish(kind=PublicationKind.OTHER, title="关于张三的通报", body="详见正文。")
    assert refused.value.field == "title" and "姓名「张三」" in refused.value.message


def test_text_composed_from_fields_is_not_scanned_as_typed_text(people, publish):
    # A company's registered name may hold its founder's name: the publisher composed it on purpose.
    publication = publish(body="入驻主体：张三（广州）科技有限公司", staff_text={})
    assert publication.pk


def test_rewritten_text_is_published(people, publish):
    publication = publish(kind=PublicationKind.OTHER, title="访客登记情况说明",
                          body="一名访客未经登记进入办公区，已由工作人员劝离。")
    assert publication.pk


def test_the_desk_form_refuses_and_keeps_the_text(client_for, people, intake_staff):
    body = "请联系王小明，电话 138-0013-8000。"
    with time_machine.travel(START, tick=False):
        response = client_for(intake_staff).post(
            DESK_ADD, {"kind": PublicationKind.POLICY_NOTICE, "title": "申领通知", "body": body, "window_days": ""}
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "公示内容含有个人信息，请改写后再公示：姓名「王小明」、手机号「138-0013-8000」" in page
    assert body in page  # nothing lost: the text comes back to be rewritten
    assert not Publication.objects.exists()


# --- Leaving the board after 30 days ------------------------------------------------------


@pytest.fixture
def board(publish):
    """A penalty, a quarterly result and a policy notice, all with the window of 2026-06-02 to 06-05."""
    return {
        "penalty": publish(title="处罚决定 2026-0012"),
        "scores": publish(kind=PublicationKind.QUARTERLY_SCORES, title="2026年第二季度考核结果"),
        "policy": publish(kind=PublicationKind.POLICY_NOTICE, title="算力券申领通知", body="申领条件见附件。"),
    }


def test_penalties_and_scores_get_their_day_to_leave_the_board(board):
    assert board["penalty"].leaves_board_at == DAY_31
    assert board["scores"].leaves_board_at == DAY_31
    assert board["policy"].leaves_board_at is None


@pytest.mark.parametrize(("now", "shown"), [(DAY_30, True), (DAY_31, False)])
def test_board_feed_and_api_show_them_through_day_30_only(client, board, now, shown):
    api = APIClient()
    with time_machine.travel(now, tick=False):
        pages = {
            "list": client.get(reverse("notices:list")).content.decode(),
            "feed": client.get(reverse("notices:feed")).content.decode(),
            "api": api.get(reverse("notice-list")).content.decode(),
        }
        detail = client.get(board["penalty"].get_absolute_url())
        api_detail = api.get(reverse("notice-detail", args=[board["scores"].pk]))

    for surface, text in pages.items():
        assert ("处罚决定 2026-0012" in text) is shown, surface
        assert ("2026年第二季度考核结果" in text) is shown, surface
        assert "算力券申领通知" in text, surface  # other kinds stay
    assert detail.status_code == (200 if shown else 410)
    assert api_detail.status_code == (200 if shown else 404)


def test_a_removed_publication_says_so_in_chinese_without_its_text(client, board):
    with time_machine.travel(DAY_31, tick=False):
        response = client.get(board["penalty"].get_absolute_url())
        posted = client.post(board["penalty"].get_absolute_url(), {"text": "异议"})

    assert response.status_code == posted.status_code == 410
    page = response.content.decode()
    assert "公示已撤下" in page and "本公示已于2026年7月6日撤下公示栏。" in page
    assert "公示期结束后继续公示 30 日" in page
    assert "处罚决定 2026-0012" not in page and board["penalty"].body not in page


def test_the_staff_archive_keeps_them(client_for, board, administrator):
    client = client_for(administrator)
    with time_machine.travel(DAY_31, tick=False):
        everything = client.get(PUBLICATIONS).content.decode()
        off_board = client.get(PUBLICATIONS, {"on_board": "no"}).content.decode()
        on_board = client.get(PUBLICATIONS, {"on_board": "yes"}).content.decode()
        page = client.get(reverse("admin:notices_publication_change", args=[board["penalty"].pk]))

    assert "处罚决定 2026-0012" in everything and "处罚决定 2026-0012" in off_board
    assert "处罚决定 2026-0012" not in on_board and "算力券申领通知" in on_board
    assert "撤下公示栏时间" in page.content.decode()


def test_query_counts_stay_fixed_with_publications_off_the_board(client, publish, django_assert_num_queries):
    for number in range(25):
        publish(title=f"第{number}号处罚决定")
        publish(kind=PublicationKind.POLICY_NOTICE, title=f"第{number}号通知", body="正文。")
    api = APIClient()
    gone = Publication.objects.filter(kind=PublicationKind.PENALTY_DECISION).first().get_absolute_url()
    with time_machine.travel(DAY_31 + timedelta(days=1), tick=False):
        with django_assert_num_queries(2):  # paginator COUNT, the page
            client.get(reverse("notices:list"))
        with django_assert_num_queries(1):  # the latest publications
            client.get(reverse("notices:feed"))
        with django_assert_num_queries(2):  # paginator COUNT, the page
            api.get(reverse("notice-list"))
        with django_assert_num_queries(1):  # the publication (off the board: the "removed" page)
            assert client.get(gone).status_code == 410
