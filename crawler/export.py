"""CSV / JSON Lines / Parquet exports of the articles table, for reports.

The columns (``EXPORT_COLUMNS``) are a stable contract documented in
docs/export.md: new columns are appended, none is renamed or removed.
``--excel`` writes UTF-8 with a byte-order mark, so Excel opens Cyrillic text
correctly, trims cells to Excel's 32,767-character limit (counted in UTF-16
units, as Excel counts) and neutralises formulas (a cell starting with
``=``, ``+``, ``-``, ``@``, tab or CR gets a leading apostrophe).  JSONL writes
``topics`` as an array and ``relevant``/``state_supplied`` as booleans; Parquet
(pyarrow, the optional extra ``.[parquet]``) has typed columns.  Every export
streams: rows are read with a server-side cursor and written as they come
(Parquet in row groups of ``PARQUET_BATCH``), so memory stays flat at any size.
A file export also writes ``FILE.json``, a sidecar naming the query, the
civmon version and the row count.

Imports SQLAlchemy and the models only (no Scrapy).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.engine import Engine

from models.schema import Article, Source

EXPORT_COLUMNS = (
    "id", "source_id", "source_name", "country", "published_at", "date_precision", "title",
    "url", "canonical_url", "language", "author", "relevant", "topics", "duplicate_of",
    "story_id", "attributed_to", "state_supplied", "supplier", "published_raw", "date_source",
    "fetched_at", "text", "published_day",
)
EXCEL_CELL_LIMIT = 32_767
#: A cell Excel (and LibreOffice) would read as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PARQUET_BATCH = 1_000  # rows per row group: ~7 MB of text (2,000 peaked at 307 MB on 1M rows)
BOOLEAN_COLUMNS = ("relevant", "state_supplied")


@dataclass
class ExportFilter:
    since: date | None = None
    until: date | None = None
    sources: Sequence[str] = ()
    countries: Sequence[str] = ()
    query: str | None = None
    relevant_only: bool = False
    originals_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def spellings(query: str) -> list[str]:
    """The case variants of ``query`` a plain-SQLite LIKE is given (see build_query)."""
    return list(dict.fromkeys([query, query[:1].upper() + query[1:], query.lower(),
                               query.upper(), query.capitalize(), query.title()]))


def like_escape(value: str) -> str:
    """``value`` with LIKE's ``%`` and ``_`` (and the escape character) made literal."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def build_query(f: ExportFilter, dialect: str = "sqlite", *, portable: bool = False) -> Select:
    """The SELECT behind an export (``civmon export --sql`` prints it).

    ``--query`` is case-insensitive for every alphabet: on SQLite through the
    ``civmon_fold`` function civmon registers (SQLite's LIKE folds ASCII only),
    elsewhere through ILIKE.  ``portable`` (for ``--sql``) avoids ``civmon_fold``,
    which the sqlite3 shell and pandas do not have: it matches the spellings of
    :func:`spellings` instead (as typed, its first letter raised, lower, UPPER,
    Capitalised, Title Case).
    """
    cols = {
        "source_name": Source.name.label("source_name"),
        "country": Source.country.label("country"),
    }
    selected = [cols.get(c, getattr(Article, c, None)) for c in EXPORT_COLUMNS]
    stmt = select(*selected).join(Source, Source.id == Article.source_id)
    conds = []
    # published_at is ISO text ('2025-11-24T07:18:00Z' or '2025-11-24'): string
    # comparison orders it, and a day-only date falls inside its own day.
    if f.since:
        conds.append(Article.published_at >= f.since.isoformat())
    if f.until:
        conds.append(Article.published_at < (f.until + timedelta(days=1)).isoformat())
    if f.sources:
        conds.append(Article.source_id.in_(list(f.sources)))
    if f.countries:
        conds.append(Source.country.in_([c.upper() for c in f.countries]))
    if f.query:
        # LIKE's wildcards are literal characters in --query ("%" is a percent sign)
        esc = "\\"
        if dialect == "sqlite" and portable:
            conds.append(or_(*(col.like(f"%{like_escape(v)}%", escape=esc)
                               for v in spellings(f.query)
                               for col in (Article.title, Article.text))))
        elif dialect == "sqlite":
            like = f"%{like_escape(f.query.casefold())}%"
            conds.append(or_(func.civmon_fold(Article.title).like(like, escape=esc),
                             func.civmon_fold(Article.text).like(like, escape=esc)))
        else:
            like = f"%{like_escape(f.query)}%"
            conds.append(or_(Article.title.ilike(like, escape=esc),
                             Article.text.ilike(like, escape=esc)))
    if f.relevant_only:
        conds.append(Article.relevant == 1)
    if f.originals_only:
        conds.append(Article.duplicate_of.is_(None))
    if conds:
        stmt = stmt.where(and_(*conds))
    return stmt.order_by(Article.published_at.is_(None), Article.published_at, Article.id)


