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
    # every session writing articles sets published_day (the source's local day)
    import pipelines.published_day
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # every session writing articles keeps the search index (migration 0005) in step
        import pipelines.search_index  # noqa: F401
    if migrate:
        upgrade(engine)
    return engine


SQLITE_HEADER = b"SQLite format 3\x00"


def _ro_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.create_function("civmon_fold", 1, casefold, deterministic=True)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")  # a crawl's batch commit is milliseconds
    cur.close()


def open_readonly(target: str | Path | None = None) -> Engine:
    """An engine that never writes: SQLite ``mode=ro``, no journal switch, no migration.

    For export and the query commands (``civmon runs``, ``civmon health``), so that
    a read-only copy of the dataset (a share, a snapshot, a read-only file system)
    can be read.  On a read-only file system, where SQLite cannot create the
    WAL's shared-memory file, the file is opened ``immutable`` (nobody can be
    writing it there).  The schema must be this civmon's: an older file gives a
    clear "needs upgrading" error rather than being migrated.
    """
    from sqlalchemy.exc import SQLAlchemyError

    url = database_url(target)
    path = sqlite_path(url)
    if path is None:
        kwargs = {}
        if url.startswith("postgresql"):
            # connect_args replace the URL's own libpq options (a search_path, say): keep them
            try:
                own = make_url(url).query.get("options") or ""
            except ArgumentError as exc:
                raise DatabaseError(f"{url}: cannot open database: {exc}") from None
            own = own if isinstance(own, str) else " ".join(own)
            kwargs["connect_args"] = {
                "options": f"{own} -c default_transaction_read_only=on".strip()}
        try:
            engine = create_engine(url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise DatabaseError(f"{url}: cannot open database: {exc}") from None
        _check_revision(engine, url)
        return engine
    if not path.exists():
        raise DatabaseError(f"{path}: no such database (run `civmon crawl` or `civmon demo` "
                            "first)")
    if path.is_dir():
        raise DatabaseError(f"{path}: is a directory, not a database file")
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise DatabaseError(f"{path}: not a SQLite database")
    from urllib.parse import quote

    last: Exception | None = None
    for flags in ("mode=ro", "mode=ro&immutable=1"):
        engine = create_engine(f"sqlite:///file:{quote(str(path))}?{flags}&uri=true")
        event.listen(engine, "connect", _ro_pragmas)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        except SQLAlchemyError as exc:
            engine.dispose()
            last = exc
            continue
        _check_revision(engine, str(path))
        return engine
    detail = getattr(last, "orig", last)
    raise DatabaseError(f"{path}: cannot open database read-only: {detail}")


def _check_revision(engine: Engine, where: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        if not has_schema(engine):
            raise DatabaseError(f"{where}: not a civmon database (no articles table)")
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        detail = str(getattr(exc, "orig", exc)).split("\n", 1)[0]
        raise DatabaseError(f"{where}: cannot read database: {detail}") from None
    head = head_revision()
    if current != head:
        engine.dispose()
        from alembic.script import ScriptDirectory

        known = {r.revision for r in ScriptDirectory(str(migrations_dir())).walk_revisions()}
        if current in known or current is None:
            raise DatabaseError(
                f"{where}: needs upgrading (schema revision {current}, this civmon reads "
                f"{head}); open it once with a writing command such as `civmon crawl "
                f"--db {where}`, or upgrade a writable copy")
        raise DatabaseError(f"{where}: written by a newer civmon (schema revision {current}, "
                            f"this one knows up to {head}); upgrade civmon")


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


def head_revision() -> str | None:
    """The newest revision of the migration scripts this civmon ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(migrations_dir())).get_current_head()


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("articles")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
