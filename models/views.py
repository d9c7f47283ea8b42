"""The researcher views (docs/database.md documents each, column by column).

``originals``, ``relevant_originals``, ``reprints``, ``stories``, the weekly
volumes ``weekly_by_country``, ``weekly_by_source``, ``weekly_by_topic``,
``weekly_by_region`` (ISO weeks, Monday first, of ``published_day``) and
``source_health`` (one row per crawl run and source).

Views are not tables: Alembic does not track them, and SQLite refuses to
rename a table that a view names (which is how a batch migration rebuilds
``articles``).  So ``models.db.upgrade`` drops these views before running
pending migrations and creates them again afterwards, and migration 0003
creates them the first time.  One definition per view here, spelled for the
connection's dialect (SQLite's ``group_concat`` is PostgreSQL's ``string_agg``).
A view is created only when the tables and columns it reads exist (an
upgrade that stops at an older revision gets the views of that revision).
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

VIEWS = ("originals", "relevant_originals", "reprints", "stories", "weekly_by_country",
         "weekly_by_source", "weekly_by_topic", "weekly_by_region", "source_health")

#: What each view reads beyond ``articles``' first columns: table -> columns needed.
NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "weekly_by_country": {"articles": ("published_day",), "sources": ()},
    "weekly_by_source": {"articles": ("published_day",), "sources": ()},
    "weekly_by_topic": {"articles": ("published_day",), "article_topics": (), "topics": ()},
    "weekly_by_region": {"articles": ("published_day",), "article_regions": (),
                         "regions": ()},
    "source_health": {"crawl_run_sources": ("extract_empty",), "crawl_runs": (),
                      "sources": ()},
}

_RUN_COUNTS = ("discovered", "fetched", "failed", "extracted", "stored", "duplicates",
               "undated", "skipped_known", "skipped_robots", "skipped_dead", "not_modified",
               "too_large", "extract_empty", "revised", "taken_down")


def _agg(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"string_agg(DISTINCT {column}, ',' ORDER BY {column})"
    return f"group_concat(DISTINCT {column})"


def _week(dialect: str, day: str) -> str:
    """The Monday (ISO week start) of a 'YYYY-MM-DD' text, as 'YYYY-MM-DD' text."""
    if dialect == "postgresql":
        return f"to_char(date_trunc('week', CAST({day} AS date)), 'YYYY-MM-DD')"
    return f"date({day}, '-6 days', 'weekday 1')"


def _share(part: str, whole: str) -> str:
    return f"CASE WHEN {whole} > 0 THEN ROUND(1.0 * ({part}) / ({whole}), 3) END"


def view_sql(dialect: str) -> dict[str, str]:
    week = _week(dialect, "a.published_day")
    runs = ", ".join(f"c.{n} AS {n}" for n in _RUN_COUNTS)
    return {
        "originals": "SELECT * FROM articles WHERE duplicate_of IS NULL",
        "relevant_originals":
            "SELECT * FROM articles WHERE duplicate_of IS NULL AND relevant = 1",
        "reprints": f"""
SELECT o.id AS original_id, o.source_id AS original_source, o.title AS title,
       o.published_at AS published_at, COUNT(c.id) AS reprint_count,
       {_agg(dialect, 'c.source_id')} AS reprinted_by
