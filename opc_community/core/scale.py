"""Scale data: ``manage.py seed_scale --residents N`` adds N residents with a year of life on top of the
demo community, for benchmarks and load tests (docs/performance.md, "Scale data").

Everything is written with bulk inserts and set-based SQL (one INSERT per table and batch, never a
service call per row), so 10,000 residents take minutes on a small machine. Each app that has scale
data provides ``<app>/scale.py`` with ``seed_scale(scale: Scale) -> None``; they run in
:data:`SEEDERS` order (the dependency direction, as the demo's seeders do), each reading what the lower
ones wrote from :class:`Scale`. The rows are what the services would have left: valid statuses, dates
relative to today, amounts from the rulebook and the agreements, every database constraint and trigger
honoured; the audit trail (pghistory triggers) records each insert and update as it would in production.

Additive: a second call adds N more residents (``scale-00001``… numbered on), so a benchmark grows a
database from 1,000 to 10,000 residents without building it twice.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import import_module

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from opc_community.accounts.models import User
from opc_community.accounts.roles import Role

#: Apps with a ``scale.py``, in dependency order.
SEEDERS = ("residents", "spaces", "resources", "scoring", "discipline")
#: Rows per INSERT statement.
BATCH = 2000
#: Username prefix of the generated residents' accounts.
PREFIX = "scale-"


@dataclass
class ScaleResident:
    """What higher apps need of a generated resident (no model instance: ids and dates only)."""

    pk: int
    user_id: int
    sequence: int  # 1-based, over every scale resident ever generated
    checked_in_at: datetime


@dataclass
class Scale:
    """What the scale seeders share: the moment, the actor, the new accounts and then the new residents."""

    now: datetime
    today: date
    count: int
    staff: User
    first: int = 1  # sequence number of the first new resident
    users: list[User] = field(default_factory=list)
    residents: list[ScaleResident] = field(default_factory=list)


def _staff() -> User:
    """The actor of generated records: the demo's intake officer, or a staff account of its own."""
    user = User.objects.filter(username="intake").first()
    if user is None:
        user, _created = User.objects.get_or_create(
            username=f"{PREFIX}staff",
            defaults={"full_name": "规模数据", "is_staff": True, "password": "!"},
        )
    return user


def _accounts(scale: Scale, password: str) -> None:
    """The portal accounts of the new residents, in the residents' group (one password hash for all)."""
    hashed = make_password(password)
    scale.users = User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}{n:05d}",
                full_name=f"规模住户{n:05d}",
                password=hashed,
                email=f"{PREFIX}{n:05d}@scale.opc-community.local",
                phone=f"139{n:08d}",
            )
            for n in range(scale.first, scale.first + scale.count)
        ],
        batch_size=BATCH,
    )
    group = Group.objects.get(name=Role.RESIDENT)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in scale.users],
        batch_size=BATCH,
    )


def seed_scale(*, count: int, now: datetime, today: date, password: str) -> Scale:
    """Add ``count`` residents and their year of records (see the module docstring); call inside a
    transaction, as the owner role (kept records are back-dated as the demo does)."""
    scale = Scale(now=now, today=today, count=count, staff=_staff())
    scale.first = User.objects.filter(username__regex=rf"^{PREFIX}[0-9]+$").count() + 1
    _accounts(scale, password)
    for module in SEEDERS:
        import_module(f"{module}.scale").seed_scale(scale)
    return scale
