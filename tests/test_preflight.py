"""Pre-flight checks and exit statuses: every bad input is one line and exit 2, found
before anything starts; 3 when another crawl holds the lock; 4 when the run is cut short."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from crawlrun import ROOT
from test_cli import run

from crawler import exitcodes
from crawler.runs import RunLock


@pytest.fixture
def bad(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "plain.txt").write_text("hello, not a database\n")
    (tmp_path / "corrupt.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    (tmp_path / "bad-next.toml").write_text(
        '[[sources]]\nid="x"\nname="X"\ncountry="KZ"\nkind="regional"\nlanguages=["ru"]\n'
        'timezone="Asia/Almaty"\nlistings=["https://x.kz/news"]\nnext_page="a[href"\n')
    return {"tmp": tmp_path}


CASES = [
    (["crawl", "-s", "CIVMON_CLOCK=yesterday"],
     "-s CIVMON_CLOCK: 'yesterday' is not an ISO 8601 date-time"),
    (["crawl", "-s", "CIVMON_COMMIT_EVERY=abc"], "-s CIVMON_COMMIT_EVERY: 'abc' is not an integer"),
    (["crawl", "-s", "CIVMON_COMMIT_EVERY=0"], "-s CIVMON_COMMIT_EVERY: '0' must be > 0"),
    (["crawl", "-s", "CIVMON_COMMIT_SECONDS=soon"],
     "-s CIVMON_COMMIT_SECONDS: 'soon' is not a number"),
    (["crawl", "-s", "LOG_LEVEL=LOUD"],
     "-s LOG_LEVEL: 'LOUD' is not a log level (use CRITICAL, ERROR, WARNING, INFO, DEBUG)"),
    (["crawl", "-s", "ROBOTSTXT_OBEY=maybe"], "-s ROBOTSTXT_OBEY: 'maybe' is not true or false"),
    (["crawl", "-s", "DOWNLOAD_TIMEOUT=later"], "-s DOWNLOAD_TIMEOUT: 'later' is not a number"),
    (["crawl", "-s", "CIVMON_MAX_HTML_BYTES=-1"], "-s CIVMON_MAX_HTML_BYTES: '-1' must be > 0"),
    (["crawl", "-s", "DOWNLOADER_MIDDLEWARES=[1]"],
     "-s DOWNLOADER_MIDDLEWARES: '[1]' is not a JSON object"),
    (["crawl", "-s", "LOG_FILE=/proc/civmon-nope/crawl.log"],
     "-s LOG_FILE: cannot write /proc/civmon-nope/crawl.log: No such file or directory"),
    (["crawl", "-s", "LOG_FILE={tmp}/a-dir"], "-s LOG_FILE: {tmp}/a-dir is a directory"),
    (["crawl", "--db", "{tmp}/a-dir"], "{tmp}/a-dir: is a directory, not a database file"),
    (["crawl", "--db", "{tmp}/plain.txt"], "{tmp}/plain.txt: not a SQLite database"),
    (["crawl", "--db", "{tmp}/plain.txt/x.sqlite"],
     "{tmp}/plain.txt/x.sqlite: cannot be created: {tmp}/plain.txt is a file"),
    (["crawl", "--db", "{tmp}/corrupt.sqlite"],
     "sqlite:///{tmp}/corrupt.sqlite: cannot open database: file is not a database"),
    (["crawl", "--db", "foo://host/db"], "foo://...: unknown database URL scheme 'foo'"),
    (["crawl", "--db", "postgresql+pg8000://u@127.0.0.1/db"],
     "postgresql+pg8000://u@127.0.0.1/db: cannot open database: No module named 'pg8000' "
     "(install the driver; for PostgreSQL: pip install 'civmon[postgres]')"),
    (["crawl", "--sources", "{tmp}/bad-next.toml"],
     "{tmp}/bad-next.toml: source 'x': key 'next_page': CSS selector 'a[href' does not compile"),
    (["crawl", "-s", "CIVMON_BOGUS=1"], "-s CIVMON_BOGUS: unknown civmon setting (known: "),
    (["crawl", "-s", "CIVMON_NEAR_DUP_BOTH=high"], "-s CIVMON_NEAR_DUP_BOTH='high': not a number"),
    (["crawl", "-s", "CIVMON_STORY_SCORE=3"], "-s CIVMON_STORY_SCORE='3': out of range"),
    (["crawl", "-s", "CIVMON_RELEVANCE_THRESHOLD=-1"],
     "-s CIVMON_RELEVANCE_THRESHOLD: '-1' must be >= 0"),
    (["demo", "--port", "0", "--db", "{tmp}/plain.txt"], "{tmp}/plain.txt: not a SQLite database"),
    (["demo", "--port", "0", "-s", "CIVMON_CLOCK=yesterday"],
     "-s CIVMON_CLOCK: 'yesterday' is not an ISO 8601 date-time"),
    (["export", "--db", "{tmp}/a-dir"], "{tmp}/a-dir: is a directory, not a database file"),
    (["export", "--db", "{tmp}/plain.txt"], "{tmp}/plain.txt: not a SQLite database"),
    (["export", "-o", "{tmp}/missing/out.csv", "--db", "{tmp}/db.sqlite"],
     "-o {tmp}/missing/out.csv: folder {tmp}/missing does not exist"),
]


@pytest.mark.parametrize(("argv", "line"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_each_bad_input_is_one_line_and_exit_2(capsys, bad, argv, line) -> None:
    tmp = str(bad["tmp"])
    if argv[0] == "export":  # a real database, so only the bad argument can fail
        from models.db import open_engine

        open_engine(bad["tmp"] / "db.sqlite").dispose()
    code, out, err = run(capsys, *[a.replace("{tmp}", tmp) for a in argv])
    assert code == exitcodes.USAGE, (out, err)
    assert err.count("\n") == 1, err
    expected = f"civmon: error: {line.replace('{tmp}', tmp)}"
    assert err.startswith(expected), err
    assert not (Path.cwd() / "data").exists() or argv[0] != "crawl" or "--db" in argv


def test_the_demo_fails_before_serving_anything(capsys, bad, monkeypatch) -> None:
    import crawler.sampleweb

    def explode(*a, **k):
        raise AssertionError("a server was started")

    monkeypatch.setattr(crawler.sampleweb, "SampleWeb", explode)
    code, _, err = run(capsys, "demo", "--port", "0", "--db", str(bad["tmp"] / "a-dir"))
    assert code == 2 and "is a directory" in err


def test_a_locked_database_exits_3(capsys, tmp_path: Path) -> None:
    db = tmp_path / "locked.sqlite"
    with RunLock(str(db)):
        code, _, err = run(capsys, "crawl", "--db", str(db))
    assert code == exitcodes.LOCKED
    assert err.startswith("civmon: error: another crawl is already running on this database")
    assert err.count("\n") == 1


def scrapy(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_scrapy_crawl_with_an_unknown_source_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = scrapy("crawl", "news", "-a", "source=nosuch", "-s", f"CIVMON_DB={tmp_path}/x.sqlite")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()  # no Scrapy banner before it: the one line
    assert len(lines) == 1 and lines[0].startswith("civmon: error: "), proc.stderr
    assert "no source 'nosuch' (known: azertag-ru" in lines[0]
    assert "Traceback" not in proc.stderr


def test_scrapy_crawl_on_a_locked_database_exits_3(tmp_path: Path) -> None:
    db = tmp_path / "locked.sqlite"
    with RunLock(str(db)):
        proc = scrapy("crawl", "news", "-s", f"CIVMON_DB={db}")
    assert proc.returncode == exitcodes.LOCKED, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith(
        "civmon: error: another crawl is already running on this database")
    assert "Traceback" not in proc.stderr


def test_scrapy_crawl_bad_setting_exit_2(tmp_path: Path) -> None:
    proc = scrapy("crawl", "news", "-s", "CIVMON_COMMIT_EVERY=abc",
                  "-s", f"CIVMON_DB={tmp_path}/x.sqlite")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == \
        "civmon: error: -s CIVMON_COMMIT_EVERY: 'abc' is not an integer"


@pytest.mark.parametrize(("status", "code"), [
    ("ok", 0), ("partial", 1), ("failed", 1), ("interrupted", 4),
    ("closespider_timeout", 4), ("abandoned", 4)])
def test_exit_status_table(status, code) -> None:
    assert exitcodes.for_status(status) == code


def test_extract_refuses_a_page_over_the_size_cap(capsys, tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    page.write_bytes(b"<html><body>" + b"<p>x</p>" * 2000 + b"</body></html>")
    size = page.stat().st_size
    code, _, err = run(capsys, "extract", str(page), "--url", "https://x.kz/1",
                       "--max-bytes", "1000")
    assert code == 2
    assert err == (f"civmon: error: {page}: {size} bytes is over the 1000-byte page size cap "
                   "(CIVMON_MAX_HTML_BYTES); pass --max-bytes N to extract it anyway\n")
    code, _, _ = run(capsys, "extract", str(page), "--url", "https://x.kz/1")
    assert code == 0  # under the default cap


def test_the_log_file_folder_is_created(capsys, tmp_path: Path) -> None:
    from crawler.preflight import check_log_file

    log = tmp_path / "var" / "log" / "civmon" / "crawl.log"
    check_log_file(str(log))
    assert log.parent.is_dir()
