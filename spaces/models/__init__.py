"""Spaces (第四章第一条，第七章第二条): desks, rooms and bookings, visitors, promotion and event permits.

The database guards the invariants: one open desk assignment per desk and per
resident, no two active bookings of a room overlapping in time (a btree_gist
exclusion constraint), a credit balance that is the sum of its ledger rows.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


@audited
class Desk(models.Model):
    """A shared-office desk (共享办公位), by floor and zone."""

    code = models.CharField(_("desk code"), max_length=20, unique=True)
    floor = models.CharField(_("floor"), max_length=10)
    zone = models.CharField(_("zone"), max_length=30)
    is_active = models.BooleanField(_("in use"), default=True, help_text=_("Out-of-use desks cannot be assigned."))

    class Meta:
        ordering = ["floor", "zone", "code"]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")

    def __str__(self) -> str:
        return self.code


@audited
class DeskAssignment(models.Model):
    """A resident at a desk from ``starts_at`` until released; one open assignment per desk and per resident."""

    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="assignments")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="desk_assignments")
    starts_at = models.DateTimeField(_("assigned at"))
    ends_at = models.DateTimeField(_("released at"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("released by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("desk assignment")
        verbose_name_plural = _("desk assignments")
        constraints = [
            models.UniqueConstraint(fields=["desk"], condition=Q(ends_at__isnull=True), name="desk_one_open_assignment"),
            models.UniqueConstraint(
                fields=["resident"], condition=Q(ends_at__isnull=True), name="resident_one_open_desk"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="desk_assignment_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.desk} ← {self.resident}"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


#: Requests and permits decided by the daily management team.
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.REQUESTED: frozenset({RequestStatus.APPROVED, RequestStatus.REFUSED, RequestStatus.WITHDRAWN}),
    RequestStatus.APPROVED: frozenset({RequestStatus.WITHDRAWN}),
    RequestStatus.REFUSED: frozenset(),
    RequestStatus.WITHDRAWN: frozenset(),
}


@audited
class DeskChangeRequest(models.Model):
    """A resident asks to move desks (第四章第一条: 调整办公位需经日常管理组审批)."""

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="desk_requests"
    )
    current_desk = models.ForeignKey(
        Desk, verbose_name=_("current desk"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    preferred_desk = models.ForeignKey(
        Desk, verbose_name=_("preferred desk"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True)
    assigned_desk = models.ForeignKey(
        Desk, verbose_name=_("desk assigned"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("desk change request")
        verbose_name_plural = _("desk change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(status="requested"), name="desk_request_one_open_per_resident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident}: {self.get_status_display()}"


class RoomType(models.TextChoices):
    """第四章第一条 公共空间预约使用制度 (the café is open, not booked)."""

    MEETING_ROOM = "meeting_room", _("meeting room")
    ROADSHOW_HALL = "roadshow_hall", _("roadshow hall")
    NEGOTIATION_ROOM = "negotiation_room", _("negotiation room")


@audited
class Room(models.Model):
    """A bookable public space. Opening hours, maximum length, horizon and notice come from the
    rulebook by room type (``booking.room_types``), never from the row."""

    code = models.CharField(_("room code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    room_type = models.CharField(_("room type"), max_length=20, choices=RoomType.choices)
    floor = models.CharField(_("floor"), max_length=10)
    capacity = models.PositiveSmallIntegerField(_("capacity (people)"))
    equipment = models.CharField(_("equipment"), max_length=200, blank=True)
    is_active = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        ordering = ["room_type", "code"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [models.CheckConstraint(condition=Q(capacity__gt=0), name="room_capacity_positive")]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    CHECKED_IN = "checked_in", _("checked in")
    CANCELLED = "cancelled", _("cancelled")
    RELEASED = "released", _("released (no-show)")


#: Bookings that hold their slot (the exclusion constraint covers exactly these).
ACTIVE_BOOKING_STATUSES = ("confirmed", "checked_in")

BOOKING_TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.CONFIRMED: frozenset({BookingStatus.CHECKED_IN, BookingStatus.CANCELLED, BookingStatus.RELEASED}),
    BookingStatus.CHECKED_IN: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.RELEASED: frozenset(),
}


def _slot() -> Func:
    return Func(F("starts_at"), F("ends_at"), Value("[)"), function="tstzrange", output_field=DateTimeRangeField())


@audited
class Booking(models.Model):
    """A room booked for [starts_at, ends_at): adjacent bookings touch without overlapping."""

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings")
    # None for a community booking: staff reserve the room for a community activity (第五章).
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="bookings",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    purpose = models.CharField(_("purpose"), max_length=200)
    attendees = models.PositiveSmallIntegerField(_("attendees"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    uses_credit = models.BooleanField(_("uses a free roadshow-hall credit"), default=False)
    permit = models.ForeignKey(
        "spaces.Permit", verbose_name=_("event permit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="bookings",
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("check-in recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    released_at = models.DateTimeField(_("released as a no-show at"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "room"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["resident", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
            # The staff list, newest first, a page at a time (30,000 bookings at 10,000 residents).
            models.Index(fields=["-starts_at", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="booking_period_order"),
            models.CheckConstraint(condition=Q(attendees__gt=0), name="booking_attendees_positive"),
            # A community booking has no resident, hence no credit and no permit of one.
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(uses_credit=False, permit__isnull=True),
                name="booking_community_without_credit_or_permit",
            ),
            # 第四章第一条 / RULEBOOK §5: a room never holds two overlapping bookings, whoever books.
            ExclusionConstraint(
                name="booking_no_overlap",
                expressions=[("room", RangeOperators.EQUAL), (_slot(), RangeOperators.OVERLAPS)],
                condition=Q(status__in=ACTIVE_BOOKING_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.starts_at:%Y-%m-%d %H:%M}"


class CreditChange(models.TextChoices):
    GRANTED = "granted", _("granted (reward)")
    USED = "used", _("used by a booking")
    RETURNED = "returned", _("returned (booking cancelled)")


@audited
class RoadshowCredit(models.Model):
    """Free roadshow-hall credits (路演厅免费使用, 第八章第一条): a ledger; the balance is the sum of
    ``change`` per resident and never negative (checked under a lock by the services)."""

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="roadshow_credits"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CreditChange.choices)
    change = models.SmallIntegerField(_("change"))
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), null=True, blank=True, on_delete=models.PROTECT, related_name="credits"
    )
    max_hours = models.PositiveSmallIntegerField(_("hours per use at most"), null=True, blank=True)
    source_key = models.CharField(_("source"), max_length=120, null=True, blank=True, unique=True)  # noqa: DJ001
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("roadshow-hall credit")
        verbose_name_plural = _("roadshow-hall credits")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="used") & Q(change__lt=0)) | (~Q(kind="used") & Q(change__gt=0)),
                name="credit_sign_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.change:+d}"


@audited
class CalendarFeed(models.Model):
    """A resident's secret calendar-feed address (.ics subscription); rotating the token revokes it."""

    resident = models.OneToOneField(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.resident)


