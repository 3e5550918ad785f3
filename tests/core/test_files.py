"""Stored files follow their rows (opc_community.core.files): a file stored in a transaction that does not
commit is deleted, a deleted row's file goes after commit, and the sweep finds files no row names."""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.db import transaction

from opc_community.accounts.roles import Role
from opc_community.core import files
from opc_community.core.errors import DomainError
from opc_community.core.files import atomic_with_files
from opc_community.core.tasks import ping, sweep_files
from opc_community.portal.models import Notification
from tests.concurrency import committed_data, restore_snapshot_without_triggers  # noqa: F401
from tests.factories import UserFactory
from tests.spaces.factories import PermitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private(settings, tmp_path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    return tmp_path / "private"


def stored(private: Path) -> list[str]:
    return sorted(str(p.relative_to(private)) for p in private.rglob("*") if p.is_file())


def store(name: str = "evidence/scan.pdf") -> str:
    return default_storage.save(name, ContentFile(b"%PDF-1.4\n%scan\n"))


def with_material():
    """A permit whose material is stored (the row names the file)."""
    return PermitFactory(material=ContentFile(b"%PDF-1.4\n%poster\n", name="poster.pdf"),
                         material_sha256="0123456789abcdef" * 4, material_type="application/pdf")


def age(private: Path, name: str, *, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(private / name, (then, then))


# --- Written in a transaction ---------------------------------------------------------------------------


def test_the_private_storage_is_the_one_that_follows_transactions():
    assert isinstance(storages["default"], files.PrivateStorage)


def test_a_file_stored_in_a_block_refused_later_is_deleted(private):
    with pytest.raises(DomainError), atomic_with_files():
        store()
        raise DomainError("refused after the file was stored")

    assert stored(private) == []


def test_a_file_stored_in_a_block_that_completes_is_kept(private):
    with atomic_with_files():
        name = store()

    assert stored(private) == [name]


def test_a_file_of_an_inner_block_goes_when_the_outer_block_is_refused(private):
    with pytest.raises(DomainError), atomic_with_files():
        with atomic_with_files():
            store()
        assert len(stored(private)) == 1  # the inner block completed: still waiting for the outer one
        raise DomainError("the second upload is refused")

    assert stored(private) == []


def test_a_file_stored_under_a_plain_transaction_that_rolled_back_goes_after_the_request(private):
    with pytest.raises(DomainError), transaction.atomic():
        store()
        raise DomainError("refused")
    assert len(stored(private)) == 1  # nothing has looked yet

    files.after_request_or_job()

    assert stored(private) == []


def test_a_committed_file_is_forgotten_and_never_deleted(private, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        name = store()

    files.discard_rolled_back()
    assert stored(private) == [name]
    assert not files._pending()


# --- Row deleted ---------------------------------------------------------------------------------------


def test_a_deleted_row_deletes_its_file_after_commit(private, django_capture_on_commit_callbacks):
    permit = with_material()
    name = permit.material.name
    assert stored(private) == [name]

    with django_capture_on_commit_callbacks(execute=True):
        type(permit).objects.filter(pk=permit.pk).delete()

    assert stored(private) == []


def test_a_deletion_that_rolls_back_keeps_the_file(private):
    permit = with_material()
    with pytest.raises(DomainError), transaction.atomic():
        permit.delete()
        raise DomainError("refused")

    assert stored(private) == [permit.material.name]


# --- The sweep -----------------------------------------------------------------------------------------


def test_the_sweep_finds_a_planted_orphan_and_ignores_referenced_files(private, django_assert_max_num_queries):
    permit = with_material()
    orphan = store("evidence/orphan.pdf")

    with django_assert_max_num_queries(30):  # one query per file field, whatever the number of files
        report = files.sweep()

    assert [o.name for o in report.orphans] == [orphan]
    assert report.files == 2 and report.deleted == []
    assert permit.material.name in files.referenced_names()


def test_the_sweep_deletes_only_orphans_older_than_a_day(private):
    permit = with_material()
    old, young = store("evidence/old.pdf"), store("evidence/young.pdf")
    age(private, old, days=2)
    age(private, permit.material.name, days=30)

    report = files.sweep(delete=True)

    assert report.deleted == [old]
    assert stored(private) == sorted([permit.material.name, young])


def test_the_command_lists_and_with_delete_removes_old_orphans(private):
    old = store("evidence/old.pdf")
    age(private, old, days=2)

    out = StringIO()
    call_command("sweep_files", stdout=out)
    assert old in out.getvalue() and "1 named by no record, 0 deleted" in out.getvalue()
    assert stored(private) == [old]

    out = StringIO()
    call_command("sweep_files", "--delete", stdout=out)
    assert "1 deleted" in out.getvalue()
    assert stored(private) == []


def test_the_weekly_job_tells_the_administrators_once_and_deletes_nothing(private):
    admin = UserFactory(is_staff=True, roles=[Role.ADMINISTRATOR])
    orphan = store("evidence/orphan.pdf")

    assert sweep_files() == 1
    assert sweep_files() == 1  # run twice: the same files are told once

    told = Notification.objects.get(recipient=admin, kind="core.files_unreferenced")
    assert orphan in told.body
    assert stored(private) == [orphan]


def test_the_weekly_job_is_quiet_when_every_file_has_its_row(private):
    UserFactory(is_staff=True, roles=[Role.ADMINISTRATOR])
    with_material()

    assert sweep_files() == 0
    assert not Notification.objects.filter(kind="core.files_unreferenced").exists()


@committed_data
def test_a_job_run_eagerly_among_the_commit_callbacks_keeps_the_files_of_that_commit(private):
    """A commit callback that runs a job inline (eager Celery, as in development) comes before the files'
    own callbacks: the job's clean-up must not take the committed files for rolled back."""
    with atomic_with_files():
        transaction.on_commit(lambda: ping.apply())
        name = store()
    assert stored(private) == [name]
