"""Running the news spider in-process, for ``civmon crawl`` and ``civmon demo``.

Builds Scrapy settings from ``crawler.settings`` plus the caller's overrides
(``-s NAME=VALUE``), takes the one-crawl-per-database lock, runs the spider to
the end and returns what the run recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class CrawlResult:
    run_id: int | None
    status: str
    stats: dict[str, Any]


def build_settings(overrides: Mapping[str, Any]):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``["NAME=VALUE", ...]`` -> dict; ValueError names the bad pair."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"-s {pair!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def run_crawl(
    source_ids: Sequence[str],
    overrides: Mapping[str, Any],
    *,
    on_item: Callable[[Any], None] | None = None,
) -> CrawlResult:
    """Crawl ``source_ids`` (all enabled when empty) with ``overrides`` applied."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.runs import RunLock

    settings = build_settings(overrides)
    lock = RunLock(settings.get("CIVMON_DB") or None)
    lock.acquire()  # RunLockedError propagates with its one-line message
    try:
        settings.set("CIVMON_LOCK", False, priority="cmdline")  # we hold it
        settings.set("CIVMON_LOCK_HELD", True, priority="cmdline")
        process = CrawlerProcess(settings)  # root log handler: LOG_INSTALL_ROOT_HANDLER
        crawler = process.create_crawler("news")
        if on_item is not None:
            # weak=False: the dispatcher holds receivers weakly and would drop the lambda
            crawler.signals.connect(lambda item, **_: on_item(item), signal=signals.item_scraped,
                                    weak=False)
        kwargs = {"source": ",".join(source_ids)} if source_ids else {}
        process.crawl(crawler, **kwargs)
        process.start()
    finally:
        lock.release()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlResult(
        run_id=stats.get("civmon/run_id"),
        # no status recorded: the reactor was stopped (a second Ctrl-C) before
        # spider_closed ran; the row stays `running` and the next run closes it
        status=stats.get("civmon/run_status", "interrupted"),
        stats=stats,
    )
