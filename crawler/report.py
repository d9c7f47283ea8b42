"""The ``civmon report`` builder: one self-contained HTML file of charts and their tables.

Every number comes from SQL that aggregates in the database (GROUP BY); Python
only sums per-day rows into weeks and draws.  The matching articles (the
filters of ``civmon export``: relevant only unless ``--all``) are selected once
into ``report_articles`` (on SQLite a temporary table, which a read-only
connection may create; elsewhere a common table expression), and each chart's
table is one aggregate over it.  Each table in the page carries its SQL in the
runnable ``WITH report_articles AS (...)`` form (docs/report.md lists them).

Charts are inline SVG drawn here (deterministic, no JavaScript needed, no
external library): stacked columns per week for country, source and topic,
horizontal bars for organisations, regions and stories, each mark with an SVG
``<title>`` giving its value.  The only script is the "Copy as TSV" button of
each table.  Nothing in the page refers to another file or host.

Imports SQLAlchemy only (no Scrapy); reads no settings.
"""

from __future__ import annotations

import html
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

#: Series drawn per stacked chart; the rest is summed into "other".
MAX_SERIES = 10
#: Rows of the top-N tables (organisations, regions, stories).
TOP_N = 20
TOP_STORIES = 15
#: More week columns than this and the chart counts per month (then per year).
MAX_BUCKETS = 160
#: Okabe-Ito (colour-blind safe) and two more; "other" is grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000", "#8C564B", "#17BECF")
OTHER_COLOUR = "#BBBBBB"
OTHER = "other"


@dataclass
class ReportFilter:
    """Which articles the report counts (the same meaning as export's filters)."""

    since: date | None = None
    until: date | None = None
    sources: Sequence[str] = ()
    countries: Sequence[str] = ()
    relevant_only: bool = True
    originals_only: bool = False

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) pairs for the page header."""
        return [
            ("Published", _period(self.since, self.until)),
            ("Sources", ", ".join(self.sources) or "all"),
            ("Countries", ", ".join(c.upper() for c in self.countries) or "all"),
            ("Articles", "civil-society news only (relevant = 1)" if self.relevant_only
             else "all articles (--all)"),
            ("Copies", "left out (--originals)" if self.originals_only
             else "included (each outlet's publication counts)"),
        ]


def _period(since: date | None, until: date | None) -> str:
    if since and until:
        return f"{since} to {until}"
    if since:
        return f"on or after {since}"
    if until:
        return f"on or before {until}"
    return "any date"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(_quote(v) for v in values) + ")"


def selection_sql(f: ReportFilter) -> str:
    """The SELECT of the articles the report counts, values inlined."""
    conds = []
    # published_at is ISO text: string order is time order, a day-only value is in its day
    if f.since:
        conds.append(f"a.published_at >= {_quote(f.since.isoformat())}")
    if f.until:
        conds.append(f"a.published_at < {_quote((f.until + timedelta(days=1)).isoformat())}")
    if f.sources:
        conds.append(f"a.source_id IN {_in(list(f.sources))}")
    if f.countries:
        conds.append(f"s.country IN {_in([c.upper() for c in f.countries])}")
    if f.relevant_only:
        conds.append("a.relevant = 1")
    if f.originals_only:
        conds.append("a.duplicate_of IS NULL")
    where = ("\nWHERE " + "\n  AND ".join(conds)) if conds else ""
    return ("SELECT a.id, a.source_id, s.country,\n"
            "       COALESCE(a.published_day, substr(a.published_at, 1, 10)) AS day,\n"
            "       a.story_id, a.duplicate_of\n"
            "FROM articles a JOIN sources s ON s.id = a.source_id" + where)


#: One aggregate per table of the page, over ``report_articles`` (id, source_id,
#: country, day, story_id, duplicate_of).  Per-day rows are summed into weeks in Python.
QUERIES: dict[str, str] = {
    "totals": """SELECT COUNT(*) AS articles,
       COALESCE(SUM(CASE WHEN duplicate_of IS NULL THEN 1 ELSE 0 END), 0) AS originals,
       COUNT(DISTINCT source_id) AS outlets, COUNT(DISTINCT country) AS countries,
       COUNT(DISTINCT story_id) AS stories,
       COALESCE(SUM(CASE WHEN day IS NULL THEN 1 ELSE 0 END), 0) AS undated,
       MIN(day) AS first_day, MAX(day) AS last_day
