"""Full-text search: the normalised shadow index, its upkeep, the query language, civmon search."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from crawler.cli import cli
from crawler.registry import load_registry
from models.db import open_engine
from models.schema import Article
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.search_index import QueryError, parse, shadow, snippet
from pipelines.store import ArticleWriter

ROWS = [
    # source, url, published_at, title, text, language, relevant
    ("azertag-ru", "https://azertag.az/ru/xeber/a-1", "2025-11-24T07:18:00Z",
     "Итоги конкурса грантов", "Агентство вручило гранты победителям грантового конкурса.",
     "ru", True),
    ("tengrinews", "https://tengrinews.kz/news/b-2", "2025-11-20T10:00:00Z",
     "Форум в Костанае", "Представители неправительственных организаций обсудили отчётность.",
     "ru", True),
    ("tengrinews", "https://tengrinews.kz/news/c-3", "2025-11-25",
     "Курс тенге", "Курс тенге укрепился, спорт и погода без изменений.", "ru", False),
    ("azertag-ru", "https://azertag.az/ru/xeber/d-4", "2025-11-23T09:00:00Z",
     "Спортивный грант", "Федерация получила грант на спорт и соревнования.", "ru", True),
    ("azertag-az", "https://azertag.az/az/xeber/e-5", "2025-11-22T09:00:00Z",
     "QHT-lərin forumu", "QHT-lərin nümayəndələri qrantların nəticələrini müzakirə etdilər.",
     "az", True),
]


def _write(engine) -> None:
    reg = load_registry()
    with Session(engine) as s:
        w = ArticleWriter(s)
        for sid, url, pub, title, body, lang, relevant in ROWS:
            it = ArticleItem(source_id=sid, url=url, html="", source=reg.get(sid),
                             fetched_at=datetime(2025, 11, 25, tzinfo=UTC), title=title,
                             text=body, published_at=pub, relevant=relevant, language=lang)
            it.canonical_url, it.content_hash = canonical_url(url), content_hash(body)
            w.write(it)
        s.commit()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.sqlite"
    engine = open_engine(path)
    _write(engine)
    engine.dispose()
    return path


def search(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["search", *args, "--db", str(db)])
    return result.exit_code, result.stdout, result.stderr


def titles(db: Path, *args: str) -> list[str]:
    code, out, err = search(db, *args, "--format", "jsonl")
    assert code == 0, err
    return [json.loads(line)["title"] for line in out.splitlines()]


def test_shadow_is_base_forms() -> None:
    assert shadow("Гранты грантовых конкурсов", "ru") == "грант грантовый конкурс"
    # words no relevance rule names get their base form too (relevance only looks
    # up lexicon words; the index needs every word)
    assert shadow("Выборов не было, дороги ремонтируют", "ru") == (
        "выборы не быть дорога ремонтировать")
    assert shadow("NGOs received grants", "en") == "ngo receiv grant"


def test_inflected_forms_match(db: Path) -> None:
    found = titles(db, "грант")
    assert "Итоги конкурса грантов" in found and "Спортивный грант" in found
    assert "Форум в Костанае" not in found


def test_lexicon_synonyms_and_exact(db: Path) -> None:
    assert titles(db, "НПО") == ["Форум в Костанае"]  # "неправительственных организаций"
    assert titles(db, "НПО", "--exact") == []


def test_suffix_languages_match_across_suffixes(db: Path) -> None:
    assert titles(db, "QHT") == ["QHT-lərin forumu"]
    assert titles(db, "qrant") == ["QHT-lərin forumu"]  # qrantların


def test_phrase_or_not(db: Path) -> None:
    assert titles(db, '"грантового конкурса"') == ["Итоги конкурса грантов"]
    assert titles(db, '"конкурс агентство"') == []  # words present, not in that order
    assert set(titles(db, "грант OR НПО")) == {"Итоги конкурса грантов", "Спортивный грант",
                                               "Форум в Костанае"}
    assert titles(db, "грант NOT спорт") == ["Итоги конкурса грантов"]
    assert titles(db, "грант -спорт") == ["Итоги конкурса грантов"]


def test_title_weighs_more(db: Path) -> None:
    # both mention a grant once in the text; the one with it in the title ranks first
    assert titles(db, "грант")[0] in {"Итоги конкурса грантов", "Спортивный грант"}
    found = titles(db, "спорт", "--all")
    assert found[0] == "Спортивный грант"


def test_filters(db: Path) -> None:
    assert titles(db, "курс", "--all") == ["Курс тенге"]
    assert titles(db, "курс") == []  # not civil-society news
    assert titles(db, "грант", "--source", "tengrinews") == []
    assert titles(db, "грант", "--since", "2025-11-24") == ["Итоги конкурса грантов"]
    assert titles(db, "грант", "--until", "2025-11-23") == ["Спортивный грант"]
    assert titles(db, "грант", "--country", "kz") == []
    assert len(titles(db, "грант", "--limit", "1")) == 1


def test_unknown_source_warns_naming_the_present_ones(db: Path) -> None:
    code, _out, err = search(db, "грант", "--source", "nosuch")
    assert code == 0
    assert "no source nosuch" in err and "azertag-ru" in err


def test_snippet_marks_the_hit() -> None:
    seqs = parse("грант").sequences()
    text = "Сначала длинное вступление. Агентство вручило гранты победителям конкурса."
    assert "[гранты]" in snippet(text, "ru", seqs)
    phrase = parse('"грантового конкурса"').sequences()
    marked = snippet("Итоги грантового конкурса и отдельно конкурса", "ru", phrase)
    assert marked == "Итоги [грантового] [конкурса] и отдельно конкурса"


def test_sql_runs_as_it_stands_in_sqlite3(db: Path) -> None:
    code, sql, _ = search(db, "грант NOT спорт", "--since", "2025-11-01")
    assert code == 0
    code, sql, _ = search(db, "грант NOT спорт", "--since", "2025-11-01", "--sql")
    assert code == 0
    with sqlite3.connect(db) as conn:
        got = [r[5] for r in conn.execute(sql)]
    assert got == ["Итоги конкурса грантов"]


@pytest.mark.parametrize(("query", "message"), [
    ("NOT грант", "at least one word"), ("OR грант", "OR needs"), ("грант OR", "OR needs"),
    ("грант NOT", "NOT needs"), ("", "QUERY is missing"), ('"..."', "no words"),
])
def test_bad_queries_are_one_line(db: Path, query: str, message: str, capsys) -> None:
    from crawler.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["search", *([query] if query else []), "--db", str(db)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("civmon: error: ")
    assert message in err and len(err.strip().splitlines()) == 1


def test_index_follows_updates_and_deletes(db: Path) -> None:
    engine = open_engine(db)
    with Session(engine) as s:  # an ORM update (as a revisit does) re-indexes the article
        art = s.query(Article).filter_by(title="Курс тенге").one()
        art.title, art.text = "Волонтёры Алматы", "Волонтёры убрали парк."
        s.commit()
    assert titles(db, "волонтёр", "--all") == ["Волонтёры Алматы"]
    assert titles(db, "курс", "--all") == []
    with Session(engine) as s:  # a delete drops the shadow row (trigger)
        s.execute(delete(Article).where(Article.title == "Спортивный грант"))
        s.commit()
    engine.dispose()
    assert "Спортивный грант" not in titles(db, "грант", "--all")
    with sqlite3.connect(db) as conn:  # an update outside civmon drops the stale shadow
        conn.execute("UPDATE articles SET text = 'пусто', title = 'пусто' "
                     "WHERE title = 'Итоги конкурса грантов'")
    assert titles(db, "грант", "--all") == []
    code, _out, err = search(db, "--reindex")
    assert code == 0 and "articles indexed" in err
    assert titles(db, "пусто", "--all") == ["пусто"]


def test_index_survives_dedup_and_classify_rebuilds(db: Path) -> None:
    before = titles(db, "грант OR НПО OR QHT", "--all")
    runner = CliRunner()
    for args in (["dedup", "--rebuild"], ["classify", "--rebuild"]):
        result = runner.invoke(cli, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
    assert sorted(titles(db, "грант OR НПО OR QHT", "--all")) == sorted(before)
    with sqlite3.connect(db) as conn:
        n_articles, n_index = conn.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_search)"
        ).fetchone()
    assert n_articles == n_index == len(ROWS)


def test_bulk_update_of_other_columns_keeps_the_index(db: Path) -> None:
    engine = open_engine(db)
    with Session(engine) as s:
        s.execute(update(Article).values(relevant=1))
        s.commit()
    engine.dispose()
    assert "Курс тенге" in titles(db, "курс")


def test_search_refuses_postgres_in_one_line(monkeypatch) -> None:
    import crawler.cli as cli_module

    class FakeEngine:
        class dialect:
            name = "postgresql"

        def dispose(self) -> None:
            pass

    monkeypatch.setattr(cli_module, "_open_readonly", lambda db: FakeEngine())
    from crawler import cli_search

    grp = __import__("click").Group()
    cli_search.register(grp, {}, cli_module.db_option, lambda db: FakeEngine(),
                        cli_module.UserError, cli_module.article_filters)
    result = CliRunner().invoke(grp, ["search", "грант"])
    assert result.exit_code == 2
    assert "search needs a SQLite database" in result.output


def test_parse_errors_raise_query_error() -> None:
    with pytest.raises(QueryError):
        parse("NOT a")


def test_the_documented_search_query_runs(db: Path) -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "database.md").read_text("utf-8")
    section = doc.split("## `article_search`", 1)[1].split("## ", 1)[0]
    sql = section.split("```sql", 1)[1].split("```", 1)[0]
    with sqlite3.connect(db) as conn:
        got = {r[1] for r in conn.execute(sql)}
    assert got == {"Итоги конкурса грантов", "Спортивный грант"}


def test_ranked_scan_gives_the_sorted_hits_and_stops_at_the_limit(tmp_path: Path) -> None:
    """civmon's SQL lets FTS5 hand over matches best first (rank column): the same hits
    as sorting every match by bm25, without a sort of all matches, and the joins and
    filters of a LIMIT 3 search read only the first few matches' articles rows."""
    from crawler.cli_search import build_sql

    path = tmp_path / "r.sqlite"
    open_engine(path).dispose()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO sources(id, name, country, kind, languages, timezone, enabled, "
                 "updated_at) VALUES ('s', 's', 'KZ', 'national', 'ru', 'Asia/Almaty', 1, "
                 "'2025-01-01T00:00:00Z')")
    for i in range(240):  # 60 with grant words 1..5 times in texts of different lengths
        text = " ".join(["гранты"] * (1 + i % 5) * (i < 60) + ["слово"] * (3 + i % 17))
        conn.execute("INSERT INTO articles(source_id, url, canonical_url, title, text, "
                     "language, fetched_at, content_hash, relevant, state_supplied) VALUES "
                     "('s', ?, ?, ?, ?, 'ru', '2025-01-01T00:00:00Z', ?, ?, 0)",
                     (f"u{i}", f"u{i}", f"заголовок {i}", text, f"h{i}", int(i % 3 != 0)))
        conn.execute("INSERT INTO article_search(rowid, title, text) VALUES (?, ?, ?)",
                     (i + 1, shadow(f"заголовок {i}", "ru"), shadow(text, "ru")))
    conn.commit()
    match = parse("грант").match()
    sql = build_sql(match, limit=10)
    sorted_all = ("SELECT a.id FROM article_search "
                  "JOIN articles a ON a.id = article_search.rowid WHERE article_search MATCH "
                  f"'{match}' AND a.relevant = 1 ORDER BY bm25(article_search, 4.0, 1.0), a.id "
                  "LIMIT 10")
    got = [r[0] for r in conn.execute(sql)]
    want = [r[0] for r in conn.execute(sorted_all)]
    assert len(got) == 10 and got == want  # no two of these texts score the same
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "TEMP B-TREE" not in plan, plan
    reads: list[int] = []  # articles rows the search reads: counted through a function
    conn.create_function("seen", 1, lambda i: reads.append(i) or 1)
    conn.execute(build_sql(match, limit=3).replace("AND a.relevant = 1",
                                                   "AND a.relevant = 1 AND seen(a.id)")
                 ).fetchall()
    assert 3 <= len(reads) < 10, reads  # of 40 relevant matches
    conn.close()


