"""The command line: help everywhere, one-line errors with exit status 2, sources, export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crawler.cli import cli, main
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
    assert code == 0 and "civmon_fold" in out and "SELECT" in out
