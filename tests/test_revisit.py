"""Revisits: takedown reasons, and recording a revision or takedown twice adds nothing
(the crawl end to end: tests/test_faults.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.revisit import record_takedown, record_text, takedown_reason


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


def test_recording_twice_adds_nothing_and_a_return_is_noted(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session
    from test_store import item

    from models.db import open_engine
    from pipelines.store import ArticleWriter

    engine = open_engine(tmp_path / "r.sqlite")
    with Session(engine) as s:
        row = ArticleWriter(s).write(item("https://azertag.az/ru/xeber/r-1", "Текст про НПО"))
        s.commit()
        aid, digest = row.id, row.content_hash
    now = datetime(2025, 11, 26, tzinfo=UTC)
    kw = {"status": 404, "final_url": None, "reason": "not_found", "now": now, "run_id": None}
    assert record_takedown(engine, aid, **kw) is True
    assert record_takedown(engine, aid, **kw) is False  # already known to be gone
    same = {"title": "T", "text": "Текст про НПО", "content_hash": digest, "now": now,
            "run_id": None}
    assert record_text(engine, aid, **same) == "restored"  # back online, unchanged
    assert record_text(engine, aid, **same) == "same"
    assert record_text(engine, aid, **{**same, "text": "Новый текст", "content_hash": "x"}) \
        == "revised"
    conn = sqlite3.connect(tmp_path / "r.sqlite")
    assert conn.execute("SELECT count(*) FROM article_revisions").fetchone() == (1,)
    assert conn.execute("SELECT restored_at FROM article_takedowns").fetchone() == (
        "2025-11-26T00:00:00Z",)
    conn.close()
    engine.dispose()
