"""CSV / JSONL exports: stable columns, filters, Excel-safe Cyrillic."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crawler.export import (
    EXPORT_COLUMNS,
    ExportFilter,
    compiled_sql,
    iter_rows,
    spellings,
    write_csv,
    write_jsonl,
)
from crawler.registry import load_registry
from models.db import open_engine
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.store import ArticleWriter

ROWS = [
    # source, url, published_at, title, text, relevant
    ("azertag-ru", "https://azertag.az/ru/xeber/a-1", "2025-11-24T07:18:00Z",
     "Форум НПО", "Форум солидарности НПО открылся", True),
    ("tengrinews", "https://tengrinews.kz/news/b-2", "2023-08-11T15:03:00Z",
     "XI Гражданский форум", "Гражданский форум в Костанае", True),
    ("tengrinews", "https://tengrinews.kz/news/c-3", "2025-11-25",
     "Курс тенге", "Курс тенге укрепился", False),
    ("report-ru", "https://report.az/ru/x/a", None, "Копия", "Форум солидарности НПО открылся",
     True),
]


@pytest.fixture
def engine(tmp_path: Path):
    engine = open_engine(tmp_path / "e.sqlite")
    reg = load_registry()
    with Session(engine) as s:
        w = ArticleWriter(s)
        for sid, url, pub, title, body, relevant in ROWS:
            it = ArticleItem(source_id=sid, url=url, html="", source=reg.get(sid),
                             fetched_at=datetime(2025, 11, 25, tzinfo=UTC), title=title,
                             text=body, published_at=pub, relevant=relevant)
            it.canonical_url, it.content_hash = canonical_url(url), content_hash(body)
            w.write(it)
        s.commit()
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("flt", "titles"),
    [
        (ExportFilter(), ["XI Гражданский форум", "Форум НПО", "Курс тенге", "Копия"]),
        (ExportFilter(since=date(2025, 11, 24)), ["Форум НПО", "Курс тенге"]),
        (ExportFilter(until=date(2025, 11, 24)), ["XI Гражданский форум", "Форум НПО"]),
        (ExportFilter(since=date(2025, 11, 25), until=date(2025, 11, 25)), ["Курс тенге"]),
        (ExportFilter(countries=["kz"]), ["XI Гражданский форум", "Курс тенге"]),
        (ExportFilter(sources=["azertag-ru", "report-ru"]), ["Форум НПО", "Копия"]),
        (ExportFilter(query="гражданский"), ["XI Гражданский форум"]),
        (ExportFilter(relevant_only=True), ["XI Гражданский форум", "Форум НПО", "Копия"]),
        (ExportFilter(originals_only=True), ["XI Гражданский форум", "Форум НПО", "Курс тенге"]),
    ],
)
def test_filters(engine, flt: ExportFilter, titles: list[str]) -> None:
    assert [r["title"] for r in iter_rows(engine, flt)] == titles


def test_query_folds_every_case_of_every_alphabet(engine) -> None:
    for query in ("ГРАЖДАНСКИЙ", "гражданский форум", "XI гражданский"):
        assert [r["title"] for r in iter_rows(engine, ExportFilter(query=query))] == [
            "XI Гражданский форум"], query
    assert [r["title"] for r in iter_rows(engine, ExportFilter(query="солидарности нпо"))] \
        == ["Форум НПО", "Копия"]


@pytest.mark.parametrize(("query", "titles"), [
    ("гражданский", ["XI Гражданский форум"]),   # Capitalised in the title
    ("форум НПО", ["Форум НПО"]),                 # sentence start: first letter raised
    ("солидарности нпо", []),   # "солидарности НПО" is none of the spellings (civmon finds it)
    ("xi", ["XI Гражданский форум"]),             # ASCII: SQLite's LIKE folds it anyway
])
def test_printed_sql_runs_without_civmon(engine, query: str, titles: list[str]) -> None:
    import sqlite3

    sql = compiled_sql(ExportFilter(query=query), engine)
    assert sql.startswith("-- --query in plain SQLite matches these spellings: ")
    conn = sqlite3.connect(engine.url.database)
    try:
        got = [r[EXPORT_COLUMNS.index("title")] for r in conn.execute(sql)]
    finally:
        conn.close()
    assert got == titles


def test_spellings() -> None:
    assert spellings("гражданский форум") == [
        "гражданский форум", "Гражданский форум", "ГРАЖДАНСКИЙ ФОРУМ", "Гражданский Форум"]
    assert spellings("НПО") == ["НПО", "нпо", "Нпо"]


def test_csv_for_excel_has_bom_and_round_trips_cyrillic(engine) -> None:
    out = io.StringIO(newline="")
    n = write_csv(iter_rows(engine, ExportFilter()), out, excel=True)
    data = out.getvalue()
    assert n == 4 and data.startswith("\ufeffid,source_id,")
    rows = list(csv.DictReader(io.StringIO(data.lstrip("\ufeff"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    copy = next(r for r in rows if r["title"] == "Копия")
    original = next(r for r in rows if r["title"] == "Форум НПО")
    assert copy["duplicate_of"] == original["id"] and copy["country"] == "AZ"
    assert original["source_name"] == "AZERTAC (Russian)"


def test_excel_trims_cells_to_its_limit() -> None:
    out = io.StringIO()
    row = dict.fromkeys(EXPORT_COLUMNS, "")
    row["text"] = "я" * 40_000
    write_csv(iter([row]), out, excel=True)
    cell = next(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))["text"]
    assert len(cell) == 32_767 and cell.endswith("…")


def test_jsonl(engine) -> None:
    out = io.StringIO()
    write_jsonl(iter_rows(engine, ExportFilter(sources=["azertag-ru"])), out)
    (line,) = out.getvalue().splitlines()
    assert json.loads(line)["title"] == "Форум НПО" and "Форум НПО" in line


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_excel_neutralises_formulas(start: str) -> None:
    out = io.StringIO(newline="")
    row = dict.fromkeys(EXPORT_COLUMNS, "")
    row["title"], row["author"], row["supplier"] = f"{start}HYPERLINK(1)", f"{start}x", "ok"
    write_csv(iter([row]), out, excel=True)
    got = next(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert got["title"] == f"'{start}HYPERLINK(1)" and got["author"] == f"'{start}x"
    assert got["supplier"] == "ok"
    plain = io.StringIO(newline="")  # without --excel the cell is data, written as it is
    write_csv(iter([row]), plain)
    assert next(csv.DictReader(io.StringIO(plain.getvalue())))["title"] == row["title"]


def test_excel_trim_counts_utf16_units() -> None:
    out = io.StringIO(newline="")
    row = dict.fromkeys(EXPORT_COLUMNS, "")
    row["text"] = "😀" * 20_000  # 40,000 UTF-16 units in 20,000 characters
    write_csv(iter([row]), out, excel=True)
    cell = next(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))["text"]
    assert len(cell.encode("utf-16-le")) // 2 <= 32_767 and cell.endswith("…")


def test_query_wildcards_are_literal(engine, tmp_path: Path) -> None:
    assert list(iter_rows(engine, ExportFilter(query="%"))) == []
    assert list(iter_rows(engine, ExportFilter(query="_"))) == []
    sql = compiled_sql(ExportFilter(query="50%"), engine)
    import sqlite3

    db = engine.url.database
    with sqlite3.connect(db) as conn:
        assert conn.execute(sql.split("\n", 1)[1]).fetchall() == []


def test_jsonl_types(engine) -> None:
    out = io.StringIO()
    write_jsonl(iter_rows(engine, ExportFilter(sources=["azertag-ru"])), out)
    row = json.loads(out.getvalue())
    assert row["relevant"] is True and row["state_supplied"] is False
    assert isinstance(row["topics"], list)


def test_parquet_is_typed_streamed_and_described(engine, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from crawler.export import write_parquet, write_sidecar

    path = tmp_path / "a.parquet"
    n = write_parquet(iter_rows(engine, ExportFilter()), str(path), batch=2)
    table = pq.read_table(path)
    assert n == table.num_rows == 4
    assert pq.ParquetFile(path).metadata.num_row_groups == 2  # written in batches
    types = {f.name: str(f.type) for f in table.schema}
    assert types["published_at"].startswith("timestamp") and types["relevant"] == "bool"
    assert types["topics"] == "list<element: string>"
    rows = table.to_pylist()
    day_only = next(r for r in rows if r["title"] == "Курс тенге")
    assert day_only["published_at"] == datetime(2025, 11, 25, tzinfo=UTC)
    assert next(r for r in rows if r["title"] == "Копия")["published_at"] is None
    sidecar = write_sidecar(str(path), fmt="parquet", flt=ExportFilter(query="НПО"),
                            sql="SELECT 1", rows=n)
    info = json.loads(Path(sidecar).read_text(encoding="utf-8"))
    assert info["rows"] == 4 and info["filters"]["query"] == "НПО" and info["civmon_version"]


def test_export_cli_parquet_and_warnings(engine, tmp_path: Path, capsys) -> None:
    pytest.importorskip("pyarrow")
    from crawler.cli import main

    db = engine.url.database
    out = tmp_path / "x.parquet"
    with pytest.raises(SystemExit) as exc:
        main(["export", "--format", "parquet", "--db", db])
    assert exc.value.code == 2 and "give -o FILE" in capsys.readouterr().err
    main(["export", "--format", "parquet", "--all", "--db", db, "-o", str(out),
          "--source", "nosuch"])
    err = capsys.readouterr().err
    assert "no source nosuch in the database (present: azertag-ru, report-ru, tengrinews)" in err
    assert json.loads(Path(f"{out}.json").read_text(encoding="utf-8"))["rows"] == 0
