"""``articles.published_day``: the day of publication in the source's own time zone.

Researchers count news per day as the outlet's readers saw it: an article
stamped 22:30 UTC in Baku (UTC+4) or Almaty (UTC+5) came out the next local
morning.  ``published_at`` holds UTC instants (or a local day when only the
day is known), so the local day is derived here, once, and stored as
'YYYY-MM-DD' text (docs/database.md):

* ``local_day(published_at, zone)`` — the rule: a timed value is converted to
  the zone and its calendar day taken; a day-only value *is* the local day;
  NULL stays NULL; an unknown zone counts as UTC.
* ``install()`` — a Session ``before_flush`` hook, so every civmon write of an
  article (the store, revisits, ``dedup --rebuild``, ``classify``, anything
  that sets ``published_at`` through the ORM) sets ``published_day`` too, and
  an ``after_flush`` hook that recomputes a source's rows when its registry
  time zone changes.
* ``refresh(conn, source_id=None)`` — recompute stored rows (migration 0006's
  backfill; the zone change; rows written by raw SQL).  On SQLite one set-based
  ``UPDATE`` with ``local_day`` registered as the SQL function ``civmon_local_day``
  (zoneinfo decides each instant's offset, so Kazakhstan's move from UTC+6 to UTC+5
  on 1 March 2024 is right); on PostgreSQL keyset batches computed in Python.
  Rows whose day is already right are not rewritten.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.orm import Session


@lru_cache(maxsize=256)
def _zone(name: str | None) -> tzinfo:
    from pipelines.dates import zone

    if not name:
        return UTC
    try:
        return zone(name)
    except ValueError:
        return UTC


def local_day(published_at: str | None, zone_name: str | None) -> str | None:
    """'YYYY-MM-DD' of ``published_at`` in ``zone_name`` (day-only values as they are)."""
    if not published_at:
        return None
    if "T" not in published_at:
        day = published_at[:10]
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            return None
        return day
    try:
        moment = datetime.fromisoformat(published_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(zone_name)).strftime("%Y-%m-%d")


BATCH = 2000
"""Rows per keyset batch of ``refresh`` on PostgreSQL."""


def refresh(conn: Connection, source_id: str | None = None, batch: int | None = None) -> int:
    """Recompute ``published_day`` of stored articles (all, or one source's); rows changed."""
    if conn.dialect.name == "sqlite":
        return _refresh_sqlite(conn, source_id)
    return _refresh_batches(conn, source_id, batch or BATCH)


def _refresh_sqlite(conn: Connection, source_id: str | None) -> int:
    """One UPDATE: SQLite calls ``local_day`` per row (no row travels through Python as
    a result row and back as a parameter) and rewrites only the rows that change."""
    import sqlite3
    from contextlib import suppress

    with suppress(sqlite3.OperationalError):  # already there, and a statement is running
        conn.connection.driver_connection.create_function(
            "civmon_local_day", 2, local_day, deterministic=True)
    day = ("civmon_local_day(published_at, "
           "(SELECT s.timezone FROM sources s WHERE s.id = articles.source_id))")
    where = " AND source_id = :source" if source_id is not None else ""
    result = conn.execute(text(
        f"UPDATE articles SET published_day = {day} WHERE published_day IS NOT {day}{where}"),
        {"source": source_id})
    return result.rowcount


def _refresh_batches(conn: Connection, source_id: str | None, batch: int) -> int:
    where = "AND a.source_id = :source " if source_id is not None else ""
    changed = 0
    last = 0
    while True:  # keyset batches: memory flat at any size
        rows = conn.execute(text(
            "SELECT a.id, a.published_at, s.timezone, a.published_day FROM articles a "
            "JOIN sources s ON s.id = a.source_id "
            f"WHERE a.id > :last {where}ORDER BY a.id LIMIT :batch"),
            {"last": last, "batch": batch, "source": source_id}).all()
        if not rows:
            return changed
        updates = []
        for article_id, published_at, zone_name, stored in rows:
            day = local_day(published_at, zone_name)
            if day != stored:
                updates.append({"id": article_id, "day": day})
        if updates:
            conn.execute(text("UPDATE articles SET published_day = :day WHERE id = :id"),
                         updates)
            changed += len(updates)
        last = rows[-1][0]


def _zone_of(session: Session, source_id: str | None, pending: dict[str, str]) -> str | None:
    from models.schema import Source

    if source_id in pending:
        return pending[source_id]
    with session.no_autoflush:
        src = session.get(Source, source_id) if source_id is not None else None
    return src.timezone if src is not None else None


def _before_flush(session: Session, _ctx, _instances) -> None:
    from models.schema import Article, Source

    pending = {o.id: o.timezone for o in session.new if isinstance(o, Source)}
    rezoned = session.info.setdefault("civmon_rezoned_sources", set())
    for o in session.dirty:
        if isinstance(o, Source):
            pending[o.id] = o.timezone
            if inspect(o).attrs.timezone.history.has_changes():
                rezoned.add(o.id)
    for o in session.new:
        if isinstance(o, Article):
            o.published_day = local_day(o.published_at, _zone_of(session, o.source_id,
                                                                 pending))
    for o in session.dirty:
        if isinstance(o, Article):
            state = inspect(o)
            if any(state.attrs[a].history.has_changes() for a in ("published_at", "source_id")):
                o.published_day = local_day(o.published_at,
                                            _zone_of(session, o.source_id, pending))


def _after_flush(session: Session, _ctx) -> None:
    rezoned = session.info.pop("civmon_rezoned_sources", None)
    if not rezoned:
        return
    conn = session.connection()
    for source_id in sorted(rezoned):
        refresh(conn, source_id)


_installed = False


def install() -> None:
    """Keep ``published_day`` right on every Session's article writes (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        _installed = True


install()
