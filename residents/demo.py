"""Demo residents (第三章): a believable community for ``make run`` (``manage.py seed_demo``).

What the seed builds, with dates relative to ``demo.now``:

- **applicants** ``applicant1`` … ``applicant8`` (password as every demo account), one per review
  stage: a draft missing its project plan, submitted within the 7-working-day initial review,
  submitted and **overdue**, in evaluation, evaluated with the result due, returned for more
  material, rejected with reasons, approved and waiting for the agreement; each with small
  generated PDF/PNG materials in private storage;
- the three demo residents, checked in with accepted agreements and the orientation
  acknowledged: ``zhangsan`` (checked in today, the whole way through the services, ledger paid
  up), ``ouyang`` (agreement ending within 30 days: reminder sent, renewal requested, one invoice
  paid late and one overdue and partly paid), ``lisi`` (agreement ended three days ago: exit on
  expiry, in the 7-day grace period, fees cleared);
- ``zhaoliu``, a former resident forced out 75 days ago with a 3-year ban and an unpaid
  compensation charge (the debt survives the exit): the bans list and the archive show him;
- complaints: awaiting response, responded, solved awaiting confirmation, one overdue, and two
  closed last month (one from the suggestion box, late) for the monthly SLA report.

**How history is made.** Every state is created through the services (``residents.services.*``,
and the registered check-in steps: the spaces app's desk) where they can make it. The services
act *now*, and time travel is not available at runtime, so the parts that happened in the past are written with the ORM
afterwards, each marked ``# History:`` below:

- timestamps of steps done through the services (submission, review steps, complaint steps,
  acknowledgements) are moved back to the day they happened, deadlines recomputed from the
  moved times with the working-day calendar; the append-only event rows (application
  transitions, complaint messages, acknowledgements) are moved under ``pgtrigger.ignore``;
- the inbox messages of those steps are dropped: they would carry today's dates in their text;
- agreements that started in the past are created directly (``agreement_issue`` refuses a
  first agreement starting before today); their invoices, payments and deposits go through the
  ledger services, which accept past dates;
- check-ins of residents who came months ago are written directly (``resident_check_in``
  checks the agreement and invoices as of *today*); the registered check-in steps run for
  them (the desk: the spaces app's demo dates its assignment back to the check-in, and the
  release back to the exit).

The check-ins need the spaces app's desk register: :func:`~opc_community.core.demo.prepare_registers`
has the spaces demo make it first (this app never imports ``spaces``).

Idempotent: every person is looked up by natural key (user name, and the resident of that
account; complaints by subject) and skipped when present, so a second ``seed_demo`` changes
nothing. Texts are Chinese data, as on the notice board's demo.
"""

import logging
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pgtrigger
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max

from opc_community import rulebook, workdays
from opc_community.accounts.models import User
from opc_community.core.demo import DEMO_PASSWORD, Demo, prepare_registers
from opc_community.portal.models import Notification
from opc_community.rulebook.schema import Rulebook
from opc_community.workdays.rules import SHANGHAI, local_date
from residents import demo_mediation
from residents.extensions import check_in_steps
from residents.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    ApplicationTransition,
    BanSource,
    ClearanceItem,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintMessage,
    DepositEntryKind,
    Direction,
    DocumentKind,
    EntityType,
    Exit,
    ExitClearance,
    FeePeriod,
    Invoice,
    InvoiceKind,
    MessageKind,
    OrientationAcknowledgement,
    PaymentMethod,
    Resident,
    ResidentStatus,
)
from residents.rules import complaints as complaint_rules
from residents.rules.identity import id_card_check_character, uscc_check_character
from residents.rules.term import add_months, agreement_end
from residents.services import agreements, complaints, intake, ledger, lifecycle

# --- The cast -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What a person writes on 《OPC社区入驻申请表》."""

    username: str
    full_name: str
    entity_type: str
    direction: str
    summary: str
    birth: str  # YYYYMMDD, for a valid ID number
    seq: int  # makes the ID number's sequence and the credit code unique
    company: str = ""
    direction_note: str = ""


