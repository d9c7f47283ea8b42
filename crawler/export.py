"""CSV / JSON Lines / Parquet exports of the articles table, for reports.

The columns (``EXPORT_COLUMNS``) are a stable contract documented in
docs/export.md: new columns are appended, none is renamed or removed.
``--excel`` writes UTF-8 with a byte-order mark, so Excel opens Cyrillic text
correctly, trims cells to Excel's 32,767-character limit (counted in UTF-16
units, as Excel counts) and neutralises formulas (a cell starting with
``=``, ``+``, ``-``, ``@``, tab or CR gets a leading apostrophe).  JSONL writes
``topics`` as an array and ``relevant``/``state_supplied`` as booleans; Parquet
(pyarrow, the optional extra ``.[parquet]``) has typed columns.  Every export
streams: rows are read in batches from the database cursor (server-side on
PostgreSQL) and written as they come (Parquet in row groups of ``PARQUET_BATCH``),
so memory stays flat at any size.  The exports (``export_csv``, ``export_jsonl``,
``export_parquet``) do no per-row Python work they can leave to C: the dated rows
come in the order of the ``published_at`` index (no sort of the whole result),
``--excel``'s cells are made in SQL on SQLite, CSV records are built by ``csv_line``
(the csv module's bytes, with string methods that scan in C) as the cursor gives
them, Parquet columns are built by Arrow from column lists (text read from SQLite
as UTF-8 bytes).  ``write_csv``/``write_jsonl``/``write_parquet`` take
rows as dicts (``iter_rows``) and write the same bytes through the csv module,
``json`` and ``from_pylist``: the reference the batch exports are tested against.
A file export also writes ``FILE.json``, a sidecar naming the query, the
civmon version and the row count.

Imports SQLAlchemy and the models only (no Scrapy).
"""

from __future__ import annotations

import csv
import io
import json
import json.encoder
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import LargeBinary, Select, and_, case, cast, func, literal, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

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
FETCH_BATCH = 2_000  # rows per fetchmany of a CSV/JSONL export: ~5 MB of text
PARQUET_BATCH = 1_000  # rows per row group: ~7 MB of text (2,000 peaked at 307 MB on 1M rows)
BOOLEAN_COLUMNS = ("relevant", "state_supplied")
#: String columns a Parquet export reads from SQLite as UTF-8 bytes, Arrow's own encoding.
TEXT_AS_BYTES = ("source_id", "source_name", "country", "published_at", "date_precision",
                 "title", "url", "canonical_url", "language", "author", "attributed_to",
                 "supplier", "published_raw", "date_source", "fetched_at", "text",
                 "published_day")


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


def _filtered(f: ExportFilter, dialect: str = "sqlite", *, portable: bool = False,
                cell: Callable[[Any, str], Any] | None = None,
                shape: Callable[[list[Any]], list[Any]] | None = None) -> Select:
    """The export's SELECT and WHERE, unordered (``build_query``, ``scan_queries``).

    ``--query`` is case-insensitive for every alphabet: on SQLite through the
    ``civmon_fold`` function civmon registers (SQLite's LIKE folds ASCII only),
    elsewhere through ILIKE.  ``portable`` (for ``--sql``) avoids ``civmon_fold``,
    which the sqlite3 shell and pandas do not have: it matches the spellings of
    :func:`spellings` instead (as typed, its first letter raised, lower, UPPER,
    Capitalised, Title Case).  ``cell(column, name)`` wraps each selected column (the SQL
    form of ``--excel``, ``excel_sql``; texts read as bytes); the column keeps its name.
    ``shape(columns)`` replaces the selected columns (in ``EXPORT_COLUMNS`` order) by the
    expressions it returns (JSON Lines made in SQL, ``_jsonl_sql``).
    """
    cols = {
        "source_name": Source.name.label("source_name"),
        "country": Source.country.label("country"),
    }
    selected = [cols.get(c, getattr(Article, c, None)) for c in EXPORT_COLUMNS]
    if cell is not None:
        selected = [cell(col, name).label(name) for col, name in zip(selected, EXPORT_COLUMNS,
                                                                strict=True)]
    if shape is not None:
        selected = shape(selected)
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
    return stmt