FROM articles o JOIN articles c ON c.duplicate_of = o.id
GROUP BY o.id, o.source_id, o.title, o.published_at""",
        "stories": f"""
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
        "weekly_by_country": f"""
SELECT w.week_start AS week_start, w.country AS country, COUNT(*) AS articles,
       SUM(w.original) AS originals, SUM(w.rel) AS relevant,
       SUM(w.rel * w.original) AS relevant_originals,
       COUNT(DISTINCT w.source_id) AS outlets
FROM (SELECT {week} AS week_start, s.country AS country, a.source_id AS source_id,
             CASE WHEN a.duplicate_of IS NULL THEN 1 ELSE 0 END AS original,
             CASE WHEN a.relevant = 1 THEN 1 ELSE 0 END AS rel
      FROM articles a JOIN sources s ON s.id = a.source_id
      WHERE a.published_day IS NOT NULL) w
GROUP BY w.week_start, w.country""",
        "weekly_by_source": f"""
SELECT w.week_start AS week_start, w.source_id AS source_id, w.country AS country,
       COUNT(*) AS articles, SUM(w.original) AS originals, SUM(w.rel) AS relevant,
       SUM(w.rel * w.original) AS relevant_originals
FROM (SELECT {week} AS week_start, a.source_id AS source_id, s.country AS country,
             CASE WHEN a.duplicate_of IS NULL THEN 1 ELSE 0 END AS original,
             CASE WHEN a.relevant = 1 THEN 1 ELSE 0 END AS rel
      FROM articles a JOIN sources s ON s.id = a.source_id
      WHERE a.published_day IS NOT NULL) w
GROUP BY w.week_start, w.source_id, w.country""",
        "weekly_by_topic": f"""
SELECT w.week_start AS week_start, w.topic_id AS topic_id, w.topic AS topic,
       COUNT(*) AS articles, SUM(w.original) AS originals,
       COUNT(DISTINCT w.source_id) AS outlets
FROM (SELECT {week} AS week_start, t.id AS topic_id, t.name AS topic,
             a.source_id AS source_id,
             CASE WHEN a.duplicate_of IS NULL THEN 1 ELSE 0 END AS original
      FROM article_topics tg JOIN articles a ON a.id = tg.article_id
      JOIN topics t ON t.id = tg.topic_id
      WHERE a.published_day IS NOT NULL) w
GROUP BY w.week_start, w.topic_id, w.topic""",
        "weekly_by_region": f"""
SELECT w.week_start AS week_start, w.region_id AS region_id, w.region AS region,
       w.level AS level, w.country AS country, COUNT(*) AS articles,
       SUM(w.original) AS originals, SUM(w.rel) AS relevant,
       SUM(w.rel * w.original) AS relevant_originals
FROM (SELECT {week} AS week_start, r.id AS region_id, r.name AS region,
             r.level AS level, r.country AS country,
             CASE WHEN a.duplicate_of IS NULL THEN 1 ELSE 0 END AS original,
             CASE WHEN a.relevant = 1 THEN 1 ELSE 0 END AS rel
      FROM article_regions ar JOIN articles a ON a.id = ar.article_id
      JOIN regions r ON r.id = ar.region_id
      WHERE a.published_day IS NOT NULL) w
GROUP BY w.week_start, w.region_id, w.region, w.level, w.country""",
        "source_health": f"""
SELECT c.run_id AS run_id, r.started_at AS started_at, r.finished_at AS finished_at,
       r.status AS run_status, c.source_id AS source_id, s.name AS source_name,
       s.country AS country, c.status AS status, c.error AS error, c.alerts AS alerts,
       {runs},
       {_share('c.failed', 'c.fetched + c.failed')} AS failed_share,
       {_share('c.fetched - c.extract_empty', 'c.fetched')} AS text_share,
       {_share('c.stored - c.undated', 'c.stored')} AS dated_share
FROM crawl_run_sources c JOIN crawl_runs r ON r.id = c.run_id
LEFT JOIN sources s ON s.id = c.source_id""",
    }


def drop_views(conn: Connection) -> None:
    for name in reversed(VIEWS):
        conn.execute(text(f"DROP VIEW IF EXISTS {name}"))


def _ready(conn: Connection, name: str) -> bool:
    """Whether the tables and columns ``name`` reads exist on ``conn``."""
    needs = NEEDS.get(name)
    if not needs:
        return True
    insp = inspect(conn)
    for table, columns in needs.items():
        if not insp.has_table(table):
            return False
        have = {c["name"] for c in insp.get_columns(table)}
        if not set(columns) <= have:
            return False
    return True


