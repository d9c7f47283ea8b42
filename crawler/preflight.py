"""Checks that run before a crawl starts anything: one clear line, exit status 2.

``civmon crawl``, ``civmon demo`` (before its servers start) and ``scrapy crawl
news`` (crawler/commands/crawl.py) call :func:`preflight`, which checks, in
this order:

1. every ``-s NAME=VALUE``: civmon's own names must exist, and each value must
   have the type of the setting's default (bool, int, float, JSON dict) or
   pass its own check (``LOG_LEVEL``, ``CIVMON_CLOCK``, counts and sizes > 0);
2. ``LOG_FILE``: its folder is created when missing (so the README's crontab
   line works on a fresh machine), and the file must be writable;
3. the registry (``CIVMON_SOURCES``) and the selected source ids;
4. the database (``CIVMON_DB``, the default file when empty): not a
   directory, not under a file, a SQLite file (the header) and not corrupt,
   a known URL scheme with its driver installed, reachable, migrated, and
   writable (a read-only file system is found here, not mid-crawl).

Any problem raises :class:`PreflightError` whose message is the whole line.
Reads the settings it is given; no Scrapy crawler is built.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class PreflightError(ValueError):
    """A configuration problem found before the crawl started (exit status 2)."""


def _defaults() -> dict[str, Any]:
    from scrapy.settings import default_settings

    import crawler.settings as ours

    out = {k: getattr(default_settings, k) for k in dir(default_settings) if k.isupper()}
    out.update({k: getattr(ours, k) for k in dir(ours) if k.isupper()})
    return out


#: Settings that must be positive numbers whatever their default's type.
POSITIVE = {"CIVMON_COMMIT_EVERY": int, "CIVMON_MAX_HTML_BYTES": int, "DOWNLOAD_TIMEOUT": float,
            "CLOSESPIDER_TIMEOUT": float, "CONCURRENT_REQUESTS": int,
            "CONCURRENT_REQUESTS_PER_DOMAIN": int}
#: ... or numbers >= 0.
NON_NEGATIVE = {"CIVMON_COMMIT_SECONDS": float, "CIVMON_REVISIT_DAYS": float,
                "CIVMON_REVISIT_MAX": int, "DOWNLOAD_DELAY": float, "RETRY_TIMES": int,
                "DOWNLOAD_MAXSIZE": int, "CIVMON_DATE_MAX_SKEW_MINUTES": int,
                "CIVMON_WORKERS": int, "CIVMON_PAGE_TIMEOUT": float}
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def check_setting(name: str, value: Any, defaults: Mapping[str, Any]) -> None:
    """Raise PreflightError when ``value`` (as given to ``-s``) cannot be ``name``'s value."""
    if name.startswith("CIVMON_") and name not in defaults and name != "CIVMON_LOCK_HELD":
        known = ", ".join(sorted(k for k in defaults if k.startswith("CIVMON_")))
        raise PreflightError(f"-s {name}: unknown civmon setting (known: {known})")
    if not isinstance(value, str):
        return  # set by civmon itself, not typed by a user
    text = value.strip()
    if name == "LOG_LEVEL":
        if text.upper() not in LOG_LEVELS:
            raise PreflightError(f"-s LOG_LEVEL: {value!r} is not a log level "
                                 f"(use {', '.join(LOG_LEVELS)})")
        return
    if name == "CIVMON_CLOCK":
        from crawler.spiders.news import parse_clock

        try:
            parse_clock(text)
        except ValueError as exc:
            raise PreflightError(f"-s {exc}") from None
        return
    if name.startswith(("CIVMON_DEDUP_", "CIVMON_NEAR_DUP_", "CIVMON_STORY_")):
        from pipelines.linking import linker_options

        try:
            linker_options({name: text})
        except ValueError as exc:
            raise PreflightError(f"-s {exc}") from None
        return
    if name == "CIVMON_RELEVANCE_THRESHOLD":
        try:
            threshold = float(text) if text else 0.0
        except ValueError:
            raise PreflightError(f"-s {name}: {value!r} is not a number") from None
        if threshold < 0:
            raise PreflightError(f"-s {name}: {value!r} must be >= 0")
        return
    if name == "CIVMON_RELEVANCE_RULES":
        from pipelines.lexicon import RulesError, load_rules

        try:
            load_rules(text or None)
        except RulesError as exc:
            raise PreflightError(f"-s {name}: {exc}") from None
        return
    for table, low, word in ((POSITIVE, 0, "> 0"), (NON_NEGATIVE, -1, ">= 0")):
        if name in table:
            kind = table[name]
            try:
                number = kind(text)
            except ValueError:
                raise PreflightError(f"-s {name}: {value!r} is not "
                                     f"{'an integer' if kind is int else 'a number'}") from None
            if (number <= 0) if low == 0 else (number < 0):
                raise PreflightError(f"-s {name}: {value!r} must be {word}")
            return
    default = defaults.get(name)
    if isinstance(default, bool):
        if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise PreflightError(f"-s {name}: {value!r} is not true or false")
    elif isinstance(default, int):
        try:
            int(text)
        except ValueError:
            raise PreflightError(f"-s {name}: {value!r} is not an integer") from None
    elif isinstance(default, float):
        try:
            float(text)
        except ValueError:
            raise PreflightError(f"-s {name}: {value!r} is not a number") from None
    elif isinstance(default, dict) and text:
        try:
            parsed = json.loads(text)
        except ValueError:
            raise PreflightError(f"-s {name}: {value!r} is not a JSON object") from None
        if not isinstance(parsed, dict):
            raise PreflightError(f"-s {name}: {value!r} is not a JSON object")


