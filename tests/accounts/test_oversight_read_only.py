"""Oversight (社区组织) reads everything and writes nothing but rule-revision decisions (RULEBOOK §1, §11).

The walk loads the demo community and, logged in as its oversight account, sends every unsafe
method to every URL pattern of the project (admin pages and their custom steps, portal pages, the
API), runs every admin action on a real row, and checks each answer: refused (403, 404 or 405) and
not one row inserted, updated or deleted (PostgreSQL's per-transaction counters, which see every
table). The only writes oversight may make are approving a draft revision and rejecting one.
"""

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from discipline.admin.cases import STEPS as CASE_STEPS
from opc_community.accounts.models import User
from opc_community.accounts.permissions import is_oversight_only
from opc_community.notices.models import Publication, PublicationStatus
from opc_community.notices.services import objection_submit
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.services import rulebook_version_draft
from residents.admin.complaints import STEPS as COMPLAINT_STEPS
from residents.services.intake import REVIEW_STEPS
from scoring.selectors.inputs import FILE_KINDS
from spaces.rules.visitors import FRONT_DESK_STEPS
from tests.admin_walk import admin_pages, admin_request
from tests.logins import login

pytestmark = pytest.mark.django_db

UNSAFE = ("post", "put", "patch", "delete")
REFUSED = {403, 404, 405}
#: The rule-revision decisions oversight may take (RULEBOOK §11): approve, or reject (withdraw) a draft.
REVISION_ACTIONS = {"approve_and_publish", "withdraw_draft"}
#: Values of the URL parameters that are not object ids, per URL name.
PARAMETERS = {
    "admin:residents_application_step": {"step": list(REVIEW_STEPS)},
    "admin:discipline_violationcase_step": {"step": list(CASE_STEPS)},
    "admin:residents_complaint_step": {"step": list(COMPLAINT_STEPS)},
    "admin:spaces_deskchangerequest_decide": {"step": ["approve", "refuse"]},
    "admin:spaces_permit_decide": {"step": ["approve", "refuse"]},
    "admin:spaces_visitor_step": {"step": sorted({step for steps in FRONT_DESK_STEPS.values() for step in steps})},
    "admin:scoring_quarterinput_file": {"kind": list(FILE_KINDS)},
    "scoring:input_file": {"kind": list(FILE_KINDS)},
    "scoring:input_file_remove": {"kind": list(FILE_KINDS)},
}
ID_PARAMETERS = {"pk", "object_id", "resident_id", "id"}
#: Pages that change no community data, whatever the method: only "no row written" is checked there.
OWN_SESSION = {
    None: "the site root only redirects",
    "set_language": "the language switch (a cookie)",
    "notices:feed": "the Atom feed answers any method the same",
    "portal:login": "logging in (already logged in: redirected)",
    "portal:password_change": "one's own password",
    "portal:password_change_done": "one's own password",
    "admin:login": "logging in (already logged in: redirected)",
    "admin:password_change": "one's own password",
    "admin:password_change_done": "one's own password",
    "residents:signup": "sign-up of a new account (a logged-in person is redirected)",
    "portal:mark_all_read": "one's own inbox",
    "portal:notification": "one's own inbox",
}
#: Admin pages that only read (reports, exports, files, dashboards): whatever the method, they show.
#: The admin acts on POST alone, so for every other admin page a POST must be refused.
ADMIN_READS = {
    "admin:index", "admin:app_list", "admin:autocomplete", "admin:jsi18n",
    "admin:residents_complaint_report", "admin:residents_complaint_export", "admin:residents_resident_archive",
    "admin:residents_resident_archive_pdf", "admin:spaces_booking_no_show_candidates", "admin:spaces_desk_occupancy",
    "admin:spaces_occupancyreport_export", "admin:spaces_visitor_export", "admin:spaces_safetydashboard_report",
    "admin:scoring_scorecard_dashboard", "admin:scoring_scorecard_export", "admin:scoring_scorecard_report",
    "admin:scoring_quarter_progress", "admin:scoring_quarter_progress_json", "admin:scoring_quarter_export",
    "admin:scoring_quarterinput_file", "admin:discipline_notice_pdf", "admin:discipline_evidence_file",
    "admin:discipline_ledger_verify", "admin:discipline_reward_candidates",
    "admin:discipline_reward_innovation_candidates",
    "admin:discipline_reward_candidates_export", "admin:residents_agreement_pdf",
    "admin:resources_voucherprogramme_uptake", "admin:resources_voucherprogramme_uptake_export",
    "admin:residents_intakefunnel_export", "admin:resources_scenario_report", "admin:resources_scenario_report_export",
    "admin:resources_sharingpost_report", "admin:resources_sharingpost_report_export",
    "admin:resources_survey_results", "admin:spaces_safetydashboard_report_pdf",
}
#: Writes the system makes when someone reads (not a decision of the reader), and why.
SYSTEM_WRITES = {
    "admin:residents_agreement_pdf": "renders a missing archive copy of the agreement as the system",
    "admin:discipline_notice_pdf": "renders a missing archive copy of the rectification notice as the system",
}
#: Logging out ends the walk's own session; it is no community data.
LOGOUT = {"portal:logout", "admin:logout"}
#: The walker's own sign-in (second factor, API token, account activation): answered like anyone's,
#: checked for writing nothing, not refused.
OWN_SIGN_IN = {"portal:two_factor_enrol", "portal:two_factor_verify", "residents:signup_activate", "api-token"}
#: Patterns not walked, and why.
SKIPPED = {"content_type_id": "Django's view-on-site redirect (GET only, writes nothing)",
           "url": "the admin's catch-all redirect", "format": "DRF's format-suffix twin of a walked pattern"}