def _ranked_db(path: Path) -> None:
    """300 articles: 40 texts reprinted several times each (equal scores), grant words
    0..4 times, two sources and two countries, a third relevant, some undated."""
    open_engine(path).dispose()
    conn = sqlite3.connect(path)
    for sid, country in (("s", "KZ"), ("t", "AZ")):
        conn.execute("INSERT INTO sources(id, name, country, kind, languages, timezone, "
                     "enabled, updated_at) VALUES (?, ?, ?, 'national', 'ru', 'Asia/Almaty', "
                     "1, '2025-01-01T00:00:00Z')", (sid, sid, country))
    for i in range(300):
        base = (i * 7) % 40
        text = " ".join(["гранты"] * (1 + base % 4) * (base % 5 != 4) + ["слово"] * (3 + base % 11)
                        + ["грантовый"] * (base % 3 == 0))
        title = "грант" if base % 9 == 0 else f"заголовок {base}"
        conn.execute("INSERT INTO articles(source_id, url, canonical_url, title, text, "
                     "language, published_at, fetched_at, content_hash, relevant, "
                     "duplicate_of, state_supplied) VALUES (?, ?, ?, ?, ?, 'ru', ?, "
                     "'2025-01-01T00:00:00Z', ?, ?, ?, 0)",
                     ("st"[i % 2], f"u{i}", f"u{i}", title, text,
                      None if i % 13 == 0 else f"2025-{1 + i % 12:02d}-10", f"h{i}",
                      int(i % 3 == 0), None if i < 40 else 1 + base))
        conn.execute("INSERT INTO article_search(rowid, title, text) VALUES (?, ?, ?)",
                     (i + 1, shadow(title, "ru"), shadow(text, "ru")))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("window", [5, None])
