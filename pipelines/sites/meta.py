"""Metadata read from an already-parsed page: title, author, canonical URL, dates.

Everything here works on the lxml tree that extraction parsed once; nothing
re-parses the page.  Values are returned together with a short description of
where they came from, for ``civmon extract --explain``.  Dates are raw strings
only (``pipelines.dates`` parses them).  Reads no settings.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.registry import is_xpath
from pipelines.cleanup import find_dates
from pipelines.items import DateCandidate
from pipelines.translit import latin

_WS = re.compile(r"\s+")
#: Between a headline and a site-name / section affix ("Headline | Site", "Site: Headline");
#: captured, so what stays keeps its own separators.
_TITLE_SEPARATORS = re.compile(r"(\s+(?:\||—|–|-|::|«|»|·|/|\*)\s+|\s*[|｜ㅣ：]\s*)")
#: What an affix after a title starts with ("- National", "-정치ㅣ한국일보", ": Politik").
_AFFIX_START = re.compile(r"^\s*(?:[-|–—:·•*/｜：ㅣ]|::)")
_MAX_AFFIX = 60
_SECOND_LEVEL = frozenset(("co", "com", "org", "net", "gov", "ac", "edu", "or", "ne"))
#: Title sources, in the order that breaks a tie of support.
_TITLE_SOURCES = ("JSON-LD headline", "og:title", "h1", "twitter:title", "<title>")
#: Which witness a source counts as (og:title and twitter:title are one; <title> none).
_WITNESS = {"JSON-LD headline": "JSON-LD", "og:title": "og/twitter", "twitter:title": "og/twitter",
            "h1": "h1", "<title>": None}
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


def site_names(info: PageMeta, host: str) -> tuple[str, ...]:
    """What the site calls itself, folded (``_fold``): og:site_name, the JSON-LD
    publisher's name and the host's own label ("seznamzpravy" of www.seznamzpravy.cz)."""
    names = [info.site_name or ""]
    for obj in info.jsonld:
        publisher = obj.get("publisher")
        for pub in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(pub, dict) and isinstance(pub.get("name"), str):
                names.append(pub["name"])
    names.append(_host_label(host))
    return tuple(dict.fromkeys(k for k in map(_fold, names) if len(k) > 2))


def _host_label(host: str) -> str:
    """The registered name of a host: "seznamzpravy" of www.seznamzpravy.cz, "dailymaverick"
    of www.dailymaverick.co.za."""
    labels = host.casefold().removeprefix("www.").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


def _fold(text: str) -> str:
    """Letters and digits only, case and accents dropped ("Seznam Zprávy" -> "seznamzpravy")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _names_site(segment: str, names: tuple[str, ...]) -> bool:
    """True when a title segment names the site, in its own script or transliterated
    ("Знамя степи" on znamya-stepi.kz)."""
    for key in {_fold(segment), latin(segment)}:
        if key and any(n in key or (len(key) > 3 and key in n) for n in names):
            return True
    return False


def clean_title(raw: str, site_name: str | tuple[str, ...] | None, host: str = "") -> str:
    """'Headline | Site', 'Site: Headline' -> 'Headline'.

    Only segments at either end that name the site (``site_names``; a bare
    ``site_name`` string and ``host`` are folded the same way) are dropped, one at a
    time; the rest keeps its own separators ("Zwei Rücktritte - und viele offene
    Fragen" is one headline).  HTML entities left in metadata (``&quot;`` in a
    JSON-LD headline) are decoded.
    """
    raw = _WS.sub(" ", html.unescape(raw)).strip()
    if isinstance(site_name, tuple):
        names = site_name
    else:
        names = tuple(k for k in (_fold(site_name or ""), _fold(_host_label(host))) if len(k) > 2)
    parts = _TITLE_SEPARATORS.split(raw)
    segments, seps = parts[0::2], parts[1::2]
    while len(segments) > 1:
        if _names_site(segments[-1], names):
            segments.pop()
            seps.pop()
        elif _names_site(segments[0], names):
            segments.pop(0)
            seps.pop(0)
        else:
            break
    out = segments[0]
    for sep, segment in zip(seps, segments[1:], strict=True):
        out += sep + segment
    return out.strip() or raw


