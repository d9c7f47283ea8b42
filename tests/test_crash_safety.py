"""Crash safety: kill -9 mid-crawl loses no committed row, readers never meet a lock,
and an interrupted run says so (exit 4).

The crawls run in a subprocess (``civmon crawl``) against tests/faultweb.py, paced
by a politeness delay so that they are still running while the test watches.
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


class Reader(threading.Thread):
    """A researcher's loop: count rows, create and drop a view, with sqlite3's 5 s wait."""

    def __init__(self, db: Path) -> None:
        super().__init__()
        self.db, self.stop = db, threading.Event()
        self.errors: list[str] = []
        self.counts: list[int] = []
        self.views = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                conn = sqlite3.connect(self.db, timeout=5)
                try:
                    self.counts.append(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
                    conn.execute("CREATE VIEW IF NOT EXISTS my_view AS SELECT title FROM articles")
                    conn.execute("DROP VIEW my_view")
                    conn.commit()
                    self.views += 1
                finally:
                    conn.close()
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    self.errors.append(str(exc))
            time.sleep(0.02)


def test_kill_9_while_reading_then_rerun_loses_nothing(tmp_path: Path) -> None:
    with FaultWeb(N, host="127.0.0.42", faults=()) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(), encoding="utf-8")
        db = tmp_path / "crash.sqlite"
        # CIVMON_COMMIT_EVERY far above N: rows appear only through the time bound
        proc = subprocess.Popen(crawl_args(registry, db, "CIVMON_COMMIT_EVERY=1000",
                                           "CIVMON_COMMIT_SECONDS=0.5", "DOWNLOAD_DELAY=0.15"),
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not stored(db) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        reader = Reader(db)
        reader.start()
        # kill once 8 rows are committed and the reader has seen the count move
        # (on a loaded machine a batch can land between two of its reads)
        while ((len(stored(db)) < 8 or len(set(reader.counts)) < 2)
               and time.monotonic() < deadline and proc.poll() is None):
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        reader.stop.set()
        reader.join()
        committed = stored(db)
        assert 8 <= len(committed) < N, len(committed)  # killed mid-crawl, rows visible
        assert reader.errors == [] and reader.views > 5
        assert len(set(reader.counts)) >= 2, reader.counts  # progress seen while crawling
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


def test_sigterm_interrupts_cleanly_exit_4_and_logs_to_a_new_folder(tmp_path: Path) -> None:
    """What cron or systemd sends: the run ends `interrupted`, with what it stored, exit 4.

    (A run cut short by CLOSESPIDER_TIMEOUT maps to 4 the same way: test_preflight.py.)
    """
    with FaultWeb(N, host="127.0.0.43", faults=()) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(), encoding="utf-8")
        db = tmp_path / "t.sqlite"
        # LOG_FILE in a folder that does not exist yet, as the README's crontab line
        log = tmp_path / "var" / "log" / "civmon" / "crawl.log"
        proc = subprocess.Popen(
            crawl_args(registry, db, "DOWNLOAD_DELAY=0.3", "CONCURRENT_REQUESTS=1",
                       "CIVMON_COMMIT_SECONDS=0.5", f"LOG_FILE={log}", "LOG_LEVEL=INFO"),
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(stored(db)) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 4, stderr
    assert stderr.strip().splitlines()[-1].startswith("crawl run 1: interrupted")
    conn = sqlite3.connect(db)
    status, stored_n = conn.execute("SELECT status, stored FROM crawl_runs").fetchone()
    count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    assert status == "interrupted" and 3 <= stored_n == count < N
    assert "Closing spider (shutdown)" in log.read_text(encoding="utf-8")
