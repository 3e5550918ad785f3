"""The liability disclaimers (第九章第二条): the agreement PDF and the orientation page carry the force-majeure
clause and the clause that residents bear their own business risks, worded by the rulebook version — the
agreement's recorded version, the orientation's version in force — and acknowledged with the rest."""

import copy
import re
import shutil
import subprocess

import pytest
import time_machine
from django.urls import reverse

from opc_community.rulebook.validation import parse_body
from residents.documents.agreement import agreement_pdf
from residents.models import OrientationAcknowledgement
from tests.residents.support.agreements import NOW, TODAY, checked_in, issue, onboarding
from tests.rulebook.factories import RulebookVersionFactory, first_version

pytestmark = pytest.mark.django_db
FORCE_MAJEURE = "因不可抗力（如地震、火灾、洪水等自然灾害）"
OWN_RISK = "由入驻主体自行承担"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _pdf_text(content: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "agreement.pdf"
    path.write_bytes(content)
    out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def test_the_seed_carries_both_clauses():
    rules = parse_body(first_version().body)
    assert FORCE_MAJEURE in rules.disclaimers.force_majeure and OWN_RISK in rules.disclaimers.own_business_risk


@pytest.mark.parametrize("text", ["", "x" * 2001])
def test_a_clause_cannot_be_empty_or_endless(text):
    from opc_community.core.errors import DomainError

    body = copy.deepcopy(first_version().body)
    body["disclaimers"]["force_majeure"] = text
    with pytest.raises(DomainError) as refusal:
        parse_body(body)
    assert "disclaimers.force_majeure" in refusal.value.message


def test_the_agreement_pdf_renders_the_clauses(intake_staff, tmp_path):
    agreement = issue(onboarding(name="杭州智语科技有限公司"), intake_staff)
    text = _pdf_text(agreement_pdf(agreement), tmp_path)
    assert "不可抗力：因不可抗力" in text and OWN_RISK in text and "第九章第二条" in text


def test_the_orientation_shows_the_version_in_force_and_is_acknowledged(client_for, resident_a, intake_staff):
    resident = onboarding(user=resident_a)
    checked_in(resident, intake_staff)
    body = copy.deepcopy(first_version().body)
    body["disclaimers"]["own_business_risk"] = "入驻主体自负盈亏（修订后的措辞）。"
    RulebookVersionFactory(number=2, effective_from=TODAY, body=body, created_by=intake_staff)
    client = client_for(resident_a)
    page = client.get(reverse("residents:orientation")).content.decode()
    assert FORCE_MAJEURE in page and "入驻主体自负盈亏（修订后的措辞）。" in page and OWN_RISK not in page
    assert client.post(reverse("residents:orientation"), {"confirm": "on"}).status_code == 302
    assert OrientationAcknowledgement.objects.get(resident=resident).rulebook_version == 2
