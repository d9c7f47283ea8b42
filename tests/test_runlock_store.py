"""The run lock names the database, not its spelling; a failed write costs only itself.

Issue 13: through a symlink two crawls ran on one database at once; the store then
hit the unique index, did not roll back, failed every later item and the run still
said ``ok``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from test_store import item

from crawler.runs import RunLock, RunLockedError, normalized_url, run_status
from models.db import open_engine
from models.schema import Article
from pipelines.store import StorePipeline


def test_lock_follows_symlinks_and_relative_paths(tmp_path: Path, monkeypatch) -> None:
    real = tmp_path / "data" / "civmon.sqlite"
    real.parent.mkdir()
    real.touch()
    (tmp_path / "link.sqlite").symlink_to(real)
    (tmp_path / "linkdir").symlink_to(real.parent)
    monkeypatch.chdir(tmp_path)
    with RunLock(str(real)):
        for other in ("link.sqlite", "linkdir/civmon.sqlite", "data/../data/civmon.sqlite"):
            with pytest.raises(RunLockedError):
                RunLock(other).acquire()
    with RunLock("link.sqlite"):  # released: free again, and it is the same lock file
        assert RunLock("link.sqlite").path == RunLock(str(real)).path


def test_server_url_spellings_share_a_key() -> None:
    a = normalized_url("postgresql+psycopg://civ:secret@DB.example:5432/civmon?sslmode=require")
    assert a == normalized_url("postgresql://civ@db.example/civmon")
    assert a != normalized_url("postgresql://civ@db.example/other")
    assert normalized_url("postgresql://localhost/x") == normalized_url("postgresql://[::1]/x")


def test_postgres_lock_uses_the_servers_identity(tmp_path: Path, monkeypatch) -> None:
    url = os.environ.get("CIVMON_TEST_POSTGRES")
    if not url:
        pytest.skip("set CIVMON_TEST_POSTGRES to a PostgreSQL URL to run this test")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from sqlalchemy.engine import make_url

    u = make_url(url)
    other_host = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(u.host or "")
    if other_host is None:
        pytest.skip("the test server is not on this machine")
    alias = u.set(host=other_host, drivername="postgresql+psycopg",
                  query={"application_name": "civmon-test"})
    with RunLock(url), pytest.raises(RunLockedError):
        RunLock(alias.render_as_string(hide_password=False)).acquire()


class Stats(dict):
    def inc_value(self, key: str, n: int = 1) -> None:
        self[key] = self.get(key, 0) + n

    def get_value(self, key: str, default=None):
        return self.get(key, default)


def test_failed_write_rolls_back_and_the_rest_are_stored(tmp_path: Path, caplog) -> None:
    db = tmp_path / "s.sqlite"
    engine = open_engine(db)
    with engine.begin() as conn:  # a real database error on one row (as a unique-index hit)
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON articles "
                          "WHEN NEW.url LIKE '%/bad-%' BEGIN SELECT RAISE(ABORT, 'refused'); END"))
    stats = Stats()
    store = StorePipeline(str(db), commit_every=3, stats=stats, commit_seconds=3600)
    store.open_spider()
    urls = [f"https://azertag.az/ru/xeber/{name}" for name in
            ("ok-1", "bad-2", "ok-3", "ok-4", "bad-5", "ok-6", "ok-7")]
    for n, url in enumerate(urls):
        store.process_item(item(url, f"Статья номер {n} о гражданском обществе."))
    store.close_spider()
    with Session(engine) as s:
        stored = s.scalars(select(Article.url).order_by(Article.id)).all()
    engine.dispose()
    assert stored == [u for u in urls if "/bad-" not in u]
    assert stats["civmon/store/stored"] == 5
    assert stats["civmon/store/failed_write"] == 2
    assert stats["civmon/source/azertag-ru/write_failed"] == 2
    assert "https://azertag.az/ru/xeber/bad-2" in caplog.text
    assert run_status("finished", {"azertag-ru": ("ok", None)}, stats) == "partial"
    assert run_status("finished", {"azertag-ru": ("ok", None)}, {}) == "ok"