APPLICANTS = {
    "draft": Profile(
        "applicant1", "王小明", EntityType.INDIVIDUAL, Direction.AI_NATIVE,
        "面向中小外贸企业的 AI 报关单据识别工具：拍照上传发票、箱单，自动生成报关要素。", "19960312", 137,
    ),
    "submitted": Profile(
        "applicant2", "陈静", EntityType.OPC_COMPANY, Direction.DIGITAL_ECONOMY,
        "跨境电商店铺经营数据分析 SaaS，为一人公司卖家提供选品、定价和广告投放建议。", "19910705", 174,
        company="广州灵犀数据科技有限公司",
    ),
    "overdue": Profile(
        "applicant3", "刘洋", EntityType.SOLE_TRADER, Direction.CROSS_BORDER,
        "为粤港澳大湾区小微外贸企业提供跨境物流方案咨询和报关代理服务。", "19880921", 211,
        company="广州市南沙区刘洋跨境物流咨询服务部",
    ),
    "evaluation": Profile(
        "applicant4", "黄蕾", EntityType.INDIVIDUAL, Direction.AI_NATIVE,
        "AI 儿童绘本生成与出版平台：家长输入故事梗概，生成插画绘本并按需印刷。", "19940218", 248,
    ),
    "evaluated": Profile(
        "applicant5", "周杰", EntityType.OPC_COMPANY, Direction.AI_NATIVE,
        "面向珠三角制造企业的工业质检视觉大模型微调服务，按检测工位订阅收费。", "19870430", 285,
        company="广州星火智能科技有限公司",
    ),
    "returned": Profile(
        "applicant6", "吴婷", EntityType.INDIVIDUAL, Direction.AI_NATIVE,
        "基于大模型的劳动纠纷法律咨询助手，面向灵活就业人员。", "19990808", 322,
    ),
    "rejected": Profile(
        "applicant7", "郑浩", EntityType.INDIVIDUAL, Direction.OTHER,
        "线下奶茶店加盟连锁，计划引入 AI 点单屏。", "19930116", 359,
        direction_note="门店计划使用 AI 点单系统。",
    ),
    "approved": Profile(
        "applicant8", "孙悦", EntityType.INSTITUTION, Direction.DIGITAL_ECONOMY,
        "为入驻一人公司提供商标注册、软件著作权登记和知识产权维权服务。", "19850603", 396,
        company="广州明律知识产权服务有限公司",
    ),
}

RESIDENTS = {
    "zhangsan": Profile(
        "zhangsan", "张三", EntityType.OPC_COMPANY, Direction.AI_NATIVE,
        "基于大模型的跨境电商多语种客服助手，支持英语、西班牙语和阿拉伯语的售前售后咨询。", "19920315", 433,
        company="广州智语科技有限公司",
    ),
    "ouyang": Profile(
        "ouyang", "欧阳娜娜", EntityType.SOLE_TRADER, Direction.DIGITAL_ECONOMY,
        "AIGC 品牌视觉设计服务：为出海小品牌批量生成商品主图、海报和短视频素材。", "19970522", 470,
        company="广州市南沙区欧阳视觉设计工作室",
    ),
    "lisi": Profile(
        "lisi", "李四", EntityType.INDIVIDUAL, Direction.AI_NATIVE,
        "AI 辅助合同审查工具：上传合同即可标出风险条款并给出修改建议。", "19901102", 507,
    ),
    "zhaoliu": Profile(
        "zhaoliu", "赵六", EntityType.OPC_COMPANY, Direction.AI_NATIVE,
        "短视频脚本自动生成与剪辑工具。", "19860709", 544,
        company="广州云栈网络科技有限公司",
    ),
}

#: Nansha district's area code, for the demo ID numbers.
AREA = "440115"


@dataclass
class Seeding:
    """What the residents' seeders share: today, the rules in force and the staff who act."""

    today: date
    rules: Rulebook
    intake: User
    daily: User
    lead: User
    password_hash: str | None = None

    def at(self, days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
        """A moment ``days_ago`` days before today, at the given Shanghai wall-clock time."""
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), tzinfo=SHANGHAI)


def seed(demo: Demo) -> None:
    users = demo.users
    ctx = Seeding(
        today=local_date(demo.now),
        rules=rulebook.in_force(on=local_date(demo.now)),
        intake=users["intake"],
        daily=users["daily"],
        lead=users["lead"],
    )
    quiet = _quiet_pdf_rendering()
    prepare_registers(demo)
    # Chronological order, so that agreement numbers follow the dates of issue.
    _lisi(ctx)
    _ouyang(ctx)
    _zhaoliu(ctx)
    _zhangsan(ctx)
    _applicants(ctx)
    # 第四章第三条、第九章第五条: a mediation in progress and an FAQ entry (residents/demo_mediation.py).
    demo_mediation.seed(ctx)
    transaction.on_commit(quiet.restore)


@dataclass
class _Quiet:
    logger: logging.Logger
    level: int

    def silence(self) -> None:
        self.logger.setLevel(logging.WARNING)

    def restore(self) -> None:
        self.logger.setLevel(self.level)


