"""`civmon report`: the tables behind the charts match SQL counts on the same database,
the filters select what export selects, the page is self-contained and escaped, and
bad arguments are one line with exit status 2.  (The page in a real browser:
test_report_browser.py.)"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pgschema import postgres_url
from reportdb import ROOT, ReportPage, demo_database

from crawler.cli import cli
from crawler.report import MAX_SERIES, OTHER, bucket_range, bucketing, stack

WEEK = ("date(COALESCE(a.published_day, substr(a.published_at, 1, 10)), 'weekday 0', "
        "'-6 days')")  # its Monday, by SQLite


@pytest.fixture(scope="module")
def db() -> Path:
    return demo_database()


def report(db: Path, tmp_path: Path, *args: str) -> ReportPage:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(out), *args])
    assert result.exit_code == 0, result.output + result.stderr
    return ReportPage(out.read_text(encoding="utf-8"))


def sql(db: Path, query: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def summary_count(page_text: str) -> int:
    m = re.search(r'id="summary">(\d+) articles', page_text)
    assert m, "no summary line"
    return int(m.group(1))


SERIES_SQL = {
    "country": f"SELECT {WEEK}, s.country, count(*) FROM articles a JOIN sources s "
               "ON s.id = a.source_id WHERE a.relevant = 1 AND a.published_at IS NOT NULL "
               "GROUP BY 1, 2",
    "source": f"SELECT {WEEK}, a.source_id, count(*) FROM articles a WHERE a.relevant = 1 "
              "AND a.published_at IS NOT NULL GROUP BY 1, 2",
    "topic": f"SELECT {WEEK}, t.topic_id, count(*) FROM article_topics t JOIN articles a "
             "ON a.id = t.article_id WHERE a.relevant = 1 AND a.published_at IS NOT NULL "
             "GROUP BY 1, 2",
}


@pytest.mark.parametrize("name", ["country", "source", "topic"])
def test_weekly_tables_match_sql(db: Path, tmp_path: Path, name: str) -> None:
    page = report(db, tmp_path)
    header, rows = page.tables[f"table-{name}"]
    expected: dict[tuple[str, str], int] = {}
    week_totals: dict[str, int] = defaultdict(int)
    for week, key, n in sql(db, SERIES_SQL[name]):
        expected[(week, key)] = n
        week_totals[week] += n
    assert expected, f"the demo database has no {name} counts to compare"
    assert header[0] == "week" and header[-1] == "total"
    assert [r[0] for r in rows] == sorted(week_totals), "weeks with articles, in order"
    for r in rows:
        week = r[0]
        assert int(r[-1]) == week_totals[week], week
        for key, cell in zip(header[1:-1], r[1:-1], strict=True):
            if key != OTHER:
                assert int(cell) == expected.get((week, key), 0), (week, key)
    keys = {k for _w, k in expected}
    assert len(header) - 2 == min(len(keys), MAX_SERIES)


def test_chart_marks_carry_the_table_values(db: Path, tmp_path: Path) -> None:
    page = report(db, tmp_path)
    header, rows = page.tables["table-country"]
    cells = {(r[0], k): int(v) for r in rows for k, v in zip(header[1:-1], r[1:-1],
                                                           strict=True) if int(v)}
    marks = {}
    for tip in page.marks["chart-country"]:
        m = re.fullmatch(r"(\S+) · (\S+): (\d+)", tip)
        assert m, tip
        marks[(m.group(1), m.group(2))] = int(m.group(3))
    assert marks == cells  # one segment per non-zero cell, with its value
    for chart in ("chart-source", "chart-topic", "chart-organisations", "chart-regions",
                  "chart-stories"):
        assert page.marks[chart], f"{chart} drew no marks"


def test_top_tables_match_sql(db: Path, tmp_path: Path) -> None:
    page = report(db, tmp_path)
    orgs = sql(db, "SELECT o.name, count(*), count(DISTINCT a.source_id) FROM "
                   "article_organisations ao JOIN organisations o ON o.id = ao.organisation_id "
                   "JOIN articles a ON a.id = ao.article_id WHERE a.relevant = 1 "
                   "GROUP BY o.id ORDER BY 2 DESC, 3 DESC, o.id LIMIT 20")
    assert orgs
    assert [(r[0], int(r[2]), int(r[3])) for r in page.tables["table-organisations"][1]] == orgs
    regions = sql(db, "SELECT g.name, g.level, count(*) FROM article_regions ar JOIN regions g "
                      "ON g.id = ar.region_id JOIN articles a ON a.id = ar.article_id "
                      "WHERE a.relevant = 1 AND g.level <> 'country' "
                      "GROUP BY g.id ORDER BY 3 DESC, count(DISTINCT a.source_id) DESC, g.id "
                      "LIMIT 20")
    assert regions
    assert [(r[0], r[1], int(r[4])) for r in page.tables["table-regions"][1]] == regions


def test_stories_table_is_the_stories_view(db: Path, tmp_path: Path) -> None:
    page = report(db, tmp_path, "--all")
    view = sql(db, "SELECT story_id, outlets, articles, title FROM stories WHERE articles > 1 "
                   "ORDER BY outlets DESC, articles DESC, story_id LIMIT 15")
    assert view and view[0][1] > 1, "the demo has stories across outlets"
    header, rows = page.tables["table-stories"]
    got = [(int(r[header.index("story_id")]), int(r[1]), int(r[2]), r[0]) for r in rows]
    assert got == [(s, o, n, t) for s, o, n, t in view]


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--country", "kz"], "s.country = 'KZ' AND a.relevant = 1"),
        (["--source", "steppeinform", "--source", "azerinform"],
         "a.source_id IN ('steppeinform', 'azerinform') AND a.relevant = 1"),
        (["--since", "2025-11-20", "--until", "2025-11-24"],
         "a.published_at >= '2025-11-20' AND a.published_at < '2025-11-25' AND a.relevant = 1"),
        (["--originals"], "a.duplicate_of IS NULL AND a.relevant = 1"),
        (["--all"], "1 = 1"),
    ],
)
def test_filters_select_what_sql_selects(db: Path, tmp_path: Path, args: list[str],
                                         where: str) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(out), *args])
    assert result.exit_code == 0, result.output + result.stderr
    text = out.read_text(encoding="utf-8")
    (n,), = sql(db, f"SELECT count(*) FROM articles a JOIN sources s ON s.id = a.source_id "
                    f"WHERE {where}")
    assert n, f"the demo database has no article where {where}"
    assert summary_count(text) == n
    page = ReportPage(text)
    sources = {r[0] for r in sql(db, "SELECT DISTINCT a.source_id FROM articles a JOIN sources "
                                     f"s ON s.id = a.source_id WHERE {where} "
                                     "AND a.published_at IS NOT NULL")}
    assert set(page.tables["table-source"][0][1:-1]) == sources
    weeks = page.tables["table-source"][1]
    if "--since" in args:
        assert all("2025-11-17" <= r[0] <= "2025-11-24" for r in weeks), weeks


def test_an_empty_range_is_a_page_that_says_so(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(out),
                                      "--since", "2031-01-01"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "No articles" in text and "<svg" not in text and "2031-01-01" in text
    assert "report of 0 articles" in result.stderr


def test_unknown_source_warns_naming_the_ones_present(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(tmp_path / "r.html"),
                                      "--source", "no-such-outlet"])
    assert result.exit_code == 0
    assert "no source no-such-outlet" in result.stderr and "azerinform" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-11-30", "--until", "2025-11-01"], "is after --until"),
        (["--since", "30.11.2025"], "is not a date"),
        (["-o", "/nonexistent-folder/r.html"], "does not exist"),
        (["--db", "/nonexistent-folder/x.sqlite"], "no such database"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(db: Path, tmp_path: Path, args: list[str],
                                           message: str) -> None:
    cmd = [sys.executable, "-m", "crawler.cli", "report", "--db", str(db),
           "-o", str(tmp_path / "r.html"), *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("civmon: error:") and message in lines[0]
    assert not (tmp_path / "r.html").exists()


def test_page_is_self_contained_and_database_text_is_escaped(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "hostile.sqlite"
    shutil.copy(db, copy)
    (story,), = sql(copy, "SELECT story_id FROM stories ORDER BY outlets DESC, articles DESC, "
                          "story_id LIMIT 1")
    hostile = '<img src="https://evil.example/x.png"><script>alert(1)</script>'
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE articles SET title = ? WHERE id = ?", (hostile, story))
    conn.commit()
    conn.close()
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(copy), "-o", str(out), "--all"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    page = ReportPage(text)
    assert hostile in page.tables["table-stories"][1][0][0]  # shown as text ...
    assert "<img" not in text and text.count("<script>") == 1  # ... never as markup
    for tag, attr, value in page.attrs:  # nothing fetched from anywhere
        assert attr not in ("src", "href", "xlink:href", "srcset", "data"), (tag, attr, value)
        assert "url(" not in value, (tag, attr, value)
    assert "<link" not in text and "@import" not in text and "url(" not in text.split(
        "<style>")[1].split("</style>")[0]


def test_report_leaves_the_database_unchanged(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ro.sqlite"
    shutil.copy(db, copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    report(copy, tmp_path, "--all")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    # the temporary selection was a TEMP table: nothing new in the file's schema
    assert not sql(copy, "SELECT name FROM sqlite_master WHERE name = 'report_articles'")


def test_weeks_then_months_then_years() -> None:
    assert bucketing(date(2025, 1, 1), date(2027, 12, 31)) == "week"  # 157 weeks
    assert bucketing(date(2025, 1, 1), date(2028, 6, 30)) == "month"
    assert bucketing(date(2000, 1, 1), date(2025, 1, 1)) == "year"
    assert bucket_range(date(2025, 11, 26), date(2025, 12, 8), "week") == [
        "2025-11-24", "2025-12-01", "2025-12-08"]
    assert bucket_range(date(2025, 11, 30), date(2026, 2, 1), "month") == [
        "2025-11", "2025-12", "2026-01", "2026-02"]


def test_small_series_are_summed_into_other() -> None:
    rows = [("2025-11-24", f"s{i:02d}", i + 1) for i in range(MAX_SERIES + 3)]
    rows.append(("2025-11-30", f"s{MAX_SERIES + 2:02d}", 5))  # a Sunday: the same week
    st = stack(rows, "week", date(2025, 11, 24), date(2025, 11, 30))
    assert st.buckets == ["2025-11-24"]
    assert st.keys[-1] == OTHER and len(st.keys) == MAX_SERIES
    assert st.total("2025-11-24") == sum(n for _d, _k, n in rows)
    assert st.cells[("2025-11-24", OTHER)] == 1 + 2 + 3 + 4  # s00..s03, the four smallest
    assert st.keys[0] == f"s{MAX_SERIES + 2:02d}"  # the biggest first


def test_postgresql_gives_the_same_report(db: Path) -> None:
    """The same rows in PostgreSQL (no temporary table there: the selection is a CTE)
    give the same numbers as SQLite."""
    from sqlalchemy import text as sql_text

    from crawler.report import ReportFilter, gather
    from models.db import open_engine, open_readonly
    from models.schema import Base

    url = postgres_url("report", fresh=True)
    pg = open_engine(url)
    tables = ("sources", "topics", "regions", "organisations", "articles", "article_topics",
              "article_regions", "article_organisations")
    src = sqlite3.connect(db)
    src.row_factory = sqlite3.Row
    try:
        with pg.begin() as conn:
            for table in tables:
                rows = [dict(r) for r in src.execute(f"SELECT * FROM {table} ORDER BY 1")]
                if table == "articles":  # foreign keys filled once every row is in
                    for r in rows:
                        r["crawl_run_id"] = None
                    later = [(r["id"], r["duplicate_of"]) for r in rows if r["duplicate_of"]]
                    for r in rows:
                        r["duplicate_of"] = None
                if table == "regions":  # parents first
                    ordered: list[dict] = []
                    while len(ordered) < len(rows):
                        done = {r["id"] for r in ordered}
                        ordered += [r for r in rows if r["id"] not in done
                                    and (r["parent_id"] is None or r["parent_id"] in done)]
                    rows = ordered
                if rows:  # through the models' types (SQLite's 0/1 becomes a boolean)
                    conn.execute(Base.metadata.tables[table].insert(), rows)
                if table == "articles":
                    for aid, orig in later:
                        conn.execute(sql_text("UPDATE articles SET duplicate_of = :o "
                                              "WHERE id = :i"), {"o": orig, "i": aid})
    finally:
        src.close()
        pg.dispose()
    for flt in (ReportFilter(), ReportFilter(relevant_only=False, countries=("KZ",))):
        lite_engine, pg_engine = open_readonly(db), open_readonly(url)
        try:
            lite, post = gather(lite_engine, flt), gather(pg_engine, flt)
        finally:
            lite_engine.dispose()
            pg_engine.dispose()
        assert post.totals["articles"] > 0
        assert post.totals == lite.totals  # (a PostgreSQL SUM is a Decimal: equal to the int)
        for name in ("country", "source", "topic"):
            assert sorted(post.series[name]) == sorted(lite.series[name]), name
        assert post.organisations == lite.organisations
        assert post.regions == lite.regions
        assert post.stories == lite.stories


def test_undated_and_malformed_dates_count_in_totals_not_in_weeks(db: Path,
                                                                   tmp_path: Path) -> None:
    copy = tmp_path / "dates.sqlite"
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id LIMIT 2")]
    # raw SQL bypasses the store, so published_day is set as the store would (no day)
    conn.execute("UPDATE articles SET published_at = NULL, published_day = NULL WHERE id = ?",
                 (ids[0],))
    conn.execute("UPDATE articles SET published_at = 'sometime', published_day = NULL "
                 "WHERE id = ?", (ids[1],))
    conn.commit()
    conn.close()
    (total,), = sql(copy, "SELECT count(*) FROM articles")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(copy), "-o", str(out), "--all"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert summary_count(text) == total
    weekly = ReportPage(text).column("table-country", "total")
    assert sum(weekly.values()) == total - 2
    assert "sometime" not in weekly


def test_a_failed_write_leaves_the_earlier_report(db: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    import errno

    from crawler import report as report_module
    from models.db import open_readonly

    out = tmp_path / "r.html"
    out.write_text("the report of last week", encoding="utf-8")

    def full_disk(_report) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report_module, "render", full_disk)
    engine = open_readonly(db)
    try:
        with pytest.raises(OSError):
            report_module.write_report(engine, report_module.ReportFilter(), str(out))
    finally:
        engine.dispose()
    assert out.read_text(encoding="utf-8") == "the report of last week"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
