"""The sharing board's services (资源共享平台、AI能力共享池, 第四章第二条 3): posting with the confirmation, the
limit, editing, closing, renewing, expiry, hiding; interest; matches both sides confirm; suspensions; exit
and archive."""

from datetime import timedelta

import pytest

from discipline.models import Suspension, SuspensionScope
from opc_community.core.errors import DomainError
from opc_community.portal.models import Notification
from residents.selectors.archive import resident_archive
from residents.services.lifecycle import exit_handlers, force_exit
from resources.models import (
    Answer,
    MatchStatus,
    PostStatus,
    SharingCategory,
    SharingKind,
    SharingMatch,
    SharingPost,
)
from resources.services import sharing as services
from tests.resources.sharing_support import interest, post
from tests.resources.support import NOW, at, member, sh

pytestmark = pytest.mark.django_db


def suspend(resident, scope: str) -> Suspension:
    return Suspension.objects.create(resident=resident, scope=scope, starts_at=NOW - timedelta(hours=1),
                                     ends_at=sh(2026, 10, 19, 18, 0), reason="违规处罚：滥用资源")


# --- Posting ----------------------------------------------------------------------------------------------


def test_a_post_is_stamped_with_its_confirmation_and_expires_after_the_rule_days(member_a):
    offer = post(member_a)
    assert offer.status == PostStatus.OPEN and offer.no_secrets_confirmed_at == NOW
    assert offer.expires_at == sh(2026, 12, 11, 0, 0)  # 60 days (rule data sharing.post_validity_days)


def test_without_the_confirmation_nothing_is_posted(member_a):
    with pytest.raises(DomainError) as refused:
        services.post_create(resident=member_a, kind=SharingKind.NEED, category=SharingCategory.CUSTOMERS,
                             title="找渠道", body="需要跨境电商渠道", confirm_no_secrets=False, actor=member_a.user)
    assert refused.value.field == "confirm_no_secrets"
    assert "不含商业秘密" in str(refused.value.message) and "第四章第二条" in str(refused.value.message)
    assert not SharingPost.objects.exists()


@pytest.mark.parametrize(("field", "values"), [
    ("kind", {"kind": "gift"}), ("category", {"category": "weapons"}), ("title", {"title": "  "}),
    ("body", {"body": ""}), ("title", {"title": "长" * 81}),
])
def test_bad_fields_are_named(member_a, field, values):
    data = {"kind": "offer", "category": "datasets", "title": "数据集", "body": "电商评论数据集", **values}
    with pytest.raises(DomainError) as refused:
        services.post_create(resident=member_a, confirm_no_secrets=True, actor=member_a.user, **data)
    assert refused.value.field == field


def test_a_resident_posts_only_for_itself(member_a, member_b):
    with pytest.raises(DomainError) as refused:
        services.post_create(resident=member_a, kind="offer", category="other", title="x", body="y",
                             confirm_no_secrets=True, actor=member_b.user)
    assert refused.value.code == "not_allowed"


def test_at_most_max_open_posts_on_the_board(member_a):
    for number in range(10):
        post(member_a, title=f"供给 {number}")
    with pytest.raises(DomainError) as refused:
        post(member_a, title="第 11 条")
    assert refused.value.status_code == 409 and "10" in str(refused.value.message)
    services.post_close(post=SharingPost.objects.first(), actor=member_a.user)
    assert post(member_a, title="第 11 条").status == PostStatus.OPEN


def test_only_the_author_edits_and_the_confirmation_is_stamped_again(member_a, member_b):
    offer = post(member_a)
    with pytest.raises(DomainError) as refused:
        services.post_update(post=offer, actor=member_b.user, category="agents", title="改", body="改",
                             confirm_no_secrets=True)
    assert refused.value.code == "not_allowed"
    with at(NOW + timedelta(days=1)):
        changed = services.post_update(post=offer, actor=member_a.user, category="technology", title="新标题",
                                       body="新描述", confirm_no_secrets=True)
    assert changed.title == "新标题" and changed.no_secrets_confirmed_at == NOW + timedelta(days=1)
    with pytest.raises(DomainError):
        services.post_update(post=offer, actor=member_a.user, category="technology", title="x", body="y",
                             confirm_no_secrets=False)


