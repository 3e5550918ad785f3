"""The operations desk for the notice board: actions call services, statuses are never hand-edited."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opc_community.notices import services
from opc_community.notices.models import (
    Objection,
    ObjectionStatus,
    Publication,
    PublicationKind,
    PublicationOutcome,
    PublicationStatus,
)
from tests.notices.conftest import AFTER, END, START

pytestmark = pytest.mark.django_db

DURING = START + timedelta(hours=1)
PUBLICATIONS = reverse("admin:notices_publication_changelist")
OBJECTIONS = reverse("admin:notices_objection_changelist")


def _objection(publish, author):
    publication = publish()
    with time_machine.travel(DURING, tick=False):
        return services.objection_submit(publication=publication, author=author, text="事实有误")


def _run_action(client, url, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}
    return client.post(url, data)


# --- Seeing the desk ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "member", ["intake_staff", "resources_staff", "daily_staff", "administrator", "oversight"]
)
def test_staff_groups_see_the_publications(client_for, publish, request, member):
    publish()

    response = client_for(request.getfixturevalue(member)).get(PUBLICATIONS)

    assert response.status_code == 200
    assert "关于入驻主体张*违规使用空间的处罚决定" in response.content.decode()


def test_residents_do_not_reach_the_desk(client_for, resident_a):
    response = client_for(resident_a).get(PUBLICATIONS)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("admin:login"))


def test_the_list_shows_what_needs_attention(client_for, publish, administrator, resident_b):
    objection = _objection(publish, resident_b)
    services.publication_close(publication=objection.publication, now=AFTER)
    overdue = publish(title="到期未结束的公示")

    with time_machine.travel(AFTER + timedelta(minutes=1), tick=False):
        page = client_for(administrator).get(PUBLICATIONS).content.decode()

    assert "1 件异议待决定" in page
    assert "公示期已满，尚未结束公示" in page
    assert overdue.title in page


def test_the_list_does_not_query_per_row(client_for, publish, administrator, resident_b):
    client = client_for(administrator)
    publish()
    client.get(PUBLICATIONS)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as one_row:
        client.get(PUBLICATIONS)
    for _ in range(10):
        _objection(publish, resident_b)  # rows with objections to count

    with CaptureQueriesContext(connection) as many_rows:
        client.get(PUBLICATIONS)

    assert len(many_rows) == len(one_row)


# --- Publishing from the desk ----------------------------------------------------------


def test_staff_publish_a_notice_and_the_window_is_computed(client_for, intake_staff):
    with time_machine.travel(START, tick=False):
        response = client_for(intake_staff).post(
            reverse("admin:notices_publication_add"),
            {
                "kind": PublicationKind.SERVICE_PROCEDURE,
                "title": "入驻办理流程",
                "body": "一、提交申请……",
                "window_days": "",
            },
        )

    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.published_by == intake_staff
    assert publication.window_days == 3
    assert publication.window_ends_at == END


def test_decisions_are_not_published_from_the_desk(client_for, intake_staff):
    response = client_for(intake_staff).post(
        reverse("admin:notices_publication_add"),
        {"kind": PublicationKind.PENALTY_DECISION, "title": "处罚决定", "body": "……"},
    )

    assert response.status_code == 200  # the form comes back with an error on "kind"
    assert not Publication.objects.exists()


def test_oversight_cannot_publish(client_for, oversight):
    response = client_for(oversight).get(reverse("admin:notices_publication_add"))

    assert response.status_code == 403


def test_a_publication_is_never_edited_or_deleted_by_hand(client_for, publish, administrator):
    publication = publish()
    client = client_for(administrator)

    change = client.post(
        reverse("admin:notices_publication_change", args=[publication.pk]),
        {"status": PublicationStatus.CLOSED, "title": "改过的标题"},
    )
    delete = client.post(
        reverse("admin:notices_publication_delete", args=[publication.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    publication.refresh_from_db()
    assert (publication.status, publication.title) == (
        PublicationStatus.OPEN,
        "关于入驻主体张*违规使用空间的处罚决定",
    )


def test_the_change_page_reads_with_its_objections(client_for, publish, administrator, resident_b):
    objection = _objection(publish, resident_b)

    response = client_for(administrator).get(
        reverse("admin:notices_publication_change", args=[objection.publication.pk])
    )

    assert response.status_code == 200
    assert "事实有误" in response.content.decode()


# --- Actions on publications -------------------------------------------------------------


def test_closing_ended_windows_from_the_desk(client_for, publish, daily_staff):
    ended = publish()
    running = publish(title="进行中的公示", starts_at=AFTER)

    with time_machine.travel(AFTER + timedelta(minutes=1), tick=False):
        response = _run_action(
            client_for(daily_staff), PUBLICATIONS, "close_ended_windows", [ended, running]
        )

    assert response.status_code == 302
    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.status, ended.outcome) == (
        PublicationStatus.CLOSED,
        PublicationOutcome.TAKES_EFFECT,
    )
    assert running.status == PublicationStatus.OPEN


def test_withdrawing_asks_for_a_reason_first(client_for, publish, administrator):
    notice = publish(kind=PublicationKind.POLICY_NOTICE, title="算力券申领通知")
    client = client_for(administrator)

    asked = _run_action(client, PUBLICATIONS, "withdraw", [notice])
    refused = _run_action(client, PUBLICATIONS, "withdraw", [notice], apply="1", reason="")
    notice.refresh_from_db()
    assert notice.status == PublicationStatus.OPEN
    done = _run_action(
        client, PUBLICATIONS, "withdraw", [notice], apply="1", reason="申领条件有误，重新发布"
    )

    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.status == PublicationStatus.WITHDRAWN
    assert notice.withdrawal_reason == "申领条件有误，重新发布"


def test_a_decisions_publication_is_withdrawn_by_its_own_app(
    client_for, publish, administrator, resident_a
):
    decision = publish(subject=resident_a)

    _run_action(
        client_for(administrator),
        PUBLICATIONS,
        "withdraw",
        [decision],
        apply="1",
        reason="不该在这里撤销",
    )

    decision.refresh_from_db()
    assert decision.status == PublicationStatus.OPEN


def test_oversight_runs_no_actions(client_for, publish, oversight):
    publication = publish()

    with time_machine.travel(AFTER, tick=False):
        page = client_for(oversight).get(PUBLICATIONS).content.decode()
        _run_action(client_for(oversight), PUBLICATIONS, "close_ended_windows", [publication])

    assert "close_ended_windows" not in page
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.OPEN


# --- Deciding objections -------------------------------------------------------------------


def test_upholding_an_objection_asks_for_a_reason_and_closes_an_awaiting_publication(
    client_for, publish, resources_staff, resident_b
):
    # Given a window that ended with one pending objection
    objection = _objection(publish, resident_b)
    services.publication_close(publication=objection.publication, now=AFTER)
    client = client_for(resources_staff)

    # When staff choose "维持异议（撤销决定）": first the reason page, then the decision
    asked = _run_action(client, OBJECTIONS, "uphold", [objection])
    done = _run_action(
        client, OBJECTIONS, "uphold", [objection], apply="1", reason="监控显示消防通道未被堵塞"
    )

    # Then the objection is upheld with the reason, and the publication closes, overturned
    assert asked.status_code == 200
    assert "维持异议" in asked.content.decode()
    assert done.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert objection.decided_by == resources_staff
    assert objection.decision_reason == "监控显示消防通道未被堵塞"
    publication = Publication.objects.get(pk=objection.publication_id)
    assert (publication.status, publication.outcome) == (
        PublicationStatus.CLOSED,
        PublicationOutcome.OVERTURNED,
    )


def test_dismissing_without_a_reason_changes_nothing(client_for, publish, intake_staff, resident_b):
    objection = _objection(publish, resident_b)

    response = _run_action(
        client_for(intake_staff), OBJECTIONS, "dismiss", [objection], apply="1", reason="  "
    )

    assert response.status_code == 200
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


def test_a_decided_objection_is_not_decided_again(client_for, publish, administrator, resident_b):
    objection = _objection(publish, resident_b)
    services.objection_decide(
        objection=objection, upheld=False, reason="理由不成立", actor=administrator
    )

    _run_action(
        client_for(administrator), OBJECTIONS, "uphold", [objection], apply="1", reason="改判"
    )

    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED


def test_oversight_cannot_decide_objections(client_for, publish, oversight, resident_b):
    objection = _objection(publish, resident_b)

    _run_action(client_for(oversight), OBJECTIONS, "uphold", [objection], apply="1", reason="越权")

    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


def test_objections_are_neither_added_nor_edited_by_hand(
    client_for, publish, administrator, resident_b
):
    objection = _objection(publish, resident_b)
    client = client_for(administrator)

    assert client.get(reverse("admin:notices_objection_add")).status_code == 403
    edit = client.post(
        reverse("admin:notices_objection_change", args=[objection.pk]),
        {"status": ObjectionStatus.UPHELD, "decision_reason": "手改"},
    )
    assert edit.status_code == 403
    assert Objection.objects.get().status == ObjectionStatus.PENDING


def test_staff_export_the_selected_publications_to_excel(administrator, client_for):
    from io import BytesIO

    from django.contrib.admin import helpers
    from openpyxl import load_workbook

    from opc_community.notices import services
    from opc_community.notices.models import PublicationKind

    publication = services.publication_open(
        kind=PublicationKind.POLICY_NOTICE, title="算力券申领通知", body="正文", staff_text={},
        window_days=3, actor=administrator,
    )
    response = client_for(administrator).post(
        "/admin/notices/publication/",
        {"action": "export_excel", helpers.ACTION_CHECKBOX_NAME: [publication.pk]},
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "算力券申领通知"


def test_the_export_action_writes_a_formula_like_title_as_text(administrator, client_for):
    from io import BytesIO

    from django.contrib.admin import helpers
    from openpyxl import load_workbook

    from opc_community.notices import services
    from opc_community.notices.models import PublicationKind

    title = '=HYPERLINK("http://evil.example","点此")'
    publication = services.publication_open(
        kind=PublicationKind.POLICY_NOTICE, title=title, body="正文", staff_text={}, window_days=3,
        actor=administrator,
    )
    response = client_for(administrator).post(
        "/admin/notices/publication/",
        {"action": "export_excel", helpers.ACTION_CHECKBOX_NAME: [publication.pk]},
    )
    cell = load_workbook(BytesIO(response.content)).active["A2"]
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", title, True)
