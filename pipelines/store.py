"""Storing articles: one row per canonical URL, copies linked to their original.

``ArticleWriter`` is the plain part: given an open session it upserts the
``sources`` row, applies the dedup verdict and inserts the ``articles`` row
(with its relevance score, terms and tag rows: ``pipelines.tagstore``).
``StorePipeline`` wraps it for Scrapy: it opens the database named by
``CIVMON_DB`` (default ``data/civmon.sqlite``; a path or a SQLAlchemy URL),
writes a batch every ``CIVMON_COMMIT_EVERY`` items (default 50) or
``CIVMON_COMMIT_SECONDS`` seconds (default 2), whichever comes first, and at
close, each in one short transaction, passes the ``CIVMON_DEDUP_*`` /
``CIVMON_NEAR_DUP_*`` / ``CIVMON_STORY_*`` settings to the linker
(``pipelines.linking``), and counts ``civmon/store/*`` and
``civmon/source/<id>/stored|duplicates``.

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

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from models.schema import Article, Source, to_utc_text
from pipelines.dedup import DedupIndex, canonical_url
from pipelines.items import ArticleItem
from pipelines.linking import Linker, Stored, linker_options
from pipelines.tagstore import TagWriter, relevance_columns

#: Columns the linker reads from a stored article (and its source).
_LINK_COLUMNS = (Article.id, Article.source_id, Article.text, Article.title,
                 Article.published_at, Article.fetched_at, Source.timezone, Source.name,
                 Source.homepage, Article.attributed_to, Article.duplicate_of, Article.story_id)


def _link_query(*conditions):
    return (select(*_LINK_COLUMNS).join(Source, Source.id == Article.source_id)
            .where(*conditions).order_by(Article.id))


def _as_stored(session: Session, query, params: dict | None = None) -> Iterator[Stored]:
    with session.no_autoflush:
        for r in session.execute(query, params):
            yield Stored(id=r[0], source_id=r[1], text=r[2], title=r[3], published_at=r[4],
                         fetched_at=r[5], timezone=r[6], source_name=r[7], source_homepage=r[8],
                         attributed_to=r[9], duplicate_of=r[10], story_id=r[11])


def _chunks(keys: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(keys), size):
        yield keys[i:i + size]


def stored_rows(session: Session, *conditions) -> Iterator[Stored]:
    """Stored articles as ``pipelines.linking.Stored`` (ordered by id)."""
    return _as_stored(session, _link_query(*conditions))


def published_between(first_day, end_day):
    """Articles published on days [first_day, end_day) (undated: fetched then)."""
    return or_(and_(Article.published_at >= first_day, Article.published_at < end_day),
               and_(Article.published_at.is_(None), Article.fetched_at >= first_day,
                    Article.fetched_at < end_day))


# The look-ups made for every stored article, built once with bound parameters:
# building a statement and its cache key costs more than running it on SQLite.
_WINDOW = _link_query(published_between(bindparam("first_day"), bindparam("end_day")))
_BY_ID = _link_query(Article.id == bindparam("article_id"))
_BY_URL = select(Article.id).where(Article.canonical_url == bindparam("canonical"))
_BY_HASH = (select(Article.id)
            .where(Article.content_hash == bindparam("digest"), Article.duplicate_of.is_(None))
            .order_by(Article.id).limit(1))


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
        self.tags = TagWriter(session)
        self._known_urls: dict[str, int | None] = {}
        self._originals: dict[str, int | None] = {}
        """The answers of the last ``prefetch`` (None: not stored / no original)."""

    def _window(self, first_day: str, end_day: str) -> Iterator[Stored]:
        return _as_stored(self.session, _WINDOW, {"first_day": first_day, "end_day": end_day})

    def _fetch(self, article_id: int) -> Stored | None:
        return next(_as_stored(self.session, _BY_ID, {"article_id": article_id}), None)

    def _stories_of(self, urls: tuple[str, ...]) -> list[tuple[int, int | None]]:
        with self.session.no_autoflush:
            return [(r[0], r[1]) for r in self.session.execute(
                select(Article.id, Article.story_id).where(Article.canonical_url.in_(urls)))]

    def prefetch(self, items: list[ArticleItem]) -> None:
        """Look a batch's canonical URLs and content hashes up in two queries (the
        per-item lookups then read the answers; rows this batch writes are in the
        dedup index's own maps, and a repointed group drops the hash answers)."""
        urls = list(dict.fromkeys(i.canonical_url for i in items if i.canonical_url))
        digests = list(dict.fromkeys(i.content_hash for i in items if i.content_hash))
        self._known_urls = dict.fromkeys(urls)
        self._originals = dict.fromkeys(digests)
        with self.session.no_autoflush:
            for chunk in _chunks(urls):
                for url, article_id in self.session.execute(
                        select(Article.canonical_url, Article.id)
                        .where(Article.canonical_url.in_(chunk))):
                    self._known_urls[url] = article_id
            for chunk in _chunks(digests):
                for digest, article_id in self.session.execute(
                        select(Article.content_hash, func.min(Article.id))
                        .where(Article.content_hash.in_(chunk), Article.duplicate_of.is_(None))
                        .group_by(Article.content_hash)):
                    self._originals[digest] = article_id

    def _stored_url(self, canonical: str) -> int | None:
        if canonical in self._known_urls:
            return self._known_urls[canonical]
        with self.session.no_autoflush:
            return self.session.scalar(_BY_URL, {"canonical": canonical})

    def _original(self, digest: str) -> int | None:
        if digest in self._originals:
            return self._originals[digest]
        with self.session.no_autoflush:
            return self.session.scalar(_BY_HASH, {"digest": digest})

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
        # the fingerprint and its MinHash come with the item (the keys stage, in a worker)
        decision = self.linker.decide(stored, exact_original=verdict.duplicate_of,
                                      fp=item.fingerprint, plain_signature=item.signature)
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
        if item.relevance is not None:  # score, terms (and relevant/topics, the same)
            for name, value in relevance_columns(item.relevance).items():
                setattr(row, name, value)
        self.session.add(row)
        self.session.flush()
        if row.story_id is None:
            row.story_id = row.id  # a new story is named after its first article
        if decision.replaces is not None:  # this copy is the oldest: the group's original
            self._repoint(decision.replaces, row.id, decision.replaced_similarity)
            if verdict.duplicate_of is not None:
                self.index.replace_original(item.content_hash, row.id)
        if item.relevance is not None:
            self.tags.write(row.id, item.relevance, new_article=True)
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
        self._originals.clear()  # which row is a group's original has changed
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
    """Buffers items and writes each batch in one short transaction.

    A batch is written when it holds ``CIVMON_COMMIT_EVERY`` items or its
    oldest item has waited ``CIVMON_COMMIT_SECONDS`` (a timer checks, so a slow
    trickle of articles is not held back), and at close.  No transaction stays
    open between batches: readers see progress within seconds, a researcher's
    own ``CREATE VIEW`` waits at most for one batch write (milliseconds), and a
    ``kill -9`` loses at most the buffered, uncommitted items, which the next
    run fetches again because they are not stored.
    """

    def __init__(self, db: str | None, commit_every: int, stats,
                 commit_seconds: float = 2.0, clock=None,
                 linker_options: dict | None = None) -> None:
        import time

        self.db = db
        self.linker_options = linker_options
        self.commit_every = max(1, commit_every)
        self.commit_seconds = max(0.0, commit_seconds)
        self.stats = stats
        self.clock = clock or time.monotonic
        self.engine = None
        self.session: Session | None = None
        self.writer: ArticleWriter | None = None
        self._buffer: list[ArticleItem] = []
        self._buffered: set[str] = set()
        self._oldest = 0.0
        self._timer = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(s.get("CIVMON_DB") or None, s.getint("CIVMON_COMMIT_EVERY", 50),
                   crawler.stats, s.getfloat("CIVMON_COMMIT_SECONDS", 2.0),
                   linker_options=linker_options(s))

    def open_spider(self) -> None:
        import sys

        from models.db import open_engine

        self.engine = open_engine(self.db)
        self.session = Session(self.engine, expire_on_commit=False)
        self.writer = ArticleWriter(self.session, self.stats.get_value("civmon/run_id"),
                                    linker_options=self.linker_options)
        if "twisted.internet.reactor" in sys.modules:  # under Scrapy: the time bound's timer
            from twisted.internet.task import LoopingCall

            self._timer = LoopingCall(self._tick)
            self._timer.start(max(0.2, min(1.0, self.commit_seconds / 2)), now=False)

    def _is_stored(self, canonical: str) -> bool:
        assert self.engine is not None
        with self.engine.connect() as conn:  # a read: takes no write lock
            return conn.scalar(select(Article.id).where(Article.canonical_url == canonical)) \
                is not None

    def process_item(self, item: ArticleItem) -> ArticleItem:
        from scrapy.exceptions import DropItem

        if not item.canonical_url or not item.content_hash:
            raise ValueError(f"{item.url}: dedup keys missing (run the dedup stage first)")
        if item.canonical_url in self._buffered or self._is_stored(item.canonical_url):
            self.stats.inc_value("civmon/store/known_url")
            raise DropItem(f"already stored: {item.canonical_url}", log_level="INFO")
        if not self._buffer:
            self._oldest = self.clock()
        self._buffer.append(item)
        self._buffered.add(item.canonical_url)
        if len(self._buffer) >= self.commit_every or self._due():
            self.flush()
        return item

    def _due(self) -> bool:
        return bool(self._buffer) and self.clock() - self._oldest >= self.commit_seconds

    def _tick(self) -> None:
        if self._due():
            self.flush()

    def flush(self) -> None:
        """Write the buffered items and commit: one short write transaction.

        When the batch fails (a unique index hit by another writer, a full disk, a
        locked database), the transaction is rolled back and the items are written
        again one by one, each in its own transaction: one bad row costs only itself.
        Each item that still fails is logged with its URL and counted
        (``civmon/store/failed_write``, ``civmon/source/<id>/write_failed``); the run
        recorder then reports the run ``partial``, never ``ok``.
        """
        if not self._buffer:
            return
        assert self.writer is not None and self.session is not None
        batch, self._buffer, self._buffered = self._buffer, [], set()
        try:
            counts = self._write(batch)
        except Exception as exc:
            self._recover(exc)
            counts = []
            for item in batch:
                try:
                    counts.extend(self._write([item]))
                except Exception as item_exc:
                    self._recover(item_exc, item)
        except BaseException:
            self.session.rollback()
            raise
        self._count(counts)

    def _write(self, batch: list[ArticleItem]) -> list[tuple]:
        assert self.writer is not None and self.session is not None
        counts: list[tuple[str, ArticleItem | None, str, list[str], str]] = []
        self.writer.prefetch(batch)
        for item in batch:
            row = self.writer.write(item)
            counts.append((item.source_id, item if row is not None else None,
                           self.writer.last_kind, list(self.writer.demoted),
                           self.writer.replaced_kind))
            self.writer.demoted.clear()
        self.session.commit()
        return counts

    def _recover(self, exc: BaseException, item: ArticleItem | None = None) -> None:
        """Roll back, and start a writer whose caches hold only what is committed."""
        import logging

        assert self.session is not None
        self.session.rollback()
        self.writer = ArticleWriter(self.session, self.stats.get_value("civmon/run_id"),
                                    linker_options=self.linker_options)
        if item is None:
            logging.getLogger(__name__).warning(
                "store: batch write failed (%s: %s); writing its items one by one",
                type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            return
        self.stats.inc_value("civmon/store/failed_write")
        self.stats.inc_value(f"civmon/source/{item.source_id}/write_failed")
        logging.getLogger(__name__).error(
            "store: could not write %s: %s: %s", item.url, type(exc).__name__,
            str(exc).splitlines()[0] if str(exc) else "")

    def _count(self, counts: list[tuple]) -> None:
        for source_id, written, kind, demoted, replaced_kind in counts:
            if written is None:  # stored by someone else since process_item looked
                self.stats.inc_value("civmon/store/known_url")
                continue
            self.stats.inc_value("civmon/store/stored")
            self.stats.inc_value(f"civmon/source/{source_id}/stored")
            if written.duplicate_of is not None:
                self.stats.inc_value(f"civmon/dedup/{kind}")
                self.stats.inc_value(f"civmon/source/{source_id}/duplicates")
            for former in demoted:  # a former original is now a copy
                self.stats.inc_value(f"civmon/dedup/{replaced_kind}")
                self.stats.inc_value("civmon/dedup/original_replaced")
                self.stats.inc_value(f"civmon/source/{former}/duplicates")
        self.stats.inc_value("civmon/store/commits")

    def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        try:
            if self.session is not None:
                self.flush()
                self.session.close()
        finally:
            if self.engine is not None:
                self.engine.dispose()
