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


def upgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('similarity', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('alternate_urls', sa.Text(), nullable=True))
    # the views are defined in models/views.py (models.db.upgrade re-creates them
    # around later migrations, which SQLite needs to rebuild a table they name)
    from models.views import create_views, drop_views

    drop_views(op.get_bind())
    create_views(op.get_bind())


def downgrade() -> None:
    from models.views import drop_views

    drop_views(op.get_bind())
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('alternate_urls')
        batch_op.drop_column('similarity')