def _quiet_pdf_rendering() -> _Quiet:
    """seed_demo prints the accounts only: WeasyPrint's progress lines (INFO) stay out of its output.

    The agreement PDFs are rendered after commit (``agreement_issue`` / ``agreement_accept``), so
    the logger is lowered by the first commit callback and put back by the last one, around them.
    """
    quiet = _Quiet(logging.getLogger("weasyprint.progress"), logging.getLogger("weasyprint.progress").level)
    transaction.on_commit(quiet.silence)
    return quiet


# --- Small generated materials (valid files, built in memory) ----------------------------------


def _png(width: int = 48, height: int = 30, rgb: tuple[int, int, int] = (66, 133, 244)) -> bytes:
    """A small solid-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str) -> bytes:
    """A one-page PDF with one line of (ASCII) text and a correct cross-reference table."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 50 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _materials(profile: Profile, kinds: tuple[str, ...]) -> list[tuple[str, SimpleUploadedFile]]:
    files = {
        DocumentKind.ID_CARD: lambda: SimpleUploadedFile(
            f"{profile.full_name}-身份证.png", _png(rgb=(210, 225, 240)), content_type="image/png"
        ),
        DocumentKind.BUSINESS_LICENCE: lambda: SimpleUploadedFile(
            "营业执照.png", _png(rgb=(236, 222, 200)), content_type="image/png"
        ),
        DocumentKind.PROJECT_PLAN: lambda: SimpleUploadedFile(
            "项目计划书.pdf", _pdf(f"Project plan - {profile.username} (OPC demo)"), content_type="application/pdf"
        ),
        DocumentKind.QUALIFICATION: lambda: SimpleUploadedFile(
            "资质证书.pdf", _pdf(f"Qualification - {profile.username} (OPC demo)"), content_type="application/pdf"
        ),
    }
    return [(kind, files[kind]()) for kind in kinds]


def _required(profile: Profile) -> tuple[str, ...]:
    if profile.entity_type in EntityType.registered():
        return (DocumentKind.ID_CARD, DocumentKind.BUSINESS_LICENCE, DocumentKind.PROJECT_PLAN)
    return (DocumentKind.ID_CARD, DocumentKind.PROJECT_PLAN)


def _id_number(profile: Profile, sequence: int) -> str:
    first17 = f"{AREA}{profile.birth}{sequence:03d}"
    return first17 + id_card_check_character(first17)


def _uscc(sequence: int) -> str:
    first17 = f"91{AREA}MA5C{sequence:04d}X"
    return first17 + uscc_check_character(first17)


# --- History helpers ------------------------------------------------------------------------------


@contextmanager
def _in_the_past() -> Iterator[None]:
    """Steps done now on behalf of the past: their inbox messages are dropped afterwards.

    History: the messages were written with today's dates in their text (deadlines computed
    from now); the steps themselves stay, moved back by the caller.
    """
    last = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    yield
    Notification.objects.filter(pk__gt=last).delete()


def _account(ctx: Seeding, profile: Profile) -> User:
    """The portal account an applicant signs up with (no role: it becomes a resident on approval).

    Created like the other demo accounts (``opc_community.accounts.demo``) rather than through
    ``applicant_sign_up``, which hashes the password each time: PBKDF2 is slow on purpose
    (~0.4 s a hash), so the demo password is hashed once and the hash shared by these accounts.
    """
    user = User.objects.filter(username=profile.username).first()
    if user is None:
        if ctx.password_hash is None:
            ctx.password_hash = make_password(DEMO_PASSWORD)
        user = User.objects.create(
            username=profile.username,
            full_name=profile.full_name,
            phone=_phone(profile),
            email=f"{profile.username}@demo.opc-community.local",
            password=ctx.password_hash,
        )
    return user


def _phone(profile: Profile) -> str:
    return f"1391234{profile.seq:04d}"


def _draft(ctx: Seeding, user: User, profile: Profile, *, kinds: tuple[str, ...] | None = None) -> Application:
    number = profile.seq
    registered = profile.entity_type in EntityType.registered()
    details = intake.ApplicationDetails(
        entity_type=profile.entity_type,
        direction=profile.direction,
        direction_note=profile.direction_note,
        person_name=profile.full_name,
        id_number=_id_number(profile, number),
        company_name=profile.company if registered else "",
        uscc=_uscc(number) if registered else "",
        phone=user.phone or _phone(profile),
        email=user.email,
        project_summary=profile.summary,
        declares_no_dishonesty=True,
        consent_id_processing=True,
        consent_public_naming=number % 2 == 0,
    )
    return intake.application_save_draft(
        applicant=user, details=details, uploads=_materials(profile, kinds or _required(profile)), actor=user
    )


