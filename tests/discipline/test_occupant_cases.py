"""A 1a case (擅自入驻) against an *occupant* — someone who is not a resident (第八章第二条; decisions in
docs/discipline.md "Cases against an occupant"): who may be one (rules and check constraints), the whole
处罚流程 to the ban on applying, the ban refusing an application typed in full-width digits, the admin, the
masked notice board and the notice PDF."""

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import strip_tags
from rest_framework.test import APIClient

from discipline.models import CaseStatus, RectificationNotice, ViolationCase
from discipline.rules.occupants import (
    Occupant,
    OccupantProblem,
    occupant_measures,
    occupant_problems,
)
from discipline.selectors import cases as selectors
from discipline.services import cases as services
from discipline.services import interim, occupants
from opc_community import rulebook
from opc_community.core.errors import DomainError
from opc_community.notices.models import Publication
from opc_community.portal.models import Notification
from residents.models import Ban, BanSource, Invoice
from residents.rules.identity import IdCardProblem
from residents.services import submission as intake_services
from tests.discipline.support.cases import TODAY, close, evidence, on_day
from tests.residents.factories import valid_id_number
from tests.residents.support.intake import draft

pytestmark = pytest.mark.django_db

ID = valid_id_number(977)
FULL_WIDTH_ID = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ID)  # ４４０１１５…
NAME = "张伟明"
FACTS = "未办理入驻手续，连续一周在三楼 A-12 工位办公并留宿。"


def occupant(**overrides) -> Occupant:
    values = {"name": NAME, "id_number": FULL_WIDTH_ID, "phone": "139 0013 9001",
              "description": "入驻主体的朋友，借住在 A-12 工位"} | overrides
    return Occupant(**values)


def open_occupant_case(staff, *, kind: str = "1a", occurred_on: date = TODAY, **overrides) -> ViolationCase:
    return services.case_open(occupant=occupant(**overrides), kind=kind, occurred_on=occurred_on, facts=FACTS,
                              actor=staff)


# --- Rules --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "kind", "problems"), [
    ({}, "1a", {}),
    ({"id_number": ID}, "1a", {}),
    ({}, "2b", {"kind": OccupantProblem.KIND}),
    ({"name": " "}, "1a", {"occupant_name": OccupantProblem.NAME}),
    ({"name": "张" * 61}, "1a", {"occupant_name": OccupantProblem.NAME_LENGTH}),
    ({"id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")}, "1a", {"occupant_id_number": IdCardProblem.CHECK}),
    ({"id_number": "٤" + ID[1:]}, "1a", {"occupant_id_number": IdCardProblem.CHARACTERS}),
    ({"id_number": ""}, "1a", {"occupant_id_number": IdCardProblem.LENGTH}),
    ({"phone": "139-0013-9001"}, "1a", {}),
    ({"phone": "call me"}, "1a", {"occupant_phone": OccupantProblem.PHONE}),
])
def test_who_may_be_recorded_as_an_occupant(overrides, kind, problems):
    assert occupant_problems(occupant(**overrides).normalised(), kind=kind, today=TODAY) == problems


def test_the_measures_needing_a_resident_are_left_out():
    book = rulebook.in_force(on=TODAY)
    measures = book.violations.kinds["1a"].steps[0].measures
    kept, alternatives, dropped = occupant_measures(measures)
    assert [m.type for m in kept] == ["eviction", "fine"]
    assert [m.type for m in dropped] == ["deposit_forfeiture"] and alternatives == 0


# --- The database keeps it so -------------------------------------------------------------------------------


def _row(**fields):
    values = {"number": "违〔2026〕9999号", "kind": "1a", "occurred_on": TODAY, "facts": "x", "found_at": on_day_now()}
    return ViolationCase(**(values | fields))


def on_day_now():
    from django.utils import timezone

    return timezone.now()


