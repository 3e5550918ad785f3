"""rulebook.in_force picks the version in force on the day of the event (RULEBOOK §11)."""

import copy
from datetime import date

import pytest

from opc_community import rulebook
from opc_community.core.errors import DomainError
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.validation import parse_body
from tests.rulebook.factories import RulebookVersionFactory, first_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version_2027():
    first = first_version()
    body = {**first.body, "term": {**first.body["term"], "grace_days": 10}}
    return RulebookVersionFactory(number=2, title="2027 修订", effective_from=date(2027, 1, 1), body=body)


@pytest.mark.parametrize(
    ("on", "version", "grace_days"),
    [
        (date(2026, 4, 1), 1, 7),  # the regulation's issue date
        (date(2026, 12, 31), 1, 7),  # the day before the revision
        (date(2027, 1, 1), 2, 10),  # its effective date
        (date(2030, 6, 1), 2, 10),
    ],
)
def test_in_force_on_each_side_of_an_effective_date(version_2027, on, version, grace_days):
    rules = rulebook.in_force(on=on)
    assert (rules.version, rules.term.grace_days) == (version, grace_days)


def test_drafts_and_publicised_versions_are_not_in_force(version_2027):
    RulebookVersionFactory(number=3, title="草稿", effective_from=date(2027, 2, 1), body=version_2027.body,
                           status=RulebookVersion.Status.DRAFT)
    assert rulebook.in_force(on=date(2027, 3, 1)).version == 2


def test_before_the_first_version_there_is_no_rulebook():
    with pytest.raises(DomainError, match="2026-03-31"):
        rulebook.in_force(on=date(2026, 3, 31))


def test_one_query_then_cached_parsing(django_assert_num_queries):
    rulebook.in_force(on=date(2026, 5, 1))
    with django_assert_num_queries(1):  # the version row; the parsed body comes from the cache
        assert rulebook.in_force(on=date(2026, 5, 2)).version == 1


def test_a_version_adopted_before_a_rule_existed_reads_the_rule_as_introduced():
    """An adopted body is never rewritten; a rule it predates takes the seed's value (第九章第一条)."""
    first = first_version()
    body = {k: v for k, v in first.body.items() if k != "publication"}
    body["term"] = {k: v for k, v in body["term"].items() if k != "grace_days"}
    older = RulebookVersionFactory(number=2, title="旧版", effective_from=date(2027, 1, 1), body=body)
    rules = rulebook.in_force(on=date(2027, 1, 1))
    assert rules.version == 2
    assert rules.publication.public_retention_days == first.body["publication"]["public_retention_days"]
    assert rules.term.grace_days == first.body["term"]["grace_days"]
    older.refresh_from_db()
    assert "publication" not in older.body  # stored as adopted


def test_a_version_adopted_before_escalations_had_to_add_still_parses():
    """Drafts must make "not rectified" add to the base measures (RULEBOOK §9, Decision 2026-12); a
    version adopted before that Decision is judged as adopted, so it keeps parsing."""
    first = RulebookVersion.objects.get(number=1)
    body = copy.deepcopy(first.body)
    body["violations"]["kinds"]["3c"]["steps"][1]["also"] = False
    with pytest.raises(DomainError):
        parse_body(body)
    RulebookVersion.objects.create(
        number=2, title="旧版", effective_from=date(2027, 1, 1), body=body,
        status=RulebookVersion.Status.ADOPTED, based_on=first,
    )
    assert rulebook.in_force(on=date(2027, 1, 1)).violations.kinds["3c"].steps[1].also is False
