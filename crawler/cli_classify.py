"""``civmon classify``: score and tag the stored articles again after the rules change.

Without ``--rebuild`` only the articles never scored by the current classifier
(``relevance_score IS NULL``: stored by an older civmon) are classified; with
``--rebuild`` every article is.  Each article whose relevance, topics, regions or
organisations change is printed as one line, then a summary.  Reads the rules
from ``--rules DIR`` (default: the packaged ones, or ``CIVMON_RELEVANCE_RULES``)
and the threshold from ``--threshold`` (default: ``CIVMON_RELEVANCE_THRESHOLD`` or
terms.toml).  Imports no Scrapy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
BATCH = 200


@dataclass(frozen=True)
class Stored:
    relevant: bool
    score: float | None
    topics: frozenset[str]
    regions: frozenset[str]
    organisations: frozenset[str]


def _diff(label: str, before: frozenset[str], after: frozenset[str]) -> str:
    parts = [f"+{x}" for x in sorted(after - before)] + [f"-{x}" for x in sorted(before - after)]
    return f"{label} {' '.join(parts)}" if parts else ""


def describe(before: Stored, after: Stored) -> str | None:
    """What changed, in one line, or None."""
    bits = []
    if before.relevant != after.relevant:
        bits.append(f"relevant {int(before.relevant)}→{int(after.relevant)}")
    for label in ("topics", "regions", "organisations"):
        d = _diff(label, getattr(before, label), getattr(after, label))
        if d:
            bits.append(d)
    if not bits:
        return None
    old = "-" if before.score is None else f"{before.score:g}"
    return f"score {old}→{after.score:g}; " + "; ".join(bits)



@click.command("classify", context_settings=CONTEXT)
@click.option("--rebuild", is_flag=True,
              help="Re-score and re-tag every stored article (default: only those never "
                   "scored).")
@click.option("--db", metavar="PATH|URL", default=None,
              help="SQLite file or SQLAlchemy URL  [default: data/civmon.sqlite]")
@click.option("--rules", "rules_dir", metavar="DIR", default=None,
              type=click.Path(file_okay=False),
              help="Folder of relevance rules files replacing the packaged ones.")
@click.option("--threshold", type=float, default=None,
              help="Score an article needs to be relevant (default: terms.toml's).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def classify(rebuild, db, rules_dir, threshold, dry_run) -> None:
    """Score and tag stored articles again (after editing the relevance rules).

    Prints one line per article whose relevance, topics, regions or
    organisations change, then a summary.

    \b
    Example:
      civmon classify --rebuild --db /srv/civmon/civmon.sqlite
    """
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from models.db import DatabaseError, database_url, has_schema, open_engine, sqlite_path
    from models.schema import Article
    from pipelines.lexicon import RulesError, load_rules

    rules_dir = rules_dir or os.environ.get("CIVMON_RELEVANCE_RULES") or None
    if threshold is None and os.environ.get("CIVMON_RELEVANCE_THRESHOLD"):
        try:
            threshold = float(os.environ["CIVMON_RELEVANCE_THRESHOLD"])
        except ValueError:
            raise click.UsageError("CIVMON_RELEVANCE_THRESHOLD must be a number") from None
    try:
        rules = load_rules(rules_dir)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        url = database_url(db)
        path = sqlite_path(url)
        if path is not None and not path.exists():
            raise click.UsageError(f"{path}: no such database (run `civmon crawl` or "
                                   "`civmon demo` first)")
        engine = open_engine(db, migrate=False)
        if not has_schema(engine):
            raise click.UsageError(f"{url}: not a civmon database (no articles table)")
        from models.db import upgrade

        upgrade(engine)
    except DatabaseError as exc:
        raise click.UsageError(str(exc)) from None
    where = [] if rebuild else [Article.relevance_score.is_(None)]
    totals = {"scored": 0, "changed": 0, "now_relevant": 0, "no_longer": 0}
    try:
        with Session(engine, expire_on_commit=False) as session:
            total = session.scalar(select(func.count()).select_from(Article).where(*where))
            last_id = 0
            while True:
                batch = session.scalars(select(Article).where(Article.id > last_id, *where)
                                        .order_by(Article.id).limit(BATCH)).all()
                if not batch:
                    break
                for row in batch:
                    _one(session, row, rules, threshold, dry_run, totals)
                last_id = batch[-1].id
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
    finally:
        engine.dispose()
    verb = "would change" if dry_run else "changed"
    click.echo(f"{totals['scored']} of {total} articles scored; {totals['changed']} {verb}: "
               f"{totals['now_relevant']} became relevant, {totals['no_longer']} no longer "
               f"relevant", err=True)


def _stored(session, row) -> Stored:
    from sqlalchemy import select

    from models.schema import ArticleOrganisation, ArticleRegion

    regions = session.scalars(select(ArticleRegion.region_id)
                              .where(ArticleRegion.article_id == row.id)).all()
    orgs = session.scalars(select(ArticleOrganisation.organisation_id)
                           .where(ArticleOrganisation.article_id == row.id)).all()
    return Stored(bool(row.relevant), row.relevance_score,
                  frozenset(filter(None, (row.topics or "").split(","))),
                  frozenset(regions), frozenset(orgs))


def _one(session, row, rules, threshold, dry_run, totals) -> None:
    from datetime import UTC, datetime

    from pipelines.chain import relevance_stage
    from pipelines.items import ArticleItem
    from pipelines.tagstore import TagWriter, relevance_columns

    before = _stored(session, row)
    # the crawl's own relevance stage, on the stored title and text
    stored = ArticleItem(source_id=row.source_id, url=row.url, html="",
                         fetched_at=datetime.now(UTC), title=row.title, text=row.text or "",
                         language=row.language)
    c = relevance_stage(stored, threshold=threshold, rules=rules)
    after = Stored(c.relevant, c.score, frozenset(c.topics),
                   frozenset(r.id for r in c.regions),
                   frozenset(o.id for o in c.organisations))
    totals["scored"] += 1
    change = describe(before, after)
    if change:
        totals["changed"] += 1
        totals["now_relevant"] += after.relevant and not before.relevant
        totals["no_longer"] += before.relevant and not after.relevant
        title = (row.title or "")[:60]
        click.echo(f"#{row.id} {row.source_id}: {change} | {title}")
    for name, value in relevance_columns(c).items():
        setattr(row, name, value)
    writer = session.info.setdefault("civmon_tags", TagWriter(session))
    writer.write(row.id, c)
