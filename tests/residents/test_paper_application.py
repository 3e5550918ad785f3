"""An application received on paper (第三章第一条), entered by the intake team for the applicant with the
applicant's consent recorded: who gave it, when and how; the application says it was entered by staff."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from opc_community.accounts.models import User
from opc_community.core.errors import ConflictError, DomainError
from residents.models import Application, ApplicationStatus, ApplicationTransition
from residents.services.paper import PaperConsent, application_enter_on_paper
from tests.residents.support.intake import (  # noqa: F401 (fixtures)
    JPEG,
    MONDAY,
    PDF,
    at,
    details,
    materials,
    private_storage,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]
CONSENT = PaperConsent(given_by="王五", given_on=date(2026, 5, 29), how="在纸质申请表的同意条款上签字")


@pytest.fixture(autouse=True)
def _monday():
    with at(MONDAY):
        yield


def test_staff_enter_and_submit_a_paper_application(intake_staff):
    application = application_enter_on_paper(details=details(), consent=CONSENT, uploads=materials(),
                                             actor=intake_staff)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.round == 1
    assert application.entered_by == intake_staff
    assert (application.paper_consent_by, application.paper_consent_on, application.paper_consent_how) == (
        "王五", date(2026, 5, 29), "在纸质申请表的同意条款上签字")
    assert application.consent_id_processing_at is not None
    assert timezone.localtime(application.consent_id_processing_at).date() == date(2026, 5, 29)
    applicant = application.applicant
    assert (applicant.email, applicant.is_active, applicant.has_usable_password()) == (
        "wangwu@example.com", False, False)
    transition = ApplicationTransition.objects.get(application=application)
    assert "纸质申请" in transition.reason and "王五" in transition.reason and transition.actor == intake_staff
    assert application.documents.count() == 2


def test_the_account_of_the_email_address_is_used(intake_staff, outsider):
    application = application_enter_on_paper(details=details(email=outsider.email), consent=CONSENT,
                                             uploads=materials(), actor=intake_staff)
    assert application.applicant == outsider
    with pytest.raises(ConflictError):
        application_enter_on_paper(details=details(email=outsider.email, id_number="440106199003075670"),
                                   consent=CONSENT, uploads=materials(), actor=intake_staff)


@pytest.mark.parametrize(("consent", "field"), [
    (PaperConsent(given_by="", given_on=date(2026, 5, 29), how="签字"), "paper_consent_by"),
    (PaperConsent(given_by="王五", given_on=None, how="签字"), "paper_consent_on"),
    (PaperConsent(given_by="王五", given_on=date(2026, 6, 2), how="签字"), "paper_consent_on"),
    (PaperConsent(given_by="王五", given_on=date(2026, 5, 29), how=" "), "paper_consent_how"),
])
def test_the_consent_must_say_who_when_and_how(intake_staff, consent, field):
    with pytest.raises(DomainError) as refused:
        application_enter_on_paper(details=details(), consent=consent, uploads=materials(), actor=intake_staff)
    assert field in refused.value.details["errors"]
    assert not Application.objects.exists() and not User.objects.filter(email="wangwu@example.com").exists()


def test_without_the_id_consent_nothing_is_entered(intake_staff):
    with pytest.raises(DomainError) as refused:
        application_enter_on_paper(details=details(consent_id_processing=False), consent=CONSENT,
                                   uploads=materials(), actor=intake_staff)
    assert refused.value.field == "consent_id_processing"
    assert not Application.objects.exists()


def test_a_failed_submission_check_writes_nothing(intake_staff):
    with pytest.raises(DomainError):
        application_enter_on_paper(details=details(), consent=CONSENT, uploads=[], actor=intake_staff)  # no materials
    assert not Application.objects.exists() and not User.objects.filter(email="wangwu@example.com").exists()


@pytest.mark.parametrize("who", ["resources_staff", "daily_staff", "outsider"])
def test_only_the_intake_team_enters_paper_applications(request, who):
    with pytest.raises(PermissionDenied):
        application_enter_on_paper(details=details(), consent=CONSENT, uploads=materials(),
                                   actor=request.getfixturevalue(who))


def test_the_admin_form_enters_a_paper_application(client_for, intake_staff):
    client = client_for(intake_staff)
    url = reverse("admin:residents_application_paper")
    assert url in client.get(reverse("admin:residents_application_changelist")).content.decode()
    response = client.post(url, {
        "entity_type": "individual", "direction": "ai_native", "person_name": "王五", "id_number": "11010519491231002X",
        "phone": "13800138000", "email": "wangwu@example.com", "project_summary": "基于大模型的客服助手",
        "declares_no_dishonesty": "on", "consent_id_processing": "on",
        "paper_consent_by": "王五", "paper_consent_on": "2026-05-29", "paper_consent_how": "签字",
        "id_card": upload("身份证.jpg", JPEG, "image/jpeg"), "project_plan": upload("计划书.pdf", PDF),
    })
    application = Application.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("admin:residents_application_change", args=[application.pk])
    page = client.get(response["Location"]).content.decode()
    assert "工作人员录入" in page and "签字" in page


def test_other_staff_do_not_reach_the_paper_form(client_for, daily_staff):
    assert client_for(daily_staff).get(reverse("admin:residents_application_paper")).status_code == 403
