"""The news spider without a network: decoding, link filtering, discovery dates, paging.

Responses are built in memory and handed to the spider's callbacks, so each rule
is checked on its own; the end-to-end test crawls the served sample web.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.sampleweb import OUTLETS
from crawler.sampleweb.server import render_registry
from crawler.spiders.news import NewsSpider, parse_clock
from pipelines.items import ArticleItem

BASES = {sid: f"http://127.0.0.{11 + i}:8000" for i, sid in enumerate(OUTLETS)}
CLOCK = "2025-11-25T06:30:00Z"


@pytest.fixture
def spider(tmp_path: Path):
    def make(source: str, **settings) -> NewsSpider:
        registry = tmp_path / "sources.toml"
        registry.write_text(render_registry(BASES), encoding="utf-8")
        crawler = get_crawler(NewsSpider, {"CIVMON_SOURCES": str(registry),
                                           "CIVMON_DB": str(tmp_path / "db.sqlite"),
                                           "CIVMON_CLOCK": CLOCK, **settings})
        crawler.stats.open_spider()
        return NewsSpider.from_crawler(crawler, source=source)
    return make


def stats(sp: NewsSpider, source: str) -> dict[str, int]:
    prefix = f"civmon/source/{source}/"
    return {k[len(prefix):]: v for k, v in sp.crawler.stats.get_stats().items()
            if k.startswith(prefix)}


def respond(cls, url: str, body: bytes, source: str, headers=None, **meta) -> Response:
    request = scrapy.Request(url, meta={"source_id": source, **meta})
    return cls(url, body=body, headers=headers or {}, request=request)


PAGE = "<html><head>{meta}<title>Т</title></head><body><h1>Гражданский форум</h1></body></html>"


@pytest.mark.parametrize(("headers", "meta", "encoding"), [
    ({"Content-Type": "text/html; charset=windows-1251"}, "", "cp1251"),
    ({"Content-Type": "text/html"}, '<meta charset="windows-1251">', "cp1251"),
    ({"Content-Type": "text/html"},
     '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', "cp1251"),
    ({"Content-Type": "text/html; charset=utf-8"}, "", "utf-8"),
])
def test_article_pages_are_decoded_by_header_or_meta_charset(spider, headers, meta, encoding):
    sp = spider("bakvestnik")
    url = BASES["bakvestnik"] + "/archive/2023/02/10/n2187.html"
    body = PAGE.format(meta=meta).encode(encoding)
    (item,) = sp.parse_article(respond(HtmlResponse, url, body, "bakvestnik", headers,
                                       discovered_via="listing", discovery_date="10.02.2023"))
    assert isinstance(item, ArticleItem)
    assert "Гражданский форум" in item.html
    assert item.fetched_at == datetime(2025, 11, 25, 6, 30, tzinfo=UTC)
    assert (item.discovered_via, item.discovery_date) == ("listing", "10.02.2023")
    assert stats(sp, "bakvestnik") == {"fetched": 1}


def test_registry_encoding_overrides_a_lying_header(spider, tmp_path: Path):
    registry = tmp_path / "sources.toml"
    text = render_registry(BASES).replace('id = "bakvestnik"',
                                          'id = "bakvestnik"\nencoding = "windows-1251"', 1)
    registry.write_text(text, encoding="utf-8")
    crawler = get_crawler(NewsSpider, {"CIVMON_SOURCES": str(registry), "CIVMON_CLOCK": CLOCK,
                                       "CIVMON_DB": str(tmp_path / "db.sqlite")})
    crawler.stats.open_spider()
    sp = NewsSpider.from_crawler(crawler, source="bakvestnik")
    url = BASES["bakvestnik"] + "/archive/2023/02/10/n2187.html"
    body = PAGE.format(meta="").encode("cp1251")
    (item,) = sp.parse_article(respond(HtmlResponse, url, body, "bakvestnik",
                                       {"Content-Type": "text/html; charset=utf-8"}))
    assert "Гражданский форум" in item.html and item.encoding == "windows-1251"


def test_a_non_html_article_url_is_a_failure_not_an_item(spider):
    sp = spider("bakvestnik")
    url = BASES["bakvestnik"] + "/archive/2023/02/10/n2187.html"
    out = list(sp.parse_article(respond(Response, url, b"%PDF-1.4", "bakvestnik",
                                        {"Content-Type": "application/pdf"})))
    assert out == [] and stats(sp, "bakvestnik") == {"failed": 1, "fault_not_html": 1}


def feed(*items: tuple[str, str]) -> bytes:
    body = "".join(f"<item><title>t</title><link>{u}</link><pubDate>{d}</pubDate></item>"
                   for u, d in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{body}</channel></rss>'.encode()


def test_feed_links_are_filtered_deduplicated_and_carry_their_date(spider):
    sp = spider("azerinform")
    base = BASES["azerinform"]
    good = f"{base}/ru/xeber/forum-npo-3816240"
    body = feed(
        (good, "Mon, 24 Nov 2025 07:18:00 +0000"),
        (good + "?utm_source=rss", "Mon, 24 Nov 2025 07:18:00 +0000"),  # same article
        ("https://elsewhere.az/ru/xeber/forum-npo-1", "Mon, 24 Nov 2025 07:00:00 +0000"),
        (f"{base}/ru/about", "Mon, 24 Nov 2025 07:00:00 +0000"),       # not an article URL
        ("mailto:press@azerinform.az", ""),
    )
    requests = list(sp.parse_feed(respond(XmlResponse, f"{base}/ru/rss", body, "azerinform")))
    assert [r.url for r in requests] == [good]
    assert requests[0].meta["discovery_date"] == "Mon, 24 Nov 2025 07:18:00 +0000"
    assert requests[0].meta["discovered_via"] == "feed"
    assert stats(sp, "azerinform") == {"discovery_ok": 1, "discovered": 1}


def store(sp: NewsSpider, *urls: str) -> None:
    """Store articles at ``urls`` in the spider's own database."""
    from sqlalchemy.orm import Session

    from pipelines.dedup import canonical_url, content_hash
    from pipelines.store import ArticleWriter

    with Session(sp.ledger.engine) as session:
        writer = ArticleWriter(session)
        for url in urls:
            it = ArticleItem(source_id="azerinform", url=url, html="", source=None,
                             fetched_at=datetime(2025, 11, 25, tzinfo=UTC), text=url)
            it.canonical_url, it.content_hash = canonical_url(url), content_hash(url)
            writer.write(it)
        session.commit()