def check_log_file(value: str | None) -> None:
    """Create LOG_FILE's folder when missing; the file must be writable."""
    if not value:
        return
    path = Path(value).expanduser()
    if path.is_dir():
        raise PreflightError(f"-s LOG_FILE: {path} is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise PreflightError(f"-s LOG_FILE: cannot write {path}: {exc.strerror}") from None


SQLITE_HEADER = b"SQLite format 3\x00"


def check_database(db: str | None) -> None:
    """The crawl's database can be opened, migrated and written (or PreflightError)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from models.db import DatabaseError, database_url, open_engine, sqlite_path

    try:
        url = database_url(db)
    except DatabaseError as exc:
        raise PreflightError(str(exc)) from None
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise PreflightError(f"{path}: is a directory, not a database file")
        for parent in path.parents:
            if parent.exists() and not parent.is_dir():
                raise PreflightError(f"{path}: cannot be created: {parent} is a file")
        if path.is_file() and path.stat().st_size:
            with open(path, "rb") as fh:
                if fh.read(16) != SQLITE_HEADER:
                    raise PreflightError(f"{path}: not a SQLite database")
    else:
        scheme = url.split("://", 1)[0]
        from sqlalchemy.engine import make_url

        try:
            make_url(url).get_dialect()
        except ImportError as exc:
            raise PreflightError(f"{scheme}://...: database driver missing ({exc}); for "
                                 "PostgreSQL: pip install 'civmon[postgres]'") from None
        except SQLAlchemyError:
            raise PreflightError(f"{scheme}://...: unknown database URL scheme "
                                 f"'{scheme}'") from None
    if path is not None:
        import os

        # os.access sees a read-only file system even for root; SQLite would open
        # such a file read-only without a word and fail at the first commit.
        folder = path.parent if path.parent.exists() else next(
            p for p in path.parents if p.exists())
        if path.exists() and not os.access(path, os.W_OK):
            raise PreflightError(f"{path}: cannot write database: read-only file")
        if not os.access(folder, os.W_OK):
            raise PreflightError(f"{path}: cannot write database: folder {folder} is "
                                 "read-only (its lock and WAL files live beside it)")
    try:
        engine = open_engine(db)
    except DatabaseError as exc:
        raise PreflightError(_short(str(exc))) from None
    except (SQLAlchemyError, OSError) as exc:
        raise PreflightError(f"{url}: cannot open database: {_short(str(exc))}") from None
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                # BEGIN IMMEDIATE takes the write lock: a read-only file or file
                # system fails here instead of at the first commit, mid-crawl.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                conn.exec_driver_sql("ROLLBACK")
            else:
                conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        where = path if path is not None else url
        raise PreflightError(f"{where}: cannot write database: "
                             f"{_short(str(getattr(exc, 'orig', exc)))}") from None
    finally:
        engine.dispose()


def _short(message: str) -> str:
    """The first line of a driver's message, without SQLAlchemy's background link."""
    import re

    line = message.split("\n", 1)[0].split(" (Background on this error", 1)[0].strip()
    line = re.sub(r"\((?:sqlite3|psycopg|sqlalchemy)[\w.]*\) ", "", line)
    if "No module named" in line:
        line += " (install the driver; for PostgreSQL: pip install 'civmon[postgres]')"
    return line


def check_settings(overrides: Mapping[str, Any]) -> None:
    defaults = _defaults()
    for name, value in overrides.items():
        check_setting(name, value, defaults)


def preflight(source_ids: Sequence[str], overrides: Mapping[str, Any], *,
              registry: bool = True, database: bool = True):
    """Run every check; returns the loaded registry (or None).  PreflightError on a problem."""
    from crawler.registry import RegistryError, load_registry

    check_settings(overrides)
    check_log_file(overrides.get("LOG_FILE"))
    loaded = None
    if registry:
        try:
            loaded = load_registry(overrides.get("CIVMON_SOURCES") or None)
            if not loaded.select(list(source_ids)):
                raise PreflightError(f"{loaded.path}: no enabled sources to crawl")
        except RegistryError as exc:
            raise PreflightError(str(exc)) from None
    if database:
        check_database(overrides.get("CIVMON_DB") or None)
    logging.getLogger(__name__).debug("preflight ok")
    return loaded
