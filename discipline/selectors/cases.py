"""Reads of the 处罚流程 (第八章第二条): counts for escalation, decision previews, plain-Chinese rule text,
the resident's cases, the staff queue, and the hooks other apps read (renewal, archive, dashboard).

Every list here has a FIXED number of queries whatever the number of rows (STYLE.md #8):
the cases with their resident, notice, measures, appeals and publication are fetched in
set-based queries and stitched in Python.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline import rules
from discipline.models import (
    Appeal,
    AppealStatus,
    CaseStatus,
    EvidenceFile,
    PenaltyMeasure,
    RectificationNotice,
    SuspensionScope,
    ViolationCase,
)
from discipline.rules import occupants as occupant_rules
from opc_community import rulebook
from opc_community.core.money import format_yuan
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.rulebook.labels import CHOICE_LABELS
from opc_community.rulebook.schema import Measure, Rulebook, ViolationKind

#: The article every penalty rests on (第八章第二条 违规处罚).
ARTICLE = "第八章第二条"

#: Statuses of a case still in the workflow (the staff queue's default view).
OPEN_STATUSES = (
    CaseStatus.FOUND, CaseStatus.VERIFIED, CaseStatus.NOTICE_ISSUED, CaseStatus.RECTIFIED,
    CaseStatus.NOT_RECTIFIED, CaseStatus.DECIDED, CaseStatus.PUBLISHED,
)


# --- Counting (RULEBOOK §9: same kind, by violation date, rolling look-back window) ----------------------


def same_subject(case: ViolationCase) -> Q:
    """The cases of the same person as ``case``: the same resident, or — for an occupant, who has no
    resident record — the same ID card number (stored normalised, so full-width input matches)."""
    if case.resident_id is not None:
        return Q(resident_id=case.resident_id)
    return Q(resident__isnull=True, occupant_id_number=case.occupant_id_number)


def same_kind_count(
    *, resident_id: int | None, kind: str, occurred_on: date, lookback_days: int, exclude_pk: int | None = None,
    occupant_id_number: str = "",
) -> int:
    """The same-kind count incl. this one (``rules.same_kind_count``): the resident's counting cases of the
    kind — verified and later, never dismissed or annulled — dated within the window up to and including
    ``occurred_on``, whatever the order in which they were decided (one query). ``resident_id`` None: an
    occupant's, counted by ``occupant_id_number``."""
    subject = (
        Q(resident_id=resident_id) if resident_id is not None
        else Q(resident__isnull=True, occupant_id_number=occupant_id_number)
    )
    others = (
        ViolationCase.objects.filter(subject, kind=kind, occurred_on__lte=occurred_on)
        .exclude(pk=exclude_pk)
        .values_list("kind", "occurred_on", "status")
    )
    this = rules.CaseOnRecord(kind=kind, occurred_on=occurred_on, status="")
    return rules.same_kind_count(this, [rules.CaseOnRecord(*row) for row in others], lookback_days)


def kind_of(case: ViolationCase, book: Rulebook | None = None) -> ViolationKind | None:
    """The kind's rule data in the rulebook in force on the day it happened (None: unknown in that version)."""
    book = book or rulebook.in_force(on=case.occurred_on)
    return book.violations.kinds.get(case.kind)


def kind_label(code: str, book: Rulebook | None = None) -> str:
    """"2b 污染环境（空间管理违规）" — the kind's name and category from the rulebook."""
    book = book or rulebook.in_force(on=timezone.localdate())
    kind = book.violations.kinds.get(code)
    if kind is None:
        return code
    return f"{code} {kind.name}（{kind.category}）"


def kind_choices(book: Rulebook | None = None) -> list[tuple[str, str]]:
    """(code, label) of every kind of the rulebook in force (forms, filters)."""
    book = book or rulebook.in_force(on=timezone.localdate())
    return [(code, kind_label(code, book)) for code in book.violations.kinds]


# --- Plain-Chinese descriptions -----------------------------------------------------------------


def _scope_label(scope: str | None) -> str:
    return str(SuspensionScope(scope).label) if scope in SuspensionScope.values else (scope or "")


