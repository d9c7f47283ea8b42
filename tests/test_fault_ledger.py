"""Every fault kind its own counter in the ledger: ``crawl_run_faults``.

A fault-web crawl (tests/faultweb.py) leaves one row per (source, kind) with the
counts of ``crawl_runs.stats`` (SQLite, and PostgreSQL when CIVMON_TEST_POSTGRES
names a server); ``civmon runs`` and ``civmon health`` print them; the checkpoint
writes them while the run goes on (a killed run keeps its counts); migration 0007
fills them for runs recorded before it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from crawlrun import ROOT, crawl
from faultweb import FaultWeb
from pgschema import postgres_url
from sqlalchemy import select, text

from crawler.runs import CrawlRunRecorder, close_abandoned, fault_counts_by_source
from models.db import open_engine
from models.schema import CrawlRun, CrawlRunFault

FAULTS = ("flaky", "missing", "gone", "loop", "garbled", "truncated-gzip", "charset")
#: what the fault web's pages above cost the "faulty" source (flaky and charset recover)
EXPECTED = {("faulty", "http_404"): 1, ("faulty", "http_410"): 1,
            ("faulty", "redirect_loop"): 1, ("faulty", "undecodable"): 1,
            ("faulty", "truncated"): 1, ("unreachable", "refused"): 1,
            ("malformed-feed", "bad_document"): 1, ("malformed-sitemap", "bad_document"): 1,
            ("html-feed", "bad_document"): 1}


def _rows(engine, run_id: int) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        return {(r.source_id, r.kind): r.count for r in conn.execute(
            select(CrawlRunFault).where(CrawlRunFault.run_id == run_id))}


def _stats(engine, run_id: int) -> dict:
    with engine.connect() as conn:
        return json.loads(conn.scalar(select(CrawlRun.stats).where(CrawlRun.id == run_id)))


def _crawl_faults(tmp_path, db: str, host: str):
    with FaultWeb(2, host=host, slow=3, faults=FAULTS) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(discovery_faults=True), encoding="utf-8")
        return crawl(registry, db)  # type: ignore[arg-type]


def _check_ledger(engine) -> None:
    rows = _rows(engine, 1)
    assert rows == EXPECTED, rows
    # the very numbers of crawl_runs.stats, each kind its own row
    assert rows == fault_counts_by_source(_stats(engine, 1))


def test_a_fault_web_crawl_leaves_one_row_per_source_and_kind(tmp_path) -> None:
    db = tmp_path / "faults.sqlite"
    result = _crawl_faults(tmp_path, str(db), "127.0.0.44")
    assert result.returncode == 1, result.stderr[-2000:]  # three broken discovery sources
    engine = open_engine(db)
    try:
        _check_ledger(engine)
    finally:
        engine.dispose()
    runs = subprocess.run([sys.executable, "-m", "crawler.cli", "runs", "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "run 1 faults: bad_document 3, http_404 1, http_410 1, redirect_loop 1, " \
           "refused 1, truncated 1, undecodable 1" in runs.stdout, runs.stdout
    health = subprocess.run([sys.executable, "-m", "crawler.cli", "health", "--db", str(db),
                             "--source", "faulty"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert "    faults: http_404 1, http_410 1, redirect_loop 1, truncated 1, undecodable 1" \
        in health.stdout, health.stdout


def test_the_fault_ledger_on_postgresql(tmp_path, monkeypatch) -> None:
    url = postgres_url("faults", fresh=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the run lock's folder
    result = _crawl_faults(tmp_path, url, "127.0.0.45")
    assert result.returncode == 1, result.stderr[-2000:]
    engine = open_engine(url)
    try:
        _check_ledger(engine)
    finally:
        engine.dispose()


def test_the_checkpoint_keeps_the_counts_of_a_killed_run(tmp_path) -> None:
    from scrapy.utils.test import get_crawler

    db = tmp_path / "k.sqlite"
    crawler = get_crawler(settings_dict={"CIVMON_DB": str(db), "CIVMON_LOCK": False})
    recorder = CrawlRunRecorder(crawler)
    stats = crawler.stats
    stats.inc_value("civmon/source/a/fault_timeout", 2)
    stats.inc_value("civmon/source/a/failed", 2)  # not a fault kind: no row
    recorder.checkpoint()
    stats.inc_value("civmon/source/a/fault_timeout")
    stats.inc_value("civmon/source/b/fault_http_404")
    recorder.checkpoint()
    recorder.checkpoint()  # nothing changed: nothing written
    # the process dies here (no spider_closed); the next run closes it as abandoned
    engine = open_engine(db)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO crawl_runs (id, started_at, status, discovered, "
                              "fetched, failed, extracted, stored, duplicates, undated, "
                              "skipped_known, skipped_robots, skipped_dead, not_modified, "
                              "too_large, extract_empty, revised, taken_down) VALUES (2, "
                              "'2026-12-02T00:00:00Z', 'running', 0, 0, 0, 0, 0, 0, 0, 0, "
                              "0, 0, 0, 0, 0, 0, 0)"))
        assert close_abandoned(engine, 2) == [recorder.run_id]
        assert _rows(engine, recorder.run_id) == {("a", "timeout"): 3, ("b", "http_404"): 1}
    finally:
        engine.dispose()
        recorder.engine.dispose()


def test_migration_0007_fills_the_counts_of_earlier_runs(tmp_path) -> None:
    from models.db import upgrade

    db = tmp_path / "old.sqlite"
    engine = open_engine(db, migrate=False)
    try:
        upgrade(engine, "0005")
        stats = {"civmon/source/x/fault_timeout": 4, "civmon/source/x/fetched": 9,
                 "civmon/source/y/fault_size_limit": 1, "civmon/fault/truncated_response": 2}
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO crawl_runs (id, started_at, status, stats, "
                              "discovered, fetched, failed, extracted, stored, duplicates, "
                              "undated, skipped_known, skipped_robots, skipped_dead, "
                              "not_modified, too_large, extract_empty, revised, taken_down) "
                              "VALUES (1, '2026-12-01T00:00:00Z', 'ok', :stats, 0, 0, 0, 0, "
                              "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)"),
                         {"stats": json.dumps(stats)})
        upgrade(engine)
        assert _rows(engine, 1) == {("x", "timeout"): 4, ("y", "size_limit"): 1}
    finally:
        engine.dispose()