FROM report_articles""",
    "country": """SELECT day, country AS series, COUNT(*) AS articles
FROM report_articles WHERE day IS NOT NULL
GROUP BY day, country""",
    "source": """SELECT day, source_id AS series, COUNT(*) AS articles
FROM report_articles WHERE day IS NOT NULL
GROUP BY day, source_id""",
    "topic": """SELECT r.day, t.topic_id AS series, COUNT(*) AS articles
FROM article_topics t JOIN report_articles r ON r.id = t.article_id
WHERE r.day IS NOT NULL
GROUP BY r.day, t.topic_id""",
    "organisations": f"""SELECT o.id, o.name, o.kind, COUNT(*) AS articles,
       COUNT(DISTINCT r.source_id) AS outlets
FROM article_organisations ao
JOIN report_articles r ON r.id = ao.article_id
JOIN organisations o ON o.id = ao.organisation_id
GROUP BY o.id, o.name, o.kind
ORDER BY articles DESC, outlets DESC, o.id
LIMIT {TOP_N}""",
    "regions": f"""SELECT g.id, g.name, g.level, g.country, g.iso_code, COUNT(*) AS articles,
       COUNT(DISTINCT r.source_id) AS outlets
FROM article_regions ar
JOIN report_articles r ON r.id = ar.article_id
JOIN regions g ON g.id = ar.region_id
WHERE g.level <> 'country'
GROUP BY g.id, g.name, g.level, g.country, g.iso_code
ORDER BY articles DESC, outlets DESC, g.id
LIMIT {TOP_N}""",
    "stories": f"""SELECT story_id, COUNT(DISTINCT source_id) AS outlets, COUNT(*) AS articles,
       COUNT(DISTINCT country) AS countries, MIN(day) AS first_day, MAX(day) AS last_day
FROM report_articles WHERE story_id IS NOT NULL
GROUP BY story_id HAVING COUNT(*) > 1
ORDER BY outlets DESC, articles DESC, story_id
LIMIT {TOP_STORIES}""",
}


def runnable_sql(f: ReportFilter, name: str) -> str:
    """``QUERIES[name]`` as it stands in sqlite3, psql or pandas (the selection as a CTE)."""
    return f"WITH report_articles AS (\n{selection_sql(f)}\n)\n{QUERIES[name]};"


@dataclass
class Report:
    """Everything the page shows, gathered by :func:`gather`."""

    flt: ReportFilter
    totals: dict[str, Any]
    series: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    stories: list[dict[str, Any]] = field(default_factory=list)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    generated_at: str = ""
    version: str = ""
    title: str = "Civil-society news report"


class _Runner:
    """Runs the aggregates, over a temporary table on SQLite, a CTE elsewhere.

    On SQLite the INSERT into the temporary table opens the transaction the later
    queries read in, so all of them see one snapshot (a crawl may be writing)."""

    def __init__(self, conn: Connection, f: ReportFilter) -> None:
        self.conn, self.f = conn, f
        self.temp = conn.dialect.name == "sqlite"
        if self.temp:
            conn.exec_driver_sql("DROP TABLE IF EXISTS temp.report_articles")
            conn.exec_driver_sql(
                "CREATE TEMP TABLE report_articles (id INTEGER PRIMARY KEY, source_id TEXT, "
                "country TEXT, day TEXT, story_id INTEGER, duplicate_of INTEGER)")
            conn.exec_driver_sql("INSERT INTO temp.report_articles " + selection_sql(f))

    def execute(self, sql: str):
        """Run ``sql``, a query over ``report_articles``."""
        if not self.temp:
            sql = f"WITH report_articles AS (\n{selection_sql(self.f)}\n)\n{sql}"
        return self.conn.exec_driver_sql(sql)

    def rows(self, name: str) -> list[dict[str, Any]]:
        result = self.execute(QUERIES[name])
        keys = list(result.keys())
        return [dict(zip(keys, r, strict=True)) for r in result]

    def close(self) -> None:
        if self.temp:
            self.conn.exec_driver_sql("DROP TABLE IF EXISTS temp.report_articles")


def gather(engine: Engine, f: ReportFilter, *, title: str | None = None) -> Report:
    """Run the report's queries (read-only) and return what the page shows."""
    from importlib.metadata import version

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # every query from one snapshot, as on SQLite
            conn.execution_options(isolation_level="REPEATABLE READ")
        run = _Runner(conn, f)
        try:
            report = Report(flt=f, totals=run.rows("totals")[0])
            if report.totals["articles"]:
                for name in ("country", "source", "topic"):
                    report.series[name] = [(r["day"], r["series"], int(r["articles"]))
                                           for r in run.rows(name)]
                report.organisations = run.rows("organisations")
                report.regions = run.rows("regions")
                report.stories = run.rows("stories")
                _story_details(run, report.stories)
        finally:
            run.close()
        report.names = {
            "source": {r[0]: r[1] for r in conn.exec_driver_sql("SELECT id, name FROM sources")},
            "topic": {r[0]: r[1] for r in conn.exec_driver_sql("SELECT id, name FROM topics")},
            "country": {},
        }
        conn.rollback()
    report.generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report.version = version("civmon")
    if title:
        report.title = title
    return report


