"""The operations desk for residents, renewals, exits and bans (第三章第三条至第五条).

- Residents: the list staff work from (status; agreement ending within the reminder
  window; in the grace period; grace over; exited), the "办理入驻" action (check-in, the
  agreements topic's service) and one archive page per resident with its PDF export.
- Renewal requests: confirm the project still fits, approve (only when every §4.3
  condition holds) or refuse with reasons — named actions calling the services.
- Exits: confirm or cancel voluntary exits; the clearance checklist on the exit's page
  (the daily management team clears each item; the exit completes when all are cleared).
- Bans: read-only (recorded by a forced exit).

Statuses are never edited by hand. Nothing of the archive can be deleted before its
retention ends (第三章第五条): :class:`ArchiveRetentionMixin` refuses with a message, and the
database refuses anyway (residents/models/archive.py).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.core.admin_base import ReadOnlyInline, action_step
from opc_community.core.errors import DomainError
from opc_community.core.masking import mask_identity_number
from opc_community.core.moments import format_day
from opc_community.core.uploads import attachment_response
from residents.admin.intake import IdentitySearchMixin
from residents.forms.lifecycle import ReasonForm
from residents.models import (
    Ban,
    Exit,
    ExitClearance,
    ExitKind,
    ExitStatus,
    RenewalRequest,
    RenewalStatus,
    Resident,
    ResidentStatus,
)
from residents.selectors import archive as archive_selectors
from residents.selectors import lifecycle as selectors
from residents.selectors.summary import resident_summary
from residents.services import lifecycle as services

# --- Archive retention ------------------------------------------------------------------------------


class ReadOnlyRecordMixin:
    """A record's page is read-only (statuses change only through actions); list-level "change"
    still allows the named actions."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # type: ignore[misc]


class ArchiveRetentionMixin:
    """Deleting refused before the archive's retention ends (第三章第五条), with a message saying until when.

    No bulk delete at all on archive tables; a single record only once its resident has exited
    and ``retain_until`` has passed (the database trigger checks the same). Other topics' admin
    classes of archive tables may mix this in.
    """

    @staticmethod
    def archive_resident(obj: Any) -> Resident | None:
        return obj if isinstance(obj, Resident) else getattr(obj, "resident", None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return False
        kept = not archive_selectors.retention_passed(self.archive_resident(obj), today=timezone.localdate())
        return not kept and super().has_delete_permission(request, obj)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        may_delete = super().has_delete_permission(request, obj)  # type: ignore[misc]
        if obj is not None and may_delete and not archive_selectors.retention_passed(
            self.archive_resident(obj), today=timezone.localdate()
        ):
            messages.error(request, retention_message(self.archive_resident(obj)))
            opts = obj._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]


def retention_message(resident: Resident | None) -> str:
    if resident is not None and resident.retain_until:
        return _(
            "This record belongs to the archive of %(name)s, kept until %(date)s (Chapter 3, Article 5): "
            "it cannot be deleted before then."
        ) % {"name": resident.name, "date": format_day(resident.retain_until)}
    return _(
        "This record belongs to the archive of %(name)s, kept for %(years)d years after the exit "
        "(Chapter 3, Article 5): it cannot be deleted."
    ) % {"name": resident.name if resident else "—", "years": rulebook.in_force().term.archive_retention_years}


def _each(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, call: Callable[[Any], str]
) -> None:
    """Run a service per selected row; say what happened to each (refusals in red, with the reason)."""
    for obj in queryset:
        try:
            done = call(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: {done}", messages.SUCCESS)


# --- Residents -------------------------------------------------------------------------------------


class TermFilter(admin.SimpleListFilter):
    title = gettext_lazy("term")
    parameter_name = "term"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("ending", _("agreement ending within the renewal window")),
            ("grace", _("in the grace period")),
            ("overdue", _("grace period over (overdue exit)")),
            ("exited", _("exited")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Resident]) -> QuerySet[Resident]:
        today = timezone.localdate()
        if self.value() == "ending":
            days = rulebook.in_force(today).term.renewal_reminder_days
            return selectors.ending_within(queryset, today=today, days=days).exclude(
                status=ResidentStatus.EXITED
            )
        if self.value() == "grace":
            return selectors.in_grace(queryset, today=today)
        if self.value() == "overdue":
            return selectors.grace_over(queryset, today=today)
        if self.value() == "exited":
            return queryset.filter(status=ResidentStatus.EXITED)
        return queryset


