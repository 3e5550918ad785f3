"""The residents app's items on the work desk (运营工作台, opc_community/core/desk.py): reviews due, residents to
check in, complaints due, overdue bills. Registered in residents/apps.py; each tally is one query."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.roles import Role
from opc_community.core.desk import DeskItem, Tally, admin_list
from residents.models import Resident, ResidentStatus
from residents.selectors import complaints, intake
from residents.selectors.ledger import overdue_invoices


def _check_ins(now: datetime) -> Tally:
    return Tally(Resident.objects.filter(status=ResidentStatus.ONBOARDING).count())


def _overdue_bills(now: datetime) -> Tally:
    return Tally(overdue_invoices(today=timezone.localdate(now)).order_by().count())


ITEMS = (
    # 第三章第二条: the initial review in 7 working days, the result after the evaluation.
    DeskItem(
        key="residents.reviews",
        label=_("Application reviews due by today"),
        roles=(Role.INTAKE,),
        order=10,
        tally=intake.desk_reviews,
        link=lambda now: admin_list("admin:residents_application_changelist", overdue="today"),
        late_link=lambda now: admin_list("admin:residents_application_changelist", overdue="yes"),
    ),
    # 第三章第二条 办理入驻: approved residents not yet checked in.
    DeskItem(
        key="residents.check_ins",
        label=_("Residents to check in"),
        roles=(Role.INTAKE, Role.DAILY),
        order=12,
        tally=_check_ins,
        link=lambda now: admin_list(
            "admin:residents_resident_changelist", status__exact=ResidentStatus.ONBOARDING
        ),
    ),
    # 第三章第二条 / RULEBOOK §9 kind 7: unpaid fees past their due date.
    DeskItem(
        key="residents.overdue_bills",
        label=_("Overdue bills"),
        roles=(Role.INTAKE,),
        order=14,
        tally=_overdue_bills,
        always_late=True,
        link=lambda now: admin_list("admin:residents_invoice_changelist", state="overdue"),
    ),
    # 第四章第四条: response in 2 working days, solution in 7.
    DeskItem(
        key="residents.complaints",
        label=_("Complaints due by today"),
        roles=(Role.DAILY, Role.OVERSIGHT),
        order=20,
        tally=complaints.desk_complaints,
        link=lambda now: admin_list("admin:residents_complaint_changelist", due="today"),
        late_link=lambda now: admin_list("admin:residents_complaint_changelist", due="late"),
    ),
)