def _story_details(run: _Runner, stories: list[dict[str, Any]]) -> None:
    """Each story's title (of its first stored article, whose id is the story id) and
    the outlets that carried it, in the report's selection."""
    if not stories:
        return
    ids = ", ".join(str(int(s["story_id"])) for s in stories)
    titles = {r[0]: r[1] for r in run.conn.exec_driver_sql(
        f"SELECT id, title FROM articles WHERE id IN ({ids})")}
    sql = f"SELECT DISTINCT story_id, source_id FROM report_articles WHERE story_id IN ({ids})"
    outlets: dict[int, list[str]] = defaultdict(list)
    for sid, source in run.execute(sql):
        outlets[sid].append(source)
    for s in stories:
        s["title"] = titles.get(s["story_id"]) or f"story {s['story_id']}"
        s["sources"] = ", ".join(sorted(outlets.get(s["story_id"], [])))


# -- weeks ------------------------------------------------------------------------------------

def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None  # a malformed published_at is left out of the weekly charts


def bucketing(first: date, last: date) -> str:
    """'week' (Mondays), or 'month' / 'year' when weeks would be more than MAX_BUCKETS."""
    if (last - first).days // 7 + 1 <= MAX_BUCKETS:
        return "week"
    if (last.year - first.year) * 12 + last.month - first.month + 1 <= MAX_BUCKETS:
        return "month"
    return "year"


def bucket_of(day: date, unit: str) -> str:
    if unit == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if unit == "month":
        return day.strftime("%Y-%m")
    return str(day.year)


def bucket_range(first: date, last: date, unit: str) -> list[str]:
    """Every bucket from ``first`` to ``last``, empty ones included (a gap shows)."""
    out: list[str] = []
    if unit == "week":
        d = first - timedelta(days=first.weekday())
        while d <= last:
            out.append(d.isoformat())
            d += timedelta(days=7)
    elif unit == "month":
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        out = [str(y) for y in range(first.year, last.year + 1)]
    return out


@dataclass
class Stacked:
    """A per-bucket table: rows = buckets, columns = series (+ other), cells = articles."""

    unit: str
    buckets: list[str]
    keys: list[str]
    cells: dict[tuple[str, str], int]

    def total(self, bucket: str) -> int:
        return sum(self.cells.get((bucket, k), 0) for k in self.keys)