def test_expiry_renewal_and_closing(member_a):
    offer = post(member_a)
    with at(sh(2026, 12, 11, 0, 30)):
        assert services.posts_expire() == 1
        assert services.posts_expire() == 0  # idempotent
        offer.refresh_from_db()
        assert offer.status == PostStatus.EXPIRED
        assert Notification.objects.filter(recipient=member_a.user, kind="resources.sharing_expired").count() == 1
        renewed = services.post_renew(post=offer, actor=member_a.user)
        assert renewed.status == PostStatus.OPEN and renewed.expires_at == sh(2027, 2, 9, 0, 0)
    closed = services.post_close(post=offer, actor=member_a.user)
    assert closed.status == PostStatus.CLOSED
    with pytest.raises(DomainError):
        services.post_renew(post=offer, actor=member_a.user)


def test_staff_hide_with_a_reason_the_author_reads(member_a, member_b, resources_staff):
    offer = post(member_a)
    match = services.match_propose(post=offer, other_post=post(member_b, kind="need"), actor=resources_staff)
    with pytest.raises(DomainError):
        services.post_hide(post=offer, reason="", actor=resources_staff)
    with pytest.raises(DomainError) as refused:
        services.post_hide(post=offer, reason="含客户名单", actor=member_b.user)
    assert refused.value.code == "not_allowed"
    hidden = services.post_hide(post=offer, reason="含他人客户名单（个人信息）", actor=resources_staff)
    assert hidden.status == PostStatus.HIDDEN and hidden.hidden_reason == "含他人客户名单（个人信息）"
    note = Notification.objects.get(recipient=member_a.user, kind="resources.sharing_hidden")
    assert "含他人客户名单" in note.body and "你的" not in note.title
    match.refresh_from_db()
    assert match.status == MatchStatus.CANCELLED


# --- Interest ---------------------------------------------------------------------------------------------------


def test_interest_once_not_in_own_post_and_the_author_is_told(member_a, member_b):
    offer = post(member_a)
    with pytest.raises(DomainError):
        interest(offer, member_a)
    interest(offer, member_b)
    with pytest.raises(DomainError) as refused:
        interest(offer, member_b)
    assert refused.value.status_code == 409
    note = Notification.objects.get(recipient=member_a.user, kind="resources.sharing_interest")
    assert "欧阳娜娜" in note.body and "律所" in note.body


def test_no_interest_in_a_post_off_the_board(member_a, member_b):
    offer = post(member_a)
    with at(sh(2026, 12, 11, 9, 0)), pytest.raises(DomainError) as refused:
        interest(offer, member_b)
    assert "不在" in str(refused.value.message) or refused.value.field == "message"


# --- Matches ----------------------------------------------------------------------------------------------------


def test_a_match_holds_when_both_sides_confirm(member_a, member_b, resources_staff):
    offer = post(member_a)
    match = services.match_propose(post=offer, interest=interest(offer, member_b), note="建议先试用一周",
                                   actor=resources_staff)
    assert match.counterpart == member_b and match.status == MatchStatus.PROPOSED
    assert Notification.objects.filter(kind="resources.sharing_match").count() == 2
    services.match_answer(match=match, accept=True, actor=member_a.user)
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED and match.author_answer == Answer.ACCEPTED
    with pytest.raises(DomainError):
        services.match_answer(match=match, accept=True, actor=member_a.user)  # answered already
    services.match_answer(match=match, accept=True, actor=member_b.user)
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED and match.decided_at == NOW
    assert Notification.objects.filter(kind="resources.sharing_confirmed").count() == 2


def test_either_side_declines(member_a, member_b, resources_staff):
    need = post(member_a, kind=SharingKind.NEED, category=SharingCategory.CHANNELS, title="寻找海外渠道")
    offer = post(member_b, kind=SharingKind.OFFER, category=SharingCategory.CHANNELS, title="东南亚分销渠道")
    match = services.match_propose(post=need, other_post=offer, actor=resources_staff)
    services.match_answer(match=match, accept=False, actor=member_b.user)
    match.refresh_from_db()
    assert match.status == MatchStatus.DECLINED and match.counterpart_answer == Answer.DECLINED


def test_only_the_two_sides_answer(member_a, member_b, resources_staff):
    offer = post(member_a)
    match = services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    third = member(name="王五")
    with pytest.raises(DomainError) as refused:
        services.match_answer(match=match, accept=True, actor=third.user)
    assert refused.value.code == "not_allowed"