def test_known_articles_are_counted_but_not_fetched(spider):
    sp = spider("azerinform")
    base = BASES["azerinform"]
    known, new = f"{base}/ru/xeber/old-1", f"{base}/ru/xeber/new-2"
    store(sp, known)
    body = feed((known, ""), (new, ""))
    requests = list(sp.parse_feed(respond(XmlResponse, f"{base}/ru/rss", body, "azerinform")))
    assert [r.url for r in requests] == [new]
    assert stats(sp, "azerinform") == {"discovery_ok": 1, "discovered": 2, "skipped_known": 1}


def test_the_known_check_uses_the_default_database_when_none_is_given(tmp_path, monkeypatch):
    """No CIVMON_DB: the spider asks data/civmon.sqlite, the file the store writes to."""
    monkeypatch.chdir(tmp_path)
    registry = tmp_path / "sources.toml"
    registry.write_text(render_registry(BASES), encoding="utf-8")
    crawler = get_crawler(NewsSpider, {"CIVMON_SOURCES": str(registry), "CIVMON_CLOCK": CLOCK})
    crawler.stats.open_spider()
    sp = NewsSpider.from_crawler(crawler, source="azerinform")
    assert sp.ledger.engine.url.database == str(tmp_path / "data" / "civmon.sqlite")
    base = BASES["azerinform"]
    store(sp, f"{base}/ru/xeber/old-1")
    requests = list(sp.parse_feed(respond(XmlResponse, f"{base}/ru/rss", feed(
        (f"{base}/ru/xeber/old-1", ""), (f"{base}/ru/xeber/new-2", "")), "azerinform")))
    assert [r.url for r in requests] == [f"{base}/ru/xeber/new-2"]
    sp.closed("finished")


def test_the_known_check_asks_in_batches_not_one_big_set(spider):
    """A page of 1,200 links, 700 of them stored: three indexed queries, right answer."""
    sp = spider("azerinform")
    base = BASES["azerinform"]
    urls = [f"{base}/ru/xeber/n-{i}" for i in range(1200)]
    store(sp, *urls[:700])
    queries: list[str] = []
    from sqlalchemy import event

    event.listen(sp.ledger.engine, "before_cursor_execute",
                 lambda *a: queries.append(a[2]) if "FROM articles" in a[2] else None)
    requests = list(sp.parse_feed(respond(XmlResponse, f"{base}/ru/rss",
                                          feed(*((u, "") for u in urls)), "azerinform")))
    assert [r.url for r in requests] == urls[700:]
    assert len(queries) == 3
    assert stats(sp, "azerinform")["skipped_known"] == 700


def test_a_broken_feed_is_a_counted_discovery_failure(spider, caplog):
    sp = spider("azerinform")
    url = BASES["azerinform"] + "/ru/rss"
    assert list(sp.parse_feed(respond(XmlResponse, url, b"<html>oops", "azerinform",
                                      role="feed"))) == []
    # counted under its fault kind too (crawl_run_faults), like any failed request
    assert stats(sp, "azerinform") == {"discovery_failed": 1, "fault_bad_document": 1}
    assert f"azerinform: feed {url}:" in caplog.text


def test_sitemap_index_follows_only_its_own_hosts(spider):
    sp = spider("dalanews")
    base = BASES["dalanews"]
    body = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9"><sitemap><loc>{base}/sitemap-news-1.xml</loc></sitemap>'
            f"<sitemap><loc>https://cdn.example.com/sitemap.xml</loc></sitemap>"
            f"</sitemapindex>").encode()
    requests = list(sp.parse_sitemap(respond(XmlResponse, f"{base}/sitemap-index.xml", body,
                                             "dalanews")))
    assert [(r.url, r.meta["role"]) for r in requests] == [
        (f"{base}/sitemap-news-1.xml", "sitemap")]


