"""Portal pages of activities (活动, RULEBOOK §6), under /portal/resources/.

Residents (checked in, rules acknowledged — ``resident_required``): upcoming activities,
register and cancel, their personal QR code for check-in, their registrations, attendance
history and this quarter's participation rate with the rule behind it (第六章第一条).
An activity is fetched through ``request.resident``'s visible set: another's → 404.

Staff who run activities (the resources team and the administrator — ``manager_required``;
everyone else 403), on a phone at the door: today's and upcoming activities; per activity
the check-in sheet (the registered residents with one-tap check-in, a search to add a
walk-in, undo for a wrong tap); and the scan page: the QR code on the resident's phone holds
a link to it, so a scanner typing into the field or the camera app opening the link both
arrive at a confirmation with the resident's name, one tap to check in.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.errors import DomainError
from opc_community.core.qr import qr_svg
from opc_community.core.views import submit_action
from opc_community.portal.cards import Card
from residents.access import current_resident, resident_required
from residents.models import Resident
from resources.forms.activities import CodeForm, ResidentChoiceForm
from resources.models import Activity, Attendance, CheckInMethod
from resources.rules import activities as rules
from resources.selectors import activities as selectors
from resources.services import activities as services
from resources.services import attendance as attendance_services

PAGE_SIZE = 20


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in (else the login page) and running activities: the resources team or the administrator."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.is_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- Residents ---------------------------------------------------------------------------------------


@resident_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    """活动报名: upcoming activities, soonest first, with places left and the resident's own state."""
    now = timezone.now()
    page = Paginator(selectors.upcoming_for(request.resident, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page.object_list, now=now)
    return render(request, "resources/activities/list.html", {"page": page, "rule": _counting_rule()})


@resident_required
@require_GET
def my_activities(request: HttpRequest) -> HttpResponse:
    """我的活动: registrations to come, this quarter's participation rate with its rule, attendance history."""
    now = timezone.now()
    registered = list(selectors.my_registrations(request.resident, now=now))
    _decorate(registered, now=now)
    quarter = selectors.quarter_participation(request.resident, now=now)
    history = Paginator(selectors.attendance_history(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/activities/mine.html",
        {
            "registered": registered,
            "quarter": quarter,
            "quarter_rule": _participation_rule(quarter.end),
            "history": history,
        },
    )


@resident_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


@resident_required
@require_POST
def activity_register(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible(request, pk)
    return submit_action(
        request, lambda: services.registration_create(activity=activity, resident=request.resident, actor=request.user),
        redirect_to=reverse("resources:activity_detail", args=[activity.pk]),
        message=_("You are registered for “%(title)s”. Show your check-in code at the entrance.") % {"title": activity.title},
        page=lambda status: _detail(request, _visible(request, pk), status=status),
    )


@resident_required
@require_POST
def activity_unregister(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible(request, pk)
    registration = selectors.registration_of(request.resident, activity.pk)
    if registration is None:
        messages.info(request, _("You are not registered for this activity."))
        return redirect("resources:activity_detail", pk=activity.pk)
    return submit_action(
        request, lambda: services.registration_cancel(registration=registration, actor=request.user),
        redirect_to=reverse("resources:activity_detail", args=[activity.pk]),
        message=_("Your registration for “%(title)s” is cancelled.") % {"title": activity.title},
        page=lambda status: _detail(request, _visible(request, pk), status=status),
    )


@resident_required
@require_GET
def my_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's personal check-in code for an activity it registered for: a QR code to show staff.

    Only the caller's own code is ever made (it is signed for ``request.resident``); without a live
    registration there is none (404).
    """
    registration = selectors.registration_of(request.resident, pk)
    if registration is None:
        raise Http404
    activity = _visible(request, pk)
    now = timezone.now()
    context: dict[str, Any] = {"activity": activity, "window": _window(activity, now)}
    if activity.attended_at is None and context["window"] in (rules.Window.NOT_YET, rules.Window.OPEN):
        context["code"] = attendance_services.personal_code(activity=activity, resident=request.resident)
        link = _code_link(request, context["code"])
        context["qr"] = qr_svg(link, title=_("Check-in code of %(name)s") % {"name": request.resident.name})
    return render(request, "resources/activities/code.html", context)


def _visible(request: HttpRequest, pk: int) -> Activity:
    return get_object_or_404(selectors.visible_to(request.resident, now=timezone.now()), pk=pk)


def _detail(request: HttpRequest, activity: Activity, *, status: int = 200) -> HttpResponse:
    now = timezone.now()
    _decorate([activity], now=now)
    return render(
        request,
        "resources/activities/detail.html",
        {"activity": activity, "rule": _counting_rule(), "checkin_rule": _checkin_rule()},
        status=status,
    )


def _window(activity: Activity, now: Any) -> rules.Window:
    return rules.checkin_window(
        starts_at=activity.starts_at, ends_at=activity.ends_at, cancelled=activity.cancelled_at is not None, now=now
    )


def _decorate(activities: Any, *, now: Any) -> None:
    """What the templates show for each activity: places left, whether registration is open."""
    for activity in activities:
        activity.places_left = rules.places_left(capacity=activity.capacity, taken=activity.taken)
        activity.window = _window(activity, now)
        refusal = rules.registration_refusal(
            starts_at=activity.starts_at, cancelled=activity.cancelled_at is not None, taken=activity.taken,
            capacity=activity.capacity, now=now,
        )
        activity.can_register = not activity.registered and refusal is None
        activity.full = refusal == rules.Refusal.FULL
        activity.can_unregister = activity.registered and rules.unregistration_refusal(
            starts_at=activity.starts_at, cancelled=activity.cancelled_at is not None, now=now
        ) is None


def _counting_rule() -> str:
    return _(
        "Activities marked “counts for attendance” make up your participation rate, the first dimension of the "
        "quarterly assessment (Chapter 6, Article 1)."
    )


def _checkin_rule() -> str:
    minutes = int(rules.CHECKIN_OPENS_BEFORE.total_seconds() // 60)
    return _("Check-in opens %(minutes)s minutes before the start and closes when the activity ends.") % {
        "minutes": minutes
    }


def _participation_rule(quarter_end: Any) -> str:
    """The participation bands of the rulebook in force on the quarter's last day (RULEBOOK §7.2)."""
    dimension = rulebook.in_force(on=quarter_end).scoring.participation
    bands = "; ".join(
        _("%(range)s: %(points)s points") % {"range": text, "points": points}
        for text, points in rules.band_lines(dimension.bands)
    )
    return _(
        "Participation rate = activities attended ÷ activities expected while you were checked in. %(bands)s; "
        "with no activity expected, full marks (Chapter 6, Article 1)."
    ) % {"bands": bands}


def _code_link(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(f"{reverse('resources:checkin_scan')}?{rules.CODE_PARAMETER}={quote(code)}")


# --- Staff -----------------------------------------------------------------------------------------------


@manager_required
@require_GET
def staff_activity_list(request: HttpRequest) -> HttpResponse:
    """签到: activities of today and the coming days (not cancelled, not over), for the door."""
    now = timezone.now()
    activities = list(
        selectors.with_counts(Activity.objects.filter(cancelled_at__isnull=True, ends_at__gt=now))
        .order_by("starts_at", "pk")[:PAGE_SIZE]
    )
    for activity in activities:
        activity.window = _window(activity, now)
    return render(request, "resources/staff/list.html", {"activities": activities, "code_form": CodeForm()})


@manager_required
@require_GET
def checkin_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    return _sheet(request, get_object_or_404(selectors.with_counts(Activity.objects.all()), pk=pk))


def _sheet(request: HttpRequest, activity: Activity, *, code_form: CodeForm | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    rows = selectors.checkin_sheet(activity)
    query = request.GET.get("q", "").strip()
    on_sheet = {row.resident.pk for row in rows}
    candidates = [r for r in selectors.walk_in_candidates(query) if r.pk not in on_sheet] if query else []
    context = {
        "activity": activity,
        "window": _window(activity, now),
        "rows": rows,
        "checked_in": sum(1 for row in rows if row.attendance is not None),
        "query": query,
        "candidates": candidates,
        "code_form": code_form or CodeForm(),
        "checkin_rule": _checkin_rule(),
    }
    return render(request, "resources/staff/sheet.html", context, status=status)


@manager_required
@require_POST
def checkin_tap(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap on the sheet: check in a registered resident, or a walk-in found by the search."""
    activity = get_object_or_404(Activity, pk=pk)
    form = ResidentChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a resident to check in."))
        return redirect("resources:checkin_sheet", pk=activity.pk)
    resident = get_object_or_404(Resident, pk=form.cleaned_data["resident"])
    return submit_action(
        request,
        lambda: _say_checked_in(request, attendance_services.attendance_record(
            activity=activity, resident=resident, method=CheckInMethod.LIST, actor=request.user)),
        redirect_to=reverse("resources:checkin_sheet", args=[activity.pk]),
    )


@manager_required
@require_POST
def checkin_undo(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    form = ResidentChoiceForm(request.POST)
    attendance = None
    if form.is_valid():
        attendance = (
            Attendance.objects.filter(activity=activity, resident_id=form.cleaned_data["resident"])
            .select_related("resident", "activity")
            .first()
        )
    if attendance is None:
        messages.info(request, _("There was no check-in to undo."))
        return redirect("resources:checkin_sheet", pk=activity.pk)
    return submit_action(
        request, lambda: attendance_services.attendance_undo(attendance=attendance, actor=request.user),
        redirect_to=reverse("resources:checkin_sheet", args=[activity.pk]),
        message=_("The check-in of %(name)s was undone.") % {"name": attendance.resident.name},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def checkin_scan(request: HttpRequest) -> HttpResponse:
    """The QR code's link lands here (GET: who and which activity, one tap to confirm); the scan field of
    the sheet posts here (POST: check in straight away). ``activity`` (optional): the sheet it came from —
    a code for another activity is then refused."""
    source = request.POST if request.method == "POST" else request.GET
    activity = None
    if source.get("activity", "").isdigit():
        activity = get_object_or_404(Activity, pk=int(source["activity"]))
    form = CodeForm({"code": source.get(rules.CODE_PARAMETER, "")})
    back = reverse("resources:checkin_sheet", args=[activity.pk]) if activity else reverse("resources:staff_activities")
    if not form.is_valid():
        messages.error(request, _("Scan the QR code on the resident's phone."))
        return redirect(back)
    code = form.cleaned_data["code"]
    try:
        if request.method == "GET":
            target, resident = attendance_services.verify_code(code, activity=activity)
            context = {
                "target": target, "resident": resident, "code": code, "activity": activity,
                "window": _window(target, timezone.now()),
                "attendance": Attendance.objects.filter(activity=target, resident=resident).first(),
            }
            return render(request, "resources/staff/scan.html", context)
        outcome = attendance_services.attendance_check_in_by_code(code=code, actor=request.user, activity=activity)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    _say_checked_in(request, outcome)
    return redirect("resources:checkin_sheet", pk=outcome.attendance.activity_id)


def _say_checked_in(request: HttpRequest, outcome: attendance_services.CheckIn) -> None:
    attendance = outcome.attendance
    values = {"name": attendance.resident.name, "at": date_format(timezone.localtime(attendance.checked_in_at), "H:i")}
    if outcome.created:
        messages.success(request, _("%(name)s is checked in (%(at)s).") % values)
    else:
        messages.info(request, _("%(name)s was already checked in at %(at)s: nothing changed.") % values)


# --- The dashboard card --------------------------------------------------------------------------------


def dashboard_card(request: HttpRequest) -> Card | None:
    """My activities (for checked-in residents): the next registered activities and this quarter's rate."""
    resident = current_resident(request)
    if resident is None or resident.status not in rules.PRESENT:
        return None
    now = timezone.now()
    upcoming = list(selectors.my_registrations(resident, now=now)[:3])
    quarter = selectors.quarter_participation(resident, now=now)
    return Card("resources/activities/_card.html", {"upcoming": upcoming, "quarter": quarter})


urlpatterns = [
    path("activities/", activity_list, name="activity_list"),
    path("activities/mine/", my_activities, name="my_activities"),
    path("activities/<int:pk>/", activity_detail, name="activity_detail"),
    path("activities/<int:pk>/register/", activity_register, name="activity_register"),
    path("activities/<int:pk>/unregister/", activity_unregister, name="activity_unregister"),
    path("activities/<int:pk>/code/", my_code, name="my_code"),
    path("staff/activities/", staff_activity_list, name="staff_activities"),
    path("staff/activities/<int:pk>/", checkin_sheet, name="checkin_sheet"),
    path("staff/activities/<int:pk>/check-in/", checkin_tap, name="checkin_tap"),
    path("staff/activities/<int:pk>/undo/", checkin_undo, name="checkin_undo"),
    path("staff/check-in/", checkin_scan, name="checkin_scan"),
]
