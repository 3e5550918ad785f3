"""Portal pages of intake (sign-up: test_signup_views.py): the application form (draft, submit, errors next to the fields,
nothing lost), the applicant's page (status, deadline, reasons, history), withdrawal, and the
permission-checked material downloads (A's files are 404 to B, 403 to other staff groups)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from residents.models import Application, ApplicationDocument, ApplicationStatus, DocumentKind
from residents.services import intake as services
from tests.downloads import assert_safe_download
from tests.residents.factories import BanFactory
from tests.residents.support.intake import (
    ID_A,
    JPEG,
    MONDAY,
    PDF,
    TEXT,
    at,
    draft,
    evaluated,
    private_storage,  # noqa: F401 (fixture)
    sh,
    submitted,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PAGE = reverse("residents:application")
EDIT = reverse("residents:application_edit")
WITHDRAW = reverse("residents:application_withdraw")


def _document_url(document):
    return reverse("residents:application_document", args=[document.pk])


def _form_data(**overrides):
    data = {
        "entity_type": "individual",
        "direction": "ai_native",
        "direction_note": "",
        "person_name": "王五",
        "id_number": ID_A,
        "phone": "13800138000",
        "email": "wangwu@example.com",
        "project_summary": "基于大模型的跨境电商客服助手",
        "declares_no_dishonesty": "on",
        "consent_id_processing": "on",
        "id_card": upload("身份证.jpg", JPEG, "image/jpeg"),
        "project_plan": upload("项目计划书.pdf", PDF),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Who may open the pages -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE, EDIT])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize(("url", "method"), [(PAGE, "post"), (WITHDRAW, "get"), (EDIT, "put")])
def test_wrong_methods_are_refused(client_for, outsider, url, method):
    assert getattr(client_for(outsider), method)(url).status_code == 405


def test_without_an_application_the_page_leads_to_the_form(client_for, outsider):
    assert client_for(outsider).get(PAGE).headers["Location"] == EDIT


def test_a_resident_is_not_asked_to_apply(client_for, member_a):
    assert client_for(member_a.user).get(EDIT).headers["Location"] == reverse("portal:dashboard")


# --- The form ----------------------------------------------------------------------------------


def test_the_form_shows_every_section_and_the_rule(client_for, outsider):
    page = client_for(outsider).get(EDIT).content.decode()
    for text in ("《OPC社区入驻申请表》", "申请主体", "身份信息", "注册主体信息", "申请材料", "声明与授权",
                 "第二十九条", "第二十五条", "7 个工作日", "2 个工作日", "保存草稿", "提交申请"):
        assert text in page
    assert 'enctype="multipart/form-data"' in page


def test_saving_a_draft_keeps_details_and_files(client_for, outsider):
    client = client_for(outsider)
    response = client.post(EDIT, _form_data(save="1"))

    assert response.status_code == 302 and response.headers["Location"] == EDIT
    application = Application.objects.get(applicant=outsider)
    assert application.status == ApplicationStatus.DRAFT and application.id_number == ID_A
    assert application.consent_public_naming is False and application.consent_public_naming_at is not None
    assert set(application.documents.values_list("kind", flat=True)) == {"id_card", "project_plan"}
    page = client.get(EDIT).content.decode()
    assert "项目计划书.pdf" in page and 'value="王五"' in page


def test_submitting_goes_to_the_page_with_the_deadline(client_for, outsider):
    client = client_for(outsider)
    with at(MONDAY):
        response = client.post(EDIT, _form_data(submit="1"))
        assert response.headers["Location"] == PAGE
        page = client.get(PAGE).content.decode()

    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    assert "待初审" in page
    assert "初审期限" in page and "2026年6月10日" in page and "还剩 7 个工作日" in page  # Mon 1 June + 7
    assert "第三章第二条" in page


def test_a_refused_submission_keeps_everything_and_names_the_field(client_for, outsider):
    client = client_for(outsider)
    response = client.post(EDIT, _form_data(submit="1", declares_no_dishonesty=None))

    assert response.status_code == 200
    assert "请声明无重大失信记录" in " ".join(response.context["form"].errors["declares_no_dishonesty"])
    page = response.content.decode()
    assert 'value="王五"' in page and "项目计划书.pdf" in page  # typed values and stored files stay
    application = Application.objects.get()
    assert application.status == ApplicationStatus.DRAFT and application.documents.count() == 2


def test_an_invalid_id_number_is_refused_next_to_the_field_and_nothing_is_written(client_for, outsider):
    response = client_for(outsider).post(EDIT, _form_data(save="1", id_number="110105194912310021"))

    assert response.status_code == 200
    assert "校验码" in " ".join(response.context["form"].errors["id_number"])
    assert 'value="基于大模型' in response.content.decode() or "基于大模型的跨境电商客服助手" in response.content.decode()
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()


def test_a_text_file_named_pdf_is_refused_next_to_its_field(client_for, outsider):
    response = client_for(outsider).post(
        EDIT, _form_data(save="1", project_plan=upload("计划书.pdf", TEXT))
    )
    assert response.status_code == 200
    assert "PDF / JPEG / PNG" in " ".join(response.context["form"].errors["project_plan"])
    assert not Application.objects.exists()


def test_a_ban_is_shown_with_its_end_date(client_for, outsider):


    BanFactory(id_number=ID_A)
    with at(MONDAY):
        response = client_for(outsider).post(EDIT, _form_data(submit="1"))
    assert "2028年1月1日" in " ".join(response.context["form"].errors["id_number"])


def test_several_qualifications_in_one_input(client_for, outsider):
    client_for(outsider).post(EDIT, _form_data(save="1", qualification=[upload("证书一.pdf"), upload("证书二.pdf")]))
    assert ApplicationDocument.objects.filter(kind=DocumentKind.QUALIFICATION).count() == 2


def test_an_application_under_review_cannot_be_edited(client_for, outsider):
    submitted(outsider)
    response = client_for(outsider).post(EDIT, _form_data(save="1"))
    assert response.headers["Location"] == PAGE
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


def test_removing_a_file_of_the_draft(client_for, outsider, resident_b):
    with at(MONDAY):
        application = draft(outsider)
    document = application.documents.get(kind=DocumentKind.PROJECT_PLAN)
    remove = reverse("residents:application_document_remove", args=[document.pk])

    assert client_for(resident_b).post(remove).status_code == 404
    assert client_for(outsider).get(remove).status_code == 405
    assert client_for(outsider).post(remove).headers["Location"] == EDIT
    assert not ApplicationDocument.objects.filter(pk=document.pk).exists()


# --- The applicant's page --------------------------------------------------------------------------


def test_a_returned_application_shows_the_reasons_and_the_way_back(client_for, outsider, intake_staff):
    application = submitted(outsider)
    with at(MONDAY + timedelta(days=1)):
        services.application_return(application=application, actor=intake_staff, reason="请补充项目计划书的财务部分")
    client = client_for(outsider)
    page = client.get(PAGE).content.decode()

    assert "退回补充材料" in page and "请补充项目计划书的财务部分" in page
    assert "补充材料并重新提交" in page and "初审期限自重新提交起重新计算" in page
    with at(MONDAY + timedelta(days=2)):
        response = client.post(EDIT, _form_data(submit="1", id_card=None, project_plan=upload("补充计划书.pdf")))
    assert response.headers["Location"] == PAGE
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.round == 2


def test_an_overdue_deadline_is_shown_in_red(client_for, outsider):
    submitted(outsider)
    with at(sh(2026, 6, 12, 9, 0)):
        page = client_for(outsider).get(PAGE).content.decode()
    assert "deadline--overdue" in page and "已逾期" in page


def test_the_evaluated_page_shows_the_result_deadline(client_for, outsider, intake_staff):
    evaluated(outsider, intake_staff)
    with at(MONDAY):
        page = client_for(outsider).get(PAGE).content.decode()
    assert "向申请人反馈结果期限" in page and "2026年6月3日" in page and "还剩 2 个工作日" in page


def test_a_rejected_application_shows_the_reasons_and_a_new_start(client_for, outsider, intake_staff):
    application = submitted(outsider)
    services.application_reject(application=application, actor=intake_staff, reason="项目方向与社区定位不符")
    page = client_for(outsider).get(PAGE).content.decode()
    assert "项目方向与社区定位不符" in page and "重新申请" in page


def test_an_approved_application_says_what_comes_next(client_for, outsider, intake_staff):
    application = evaluated(outsider, intake_staff)
    with at(MONDAY):
        services.application_approve(application=application, actor=intake_staff)
    page = client_for(outsider).get(PAGE).content.decode()
    assert "《OPC社区入驻协议》" in page and "已通过" in page


def test_the_page_masks_the_id_number_and_lists_materials_and_history(client_for, outsider):
    submitted(outsider)
    page = client_for(outsider).get(PAGE).content.decode()
    assert ID_A not in page and "1101**********002X" in page
    assert "身份证.jpg" in page and "第 1 次提交" in page


def test_each_applicant_sees_only_their_own(client_for, outsider, resident_b):
    submitted(outsider)
    assert client_for(resident_b).get(PAGE).headers["Location"] == EDIT


def test_the_page_has_a_fixed_number_of_queries(client_for, outsider, intake_staff, django_assert_num_queries):
    client = client_for(outsider)
    application = submitted(outsider)
    # 1 session, 2 user, 3 application (+ reviewer), 4 documents, 5 transitions (+ actors),
    # 6 rulebook in force, 7 unread messages; the working-day calendar is held (no query)
    with django_assert_num_queries(7):
        assert client.get(PAGE).status_code == 200

    with at(MONDAY + timedelta(days=1)):
        services.application_return(application=application, actor=intake_staff, reason="补充")
        for index in range(5):
            services.application_document_add(
                application=application, kind=DocumentKind.QUALIFICATION, upload=upload(f"证书{index}.pdf"),
                actor=outsider,
            )
        services.application_submit(application=application, actor=outsider)
    with django_assert_num_queries(7):  # 7 materials and 3 transitions now: the same queries
        assert client.get(PAGE).status_code == 200


# --- Withdrawal ------------------------------------------------------------------------------------


def test_the_applicant_withdraws(client_for, outsider):
    submitted(outsider)
    response = client_for(outsider).post(WITHDRAW, {"reason": "暂不入驻"})
    assert response.headers["Location"] == PAGE
    assert Application.objects.get().status == ApplicationStatus.WITHDRAWN


def test_withdrawing_without_an_application_is_404(client_for, outsider):
    assert client_for(outsider).post(WITHDRAW).status_code == 404


# --- Materials: permission-checked downloads ---------------------------------------------------------


@pytest.fixture
def a_document(outsider):
    application = submitted(outsider)
    return application.documents.get(kind=DocumentKind.PROJECT_PLAN)


@pytest.mark.parametrize("who", ["outsider", "intake_staff", "administrator", "oversight"])
def test_the_applicant_and_the_intake_team_download(client_for, request, a_document, who):
    response = client_for(request.getfixturevalue(who)).get(_document_url(a_document))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert_safe_download(response, "项目计划书.pdf")  # the applicant's own name, made safe


@pytest.mark.parametrize("who", ["daily_staff", "resources_staff"])
def test_other_staff_groups_are_refused(client_for, request, a_document, who):
    assert client_for(request.getfixturevalue(who)).get(_document_url(a_document)).status_code == 403


@pytest.mark.parametrize("who", ["resident_b", "member_b"])
def test_another_applicant_or_resident_gets_404(client_for, request, a_document, who):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    assert client_for(user).get(_document_url(a_document)).status_code == 404


def test_anonymous_downloads_are_sent_to_log_in(client, a_document):
    response = client.get(_document_url(a_document))
    assert response.status_code == 302 and reverse("portal:login") in response.headers["Location"]


def test_an_unknown_document_is_404(client_for, intake_staff):
    assert client_for(intake_staff).get(reverse("residents:application_document", args=[999999])).status_code == 404


def test_downloads_answer_only_get(client_for, outsider, a_document):
    assert client_for(outsider).post(_document_url(a_document)).status_code == 405


def test_a_draft_shows_its_steps_and_the_button_to_continue_and_submit(client_for, outsider):
    client = client_for(outsider)
    client.post(EDIT, _form_data(save="1"))
    page = client.get(PAGE).content.decode()
    assert '<ol class="steps"' in page
    assert '<li class="steps__step steps__step--current" aria-current="step">' in page
    assert "填写并提交" in page and "初审" in page and "项目评估" in page and "入驻结果" in page
    assert f'href="{EDIT}">继续填写并提交</a>' in page
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert f'<a class="button button--primary" href="{EDIT}">继续填写并提交</a>' in dashboard
