"""Services of the notice board (RULEBOOK §10): windows, objections, decisions, closing, withdrawal."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.notices import registry, selectors, services
from opc_community.notices.models import (
    ALLOWED_TRANSITIONS,
    Objection,
    ObjectionStatus,
    Publication,
    PublicationKind,
    PublicationOutcome,
    PublicationStatus,
)
from opc_community.portal.models import Notification
from tests.notices.conftest import AFTER, END, SH, START

pytestmark = pytest.mark.django_db


# --- Opening: the window (RULEBOOK §2 and §10) --------------------------------


def test_open_computes_a_three_working_day_window_from_the_rulebook(
    publish, administrator, resident_a
):
    # Given the first rulebook (3 working days) and an ordinary week
    # When a penalty decision about resident A is published on Tue 2026-06-02
    publication = publish(subject=resident_a, concerned_user=resident_a)

    # Then the window ends at the end of Fri 2026-06-05, Shanghai time, and is final
    assert publication.window_days == 3
    assert publication.window_starts_at == START
    assert publication.window_ends_at == END
    assert publication.window_provisional is False
    assert publication.status == PublicationStatus.OPEN
    assert publication.outcome == ""
    assert publication.published_by == administrator
    assert publication.subject == resident_a
    assert publication.concerned_user == resident_a


@pytest.mark.parametrize(
    ("starts_at", "window_days", "ends_on"),
    [
        # RULEBOOK §10 / UI.md example: 公示期 2026年10月8日至2026年10月12日 (Sat 10-10 is a working day).
        (
            datetime(2026, 10, 8, 9, 0, tzinfo=SH),
            None,
            datetime(2026, 10, 12, 23, 59, 59, tzinfo=SH),
        ),
        # conformance.json "publication window over Labour Day".
        (datetime(2026, 4, 30, 9, 0, tzinfo=SH), None, datetime(2026, 5, 8, 23, 59, 59, tzinfo=SH)),
        # The start day never counts, even late at night (RULEBOOK §2 decision).
        (datetime(2026, 6, 2, 23, 59, 59, tzinfo=SH), None, END),
        # An explicit length wins over the rulebook's default.
        (START, 5, datetime(2026, 6, 9, 23, 59, 59, tzinfo=SH)),
        (START, 1, datetime(2026, 6, 3, 23, 59, 59, tzinfo=SH)),
    ],
)
def test_window_end_is_the_end_of_the_nth_working_day(publish, starts_at, window_days, ends_on):
    publication = publish(starts_at=starts_at, window_days=window_days)

    assert publication.window_ends_at == ends_on


def test_window_reaching_a_year_without_a_loaded_schedule_is_provisional(publish):
    # Given no official holiday schedule for 2031 (only plain Monday–Friday is known)
    publication = publish(starts_at=datetime(2031, 3, 3, 9, 0, tzinfo=SH))

    assert publication.window_provisional is True
    assert publication.window_ends_at == datetime(2031, 3, 6, 23, 59, 59, tzinfo=SH)


def test_start_defaults_to_now(publish):
    with time_machine.travel(START, tick=False):
        publication = publish(starts_at=None)

    assert publication.window_starts_at == START


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"kind": "gossip"}, "kind"),
        ({"window_days": 0}, "window_days"),
        ({"starts_at": datetime(2026, 6, 2, 10, 0)}, "starts_at"),  # naive
    ],
)
def test_open_refuses_bad_input(publish, overrides, field):
    with pytest.raises(DomainError) as refusal:
        publish(**overrides)

    assert refusal.value.field == field
    assert not Publication.objects.exists()


def test_open_records_who_published_in_the_audit_trail(publish, administrator):
    publication = publish()

    event = Publication.pgh_event_model.objects.get(pgh_obj=publication, pgh_label="insert")
    assert event.pgh_context.metadata["user"] == administrator.pk


# --- Objections: only during the window, to the second ------------------------


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (START, True),  # the window opens at publication
        (START - timedelta(seconds=1), False),  # not before
        (END, True),  # 23:59:59 of the last working day still counts
        (END + timedelta(microseconds=999_999), True),  # …the whole of that second
        (AFTER, False),  # the next 00:00:00 is too late
        (AFTER + timedelta(days=3), False),
    ],
)
def test_objection_window_boundaries(publish, resident_b, moment, accepted):
    publication = publish()

    with time_machine.travel(moment, tick=False):
        if accepted:
            objection = services.objection_submit(
                publication=publication, author=resident_b, text="处罚过重。"
            )
            assert objection.status == ObjectionStatus.PENDING
        else:
            with pytest.raises(DomainError):
                services.objection_submit(
                    publication=publication, author=resident_b, text="处罚过重。"
                )
            assert not Objection.objects.exists()


def test_a_late_objection_is_told_when_the_window_ended(publish, resident_b):
    publication = publish()

    with time_machine.travel(AFTER, tick=False), pytest.raises(DomainError) as refusal:
        services.objection_submit(publication=publication, author=resident_b, text="处罚过重。")

    assert "2026年6月5日 23:59" in str(refusal.value.message)
    assert refusal.value.status_code == 400


def test_anyone_logged_in_may_object_but_only_once(publish, resident_a, outsider, intake_staff):
    publication = publish(concerned_user=resident_a)

    with time_machine.travel(START + timedelta(hours=1), tick=False):
        for person in (resident_a, outsider, intake_staff):
            services.objection_submit(publication=publication, author=person, text="有异议。")
        with pytest.raises(ConflictError):
            services.objection_submit(publication=publication, author=outsider, text="再说一遍。")

    assert publication.objections.count() == 3


def test_anonymous_people_cannot_object(publish):
    publication = publish()

    with time_machine.travel(START, tick=False), pytest.raises(PermissionDenied):
        services.objection_submit(publication=publication, author=AnonymousUser(), text="匿名异议")


@pytest.mark.parametrize("text", ["", "   ", "字" * (services.OBJECTION_MAX_LENGTH + 1)])
def test_objection_text_is_required_and_bounded(publish, resident_b, text):
    publication = publish()

    with time_machine.travel(START, tick=False), pytest.raises(DomainError) as refusal:
        services.objection_submit(publication=publication, author=resident_b, text=text)

    assert refusal.value.field == "text"


def test_no_objection_to_a_withdrawn_publication(publish, resident_b, administrator):
    publication = publish()
    services.publication_withdraw(publication=publication, reason="发布有误", actor=administrator)

    with (
        time_machine.travel(START + timedelta(hours=1), tick=False),
        pytest.raises(DomainError) as refusal,
    ):
        services.objection_submit(publication=publication, author=resident_b, text="有异议")

    assert "撤销" in str(refusal.value.message)


# --- Closing and the close hook ---------------------------------------------------


def _object(publication, *people):
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        return [
            services.objection_submit(
                publication=publication, author=person, text=f"{person.username} 的异议"
            )
            for person in people
        ]


def test_closing_without_objections_takes_effect_and_tells_the_owner_once(publish, penalty_handler):
    publication = publish()

    closed = services.publication_close(publication=publication, now=AFTER)

    assert closed.status == PublicationStatus.CLOSED
    assert closed.outcome == PublicationOutcome.TAKES_EFFECT
    assert closed.closed_at == AFTER
    assert penalty_handler.calls == [(publication.pk, False)]


def test_closing_before_the_window_is_over_is_refused(publish, penalty_handler):
    publication = publish()

    with pytest.raises(DomainError):
        services.publication_close(publication=publication, now=END)

    publication.refresh_from_db()
    assert publication.status == PublicationStatus.OPEN
    assert penalty_handler.calls == []


@pytest.mark.parametrize(
    ("decisions", "status", "outcome", "calls"),
    [
        ([False], PublicationStatus.CLOSED, PublicationOutcome.TAKES_EFFECT, [False]),  # dismissed
        ([True], PublicationStatus.CLOSED, PublicationOutcome.OVERTURNED, [True]),  # upheld
        (
            [False, True],
            PublicationStatus.CLOSED,
            PublicationOutcome.OVERTURNED,
            [True],
        ),  # one upheld is enough
        ([None], PublicationStatus.AWAITING_DECISION, "", []),  # still pending: staff must decide
        ([True, None], PublicationStatus.AWAITING_DECISION, "", []),
    ],
)
def test_closing_follows_the_objections(
    publish,
    penalty_handler,
    resident_a,
    resident_b,
    administrator,
    decisions,
    status,
    outcome,
    calls,
):
    # Given objections decided during the window (None: left pending)
    publication = publish()
    objections = _object(publication, *[resident_a, resident_b][: len(decisions)])
    for objection, upheld in zip(objections, decisions, strict=True):
        if upheld is not None:
            services.objection_decide(
                objection=objection, upheld=upheld, reason="经复核", actor=administrator
            )

    # When the window is closed
    closed = services.publication_close(publication=publication, now=AFTER)

    # Then the outcome follows the objections, and the owner hears of it once, when it closes
    assert (closed.status, closed.outcome) == (status, outcome)
    assert penalty_handler.calls == [(publication.pk, overturned) for overturned in calls]


def test_deciding_the_last_pending_objection_closes_an_awaiting_publication(
    publish, penalty_handler, resident_a, resident_b, administrator
):
    # Given a window that ended with two objections pending
    publication = publish()
    first, second = _object(publication, resident_a, resident_b)
    services.publication_close(publication=publication, now=AFTER)

    # When staff uphold the first: the publication still waits for the second
    services.objection_decide(
        objection=first, upheld=True, reason="事实认定有误", actor=administrator
    )
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.AWAITING_DECISION
    assert penalty_handler.calls == []

    # When they dismiss the second: it closes at once, overturned by the upheld one
    services.objection_decide(
        objection=second, upheld=False, reason="理由不成立", actor=administrator
    )
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.CLOSED
    assert publication.outcome == PublicationOutcome.OVERTURNED
    assert penalty_handler.calls == [(publication.pk, True)]


def test_closing_an_awaiting_publication_with_pending_objections_is_refused(publish, resident_b):
    publication = publish()
    _object(publication, resident_b)
    services.publication_close(publication=publication, now=AFTER)

    with pytest.raises(InvalidTransition):
        services.publication_close(publication=publication, now=AFTER + timedelta(days=1))


def test_closing_twice_is_refused_and_the_hook_is_not_called_again(publish, penalty_handler):
    publication = publish()
    services.publication_close(publication=publication, now=AFTER)

    with pytest.raises(InvalidTransition):
        services.publication_close(publication=publication, now=AFTER)

    assert penalty_handler.calls == [(publication.pk, False)]


def test_a_failing_close_handler_rolls_the_close_back(publish, monkeypatch):
    def broken(publication, *, overturned):
        raise RuntimeError("owner app failed")

    monkeypatch.setitem(registry._close_handlers, PublicationKind.PENALTY_DECISION, broken)
    publication = publish()

    with pytest.raises(RuntimeError):
        services.publication_close(publication=publication, now=AFTER)

    publication.refresh_from_db()
    assert publication.status == PublicationStatus.OPEN


def test_kinds_without_a_handler_simply_close(publish):
    publication = publish(kind=PublicationKind.SERVICE_PROCEDURE, title="会议室预约流程")

    closed = services.publication_close(publication=publication, now=AFTER)

    assert closed.outcome == PublicationOutcome.TAKES_EFFECT


# --- Deciding objections ---------------------------------------------------------


@pytest.mark.parametrize("decider", ["resident_a", "outsider", "oversight"])
def test_only_operations_staff_decide_objections(publish, resident_b, request, decider):
    publication = publish()
    (objection,) = _object(publication, resident_b)

    with pytest.raises(PermissionDenied):
        services.objection_decide(
            objection=objection,
            upheld=True,
            reason="我说了算",
            actor=request.getfixturevalue(decider),
        )

    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


@pytest.mark.parametrize(
    "decider", ["intake_staff", "resources_staff", "daily_staff", "administrator"]
)
def test_each_operations_group_may_decide(publish, resident_b, request, decider):
    publication = publish()
    (objection,) = _object(publication, resident_b)
    staff = request.getfixturevalue(decider)

    decided = services.objection_decide(
        objection=objection, upheld=False, reason="理由不成立", actor=staff
    )

    assert decided.status == ObjectionStatus.DISMISSED
    assert decided.decided_by == staff
    assert decided.decision_reason == "理由不成立"
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.OPEN  # the window runs on


def test_the_author_is_told_the_decision_and_its_reason(publish, resident_b, administrator):
    publication = publish()
    (objection,) = _object(publication, resident_b)

    services.objection_decide(
        objection=objection, upheld=True, reason="监控显示通道畅通", actor=administrator
    )

    notification = Notification.objects.get(recipient=resident_b)
    assert notification.title == f"您对“{publication.title}”的异议成立"
    assert notification.body == "处理理由：监控显示通道畅通"
    assert notification.link == publication.get_absolute_url()


def test_an_objection_is_decided_once(publish, resident_b, administrator):
    publication = publish()
    (objection,) = _object(publication, resident_b)
    services.objection_decide(
        objection=objection, upheld=False, reason="理由不成立", actor=administrator
    )

    with pytest.raises(InvalidTransition):
        services.objection_decide(
            objection=objection, upheld=True, reason="改判", actor=administrator
        )


def test_a_decision_needs_a_reason(publish, resident_b, administrator):
    publication = publish()
    (objection,) = _object(publication, resident_b)

    with pytest.raises(DomainError) as refusal:
        services.objection_decide(objection=objection, upheld=True, reason=" ", actor=administrator)

    assert refusal.value.field == "reason"


def test_objections_to_a_withdrawn_publication_are_not_decided(publish, resident_b, administrator):
    publication = publish()
    (objection,) = _object(publication, resident_b)
    services.publication_withdraw(publication=publication, reason="发布有误", actor=administrator)

    with pytest.raises(InvalidTransition):
        services.objection_decide(
            objection=objection, upheld=True, reason="维持", actor=administrator
        )


# --- Withdrawal and the state machine ------------------------------------------------


def test_withdrawal_records_who_when_and_why(publish, administrator, penalty_handler):
    publication = publish()

    with time_machine.travel(START + timedelta(hours=2), tick=False):
        withdrawn = services.publication_withdraw(
            publication=publication, reason="发布有误", actor=administrator
        )

    assert withdrawn.status == PublicationStatus.WITHDRAWN
    assert withdrawn.withdrawn_by == administrator
    assert withdrawn.withdrawn_at == START + timedelta(hours=2)
    assert withdrawn.withdrawal_reason == "发布有误"
    assert penalty_handler.calls == []  # a withdrawal never reaches the close hook


def test_an_awaiting_publication_can_be_withdrawn(publish, resident_b, administrator):
    publication = publish()
    _object(publication, resident_b)
    services.publication_close(publication=publication, now=AFTER)

    withdrawn = services.publication_withdraw(
        publication=publication, reason="决定已撤回", actor=administrator
    )

    assert withdrawn.status == PublicationStatus.WITHDRAWN


def test_a_closed_publication_cannot_be_withdrawn(publish, administrator):
    publication = publish()
    services.publication_close(publication=publication, now=AFTER)

    with pytest.raises(InvalidTransition) as refusal:
        services.publication_withdraw(publication=publication, reason="太迟了", actor=administrator)

    assert refusal.value.status_code == 409


def test_withdrawal_needs_a_reason(publish, administrator):
    with pytest.raises(DomainError):
        services.publication_withdraw(publication=publish(), reason="", actor=administrator)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (PublicationStatus.OPEN, PublicationStatus.AWAITING_DECISION, True),
        (PublicationStatus.OPEN, PublicationStatus.CLOSED, True),
        (PublicationStatus.OPEN, PublicationStatus.WITHDRAWN, True),
        (PublicationStatus.AWAITING_DECISION, PublicationStatus.CLOSED, True),
        (PublicationStatus.AWAITING_DECISION, PublicationStatus.WITHDRAWN, True),
        (PublicationStatus.AWAITING_DECISION, PublicationStatus.OPEN, False),
        (PublicationStatus.CLOSED, PublicationStatus.OPEN, False),
        (PublicationStatus.CLOSED, PublicationStatus.WITHDRAWN, False),
        (PublicationStatus.WITHDRAWN, PublicationStatus.OPEN, False),
        (PublicationStatus.WITHDRAWN, PublicationStatus.CLOSED, False),
    ],
)
def test_the_state_machine(source, target, allowed):
    assert (target in ALLOWED_TRANSITIONS[source]) is allowed


# --- What the database enforces by itself ----------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"status": PublicationStatus.CLOSED},  # closed without an outcome or time
        {"outcome": PublicationOutcome.TAKES_EFFECT},  # an outcome while open
        {"status": PublicationStatus.WITHDRAWN},  # withdrawn without who/when/why
        {"window_ends_at": START},  # the window must end after it starts
        {"status": "archived"},  # not a status
    ],
)
def test_the_database_refuses_inconsistent_publications(publish, changes):
    publication = publish()

    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.filter(pk=publication.pk).update(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": ObjectionStatus.UPHELD},  # decided without who/when/why
        {"decision_reason": "理由"},  # a reason while pending
    ],
)
def test_the_database_refuses_inconsistent_objections(publish, resident_b, changes):
    (objection,) = _object(publish(), resident_b)

    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.filter(pk=objection.pk).update(**changes, decided_at=None)


def test_the_database_allows_one_objection_per_person(publish, resident_b):
    (objection,) = _object(publish(), resident_b)

    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.create(
            publication=objection.publication, author=resident_b, text="第二条"
        )


# --- Selectors other apps use ------------------------------------------------------------


def test_an_owning_app_finds_the_publications_of_its_object(publish, resident_a, resident_b):
    first = publish(subject=resident_a)
    second = publish(subject=resident_a, starts_at=START + timedelta(days=1))
    publish(subject=resident_b)
    publish()

    assert list(selectors.publications_about(resident_a)) == [second, first]


@pytest.mark.parametrize(
    ("now", "listed"),
    [
        (START - timedelta(seconds=1), False),
        (START, True),
        (END, True),
        (AFTER, False),
    ],
)
def test_the_portal_lists_running_windows_about_a_resident(publish, resident_a, now, listed):
    publication = publish(concerned_user=resident_a)
    publish()  # about nobody

    running = list(selectors.open_publications_concerning(user=resident_a, now=now))

    assert running == ([publication] if listed else [])


# --- The registry ---------------------------------------------------------------------


def test_a_kind_has_one_close_handler(monkeypatch):
    monkeypatch.setattr(registry, "_close_handlers", {})

    def first(publication, *, overturned):
        pass

    def second(publication, *, overturned):
        pass

    registry.register_close_handler(PublicationKind.REWARD_DECISION, first)
    registry.register_close_handler(
        PublicationKind.REWARD_DECISION, first
    )  # ready() twice: harmless
    with pytest.raises(ImproperlyConfigured):
        registry.register_close_handler(PublicationKind.REWARD_DECISION, second)
    with pytest.raises(ImproperlyConfigured):
        registry.register_close_handler("gossip", first)


def test_public_status_labels():
    cases = {
        (PublicationStatus.OPEN, ""): "公示中",
        (PublicationStatus.AWAITING_DECISION, ""): "异议处理中",
        (PublicationStatus.CLOSED, PublicationOutcome.TAKES_EFFECT): "已生效",
        (PublicationStatus.CLOSED, PublicationOutcome.OVERTURNED): "异议成立，未生效",
        (PublicationStatus.WITHDRAWN, ""): "已撤销",
    }
    for (status, outcome), label in cases.items():
        assert Publication(status=status, outcome=outcome).public_status_label == label