def stack(rows: list[tuple[str, str, int]], unit: str, first: date, last: date,
          max_series: int = MAX_SERIES) -> Stacked:
    """Sum per-day rows into buckets; the ``max_series`` biggest series, the rest "other"."""
    totals: dict[str, int] = defaultdict(int)
    for _, key, n in rows:
        totals[key or "?"] += n
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    keep = ranked if len(ranked) <= max_series else ranked[:max_series - 1]
    keys = keep + ([OTHER] if len(keep) < len(ranked) else [])
    cells: dict[tuple[str, str], int] = defaultdict(int)
    kept = set(keep)
    for day_text, key, n in rows:
        d = _day(day_text)
        if d is None:
            continue
        k = key or "?"
        cells[(bucket_of(d, unit), k if k in kept else OTHER)] += n
    return Stacked(unit, bucket_range(first, last, unit), keys, dict(cells))


# -- SVG --------------------------------------------------------------------------------------

def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _nice_max(value: int) -> tuple[int, int]:
    """An axis maximum >= value and its tick step (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1, 1
    step = 1
    while True:
        for m in (1, 2, 5):
            s = step * m
            if value / s <= 5:
                return -(-value // s) * s, s
        step *= 10


def _colour(i: int, key: str) -> str:
    return OTHER_COLOUR if key == OTHER else PALETTE[i % len(PALETTE)]


UNIT_LABEL = {"week": "week (starting Monday)", "month": "month", "year": "year"}


def stacked_svg(chart_id: str, title: str, st: Stacked, label: dict[str, str]) -> str:
    """Stacked columns, one per bucket; each segment has a <title> with its value."""
    w, h, left, right, top, bottom = 900, 320, 56, 12, 12, 58
    pw, ph = w - left - right, h - top - bottom
    n = max(len(st.buckets), 1)
    ymax, step = _nice_max(max((st.total(b) for b in st.buckets), default=0))
    slot = pw / n
    bar = max(slot * (0.8 if n < 60 else 1.0), 0.5)
    out = [f'<svg id="{chart_id}" class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
           f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d">',
           f'<title id="{chart_id}-t">{_e(title)}</title>',
           f'<desc id="{chart_id}-d">Articles per {st.unit}, {len(st.buckets)} {st.unit}s from '
           f'{_e(st.buckets[0] if st.buckets else "")} to '
           f'{_e(st.buckets[-1] if st.buckets else "")}; the table below has the numbers.'
           '</desc>']
    for v in range(0, ymax + 1, step):  # grid and y ticks
        y = top + ph - ph * v / ymax
        out.append(f'<line class="grid" x1="{left}" x2="{w - right}" y1="{y:.1f}" '
                   f'y2="{y:.1f}"/><text class="tick" x="{left - 6}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{v}</text>')
    every = max(1, -(-n // 12))
    for i, b in enumerate(st.buckets):
        x = left + i * slot + (slot - bar) / 2
        y = top + ph
        for j, k in enumerate(st.keys):
            v = st.cells.get((b, k), 0)
            if not v:
                continue
            hh = ph * v / ymax
            y -= hh
            out.append(f'<rect class="mark" x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" '
                       f'height="{hh:.2f}" fill="{_colour(j, k)}"><title>{_e(b)} · '
                       f'{_e(label.get(k, k))}: {v}</title></rect>')
        if i % every == 0:
            out.append(f'<text class="tick" x="{left + i * slot + slot / 2:.1f}" '
                       f'y="{top + ph + 16}" text-anchor="middle">{_e(b)}</text>')
    out.append(f'<line class="axis" x1="{left}" x2="{w - right}" y1="{top + ph}" '
               f'y2="{top + ph}"/><line class="axis" x1="{left}" x2="{left}" y1="{top}" '
               f'y2="{top + ph}"/>')
    out.append(f'<text class="label" x="{left + pw / 2:.0f}" y="{h - 8}" '
               f'text-anchor="middle">{_e(UNIT_LABEL[st.unit])}</text>')
    out.append(f'<text class="label" transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" '
               'text-anchor="middle">articles</text></svg>')
    legend = "".join(f'<li><span class="swatch" style="background:{_colour(j, k)}"></span>'
                     f'{_e(label.get(k, k))}</li>' for j, k in enumerate(st.keys))
    return "\n".join(out) + f'\n<ul class="legend">{legend}</ul>'


def bars_svg(chart_id: str, title: str, items: list[tuple[str, int, str]],
             value_label: str) -> str:
    """Horizontal bars, biggest first: (label, value, tooltip) each."""
    w, left, right, row, top, bottom = 900, 330, 60, 22, 8, 40
    h = top + bottom + row * len(items)
    pw = w - left - right
    vmax, step = _nice_max(max((v for _l, v, _t in items), default=0))
    out = [f'<svg id="{chart_id}" class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
           f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d">',
           f'<title id="{chart_id}-t">{_e(title)}</title>',
           f'<desc id="{chart_id}-d">{len(items)} bars, {_e(value_label)}; the table below '
           'has the numbers.</desc>']
    base = top + row * len(items)
    for v in range(0, vmax + 1, step):
        x = left + pw * v / vmax
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{base}"/>'
                   f'<text class="tick" x="{x:.1f}" y="{base + 16}" '
                   f'text-anchor="middle">{v}</text>')
    for i, (lab, v, tip) in enumerate(items):
        y = top + i * row
        short = lab if len(lab) <= 48 else lab[:47] + "…"
        bw = pw * v / vmax
        out.append(f'<text class="tick" x="{left - 6}" y="{y + 15}" text-anchor="end">'
                   f'{_e(short)}</text><rect class="mark" x="{left}" y="{y + 3}" '
                   f'width="{bw:.2f}" height="{row - 6}" fill="{PALETTE[0]}"><title>'
                   f'{_e(tip)}</title></rect><text class="value" x="{left + bw + 4:.1f}" '
                   f'y="{y + 15}">{v}</text>')
    out.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{base}"/>'
               f'<text class="label" x="{left + pw / 2:.0f}" y="{h - 6}" '
               f'text-anchor="middle">{_e(value_label)}</text></svg>')
    return "\n".join(out)


# -- HTML -------------------------------------------------------------------------------------

def _table(table_id: str, header: list[str], rows: list[list[Any]], sql: str,
           caption: str) -> str:
    head = "".join(f"<th scope=\"col\">{_e(c)}</th>" for c in header)
    body = "\n".join("<tr>" + "".join(
        f'<td class="{"num" if isinstance(c, int) else "txt"}">{_e(c)}</td>' for c in r)
        + "</tr>" for r in rows)
    return (f'<div class="scroll"><table id="{table_id}" class="data"><caption>{_e(caption)}'
            f"</caption><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>\n"
            f"<details><summary>SQL behind this table</summary><pre>{_e(sql)}</pre></details>")


def _stacked_section(report: Report, name: str, heading: str, unit: str, first: date,
                     last: date, note: str = "") -> str:
    rows = report.series.get(name, [])
    chart_id = f"chart-{name}"
    if not rows:
        return (f'<section id="{name}"><h2>{_e(heading)}</h2>'
                f'<p class="empty">No articles to count here. {_e(note)}</p></section>')
    st = stack(rows, unit, first, last)
    names = report.names.get(name, {})
    label = {k: (f"{k} ({names[k]})" if names.get(k) and names[k] != k else k) for k in st.keys}
    title = f"{heading}, per {unit}"
    header = [unit, *st.keys, "total"]  # ids, as in the database (the legend names them)
    # the chart shows empty weeks as gaps; the table lists the weeks with articles
    table = [[b] + [st.cells.get((b, k), 0) for k in st.keys] + [st.total(b)]
             for b in st.buckets if st.total(b)]
    sql = runnable_sql(report.flt, name)
    caption = f"Articles per {unit} ({UNIT_LABEL[unit]}; {unit}s without articles left out)"
    if OTHER in st.keys:
        caption += f"; the {MAX_SERIES - 1} biggest series, the rest as 'other'"
    return (f'<section id="{name}"><h2>{_e(title)}</h2>{note and f"<p>{_e(note)}</p>"}\n'
            + stacked_svg(chart_id, title, st, label) + "\n"
            + _table(f"table-{name}", header, table, sql, caption) + "</section>")


def render(report: Report) -> str:
    """The whole page (UTF-8 HTML, nothing external)."""
    t = report.totals
    meta = [("Generated", report.generated_at), ("civmon", report.version),
            *report.flt.describe()]
    header = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in meta)
    parts = [f"<header><h1>{_e(report.title)}</h1><dl class=\"meta\">{header}</dl></header>"]
    if not t["articles"]:
        parts.append('<section id="empty"><h2>No articles</h2><p class="empty">No articles '
                     "match these filters: nothing to chart. Widen the period, drop a filter "
                     "or add --all.</p></section>")
        return _page(report.title, "\n".join(parts))
    summary = (f"{t['articles']} articles ({t['originals']} originals) from {t['outlets']} "
               f"outlets in {t['countries']} countries, {t['stories']} stories")
    dated = f", published {t['first_day']} to {t['last_day']}" if t["first_day"] else ""
    undated = (f"; {t['undated']} undated articles are counted in the totals but not in "
               "the per-week charts" if t["undated"] else "")
    parts.append(f'<p class="summary" id="summary">{_e(summary + dated + undated)}.</p>')
    # the span of the weekly charts: the days that parse (a malformed published_at is
    # counted in the totals only)
    days = sorted({d for d in (_day(r[0]) for r in report.series.get("country", [])) if d})
    if days:
        first, last = days[0], days[-1]
        unit = bucketing(first, last)
        parts.append(_stacked_section(report, "country", "Articles by country", unit, first,
                                      last))
        parts.append(_stacked_section(report, "source", "Articles by source", unit, first,
                                      last))
        parts.append(_stacked_section(
            report, "topic", "Articles by topic", unit, first, last,
            note="Topics are tagged on civil-society news only; an article with two topics "
                 "counts in both."))
    parts.append(_orgs_section(report))
    parts.append(_regions_section(report))
    parts.append(_stories_section(report))
    return _page(report.title, "\n".join(parts))


def _orgs_section(report: Report) -> str:
    rows = report.organisations
    head = f"Top {TOP_N} organisations"
    if not rows:
        return (f'<section id="organisations"><h2>{head}</h2><p class="empty">No organisation '
                "is named in these articles.</p></section>")
    items = [(r["name"], int(r["articles"]), f"{r['name']} ({r['kind']}): {r['articles']} "
              f"articles, {r['outlets']} outlets") for r in rows]
    table = [[r["name"], r["kind"], int(r["articles"]), int(r["outlets"]), r["id"]]
             for r in rows]
    return (f'<section id="organisations"><h2>{head}</h2>\n'
            + bars_svg("chart-organisations", f"{head}, by articles naming them", items,
                       "articles naming the organisation")
            + _table("table-organisations", ["organisation", "kind", "articles", "outlets",
                                             "organisations.id"], table,
                     runnable_sql(report.flt, "organisations"),
                     "Organisations by the articles naming them")
            + "</section>")


def _regions_section(report: Report) -> str:
    rows = report.regions
    head = f"Top {TOP_N} regions and places"
    if not rows:
        return (f'<section id="regions"><h2>{head}</h2><p class="empty">No region or place is '
                "named in these articles.</p></section>")
    items = [(f"{r['name']} ({r['country']})", int(r["articles"]),
              f"{r['name']}, {r['level']}: {r['articles']} articles, {r['outlets']} outlets")
             for r in rows]
    table = [[r["name"], r["level"], r["country"], r["iso_code"] or "", int(r["articles"]),
              int(r["outlets"])] for r in rows]
    return (f'<section id="regions"><h2>{head}</h2><p>A region counts the articles naming it '
            "or a place in it; countries are left out.</p>\n"
            + bars_svg("chart-regions", f"{head}, by articles naming them", items,
                       "articles naming the place (or a place inside it)")
            + _table("table-regions", ["region", "level", "country", "ISO 3166-2", "articles",
                                       "outlets"], table, runnable_sql(report.flt, "regions"),
                     "Regions, cities and districts by the articles naming them")
            + "</section>")


def _stories_section(report: Report) -> str:
    rows = report.stories
    head = "The biggest stories"
    if not rows:
        return (f'<section id="stories"><h2>{head}</h2><p class="empty">No story was reported '
                "by more than one of these articles.</p></section>")
    items = [(r["title"], int(r["outlets"]), f"{r['title']}: {r['outlets']} outlets, "
              f"{r['articles']} articles, {r['first_day'] or 'undated'}") for r in rows]
    table = [[r["title"], int(r["outlets"]), int(r["articles"]), int(r["countries"]),
              r["first_day"] or "", r["last_day"] or "", r["sources"], int(r["story_id"])]
             for r in rows]
    return (f'<section id="stories"><h2>{head}</h2><p>Events reported by more than one '
            "article, by the outlets that carried them, then by articles.</p>\n"
            + bars_svg("chart-stories", f"{head}, by outlets", items, "outlets")
            + _table("table-stories", ["story (title of its first article)", "outlets",
                                       "articles", "countries", "first day", "last day",
                                       "sources", "story_id"], table,
                     runnable_sql(report.flt, "stories"), "Stories by outlets, then articles")
            + "</section>")


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
max-width:960px;margin:1.5em auto;padding:0 1em}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:1.8em 0 .4em;
border-bottom:1px solid #ccc}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;color:#444}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
svg.chart{max-width:100%;height:auto;display:block}
svg .grid{stroke:#e4e4e4}svg .axis{stroke:#555}svg .tick{font-size:11px;fill:#444}
svg .label{font-size:12px;fill:#222}svg .value{font-size:11px;fill:#222}
ul.legend{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.2em 1em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
table.data{border-collapse:collapse;margin:.6em 0;font-size:12px}
table.data caption{text-align:left;color:#555;padding:.2em 0}
table.data th,table.data td{border:1px solid #ccc;padding:.15em .5em}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums}
table.data thead th{background:#f3f3f3;position:sticky;top:0}
div.scroll{max-height:28em;overflow:auto;max-width:100%}
details pre{white-space:pre-wrap;font-size:11px;background:#f7f7f7;padding:.5em}
button.copy{font-size:12px;margin:.4em 0}.empty{color:#a33}
@media print{button.copy,details{display:none}h2{break-after:avoid}
div.scroll{max-height:none;overflow:visible}}
"""