def _writes() -> int:
    """Rows inserted, updated or deleted so far in this transaction, in every table (sessions aside)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
            "WHERE relname <> 'django_session'"
        )
        return int(cursor.fetchone()[0])


def _number_rows_from_one() -> None:
    """Restart the id sequence of every empty table, so that the demo's first row of each is id 1."""
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            pk = model._meta.pk
            if pk.get_internal_type() not in ("AutoField", "BigAutoField") or model.objects.exists():
                continue
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, pk.column])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute("SELECT setval(%s, 1, false)", [sequence])


@pytest.fixture
def oversight_client() -> Client:
    _number_rows_from_one()
    call_command("seed_demo", stdout=io.StringIO())
    # The demo has no objection: one of a resident, so that deciding objections is walked too.
    publication = Publication.objects.filter(status=PublicationStatus.OPEN).order_by("pk").first()
    objection_submit(publication=publication, author=User.objects.get(username="zhangsan"), text="公示有误")
    user = User.objects.get(username="oversight")
    assert is_oversight_only(user)
    # A crash is one failure among the others; oversight signs in with its second factor.
    return login(Client(raise_request_exception=False), user)


def _patterns(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str | None, str]]:
    for pattern in patterns:
        regex = pattern.pattern.regex.pattern.lstrip("^")
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, prefix + regex, ns)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), prefix + regex


GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _paths() -> Iterator[tuple[str | None, str]]:
    """Every pattern as concrete paths: ids → 1, named steps and kinds → each of their values."""
    for name, regex in _patterns(get_resolver().url_patterns):
        groups = GROUP.findall(regex)
        if set(groups) & set(SKIPPED):
            continue
        choices = PARAMETERS.get(name, {})
        combos: list[dict[str, str]] = [{}]
        for group in groups:
            values = ["1"] if group in ID_PARAMETERS else choices.get(group, ["x" * 24])
            combos = [{**combo, group: value} for combo in combos for value in values]
        for combo in combos:
            path = GROUP.sub(lambda m, combo=combo: combo[m.group(1)], regex)
            path = path.replace("\\Z", "").replace("$", "").replace("\\", "")
            yield name, "/" + path


def _is_changelist(name: str | None) -> bool:
    return bool(name and name.startswith("admin:") and name.endswith("_changelist"))


def _must_refuse(name: str | None, path: str, method: str) -> bool:
    """Whether this request must be refused outright (else it must only write nothing)."""
    if name in OWN_SESSION:
        return False
    if path.startswith("/admin/"):  # the admin reads on every method but POST
        return method == "post" and name not in ADMIN_READS and not (name or "").endswith("_history")
    return True


#: A POST answers every form the walk meets: confirms deletions, gives texts and reasons.
ANSWERS = {"post": "yes", "text": "异议", "reason": "理由", "answer": "答复", "note": "备注"}


def test_every_unsafe_request_of_oversight_is_refused_and_writes_nothing(oversight_client):
    failures = []
    walked = 0
    for name, path in _paths():
        if _is_changelist(name) or name in LOGOUT:
            continue  # actions are walked below; a changelist POST without one only lists
        for method in UNSAFE:
            before = _writes()
            if method == "post":
                response = oversight_client.post(path, ANSWERS)
            else:
                response = getattr(oversight_client, method)(path)
            written = _writes() - before
            walked += 1
            refused = response.status_code in REFUSED
            if response.status_code >= 500 or (written and name not in SYSTEM_WRITES) or (
                _must_refuse(name, path, method) and not refused and name not in OWN_SIGN_IN
            ):
                failures.append(f"{method.upper()} {path} ({name}) → {response.status_code}, {written} rows written")
    assert walked > 500
    assert not failures, "\n".join(failures)