def listing(page: int, cards: int = 2) -> bytes:
    links = "".join(f'<div class="card"><a href="/ru/npo-news-{page:04x}{i:04x}">N</a>'
                    f"<time>2{i}.11.2025</time></div>" for i in range(cards))
    nxt = f'<a class="pagination__next" href="/ru/lenta?page={page + 1}">Далее</a>'
    return f"<html><body>{links}{nxt}</body></html>".encode()


def test_listing_pages_follow_next_page_up_to_max_pages(spider):
    sp = spider("steppeinform")
    source = sp.sources["steppeinform"]
    base = BASES["steppeinform"]
    assert source.next_page == "a.pagination__next" and source.max_pages == 3

    def crawl_page(page: int) -> list[scrapy.Request]:
        return list(sp.parse_listing(respond(
            HtmlResponse, f"{base}/ru/lenta?page={page}", listing(page), "steppeinform",
            {"Content-Type": "text/html; charset=utf-8"}, page=page)))

    out = crawl_page(2)
    articles = [r for r in out if r.meta["role"] == "article"]
    assert [r.url for r in articles] == [f"{base}/ru/npo-news-00020000",
                                         f"{base}/ru/npo-news-00020001"]
    assert [r.meta["discovery_date"] for r in articles] == ["20.11.2025", "21.11.2025"]
    assert [(r.url, r.meta["page"]) for r in out if r.meta["role"] == "listing"] == [
        (f"{base}/ru/lenta?page=3", 3)]
    assert all(r.meta["role"] == "article" for r in crawl_page(3))  # max_pages: stop


@pytest.mark.parametrize(("value", "message"), [
    ("yesterday", "CIVMON_CLOCK: 'yesterday' is not an ISO 8601 date-time"),
    ("2025-11-25T06:30:00", "CIVMON_CLOCK: '2025-11-25T06:30:00' has no UTC offset"),
])
def test_a_bad_clock_is_a_clear_error(value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_clock(value)


def test_clock_is_converted_to_utc():
    assert parse_clock("2025-11-25T11:30:00+05:00") == datetime(2025, 11, 25, 6, 30, tzinfo=UTC)
    assert parse_clock("") is None


def listing_page(sp, base, page, body):
    return list(sp.parse_listing(respond(
        HtmlResponse, f"{base}/ru/lenta?page={page}", body, "steppeinform",
        {"Content-Type": "text/html; charset=utf-8"}, page=page)))


def test_paging_stops_at_a_page_of_only_known_articles(spider):
    sp = spider("steppeinform")
    base = BASES["steppeinform"]
    store(sp, f"{base}/ru/npo-news-00010000", f"{base}/ru/npo-news-00010001")
    out = listing_page(sp, base, 1, listing(1))
    assert out == []
    assert stats(sp, "steppeinform")["paging_stopped_known"] == 1
    sp2 = spider("steppeinform", CIVMON_STOP_PAGING_KNOWN=False)  # a backfill goes on
    assert [r.meta["page"] for r in listing_page(sp2, base, 1, listing(1))] == [2]


def test_a_next_page_selector_that_matches_nothing_is_counted(spider, caplog):
    sp = spider("steppeinform")
    base = BASES["steppeinform"]
    body = listing(1).replace(b'class="pagination__next"', b'class="pager-next"')
    out = listing_page(sp, base, 1, body)
    assert all(r.meta["role"] == "article" for r in out)
    assert stats(sp, "steppeinform")["next_page_missing"] == 1
    assert "next_page 'a.pagination__next' matched nothing" in caplog.text


def test_feeds_are_fetched_conditionally_and_a_304_is_not_a_failure(spider):
    sp = spider("azerinform")
    url = BASES["azerinform"] + "/ru/rss"
    source = sp.sources["azerinform"]
    first = sp._discovery_request(url, source, sp.parse_feed, role="feed")
    assert b"If-None-Match" not in first.headers
    sp.parse_feed(respond(XmlResponse, url, feed(), "azerinform",
                          {"ETag": '"v7"', "Last-Modified": "Mon, 24 Nov 2025 07:00:00 GMT"}))
    list(sp.parse_feed(respond(XmlResponse, url, feed(), "azerinform",
                               {"ETag": '"v7"', "Last-Modified": "Mon, 24 Nov 2025 07:00:00 GMT"})))
    sp.ledger.save_validators(sp.validators_seen, sp.now())
    again = sp._discovery_request(url, source, sp.parse_feed, role="feed")
    assert again.headers[b"If-None-Match"] == b'"v7"'
    assert again.headers[b"If-Modified-Since"] == b"Mon, 24 Nov 2025 07:00:00 GMT"
    assert 304 in again.meta["handle_httpstatus_list"]
    request = scrapy.Request(url, meta={"source_id": "azerinform", "role": "feed"})
    not_modified = Response(url, status=304, request=request)
    assert list(sp.parse_feed(not_modified)) == []
    assert stats(sp, "azerinform")["not_modified"] == 1
