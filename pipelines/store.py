"""Storing articles: one row per canonical URL, copies linked to their original.

``ArticleWriter`` is the plain part: given an open session it upserts the
``sources`` row, applies the dedup verdict and inserts the ``articles`` row
(with its relevance score, terms and tag rows: ``pipelines.tagstore``).
``StorePipeline`` wraps it for Scrapy: it opens the database named by
``CIVMON_DB`` (default ``data/civmon.sqlite``; a path or a SQLAlchemy URL),
commits every ``CIVMON_COMMIT_EVERY`` items (default 50) and at close, and
counts ``civmon/store/*`` and ``civmon/source/<id>/stored|duplicates``.

Storing is idempotent: an article whose canonical URL is already stored is
dropped, so crawling the same site again adds no rows.

The original of a group of copies is the copy published first (see
``pipelines.dedup.published_first``), whatever order the crawl met them in:
when an older copy arrives, it is stored as the original and every row of the
group is pointed at it (``ArticleWriter.demoted`` lists the sources whose
former original became a copy, so that the counts stay right).
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models.schema import Article, Source, to_utc_text
from pipelines.dedup import DedupIndex, published_first
from pipelines.items import ArticleItem
from pipelines.tagstore import TagWriter, relevance_columns


class ArticleWriter:
    """Writes items into an open session (the caller commits)."""

    def __init__(self, session: Session, run_id: int | None = None) -> None:
        self.session = session
        self.run_id = run_id
        self._sources: set[str] = set()
        self.index = DedupIndex(lookup_url=self._stored_url, lookup_hash=self._original)
        self.demoted: list[str] = []
        """Source ids of originals that became copies of an older article (drained by
        the caller)."""
        self.tags = TagWriter(session)

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
        older = verdict.duplicate_of
        if older is not None and self._published_before(item, older):
            older = None  # this copy is the oldest: it becomes the group's original
        row = Article(
            source_id=item.source_id, url=item.url, canonical_url=item.canonical_url,
            title=item.title, text=item.text, author=item.author, language=item.language,
            published_at=item.published_at, published_raw=item.published_raw,
            date_precision=item.date_precision, date_source=item.date_source,
            fetched_at=to_utc_text(item.fetched_at), content_hash=item.content_hash,
            duplicate_of=older, relevant=int(item.relevant),
            topics=",".join(item.topics) or None, attributed_to=item.attributed_to,
            state_supplied=int(item.state_supplied), supplier=item.supplier,
            discovered_via=item.discovered_via or None, crawl_run_id=self.run_id,
        )
        if item.relevance is not None:  # score, terms (and relevant/topics, the same)
            for name, value in relevance_columns(item.relevance).items():
                setattr(row, name, value)
        self.session.add(row)
        self.session.flush()
        if item.relevance is not None:
            self.tags.write(row.id, item.relevance)
        if verdict.duplicate_of is not None and older is None:
            self._repoint(verdict.duplicate_of, row.id)
            self.index.replace_original(item.content_hash, row.id)
        self.index.remember(item.canonical_url, item.content_hash, row.id, older)
        item.id, item.duplicate_of = row.id, older
        return row

    def _published_before(self, item: ArticleItem, original_id: int) -> bool:
        original = self.session.get(Article, original_id)
        if original is None:
            return False
        source = self.session.get(Source, original.source_id)
        mine = (item.published_at, item.source.timezone if item.source else None)
        return published_first(mine, (original.published_at, source.timezone if source else None))

    def _repoint(self, old_original: int, new_original: int) -> None:
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


class StorePipeline:
    def __init__(self, db: str | None, commit_every: int, stats) -> None:
        self.db = db
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
                   crawler.stats)

    def open_spider(self) -> None:
        from models.db import open_engine

        self.engine = open_engine(self.db)
        self.session = Session(self.engine, expire_on_commit=False)
        self.writer = ArticleWriter(self.session, self.stats.get_value("civmon/run_id"))

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
            self.stats.inc_value("civmon/dedup/exact_duplicate")
            self.stats.inc_value(f"civmon/source/{item.source_id}/duplicates")
        for source_id in self.writer.demoted:  # a former original is now a copy
            self.stats.inc_value("civmon/dedup/exact_duplicate")
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
