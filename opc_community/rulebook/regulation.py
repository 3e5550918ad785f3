"""The regulation's own text, versioned (第九章第一条 修订内容含本规范所有条款).

The Chinese full text of the regulation as issued is vendored in ``seed/regulation.json`` (one entry per
article, in order; ``scripts/vendor_regulation.py`` made it from the issued text). Each rulebook version
carries the new text of the articles it changes (``RulebookVersion.articles``, article → text). The text
in force on a day is the original with the articles of every adopted version in force by then laid over
it, oldest first; a revision's changes are shown article by article, old beside new, with the rule data
changes (``revision_changes``) that belong to each article. Decisions: docs/rulebook.md.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.core.errors import DomainError
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.rules import Change
from opc_community.rulebook.selectors import revision_changes

SEED = Path(__file__).resolve().parent / "seed" / "regulation.json"
ARTICLE_MAX_LENGTH = 20000


@dataclass(frozen=True)
class Article:
    article: str  # "第四章第一条"; a chapter's own words "第四章"; the preface "前言"
    chapter: str
    title: str
    text: str
    revised_in: int | None = None  # the version that last changed the text (None: as issued)


@dataclass(frozen=True)
class ArticleChange:
    """One article of a revision: its text before and after, and the rule data changes under it."""

    article: str
    title: str
    old: str
    new: str
    rules: list[Change] = field(default_factory=list)

    @property
    def text_changed(self) -> bool:
        return self.old != self.new


@cache
def original() -> tuple[Article, ...]:
    """The regulation as issued (read once per process)."""
    return tuple(Article(**entry) for entry in json.loads(SEED.read_text(encoding="utf-8")))


def known_articles() -> set[str]:
    return {article.article for article in original()}


def clean_articles(articles: Any) -> dict[str, str]:
    """A version's changed articles, checked: a mapping of known article numbers to non-empty text."""
    if articles in (None, ""):
        return {}
    if not isinstance(articles, dict):
        raise DomainError(_("The changed articles are a mapping of article number to text."), field="articles")
    cleaned, known = {}, known_articles()
    for number, text in articles.items():
        if number not in known:
            raise DomainError(_("%(number)s is not an article of the regulation (第九章第一条).")
                              % {"number": number}, field="articles")
        text = text.strip() if isinstance(text, str) else ""
        if not text or len(text) > ARTICLE_MAX_LENGTH:
            raise DomainError(_("%(number)s needs its new text (at most %(limit)s characters).")
                              % {"number": number, "limit": ARTICLE_MAX_LENGTH}, field="articles")
        cleaned[number] = text
    return cleaned


def _overlay(versions: list[RulebookVersion]) -> list[Article]:
    articles = {article.article: article for article in original()}
    for version in versions:
        for number, text in (version.articles or {}).items():
            if number in articles:
                articles[number] = replace(articles[number], text=text, revised_in=version.number)
    return list(articles.values())


def _adopted_until(day: date, *, before: bool = False) -> list[RulebookVersion]:
    versions = RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED)
    versions = versions.filter(effective_from__lt=day) if before else versions.filter(effective_from__lte=day)
    return list(versions.order_by("effective_from"))


def full_text(on: date | None = None) -> tuple[RulebookVersion | None, list[Article]]:
    """The version in force on ``on`` (default today) and the full text then in force (one query)."""
    versions = _adopted_until(on or timezone.localdate())
    return (versions[-1] if versions else None), _overlay(versions)


def revision_articles(version: RulebookVersion) -> list[ArticleChange]:
    """The articles ``version`` changes — its new texts and the articles its rule data changes fall
    under — each with the text in force before it took effect and its own (two queries)."""
    before = {article.article: article for article in _overlay(_adopted_until(version.effective_from, before=True))}
    changes = revision_changes(version)
    numbers = list(dict.fromkeys([*(version.articles or {}), *(change.article for change in changes)]))
    order = {article.article: index for index, article in enumerate(original())}
    result = []
    for number in sorted((n for n in numbers if n in before), key=order.__getitem__):
        old = before[number]
        result.append(ArticleChange(
            article=number, title=old.title, old=old.text, new=(version.articles or {}).get(number, old.text),
            rules=[change for change in changes if change.article == number]))
    return result
