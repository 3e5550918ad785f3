"""Reads for activities and attendance: portal pages, the staff check-in sheet, the admin, the API,
and the participation figures of the quarterly score (第六章第一条 维度一).

Every function returns in a fixed number of queries, whatever the number of rows.
:func:`participation` computes the figures of a whole quarter for every resident in ONE
query (a join and a GROUP BY): the quarter run for 10,000 residents calls it once.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.workdays.rules import SHANGHAI
from residents.models import Resident
from resources.models import Activity, ActivityRegistration, Attendance
from resources.rules import activities as rules
from resources.rules import quarters

# --- Annotations ------------------------------------------------------------------------------------


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) subquery (no join fan-out next to other counts)."""
    counted = queryset.order_by().values("activity").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _taken() -> Coalesce:
    return _count(ActivityRegistration.objects.filter(activity=OuterRef("pk"), cancelled_at__isnull=True))


def _attended() -> Coalesce:
    return _count(Attendance.objects.filter(activity=OuterRef("pk")))


def with_counts(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Each activity with ``taken`` (live registrations) and ``attended`` (check-ins)."""
    return queryset.annotate(taken=_taken(), attended=_attended())


def _for_resident(queryset: QuerySet[Activity], resident: Resident) -> QuerySet[Activity]:
    """With the resident's own state: ``registered`` (a live registration) and ``attended_at``."""
    return with_counts(queryset).annotate(
        registered=Exists(
            ActivityRegistration.objects.filter(activity=OuterRef("pk"), resident=resident, cancelled_at__isnull=True)
        ),
        attended_at=Subquery(
            Attendance.objects.filter(activity=OuterRef("pk"), resident=resident).values("checked_in_at")[:1]
        ),
    )


# --- The resident's portal ------------------------------------------------------------------------------


def upcoming_for(resident: Resident, *, now: datetime) -> QuerySet[Activity]:
    """Activities not cancelled and not over, soonest first, with places taken and the resident's state."""
    queryset = Activity.objects.filter(cancelled_at__isnull=True, ends_at__gt=now).order_by("starts_at", "pk")
    return _for_resident(queryset, resident)


def visible_to(resident: Resident, *, now: datetime) -> QuerySet[Activity]:
    """What a resident may open: upcoming activities, and any it registered for or attended
    (a cancelled one included, so that it sees the cancellation). Others: 404."""
    mine = Q(registrations__resident=resident) | Q(attendances__resident=resident)
    ids = Activity.objects.filter(Q(cancelled_at__isnull=True, ends_at__gt=now) | mine).values("pk")
    return _for_resident(Activity.objects.filter(pk__in=ids), resident)


def my_registrations(resident: Resident, *, now: datetime) -> QuerySet[Activity]:
    """The activities the resident registered for that are not over (cancelled ones too, flagged)."""
    queryset = Activity.objects.filter(
        registrations__resident=resident, registrations__cancelled_at__isnull=True, ends_at__gt=now
    ).order_by("starts_at", "pk")
    return _for_resident(queryset, resident)


def attendance_history(resident: Resident) -> QuerySet[Attendance]:
    """The resident's check-ins, newest first, with their activity."""
    return Attendance.objects.filter(resident=resident).select_related("activity").order_by("-checked_in_at", "-pk")


def registration_of(resident: Resident, activity_id: int) -> ActivityRegistration | None:
    """The resident's live registration for the activity, if any."""
    return (
        ActivityRegistration.objects.filter(activity_id=activity_id, resident=resident, cancelled_at__isnull=True)
        .select_related("activity", "resident")
        .first()
    )


# --- Participation (第六章第一条 维度一; RULEBOOK §6 decision) ------------------------------------------


def quarter_bounds(quarter_start: date, quarter_end: date) -> tuple[datetime, datetime]:
    """[first day 00:00, the day after the last day 00:00) in Asia/Shanghai, as aware datetimes."""
    return (
        datetime.combine(quarter_start, time.min, tzinfo=SHANGHAI),
        datetime.combine(quarter_end + timedelta(days=1), time.min, tzinfo=SHANGHAI),
    )


#: One query for everyone: each checked-in resident joined to the activities expected of it
#: (counting, not cancelled, started in the quarter, after its check-in, not after its exit day),
#: then its attendance at those. Residents with nothing expected are absent from the result.
_PARTICIPATION_SQL = """
SELECT r.id, COUNT(att.id) AS attended, COUNT(a.id) AS expected
FROM {resident} r
JOIN {activity} a
  ON a.counts_for_attendance
 AND a.cancelled_at IS NULL
 AND a.starts_at >= %(since)s AND a.starts_at < %(until)s
 AND r.checked_in_at IS NOT NULL AND r.checked_in_at <= a.starts_at
 AND (r.exited_on IS NULL OR (a.starts_at AT TIME ZONE %(tz)s)::date <= r.exited_on)
LEFT JOIN {attendance} att ON att.activity_id = a.id AND att.resident_id = r.id
{where}
GROUP BY r.id
"""


def participation_statement(quarter_start: date, quarter_end: date, *, where: str = "") -> tuple[str, dict]:
    """The participation query as SQL and named parameters, for callers that embed it in a larger
    statement (the quarter run, ``scoring.services.run``): rows of (id, attended, expected)."""
    if quarter_end < quarter_start:
        raise ValueError("the quarter ends before it starts")
    since, until = quarter_bounds(quarter_start, quarter_end)
    sql = _PARTICIPATION_SQL.format(
        resident=Resident._meta.db_table,
        activity=Activity._meta.db_table,
        attendance=Attendance._meta.db_table,
        where=where,
    )
    return sql, {"since": since, "until": until, "tz": settings.TIME_ZONE}


def _participation(quarter_start: date, quarter_end: date, *, resident_id: int | None = None) -> dict[int, tuple[int, int]]:
    sql, params = participation_statement(
        quarter_start, quarter_end, where="WHERE r.id = %(resident)s" if resident_id is not None else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "resident": resident_id})
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def participation(quarter_start: date, quarter_end: date) -> dict[int, tuple[int, int]]:
    """``{resident_id: (attended, expected)}`` for the quarter [quarter_start, quarter_end] (local dates).

    Set-based: one SQL query whatever the number of residents. Expected = activities marked
    "counts for attendance", not cancelled, starting within the quarter (Asia/Shanghai days)
    while the resident was checked in (checked in at or before the start; not exited before
    the activity's day); attended = the resident's check-ins at those. A resident with nothing
    expected is not in the dict: read it with ``.get(resident_id, (0, 0))`` (full participation
    marks, RULEBOOK §7.1).
    """
    return _participation(quarter_start, quarter_end)


