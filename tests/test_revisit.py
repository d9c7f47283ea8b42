"""Revisits: a changed text keeps its previous version, a removed article is recorded,
nothing is deleted, and repeating the run adds no duplicate records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from crawlrun import crawl
from faultweb import FaultWeb, article_html

from crawler.revisit import takedown_reason


@pytest.mark.parametrize(("status", "original", "final", "redirected", "reason"), [
    (404, "https://x.kz/news/1", "https://x.kz/news/1", False, "not_found"),
    (410, "https://x.kz/news/1", "https://x.kz/news/1", False, "gone"),
    (200, "https://x.kz/news/1", "https://x.kz/", True, "to_home"),
    (200, "https://x.kz/ru/news/1", "https://x.kz/ru/", True, "to_home"),
    (200, "https://x.kz/news/1", "https://x.kz/news/1-renamed", True, None),  # moved, alive
    (200, "https://x.kz/news/1", "https://x.kz/news/1", False, None),
])
def test_takedown_reason(status, original, final, redirected, reason) -> None:
    assert takedown_reason(status, original, final, redirected) == reason


def test_revisions_and_takedowns(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    with FaultWeb(4, host="127.0.0.46", faults=()) as web:
        registry = tmp_path / "sources.toml"
        registry.write_text(web.registry(), encoding="utf-8")
        assert crawl(registry, db).returncode == 0
        web.texts[0] = article_html(0, extra="<p>Исправление: форум перенесён на декабрь, "
                                              "сообщили в общественном совете.</p>")
        web.gone.add(1)
        web.to_home.add(2)
        second = crawl(registry, db)
        assert second.returncode == 0, second.stderr
        assert "1 revised, 2 taken down" in second.stderr
        third = crawl(registry, db)  # nothing new happened: nothing new recorded
        assert third.returncode == 0, third.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (4,)
        (aid, text), = conn.execute("SELECT id, text FROM articles WHERE url LIKE '%/a/0'")
        assert "форум перенесён на декабрь" in text
        revisions = conn.execute("SELECT article_id, text, crawl_run_id FROM "
                                 "article_revisions").fetchall()
        assert len(revisions) == 1 and revisions[0][0] == aid and revisions[0][2] == 2
        assert "перенесён" not in revisions[0][1] and "Абзац 0" in revisions[0][1]
        gone = conn.execute("SELECT a.url, t.reason, t.http_status, t.restored_at FROM "
                            "article_takedowns t JOIN articles a ON a.id = t.article_id "
                            "ORDER BY a.url").fetchall()
        assert [(u.rsplit("/", 1)[1], r, s, back) for u, r, s, back in gone] == [
            ("1", "not_found", 404, None), ("2", "to_home", 200, None)]
        counts = conn.execute("SELECT revised, taken_down FROM crawl_runs ORDER BY id").fetchall()
        assert counts == [(0, 0), (1, 2), (0, 0)]
    finally:
        conn.close()