#: The project evaluation the intake team records for the demo applications (第三章第二条).
EVALUATION = {
    "feasibility": "团队具备相关技术积累，已有试用客户，三个月内可上线最小可用版本。",
    "fit": "项目符合社区 AI 原生与数字经济方向，可接入社区算力券和场景对接资源。",
}


def _review(ctx: Seeding, application: Application, steps: list[tuple[str, datetime, str]]) -> Resident | None:
    """Run the review steps through the intake services, then move them to their days (History)."""
    resident = None
    for step, _when, reason in steps:
        if step == "submit":
            application = intake.application_submit(application=application, actor=application.applicant)
        elif step == "record_evaluation":
            application = intake.application_record_evaluation(
                application=application, actor=ctx.intake, **EVALUATION
            )
        elif step == "approve":
            resident = intake.application_approve(application=application, actor=ctx.intake, reason=reason)
            application = resident.application
        else:
            application = intake.application_review_step(
                application=application, step=step, actor=ctx.intake, reason=reason
            )
    _move_intake(ctx, application, [when for _step, when, _reason in steps])
    return resident


def _move_intake(ctx: Seeding, application: Application, moments: list[datetime]) -> None:
    """History: put each transition (in order) at its moment and recompute the deadlines from there."""
    transitions = list(ApplicationTransition.objects.filter(application=application).order_by("at", "id"))
    with pgtrigger.ignore("residents.ApplicationTransition:append_only"):
        for transition, moment in zip(transitions, moments, strict=True):
            ApplicationTransition.objects.filter(pk=transition.pk).update(at=moment)
    moment_of = {transition.to_status: moment for transition, moment in zip(transitions, moments, strict=True)}
    deadlines = ctx.rules.deadlines
    submitted_at = moment_of[ApplicationStatus.SUBMITTED]
    review_due = workdays.deadline(submitted_at, deadlines.intake_initial_review_working_days)
    fields = {
        "created_at": submitted_at - timedelta(hours=2),
        "submitted_at": submitted_at,
        "review_due_at": review_due.at,
        "review_due_provisional": review_due.provisional,
        "consent_id_processing_at": submitted_at - timedelta(hours=2),
        "consent_public_naming_at": submitted_at - timedelta(hours=2),
    }
    if evaluated_at := moment_of.get(ApplicationStatus.EVALUATED):
        result_due = workdays.deadline(evaluated_at, deadlines.intake_evaluation_result_working_days)
        fields.update(evaluated_at=evaluated_at, result_due_at=result_due.at,
                      result_due_provisional=result_due.provisional)
    if decided_at := moment_of.get(ApplicationStatus.APPROVED) or moment_of.get(ApplicationStatus.REJECTED):
        fields["decided_at"] = decided_at
    Application.objects.filter(pk=application.pk).update(**fields)
    application.documents.update(uploaded_at=fields["created_at"])
    if decided_at and application.status == ApplicationStatus.APPROVED:
        Resident.objects.filter(application=application).update(created_at=decided_at)


def _admitted(ctx: Seeding, profile: Profile, *, submitted_days_ago: int) -> Resident | None:
    """An applicant admitted in the past (application approved about a week after submission);
    None when the account already has its resident record (a second run)."""
    user = _account(ctx, profile)
    if Resident.objects.filter(user=user).exists():
        return None
    start = submitted_days_ago
    with _in_the_past():
        application = _draft(ctx, user, profile)
        resident = _review(ctx, application, [
            ("submit", ctx.at(start, 9, 30), ""),
            ("start_evaluation", ctx.at(start - 2, 15), "材料齐全，进入项目评估。"),
            ("record_evaluation", ctx.at(start - 5, 16), ""),
            ("approve", ctx.at(start - 6, 11), "评估通过，同意入驻。"),
        ])
    if resident is None:  # the last step above is the approval
        raise RuntimeError(f"demo applicant {profile.username} was not admitted")
    return resident


