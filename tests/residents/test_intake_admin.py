"""The intake queue in the operations desk: who sees it, order by deadline, overdue rows in red,
filters and search (full ID numbers only), review steps as named actions with a reason form,
materials and history inline, and a query count independent of the number of applications."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from residents.models import Application, ApplicationStatus, Resident
from tests.core.test_excel import DANGEROUS
from tests.factories import UserFactory
from tests.residents.factories import valid_id_number
from tests.residents.support.intake import (
    ID_A,
    ID_B,
    MONDAY,
    at,
    evaluated,
    in_evaluation,
    private_storage,  # noqa: F401 (fixture)
    sh,
    submitted,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

QUEUE = reverse("admin:residents_application_changelist")


def _change(application):
    return reverse("admin:residents_application_change", args=[application.pk])


def _step(application, step):
    return reverse("admin:residents_application_step", args=[application.pk, step])


def _action(client, action, objects, **extra):
    return client.post(QUEUE, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}, follow=True)


# --- Who sees the queue --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["intake_staff", "administrator", "oversight"])
def test_the_intake_team_the_lead_and_oversight_see_the_queue(client_for, request, outsider, who):
    submitted(outsider)
    response = client_for(request.getfixturevalue(who)).get(QUEUE)
    assert response.status_code == 200 and "王五" in response.content.decode()


@pytest.mark.parametrize("who", ["daily_staff", "resources_staff"])
def test_other_staff_groups_do_not_see_applications(client_for, request, outsider, who):
    application = submitted(outsider)
    client = client_for(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == 403
    assert client.get(_change(application)).status_code in (302, 403)


def test_residents_do_not_reach_the_desk(client_for, member_a):
    response = client_for(member_a.user).get(QUEUE)
    assert response.status_code == 302 and reverse("admin:login") in response.headers["Location"]


# --- The list -----------------------------------------------------------------------------------


def test_the_queue_is_sorted_by_the_current_deadline_and_flags_overdue_rows(client_for, intake_staff):
    late = submitted(UserFactory(full_name="甲"), when=sh(2026, 6, 1, 9, 0), person_name="甲",
                     id_number=valid_id_number(1))  # due 10 June
    soon = submitted(UserFactory(full_name="乙"), when=sh(2026, 6, 8, 9, 0), person_name="乙",
                     id_number=valid_id_number(2))  # due 17 June
    result = evaluated(UserFactory(full_name="丙"), intake_staff, when=sh(2026, 6, 9, 9, 0), person_name="丙",
                       id_number=valid_id_number(3))  # 11 June
    no_deadline = in_evaluation(UserFactory(full_name="丁"), intake_staff, when=sh(2026, 6, 2, 9, 0), person_name="丁",
                                id_number=valid_id_number(4))

    with at(sh(2026, 6, 12, 9, 0)):  # Friday: 10 June was 2 working days ago, 11 June 1
        response = client_for(intake_staff).get(QUEUE)
    rows = [application.pk for application in response.context["cl"].result_list]
    assert rows == [late.pk, result.pk, soon.pk, no_deadline.pk]
    page = response.content.decode()
    assert "已逾期 2 个工作日" in page and "已逾期 1 个工作日" in page
    assert "还剩 3 个工作日" in page  # 17 June from Friday 12 June: 15, 16, 17
    assert page.count("opc-overdue") == 2


def test_id_numbers_are_masked_in_the_list(client_for, intake_staff, outsider):
    submitted(outsider)
    page = client_for(intake_staff).get(QUEUE).content.decode()
    assert ID_A not in page and "1101**********002X" in page


@pytest.mark.parametrize(
    ("term", "found"),
    [
        (ID_A, True),
        (ID_A.lower(), True),
        (ID_A[:10], False),  # a partial ID number finds nothing
        # typed or pasted in another spelling: found in the stored one
        ("１１０１０５１９４９１２３１００２Ｘ", True),
        ("110105 19491231 002x", True),
        ("110105-19491231-002X", True),
        ("\u0661\u0661\u0660\u0661\u0660\u0665" + ID_A[6:], False),  # Arabic-Indic digits are other characters
        ("王五", True),
        ("13800138000", True),
        ("1380013", True),  # partial phone numbers are fine
    ],
)
def test_search(client_for, intake_staff, outsider, resident_b, term, found):
    submitted(outsider)
    submitted(resident_b, person_name="欧阳娜娜", id_number=ID_B, phone="13900139000")
    results = client_for(intake_staff).get(QUEUE, {"q": term}).context["cl"].result_list
    assert [a.person_name for a in results] == (["王五"] if found else [])


def test_the_overdue_and_status_filters(client_for, intake_staff, outsider, resident_b):
    submitted(outsider)
    submitted(resident_b, id_number=ID_B, when=MONDAY + timedelta(days=14))
    client = client_for(intake_staff)
    with at(MONDAY + timedelta(days=14)):
        assert len(client.get(QUEUE, {"overdue": "yes"}).context["cl"].result_list) == 1
        assert len(client.get(QUEUE, {"overdue": "no"}).context["cl"].result_list) == 1
    assert len(client.get(QUEUE, {"status__exact": "submitted"}).context["cl"].result_list) == 2
    assert len(client.get(QUEUE, {"entity_type__exact": "sole_trader"}).context["cl"].result_list) == 0


def test_the_list_shows_this_month_s_service_level(client_for, intake_staff, outsider):
    submitted(outsider)
    with at(sh(2026, 6, 12, 9, 0)):
        page = client_for(intake_staff).get(QUEUE).content.decode()
    assert "初审按时 0 件、逾期 1 件" in page


@pytest.mark.parametrize("rows", [1, 7])
def test_the_queue_has_a_fixed_number_of_queries(client_for, intake_staff, django_assert_num_queries, rows):
    for index in range(rows):
        submitted(UserFactory(), when=MONDAY + timedelta(hours=index), id_number=valid_id_number(index))
    client = client_for(intake_staff)
    client.get(QUEUE)  # warm caches (content types)
    # 1 session, 2 user; the month's SLA summary: 3 transitions, 4 rulebook versions; 5–6 user and
    # group permissions, 7 role groups; 8 filtered count, 9 total count; 10 the page of applications
    # (+ applicant, reviewer); 11 the admin's calendar warning (next year's schedule loaded?); the
    # working-day calendar (SLA summary, deadline column) is held: no query
    with django_assert_num_queries(11):
        response = client.get(QUEUE)
    assert len(response.context["cl"].result_list) == rows


# --- The application page -------------------------------------------------------------------------


def test_the_page_shows_materials_with_private_links_and_the_history(client_for, intake_staff, outsider):
    application = submitted(outsider)
    page = client_for(intake_staff).get(_change(application)).content.decode()
    for document in application.documents.all():
        assert reverse("residents:application_document", args=[document.pk]) in page
        assert document.original_name in page
    assert "第 1 次提交" in page
    assert ID_A in page  # reviewers verify the full number
    assert _step(application, "start_evaluation") in page and _step(application, "approve") not in page
    assert 'name="status"' not in page  # read-only


def test_oversight_reads_the_page_with_the_number_masked_and_no_steps(client_for, oversight, outsider):
    application = submitted(outsider)
    page = client_for(oversight).get(_change(application)).content.decode()
    assert ID_A not in page and "1101**********002X" in page
    assert _step(application, "start_evaluation") not in page
    assert client_for(oversight).post(_step(application, "start_evaluation"), {"apply": "1"}).status_code == 403


def test_nothing_is_added_or_deleted_here(client_for, administrator, outsider):
    application = submitted(outsider)
    client = client_for(administrator)
    assert client.get(reverse("admin:residents_application_add")).status_code == 403
    assert client.get(reverse("admin:residents_application_delete", args=[application.pk])).status_code == 403


# --- Review steps ---------------------------------------------------------------------------------


def test_a_step_from_the_application_page(client_for, intake_staff, outsider):
    application = submitted(outsider)
    client = client_for(intake_staff)
    form = client.get(_step(application, "return"))
    assert form.status_code == 200 and "理由（申请人可见）" in form.content.decode()

    refused = client.post(_step(application, "return"), {"reason": ""})
    assert refused.status_code == 200 and Application.objects.get().status == ApplicationStatus.SUBMITTED

    done = client.post(_step(application, "return"), {"reason": "请补充营业执照"})
    assert done.headers["Location"] == _change(application)
    assert Application.objects.get().status == ApplicationStatus.RETURNED


def test_the_override_is_asked_for_flagged_applications(client_for, intake_staff, outsider):
    application = submitted(outsider, direction="other", direction_note="跨境物流数据服务")
    client = client_for(intake_staff)
    page = client.get(_step(application, "start_evaluation")).content.decode()
    assert "资格提示" in page and "方向为“其他”" in page

    refused = client.post(_step(application, "start_evaluation"), {"reason": ""})
    assert "资格例外" in " ".join(refused.context["form"].errors["eligibility_override"])
    client.post(_step(application, "start_evaluation"), {"eligibility_override": "经核实属于数字经济"})
    assert Application.objects.get().eligibility_override == "经核实属于数字经济"


def test_return_from_the_list_asks_for_reasons_then_applies(client_for, intake_staff, outsider, resident_b):
    first = submitted(outsider)
    second = submitted(resident_b, id_number=ID_B)
    client = client_for(intake_staff)

    asked = _action(client, "return_for_material", [first, second])
    assert "理由（申请人可见）" in asked.content.decode()
    _action(client, "return_for_material", [first, second], apply="1", reason="请补充项目计划书")

    assert set(Application.objects.values_list("status", flat=True)) == {ApplicationStatus.RETURNED}


def test_the_whole_workflow_from_the_list(client_for, intake_staff, outsider):
    application = submitted(outsider)
    client = client_for(intake_staff)
    _action(client, "start_evaluation", [application], apply="1")
    _action(client, "record_evaluation", [application], apply="1", feasibility="可行", fit="契合")
    response = _action(client, "approve", [application], apply="1")

    assert Application.objects.get().status == ApplicationStatus.APPROVED
    assert Resident.objects.filter(user=outsider).exists()
    assert "已通过" in response.content.decode()


def test_an_illegal_step_from_the_list_says_why_and_changes_nothing(client_for, intake_staff, outsider):
    application = submitted(outsider)
    response = _action(client_for(intake_staff), "approve", [application], apply="1")
    assert "尚未通过初审和项目评估" in response.content.decode()
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


def test_the_evaluation_is_recorded_one_at_a_time(client_for, intake_staff, outsider, resident_b):
    first = in_evaluation(outsider, intake_staff)
    second = in_evaluation(resident_b, intake_staff, id_number=ID_B)
    response = _action(client_for(intake_staff), "record_evaluation", [first, second], apply="1",
                       feasibility="可行", fit="契合")
    assert "逐份记录" in response.content.decode()
    assert set(Application.objects.values_list("status", flat=True)) == {ApplicationStatus.EVALUATION}


def test_oversight_has_no_review_actions(client_for, oversight, outsider):
    application = submitted(outsider)
    _action(client_for(oversight), "reject", [application], apply="1", reason="x")
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


def test_the_export_masks_id_numbers(client_for, intake_staff, outsider):
    from io import BytesIO

    from openpyxl import load_workbook

    application = submitted(outsider)
    response = client_for(intake_staff).post(
        QUEUE, {"action": "export_excel", ACTION_CHECKBOX_NAME: [application.pk]}
    )
    sheet = load_workbook(BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "1101**********002X" in values and ID_A not in values



@pytest.mark.parametrize("name", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_the_export_writes_a_formula_like_name_as_text(client_for, intake_staff, outsider, name):
    from io import BytesIO

    from openpyxl import load_workbook

    application = submitted(outsider)
    Application.objects.filter(pk=application.pk).update(person_name=name, company_name="")
    response = client_for(intake_staff).post(
        QUEUE, {"action": "export_excel", ACTION_CHECKBOX_NAME: [application.pk]}
    )
    applicant = load_workbook(BytesIO(response.content)).active["B2"]
    assert applicant.data_type == "s" and applicant.quotePrefix  # text, not a live formula
    assert applicant.value == name.replace("\r", "\n")