def test_every_admin_action_is_hidden_from_oversight_and_refused(oversight_client):
    user = User.objects.get(username="oversight")
    failures = []
    actions_walked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        request = admin_request(user, changelist)
        shown = set(model_admin.get_actions(request))
        for func, action, _description in model_admin._get_base_actions():
            allowed = tuple(getattr(func, "allowed_permissions", ()))
            read_only = allowed == ("view",) or (model is RulebookVersion and action in REVISION_ACTIONS)
            if action in shown and not read_only:
                failures.append(f"{opts.label}: action {action} is offered to oversight")
            if model is RulebookVersion and action in REVISION_ACTIONS:
                continue  # the one write oversight may do: see test_oversight_approves_and_rejects_drafts
            first = model_admin.get_queryset(request).order_by("pk").first()
            if first is None:
                continue  # no row to run it on: that it is not offered (above) is the proof
            before = _writes()
            response = oversight_client.post(
                changelist,
                {"action": action, helpers.ACTION_CHECKBOX_NAME: [first.pk], "index": 0, "post": "yes"},
            )
            written = _writes() - before
            actions_walked += 1
            if written or response.status_code >= 500:
                failures.append(f"{opts.label}: action {action} → {response.status_code}, {written} rows written")
        for check in ("add", "change", "delete"):
            if getattr(model_admin, f"has_{check}_permission")(request):
                failures.append(f"{opts.label}: oversight may {check}")
    assert actions_walked > 30
    assert not failures, "\n".join(failures)


LINK = re.compile(r'(?:href|action)="(/admin/[^"?#]*)')
SAVE_BUTTON = re.compile(r'name="(_save|_continue|_addanother|_saveasnew)"')
#: Links that change no community data.
HARMLESS_LINKS = {"admin:logout", "admin:password_change", "admin:view_on_site"}


def test_admin_pages_offer_oversight_no_way_to_change_anything(oversight_client):
    """Every changelist and change page oversight opens: no save button, no link to a page that writes."""
    user = User.objects.get(username="oversight")
    failures = []
    pages = 0
    for path in admin_pages(user):
        response = oversight_client.get(path)
        if response.status_code == 403:
            continue  # not even readable (user groups, API tokens)
        pages += 1
        html = response.content.decode()
        failures += [f"{path}: a {button} button" for button in SAVE_BUTTON.findall(html)]
        for link in set(LINK.findall(html)):
            match = resolve(link)
            name = f"admin:{match.url_name}"
            if name in HARMLESS_LINKS or name.endswith(("_change", "_changelist")):
                continue  # a change page opens read-only for oversight (checked here too)
            if _must_refuse(name, link, "post"):
                failures.append(f"{path}: links to {link} ({name})")
    assert pages > 60
    assert not failures, "\n".join(failures)


def test_oversight_approves_and_rejects_drafts_through_the_admin(client_for, oversight, administrator):
    """The one write oversight makes: the revision decision (RULEBOOK §11), as admin actions."""
    start = timezone.localdate() + timedelta(days=60)
    approve = rulebook_version_draft(title="修订甲", effective_from=start, actor=administrator)
    reject = rulebook_version_draft(title="修订乙", effective_from=start + timedelta(days=1), actor=administrator)
    client = client_for(oversight)
    changelist = "/admin/rulebook/rulebookversion/"
    page = client.get(changelist).content.decode()
    assert 'value="approve_and_publish"' in page and 'value="withdraw_draft"' in page
    for action, version in (("approve_and_publish", approve), ("withdraw_draft", reject)):
        # approving has a confirmation step that shows the changes (post=yes confirms)
        response = client.post(
            changelist, {"action": action, helpers.ACTION_CHECKBOX_NAME: [version.pk], "index": 0, "post": "yes"})
        assert response.status_code == 302
    approve.refresh_from_db()
    reject.refresh_from_db()
    assert (approve.status, reject.status) == (RulebookVersion.Status.PUBLICISED, RulebookVersion.Status.WITHDRAWN)
    # A revision on the notice board stays there: taking it off is the administrator's.
    client.post(changelist, {"action": "withdraw_draft", helpers.ACTION_CHECKBOX_NAME: [approve.pk], "index": 0})
    approve.refresh_from_db()
    assert approve.status == RulebookVersion.Status.PUBLICISED
