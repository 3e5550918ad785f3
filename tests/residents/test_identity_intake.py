"""ID card numbers and credit codes in intake: one spelling everywhere they enter (portal form, API,
services), a ban matched however the number is typed (RULEBOOK §4.6), and one number holding at most
one live application or resident — refused by the service, and by the database should a write go
around it. Races with parallel connections: test_intake_concurrency.py."""

from datetime import date

import pgtrigger
import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from opc_community.core.errors import DomainError
from residents.models import (
    Application,
    ApplicationStatus,
    Ban,
    Resident,
    ResidentStatus,
)
from residents.services import intake as services
from residents.stored_identities import normalise_stored
from tests.factories import UserFactory
from tests.residents.factories import ApplicationFactory, BanFactory, ResidentFactory
from tests.residents.support.intake import (
    JPEG,
    MONDAY,
    PDF,
    USCC_A,
    at,
    company_details,
    draft,
    evaluated,
    private_storage,  # noqa: F401 (fixture)
    submitted,
    upload,
)
from tests.residents.test_identity_rules import ARABIC_INDIC, FULL_WIDTH, ID
from tests.residents.test_intake_views import EDIT, _form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

LIST = "/api/v1/applications/"


def _full_width(ascii_text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in ascii_text)


FULL_WIDTH_USCC = _full_width(USCC_A)
IN_USE = "只能对应一份申请"
ASCII_ONLY = "只能使用半角数字 0-9"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- One spelling, wherever the number enters -------------------------------------------------------


@pytest.mark.parametrize("typed", [FULL_WIDTH, "440115-19860709-5447", " 440115 1986 0709 5447 ", "４４０１１５ １９８６－０７０９－５４４７"])
def test_the_service_stores_the_ascii_spelling(outsider, typed):
    assert draft(outsider, with_materials=False, id_number=typed).id_number == ID


@pytest.mark.parametrize("typed", [ARABIC_INDIC, ID[:6] + "١٩٨٦" + ID[10:], ID[:17] + "\u0425"])  # Cyrillic Х
def test_other_scripts_are_refused_naming_the_field_and_nothing_is_stored(outsider, typed):
    with pytest.raises(DomainError) as refused:
        draft(outsider, with_materials=False, id_number=typed)
    assert refused.value.field == "id_number" and ASCII_ONLY in str(refused.value.message)
    assert not Application.objects.exists()


def test_a_credit_code_in_full_width_is_stored_in_ascii_and_another_script_is_refused(outsider):
    application = services.application_save_draft(
        applicant=outsider, details=company_details(uscc=FULL_WIDTH_USCC.lower()), actor=outsider
    )
    assert application.uscc == USCC_A
    with pytest.raises(DomainError) as refused:
        services.application_save_draft(
            applicant=outsider, details=company_details(uscc="٩١" + USCC_A[2:]), actor=outsider
        )
    assert refused.value.field == "uscc" and "统一社会信用代码" in str(refused.value.message)


def test_the_portal_form_shows_the_number_in_its_stored_spelling(client_for, outsider):
    client = client_for(outsider)
    assert client.post(EDIT, _form_data(save="1", id_number=FULL_WIDTH)).status_code == 302
    assert Application.objects.get().id_number == ID
    assert f'value="{ID}"' in client.get(EDIT).content.decode()


def test_the_portal_form_refuses_arabic_indic_digits_next_to_the_field(client_for, outsider):
    response = client_for(outsider).post(EDIT, _form_data(save="1", id_number=ARABIC_INDIC))
    assert response.status_code == 200
    assert ASCII_ONLY in " ".join(response.context["form"].errors["id_number"])
    assert not Application.objects.exists()


