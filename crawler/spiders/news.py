"""The generic news spider, configured entirely from the source registry.

``scrapy crawl news [-a source=ID[,ID...]]`` or ``civmon crawl [ID ...]``.

For every selected source it reads the feeds, sitemaps (following sitemap
indexes) and listing pages (following ``next_page`` up to ``max_pages``),
keeps links that match ``article_url`` on the source's hosts, skips what the
database already holds (incremental nightly crawls), and fetches each new
article once.  The fetch time and the date seen at discovery travel with the
item to the pipelines.

Settings read: ``CIVMON_SOURCES`` (registry file; the packaged one if empty),
``CIVMON_DB`` (the database the crawl writes to, the default file when empty:
the already-stored check asks it one indexed batch per discovery page), ``CIVMON_CLOCK`` (an
ISO 8601 instant to use as the fetch time instead of the clock: reproducible
re-runs and the frozen sample web), ``CIVMON_SKIP_KNOWN`` (default True).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawler.discovery import DiscoveryError, Link, listing_links, parse_feed, parse_sitemap
from crawler.faultkinds import fault_kind
from crawler.ledger import Ledger
from crawler.pages import Decoded, decode_body
from crawler.registry import Registry, RegistryError, Source, load_registry
from crawler.revisit import RevisitMixin
from models.schema import to_utc_text
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


class NewsSpider(RevisitMixin, scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source_ids = [s for s in (source or "").split(",") if s.strip()]
        self.sources: dict[str, Source] = {}
        self.ledger: Ledger | None = None
        self.skip_known = True
        self._queued: set[str] = set()
        self._revisiting: set[str] = set()
        """Canonical URLs of stored articles queued for a revisit: a discovery page
        that links one counts it as known, and it is not fetched a second time."""
        self.clock: datetime | None = None
        self.max_html_bytes = 5 * 1024 * 1024
        #: (source_id, role, url, http_status, error) of every failed request
        self.failures: list[tuple[str, str, str, int | None, str]] = []
        #: canonical URLs of article pages fetched fine this run
        self.fetched_ok: set[str] = set()
        #: url -> (source_id, ETag, Last-Modified) of discovery pages answered 200
        self.validators_seen: dict[str, tuple[str, str | None, str | None]] = {}
        self._page_all_known = False
        self.stop_paging_known = True
        self.revisit_days = 0.0
        self.revisit_max = 100

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
        # The crawl's own database, the default file included: the store writes there.
        spider.ledger = Ledger(settings.get("CIVMON_DB") or None)
        spider.skip_known = settings.getbool("CIVMON_SKIP_KNOWN", True)
        spider.revisit_days = settings.getfloat("CIVMON_REVISIT_DAYS", 2)
        spider.revisit_max = settings.getint("CIVMON_REVISIT_MAX", 100)
        spider.stop_paging_known = settings.getbool("CIVMON_STOP_PAGING_KNOWN", True)
        spider.max_html_bytes = settings.getint("CIVMON_MAX_HTML_BYTES", 5 * 1024 * 1024)
        from pipelines.pool import in_process

        if in_process(settings):  # else the page workers warm up (pipelines.pool)
            _warm_up()
        from crawler.logformat import install_network_filter

        install_network_filter()
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
        # Articles are deduplicated by canonical URL here; leaving Scrapy's dupefilter
        # out for them makes a redirect loop end in "max redirections reached", a
        # counted failure, instead of a silently filtered request.
        return scrapy.Request(url, callback=callback, errback=self.on_error, headers=headers,
                              meta={"source_id": source.id, **meta},
                              dont_filter=meta.get("role") in ("article", "revisit"))

    # -- discovery ----------------------------------------------------------------
    def _discovery_request(self, url: str, source: Source, callback, **meta: Any):
        """A feed/sitemap/listing request, conditional when the last run saw validators."""
        request = self._request(url, source, callback, handle_httpstatus_list=[304], **meta)
        if self.ledger is not None:
            etag, modified = self.ledger.validators([url]).get(url, (None, None))
            if etag:
                request.headers["If-None-Match"] = etag
            if modified:
                request.headers["If-Modified-Since"] = modified
        return request

    def _not_modified(self, source: Source, response: Response) -> bool:
        """A 304: nothing new on this discovery page since the last complete run."""
        url = response.request.url if response.request else response.url
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        if response.status == 304:
            self.count(source.id, "discovery_ok")
            self.count(source.id, "not_modified")
            return True
        if etag or modified:
            self.validators_seen[url] = (
                source.id, etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None)
        return False

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources.values():
            for url in source.feeds:
                yield self._discovery_request(url, source, self.parse_feed, role="feed")
            for url in source.sitemaps:
                yield self._discovery_request(url, source, self.parse_sitemap, role="sitemap")
            for url in source.listings:
                yield self._discovery_request(url, source, self.parse_listing, role="listing",
                                              page=1)
        for request in self._revisits():
            yield request
        # dead links whose pause has ended, even if no feed lists them any more
        for failure in (self.ledger.due(list(self.sources), self.now())
                        if self.ledger else ()):
            source = self.sources[failure.source_id]
            if failure.canonical_url not in self._queued:
                self._queued.add(failure.canonical_url)
                self.count(source.id, "retried")
                yield self._request(failure.url, source, self.parse_article, role="article",
                                    discovered_via="retry")

    def _discovery_failed(self, source: Source, response: Response, problem: str) -> None:
        self.count(source.id, "discovery_failed")
        # a malformed feed is a fault like any failed request: its kind its own counter
        self.count(source.id, f"fault_{fault_kind(response.status, problem)}")
        self.failures.append((source.id, response.meta["role"], response.url, response.status,
                              problem))
        self.logger.error("%s: %s %s: %s", source.id, response.meta["role"], response.url,
                          problem)

    def parse_feed(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        if self._not_modified(source, response):
            return
        try:
            links = parse_feed(response.body, response.url)
        except DiscoveryError as exc:
            self._discovery_failed(source, response, str(exc))
            return
        self.count(source.id, "discovery_ok")
        yield from self._follow_articles(links, source, "feed")

    def parse_sitemap(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        if self._not_modified(source, response):
            return
        try:
            content = parse_sitemap(response.body, response.url)
        except DiscoveryError as exc:
            self._discovery_failed(source, response, str(exc))
            return
        self.count(source.id, "discovery_ok")
        if content.is_index:
            for link in content.links:
                if self._host_allowed(link.url, source):
                    yield self._discovery_request(link.url, source, self.parse_sitemap,
                                                  role="sitemap")
        else:
            yield from self._follow_articles(content.links, source, "sitemap")

    def parse_listing(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        if self._not_modified(source, response):
            return
        if not isinstance(response, TextResponse):
            self._discovery_failed(source, response, "listing is not an HTML page")
            return
        response = self._as_text(response, source)
        self.count(source.id, "discovery_ok")
        links = [Link(link.url, link.date, None)
                 for link in listing_links(response.selector, response.url)]
        yield from self._follow_articles(links, source, "listing")
        page = response.meta.get("page", 1)
        if source.next_page and page < source.max_pages:
            if self.stop_paging_known and self._page_all_known:
                # every article on this page is stored already: older pages hold
                # nothing new either (a nightly crawl, not a backfill)
                self.count(source.id, "paging_stopped_known")
                return
            sel = response.xpath(source.next_page) if source.next_page.startswith("/") \
                else response.css(source.next_page)
            href = sel.attrib.get("href") if sel else None
            if href:
                self.count(source.id, "next_page_found")
                yield self._discovery_request(response.urljoin(href), source,
                                              self.parse_listing, role="listing",
                                              page=page + 1)
            elif page == 1:
                # pagination lost on the first page: the selector no longer matches
                # (a redesign?); a later page without one is the listing's natural end
                self.count(source.id, "next_page_missing")
                self.logger.warning("%s: next_page %r matched nothing on %s", source.id,
                                    source.next_page, response.url)

    def _host_allowed(self, url: str, source: Source) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in source.domains())

    def _follow_articles(self, links: list[Link], source: Source, via: str):
        """Requests for the new article links among ``links`` of one discovery page.

        The already-stored check is one indexed query per page (crawler.ledger).
        """
        fresh: dict[str, Link] = {}
        candidates = 0
        self._page_all_known = False
        for link in links:
            url = link.url
            if not url.startswith(("http://", "https://")) or not self._host_allowed(url, source):
                continue
            if not source.is_article_url(url):
                continue
            candidates += 1
            key = canonical_url(url)
            if key in self._queued or key in fresh:
                continue
            fresh[key] = link
        if not fresh:
            self._page_all_known = candidates > 0
            return
        self._queued.update(fresh)
        self.count(source.id, "discovered", len(fresh))
        known = self.ledger.known(fresh) if self.skip_known and self.ledger else set()
        known |= self._revisiting.intersection(fresh)
        if known:
            self.count(source.id, "skipped_known", len(known))
        resting = (self.ledger.resting([k for k in fresh if k not in known],
                                       to_utc_text(self.now())) if self.ledger else {})
        if resting:
            self.count(source.id, "skipped_dead", len(resting))
        self._page_all_known = len(known) == len(fresh)
        for key, link in fresh.items():
            if key in known or key in resting:
                continue
            yield self._request(link.url, source, self.parse_article, role="article",
                                discovered_via=via, discovery_date=link.date,
                                discovery_title=link.title)

    def _decode(self, response: Response, source: Source) -> Decoded:
        """The page's text by ``crawler.pages.decode_body`` (the one decoding path:
        articles, listings, revisits and ``civmon extract``); counts ``charset_fixed``."""
        ctype = response.headers.get(b"Content-Type") or b""
        decoded = decode_body(response.body, declared=http_content_type_encoding(
            ctype.decode("latin-1")), forced=source.encoding)
        if decoded.fixed:
            self.count(source.id, "charset_fixed")
        return decoded

    def _as_text(self, response: TextResponse, source: Source) -> TextResponse:
        """``response`` re-encoded as UTF-8 from its ``decode_body`` text, so that
        Scrapy's selectors never decode the bytes themselves (a ``charset=base64``
        there raises LookupError; a wrong charset gives mojibake links)."""
        decoded = self._decode(response, source)
        return response.replace(body=decoded.text.encode("utf-8", errors="replace"),
                                encoding="utf-8")

    # -- articles -----------------------------------------------------------------
    def parse_article(self, response: Response):
        source = self.sources[response.meta["source_id"]]
        ctype = response.headers.get(b"Content-Type", b"text/html").lower()
        if not isinstance(response, TextResponse) or not ctype.startswith(HTML_TYPES):
            self.failure(source.id, "article", response.url, response.status,
                         f"not an HTML page ({ctype.decode('latin-1')})")
            return
        if len(response.body) > self.max_html_bytes:
            # Extraction is superlinear in page size: such a page would hold the
            # reactor for minutes.  Recorded as a failure with its reason, not parsed.
            self.count(source.id, "too_large")
            self.failure(source.id, "article", response.url, response.status,
                         f"too large: {len(response.body)} bytes > CIVMON_MAX_HTML_BYTES "
                         f"{self.max_html_bytes}", counted="too_large")
            return
        decoded = self._decode(response, source)
        html, encoding = decoded.text, decoded.encoding
        if decoded.undecodable:
            # No charset makes text of it: retried (a proxy's glitch), then recorded as
            # failed; never stored as an article of replacement characters.
            self.crawler.stats.inc_value("civmon/fault/undecodable_response")
            retry = get_retry_request(response.request, spider=self, reason="undecodable body")
            if retry is not None:
                yield retry
                return
            self.failure(source.id, "article", response.url, response.status,
                         f"undecodable body: {html.count(chr(0xfffd))} replacement characters "
                         f"as {encoding}", via=response.meta.get("discovered_via"))
            return
        self.count(source.id, "fetched")
        self.fetched_ok.add(canonical_url(response.url))
        yield ArticleItem(
            source_id=source.id, source=source, url=response.url, html=html,
            fetched_at=self.now(), discovered_via=response.meta.get("discovered_via", ""),
            discovery_date=response.meta.get("discovery_date"),
            discovery_title=response.meta.get("discovery_title"),
            http_status=response.status, encoding=encoding,
        )

    def closed(self, reason: str) -> None:
        if self.ledger is None:
            return
        try:
            self.ledger.record_failures(self.failures, self.fetched_ok, self.now())
            if reason == "finished":
                # Only a complete run may vouch for "nothing new here since": after
                # a cut-short run the next one must read every feed again.
                self.ledger.save_validators(self.validators_seen, self.now())
        finally:
            self.ledger.close()

    def failure(self, source_id: str, role: str, url: str, status: int | None, error: str,
                counted: str | None = None, via: str | None = None) -> None:
        """Count and log one failed request, and keep its cause for the ledger."""
        if counted is None:
            # a failed revisit says nothing about the site's new articles
            self.count(source_id, {"article": "failed", "revisit": "revisit_failed"}.get(
                role, "discovery_failed"))
            if via == "retry":
                self.count(source_id, "retry_failed")
        self.failures.append((source_id, role, url, status, error))
        self.count(source_id, f"fault_{fault_kind(status, error)}")  # each kind its own count
        # A network error or a 404 is the web being the web: WARNING, no traceback.
        level = logging.ERROR if role in ("feed", "sitemap", "listing") else logging.WARNING
        self.logger.log(level, "%s: %s %s failed: %s", source_id, role, url, error)

    def article_lost(self, source_id: str, url: str, status: int | None, error: str,
                     via: str | None = None) -> None:
        """A page fetched fine but lost in processing (pipelines.pool: a time limit, a
        crashed worker): a failed article, fetched again by a later run."""
        self.fetched_ok.discard(canonical_url(url))
        self.failure(source_id, "article", url, status, error, via=via)

    def on_error(self, failure: Failure):
        request = failure.request
        source_id = request.meta.get("source_id", "?")
        role = request.meta.get("role", "request")
        via = request.meta.get("discovered_via")
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            message = failure.getErrorMessage() or ""
            if "robots.txt" in message or not message:
                self.count(source_id, "skipped_robots")
                self.logger.info("%s: %s %s skipped: %s", source_id, role, request.url,
                                 message or "forbidden by robots.txt")
                return
            # e.g. "max redirections reached", a gzip bomb past DOWNLOAD_MAXSIZE
            self.failure(source_id, role, request.url, None, message[:300], via=via)
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            self.failure(source_id, role, request.url, status, f"HTTP {status}", via=via)
        else:
            self.failure(source_id, role, request.url, None,
                         f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300], via=via)


def _warm_up() -> None:
    """Load extraction's models before the first request, not while downloads wait.

    The first extract_article call loads trafilatura's and the language
    identifier's data (1-2 s, more on a busy machine); done in the first item's
    pipeline it stalls the reactor with requests in flight, which then time out.
    """

    from pipelines.chain import process_page

    sentence = "Общественный совет обсудил гранты неправительственным организациям. "
    process_page(f"<html><body><article><p>{sentence * 12}</p></article></body></html>",
                 url="http://localhost/warm-up", source=None, now=datetime.now(UTC))