@pytest.mark.parametrize("fields", [
    {},  # neither a resident nor an occupant
    {"occupant_name": NAME, "occupant_id_number": ID, "kind": "2b"},  # an occupant of another kind
    {"occupant_name": NAME, "occupant_id_number": FULL_WIDTH_ID},  # not stored normalised
    {"occupant_name": NAME, "occupant_id_number": ""},
])
def test_check_constraints_refuse_a_case_without_exactly_one_subject(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(**fields).save()


def test_check_constraints_refuse_occupant_fields_on_a_residents_case(member_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(resident=member_a, occupant_name=NAME, occupant_id_number=ID).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(resident=member_a, occupant_phone="13900139001").save()
    _row(occupant_name=NAME, occupant_id_number=ID).save()  # an occupant alone is fine


# --- Opening ------------------------------------------------------------------------------------------------


def test_the_occupant_is_kept_as_intake_keeps_an_id_number(today, daily_staff):
    case = open_occupant_case(daily_staff)
    assert (case.resident, case.occupant_name, case.occupant_id_number, case.occupant_phone) == (
        None, NAME, ID, "13900139001")
    assert case.is_occupant and case.subject_name == NAME
    assert not Notification.objects.exists()  # no account: nobody is told in the portal


def test_opening_refuses_with_the_field_named(today, daily_staff, member_a):
    refusals = [
        (lambda: open_occupant_case(daily_staff, kind="2b"), "kind", "1a"),
        (lambda: open_occupant_case(daily_staff, id_number="4401"), "occupant_id_number", "18"),
        (lambda: open_occupant_case(daily_staff, id_number=member_a.application.id_number), "occupant_id_number",
         member_a.name),
        (lambda: services.case_open(kind="1a", occurred_on=TODAY, facts=FACTS, actor=daily_staff), "subject", ""),
        (lambda: services.case_open(resident=member_a, occupant=occupant(), kind="1a", occurred_on=TODAY, facts=FACTS,
                                    actor=daily_staff), "subject", ""),
    ]
    for call, field, words in refusals:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.field == field and words in refused.value.message
    assert not ViolationCase.objects.exists()


# --- The whole 处罚流程 to the ban ---------------------------------------------------------------------------


@pytest.fixture
def decided_occupant_case(daily_staff, administrator):
    with on_day(TODAY):
        case = open_occupant_case(daily_staff)
        services.case_verify(case=case, actor=daily_staff, evidence=[evidence()])
        services.notice_issue(case=case, requirement="立即搬离 A-12 工位，归还门禁卡。", actor=daily_staff)
        case.refresh_from_db()
        occupants.notice_hand_over(case=case, handed_over_on=TODAY, actor=daily_staff)
        measures = services.case_decide(case=case, actor=administrator)
        case.refresh_from_db()
    return case, measures


def test_a_full_occupant_case_ends_in_a_ban_on_applying(decided_occupant_case, administrator, daily_staff):
    case, measures = decided_occupant_case
    notice = RectificationNotice.objects.get(case=case)
    assert (notice.handed_over_on, notice.handed_over_by) == (TODAY, daily_staff)
    assert [(m.type, m.amount, m.ban_years) for m in measures] == [
        ("eviction", None, None), ("fine", 500, None), ("application_ban", None, 3)]  # no deposit: none held
    assert case.same_kind_count == 1 and case.status == CaseStatus.DECIDED
    with on_day(TODAY, hour=11):
        publication = services.case_publish(case=case, actor=administrator)
    assert publication.concerned_user is None
    assert "张**" in publication.body and NAME not in publication.body and ID not in publication.body
    close(publication)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED
    applied = {m.type: m for m in case.measures.all()}
    assert all(m.applied_at for m in applied.values())
    assert not Invoice.objects.exists()  # the fine is no invoice of the residents ledger
    ban = Ban.objects.get()
    assert (ban.id_number, ban.source, ban.resident) == (ID, BanSource.UNAUTHORISED_OCCUPANCY, None)
    assert ban.ends_on > ban.starts_on + timedelta(days=3 * 365 - 2)
    tasks = Notification.objects.filter(kind="discipline.staff_task")
    assert {n.recipient for n in tasks} >= {administrator, daily_staff}
    assert not Notification.objects.filter(kind__startswith="discipline.case_").exists()  # nobody to tell


def test_the_ban_refuses_an_application_typed_in_full_width_digits(decided_occupant_case, administrator, outsider):
    case, _measures = decided_occupant_case
    with on_day(TODAY, hour=11):
        close(services.case_publish(case=case, actor=administrator))
    with on_day(TODAY + timedelta(days=30)):
        application = draft(outsider, id_number=FULL_WIDTH_ID)
        assert application.id_number == ID
        problems = intake_services.submission_problems(application, today=TODAY + timedelta(days=30))
    message = " ".join(problems.errors["id_number"])
    assert str(BanSource.UNAUTHORISED_OCCUPANCY.label) in message or "擅自" in message, message


def test_no_interim_suspension_and_no_portal_appeal_for_an_occupant(today, daily_staff, administrator):
    case = open_occupant_case(daily_staff)
    services.case_verify(case=case, actor=daily_staff, evidence=[evidence()])
    case.refresh_from_db()
    assert not interim.may_impose_interim(case)
    with pytest.raises(DomainError) as refused:
        interim.interim_suspend(case=case, reason="正在占用", actor=administrator)
    assert NAME in refused.value.message


def test_a_second_case_counts_by_the_id_number(today, daily_staff, administrator):
    first = open_occupant_case(daily_staff, occurred_on=TODAY - timedelta(days=20))
    services.case_verify(case=first, actor=daily_staff, evidence=[evidence()])
    second = open_occupant_case(daily_staff, id_number=ID.lower(), name="张伟明")
    preview = selectors.decision_preview(second)
    assert preview.count == 2 and preview.occupant_ban_years == 3
    assert any("保证金" in text for text in preview.not_applicable)


def test_an_upheld_written_review_annuls_the_case(decided_occupant_case, administrator):
    case, _measures = decided_occupant_case
    with on_day(TODAY, hour=11):
        services.case_publish(case=case, actor=administrator)
        case.refresh_from_db()
        occupants.occupant_review_upheld(case=case, reason="当事人已持有临时访客证", actor=administrator)
    case.refresh_from_db()
    assert case.status == CaseStatus.ANNULLED and not Ban.objects.exists()


# --- Admin, board, PDF, API --------------------------------------------------------------------------------


def test_the_admin_opens_an_occupant_case(today, client_for, administrator):
    client = client_for(administrator)
    page = client.get(reverse("admin:discipline_violationcase_add"))
    assert page.status_code == 200 and 'name="occupant_id_number"' in page.content.decode()
    refused = client.post(reverse("admin:discipline_violationcase_add"), {
        "subject": "occupant", "occupant_name": NAME, "occupant_id_number": FULL_WIDTH_ID, "kind": "2b",
        "occurred_on": TODAY.isoformat(), "facts": FACTS,
    })
    assert refused.status_code == 200 and "1a" in refused.content.decode()
    response = client.post(reverse("admin:discipline_violationcase_add"), {
        "subject": "occupant", "occupant_name": NAME, "occupant_id_number": FULL_WIDTH_ID, "kind": "1a",
        "occurred_on": TODAY.isoformat(), "facts": FACTS, "occupant_description": "朋友借住",
    })
    case = ViolationCase.objects.get()
    assert response.status_code == 302 and case.occupant_id_number == ID
    queue = client.get(reverse("admin:discipline_violationcase_changelist")).content.decode()
    assert NAME in queue
    found = client.get(reverse("admin:discipline_violationcase_changelist"), {"q": FULL_WIDTH_ID}).content.decode()
    assert case.number in found
    detail = client.get(reverse("admin:discipline_violationcase_change", args=[case.pk])).content.decode()
    assert "朋友借住" in detail and "handover" not in detail  # no notice yet: nothing to hand over


def test_the_admin_records_the_handover(today, client_for, daily_staff, administrator):
    case = open_occupant_case(daily_staff)
    services.case_verify(case=case, actor=daily_staff, evidence=[evidence()])
    services.notice_issue(case=case, requirement="立即搬离。", actor=daily_staff)
    client = client_for(administrator)
    url = reverse("admin:discipline_violationcase_step", args=[case.pk, "handover"])
    assert url in client.get(reverse("admin:discipline_violationcase_change", args=[case.pk])).content.decode()
    assert client.post(url, {"handed_over_on": TODAY.isoformat()}).status_code == 302
    notice = RectificationNotice.objects.get(case=case)
    assert (notice.handed_over_on, notice.handed_over_by) == (TODAY, administrator)


def test_the_board_masks_the_occupant(decided_occupant_case, administrator, client):
    case, _measures = decided_occupant_case
    with on_day(TODAY, hour=11):
        publication = services.case_publish(case=case, actor=administrator)
        page = strip_tags(client.get(publication.get_absolute_url()).content.decode())
        api = APIClient().get(reverse("notice-detail", args=[publication.pk])).content.decode()
    for text in (page, api):
        assert "张**" in text and NAME not in text and ID not in text and "13900139001" not in text
    assert Publication.objects.count() == 1


def test_publishing_facts_that_name_the_occupant_is_refused(decided_occupant_case, administrator):
    case, _measures = decided_occupant_case
    with on_day(TODAY, hour=11), pytest.raises(DomainError):
        services.case_publish(case=case, actor=administrator, public_facts=f"{NAME}未经审批占用工位。")


def test_the_notice_pdf_names_the_occupant(decided_occupant_case, tmp_path):
    from discipline.documents.notice import render_notice

    case, _measures = decided_occupant_case
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(render_notice(RectificationNotice.objects.select_related("case").get(case=case)))
    text = re.sub(r"\s+", "", subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    assert NAME in text and "立即搬离A-12工位" in text and "3年" in text


def test_the_api_opens_an_occupant_case(today, administrator):
    api = APIClient()
    api.force_authenticate(administrator)
    url = reverse("case-list")
    body = {"occupant_name": NAME, "occupant_id_number": FULL_WIDTH_ID, "kind": "2b",
            "occurred_on": TODAY.isoformat(), "facts": FACTS}
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "kind"
    created = api.post(url, body | {"kind": "1a"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["resident"] is None and created.json()["occupant_id_number"] == ID
