"""The resources app's stored working-day deadlines, computed again after a calendar change (RULEBOOK §2;
registered in resources/apps.py): a voucher application's review (第五章第一条), a policy-help request's
response (第五章第二条), a start-up service request's response and resolution (第五章第三条). Each is
computed from its own event with the rulebook in force that day; an overdue flag raised under a date
that moved is withdrawn, and the daily job raises it again if the new date passes too."""

from dataclasses import replace

from django.db.models import Q

from opc_community import rulebook
from opc_community.portal.services import notifications_withdraw
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from resources.models import PolicyHelpRequest
from resources.rules import stage as stage_rules
from resources.selectors import deadlines as selectors
from resources.services.policies import help_overdue_key
from resources.services.stage import overdue_flag_key


def voucher_reviews_recompute_provisional() -> Recomputed:
    rules_on = rulebook.in_force_by_day()
    _moves, result = recompute_deadlines(
        selectors.provisional_voucher_reviews(), provisional="review_due_provisional",
        fields=[DeadlineField("review_due_at", "submitted_at", lambda day: rules_on(day).vouchers.review_working_days)],
    )
    return result


def help_requests_recompute_provisional() -> Recomputed:
    """A request flagged overdue under a date that moved is unflagged, so the daily job judges it again."""
    rules_on = rulebook.in_force_by_day()
    moves, result = recompute_deadlines(
        selectors.provisional_help_requests(), provisional="response_due_provisional",
        fields=[DeadlineField("response_due_at", "requested_at",
                              lambda day: rules_on(day).policies.help_response_working_days)],
    )
    moved = [move.pk for move in moves]
    flagged = list(PolicyHelpRequest.objects.filter(pk__in=moved, overdue_flagged_at__isnull=False)
                   .values_list("pk", flat=True))
    PolicyHelpRequest.objects.filter(pk__in=flagged).update(overdue_flagged_at=None)
    return replace(result, flags_cleared=notifications_withdraw(dedupe_keys=map(help_overdue_key, flagged)))


def service_requests_recompute_provisional() -> Recomputed:
    rules_on = rulebook.in_force_by_day()
    moves, result = recompute_deadlines(
        selectors.provisional_service_requests(), provisional="due_provisional",
        fields=[
            DeadlineField("response_due_at", "filed_at",
                          lambda day: rules_on(day).stage_services.response_working_days,
                          open=Q(responded_at__isnull=True)),
            DeadlineField("resolution_due_at", "filed_at",
                          lambda day: rules_on(day).stage_services.resolution_working_days),
        ],
    )
    kinds = {"response_due_at": stage_rules.DueKind.RESPONSE, "resolution_due_at": stage_rules.DueKind.SOLUTION}
    cleared = notifications_withdraw(
        dedupe_keys=[overdue_flag_key(move.pk, kinds[move.due], move.old) for move in moves])
    return replace(result, flags_cleared=cleared)
