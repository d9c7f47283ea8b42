"""Storing articles: schema via migrations, dedup links, idempotency, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pgschema import postgres_url
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crawler.registry import load_registry
from models.db import current_revision, head_revision, open_engine
from models.schema import Article
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.store import ArticleWriter

FETCHED = datetime(2025, 11, 25, 6, 30, tzinfo=UTC)



def item(url: str, text_: str, source_id: str = "azertag-ru") -> ArticleItem:
    it = ArticleItem(source_id=source_id, url=url, html="<html/>", fetched_at=FETCHED,
                     source=load_registry().get(source_id), title="T", text=text_,
                     published_at="2025-11-24T07:18:00Z", date_precision="minute")
    it.canonical_url = canonical_url(url)
    it.content_hash = content_hash(text_)
    return it


def _script_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from models.db import migrations_dir

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "c.sqlite"
    engine = open_engine(db)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    tables = {r[0] for r in sqlite3.connect(db).execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sources", "articles", "crawl_runs", "crawl_run_sources",
            "alembic_version"} <= tables


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """A model change without a migration would leave existing databases behind."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models.schema import Base

    engine = open_engine(tmp_path / "m.sqlite")
    with engine.connect() as conn:
        # the FTS5 search index is created by migration 0005, not by a model
        opts = {"include_name": lambda name, type_, _p: not (
            type_ == "table" and name.startswith("article_search"))}
        assert compare_metadata(MigrationContext.configure(conn, opts=opts),
                                Base.metadata) == []
    engine.dispose()


def test_reopening_keeps_rows(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    engine = open_engine(db)
    with Session(engine) as s:
        ArticleWriter(s).write(item("https://azertag.az/ru/xeber/a-1", "Текст"))
        s.commit()
    engine.dispose()
    engine = open_engine(db)
    with Session(engine) as s:
        assert s.scalar(select(Article.title)) == "T"
    engine.dispose()


def test_copies_point_to_first_original_and_urls_are_stored_once(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "c.sqlite")
    body = "Форум солидарности НПО открылся в Баку. Участники обсудили гранты."
    with Session(engine) as s:
        w = ArticleWriter(s, run_id=None)
        first = w.write(item("https://azertag.az/ru/xeber/forum-1?utm_source=rss", body))
        copy = w.write(item("https://report.az/ru/x/forum", body.upper(), "report-ru"))
        again = w.write(item("https://azertag.az/ru/xeber/forum-1", body))
        s.commit()
        assert first is not None and copy is not None and again is None
        assert copy.duplicate_of == first.id and first.duplicate_of is None
    # a later run (new writer, same database) links to the same original
    with Session(engine) as s:
        w = ArticleWriter(s)
        later = w.write(item("https://ru.trend.az/azerbaijan/society/1.html", body, "trend-ru"))
        assert w.write(item("https://report.az/ru/x/forum/", body, "report-ru")) is None
        s.commit()
        assert later is not None and later.duplicate_of == first.id
        assert s.scalar(select(Article.published_at).where(Article.id == later.id)) \
            == "2025-11-24T07:18:00Z"
    engine.dispose()


def test_an_older_copy_becomes_the_original_of_the_whole_group(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "c.sqlite")
    body = "Агентство подвело итоги грантового конкурса для молодёжных НПО."

    def dated(url: str, source_id: str, published_at: str, precision: str) -> ArticleItem:
        it = item(url, body, source_id)
        it.published_at, it.date_precision = published_at, precision
        return it

    with Session(engine) as s:
        w = ArticleWriter(s)
        reprint = w.write(dated("https://report.az/ru/x/grants", "report-ru",
                                "2025-11-21T05:30:00Z", "minute"))
        later = w.write(dated("https://ru.trend.az/x/grants", "trend-ru",
                              "2025-11-22T08:00:00Z", "minute"))
        s.commit()
        assert reprint.duplicate_of is None and later.duplicate_of == reprint.id
        assert w.demoted == []
    # next run: the agency's own page, printed with its day only (Baku), is older
    with Session(engine) as s:
        w = ArticleWriter(s)
        original = w.write(dated("https://ngoagency.gov.az/ru/post/741", "ngoagency-az",
                                 "2025-11-20", "day"))
        same_day = w.write(dated("https://apa.az/x/grants", "apa-az",
                                 "2025-11-20T10:00:00Z", "minute"))
        s.commit()
        assert original.duplicate_of is None and w.demoted == ["report-ru"]
        assert same_day.duplicate_of == original.id  # same local day: not provably older
        links = dict(s.execute(select(Article.source_id, Article.duplicate_of)).all())
    assert links == {"report-ru": original.id, "trend-ru": original.id,
                     "ngoagency-az": None, "apa-az": original.id}
    engine.dispose()


def test_naive_fetch_time_is_refused(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "c.sqlite")
    it = item("https://azertag.az/ru/xeber/a-1", "x")
    it.fetched_at = datetime(2025, 11, 25, 6, 30)
    with Session(engine) as s, pytest.raises(ValueError, match="naive datetime"):
        ArticleWriter(s).write(it)
    engine.dispose()


def _postgres_url() -> str:
    return postgres_url()


def test_postgresql_by_url() -> None:
    url = _postgres_url()
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM articles WHERE source_id = 'azertag-ru'"))
        with Session(engine) as s:
            w = ArticleWriter(s)
            a = w.write(item("https://azertag.az/ru/xeber/pg-1", "Текст про НПО"))
            b = w.write(item("https://report.az/ru/x/pg", "текст про НПО", "report-ru"))
            s.commit()
            assert a is not None and b is not None and b.duplicate_of == a.id
        assert current_revision(engine) == head_revision()
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM articles WHERE source_id IN ('azertag-ru','report-ru')"))
        engine.dispose()


def test_a_later_migration_can_rebuild_articles_under_the_views(tmp_path: Path, monkeypatch
                                                                ) -> None:
    """SQLite refuses to rename a table a view names; upgrade() lifts the views around
    pending migrations, so a batch migration that rebuilds `articles` still works."""
    import shutil

    import models.db

    db = tmp_path / "v.sqlite"
    open_engine(db).dispose()  # at the head, views in place
    scripts = tmp_path / "migrations"
    shutil.copytree(models.db.migrations_dir(), scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_rebuild.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9999'\ndown_revision = {head_revision()!r}\n"
        "branch_labels = None\ndepends_on = None\n"
        "def upgrade():\n"
        "    with op.batch_alter_table('articles', recreate='always') as b:\n"
        "        b.add_column(sa.Column('later', sa.Integer()))\n"
        "def downgrade():\n    pass\n", encoding="utf-8")
    monkeypatch.setattr(models.db, "migrations_dir", lambda: scripts)
    engine = open_engine(db)
    assert current_revision(engine) == "9999"
    engine.dispose()
    views = {r[0] for r in sqlite3.connect(db).execute(
        "SELECT name FROM sqlite_master WHERE type = 'view'")}
    from models.views import VIEWS

    assert views == set(VIEWS) and "weekly_by_country" in views