def _key(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def _carries(longer: str, shorter: str) -> bool:
    """True when ``longer`` is ``shorter`` or ``shorter`` followed by an affix after a
    separator ("Headline - National", "Headline-정치ㅣ한국일보"): the same title."""
    a, b = _key(longer), _key(shorter)
    if a == b:
        return True
    return (len(b) >= 10 and a.startswith(b) and len(a) - len(b) <= _MAX_AFFIX
            and bool(_AFFIX_START.match(a[len(b):])))


def _same(a: str, b: str) -> bool:
    return bool(a.strip() and b.strip()) and (_carries(a, b) or _carries(b, a))


@dataclass
class _TitleCandidate:
    value: str
    source: str
    """One of ``_TITLE_SOURCES``."""
    element: object = None


def _title_candidates(tree, info: PageMeta, url: str) -> list[_TitleCandidate]:
    names = site_names(info, urlsplit(url).hostname or "")
    out: list[_TitleCandidate] = []
    headline = _jsonld_value(info, "headline") or _jsonld_value(info, "name")
    if headline:
        out.append(_TitleCandidate(clean_title(headline, names), "JSON-LD headline"))
    for key in ("og:title", "twitter:title"):
        if info.meta.get(key):
            out.append(_TitleCandidate(clean_title(info.meta[key], names), key))
    for el in itertools.islice((el for el in tree.iter("h1") if text_of(el)), 3):
        out.append(_TitleCandidate(clean_title(text_of(el), names), "h1", el))
    title_el = tree.find(".//title")
    if title_el is not None and text_of(title_el):
        out.append(_TitleCandidate(clean_title(text_of(title_el), names), "<title>"))
    return [c for c in out if c.value]


def find_title(tree, info: PageMeta, url: str, selector: str | None):
    """(title, how, element): the registry selector, else the candidate most sources agree on.

    Candidates: JSON-LD headline, og:title, twitter:title, the first <h1>s and
    <title>, site-name affixes removed (``clean_title``).  A candidate's support is
    the set of sources that print it, or print it plus an affix ("Headline - Section").
    What the publisher declares as the headline (JSON-LD, og:title and
    twitter:title, the last two one witness: one is usually copied from the other)
    counts first; between candidates declared equally often the printed <h1>
    decides, then the document <title> (which the others are cut from, so it is
    never a witness of its own), then the order of ``_TITLE_SOURCES``.  The
    element returned is the heading that prints the title (dates and the lead sit
    near it).
    """
    if selector:
        for el in select(tree, selector):
            if text_of(el):
                return text_of(el), f"selector {selector}", el
    cands = _title_candidates(tree, info, url)
    if not cands:
        return None, "none", None
    best, best_score, best_support = None, None, ()
    for cand in cands:
        if cand.source == "h1" and len(cand.value) < 10 and len(cands) > 1:
            continue                        # a logo or section name in an <h1>
        carriers = [o for o in cands if _carries(o.value, cand.value)]
        support = {_WITNESS[o.source] for o in carriers}
        support.discard(None)
        score = (len(support - {"h1"}), "h1" in support,
                 any(o.source == "<title>" and o is not cand for o in carriers),
                 -_TITLE_SOURCES.index(cand.source))
        if best_score is None or score > best_score:
            best, best_score, best_support = cand, score, sorted(support)
    if best is None:
        best = cands[0]
    heading = best.element
    if heading is None:
        heading = next((c.element for c in cands if c.element is not None
                        and _same(c.value, best.value)), None)
    if heading is None:
        heading = _heading_for(tree, best.value)
    if heading is None:
        heading = next((c.element for c in cands if c.element is not None), None)
    how = best.source
    if best_support and best_support != [_WITNESS[best.source]]:
        how += f" (agreed by {', '.join(best_support)})"
    return best.value, how, heading


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


def in_foreign(el, article_scope=frozenset(), memo: dict | None = None) -> bool:
    """True when ``el`` sits in a widget, card list, comment box, nav, aside or footer.

    The climb stops at <body>, and at any element of ``article_scope`` (the
    ancestors of the article's headline): a container that holds the article is
    never "foreign", whatever its class ("hfeed", "content with-sidebar").
    ``memo`` (one dict per page and scope) remembers the answer for every ancestor
    climbed, so that the blocks of a page share their climbs.
    """
    climbed = []
    result = False
    for anc in el.iterancestors():
        if memo is not None:
            known = memo.get(anc)
            if known is not None:
                result = known
                break
            climbed.append(anc)
        if anc.tag in ("body", "html") or anc in article_scope:
            break
        if anc.tag in ("nav", "aside", "footer") or foreign_marker(anc):
            result = True
            break
    if memo is not None:
        for anc in climbed:
            memo[anc] = result
    return result


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
