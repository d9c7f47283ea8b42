"""End to end: serve the sample web on loopback, crawl it, check the database row by row.

The crawl runs in a subprocess through the real entry points (`civmon demo`,
`scrapy crawl news`), as a user or cron would run it.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.sampleweb import (
    SAMPLE_NOW,
    PageExpectation,
    SampleWeb,
    broken_links,
    link_variants,
    load_expectations,
)
from pipelines.dedup import canonical_url

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = load_expectations()


def civmon(*args: str, timeout: int = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def _free_port() -> str:
    """A port free on the sample web's first address (the demo binds it on each)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.11", 0))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


PORT = _free_port()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("demo") / "civmon.sqlite"
    proc = civmon("demo", "--db", str(db), "--port", PORT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return db, proc.stdout


def rows(db: Path) -> dict[tuple[str, str], sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = {}
    for r in conn.execute("SELECT * FROM articles"):
        out[(r["source_id"], _path(r["canonical_url"]))] = r
    conn.close()
    return out


def count_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


def _path(url: str) -> str:
    parts = urlsplit(canonical_url(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_key(source_id: str, path: str) -> tuple[str, str]:
    """The row key of a sample page: its path as the store canonicalises it."""
    return source_id, _path(f"http://sample.invalid{path}")


def key(exp: PageExpectation) -> tuple[str, str]:
    return page_key(exp.source_id, exp.path)


def test_demo_summary_says_what_it_did(demo_db) -> None:
    db, stdout = demo_db
    assert "Run 1: ok" in stdout
    assert f"Database: {db}" in stdout
    assert "sqlite3" in stdout and "civmon export" in stdout
    conn = sqlite3.connect(db)
    n, texts, events, shared = conn.execute(
        "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM originals), "
        "(SELECT COUNT(*) FROM stories), (SELECT COUNT(*) FROM stories WHERE outlets > 1)"
    ).fetchone()
    conn.close()
    assert (f"{n} articles, {texts} original texts, {events} events ({shared} reported by more "
            "than one outlet)") in stdout and shared >= 4
    # progress: not a terminal, so one line per 10 stored articles
    counts = [int(n) for n in re.findall(r"^  stored +(\d+) articles$", stdout, re.M)]
    assert counts == list(range(10, count_rows(db) + 1, 10)) and counts


def test_the_demo_hints_run(demo_db, tmp_path: Path, monkeypatch) -> None:
    """Each civmon command the summary suggests runs as printed (serve, a server, aside)."""
    import shlex

    from click.testing import CliRunner

    from crawler.cli import cli

    db, stdout = demo_db
    hints = [shlex.split(line.split("#")[0]) for line in stdout.splitlines()
             if line.startswith("  civmon ")]
    assert {h[1] for h in hints} == {"export", "search", "serve", "report"}
    monkeypatch.chdir(tmp_path)
    for hint in hints:
        assert hint[hint.index("--db") + 1] == str(db)
        if hint[1] == "serve":
            continue
        result = CliRunner().invoke(cli, hint[1:])
        assert result.exit_code == 0, (hint, result.output)
        if hint[1] == "search":
            assert "грантов" in result.output and " hits" in result.output
    assert (tmp_path / "report.csv").stat().st_size and (tmp_path / "report.html").stat().st_size


def test_every_expected_article_is_stored(demo_db) -> None:
    stored = rows(demo_db[0])
    missing = [key(e) for e in EXPECTED if key(e) not in stored]
    assert not missing
    assert len(stored) >= 40
    assert len({sid for sid, _ in stored}) >= 6


@pytest.mark.parametrize("exp", EXPECTED, ids=[f"{e.source_id}{e.path}" for e in EXPECTED])
def test_article_row_matches_expectation(demo_db, exp: PageExpectation) -> None:
    stored = rows(demo_db[0])
    row = stored[key(exp)]
    assert row["title"] == exp.title
    assert row["published_at"] == exp.published_at, row["published_raw"]
    assert row["date_precision"] == exp.precision
    assert row["language"] == exp.language
    assert bool(row["relevant"]) == exp.relevant
    for phrase in exp.must_contain:
        assert phrase in row["text"], phrase
    for phrase in exp.must_not_contain:
        assert phrase not in row["text"], phrase
    original = exp.duplicate_of or exp.near_duplicate_of  # exact and edited reprints alike
    if original:
        sid, _, path = original.partition(":")
        assert row["duplicate_of"] == stored[page_key(sid, path)]["id"]
        assert 0.5 < row["similarity"] <= 1.0
        assert row["story_id"] == stored[page_key(sid, path)]["story_id"]
    else:
        assert row["duplicate_of"] is None and row["similarity"] is None
    assert row["story_id"] is not None
    if exp.same_story_as:  # an edition (hreflang) or the same event in other words
        sid, _, path = exp.same_story_as.partition(":")
        assert row["story_id"] == stored[page_key(sid, path)]["story_id"]
    if exp.attributed_to:
        assert row["attributed_to"] == exp.attributed_to
    assert bool(row["state_supplied"]) == exp.state_supplied
    if exp.supplier:
        assert row["supplier"] == exp.supplier


def test_seeds_are_in_the_database(demo_db) -> None:
    stored = rows(demo_db[0])
    seeds = {e.seed: stored[key(e)] for e in EXPECTED if e.seed}
    assert len(seeds) == 5
    hyphenated = next(r for s, r in seeds.items() if s.startswith("000"))
    assert "направлении" in hyphenated["text"] and "на-\n" not in hyphenated["text"]


def test_every_url_variant_is_one_row(demo_db) -> None:
    stored = rows(demo_db[0])
    assert set(stored) == {key(e) for e in EXPECTED}  # no row for a variant, none missing
    for sid, variant, canonical in link_variants():
        assert page_key(sid, variant) == page_key(sid, canonical) in stored


def test_seeds_001_and_003_are_one_story_and_nothing_else_joins_it(demo_db) -> None:
    stored = rows(demo_db[0])
    seeds = {e.seed[:3]: stored[key(e)] for e in EXPECTED if e.seed}
    story = seeds["001"]["story_id"]
    assert story == seeds["003"]["story_id"]
    members = {k for k, r in stored.items() if r["story_id"] == story}
    assert members == {key(e) for e in EXPECTED if e.seed and e.seed[:3] in ("001", "003")}


def test_views_count_originals_reprints_and_stories(demo_db) -> None:
    conn = sqlite3.connect(demo_db[0])
    try:
        articles, copies = conn.execute(
            "SELECT COUNT(*), COUNT(duplicate_of) FROM articles").fetchone()
        assert conn.execute("SELECT COUNT(*) FROM originals").fetchone()[0] == articles - copies
        reprinted = conn.execute("SELECT SUM(reprint_count) FROM reprints").fetchone()[0]
        assert reprinted == copies == sum(
            1 for e in EXPECTED if e.duplicate_of or e.near_duplicate_of)
        forum = conn.execute(
            "SELECT articles, outlets, sources FROM stories WHERE title LIKE '%Гражданск%форум%'"
        ).fetchone()
        assert forum == (2, 2, "dalanews,toboltv") or forum == (2, 2, "toboltv,dalanews")
    finally:
        conn.close()


def test_rebuild_reproduces_what_the_crawl_stored(demo_db, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "copy.sqlite"
    shutil.copy(demo_db[0], db)
    before = {k: (r["duplicate_of"], r["similarity"], r["story_id"]) for k, r in rows(db).items()}
    proc = civmon("dedup", "--rebuild", "--db", str(db))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = {k: (r["duplicate_of"], r["similarity"], r["story_id"]) for k, r in rows(db).items()}
    assert after == before
    assert "links added 0, removed 0" in proc.stdout and "stories merged 0, split 0" in proc.stdout


def test_broken_links_are_counted_not_stored(demo_db) -> None:
    db = demo_db[0]
    stored = rows(db)
    for sid, path, _status in broken_links():
        assert page_key(sid, path) not in stored
    conn = sqlite3.connect(db)
    failed = conn.execute("SELECT SUM(failed) FROM crawl_run_sources WHERE run_id = 1").fetchone()
    stats = json.loads(conn.execute("SELECT stats FROM crawl_runs WHERE id = 1").fetchone()[0])
    conn.close()
    assert failed[0] >= len(broken_links())
    assert stats.get("robotstxt/forbidden", 0) >= 1


def test_second_crawl_adds_nothing(demo_db) -> None:
    db = demo_db[0]
    before = count_rows(db)
    proc = civmon("demo", "--db", str(db), "--port", PORT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert count_rows(db) == before
    conn = sqlite3.connect(db)
    status, stored, discovered = conn.execute(
        "SELECT status, stored, discovered FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    fetched = conn.execute("SELECT SUM(fetched) FROM crawl_run_sources WHERE run_id = "
                           "(SELECT MAX(id) FROM crawl_runs)").fetchone()[0]
    conn.close()
    assert (status, stored) == ("ok", 0)
    # known articles are not even fetched; listings stop paging at a page of
    # known articles, so fewer links are discovered the second time
    assert 0 < discovered <= before and fetched == 0


def test_demo_on_a_busy_port_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.11", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        proc = civmon("demo", "--db", str(tmp_path / "x.sqlite"), "--port", port, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"civmon: error: cannot serve azerinform on 127.0.0.11:{port}: address already in use; "
        "free the port or pass --port N (0 = any free port)"]


def test_scrapy_crawl_from_the_repository_root(tmp_path: Path) -> None:
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert listed.stdout.split() == ["news"], listed.stderr
    with SampleWeb() as web:
        registry = tmp_path / "sample.toml"
        registry.write_text(web.registry_text(), encoding="utf-8")
        source = EXPECTED[0].source_id
        db = tmp_path / "s.sqlite"
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"source={source}",
             "-s", f"CIVMON_SOURCES={registry}", "-s", f"CIVMON_DB={db}",
             "-s", f"CIVMON_CLOCK={SAMPLE_NOW.isoformat()}", "-s", "DOWNLOAD_DELAY=0",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    stored = rows(db)
    assert {sid for sid, _ in stored} == {source}
    assert len(stored) == sum(1 for e in EXPECTED if e.source_id == source)


def test_dead_site_fails_the_run_but_keeps_what_was_collected(tmp_path: Path) -> None:
    with SampleWeb() as web:
        text = web.registry_text()
    # the servers are gone now: every source is a dead site
    registry = tmp_path / "dead.toml"
    registry.write_text(text, encoding="utf-8")
    db = tmp_path / "d.sqlite"
    proc = civmon("crawl", "--sources", str(registry), "--db", str(db), "-s", "RETRY_TIMES=0",
                  "-s", "DOWNLOAD_TIMEOUT=5", "-s", "LOG_LEVEL=ERROR", timeout=120)
    assert proc.returncode == 1
    assert "crawl run 1: failed" in proc.stderr
    conn = sqlite3.connect(db)
    statuses = {r[0] for r in conn.execute("SELECT status FROM crawl_run_sources")}
    conn.close()
    assert statuses == {"broken"}


SEED_TAGS = {  # seed -> (regions, organisations) the classifier must store
    "000": ({"az"}, {"az-ngo-agency"}),
    "001": ({"kz-kostanay", "kz-kostanay-region"}, set()),
    "002": ({"az-baku"}, {"az-ngo-agency"}),
    "003": ({"kz-kostanay", "kz-kostanay-region"}, set()),
    "004": ({"kz-petropavlovsk", "kz-north-kazakhstan"}, set()),
}


def test_seeds_are_relevant_and_tagged_in_the_database(demo_db) -> None:
    db = demo_db[0]
    stored = rows(db)
    conn = sqlite3.connect(db)
    try:
        for e in (e for e in EXPECTED if e.seed):
            row = stored[key(e)]
            regions, orgs = SEED_TAGS[e.seed[:3]]
            assert row["relevant"] == 1 and row["relevance_score"] >= 6
            got = {r for (r,) in conn.execute(
                "SELECT region_id FROM article_regions WHERE article_id = ?", (row["id"],))}
            assert regions <= got, (e.seed, got)
            got = {o for (o,) in conn.execute("SELECT organisation_id FROM "
                                              "article_organisations WHERE article_id = ?",
                                              (row["id"],))}
            assert orgs <= got, (e.seed, got)
    finally:
        conn.close()


def test_search_finds_every_grant_article_of_the_sample_web(demo_db) -> None:
    """`civmon search грант` on the demo: every article with a word of the грант family
    (грантов, грантового, гранттар...) is found, and each hit shows it marked."""
    db, _ = demo_db
    proc = civmon("search", "грант", "--all", "--limit", "1000", "--format", "jsonl",
                  "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    found = {h["id"] for h in hits}
    with sqlite3.connect(db) as conn:
        texts = conn.execute("SELECT id, title || ' ' || text FROM articles").fetchall()
    word = re.compile(r"\bгрант\w*", re.IGNORECASE)
    inflected = {i for i, t in texts if any(w.lower() != "грант" for w in word.findall(t))}
    expected = {i for i, t in texts if word.search(t)}
    assert inflected and expected == found  # and nothing else
    assert all(re.search(r"\[[Гг]рант\w*\]", h["snippet"]) for h in hits
               if h["id"] in expected and word.search(h["snippet"].replace("[", " ")))
    table = civmon("search", "грант", "--db", str(db))
    assert table.returncode == 0 and "грантового конкурса" in table.stdout
