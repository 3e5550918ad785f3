"""A complaint's and an application's admin page show where they are (done / current / next), the next step
as the primary button for those who handle them and none for a reader (whose way out reads 返回列表, not
关闭); the evaluation form shows the result deadline it sets (第三章第二条)."""

import pytest
from django.urls import reverse

from residents.services import complaints as complaint_services
from residents.services import intake as intake_services
from tests.residents.support.complaints import file_complaint
from tests.residents.support.intake import (
    MONDAY,
    at,
    evaluated,
    in_evaluation,
    private_storage,  # noqa: F401 (fixture)
    submitted,
)
from tests.workflow_pages import next_action_on, steps_on

pytestmark = pytest.mark.django_db

COMPLAINT_PATH = ["已受理", "已回复", "已给出解决方案", "已关闭"]
APPLICATION_PATH = ["草稿", "初审", "项目评估", "出具结果", "批准入驻"]


def _states(path: list[str], done: int) -> list[tuple[str, str]]:
    return [
        (label, "done" if i < done else "current" if i == done else "next")
        for i, label in enumerate(path)
    ]


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Complaints -------------------------------------------------------------------------------------


def _complaint_page(client, complaint) -> str:
    return _get(client, reverse("admin:residents_complaint_change", args=[complaint.pk]))


def _complaint_step(complaint, step: str) -> str:
    return reverse("admin:residents_complaint_step", args=[complaint.pk, step])


def test_a_new_complaint_is_received_with_respond_as_the_next_action(
    client_for, member_a, daily_staff
):
    complaint = file_complaint(member_a)
    html = _complaint_page(client_for(daily_staff), complaint)
    assert steps_on(html) == _states(COMPLAINT_PATH, 0)
    assert next_action_on(html) == ("下一步：回复", _complaint_step(complaint, "respond"))
    assert _complaint_step(complaint, "note") in html


def test_a_responded_complaint_has_solve_next_and_a_closed_one_nothing(
    client_for, member_a, daily_staff
):
    complaint = file_complaint(member_a)
    complaint_services.complaint_respond(
        complaint=complaint, text="已安排维修。", actor=daily_staff
    )
    client = client_for(daily_staff)
    html = _complaint_page(client, complaint)
    assert steps_on(html) == _states(COMPLAINT_PATH, 1)
    assert next_action_on(html) == ("下一步：给出解决方案", _complaint_step(complaint, "solve"))

    complaint_services.complaint_solve(
        complaint=complaint, text="已更换压缩机。", actor=daily_staff
    )
    assert next_action_on(_complaint_page(client, complaint)) is None  # the resident confirms
    complaint_services.complaint_confirm(complaint=complaint, actor=member_a.user)
    html = _complaint_page(client, complaint)
    assert steps_on(html) == _states(COMPLAINT_PATH, 3)
    assert next_action_on(html) is None


def test_a_reader_of_a_complaint_sees_no_action_and_no_close_button(
    client_for, member_a, oversight
):
    complaint = file_complaint(member_a)
    html = _complaint_page(client_for(oversight), complaint)
    assert steps_on(html) == _states(COMPLAINT_PATH, 0)
    assert next_action_on(html) is None and _complaint_step(complaint, "respond") not in html
    assert "返回列表" in html and ">关闭<" not in html


# --- Applications -----------------------------------------------------------------------------------


@pytest.fixture
def storage(private_storage):  # noqa: F811 (the imported fixture)
    return private_storage


def _application_page(client, application) -> str:
    return _get(client, reverse("admin:residents_application_change", args=[application.pk]))


def _application_step(application, step: str) -> str:
    return reverse("admin:residents_application_step", args=[application.pk, step])


def test_a_submitted_application_is_at_initial_review(storage, client_for, intake_staff, outsider):
    application = submitted(outsider)
    html = _application_page(client_for(intake_staff), application)
    assert steps_on(html) == _states(APPLICATION_PATH, 1)
    assert next_action_on(html) == (
        "下一步：初审通过（进入项目评估）",
        _application_step(application, "start_evaluation"),
    )


def test_an_evaluated_application_has_approve_next(storage, client_for, intake_staff, outsider):
    application = evaluated(outsider, intake_staff)
    html = _application_page(client_for(intake_staff), application)
    assert steps_on(html) == _states(APPLICATION_PATH, 3)
    assert next_action_on(html)[1] == _application_step(application, "approve")


def test_a_returned_application_shows_the_turn_after_the_step_it_left(
    storage, client_for, intake_staff, outsider
):
    application = in_evaluation(outsider, intake_staff)
    with at(MONDAY):
        intake_services.application_return(
            application=application, actor=intake_staff, reason="请补充营业执照"
        )
    html = _application_page(client_for(intake_staff), application)
    assert steps_on(html) == [
        ("草稿", "done"),
        ("初审", "done"),
        ("项目评估", "done"),
        ("退回补充材料", "current"),
        ("出具结果", "next"),
        ("批准入驻", "next"),
    ]
    assert next_action_on(html) is None  # the applicant's turn


def test_oversight_reads_an_application_without_an_action(storage, client_for, oversight, outsider):
    application = submitted(outsider)
    html = _application_page(client_for(oversight), application)
    assert steps_on(html) == _states(APPLICATION_PATH, 1)
    assert next_action_on(html) is None and "返回列表" in html and ">关闭<" not in html


def test_the_evaluation_form_shows_the_result_deadline_it_sets(
    storage, client_for, intake_staff, outsider
):
    application = in_evaluation(outsider, intake_staff)
    with at(MONDAY):  # Monday 2026-06-01: 2 working days → Wednesday 3 June
        html = _get(client_for(intake_staff), _application_step(application, "record_evaluation"))
    assert "记录评估后，结果须于 2026年6月3日 前出具" in html
