"""Fault injection on loopback: every good article stored once, bounded time, faults counted.

One crawl of tests/faultweb.py (5xx then success, timeout, reset mid-body,
trickling body, truncated gzip, wrong charset, gzip bomb, huge page, redirect
loop, 404, 410, a cp1251 page without <meta>, bytes no charset decodes, malformed
feed and sitemap, HTML served as a feed), then a
second run against the same database.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from crawlrun import crawl
from faultweb import FaultWeb, article_html

GOOD = 6
SETTINGS = ("DOWNLOAD_MAXSIZE=8000000", "CIVMON_MAX_HTML_BYTES=1000000")


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    with FaultWeb(GOOD, host="127.0.0.41", slow=4) as web:
        registry = tmp / "sources.toml"
        registry.write_text(web.registry(discovery_faults=True), encoding="utf-8")
        db = tmp / "faults.sqlite"
        started = time.monotonic()
        first = crawl(registry, db, *SETTINGS)
        elapsed = time.monotonic() - started
        hits_after_first = dict(web.hits)
        # between the runs: one article edited, one removed, one redirected home
        web.texts[0] = article_html(0, extra="<p>Исправление: форум перенесён на декабрь, "
                                              "сообщили в общественном совете.</p>")
        web.gone.add(1)
        web.to_home.add(2)
        second = crawl(registry, db, *SETTINGS)
        yield {"web": web, "db": db, "first": first, "second": second, "elapsed": elapsed,
               "hits": hits_after_first, "base": web.base}


def q(db: Path, sql: str, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_good_articles_are_stored_once_and_the_run_is_bounded(faulty_crawl):
    r, db = faulty_crawl["first"], faulty_crawl["db"]
    assert r.returncode == 1, r.stderr  # the three broken discovery sources
    assert faulty_crawl["elapsed"] < 40
    titles = sorted(t for (t,) in q(db, "SELECT title FROM articles"))
    expected = sorted([f"Статья {n}: гражданский форум" for n in range(GOOD)]
                      + ["Статья 1001: гражданский форум",   # 503 then 200
                         "Статья 1006: гражданский форум",   # wrong declared charset
                         "Статья 1012: гражданский форум"])  # wrong charset, no <meta>
    assert titles == expected
    assert q(db, "SELECT count(*), count(DISTINCT canonical_url) FROM articles") == [(9, 9)]
    assert q(db, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize("n", [1006, 1012])  # <meta> right; no <meta>: detection
def test_the_mislabelled_page_is_decoded_right(faulty_crawl, n):
    (text,) = q(faulty_crawl["db"], f"SELECT text FROM articles WHERE title LIKE '%{n}%'")[0]
    assert "общественный совет" in text and "\ufffd" not in text
    assert text.count("Абзац") == 6  # the whole article


def test_no_partial_or_undecodable_body_is_stored(faulty_crawl):
    db = faulty_crawl["db"]
    assert q(db, "SELECT count(*) FROM articles WHERE instr(text, char(65533)) > 0 "
             "OR title LIKE '%1005%' OR title LIKE '%1013%'") == [(0,)]
    web = faulty_crawl["hits"]
    assert web["/f/truncated-gzip"] == 2 and web["/f/garbled"] == 2  # retried once (RETRY_TIMES=1)


@pytest.mark.parametrize(("fault", "status", "error"), [
    ("timeout", None, "DownloadTimeoutError: Getting"),
    ("trickle", None, "DownloadTimeoutError: Getting"),
    ("reset", None, "ResponseDataLossError"),
    ("gzip-bomb", None, "exceeded DOWNLOAD_MAXSIZE (8000000 B) during decompression"),
    ("huge", 200, "too large: "),
    ("loop", None, "max redirections reached"),
    ("gone", 410, "HTTP 410"),
    ("truncated-gzip", None, "truncated body: gzip stream ends before its end marker"),
    ("garbled", 200, "undecodable body: "),
    ("missing", 404, "HTTP 404"),
])
def test_each_article_fault_is_recorded_with_its_cause(faulty_crawl, fault, status, error):
    rows = q(faulty_crawl["db"], "SELECT http_status, error FROM crawl_run_failures "
             "WHERE run_id = 1 AND url = ?", f"{faulty_crawl['base']}/f/{fault}")
    assert len(rows) == 1, rows
    assert rows[0][0] == status and error in rows[0][1]


def test_counts_per_source(faulty_crawl):
    db = faulty_crawl["db"]
    (row,) = q(db, "SELECT status, failed, too_large, extract_empty, skipped_robots, stored "
               "FROM crawl_run_sources WHERE run_id = 1 AND source_id = 'faulty'")
    failures = q(db, "SELECT url, error FROM crawl_run_failures WHERE run_id = 1")
    assert row == ("ok", 9, 1, 0, 1, 9), (row, failures)  # 9 failures (huge is one)
    stats = json.loads(q(db, "SELECT stats FROM crawl_runs WHERE id = 1")[0][0])
    assert stats["civmon/source/faulty/charset_fixed"] == 2  # 1006 and 1012
    assert stats["civmon/fault/truncated_response"] == 2  # tried twice, then failed
    assert stats["civmon/fault/undecodable_response"] == 2
    # every fault kind its own counter (a bomb and a loop are not robots.txt skips)
    kinds = {k.split("/fault_", 1)[1]: v for k, v in stats.items()
             if k.startswith("civmon/source/faulty/fault_")}
    assert kinds == {"size_limit": 1, "redirect_loop": 1, "timeout": 2, "connection_lost": 1,
                     "http_404": 1, "http_410": 1, "too_large": 1, "truncated": 1,
                     "undecodable": 1}, kinds
    assert stats["retry/reason_count/503 Service Unavailable"] == 1
    broken = dict(q(db, "SELECT source_id, status FROM crawl_run_sources WHERE run_id = 1 "
                    "AND source_id != 'faulty'"))
    assert broken == {"malformed-feed": "broken", "malformed-sitemap": "broken",
                      "html-feed": "broken", "unreachable": "broken"}
    causes = dict(q(db, "SELECT source_id, error FROM crawl_run_failures WHERE run_id = 1 "
                    "AND role != 'article'"))
    assert causes["html-feed"] == "feed returned an HTML page, not XML"
    assert causes["unreachable"].startswith("DownloadConnectionRefusedError: ")


def test_the_output_is_quiet_and_ends_with_this_runs_counts(faulty_crawl):
    err = faulty_crawl["first"].stderr
    assert "Traceback" not in err and "Deprecat" not in err, err
    assert "ArticleItem(" not in err  # a dropped item is its reason, not its HTML
    assert "[scrapy.downloadermiddlewares.retry] ERROR" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("crawl run 1: partial in "), last
    assert "; failures: " in last and "1 redirect_loop" in last and "1 size_limit" in last
    assert "5 sources; 9 new, 0 already stored, 9 failed, 4 discovery pages failed, " \
           "1 robots.txt, 1 too large" in last
    second = faulty_crawl["second"].stderr.strip().splitlines()[-1]
    assert second.startswith("crawl run 2: partial") and "; 0 new," in second  # not totals


def test_the_second_run_adds_nothing_asks_conditionally_and_rests_dead_links(faulty_crawl):
    db, base = faulty_crawl["db"], faulty_crawl["base"]
    assert faulty_crawl["second"].returncode == 1  # the broken discovery sources, still
    assert q(db, "SELECT count(*) FROM articles") == [(9,)]  # removed ones are kept
    assert q(db, "SELECT status FROM crawl_runs ORDER BY id") == [("partial",), ("partial",)]
    (row,) = q(db, "SELECT status, not_modified, stored, failed FROM crawl_run_sources "
               "WHERE run_id = 2 AND source_id = 'faulty'")
    assert row == ("ok", 1, 0, 7)  # feed: 304; only the transient failures were retried
    web = faulty_crawl["web"]
    for gone in ("gone", "missing", "huge"):  # permanent: resting, not refetched
        assert web.hits[f"/f/{gone}"] == faulty_crawl["hits"][f"/f/{gone}"]
    rest = dict((u.rsplit("/", 1)[1], (n, p, after[:10])) for u, n, p, after in q(
        db, "SELECT url, failures, permanent, retry_after FROM url_failures"))
    assert set(rest) == {"timeout", "trickle", "reset", "gzip-bomb", "loop", "gone",
                         "missing", "huge", "truncated-gzip", "garbled"}
    assert rest["gone"][:2] == (1, 1) and rest["gone"][2] > time.strftime("%Y-%m-%d")
    assert rest["timeout"][:2] == (2, 0)  # transient: tried again next run
    assert base


def test_the_revisit_records_a_revision_and_two_takedowns(faulty_crawl):
    db = faulty_crawl["db"]
    assert "1 revised, 2 taken down" in faulty_crawl["second"].stderr
    ((aid, text),) = q(db, "SELECT id, text FROM articles WHERE url LIKE '%/a/0'")
    assert "форум перенесён на декабрь" in text
    revisions = q(db, "SELECT article_id, text, crawl_run_id FROM article_revisions")
    assert len(revisions) == 1 and revisions[0][0] == aid and revisions[0][2] == 2
    assert "перенесён" not in revisions[0][1] and "Абзац 0" in revisions[0][1]
    gone = q(db, "SELECT a.url, t.reason, t.http_status, t.restored_at FROM article_takedowns t "
             "JOIN articles a ON a.id = t.article_id ORDER BY a.url")
    assert [(u.rsplit("/", 1)[1], r, s, back) for u, r, s, back in gone] == [
        ("1", "not_found", 404, None), ("2", "to_home", 200, None)]
    assert q(db, "SELECT revised, taken_down FROM crawl_runs ORDER BY id") == [(0, 0), (1, 2)]
