"""Metadata read from an already-parsed page: title, author, canonical URL, dates.

Everything here works on the lxml tree that extraction parsed once; nothing
re-parses the page.  Values are returned together with a short description of
where they came from, for ``civmon extract --explain``.  Dates are raw strings
only (``pipelines.dates`` parses them).  Reads no settings.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.registry import is_xpath
from pipelines.cleanup import find_dates
from pipelines.items import DateCandidate

_WS = re.compile(r"\s+")
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||—|–|-|::|«|»|·)\s+")
#: schema.org types (compared case-folded) whose object describes the page's article;
#: every subtype of Article ends in "article" (ReportageNewsArticle, ScholarlyArticle);
#: a fact-check page describes itself as a ClaimReview.
_ARTICLE_TYPES = {"blogposting", "liveblogposting", "socialmediaposting", "report", "webpage",
                  "claimreview"}  # a fact-check page (factcheck.kz) is its ClaimReview
_META_DATES = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publishdate", "publish_date", "publication_date", "date", "dc.date.issued", "dc.date",
    "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
)
#: Words of a class or id naming a container whose dates belong to other articles
#: (cards, comments, widgets).  Compared word by word ("hfeed", "has-sidebar-left"'s
#: "has" are not "feed" / ... ), so a blog's hfeed wrapper is not a feed.
_FOREIGN_WORDS = frozenset((
    "related", "latest", "popular", "sidebar", "widget", "widgets", "footer", "comment",
    "comments", "aside", "nav", "navbar", "navigation", "card", "cards", "lenta", "feed",
    "teaser", "teasers", "similar", "recommend", "recommended", "recommendations", "banner",
    "menu", "most", "lastnews", "popular_news", "more"))
_FOREIGN_PAIRS = frozenset((("last", "news"), ("other", "news"), ("news", "list"),
                            ("read", "also")))
_MARKER_WORDS = re.compile(r"[a-z0-9]+", re.I)


def text_of(el) -> str:
    return _WS.sub(" ", el.text_content()).strip() if el is not None else ""


@lru_cache(maxsize=512)
def compile_selector(selector: str) -> etree.XPath:
    """A registry selector (CSS or XPath, see ``crawler.registry.is_xpath``) as XPath."""
    if is_xpath(selector):
        return etree.XPath(selector)
    from lxml.cssselect import CSSSelector

    return CSSSelector(selector)


def select(tree, selector: str) -> list:
    try:
        found = compile_selector(selector)(tree)
    except (etree.XPathError, ValueError):
        return []
    return [el for el in found if isinstance(el, etree._Element)]


@dataclass
class PageMeta:
    html_lang: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    jsonld: list[dict] = field(default_factory=list)
    site_name: str | None = None


def read_head(tree) -> PageMeta:
    """<html lang>, every <meta> (by name/property/itemprop) and article JSON-LD objects."""
    info = PageMeta(html_lang=tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang"))
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content") or el.get("datetime")
        if key and content and key not in info.meta:
            info.meta[key] = content.strip()
        if el.get("http-equiv", "").lower() == "content-language" and not info.html_lang:
            info.html_lang = el.get("content")
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        info.jsonld.extend(_article_objects(data))
    info.site_name = info.meta.get("og:site_name")
    return info


def _article_objects(data) -> list[dict]:
    found: list[dict] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "@graph" in item:
                stack.append(item["@graph"])
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and _is_article_type(t) for t in types):
                found.append(item)
    return found


def _is_article_type(name: str) -> bool:
    key = name.rsplit("/", 1)[-1].casefold()   # "http://schema.org/NewsArticle" too
    return key.endswith("article") or key in _ARTICLE_TYPES


def _jsonld_value(info: PageMeta, key: str) -> str | None:
    for obj in info.jsonld:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def clean_title(raw: str, site_name: str | None, host: str) -> str:
    """'Headline | Site' -> 'Headline': drop segments that name the site."""
    raw = _WS.sub(" ", raw).strip()
    parts = _TITLE_SEPARATORS.split(raw)
    if len(parts) == 1:
        return raw
    host_key = host.removeprefix("www.").split(".")[0].casefold()
    site_key = (site_name or "").casefold()

    def names_site(p: str) -> bool:
        k = p.casefold()
        return bool(host_key and host_key in k.replace(" ", "")) or bool(site_key and (
            site_key in k or k in site_key))

    kept = [p for p in parts if not names_site(p)]
    return max(kept, key=len) if kept else raw


def _same(a: str, b: str) -> bool:
    a, b = a.casefold().strip(" .»«\""), b.casefold().strip(" .»«\"")
    return bool(a and b) and (a == b or (len(a) > 15 and (a in b or b in a)))


def find_title(tree, info: PageMeta, url: str, selector: str | None):
    """(title, how, element): selector > h1 confirmed by metadata > og/JSON-LD > h1 > <title>."""
    if selector:
        for el in select(tree, selector):
            if text_of(el):
                return text_of(el), f"selector {selector}", el
    host = urlsplit(url).hostname or ""
    metas = []
    for key, how in (("og:title", "og:title"), ("twitter:title", "twitter:title")):
        if info.meta.get(key):
            metas.append((clean_title(info.meta[key], info.site_name, host), how))
    headline = _jsonld_value(info, "headline") or _jsonld_value(info, "name")
    if headline:
        metas.append((clean_title(headline, info.site_name, host), "JSON-LD headline"))
    title_el = tree.find(".//title")
    if title_el is not None and text_of(title_el):
        metas.append((clean_title(text_of(title_el), info.site_name, host), "<title>"))
    h1s = [el for el in tree.iter("h1") if text_of(el)]
    for el in h1s:
        for value, how in metas:
            if _same(text_of(el), value):
                return text_of(el), f"h1 (matches {how})", el
    if metas[:1] and metas[0][1] != "<title>":
        heading = _heading_for(tree, metas[0][0])
        return metas[0][0], metas[0][1], heading if heading is not None else (h1s or [None])[0]
    for el in h1s:
        if len(text_of(el)) >= 10:
            return text_of(el), "first h1", el
    if metas:
        return metas[0][0], metas[0][1], _heading_for(tree, metas[0][0])
    return None, "none", None


def _heading_for(tree, title: str):
    """The h2/h3 that prints the title when a page has no matching h1 (dates sit near it)."""
    for tag in ("h2", "h3"):
        for el in tree.iter(tag):
            if _same(text_of(el), title):
                return el
    return None


def find_author(tree, info: PageMeta, selector: str | None) -> tuple[str | None, str]:
    if selector:
        for el in select(tree, selector):
            if text_of(el):
                return text_of(el), f"selector {selector}"
    for obj in info.jsonld:
        author = obj.get("author")
        authors = author if isinstance(author, list) else [author]
        # An Organization as "author" is the publisher, not who wrote the text.
        names = [a.get("name") if isinstance(a, dict) and a.get("@type") != "Organization"
                 else (a if isinstance(a, str) else None) for a in authors]
        names = [n.strip() for n in names if isinstance(n, str) and n.strip()]
        if names:
            return ", ".join(names), "JSON-LD author"
    for key in ("author", "article:author", "sailthru.author", "dc.creator"):
        value = info.meta.get(key)
        if value and not value.startswith("http"):
            return value, f"meta {key}"
    for xp in (".//*[@itemprop='author']", ".//a[@rel='author']"):
        for el in tree.iterfind(xp):
            name = text_of(el)
            if name and len(name) < 80 and not in_foreign(el):
                return name, "itemprop=author" if "itemprop" in xp else "rel=author"
    return None, "none"


def find_canonical(tree, info: PageMeta, url: str) -> tuple[str | None, str]:
    for link in tree.iterfind(".//link[@rel]"):
        if "canonical" in link.get("rel", "").lower().split() and link.get("href"):
            return urljoin(url, link.get("href").strip()), "link rel=canonical"
    if info.meta.get("og:url"):
        return urljoin(url, info.meta["og:url"]), "og:url"
    return None, "none"


def find_alternates(tree, url: str) -> tuple[str, ...]:
    """Other-language editions the page names: ``<link rel=alternate hreflang=..>``
    (absolute; the page itself and ``x-default`` left out)."""
    out: list[str] = []
    for link in tree.iterfind(".//link[@hreflang]"):
        if "alternate" not in link.get("rel", "").lower().split() or not link.get("href"):
            continue
        if link.get("hreflang", "").lower() == "x-default":
            continue
        href = urljoin(url, link.get("href").strip())
        if href != url and href not in out:
            out.append(href)
    return tuple(out)


def foreign_marker(el) -> bool:
    """True when the element's own class or id names a widget / card / comment box."""
    marker = f"{el.get('class', '')} {el.get('id', '')}"
    if not marker.strip():
        return False
    words = [w.casefold() for w in _MARKER_WORDS.findall(marker)]
    if any(w in _FOREIGN_WORDS for w in words):
        return True
    return not _FOREIGN_PAIRS.isdisjoint(itertools.pairwise(words))


