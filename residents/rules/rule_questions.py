"""Questions about the reward and penalty rules (答疑, 第九章第五条) as pure functions.

The topics a resident chooses from are built from the rulebook in force: every kind of violation
of the penalty table (第八章第二条) and every kind of reward (第八章第一条), then "other".
**Decision (deadline; the regulation sets none)**: the team answers within
``deadlines.rule_question_answer_working_days`` (5) working days; on time and overdue are judged as
for complaints (:mod:`residents.rules.complaints`).
"""

from django.utils.translation import gettext as _

from opc_community.rulebook.labels import field_label
from opc_community.rulebook.schema import Rewards, Rulebook

OTHER = "other"


def topics(rules: Rulebook) -> list[tuple[str, str]]:
    """(code, label) of every topic: ``violation:<kind>``, ``reward:<type>``, then ``other``."""
    penalty = _("Penalty")
    reward = _("Reward")
    choices = [
        (f"violation:{code}", f"{penalty} · {code} {kind.name}") for code, kind in rules.violations.kinds.items()
    ]
    choices += [
        (f"reward:{name}", f"{reward} · {field_label(Rewards, name).text}") for name in Rewards.model_fields
    ]
    choices.append((OTHER, _("Another question about the rewards and penalties")))
    return choices


def topic_label(rules: Rulebook, code: str) -> str | None:
    """The label of ``code`` in ``rules``, or None when the rulebook has no such topic."""
    return dict(topics(rules)).get(code)


def promise_text(working_days: int) -> str:
    return _(
        "The operations team answers questions about the reward and penalty rules within %(days)s working days "
        "(Chapter 9, Article 5)."
    ) % {"days": working_days}