def describe_rule_measure(measure: Measure, *, bans: Any | None = None) -> str:
    """What a measure of the rulebook prescribes, in plain words ("罚款 ¥200.00–¥500.00（在区间内确定）")."""
    kind = measure.type
    if kind == "fine":
        if measure.amount is not None:
            return _("fine of %(amount)s") % {"amount": format_yuan(measure.amount)}
        return _("fine of %(min)s–%(max)s (the administrator chooses within the range)") % {
            "min": format_yuan(measure.amount_min), "max": format_yuan(measure.amount_max)
        }
    if kind == "suspension":
        return _describe_suspension(measure.scope, measure.days, measure.until_paid)
    if kind == "forced_exit" and bans is not None:
        return _("forced exit, no new application for %(years)d years") % {"years": rules.ban_years(measure, bans)}
    return describe_type(kind)


def describe_type(kind: str) -> str:
    """A measure's type in words (the rulebook's label of the choice)."""
    return str(CHOICE_LABELS.get(kind, kind))


def _describe_suspension(scope: str | None, days: int | None, until_paid: bool) -> str:
    label = _scope_label(scope)
    if until_paid:
        return _("%(scope)s suspended until the invoice is paid") % {"scope": label}
    if days:
        return _("%(scope)s suspended for %(days)d days") % {"scope": label, "days": days}
    return _("%(scope)s suspended (days chosen by the administrator)") % {"scope": label}


def describe_measure(measure: PenaltyMeasure) -> str:
    """A decided measure in plain words, with its chosen amount / days / ban."""
    if measure.type == "fine" and measure.amount is not None:
        return _("fine of %(amount)s") % {"amount": format_yuan(measure.amount)}
    if measure.type == "compensation" and measure.amount is not None:
        return _("compensation of %(amount)s") % {"amount": format_yuan(measure.amount)}
    if measure.type == "confiscation" and measure.amount is not None:
        return _("gains of %(amount)s confiscated") % {"amount": format_yuan(measure.amount)}
    if measure.type == "suspension":
        return _describe_suspension(measure.scope, measure.days, measure.until_paid)
    if measure.type == "forced_exit" and measure.ban_years:
        return _("forced exit, no new application for %(years)d years") % {"years": measure.ban_years}
    if measure.type == occupant_rules.APPLICATION_BAN and measure.ban_years:
        return describe_ban(measure.ban_years)
    return describe_type(measure.type)


def join_measures(texts: Iterable[str], *, alternatives: int = 0) -> str:
    """"警告、罚款 ¥50.00"; with ``alternatives`` (kind 8) "以下择一：…；…", then the measures that always apply."""
    texts = [str(text) for text in texts]
    if not alternatives:
        return "、".join(texts)
    choice = _("one of: ") + "；".join(texts[:alternatives])
    if len(texts) == alternatives:
        return choice
    return _("%(choice)s; in addition: %(measures)s") % {"choice": choice, "measures": "、".join(texts[alternatives:])}


@dataclass(frozen=True)
class Preview:
    """What the rulebook prescribes for a case now: the count, the outcome, and which inputs staff must give."""

    count: int
    outcome: rules.Outcome
    rulebook_version: int
    kind: ViolationKind
    bans: Any
    measure_texts: list[str]
    needs_amount: list[int]  # indices of outcome.measures needing a staff-entered amount (fine range, compensation)
    needs_days: list[int]  # indices of suspensions without fixed days (kind 8)
    # A case against an occupant (1a): the ban on applying added to the measures, and the rulebook's
    # measures that do not apply to someone who is not a resident (with the reason).
    occupant_ban_years: int | None = None
    not_applicable: list[str] = field(default_factory=list)

    @property
    def rule_text(self) -> str:
        return rule_sentence(self.kind, self.count, self.measure_texts, alternatives=self.outcome.alternatives,
                             code=self.outcome.kind)


def rule_sentence(kind: ViolationKind, count: int, measure_texts: list[str], *, code: str, alternatives: int = 0) -> str:
    """"2b 污染环境（空间管理违规），365 天内同类第 2 次 → 罚款 ¥50.00（第八章第二条）"."""
    outcome = join_measures(measure_texts, alternatives=alternatives) if measure_texts else _("no measure applies")
    return _("%(kind)s, same-kind violation no. %(count)d in the look-back window → %(outcome)s (%(article)s)") % {
        "kind": f"{code} {kind.name}（{kind.category}）", "count": count, "outcome": outcome, "article": ARTICLE,
    }


