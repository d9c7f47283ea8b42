"""Finding article links: RSS/Atom feeds, XML sitemaps and listing pages.

Pure functions over bytes or a parsel ``Selector``, so they are tested without
a crawler.  Each returns :class:`Link` objects carrying the date seen at
discovery (feed ``pubDate``, sitemap ``lastmod`` / ``news:publication_date``,
the date printed on a listing card) for the dates stage to weigh.

Feeds are keyed on ``<link>``, never ``<guid>``: AZERTAC's items have no guid
and qafqazinfo repeats one guid for every item (sites.md 1.3).
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

#: Refuse to inflate a .xml.gz sitemap past this size (a zip bomb guard).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


class DiscoveryError(ValueError):
    """A feed or sitemap is not what it should be (HTML instead of XML, unknown root)."""


@dataclass(frozen=True)
class Link:
    url: str
    date: str | None = None
    title: str | None = None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _xml_root(body: bytes, what: str) -> etree._Element:
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                body = fh.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise DiscoveryError(f"{what} is not valid gzip: {exc}") from None
        if len(body) > MAX_SITEMAP_BYTES:
            raise DiscoveryError(f"{what} inflates past {MAX_SITEMAP_BYTES} bytes")
    if not body.strip():
        raise DiscoveryError(f"{what} is empty")
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise DiscoveryError(f"{what} returned an HTML page, not XML")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"{what} is not XML: {exc}") from None
    if root is None:
        raise DiscoveryError(f"{what} is empty or not XML")
    return root


def _child_text(el: etree._Element, *names: str) -> str | None:
    for child in el:
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order."""
    root = _xml_root(body, "feed")
    kind = _local(root.tag)
    if kind not in ("rss", "rdf", "feed"):
        raise DiscoveryError(f"feed has root <{kind}>, expected <rss>, <rdf:RDF> or <feed>")
    links: list[Link] = []
    for el in root.iter():
        name = _local(el.tag)
        if name == "item":
            url = _child_text(el, "link")
            date = _child_text(el, "pubdate", "date", "published", "updated")
        elif name == "entry":
            url = None
            for child in el:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    url = child.get("href")
                    break
            date = _child_text(el, "published", "updated", "issued")
        else:
            continue
        if url:
            links.append(Link(urljoin(base_url, url.strip()), date, _child_text(el, "title")))
    return links


@dataclass(frozen=True)
class SitemapContent:
    is_index: bool
    links: list[Link]


def parse_sitemap(body: bytes, base_url: str) -> SitemapContent:
    """A sitemap index (child sitemaps) or a urlset (pages), with lastmod / news dates."""
    root = _xml_root(body, "sitemap")
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"sitemap has root <{kind}>, expected <urlset> or <sitemapindex>")
    entry = "sitemap" if kind == "sitemapindex" else "url"
    links: list[Link] = []
    for el in root:
        if _local(el.tag) != entry:
            continue
        loc = _child_text(el, "loc")
        if not loc:
            continue
        date = _child_text(el, "lastmod")
        title = None
        for child in el:
            if _local(child.tag) == "news":  # Google News sitemap
                date = _child_text(child, "publication_date") or date
                title = _child_text(child, "title")
        links.append(Link(urljoin(base_url, loc), date, title))
    return SitemapContent(is_index=kind == "sitemapindex", links=links)


#: Text that looks like a date on a listing card: a time, a numeric date,
#: "Сегодня"/"Вчера"-style words, or a day and a month name.
_CARD_DATE = re.compile(
    r"\d{1,2}:\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|сегодня|вчера|позавчера|назад|bugün|dünən|бүгін|кеше|today|yesterday"
    r"|\d{1,2}\s+[^\W\d_]{3,}\.?\s*(?:\d{4})?",
    re.IGNORECASE,
)
_MAX_CARD_DATE_LEN = 60


def listing_links(page: Selector, base_url: str) -> list[Link]:
    """Every link of a listing page, with the date printed on its card when there is one.

    A card is the nearest ancestor (up to four levels) that holds this link and
    no link to a different URL; its ``<time>`` element, or a short text that
    looks like a date, is the card date.
    """
    links: list[Link] = []
    seen: set[str] = set()
    for a in page.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base_url, href)
        if url in seen:
            continue
        seen.add(url)
        title = " ".join(a.css("::text").getall()).strip() or None
        links.append(Link(url, _card_date(a, url, base_url), title))
    return links


def _card_date(a: Selector, url: str, base_url: str) -> str | None:
    node = a
    for _ in range(4):
        parents = node.xpath("..")
        if not parents:
            return None
        node = parents[0]
        hrefs = {urljoin(base_url, h.strip()) for h in node.css("a::attr(href)").getall()}
        if len(hrefs - {url}) > 0:
            return None  # reached the list, not a card
        stamp = node.css("time::attr(datetime)").get() or node.css("time::text").get()
        if stamp and stamp.strip():
            return stamp.strip()
        for text in node.xpath(".//text()[not(ancestor::a)]").getall():
            text = " ".join(text.split())
            if text and len(text) <= _MAX_CARD_DATE_LEN and _CARD_DATE.search(text):
                return text
    return None
