"""Writing a classification to the database: score, terms and the tag tables.

``relevance_columns(c)`` gives the ``articles`` columns of a
``pipelines.relevance.Classification`` (``relevant``, ``topics``,
``relevance_score``, ``relevance_terms``); ``TagWriter(session).write(article_id, c)``
replaces the article's rows in ``article_topics``, ``article_regions`` and
``article_organisations``, filling the lookup tables (``topics``, ``regions``,
``organisations``) from the rules the classification came from.  Used by the
store (``pipelines.store.ArticleWriter``) and ``civmon classify``.  The caller
commits.  Reads no settings.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models.schema import (
    ArticleOrganisation,
    ArticleRegion,
    ArticleTopic,
    Organisation,
    Region,
    Topic,
)
from pipelines.lexicon import Rules, load_rules
from pipelines.relevance import Classification

TAG_TABLES = (ArticleTopic, ArticleRegion, ArticleOrganisation)


def relevance_columns(c: Classification) -> dict[str, Any]:
    terms = [[t.term, t.field, t.start, t.end, t.text] for t in c.terms]
    return {"relevant": int(c.relevant), "topics": ",".join(c.topics) or None,
            "relevance_score": c.score,
            "relevance_terms": json.dumps(terms, ensure_ascii=False) if terms else None}


def topic_scores(c: Classification) -> dict[str, float]:
    """Each assigned topic with its score (``article_topics.score``)."""
    return {t: float(c.topic_scores.get(t, 0)) for t in c.topics}


class TagWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._synced: set[int] = set()
        self._orgs: set[str] = set()

    def sync(self, rules: Rules) -> None:
        """Topics, regions and gazetteer organisations as the rules define them."""
        if id(rules) in self._synced:
            return
        s = self.session
        with s.no_autoflush:
            for tid, t in rules.topics.items():
                s.merge(Topic(id=tid, name=t["name"], description=t["description"] or None))
            # Parents first: the foreign key is checked row by row.
            for r in sorted(rules.regions.values(), key=lambda r: _depth(rules, r.id)):
                s.merge(Region(id=r.id, name=r.name, level=r.level, country=r.country,
                               iso_code=r.iso, parent_id=r.parent))
                s.flush()
            for o in rules.organisations.values():
                s.merge(Organisation(id=o.id, name=o.name, kind=o.kind, country=o.country,
                                     gazetteer=1))
                self._orgs.add(o.id)
        s.flush()
        self._synced.add(id(rules))

    def clear(self, article_id: int) -> None:
        for table in TAG_TABLES:
            self.session.execute(delete(table).where(table.article_id == article_id))

    def write(self, article_id: int, c: Classification, *, new_article: bool = False) -> None:
        """The article's tag rows from ``c``; ``new_article``: the row was inserted in
        this transaction, so it has no tag rows to delete first (three DELETEs saved:
        the foreign keys, enforced on SQLite too, let no tag row outlive its article,
        so a new id has none)."""
        self.sync(c.rules or load_rules())
        if not new_article:
            self.clear(article_id)
        s = self.session
        for topic, score in topic_scores(c).items():
            s.add(ArticleTopic(article_id=article_id, topic_id=topic, score=score))
        for r in c.regions:
            s.add(ArticleRegion(article_id=article_id, region_id=r.id, mentions=r.mentions,
                                via=r.via, first_position=r.first))
        for o in c.organisations:
            if o.id not in self._orgs:
                if s.get(Organisation, o.id) is None:
                    s.add(Organisation(id=o.id, name=o.name, kind=o.kind, gazetteer=0))
                    s.flush()
                self._orgs.add(o.id)
            s.add(ArticleOrganisation(article_id=article_id, organisation_id=o.id,
                                      mentions=o.mentions, first_position=o.first))
        # no flush here: the rows go with the session's next flush (the store's next
        # article, a query's autoflush, the commit), one flush fewer per article


def _depth(rules: Rules, region_id: str) -> int:
    n, parent = 0, rules.regions[region_id].parent
    while parent is not None:
        n, parent = n + 1, rules.regions[parent].parent
    return n
