"""Recomputing reprint links and stories of stored articles (``civmon dedup --rebuild``).

``rebuild(session, since=None, progress=None)`` walks the stored articles in
the order they were stored (their ids) through the same ``pipelines.linking``
decisions as the crawl, so that a rebuild reproduces what the crawl decided and
a second rebuild changes nothing.  ``since`` limits it to articles published
(undated: fetched) on or after that day; older articles keep their links and
serve as the window's context.  The caller commits.

Returns a ``Report``: links added and removed, similarities changed, stories
before and after, stories merged (a new story holding articles of several old
ones) and split (an old story whose articles are now in several).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, not_, or_, select, update
from sqlalchemy.orm import Session

from models.schema import Article
from pipelines.dedup import DedupIndex
from pipelines.linking import Linker
from pipelines.store import published_between, stored_rows


@dataclass
class Report:
    articles: int = 0
    links_added: int = 0
    links_removed: int = 0
    similarity_changed: int = 0
    stories_before: int = 0
    stories_after: int = 0
    stories_merged: int = 0
    stories_split: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.links_added or self.links_removed or self.similarity_changed
                    or self.stories_merged or self.stories_split
                    or self.stories_before != self.stories_after)


def _affected(since: date | None):
    if since is None:
        return Article.id.is_not(None)
    day = since.isoformat()
    return or_(Article.published_at >= day,
               and_(Article.published_at.is_(None), Article.fetched_at >= day))


def _groups(state: dict[int, tuple], column: int) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for key, values in state.items():
        if values[column] is not None:
            out[values[column]].add(key)
    return out


def _spanning(groups: dict[int, set[int]], other: dict[int, int | None]) -> int:
    return sum(1 for members in groups.values() if len({other.get(m) for m in members}) > 1)


def rebuild(session: Session, since: date | None = None,
            progress: Callable[[int, int], None] | None = None, **linker_options) -> Report:
    affected = _affected(since)
    with session.no_autoflush:
        old = {r[0]: (r[1], r[2], r[3], r[4]) for r in session.execute(
            select(Article.id, Article.duplicate_of, Article.similarity, Article.story_id,
                   Article.content_hash).where(affected).order_by(Article.id))}
    ids = list(old)
    current = {"id": 0}

    def window(first_day: str, end_day: str):
        # context (not rebuilt) plus what this rebuild has already decided
        return stored_rows(session, published_between(first_day, end_day),
                           or_(not_(affected), Article.id <= current["id"]))

    def fetch(article_id: int):
        return next(stored_rows(session, Article.id == article_id), None)

    def stories_of(urls: tuple[str, ...]):
        return [(r[0], r[1]) for r in session.execute(
            select(Article.id, Article.story_id).where(
                Article.canonical_url.in_(urls), or_(not_(affected),
                                                     Article.id <= current["id"])))]

    def context_original(digest: str) -> int | None:
        with session.no_autoflush:
            return session.scalar(select(Article.id).where(
                Article.content_hash == digest, Article.duplicate_of.is_(None),
                not_(affected)).order_by(Article.id).limit(1))

    linker = Linker(window, fetch, stories_of, **linker_options)
    index = DedupIndex(lookup_hash=context_original)
    new: dict[int, tuple] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = {r.id: r for r in stored_rows(session, Article.id.in_(chunk))}
        alternates = dict(session.execute(select(Article.id, Article.alternate_urls)
                                          .where(Article.id.in_(chunk))).all())
        for n, key in enumerate(chunk, start + 1):
            stored = rows[key]
            stored.duplicate_of = stored.story_id = None
            stored.alternates = tuple((alternates.get(key) or "").split())
            digest = old[key][3]
            current["id"] = key - 1
            verdict = index.check(f"#{key}", digest)
            decision = linker.decide(stored, exact_original=verdict.duplicate_of)
            current["id"] = key
            dup = decision.duplicate_of
            story = decision.story_id or key
            session.execute(update(Article).where(Article.id == key).values(
                duplicate_of=dup, similarity=decision.similarity if dup else None,
                story_id=story))
            new[key] = (dup, decision.similarity if dup else None, story)
            if decision.replaces is not None:
                demoted = decision.replaces
                session.execute(update(Article).where(
                    or_(Article.id == demoted, Article.duplicate_of == demoted)).values(
                    duplicate_of=key))
                session.execute(update(Article).where(Article.id == demoted).values(
                    similarity=decision.replaced_similarity))
                for k, (d, s, st) in list(new.items()):
                    if k == demoted:
                        new[k] = (key, decision.replaced_similarity, st)
                    elif d == demoted:
                        new[k] = (key, s, st)
                if verdict.duplicate_of is not None:
                    index.replace_original(digest, key)
            index.remember(f"#{key}", digest, key, dup)
            stored.id, stored.duplicate_of, stored.story_id = key, dup, story
            linker.remember(stored, decision)
            if progress is not None:
                progress(n, len(ids))
    session.flush()
    report = Report(articles=len(ids))
    old_links = {(k, v[0]) for k, v in old.items() if v[0] is not None}
    new_links = {(k, v[0]) for k, v in new.items() if v[0] is not None}
    report.links_added = len(new_links - old_links)
    report.links_removed = len(old_links - new_links)
    report.similarity_changed = sum(
        1 for k, v in new.items() if (k, v[0]) in old_links and old[k][1] != v[1])
    old_groups, new_groups = _groups(old, 2), _groups(new, 2)
    report.stories_before, report.stories_after = len(old_groups), len(new_groups)
    old_of = {k: v[2] for k, v in old.items()}
    new_of = {k: v[2] for k, v in new.items()}
    report.stories_merged = _spanning(new_groups, old_of)
    report.stories_split = _spanning(old_groups, new_of)
    return report
