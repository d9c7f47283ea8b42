"""Reprint links and stories at store time: across runs (the database is the memory),
within a bounded window, on PostgreSQL as on SQLite; `civmon dedup --rebuild`."""

from __future__ import annotations

import sqlite3
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crawler.cli import cli
from crawler.registry import load_registry
from models.db import open_engine
from models.schema import Article
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.linking import Linker, Stored, linker_options
from pipelines.store import ArticleWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from evaluate_dedup import DEFAULT, load_articles

ARTICLES = load_articles(tomllib.loads(DEFAULT.read_text(encoding="utf-8")))
FETCHED = datetime(2025, 11, 26, 6, 0, tzinfo=UTC)


def item(key: str, source_id: str, *, published: str | None = None, n: int = 1,
         attributed_to: str | None = None) -> ArticleItem:
    a = ARTICLES[key]
    url = f"https://{source_id}.example/news/{key}-{n}"
    it = ArticleItem(source_id=source_id, url=url, html="", fetched_at=FETCHED,
                     source=load_registry().get(source_id), title=a["title"], text=a["text"],
                     published_at=published or a["published"], date_precision="minute",
                     language=a["lang"],
                     attributed_to=attributed_to)
    it.canonical_url, it.content_hash = canonical_url(url), content_hash(a["text"])
    return it


def state(session: Session) -> dict[str, tuple]:
    return {r.url.rsplit("/", 1)[1]: (r.id, r.duplicate_of, r.similarity, r.story_id)
            for r in session.scalars(select(Article))}


def test_a_later_run_links_to_what_an_earlier_run_stored(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "a.sqlite")
    with Session(engine) as s:  # night 1
        ArticleWriter(s).write(item("ru-grants-kz", "kazinform-ru"))
        ArticleWriter(s).write(item("tpl-agency-a", "ngoagency-az"))
        s.commit()
    with Session(engine) as s:  # night 2: a fresh writer, nothing in memory
        w = ArticleWriter(s)
        w.write(item("ru-grants-kz-reprint-lead", "tengrinews"))
        w.write(item("ru-grants-kz-retold", "zakon-kz"))
        w.write(item("tpl-agency-b", "ngoagency-az"))  # shares the "about" block only
        s.commit()
        got = state(s)
        assert w.linker.loaded_rows == 2  # the window's days came from the database
    engine.dispose()
    original = got["ru-grants-kz-1"]
    reprint, retold = got["ru-grants-kz-reprint-lead-1"], got["ru-grants-kz-retold-1"]
    assert reprint[1] == original[0] and 0.6 <= reprint[2] < 1.0
    assert retold[1] is None and retold[3] == original[3] == reprint[3] == original[0]
    assert got["tpl-agency-b-1"][1] is None
    assert got["tpl-agency-b-1"][3] != got["tpl-agency-a-1"][3]


def test_an_older_edited_copy_takes_the_originals_place(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "b.sqlite")
    with Session(engine) as s:
        w = ArticleWriter(s)
        w.write(item("ru-baku-forum-reprint-cut", "report-ru", published="2025-11-24T09:30:00Z"))
        w.write(item("ru-baku-forum-reprint-tail", "apa-az", published="2025-11-24T10:00:00Z"))
        w.write(item("ru-baku-forum", "trend-ru", published="2025-11-24T07:18:00Z"))
        s.commit()
        got = state(s)
        assert w.demoted == ["report-ru"] and w.replaced_kind == "near_duplicate"
    engine.dispose()
    first = got["ru-baku-forum-1"]
    assert first[1] is None
    for key in ("ru-baku-forum-reprint-cut-1", "ru-baku-forum-reprint-tail-1"):
        assert got[key][1] == first[0] and got[key][2] is not None
        assert got[key][3] == first[3]


def test_the_agency_beats_a_reprint_that_credits_it(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "c.sqlite")
    with Session(engine) as s:
        w = ArticleWriter(s)
        # the reprint's clock says earlier (a wrong zone), but it credits AZERTAC
        w.write(item("ru-baku-forum-reprint-lead", "report-ru", published="2025-11-24T06:00:00Z",
                     attributed_to="AZERTAC"))
        w.write(item("ru-baku-forum", "azertag-ru"))
        s.commit()
        got = state(s)
    engine.dispose()
    assert got["ru-baku-forum-reprint-lead-1"][1] == got["ru-baku-forum-1"][0]


