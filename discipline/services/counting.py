"""The same-kind count when cases start or stop counting (第八章第二条; RULEBOOK §9, decisions added 2026-12).

The count of a case is the number of COUNTING cases of its kind (verified, not dismissed or annulled)
dated within the look-back window up to and including its own date, whatever the order in which they
were decided (``rules.same_kind_count``). It is computed when the case is decided, from every counting
case by date — verified-but-undecided ones included — and stored with the decision.

Decision: a case that starts counting (verified) or stops counting (dismissed after verification,
annulled) after a later-dated case of the same kind was decided does not rewrite that decision: it was
taken by the administrator, with amounts chosen within ranges, told to the resident and perhaps
published. Instead each decided case (decided, published or confirmed) whose prescribed measures the
new count would change is named to the administrator once, with the stored count and the count now,
to review it through the appeal and objection routes (``recount_after``).
"""

from dataclasses import replace

from django.db import connection
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from discipline import rules
from discipline.models import CaseStatus, ViolationCase
from discipline.selectors import cases as selectors
from opc_community import rulebook
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.i18n import community_language
from opc_community.portal.services import notify

#: Decided cases whose stored count a later change can make stale.
_DECIDED = (CaseStatus.DECIDED, CaseStatus.PUBLISHED, CaseStatus.CONFIRMED)


def counting_lock(resident_id: int) -> None:
    """Serialise counting per resident until the transaction ends: a case decided and a case verified,
    dismissed or annulled at the same moment see each other (transaction-scoped advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", ["discipline.count", resident_id])


def counting_lock_for(case: ViolationCase) -> None:
    """:func:`counting_lock` of the case's person: the resident, or an occupant's ID card number."""
    if case.resident_id is not None:
        counting_lock(case.resident_id)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"discipline.count:{case.occupant_id_number}"])


def _record(case: ViolationCase) -> rules.CaseOnRecord:
    return rules.CaseOnRecord(kind=case.kind, occurred_on=case.occurred_on, status=case.status)


def recount_after(case: ViolationCase) -> list[ViolationCase]:
    """``case`` has just started or stopped counting: tell the administrator of every decided same-kind case
    of the resident whose count it changes so that the penalty table would now prescribe other measures.
    Decisions are not rewritten (module docstring). Returns the cases named. Looks further only when the
    kind's ladder has a count rung (not the measured kinds 1b and 7 of the daily ladders)."""
    kind = rulebook.in_force(on=case.occurred_on).violations.kinds.get(case.kind)
    if kind is None or not any(s.when.count_min or s.when.count_max for s in kind.steps):
        return []
    counting_lock_for(case)
    same_kind = list(ViolationCase.objects.filter(selectors.same_subject(case), kind=case.kind))
    decided = [c for c in same_kind if c.status in _DECIDED and c.pk != case.pk and c.occurred_on >= case.occurred_on]
    books = selectors.books_by_day(c.occurred_on for c in decided)
    stale = []
    for other in decided:
        book = books.get(other.occurred_on)
        if book is None or other.same_kind_count is None:
            continue
        count = rules.same_kind_count(
            _record(other), [_record(c) for c in same_kind if c.pk != other.pk], book.violations.lookback_days
        )
        facts = rules.Facts(kind=other.kind, count=other.same_kind_count, measure=other.measure,
                            flags=frozenset(other.flags or ()))
        was = rules.decide(facts, book.violations)
        now = rules.decide(replace(facts, count=count), book.violations)
        if now.measures == was.measures:
            continue
        stale.append(other)
        with community_language():
            notify(
                recipients=members_of(Role.ADMINISTRATOR),
                title=_("Case %(number)s: the same-kind count changed") % {"number": other.number},
                body=_("Case %(changed)s of %(day)s is now “%(status)s”. Case %(number)s was decided as same-kind "
                       "violation no. %(stored)d; it is now no. %(count)d, for which the penalty table prescribes: "
                       "%(measures)s (Chapter 8, Article 2). The decision stands as taken: review it.")
                % {
                    "changed": case.number, "day": formats.date_format(case.occurred_on, "DATE_FORMAT"),
                    "status": case.get_status_display(), "number": other.number, "stored": other.same_kind_count,
                    "count": count,
                    "measures": selectors.join_measures(
                        [selectors.describe_rule_measure(m, bans=book.bans) for m in now.measures],
                        alternatives=now.alternatives,
                    ) or _("no measure applies"),
                },
                link=reverse("admin:discipline_violationcase_change", args=[other.pk]),
                kind="discipline.count_changed",
                dedupe_key=f"discipline:case:{other.pk}:count:{count}",
            )
    return stale
