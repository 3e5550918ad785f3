"""Forms for booking a room (第四章第一条).

The form offers only times on the room type's grid within its opening hours (from the
rulebook in force) and checks the shape of the input; every rule (length, notice, horizon,
capacity, overlap) is the service's, whose refusals are put next to the field they concern.
"""

import contextlib
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.core.errors import ConflictError, DomainError
from spaces.models import Booking, Room
from spaces.rules import bookings as rules
from spaces.services.booking_messages import MESSAGES
from spaces.services.bookings import PURPOSE_MAX_LENGTH, REASON_MAX_LENGTH

#: The service's field names → this form's fields (a date problem goes next to the date).
SERVICE_FIELDS = {"starts_at": "start", "ends_at": "end", "attendees": "attendees", "purpose": "purpose",
                  "use_credit": "use_credit"}
DATE_CODES = {rules.TOO_FAR_AHEAD, rules.IN_PAST}


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


class BookingForm(forms.Form):
    """Day, start and end on the room's grid, attendees, purpose; the roadshow hall offers a free
    credit when the resident holds one."""

    day = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.ChoiceField(label=_("start time"))
    end = forms.ChoiceField(label=_("end time"))
    attendees = forms.IntegerField(label=_("attendees"), min_value=1, initial=1)
    purpose = forms.CharField(
        label=_("purpose"), max_length=PURPOSE_MAX_LENGTH,
        help_text=_("For example: client meeting, team workshop, product roadshow."),
    )
    use_credit = forms.BooleanField(label=_("Use a free roadshow-hall credit"), required=False)
    #: After a taken slot: the next free time of the same length, {"starts_at", "ends_at"} (the service's).
    suggestion: dict[str, datetime] | None = None

    def __init__(self, *args: Any, room: Room, rules_in_force: Any, credits: int = 0, with_credit: bool = True,
                 today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.room = room
        section = rules_in_force.booking
        room_rules = section.room_types[room.room_type]
        today = today or timezone.localdate()
        grid = rules.day_slots(
            day=today, opens=room_rules.opens, closes=room_rules.closes, slot_minutes=section.slot_minutes,
            tz=timezone.get_default_timezone(),
        )
        self.fields["start"].choices = [(_clock(start.time()), _clock(start.time())) for start, _end in grid]
        self.fields["end"].choices = [(_clock(end.time()), _clock(end.time())) for _start, end in grid]
        self.fields["end"].widget.attrs["data-end-after"] = "id_start"  # ends after the chosen start only
        last_day = rules.horizon_end(now=timezone.now(), horizon_days=room_rules.horizon_days,
                                     tz=timezone.get_default_timezone())
        self.fields["day"].widget.attrs.update({"min": today.isoformat(), "max": last_day.isoformat()})
        self.fields["attendees"].max_value = room.capacity
        self.fields["attendees"].widget.attrs.update({"max": room.capacity, "inputmode": "numeric"})
        self.fields["attendees"].help_text = _("%(room)s holds up to %(capacity)s people.") % {
            "room": room.name, "capacity": room.capacity}
        max_hours = rules_in_force.rewards.compliance_excellence.roadshow_credit_max_hours
        if with_credit and room.room_type == rules.ROADSHOW_HALL and credits > 0:
            self.fields["use_credit"].help_text = _(
                "You have %(count)s free roadshow-hall bookings left, up to %(hours)s hours each (Chapter 8, Article 1)."
            ) % {"count": credits, "hours": max_hours}
        else:
            del self.fields["use_credit"]

    def _moment(self, day: date, clock: str) -> datetime:
        hours, minutes = (int(part) for part in clock.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=timezone.get_default_timezone())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            data["starts_at"] = self._moment(day, start)
            data["ends_at"] = self._moment(day, end)  # "22:00" ends on the same day
            if data["ends_at"] <= data["starts_at"]:  # the page also hides such ends (static/js/site.js)
                self.add_error("end", str(MESSAGES[rules.END_BEFORE_START]))
        return data

    def add_domain_error(self, error: DomainError) -> None:
        """Put a service's refusal next to its field(s) (the portal's ``submit_form`` calls it): a
        taken slot on the start time, one concerning no field of this form (suspended, not checked
        in) atop the form."""
        if isinstance(error, ConflictError):
            self.add_error("start", str(error.message))
            suggestion = error.details.get("suggestion")
            if suggestion:  # offered as a link that fills the form with it
                self.suggestion = {key: datetime.fromisoformat(value) for key, value in suggestion.items()}
            return
        errors = error.details.get("errors") or ({error.field: [error.message]} if error.field else {})
        placed = False
        for service_field, messages in errors.items():
            name = SERVICE_FIELDS.get(service_field)
            if service_field == "starts_at" and error.code in DATE_CODES and len(messages) == 1:
                name = "day"
            if name in self.fields:
                for message in messages:
                    self.add_error(name, str(message))
                placed = True
        if not placed:
            self.add_error(None, str(error.message))


def booking_initial(*, query: Any, booking: Booking | None = None) -> dict[str, Any]:
    """Initial values: a booking being changed, then a tapped calendar slot or a suggested free time
    (?date=&start=&end=)."""
    initial: dict[str, Any] = {"attendees": 1, "day": timezone.localdate() + timedelta(days=1)}
    if booking is not None:
        start, end = timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
        initial = {"day": start.date(), "start": _clock(start.time()), "end": _clock(end.time()),
                   "attendees": booking.attendees, "purpose": booking.purpose}
    with contextlib.suppress(ValueError):  # a tapped slot or a suggested time overrides the day and times
        initial["day"] = date.fromisoformat(query.get("date", ""))
    for key in ("start", "end"):
        value = query.get(key, "")
        if len(value) == 5 and value[2] == ":":
            initial[key] = value
    return initial


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("reason (optional)"), max_length=REASON_MAX_LENGTH, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("for example: the meeting was moved")}),
    )


class StaffCancelForm(forms.Form):
    """The operations desk cancels bookings with a reason the resident is told."""

    reason = forms.CharField(label=_("reason"), max_length=REASON_MAX_LENGTH,
                             widget=forms.TextInput(attrs={"size": 60}))
