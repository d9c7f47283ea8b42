"""``civmon serve``: the SQLite database in Datasette, read-only, on loopback.

Datasette is an optional extra (``pip install -e '.[serve]'``); without it the
command says so in one line.  ``datasette_app`` builds the app: the database
opened read-only (Datasette's ``mode=ro``; no write queries are defined),
metadata (titles, column notes, licence and source notes), facets, canned
queries (search, this week's NGO news, reprint chains, stories with more than
three outlets) and two SQL functions so that the morphology search of
``civmon search`` works inside Datasette too:

* ``civmon_match(q)`` — the FTS5 MATCH expression of a civmon query
  (``WHERE article_search MATCH civmon_match(:q)``);
* ``civmon_snippet(text, language, q)`` — the marked snippet of the original text.

Reads no settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

COLUMN_NOTES = {
    "id": "integer key",
    "source_id": "the outlet (sources.id)",
    "url": "the URL the page was served from",
    "canonical_url": "normalised URL, one row per article",
    "title": "headline", "text": "clean article text",
    "language": "ISO 639-1, detected from the text",
    "published_at": "UTC YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD (the source's local day) when "
                    "only the day is known",
    "published_day": "YYYY-MM-DD: the day of publication in the source's own time zone "
                     "(count per day by this)",
    "date_precision": "day, minute or second",
    "duplicate_of": "id of the original this text reprints; empty for an original",
    "similarity": "Jaccard similarity of a copy's word 3-shingles with its original",
    "relevant": "1 for civil-society news, 0 for the rest",
    "topics": "topic ids, comma-separated (docs/relevance.md)",
    "relevance_score": "civil-society score (relevant from 6)",
    "story_id": "the same value for articles reporting the same event",
    "attributed_to": "who supplied the text", "state_supplied": "1 for state-supplied material",
    "author": "byline, when the page has one",
    "published_raw": "the date string the value came from, as printed",
    "date_source": "where the date came from: jsonld, meta, time, text, feed, url, ...",
    "fetched_at": "when the page was fetched (UTC)",
    "content_hash": "hash of the normalised text: equal hashes = the same text",
    "relevance_terms": "JSON list of the terms that counted: [term, field, start, end, text]",
    "supplier": "the body that supplied state-supplied material",
    "discovered_via": "feed, sitemap or listing", "crawl_run_id": "the run that stored the row",
    "alternate_urls": "canonical URLs of this page in other languages, space-separated",
}

SEARCH_SQL = """SELECT a.id, a.published_at, a.source_id, a.title,
       civmon_snippet(a.text, a.language, :q) AS snippet,
       round(article_search.rank, 2) AS score, a.url
FROM article_search JOIN articles a ON a.id = article_search.rowid
WHERE article_search MATCH civmon_match(:q) AND article_search.rank MATCH 'bm25(4.0, 1.0)'
  AND a.relevant = 1
ORDER BY article_search.rank LIMIT 100"""

QUERIES = {
    "search": {
        "title": "Search (every inflected form; НПО finds неправительственных организаций)",
        "description": 'Words are ANDed; "a phrase"; a OR b; NOT word. The same search as '
                       "civmon search (docs/search.md).",
        "sql": SEARCH_SQL,
    },
    "this_weeks_ngo_news": {
        "title": "This week's NGO news",
        "description": "Civil-society originals of the last 7 days (the source's local days) "
                       "up to the newest article in the database.",
        "sql": """SELECT a.published_day, a.published_at, a.source_id, a.title, a.topics, a.url
FROM articles a
WHERE a.relevant = 1 AND a.duplicate_of IS NULL
  AND a.published_day > date((SELECT max(published_day) FROM articles), '-7 days')
ORDER BY a.published_at DESC""",
    },
    "reprint_chains": {
        "title": "Reprint chains",
        "description": "Each original and who reprinted it, most reprinted first.",
        "sql": """SELECT original_id, original_source, title, published_at, reprint_count,
       reprinted_by
FROM reprints ORDER BY reprint_count DESC, published_at DESC""",
    },
    "big_stories": {
        "title": "Stories with more than three outlets",
        "description": "Events reported by more than three sources (more_than: another "
                       "threshold, e.g. 1 for every story told by two outlets or more).",
        "sql": """SELECT story_id, first_seen, outlets, sources, languages, articles, title
FROM stories
WHERE outlets > coalesce(cast(nullif(:more_than, '') AS INTEGER), 3)
ORDER BY outlets DESC, first_seen DESC""",
    },
    "weekly_ngo_news": {
        "title": "Civil-society news per week and country",
        "description": "Originals and all rows per ISO week (Monday first, the source's "
                       "local day), from the weekly_by_country view.",
        "sql": """SELECT week_start, country, relevant_originals, relevant, originals, articles