def test_match_checks(member_a, member_b, resources_staff):
    offer = post(member_a)
    other_offer = post(member_b, title="另一条供给")
    with pytest.raises(DomainError):  # two offers
        services.match_propose(post=offer, other_post=other_offer, actor=resources_staff)
    with pytest.raises(DomainError):  # own two posts
        services.match_propose(post=offer, other_post=post(member_a, kind="need"), actor=resources_staff)
    with pytest.raises(DomainError) as refused:  # not the resources team
        services.match_propose(post=offer, other_post=post(member_b, kind="need"), actor=member_b.user)
    assert refused.value.code == "not_allowed"
    need = post(member_b, kind="need", title="需要")
    services.match_propose(post=offer, other_post=need, actor=resources_staff)
    with pytest.raises(DomainError) as twice:
        services.match_propose(post=offer, other_post=need, actor=resources_staff)
    assert twice.value.status_code == 409


def test_staff_cancel_a_waiting_match(member_a, member_b, resources_staff):
    offer = post(member_a)
    match = services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    cancelled = services.match_cancel(match=match, reason="误配", actor=resources_staff)
    assert cancelled.status == MatchStatus.CANCELLED
    with pytest.raises(DomainError):
        services.match_answer(match=match, accept=True, actor=member_a.user)


# --- Suspensions (RULEBOOK §9: the resources and community scopes cover the sharing board) ----------------------


@pytest.mark.parametrize("scope", [SuspensionScope.RESOURCES, SuspensionScope.COMMUNITY])
def test_a_suspended_resident_cannot_post_express_interest_or_accept(member_a, member_b, resources_staff, scope):
    offer = post(member_b)
    mine = post(member_a, kind="need")
    match = services.match_propose(post=mine, other_post=offer, actor=resources_staff)
    suspend(member_a, scope)
    for attempt in (lambda: post(member_a, title="新的"), lambda: interest(offer, member_a),
                    lambda: services.match_answer(match=match, accept=True, actor=member_a.user),
                    lambda: services.post_renew(post=mine, actor=member_a.user)):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "suspended"
        assert "2026年10月19日 18:00" in str(refused.value.message)
    # giving up is never refused: declining and closing
    services.match_answer(match=match, accept=False, actor=member_a.user)
    services.post_close(post=mine, actor=member_a.user)


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_SPACES, SuspensionScope.PUBLIC_RESOURCES])
def test_another_scope_does_not_stop_sharing(member_a, scope):
    suspend(member_a, scope)
    assert post(member_a).status == PostStatus.OPEN


# --- Exit and archive (第三章第四条、第五条) --------------------------------------------------------------------------


def test_the_exit_handler_is_registered():
    assert exit_handlers()["resources.sharing"] is services.posts_close_for_exit


def test_an_exit_closes_the_posts_and_cancels_waiting_matches(member_a, member_b, resources_staff, administrator):
    offer = post(member_a)
    waiting = services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    theirs = post(member_b, kind="need", title="别人的需求")
    force_exit(resident=member_a, reason="严重违规", ban_years=1, actor=administrator)
    offer.refresh_from_db()
    waiting.refresh_from_db()
    theirs.refresh_from_db()
    assert offer.status == PostStatus.CLOSED and offer.close_note == "入驻主体退出时关闭。"
    assert waiting.status == MatchStatus.CANCELLED
    assert theirs.status == PostStatus.OPEN


def test_the_handler_says_what_it_did(member_a, administrator):
    assert services.posts_close_for_exit(resident=member_a, exit=None, actor=administrator) == ""
    post(member_a)
    note = services.posts_close_for_exit(resident=member_a, exit=None, actor=administrator)
    assert note == "共享平台：关闭发布 1 条，取消撮合 0 个。"


def test_the_archive_lists_posts_and_matches(member_a, member_b, resources_staff):
    offer = post(member_a)
    match = services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    services.match_answer(match=match, accept=True, actor=member_a.user)
    services.match_answer(match=match, accept=True, actor=member_b.user)
    sections = {key: rows for key, _label, rows in resident_archive(member_a).sections}
    titles = [row.title for row in sections["sharing"]]
    assert titles[0].startswith("共享发布（供给）：合同审查智能体")
    assert "欧阳娜娜" in titles[1] and "已确认" in titles[1]
    assert SharingMatch.objects.get().status == MatchStatus.CONFIRMED
