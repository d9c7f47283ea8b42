"""``civmon runs`` and ``civmon health``: what the nightly crawls did, without SQL.

Both read the ledger (``crawl_runs``, ``crawl_run_sources``,
``crawl_run_failures``, ``crawl_run_faults``: the per-kind fault counts) through a
read-only connection (models.db.open_readonly) and exit 1 when a source needs
attention (broken, or a health alert from crawler.health), so cron or a monitoring
check can run them after the crawl.
Imports SQLAlchemy and the models only (no Scrapy), and only when a command runs.
"""

from __future__ import annotations

import sys

import click


def _duration(started: str | None, finished: str | None) -> str:
    from datetime import datetime

    if not started or not finished:
        return "-"
    try:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        seconds = (datetime.strptime(finished, fmt) - datetime.strptime(started, fmt)).seconds
    except ValueError:
        return "-"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def _faults(conn, run_ids: list[int], source_id: str | None = None,
            ) -> dict[int, dict[str, int]]:
    """run id -> {fault kind: count}, summed over sources (or of one source)."""
    from sqlalchemy import func, select

    from models.schema import CrawlRunFault

    stmt = (select(CrawlRunFault.run_id, CrawlRunFault.kind, func.sum(CrawlRunFault.count))
            .where(CrawlRunFault.run_id.in_(run_ids))
            .group_by(CrawlRunFault.run_id, CrawlRunFault.kind))
    if source_id is not None:
        stmt = stmt.where(CrawlRunFault.source_id == source_id)
    out: dict[int, dict[str, int]] = {}
    for run_id, kind, n in conn.execute(stmt):
        out.setdefault(run_id, {})[kind] = int(n)
    return out


def _fault_line(kinds: dict[str, int]) -> str:
    """'timeout 2, http_404 1': the most frequent first."""
    return ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))


def register(cli: click.Group, context: dict, db_option, open_readonly) -> None:
    @cli.command(context_settings=context)
    @click.option("--last", "last", type=click.IntRange(1), default=10, show_default=True,
                  help="How many recent runs to show.")
    @db_option
    def runs(last: int, db: str | None) -> None:
        """List recent crawl runs with this run's counts and any source needing attention.

        Each run with failed requests gets a line of its fault counts by kind
        (crawl_run_faults: timeout, http_404, size_limit, blocked_address, ...).
        Exit status 1 when the latest run is not ok or one of its sources has an alert.

        \b
        Example:
          civmon runs --last 5 --db /srv/civmon/civmon.sqlite
        """
        from sqlalchemy import select

        from models.schema import CrawlRun, CrawlRunSource

        engine = open_readonly(db)
        try:
            with engine.connect() as conn:
                rows = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())
                                    .limit(last)).all()
                if not rows:
                    click.echo("no crawl runs recorded yet")
                    sys.exit(1)
                latest = rows[0].id
                flagged = conn.execute(
                    select(CrawlRunSource.source_id, CrawlRunSource.status,
                           CrawlRunSource.alerts)
                    .where(CrawlRunSource.run_id == latest,
                           (CrawlRunSource.alerts.is_not(None))
                           | (CrawlRunSource.status == "broken"))
                    .order_by(CrawlRunSource.source_id)).all()
                faults = _faults(conn, [r.id for r in rows])
        finally:
            engine.dispose()
        click.echo(f"{'run':>5} {'started':<20} {'took':>7} {'status':<20} {'new':>5} "
                   f"{'known':>6} {'failed':>6} {'robots':>6} {'dead':>5} {'304':>4}  command")
        for r in rows:
            click.echo(f"{r.id:>5} {r.started_at:<20} {_duration(r.started_at, r.finished_at):>7}"
                       f" {r.status:<20} {r.stored:>5} {r.skipped_known:>6} {r.failed:>6} "
                       f"{r.skipped_robots:>6} {r.skipped_dead:>5} {r.not_modified:>4}  "
                       f"{r.command or ''}")
        for r in rows:
            if faults.get(r.id):
                click.echo(f"run {r.id} faults: {_fault_line(faults[r.id])}")
        for sid, status, found in flagged:
            click.echo(f"run {latest}: {sid}: {found or status}")
        if rows[0].status != "ok" or flagged:
            sys.exit(1)

    @cli.command(context_settings=context)
    @click.option("--source", "only", multiple=True, metavar="ID",
                  help="Only this source (repeatable).")
    @click.option("--failures", "n_failures", type=click.IntRange(0), default=3,
                  show_default=True, help="Failed URLs to show per source.")
    @db_option
    def health(only: tuple[str, ...], n_failures: int, db: str | None) -> None:
        """Show each source's health in its latest run: counts, alerts, fault counts by
        kind, failed URLs.

        Alerts: broken, zero articles, date or text coverage drop, volume far below
        the recent average, lost pagination (docs/database.md, "Crawl health").
        Exit status 1 when a source needs attention.

        \b
        Example:
          civmon health --db /srv/civmon/civmon.sqlite
        """
        from sqlalchemy import func, select

        from models.schema import CrawlRunFailure, CrawlRunSource

        engine = open_readonly(db)
        try:
            with engine.connect() as conn:
                latest = (select(CrawlRunSource.source_id,
                                 func.max(CrawlRunSource.run_id).label("run_id"))
                          .group_by(CrawlRunSource.source_id).subquery())
                stmt = (select(CrawlRunSource)
                        .join(latest, (latest.c.source_id == CrawlRunSource.source_id)
                              & (latest.c.run_id == CrawlRunSource.run_id))
                        .order_by(CrawlRunSource.source_id))
                if only:
                    stmt = stmt.where(CrawlRunSource.source_id.in_(only))
                rows = conn.execute(stmt).all()
                failures = {}
                faults = {}
                for r in rows:
                    faults[r.source_id] = _faults(conn, [r.run_id], r.source_id).get(
                        r.run_id, {})
                    failures[r.source_id] = conn.execute(
                        select(CrawlRunFailure.url, CrawlRunFailure.error)
                        .where(CrawlRunFailure.run_id == r.run_id,
                               CrawlRunFailure.source_id == r.source_id)
                        .order_by(CrawlRunFailure.id).limit(n_failures)).all()
        finally:
            engine.dispose()
        if not rows:
            click.echo("no crawl runs recorded yet" + (f" for {', '.join(only)}" if only else ""))
            sys.exit(1)
        click.echo(f"{'source':<22} {'run':>5} {'status':<9} {'found':>6} {'new':>5} "
                   f"{'known':>6} {'robots':>6} {'dead':>5} {'failed':>6}  health")
        attention = 0
        for r in rows:
            verdict = r.alerts or ("ok" if r.status == "ok" else r.error or r.status)
            needs = bool(r.alerts) or r.status == "broken"
            attention += needs
            click.echo(f"{r.source_id:<22} {r.run_id:>5} {r.status:<9} {r.discovered:>6} "
                       f"{r.stored:>5} {r.skipped_known:>6} {r.skipped_robots:>6} "
                       f"{r.skipped_dead:>5} {r.failed:>6}  {'ATTENTION: ' if needs else ''}"
                       f"{verdict}")
            if faults[r.source_id]:
                click.echo(f"    faults: {_fault_line(faults[r.source_id])}")
            for url, error in failures[r.source_id]:
                click.echo(f"    failed {url}: {error}")
        click.echo(f"{attention} of {len(rows)} sources need attention", err=True)
        if attention:
            sys.exit(1)
