"""CSV / JSON Lines exports of the articles table, for reports.

The columns (``EXPORT_COLUMNS``) are a stable contract documented in
docs/export.md: new columns are appended, none is renamed or removed.
``--excel`` writes UTF-8 with a byte-order mark, so Excel opens Cyrillic text
correctly, and trims cells to Excel's 32,767-character limit.

Imports SQLAlchemy and the models only (no Scrapy).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.engine import Engine

from models.schema import Article, Source

EXPORT_COLUMNS = (
    "id", "source_id", "source_name", "country", "published_at", "date_precision", "title",
    "url", "canonical_url", "language", "author", "relevant", "topics", "duplicate_of",
    "story_id", "attributed_to", "state_supplied", "supplier", "published_raw", "date_source",
    "fetched_at", "text",
)
EXCEL_CELL_LIMIT = 32_767


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
        if dialect == "sqlite" and portable:
            conds.append(or_(*(col.like(f"%{v}%") for v in spellings(f.query)
                               for col in (Article.title, Article.text))))
        elif dialect == "sqlite":
            like = f"%{f.query.casefold()}%"
            conds.append(or_(func.civmon_fold(Article.title).like(like),
                             func.civmon_fold(Article.text).like(like)))
        else:
            like = f"%{f.query}%"
            conds.append(or_(Article.title.ilike(like), Article.text.ilike(like)))
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
            row = {k: (v[: EXCEL_CELL_LIMIT - 1] + "…") if isinstance(v, str)
                   and len(v) > EXCEL_CELL_LIMIT else v for k, v in row.items()}
        writer.writerow(row)
        n += 1
    return n


def write_jsonl(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n