def decision_preview(case: ViolationCase, *, count: int | None = None) -> Preview | None:
    """The outcome ``rules.decide`` gives for the case with the rulebook in force on ``occurred_on``;
    ``count`` overrides the counted one (``count + 1`` = the next same-kind violation). None: unknown kind."""
    book = rulebook.in_force(on=case.occurred_on)
    kind = book.violations.kinds.get(case.kind)
    if kind is None:
        return None
    if count is None:
        count = same_kind_count(
            resident_id=case.resident_id, kind=case.kind, occurred_on=case.occurred_on,
            lookback_days=book.violations.lookback_days, exclude_pk=case.pk,
            occupant_id_number=case.occupant_id_number,
        )
    outcome = rules.decide(
        rules.Facts(kind=case.kind, count=count, measure=case.measure, flags=frozenset(case.flags or ())),
        book.violations,
    )
    not_applicable: tuple[Measure, ...] = ()
    ban_years = None
    if case.resident_id is None:  # an occupant: no resident-only measure; a ban on applying follows
        kept, alternatives, not_applicable = occupant_rules.occupant_measures(outcome.measures, outcome.alternatives)
        outcome = rules.Outcome(outcome.kind, kept, alternatives)
        ban_years = book.bans.occupancy_years if kept else None
    needs_amount = [
        index for index, m in enumerate(outcome.measures)
        if (m.type == "fine" and m.amount is None) or m.type in ("compensation", "confiscation")
    ]
    needs_days = [
        index for index, m in enumerate(outcome.measures) if m.type == "suspension" and not m.days and not m.until_paid
    ]
    texts = [describe_rule_measure(m, bans=book.bans) for m in outcome.measures]
    if ban_years:
        texts.append(describe_ban(ban_years))
    return Preview(
        count=count, outcome=outcome, rulebook_version=book.version, kind=kind, bans=book.bans,
        measure_texts=texts, needs_amount=needs_amount, needs_days=needs_days,
        occupant_ban_years=ban_years,
        not_applicable=[_not_for_occupant(m, bans=book.bans) for m in not_applicable],
    )


def describe_ban(years: int) -> str:
    return _("no application to the community for %(years)d years") % {"years": years}


def _not_for_occupant(measure: Measure, *, bans: Any) -> str:
    """A measure of the rulebook that does not apply to an occupant, and why (shown to staff)."""
    why = {
        "suspension": _("a person who is not a resident has no account to suspend"),
        "forced_exit": _("a person who is not a resident has no agreement to end"),
        "deposit_forfeiture": _("a person who is not a resident paid no deposit (“if any”)"),
    }.get(measure.type, _("it applies to residents only"))
    return _("%(measure)s: not applied — %(why)s") % {"measure": describe_rule_measure(measure, bans=bans), "why": why}


def next_step_text(case: ViolationCase, *, count: int | None = None) -> str:
    """"再次发生同类违规将：…" — what the rulebook prescribes for the next same-kind violation (count + 1),
    without the circumstances of this one (they are judged anew)."""
    base = case.same_kind_count or count
    if base is None:
        preview = decision_preview(case)
        base = preview.count if preview else 1
    book = rulebook.in_force(on=case.occurred_on)
    kind = book.violations.kinds.get(case.kind)
    if kind is None:
        return ""
    outcome = rules.decide(rules.Facts(kind=case.kind, count=base + 1, measure=case.measure), book.violations)
    if outcome.is_none:
        return str(_("the rulebook prescribes no further measure"))
    texts = [describe_rule_measure(m, bans=book.bans) for m in outcome.measures]
    if case.resident_id is None:  # an occupant: what applies to someone who is not a resident, and the ban
        kept, alternatives, _dropped = occupant_rules.occupant_measures(outcome.measures, outcome.alternatives)
        texts = [describe_rule_measure(m, bans=book.bans) for m in kept] + [describe_ban(book.bans.occupancy_years)]
        return join_measures(texts, alternatives=alternatives)
    return join_measures(texts, alternatives=outcome.alternatives)


