"""Factories for the residents app: build applications, residents and agreements straight in the ORM.

Tests of one topic use these to arrange the state the other topics' services would have made.
"""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from opc_community.accounts.roles import Role
from residents.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Ban,
    BanSource,
    Direction,
    EntityType,
    FeePeriod,
    OrientationAcknowledgement,
    Resident,
    ResidentStatus,
)
from residents.rules.identity import id_card_check_character
from tests.factories import UserFactory

#: Valid identity numbers (GB 11643 / GB 32100 check characters).
VALID_ID_NUMBERS = ("11010519491231002X", "440106199003075670", "310101198001010018")
VALID_USCC = ("91350100M000100Y43", "91440101MA59TQXX18")


def valid_id_number(sequence: int) -> str:
    """A valid ID card number of its own for each ``sequence`` (one number holds one application)."""
    first17 = f"440115{19800101 + sequence % 28:08d}{sequence // 28 % 1000:03d}"
    return first17 + id_card_check_character(first17)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    applicant = factory.SubFactory(UserFactory)
    status = ApplicationStatus.SUBMITTED
    entity_type = EntityType.INDIVIDUAL
    direction = Direction.AI_NATIVE
    person_name = factory.LazyAttribute(lambda a: a.applicant.full_name or "张三")
    id_number = factory.Sequence(valid_id_number)
    phone = "13800000001"
    email = factory.LazyAttribute(lambda a: a.applicant.email)
    project_summary = "基于大模型的跨境电商客服助手"
    declares_no_dishonesty = True
    consent_id_processing_at = factory.LazyFunction(timezone.now)
    round = 1
    submitted_at = factory.LazyFunction(timezone.now)
    review_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=9))


class ResidentFactory(factory.django.DjangoModelFactory):
    """An admitted resident (status ACTIVE by default) with its approved application."""

    class Meta:
        model = Resident

    user = factory.SubFactory(UserFactory, roles=[Role.RESIDENT])
    application = factory.LazyAttribute(
        lambda r: ApplicationFactory(applicant=r.user, status=ApplicationStatus.APPROVED, decided_at=timezone.now())
    )
    name = factory.LazyAttribute(lambda r: r.user.full_name)
    status = ResidentStatus.ACTIVE
    checked_in_at = factory.LazyFunction(timezone.now)


class AgreementFactory(factory.django.DjangoModelFactory):
    """An accepted 12-month agreement."""

    class Meta:
        model = Agreement

    resident = factory.SubFactory(ResidentFactory)
    number = factory.Sequence(lambda n: f"OPC-TEST-{n:04d}")
    status = AgreementStatus.ACCEPTED
    starts_on = date(2026, 4, 1)
    ends_on = date(2027, 3, 31)
    fee_amount = Decimal("800.00")
    fee_period = FeePeriod.MONTHLY
    deposit_amount = Decimal("2000.00")
    rulebook_version = 1
    issued_by = factory.SubFactory(UserFactory, is_staff=True, roles=[Role.INTAKE])
    accepted_at = factory.LazyFunction(timezone.now)


class BanFactory(factory.django.DjangoModelFactory):
    """A re-application ban after a forced exit, 2025-01-01 to 2028-01-01; give ``id_number`` or ``uscc``."""

    class Meta:
        model = Ban

    source = BanSource.FORCED_EXIT
    starts_on = date(2025, 1, 1)
    ends_on = date(2028, 1, 1)


def acknowledge_rules(resident: Resident, version: int = 1) -> OrientationAcknowledgement:
    return OrientationAcknowledgement.objects.create(
        resident=resident, rulebook_version=version, acknowledged_by=resident.user
    )
