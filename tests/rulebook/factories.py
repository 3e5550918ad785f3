"""Factories of the versioned rulebook: a revision written straight in the ORM, skipping the revision
workflow (drafted, approved, publicised, adopted — tested on its own)."""

import copy
from datetime import date, timedelta

import factory

from opc_community.rulebook.models import RulebookVersion


def first_version() -> RulebookVersion:
    """Version 1, the seed the migrations load."""
    return RulebookVersion.objects.get(number=1)


class RulebookVersionFactory(factory.django.DjangoModelFactory):
    """An adopted revision of version 1 with its numbers (``body`` overrides them), in force from a
    day of 2027 (``effective_from`` names it)."""

    class Meta:
        model = RulebookVersion

    number = factory.Sequence(lambda n: 100 + n)
    title = factory.LazyAttribute(lambda version: f"测试版本 {version.number}")
    effective_from = factory.Sequence(lambda n: date(2027, 1, 1) + timedelta(days=n))
    based_on = factory.LazyFunction(first_version)
    body = factory.LazyAttribute(lambda version: copy.deepcopy((version.based_on or first_version()).body))
    status = RulebookVersion.Status.ADOPTED
