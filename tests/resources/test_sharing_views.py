"""Sharing board pages, desk and API (资源共享平台、AI能力共享池, 第四章第二条 3): the board with filters, posting with
the confirmation, a post's page (the author sees interest, others express it), 我的共享 with match answers; the
desk's hide and match actions and the quarterly report with chart and Excel; the API (filters, OpenAPI); another
resident's post and interest messages out of reach; anonymous visitors refused; fixed query counts."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from resources.models import (
    MatchStatus,
    PostStatus,
    SharingInterest,
    SharingKind,
    SharingMatch,
    SharingPost,
)
from resources.services import sharing as services
from tests.resources.sharing_support import interest, post
from tests.resources.support import member

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Portal -----------------------------------------------------------------------------------------------------


def test_the_board_filters_by_kind_and_category(member_a, member_b, client_for):
    post(member_a, title="合同审查智能体")
    post(member_b, kind=SharingKind.NEED, category="customers", title="寻找律所客户")
    client = client_for(member_a.user)
    page = client.get(reverse("resources:sharing_list")).content.decode()
    assert "合同审查智能体" in page and "寻找律所客户" in page and "资源共享平台" in page
    needs = client.get(reverse("resources:sharing_list"), {"kind": "need"}).content.decode()
    assert "寻找律所客户" in needs and "合同审查智能体" not in needs
    agents = client.get(reverse("resources:sharing_list"), {"category": "agents"}).content.decode()
    assert "合同审查智能体" in agents and "寻找律所客户" not in agents


def test_anonymous_visitors_and_outsiders_never_see_the_board(member_a, client, outsider, client_for):
    offer = post(member_a)
    for url in (reverse("resources:sharing_list"), reverse("resources:sharing_detail", args=[offer.pk])):
        assert client.get(url).status_code == 302  # to the login
        assert client_for(outsider).get(url).status_code == 403
    assert APIClient().get("/api/v1/sharing-posts/").status_code in (401, 403)


def test_posting_needs_the_confirmation(member_a, client_for):
    client = client_for(member_a.user)
    data = {"kind": "offer", "category": "datasets", "title": "电商评论数据集", "body": "10 万条脱敏评论"}
    refused = client.post(reverse("resources:sharing_new"), data)
    assert refused.status_code == 400 and "不含商业秘密" in refused.content.decode()
    assert not SharingPost.objects.exists()
    done = client.post(reverse("resources:sharing_new"), {**data, "confirm_no_secrets": "on"})
    assert done.status_code == 302
    assert SharingPost.objects.get().no_secrets_confirmed_at is not None


def test_only_the_author_sees_who_expressed_interest(member_a, member_b, client_for):
    offer = post(member_a)
    interest(offer, member_b, message="想试用，联系方式见撮合")
    third = member(name="王五")
    author_page = client_for(member_a.user).get(reverse("resources:sharing_detail", args=[offer.pk])).content.decode()
    assert "想试用，联系方式见撮合" in author_page and "欧阳娜娜" in author_page
    other_page = client_for(third.user).get(reverse("resources:sharing_detail", args=[offer.pk])).content.decode()
    assert "想试用" not in other_page and "欧阳娜娜" not in other_page
    assert 'data-testid="sharing-interest-form"' in other_page
    # the API: the author and staff list the interests; another resident is refused and sees none of them
    assert _api(member_a.user).get(f"/api/v1/sharing-posts/{offer.pk}/interest/").json()[0]["message"]
    assert _api(third.user).get(f"/api/v1/sharing-posts/{offer.pk}/interest/").status_code == 403
    assert _api(third.user).get("/api/v1/sharing-interests/").json()["count"] == 0


def test_a_resident_cannot_edit_close_or_renew_anothers_post(member_a, member_b, client_for):
    offer = post(member_a)
    client = client_for(member_b.user)
    for name in ("sharing_edit",):
        assert client.get(reverse(f"resources:{name}", args=[offer.pk])).status_code == 404
        assert client.post(reverse(f"resources:{name}", args=[offer.pk]), {
            "category": "other", "title": "改掉", "body": "改掉", "confirm_no_secrets": "on"}).status_code == 404
    for name in ("sharing_close", "sharing_renew"):
        assert client.post(reverse(f"resources:{name}", args=[offer.pk])).status_code == 404
    api = _api(member_b.user)
    assert api.patch(f"/api/v1/sharing-posts/{offer.pk}/", {"title": "改掉", "confirm_no_secrets": True},
                     format="json").status_code == 403
    assert api.post(f"/api/v1/sharing-posts/{offer.pk}/close/").status_code == 403
    offer.refresh_from_db()
    assert offer.title == "合同审查智能体" and offer.status == PostStatus.OPEN


def test_a_post_off_the_board_is_not_found_for_others(member_a, member_b, client_for):
    offer = post(member_a)
    services.post_close(post=offer, actor=member_a.user)
    assert client_for(member_b.user).get(reverse("resources:sharing_detail", args=[offer.pk])).status_code == 404
    assert client_for(member_a.user).get(reverse("resources:sharing_detail", args=[offer.pk])).status_code == 200


def test_the_author_reads_why_a_post_was_hidden(member_a, resources_staff, client_for):
    offer = post(member_a)
    services.post_hide(post=offer, reason="含他人手机号", actor=resources_staff)
    page = client_for(member_a.user).get(reverse("resources:sharing_detail", args=[offer.pk])).content.decode()
    assert 'data-testid="sharing-hidden-reason"' in page and "含他人手机号" in page


def test_interest_and_match_confirmation_in_the_portal(member_a, member_b, resources_staff, client_for):
    offer = post(member_a)
    client_b = client_for(member_b.user)
    sent = client_b.post(reverse("resources:sharing_detail", args=[offer.pk]), {"message": "我们有律所客户"})
    assert sent.status_code == 302
    match = services.match_propose(post=offer, interest=SharingInterest.objects.get(), actor=resources_staff)
    mine = client_b.get(reverse("resources:sharing_mine")).content.decode()
    assert "确认撮合" in mine and "张三" in mine
    assert client_b.post(reverse("resources:sharing_match_accept", args=[match.pk])).status_code == 302
    assert client_for(member_a.user).post(reverse("resources:sharing_match_accept", args=[match.pk])).status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED


def test_a_resident_cannot_answer_anothers_match(member_a, member_b, resources_staff, client_for):
    offer = post(member_a)
    match = services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    third = member(name="王五")
    assert client_for(third.user).post(reverse("resources:sharing_match_accept", args=[match.pk])).status_code == 404
    assert _api(third.user).post(f"/api/v1/sharing-matches/{match.pk}/accept/").status_code == 404
    assert "王五" not in str(SharingMatch.objects.values_list("counterpart__name", flat=True))


def test_the_board_takes_a_fixed_number_of_queries(member_a, client_for, django_assert_max_num_queries):
    post(member_a)
    client = client_for(member_a.user)
    client.get(reverse("resources:sharing_list"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("resources:sharing_list"))
    for index in range(6):
        post(member(name=f"居民{index}"), title=f"供给 {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("resources:sharing_list")).status_code == 200


def test_my_sharing_takes_a_fixed_number_of_queries(member_a, member_b, resources_staff, client_for,
                                                     django_assert_max_num_queries):
    first = post(member_a, title="供给")
    services.match_propose(post=first, interest=interest(first, member_b), actor=resources_staff)
    interest(post(member_b, title="需求", kind="need"), member_a)
    client = client_for(member_a.user)
    client.get(reverse("resources:sharing_mine"))
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("resources:sharing_mine"))
    for index in range(3):
        offer = post(member_a, title=f"供给 {index}")
        services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
        interest(post(member_b, title=f"需求 {index}", kind="need"), member_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("resources:sharing_mine")).status_code == 200


# --- The desk ---------------------------------------------------------------------------------------------------


def test_hide_action_and_queue(member_a, resources_staff, client_for):
    offer = post(member_a)
    client = client_for(resources_staff)
    assert client.get(reverse("admin:resources_sharingpost_changelist")).status_code == 200
    response = client.post(reverse("admin:resources_sharingpost_changelist"), {
        "action": "hide", "_selected_action": [offer.pk], "apply": "1", "reason": "含商业秘密"})
    assert response.status_code == 302
    assert SharingPost.objects.get(pk=offer.pk).status == PostStatus.HIDDEN


def test_match_actions(member_a, member_b, resources_staff, client_for):
    offer = post(member_a)
    need = post(member_b, kind="need", title="找合同审查工具")
    client = client_for(resources_staff)
    response = client.post(reverse("admin:resources_sharingpost_changelist"), {
        "action": "match_pair", "_selected_action": [offer.pk, need.pk], "apply": "1", "note": "两位可以聊聊"})
    assert response.status_code == 302
    third = member(name="王五")
    wanted = interest(offer, third)
    response = client.post(reverse("admin:resources_sharinginterest_changelist"), {
        "action": "match", "_selected_action": [wanted.pk], "apply": "1"})
    assert response.status_code == 302
    assert SharingMatch.objects.filter(post=offer, status=MatchStatus.PROPOSED).count() == 2


def test_quarterly_report_with_chart_and_export(member_a, member_b, resources_staff, client_for):
    offer = post(member_a)
    match = services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    services.match_answer(match=match, accept=True, actor=member_a.user)
    services.match_answer(match=match, accept=True, actor=member_b.user)
    client = client_for(resources_staff)
    page = client.get(reverse("admin:resources_sharingpost_report"), {"quarter": "2026Q4"})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="sharing-chart-title"' in text and "2026Q4" in text
    export = client.get(reverse("admin:resources_sharingpost_report_export"), {"quarter": "2026Q4"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    empty = client.get(reverse("admin:resources_sharingpost_report"), {"quarter": "2026Q3"})
    assert empty.status_code == 200


def test_the_report_counts_by_category(member_a, member_b, resources_staff):
    from resources.selectors.sharing import quarter_report, report_total
    from tests.resources.support import NOW

    offer = post(member_a)
    post(member_b, kind="need", category="channels", title="渠道")
    match = services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    services.match_answer(match=match, accept=True, actor=member_a.user)
    services.match_answer(match=match, accept=True, actor=member_b.user)
    rows = {row.category: row for row in quarter_report(NOW.date())}
    assert (rows["agents"].offers, rows["agents"].interests, rows["agents"].confirmed) == (1, 1, 1)
    assert rows["channels"].needs == 1 and rows["datasets"].posts == 0
    assert report_total(list(rows.values())).posts == 2


def test_a_resident_cannot_open_the_desk(member_a, client_for):
    assert client_for(member_a.user).get(reverse("admin:resources_sharingpost_report")).status_code in (302, 403)


# --- API --------------------------------------------------------------------------------------------------------


def test_api_post_filters_and_confirmation(member_a, member_b):
    api = _api(member_a.user)
    refused = api.post("/api/v1/sharing-posts/", {"kind": "offer", "category": "agents", "title": "客服智能体",
                                                  "body": "可复用", "confirm_no_secrets": False}, format="json")
    assert refused.status_code == 400 and "不含商业秘密" in refused.content.decode()
    created = api.post("/api/v1/sharing-posts/", {"kind": "offer", "category": "agents", "title": "客服智能体",
                                                  "body": "可复用", "confirm_no_secrets": True}, format="json")
    assert created.status_code == 201, created.content
    post(member_b, kind="need", category="customers", title="找客户")
    assert [row["title"] for row in api.get("/api/v1/sharing-posts/", {"kind": "need"}).json()["results"]] == ["找客户"]
    assert [row["title"] for row in api.get("/api/v1/sharing-posts/", {"mine": "true"}).json()["results"]] == [
        "客服智能体"]
    assert api.get("/api/v1/sharing-posts/", {"category": "datasets"}).json()["count"] == 0


def test_api_interest_match_and_answers(member_a, member_b, resources_staff):
    offer = post(member_a)
    sent = _api(member_b.user).post(f"/api/v1/sharing-posts/{offer.pk}/interest/", {"message": "感兴趣"},
                                    format="json")
    assert sent.status_code == 201
    assert _api(member_b.user).post("/api/v1/sharing-matches/", {"post": offer.pk}, format="json").status_code == 403
    proposed = _api(resources_staff).post("/api/v1/sharing-matches/", {"post": offer.pk,
                                                                        "interest": sent.json()["id"]}, format="json")
    assert proposed.status_code == 201, proposed.content
    pk = proposed.json()["id"]
    assert _api(member_a.user).post(f"/api/v1/sharing-matches/{pk}/accept/").status_code == 200
    declined = _api(member_b.user).post(f"/api/v1/sharing-matches/{pk}/decline/")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    again = _api(member_b.user).post(f"/api/v1/sharing-matches/{pk}/accept/")
    assert again.status_code == 409


def test_api_hide_is_for_staff(member_a, member_b, resources_staff):
    offer = post(member_a)
    assert _api(member_b.user).post(f"/api/v1/sharing-posts/{offer.pk}/hide/", {"reason": "x"}).status_code == 403
    hidden = _api(resources_staff).post(f"/api/v1/sharing-posts/{offer.pk}/hide/", {"reason": "含客户名单"})
    assert hidden.status_code == 200 and hidden.json()["state"] == "hidden"


@pytest.mark.parametrize("url", ["/api/v1/sharing-posts/", "/api/v1/sharing-interests/", "/api/v1/sharing-matches/"])
def test_api_lists_take_a_fixed_number_of_queries(url, member_b, resources_staff, django_assert_max_num_queries):
    for index in range(4):
        resident = member(name=f"居民{index}")
        offer = post(resident, title=f"供给 {index}")
        services.match_propose(post=offer, interest=interest(offer, member_b), actor=resources_staff)
    for user in (resources_staff, member_b.user):
        with django_assert_max_num_queries(8):
            response = _api(user).get(url)
        assert response.status_code == 200 and response.json()["count"] >= 4


def test_openapi_lists_the_sharing_endpoints(openapi_schema):
    paths = openapi_schema["paths"]
    assert "/api/v1/sharing-posts/" in paths and "/api/v1/sharing-matches/{id}/accept/" in paths
    assert "/api/v1/sharing-posts/{id}/interest/" in paths
    names = openapi_schema["components"]["schemas"]
    assert "SharingPost" in names and "SharingMatch" in names


def test_api_post_with_an_idempotency_key_posts_once(member_a):
    client = _api(member_a.user)
    client.credentials(HTTP_IDEMPOTENCY_KEY="post-2026-10-12-001")
    body = {"kind": "need", "category": "technology", "title": "需要 OCR 方案", "body": "票据识别",
            "confirm_no_secrets": True}
    first = client.post("/api/v1/sharing-posts/", body, format="json")
    again = client.post("/api/v1/sharing-posts/", body, format="json")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert SharingPost.objects.count() == 1