def build_query(f: ExportFilter, dialect: str = "sqlite", *, portable: bool = False,
                cell: Callable[[Any, str], Any] | None = None) -> Select:
    """The SELECT behind an export (``civmon export --sql`` prints it): rows ordered by
    ``published_at`` (undated last), then ``id``."""
    return _filtered(f, dialect, portable=portable, cell=cell).order_by(
        Article.published_at.is_(None), Article.published_at, Article.id)


def scan_queries(f: ExportFilter, dialect: str = "sqlite", *,
                 cell: Callable[[Any, str], Any] | None = None,
                 shape: Callable[[list[Any]], list[Any]] | None = None) -> list[Select]:
    """``build_query``'s rows in its order, as two statements: the dated rows ordered by
    ``(published_at, id)``, then the undated ones by ``id``.  Both orders are those of the
    index on ``published_at`` (whose last key is the row id), so the database walks the
    index instead of sorting the whole result in a temporary B-tree (at 1M rows, gigabytes
    of text) before the first row comes out."""
    base = _filtered(f, dialect, cell=cell, shape=shape)
    return [base.where(Article.published_at.is_not(None)).order_by(Article.published_at,
                                                                   Article.id),
            base.where(Article.published_at.is_(None)).order_by(Article.id)]


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
    """The export's rows as dicts (a Python API; the exports themselves use ``iter_batches``)."""
    for rows in iter_batches(engine, f):
        for row in rows:
            yield dict(zip(EXPORT_COLUMNS, row, strict=True))


def excel_sql(col: Any, _name: str = "") -> Any:
    """``excel_cell`` in SQL (SQLite): a text cell starting a formula gets its apostrophe
    there, and only a cell long enough to need trimming (more than ``EXCEL_CELL_LIMIT // 2 - 1``
    bytes, so possibly over the limit in UTF-16 units) calls ``civmon_excel_cell``,
    i.e. ``excel_cell`` itself, which ``iter_batches`` registers on the connection."""
    return case(
        (func.typeof(col) != "text", col),
        (func.length(cast(col, LargeBinary)) > EXCEL_CELL_LIMIT // 2 - 1,
         func.civmon_excel_cell(col)),
        (func.substr(col, 1, 1).in_(FORMULA_STARTS), literal("'").op("||")(col)),
        else_=col)


def iter_batches(engine: Engine, f: ExportFilter, *, size: int = FETCH_BATCH,
                 excel: bool = False, as_bytes: Sequence[str] = ()
                 ) -> Iterator[list[tuple[Any, ...]]]:
    """The export's rows as lists of up to ``size`` tuples in ``EXPORT_COLUMNS`` order,
    straight from the database cursor (no per-row Python objects on SQLite).

    ``excel``: cells as ``excel_cell`` makes them — computed in SQL on SQLite
    (``excel_sql``), in Python elsewhere.  ``as_bytes``: columns SQLite hands over as
    their UTF-8 bytes (``CAST(... AS BLOB)``), for a consumer that wants UTF-8 anyway
    (Arrow): no decoding to ``str`` and encoding back; other databases give ``str``."""
    sqlite = engine.dialect.name == "sqlite"

    def cell(col: Any, name: str) -> Any:
        if excel:
            col = excel_sql(col)
        return cast(col, LargeBinary) if name in as_bytes else col

    yield from _batches(engine, f, cell if sqlite and (excel or as_bytes) else None,
                        size=size, excel=excel)