@admin.register(Resident)
class ResidentAdmin(IdentitySearchMixin, ReadOnlyRecordMixin, ArchiveRetentionMixin, admin.ModelAdmin):
    list_display = ("name", "status", "agreement_end", "exit_state", "checked_in_at", "archive_link")
    list_filter = ("status", TermFilter)
    list_select_related = ("application", "user")
    search_fields = ("name", "application__person_name", "application__company_name", "application__phone",
                     "user__username", "=application__id_number", "=application__uscc")
    ordering = ("name",)
    show_full_result_count = False  # no count of every resident on each page (10,000 at scale)
    actions = ("check_in",)
    fields = ("name", "user", "application", "status", "checked_in_at", "checked_in_by", "exited_on",
              "retain_until", "created_at", "archive_link")
    readonly_fields = fields

    change_form_template = "residents/lifecycle/admin/resident_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Resident]:
        return selectors.residents_for_staff(today=timezone.localdate())

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Resident | None = None) -> Any:
        """The page opens with the resident's summary (UI.md): one query per registered section."""
        if obj is not None:
            context["resident_summary"] = resident_summary(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a resident is admitted by approving its application

    @admin.display(description=gettext_lazy("agreement ends"), ordering="agreement_ends_on")
    def agreement_end(self, resident: Resident) -> str:
        ends_on = getattr(resident, "agreement_ends_on", None)
        return format_day(ends_on) if ends_on else "—"

    @admin.display(description=gettext_lazy("exit"))
    def exit_state(self, resident: Resident) -> str:
        kind = getattr(resident, "exit_kind", None)
        if not kind:
            return "—"
        label = f"{ExitKind(kind).label} · {ExitStatus(resident.exit_status).label}"
        grace = getattr(resident, "grace_ends_on", None)
        if grace:
            today = timezone.localdate()
            if grace < today:
                return format_html('<span style="color:var(--error-fg)">{} · {}</span>', label, _(
                    "%(days)d days after the grace period") % {"days": (today - grace).days})
            return f"{label} · " + _("grace until %(date)s") % {"date": format_day(grace)}
        return label

    @admin.display(description=gettext_lazy("archive"))
    def archive_link(self, resident: Resident) -> str:
        if not resident.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:residents_resident_archive", args=[resident.pk]),
                           _("Archive"))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/archive/", view(self.archive_view), name="residents_resident_archive"),
            path("<int:pk>/archive/pdf/", view(self.archive_pdf_view), name="residents_resident_archive_pdf"),
            *super().get_urls(),
        ]

    def _archived(self, request: HttpRequest, pk: int) -> Resident:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(Resident, pk=pk)

    def archive_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """档案: everything of §4.7 for one resident, in time order (fixed number of queries)."""
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        resident = self._archived(request, pk)
        archive = archive_selectors.resident_archive(resident)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Archive of %(name)s") % {"name": resident.name},
            "archive": archive,
            "may_export": archive_selectors.may_export_archive(request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "residents/lifecycle/admin/archive.html", context)

    def archive_pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The archive as a PDF (Chinese, CJK font embedded), downloaded, never stored publicly; only for
        :data:`~residents.selectors.archive.ARCHIVE_EXPORTERS`."""
        from residents.documents.archive import archive_filename, archive_pdf

        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        resident = self._archived(request, pk)
        if not archive_selectors.may_export_archive(request.user):
            raise PermissionDenied
        return attachment_response(
            archive_pdf(resident), download_name=archive_filename(resident), content_type="application/pdf"
        )

    @admin.action(description=gettext_lazy("Check in (desk, portal)"), permissions=["change"])
    def check_in(self, request: HttpRequest, queryset: QuerySet[Resident]) -> TemplateResponse | None:
        """办理入驻 (第三章第二条): the agreements topic's form (a field per check-in step: a free desk)
        and service (``resident_check_in`` refuses, naming everything still missing)."""
        from residents.forms.agreements import CheckInForm
        from residents.services.agreements import resident_check_in

        def apply(data: dict[str, Any]) -> None:
            _each(self, request, queryset, lambda resident: (
                resident_check_in(resident=resident, actor=request.user, **CheckInForm.choices(data)),
                _("checked in."),
            )[1])

        return action_step(
            self, request, queryset,
            form=CheckInForm(request.POST if "apply" in request.POST else None),
            title=_("Check in"), action_name="check_in", apply=apply,
        )


# --- Renewal requests ---------------------------------------------------------------------------------


@admin.register(RenewalRequest)
class RenewalRequestAdmin(ReadOnlyRecordMixin, ArchiveRetentionMixin, admin.ModelAdmin):
    list_display = ("resident", "agreement", "agreement_ends", "status", "direction_confirmed", "requested_at",
                    "decided_at")
    list_filter = ("status", "direction_confirmed")
    list_select_related = ("resident", "agreement")
    search_fields = ("resident__name", "agreement__number")
    ordering = ("-requested_at",)
    actions = ("confirm_fits", "confirm_does_not_fit", "approve", "refuse")
    fields = ("resident", "agreement", "status", "note", "requested_at", "direction_confirmed",
              "conditions_now", "decided_at", "decided_by", "decision_reason", "new_agreement")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the resident requests in the portal

    @admin.display(description=gettext_lazy("agreement ends"), ordering="agreement__ends_on")
    def agreement_ends(self, renewal: RenewalRequest) -> str:
        return format_day(renewal.agreement.ends_on)

    @admin.display(description=gettext_lazy("conditions (Chapter 3, Article 3)"))
    def conditions_now(self, renewal: RenewalRequest) -> str:
        if renewal.status == RenewalStatus.REQUESTED:
            conditions = selectors.renewal_conditions_for(
                resident=renewal.resident, agreement=renewal.agreement, today=timezone.localdate(),
                direction_confirmed=renewal.direction_confirmed,
            )
        else:
            conditions = selectors.stored_conditions(renewal)
        marks = {True: "✓", False: "✗", None: "…"}
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{} <strong>{}</strong>：{}</li>",
                             ((marks[c.met], c.title, c.explanation) for c in conditions)),
        )

    @admin.action(description=gettext_lazy("Confirm: the project still fits the direction"), permissions=["change"])
    def confirm_fits(self, request: HttpRequest, queryset: QuerySet[RenewalRequest]) -> None:
        _each(self, request, queryset, lambda r: (
            services.renewal_confirm_direction(renewal=r, fits=True, actor=request.user),
            _("direction confirmed."))[1])

    @admin.action(description=gettext_lazy("Record: the project no longer fits the direction"),
                  permissions=["change"])
    def confirm_does_not_fit(self, request: HttpRequest, queryset: QuerySet[RenewalRequest]) -> None:
        _each(self, request, queryset, lambda r: (
            services.renewal_confirm_direction(renewal=r, fits=False, actor=request.user),
            _("recorded as no longer fitting."))[1])

    @admin.action(description=gettext_lazy("Approve the renewal (every condition met)"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[RenewalRequest]) -> None:
        def call(renewal: RenewalRequest) -> str:
            done = services.renewal_approve(renewal=renewal, actor=request.user)
            return _("approved: new agreement %(number)s.") % {"number": done.new_agreement.number}

        _each(self, request, queryset, call)

    @admin.action(description=gettext_lazy("Refuse the renewal (with reasons)"), permissions=["change"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[RenewalRequest]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            _each(self, request, queryset, lambda r: (
                services.renewal_refuse(renewal=r, reason=data["reason"], actor=request.user), _("refused."))[1])

        return action_step(
            self, request, queryset, form=ReasonForm(request.POST if "apply" in request.POST else None),
            title=_("Refuse the renewal"), action_name="refuse", apply=apply,
        )


# --- Exits ------------------------------------------------------------------------------------------


class GraceFilter(admin.SimpleListFilter):
    title = gettext_lazy("grace period")
    parameter_name = "grace"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("in", _("in the grace period")), ("over", _("grace period over (overdue exit)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Exit]) -> QuerySet[Exit]:
        today = timezone.localdate()
        open_expiry = queryset.filter(kind=ExitKind.EXPIRY, status=ExitStatus.SCHEDULED)
        if self.value() == "in":
            return open_expiry.filter(grace_ends_on__gte=today)
        if self.value() == "over":
            return open_expiry.filter(grace_ends_on__lt=today)
        return queryset


class ExitClearanceInline(ReadOnlyInline):
    model = ExitClearance
    fields = ("item", "note", "cleared_by", "cleared_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExitClearance]:
        return super().get_queryset(request).select_related("cleared_by")


@admin.register(Exit)
class ExitAdmin(ReadOnlyRecordMixin, ArchiveRetentionMixin, admin.ModelAdmin):
    list_display = ("resident", "kind", "status", "exit_on", "grace", "progress", "requested_on")
    list_filter = ("kind", "status", GraceFilter)
    list_select_related = ("resident",)
    search_fields = ("resident__name",)
    ordering = ("-created_at",)
    actions = ("confirm", "cancel")
    fields = ("resident", "kind", "status", "reason", "requested_on", "exit_on", "grace_ends_on",
              "deposit_plan", "ban_years", "created_by", "created_at", "completed_at", "completed_by")
    readonly_fields = fields
    inlines = (ExitClearanceInline,)
    change_form_template = "residents/lifecycle/admin/exit_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Exit]:
        return super().get_queryset(request).annotate(cleared=Count("clearances"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # exits come from the resident, the expiry job, discipline or scoring

    @admin.display(description=gettext_lazy("grace period until"), ordering="grace_ends_on")
    def grace(self, exit: Exit) -> str:
        if not exit.grace_ends_on:
            return "—"
        text = format_day(exit.grace_ends_on)
        today = timezone.localdate()
        if exit.status == ExitStatus.SCHEDULED and exit.grace_ends_on < today:
            return format_html('<span style="color:var(--error-fg)">{} · {}</span>', text,
                               _("%(days)d days after the grace period") % {"days": (today - exit.grace_ends_on).days})
        return text

    @admin.display(description=gettext_lazy("deposit"))
    def deposit_plan(self, exit: Exit) -> str:
        if exit.deposit_outcome == "forfeit":
            return _("forfeited (forced exit)")
        return _("pays open fees first, the rest is refunded")

    @admin.display(description=gettext_lazy("cleared"))
    def progress(self, exit: Exit) -> str:
        return f"{getattr(exit, 'cleared', 0)}/{len(selectors.CHECKLIST)}"

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        exit = Exit.objects.filter(pk=unquote(object_id)).prefetch_related("clearances__cleared_by").first()
        extra = dict(extra_context or {})
        if exit is not None:
            extra["checklist"] = selectors.exit_checklist(exit)
            extra["can_clear"] = exit.status == ExitStatus.SCHEDULED and request.user.has_perm(
                "residents.add_exitclearance"
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list:
        return [
            path("<int:pk>/clear/", self.admin_site.admin_view(self.clear_view), name="residents_exit_clear"),
            *super().get_urls(),
        ]

    def clear_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One checklist item cleared by the daily management team (POST), then back to the exit."""
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        if not request.user.has_perm("residents.add_exitclearance"):
            raise PermissionDenied
        exit = Exit.objects.filter(pk=pk).first()
        if exit is None:
            raise Http404
        item = request.POST.get("item", "")
        try:
            clearance = services.exit_clear(exit=exit, item=item, note=request.POST.get("note", ""),
                                            actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            exit.refresh_from_db()
            self.message_user(request, _("Cleared: %(item)s.") % {"item": clearance.get_item_display()},
                              messages.SUCCESS)
            if exit.status == ExitStatus.COMPLETED:
                self.message_user(request, _("Every item is cleared: the exit is complete."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:residents_exit_change", args=[pk]))

    @admin.action(description=gettext_lazy("Confirm voluntary exits"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Exit]) -> None:
        _each(self, request, queryset, lambda e: (services.exit_confirm(exit=e, actor=request.user),
                                                  _("confirmed."))[1])

    @admin.action(description=gettext_lazy("Cancel voluntary exits (with reasons)"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Exit]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            _each(self, request, queryset, lambda e: (
                services.exit_cancel(exit=e, reason=data["reason"], actor=request.user), _("cancelled."))[1])

        return action_step(
            self, request, queryset, form=ReasonForm(request.POST if "apply" in request.POST else None),
            title=_("Cancel the exit"), action_name="cancel", apply=apply,
        )


# --- Bans -----------------------------------------------------------------------------------------------


@admin.register(Ban)
class BanAdmin(IdentitySearchMixin, ArchiveRetentionMixin, admin.ModelAdmin):
    """Re-application bans (RULEBOOK §4.6): read-only, recorded by a forced exit; the longer one wins."""

    list_display = ("id_number_masked", "uscc_masked", "source", "starts_on", "ends_on", "resident", "in_force")
    list_filter = ("source",)
    list_select_related = ("resident",)
    search_fields = ("=id_number", "=uscc", "resident__name")
    ordering = ("-ends_on",)
    fields = ("resident", "id_number_masked", "uscc_masked", "source", "note", "starts_on", "ends_on",
              "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("ID card number"))
    def id_number_masked(self, ban: Ban) -> str:
        return mask_identity_number(ban.id_number) or "—"

    @admin.display(description=gettext_lazy("unified social credit code"))
    def uscc_masked(self, ban: Ban) -> str:
        return mask_identity_number(ban.uscc) or "—"

    @admin.display(description=gettext_lazy("in force"), boolean=True)
    def in_force(self, ban: Ban) -> bool:
        today = timezone.localdate()
        return ban.starts_on <= today <= ban.ends_on


__all__ = ["ArchiveRetentionMixin", "ReadOnlyRecordMixin", "BanAdmin", "ExitAdmin", "RenewalRequestAdmin", "ResidentAdmin",
           "retention_message"]