def compiled_sql(f: ExportFilter, engine: Engine) -> str:
    """The export's SQL with its values inlined, runnable as it stands (``--sql``)."""
    dialect = engine.dialect.name
    sql = str(build_query(f, dialect, portable=True).compile(
        engine, compile_kwargs={"literal_binds": True}))
    if f.query and dialect == "sqlite":
        sql = ("-- --query in plain SQLite matches these spellings: "
               + ", ".join(repr(v) for v in spellings(f.query))
               + " (civmon export itself folds every case)\n" + sql)
    return sql


def iter_rows(engine: Engine, f: ExportFilter) -> Iterator[dict[str, Any]]:
    with engine.connect() as conn:
        stmt = build_query(f, engine.dialect.name)
        result = conn.execution_options(stream_results=True).execute(stmt)
        for row in result:
            yield dict(zip(EXPORT_COLUMNS, row, strict=True))


def write_csv(rows: Iterator[dict[str, Any]], out: IO[str], *, excel: bool = False) -> int:
    if excel:
        out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    n = 0
    for row in rows:
        if excel:
            row = {k: excel_cell(v) if isinstance(v, str) else v for k, v in row.items()}
        writer.writerow(row)
        n += 1
    return n


def excel_cell(value: str) -> str:
    """A cell Excel shows as written: formulas neutralised, at most its limit long."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value  # shown as text, the apostrophe hidden (Excel's own convention)
    if len(value) > EXCEL_CELL_LIMIT // 2 and _utf16_len(value) > EXCEL_CELL_LIMIT:
        # Excel counts UTF-16 units: a character outside the BMP (emoji) counts two
        keep, units = 0, 0
        for ch in value:
            units += 2 if ord(ch) > 0xFFFF else 1
            if units > EXCEL_CELL_LIMIT - 1:
                break
            keep += 1
        value = value[:keep] + "…"
    return value


def _utf16_len(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def typed(row: dict[str, Any]) -> dict[str, Any]:
    """``topics`` as a list, the 0/1 columns as booleans (JSONL, Parquet)."""
    row = dict(row)
    topics = row.get("topics")
    row["topics"] = [t for t in topics.split(",") if t] if topics else []
    for name in BOOLEAN_COLUMNS:
        if row.get(name) is not None:
            row[name] = bool(row[name])
    return row


def write_jsonl(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(typed(row), ensure_ascii=False) + "\n")
        n += 1
    return n


class ParquetMissing(RuntimeError):
    """pyarrow is not installed (the optional extra ``.[parquet]``)."""


def parquet_schema():
    try:
        import pyarrow as pa
    except ImportError:
        raise ParquetMissing("--format parquet needs pyarrow: pip install -e '.[parquet]'"
                             ) from None
    ts = pa.timestamp("s", tz="UTC")
    types = {"id": pa.int64(), "duplicate_of": pa.int64(), "story_id": pa.int64(),
             "published_at": ts, "fetched_at": ts, "relevant": pa.bool_(),
             "state_supplied": pa.bool_(), "topics": pa.list_(pa.string()),
             "published_day": pa.date32()}
    return pa.schema([(c, types.get(c, pa.string())) for c in EXPORT_COLUMNS])


def _timestamp(value: str | None) -> datetime | None:
    # "2025-11-24T07:18:00Z", or a day-only "2025-11-24": midnight UTC of that day
    # (date_precision says which; docs/export.md)
    if not value:
        return None
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def write_parquet(rows: Iterator[dict[str, Any]], path: str, *,
                  batch: int = PARQUET_BATCH) -> int:
    """Stream ``rows`` into a Parquet file, one row group per ``batch`` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        buf: list[dict[str, Any]] = []
        for row in rows:
            row = typed(row)
            row["published_at"] = _timestamp(row["published_at"])
            row["fetched_at"] = _timestamp(row["fetched_at"])
            day = row["published_day"]
            row["published_day"] = date.fromisoformat(day) if day else None
            buf.append(row)
            if len(buf) >= batch:
                writer.write_batch(pa.RecordBatch.from_pylist(buf, schema=schema))
                n += len(buf)
                buf.clear()
        if buf or n == 0:
            writer.write_batch(pa.RecordBatch.from_pylist(buf, schema=schema))
            n += len(buf)
    return n


def write_sidecar(path: str, *, fmt: str, flt: ExportFilter, sql: str, rows: int) -> str:
    """``path``.json: what the export holds (query, civmon version, row count)."""
    from importlib.metadata import version

    sidecar = f"{path}.json"
    info = {
        "file": Path(path).name, "format": fmt, "rows": rows,
        "civmon_version": version("civmon"),
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "filters": {"since": flt.since.isoformat() if flt.since else None,
                    "until": flt.until.isoformat() if flt.until else None,
                    "sources": list(flt.sources), "countries": list(flt.countries),
                    "query": flt.query, "relevant_only": flt.relevant_only,
                    "originals_only": flt.originals_only},
        "columns": list(EXPORT_COLUMNS), "sql": sql,
    }
    Path(sidecar).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
    return sidecar
