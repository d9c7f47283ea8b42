"""PostgreSQL for the tests: a URL on a schema of this test process's own.

The server's database may hold tables of another civmon version (another
checkout's tests, a developer's experiments); a schema per process and name
keeps the migrations and rows of this run apart from them, and is dropped at
exit.  ``CIVMON_TEST_POSTGRES`` names the server (default: the machine's local
``test`` database); a test skips, saying why, when psycopg is missing or the
server does not answer.
"""

from __future__ import annotations

import atexit
import os

import pytest

DEFAULT = "postgresql+psycopg://postgres@127.0.0.1/test"
_made: set[str] = set()


def postgres_url(name: str = "test", *, fresh: bool = False) -> str:
    """The URL of schema ``civmon_<name>_<pid>`` (emptied first when ``fresh``), or skip."""
    url = os.environ.get("CIVMON_TEST_POSTGRES", DEFAULT)
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[postgres]')")
    plain = url.replace("+psycopg", "")
    schema = f"civmon_{name}_{os.getpid()}"
    try:
        with psycopg.connect(plain, connect_timeout=3, autocommit=True) as conn:
            if fresh:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {url}: {str(exc).splitlines()[0]}")
    if schema not in _made:
        _made.add(schema)

        def drop() -> None:
            with psycopg.connect(plain, connect_timeout=3, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

        atexit.register(drop)
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
