"""The daily ladder after a crash at any step gives the identical ledger (第八章第二条 row 7; ARCHITECTURE.md "Jobs").

Given two overdue invoices on day 20 (each in the fine band d8 and the "until paid" band d16: four
cases to open), when the worker dies at the 1st, 2nd, 3rd or 4th case and the next run completes
the work, then — after the publication windows close — the cases, measures, invoices, suspensions
and decision-ledger entries are the same as after a run that never crashed. Each scenario runs in
a savepoint rolled back afterwards, so all start from the same data; ids differ between scenarios
(sequences are not rolled back), so the comparison is by content (case numbers, keys, amounts,
the ledger's sequence and content but the decision's moment, which is the run's own).
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from discipline.models import ViolationCase
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    close,
    content,
    day,
    fee,
    other_fixture,
    run,
    tenant_fixture,
)

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Not an Exception: the job cannot catch it, like a worker killed mid-run."""


class _Rollback(Exception):
    pass


def scenario(monkeypatch: pytest.MonkeyPatch, crash_at: int | None) -> dict[str, Any]:
    """Run day 20's job (dying at the ``crash_at``-th case), run it again an hour later, close the
    windows a week later; return the content, then roll everything back."""
    from discipline.services import cases as case_services

    real: Callable[..., Any] = case_services.case_run_automatic
    calls = {"n": 0}

    def dies(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise WorkerKilled
        return real(**kwargs)

    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            monkeypatch.setattr(case_services, "case_run_automatic", dies)
            if crash_at is not None:
                with pytest.raises(WorkerKilled):
                    run(day(20))
                assert ViolationCase.objects.count() == crash_at - 1  # whole cases only
            monkeypatch.setattr(case_services, "case_run_automatic", real)
            run(day(20), hour=9)
            close(day(20) + timedelta(days=6))
            result = content()
            raise _Rollback
    except _Rollback:
        pass
    return result


def test_a_crash_at_any_step_leaves_the_same_ledger_as_a_clean_run(tenant, other, monkeypatch):
    fee(tenant)
    fee(other)
    clean = scenario(monkeypatch, None)
    assert len(clean["cases"]) == 4 and len(clean["ledger"]) == 4  # d8 and d16 of each invoice, confirmed
    assert len(clean["suspensions"]) == 2 and sum(1 for i in clean["invoices"] if i[1] == "fine") == 2

    for crash_at in (1, 2, 3, 4):
        assert scenario(monkeypatch, crash_at) == clean, f"crash at case {crash_at}"