#: Adds a "Copy as TSV" button before every table (pasting into a spreadsheet or a report).
SCRIPT = """
(function () {
  "use strict";
  function tsv(table) {
    var lines = [];
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = [];
      tr.querySelectorAll("th,td").forEach(function (c) {
        cells.push(c.textContent.replace(/[\\t\\r\\n]+/g, " "));
      });
      lines.push(cells.join("\\t"));
    });
    return lines.join("\\n") + "\\n";
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }
  document.querySelectorAll("table.data").forEach(function (table) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy as TSV";
    button.setAttribute("aria-label", "Copy the table " + table.id + " as tab-separated text");
    button.addEventListener("click", function () {
      var text = tsv(table);
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
      } else {
        fallback(text);
        done();
      }
    });
    table.parentNode.insertBefore(button, table);
  });
  document.documentElement.setAttribute("data-report-ready", "1");
})();
"""


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n"
            f"<script>{SCRIPT}</script>\n</body></html>\n")


def write_report(engine: Engine, f: ReportFilter, path: str, *,
                 title: str | None = None) -> Report:
    """Gather, render and write the page to ``path``; returns what it holds.

    Written beside ``path`` and renamed over it when complete: a failed write (a full
    disk) leaves an earlier report of that name as it was."""
    report = gather(engine, f, title=title)
    partial = f"{path}.partial"
    try:
        with open(partial, "w", encoding="utf-8") as fh:
            fh.write(render(report))
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return report