def participation_of(resident: Resident, quarter_start: date, quarter_end: date) -> tuple[int, int]:
    """``(attended, expected)`` of one resident for the quarter (the same query, for one resident)."""
    return _participation(quarter_start, quarter_end, resident_id=resident.pk).get(resident.pk, (0, 0))


def expected_activities(
    resident: Resident, quarter_start: date, quarter_end: date, *, started_by: datetime | None = None
) -> list[Activity]:
    """The activities expected of the resident in the quarter, in order, each with ``attended_at`` (or None).

    The same definition as :func:`participation` (the tests hold both to ``rules.is_expected``);
    ``started_by`` keeps only those that have started by then (the portal's "so far").
    """
    if resident.checked_in_at is None:
        return []
    since, until = quarter_bounds(quarter_start, quarter_end)
    queryset = Activity.objects.filter(
        counts_for_attendance=True, cancelled_at__isnull=True, starts_at__gte=max(since, resident.checked_in_at),
        starts_at__lt=until,
    )
    if started_by is not None:
        queryset = queryset.filter(starts_at__lte=started_by)
    if resident.exited_on is not None:
        queryset = queryset.filter(
            starts_at__lt=datetime.combine(resident.exited_on + timedelta(days=1), time.min, tzinfo=SHANGHAI)
        )
    attended = Attendance.objects.filter(activity=OuterRef("pk"), resident=resident).values("checked_in_at")[:1]
    return list(queryset.annotate(attended_at=Subquery(attended)).order_by("starts_at", "pk"))


@dataclass(frozen=True)
class QuarterParticipation:
    """What the portal shows for the current quarter so far: the figures, the rate, each expected activity."""

    start: date
    end: date
    attended: int
    expected: int
    percent: Any  # Decimal | None
    activities: list[Activity]


