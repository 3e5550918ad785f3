"""The dashboard's "my records" card links to every app's resident pages (portal.cards.register_shortcut)."""

import pytest
from django.urls import reverse

from opc_community.portal.cards import shortcut_links
from residents.models import ResidentStatus
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("portal:dashboard")


def test_a_checked_in_resident_finds_every_registered_page(client_for, member_a):
    page = client_for(member_a.user).get(DASHBOARD).content.decode()
    links = shortcut_links(checked_in=True)
    assert reverse("resources:activity_list") in [reverse(link.url_name) for link in links]
    for link in links:
        assert f'href="{reverse(link.url_name)}"' in page


def test_an_onboarding_resident_sees_only_what_needs_no_check_in(client_for, resident_a):
    ResidentFactory(user=resident_a, status=ResidentStatus.ONBOARDING, checked_in_at=None)
    page = client_for(resident_a).get(DASHBOARD).content.decode()
    assert reverse("residents:application") in page
    assert reverse("resources:activity_list") not in page
