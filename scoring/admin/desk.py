"""The scoring app's items on the work desk (运营工作台, opc_community/core/desk.py): quarter inputs to verify,
drafted quarters awaiting confirmation, score appeals awaiting an answer. Registered in scoring/apps.py; each
tally is one query."""

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.roles import Role
from opc_community.core.desk import DeskItem, Tally, admin_list, tally_of
from scoring.models import (
    InputStatus,
    Quarter,
    QuarterInput,
    QuarterStatus,
    ScoreAppeal,
    ScoreAppealStatus,
)


def _inputs(now: datetime) -> Tally:
    return Tally(QuarterInput.objects.filter(status=InputStatus.SUBMITTED).count())


def _drafted(now: datetime) -> Tally:
    return Tally(Quarter.objects.filter(status=QuarterStatus.DRAFTED).count())


def _appeals(now: datetime) -> Tally:
    return tally_of(
        ScoreAppeal.objects.filter(status=ScoreAppealStatus.PENDING), Q(answer_due_at__lt=now)
    )


ITEMS = (
    # RULEBOOK §7.1: the residents' quarterly inputs are verified (or corrected) by staff before the run.
    DeskItem(
        key="scoring.inputs",
        label=_("Quarter inputs to verify"),
        roles=(),
        order=50,
        tally=_inputs,
        link=lambda now: admin_list(
            "admin:scoring_quarterinput_changelist", status__exact=InputStatus.SUBMITTED
        ),
    ),
    # RULEBOOK §7.3: a drafted quarter waits for the administrator's confirmation.
    DeskItem(
        key="scoring.drafted",
        label=_("Quarters' draft scores to confirm"),
        roles=(Role.OVERSIGHT,),
        order=52,
        tally=_drafted,
        link=lambda now: admin_list(
            "admin:scoring_quarter_changelist", status__exact=QuarterStatus.DRAFTED
        ),
    ),
    # 第六章第三条: score appeals answered in time.
    DeskItem(
        key="scoring.appeals",
        label=_("Score appeals awaiting an answer"),
        roles=(),
        order=54,
        tally=_appeals,
        link=lambda now: admin_list(
            "admin:scoring_scoreappeal_changelist", status__exact=ScoreAppealStatus.PENDING
        ),
        late_link=lambda now: admin_list("admin:scoring_scoreappeal_changelist", overdue="yes"),
    ),
)