def _batches(engine: Engine, f: ExportFilter, cell: Callable[[Any, str], Any] | None, *,
             size: int = FETCH_BATCH, excel: bool = False,
             shape: Callable[[list[Any]], list[Any]] | None = None
             ) -> Iterator[list[tuple[Any, ...]]]:
    """``iter_batches`` with the SQL of each cell made by ``cell(column, name)`` and the
    select list by ``shape`` (SQLite)."""
    sqlite = engine.dialect.name == "sqlite"
    stmts = scan_queries(f, engine.dialect.name, cell=cell, shape=shape)
    with engine.connect() as conn:
        if sqlite and excel:
            conn.connection.driver_connection.create_function(
                "civmon_excel_cell", 1, excel_cell, deterministic=True)

        def fetchers() -> Iterator[Callable[[int], list[tuple[Any, ...]]]]:
            for stmt in stmts:  # one after the other: the second starts when the first ends
                if sqlite:  # the sqlite3 cursor itself (it steps through the rows lazily)
                    yield conn.execute(stmt).cursor.fetchmany
                else:  # a server-side cursor: memory stays flat
                    result = conn.execution_options(stream_results=True).execute(stmt)
                    yield lambda n, result=result: [tuple(r) for r in result.fetchmany(n)]

        for rows in _rechunk(fetchers(), size):
            if excel and not sqlite:
                rows = [tuple(excel_cell(v) if isinstance(v, str) else v for v in r)
                        for r in rows]
            yield rows


