"""full-text search: the article_search FTS5 shadow index (SQLite only)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:40:00

``article_search(title, text)`` holds each article's words as base forms
(pipelines/search_index.py); rowid = articles.id.  The triggers drop a shadow
row when its article is deleted or its title/text/language changes outside
civmon, so a stale shadow never answers; civmon's sessions write the new one.
Existing articles are indexed here.  PostgreSQL gets nothing: search needs SQLite.
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # remove_diacritics 0: the keys are folded already, and й/ё must stay letters
    op.execute("CREATE VIRTUAL TABLE article_search USING fts5("
               "title, text, tokenize = 'unicode61 remove_diacritics 0')")
    op.execute("CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN "
               "DELETE FROM article_search WHERE rowid = old.id; END")
    op.execute("CREATE TRIGGER article_search_update AFTER UPDATE OF title, text, language "
               "ON articles BEGIN DELETE FROM article_search WHERE rowid = old.id; END")
    from pipelines.search_index import rebuild

    rebuild(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS article_search_update")
    op.execute("DROP TRIGGER IF EXISTS article_search_delete")
    op.execute("DROP TABLE IF EXISTS article_search")
