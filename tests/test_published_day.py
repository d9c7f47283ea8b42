"""published_day: the source's local day of publication, on insert, update, zone change,
in the migration's backfill (SQLite and PostgreSQL) and in the exports."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pgschema import postgres_url
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from crawler.registry import load_registry
from models.db import current_revision, head_revision, open_engine, upgrade
from models.schema import Article, Source
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.published_day import local_day
from pipelines.store import ArticleWriter

FETCHED = datetime(2025, 11, 25, 6, 30, tzinfo=UTC)

# (source, zone, published_at, the local day)
CASES = [
    ("azertag-ru", "Asia/Baku", "2025-11-24T22:30:00Z", "2025-11-25"),  # 02:30 UTC+4
    ("tengrinews", "Asia/Almaty", "2025-11-24T22:30:00Z", "2025-11-25"),  # 03:30 UTC+5
    ("azertag-ru", "Asia/Baku", "2025-11-24T19:30:00Z", "2025-11-24"),  # 23:30 UTC+4
    ("tengrinews", "Asia/Almaty", "2025-11-24T18:59:00Z", "2025-11-24"),  # 23:59 UTC+5
    ("tengrinews", "Asia/Almaty", "2025-11-24", "2025-11-24"),  # day-only: that day
    ("azertag-ru", "Asia/Baku", None, None),
]


def test_local_day_rule() -> None:
    for _source, zone, published_at, day in CASES:
        assert local_day(published_at, zone) == day, (zone, published_at)
    # before 1 March 2024 Almaty was UTC+6: 18:30 UTC was already the next day
    assert local_day("2024-01-10T18:30:00Z", "Asia/Almaty") == "2024-01-11"
    assert local_day("2025-11-24T18:30:00Z", "Asia/Almaty") == "2025-11-24"
    assert local_day("2025-11-24T22:30:00Z", None) == "2025-11-24"  # unknown zone: UTC
    assert local_day("2025-11-24T22:30:00Z", "Mars/Olympus") == "2025-11-24"
    assert local_day("garbage", "Asia/Baku") is None


def _item(i: int, source_id: str, published_at: str | None) -> ArticleItem:
    url = f"https://example.org/{source_id}/{i}"
    body = f"Текст номер {i} про гранты для НПО в регионе, совершенно отдельный {i * 7}."
    it = ArticleItem(source_id=source_id, url=url, html="<html/>", fetched_at=FETCHED,
                     source=load_registry().get(source_id), title=f"T{i}", text=body,
                     published_at=published_at,
                     date_precision="day" if published_at and "T" not in published_at
                     else "minute")
    it.canonical_url, it.content_hash = canonical_url(url), content_hash(body)
    return it


def _store_cases(engine) -> dict[int, str | None]:
    expected = {}
    with Session(engine) as s:
        w = ArticleWriter(s)
        for i, (source_id, _zone, published_at, day) in enumerate(CASES):
            row = w.write(_item(i, source_id, published_at))
            assert row is not None
            expected[row.id] = day
        s.commit()
    return expected


def _stored_days(engine) -> dict[int, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, published_day FROM articles")).all())


def test_store_sets_the_local_day(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "d.sqlite")
    expected = _store_cases(engine)
    assert _stored_days(engine) == expected
    engine.dispose()


def test_an_update_of_published_at_or_of_the_zone_keeps_it_right(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "u.sqlite")
    expected = _store_cases(engine)
    first = min(expected)
    with Session(engine) as s:  # a revisit or a fix through the ORM
        s.get(Article, first).published_at = "2025-11-30T23:00:00Z"
        s.commit()
    assert _stored_days(engine)[first] == "2025-12-01"
    with Session(engine) as s:  # the registry moved the source to UTC
        s.get(Source, "tengrinews").timezone = "UTC"
        s.commit()
    with engine.connect() as conn:
        days = dict(conn.execute(text(
            "SELECT published_at, published_day FROM articles WHERE source_id = 'tengrinews'"
        )).all())
    assert days == {"2025-11-24T22:30:00Z": "2025-11-24", "2025-11-24T18:59:00Z": "2025-11-24",
                    "2025-11-24": "2025-11-24"}
    engine.dispose()


def _backfill(url: str, monkeypatch) -> None:
    """A database at 0005 with rows written by raw SQL; the upgrade to 0006 fills the day."""
    engine = create_engine(url)
    upgrade(engine, "0005")
    assert current_revision(engine) == "0005"
    with engine.begin() as conn:
        for sid, zone in (("azertag-ru", "Asia/Baku"), ("tengrinews", "Asia/Almaty")):
            conn.execute(text(
                "INSERT INTO sources(id, name, country, kind, languages, timezone, enabled, "
                "updated_at) VALUES (:id, :name, 'AZ', 'agency', 'ru', :tz, :t, "
                "'2025-01-01T00:00:00Z')"), {"id": sid, "name": sid, "tz": zone, "t": True})
        for i, (sid, _zone, published_at, _day) in enumerate(CASES * 3):  # 3 batches of 7
            conn.execute(text(
                "INSERT INTO articles(source_id, url, canonical_url, title, text, "
                "published_at, fetched_at, content_hash, relevant, state_supplied) VALUES "
                "(:s, :u, :u, 't', 'x', :p, '2025-11-25T00:00:00Z', :h, 0, 0)"),
                {"s": sid, "u": f"https://e.org/{i}", "p": published_at, "h": f"h{i}"})
    from pipelines import published_day

    monkeypatch.setattr(published_day, "BATCH", 7)  # several keyset batches (PostgreSQL)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT published_at, published_day, source_id FROM articles "
                                 "ORDER BY id")).all()
        views = conn.execute(text("SELECT week_start, country, articles FROM weekly_by_country"
                                  )).all()
    assert [(r[0], r[1]) for r in rows] == [(c[2], c[3]) for c in CASES * 3]
    assert views == [("2025-11-24", "AZ", 15)]  # Mon 24 Nov; the 6 undated rows are in none
    engine.dispose()


def test_backfill_migration_on_sqlite(tmp_path: Path, monkeypatch) -> None:
    _backfill(f"sqlite:///{tmp_path / 'old.sqlite'}", monkeypatch)


def test_backfill_migration_on_postgres(monkeypatch) -> None:
    _backfill(postgres_url("backfill", fresh=True), monkeypatch)


#: published_at values around Kazakhstan's change from UTC+6 to UTC+5 (1 March 2024),
#: Baku's fixed UTC+4, day-only values, offsets, NULL and text that is no date.
AROUND_2024 = ["2024-02-29T17:59:00Z", "2024-02-29T18:00:00Z", "2024-02-29T18:30:00Z",
               "2024-02-29T19:00:00Z", "2024-03-01T18:30:00Z", "2024-03-01T19:00:00Z",
               "2024-01-10T18:30:00Z", "2025-11-24T18:59:00Z", "2025-11-24T19:00:00Z",
               "2024-02-29", "2024-03-01", "2025-11-24T22:30:00+05:00", None, "garbage"]


def _refresh_equals_the_rule(url: str) -> None:
    """refresh (set-based on SQLite, batches on PostgreSQL) gives what local_day gives
    row by row, and rewrites nothing the second time."""
    from pipelines.published_day import refresh

    engine = create_engine(url)
    upgrade(engine)
    zones = {"tengrinews": "Asia/Almaty", "azertag-ru": "Asia/Baku", "mars": "Mars/Olympus"}
    with engine.begin() as conn:
        for sid, zone in zones.items():
            conn.execute(text(
                "INSERT INTO sources(id, name, country, kind, languages, timezone, enabled, "
                "updated_at) VALUES (:id, :name, 'KZ', 'agency', 'ru', :tz, :t, "
                "'2025-01-01T00:00:00Z')"), {"id": sid, "name": sid, "tz": zone, "t": True})
        n = 0
        for sid in zones:
            for published_at in AROUND_2024:
                conn.execute(text(
                    "INSERT INTO articles(source_id, url, canonical_url, title, text, "
                    "published_at, fetched_at, content_hash, relevant, state_supplied, "
                    "published_day) VALUES (:s, :u, :u, 't', 'x', :p, "
                    "'2025-11-25T00:00:00Z', :h, 0, 0, :stale)"),
                    {"s": sid, "u": f"https://e.org/{n}", "p": published_at, "h": f"h{n}",
                     "stale": "1999-01-01" if n % 2 else None})
                n += 1
    with engine.begin() as conn:
        changed = refresh(conn)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT source_id, published_at, published_day "
                                 "FROM articles ORDER BY id")).all()
    want = [local_day(p, zones[sid]) for sid, p, _day in rows]
    assert [r[2] for r in rows] == want
    # the rule itself across the change (clocks went from 00:00 +06 back to 23:00 +05,
    # at 18:00 UTC on 29 February): neither fixed offset gives all of these
    got = {(sid, p): day for sid, p, day in rows}
    assert got["tengrinews", "2024-01-10T18:30:00Z"] == "2024-01-11"  # +6: 00:30 next day
    assert got["tengrinews", "2024-02-29T17:59:00Z"] == "2024-02-29"  # +6: 23:59
    assert got["tengrinews", "2024-02-29T18:30:00Z"] == "2024-02-29"  # +5: 23:30
    assert got["tengrinews", "2024-02-29T19:00:00Z"] == "2024-03-01"  # +5: 00:00
    assert got["tengrinews", "2024-03-01T18:30:00Z"] == "2024-03-01"
    assert got["azertag-ru", "2024-02-29T18:30:00Z"] == "2024-02-29"
    assert got["mars", "2024-02-29T18:30:00Z"] == "2024-02-29"  # unknown zone: UTC
    assert got["tengrinews", "2024-02-29"] == "2024-02-29" and got["tengrinews", None] is None
    stale = sum(1 for i, w in enumerate(want) if w != ("1999-01-01" if i % 2 else None))
    assert changed == stale
    with engine.begin() as conn:
        assert refresh(conn) == 0  # nothing left to change: no row rewritten
        assert refresh(conn, "tengrinews") == 0
    engine.dispose()


def test_refresh_equals_the_rule_on_sqlite(tmp_path: Path) -> None:
    _refresh_equals_the_rule(f"sqlite:///{tmp_path / 'r.sqlite'}")


def test_refresh_equals_the_rule_on_postgres() -> None:
    _refresh_equals_the_rule(postgres_url("refresh", fresh=True))


def test_store_sets_the_local_day_on_postgres() -> None:
    engine = open_engine(postgres_url("day", fresh=True))
    expected = _store_cases(engine)
    assert _stored_days(engine) == expected
    engine.dispose()


def test_exports_carry_published_day(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from crawler.export import ExportFilter, iter_rows, write_csv, write_parquet

    db = tmp_path / "e.sqlite"
    engine = open_engine(db)
    _store_cases(engine)
    out = tmp_path / "a.parquet"
    write_parquet(iter_rows(engine, ExportFilter()), str(out))
    table = pq.read_table(out)
    assert str(table.schema.field("published_day").type) == "date32[day]"
    got = {(r["published_at"] and r["published_at"].isoformat(), r["published_day"])
           for r in table.to_pylist()}
    assert ("2025-11-24T22:30:00+00:00", date(2025, 11, 25)) in got
    assert ("2025-11-24T00:00:00+00:00", date(2025, 11, 24)) in got  # day-only
    with open(tmp_path / "a.csv", "w", encoding="utf-8", newline="") as fh:
        write_csv(iter_rows(engine, ExportFilter()), fh)
    import csv

    with open(tmp_path / "a.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["published_at"], r["published_day"]) for r in rows} == {
        (c[2] or "", c[3] or "") for c in CASES}
    engine.dispose()


def test_pandas_reads_published_at_as_the_docs_say(tmp_path: Path) -> None:
    """docs/export.md: pd.to_datetime(..., format="ISO8601", utc=True) takes both shapes."""
    pd = pytest.importorskip("pandas")
    values = pd.Series(["2025-11-24T22:30:00Z", "2025-11-24", None])
    parsed = pd.to_datetime(values, format="ISO8601", utc=True)
    assert str(parsed[0]) == "2025-11-24 22:30:00+00:00"
    assert str(parsed[1]) == "2025-11-24 00:00:00+00:00"
    assert pd.isna(parsed[2])
    with pytest.raises((ValueError, TypeError)):  # the default guesses one format for all
        pd.to_datetime(pd.Series(["2025-11-24", "2025-11-24T22:30:00Z"]), utc=True)


def test_sqlite_shell_reads_it_as_text(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    engine = open_engine(db)
    _store_cases(engine)
    engine.dispose()
    conn = sqlite3.connect(db)
    per_day = conn.execute("SELECT published_day, count(*) FROM articles "
                           "WHERE published_day IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    assert per_day == [("2025-11-24", 3), ("2025-11-25", 2)]
    conn.close()
    with Session(open_engine(db)) as s:
        assert s.scalar(select(Article.published_day).where(Article.title == "T0")) == \
            "2025-11-25"