def _rechunk(fetchers: Iterable[Callable[[int], list[tuple[Any, ...]]]], size: int
             ) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of ``size`` rows across the statements (the last one may be shorter)."""
    buf: list[tuple[Any, ...]] = []
    for fetchmany in fetchers:
        while rows := fetchmany(size - len(buf)):
            if buf:
                buf.extend(rows)
            else:
                buf = rows
            if len(buf) >= size:
                yield buf
                buf = []
    if buf:
        yield buf


def export_csv(engine: Engine, f: ExportFilter, out: IO[str] | IO[bytes], *,
               excel: bool = False) -> int:
    """``civmon export --format csv``: the rows of ``f`` as CSV lines; returns the row count.
    The same bytes as ``write_csv(iter_rows(engine, f), out, excel=excel)``.

    ``out`` is a binary file (the CLI's) or a text one (its UTF-8 bytes are decoded for a
    text file without a buffer, e.g. ``io.StringIO``; a text file with one, such as
    ``sys.stdout``, is flushed and the bytes go to its buffer)."""
    write = _byte_writer(out)
    if excel:
        write("\ufeff".encode())
    write(csv_line(EXPORT_COLUMNS).encode())
    n = 0
    if engine.dialect.name == "sqlite":
        # every cell as its UTF-8 bytes, NULL as b"": no decoding to str and encoding back,
        # and records built a column at a time (csv_block)
        def cell(col: Any, _name: str) -> Any:
            return func.coalesce(cast(excel_sql(col) if excel else col, LargeBinary),
                                 literal(b""))

        # three stages, each in its own thread (as export_parquet): SQLite steps through
        # the rows and the file takes the bytes without the GIL, so reading, building the
        # records and writing them overlap
        batches = threaded(_batches(engine, f, cell, excel=excel))
        for count, block in threaded(batches, _counted_csv_block):
            write(block)
            n += count
        return n
    for rows in iter_batches(engine, f, excel=excel):
        write("".join(map(csv_line, rows)).encode())
        n += len(rows)
    return n


def _byte_writer(out: IO[str] | IO[bytes]) -> Callable[[bytes], Any]:
    if not isinstance(out, io.TextIOBase):
        return out.write  # type: ignore[return-value]
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        return lambda data: out.write(data.decode("utf-8"))  # type: ignore[arg-type]
    out.flush()
    return buffer.write


#: The bytes that make csv.writer quote a field (QUOTE_MINIMAL): the delimiter, the quote
#: character and the line breaks.
_CSV_SPECIAL = (b",", b'"', b"\n", b"\r")
_CSV_WIDE = 64  # mean bytes per cell above which a column is tested cell by cell


def csv_block(rows: Sequence[Sequence[bytes]]) -> bytes:
    """The CSV records of ``rows`` (every cell UTF-8 bytes, NULL as ``b""``), the bytes
    ``csv_line`` makes of their texts: built a column at a time, so a column none of whose
    cells needs quoting (ids, dates, languages: most of them) costs one scan of its joined
    bytes instead of a test per cell."""
    columns = []
    for column in zip(*rows, strict=True):
        # a wide column (texts, titles) is tested cell by cell: most of its cells need
        # quoting, and joining it would copy megabytes only to find that out
        if sum(map(len, column)) > _CSV_WIDE * len(column) or any(
                c in b"".join(column) for c in _CSV_SPECIAL):
            column = tuple(map(_csv_quoted, column))
        columns.append(column)
    if not columns:
        return b""
    return b"\r\n".join(map(b",".join, zip(*columns, strict=True))) + b"\r\n"


def _counted_csv_block(rows: Sequence[Sequence[bytes]]) -> tuple[int, bytes]:
    return len(rows), csv_block(rows)


def _csv_quoted(v: bytes) -> bytes:
    if b'"' in v:
        return b'"' + v.replace(b'"', b'""') + b'"'
    if b"," in v or b"\n" in v or b"\r" in v:
        return b'"' + v + b'"'
    return v


def csv_line(row: Sequence[Any]) -> str:
    """One CSV record as ``csv.writer(lineterminator="\\r\\n")`` writes it (QUOTE_MINIMAL:
    a field with a comma, a double quote, CR or LF is quoted, its quotes doubled; None is
    empty).  Built with ``str`` methods that scan in C (``in``, ``replace``, ``join``):
    the csv module copies every character of a field one by one into a buffer of 4-byte
    characters, which made it four times slower on 6 KB texts (tests/test_export_fast.py
    checks the bytes against the csv module's).  ``csv_block`` is its bytes form."""
    fields = []
    for v in row:
        if v is None:
            fields.append("")
        elif type(v) is not str:
            fields.append(str(v))
        elif '"' in v:
            fields.append('"' + v.replace('"', '""') + '"')
        elif "," in v or "\n" in v or "\r" in v:
            fields.append('"' + v + '"')
        else:
            fields.append(v)
    return ",".join(fields) + "\r\n"


def export_jsonl(engine: Engine, f: ExportFilter, out: IO[str] | IO[bytes]) -> int:
    """``civmon export --format jsonl`` (the same lines as ``write_jsonl(iter_rows(...))``).

    ``out`` as for ``export_csv``.  On SQLite, SQLite itself writes each line but its
    ``topics`` (``_jsonl_sql``: ``json_quote`` escapes a text exactly as the json module
    does), in its reading thread, while the main thread adds the topics and writes;
    elsewhere (or an SQLite without JSON functions) ``jsonl_block`` builds the lines."""
    write = _byte_writer(out)
    n = 0
    if engine.dialect.name == "sqlite" and _has_json_quote(engine):
        for rows in threaded(_batches(engine, f, None, shape=_jsonl_sql)):
            write(b"".join([head + (_json_topics(topics) if topics else b"[]") + tail
                            for head, topics, tail in rows]))
            n += len(rows)
        return n
    for rows in iter_batches(engine, f):
        write(jsonl_block(rows))
        n += len(rows)
    return n


def _has_json_quote(engine: Engine) -> bool:
    with engine.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT json_quote('\"')").scalar() == '"\\""'
        except OperationalError:  # an SQLite built without its JSON functions
            return False


def _jsonl_sql(columns: list[Any]) -> list[Any]:
    """A JSON Lines record of ``columns`` made in SQL, as three UTF-8 cells: the text up to
    the ``topics`` value, the raw ``topics`` text, the rest with the line break."""
    def value(name: str, col: Any) -> Any:
        if name in BOOLEAN_COLUMNS:
            return case((col.is_(None), literal("null")), (col != 0, literal("true")),
                        else_=literal("false"))
        return func.json_quote(col)

    pieces: list[list[Any]] = [[], []]
    side = 0
    for i, (name, col) in enumerate(zip(EXPORT_COLUMNS, columns, strict=True)):
        key = ("{" if i == 0 else ", ") + json.dumps(name) + ": "
        if name == "topics":
            pieces[0].append(literal(key))
            side = 1
            continue
        pieces[side] += [literal(key), value(name, col)]
    pieces[1].append(literal("}\n"))

    def joined(parts: list[Any]) -> Any:
        expr = parts[0]
        for part in parts[1:]:
            expr = expr.op("||")(part)
        return cast(expr, LargeBinary)

    topics = columns[EXPORT_COLUMNS.index("topics")]
    return [joined(pieces[0]).label("head"), cast(topics, LargeBinary).label("topics"),
            joined(pieces[1]).label("tail")]


def _json_topics(topics: bytes) -> bytes:
    return ("[" + ", ".join([_json_string(t) for t in topics.decode("utf-8").split(",") if t])
            + "]").encode("utf-8")


def jsonl_block(rows: Sequence[Sequence[Any]]) -> bytes:
    """The JSON Lines of ``rows`` (tuples in ``EXPORT_COLUMNS`` order), the bytes of
    ``json.dumps(typed(row), ensure_ascii=False)``: built a column at a time (each value
    encoded once by the json module's C functions, then every line formatted from one
    template) instead of a dict and an encoder call per row (tests/test_export_fast.py
    compares them with ``write_jsonl``'s)."""
    if not rows:
        return b""
    columns = [_json_column(name, column) for name, column in
               zip(EXPORT_COLUMNS, zip(*rows, strict=True), strict=True)]
    return "".join(map(_JSONL_TEMPLATE.__mod__, zip(*columns, strict=True))).encode("utf-8")


#: One JSON Lines record with a ``%s`` for each column's encoded value.
_JSONL_TEMPLATE = "{" + ", ".join(
    json.dumps(c).replace("%", "%%") + ": %s" for c in EXPORT_COLUMNS) + "}\n"
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C, non-ASCII kept


def _json_column(name: str, values: tuple[Any, ...]) -> list[str] | tuple[str, ...]:
    """``values`` of column ``name`` as their JSON texts (``typed``'s rules: topics as an
    array, the 0/1 columns as booleans)."""
    if name == "topics":
        return ["[" + ", ".join([_json_string(t) for t in v.split(",") if t]) + "]" if v
                else "[]" for v in values]
    if name in BOOLEAN_COLUMNS:
        return ["null" if v is None else "true" if v else "false" for v in values]
    kinds = set(map(type, values))
    if kinds == {str}:
        return tuple(map(_json_string, values))
    if kinds <= {str, type(None)}:
        return ["null" if v is None else _json_string(v) for v in values]
    if kinds <= {int, type(None)}:
        return ["null" if v is None else int.__repr__(v) for v in values]
    return list(map(json.JSONEncoder(ensure_ascii=False).encode, values))


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


def _timestamps(texts):
    """A timestamp array in UTC from a string array of ISO texts, parsed by Arrow: a
    day-only value is midnight UTC of that day (as ``_timestamp``), which Arrow's cast
    is given by adding the time; a batch Arrow cannot parse (no offset, fractions, bad
    text) goes through ``_timestamp``, value by value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ts = pa.timestamp("s", tz="UTC")
    day_only = pc.equal(pc.utf8_length(texts), 10)
    full = pc.if_else(day_only, pc.binary_join_element_wise(texts, "T00:00:00Z", ""), texts)
    try:
        return full.cast(ts)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([_timestamp(v) for v in texts.to_pylist()], ts)


def _dates(texts):
    """A date32 array from a string array of 'YYYY-MM-DD' texts (Arrow's cast;
    ``date.fromisoformat`` for a batch it cannot parse, e.g. an empty text: no date)."""
    import pyarrow as pa

    try:
        return texts.cast(pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([date.fromisoformat(v) if v else None for v in texts.to_pylist()],
                        pa.date32())


def record_batch(rows: list[tuple[Any, ...]]):
    """One Parquet row group of ``rows`` (tuples in ``EXPORT_COLUMNS`` order), built column
    by column: Arrow converts the integers, booleans, timestamps and dates in C."""
    import pyarrow as pa

    schema = parquet_schema()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(EXPORT_COLUMNS)
    arrays = []
    for name, values, fld in zip(EXPORT_COLUMNS, columns, schema, strict=True):
        values = list(values)
        if name in TEXT_AS_BYTES:
            values = _strings(values)
        if name in ("published_at", "fetched_at"):
            arrays.append(_timestamps(values))
        elif name == "topics":
            arrays.append(pa.array([[t for t in v.split(",") if t] if v else []
                                    for v in values], fld.type))
        elif name == "published_day":
            arrays.append(_dates(values))
        elif name in BOOLEAN_COLUMNS:
            arrays.append(pa.array(values, pa.int64()).cast(fld.type))
        elif isinstance(values, pa.Array):
            arrays.append(values)
        else:
            arrays.append(pa.array(values, fld.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _strings(values: list[Any]):
    """A string array from texts or their UTF-8 bytes (Arrow checks the bytes are UTF-8)."""
    import pyarrow as pa

    first = next((v for v in values if v is not None), None)
    if isinstance(first, bytes):
        return pa.array(values, pa.binary()).cast(pa.string())
    return pa.array(values, pa.string())


#: Columns with few distinct values, which Parquet's dictionary encoding shrinks; the
#: others (texts, URLs, ids) are plain-encoded rather than tried and abandoned per page.
DICTIONARY_COLUMNS = ["source_id", "source_name", "country", "date_precision", "language",
                      "topics", "attributed_to", "supplier", "date_source"]


def export_parquet(engine: Engine, f: ExportFilter, path: str, *,
                   batch: int = PARQUET_BATCH) -> int:
    """``civmon export --format parquet``: one row group per ``batch`` rows of ``f``.

    Three stages overlap, each in its own thread: reading rows from the database, building
    their Arrow columns (``record_batch``), compressing and writing the row group.  Arrow
    releases the GIL while it validates, casts, encodes and compresses, so the stages run
    on separate cores; queues of ``PIPELINE_DEPTH`` batches keep memory flat."""
    rows = iter_batches(engine, f, size=batch, as_bytes=TEXT_AS_BYTES)
    return _write_batches(threaded(threaded(rows), record_batch), path)


def _write_batches(batches: Iterable[Any], path: str) -> int:
    """Write ``batches`` (record batches, or lists of row tuples) as row groups of ``path``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    with pq.ParquetWriter(path, parquet_schema(), compression="zstd",
                          use_dictionary=DICTIONARY_COLUMNS) as writer:
        for item in batches:
            rb = item if isinstance(item, pa.RecordBatch) else record_batch(item)
            writer.write_batch(rb)
            n += rb.num_rows
        if n == 0:
            writer.write_batch(record_batch([]))
    return n


PIPELINE_DEPTH = 1  # batches a pipeline stage may hold ready for the next


def threaded(items: Iterable[Any], fn: Callable[[Any], Any] | None = None, *,
             depth: int = PIPELINE_DEPTH) -> Iterator[Any]:
    """``map(fn, items)`` (``items`` themselves without ``fn``) computed in a thread of its
    own, at most ``depth`` results ahead of the consumer, in order.  An exception in the
    thread is raised in the consumer; a consumer that stops early (an error, a full disk)
    stops the thread, which closes ``items`` (a generator holding a database connection
    is closed in the thread that opened it)."""
    results: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((True, fn(item) if fn else item)):
                    return
            put((True, end))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=run, name="civmon-export-stage", daemon=True)
    worker.start()
    try:
        while True:
            ok, value = results.get()
            if not ok:
                raise value
            if value is end:
                return
            yield value
    finally:
        stop.set()
        worker.join()


def write_parquet(rows: Iterator[dict[str, Any]], path: str, *,
                  batch: int = PARQUET_BATCH) -> int:
    """Stream ``rows`` (dicts, as ``iter_rows`` gives) into a Parquet file, one row group per
    ``batch`` rows."""
    def batches() -> Iterator[list[tuple[Any, ...]]]:
        buf: list[tuple[Any, ...]] = []
        for row in rows:
            buf.append(tuple(row[c] for c in EXPORT_COLUMNS))
            if len(buf) >= batch:
                yield buf
                buf = []
        if buf:
            yield buf

    return _write_batches(batches(), path)


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
