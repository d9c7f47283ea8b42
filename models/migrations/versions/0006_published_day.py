"""published_day: the day of publication in the source's time zone

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:45:00

``articles.published_day`` ('YYYY-MM-DD' text) is ``published_at`` seen in the
source's time zone (``sources.timezone``): a timed value converted and its
calendar day taken, a day-only value as it is (pipelines/published_day.py).
Existing rows are backfilled here by ``refresh``: on SQLite one UPDATE calling
``local_day`` as a registered SQL function, on PostgreSQL in keyset batches.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('articles', sa.Column('published_day', sa.String(length=10), nullable=True))
    from pipelines.published_day import refresh

    refresh(op.get_bind())
    op.create_index('ix_articles_published_day', 'articles', ['published_day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_articles_published_day', table_name='articles')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('published_day')