def _agreement_from_the_past(
    ctx: Seeding,
    resident: Resident,
    *,
    starts_on: date,
    fee: str,
    period: str,
    deposit: str,
) -> Agreement:
    """An accepted agreement that started on ``starts_on`` (issued a week before, accepted two days later).

    History: ``agreement_issue`` refuses a first agreement starting in the past, so the agreement
    row is written directly, with the number the service would give and the rulebook in force
    today; its fee invoices are made by the ledger service from the same schedule
    (``fee_schedule``), keyed as the service keys them. The PDF is rendered by the download view
    when first opened.
    """
    issued_on = starts_on - timedelta(days=7)
    months = ctx.rules.term.agreement_months
    agreement = Agreement.objects.create(
        resident=resident,
        number=agreements._next_number(issued_on.year),
        status=AgreementStatus.ACCEPTED,
        starts_on=starts_on,
        ends_on=agreement_end(starts_on, months),
        fee_amount=Decimal(fee),
        fee_period=period,
        deposit_amount=Decimal(deposit),
        rulebook_version=ctx.rules.version,
        issued_by=ctx.intake,
        accepted_at=datetime.combine(issued_on + timedelta(days=2), time(20, 15), tzinfo=SHANGHAI),
    )
    Agreement.objects.filter(pk=agreement.pk).update(
        issued_at=datetime.combine(issued_on, time(11), tzinfo=SHANGHAI)
    )
    for charge in agreements.fee_schedule(
        starts_on=starts_on, months=months, fee_period=period, fee_amount=agreement.fee_amount
    ):
        ledger.invoice_create(
            resident=resident,
            agreement=agreement,
            kind=InvoiceKind.FEE,
            description=agreements._fee_description(agreement, charge),
            amount=charge.amount,
            due_on=charge.due_on,
            period_start=charge.period_start,
            period_end=charge.period_end,
            source_key=f"agreement:{agreement.pk}:fee:{charge.index}",
            issued_on=issued_on,
            actor=ctx.intake,
        )
    ledger.deposit_record(
        resident=resident, kind=DepositEntryKind.PAID, amount=agreement.deposit_amount,
        on=starts_on - timedelta(days=1), note="入驻前银行转账缴纳", actor=ctx.intake, agreement=agreement,
    )
    return agreement


def _checked_in_in_the_past(ctx: Seeding, resident: Resident, *, at: datetime) -> None:
    """History: the check-in of a resident who came months ago, and the orientation the next morning.

    ``resident_check_in`` judges the agreement and the invoices as of today, so the check-in
    that happened back then is written directly; the registered check-in steps run (the first
    free desk) and the acknowledgement goes through the orientation service, then it is dated.
    """
    for step in check_in_steps():
        step.apply(resident, choice=None, actor=ctx.daily)
    Resident.objects.filter(pk=resident.pk).update(
        status=ResidentStatus.ACTIVE, checked_in_at=at, checked_in_by=ctx.daily
    )
    resident.refresh_from_db()
    acknowledgement = agreements.orientation_acknowledge(resident=resident, actor=resident.user)
    with pgtrigger.ignore("residents.OrientationAcknowledgement:append_only"):
        OrientationAcknowledgement.objects.filter(pk=acknowledgement.pk).update(
            acknowledged_at=at + timedelta(hours=22)
        )


def _pay(ctx: Seeding, invoice: Invoice, amount: str | Decimal, on: date, method: str = PaymentMethod.BANK_TRANSFER) -> None:
    ledger.payment_record(
        invoice=invoice, amount=amount, paid_on=on, method=method,
        reference=f"DEMO{invoice.pk:05d}{on:%m%d}", actor=ctx.intake,
    )


def _fee_invoices(agreement: Agreement) -> list[Invoice]:
    return list(agreement.invoices.filter(kind=InvoiceKind.FEE).order_by("due_on", "id"))


# --- Complaints -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    kind: str  # respond / solve / confirm
    text: str
    at: datetime | None = None  # None: now


