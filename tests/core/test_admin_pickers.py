"""Residents and accounts are picked by search in the admin, never from a list of every one of them
(10,000 residents made 470 KB dropdowns): every form field and inline field over residents.Resident or
accounts.User is an autocomplete (or raw id) widget, no sidebar filter lists residents, the busiest add
forms cost the same number of queries for 1 or 15 residents, and the search respects who may view residents."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import (
    AutocompleteMixin,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
)
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from residents.models import Resident
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db

PICKED = (Resident, get_user_model())


def _pickers(form) -> list[str]:
    """The names of the form's fields that list residents or accounts as options."""
    found = []
    for name, form_field in form.base_fields.items():
        queryset = getattr(form_field, "queryset", None)
        if queryset is None or queryset.model not in PICKED:
            continue
        widget = getattr(
            form_field.widget, "widget", form_field.widget
        )  # unwrap RelatedFieldWidgetWrapper
        if not isinstance(
            widget, AutocompleteMixin | ForeignKeyRawIdWidget | ManyToManyRawIdWidget
        ):
            found.append(name)
    return found


def test_no_admin_form_lists_every_resident_or_account(administrator):
    request = RequestFactory().get("/admin/")
    request.user = administrator
    offenders = []
    for model, model_admin in admin.site._registry.items():
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue
        forms = [(model_admin.get_form(request), model._meta.label)]
        forms += [
            (inline.get_formset(request).form, f"{model._meta.label} › {inline.model._meta.label}")
            for inline in model_admin.get_inline_instances(request)
        ]
        offenders += [f"{where}.{name}" for form, where in forms for name in _pickers(form)]
    assert offenders == []


def test_no_sidebar_filter_lists_residents():
    for model, model_admin in admin.site._registry.items():
        for list_filter in model_admin.list_filter:
            name = list_filter[0] if isinstance(list_filter, tuple) else list_filter
            if isinstance(name, str):
                field = get_fields_from_path(model, name)[-1]
                assert not (field.is_relation and field.related_model in PICKED), (
                    f"{model._meta.label}: {name}"
                )


ADD_FORMS = {
    # 1 session, 2 user, 3–4 the user's permissions (user's, groups'), 5–6 the operations desk's own on every
    # page, then the form's (rulebook in force, choices…): never one per resident. (Bookings and payments
    # have no add form: residents book in the portal, a payment is recorded on its invoice.)
    "/admin/residents/complaint/add/": 6,
    "/admin/discipline/violationcase/add/": 7,
    "/admin/residents/invoice/add/": 6,
    "/admin/residents/depositentry/add/": 6,
    "/admin/residents/agreement/add/": 6,
    "/admin/discipline/volunteerservice/add/": 6,
}


@pytest.mark.parametrize("residents", [1, 15])
@pytest.mark.parametrize("url", ADD_FORMS)
def test_the_busiest_add_forms_cost_the_same_whatever_the_number_of_residents(
    client_for, administrator, django_assert_num_queries, url, residents
):
    names = [resident.name for resident in ResidentFactory.create_batch(residents)]
    client = client_for(administrator)
    client.get(url)  # warm the process's caches (content types, the rulebook in force)
    with django_assert_num_queries(ADD_FORMS[url]):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert not any(name in page for name in names)  # searched for, never listed


def test_the_resident_search_answers_only_who_may_view_residents(
    client_for, daily_staff, resident_a
):
    ResidentFactory(name="赵六")
    query = {
        "term": "赵",
        "app_label": "residents",
        "model_name": "complaint",
        "field_name": "resident",
    }
    found = client_for(daily_staff).get("/admin/autocomplete/", query)
    assert found.status_code == 200 and [r["text"] for r in found.json()["results"]] == ["赵六"]
    assert (
        client_for(resident_a).get("/admin/autocomplete/", query).status_code == 302
    )  # no admin at all
    accounts = {**query, "field_name": "assigned_to"}  # the daily team may not view accounts
    assert client_for(daily_staff).get("/admin/autocomplete/", accounts).status_code == 403