class VisitorStatus(models.TextChoices):
    AWAITING_HOST = "awaiting_host", _("awaiting the host's confirmation")
    CONFIRMED = "confirmed", _("confirmed by the host")
    ADMITTED = "admitted", _("admitted")
    SIGNED_OUT = "signed_out", _("signed out")
    REFUSED = "refused", _("refused by the host")
    CANCELLED = "cancelled", _("cancelled")


VISITOR_TRANSITIONS: dict[str, frozenset[str]] = {
    VisitorStatus.AWAITING_HOST: frozenset({VisitorStatus.CONFIRMED, VisitorStatus.REFUSED, VisitorStatus.CANCELLED}),
    VisitorStatus.CONFIRMED: frozenset({VisitorStatus.ADMITTED, VisitorStatus.CANCELLED}),
    VisitorStatus.ADMITTED: frozenset({VisitorStatus.SIGNED_OUT}),
    VisitorStatus.SIGNED_OUT: frozenset(),
    VisitorStatus.REFUSED: frozenset(),
    VisitorStatus.CANCELLED: frozenset(),
}


@audited
class Visitor(models.Model):
    """外来访客 (第四章第一条，第七章第二条): registered at the front desk, admitted only after the
    host confirms; the log is kept."""

    name = models.CharField(_("visitor's name"), max_length=60)
    phone = models.CharField(_("visitor's phone"), max_length=20)
    host = models.ForeignKey(
        "residents.Resident", verbose_name=_("host"), on_delete=models.PROTECT, related_name="visitors"
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    expected_at = models.DateTimeField(_("expected at"))
    status = models.CharField(
        _("status"), max_length=14, choices=VisitorStatus.choices, default=VisitorStatus.AWAITING_HOST
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by_phone = models.BooleanField(_("confirmed by phone on the host's behalf"), default=False)
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-expected_at"]
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        indexes = [models.Index(fields=["status", "expected_at"]), models.Index(fields=["host", "expected_at"])]

    def __str__(self) -> str:
        return f"{self.name} → {self.host}"


class PermitKind(models.TextChoices):
    """第四章第三条: promotion needs an approved application; so do self-organised events."""

    POSTERS = "posters", _("posters")
    FLYERS = "flyers", _("flyers")
    ROADSHOW = "roadshow", _("roadshow")
    EVENT = "event", _("self-organised event")


def permit_material_path(instance: "Permit", filename: str) -> str:
    return f"permits/{instance.resident_id}/{instance.material_sha256[:16]}"


@audited
class Permit(models.Model):
    """An application to run promotion or a self-organised event: place, time and materials."""

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="permits"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PermitKind.choices)
    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    description = models.TextField(_("description"))
    material = models.FileField(_("materials"), upload_to=permit_material_path, blank=True, max_length=200)
    material_name = models.CharField(_("original file name"), max_length=200, blank=True)
    material_type = models.CharField(_("content type"), max_length=40, blank=True)
    material_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("promotion or event permit")
        verbose_name_plural = _("promotion and event permits")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="permit_period_order")]

    def __str__(self) -> str:
        return self.title


