"""``civmon demo``: the whole pipeline, offline, on the bundled sample web.

Serves every sample outlet on its own loopback address, writes the sample
registry with the real addresses filled in, crawls it with the same spider,
pipelines and settings as a real crawl (with the clock frozen at the sample
web's moment, so "Вчера" means the same day on every machine), then prints
a summary read back from the database.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TextIO

from sqlalchemy import case, func, select, text

from crawler.crawl import CrawlResult, run_crawl
from models.db import database_url, open_engine, sqlite_path
from models.schema import Article, CrawlRunSource, Source

#: Politeness stays on, scaled to a loopback web: no fixed delay, AutoThrottle
#: starting small (every outlet is its own host, so slots still apply).
DEMO_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0.05,
    "AUTOTHROTTLE_MAX_DELAY": 1.0,
    "CLOSESPIDER_TIMEOUT": 110,
    "LOG_LEVEL": "CRITICAL",
    "CIVMON_COMMAND": "demo",
    "CIVMON_ALLOW_LOOPBACK": True,  # the sample web is on 127.0.0.x (crawler.netguard)
}


#: The demo serves every outlet on this port of its own 127.0.0.x address, so that
#: article URLs are the same from one demo run to the next (a second run adds nothing).
DEMO_PORT = 8765


def run_demo(db: str | None, overrides: dict[str, str], out: TextIO = sys.stdout,
             port: int = DEMO_PORT) -> CrawlResult:
    from crawler.sampleweb import SAMPLE_NOW, SampleWeb

    with SampleWeb(port=port) as web, tempfile.TemporaryDirectory(prefix="civmon-demo-") as tmp:
        registry_file = Path(tmp) / "sample-sources.toml"
        registry_file.write_text(web.registry_text(), encoding="utf-8")
        out.write(f"Serving {len(web.bases)} sample outlets on loopback:\n")
        for sid, base in web.bases.items():
            out.write(f"  {sid:<22} {base}\n")
        out.write(f"Crawling as of {SAMPLE_NOW:%Y-%m-%d %H:%M} UTC (the sample web's clock)...\n")
        settings = {
            **DEMO_SETTINGS,
            "CIVMON_SOURCES": str(registry_file),
            "CIVMON_DB": db or "",
            "CIVMON_CLOCK": SAMPLE_NOW.isoformat(),
            **overrides,
        }
        counter = {"n": 0}
        live = out.isatty()  # a terminal gets a live counter; a log gets one line per 10

        def progress(item) -> None:
            counter["n"] += 1
            if counter.get("closed"):
                return
            try:
                if live:
                    out.write(f"\r  stored {counter['n']:>3} articles "
                              f"(last: {item.source_id})   ")
                elif counter["n"] % 10 == 0:
                    out.write(f"  stored {counter['n']:>3} articles\n")
                out.flush()
            except OSError:  # the reader went away (`civmon demo | head`): crawl on
                counter["closed"] = 1

        result = run_crawl([], settings, on_item=progress)
        if live:
            out.write("\n")
    print_summary(db, result, out)
    return result


def print_summary(db: str | None, result: CrawlResult, out: TextIO) -> None:
    engine = open_engine(db)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    Source.id, func.count(Article.id),
                    func.count(Article.duplicate_of),
                    # a CASE, not sum(boolean): PostgreSQL has no sum of booleans
                    func.sum(case((Article.published_at.is_(None), 1), else_=0)),
                    func.sum(Article.relevant),
                )
                .join(Article, Article.source_id == Source.id, isouter=True)
                .group_by(Source.id).order_by(Source.id)
            ).all()
            stories, shared = conn.execute(text(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN outlets > 1 THEN 1 ELSE 0 END), 0) "
                "FROM stories")).one()
            failures = conn.execute(
                select(CrawlRunSource.source_id, CrawlRunSource.failed, CrawlRunSource.status)
                .where(CrawlRunSource.run_id == result.run_id)
            ).all()
    finally:
        engine.dispose()
    out.write(f"\nRun {result.run_id}: {result.status}\n")
    out.write(f"{'source':<22} {'articles':>8} {'duplicates':>10} {'undated':>7} "
              f"{'relevant':>8}\n")
    totals = [0, 0, 0, 0]
    for sid, n, dups, undated, relevant in rows:
        vals = [n or 0, dups or 0, int(undated or 0), int(relevant or 0)]
        totals = [a + b for a, b in zip(totals, vals, strict=True)]
        out.write(f"{sid:<22} {vals[0]:>8} {vals[1]:>10} {vals[2]:>7} {vals[3]:>8}\n")
    out.write(f"{'total':<22} {totals[0]:>8} {totals[1]:>10} {totals[2]:>7} {totals[3]:>8}\n")
    out.write(f"{totals[0]} articles, {totals[0] - totals[1]} original texts, {stories} events "
              f"({shared} reported by more than one outlet)\n")
    failed = [(sid, n) for sid, n, _ in failures if n]
    if failed:
        out.write("Pages that failed (the sample web has broken links on purpose): "
                  + ", ".join(f"{sid} {n}" for sid, n in failed) + "\n")
    path = sqlite_path(database_url(db))
    where = path if path is not None else database_url(db)
    out.write(f"\nDatabase: {where}\nTry:\n")
    if path is not None:
        out.write(f"  sqlite3 {path} \"SELECT published_at, source_id, title FROM articles "
                  "WHERE relevant = 1 AND duplicate_of IS NULL ORDER BY published_at DESC "
                  "LIMIT 10\"\n")
        out.write(f"  sqlite3 {path} \"SELECT first_seen, outlets, languages, title FROM stories "
                  "WHERE outlets > 1\"\n")
    out.write(f"  civmon export --format csv --excel --db {where} -o report.csv\n")
    if path is not None:  # search and serve need SQLite
        out.write(f"  civmon search грант --db {path}\n")
        out.write(f"  civmon serve --db {path}        # Datasette: pip install -e '.[serve]'\n")
    out.write(f"  civmon report --db {where} -o report.html\n")