FROM weekly_by_country ORDER BY week_start DESC, country""",
    },
}


def view_metadata() -> dict[str, Any]:
    """Datasette table metadata of the researcher views (models/views.py)."""
    from models.views import VIEW_DOCS

    out: dict[str, Any] = {}
    for name, (description, columns) in VIEW_DOCS.items():
        entry: dict[str, Any] = {"description": description,
                                 "columns": columns or COLUMN_NOTES}
        if name.startswith("weekly_"):
            entry["sort_desc"] = "week_start"
        out[name] = entry
    out["weekly_by_source"]["facets"] = ["source_id", "country"]
    out["weekly_by_country"]["facets"] = ["country"]
    out["weekly_by_topic"]["facets"] = ["topic_id"]
    out["weekly_by_region"]["facets"] = ["level", "country"]
    out["source_health"]["facets"] = ["status", "source_id", "run_status"]
    return out


def metadata(db_name: str) -> dict[str, Any]:
    return {
        "title": "civmon — civil-society news of Azerbaijan, Kazakhstan and Central Asia",
        "description": "Articles collected by civmon from news agencies, government and "
                       "regional sites (docs/database.md describes every table and column).",
        "license": "Texts © their publishers; collected for research",
        "source": "The outlets of the sources table (their homepage column)",
        "databases": {db_name: {
            "tables": {
                "articles": {"description": "One row per article",
                             "columns": COLUMN_NOTES,
                             "facets": ["source_id", "language", "relevant", "date_precision"],
                             "sort_desc": "published_at"},
                "sources": {"description": "The outlets", "facets": ["country", "kind"]},
                "article_topics": {"description": "Topics of relevant articles",
                                   "facets": ["topic_id"]},
                "article_regions": {"description": "Regions named (or containing a named "
                                                   "place)", "facets": ["region_id", "via"]},
                "crawl_run_sources": {"description": "Source health per crawl run",
                                      "facets": ["status", "source_id"]},
                **view_metadata(),
            },
            "queries": QUERIES,
        }},
    }


class _Functions:
    """The Datasette plugin registering civmon's SQL functions on each connection."""

    @staticmethod
    def prepare_connection(conn, database, datasette) -> None:
        from pipelines.search_index import parse, snippet

        def match(q: str | None) -> str:
            return parse(q or "").match()

        def snip(text: str | None, language: str | None, q: str | None) -> str:
            return snippet(text, language, parse(q or "").sequences())

        conn.create_function("civmon_match", 1, match)
        conn.create_function("civmon_snippet", 3, snip)


def datasette_app(path: Path):
    """The Datasette instance for ``path`` (read-only, with metadata and canned queries)."""
    from datasette import hookimpl
    from datasette.app import Datasette
    from datasette.plugins import pm

    name = "civmon_functions"
    if pm.get_plugin(name) is None:
        _Functions.prepare_connection = hookimpl(_Functions.prepare_connection)
        pm.register(_Functions, name=name)
    return Datasette([str(path)], metadata=metadata(path.stem),
                     settings={"sql_time_limit_ms": 5000})


def register(cli: click.Group, context: dict, db_option, user_error) -> None:
    """Add ``civmon serve`` to the click group (called from crawler/cli.py)."""

    @cli.command(context_settings=context)
    @db_option
    @click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
                  help="Port to listen on (0: any free port).")
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on; the default is this machine only.")
    def serve(db, port, host) -> None:
        """Open the database in Datasette (read-only), with search and canned queries.

        Needs the optional extra: pip install -e '.[serve]'.

        \b
        Example:
          civmon demo && civmon serve          # then open http://127.0.0.1:8001/
        """
        from models.db import DatabaseError, database_url, open_readonly, sqlite_path

        try:
            url = database_url(db)
        except DatabaseError as exc:
            raise user_error(str(exc)) from None
        path = sqlite_path(url)
        if path is None:
            raise user_error("civmon serve needs a SQLite database (Datasette reads SQLite)")
        try:
            open_readonly(db).dispose()  # exists, is a database, schema at this civmon's head
        except DatabaseError as exc:
            raise user_error(str(exc)) from None
        try:
            import uvicorn

            app = datasette_app(path)
        except ImportError:
            raise user_error("civmon serve needs Datasette: pip install -e '.[serve]'"
                             ) from None
        if port == 0:  # choose it here, so that the address printed is the real one
            import socket

            with socket.socket() as sock:
                sock.bind((host, 0))
                port = sock.getsockname()[1]
        click.echo(f"Serving {path} read-only at http://{host}:{port}/ (Ctrl-C stops)",
                   err=True)
        uvicorn.run(app.app(), host=host, port=port, log_level="warning")