def test_memory_is_a_window_of_days_and_the_database_fills_it_again(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "d.sqlite")
    with Session(engine) as s:
        w = ArticleWriter(s, linker_options=linker_options({
            "CIVMON_DEDUP_WINDOW_DAYS": "1", "CIVMON_STORY_WINDOW_DAYS": "1",
            "CIVMON_DEDUP_DAYS_HELD": "4"}))
        w.write(item("ru-sko-volunteers", "kazinform-ru", published="2025-01-10T10:00:00Z"))
        for day in range(1, 60):  # two months of other news move the window on
            w.write(item("ru-almaty-budget", "orda-kz", n=day,
                         published=f"2025-{3 + day // 28:02d}-{1 + day % 28:02d}T10:00:00Z"))
            assert len(w.linker._buckets) <= 4
        held = len(w.linker)
        # a late-crawled reprint of the January story: its days are loaded again
        w.write(item("ru-sko-volunteers-reprint-cut", "tengrinews",
                     published="2025-01-10T12:00:00Z"))
        s.commit()
        got = state(s)
    engine.dispose()
    assert held <= 8
    assert got["ru-sko-volunteers-reprint-cut-1"][1] == got["ru-sko-volunteers-1"][0]


def test_a_day_loaded_again_reuses_its_fingerprints_and_decides_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows that left the window keep their fingerprints (``DROPPED_HELD``): loading
    their day again fingerprints nothing, and the links are those of a linker that
    fingerprints every reloaded row."""
    from pipelines import linking

    calls: list[int] = []
    real = linking.fingerprint

    def counted(text, *, title=None):
        calls.append(1)
        return real(text, title=title)

    monkeypatch.setattr(linking, "fingerprint", counted)
    results = {}
    for held in (0, linking.DROPPED_HELD):
        monkeypatch.setattr(linking, "DROPPED_HELD", held)
        engine = open_engine(tmp_path / f"r{held}.sqlite")
        calls.clear()
        with Session(engine) as s:
            w = ArticleWriter(s, linker_options=linker_options({
                "CIVMON_DEDUP_WINDOW_DAYS": "1", "CIVMON_STORY_WINDOW_DAYS": "1",
                "CIVMON_DEDUP_DAYS_HELD": "4"}))
            for n in range(6):  # back and forth between January and June
                for key, source, day in (("ru-sko-volunteers", "kazinform-ru", "01-10"),
                                         ("ru-almaty-budget", "orda-kz", "06-20")):
                    w.write(item(key if n == 0 else f"{key}-reprint-cut"
                                 if key == "ru-sko-volunteers" else key,
                                 source if n == 0 else "tengrinews", n=n,
                                 published=f"2025-{day}T1{n}:00:00Z"))
                    s.commit()
            results[held] = (state(s), len(calls))
        engine.dispose()
    (plain, fingerprinted), (cached, fewer) = results[0], results[linking.DROPPED_HELD]
    assert cached == plain
    assert fewer < fingerprinted


def test_settings_reach_the_linker() -> None:
    opts = linker_options({"CIVMON_NEAR_DUP_CONTAINED": "0.9", "CIVMON_STORY_SCORE": "0.5",
                           "CIVMON_DEDUP_WINDOW_DAYS": "5"})
    assert opts["near"].contained == 0.9 and opts["stories"].score == 0.5
    assert Linker(lambda _a, _b: (), **opts).window == 5
    with pytest.raises(ValueError, match="CIVMON_STORY_SCORE='high': not a number"):
        linker_options({"CIVMON_STORY_SCORE": "high"})
    with pytest.raises(ValueError, match="out of range"):
        linker_options({"CIVMON_NEAR_DUP_BOTH": "1.5"})


def test_transliterated_editions_share_a_story_without_a_link() -> None:
    linker = Linker(lambda _a, _b: ())
    for n, key in enumerate(("ru-baku-forum", "az-baku-forum", "en-baku-forum"), 1):
        a = ARTICLES[key]
        row = Stored(id=n, source_id=a["source"], text=a["text"], title=a["title"],
                     published_at=a["published"])
        d = linker.decide(row)
        assert d.duplicate_of is None and d.replaces is None
        row.story_id = d.story_id or n
        linker.remember(row, d)
        assert row.story_id == 1, key


def _writes(session: Session) -> None:
    w = ArticleWriter(session)
    for key, source in (("ru-ganja-ngo-house", "apa-az"), ("ru-ganja-ngo-house-reprint-lead",
                        "report-ru"), ("az-ganja-ngo-house", "apa-az"),
                        ("ru-ganja-ngo-house-retold", "trend-ru"),
                        ("ru-sumgait-forum", "azertag-ru")):
        w.write(item(key, source))


def test_postgresql_links_and_stories_as_sqlite(tmp_path: Path) -> None:
    from test_store import _postgres_url

    url = _postgres_url()
    results = []
    for target in (tmp_path / "e.sqlite", url):
        engine = open_engine(target)
        try:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM articles WHERE url LIKE 'https://%.example/%'"))
            with Session(engine) as s:
                _writes(s)
                s.commit()
                got = state(s)
                base = min(v[0] for v in got.values())
                results.append({k: tuple(None if x is None else (x - base if i != 2 else x)
                                         for i, x in enumerate(v)) for k, v in got.items()})
                views = s.execute(text("SELECT reprint_count, reprinted_by FROM reprints "
                                       "WHERE original_id = :i"), {"i": base}).one()
                stories = s.execute(text("SELECT articles, outlets, languages FROM stories "
                                         "WHERE story_id = :i"), {"i": base}).one()
                assert tuple(views) == (1, "report-ru")
                # `originals` has every column of articles, later migrations' included
                s.execute(text("SELECT relevance_score, similarity FROM originals LIMIT 1")).all()
                assert tuple(stories) == (4, 3, "az,ru") or tuple(stories) == (4, 3, "ru,az")
        finally:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM articles WHERE url LIKE 'https://%.example/%'"))
            engine.dispose()
    assert results[0] == results[1]


def test_rebuild_is_idempotent_and_says_what_changed(tmp_path: Path) -> None:
    db = tmp_path / "f.sqlite"
    engine = open_engine(db)
    with Session(engine) as s:
        _writes(s)
        s.commit()
    engine.dispose()
    runner = CliRunner()
    first = runner.invoke(cli, ["dedup", "--rebuild", "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "links added 0, removed 0" in first.output and "Nothing changed." in first.output
    assert "relinked 5/5 articles" in first.output  # the progress line (stderr)
    # a stricter threshold removes the link; the story stays (the reprint says the same)
    strict = runner.invoke(cli, ["dedup", "--rebuild", "--db", str(db),
                                 "-s", "CIVMON_NEAR_DUP_BOTH=0.99"])
    assert strict.exit_code == 0, strict.output
    assert "links added 0, removed 1" in strict.output
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(duplicate_of) FROM articles").fetchone()[0] == 0
    conn.close()
    back = runner.invoke(cli, ["dedup", "--rebuild", "--db", str(db), "--since", "2025-11-17"])
    assert back.exit_code == 0 and "links added 1, removed 0" in back.output
    # --since a later day: older articles keep their links and serve as context
    later = runner.invoke(cli, ["dedup", "--rebuild", "--db", str(db), "--since", "2025-11-26"])
    assert later.exit_code == 0 and "1 articles re-linked" in later.output


@pytest.mark.parametrize(("args", "message"), [
    (["dedup"], "nothing to do: pass --rebuild"),
    (["dedup", "--rebuild", "--db", "/nonexistent/x.sqlite"], "no such database"),
    (["dedup", "--rebuild", "--since", "yesterday"], "is not a date"),
    (["dedup", "--rebuild", "-s", "CIVMON_STORY_SCORE=x"], "not a number"),
    (["crawl", "-s", "CIVMON_NEAR_DUP_CONTAINED=2"], "out of range"),
])
def test_rebuild_bad_input_is_one_line_exit_2(args, message, tmp_path: Path, capsys,
                                              monkeypatch) -> None:
    from crawler.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("civmon: error:") and message in lines[0]


def test_a_paragraph_in_two_originals_becomes_a_template() -> None:
    linker = Linker(lambda _a, _b: ())
    for n, key in enumerate(("tpl-agency-a", "tpl-agency-b", "tpl-agency-c", "tpl-agency-d"), 1):
        a = ARTICLES[key]
        row = Stored(id=n, source_id=a["source"], text=a["text"], title=a["title"],
                     published_at=a["published"])
        d = linker.decide(row)
        assert d.duplicate_of is None and d.story_id is None, key  # four events
        row.story_id = n
        linker.remember(row, d)
    about = ARTICLES["tpl-agency-a"]["text"].split("\n\n")[-1]
    from pipelines.fingerprint import fingerprint

    assert {p.digest for p in fingerprint(about).paragraphs} <= linker.near.templates
    # a reprint of the last one still links: its own paragraph carries the comparison
    reprint = Stored(id=None, source_id="apa-az", published_at="2025-11-23T09:00:00Z",
                     text=ARTICLES["tpl-agency-d"]["text"] + "\n\nИсточник: QHT Agency",
                     title="Победители конкурса эссе")
    assert linker.decide(reprint).duplicate_of == 4
