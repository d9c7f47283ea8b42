"""The researcher views: ``originals``, ``reprints``, ``stories`` (docs/database.md).

Views are not tables: Alembic does not track them, and SQLite refuses to
rename a table that a view names (which is how a batch migration rebuilds
``articles``).  So ``models.db.upgrade`` drops these views before running
pending migrations and creates them again afterwards, and migration 0003
creates them the first time.  One definition per view here, spelled for the
connection's dialect (SQLite's ``group_concat`` is PostgreSQL's ``string_agg``).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

VIEWS = ("originals", "reprints", "stories")


def _agg(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"string_agg(DISTINCT {column}, ',' ORDER BY {column})"
    return f"group_concat(DISTINCT {column})"


def view_sql(dialect: str) -> dict[str, str]:
    return {
        "originals": "SELECT * FROM articles WHERE duplicate_of IS NULL",
        "reprints": f"""
SELECT o.id AS original_id, o.source_id AS original_source, o.title AS title,
       o.published_at AS published_at, COUNT(c.id) AS reprint_count,
       {_agg(dialect, 'c.source_id')} AS reprinted_by
FROM articles o JOIN articles c ON c.duplicate_of = o.id
GROUP BY o.id, o.source_id, o.title, o.published_at""",
        "stories": f"""
SELECT a.story_id AS story_id,
       MIN(COALESCE(a.published_at, a.fetched_at)) AS first_seen,
       COUNT(*) AS articles,
       SUM(CASE WHEN a.duplicate_of IS NULL THEN 1 ELSE 0 END) AS originals,
       COUNT(DISTINCT a.source_id) AS outlets,
       {_agg(dialect, 'a.source_id')} AS sources,
       {_agg(dialect, 'a.language')} AS languages,
       (SELECT t.title FROM articles t WHERE t.id = a.story_id) AS title
FROM articles a WHERE a.story_id IS NOT NULL
GROUP BY a.story_id""",
    }


def drop_views(conn: Connection) -> None:
    for name in reversed(VIEWS):
        conn.execute(text(f"DROP VIEW IF EXISTS {name}"))


def create_views(conn: Connection) -> None:
    for name, sql in view_sql(conn.dialect.name).items():
        conn.execute(text(f"CREATE VIEW {name} AS {sql}"))
