"""Feed, sitemap and listing parsing (no crawler, no network)."""

from __future__ import annotations

import gzip

import pytest
from parsel import Selector

from crawler.discovery import DiscoveryError, listing_links, parse_feed, parse_sitemap

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>AZERTAC</title>
<item><title>NGO forum</title><link>https://azertag.az/ru/xeber/forum-1</link>
<pubDate>Mon, 24 Nov 2025 11:18:00 +0400</pubDate></item>
<item><title>No guid either</title><link> /ru/xeber/relative-2 </link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>A</title><link rel="alternate" href="https://ex.kz/news/1"/>
<published>2025-11-24T10:00:00+05:00</published></entry>
</feed>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://ex.kz/sitemap-news1.xml</loc><lastmod>2025-11-25</lastmod></sitemap>
</sitemapindex>"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://ex.kz/news/a-1</loc><lastmod>2025-11-24T09:00:00+05:00</lastmod></url>
<url><loc>https://ex.kz/news/b-2</loc><news:news><news:publication_date>2025-11-23T08:00:00+05:00</news:publication_date><news:title>B</news:title></news:news></url>
</urlset>"""


def test_rss_keys_on_link_and_keeps_pubdate() -> None:
    links = parse_feed(RSS, "https://azertag.az/ru/rss")
    assert [(lk.url, lk.date, lk.title) for lk in links] == [
        ("https://azertag.az/ru/xeber/forum-1", "Mon, 24 Nov 2025 11:18:00 +0400", "NGO forum"),
        ("https://azertag.az/ru/xeber/relative-2", None, "No guid either"),
    ]


def test_atom() -> None:
    (link,) = parse_feed(ATOM, "https://ex.kz/atom")
    assert link.url == "https://ex.kz/news/1" and link.date == "2025-11-24T10:00:00+05:00"


def test_sitemap_index_and_urlset() -> None:
    idx = parse_sitemap(INDEX, "https://ex.kz/sitemap-index.xml")
    assert idx.is_index and idx.links[0].url == "https://ex.kz/sitemap-news1.xml"
    urls = parse_sitemap(gzip.compress(URLSET), "https://ex.kz/s.xml.gz")
    assert not urls.is_index
    assert [(lk.url, lk.date) for lk in urls.links] == [
        ("https://ex.kz/news/a-1", "2025-11-24T09:00:00+05:00"),
        ("https://ex.kz/news/b-2", "2025-11-23T08:00:00+05:00"),
    ]
    assert urls.links[1].title == "B"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><body>Just a moment...</body></html>",
         "feed returned an HTML page, not XML"),
        (b"<opml><body/></opml>", "feed has root <opml>"),
        (b"  ", "feed is empty"),
        (b"\x1f\x8bnot really gzip", "feed is not valid gzip"),
    ],
)
def test_bad_feeds_say_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        parse_feed(body, "https://ex.kz/rss")


def test_listing_cards_carry_their_dates() -> None:
    html = """<html><body><nav><a href="/">Главная</a><a href="/about">О нас</a></nav>
    <ul class="list">
      <li><a href="/news/1-forum">Форум НПО</a><span class="date">15:00, 23 Ноябрь 2025</span></li>
      <li><div class="card"><a href="/news/2-grants">Гранты</a>
          <time datetime="2025-11-24T10:00:00+05:00">Вчера</time></div></li>
      <li><a href="/news/3-nodate">Без даты</a></li>
    </ul></body></html>"""
    links = {lk.url: lk.date for lk in listing_links(Selector(text=html), "https://kz.test/")}
    assert links["https://kz.test/news/1-forum"] == "15:00, 23 Ноябрь 2025"
    assert links["https://kz.test/news/2-grants"] == "2025-11-24T10:00:00+05:00"
    assert links["https://kz.test/news/3-nodate"] is None
    assert links["https://kz.test/about"] is None