def quarter_participation(resident: Resident, *, now: datetime) -> QuarterParticipation:
    """The resident's participation in the quarter holding ``now``, counting the activities started so far
    (one query). Each activity gets ``missed``: over without a check-in."""
    start, end = quarters.quarter_of(timezone.localdate(now))
    activities = expected_activities(resident, start, end, started_by=now)
    for activity in activities:
        activity.missed = activity.attended_at is None and activity.ends_at <= now
    attended = sum(1 for activity in activities if activity.attended_at is not None)
    return QuarterParticipation(
        start=start, end=end, attended=attended, expected=len(activities),
        percent=rules.participation_percent(attended=attended, expected=len(activities)), activities=activities,
    )


# --- Staff --------------------------------------------------------------------------------------------


def activities_for_staff() -> QuerySet[Activity]:
    """Every activity, newest first, with ``taken`` and ``attended`` counts (the admin and the API)."""
    return with_counts(Activity.objects.select_related("created_by", "booking__room")).order_by("-starts_at", "-pk")


@dataclass
class SheetRow:
    """One line of the check-in sheet: a registered resident, or a walk-in already checked in."""

    resident: Resident
    registered_at: datetime | None
    attendance: Attendance | None

    @property
    def walk_in(self) -> bool:
        return self.registered_at is None


def checkin_sheet(activity: Activity) -> list[SheetRow]:
    """Registered residents (in registration order) and then walk-ins, each with its check-in (two queries)."""
    registrations = list(
        ActivityRegistration.objects.filter(activity=activity, cancelled_at__isnull=True)
        .select_related("resident__user")
        .order_by("registered_at", "pk")
    )
    attendances = {
        attendance.resident_id: attendance
        for attendance in Attendance.objects.filter(activity=activity).select_related("resident__user", "checked_in_by")
    }
    rows = [
        SheetRow(registration.resident, registration.registered_at, attendances.pop(registration.resident_id, None))
        for registration in registrations
    ]
    walk_ins = sorted(attendances.values(), key=lambda attendance: (attendance.checked_in_at, attendance.pk))
    rows += [SheetRow(attendance.resident, None, attendance) for attendance in walk_ins]
    return rows


WALK_IN_RESULTS = 10


def walk_in_candidates(query: str, *, limit: int = WALK_IN_RESULTS) -> list[Resident]:
    """Checked-in residents matching a name, an account name or a phone number (one query)."""
    query = (query or "").strip()
    if not query:
        return []
    return list(
        Resident.objects.filter(status__in=rules.PRESENT)
        .filter(
            Q(name__icontains=query) | Q(user__full_name__icontains=query) | Q(user__phone__contains=query)
            | Q(user__username__iexact=query)
        )
        .select_related("user")
        .order_by("name", "pk")[:limit]
    )


# --- The resident's archive (第三章第五条) -----------------------------------------------------------------

ARCHIVE_LABEL = gettext_lazy("Activities")


def archive_entries(resident: Any) -> list[Any]:
    """The resident's activity registrations and attendance as archive sentences on the activity's day,
    e.g. “报名 AI 创业沙龙（14:00，路演厅）” (two queries: registrations and attendance, each with the activity)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for registration in ActivityRegistration.objects.filter(resident=resident).select_related("activity"):
        activity = registration.activity
        entries.append(Entry(
            at=activity.starts_at, section="activity",
            title=_("Registered for %(title)s (%(time)s, %(place)s)") % {
                "title": activity.title, "time": timezone.localtime(activity.starts_at).strftime("%H:%M"),
                "place": activity.place},
            detail=_("registration cancelled") if registration.cancelled_at else "",
            actor=str(resident),
        ))
    for attendance in Attendance.objects.filter(resident=resident).select_related("activity", "checked_in_by"):
        entries.append(Entry(
            at=attendance.checked_in_at, section="activity",
            title=_("Attended %(title)s") % {"title": attendance.activity.title},
            detail=attendance.get_method_display(), actor=_name(attendance.checked_in_by),
        ))
    return sorted(entries, key=lambda entry: entry.at)
