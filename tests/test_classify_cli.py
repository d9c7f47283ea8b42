"""Tags in the database, `civmon classify`, and exports showing relevant articles by default."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from test_cli import run

from crawler.registry import load_registry
from models.db import open_engine
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.relevance import apply, classify
from pipelines.store import ArticleWriter

ARTICLES = [
    ("tengrinews", "https://tengrinews.kz/news/forum-1", "XI Гражданский форум в Костанае",
     "В Костанае прошёл Гражданский форум. НПО Костанайской области обсудили гранты. "
     "Общественное объединение «Зелёный берег» представило проект."),
    ("tengrinews", "https://tengrinews.kz/news/tenge-2", "Курс тенге укрепился",
     "Курс тенге укрепился на утренних торгах."),
    ("azertag-ru", "https://azertag.az/ru/xeber/volunteers-3", "Волонтёры очистили берег",
     "В Баку волонтёры очистили берег. Волонтёры собрали две тонны мусора."),
]




def _store(db: Path, *, classified: bool) -> None:
    engine = open_engine(db)
    reg = load_registry()
    with Session(engine) as s:
        w = ArticleWriter(s)
        for sid, url, title, text in ARTICLES:
            it = ArticleItem(source_id=sid, url=url, html="", source=reg.get(sid),
                             fetched_at=datetime(2025, 11, 25, tzinfo=UTC), title=title,
                             text=text, published_at="2025-11-24")
            it.canonical_url, it.content_hash = canonical_url(url), content_hash(text)
            if classified:
                apply(it, classify(title, text))
            w.write(it)
        s.commit()
    engine.dispose()


def _query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_store_writes_score_terms_and_joinable_tags(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    _store(db, classified=True)
    rows = _query(db, "SELECT title, relevant, relevance_score, relevance_terms FROM articles "
                      "ORDER BY id")
    assert [r[1] for r in rows] == [1, 0, 1]
    assert rows[0][2] >= 6 and '"civic_forum"' in rows[0][3] and rows[1][3] is None
    # the example queries of docs/database.md
    by_region = _query(db, """
        SELECT r.name, r.iso_code, count(*) FROM article_regions ar
        JOIN regions r ON r.id = ar.region_id JOIN articles a ON a.id = ar.article_id
        WHERE a.relevant = 1 GROUP BY r.id ORDER BY r.id""")
    assert ("Kostanay Region", "KZ-39", 1) in by_region and ("Baku", "AZ-BA", 1) in by_region
    orgs = _query(db, "SELECT o.id, o.kind, ao.mentions FROM article_organisations ao "
                      "JOIN organisations o ON o.id = ao.organisation_id")
    assert ("public_association:зеленый берег", "public_association", 1) in orgs
    topics = _query(db, "SELECT t.name FROM article_topics at JOIN topics t ON t.id = at.topic_id")
    assert ("Forums and events",) in topics


def test_classify_scores_unscored_articles_then_rebuild_prints_changes(
        tmp_path: Path, capsys) -> None:
    db = tmp_path / "c.sqlite"
    _store(db, classified=False)  # as an older civmon stored them: no score, no tags
    assert _query(db, "SELECT count(*) FROM articles WHERE relevance_score IS NULL") == [(3,)]
    code, out, err = run(capsys, "classify", "--db", str(db))
    assert code == 0, err
    assert "3 of 3 articles scored; 2 changed: 2 became relevant" in err
    assert "relevant 0→1" in out and "+kz-kostanay-region" in out
    assert _query(db, "SELECT count(*) FROM article_regions WHERE region_id = 'kz-39'") == [(0,)]
    assert _query(db, "SELECT count(*) FROM article_regions WHERE region_id = "
                      "'kz-kostanay-region'") == [(1,)]
    code, out, err = run(capsys, "classify", "--db", str(db))
    assert "0 of 0 articles scored" in err  # nothing left unscored

    code, out, err = run(capsys, "classify", "--rebuild", "--db", str(db), "--threshold", "14",
                         "--dry-run")
    assert code == 0 and "would change" in err and "relevant 1→0" in out
    assert _query(db, "SELECT sum(relevant) FROM articles") == [(2,)]  # dry run: unchanged
    code, out, err = run(capsys, "classify", "--rebuild", "--db", str(db), "--threshold", "14")
    assert "3 of 3 articles scored" in err and "no longer relevant" in err
    assert _query(db, "SELECT sum(relevant) FROM articles") == [(1,)]
    code, out, err = run(capsys, "classify", "--rebuild", "--db", str(db))
    assert "became relevant" in err and _query(db, "SELECT sum(relevant) FROM articles") == [(2,)]


def test_the_documented_tag_queries_run(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    _store(db, classified=True)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "database.md").read_text("utf-8")
    section = doc.split("## Topics, regions and organisations", 1)[1].split("## ", 1)[0]
    sql = section.split("```sql", 1)[1].split("```", 1)[0]
    statements = [st for st in sql.split(";") if st.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in st.splitlines())]
    assert len(statements) == 5
    results = [_query(db, st) for st in statements]
    assert ("Kostanay Region", "KZ-39", 1) in results[0]
    assert any(r[1] == "Forums and events" for r in results[1])
    assert any(r[0] == "Public association «Зелёный берег»" for r in results[2])


@pytest.mark.parametrize(("argv", "message"), [
    (["classify", "--db", "/nonexistent/x.sqlite"], "no such database"),
    (["classify", "--rules", "/nonexistent/rules"], "relevance rules folder not found"),
    (["export", "--relevant", "--all"], "--relevant and --all contradict each other"),
    (["crawl", "-s", "CIVMON_RELEVANCE_THRESHOLD=high"],
     "-s CIVMON_RELEVANCE_THRESHOLD: 'high' is not a number"),
    (["demo", "--port", "0", "-s", "CIVMON_RELEVANCE_RULES=/nonexistent/rules"],
     "-s CIVMON_RELEVANCE_RULES: /nonexistent/rules: relevance rules folder not found"),
])
def test_classify_and_export_errors_are_one_line(capsys, argv, message) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("civmon: error: ") and message in err and err.count("\n") == 1


def test_export_shows_relevant_articles_unless_all(tmp_path: Path, capsys) -> None:
    db = tmp_path / "c.sqlite"
    _store(db, classified=True)

    def titles(*extra: str) -> list[str]:
        target = tmp_path / "out.csv"
        code, _out, err = run(capsys, "export", "--db", str(db), "-o", str(target), *extra)
        assert code == 0, err
        text = target.read_text("utf-8")
        return sorted(r["title"] for r in csv.DictReader(io.StringIO(text)))

    relevant = sorted(a[2] for a in ARTICLES if a[2] != "Курс тенге укрепился")
    assert titles() == relevant
    assert titles("--relevant") == relevant  # accepted for old scripts
    assert titles("--all") == sorted(a[2] for a in ARTICLES)


def test_tags_are_stored_on_postgresql() -> None:
    from sqlalchemy import delete, select, text
    from test_store import _postgres_url  # tests/ is on sys.path (rootdir-relative)

    from models.schema import Article, ArticleOrganisation, ArticleRegion, ArticleTopic

    engine = open_engine(_postgres_url())
    reg = load_registry()
    url = "https://tengrinews.kz/news/pg-tags-1"

    def cleanup() -> None:
        with Session(engine) as s:
            ids = s.scalars(select(Article.id).where(Article.canonical_url == canonical_url(url)))
            ids = list(ids)
            for table in (ArticleTopic, ArticleRegion, ArticleOrganisation):
                s.execute(delete(table).where(table.article_id.in_(ids)))
            s.execute(delete(Article).where(Article.id.in_(ids)))
            s.commit()

    try:
        cleanup()
        sid, _u, title, body = ARTICLES[0]
        with Session(engine) as s:
            it = ArticleItem(source_id=sid, url=url, html="", source=reg.get(sid),
                             fetched_at=datetime(2025, 11, 25, tzinfo=UTC), title=title,
                             text=body + " pg", published_at="2025-11-24")
            it.canonical_url, it.content_hash = canonical_url(url), content_hash(it.text)
            apply(it, classify(it.title, it.text))
            row = ArticleWriter(s).write(it)
            s.commit()
            got = s.execute(text("SELECT region_id FROM article_regions WHERE article_id = :i"),
                            {"i": row.id}).scalars().all()
        assert {"kz-kostanay", "kz-kostanay-region"} <= set(got)
    finally:
        cleanup()
        engine.dispose()


def test_extract_prints_the_relevance_fields(capsys) -> None:
    page = Path(__file__).parent / "fixtures" / "pages" / "7152-kz_seed004_sko_forum"
    import json

    spec = json.loads(page.with_suffix(".json").read_text("utf-8"))
    code, out, err = run(capsys, "extract", str(page.with_suffix(".html")), "--url",
                         spec["url"], "--source", spec["source"], "--explain")
    assert code == 0, err
    data = json.loads(out)
    assert data["relevant"] and data["relevance_score"] >= 6
    assert {"kz-petropavlovsk", "kz-north-kazakhstan"} <= set(data["regions"])
    term = data["relevance_terms"][0]
    text = data[term["field"]]
    assert text[term["start"]:term["end"]] == term["text"]
    assert "threshold 6" in data["explain"]["relevant"]
