"""The page worker pool (pipelines.pool): same rows as in-process, a crash or a slow page
costs that page only, with its reason, and the crawl goes on and ends."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crawlrun import crawl
from faultweb import FaultWeb
from test_end_to_end import _free_port as free_port

from crawler.faultkinds import fault_kind
from pipelines.pool import CRASH_ERROR, PIPELINE_DEPTH, TIMEOUT_ERROR, PagePool

ROOT = Path(__file__).resolve().parents[1]


# -- the pool itself ---------------------------------------------------------------------

def test_a_crashed_worker_costs_its_task_and_is_replaced():
    pool = PagePool(2, handler="poolhooks.echo")
    try:
        first = [pool.submit(f"page {i}").result(timeout=60) for i in range(4)]
        crashed = pool.submit("exit").result(timeout=60)
        after = [pool.submit(f"again {i}").result(timeout=60) for i in range(4)]
        failed = pool.submit("raise").result(timeout=60)
    finally:
        pool.close()
    assert [o.kind for o in first + after] == ["ok"] * 8
    assert [o.item[1] for o in first] == [f"page {i}" for i in range(4)]
    assert crashed.kind == "crash" and crashed.detail.startswith(CRASH_ERROR)
    assert "exit status 7" in crashed.detail
    assert fault_kind(200, crashed.detail) == "worker_crash"
    assert pool.restarts == 1
    assert failed.kind == "error" and "ValueError: a handler failed" in failed.detail
    pids_before = {o.item[2] for o in first}
    pids_after = {o.item[2] for o in after}
    assert len(pids_before) <= 2 and len(pids_after) <= 2
    assert pids_after - pids_before  # the dead worker's replacement is a new process


def test_a_task_over_the_time_limit_is_abandoned_and_its_worker_killed():
    pool = PagePool(1, handler="poolhooks.echo", timeout=1.0)
    try:
        before = pool.submit("before").result(timeout=60)
        started = time.monotonic()
        slow = pool.submit(("sleep", 120)).result(timeout=60)
        waited = time.monotonic() - started
        after = pool.submit("after").result(timeout=60)
    finally:
        pool.close()
    assert slow.kind == "timeout" and slow.detail == f"{TIMEOUT_ERROR} after 1 s"
    assert fault_kind(200, slow.detail) == "extraction_timeout"
    assert waited < 60
    assert before.kind == after.kind == "ok"
    assert before.item[2] != after.item[2]  # a new worker took the killed one's place


def test_pages_queued_behind_a_crash_or_a_timeout_in_the_same_worker_are_not_lost():
    # Each worker holds PIPELINE_DEPTH tasks: the next page waits in its pipe while it
    # processes one.  A crash or a timeout costs the page being processed; the ones
    # queued behind it go to the replacement worker, and keep the order they came in.
    assert PIPELINE_DEPTH >= 2
    pool = PagePool(1, handler="poolhooks.echo", timeout=2.0)
    try:
        futures = [pool.submit(t) for t in ("a", "b", "exit", "c", "d", ("sleep", 120), "e")]
        outcomes = [f.result(timeout=60) for f in futures]
    finally:
        pool.close()
    assert [o.kind for o in outcomes] == ["ok", "ok", "crash", "ok", "ok", "timeout", "ok"]
    assert [o.item[1] for o in outcomes if o.kind == "ok"] == ["a", "b", "c", "d", "e"]
    assert pool.restarts == 2
    pids = [o.item[2] for o in outcomes if o.kind == "ok"]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]  # one process per stretch
    # the time limit runs from when the worker could start a page, not from when it was
    # queued: "e" waited two seconds behind the slow page and was not failed for it
    assert outcomes[6].seconds < 2.0


def test_a_worker_is_sent_the_next_page_before_it_answers_the_current_one():
    # poolhooks.wait_for_next answers a page only once the next one is in its pipe:
    # with one task at a time per worker this would hang until the time limit.
    pool = PagePool(1, handler="poolhooks.wait_for_next", timeout=20.0)
    try:
        futures = [pool.submit(n) for n in range(3)]
        first, second = (f.result(timeout=60) for f in futures[:2])
    finally:
        pool.close()
    assert first.kind == second.kind == "ok"
    assert (first.item[1], second.item[1]) == (0, 1)
    assert first.item[2] and second.item[2]  # the next page was already there


# -- in a crawl --------------------------------------------------------------------------

def _failures(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return {u: e for u, e in conn.execute("SELECT url, error FROM crawl_run_failures")}
    finally:
        conn.close()


def _stored(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT url FROM articles")}
    finally:
        conn.close()


def test_a_slow_page_is_failed_with_its_reason_and_the_others_are_stored(tmp_path):
    # ~2.6 MB of short paragraphs: many seconds in trafilatura, over a 3 s limit
    with FaultWeb(4, host="127.0.0.43", faults=("paragraphs",), huge_paras=45000) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(), encoding="utf-8")
        db = tmp_path / "slow.sqlite"
        started = time.monotonic()
        proc = crawl(registry, db, "CIVMON_PAGE_TIMEOUT=3", "CIVMON_WORKERS=1",
                     "CIVMON_MAX_HTML_BYTES=4000000", timeout=180)
        elapsed = time.monotonic() - started
        base = web.base
    assert proc.returncode in (0, 1), proc.stderr
    assert _stored(db) == {f"{base}/a/{n}" for n in range(4)}
    failures = _failures(db)
    assert failures[f"{base}/f/paragraphs"] == f"{TIMEOUT_ERROR} after 3 s"
    assert "fault_extraction_timeout" in proc.stderr or "extraction_timeout" in proc.stderr
    assert elapsed < 120


def test_a_page_that_kills_its_worker_costs_that_page_only(tmp_path):
    with FaultWeb(4, host="127.0.0.44", faults=("crash-me",)) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(), encoding="utf-8")
        db = tmp_path / "crash.sqlite"
        proc = crawl(registry, db, "CIVMON_WORKERS=2",
                     "CIVMON_PAGE_HANDLER=tests.poolhooks.crash_on_marker", timeout=180)
        base = web.base
    assert proc.returncode in (0, 1), proc.stderr
    assert _stored(db) == {f"{base}/a/{n}" for n in range(4)}
    error = _failures(db)[f"{base}/f/crash-me"]
    assert error.startswith(CRASH_ERROR) and "exit status 3" in error


# -- identical results -------------------------------------------------------------------

def _demo(db: Path, port: str, *settings: str) -> None:
    args = [sys.executable, "-m", "crawler.cli", "demo", "--db", str(db), "--port", port]
    for s in settings:
        args += ["-s", s]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _content(db: Path) -> dict[str, object]:
    """Every article column, link, story and tag, with ids replaced by canonical URLs
    (stories as groups of members: a story id is the id of its first stored article)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        rows = list(conn.execute("SELECT * FROM articles"))
        key = {r["id"]: r["canonical_url"] for r in rows}
        articles = {}
        for r in rows:
            cols = {k: r[k] for k in r.keys()  # noqa: SIM118 (a Row iterates values)
                    if k not in ("id", "crawl_run_id")}
            cols["duplicate_of"] = key.get(r["duplicate_of"])
            # a story is named after whichever member was stored first (arrival order, which
            # concurrent downloads vary from run to run): compared as groups, below
            del cols["story_id"]
            articles[r["canonical_url"]] = cols
        tags = {}
        for table in ("article_topics", "article_regions", "article_organisations"):
            found = []
            for r in conn.execute(f"SELECT * FROM {table}"):
                found.append(tuple(sorted(
                    (k, key[r[k]] if k == "article_id" else r[k])
                    for k in r.keys())))  # noqa: SIM118
            tags[table] = sorted(found, key=repr)
        stories: dict[str, list[str]] = {}
        for r in rows:
            stories.setdefault(key[r["story_id"]], []).append(r["canonical_url"])
        return {"articles": articles, "tags": tags,
                "stories": sorted(sorted(v) for v in stories.values())}
    finally:
        conn.close()


@pytest.mark.parametrize("pooled", [("CIVMON_WORKERS=2",)])
def test_a_pool_of_two_stores_the_same_rows_as_in_process(tmp_path, pooled):
    port = free_port()
    one, two = tmp_path / "one.sqlite", tmp_path / "two.sqlite"
    # One download at a time: the spider then meets the pages in the same order in both
    # runs (with concurrent downloads the order varies from run to run, pool or not, and
    # story grouping follows it); the pool hands results on in that order.
    _demo(one, port, "CIVMON_WORKERS=1", "CIVMON_PAGE_TIMEOUT=0", "CONCURRENT_REQUESTS=1")
    _demo(two, port, *pooled, "CONCURRENT_REQUESTS=1")
    a, b = _content(one), _content(two)
    assert len(a["articles"]) >= 40  # the sample web's articles, not an empty crawl
    assert any(r["duplicate_of"] for r in a["articles"].values())  # links compared too
    assert any(a["tags"].values())
    assert a["articles"].keys() == b["articles"].keys()
    for url, cols in a["articles"].items():
        assert b["articles"][url] == cols, url
    assert a["tags"] == b["tags"]
    assert a["stories"] == b["stories"]
