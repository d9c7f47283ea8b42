"""relevance tags: topics, regions, organisations and their article tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('topics',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('regions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('iso_code', sa.String(length=8), nullable=True),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['regions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('organisations',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('gazetteer', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('article_topics',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], ),
    sa.PrimaryKeyConstraint('article_id', 'topic_id')
    )
    with op.batch_alter_table('article_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_topics_topic_id'), ['topic_id'], unique=False)

    op.create_table('article_regions',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.String(length=64), nullable=False),
    sa.Column('mentions', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('first_position', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], ),
    sa.PrimaryKeyConstraint('article_id', 'region_id')
    )
    with op.batch_alter_table('article_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_regions_region_id'), ['region_id'], unique=False)

    op.create_table('article_organisations',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.String(length=200), nullable=False),
    sa.Column('mentions', sa.Integer(), nullable=False),
    sa.Column('first_position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('article_id', 'organisation_id')
    )
    with op.batch_alter_table('article_organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_organisations_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relevance_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('relevance_terms', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('relevance_terms')
        batch_op.drop_column('relevance_score')
    with op.batch_alter_table('article_organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_organisations_organisation_id'))
    op.drop_table('article_organisations')
    with op.batch_alter_table('article_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_regions_region_id'))
    op.drop_table('article_regions')
    with op.batch_alter_table('article_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_topics_topic_id'))
    op.drop_table('article_topics')
    op.drop_table('organisations')
    op.drop_table('regions')
    op.drop_table('topics')
