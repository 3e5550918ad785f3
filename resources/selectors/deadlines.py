"""The resources app's rows still waiting on a provisional working-day deadline (RULEBOOK §2): counted
on the calendar admin, recomputed by ``resources.services.deadlines`` after a calendar change."""

from django.db.models import QuerySet

from resources.models import (
    OPEN_STATUSES,
    ApplicationStatus,
    HelpStatus,
    PolicyHelpRequest,
    ServiceRequest,
    VoucherApplication,
)


def provisional_voucher_reviews() -> QuerySet[VoucherApplication]:
    return VoucherApplication.objects.filter(status=ApplicationStatus.SUBMITTED, review_due_provisional=True)


def provisional_help_requests() -> QuerySet[PolicyHelpRequest]:
    return PolicyHelpRequest.objects.filter(status=HelpStatus.REQUESTED, response_due_provisional=True)


def provisional_service_requests() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(status__in=OPEN_STATUSES, due_provisional=True)
