"""dedup: similarity and alternate URLs of articles; originals/reprints/stories views

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _agg(dialect: str, column: str) -> str:
    # SQLite and PostgreSQL spell "distinct values, comma-separated" differently.
    if dialect == "postgresql":
        return f"string_agg(DISTINCT {column}, ',' ORDER BY {column})"
    return f"group_concat(DISTINCT {column})"


def view_sql(dialect: str) -> list[str]:
    return [
        "CREATE VIEW originals AS SELECT * FROM articles WHERE duplicate_of IS NULL",
        f"""CREATE VIEW reprints AS
SELECT o.id AS original_id, o.source_id AS original_source, o.title AS title,
       o.published_at AS published_at, COUNT(c.id) AS reprint_count,
       {_agg(dialect, 'c.source_id')} AS reprinted_by
FROM articles o JOIN articles c ON c.duplicate_of = o.id
GROUP BY o.id, o.source_id, o.title, o.published_at""",
        f"""CREATE VIEW stories AS
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
    ]


def upgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('similarity', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('alternate_urls', sa.Text(), nullable=True))
    for statement in view_sql(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for view in ("stories", "reprints", "originals"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('alternate_urls')
        batch_op.drop_column('similarity')
