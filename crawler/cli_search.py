"""``civmon search``: full-text search of the stored articles with Russian morphology.

The query language and the shadow index are pipelines/search_index.py; this
module builds the SQL (one statement over ``article_search`` joined to
``articles`` and ``sources``, values inlined, so that the sqlite3 shell, pandas or
Datasette run what ``--sql`` prints as it stands; civmon itself first runs a faster
statement that gives the same rows whenever enough of the best matches pass the
filters, and the printed one otherwise),
prints the hits with a marked snippet of the original text, and rebuilds the
index (``--reindex``).  Opens the database read-only except for ``--reindex``.
SQLite only: PostgreSQL has no ``article_search`` table.  Reads no settings.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from datetime import date, timedelta
from typing import Any

import click

COLUMNS = ("id", "published_at", "source_id", "country", "language", "title", "url", "score",
           "duplicate_of", "story_id", "snippet")


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(values: list[str]) -> str:
    return "(" + ", ".join(_quote(v) for v in values) + ")"


def build_sql(match: str, *, since: date | None = None, until: date | None = None,
              sources: tuple[str, ...] = (), countries: tuple[str, ...] = (),
              topics: tuple[str, ...] = (), regions: tuple[str, ...] = (),
              relevant_only: bool = True, originals_only: bool = False,
              limit: int = 20, best: int | None = None) -> str:
    """The search statement with every value inlined (runs as it stands in sqlite3).

    Hits are ordered by bm25 (title weighted), equal scores by id.  Without ``best``: the
    exact statement (``--sql`` prints it).  FTS5's ``rank`` column is bm25 with the
    weights, so FTS5 hands the matches over best first (it scores them all and sorts
    their rowids itself, ties in rowid order) and the joins and filters run on the first
    matches only, until the LIMIT; ``ORDER BY bm25(...)`` instead would read every match's
    ``articles`` row and sort them all (at 1M rows, tens of thousands per word).

    With ``best=K``: the ``K`` best matches only, taken with a bounded sort (a heap of
    ``K``: no sort of every match), then joined and filtered.  The same rows as the exact
    statement whenever at least ``limit`` of those ``K`` pass the filters (or there are
    no more than ``K`` matches); ``run_search`` checks that and runs the exact statement
    otherwise."""
    from pipelines.search_index import TITLE_WEIGHT

    conds = []
    # published_at is ISO text: string order is time order, a day-only value is in its day
    if since:
        conds.append(f"a.published_at >= {_quote(since.isoformat())}")
    if until:
        conds.append(f"a.published_at < {_quote((until + timedelta(days=1)).isoformat())}")
    if sources:
        conds.append(f"a.source_id IN {_in(list(sources))}")
    if countries:
        conds.append(f"s.country IN {_in([c.upper() for c in countries])}")
    if topics:
        conds.append("a.id IN (SELECT article_id FROM article_topics WHERE topic_id IN "
                     f"{_in(list(topics))})")
    if regions:  # a region id or its ISO code; cities count for their region (via parent rows)
        conds.append("a.id IN (SELECT ar.article_id FROM article_regions ar JOIN regions r "
                     f"ON r.id = ar.region_id WHERE r.id IN {_in(list(regions))} "
                     f"OR r.iso_code IN {_in([r.upper() for r in regions])})")
    if relevant_only:
        conds.append("a.relevant = 1")
    if originals_only:
        conds.append("a.duplicate_of IS NULL")
    # no snippet() column: FTS5's is cut from the shadow (base forms); civmon cuts its
    # snippet from the original text
    columns = ("SELECT a.id, a.published_at, a.source_id, s.country, a.language, a.title, "
               "a.url,\n       round({score}, 3) AS score, a.duplicate_of, a.story_id\n")
    if best is None:
        where = "\n  AND ".join([f"article_search MATCH {_quote(match)}",
                                 f"article_search.rank MATCH 'bm25({TITLE_WEIGHT}, 1.0)'",
                                 *conds])
        return (columns.format(score="article_search.rank")
                + "FROM article_search\n"
                "JOIN articles a ON a.id = article_search.rowid\n"
                "JOIN sources s ON s.id = a.source_id\n"
                f"WHERE {where}\n"
                "ORDER BY article_search.rank\n"
                f"LIMIT {int(limit)};")
    where = ("WHERE " + "\n  AND ".join(conds) + "\n") if conds else ""
    return (columns.format(score="m.score")
            + f"FROM (SELECT rowid AS id, bm25(article_search, {TITLE_WEIGHT}, 1.0) AS score\n"
            f"      FROM article_search WHERE article_search MATCH {_quote(match)}\n"
            f"      ORDER BY score, rowid LIMIT {int(best)}) AS m\n"
            "JOIN articles a ON a.id = m.id\n"
            "JOIN sources s ON s.id = a.source_id\n"
            f"{where}"
            "ORDER BY m.score, m.id\n"
            f"LIMIT {int(limit)};")


def best_window(limit: int) -> int:
    """How many of the best matches ``run_search`` takes first: ten hits' worth of room
    for the filters (by default only relevant articles are shown), at least 200."""
    return max(10 * limit, 200)


def _known(conn, table: str, column: str, values: tuple[str, ...], what: str,
           fold=str) -> None:
    if not values:
        return
    present = [r[0] for r in conn.exec_driver_sql(
        f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY 1")]
    missing = [v for v in values if fold(v) not in present]
    if missing:
        shown = ", ".join(present[:30]) + (" …" if len(present) > 30 else "")
        click.echo(f"civmon: warning: no {what} {', '.join(missing)} in the database "
                   f"(present: {shown or 'none'})", err=True)


def warn_unknown(conn, sources=(), countries=(), topics=()) -> None:
    """A warning naming the ids present for each --source/--country/--topic the database
    does not have (a filter on a typo would silently give nothing)."""
    _known(conn, "articles", "source_id", tuple(sources), "source")
    _known(conn, "sources", "country", tuple(countries), "country", str.upper)
    _known(conn, "topics", "id", tuple(topics), "topic")


def present_match(query: Any, execute: Any) -> str | None:
    """``query``'s MATCH with only the alternatives some article contains (None: no article
    can match).  A lexicon term stands for phrases in several languages, most absent from
    a given database: they match nothing and add 0 to every bm25 score, but FTS5 would
    still test each at every match.  ``execute(sql, params)`` is a DB-API connection's
    ``execute`` or SQLAlchemy's ``exec_driver_sql``."""
    from pipelines.search_index import phrase_fts

    present = {seq for seq in query.alternatives() if execute(
        "SELECT 1 FROM article_search WHERE article_search MATCH ? LIMIT 1",
        (phrase_fts(seq),)).fetchone()}
    return query.live_match(present.__contains__)


