"""``civmon dedup --rebuild``: recompute reprint links, similarity and stories.

After an upgrade of civmon or a change of the dedup/story thresholds, stored
articles are re-linked from their stored text (``pipelines.relink.rebuild``),
in one transaction, with a progress line on stderr, and the command prints
what changed.  Running it twice changes nothing the second time.
"""

from __future__ import annotations

import sys
from types import ModuleType

import click


def register(base: ModuleType) -> None:
    """Add ``dedup`` to the group of ``crawler.cli`` (passed as ``base`` so that
    ``python -m crawler.cli`` registers on the group it runs)."""
    command = click.command("dedup", context_settings=base.CONTEXT)(dedup)
    command = click.option("--rebuild", is_flag=True, help="Recompute duplicate_of, similarity "
                           "and story_id of stored articles from their text.")(command)
    command = click.option("--since", callback=base._parse_day, metavar="YYYY-MM-DD",
                           help="Only articles published (undated: fetched) on or after "
                           "this day.")(command)
    command = base.settings_option(command)
    command = base.db_option(command)
    base.cli.add_command(command)
    global _base
    _base = base


_base: ModuleType | None = None


def dedup(rebuild: bool, since, set_: tuple[str, ...], db: str | None) -> None:
    """Re-link reprints to their originals and group stories (docs/database.md).

    Thresholds are the CIVMON_DEDUP_*, CIVMON_NEAR_DUP_* and CIVMON_STORY_* settings
    (-s NAME=VALUE, as for a crawl).

    \b
    Example:
      civmon dedup --rebuild --db data/civmon.sqlite --since 2025-11-01
      civmon dedup --rebuild -s CIVMON_STORY_SCORE=0.4
    """
    from sqlalchemy.orm import Session

    from models.db import DatabaseError, database_url, has_schema, open_engine, sqlite_path
    from pipelines.linking import linker_options
    from pipelines.relink import rebuild as run_rebuild

    assert _base is not None
    UserError = _base.UserError
    if not rebuild:
        raise UserError("nothing to do: pass --rebuild")
    try:
        options = linker_options(_base._overrides(set_))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    _base._check_db(db)
    path = sqlite_path(database_url(db))
    if path is not None and not path.exists():
        raise UserError(f"{path}: no such database (run `civmon crawl` or `civmon demo` first)")
    try:
        engine = open_engine(db, migrate=False)
        if not has_schema(engine):
            raise UserError(f"{database_url(db)}: not a civmon database (no articles table)")
        from models.db import upgrade

        upgrade(engine)
    except DatabaseError as exc:
        raise UserError(str(exc)) from None
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty and (done % 50 == 0 or done == total):
            click.echo(f"\r  relinked {done}/{total} articles", err=True, nl=done == total)
        elif not tty and (done % 1000 == 0 or done == total):
            click.echo(f"  relinked {done}/{total} articles", err=True)

    try:
        with Session(engine, expire_on_commit=False) as session:
            report = run_rebuild(session, since=since, progress=progress, **options)
            session.commit()
    finally:
        engine.dispose()
    click.echo(f"{report.articles} articles re-linked: links added {report.links_added}, "
               f"removed {report.links_removed}, similarity changed "
               f"{report.similarity_changed}; stories {report.stories_before} -> "
               f"{report.stories_after} (stories merged {report.stories_merged}, "
               f"split {report.stories_split})")
    if not report.changed:
        click.echo("Nothing changed.")
