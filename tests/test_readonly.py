"""Reading never writes: export opens SQLite read-only (mode=ro), switches no journal,
runs no migration, says when a file needs upgrading, and works on a read-only file system."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from test_cli import run
from test_store import item

from models.db import open_engine, upgrade
from pipelines.store import ArticleWriter


def make_db(path: Path) -> Path:
    engine = open_engine(path)
    with Session(engine) as s:
        ArticleWriter(s).write(item("https://azertag.az/ru/xeber/ro-1", "Текст про НПО"))
        s.commit()
    engine.dispose()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_changes_neither_bytes_nor_journal_mode(capsys, tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.sqlite")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=DELETE")  # a researcher's copy, not in WAL
    conn.close()
    before = digest(db)
    code, out, err = run(capsys, "export", "--db", str(db), "--format", "jsonl", "--all")
    assert code == 0, err
    assert "ro-1" in out
    assert digest(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.sqlite"]


def test_an_old_schema_is_not_migrated_but_named(capsys, tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    engine = open_engine(db, migrate=False)
    upgrade(engine, "0001")
    engine.dispose()
    before = digest(db)
    code, _, err = run(capsys, "export", "--db", str(db))
    assert code == 2
    assert err.startswith(f"civmon: error: {db}: needs upgrading (schema revision 0001, "
                          "this civmon reads ")
    assert "open it once with a writing command such as `civmon crawl --db" in err
    assert digest(db) == before


def test_a_sqlite_file_that_is_not_civmon_is_named(capsys, tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    code, _, err = run(capsys, "export", "--db", str(db))
    assert (code, err) == (2, f"civmon: error: {db}: not a civmon database (no articles "
                              "table)\n")


def test_export_of_a_read_only_file(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    db = make_db(folder / "c.sqlite")
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        code, out, err = run(capsys, "export", "--db", str(db), "--format", "jsonl", "--all")
    finally:
        folder.chmod(0o755)
    assert code == 0, err and "ro-1" in out


def _can_mount_read_only(where: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c",
                            f"mount --bind {where} {where} && "
                            f"mount -o remount,bind,ro {where}"], capture_output=True)
    return probe.returncode == 0


def test_export_works_on_a_read_only_file_system_and_crawl_refuses_cleanly(tmp_path: Path):
    folder = tmp_path / "snapshot"
    folder.mkdir()
    make_db(folder / "c.sqlite")
    if not _can_mount_read_only(folder):
        pytest.skip("needs `unshare -rm` and mount (user namespaces) to make a read-only "
                    "file system")
    py = sys.executable
    script = (f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
              f"{py} -m crawler.cli export --db {folder}/c.sqlite --format jsonl --all; "
              f"echo rc=$?; {py} -m crawler.cli crawl --db {folder}/c.sqlite; echo rc=$?")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert "ro-1" in proc.stdout and "rc=0" in proc.stdout, proc.stderr
    assert proc.stdout.strip().endswith("rc=2"), proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == \
        f"civmon: error: {folder}/c.sqlite: cannot write database: read-only file"
