"""The front desk's daily visitor list (第七章第二条 治安) for the daily management team.

``VisitorDailyList`` is a proxy of Visitor with only a ``view`` permission: the daily management team, the
administrator and oversight hold it through their spaces grants. One page, ``?day=YYYY-MM-DD`` (today by
default): everyone expected that day — confirmed or not — with their arrival and departure, anyone still
inside from an earlier day, and in red every visitor whose host has not confirmed: **no entry**. Counts at
the top. No phone numbers here (the front desk page has them). Two queries whatever the number of visitors.
"""

from datetime import date, timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.core.admin_base import ReadOnlyAdmin
from spaces.models import VisitorDailyList, VisitorStatus
from spaces.selectors import emergency as selectors


@admin.register(VisitorDailyList)
class VisitorDailyListAdmin(ReadOnlyAdmin):
    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("", view(self.daily_view), name="spaces_visitordailylist_changelist")]

    def daily_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        try:
            day = date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        listing = selectors.daily_visitors(day=day)
        counts = dict.fromkeys(VisitorStatus.values, 0)
        for visitor in listing.visitors:
            counts[visitor.status] += 1
        context = {
            **self.admin_site.each_context(request),
            "title": _("Front desk: visitors of the day"),
            "opts": self.model._meta,
            "listing": listing,
            "rows": [(visitor, selectors.flag(visitor)) for visitor in listing.visitors],
            "counts": [(label, counts[value]) for value, label in VisitorStatus.choices],
            "previous": (day - timedelta(days=1)).isoformat(),
            "next": (day + timedelta(days=1)).isoformat(),
        }
        return TemplateResponse(request, "spaces/visitors/admin/daily_list.html", context)
