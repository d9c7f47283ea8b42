"""The generic news spider, configured entirely from the source registry.

``scrapy crawl news [-a source=ID[,ID...]]`` or ``civmon crawl [ID ...]``.

For every selected source it reads the feeds, sitemaps (following sitemap
indexes) and listing pages (following ``next_page`` up to ``max_pages``),
keeps links that match ``article_url`` on the source's hosts, skips what the
database already holds (incremental nightly crawls), and fetches each new
article once.  The fetch time and the date seen at discovery travel with the
item to the pipelines.

Settings read: ``CIVMON_SOURCES`` (registry file; the packaged one if empty),
``CIVMON_DB`` (database for the already-stored check), ``CIVMON_CLOCK`` (an
ISO 8601 instant to use as the fetch time instead of the clock: reproducible
re-runs and the frozen sample web), ``CIVMON_SKIP_KNOWN`` (default True).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.discovery import DiscoveryError, listing_links, parse_feed, parse_sitemap
from crawler.registry import Registry, RegistryError, Source, load_registry
from pipelines.dedup import canonical_url
from pipelines.items import ArticleItem

HTML_TYPES = (b"text/html", b"application/xhtml")


def parse_clock(value: str | None) -> datetime | None:
    """``CIVMON_CLOCK`` as an aware UTC datetime (None when unset)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"CIVMON_CLOCK: {value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise ValueError(f"CIVMON_CLOCK: {value!r} has no UTC offset (add 'Z' or '+05:00')")
    return moment.astimezone(UTC)


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source_ids = [s for s in (source or "").split(",") if s.strip()]
        self.sources: dict[str, Source] = {}
        self.known: set[str] = set()
        self._queued: set[str] = set()
        self.clock: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        registry: Registry = load_registry(settings.get("CIVMON_SOURCES") or None)
        try:
            selected = registry.select(spider.source_ids)
        except RegistryError as exc:
            raise ValueError(str(exc)) from None
        if not selected:
            raise ValueError(f"{registry.path}: no enabled sources to crawl")
        spider.sources = {s.id: s for s in selected}
        spider.clock = parse_clock(settings.get("CIVMON_CLOCK"))
        if settings.getbool("CIVMON_SKIP_KNOWN", True) and settings.get("CIVMON_DB"):
            spider.known = _stored_urls(settings.get("CIVMON_DB"), list(spider.sources))
        allowed: set[str] = set()
        for s in selected:
            allowed.update(s.domains())
        spider.allowed_domains = sorted(allowed)
        return spider

    # -- helpers ------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock or datetime.now(UTC)

    def count(self, source_id: str, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"civmon/source/{source_id}/{key}", n)

    def _request(self, url: str, source: Source, callback, **meta: Any) -> scrapy.Request:
        headers = {"User-Agent": source.user_agent} if source.user_agent else None
        return scrapy.Request(url, callback=callback, errback=self.on_error, headers=headers,
                              meta={"source_id": source.id, **meta})

    # -- discovery ----------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources.values():
            for url in source.feeds:
                yield self._request(url, source, self.parse_feed, role="feed")
            for url in source.sitemaps:
                yield self._request(url, source, self.parse_sitemap, role="sitemap")
            for url in source.listings:
                yield self._request(url, source, self.parse_listing, role="listing", page=1)

    def _discovery_failed(self, source: Source, response: Response, problem: str) -> None:
        self.count(source.id, "discovery_failed")
        self.logger.error("%s: %s %s: %s", source.id, response.meta["role"], response.url,
                          problem)

    def parse_feed(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        try:
            links = parse_feed(response.body, response.url)
        except DiscoveryError as exc:
            self._discovery_failed(source, response, str(exc))
            return
        self.count(source.id, "discovery_ok")
        for link in links:
            yield from self._follow_article(link.url, source, "feed", link.date, link.title)

    def parse_sitemap(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        try:
            content = parse_sitemap(response.body, response.url)
        except DiscoveryError as exc:
            self._discovery_failed(source, response, str(exc))
            return
        self.count(source.id, "discovery_ok")
        for link in content.links:
            if content.is_index:
                if self._host_allowed(link.url, source):
                    yield self._request(link.url, source, self.parse_sitemap, role="sitemap")
            else:
                yield from self._follow_article(link.url, source, "sitemap", link.date,
                                                link.title)

    def parse_listing(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        if not isinstance(response, TextResponse):
            self._discovery_failed(source, response, "listing is not an HTML page")
            return
        self.count(source.id, "discovery_ok")
        for link in listing_links(response.selector, response.url):
            yield from self._follow_article(link.url, source, "listing", link.date, None)
        page = response.meta.get("page", 1)
        if source.next_page and page < source.max_pages:
            sel = response.xpath(source.next_page) if source.next_page.startswith("/") \
                else response.css(source.next_page)
            href = sel.attrib.get("href") if sel else None
            if href:
                yield self._request(response.urljoin(href), source, self.parse_listing,
                                    role="listing", page=page + 1)

    def _host_allowed(self, url: str, source: Source) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in source.domains())

    def _follow_article(self, url: str, source: Source, via: str, date: str | None,
                        title: str | None):
        if not url.startswith(("http://", "https://")) or not self._host_allowed(url, source):
            return
        if not source.is_article_url(url):
            return
        key = canonical_url(url)
        if key in self._queued:
            return
        self._queued.add(key)
        self.count(source.id, "discovered")
        if key in self.known:
            self.count(source.id, "skipped_known")
            return
        yield self._request(url, source, self.parse_article, role="article",
                            discovered_via=via, discovery_date=date, discovery_title=title)

    # -- articles -----------------------------------------------------------------
    def parse_article(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        ctype = response.headers.get(b"Content-Type", b"text/html").lower()
        if not isinstance(response, TextResponse) or not ctype.startswith(HTML_TYPES):
            self.count(source.id, "failed")
            self.logger.warning("%s: %s is not an HTML page (%s)", source.id, response.url,
                                ctype.decode("latin-1"))
            return
        self.count(source.id, "fetched")
        if source.encoding:
            html = response.body.decode(source.encoding, errors="replace")
            encoding = source.encoding
        else:
            from crawler.pages import utf8_text

            # valid UTF-8 wins over a stale declared charset (as `civmon extract`)
            html, encoding = utf8_text(response.body), "utf-8"
            if html is None:
                html, encoding = response.text, response.encoding
        yield ArticleItem(
            source_id=source.id, source=source, url=response.url, html=html,
            fetched_at=self.now(), discovered_via=response.meta.get("discovered_via", ""),
            discovery_date=response.meta.get("discovery_date"),
            discovery_title=response.meta.get("discovery_title"),
            http_status=response.status, encoding=encoding,
        )

    def on_error(self, failure: Failure):
        request = failure.request
        source_id = request.meta.get("source_id", "?")
        role = request.meta.get("role", "request")
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.count(source_id, "skipped_robots")
            self.logger.info("%s: %s %s skipped: %s", source_id, role, request.url,
                             failure.getErrorMessage() or "forbidden by robots.txt")
            return
        if failure.check(HttpError):
            problem = f"HTTP {failure.value.response.status}"
        else:
            problem = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.count(source_id, "discovery_failed" if role != "article" else "failed")
        self.logger.error("%s: %s %s failed: %s", source_id, role, request.url, problem)


def _stored_urls(db: str, source_ids: list[str]) -> set[str]:
    """Canonical URLs already in the database for these sources (incremental crawl)."""
    from sqlalchemy import select

    from models.db import open_engine
    from models.schema import Article

    engine = open_engine(db)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Article.canonical_url).where(Article.source_id.in_(source_ids))
            )
            return {r[0] for r in rows}
    finally:
        engine.dispose()
