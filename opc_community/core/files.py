"""Stored files follow their rows: a file is kept only if the row naming it commits.

Every service stores an upload or a generated PDF first and saves its row after; a refusal
later in the transaction (a DomainError, a failed check, an IntegrityError) rolls the row
back. Three rules keep the private storage free of files no row names (docs/operations.md,
"Stored files"):

1. **Written in a transaction → gone if it rolls back.** The private storage
   (:class:`PrivateStorage`, settings ``STORAGES["default"]``) registers every name it writes
   inside a transaction with a commit callback. A transaction or savepoint that rolls back
   drops its callbacks, and :func:`discard_rolled_back` deletes the files whose callback was
   dropped. It runs when an :func:`atomic_with_files` block (the services that store files use it instead
   of ``transaction.atomic``) exits, and after every request and every job, for a file stored
   under some other transaction.
2. **Row deleted → file deleted after commit.** A deletion the rules allow (a material removed,
   an archive past retention) deletes the row's files once the deletion commits
   (:func:`delete_files_after_commit`, connected for every model with a file field).
3. **Weekly sweep.** :func:`sweep` lists the files no row names (the audit trail's copies count:
   an agreement's earlier renderings stay on file, named by its history), tells the
   administrators and, with ``manage.py sweep_files --delete``, deletes those older than a day.
"""

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial, wraps
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: A file younger than this is never deleted by the sweep: its row may still be on its way.
MIN_AGE = timedelta(days=1)


# --- 1. Written in a transaction -----------------------------------------------------------------


@dataclass(eq=False)
class _Written:
    """A file stored inside a transaction; its commit callback removes it from the pending set."""

    storage: Storage
    name: str

    def __call__(self) -> None:  # run by Django when the transaction commits
        _pending().discard(self)


class _State(threading.local):
    def __init__(self) -> None:
        self.pending: set[_Written] = set()


_state = _State()


def _pending() -> set[_Written]:
    return _state.pending


