"""Recording crawl runs, and making sure only one runs at a time per database.

``CrawlRunRecorder`` (a Scrapy extension) inserts a ``crawl_runs`` row when the
crawler is built, so pipelines can tag articles with its id
(stats ``civmon/run_id``), and on ``spider_closed`` writes the end time, the
status and the counts, overall and per source (``crawl_run_sources``).
A source is *broken* when every discovery URL failed, or when article pages
were found but none could be fetched; the run is then ``partial`` (or
``failed`` when every source is broken) and ``civmon crawl`` exits non-zero.

``RunLock`` is an advisory ``flock`` beside the SQLite file (or in the user's
cache folder for a server database): a nightly cron job that overlaps the
previous night's run stops with a clear message instead of crawling twice.
It is keyed on the resolved file (symlinks, relative paths), and for a server
URL on the server's identity (PostgreSQL's system identifier and database name;
else the URL without driver, user, password, options and default port).  A run
with a failed article write (``civmon/store/failed_write``) is ``partial``.

Every fault kind has its own counter in the ledger: ``crawl_run_faults`` (run,
source, kind, count) from the ``civmon/source/<id>/fault_<kind>`` stats, written at
the end of the run and checkpointed while it runs (every ``CIVMON_COMMIT_SECONDS``
when a count changed, in its own short transaction), so a killed run keeps the
counts it had.

On start, while holding the lock, any other ``running`` row is a crawl whose
process died (``kill -9``, a power cut, a second SIGINT): it is closed as
``abandoned`` with the number of articles it had committed.

Settings read: ``CIVMON_DB``, ``CIVMON_COMMAND``, ``CIVMON_COMMIT_SECONDS``,
``CIVMON_LOCK`` (default True), ``CIVMON_LOCK_HELD`` (set by ``civmon crawl``, which
takes the lock itself).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

from scrapy import signals
from sqlalchemy.orm import Session

from crawler.health import HISTORY, alerts
from models.db import database_url, open_engine, sqlite_path
from models.schema import (
    Article,
    CrawlRun,
    CrawlRunFailure,
    CrawlRunFault,
    CrawlRunSource,
    Source,
    utc_now_text,
)

#: Per-source counters kept in stats as civmon/source/<id>/<name>.
COUNTS = ("discovered", "fetched", "failed", "extracted", "stored", "duplicates", "undated")
#: What was not fetched or kept, and why (models.schema.SkipCounts).
SKIP_COUNTS = ("skipped_known", "skipped_robots", "skipped_dead", "not_modified", "too_large",
               "extract_empty", "revised", "taken_down")
#: Failed requests kept per source and run in crawl_run_failures (the rest are counted).
MAX_FAILURES_KEPT = 100


#: Stats kept in crawl_runs.stats (JSON): ours, plus Scrapy's that explain failures.
RUN_STATS_PREFIXES = (
    "civmon/", "robotstxt/", "downloader/response_status_count/", "retry/",
    "item_dropped_reasons_count/", "log_count/ERROR", "elapsed_time_seconds",
)


class RunLockedError(RuntimeError):
    pass


def normalized_url(url: str) -> str:
    """A server URL without what does not change the database: driver, user, password,
    query options, the default port, the host's case."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    backend = u.get_backend_name()
    port = u.port or {"postgresql": 5432, "mysql": 3306}.get(backend)
    host = (u.host or "").lower()
    if host in ("localhost", "::1", "[::1]"):
        host = "127.0.0.1"  # the same local server under its usual spellings
    return f"{backend}://{host}:{port}/{u.database or ''}"


def database_identity(url: str) -> str:
    """What names a server database for the run lock: the server's own identity when it
    can tell (PostgreSQL's system identifier and the database name), else the normalized
    URL.  Two spellings of one database (another host alias, a password in one of them)
    then share one lock."""
    from sqlalchemy import create_engine, text

    key = normalized_url(url)
    try:
        args = {"connect_timeout": 5} if key.startswith("postgresql:") else {}
        engine = create_engine(url, connect_args=args)
    except Exception:  # no driver, bad URL: the crawl itself reports it
        return key
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                try:
                    row = conn.execute(text(
                        "SELECT system_identifier::text, current_database() "
                        "FROM pg_control_system()")).one()
                except Exception:  # not allowed to read pg_control_system(): the URL
                    return key
                return f"postgresql:{row[0]}/{row[1]}"
    except Exception:  # server down: the crawl will say so; lock on the URL meanwhile
        return key
    finally:
        engine.dispose()
    return key


