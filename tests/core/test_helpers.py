"""Masking (RULEBOOK §10 privacy), money and strict environment parsing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from opc_community.core.masking import mask_identity_number, mask_person_name, mask_phone
from opc_community.core.money import format_yuan, quantize_money
from opc_community.env import env_bool, env_int


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳", "欧*"),  # a two-character name is surname + given name, not a compound surname
        ("司马光", "司马*"),
        ("李", "李*"),
        ("Li Wei", "Li *"),
        ("", ""),
    ],
)
def test_mask_person_name(name, masked):
    assert mask_person_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("020-1234", "020*1234"), ("12345", "*****"), ("", "")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_identity_number_keeps_only_the_ends():
    assert mask_identity_number("44010119900101123X") == "4401**********123X"
    assert mask_identity_number("91440101MA5D1234XY") == "9144**********34XY"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(Decimal("1000"), "¥1,000.00"), ("0.005", "¥0.01"), (Decimal("-300"), "-¥300.00"), (None, "")],
)
def test_format_yuan(amount, shown):
    assert format_yuan(amount) == shown


def test_quantize_money_rounds_half_up_to_the_fen():
    assert quantize_money("2.345") == Decimal("2.35")


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("true", True), ("0", False), ("off", False)])
def test_env_bool(monkeypatch, raw, value):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is value


def test_env_bool_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")


def test_env_int_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env_int("X_NUM", 1)
