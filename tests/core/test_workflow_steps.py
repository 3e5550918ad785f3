"""The workflow steps of a record's page (done / current / next) from its status, stages and allowed-transitions
map: one table over a workflow with alternatives, a turn off the path that goes on and turns that end it."""

import pytest

from opc_community.core.workflow_steps import Step, stage, workflow_context, workflow_steps

#: A small workflow shaped like the real ones: a → b → (c1 | c2) → d; b may be returned (r → b) or refused (x).
TRANSITIONS = {
    "a": {"b"},
    "b": {"c1", "c2", "r", "x"},
    "r": {"b"},
    "c1": {"d"},
    "c2": {"d", "x"},
    "d": set(),
    "x": set(),
}
STAGES = (stage("A", "a"), stage("B", "b"), stage("C", "c1", "c2"), stage("D", "d"))
LABELS = {
    "a": "a",
    "b": "b",
    "c1": "c one",
    "c2": "c two",
    "d": "d",
    "r": "returned",
    "x": "refused",
}


@pytest.mark.parametrize(
    ("status", "came_from", "expected"),
    [
        # start, middle, end of the path
        ("a", None, [("A", "current"), ("B", "next"), ("C", "next"), ("D", "next")]),
        ("b", None, [("A", "done"), ("B", "current"), ("C", "next"), ("D", "next")]),
        ("d", None, [("A", "done"), ("B", "done"), ("C", "done"), ("D", "current")]),
        # an alternative of a stage names itself
        ("c2", None, [("A", "done"), ("B", "done"), ("C", "current", "c two"), ("D", "next")]),
        # off the path and back on it: shown after the stage it left, the rest of the path still to come
        (
            "r",
            None,
            [("A", "done"), ("B", "done"), ("returned", "current"), ("C", "next"), ("D", "next")],
        ),
        # off the path for good: ends there; by default after the earliest stage that may move to it …
        ("x", None, [("A", "done"), ("B", "done"), ("refused", "ended")]),
        # … or after the stage it came from, when the history says
        ("x", "c2", [("A", "done"), ("B", "done"), ("C", "done"), ("refused", "ended")]),
        # a came_from that is itself off the path is ignored
        ("x", "r", [("A", "done"), ("B", "done"), ("refused", "ended")]),
    ],
)
def test_steps_from_status(status, came_from, expected):
    steps = workflow_steps(
        status, stages=STAGES, transitions=TRANSITIONS, labels=LABELS, came_from=came_from
    )
    assert steps == [Step(*row) for row in expected]


def test_a_status_no_stage_reaches_comes_first():
    steps = workflow_steps("lost", stages=STAGES, transitions=TRANSITIONS, labels={})
    assert steps == [Step("lost", "ended")]


def test_the_context_carries_the_next_action_or_none():
    steps = [Step("A", "current")]
    assert workflow_context(steps, ("Go", "/go/")) == {
        "steps": steps,
        "next_action": {"label": "Go", "url": "/go/"},
    }
    assert workflow_context(steps, None)["next_action"] is None