class RunLock:
    """An exclusive, non-blocking lock named after the database."""

    def __init__(self, db: str | None) -> None:
        url = database_url(db)
        path = sqlite_path(url)
        if path is not None:
            # Keyed on the file itself, not the name as typed: through a symlink, a
            # relative path or '..' two crawls would otherwise share one database.
            real = path.expanduser().resolve()
            self.path = real.with_name(real.name + ".lock")
        else:
            cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "civmon"
            digest = hashlib.sha1(database_identity(url).encode()).hexdigest()[:16]
            self.path = cache / f"{digest}.lock"
        self._fh = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise RunLockedError(
                f"another crawl is already running on this database (lock {self.path}, "
                f"held by pid {holder})"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def recent_counts(session: Session, source_id: str, before_run: int) -> list[dict[str, int]]:
    """Counts of the source's last finished runs before ``before_run`` (crawler.health)."""
    from sqlalchemy import select

    rows = session.scalars(
        select(CrawlRunSource).join(CrawlRun, CrawlRun.id == CrawlRunSource.run_id)
        .where(CrawlRunSource.source_id == source_id, CrawlRunSource.run_id < before_run,
               CrawlRun.status.in_(("ok", "partial", "failed")))
        .order_by(CrawlRunSource.run_id.desc()).limit(HISTORY)).all()
    return [{name: getattr(r, name) for name in (*COUNTS, *SKIP_COUNTS)} for r in rows]


def fault_counts_by_source(stats: dict) -> dict[tuple[str, str], int]:
    """(source id, fault kind) -> count, from the ``civmon/source/<id>/fault_<kind>`` stats."""
    out: dict[tuple[str, str], int] = {}
    for key, value in stats.items():
        parts = key.split("/")
        if (len(parts) == 4 and parts[:2] == ["civmon", "source"]
                and parts[3].startswith("fault_") and value):
            out[(parts[2], parts[3].removeprefix("fault_"))] = int(value)
    return out


def save_faults(session: Session, run_id: int, counts: dict[tuple[str, str], int]) -> None:
    """Upsert the run's ``crawl_run_faults`` rows (a count only grows during a run)."""
    for (sid, kind), n in sorted(counts.items()):
        session.merge(CrawlRunFault(run_id=run_id, source_id=sid, kind=kind, count=n))


def close_abandoned(engine, current_run: int) -> list[int]:
    """Close ``running`` rows other than ``current_run`` as ``abandoned``, with what they stored.

    Only call while holding the database's RunLock: then no other process can be
    writing those runs (they were killed, or the machine went down).
    """
    from sqlalchemy import func, select

    closed: list[int] = []
    with Session(engine) as session:
        stale = session.scalars(select(CrawlRun).where(
            CrawlRun.status == "running", CrawlRun.id != current_run)).all()
        for run in stale:
            per_source = dict(session.execute(
                select(Article.source_id, func.count(Article.id))
                .where(Article.crawl_run_id == run.id).group_by(Article.source_id)).all())
            last = session.scalar(select(func.max(Article.fetched_at))
                                  .where(Article.crawl_run_id == run.id))
            run.status = "abandoned"
            run.finished_at = last or run.started_at
            run.finish_reason = f"abandoned: its process was gone when run {current_run} started"
            run.stored = sum(per_source.values())
            for sid, n in per_source.items():
                session.merge(CrawlRunSource(run_id=run.id, source_id=sid, status="abandoned",
                                             stored=n, error="the run's process was gone"))
            closed.append(run.id)
        session.commit()
    return closed


def source_status(counts: dict[str, int]) -> tuple[str, str | None]:
    """'ok', 'empty' or 'broken' (with the reason) from one source's counters."""
    ok, failed_discovery = counts.get("discovery_ok", 0), counts.get("discovery_failed", 0)
    if ok == 0 and failed_discovery > 0:
        return "broken", f"all {failed_discovery} discovery requests failed"
    # retries of old dead links failing again say nothing about the site today
    failed_new = counts.get("failed", 0) - counts.get("retry_failed", 0)
    if (failed_new > 0 and not counts.get("fetched", 0)
            and not counts.get("skipped_known", 0)):
        # (with known articles skipped, one failing new page is no sign of a dead site)
        return "broken", f"{failed_new} article pages failed, none fetched"
    if not counts.get("discovered", 0) and not counts.get("not_modified", 0):
        return "empty", None  # (a 304 is a site answering "nothing new": ok)
    return "ok", None


def run_status(reason: str, statuses: dict[str, tuple[str, str | None]],
               stats: dict) -> str:
    """The run's status from Scrapy's close reason, the sources' statuses and the stats."""
    broken = [sid for sid, (st, _) in statuses.items() if st == "broken"]
    if reason == "shutdown":
        return "interrupted"
    if broken and len(broken) == len(statuses):
        return "failed"
    if broken or stats.get("civmon/store/failed_write", 0):
        return "partial"  # (a lost write is a lost article: never 'ok')
    if reason == "finished":
        return "ok"
    return reason  # e.g. closespider_timeout: the run was cut short


class CrawlRunRecorder:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.db = crawler.settings.get("CIVMON_DB") or None
        self.lock = RunLock(self.db) if crawler.settings.getbool("CIVMON_LOCK", True) else None
        if self.lock is not None:
            self.lock.acquire()
        self.engine = open_engine(self.db)
        with Session(self.engine) as session:
            run = CrawlRun(command=crawler.settings.get("CIVMON_COMMAND") or "scrapy")
            session.add(run)
            session.commit()
            self.run_id = run.id
        if self.lock is not None or crawler.settings.getbool("CIVMON_LOCK_HELD"):
            # We hold the one-crawl lock, so any other `running` row lost its process.
            close_abandoned(self.engine, self.run_id)
        self.stats.set_value("civmon/run_id", self.run_id)
        self.checkpoint_seconds = max(0.2, crawler.settings.getfloat("CIVMON_COMMIT_SECONDS",
                                                                     2.0))
        self._faults_saved: dict[tuple[str, str], int] = {}
        self._timer = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        from twisted.internet.task import LoopingCall

        self._timer = LoopingCall(self.checkpoint)
        self._timer.start(self.checkpoint_seconds, now=False)

    def checkpoint(self) -> None:
        """Write the fault counters that changed since the last checkpoint (a killed
        run keeps them); a failed write is logged and retried at the next one."""
        import logging

        counts = fault_counts_by_source(self.stats.get_stats())
        changed = {k: v for k, v in counts.items() if self._faults_saved.get(k) != v}
        if not changed:
            return
        try:
            with Session(self.engine) as session:
                save_faults(session, self.run_id, changed)
                session.commit()
        except Exception as exc:  # a locked database: the next checkpoint tries again
            logging.getLogger(__name__).warning("run ledger: fault checkpoint failed: %s",
                                                str(exc).splitlines()[0] if str(exc) else exc)
            return
        self._faults_saved.update(changed)

    def spider_closed(self, spider, reason: str) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        try:
            self._record(spider, reason)
        finally:
            self.engine.dispose()
            if self.lock is not None:
                self.lock.release()

    def _record(self, spider, reason: str) -> None:
        stats = self.stats.get_stats()
        sources = getattr(spider, "sources", {})
        per_source: dict[str, dict[str, int]] = {sid: {} for sid in sources}
        for key, value in stats.items():
            parts = key.split("/")
            if len(parts) == 4 and parts[:2] == ["civmon", "source"]:
                per_source.setdefault(parts[2], {})[parts[3]] = int(value)
        statuses = {sid: source_status(c) for sid, c in per_source.items()}
        status = run_status(reason, statuses, stats)
        broken = [sid for sid, (st, _) in statuses.items() if st == "broken"]
        attention: dict[str, list[str]] = {}
        with Session(self.engine) as session:
            run = session.get(CrawlRun, self.run_id)
            assert run is not None
            run.finished_at = utc_now_text()
            run.status = status
            run.finish_reason = reason
            run.sources = ",".join(sources)
            for name in (*COUNTS, *SKIP_COUNTS):
                setattr(run, name, sum(c.get(name, 0) for c in per_source.values()))
            run.stats = json.dumps(
                {k: v for k, v in stats.items() if k.startswith(RUN_STATS_PREFIXES)},
                sort_keys=True, default=str)
            for sid, counts in per_source.items():
                if session.get(Source, sid) is None:
                    src = sources.get(sid)
                    if src is None:
                        continue
                    session.add(Source(id=sid, name=src.name, country=src.country,
                                       kind=src.kind, languages=",".join(src.languages),
                                       timezone=src.timezone, enabled=src.enabled))
                st, error = statuses[sid]
                if counts.get("write_failed") and error is None:
                    error = f"{counts['write_failed']} article writes failed (see the log)"
                found = alerts(counts, recent_counts(session, sid, self.run_id),
                               status=st, error=error)
                if found and st != "broken":
                    attention[sid] = found
                session.merge(CrawlRunSource(
                    run_id=self.run_id, source_id=sid, status=st, error=error,
                    alerts="; ".join(found) or None,
                    **{name: counts.get(name, 0) for name in (*COUNTS, *SKIP_COUNTS)},
                ))
            save_faults(session, self.run_id, fault_counts_by_source(stats))
            kept: dict[str, int] = {}
            for sid, role, url, status_code, error in getattr(spider, "failures", ()):
                kept[sid] = kept.get(sid, 0) + 1
                if kept[sid] <= MAX_FAILURES_KEPT:
                    session.add(CrawlRunFailure(run_id=self.run_id, source_id=sid, role=role,
                                                url=url, http_status=status_code, error=error))
            session.commit()
        self.stats.set_value("civmon/run_status", status)
        for sid in broken:
            spider.logger.error("source %s is broken: %s", sid, statuses[sid][1])
        for sid, found in attention.items():
            spider.logger.warning("source %s needs attention: %s", sid, "; ".join(found))