def _complaint(
    ctx: Seeding,
    resident: Resident,
    *,
    subject: str,
    category: str,
    text: str,
    steps: tuple[Step, ...] = (),
    filed_at: datetime | None = None,
    channel: str = ComplaintChannel.PORTAL,
) -> None:
    """A complaint filed (or recorded by staff) and handled through the complaint services.

    History: with ``filed_at`` in the past, the steps are moved back to their moments and the
    deadlines recomputed from the filing; their inbox messages are dropped (``_in_the_past``).
    """
    if Complaint.objects.filter(resident=resident, subject=subject).exists():
        return
    past = filed_at is not None
    with _in_the_past() if past else _nothing():
        if channel == ComplaintChannel.PORTAL:
            complaint = complaints.complaint_file(
                resident=resident, category=category, subject=subject, text=text, actor=resident.user
            )
        else:
            complaint = complaints.complaint_record(
                resident=resident, channel=channel, category=category, subject=subject, text=text,
                actor=ctx.daily,
            )
        for step in steps:
            if step.kind == "respond":
                complaint = complaints.complaint_respond(complaint=complaint, text=step.text, actor=ctx.daily)
            elif step.kind == "solve":
                complaint = complaints.complaint_solve(complaint=complaint, text=step.text, actor=ctx.daily)
            else:
                complaint = complaints.complaint_confirm(complaint=complaint, actor=resident.user, comment=step.text)
        if past:
            _move_complaint(ctx, complaint, filed_at, steps)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _move_complaint(ctx: Seeding, complaint: Complaint, filed_at: datetime, steps: tuple[Step, ...]) -> None:
    deadlines = ctx.rules.deadlines
    response = workdays.deadline(filed_at, deadlines.complaint_response_working_days)
    solution = workdays.deadline(filed_at, deadlines.complaint_solution_working_days)
    when = {step.kind: step.at or filed_at for step in steps}
    fields = {
        "filed_at": filed_at,
        "response_due_at": response.at,
        "solution_due_at": solution.at,
        "due_provisional": response.provisional or solution.provisional,
        "responded_at": when.get("respond") or when.get("solve"),
        "solved_at": when.get("solve"),
        "closed_at": when.get("confirm"),
        "solution_late": bool(when.get("solve")) and complaint_rules.solution_was_late(
            already_late=False, solved_at=when["solve"], solution_due_at=solution.at
        ),
    }
    Complaint.objects.filter(pk=complaint.pk).update(**fields)
    kinds = {"respond": MessageKind.RESPONSE, "solve": MessageKind.SOLUTION, "confirm": MessageKind.CONFIRM}
    with pgtrigger.ignore("residents.ComplaintMessage:append_only"):
        for step in steps:
            ComplaintMessage.objects.filter(complaint=complaint, kind=kinds[step.kind]).update(at=when[step.kind])


# --- The residents ----------------------------------------------------------------------------------


def _lisi(ctx: Seeding) -> None:
    """李四: agreement (fee per term) ended three days ago without renewal → exit on expiry, in grace."""
    profile = RESIDENTS["lisi"]
    ends_on = ctx.today - timedelta(days=3)
    starts_on = add_months(ends_on + timedelta(days=1), -ctx.rules.term.agreement_months)
    resident = _admitted(ctx, profile, submitted_days_ago=(ctx.today - starts_on).days + 30)
    if resident is None:
        return
    agreement = _agreement_from_the_past(ctx, resident, starts_on=starts_on, fee="9600.00",
                                         period=FeePeriod.TERM, deposit="2000.00")
    _pay(ctx, _fee_invoices(agreement)[0], agreement.fee_amount, starts_on)
    _checked_in_in_the_past(ctx, resident, at=datetime.combine(starts_on, time(9, 30), tzinfo=SHANGHAI))
    # Two complaints closed last month, for the monthly SLA report: one on time, one late (suggestion box).
    _complaint(
        ctx, resident, subject="B 区打印机频繁卡纸", category=ComplaintCategory.FACILITIES,
        text="B 区共享打印机最近一周几乎每次打印都卡纸，影响合同打印。", filed_at=ctx.at(40, 9, 20),
        steps=(
            Step("respond", "已收到，今天下午安排设备维护人员上门检查。", ctx.at(40, 11)),
            Step("solve", "已更换搓纸轮并清理进纸通道，试打 50 页未再卡纸。", ctx.at(38, 16)),
            Step("confirm", "已恢复正常，谢谢。", ctx.at(37, 10)),
        ),
    )
    _complaint(
        ctx, resident, subject="建议周末开放空调", category=ComplaintCategory.SUGGESTION,
        channel=ComplaintChannel.SUGGESTION_BOX,
        text="（意见箱）周末加班时办公区空调关闭，室内闷热，建议周末也按需开放。", filed_at=ctx.at(35, 14),
        steps=(
            Step("respond", "意见已收到，正在与物业协商周末空调开放方案。", ctx.at(30, 10)),
            Step("solve", "自本周起周六 9:00–18:00 开放 3 楼空调，周日可提前一天预约。", ctx.at(20, 17)),
            Step("confirm", "", ctx.at(19, 9)),
        ),
    )
    # The daily expiry job's run on the morning after the end date.
    lifecycle.exit_open_on_expiry(agreement=agreement, today=ends_on + timedelta(days=1))
    Exit.objects.filter(resident=resident).update(created_at=ctx.at((ctx.today - ends_on).days - 1, 8))
    exit = Exit.objects.get(resident=resident)
    lifecycle.exit_clear(exit=exit, item=ClearanceItem.FEES_SETTLED, actor=ctx.daily,
                         note="全年费用已于入驻时一次性缴清。", today=ctx.today)


