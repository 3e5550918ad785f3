"""Residents of the named cast: ``resident_a`` and ``resident_b`` checked in, oriented, with agreements."""

import pytest

from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules


@pytest.fixture
def member_a(resident_a):
    """Resident A's Resident record: checked in, rules acknowledged, accepted agreement."""
    resident = ResidentFactory(user=resident_a, name="张三")
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident


@pytest.fixture
def member_b(resident_b):
    resident = ResidentFactory(user=resident_b, name="欧阳娜娜")
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident
