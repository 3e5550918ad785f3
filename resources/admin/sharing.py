"""The operations desk for the sharing board and AI capability pool (资源共享平台、AI能力共享池, 第四章第二条 3).

- **Posts**: the queue, newest first, filtered by state, kind and category; each with its 第四章第二条 3
  confirmation time, its interests and its matches. Actions: 「隐藏」 (hide with a reason the author
  reads) and 「撮合」 (match two selected posts, an offer with a need). The list links to the
  **quarterly report** (per category: posts, interests, matches proposed and confirmed; a chart and an
  Excel export).
- **Interests**: who expressed interest in which post (the message); action 「撮合」 matches the post
  with the interested resident.
- **Matches**: both sides' answers; action cancel (a match still waiting, with a reason).

Who: the resources team writes (role matrix: ``resources`` WRITE), the administrator too; oversight reads.
Nothing is deleted; every change goes through ``resources.services.sharing``.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core import charts
from opc_community.core.admin_base import ReadOnlyInline, action_step
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from resources.admin.vouchers import NoDeleteMixin
from resources.forms.sharing import CancelMatchForm, HideForm, MatchNoteForm
from resources.models import SharingInterest, SharingMatch, SharingPost
from resources.rules import quarters
from resources.rules import sharing as rules
from resources.selectors import sharing as selectors
from resources.services import sharing as services

POST_FIELDS = ("resident", "kind", "category", "title", "body", "status", "created_at", "updated_at", "expires_at",
               "renewed_at", "closed_at", "close_note", "no_secrets_confirmed_at", "hidden_at", "hidden_by",
               "hidden_reason")

REPORT_COLUMNS = (
    Column(gettext_lazy("category"), lambda r: r.label, width=30),
    Column(gettext_lazy("offers"), lambda r: r.offers, "number"),
    Column(gettext_lazy("needs"), lambda r: r.needs, "number"),
    Column(gettext_lazy("interests"), lambda r: r.interests, "number"),
    Column(gettext_lazy("matches proposed"), lambda r: r.proposed, "number"),
    Column(gettext_lazy("matches confirmed"), lambda r: r.confirmed, "number"),
)


def report_chart(rows: list[selectors.ReportRow], *, quarter: str) -> charts.Chart:
    """Per category, the posts of the quarter (blue) and the matches confirmed in it (amber)."""
    lines = [charts.Row(row.label[:14], [
        charts.Mark(row.posts, f"{row.label}: {row.posts}", str(row.posts)),
        charts.Mark(row.confirmed, f"{row.label}: {row.confirmed}", str(row.confirmed), charts.ACCENT),
    ]) for row in rows]
    largest = max([row.posts for row in rows] + [row.confirmed for row in rows] + [1])
    return charts.bar_chart(
        lines, chart_id="sharing-chart", css_class="report-chart",
        title=_("Sharing board, %(quarter)s") % {"quarter": quarter},
        desc=_("For each category, the posts of the quarter (blue) and the matches confirmed in it (amber); the "
               "table gives the same numbers."),
        axis=charts.Axis.counting(largest), legend=[(_("posts"), charts.BRAND), (_("matches confirmed"), charts.ACCENT)],
    )


class OnBoardFilter(admin.SimpleListFilter):
    title = gettext_lazy("on the board")
    parameter_name = "on_board"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("on the board now")), ("expired", _("past their expiry"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(selectors.on_board(now=now))
        if self.value() == "expired":
            return queryset.filter(status__in=("open", "expired"), expires_at__lte=now)
        return queryset


class InterestInline(ReadOnlyInline):
    model = SharingInterest
    fields = ("resident", "message", "created_at")
    readonly_fields = fields


class MatchInline(ReadOnlyInline):
    model = SharingMatch
    fk_name = "post"
    fields = ("counterpart", "other_post", "status", "author_answer", "counterpart_answer", "proposed_at")
    readonly_fields = fields


@admin.register(SharingPost)
class SharingPostAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "category", "resident", "state", "created_at", "expires_at", "interest_count",
                    "no_secrets_confirmed_at")
    list_filter = ("status", OnBoardFilter, "kind", "category")
    search_fields = ("title", "body", "resident__name")
    list_select_related = ("resident",)
    readonly_fields = POST_FIELDS
    fields = POST_FIELDS
    inlines = (InterestInline, MatchInline)
    actions = ("hide", "match_pair")
    ordering = ("-created_at",)
    change_list_template = "resources/sharing/admin/post_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SharingPost]:
        return super().get_queryset(request).annotate(interest_total=Count("interests"))

    @admin.display(description=gettext_lazy("interests"), ordering="interest_total")
    def interest_count(self, post: SharingPost) -> int:
        return getattr(post, "interest_total", 0)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def state(self, post: SharingPost) -> str:
        state = rules.effective_status(status=post.status, expiry=post.expires_at, now=timezone.now())
        return str(dict(SharingPost._meta.get_field("status").flatchoices).get(state, state))

    @admin.action(description=gettext_lazy("Hide the selected posts (with a reason the author reads)"),
                  permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[SharingPost]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for post in queryset:
                try:
                    services.post_hide(post=post, reason=data["reason"], actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{post}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(post)s: hidden; the author was told why.") % {"post": post},
                                      messages.SUCCESS)

        return action_step(self, request, queryset, form=HideForm(request.POST if "apply" in request.POST else None),
                           title=_("Hide the selected posts"), action_name="hide", apply=apply)

    @admin.action(description=gettext_lazy("Match the two selected posts (an offer with a need)"),
                  permissions=["change"])
    def match_pair(self, request: HttpRequest, queryset: QuerySet[SharingPost]) -> TemplateResponse | None:
        posts = sorted(queryset.select_related("resident")[:3], key=lambda post: post.kind != "offer")  # the offer first
        if len(posts) != 2:
            self.message_user(request, _("Select exactly two posts: an offer and a need."), messages.ERROR)
            return None

        def apply(data: dict[str, Any]) -> None:
            services.match_propose(post=posts[0], other_post=posts[1], note=data.get("note", ""), actor=request.user)
            self.message_user(request, _("Match proposed; both residents were asked to confirm."), messages.SUCCESS)

        return action_step(self, request, queryset,
                           form=MatchNoteForm(request.POST if "apply" in request.POST else None),
                           title=_("Match the two selected posts"), action_name="match_pair", apply=apply)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="resources_sharingpost_report"),
            path("report/export/", view(self.report_export), name="resources_sharingpost_report_export"),
            *super().get_urls(),
        ]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        start, _end = quarters.requested_quarter(request.GET.get("quarter", ""), today=timezone.localdate())
        label = quarters.quarter_label(start)
        rows = selectors.quarter_report(start)
        previous, _following = quarters.adjacent_labels(start)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sharing board report, %(quarter)s") % {"quarter": label},
            "opts": self.model._meta,
            "rows": rows,
            "total": selectors.report_total(rows),
            "quarter": label,
            "previous": previous,
            "chart": report_chart(rows, quarter=label),
            "export_url": reverse("admin:resources_sharingpost_report_export") + f"?quarter={label}",
        }
        return TemplateResponse(request, "resources/sharing/admin/report.html", context)

    def report_export(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        start, _end = quarters.requested_quarter(request.GET.get("quarter", ""), today=timezone.localdate())
        label = quarters.quarter_label(start)
        rows = selectors.quarter_report(start)
        return xlsx_response(f"sharing-report-{label}",
                             Sheet(_("Sharing board %(quarter)s") % {"quarter": label}, REPORT_COLUMNS,
                                   [*rows, selectors.report_total(rows)]))


@admin.register(SharingInterest)
class SharingInterestAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("post", "resident", "message", "created_at")
    search_fields = ("post__title", "resident__name", "message")
    list_select_related = ("post", "resident")
    list_filter = ("post__category",)
    readonly_fields = ("post", "resident", "message", "created_at")
    actions = ("match",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Match each selected interest with its post"), permissions=["change"])
    def match(self, request: HttpRequest, queryset: QuerySet[SharingInterest]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for interest in queryset.select_related("post"):
                try:
                    services.match_propose(post=interest.post, interest=interest, note=data.get("note", ""),
                                           actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{interest}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(interest)s: match proposed; both residents were asked to "
                                                 "confirm.") % {"interest": interest}, messages.SUCCESS)

        return action_step(self, request, queryset,
                           form=MatchNoteForm(request.POST if "apply" in request.POST else None),
                           title=_("Match each selected interest with its post"), action_name="match", apply=apply)


@admin.register(SharingMatch)
class SharingMatchAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("post", "author", "counterpart", "status", "author_answer", "counterpart_answer", "proposed_at",
                    "decided_at")
    list_filter = ("status", "post__category")
    search_fields = ("post__title", "author__name", "counterpart__name")
    list_select_related = ("post", "author", "counterpart")
    readonly_fields = ("post", "other_post", "interest", "author", "counterpart", "note", "status", "author_answer",
                       "author_answered_at", "counterpart_answer", "counterpart_answered_at", "proposed_at",
                       "proposed_by", "decided_at", "cancel_reason")
    actions = ("cancel",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Cancel the selected matches"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[SharingMatch]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for match in queryset:
                try:
                    services.match_cancel(match=match, reason=data["reason"], actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{match}: {error.message}", messages.ERROR)

        return action_step(self, request, queryset,
                           form=CancelMatchForm(request.POST if "apply" in request.POST else None),
                           title=_("Cancel the selected matches"), action_name="cancel", apply=apply)