def case_rule_text(case: ViolationCase) -> str:
    """The rule behind a decided case in plain Chinese with the article (uses the stored count)."""
    book = rulebook.in_force(on=case.occurred_on)
    kind = book.violations.kinds.get(case.kind)
    if kind is None or case.same_kind_count is None:
        return ""
    measures = getattr(case, "measure_list", None)
    if measures is None:
        measures = list(case.measures.all())
    return rule_sentence(kind, case.same_kind_count, [describe_measure(m) for m in measures], code=case.kind)


# --- The public board ------------------------------------------------------------------------------------


def facts_summary(case: ViolationCase) -> str:
    """The facts as the notice board shows them unless staff rewrite them: their first 120 characters."""
    return case.facts if len(case.facts) <= 120 else case.facts[:119] + "…"


# --- Publications of cases (generic relation, fetched set-based) ----------------------------------------


def _case_content_type() -> ContentType:
    return ContentType.objects.get_for_model(ViolationCase)


def publication_of(case: ViolationCase) -> Publication | None:
    """The case's latest penalty publication (one query; the content type is cached)."""
    return (
        Publication.objects.filter(
            kind=PublicationKind.PENALTY_DECISION, content_type=_case_content_type(), object_id=case.pk
        )
        .order_by("-window_starts_at", "-id")
        .first()
    )


def _attach_publications(cases: list[ViolationCase]) -> None:
    """Set ``case.publication`` on each case (one query for all)."""
    by_case: dict[int, Publication] = {}
    if cases:
        rows = Publication.objects.filter(
            kind=PublicationKind.PENALTY_DECISION, content_type=_case_content_type(),
            object_id__in=[case.pk for case in cases],
        ).order_by("window_starts_at", "id")
        for publication in rows:
            by_case[publication.object_id] = publication  # the latest wins
    for case in cases:
        case.publication = by_case.get(case.pk)


def appeal_window_end(case: ViolationCase) -> datetime | None:
    """When the resident can no longer appeal: the end of the publication window (None: not published)."""
    publication = getattr(case, "publication", None)
    if publication is None and not hasattr(case, "publication"):
        publication = publication_of(case)
    if publication is None or publication.status == PublicationStatus.WITHDRAWN:
        return None
    return publication.window_ends_at


# --- The resident's cases (portal, API) ---------------------------------------------------------------


def _with_related(cases: QuerySet[ViolationCase]) -> QuerySet[ViolationCase]:
    return cases.select_related("resident", "resident__application", "notice").prefetch_related(
        Prefetch("measures", queryset=PenaltyMeasure.objects.select_related("invoice", "suspension").order_by("id"),
                 to_attr="measure_list"),
        Prefetch("appeals", queryset=Appeal.objects.order_by("-submitted_at"), to_attr="appeal_list"),
    )


#: Cases a resident sees: everything from the notice on (a case still being verified is staff work;
#: a dismissed one never reached the resident beyond the "opened" message, so it is shown too).
RESIDENT_HIDDEN_STATUSES: tuple[str, ...] = ()


def resident_cases(resident: Any) -> list[ViolationCase]:
    """The resident's own cases, newest first, with notice, measures, appeals and publication.

    FOUR queries whatever the number of cases: cases (+ resident, application, notice joined),
    measures (+ invoice, suspension), appeals, publications (the content type is cached after the first
    call in a process: one more query the very first time)."""
    cases = list(_with_related(ViolationCase.objects.filter(resident=resident)).order_by("-occurred_on", "-id"))
    _attach_publications(cases)
    return cases


