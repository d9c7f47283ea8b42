"""What the spider asks of, and tells, the database it crawls into.

The news spider decides per discovered link whether to fetch it.  It asks the
crawl's own database (``CIVMON_DB``, the default ``data/civmon.sqlite`` when
empty: the same file the store writes) in indexed batches, one query per
discovery page rather than a set of every stored URL loaded at start-up, so
start-up time and memory do not grow with the database:

- ``known(keys)``: canonical URLs already stored (``articles.canonical_url`` is
  unique, hence indexed);
- ``resting(keys, now)``: dead links still inside their retry pause
  (``url_failures.retry_after``, see crawler.deadlinks);
- ``validators(urls)``: ETag / Last-Modified of feeds, sitemaps and listings
  for conditional GET.

Writes are short transactions of their own, made between store batches (the
store keeps no transaction open between its commits), so they never wait for
one another in the reactor thread.

Reads no settings itself; the spider passes ``CIVMON_DB``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models.db import open_engine
from models.schema import Article, DiscoveryValidator, UrlFailure, to_utc_text

#: Keys per ``IN (...)`` query: well under SQLite's 32,766 bound variables.
BATCH = 500

T = TypeVar("T")


def batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Ledger:
    def __init__(self, db: str | None, engine: Engine | None = None) -> None:
        self.engine = engine if engine is not None else open_engine(db)

    def known(self, keys: Iterable[str]) -> set[str]:
        """The subset of ``keys`` (canonical URLs) already stored as articles."""
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in batches(dict.fromkeys(keys)):
                found.update(conn.scalars(
                    select(Article.canonical_url).where(Article.canonical_url.in_(chunk))))
        return found

    def resting(self, keys: Iterable[str], now_text: str) -> dict[str, str]:
        """Dead links among ``keys`` whose retry time has not come yet: {key: retry_after}."""
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in batches(dict.fromkeys(keys)):
                for key, after in conn.execute(
                        select(UrlFailure.canonical_url, UrlFailure.retry_after).where(
                            UrlFailure.canonical_url.in_(chunk),
                            UrlFailure.retry_after > now_text)):
                    out[key] = after
        return out

    def due(self, source_ids: list[str], now: datetime, limit: int = 50) -> list[UrlFailure]:
        """Failed article URLs of these sources whose pause has ended (at most ``limit`` each)."""
        out: list[UrlFailure] = []
        with Session(self.engine) as session:
            for sid in source_ids:
                out.extend(session.scalars(
                    select(UrlFailure).where(UrlFailure.source_id == sid,
                                             UrlFailure.retry_after <= to_utc_text(now))
                    .order_by(UrlFailure.retry_after).limit(limit)))
                session.expunge_all()
        return out

    def save_validators(self, seen: dict[str, tuple[str, str | None, str | None]],
                        now: datetime) -> None:
        """Remember ETag / Last-Modified of discovery pages (after a complete run only)."""
        if not seen:
            return
        with Session(self.engine) as session:
            for url, (source_id, etag, modified) in seen.items():
                session.merge(DiscoveryValidator(url=url, source_id=source_id, etag=etag,
                                                 last_modified=modified,
                                                 updated_at=to_utc_text(now)))
            session.commit()

    def record_failures(self, failures, fetched_ok, now: datetime) -> None:
        """Update the dead-link memory after a run (crawler.deadlinks)."""
        from crawler.deadlinks import record

        with Session(self.engine) as session:
            record(session, failures, fetched_ok, now)
            session.commit()

    def validators(self, urls: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """``{url: (etag, last_modified)}`` remembered from the last complete run."""
        out: dict[str, tuple[str | None, str | None]] = {}
        with self.engine.connect() as conn:
            for chunk in batches(dict.fromkeys(urls)):
                for url, etag, modified in conn.execute(
                        select(DiscoveryValidator.url, DiscoveryValidator.etag,
                               DiscoveryValidator.last_modified)
                        .where(DiscoveryValidator.url.in_(chunk))):
                    out[url] = (etag, modified)
        return out

    def close(self) -> None:
        self.engine.dispose()
