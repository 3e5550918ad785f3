"""Portal pages of the agreement, fees and orientation: who may see what, accepting, the PDF, the
orientation gate, and fixed query counts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from residents.models import AgreementStatus, OrientationAcknowledgement
from residents.services import agreements as services
from residents.services import ledger
from tests.downloads import assert_safe_download
from tests.residents.support.agreements import (
    NOW,
    TODAY,
    checked_in,
    issue,
    onboarding,
    use_private_storage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def a_onboarding(resident_a, intake_staff):
    """Resident A, approved, its agreement issued (not yet accepted)."""
    resident = onboarding(user=resident_a, name="张三")
    issue(resident, intake_staff)
    return resident


@pytest.fixture
def b_onboarding(resident_b, intake_staff):
    resident = onboarding(user=resident_b, name="欧阳娜娜")
    issue(resident, intake_staff)
    return resident


def _pages(resident):
    agreement = resident.agreements.get()
    invoice = resident.invoices.order_by("due_on").first()
    return {
        "agreement_list": (reverse("residents:agreement_list"), "get"),
        "agreement_detail": (reverse("residents:agreement_detail", args=[agreement.pk]), "get"),
        "agreement_pdf": (reverse("residents:agreement_pdf", args=[agreement.pk]), "get"),
        "agreement_accept": (reverse("residents:agreement_accept", args=[agreement.pk]), "post"),
        "ledger": (reverse("residents:ledger"), "get"),
        "invoice_detail": (reverse("residents:invoice_detail", args=[invoice.pk]), "get"),
        "orientation": (reverse("residents:orientation"), "get"),
    }


# --- Who may come in -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, a_onboarding):
    for name, (url, method) in _pages(a_onboarding).items():
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response.headers["Location"].startswith("/portal/login/"), name


def test_staff_are_not_residents(client_for, a_onboarding, intake_staff):
    client = client_for(intake_staff)
    for name, (url, method) in _pages(a_onboarding).items():
        assert getattr(client, method)(url).status_code == 403, name


def test_resident_b_gets_404_for_resident_a_records(client_for, a_onboarding, b_onboarding, private_storage):
    client = client_for(b_onboarding.user)
    for name, (url, method) in _pages(a_onboarding).items():
        if name in ("agreement_list", "ledger", "orientation"):
            continue  # pages without an id show B's own records
        response = getattr(client, method)(url, {"confirm": "on"} if method == "post" else None)
        assert response.status_code == 404, name
    assert a_onboarding.agreements.get().status == AgreementStatus.ISSUED
    # B's own list shows none of A's.
    page = client.get(reverse("residents:ledger")).content.decode()
    assert a_onboarding.invoices.first().number not in page


def test_wrong_methods_are_refused(client_for, a_onboarding):
    client = client_for(a_onboarding.user)
    pages = _pages(a_onboarding)
    assert client.get(pages["agreement_accept"][0]).status_code == 405
    for name in ("agreement_list", "agreement_detail", "agreement_pdf", "ledger", "invoice_detail"):
        assert client.post(pages[name][0]).status_code == 405, name
    assert client.put(pages["orientation"][0]).status_code == 405


# --- The agreement: read, download, accept ------------------------------------------------------------------


def test_the_resident_reads_its_agreement_before_check_in(client_for, a_onboarding):
    agreement = a_onboarding.agreements.get()

    page = client_for(a_onboarding.user).get(reverse("residents:agreement_detail", args=[agreement.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "《OPC社区入驻协议》" in text and agreement.number in text
    assert "2026年5月6日 – 2027年5月5日" in text
    assert "¥800.00" in text and "¥2,000.00" in text
    assert "单次入驻期限为 12 个月，到期前 30 天提醒办理续约或退出（第三章第三条）" in text
    assert 'name="confirm"' in text  # the acceptance checkbox


def test_accepting_needs_the_checkbox_then_records_the_time(client_for, a_onboarding):
    agreement = a_onboarding.agreements.get()
    client = client_for(a_onboarding.user)
    url = reverse("residents:agreement_accept", args=[agreement.pk])

    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "请勾选以接受协议" in refused.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ISSUED

    accepted = client.post(url, {"confirm": "on"}, follow=True)
    assert accepted.redirect_chain[-1][0] == reverse("residents:agreement_detail", args=[agreement.pk])
    agreement.refresh_from_db()
    assert (agreement.status, agreement.accepted_at) == (AgreementStatus.ACCEPTED, NOW)
    text = accepted.content.decode()
    assert "您已签署入驻协议" in text and 'name="confirm"' not in text


def test_the_pdf_is_served_privately_and_rendered_when_missing(client_for, a_onboarding, private_storage):
    agreement = a_onboarding.agreements.get()
    assert not agreement.document

    response = client_for(a_onboarding.user).get(reverse("residents:agreement_pdf", args=[agreement.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_safe_download(response, f"{agreement.number}.pdf")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    agreement.refresh_from_db()
    assert agreement.document.name == f"agreements/{agreement.number}.pdf"


# --- Fees and deposit -------------------------------------------------------------------------------------


def test_the_fees_page_shows_what_to_pay_and_what_is_overdue(client_for, a_onboarding, intake_staff):
    first = a_onboarding.invoices.order_by("due_on").first()
    ledger.payment_record(invoice=first, amount="300.00", paid_on=TODAY, method="wechat", actor=intake_staff)
    ledger.deposit_record(resident=a_onboarding, kind="paid", amount="500.00", on=TODAY, actor=intake_staff)

    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        page = client_for(a_onboarding.user).get(reverse("residents:ledger")).content.decode()

    # 待缴金额 is what is due by today: the first invoice, partly paid; the other eleven are upcoming, not added.
    assert '<p class="money money--big overdue" data-testid="due-now">¥500.00</p>' in page
    assert "¥9,300.00" not in page
    assert "即将到期：2026年6月" in page and "未到期账单共 11 笔，合计 ¥8,800.00" in page
    assert "已逾期 10 天" in page  # the first invoice, partly paid
    assert "未付：¥500.00" in page
    assert "尚需缴纳：¥1,500.00" in page  # deposit 2,000 agreed, 500 held
    assert "微信支付" in page


def test_an_invoice_page_shows_its_payments(client_for, a_onboarding, intake_staff):
    first = a_onboarding.invoices.order_by("due_on").first()
    ledger.payment_record(invoice=first, amount="800.00", paid_on=TODAY, method="cash", reference="R-1",
                          actor=intake_staff)

    page = client_for(a_onboarding.user).get(reverse("residents:invoice_detail", args=[first.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert first.description in text and "R-1" in text and "已于2026年5月6日结清" not in text
    assert "结清日期" in text


def test_the_fees_page_costs_the_same_with_1_or_12_invoices(client_for, resident_a, resident_b, intake_staff,
                                                          django_assert_num_queries):
    one = onboarding(user=resident_a)
    issue(one, intake_staff, fee="9000.00", period="term")
    twelve = onboarding(user=resident_b)
    issue(twelve, intake_staff)
    for resident in (one, twelve):
        first = resident.invoices.order_by("due_on").first()
        ledger.payment_record(invoice=first, amount="100.00", paid_on=TODAY, method="cash", actor=intake_staff)
        ledger.deposit_record(resident=resident, kind="paid", amount="100.00", on=TODAY, actor=intake_staff)

    # 1 session, 2 user, 3 resident (access check), 4 live agreement, 5 invoices with balances,
    # 6 payments, 7 deposit entries, 8 rulebook (the overdue-fee rule shown), 9 unread notifications
    # (context processor); the working-day calendar is held (no query)
    for resident in (one, twelve):
        client = client_for(resident.user)
        client.get(reverse("residents:ledger"))  # warm the per-process caches (the calendar)
        with django_assert_num_queries(9):
            assert client.get(reverse("residents:ledger")).status_code == 200


# --- Orientation (岗前告知) and the gate --------------------------------------------------------------------


def test_a_checked_in_resident_must_acknowledge_the_rules_first(client_for, resident_a, intake_staff, daily_staff):
    resident = onboarding(user=resident_a)
    checked_in(resident, intake_staff)
    client = client_for(resident_a)

    # A gated page sends it to the orientation page…
    for url in (reverse("residents:ledger"), reverse("residents:agreement_list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == reverse("residents:orientation")

    # …which shows the rules in force from the rulebook data, with a required checkbox.
    page = client.get(reverse("residents:orientation")).content.decode()
    for expected in ("社区规则第 1 版", "逾期缴费", "逾期 1–7 天", "罚款 ¥100.00", "考勤参与（10 分）",
                     "高于 80%：10 分", "合规优秀", "入驻期限", "A-101"):
        assert expected in page, expected
    refused = client.post(reverse("residents:orientation"), {})
    assert refused.status_code == 400 and "请勾选以确认已阅读上述规定" in refused.content.decode()
    assert not OrientationAcknowledgement.objects.filter(resident=resident).exists()

    done = client.post(reverse("residents:orientation"), {"confirm": "on"})
    assert done.headers["Location"] == reverse("portal:dashboard")
    ack = OrientationAcknowledgement.objects.get(resident=resident)
    assert (ack.rulebook_version, ack.acknowledged_by) == (1, resident_a)

    # Afterwards the gate is open, and the orientation page says when it was acknowledged.
    assert client.get(reverse("residents:ledger")).status_code == 200
    again = client.get(reverse("residents:orientation")).content.decode()
    assert "您已于2026年5月6日" in again and 'name="confirm"' not in again
    assert client.post(reverse("residents:orientation"), {"confirm": "on"}).status_code == 302
    assert OrientationAcknowledgement.objects.filter(resident=resident).count() == 1


def test_the_orientation_page_is_for_checked_in_residents(client_for, a_onboarding):
    assert client_for(a_onboarding.user).get(reverse("residents:orientation")).status_code == 403


def test_orientation_is_asked_again_for_a_new_rulebook_version(client_for, resident_a, intake_staff):
    from tests.rulebook.factories import RulebookVersionFactory

    resident = onboarding(user=resident_a)
    checked_in(resident, intake_staff)
    services.orientation_acknowledge(resident=resident, actor=resident_a)
    RulebookVersionFactory(number=2, title="第二版", effective_from=TODAY, created_by=intake_staff)

    response = client_for(resident_a).get(reverse("residents:ledger"))

    assert response.headers["Location"] == reverse("residents:orientation")


def test_the_dashboard_card_partial_renders_the_agreement(rf, resident_a, intake_staff):
    from django.template.loader import render_to_string

    from residents.selectors.agreements import agreement_card

    resident = onboarding(user=resident_a)
    assert "签订《入驻协议》后" in render_to_string("residents/agreements/dashboard_card.html", {"card": None})
    agreement = issue(resident, intake_staff)

    html = render_to_string("residents/agreements/dashboard_card.html", {"card": agreement_card(resident)})

    assert agreement.number in html and "2027年5月5日" in html
    assert "请阅读并签署入驻协议" in html
    assert f'href="/portal/residents/agreements/{agreement.pk}/"' in html
