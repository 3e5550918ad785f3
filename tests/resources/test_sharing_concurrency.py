"""Races with real parallel database connections (threads, committed data): a resident with 9 posts on the board
sends 6 posts at the same moment → exactly one more is posted (rule data ``sharing.max_open_posts`` = 10), and
two staff proposing the same match at once make one match."""

from opc_community.core.errors import DomainError
from resources.models import SharingMatch, SharingPost
from resources.services import sharing as services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.resources.sharing_support import interest, post
from tests.resources.support import member

pytestmark = committed_data


def test_parallel_posts_stop_at_the_limit():
    resident = member(name="并发")
    for index in range(9):
        post(resident, title=f"供给 {index}")

    results = run_in_parallel([(lambda index=index: post(resident, title=f"同时 {index}")) for index in range(6)])

    won = [r for r in results if isinstance(r, SharingPost)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(won), len(refused)) == (1, 5), results
    assert SharingPost.objects.filter(resident=resident).count() == 10


def test_the_same_match_proposed_twice_at_once_is_made_once(resources_staff):
    author, other = member(name="甲"), member(name="乙")
    offer = post(author)
    wanted = interest(offer, other)

    results = run_in_parallel([
        (lambda: services.match_propose(post=offer, interest=wanted, actor=resources_staff)) for _ in range(4)
    ])

    assert sum(isinstance(r, SharingMatch) for r in results) == 1, results
    assert SharingMatch.objects.count() == 1
