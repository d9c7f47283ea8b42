"""The researcher views (models/views.py) against counts made by hand in Python, on the
demo database (SQLite) and the same crawl into PostgreSQL; every view column documented."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pgschema
import pytest
from sqlalchemy import create_engine, inspect, text
from test_end_to_end import PORT, civmon

from models.views import VIEW_DOCS, VIEWS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory) -> str:
    db = tmp_path_factory.mktemp("views") / "civmon.sqlite"
    proc = civmon("demo", "--db", str(db), "--port", PORT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return f"sqlite:///{db}"


@pytest.fixture(scope="module")
def postgres_url() -> str:
    url = pgschema.postgres_url("views", fresh=True)  # skips without a server
    proc = civmon("demo", "--db", url, "--port", PORT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return url


def _rows(conn, sql: str) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(text(sql))]


def _monday(day: str) -> str:
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def check_views(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        arts = _rows(conn, "SELECT a.*, s.country AS src_country FROM articles a "
                           "JOIN sources s ON s.id = a.source_id")
        assert len(arts) > 20
        by_id = {a["id"]: a for a in arts}

        # originals, relevant_originals
        assert {r["id"] for r in _rows(conn, "SELECT id FROM originals")} == \
            {a["id"] for a in arts if a["duplicate_of"] is None}
        rel = {a["id"] for a in arts if a["duplicate_of"] is None and a["relevant"] == 1}
        assert rel and {r["id"] for r in _rows(conn, "SELECT id FROM relevant_originals")} == rel

        # reprints
        copies = defaultdict(list)
        for a in arts:
            if a["duplicate_of"] is not None:
                copies[a["duplicate_of"]].append(a["source_id"])
        # reprinted_by: each source once (alphabetical on PostgreSQL, any order on SQLite)
        got = {r["original_id"]: (r["reprint_count"], sorted(r["reprinted_by"].split(",")))
               for r in _rows(conn, "SELECT * FROM reprints")}
        assert got and got == {o: (len(c), sorted(set(c))) for o, c in copies.items()}

        # stories: articles per story
        members = defaultdict(list)
        for a in arts:
            if a["story_id"] is not None:
                members[a["story_id"]].append(a)
        got = {r["story_id"]: r for r in _rows(conn, "SELECT * FROM stories")}
        assert set(got) == set(members)
        for sid, ms in members.items():
            r = got[sid]
            assert r["articles"] == len(ms)
            assert r["originals"] == sum(m["duplicate_of"] is None for m in ms)
            assert r["outlets"] == len({m["source_id"] for m in ms})
            assert r["first_seen"] == min(m["published_at"] or m["fetched_at"] for m in ms)
            assert r["title"] == by_id[sid]["title"]

        # weekly volume: by country, by source
        def counts(keyed) -> dict:
            out: dict = defaultdict(lambda: [0, 0, 0, 0])
            for key, a in keyed:
                c = out[key]
                c[0] += 1
                c[1] += a["duplicate_of"] is None
                c[2] += a["relevant"] == 1
                c[3] += a["relevant"] == 1 and a["duplicate_of"] is None
            return {k: tuple(v) for k, v in out.items()}

        dated = [a for a in arts if a["published_day"] is not None]
        assert len({_monday(a["published_day"]) for a in dated}) > 3
        expect = counts(((_monday(a["published_day"]), a["src_country"]), a) for a in dated)
        got = {(r["week_start"], r["country"]): (r["articles"], r["originals"], r["relevant"],
                                                 r["relevant_originals"])
               for r in _rows(conn, "SELECT * FROM weekly_by_country")}
        assert got == expect
        outlets = {(r["week_start"], r["country"]): r["outlets"]
                   for r in _rows(conn, "SELECT * FROM weekly_by_country")}
        assert outlets == {k: len({a["source_id"] for a in dated if (
            _monday(a["published_day"]), a["src_country"]) == k}) for k in expect}
        expect = counts(((_monday(a["published_day"]), a["source_id"]), a) for a in dated)
        got = {(r["week_start"], r["source_id"]): (r["articles"], r["originals"], r["relevant"],
                                                   r["relevant_originals"])
               for r in _rows(conn, "SELECT * FROM weekly_by_source")}
        assert got == expect

        # weekly volume: by topic, by region (through the tag tables)
        tags = _rows(conn, "SELECT article_id, topic_id FROM article_topics")
        assert tags
        expect_t = Counter((_monday(by_id[t["article_id"]]["published_day"]), t["topic_id"])
                           for t in tags if by_id[t["article_id"]]["published_day"])
        got = {(r["week_start"], r["topic_id"]): r["articles"]
               for r in _rows(conn, "SELECT * FROM weekly_by_topic")}
        assert got == dict(expect_t)
        regions = _rows(conn, "SELECT article_id, region_id FROM article_regions")
        assert regions
        expect = counts(((_monday(by_id[r["article_id"]]["published_day"]), r["region_id"]),
                         by_id[r["article_id"]])
                        for r in regions if by_id[r["article_id"]]["published_day"])
        got = {(r["week_start"], r["region_id"]): (r["articles"], r["originals"], r["relevant"],
                                                   r["relevant_originals"])
               for r in _rows(conn, "SELECT * FROM weekly_by_region")}
        assert got == expect

        # source health per run
        runs = {r["id"]: r for r in _rows(conn, "SELECT * FROM crawl_runs")}
        per = _rows(conn, "SELECT * FROM crawl_run_sources")
        got = {(r["run_id"], r["source_id"]): r for r in _rows(conn, "SELECT * FROM source_health")}
        assert per and set(got) == {(p["run_id"], p["source_id"]) for p in per}
        for p in per:
            r = got[(p["run_id"], p["source_id"])]
            assert r["run_status"] == runs[p["run_id"]]["status"]
            for name in ("status", "discovered", "fetched", "failed", "stored", "undated",
                         "extract_empty", "alerts"):
                assert r[name] == p[name], name
            asked = p["fetched"] + p["failed"]
            want = round(p["failed"] / asked, 3) if asked else None
            assert (r["failed_share"] is None) == (want is None)
            if want is not None:
                assert float(r["failed_share"]) == pytest.approx(want)
            if p["stored"]:
                assert float(r["dated_share"]) == pytest.approx(
                    round((p["stored"] - p["undated"]) / p["stored"], 3))

        # every column of every view is documented (Datasette metadata, docs/database.md)
        insp = inspect(conn)
        docs = (ROOT / "docs" / "database.md").read_text(encoding="utf-8")
        for name in VIEWS:
            assert name in insp.get_view_names()
            assert re.search(rf"^### `{name}`", docs, re.M), name
            _description, columns = VIEW_DOCS[name]
            if columns:
                assert [c["name"] for c in insp.get_columns(name)] == list(columns), name
                section = docs.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
                for column in columns:
                    assert f"`{column}`" in section, (name, column)
    engine.dispose()


def test_views_count_right_on_sqlite(sqlite_url: str) -> None:
    check_views(sqlite_url)


def test_views_count_right_on_postgres(postgres_url: str) -> None:
    check_views(postgres_url)
