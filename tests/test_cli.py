"""The command line: help everywhere, one-line errors with exit status 2, sources, export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crawler.cli import cli, main
from crawler.export import EXPORT_COLUMNS
from crawler.registry import load_registry
from models.db import open_engine
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.store import ArticleWriter


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(capsys, command: str) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0, out
    assert "Example" in out and f"civmon {command}" in out


def test_group_help_lists_the_contract_commands(capsys) -> None:
    code, out, _ = run(capsys, "-h")
    assert code == 0
    for name in ("crawl", "demo", "export", "extract", "sources"):
        assert name in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["crawl", "no-such-source"], "unknown source 'no-such-source'"),
        (["crawl", "--sources", "/nonexistent/s.toml"], "cannot read registry"),
        (["crawl", "-s", "NOEQUALS"], "-s 'NOEQUALS': expected NAME=VALUE"),
        (["export", "--format", "xml"], "'xml' is not one of 'csv', 'jsonl'"),
        (["export", "--since", "yesterday"], "'yesterday' is not a date (YYYY-MM-DD)"),
        (["export", "--since", "2025-12-01", "--until", "2025-11-01"], "is after --until"),
        (["export", "--db", "/nonexistent/x.sqlite"], "no such database"),
        (["export", "--format", "jsonl", "--excel"], "--excel applies to --format csv only"),
        (["extract", "missing.html", "--url", "https://x.kz/"], "does not exist"),
        (["sources", "--bogus"], "No such option '--bogus'"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(capsys, tmp_path, argv, message) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("civmon: error: "), err
    assert message in err


def test_bad_registry_file_names_file_source_and_key(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[[sources]]\nid="x"\nname="X"\ncountry="KZ"\nkind="agency"\n'
                   'languages=["ru"]\ntimezone="Mars/Olympus"\nfeeds=["https://x.kz/rss"]\n')
    code, _, err = run(capsys, "sources", "--sources", str(bad))
    assert code == 2
    assert err == (f"civmon: error: {bad}: source 'x': key 'timezone': 'Mars/Olympus' "
                   "is not an IANA time zone\n")


def test_sources_table(capsys) -> None:
    code, out, err = run(capsys, "sources")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["id", "country", "kind"]
    assert any(line.startswith("azertag-ru ") and " AZ " in line for line in lines)
    assert f"{len(load_registry())} sources in" in err


def test_export_to_file_for_excel(capsys, tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    engine = open_engine(db)
    with Session(engine) as s:
        it = ArticleItem(source_id="tengrinews", url="https://tengrinews.kz/news/a-1", html="",
                         source=load_registry().get("tengrinews"),
                         fetched_at=datetime(2025, 11, 25, tzinfo=UTC),
                         title="Гражданский форум", text="Текст о НПО",
                         published_at="2025-11-24T12:11:00Z", relevant=True)
        it.canonical_url, it.content_hash = canonical_url(it.url), content_hash(it.text)
        ArticleWriter(s).write(it)
        s.commit()
    engine.dispose()
    out_file = tmp_path / "r.csv"
    code, _, err = run(capsys, "export", "--db", str(db), "--excel", "--country", "KZ",
                       "--since", "2025-11-24", "-o", str(out_file))
    assert code == 0, err
    assert "1 articles written to" in err
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    (row,) = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    assert row["title"] == "Гражданский форум" and row["country"] == "KZ"
    code, out, _ = run(capsys, "export", "--db", str(db), "--query", "нпо", "--sql")
    assert code == 0 and "civmon_fold" not in out
    # the printed SQL runs as it stands where civmon's functions are not registered
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(out).fetchall()
    finally:
        conn.close()
    assert [r[EXPORT_COLUMNS.index("title")] for r in rows] == ["Гражданский форум"]


PAGES = Path(__file__).parent / "fixtures" / "pages"


def test_extract_prints_every_field_as_json(capsys) -> None:
    import json

    code, out, err = run(
        capsys, "extract", str(PAGES / "7152-kz_seed004_sko_forum.html"),
        "--url", "https://www.7152.kz/news/4021188/v-petropavlovske", "--source", "7152-kz",
        "--fetched-at", "2025-11-21T05:30:00Z")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["title"] == ("В Петропавловске прошёл XII областной форум "
                             "неправительственных организаций")
    assert data["source_id"] == "7152-kz" and data["language"] == "ru"
    # "17:11, Вчера" fetched at 10:30 local (UTC+5) on the 21st
    assert (data["published_at"], data["published_raw"], data["date_precision"]) == (
        "2025-11-20T12:11:00Z", "17:11, Вчера", "minute")
    assert data["relevant"] and "Поделитесь" not in data["text"]
    assert "explain" not in data


def test_extract_explain_names_what_produced_each_field(capsys) -> None:
    import json

    code, out, _ = run(
        capsys, "extract", str(PAGES / "unknown_seed003_aggregator_tengrinews.html"),
        "--url", "https://aqparat.info/news/2023/08/11/10558195.html",
        "--fetched-at", "2023-08-12T04:00:00Z", "--explain")
    assert code == 0
    data = json.loads(out)
    assert (data["attributed_to"], data["state_supplied"], data["supplier"]) == (
        "Tengrinews", True, "акимат Костанайской области")
    assert {"title", "text", "language", "attributed_to", "published_at"} <= set(data["explain"])
    why = data["explain"]["attributed_to"]
    assert "'Материал предоставлен акиматом Костанайской области'" in why
    assert "'По сообщению сайта Tengrinews'" in why
    assert data["explain"]["published_at"] == "text '11 августа 2023, 21:03'"


@pytest.mark.parametrize(("url", "message"), [
    ("notaurl", "'notaurl' is not an absolute http(s) URL"),
    ("ftp://x.kz/1", "'ftp://x.kz/1' is not an absolute http(s) URL"),
    ("https:///path", "is not an absolute http(s) URL"),
])
def test_extract_refuses_a_url_that_is_not_one(capsys, url: str, message: str) -> None:
    code, _, err = run(capsys, "extract", str(PAGES / "24-kg_nko_law.html"), "--url", url)
    assert code == 2 and err.count("\n") == 1 and message in err


def test_extract_warns_when_a_file_holds_no_article(capsys, tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav>Меню</nav></body></html>", encoding="utf-8")
    code, out, err = run(capsys, "extract", str(page), "--url", "https://x.kz/1")
    assert code == 0 and out.startswith("{")
    assert err == f"civmon: warning: no article text found in {page}\n"
