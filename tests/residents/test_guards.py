"""The action guards (residents.guards; RULEBOOK §9, decisions added 2026-12): one question, "may this resident
do X now?", answered by the guards other apps register. The registry alone, without a database: the guards
of the installed apps are set aside for each test and put back after it."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Exists, Q, Value

from discipline.selectors.suspensions import suspension_guard, suspension_probe
from opc_community.core.errors import DomainError
from residents import guards
from residents.guards import Action, Refusal

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 16, 9, 0, tzinfo=SH)
RESIDENT = SimpleNamespace(pk=1)


@pytest.fixture(autouse=True, name="installed")
def installed_fixture():
    """The guards the installed apps registered, set aside during the test and put back after it."""
    installed, probes = guards.guards(), guards.probes()
    for name in installed:
        guards.unregister_guard(name)
    yield installed
    for name in guards.guards():
        guards.unregister_guard(name)
    for name, guard in installed.items():
        guards.register_guard(name, guard, probe=probes.get(name))


def refusing(message: str, *, only: Action | None = None, calls: list | None = None):
    def guard(resident, action, *, at):
        if calls is not None:
            calls.append((resident, action, at))
        return Refusal(message) if only is None or action == only else None
    return guard


def test_the_discipline_app_registers_its_suspensions_at_start_up(installed):
    assert installed == {"discipline.suspensions": suspension_guard}


def test_the_probe_expression_asks_the_guards_only_when_one_may_refuse(installed):
    # No guard: nothing may refuse; a guard without a probe: it must be asked (true); with probes: EXISTS of each.
    assert guards.may_refuse(1, Action.BOOK_ROOM, at=AT) == Value(False)
    guards.register_guard("test.plain", refusing("不行"))
    assert guards.may_refuse(1, Action.BOOK_ROOM, at=AT) == Value(True)
    guards.unregister_guard("test.plain")
    guards.register_guard("discipline.suspensions", suspension_guard, probe=suspension_probe)
    guards.register_guard("test.probed", refusing("不行"), probe=suspension_probe)
    condition = guards.may_refuse(1, Action.BOOK_ROOM, at=AT)
    assert isinstance(condition, Q) and len(condition.children) == 2
    assert all(isinstance(child, Exists) for child in condition.children)
    guards.unregister_guard("test.probed")
    assert "test.probed" not in guards.probes()


def test_without_a_guard_every_action_is_allowed():
    for action in Action:
        assert guards.refusal(RESIDENT, action, at=AT) is None
        guards.ensure_allowed(RESIDENT, action, at=AT)  # no error


def test_a_guard_is_asked_with_the_resident_the_action_and_the_moment():
    calls: list = []
    guards.register_guard("tests.calls", refusing("不行", only=Action.BOOK_ROOM, calls=calls))
    assert guards.refusal(RESIDENT, Action.INVITE_VISITOR, at=AT) is None
    assert calls == [(RESIDENT, Action.INVITE_VISITOR, AT)]


def test_the_moment_defaults_to_now():
    calls: list = []
    guards.register_guard("tests.calls", refusing("不行", only=Action.BOOK_ROOM, calls=calls))
    guards.refusal(RESIDENT, Action.BOOK_ROOM)
    assert calls[0][2].tzinfo is not None


def test_the_first_refusal_in_name_order_wins():
    guards.register_guard("b.second", refusing("第二"))
    guards.register_guard("a.first", refusing("第一", only=Action.BOOK_ROOM))
    assert guards.refusal(RESIDENT, Action.BOOK_ROOM, at=AT).message == "第一"
    assert guards.refusal(RESIDENT, Action.APPLY_PERMIT, at=AT).message == "第二"


def test_ensure_allowed_raises_the_refusal_as_a_domain_error():
    guards.register_guard("tests.no", refusing("您的社区使用权限已暂停至 2026年12月20日 18:00"))
    with pytest.raises(DomainError) as refused:
        guards.ensure_allowed(RESIDENT, Action.REGISTER_ACTIVITY, at=AT)
    assert (refused.value.code, refused.value.field) == ("suspended", "resident")
    assert "2026年12月20日" in str(refused.value.message)
    with pytest.raises(DomainError) as refused:
        guards.ensure_allowed(RESIDENT, Action.INVITE_VISITOR, at=AT, field="host")
    assert refused.value.field == "host"


def test_registering_again_replaces_and_unregistering_removes():
    guards.register_guard("tests.guard", refusing("旧"))
    guards.register_guard("tests.guard", refusing("新"))
    assert guards.refusal(RESIDENT, Action.BOOK_ROOM, at=AT).message == "新"
    guards.unregister_guard("tests.guard")
    guards.unregister_guard("tests.guard")  # twice: nothing to remove, no error
    assert guards.guards() == {}


def test_every_action_has_a_chinese_label():
    assert str(Action.BOOK_ROOM.label) == "预约场地"
    assert str(Action.INVITE_VISITOR.label) == "接待访客"
    assert all(str(action.label) and not str(action.label).isascii() for action in Action)