def in_foreign(el, article_scope=frozenset()) -> bool:
    """True when ``el`` sits in a widget, card list, comment box, nav, aside or footer.

    The climb stops at <body>, and at any element of ``article_scope`` (the
    ancestors of the article's headline): a container that holds the article is
    never "foreign", whatever its class ("hfeed", "content with-sidebar").
    """
    for anc in el.iterancestors():
        if anc.tag in ("body", "html") or anc in article_scope:
            return False
        if anc.tag in ("nav", "aside", "footer") or foreign_marker(anc):
            return True
    return False


def find_dates_in_page(tree, info: PageMeta, title_el, date_selector: str | None
                       ) -> list[DateCandidate]:
    """Raw date candidates, most reliable origin first."""
    out: list[DateCandidate] = []

    def add(raw: str | None, origin: str) -> None:
        raw = _WS.sub(" ", raw or "").strip()
        if raw and all(c.raw != raw for c in out):
            out.append(DateCandidate(raw, origin))

    for key in ("datePublished", "dateCreated"):
        add(_jsonld_value(info, key), "jsonld")
    for key in _META_DATES:
        add(info.meta.get(key), "meta")
    for el in tree.iterfind(".//*[@itemprop='datePublished']"):
        if el.tag != "meta":
            add(el.get("content") or el.get("datetime"), "meta")
    scope = frozenset(title_el.iterancestors()) if title_el is not None else frozenset()
    for el in tree.iter("time"):
        if in_foreign(el, scope):
            continue
        add(el.get("datetime"), "time")
        add(text_of(el), "time")
    if date_selector:
        for el in select(tree, date_selector)[:2]:
            # <time datetime> / <meta content>: the machine-readable value, else the text
            add(el.get("datetime") or el.get("content") or text_of(el), "selector")
    if title_el is not None:
        parent = title_el.getparent()
        for scope in (parent, parent.getparent() if parent is not None else None):
            found = False
            for el in scope.iter() if scope is not None else ():
                if el is title_el or not isinstance(el.tag, str) or el.tag in ("script", "style"):
                    continue
                for piece in (el.text, el.tail if el is not scope else None):
                    piece = (piece or "").strip()
                    if piece and len(piece) < 80:
                        for raw in find_dates(piece)[:2]:
                            add(raw, "text")
                            found = True
            if found:
                break
    return out
