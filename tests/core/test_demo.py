"""``manage.py seed_demo`` builds the demo community once; a second run changes nothing."""

import pytest
from django.core.management import call_command

from opc_community.accounts.models import User
from opc_community.notices.models import Publication
from opc_community.portal.models import Notification

pytestmark = pytest.mark.django_db


def _counts():
    return (User.objects.count(), Publication.objects.count(), Notification.objects.count())


def test_seed_demo_is_idempotent_and_prints_the_accounts(capsys):
    call_command("seed_demo")
    first = _counts()
    out = capsys.readouterr().out
    assert "lead" in out and "zhangsan" in out and "opc-demo-2026" in out
    call_command("seed_demo")
    assert _counts() == first
    assert first[0] >= 8 and first[1] >= 3 and first[2] >= 3
    assert User.objects.get(username="lead").has_perm("rulebook.approve_rulebookversion")