class OccupancyReport(Booking):
    """The occupancy report in the operations desk (第四章第一条): not data of its own, a read-only view
    over bookings. A proxy so that the report has its own entry on the admin index and its own
    ``view`` permission, given by the role matrix to the daily management team, the administrator
    and oversight (spaces/admin/reports.py, spaces/selectors/reports.py)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("occupancy report")
        verbose_name_plural = _("occupancy report")


# Emergency plans and the front desk's daily visitor list (第七章第二条、第四条)
from spaces.models.emergency import (  # noqa: E402, F401
    ActivationEntry,
    EmergencyPlan,
    EmergencySupply,
    PlanActivation,
    PlanKind,
    VisitorDailyList,
)

# Equipment and public resources (公共资源, 第四章第二条): the inventory and its loans.
from spaces.models.equipment import (  # noqa: E402, F401
    LOAN_TRANSITIONS,
    OPEN_LOAN_STATUSES,
    Equipment,
    EquipmentCategory,
    EquipmentCondition,
    EquipmentLoan,
    LoanStatus,
)

# Cleaning, disinfection and the evening closing round (第四章第一条 3、4).
from spaces.models.rounds import (  # noqa: E402, F401
    CleaningKind,
    CleaningRound,
    ClosingItem,
    ClosingRound,
    MissedKind,
    MissedRound,
    RoundException,
)

# Safety (第七章) lives in its own module; re-exported here like every model of the app.
from spaces.models.safety import (  # noqa: E402, F401
    INCIDENT_TRANSITIONS,
    DutyShift,
    EquipmentStatus,
    EquipmentType,
    FireEquipment,
    Incident,
    IncidentAction,
    IncidentCategory,
    IncidentSeverity,
    IncidentStatus,
    Inspection,
    InspectionResult,
    PatrolRound,
    SafetyDashboard,
    SafetyWorkItem,
    WorkItemStatus,
)