def test_search_runs_the_best_matches_first_with_the_exact_statements_hits(
        tmp_path: Path, monkeypatch, window: int) -> None:
    """run_search takes the best matches with a bounded sort, then filters; its hits are
    the exact statement's (the one --sql prints) and the sorted-all reference's, ties
    (reprints) by id, whether the filters leave enough of the window (civmon's, at least
    200) or not (a window of 5: the filters often leave too few, and the exact statement
    has to run)."""
    from datetime import date

    from crawler import cli_search
    from models.db import open_readonly

    path = tmp_path / "w.sqlite"
    _ranked_db(path)
    if window:
        monkeypatch.setattr(cli_search, "best_window", lambda limit: window)
    engine = open_readonly(path)
    conn = sqlite3.connect(path)
    cases = [{}, {"relevant_only": False}, {"sources": ("t",)}, {"countries": ("az",)},
             {"since": date(2025, 6, 1), "until": date(2025, 9, 30)},
             {"originals_only": True, "relevant_only": False}]
    ran_exact = 0
    found: dict[str, bool] = {}
    # "субсидия" and the lexicon's Kazakh and Kyrgyz phrases for grants are in no article:
    # civmon leaves them out of the statement it runs, with the same hits and scores
    for q in ("грант", "грантовый", "грант NOT слово", "слово", "субсидия",
              "грант OR субсидия", "грант NOT субсидия", "слово NOT грант"):
        match = parse(q).match()
        for kwargs in cases:
            for limit in (1, 7, 20, 500):
                kw = {**kwargs, "limit": limit}
                _sql, hits = cli_search.run_search(engine, q, kw)
                exact = [(r[0], r[7]) for r in conn.execute(cli_search.build_sql(match, **kw))]
                ref_sql = cli_search.build_sql(match, **kw, best=10**9)
                assert [(h["id"], h["score"]) for h in hits] == exact == [
                    (r[0], r[7]) for r in conn.execute(ref_sql)]
                found[q] = found.get(q, False) or bool(exact)
                best = cli_search.best_window(limit)
                fast = conn.execute(cli_search.build_sql(match, **kw, best=best)).fetchall()
                ran_exact += len(fast) < len(exact)
    assert ran_exact > (20 if window == 5 else 0)
    assert [q for q, hit in found.items() if not hit] == ["грант NOT слово", "субсидия"]
    conn.close()
    engine.dispose()


def test_live_match_leaves_out_what_no_article_contains() -> None:
    q = parse("грант OR субсидия NOT спорт")
    grant = {seq for u in q.groups[0] for seq in u.alternatives if seq == ("грант",)}
    assert q.live_match(grant.__contains__) == '"грант"'  # and NOT спорт: no such article
    sport = {seq for seq in q.alternatives() if seq[0].startswith("спорт")}
    assert sport and q.live_match((grant | sport).__contains__) == '("грант") NOT "спорт"'
    assert q.live_match(sport.__contains__) is None  # nothing left to find
    assert q.live_match(None) == q.match()