def run_search(engine, query_text: str, sql_kwargs: dict[str, Any], *,
               synonyms: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse, build and run a search; returns the SQL and the hits (with snippets)."""
    from pipelines.search_index import parse, snippet

    query = parse(query_text, synonyms=synonyms)
    match = query.match()
    sql = build_sql(match, **sql_kwargs)
    sequences = query.sequences()
    limit = int(sql_kwargs.get("limit", 20))
    best = best_window(limit)
    with engine.connect() as conn:
        # one read transaction: the statements below see the same articles
        conn.exec_driver_sql("BEGIN")
        live = present_match(query, conn.exec_driver_sql)
        rows = []
        if live is not None:
            # the best matches first (a bounded sort); if the filters leave fewer than
            # --limit of them while more matches exist, the exact statement (--sql's)
            rows = conn.exec_driver_sql(build_sql(live, **sql_kwargs, best=best)).fetchall()
            if len(rows) < limit and conn.exec_driver_sql(
                    "SELECT count(*) FROM article_search WHERE article_search MATCH ?",
                    (live,)).scalar_one() > best:
                rows = conn.exec_driver_sql(sql).fetchall()
        ids = [r[0] for r in rows]
        texts = {}
        if ids:
            texts = {r[0]: (r[1], r[2]) for r in conn.exec_driver_sql(
                "SELECT id, text, language FROM articles WHERE id IN ("
                + ", ".join(str(i) for i in ids) + ")")}
    hits = []
    for r in rows:
        text, lang = texts.get(r[0], (None, None))
        snip = snippet(text, lang, sequences)
        hits.append(dict(zip(COLUMNS, (*r[:10], snip), strict=True)))
    return sql, hits


def register(cli: click.Group, context: dict, db_option, open_readonly, user_error,
             article_filters) -> None:
    """Add ``civmon search`` to the click group (called from crawler/cli.py)."""

    @cli.command(context_settings=context)
    @click.argument("words", nargs=-1, metavar="QUERY")
    @article_filters
    @click.option("--topic", "topics", multiple=True, metavar="ID",
                  help="Only articles with this topic (ids: docs/relevance.md; repeatable).")
    @click.option("--region", "regions", multiple=True, metavar="ID|ISO",
                  help="Only articles naming this region or a place in it (regions.id or "
                       "ISO 3166-2 code such as KZ-39; repeatable).")
    @click.option("--all", "include_all", is_flag=True,
                  help="Also articles that are not civil-society news (relevant = 0).")
    @click.option("--originals", "originals_only", is_flag=True,
                  help="Leave out copies (rows with duplicate_of set).")
    @click.option("--exact", is_flag=True,
                  help="No lexicon synonyms: only the query's own words (still inflected).")
    @click.option("--limit", type=click.IntRange(1), default=20, show_default=True,
                  help="At most this many hits, best first.")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]),
                  default="table", show_default=True, help="Output format.")
    @click.option("--sql", "show_sql", is_flag=True,
                  help="Print the SQL (runs as it stands in sqlite3) instead of running it.")
    @click.option("--reindex", is_flag=True,
                  help="Rebuild the search index of the database from its articles.")
    @db_option
    def search(words, since, until, sources, countries, topics, regions, include_all,
               originals_only, exact, limit, fmt, show_sql, reindex, db) -> None:
        """Search titles and texts, every inflected form of a word included.

        Words are ANDed; "a phrase" in double quotes; a OR b; NOT word (or -word,
        inside a quoted QUERY).
        A word the relevance lexicon knows as a term also finds the term's other
        phrases in its alphabet (НПО finds "неправительственных организаций";
        --exact turns this off).  Best hits first (bm25, the title weighted).
        Only civil-society news unless --all.  SQLite only.

        \b
        Examples:
          civmon search грант
          civmon search '"общественный совет" OR НПО NOT спорт' --country KZ --format csv
          civmon search волонтёр --sql | sqlite3 data/civmon.sqlite
          civmon search --reindex --db data/civmon.sqlite
        """
        from pipelines.search_index import QueryError

        query = " ".join(words)  # `civmon search гранты для НПО` needs no quotes
        if reindex:
            if query:
                raise user_error("--reindex takes no QUERY")
            _reindex(db, user_error)
            return
        if not query:
            raise user_error("QUERY is missing (example: civmon search грант)")
        if since and until and since > until:
            raise user_error(f"--since {since} is after --until {until}")
        from pipelines.search_index import parse

        try:
            match = parse(query, synonyms=not exact).match()
        except QueryError as exc:
            raise user_error(f"query {query!r}: {exc}") from None
        engine = open_readonly(db)
        if engine.dialect.name != "sqlite":
            engine.dispose()
            raise user_error("search needs a SQLite database (the full-text index is SQLite "
                             "FTS5); export from PostgreSQL with civmon export --query")
        kwargs = dict(since=since, until=until, sources=sources, countries=countries,
                      topics=topics, regions=regions, relevant_only=not include_all,
                      originals_only=originals_only, limit=limit)
        if show_sql:
            click.echo(build_sql(match, **kwargs))
            engine.dispose()
            return
        try:
            with engine.connect() as conn:
                warn_unknown(conn, sources, countries, topics)
            _sql, hits = run_search(engine, query, kwargs, synonyms=not exact)
        finally:
            engine.dispose()
        _print(hits, fmt)
        if fmt == "table":
            click.echo(f"{len(hits)} hit{'s' if len(hits) != 1 else ''}"
                       + (f" (--limit {limit})" if len(hits) == limit else ""), err=True)


def _reindex(db: str | None, user_error) -> None:
    from models.db import DatabaseError, open_engine
    from pipelines.search_index import has_index, rebuild

    try:
        engine = open_engine(db)
    except DatabaseError as exc:
        raise user_error(str(exc)) from None
    try:
        started = time.monotonic()
        with engine.begin() as conn:
            if not has_index(conn):
                raise user_error("search needs a SQLite database (the full-text index is "
                                 "SQLite FTS5)")
            n = rebuild(conn)
        secs = time.monotonic() - started
        click.echo(f"{n} articles indexed in {secs:.1f} s", err=True)
    finally:
        engine.dispose()


def _print(hits: list[dict[str, Any]], fmt: str) -> None:
    out = sys.stdout
    if fmt == "jsonl":
        for h in hits:
            out.write(json.dumps(h, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(hits)
    else:
        for n, h in enumerate(hits, 1):
            day = (h["published_at"] or "undated")[:10]
            copy = f"  (copy of {h['duplicate_of']})" if h["duplicate_of"] else ""
            click.echo(f"{n:>3}. {day}  {h['source_id']}  #{h['id']}  {h['title']}{copy}")
            click.echo(f"     {h['snippet']}")
