"""Storing articles: one row per canonical URL, copies linked to their original.

``ArticleWriter`` is the plain part: given an open session it upserts the
``sources`` row, applies the dedup verdict and inserts the ``articles`` row.
``StorePipeline`` wraps it for Scrapy: it opens the database named by
``CIVMON_DB`` (default ``data/civmon.sqlite``; a path or a SQLAlchemy URL),
passes the ``CIVMON_DEDUP_*`` / ``CIVMON_NEAR_DUP_*`` / ``CIVMON_STORY_*``
settings to the linker (``pipelines.linking``),
commits every ``CIVMON_COMMIT_EVERY`` items (default 50) and at close, and
counts ``civmon/store/*`` and ``civmon/source/<id>/stored|duplicates``.

Storing is idempotent: an article whose canonical URL is already stored is
dropped, so crawling the same site again adds no rows.

Near-duplicates and stories are decided here, by ``pipelines.linking.Linker``,
because the stored articles are the memory; ``similarity`` says how much of a
copy's text is in its original, ``story_id`` names the story after its first
stored article.

The original of a group of copies is the copy published first (see
``pipelines.dedup.published_first``), whatever order the crawl met them in:
when an older copy arrives, it is stored as the original and every row of the
group is pointed at it (``ArticleWriter.demoted`` lists the sources whose
former original became a copy, so that the counts stay right).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models.schema import Article, Source, to_utc_text
from pipelines.dedup import DedupIndex, canonical_url
from pipelines.items import ArticleItem
from pipelines.linking import Linker, Stored, linker_options

#: Columns the linker reads from a stored article (and its source).
_LINK_COLUMNS = (Article.id, Article.source_id, Article.text, Article.title,
                 Article.published_at, Article.fetched_at, Source.timezone, Source.name,
                 Source.homepage, Article.attributed_to, Article.duplicate_of, Article.story_id)


def stored_rows(session: Session, *conditions) -> Iterator[Stored]:
    """Stored articles as ``pipelines.linking.Stored`` (ordered by id)."""
    query = (select(*_LINK_COLUMNS).join(Source, Source.id == Article.source_id)
             .where(*conditions).order_by(Article.id))
    with session.no_autoflush:
        for r in session.execute(query):
            yield Stored(id=r[0], source_id=r[1], text=r[2], title=r[3], published_at=r[4],
                         fetched_at=r[5], timezone=r[6], source_name=r[7], source_homepage=r[8],
                         attributed_to=r[9], duplicate_of=r[10], story_id=r[11])


def published_between(first_day: str, end_day: str):
    """Articles published on days [first_day, end_day) (undated: fetched then)."""
    return or_(and_(Article.published_at >= first_day, Article.published_at < end_day),
               and_(Article.published_at.is_(None), Article.fetched_at >= first_day,
                    Article.fetched_at < end_day))


class ArticleWriter:
    """Writes items into an open session (the caller commits)."""

    def __init__(self, session: Session, run_id: int | None = None,
                 linker: Linker | None = None, linker_options: dict | None = None) -> None:
        self.session = session
        self.run_id = run_id
        self._sources: set[str] = set()
        self.index = DedupIndex(lookup_url=self._stored_url, lookup_hash=self._original)
        self.linker = linker or Linker(self._window, self._fetch, self._stories_of,
                                       **(linker_options or {}))
        self.demoted: list[str] = []
        """Source ids of originals that became copies of an older article (drained by
        the caller)."""
        self.last_kind = "original"
        """How the last written article was linked: original / exact_duplicate /
        near_duplicate."""
        self.replaced_kind = "exact_duplicate"
        """How the former originals in ``demoted`` were linked."""

    def _window(self, first_day: str, end_day: str) -> Iterator[Stored]:
        return stored_rows(self.session, published_between(first_day, end_day))

    def _fetch(self, article_id: int) -> Stored | None:
        return next(stored_rows(self.session, Article.id == article_id), None)

    def _stories_of(self, urls: tuple[str, ...]) -> list[tuple[int, int | None]]:
        with self.session.no_autoflush:
            return [(r[0], r[1]) for r in self.session.execute(
                select(Article.id, Article.story_id).where(Article.canonical_url.in_(urls)))]

    def _stored_url(self, canonical: str) -> int | None:
        with self.session.no_autoflush:
            return self.session.scalar(
                select(Article.id).where(Article.canonical_url == canonical)
            )

    def _original(self, digest: str) -> int | None:
        with self.session.no_autoflush:
            return self.session.scalar(
                select(Article.id)
                .where(Article.content_hash == digest, Article.duplicate_of.is_(None))
                .order_by(Article.id)
                .limit(1)
            )

    def ensure_source(self, item: ArticleItem) -> None:
        if item.source_id in self._sources:
            return
        src = item.source
        row = self.session.get(Source, item.source_id)
        if row is None:
            row = Source(id=item.source_id)
            self.session.add(row)
        if src is not None:
            row.name = src.name
            row.country = src.country
            row.kind = src.kind
            row.languages = ",".join(src.languages)
            row.timezone = src.timezone
            row.enabled = src.enabled
            first = (*src.feeds, *src.sitemaps, *src.listings)
            row.homepage = first[0].split("/", 3)[2] if first else None
        elif row.name is None:
            row.name, row.country, row.kind = item.source_id, "", ""
            row.languages, row.timezone = "", "UTC"
        self._sources.add(item.source_id)

    def write(self, item: ArticleItem) -> Article | None:
        """Insert ``item``; None when its canonical URL is already stored."""
        if not item.canonical_url or not item.content_hash:
            raise ValueError(f"{item.url}: dedup keys missing (run the dedup stage first)")
        verdict = self.index.check(item.canonical_url, item.content_hash)
        if verdict.known_url:
            return None
        self.ensure_source(item)
        src = item.source
        fetched = to_utc_text(item.fetched_at)
        alternates = tuple(dict.fromkeys(canonical_url(u) for u in item.alternate_urls))
        stored = Stored(
            id=None, source_id=item.source_id, text=item.text, title=item.title,
            published_at=item.published_at, fetched_at=fetched,
            timezone=src.timezone if src else None, source_name=src.name if src else None,
            source_homepage=self._homepage(item), attributed_to=item.attributed_to,
            alternates=alternates,
        )
        decision = self.linker.decide(stored, exact_original=verdict.duplicate_of)
        older = decision.duplicate_of
        row = Article(
            source_id=item.source_id, url=item.url, canonical_url=item.canonical_url,
            title=item.title, text=item.text, author=item.author, language=item.language,
            published_at=item.published_at, published_raw=item.published_raw,
            date_precision=item.date_precision, date_source=item.date_source,
            fetched_at=fetched, content_hash=item.content_hash,
            duplicate_of=older, similarity=decision.similarity if older else None,
            story_id=decision.story_id, alternate_urls=" ".join(alternates) or None,
            relevant=int(item.relevant),
            topics=",".join(item.topics) or None, attributed_to=item.attributed_to,
            state_supplied=int(item.state_supplied), supplier=item.supplier,
            discovered_via=item.discovered_via or None, crawl_run_id=self.run_id,
        )
        self.session.add(row)
        self.session.flush()
        if row.story_id is None:
            row.story_id = row.id  # a new story is named after its first article
        if decision.replaces is not None:  # this copy is the oldest: the group's original
            self._repoint(decision.replaces, row.id, decision.replaced_similarity)
            if verdict.duplicate_of is not None:
                self.index.replace_original(item.content_hash, row.id)
        self.index.remember(item.canonical_url, item.content_hash, row.id, older)
        stored.id, stored.duplicate_of, stored.story_id = row.id, older, row.story_id
        self.linker.remember(stored, decision)
        item.id, item.duplicate_of = row.id, older
        self.last_kind = decision.kind if older is not None else "original"
        self.replaced_kind = decision.kind
        return row

    def _homepage(self, item: ArticleItem) -> str | None:
        src = item.source
        first = (*src.feeds, *src.sitemaps, *src.listings) if src else ()
        return first[0].split("/", 3)[2] if first else None

    def _repoint(self, old_original: int, new_original: int,
                 similarity: float | None = None) -> None:
        """Point the old original and all its copies at the new, older original."""
        demoted = self.session.get(Article, old_original)
        if demoted is not None:
            self.demoted.append(demoted.source_id)
        self.session.execute(
            update(Article)
            .where(or_(Article.id == old_original, Article.duplicate_of == old_original))
            .values(duplicate_of=new_original)
            .execution_options(synchronize_session="fetch")
        )
        if demoted is not None and similarity is not None:
            demoted.similarity = similarity


class StorePipeline:
    def __init__(self, db: str | None, commit_every: int, stats,
                 linker_options: dict | None = None) -> None:
        self.db = db
        self.linker_options = linker_options
        self.commit_every = max(1, commit_every)
        self.stats = stats
        self.engine = None
        self.session: Session | None = None
        self.writer: ArticleWriter | None = None
        self._pending = 0

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(s.get("CIVMON_DB") or None, s.getint("CIVMON_COMMIT_EVERY", 50),
                   crawler.stats, linker_options(s))

    def open_spider(self) -> None:
        from models.db import open_engine

        self.engine = open_engine(self.db)
        self.session = Session(self.engine, expire_on_commit=False)
        self.writer = ArticleWriter(self.session, self.stats.get_value("civmon/run_id"),
                                    linker_options=self.linker_options)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        from scrapy.exceptions import DropItem

        assert self.writer is not None and self.session is not None
        row = self.writer.write(item)
        if row is None:
            self.stats.inc_value("civmon/store/known_url")
            raise DropItem(f"already stored: {item.canonical_url}", log_level="INFO")
        self.stats.inc_value("civmon/store/stored")
        self.stats.inc_value(f"civmon/source/{item.source_id}/stored")
        if row.duplicate_of is not None:
            self.stats.inc_value(f"civmon/dedup/{self.writer.last_kind}")
            self.stats.inc_value(f"civmon/source/{item.source_id}/duplicates")
        for source_id in self.writer.demoted:  # a former original is now a copy
            self.stats.inc_value(f"civmon/dedup/{self.writer.replaced_kind}")
            self.stats.inc_value("civmon/dedup/original_replaced")
            self.stats.inc_value(f"civmon/source/{source_id}/duplicates")
        self.writer.demoted.clear()
        self._pending += 1
        if self._pending >= self.commit_every:
            self.session.commit()
            self._pending = 0
        return item

    def close_spider(self) -> None:
        if self.session is not None:
            self.session.commit()
            self.session.close()
        if self.engine is not None:
            self.engine.dispose()
