"""The operations desk for the notice board (RULEBOOK §10; UI.md "Staff: the Django admin").

Statuses are never edited by hand: a publication changes state only through the
actions below, which call the services (close ended windows, withdraw; uphold or
dismiss objections, with a reason asked on an intermediate page). Nothing is
deleted — publications and objections belong to the archive (RULEBOOK §4.7).
Who may do what follows the role matrix (accounts/roles.py): the operations
groups write, the administrator too, oversight only reads.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from opc_community.core.admin_base import ReadOnlyInline, action_step
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, admin_export_action
from opc_community.core.forms import add_domain_error
from opc_community.notices import selectors, services
from opc_community.notices.forms import DecisionReasonForm, WithdrawalReasonForm
from opc_community.notices.models import (
    Objection,
    ObjectionStatus,
    Publication,
    PublicationKind,
    PublicationStatus,
)

#: Kinds the desk publishes directly. Decisions (rewards, penalties, scores, rule revisions)
#: are published by the app that makes them, which also handles their close.
DESK_KINDS = (
    PublicationKind.SERVICE_PROCEDURE,
    PublicationKind.RESOURCE_SUPPLY,
    PublicationKind.POLICY_NOTICE,
    PublicationKind.OTHER,
)


class PublicationAddForm(forms.ModelForm):
    """Publishing from the desk: what is said; the window follows from the rulebook and the calendar."""

    kind = forms.ChoiceField(
        label=pgettext_lazy("publication", "kind"),
        choices=[(kind.value, kind.label) for kind in DESK_KINDS],
    )
    window_days = forms.IntegerField(
        label=gettext_lazy("window length (working days)"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=gettext_lazy(
            "Leave empty for the rulebook's publication window (3 working days)."
        ),
    )

    class Meta:
        model = Publication
        fields = ("kind", "title", "body", "window_days")

    def clean(self) -> dict[str, Any]:
        """The title and text are typed here: refused while they hold personal data (RULEBOOK §10,
        decisions added 2026-12), the offending spans named next to the field."""
        cleaned = super().clean()
        try:
            services.ensure_publishable(
                {field: cleaned[field] for field in ("title", "body") if cleaned.get(field)}
            )
        except DomainError as error:
            add_domain_error(self, error)
        return cleaned


class OnBoardFilter(admin.SimpleListFilter):
    """Whether the public board still shows a publication (penalties and scores leave it, RULEBOOK §10)."""

    title = gettext_lazy("on the public board")
    parameter_name = "on_board"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No, archive only"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Publication]) -> QuerySet[Publication]:
        on_board = selectors.on_board_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(on_board)
        if self.value() == "no":
            return queryset.exclude(on_board)
        return queryset


class LatePublicationFilter(admin.SimpleListFilter):
    """Publications with objections not decided by their time (RULEBOOK §10, decisions added 2026-12)."""

    title = gettext_lazy("objections decided late")
    parameter_name = "late_objections"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Publication]) -> QuerySet[Publication]:
        if self.value() == "yes":
            return queryset.filter(late_objections__gt=0)
        return queryset


class LateObjectionFilter(admin.SimpleListFilter):
    """Pending objections past their decide-by time (RULEBOOK §10, decisions added 2026-12)."""

    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Objection]) -> QuerySet[Objection]:
        if self.value() == "yes":
            return queryset.filter(selectors.late_objection_q(timezone.now()))
        return queryset


class ObjectionInline(ReadOnlyInline):
    model = Objection
    show_change_link = True
    fields = (
        "author",
        "text",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Objection]:
        return super().get_queryset(request).select_related("author", "decided_by")


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "kind",
        "status",
        "outcome",
        "window_starts_at",
        "window_ends_at",
        "window_state",
        "published_by",
    )
    list_filter = (
        OnBoardFilter,
        LatePublicationFilter,
        "status",
        "kind",
        "outcome",
        ("window_ends_at", admin.DateFieldListFilter),
        "window_provisional",
    )
    search_fields = (
        "title",
        "concerned_user__full_name",
        "concerned_user__phone",
        "concerned_user__username",
    )
    list_select_related = ("published_by", "concerned_user")
    ordering = ("-window_starts_at", "-id")
    actions = ("close_ended_windows", "withdraw", "export_excel")
    export_excel = admin_export_action(
        filename="publications",
        title=gettext_lazy("Publications"),
        columns=[
            Column(gettext_lazy("title"), lambda p: p.title, width=40),
            Column(pgettext_lazy("publication", "kind"), lambda p: p.get_kind_display()),
            Column(gettext_lazy("status"), lambda p: p.get_status_display()),
            Column(gettext_lazy("window starts at"), lambda p: p.window_starts_at, "datetime", 18),
            Column(gettext_lazy("window ends at"), lambda p: p.window_ends_at, "datetime", 18),
            Column(gettext_lazy("outcome"), lambda p: p.get_outcome_display()),
        ],
    )
    inlines = (ObjectionInline,)
    readonly_fields = (
        "kind",
        "title",
        "body",
        "subject_link",
        "concerned_user",
        "window_starts_at",
        "window_ends_at",
        "window_days",
        "window_provisional",
        "leaves_board_at",
        "status",
        "outcome",
        "closed_at",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_reason",
        "published_by",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Publication]:
        return selectors.desk_publications()

    def get_form(
        self,
        request: HttpRequest,
        obj: Publication | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        if obj is None:
            kwargs["form"] = PublicationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Publication | None = None) -> Any:
        return PublicationAddForm._meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Publication | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Publication | None) -> Any:
        return self.inlines if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Publication | None = None) -> bool:
        # Published text and window are final; the list's actions still need the change permission.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Publication | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Publication, form: forms.ModelForm, change: bool
    ) -> None:
        """Adding goes through ``publication_open``, which computes the window (RULEBOOK §2, §10)."""
        publication = services.publication_open(
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            staff_text={field: form.cleaned_data[field] for field in ("title", "body")},
            window_days=form.cleaned_data["window_days"],
            actor=request.user,
        )
        # The admin goes on to log and redirect with the object it built: make it the one created.
        obj.pk = publication.pk
        obj.refresh_from_db()

    @admin.display(description=gettext_lazy("subject"))
    def subject_link(self, publication: Publication) -> str:
        if publication.content_type_id is None:
            return "—"
        return f"{publication.content_type} #{publication.object_id}"

    @admin.display(description=gettext_lazy("attention"))
    def window_state(self, publication: Publication) -> str:
        """Overdue and waiting states at a glance: a window over but not closed, objections to decide."""
        pending = getattr(publication, "pending_objections", 0)
        if (
            publication.status == PublicationStatus.OPEN
            and timezone.now() >= publication.window_over_at
        ):
            return format_html(
                '<strong style="color:#b91c1c">{}</strong>', _("Window over, not closed yet")
            )
        late = getattr(publication, "late_objections", 0)
        if pending:
            text = ngettext(
                "%(count)d objection to decide", "%(count)d objections to decide", pending
            ) % {"count": pending}
            if late:  # RULEBOOK §10 (decisions added 2026-12): past the decide-by time
                text = f"{text} · " + ngettext(
                    "%(count)d objection not decided in time", "%(count)d objections not decided in time", late
                ) % {"count": late}
            if late or publication.status == PublicationStatus.AWAITING_DECISION:
                return format_html('<strong style="color:#b91c1c">{}</strong>', text)
            return text
        return ""

    @admin.action(
        description=gettext_lazy("Close ended publication windows now"), permissions=["change"]
    )
    def close_ended_windows(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        now = timezone.now()
        changed = 0
        for publication in queryset:
            if publication.status != PublicationStatus.OPEN or now < publication.window_over_at:
                continue
            try:
                services.publication_close(publication=publication, now=now)
            except DomainError as error:
                self.message_user(request, f"{publication}: {error.message}", messages.ERROR)
                continue
            changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d publication whose window ended was closed or now awaits decisions on objections.",
                "%(count)d publications whose windows ended were closed or now await decisions on objections.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS if changed else messages.INFO,
        )

    @admin.action(description=gettext_lazy("Withdraw publications"), permissions=["change"])
    def withdraw(
        self, request: HttpRequest, queryset: QuerySet[Publication]
    ) -> TemplateResponse | None:
        """Withdraw desk publications; a decision's publication is withdrawn by the app that made the decision."""

        def apply(reason: str) -> None:
            for publication in queryset:
                if publication.content_type_id is not None:
                    self.message_user(
                        request,
                        _(
                            "%(title)s: this publication belongs to a decision; withdraw it where the decision is made."
                        )
                        % {"title": publication},
                        messages.ERROR,
                    )
                    continue
                try:
                    services.publication_withdraw(
                        publication=publication, reason=reason, actor=request.user
                    )
                except DomainError as error:
                    self.message_user(request, f"{publication}: {error.message}", messages.ERROR)
                    continue
                self.message_user(
                    request,
                    _("%(title)s was withdrawn.") % {"title": publication},
                    messages.SUCCESS,
                )

        return action_step(
            self,
            request,
            queryset,
            form=WithdrawalReasonForm(request.POST if "apply" in request.POST else None),
            title=_("Withdraw publications"),
            action_name="withdraw",
            apply=lambda data: apply(data["reason"]),
        )


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "publication",
        "author",
        "author_is_concerned",
        "status",
        "created_at",
        "decide_due_at",
        "is_late",
        "decided_by",
        "decided_at",
    )
    list_filter = (LateObjectionFilter, "status", "publication__kind", "publication__status")
    search_fields = (
        "publication__title",
        "author__full_name",
        "author__phone",
        "author__username",
        "text",
    )
    list_select_related = ("publication", "author", "decided_by")
    ordering = ("-created_at", "-id")
    actions = ("uphold", "dismiss")
    fields = (
        "publication",
        "author",
        "text",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "created_at",
        "decide_due_at",
        "decide_due_provisional",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Objection]:
        return super().get_queryset(request).select_related("publication", "author", "decided_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # objections are raised on the public board or through the API

    def has_change_permission(self, request: HttpRequest, obj: Objection | None = None) -> bool:
        # Decisions go through the actions; the list's actions still need the change permission.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Objection | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def is_late(self, objection: Objection) -> bool:
        """Pending past its decide-by time (RULEBOOK §10, decisions added 2026-12)."""
        return bool(
            objection.status == ObjectionStatus.PENDING
            and objection.decide_due_at is not None
            and objection.decide_due_at < timezone.now()
            and objection.publication.status
            in (PublicationStatus.OPEN, PublicationStatus.AWAITING_DECISION)
        )

    @admin.display(description=gettext_lazy("by the person concerned"), boolean=True)
    def author_is_concerned(self, objection: Objection) -> bool:
        return objection.author_id == objection.publication.concerned_user_id

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Objection], *, upheld: bool
    ) -> TemplateResponse | None:
        def apply(reason: str) -> None:
            decided = 0
            for objection in queryset:
                try:
                    services.objection_decide(
                        objection=objection, upheld=upheld, reason=reason, actor=request.user
                    )
                except DomainError as error:
                    self.message_user(request, f"#{objection.pk}: {error.message}", messages.ERROR)
                    continue
                decided += 1
            message = (
                ngettext("%(count)d objection upheld.", "%(count)d objections upheld.", decided)
                if upheld
                else ngettext(
                    "%(count)d objection dismissed.", "%(count)d objections dismissed.", decided
                )
            )
            self.message_user(
                request,
                message % {"count": decided},
                messages.SUCCESS if decided else messages.INFO,
            )

        return action_step(
            self,
            request,
            queryset,
            form=DecisionReasonForm(request.POST if "apply" in request.POST else None),
            title=_("Uphold objections") if upheld else _("Dismiss objections"),
            action_name="uphold" if upheld else "dismiss",
            apply=lambda data: apply(data["reason"]),
        )

    @admin.action(
        description=gettext_lazy("Uphold objections (the decision does not take effect)"),
        permissions=["change"],
    )
    def uphold(
        self, request: HttpRequest, queryset: QuerySet[Objection]
    ) -> TemplateResponse | None:
        return self._decide(request, queryset, upheld=True)

    @admin.action(description=gettext_lazy("Dismiss objections"), permissions=["change"])
    def dismiss(
        self, request: HttpRequest, queryset: QuerySet[Objection]
    ) -> TemplateResponse | None:
        return self._decide(request, queryset, upheld=False)