def written(storage: Storage, name: str, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Record a file just stored: inside a transaction it lives or dies with that transaction."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return  # autocommit: the caller saves its row next, outside any transaction to undo
    entry = _Written(storage, name)
    _pending().add(entry)
    transaction.on_commit(entry, using=using, robust=True)


def discard_rolled_back(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Delete the files whose transaction or savepoint rolled back; return their names.

    A rollback drops the commit callbacks registered inside it (Django keeps the ones still
    waiting in ``connection.run_on_commit``); a file whose callback neither ran nor waits
    belongs to rows that will never exist.
    """
    if not _pending():
        return []
    connection = transaction.get_connection(using)
    waiting = {id(func) for _sids, func, _robust in connection.run_on_commit}
    gone = [entry for entry in _pending() if id(entry) not in waiting]
    for entry in gone:
        _pending().discard(entry)
        try:
            entry.storage.delete(entry.name)
        except OSError:
            logger.exception("Could not delete %s, stored by a transaction that rolled back.", entry.name)
        else:
            logger.info("Deleted %s: the transaction that stored it rolled back.", entry.name)
    return [entry.name for entry in gone]


@contextmanager
def _atomic_block(using: str | None, savepoint: bool) -> Iterator[None]:
    try:
        with transaction.atomic(using=using, savepoint=savepoint):
            yield
    finally:
        discard_rolled_back(using=using or DEFAULT_DB_ALIAS)


def atomic_with_files(func: F | None = None, *, using: str | None = None, savepoint: bool = True) -> Any:
    """``transaction.atomic`` that deletes the files stored inside it when it does not commit.

    Use it, as decorator (``@atomic_with_files``) or context manager (``with atomic_with_files():``), for
    every service that stores a file, so a refused save leaves nothing behind at once.
    """
    if func is not None:

        @wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with _atomic_block(using, savepoint):
                return func(*args, **kwargs)

        return inner
    return _atomic_block(using, savepoint)


def after_request_or_job(**signal: Any) -> None:
    """After each request and each job: files stored under a plain ``transaction.atomic`` that rolled back.

    Not after a job run eagerly (``apply()``, or ``CELERY_TASK_ALWAYS_EAGER``): it runs inside its caller,
    possibly among the commit callbacks of the caller's transaction — Django has taken those out of
    ``run_on_commit`` by then, so the files of that commit would look rolled back. The caller cleans up."""
    task = signal.get("task")
    if task is not None and getattr(task.request, "is_eager", False):
        return
    discard_rolled_back()


class PrivateStorage(FileSystemStorage):
    """The private file storage: no URL, and every file stored in a transaction follows its rows (rule 1)."""

    def _save(self, name: str, content: Any) -> str:
        name = super()._save(name, content)
        written(self, name)
        return name


# --- 2. Row deleted --------------------------------------------------------------------------------


def file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def delete_files_after_commit(sender: type[models.Model], instance: models.Model, **_signal: Any) -> None:
    """``post_delete``: the deleted row's files go once its deletion commits (rule 2)."""
    for file_field in file_fields(sender):
        file = getattr(instance, file_field.attname)
        if file:
            transaction.on_commit(partial(file.storage.delete, file.name), robust=True)


def connect_file_deletion() -> None:
    """Connect :func:`delete_files_after_commit` for every model with a file field (from ``ready()``).

    Not for the audit trail's event rows: they copy the names of files their live rows still use.
    """
    from django.db.models.signals import post_delete
    from pghistory.models import Event

    for model in apps.get_models():
        if file_fields(model) and not model._meta.proxy and not issubclass(model, Event):
            post_delete.connect(delete_files_after_commit, sender=model, dispatch_uid=f"files:{model._meta.label}")


# --- 3. The sweep ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Orphan:
    name: str
    size: int
    modified_at: datetime


@dataclass
class SweepReport:
    orphans: list[Orphan]
    files: int
    deleted: list[str] = field(default_factory=list)


def referenced_names() -> set[str]:
    """Every file name a row names, audit trail included: one query per file field (all use the
    private storage)."""
    names: set[str] = set()
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for file_field in file_fields(model):
            names.update(
                model._base_manager.exclude(**{file_field.attname: ""})
                .exclude(**{f"{file_field.attname}__isnull": True})
                .values_list(file_field.attname, flat=True)
                .distinct()
            )
    return names


def stored_names(storage: Storage = default_storage, folder: str = "") -> Iterator[str]:
    """Every file in the storage, as the names rows hold (``folder/name``)."""
    try:
        folders, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from stored_names(storage, f"{folder}/{sub}" if folder else sub)


def sweep(*, delete: bool = False, now: datetime | None = None, storage: Storage = default_storage) -> SweepReport:
    """The files no row names; with ``delete``, those older than :data:`MIN_AGE` are deleted.

    Set-based: one query per file field, one listing of the storage. Safe to run twice.
    """
    now = now or timezone.now()
    stored = sorted(stored_names(storage))
    referenced = referenced_names()
    orphans = [
        Orphan(name, storage.size(name), storage.get_modified_time(name)) for name in stored if name not in referenced
    ]
    report = SweepReport(orphans=orphans, files=len(stored))
    for orphan in orphans:
        logger.warning("Stored file %s (%s bytes, %s) is named by no row.", orphan.name, orphan.size,
                       orphan.modified_at.isoformat())
        if delete and orphan.modified_at <= now - MIN_AGE:
            storage.delete(orphan.name)
            report.deleted.append(orphan.name)
            logger.warning("Deleted %s: named by no row for more than a day.", orphan.name)
    return report


#: Names listed in the administrators' message (the log and ``manage.py sweep_files`` list all).
LISTED = 20


def tell_administrators(report: SweepReport) -> None:
    """A message to the administrators when files no row names were found; the same files are told once."""
    if not report.orphans:
        return
    from opc_community.accounts.roles import Role
    from opc_community.accounts.selectors import members_of
    from opc_community.portal.services import notify

    names = [orphan.name for orphan in report.orphans]
    key = hashlib.sha256("\n".join(names).encode()).hexdigest()[:32]
    shown = "\n".join(names[:LISTED]) + ("\n…" if len(names) > LISTED else "")
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipients=members_of(Role.ADMINISTRATOR),
            title=lambda: _("%(count)d stored files are named by no record") % {"count": len(names)},
            body=lambda: _("The weekly file check found files in the private storage that no record names (stored "
                   "by a save that did not complete). Review them with “manage.py sweep_files”; "
                   "“--delete” removes those older than a day.\n%(names)s") % {"names": shown},
            kind="core.files_unreferenced",
            dedupe_key=f"files-unreferenced:{key}",
        )
