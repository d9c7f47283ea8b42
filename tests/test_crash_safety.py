"""Crash safety: kill -9 mid-crawl loses no committed row; readers never meet a lock.

The crawl runs in a subprocess (``civmon crawl``) against tests/faultweb.py
serving slow articles, so that it is still running while the test watches.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from crawlrun import ROOT, crawl, crawl_args
from faultweb import FaultWeb

N = 20


def stored(db: Path) -> set[str]:
    if not db.exists():
        return set()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return {u for (u,) in conn.execute("SELECT canonical_url FROM articles")}
    except sqlite3.OperationalError:  # schema not created yet
        return set()
    finally:
        conn.close()


def test_kill_9_then_rerun_loses_nothing_and_closes_the_stale_run(tmp_path: Path) -> None:
    with FaultWeb(N, host="127.0.0.42", faults=()) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(), encoding="utf-8")
        db = tmp_path / "crash.sqlite"
        # CIVMON_COMMIT_EVERY far above N: rows appear only through the time bound
        proc = subprocess.Popen(crawl_args(registry, db, "CIVMON_COMMIT_EVERY=1000",
                                           "CIVMON_COMMIT_SECONDS=0.5", "DOWNLOAD_DELAY=0.15"),
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while len(stored(db)) < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        committed = stored(db)
        assert 5 <= len(committed) < N, len(committed)  # killed mid-crawl, rows visible
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("running",)]
        conn.close()

        rerun = crawl(registry, db)
        assert rerun.returncode == 0, rerun.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        urls = [u for (u,) in conn.execute("SELECT canonical_url FROM articles")]
        assert len(urls) == len(set(urls)) == N  # no duplicates, the final set complete
        assert committed <= set(urls)  # no committed row lost
        runs = conn.execute("SELECT id, status, stored, finish_reason FROM crawl_runs "
                            "ORDER BY id").fetchall()
        assert [r[1] for r in runs] == ["abandoned", "ok"]
        assert runs[0][2] == len(committed)  # closed with what it had stored
        assert "abandoned: its process was gone when run 2 started" in runs[0][3]
        assert runs[1][2] == N - len(committed)  # the rerun fetched only the rest
    finally:
        conn.close()


def test_readers_see_progress_and_can_create_views_during_a_crawl(tmp_path: Path) -> None:
    errors: list[str] = []
    counts: list[int] = []
    views = 0
    with FaultWeb(N, host="127.0.0.43", faults=()) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(), encoding="utf-8")
        db = tmp_path / "read.sqlite"
        # a politeness delay paces the articles, as on the real web
        proc = subprocess.Popen(crawl_args(registry, db, "CIVMON_COMMIT_SECONDS=0.5",
                                           "DOWNLOAD_DELAY=0.15"), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stop = threading.Event()

        def reader() -> None:
            nonlocal views
            while not stop.is_set():
                try:
                    # Python's sqlite3 waits up to 5 s for a lock, as a researcher's would
                    conn = sqlite3.connect(db, timeout=5)
                    try:
                        counts.append(conn.execute("SELECT count(*) FROM articles")
                                      .fetchone()[0])
                        conn.execute("CREATE VIEW IF NOT EXISTS my_view AS "
                                     "SELECT title FROM articles")
                        conn.execute("DROP VIEW my_view")
                        conn.commit()
                        views += 1
                    finally:
                        conn.close()
                except sqlite3.OperationalError as exc:
                    if "locked" in str(exc) or "busy" in str(exc):
                        errors.append(str(exc))
                time.sleep(0.02)

        while not stored(db) and proc.poll() is None:  # the schema exists: start reading
            time.sleep(0.05)
        thread = threading.Thread(target=reader)
        thread.start()
        proc.wait(timeout=60)
        stop.set()
        thread.join()
    assert proc.returncode == 0
    assert errors == []
    assert views > 10
    assert len(set(counts)) >= 3, counts  # progress visible while crawling, not at the end
