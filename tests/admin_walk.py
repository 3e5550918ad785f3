"""Walking the admin: every registered model's list and the change page of its first row (one object per
model keeps the walk fast), as a given user. Shared by the oversight walk and the Chinese-screens walk."""

from collections.abc import Iterator

from django.contrib import admin
from django.test.client import RequestFactory
from django.urls import resolve

from opc_community.accounts.models import User


def admin_request(user: User, path: str):
    """A GET request for ``path`` as ``user`` (for the ModelAdmin methods that take one)."""
    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path)
    return request


def admin_pages(user: User) -> Iterator[str]:
    """Each model's changelist, then the change page of the first row ``user`` may see (by pk)."""
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        first = model_admin.get_queryset(admin_request(user, changelist)).order_by("pk").first()
        yield changelist
        if first is not None:
            yield f"{changelist}{first.pk}/change/"
