"""The batch exports (SQL-side Excel cells, ``csv_line`` records, Arrow columns) write
exactly what the row-by-row writers of the same rows write: tricky rows on SQLite and
PostgreSQL, compared byte for byte (CSV, JSONL) and value for value (Parquet)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pgschema import postgres_url
from sqlalchemy import Engine, text

from crawler.export import (
    EXCEL_CELL_LIMIT,
    EXPORT_COLUMNS,
    ExportFilter,
    build_query,
    export_csv,
    export_jsonl,
    export_parquet,
    iter_batches,
    write_csv,
    write_jsonl,
)
from models.db import open_engine

LONG = EXCEL_CELL_LIMIT
# (title, author, supplier, text, published_at, topics, relevant, state_supplied)
TRICKY = [
    ("=HYPERLINK(\"http://x\")", "+7 701", "@supplier", "обычный текст", "2025-11-24T07:18:00Z",
     "grants,ngo", 1, 0),
    ("-Сергей", "\tтаб", "\rвозврат", "строка\r\nс переводом\tи табом, \"кавычки\"",
     "2025-11-24", "", 0, 1),
    ("обычный", None, None, "=" + "я" * (LONG // 2 - 1), None, None, 1, 0),   # 16,383 code points
    ("длинный", None, None, "я" * (LONG + 5), "2024-02-29T18:30:00Z", "ngo,,grants", 1, 0),
    ("ровно", None, None, "я" * LONG, "2024-03-01T00:00:00Z", "ngo", 1, 0),  # at the limit
    ("с формулой у предела", None, None, "-" + "я" * (LONG - 1), "2025-01-01", None, 1, 0),
    ("эмодзи", None, None, "😀" * 20_000, "2025-11-24T22:30:00+05:00", None, 1, 0),
    ("эмодзи у предела", "😀", None, "я" * (LONG - 2) + "😀" + "я", "2025-11-24T07:18:00",
     None, 1, 0),  # no offset: UTC
    ("", "", "", "", "2025-11-24T07:18:00Z", ",", 1, 1),
    ("запятая, в заголовке", " пробел в начале", "строка\nвторая", "только\rCR", "2025-11-24",
     "a", 0, 0),
    ('"', ",", "\n", '""', None, None, 1, 0),
    ("NUL\x00внутри", None, None, "a\x00" + "b" * 20_000, "2023-08-11T15:03:00Z", None, 1, 0),
    ("back\\slash \b\f\x1f", "\u2028", "\\", 'a\\"b\\\\n\x7f', "2025-11-24", "x,y", 1, 0),
    ("only \\ and \"", "\t", None, "%s %b %% {}", None, None, 1, 0),
]


def _fill(engine: Engine, rows: list[tuple] = TRICKY) -> None:
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO sources(id, name, country, kind, languages, timezone, enabled, "
            "updated_at) VALUES ('s', '=Источник', 'KZ', 'national', 'ru', 'Asia/Almaty', "
            ":t, '2025-01-01T00:00:00Z')"), {"t": True})
        for i, (title, author, supplier, body, pub, topics, rel, state) in enumerate(rows):
            conn.execute(text(
                "INSERT INTO articles(source_id, url, canonical_url, title, text, author, "
                "supplier, language, published_at, date_precision, fetched_at, content_hash, "
                "relevant, topics, state_supplied, story_id, published_day) VALUES ('s', :u, "
                ":u, :title, :body, :author, :supplier, 'ru', :pub, :prec, "
                "'2025-11-25T06:30:00Z', :h, :rel, :topics, :state, :story, :day)"),
                {"u": f"https://e.kz/{i}", "title": title, "body": body, "author": author,
                 "supplier": supplier, "pub": pub, "h": f"h{i}", "rel": rel, "topics": topics,
                 "state": state, "story": i if i % 2 else None,
                 "prec": "day" if pub and "T" not in pub else "minute",
                 "day": pub[:10] if pub else None})


def _reference_rows(engine: Engine, flt: ExportFilter) -> list[dict[str, Any]]:
    """The rows as the export read them before batching: SQLAlchemy rows, one dict each."""
    with engine.connect() as conn:
        return [dict(zip(EXPORT_COLUMNS, r, strict=True))
                for r in conn.execute(build_query(flt, engine.dialect.name))]


def _reference_parquet(rows: list[dict[str, Any]]):
    """The Parquet table the row-by-row writer made (typed dicts through from_pylist)."""
    import pyarrow as pa

    from crawler.export import parquet_schema, typed

    out = []
    for row in rows:
        row = typed(row)
        for name in ("published_at", "fetched_at"):
            v = row[name]
            when = datetime.fromisoformat(v) if v else None
            row[name] = when if when is None or when.tzinfo else when.replace(tzinfo=UTC)
        row["published_day"] = date.fromisoformat(row["published_day"]) \
            if row["published_day"] else None
        out.append(row)
    return pa.Table.from_batches([pa.RecordBatch.from_pylist(out, schema=parquet_schema())])


FILTERS = [ExportFilter(), ExportFilter(relevant_only=True), ExportFilter(query="я")]


def _same_output(engine: Engine, tmp_path: Path) -> None:
    for flt in FILTERS:
        rows = _reference_rows(engine, flt)
        assert rows, flt
        for excel in (False, True):
            old, new = io.StringIO(newline=""), io.StringIO(newline="")
            assert write_csv(iter(rows), old, excel=excel) == len(rows)
            assert export_csv(engine, flt, new, excel=excel) == len(rows)
            assert new.getvalue() == old.getvalue(), (flt, excel)
        old, new = io.StringIO(), io.StringIO()
        write_jsonl(iter(rows), old)
        assert export_jsonl(engine, flt, new) == len(rows)
        assert new.getvalue() == old.getvalue(), flt
        pq = pytest.importorskip("pyarrow.parquet")
        path = tmp_path / "fast.parquet"
        assert export_parquet(engine, flt, str(path), batch=3) == len(rows)
        pq.write_table(_reference_parquet(rows), tmp_path / "old.parquet", compression="zstd")
        got, want = pq.read_table(path), pq.read_table(tmp_path / "old.parquet")
        assert got.schema == want.schema
        assert got.to_pylist() == want.to_pylist(), flt


def test_batch_exports_equal_row_by_row_on_sqlite(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "t.sqlite")
    _fill(engine)
    _same_output(engine, tmp_path)
    engine.dispose()


def test_batch_exports_equal_row_by_row_on_postgres(tmp_path: Path) -> None:
    engine = open_engine(postgres_url("export_fast", fresh=True))
    _fill(engine, [r for r in TRICKY if "\x00" not in r[0]])  # PostgreSQL text has no NUL
    _same_output(engine, tmp_path)
    engine.dispose()


def test_excel_cells_are_computed_in_sql_where_cheap(tmp_path: Path, monkeypatch) -> None:
    """Python's excel_cell runs only for the cells long enough to need trimming."""
    from crawler import export

    engine = open_engine(tmp_path / "c.sqlite")
    _fill(engine)
    calls: list[int] = []
    real = export.excel_cell
    monkeypatch.setattr(export, "excel_cell", lambda v: calls.append(len(v)) or real(v))
    rows = [r for batch in iter_batches(engine, ExportFilter(), excel=True) for r in batch]
    assert len(rows) == len(TRICKY)
    # the cells over EXCEL_CELL_LIMIT // 2 - 1 bytes: the long texts, not titles or formulas
    assert calls and all(n > 4_000 for n in calls)
    titles = {r[EXPORT_COLUMNS.index("title")] for r in rows}
    assert {"'=HYPERLINK(\"http://x\")", "'-Сергей", "обычный"} <= titles
    engine.dispose()


