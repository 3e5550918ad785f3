"""Public resource notices (服务公示, 第四章第四条 2): standing notices the daily job keeps up to date.

Two notices stand on the public board, each one publication (``StandingNotice.key``):

- ``resource-supply`` (kind *resource supply*): the voucher programmes taking applications with what is
  left of their budgets (``resources.selectors.vouchers``) and the equipment free now per category
  (``spaces.selectors.equipment.availability_summary``);
- ``service-quality`` (kind *service procedure*): the summary of the last quarter's service-quality
  survey (第五章第四条) — respondents and averages per service area, only for groups of at least
  ``surveys.min_group_size`` answers; no personal data at all.

**Decisions** (docs/resources.md): the first run opens each notice with the publication window of
RULEBOOK §10 (objections possible during it); later runs rewrite the text of the same publication
when the figures changed and touch nothing otherwise (idempotent: one notice, never a duplicate).
A notice staff withdrew is replaced by a new one on the next run. The job publishes in the name of
the community's administrator (the first active one); without one it waits.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from resources.models import StandingNotice, VoucherGrant
from resources.rules import vouchers as voucher_rules

RESOURCE_SUPPLY = "resource-supply"
SERVICE_QUALITY = "service-quality"


def _remaining_budgets(today: date) -> list[tuple[Any, Decimal]]:
    from resources.selectors.vouchers import open_programmes

    programmes = list(open_programmes(today=today))
    granted = dict(VoucherGrant.objects.filter(programme__in=programmes).order_by().values("programme")
                   .annotate(total=Sum("amount")).values_list("programme", "total"))
    return [(p, voucher_rules.budget_left(budget=p.budget, granted_total=granted.get(p.pk) or Decimal("0")))
            for p in programmes]


def resource_supply_text(*, today: date) -> tuple[str, str]:
    """(title, body) of the resource-supply notice, composed from the data only."""
    from spaces.models.equipment import EquipmentCategory
    from spaces.selectors.equipment import availability_summary

    lines = [_("Compute and model vouchers open for applications (budget left):")]
    budgets = _remaining_budgets(today)
    if budgets:
        for programme, left in budgets:
            lines.append(_("· %(title)s (%(provider)s): %(left)s of %(budget)s %(unit)s left, applications until %(closes)s")
                         % {"title": programme.title, "provider": programme.provider.name, "left": left,
                            "budget": programme.budget, "unit": programme.get_unit_display(),
                            "closes": format_day(programme.closes_on)})
    else:
        lines.append(_("· No programme takes applications now."))
    lines.append("")
    lines.append(_("Public equipment free now (free / in service):"))
    rows = availability_summary()
    labels = dict(EquipmentCategory.choices)
    if rows:
        for row in rows:
            lines.append(_("· %(category)s: %(free)s / %(total)s")
                         % {"category": labels.get(row["category"], row["category"]), "free": row["free"],
                            "total": row["total"]})
    else:
        lines.append(_("· No equipment registered."))
    lines.append("")
    lines.append(_("Updated daily from the records (Chapter 4, Article 4); as of %(day)s.") % {"day": format_day(today)})
    return _("Resource supply: vouchers and equipment"), "\n".join(lines)


def service_quality_text(*, today: date) -> tuple[str, str] | None:
    """(title, body) of the last finished quarter's survey summary, or None before the first one."""
    from resources.selectors.surveys import comparison, latest_closed, min_group

    survey = latest_closed(today=today)
    if survey is None:
        return None
    rows, previous, responded, responded_before = comparison(survey)
    lines = [_("Respondents: %(count)s residents.") % {"count": responded}]
    for row in rows:
        average = row.current.area.average
        before = row.previous.area.average if row.previous else None
        if average is None:
            figure = _("too few answers to show (fewer than %(n)s)") % {"n": min_group(survey)}
        else:
            figure = _("average %(average)s of %(max)s") % {"average": average, "max": survey.scale_max}
            if before is not None:
                figure += _(" (previous quarter %(before)s)") % {"before": before}
        lines.append(f"· {row.title}：{figure}")
    lines.append("")
    lines.append(_("Areas below the threshold are improved by the operations team (Chapter 5, Article 4)."))
    return _("Service-quality survey %(year)s Q%(quarter)s: results") % {
        "year": survey.year, "quarter": survey.quarter}, "\n".join(lines)


def _publisher() -> Any:
    return members_of(Role.ADMINISTRATOR).order_by("pk").first()


@transaction.atomic
def _refresh(key: str, kind: str, text: tuple[str, str] | None, *, actor: Actor, now: Any) -> str:
    """Open, rewrite or leave one standing notice; returns what happened ("opened", "updated", "unchanged", "")."""
    from opc_community.notices.services import publication_open

    if text is None:
        return ""
    title, body = text
    standing = StandingNotice.objects.select_for_update(no_key=True).filter(key=key).first()
    publication = (Publication.objects.select_for_update(no_key=True).get(pk=standing.publication_id)
                   if standing else None)
    if publication is not None and publication.status != PublicationStatus.WITHDRAWN:
        if publication.title == title and publication.body == body:
            return "unchanged"
        with acting_as(actor, action="resources.standing_notice_update"):
            publication.title, publication.body = title, body
            publication.save(update_fields=["title", "body", "updated_at"])
            standing.refreshed_at = now
            standing.save(update_fields=["refreshed_at"])
        return "updated"
    if actor is None:
        return ""
    with community_language():
        publication = publication_open(kind=kind, title=title, body=body, staff_text={}, actor=actor)
    with acting_as(actor, action="resources.standing_notice_open"):
        StandingNotice.objects.update_or_create(key=key, defaults={"publication": publication, "refreshed_at": now})
    return "opened"


def standing_notices_refresh(*, actor: Actor = None, now: Any = None) -> dict[str, str]:
    """The daily job (idempotent): both standing notices opened once, then kept up to date."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    actor = actor or _publisher()
    with community_language():
        supply = resource_supply_text(today=today)
        quality = service_quality_text(today=today)
    return {
        RESOURCE_SUPPLY: _refresh(RESOURCE_SUPPLY, PublicationKind.RESOURCE_SUPPLY, supply, actor=actor, now=now),
        SERVICE_QUALITY: _refresh(SERVICE_QUALITY, PublicationKind.SERVICE_PROCEDURE, quality, actor=actor, now=now),
    }
