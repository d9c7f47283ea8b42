"""Alembic environment: runs migrations on the engine civmon hands over.

civmon calls Alembic programmatically (models.db.upgrade) with the engine in
``config.attributes["engine"]``; there is no alembic.ini.  To write a new
revision, see docs/database.md ("Changing the schema").
"""

from alembic import context

from models.schema import Base

config = context.config


def include_name(name, type_, _parent_names) -> bool:
    """Leave the FTS5 search index (migration 0005, not a model) out of autogenerate."""
    return not (type_ == "table" and name and name.startswith("article_search"))



target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from models.db import open_engine

        engine = open_engine(config.get_main_option("sqlalchemy.url"), migrate=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite can only ALTER through table copies
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