def test_batches_stream(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "b.sqlite")
    _fill(engine)
    sizes = [len(b) for b in iter_batches(engine, ExportFilter(), size=4)]
    assert sizes == [4] * (len(TRICKY) // 4) + [len(TRICKY) % 4] * (len(TRICKY) % 4 > 0)
    engine.dispose()


def test_arrow_parsing_falls_back_to_the_row_by_row_rules() -> None:
    """A batch Arrow's cast refuses (a time without offset, a fraction of a second, an
    empty day) is converted value by value, as the row-by-row writer converts it."""
    pa = pytest.importorskip("pyarrow")
    from crawler.export import _dates, _timestamp, _timestamps

    texts = ["2025-11-24T07:18:00", "2025-11-24T07:18:00.5Z", "2025-11-24", None,
             "2025-11-24T07:18:00+05:00"]
    got = _timestamps(pa.array(texts, pa.string())).to_pylist()
    want = pa.array([_timestamp(v) for v in texts], pa.timestamp("s", tz="UTC")).to_pylist()
    assert got == want
    assert got[0] == datetime(2025, 11, 24, 7, 18, tzinfo=UTC)
    assert got[4] == datetime(2025, 11, 24, 2, 18, tzinfo=UTC)
    assert _dates(pa.array(["2025-11-24", "", None], pa.string())).to_pylist() == [
        date(2025, 11, 24), None, None]


def test_threaded_stages_keep_order_raise_errors_and_close_their_source() -> None:
    """``threaded`` (the export pipelines' stages): results in order; an error in the
    stage's thread is raised in the consumer; a consumer that stops early stops the
    thread, which closes the source generator in the thread that runs it."""
    import threading

    from crawler.export import threaded

    assert list(threaded(threaded(range(50)), lambda x: x * x)) == [x * x for x in range(50)]

    def boom(x: int) -> int:
        if x == 7:
            raise ValueError("bad row 7")
        return x

    with pytest.raises(ValueError, match="bad row 7"):
        list(threaded(range(20), boom))

    closed_in: list[str] = []

    def source():
        try:
            yield from range(10_000)
        finally:
            closed_in.append(threading.current_thread().name)

    stage = threaded(source())
    assert [next(stage) for _ in range(3)] == [0, 1, 2]
    stage.close()  # the consumer gives up (e.g. the disk filled up)
    assert closed_in == ["civmon-export-stage"]
    assert not any(t.name == "civmon-export-stage" for t in threading.enumerate())


def test_a_failing_output_stops_the_csv_export_with_its_error(tmp_path: Path) -> None:
    """A write error (a full disk) ends export_csv with that error, its reading threads
    stopped, rather than hanging or writing on."""
    import threading

    engine = open_engine(tmp_path / "t.sqlite")
    _fill(engine, TRICKY * 400)

    class Full(io.RawIOBase):
        def __init__(self) -> None:
            self.n = 0

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            self.n += 1
            if self.n > 2:
                raise OSError(28, "No space left on device")
            return len(data)

    with pytest.raises(OSError, match="No space left"):
        export_csv(engine, ExportFilter(), Full())
    assert not any(t.name == "civmon-export-stage" for t in threading.enumerate())
    engine.dispose()


def test_jsonl_without_sqlites_json_functions_is_the_same(tmp_path: Path,
                                                          monkeypatch) -> None:
    """An SQLite built without json_quote gets the lines built in Python (jsonl_block):
    the same bytes as the SQL-built ones and the row-by-row writer's."""
    from crawler import export

    engine = open_engine(tmp_path / "t.sqlite")
    _fill(engine)
    assert export._has_json_quote(engine)  # this SQLite has them: the SQL path ran above
    sql_built = io.StringIO()
    export_jsonl(engine, ExportFilter(), sql_built)
    monkeypatch.setattr(export, "_has_json_quote", lambda _engine: False)
    python_built, old = io.StringIO(), io.StringIO()
    assert export_jsonl(engine, ExportFilter(), python_built) == len(TRICKY)
    write_jsonl(iter(_reference_rows(engine, ExportFilter())), old)
    assert python_built.getvalue() == sql_built.getvalue() == old.getvalue()
    engine.dispose()
