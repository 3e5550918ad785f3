"""Factories of the discipline app's tables that other apps' tests arrange directly (cases themselves
go through the services, which is what the discipline tests are about)."""

from datetime import timedelta

import factory
from django.utils import timezone

from discipline.models import Suspension, SuspensionScope
from tests.residents.factories import ResidentFactory


class SuspensionFactory(factory.django.DjangoModelFactory):
    """A suspension from public spaces that began yesterday and ends in 7 days."""

    class Meta:
        model = Suspension

    resident = factory.SubFactory(ResidentFactory)
    scope = SuspensionScope.PUBLIC_SPACES
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    reason = "损坏设施"