def _ouyang(ctx: Seeding) -> None:
    """欧阳娜娜: monthly fees, agreement ending in 18 days (reminder sent, renewal requested);
    one month paid late, the last month overdue and partly paid."""
    profile = RESIDENTS["ouyang"]
    ends_target = ctx.today + timedelta(days=18)
    starts_on = add_months(ends_target + timedelta(days=1), -ctx.rules.term.agreement_months)
    resident = _admitted(ctx, profile, submitted_days_ago=(ctx.today - starts_on).days + 35)
    if resident is None:
        return
    agreement = _agreement_from_the_past(ctx, resident, starts_on=starts_on, fee="600.00",
                                         period=FeePeriod.MONTHLY, deposit="1500.00")
    _checked_in_in_the_past(ctx, resident, at=datetime.combine(starts_on, time(10), tzinfo=SHANGHAI))
    invoices = [invoice for invoice in _fee_invoices(agreement) if invoice.due_on <= ctx.today]
    *paid, last = invoices
    for number, invoice in enumerate(paid):
        if number == 7:  # paid late, in two parts (renewal condition "fees paid on time" fails)
            _pay(ctx, invoice, "300.00", invoice.due_on + timedelta(days=4), PaymentMethod.WECHAT)
            _pay(ctx, invoice, "300.00", invoice.due_on + timedelta(days=9), PaymentMethod.WECHAT)
        else:
            _pay(ctx, invoice, invoice.amount, invoice.due_on - timedelta(days=number % 3), PaymentMethod.ALIPAY)
    _pay(ctx, last, "200.00", min(last.due_on + timedelta(days=5), ctx.today), PaymentMethod.WECHAT)
    _complaint(
        ctx, resident, subject="三楼茶水间饮水机漏水", category=ComplaintCategory.ENVIRONMENT,
        text="三楼茶水间饮水机底部持续漏水，地面湿滑，担心有人摔倒。", filed_at=ctx.at(3, 14, 5),
        steps=(Step("respond", "已放置防滑警示牌并关闭饮水机，已联系厂家上门维修。", ctx.at(2, 10, 30)),),
    )
    _complaint(
        ctx, resident, subject="11 月账单金额疑问", category=ComplaintCategory.FEES,
        text="本月账单显示 600 元，但我已于 5 日前转账 200 元，想确认剩余应缴金额和滞纳情况。",
        filed_at=ctx.at(8, 9, 40),
    )
    # The daily reminder job (30 days before the end), then the resident asks to renew.
    lifecycle.renewal_reminder_send(agreement=agreement, today=ctx.today)
    lifecycle.renewal_request(resident=resident, actor=resident.user, today=ctx.today,
                              note="希望续约一年，本月剩余费用将于本周内补缴。")


def _zhaoliu(ctx: Seeding) -> None:
    """赵六: forced exit 75 days ago (3-year ban, deposit forfeited, a compensation charge still owed)."""
    profile = RESIDENTS["zhaoliu"]
    exit_day = ctx.today - timedelta(days=75)
    starts_on = add_months(ctx.today, -7)
    resident = _admitted(ctx, profile, submitted_days_ago=(ctx.today - starts_on).days + 28)
    if resident is None:
        return
    agreement = _agreement_from_the_past(ctx, resident, starts_on=starts_on, fee="9000.00",
                                         period=FeePeriod.TERM, deposit="2000.00")
    _pay(ctx, _fee_invoices(agreement)[0], agreement.fee_amount, starts_on)
    _checked_in_in_the_past(ctx, resident, at=datetime.combine(starts_on, time(10), tzinfo=SHANGHAI))
    ledger.invoice_create(
        resident=resident, agreement=agreement, kind=InvoiceKind.COMPENSATION,
        description="私拉电线损坏 A 区公共插座及消防指示灯，照价赔偿", amount="1200.00",
        issued_on=exit_day - timedelta(days=20), due_on=exit_day - timedelta(days=10), actor=ctx.intake,
    )
    reason = "经书面警告后逾期未整改：多次在 A 区私拉电线、堆放杂物占用消防通道（第八章第二条）。"
    with _in_the_past():
        exit = lifecycle.force_exit(
            resident=resident, reason=reason, ban_years=ctx.rules.bans.forced_exit_years,
            ban_source=BanSource.FORCED_EXIT, actor=ctx.lead, today=exit_day,
        )
    # History: the forced exit happened on ``exit_day``; its rows are dated back to that afternoon.
    moment = datetime.combine(exit_day, time(15), tzinfo=SHANGHAI)
    Exit.objects.filter(pk=exit.pk).update(created_at=moment, completed_at=moment + timedelta(minutes=20))
    ExitClearance.objects.filter(exit=exit).update(cleared_at=moment + timedelta(minutes=10))
    resident.bans.update(created_at=moment)


