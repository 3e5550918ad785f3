"""The operations desk for rewards and volunteer service (奖励, 志愿服务; 第八章第一条).

* **Volunteer services**: listed with filters (year, date, resident status) and search
  (resident, phone, activity), exported to Excel; recorded through "add", which calls
  ``volunteer_service_record``; never edited or deleted here (they feed eligibility and the archive).
* **Rewards**: the queue with the grant deadline at a glance (red once overdue), filters
  (status, kind, year, grant overdue), search; statuses change only through the named steps
  — 公示 (publish on the notice board), 发放 (grant, with how it was done), 撤销 (annul, with a
  reason) — and an Excel export. From the list's tools: the **compliance-excellence
  candidates** of a year (every resident judged set-based, failing conditions in plain words,
  "verify and propose" per eligible resident), and the forms to verify an **innovation award**
  or **another contribution** (amount within the rulebook's range, certificate).

Who: the administrator decides rewards (RULEBOOK §1; ``discipline.change_reward``); oversight
reads; volunteer services are recorded by whoever holds ``discipline.add_volunteerservice``.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline import reward_rules
from discipline.forms.rewards import (
    GrantForm,
    InnovationForm,
    OtherContributionForm,
    ProposeForm,
    ReasonForm,
    VolunteerServiceForm,
)
from discipline.models import Reward, RewardKind, RewardStatus, VolunteerService
from discipline.selectors import rewards as selectors
from discipline.services import reward_grants, reward_support
from discipline.services import rewards as services
from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, admin_export_action, xlsx_response
from opc_community.core.moments import format_day
from opc_community.workdays.rules import local_date
from opc_community.workdays.selectors import work_calendar, working_days_left
from residents.models import Resident
from scoring.models import AwardClaim

# --- Volunteer services ---------------------------------------------------------------------------


class ServedYearFilter(admin.SimpleListFilter):
    title = gettext_lazy("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        this_year = timezone.localdate().year
        return [(str(year), str(year)) for year in range(this_year, this_year - 4, -1)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(served_on__year=int(self.value())) if self.value() else queryset


#: Rows on one page of the compliance excellence candidates (every checked-in resident is judged).
CANDIDATES_PER_PAGE = 100

VOLUNTEER_COLUMNS = [
    Column(gettext_lazy("resident"), lambda s: s.resident.name, width=20),
    Column(gettext_lazy("date"), lambda s: s.served_on, kind="date"),
    Column(gettext_lazy("activity"), lambda s: s.activity, width=40),
    Column(gettext_lazy("hours"), lambda s: s.hours, kind="number", width=8),
    Column(gettext_lazy("recorded by"), lambda s: s.recorded_by.get_full_name() or s.recorded_by.get_username()),
    Column(gettext_lazy("recorded at"), lambda s: s.recorded_at, kind="datetime", width=18),
]


@admin.register(VolunteerService)
class VolunteerServiceAdmin(admin.ModelAdmin):
    autocomplete_fields = ("resident", "recorded_by")
    list_display = ("served_on", "resident", "activity", "hours", "recorded_by", "recorded_at")
    list_display_links = ("served_on", "activity")
    list_filter = (ServedYearFilter, ("served_on", admin.DateFieldListFilter), "resident__status")
    search_fields = ("resident__name", "resident__user__full_name", "resident__user__phone", "activity")
    list_select_related = ("resident", "recorded_by")
    date_hierarchy = "served_on"
    actions = (
        admin_export_action(filename="volunteer-services", title=gettext_lazy("Volunteer services"),
                            columns=VOLUNTEER_COLUMNS),
    )
    form = VolunteerServiceForm
    fields = ("resident", "served_on", "activity", "hours")
    readonly_fields_on_view = ("resident", "served_on", "activity", "hours", "recorded_by", "recorded_at")

    def get_fields(self, request: HttpRequest, obj: VolunteerService | None = None) -> Any:
        return self.fields if obj is None else self.readonly_fields_on_view

    def get_readonly_fields(self, request: HttpRequest, obj: VolunteerService | None = None) -> Any:
        return () if obj is None else self.readonly_fields_on_view

    def has_change_permission(self, request: HttpRequest, obj: VolunteerService | None = None) -> bool:
        return False  # a record is added once; it feeds eligibility and the archive

    def has_delete_permission(self, request: HttpRequest, obj: VolunteerService | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: VolunteerService, form: forms.ModelForm, change: bool) -> None:
        """Recording goes through ``volunteer_service_record`` (the form ran the same checks first)."""
        data = form.cleaned_data
        record = services.volunteer_service_record(
            resident=data["resident"], served_on=data["served_on"], activity=data["activity"],
            hours=data.get("hours"), actor=request.user,
        )
        obj.pk = record.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # the service wrote everything


# --- Rewards --------------------------------------------------------------------------------------


class GrantOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("grant overdue")
    parameter_name = "grant_overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        condition = selectors.overdue_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


REWARD_COLUMNS = [
    Column(gettext_lazy("resident"), lambda r: r.resident.name, width=20),
    Column(gettext_lazy("kind"), lambda r: r.get_kind_display()),
    Column(gettext_lazy("year"), lambda r: r.year, kind="number", width=8),
    Column(gettext_lazy("award level"), lambda r: r.level),
    Column(gettext_lazy("reward chosen"), lambda r: r.get_choice_display()),
    Column(gettext_lazy("amount"), lambda r: r.amount, kind="money"),
    Column(gettext_lazy("resource support"), lambda r: r.support, width=30),
    Column(gettext_lazy("status"), lambda r: r.get_status_display()),
    Column(gettext_lazy("verified at"), lambda r: r.verified_at, kind="datetime", width=18),
    Column(gettext_lazy("grant due"), lambda r: r.grant_due_at, kind="datetime", width=18),
    Column(gettext_lazy("granted at"), lambda r: r.granted_at, kind="datetime", width=18),
    Column(gettext_lazy("grant record"), lambda r: r.grant_note, width=30),
]

#: Named steps on selected rewards: name → (title, form or None).
STEPS: dict[str, tuple[Any, type[forms.Form] | None]] = {
    "publish": (gettext_lazy("Publish on the notice board"), None),
    "grant": (gettext_lazy("Grant"), GrantForm),
    "annul": (gettext_lazy("Annul"), ReasonForm),
}


class RewardChangeList(ChangeList):
    """Puts each row's working days left on the page's rewards with one calendar load (no query per row)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        today = timezone.localdate()
        dues = [local_date(r.grant_due_at) for r in self.result_list if r.grant_due_at]
        if not dues:
            return
        calendar = work_calendar()
        for reward in self.result_list:
            if reward.grant_due_at:
                reward.days_left = calendar.working_days_between(today, local_date(reward.grant_due_at))


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("resident", "kind", "year", "amount_display", "choice", "status", "grant_countdown",
                    "verified_at")
    list_display_links = ("resident", "kind")
    list_filter = ("status", "kind", "year", GrantOverdueFilter)
    search_fields = ("resident__name", "resident__user__full_name", "resident__user__phone", "reason",
                     "evidence_ref")
    list_select_related = ("resident",)
    actions = ("publish", "grant", "annul",
               admin_export_action(filename="rewards", title=gettext_lazy("Rewards"), columns=REWARD_COLUMNS))
    change_list_template = "discipline/rewards/admin/change_list.html"
    fieldsets = (
        (None, {"fields": ("resident", "kind", "year", "level", "status", "rule")}),
        (gettext_lazy("Reward"), {"fields": ("choice", "amount", "support", "reason", "evidence_ref",
                                             "evidence_link")}),
        (gettext_lazy("Process (Chapter 8, Article 1)"), {"fields": (
            "verified_by", "verified_at", "publication_link", "grant_due_at", "granted_by", "granted_at",
            "grant_note", "annulled_at", "annul_reason", "rulebook_version")}),
    )
    readonly_fields = (
        "resident", "kind", "year", "level", "status", "rule", "choice", "amount", "support", "reason",
        "evidence_ref", "evidence_link", "verified_by", "verified_at", "publication_link", "grant_due_at",
        "granted_by", "granted_at", "grant_note", "annulled_at", "annul_reason", "rulebook_version",
    )

    # --- Permissions: the administrator decides through the steps; nobody edits or deletes -------

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return reward_support.can_decide_rewards(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # verified through the candidates page and the innovation / other forms

    def has_change_permission(self, request: HttpRequest, obj: Reward | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Reward | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reward]:
        return super().get_queryset(request).select_related("resident", "verified_by", "granted_by")

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return RewardChangeList

    # --- Columns -------------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_display(self, reward: Reward) -> str:
        from opc_community.core.money import format_yuan

        return format_yuan(reward.amount) if reward.amount is not None else "—"

    @admin.display(description=gettext_lazy("grant due"), ordering="grant_due_at")
    def grant_countdown(self, reward: Reward) -> str:
        if reward.status != RewardStatus.APPROVED or reward.grant_due_at is None:
            return "—"
        day = format_day(reward.grant_due_at)
        if reward.grant_due_at < timezone.now():
            return format_html('<strong class="opc-overdue" style="color:#b42318">{} · {}</strong>', day, _("Overdue"))
        days = getattr(reward, "days_left", None)
        if days is None:
            days = working_days_left(local_date(reward.grant_due_at))
        return format_html("{} · {}", day, _days_left(days))

    @admin.display(description=gettext_lazy("rule"))
    def rule(self, reward: Reward) -> str:
        rules_in_force = selectors.rules_by_version({reward.rulebook_version}).get(reward.rulebook_version)
        return selectors.reward_rule_note(reward, rules_in_force) if rules_in_force else "—"

    @admin.display(description=gettext_lazy("certificate scan"))
    def evidence_link(self, reward: Reward) -> str:
        if not reward.evidence:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                           reverse("discipline:reward_evidence", args=[reward.pk]), _("Open the file"))

    @admin.display(description=gettext_lazy("publication"))
    def publication_link(self, reward: Reward) -> str:
        publication = selectors.publications_of([reward]).get(reward.pk)
        if publication is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · {} – {}', reverse("admin:notices_publication_change", args=[publication.pk]),
            publication.get_status_display(),
            format_day(publication.window_starts_at),
            format_day(publication.window_ends_at),
        )

    # --- Pages -----------------------------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("candidates/", view(self.candidates_view), name="discipline_reward_candidates"),
            path("candidates/export/", view(self.candidates_export_view), name="discipline_reward_candidates_export"),
            path("innovation/", view(self.innovation_view), name="discipline_reward_innovation"),
            path("innovation/candidates/", view(self.innovation_candidates_view),
                 name="discipline_reward_innovation_candidates"),
            path("other/", view(self.other_view), name="discipline_reward_other"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "can_decide": self.has_decide_permission(request)}
        return super().changelist_view(request, extra_context)

    def _context(self, request: HttpRequest, title: Any, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def candidates_view(self, request: HttpRequest) -> HttpResponse:
        """合规优秀 candidates of a year: every checked-in resident judged (2 queries), proposable first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        year = _year(request, today)
        if request.method == "POST":
            if not self.has_decide_permission(request):
                raise PermissionDenied
            form = ProposeForm(request.POST)
            if form.is_valid():
                resident = get_object_or_404(Resident, pk=form.cleaned_data["resident"])
                try:
                    reward = services.reward_propose_compliance(
                        resident=resident, year=form.cleaned_data["year"], note=form.cleaned_data["note"],
                        actor=request.user, today=today,
                    )
                except DomainError as error:
                    self.message_user(request, f"{resident}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(name)s: compliance excellence %(year)s verified; publish it on "
                                                 "the notice board next.") % {"name": resident, "year": reward.year},
                                      messages.SUCCESS)
            return HttpResponseRedirect(f"{reverse('admin:discipline_reward_candidates')}?year={year}")
        try:
            candidates = selectors.compliance_candidates(year=year, today=today)
        except DomainError as error:  # a year before the first rulebook version
            self.message_user(request, error.message, messages.ERROR)
            candidates = []
        # A page of CANDIDATES_PER_PAGE rows (10,000 residents made a 4 MB page); judged all at once above,
        # so the counts and the order (proposable first) cover every resident, in the same 2 queries.
        page = Paginator(candidates, CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
        context = self._context(
            request, _("Compliance excellence candidates %(year)s") % {"year": year},
            year=year, previous_year=year - 1, next_year=year + 1 if year < today.year else None,
            candidates=page.object_list, page=page, total=len(candidates),
            eligible_count=sum(1 for c in candidates if c.eligible),
            judged_on=candidates[0].judged_on if candidates else min(today, date(year, 12, 31)),
            can_decide=self.has_decide_permission(request),
            export_url=f"{reverse('admin:discipline_reward_candidates_export')}?year={year}",
        )
        return TemplateResponse(request, "discipline/rewards/admin/candidates.html", context)

    def candidates_export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        year = _year(request, today)
        try:
            rows = selectors.compliance_candidates(year=year, today=today)
        except DomainError:
            rows = []
        return xlsx_response(f"compliance-candidates-{year}", Sheet(_("Candidates %(year)s") % {"year": year},
                                                                     CANDIDATE_COLUMNS, rows))

    def innovation_view(self, request: HttpRequest) -> HttpResponse:
        return self._verify_view(request, InnovationForm, _("Verify an innovation award"), self._innovation,
                                 initial=self._from_award_claim(request))

    def innovation_candidates_view(self, request: HttpRequest) -> HttpResponse:
        """项目创新 candidates of a year: the verified municipal-or-higher awards of the quarterly inputs (1 query)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        year = _year(request, today)
        candidates = selectors.innovation_candidates(year=year)
        context = self._context(
            request, _("Innovation reward candidates %(year)s") % {"year": year},
            year=year, previous_year=year - 1, next_year=year + 1 if year < today.year else None,
            candidates=candidates, can_decide=self.has_decide_permission(request),
        )
        return TemplateResponse(request, "discipline/rewards/admin/innovation_candidates.html", context)

    @staticmethod
    def _from_award_claim(request: HttpRequest) -> dict[str, Any]:
        """The innovation form filled from a candidate (``?claim=<pk>``): resident, level, certificate."""
        pk = request.GET.get("claim") or ""
        claim = AwardClaim.objects.filter(pk=pk, verified=True).select_related(
            "input__resident", "input__quarter").first() if pk.isdigit() else None
        if claim is None:
            return {}
        return {
            "award_claim": claim.pk, "resident": claim.input.resident_id,
            "level": reward_rules.innovation_level(claim.level) or "",
            "certificate": claim.title,
            "reason": _("%(award)s (%(level)s), verified in the quarterly inputs of %(quarter)s.") % {
                "award": claim.title, "level": claim.get_level_display(), "quarter": claim.input.quarter},
        }

    def other_view(self, request: HttpRequest) -> HttpResponse:
        return self._verify_view(request, OtherContributionForm, _("Verify another contribution"), self._other)

    @staticmethod
    def _innovation(data: dict[str, Any], actor: Actor) -> Reward:
        return services.reward_verify_innovation(
            resident=data["resident"], level=data["level"], amount=data["amount"], certificate=data["certificate"],
            reason=data["reason"], evidence=data.get("evidence"), award_claim=data.get("award_claim"), actor=actor,
        )

    @staticmethod
    def _other(data: dict[str, Any], actor: Actor) -> Reward:
        return services.reward_verify_other(
            resident=data["resident"], choice=data["choice"], amount=data.get("amount"), support=data["support"],
            basis=data["basis"], reason=data["reason"], evidence=data.get("evidence"), actor=actor,
        )

    def _verify_view(self, request: HttpRequest, form_class: type[forms.Form], title: Any, call: Any,
                     initial: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        form = form_class(request.POST or None, request.FILES or None, initial=initial or {})
        if request.method == "POST" and form.is_valid():
            try:
                reward = call(form.cleaned_data, request.user)
            except DomainError as error:
                if error.field in form.fields:
                    form.add_error(error.field, error.message)
                else:
                    form.add_error(None, error.message)
            else:
                self.message_user(request, _("%(name)s: reward verified; publish it on the notice board next.")
                                  % {"name": reward.resident}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:discipline_reward_change", args=[reward.pk]))
        rules_in_force = rulebook.in_force(on=timezone.localdate())
        kind = RewardKind.INNOVATION if form_class is InnovationForm else RewardKind.OTHER
        notes = [reward_rules.rule_note(rules_in_force.rewards, kind=kind, level=level)
                 for level in (("municipal", "provincial") if kind == RewardKind.INNOVATION else ("",))]
        context = self._context(request, title, form=form, notes=notes)
        return TemplateResponse(request, "discipline/rewards/admin/verify_form.html", context)

    # --- The named steps -------------------------------------------------------------------------------

    def _step(self, request: HttpRequest, queryset: QuerySet[Reward], step: str) -> TemplateResponse | None:
        title, form_class = STEPS[step]
        form = form_class(request.POST if "apply" in request.POST else None) if form_class else None
        if form is None or (form.is_bound and form.is_valid()):
            data = form.cleaned_data if form is not None else {}
            for reward in queryset:
                self._apply(request, step, reward, data)
            return None
        context = self._context(
            request, title, form=form, objects=queryset, action_name=step,
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
        )
        return TemplateResponse(request, "discipline/rewards/admin/step_form.html", context)

    def _apply(self, request: HttpRequest, step: str, reward: Reward, data: dict[str, Any]) -> bool:
        try:
            if step == "publish":
                reward_grants.reward_publish(reward=reward, actor=request.user)
                done = _("%(reward)s: published on the notice board.")
            elif step == "grant":
                reward_grants.reward_grant(reward=reward, note=data.get("note", ""), actor=request.user)
                done = _("%(reward)s: granted.")
            else:
                reward_grants.reward_annul(reward=reward, reason=data["reason"], actor=request.user)
                done = _("%(reward)s: annulled.")
        except DomainError as error:
            self.message_user(request, f"{reward}: {error.message}", messages.ERROR)
            return False
        self.message_user(request, done % {"reward": reward}, messages.SUCCESS)
        return True

    @admin.action(description=gettext_lazy("Publish on the notice board"), permissions=["decide"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Reward]) -> TemplateResponse | None:
        return self._step(request, queryset, "publish")

    @admin.action(description=gettext_lazy("Grant (cash paid, credits, subsidy, support)"), permissions=["decide"])
    def grant(self, request: HttpRequest, queryset: QuerySet[Reward]) -> TemplateResponse | None:
        return self._step(request, queryset, "grant")

    @admin.action(description=gettext_lazy("Annul (before it takes effect)"), permissions=["decide"])
    def annul(self, request: HttpRequest, queryset: QuerySet[Reward]) -> TemplateResponse | None:
        return self._step(request, queryset, "annul")


CANDIDATE_COLUMNS = [
    Column(gettext_lazy("resident"), lambda c: c.resident.name, width=20),
    Column(gettext_lazy("checked in at"), lambda c: c.resident.checked_in_at, kind="datetime", width=18),
    Column(gettext_lazy("full months"), lambda c: c.eligibility.months_checked_in, kind="number", width=10),
    Column(gettext_lazy("violations"), lambda c: c.violations, kind="number", width=10),
    Column(gettext_lazy("volunteer services"), lambda c: c.volunteer_services, kind="number", width=12),
    Column(gettext_lazy("eligible"), lambda c: _("Yes") if c.eligible else _("No"), width=8),
    Column(gettext_lazy("conditions not met"), lambda c: c.eligibility.summary, width=60),
]


def _year(request: HttpRequest, today: date) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year else today.year


def _days_left(days: int) -> str:
    if days == 0:
        return _("Due today")
    return _("%(days)s working days left") % {"days": days}
