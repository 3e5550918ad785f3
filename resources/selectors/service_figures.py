"""The resources app's figures on the public service-quality page (服务公示, 第四章第四条 2): how much of the
voucher budget was granted and what the quarterly survey said — totals and averages, never a person.

Registered in ``resources/apps.py`` (``notices.registry.register_service_figures``).
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.notices.rules import ONE_PLACE, ServiceFigure, ServiceSection, month_of
from resources.models import Survey, SurveyTally, VoucherGrant, VoucherProgramme, VoucherUnit

TWO_PLACES = Decimal("0.01")


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def voucher_figures(months: Sequence[date], *, now: datetime) -> list[ServiceSection]:
    """By the end of each month, per unit (yuan, tokens, GPU hours — never added across units): the amount
    granted from voucher programmes ÷ the budget of the published programmes open by then (第四章第二条).
    Queries: the programmes (1); the grants summed by unit and month (1)."""
    last = _month_end(months[-1])
    budgets: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for opens_on, unit, budget in VoucherProgramme.objects.filter(
        published_at__isnull=False, opens_on__lte=last
    ).values_list("opens_on", "unit", "budget"):
        budgets[unit].append((opens_on, budget))
    granted: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in (
        VoucherGrant.objects.filter(programme__isnull=False, issued_at__date__lte=last)
        .annotate(month=TruncMonth("issued_at", tzinfo=timezone.get_default_timezone()))
        .order_by()
        .values("unit", "month")
        .annotate(total=Sum("amount"))
    ):
        granted[row["unit"]].append((timezone.localtime(row["month"]).date(), row["total"]))
    figures = []
    for unit in VoucherUnit.values:
        if not budgets[unit]:
            continue
        values: list[Decimal | int | None] = []
        for month in months:
            budget = sum(
                (amount for opens_on, amount in budgets[unit] if opens_on <= _month_end(month)),
                Decimal(0),
            )
            used = sum((amount for first, amount in granted[unit] if first <= month), Decimal(0))
            values.append(
                (used * 100 / budget).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
                if budget
                else None
            )
        figures.append(
            ServiceFigure(
                _("Budget granted (%(unit)s)") % {"unit": VoucherUnit(unit).label},
                "percent",
                values,
                charted=True,
            )
        )
    if not figures:
        return []
    return [
        ServiceSection(
            key="vouchers",
            order=40,
            title=_("Compute and model vouchers"),
            rule=_(
                "Chapter 4, Article 2: compute and model vouchers are granted from published programmes, each with "
                "its budget. The share is what was granted by the end of the month out of the budget of the "
                "programmes open by then, for each unit separately."
            ),
            figures=figures,
        )
    ]


def survey_figures(months: Sequence[date], *, now: datetime) -> list[ServiceSection]:
    """The quarterly service-quality survey (第五章第四条) in the month it closed: respondents and the average
    answer over every question — shown only with at least the rulebook's group size of respondents (as on
    the survey's own results page). Queries: the rulebook versions (1); the surveys with their respondents
    (1); the answers summed by survey (1)."""
    rules_on = rulebook.in_force_by_day()
    surveys = list(
        Survey.objects.filter(
            closes_on__gte=months[0], closes_on__lte=min(_month_end(months[-1]), now.date())
        )
        .annotate(respondents=Count("responses"))
        .order_by("closes_on")
    )
    sums = {
        row["survey_id"]: row
        for row in SurveyTally.objects.filter(survey__in=[survey.pk for survey in surveys])
        .order_by()
        .values("survey_id")
        .annotate(total=Sum(F("score") * F("count")), answers=Sum("count"))
    }
    respondents: list[Decimal | int | None] = [None] * len(months)
    averages: list[Decimal | int | None] = [None] * len(months)
    scale = None
    for survey in surveys:
        index = month_of(survey.closes_on, months)
        if index is None:
            continue
        scale = survey.scale_max
        respondents[index] = survey.respondents
        row = sums.get(survey.pk)
        if (
            row
            and row["answers"]
            and survey.respondents >= rules_on(survey.opens_on).surveys.min_group_size
        ):
            averages[index] = (Decimal(row["total"]) / row["answers"]).quantize(
                TWO_PLACES, rounding=ROUND_HALF_UP
            )
    if scale is None:
        return []
    return [
        ServiceSection(
            key="surveys",
            order=50,
            title=_("Service-quality survey"),
            rule=_(
                "Chapter 5, Article 4: residents rate the community's services each quarter; the results are shown "
                "in the month the survey closed, as an average answer (1 lowest, %(scale)s highest), and only "
                "when enough residents answered for no one to be recognised."
            )
            % {"scale": scale},
            figures=[
                ServiceFigure(_("Respondents"), "count", respondents),
                ServiceFigure(_("Average answer"), "score", averages),
            ],
        )
    ]