def case_for_resident(resident: Any, pk: Any) -> ViolationCase | None:
    """One of the resident's own cases (another resident's id: None → 404)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    cases = list(_with_related(ViolationCase.objects.filter(resident=resident, pk=pk)))
    if not cases:
        return None
    _attach_publications(cases)
    return cases[0]


def case_evidence(case: ViolationCase) -> list[EvidenceFile]:
    return list(case.evidence.select_related("uploaded_by").order_by("uploaded_at", "id"))


def resident_appeals(resident: Any) -> QuerySet[Appeal]:
    return Appeal.objects.filter(resident=resident).select_related("case").order_by("-submitted_at", "-id")


# --- Staff queue ---------------------------------------------------------------------------------------


def _next_deadline() -> Any:
    """The deadline staff work to: the appeal answer due when one is pending, else the notice deadline
    while the notice is open (as the end of that day is close enough for ordering: its midnight)."""
    pending_due = Subquery(
        Appeal.objects.filter(case=OuterRef("pk"), status=AppealStatus.PENDING).order_by("answer_due_at")
        .values("answer_due_at")[:1],
        output_field=DateTimeField(),
    )
    return Coalesce(
        pending_due,
        Case(When(status=CaseStatus.NOTICE_ISSUED, then=F("notice__deadline")),
             When(status=CaseStatus.DECIDED, then=F("publish_due_at")), default=Value(None),
             output_field=DateTimeField()),
        output_field=DateTimeField(),
    )


def staff_queue(cases: QuerySet[ViolationCase] | None = None) -> QuerySet[ViolationCase]:
    """Cases for the operations desk with ``next_deadline`` and ``has_pending_appeal`` (one query)."""
    cases = ViolationCase.objects.all() if cases is None else cases
    return cases.select_related("resident", "notice").annotate(
        next_deadline=_next_deadline(),
        has_pending_appeal=Exists(Appeal.objects.filter(case=OuterRef("pk"), status=AppealStatus.PENDING)),
    )


def overdue_q(now: datetime) -> Q:
    """Cases behind (待办/逾期): a notice past its deadline still open, a decision not published by its time,
    or an appeal past its answer time."""
    today = timezone.localdate(now)
    return (
        Q(status=CaseStatus.NOTICE_ISSUED, notice__deadline__lt=today)
        | Q(status=CaseStatus.DECIDED, publish_due_at__lt=now)
        | Q(appeals__status=AppealStatus.PENDING, appeals__answer_due_at__lt=now)
    )


def overdue_count(now: datetime) -> int:
    """How many cases are behind (the count on the admin index; one query)."""
    return ViolationCase.objects.filter(overdue_q(now)).values("pk").distinct().count()


def appeal_queue(appeals: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    appeals = Appeal.objects.all() if appeals is None else appeals
    return appeals.select_related("case", "resident", "decided_by")


def overdue_appeals(*, now: datetime) -> QuerySet[Appeal]:
    """Pending appeals whose answer time has passed (the 3-working-day answer, 第八章第二条)."""
    return Appeal.objects.filter(status=AppealStatus.PENDING, answer_due_at__lt=now).select_related("case", "resident")


# --- Dashboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineItem:
    title: str
    due: date
    link: str
    kind: str  # "rectification" | "appeal"
    extra: dict = field(default_factory=dict)


def resident_deadlines(resident: Any, *, now: datetime | None = None) -> list[DeadlineItem]:
    """Open rectification deadlines and the appeal windows the resident may still use — not a case it already
    asked to review (第八章第二条) — for the dashboard's "近期期限" (2 queries)."""
    from django.urls import reverse

    now = now or timezone.now()
    today = timezone.localdate(now)
    items: list[DeadlineItem] = []
    notices = RectificationNotice.objects.filter(
        case__resident=resident, case__status=CaseStatus.NOTICE_ISSUED, deadline__gte=today
    ).select_related("case")
    for notice in notices:
        items.append(DeadlineItem(
            title=_("Rectify by (notice %(number)s)") % {"number": notice.number}, due=notice.deadline,
            link=reverse("discipline:case_detail", args=[notice.case_id]), kind="rectification",
        ))
    publications = Publication.objects.filter(
        kind=PublicationKind.PENALTY_DECISION, content_type=_case_content_type(), concerned_user_id=resident.user_id,
        status=PublicationStatus.OPEN, window_ends_at__gte=now,
    ).exclude(object_id__in=Appeal.objects.filter(resident=resident).values("case_id"))
    for publication in publications:
        items.append(DeadlineItem(
            title=_("Request for review possible until (%(title)s)") % {"title": publication.title},
            due=timezone.localdate(publication.window_ends_at),
            link=reverse("discipline:case_detail", args=[publication.object_id]), kind="appeal",
        ))
    return sorted(items, key=lambda item: item.due)


