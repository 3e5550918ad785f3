"""The operations desk for rewards and volunteer services (第八章第一条)."""
# ruff: noqa: F811 - pytest fixtures imported from support.rewards are parameters here

from datetime import date

import pytest
from django.urls import reverse

from discipline.models import Reward, RewardStatus, VolunteerService
from discipline.services import rewards as services
from opc_community.notices.models import Publication
from tests.discipline.support.rewards import (  # noqa: F401
    check_in,
    eligible,
    member_a,
    member_b,
    on_day,
    today,
)
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db
CANDIDATES = reverse("admin:discipline_reward_candidates")


def test_the_candidates_page_and_verify_and_propose(client_for, today, member_a, member_b, administrator):
    eligible(member_a, administrator)
    client = client_for(administrator)
    html = client.get(CANDIDATES).content.decode()
    assert "张三" in html and "欧阳娜娜" in html and "核实并提名" in html and "志愿服务 0 次" in html
    response = client.post(CANDIDATES, {"resident": member_a.pk, "year": 2026, "note": ""})
    assert response.status_code == 302
    assert Reward.objects.get().status == RewardStatus.VERIFIED
    client.post(CANDIDATES, {"resident": member_b.pk, "year": 2026, "note": ""})  # not eligible: refused
    assert Reward.objects.count() == 1
    export = client.get(reverse("admin:discipline_reward_candidates_export") + "?year=2026")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("residents", [1, 10])
def test_the_candidates_page_queries_do_not_grow(django_assert_num_queries, client_for, today, administrator,
                                                  residents):
    for _ in range(residents):
        eligible(ResidentFactory(), administrator)
    client = client_for(administrator)
    client.get(CANDIDATES)
    with django_assert_num_queries(7):  # session, user, permissions ×2 (view, decide), rulebook, residents, sidebar
        assert client.get(CANDIDATES).status_code == 200


def test_the_candidates_are_shown_a_page_at_a_time(client_for, today, administrator, monkeypatch):
    monkeypatch.setattr("discipline.admin.rewards.CANDIDATES_PER_PAGE", 2)
    ResidentFactory.create_batch(3)
    client = client_for(administrator)
    first = client.get(CANDIDATES)
    assert len(first.context["candidates"]) == 2 and "第 1 页 / 共 2 页" in first.content.decode()
    assert first.context["total"] == 3
    second = client.get(CANDIDATES, {"page": 2})
    assert len(second.context["candidates"]) == 1


def test_staff_without_the_permission_are_refused(client_for, today, daily_staff, oversight):
    assert client_for(daily_staff).get(CANDIDATES).status_code == 403
    assert client_for(oversight).get(CANDIDATES).status_code == 200  # reads
    assert client_for(oversight).post(CANDIDATES, {"resident": 1, "year": 2026}).status_code == 403
    assert client_for(oversight).get(reverse("admin:discipline_reward_innovation")).status_code == 403


def test_an_innovation_amount_outside_the_range_is_refused_next_to_the_field(client_for, today, member_a,
                                                                              administrator):
    url = reverse("admin:discipline_reward_innovation")
    data = {"resident": member_a.pk, "level": "municipal", "amount": "3500", "certificate": "证书 001", "reason": "获奖"}
    response = client_for(administrator).post(url, data)
    assert response.status_code == 200 and "¥1,000.00–¥3,000.00" in response.content.decode()
    assert not Reward.objects.exists()
    response = client_for(administrator).post(url, {**data, "amount": "3000"})
    assert response.status_code == 302 and Reward.objects.get().amount == 3000


def test_publish_grant_and_annul_through_the_actions(client_for, member_a, administrator):
    with on_day(date(2026, 9, 25)):
        cash = services.reward_verify_other(resident=member_a, choice="cash", amount="300", reason="分享",
                                            actor=administrator)
        other = services.reward_verify_other(resident=member_a, choice="cash", amount="100", reason="分享",
                                             actor=administrator)
    changelist = reverse("admin:discipline_reward_changelist")
    client = client_for(administrator)
    with on_day(date(2026, 9, 28)):
        client.post(changelist, {"action": "publish", "_selected_action": [cash.pk]})
        form = client.post(changelist, {"action": "annul", "_selected_action": [other.pk]})
        assert form.status_code == 200 and "撤销" in form.content.decode()
        client.post(changelist, {"action": "annul", "_selected_action": [other.pk], "apply": "1", "reason": "重复"})
    cash.refresh_from_db(), other.refresh_from_db()
    assert cash.status == RewardStatus.PUBLISHED and other.status == RewardStatus.ANNULLED
    from opc_community.notices.services import publication_close
    from tests.discipline.support.rewards import at

    publication = Publication.objects.get(object_id=cash.pk, kind="reward_decision")
    publication_close(publication=publication, now=at(date(2026, 10, 9), 0, 5))
    with on_day(date(2026, 10, 22)):
        html = client.get(changelist + "?grant_overdue=yes").content.decode()
        assert "已逾期" in html
        client.post(changelist, {"action": "grant", "_selected_action": [cash.pk], "apply": "1", "note": "转账 001"})
    cash.refresh_from_db()
    assert cash.status == RewardStatus.GRANTED and cash.grant_note == "转账 001"
    assert client.get(reverse("admin:discipline_reward_change", args=[cash.pk])).status_code == 200


def test_volunteer_services_are_added_through_the_service_and_exported(client_for, today, member_a, administrator):
    check_in(member_a, date(2026, 1, 5))
    client = client_for(administrator)
    add = reverse("admin:discipline_volunteerservice_add")
    refused = client.post(add, {"resident": member_a.pk, "served_on": "2026-10-13", "activity": "活动"})
    assert refused.status_code == 200 and not VolunteerService.objects.exists()
    done = client.post(add, {"resident": member_a.pk, "served_on": "2026-10-10", "activity": "活动", "hours": "2"})
    assert done.status_code == 302
    record = VolunteerService.objects.get()
    assert record.recorded_by == administrator
    changelist = reverse("admin:discipline_volunteerservice_changelist")
    assert "活动" in client.get(changelist + "?q=张三").content.decode()
    export = client.post(changelist, {"action": "export_excel", "_selected_action": [record.pk]})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_recorded_volunteer_service_is_shown_read_only(client_for, today, member_a, administrator):
    """Regression: its page crashed (the add form's fields are not on the read-only page)."""
    check_in(member_a, date(2026, 1, 5))
    record = services.volunteer_service_record(resident=member_a, served_on=date(2026, 10, 10), activity="义务讲解",
                                               hours=None, actor=administrator)
    page = client_for(administrator).get(reverse("admin:discipline_volunteerservice_change", args=[record.pk]))
    assert page.status_code == 200 and "义务讲解" in page.content.decode()