def create_views(conn: Connection) -> None:
    for name, sql in view_sql(conn.dialect.name).items():
        if _ready(conn, name):
            conn.execute(text(f"CREATE VIEW {name} AS {sql}"))


_WEEKLY = {
    "week_start": "Monday of the ISO week (YYYY-MM-DD) of published_day, the source's local "
                  "day; undated articles are in no week",
    "articles": "rows published that week, copies included",
    "originals": "of them, originals (duplicate_of IS NULL)",
    "relevant": "of them, civil-society news (relevant = 1)",
    "relevant_originals": "civil-society originals",
}

#: What each view holds and what each of its columns means (Datasette metadata;
#: docs/database.md says the same at length, with an example query each).
VIEW_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "originals": ("One row per original text (duplicate_of IS NULL): every articles "
                  "column", {}),
    "relevant_originals": ("Civil-society originals (relevant = 1, duplicate_of IS NULL): "
                           "every articles column", {}),
    "reprints": ("One row per original reprinted at least once", {
        "original_id": "articles.id of the original",
        "original_source": "source_id of the original",
        "title": "the original's title", "published_at": "the original's published_at",
        "reprint_count": "copies stored (rows whose duplicate_of is the original)",
        "reprinted_by": "source ids of the copies, comma-separated, each once"}),
    "stories": ("One row per event (story)", {
        "story_id": "the story (articles.id of its first stored article)",
        "first_seen": "earliest published_at of its articles (fetched_at when undated)",
        "articles": "rows in the story, copies included",
        "originals": "of them, originals", "outlets": "distinct sources",
        "sources": "their ids, comma-separated", "languages": "languages, comma-separated",
        "title": "title of the story's first stored article"}),
    "weekly_by_country": ("Articles per ISO week (Monday first, source's local day) and "
                          "country of the outlet", {
        "week_start": _WEEKLY["week_start"],
        "country": "sources.country of the outlet (ISO 3166-1 alpha-2)",
        **{k: v for k, v in _WEEKLY.items() if k != "week_start"},
        "outlets": "distinct sources with a row that week"}),
    "weekly_by_source": ("Articles per ISO week (Monday first, source's local day) and "
                         "source", {
        "week_start": _WEEKLY["week_start"], "source_id": "the outlet", "country": "its country",
        **{k: v for k, v in _WEEKLY.items() if k != "week_start"}}),
    "weekly_by_topic": ("Civil-society articles per ISO week and topic (article_topics: an "
                        "article counts once in each of its topics)", {
        "week_start": _WEEKLY["week_start"], "topic_id": "topics.id", "topic": "topics.name",
        "articles": "rows tagged with the topic that week, copies included",
        "originals": "of them, originals", "outlets": "distinct sources"}),
    "weekly_by_region": ("Articles per ISO week and region named (article_regions: a city "
                         "counts for the region and country containing it too)", {
        "week_start": _WEEKLY["week_start"], "region_id": "regions.id", "region": "regions.name",
        "level": "country / region / city / district", "country": "the region's country",
        **{k: v for k, v in _WEEKLY.items() if k != "week_start"}}),
    "source_health": ("One row per crawl run and source: its counts and shares", {
        "run_id": "crawl_runs.id", "started_at": "when the run started (UTC)",
        "finished_at": "when it finished (NULL while running)",
        "run_status": "crawl_runs.status", "source_id": "the source",
        "source_name": "sources.name", "country": "sources.country",
        "status": "ok / broken / empty (this source in this run)",
        "error": "why the source counts as broken", "alerts": "health alerts, '; '-separated",
        **{n: f"crawl_run_sources.{n}" for n in _RUN_COUNTS},
        "failed_share": "failed / (fetched + failed), 3 decimals; NULL when nothing requested",
        "text_share": "(fetched - extract_empty) / fetched: pages with article text",
        "dated_share": "(stored - undated) / stored: new articles with a date"}),
}
