"""Opening the civmon database: URL resolution, engine setup, migrations.

``open_engine(target)`` accepts a file path (SQLite) or a SQLAlchemy URL
(``postgresql+psycopg://...``), creates the parent folder of a SQLite file,
turns on WAL and foreign keys, and upgrades the schema to the newest Alembic
revision, so that an existing database from an older civmon is migrated in
place rather than recreated.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB = Path("data") / "civmon.sqlite"


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message says which and why."""


def database_url(target: str | Path | None) -> str:
    """Turn a ``--db`` value (path or URL) into a SQLAlchemy URL string."""
    if target is None:
        target = DEFAULT_DB
    text = str(target)
    if "://" in text:
        try:
            make_url(text)
        except ArgumentError as exc:
            raise DatabaseError(f"{text}: not a database URL: {exc}") from None
        return text
    return f"sqlite:///{Path(text).expanduser().absolute()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases / in-memory SQLite."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def casefold(value: str | None) -> str | None:
    """Unicode case folding (SQLite's own lower()/LIKE fold ASCII only)."""
    return value.casefold() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # civmon_fold(x): case-insensitive Cyrillic matching in queries and exports.
    dbapi_conn.create_function("civmon_fold", 1, casefold, deterministic=True)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_engine(target: str | Path | None = None, *, migrate: bool = True) -> Engine:
    """An engine on ``target`` with the schema at the newest revision."""
    url = database_url(target)
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"{path}: cannot create folder: {exc.strerror}") from None
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(f"{url}: cannot open database: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


def migrations_dir() -> Path:
    return Path(str(resources.files("models").joinpath("migrations")))


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic); safe to call on every start.

    When migrations are pending, the views (models/views.py) are dropped first
    and created again after: SQLite cannot rebuild a table a view names."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import OperationalError

    from models.views import create_views, drop_views

    cfg = _alembic_config(engine)
    try:
        target = ScriptDirectory.from_config(cfg).get_current_head() if revision == "head" \
            else revision
        pending = current_revision(engine) != target
        if pending:
            with engine.begin() as conn:
                drop_views(conn)
        command.upgrade(cfg, revision)
        if pending and has_schema(engine):
            with engine.begin() as conn:
                drop_views(conn)
                create_views(conn)
    except OperationalError as exc:
        raise DatabaseError(f"{engine.url}: cannot migrate database: {exc.orig}") from None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("articles")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