def _zhangsan(ctx: Seeding) -> None:
    """张三: admitted last week, checked in today entirely through the services; ledger paid up."""
    profile = RESIDENTS["zhangsan"]
    resident = _admitted(ctx, profile, submitted_days_ago=14)
    if resident is None:
        return
    agreement = agreements.agreement_issue(
        resident=resident, starts_on=ctx.today, fee_amount="800.00", fee_period=FeePeriod.MONTHLY,
        deposit_amount="2000.00", actor=ctx.intake,
    )
    agreement = agreements.agreement_accept(agreement=agreement, actor=resident.user)
    ledger.deposit_record(resident=resident, kind=DepositEntryKind.PAID, amount="2000.00", on=ctx.today,
                          note="入驻时微信支付", actor=ctx.intake, agreement=agreement)
    _pay(ctx, _fee_invoices(agreement)[0], "800.00", ctx.today, PaymentMethod.WECHAT)
    resident = agreements.resident_check_in(resident=resident, actor=ctx.daily)  # the first free desk
    agreements.orientation_acknowledge(resident=resident, actor=resident.user)
    _complaint(
        ctx, resident, subject="工位插座接触不良", category=ComplaintCategory.FACILITIES,
        text="A 区工位下方的插座接触不良，笔记本电源时断时续，请安排检修。",
    )
    _complaint(
        ctx, resident, subject="门禁卡刷不开 3 楼侧门", category=ComplaintCategory.SERVICES,
        text="今天领取的门禁卡可以刷开正门，但刷不开 3 楼侧门。",
        steps=(
            Step("respond", "已收到，正在核对门禁权限。"),
            Step("solve", "已为您的门禁卡补开 3 楼侧门权限，请再试一次；如仍不行请到前台换卡。"),
        ),
    )


# --- The applicants ----------------------------------------------------------------------------------


def _applicants(ctx: Seeding) -> None:
    """One applicant per review stage (第三章第二条)."""
    plans: dict[str, tuple[list[tuple[str, int, int, int, str]], tuple[str, ...] | None]] = {
        # stage: ([(step, days ago, hour, minute, reason)], materials uploaded (None: all required))
        "draft": ([], (DocumentKind.ID_CARD,)),
        "submitted": ([("submit", 1, 16, 20, "")], None),
        "overdue": ([("submit", 15, 9, 30, "")], None),
        "evaluation": ([("submit", 6, 10, 0, ""),
                        ("start_evaluation", 3, 14, 0, "材料齐全，进入项目评估。")], None),
        "evaluated": ([("submit", 9, 11, 0, ""), ("start_evaluation", 6, 10, 0, "材料齐全。"),
                       ("record_evaluation", 1, 15, 0, "")], None),
        "returned": ([("submit", 8, 10, 0, ""),
                      ("return", 4, 16, 0, "项目计划书缺少盈利模式和近三个月的里程碑安排，"
                                           "请补充后重新提交（第三章第二条）。")], None),
        "rejected": ([("submit", 10, 9, 0, ""),
                      ("reject", 2, 11, 0, "项目以线下餐饮加盟为主，AI 仅用于门店点单，不属于社区 AI 原生、"
                                           "数字经济或跨境服务方向（第三章第一条）。")], None),
        "approved": ([("submit", 12, 10, 0, ""), ("start_evaluation", 9, 10, 0, "机构资质齐全。"),
                      ("record_evaluation", 3, 15, 0, ""), ("approve", 1, 11, 0, "同意入驻，请招商入驻组签发协议。")],
                     None),
    }
    for stage, profile in APPLICANTS.items():
        user = _account(ctx, profile)
        if Application.objects.filter(applicant=user).exists():
            continue
        steps, kinds = plans[stage]
        with _in_the_past() if steps else _nothing():
            application = _draft(ctx, user, profile, kinds=kinds)
            if steps:
                _review(ctx, application, [
                    (step, ctx.at(days, hour, minute), reason) for step, days, hour, minute, reason in steps
                ])


def seed_history(demo: Demo) -> None:
    """第二章第二条1: a year of intake history for the funnel (residents/demo_funnel.py), after every seed."""
    from residents import demo_funnel

    demo_funnel.seed(demo)
