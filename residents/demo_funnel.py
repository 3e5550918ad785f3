"""A year of intake history for the funnel (第二章第二条1), called by ``residents.demo.seed``: three
applications a month for the twelve months before this one, from the portal and on paper — rejected,
withdrawn, or approved; of the approved ones, most signed and checked in and later left (voluntarily,
at expiry or forced), one in three never signed.

History only: the rows are written with the ORM, dated in the past, after every app's seed
(``seed_history``: the scoring demo's quarter runs never see them), and every stay ends before the
quarter before today's, so that no later quarterly assessment, ledger or job of the other apps does.
Idempotent: nothing is written when the first history account exists.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password

from opc_community.accounts.models import User
from opc_community.core.demo import Demo
from opc_community.workdays.rules import local_date
from residents.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Direction,
    EntityType,
    Exit,
    ExitKind,
    ExitStatus,
    Resident,
    ResidentStatus,
)
from residents.rules.identity import id_card_check_character
from residents.rules.term import add_months

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHS, PER_MONTH = 12, 3
AREA, BIRTH = "440115", "19900101"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
EXIT_KINDS = (ExitKind.VOLUNTARY, ExitKind.EXPIRY, ExitKind.FORCED, ExitKind.VOLUNTARY)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def seed(demo: Demo) -> None:
    if User.objects.filter(username="history01").exists():
        return
    today = local_date(demo.now)
    # Every stay ends before the quarter before today's (no assessment or job of another app sees it).
    stays_end_by = add_months(_quarter_start(today), -3) - timedelta(days=1)
    intake = demo.users["intake"]
    password = make_password(None)
    this_month = today.replace(day=1)
    n = 0
    for back in range(MONTHS, 0, -1):
        month = add_months(this_month, -back)
        for slot in range(PER_MONTH):
            n += 1
            submitted = datetime.combine(month + timedelta(days=3 + 9 * slot), time(10), tzinfo=SHANGHAI)
            name = f"{SURNAMES[n % len(SURNAMES)]}历史{n:02d}"
            user = User.objects.create(username=f"history{n:02d}", full_name=name, password=password,
                                       email=f"history{n:02d}@demo.opc-community.local")
            first17 = f"{AREA}{BIRTH[:4]}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{800 + n:03d}"
            paper = slot == 2
            signed = n % 3 != 0
            start = local_date(submitted) + timedelta(days=20)
            exit_on = start + timedelta(days=45 + 10 * slot)
            stays = signed and exit_on <= stays_end_by
            outcome = ApplicationStatus.APPROVED if n % 4 else (
                ApplicationStatus.REJECTED if n % 8 == 0 else ApplicationStatus.WITHDRAWN)
            decided = submitted + timedelta(days=12)
            application = Application.objects.create(
                applicant=user, status=outcome, entity_type=EntityType.INDIVIDUAL, direction=Direction.AI_NATIVE,
                person_name=name, id_number=first17 + id_card_check_character(first17), phone=f"1390000{n:04d}",
                email=user.email, project_summary="历史入驻申请（演示）", declares_no_dishonesty=True,
                consent_id_processing_at=submitted, round=1, submitted_at=submitted,
                decided_at=decided if outcome != ApplicationStatus.WITHDRAWN else None,
                decision_reason="项目方向与社区定位不符（第三章第一条）" if outcome == ApplicationStatus.REJECTED else "",
                reviewer=intake if outcome != ApplicationStatus.WITHDRAWN else None,
                **({"entered_by": intake, "paper_consent_by": name, "paper_consent_on": local_date(submitted),
                    "paper_consent_how": "纸质申请表签字"} if paper else {}),
            )
            if outcome != ApplicationStatus.APPROVED:
                continue
            left_on = exit_on if stays else local_date(decided) + timedelta(days=10)
            resident = Resident.objects.create(
                user=user, application=application, name=name, status=ResidentStatus.EXITED,
                checked_in_at=datetime.combine(start, time(9, 30), tzinfo=SHANGHAI) if stays else None,
                exited_on=left_on, retain_until=add_months(left_on, 36),
            )
            if not stays:
                continue
            Agreement.objects.create(
                resident=resident, number=f"OPC-H-{n:04d}", status=AgreementStatus.ENDED, starts_on=start,
                ends_on=add_months(start, 12) - timedelta(days=1), fee_amount=Decimal("800.00"),
                fee_period="monthly", deposit_amount=Decimal("2000.00"), rulebook_version=1, issued_by=intake,
                accepted_at=datetime.combine(start - timedelta(days=5), time(20), tzinfo=SHANGHAI),
                ended_on=exit_on, end_reason="演示历史：已退出",
            )
            Exit.objects.create(
                resident=resident, kind=EXIT_KINDS[n % len(EXIT_KINDS)], status=ExitStatus.COMPLETED,
                requested_on=exit_on - timedelta(days=30), exit_on=exit_on, deposit_outcome="refund",
                created_by=intake, completed_at=datetime.combine(exit_on, time(17), tzinfo=SHANGHAI),
            )