def fine_total(measures: Iterable[PenaltyMeasure]) -> Decimal:
    return sum((m.amount or Decimal("0")) for m in measures if m.type == "fine")


# --- Display: deadlines, rule text, next step — a FIXED number of queries for any number of cases -----


def books_by_day(days: Iterable[date]) -> dict[date, Rulebook]:
    """The rulebook in force on each day, from ONE query over the adopted versions (parsed bodies cached)."""
    from opc_community.rulebook.models import RulebookVersion
    from opc_community.rulebook.selectors import rules_of

    days = set(days)
    if not days:
        return {}
    versions = list(
        RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED).order_by("-effective_from")
    )
    result = {}
    for day in days:
        version = next((v for v in versions if v.effective_from <= day), None)
        if version is not None:
            result[day] = rules_of(version)
    return result


def attach_display(cases: list[ViolationCase], *, now: datetime | None = None) -> None:
    """Set on each case what the portal and the API show: ``notice_days_left``, ``window_end``,
    ``window_open``, ``window_days_left``, ``pending_appeal``, ``can_appeal``, ``rule_text``,
    ``next_step`` and ``measure_texts``. Cases must come from :func:`resident_cases` /
    :func:`case_for_resident` (relations loaded). Three queries at most whatever the number of cases:
    the rulebook versions, and the working-day calendar (two) when a deadline is shown."""
    from opc_community.workdays.selectors import work_calendar

    now = now or timezone.now()
    today = timezone.localdate(now)
    books = books_by_day(case.occurred_on for case in cases)
    dates = [today]
    for case in cases:
        notice = notice_or_none(case)
        if notice is not None and case.status == CaseStatus.NOTICE_ISSUED:
            dates.append(notice.deadline)
        publication = getattr(case, "publication", None)
        if publication is not None and publication.is_window_open(now):
            dates.append(timezone.localdate(publication.window_ends_at))
    calendar = work_calendar() if len(dates) > 1 else None
    for case in cases:
        book = books.get(case.occurred_on)
        kind = book.violations.kinds.get(case.kind) if book else None
        measures = getattr(case, "measure_list", [])
        case.kind_text = f"{case.kind} {kind.name}（{kind.category}）" if kind else case.kind
        for measure in measures:
            measure.text = describe_measure(measure)
        case.measure_texts = [measure.text for measure in measures]
        case.rule_text = (
            rule_sentence(kind, case.same_kind_count, case.measure_texts, code=case.kind)
            if kind and case.same_kind_count is not None and case.status != CaseStatus.ANNULLED else ""
        )
        case.next_step = ""
        if kind and case.same_kind_count is not None and case.status != CaseStatus.ANNULLED:
            outcome = rules.decide(
                rules.Facts(kind=case.kind, count=case.same_kind_count + 1, measure=case.measure), book.violations
            )
            case.next_step = join_measures(
                [describe_rule_measure(m, bans=book.bans) for m in outcome.measures], alternatives=outcome.alternatives
            ) if not outcome.is_none else ""
        notice = notice_or_none(case)
        case.notice_days_left = (
            calendar.working_days_between(today, notice.deadline)
            if calendar and notice is not None and case.status == CaseStatus.NOTICE_ISSUED else None
        )
        publication = getattr(case, "publication", None)
        case.window_end = (
            publication.window_ends_at
            if publication is not None and publication.status != PublicationStatus.WITHDRAWN else None
        )
        case.window_open = bool(publication is not None and publication.is_window_open(now))
        case.window_days_left = (
            calendar.working_days_between(today, timezone.localdate(publication.window_ends_at))
            if calendar and case.window_open else None
        )
        appeals = getattr(case, "appeal_list", [])
        case.pending_appeal = next((a for a in appeals if a.status == AppealStatus.PENDING), None)
        case.can_appeal = case.window_open and case.pending_appeal is None and case.status in (
            CaseStatus.PUBLISHED, CaseStatus.CONFIRMED)
        case.answer_days = book.deadlines.appeal_answer_working_days if book else None
        case.window_days = book.deadlines.publication_window_working_days if book else None


def notice_or_none(case: ViolationCase) -> RectificationNotice | None:
    """The case's rectification notice, or None before one is issued."""
    try:
        return case.notice
    except RectificationNotice.DoesNotExist:
        return None
