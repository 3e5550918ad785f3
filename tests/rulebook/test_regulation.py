"""The regulation's own text, versioned (第九章第一条): the vendored full text, a version's changed articles
laid over it in order, a revision shown article by article (old / new) with its rule changes, the public
pages (no login, nothing personal) and the notice board's link; fixed query counts."""

import copy
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from opc_community.core.errors import DomainError
from opc_community.rulebook import regulation
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.services import rulebook_version_update
from tests.rulebook.factories import RulebookVersionFactory, first_version

pytestmark = pytest.mark.django_db
NEW_4_1 = "第四章第一条 空间管理（修订）：公共区域每日清洁两次。"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(date(2027, 3, 1), tick=False):
        yield


def test_the_vendored_text_has_every_article_in_order():
    numbers = [article.article for article in regulation.original()]
    assert numbers[:3] == ["前言", "第一章", "第一章第一条"] and numbers[-1] == "第九章第五条"
    by_number = {article.article: article for article in regulation.original()}
    assert "不可抗力" in by_number["第九章第二条"].text and by_number["第四章第一条"].title == "空间管理"
    assert len(numbers) == len(set(numbers)) == 42


@pytest.mark.parametrize(("articles", "message"), [
    ({"第十章第一条": "x"}, "第十章第一条"),
    ({"第四章第一条": "  "}, "第四章第一条"),
    (["第四章第一条"], ""),
])
def test_changed_articles_must_name_articles_of_the_regulation(articles, message):
    with pytest.raises(DomainError) as refusal:
        regulation.clean_articles(articles)
    assert refusal.value.field == "articles" and message in refusal.value.message


def test_the_text_in_force_lays_each_adopted_version_over_the_original(django_assert_num_queries):
    RulebookVersionFactory(number=2, effective_from=date(2027, 1, 1), articles={"第四章第一条": NEW_4_1})
    RulebookVersionFactory(number=3, effective_from=date(2027, 6, 1), articles={"第四章第一条": "将来的文本"})
    with django_assert_num_queries(1):
        version, articles = regulation.full_text()
    article = {a.article: a for a in articles}["第四章第一条"]
    assert version.number == 2 and article.text == NEW_4_1 and article.revised_in == 2
    _version, before = regulation.full_text(on=date(2026, 12, 31))
    assert {a.article: a for a in before}["第四章第一条"].revised_in is None


def test_a_revision_shows_its_articles_old_and_new_with_the_rule_changes(django_assert_max_num_queries):
    body = copy.deepcopy(first_version().body)
    body["rounds"]["cleaning_areas"]["lobby"]["cleanings_per_day"] = 3
    version = RulebookVersionFactory(number=2, effective_from=date(2027, 1, 1), body=body,
                                     articles={"第九章第二条": "修订后的免责条款。"})
    with django_assert_max_num_queries(3):
        changes = regulation.revision_articles(version)
    assert [change.article for change in changes] == ["第四章第一条", "第九章第二条"]
    rooms, disclaimers = changes
    assert not rooms.text_changed and len(rooms.rules) == 1 and "3" in rooms.rules[0].new
    assert disclaimers.text_changed and "不可抗力" in disclaimers.old and disclaimers.new == "修订后的免责条款。"


def test_only_a_draft_takes_new_article_texts(administrator):
    draft = RulebookVersionFactory(number=2, status=RulebookVersion.Status.DRAFT, created_by=administrator)
    rulebook_version_update(version=draft, actor=administrator, body=draft.body, title="第二版", summary="",
                            effective_from=draft.effective_from, articles={"第九章第二条": " 新文本 "})
    draft.refresh_from_db()
    assert draft.articles == {"第九章第二条": "新文本"}


def test_the_full_text_and_a_revision_are_public(client, django_assert_max_num_queries):
    version = RulebookVersionFactory(number=2, effective_from=date(2027, 1, 1), articles={"第四章第一条": NEW_4_1})
    with django_assert_max_num_queries(4):
        page = client.get(reverse("rulebook:regulation"))
    html = page.content.decode()
    assert page.status_code == 200 and NEW_4_1 in html and "第九章 附则" in html and "责任免责" in html
    revision = client.get(reverse("rulebook:revision", args=[version.pk])).content.decode()
    assert "空间管理" in revision and NEW_4_1 in revision and "社区安排专人负责公共区域的清洁" in revision
    draft = RulebookVersionFactory(number=3, status=RulebookVersion.Status.DRAFT)
    assert client.get(reverse("rulebook:revision", args=[draft.pk])).status_code == 404


def test_the_board_links_a_revision_to_its_articles(client, administrator):
    from opc_community.rulebook.services import rulebook_version_publish

    with time_machine.travel(date(2026, 12, 1), tick=False):
        draft = RulebookVersionFactory(number=2, status=RulebookVersion.Status.DRAFT, effective_from=date(2027, 1, 4),
                                       articles={"第四章第一条": NEW_4_1}, created_by=administrator)
        publication = rulebook_version_publish(version=draft, actor=administrator)
        page = client.get(reverse("notices:detail", args=[publication.pk])).content.decode()
    assert reverse("rulebook:revision", args=[draft.pk]) in page
