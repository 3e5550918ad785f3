from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from opc_community.workdays.models import CalendarYear, SpecialDay


@admin.register(SpecialDay)
class SpecialDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("kind", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: SpecialDay) -> str:
        return date_format(obj.date, "l")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "note", "loaded_at")
    readonly_fields = ("loaded_at",)
    ordering = ("-year",)