def test_the_api_stores_the_ascii_spelling_and_refuses_other_scripts_with_400(outsider):
    client = _api(outsider)
    refused = client.post(LIST, {"person_name": "王五", "id_number": ARABIC_INDIC, "consent_id_processing": True},
                          format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "id_number"
    assert ASCII_ONLY in refused.json()["detail"]
    created = client.post(LIST, {"person_name": "王五", "id_number": FULL_WIDTH, "consent_id_processing": True},
                          format="json")
    assert created.status_code == 201, created.json()
    assert Application.objects.get().id_number == ID


def test_the_database_keeps_only_the_ascii_spelling():
    application = ApplicationFactory()
    for field, value in (("id_number", FULL_WIDTH), ("id_number", ARABIC_INDIC), ("uscc", FULL_WIDTH_USCC)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Application.objects.filter(pk=application.pk).update(**{field: value})
    with pytest.raises(IntegrityError), transaction.atomic():
        BanFactory(id_number=ARABIC_INDIC)


# --- A ban matches however the number is typed (RULEBOOK §4.6) ---------------------------------------


def test_a_banned_person_typing_full_width_digits_in_the_portal_is_refused(client_for, outsider):
    BanFactory(id_number=ID)
    with at(MONDAY):
        response = client_for(outsider).post(EDIT, _form_data(submit="1", id_number=FULL_WIDTH))
    assert "2028年1月1日" in " ".join(response.context["form"].errors["id_number"])
    assert Application.objects.get().status == ApplicationStatus.DRAFT


def test_a_banned_person_typing_arabic_indic_digits_in_the_portal_is_refused(client_for, outsider):
    BanFactory(id_number=ID)
    with at(MONDAY):
        response = client_for(outsider).post(EDIT, _form_data(submit="1", id_number=ARABIC_INDIC))
    assert ASCII_ONLY in " ".join(response.context["form"].errors["id_number"])
    assert not Application.objects.exists()


def test_a_banned_person_through_the_api_is_refused_whatever_the_spelling(outsider):
    BanFactory(id_number=ID)
    client = _api(outsider)
    with at(MONDAY):
        pk = client.post(LIST, {
            "entity_type": "individual", "direction": "ai_native", "person_name": "王五",
            "id_number": "４４０１１５-１９８６０７０９-５４４７", "phone": "13800138000", "project_summary": "客服助手",
            "declares_no_dishonesty": True, "consent_id_processing": True,
        }, format="json").json()["id"]
        for kind, name, content in (("id_card", "id.jpg", JPEG), ("project_plan", "plan.pdf", PDF)):
            client.post(f"{LIST}{pk}/documents/", {"kind": kind, "file": upload(name, content)}, format="multipart")
        response = client.post(f"{LIST}{pk}/submit/")
    assert response.status_code == 400 and response.json()["field"] == "id_number"
    assert "2028年1月1日" in response.json()["detail"]
    assert Application.objects.get().status == ApplicationStatus.DRAFT


def test_a_ban_on_a_credit_code_matches_its_full_width_spelling(outsider):
    BanFactory(uscc=USCC_A)
    with at(MONDAY):
        application = draft(outsider, entity_type="opc_company", uscc=FULL_WIDTH_USCC)
        with pytest.raises(DomainError) as refused:
            services.application_submit(application=application, actor=outsider)
    assert refused.value.field == "uscc"


def test_the_ban_lookup_normalises_what_it_is_given():
    ban = BanFactory(id_number=ID)
    assert services.ban_in_force_for(id_number=FULL_WIDTH, uscc="", on=MONDAY.date()) == ban
    assert services.ban_in_force_for(id_number="110105-19491231-002x", uscc="", on=MONDAY.date()) is None


# --- One number, one live application or resident ----------------------------------------------------


@pytest.fixture
def other():
    return UserFactory(username="other_applicant", full_name="赵六")


def test_a_second_account_cannot_apply_with_a_number_in_a_live_application(outsider, other):
    draft(outsider, id_number=ID)
    with pytest.raises(DomainError) as refused:
        draft(other, id_number=FULL_WIDTH)  # the same number, typed another way
    assert refused.value.field == "id_number" and IN_USE in str(refused.value.message)
    assert Application.objects.filter(applicant=other).count() == 0


def test_a_second_account_cannot_apply_with_a_credit_code_in_a_live_application(outsider, other):
    draft(outsider, entity_type="opc_company")
    with pytest.raises(DomainError) as refused:
        draft(other, entity_type="opc_company", id_number=ID, uscc=USCC_A.lower())
    assert refused.value.field == "uscc" and IN_USE in str(refused.value.message)


def test_the_api_refuses_a_number_in_use_with_400_naming_the_field(outsider, other):
    draft(outsider, id_number=ID)
    response = _api(other).post(LIST, {"id_number": ID, "consent_id_processing": True}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "id_number"
    assert IN_USE in response.json()["detail"]


def test_the_portal_refuses_a_number_in_use_next_to_the_field(client_for, outsider, other):
    draft(outsider, id_number=ID)
    response = client_for(other).post(EDIT, _form_data(save="1", id_number=ID))
    assert IN_USE in " ".join(response.context["form"].errors["id_number"])


@pytest.mark.parametrize("close", ["withdraw", "reject"])
def test_a_closed_application_frees_its_number(outsider, other, intake_staff, close):
    application = submitted(outsider, id_number=ID)
    with at(MONDAY):
        if close == "withdraw":
            services.application_withdraw(application=application, actor=outsider)
        else:
            services.application_reject(application=application, actor=intake_staff, reason="材料不实")
    assert draft(other, id_number=ID).id_number == ID


def test_a_resident_holds_the_number_until_the_exit(outsider, other):
    resident = ResidentFactory()
    number = resident.application.id_number
    with pytest.raises(DomainError) as refused:
        draft(other, id_number=number)
    assert refused.value.field == "id_number"
    Resident.objects.filter(pk=resident.pk).update(
        status=ResidentStatus.EXITED, exited_on=date(2026, 5, 1), retain_until=date(2029, 5, 1)
    )
    assert draft(other, id_number=number).id_number == number  # a former resident's number is free again


def test_a_former_resident_may_apply_again_with_the_same_account():
    resident = ResidentFactory(status=ResidentStatus.EXITED, exited_on=date(2026, 5, 1), retain_until=date(2029, 5, 1))
    again = draft(resident.user, id_number=resident.application.id_number)
    assert again.pk != resident.application.pk and again.status == ApplicationStatus.DRAFT


def test_a_legacy_duplicate_can_neither_be_submitted_nor_approved(outsider, other, intake_staff):
    first = evaluated(outsider, intake_staff, id_number=ID)
    with at(MONDAY):
        second = draft(other, id_number="440106199003075670")
    with pgtrigger.ignore("residents.Application:identity_in_use"):  # as if stored before the rule
        Application.objects.filter(pk=second.pk).update(id_number=ID)
    with at(MONDAY), pytest.raises(DomainError) as refused:
        services.application_submit(application=second, actor=other)
    assert refused.value.field == "id_number" and IN_USE in str(refused.value.message)
    with at(MONDAY), pytest.raises(DomainError):
        services.application_approve(application=first, actor=intake_staff)


# --- The database refuses what goes around the service ------------------------------------------------


def test_the_database_refuses_a_second_live_application_with_the_number():
    ApplicationFactory(id_number=ID)
    refused = pytest.raises(IntegrityError, match="another open application or a resident holds this id_number")
    with refused, transaction.atomic():
        ApplicationFactory(id_number=ID, status=ApplicationStatus.DRAFT)
    ApplicationFactory(id_number=ID, status=ApplicationStatus.REJECTED, decision_reason="重复")  # closed: holds nothing


def test_the_database_refuses_a_live_application_with_a_resident_s_number():
    resident = ResidentFactory()
    number = resident.application.id_number
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(id_number=number)
    Resident.objects.filter(pk=resident.pk).update(
        status=ResidentStatus.EXITED, exited_on=date(2026, 5, 1), retain_until=date(2029, 5, 1)
    )
    ApplicationFactory(id_number=number)  # after the exit the number is free


def test_the_database_refuses_changing_a_draft_to_a_number_in_use():
    ApplicationFactory(id_number=ID)
    second = ApplicationFactory(status=ApplicationStatus.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=second.pk).update(id_number=ID)


def test_the_database_refuses_a_second_live_credit_code():
    ApplicationFactory(entity_type="opc_company", uscc=USCC_A)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(entity_type="opc_company", uscc=USCC_A)


def test_review_steps_of_an_existing_duplicate_are_not_blocked(intake_staff):
    """The trigger checks a number when it is claimed (new, changed, or the row becomes live), so a
    duplicate stored before the rule can still be returned or rejected."""
    ApplicationFactory(id_number=ID)
    second = ApplicationFactory()
    with pgtrigger.ignore("residents.Application:identity_in_use"):  # as stored before the trigger existed
        Application.objects.filter(pk=second.pk).update(id_number=ID)
    with at(MONDAY):
        services.application_return(application=second, actor=intake_staff, reason="请核实身份证号")
    assert Application.objects.get(pk=second.pk).status == ApplicationStatus.RETURNED


# --- The data migration's function ---------------------------------------------------------------------


def test_the_data_migration_rewrites_old_spellings_and_reports_what_needs_a_person():
    """On rows as the old code stored them (the following migration's constraints lifted first, in this
    test's transaction: the DDL must come before the rows' pending foreign-key checks)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE residents_application DROP CONSTRAINT application_id_number_ascii")
        cursor.execute("ALTER TABLE residents_application DROP CONSTRAINT application_uscc_ascii")
        cursor.execute("ALTER TABLE residents_ban DROP CONSTRAINT ban_id_number_ascii")
    resident = ResidentFactory()
    live_ascii = ApplicationFactory(id_number=ID)
    live_full_width = ApplicationFactory()
    closed_arabic = ApplicationFactory(status=ApplicationStatus.WITHDRAWN)
    company = ApplicationFactory(entity_type="opc_company", uscc=USCC_A)
    ban = BanFactory(id_number=resident.application.id_number)
    legacy = {
        live_full_width.pk: {"id_number": FULL_WIDTH},  # collides with live_ascii once normalised
        closed_arabic.pk: {"id_number": ARABIC_INDIC[:17] + "7"},
        company.pk: {"uscc": USCC_A.lower()},
    }
    for pk, values in legacy.items():
        Application.objects.filter(pk=pk).update(**values)
    Ban.objects.filter(pk=ban.pk).update(id_number=_full_width(resident.application.id_number))
    unreadable = ApplicationFactory(status=ApplicationStatus.REJECTED, decision_reason="x")
    Application.objects.filter(pk=unreadable.pk).update(id_number="四四〇一")

    with pgtrigger.ignore("residents.Application:identity_in_use"):  # added by the following migration
        report = normalise_stored(Application, Ban)

    assert Application.objects.get(pk=live_full_width.pk).id_number == ID
    assert Application.objects.get(pk=closed_arabic.pk).id_number == ID
    assert Application.objects.get(pk=company.pk).uscc == USCC_A
    assert Ban.objects.get(pk=ban.pk).id_number == resident.application.id_number
    assert Application.objects.get(pk=unreadable.pk).id_number == "四四〇一"  # left for a person
    assert report.unreadable == [f"application #{unreadable.pk} id_number"]
    assert report.collisions == [
        f"id_number 4401**********5447: application #{live_ascii.pk}, #{live_full_width.pk}"
    ]
    assert len(report.changed) == 4
    assert any("HELD TWICE" in line for line in report.lines())

    again = normalise_stored(Application, Ban)  # idempotent: nothing left to change, the same report
    assert again.changed == [] and again.collisions == report.collisions


# --- The operations desk's searches ---------------------------------------------------------------------


def test_the_resident_and_ban_searches_find_a_number_however_it_is_typed(client_for, administrator):
    resident = ResidentFactory(name="张三")
    number = resident.application.id_number
    BanFactory(id_number=number, resident=resident)
    client = client_for(administrator)
    for url in (reverse("admin:residents_resident_changelist"), reverse("admin:residents_ban_changelist")):
        assert len(client.get(url, {"q": _full_width(number)}).context["cl"].result_list) == 1
        assert len(client.get(url, {"q": f"{number[:6]}-{number[6:14]} {number[14:]}"}).context["cl"].result_list) == 1
        assert len(client.get(url, {"q": number[:10]}).context["cl"].result_list) == 0  # never a partial number
