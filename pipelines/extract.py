"""Extraction: clean article text, the right title and language, and who wrote it.

``extract_article(html, url=..., source=...)`` is the contract (DESIGN.md,
"Python"); ``civmon extract`` prints its ``Article.to_dict()``.  Steps:

1. parse the decoded page once (``pipelines.sites.base.parse_html``);
2. pick the extractor: the source's site module version (``pipelines.sites``)
   or the generic one, with the registry's ``selectors`` / ``prune`` on top;
3. metadata and raw date candidates from the tree, body from a selector or
   trafilatura (``pipelines.sites.base``);
4. cleanup (``pipelines.cleanup``), attribution and state supply
   (``pipelines.attribution``), language (``pipelines.language``).

Each field's origin is recorded in ``Article.explain`` (``--explain``).  A broken
or empty page gives an Article with empty text; nothing here raises on bad input.

``ExtractPipeline`` wraps it for Scrapy; it reads no settings and counts under
``civmon/extract/...``: ``ok``, ``empty`` (no article on the page) and ``error``
(an exception inside extraction, logged with the URL; ``explain["error"]`` names
it), also per source (``civmon/source/<id>/extract_error``).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem

from pipelines.attribution import find_attribution
from pipelines.cleanup import clean_text
from pipelines.items import DateCandidate
from pipelines.language import detect_language, normalise_lang
from pipelines.sites import extractor_for
from pipelines.sites.base import RawArticle, parse_html

if TYPE_CHECKING:
    from crawler.registry import Source

logger = logging.getLogger(__name__)

#: Below this a "text" is a caption or an error message, not an article.
MIN_TEXT_CHARS = 50


@dataclass
class Article:
    """What extraction found on one page (``civmon extract`` prints ``to_dict()``)."""

    title: str | None
    text: str
    """Paragraphs separated by one blank line; empty when the page holds no article."""
    author: str | None
    language: str | None
    """ISO 639-1, from the text; markup only when the text is too short."""
    canonical_url: str | None
    """The page's own <link rel=canonical> / og:url, as written (absolute)."""
    date_candidates: list[DateCandidate]
    """Raw date strings with their origin; ``pipelines.dates`` chooses and parses."""
    attributed_to: str | None
    """The outlet the text credits as its origin ("AZERTAC", "Tengrinews")."""
    state_supplied: bool
    """Supplied or paid for (state information order, sponsored, "На правах рекламы")."""
    supplier: str | None
    """Who supplied it, when named ("акимат Костанайской области")."""
    explain: dict[str, str] = field(default_factory=dict)
    """Field -> what produced it (selector, candidate, method)."""
    alternates: list[str] = field(default_factory=list)
    """The page's other-language editions (``<link rel=alternate hreflang>``)."""
    description: str | None = None
    html_lang: str | None = None
    site_name: str | None = None
    extractor: str = "generic"
    """'generic' or '<source id>/<version>' of the site module used."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date_candidates"] = [{"raw": c.raw, "origin": c.origin}
                                   for c in self.date_candidates]
        return data


def empty_article(why: str, *, html_lang: str | None = None) -> Article:
    return Article(title=None, text="", author=None, language=None, canonical_url=None,
                   date_candidates=[], attributed_to=None, state_supplied=False, supplier=None,
                   explain={"text": why}, html_lang=html_lang)


@lru_cache(maxsize=1)
def _packaged_registry():
    from crawler.registry import load_registry

    return load_registry()


def _resolve_source(source: Source | str | None) -> Source | None:
    if source is None or not isinstance(source, str):
        return source
    return _packaged_registry().get(source)


def extract_article(html: str, *, url: str, source: Source | str | None = None,
                    fetched_at: datetime | None = None) -> Article:
    """Extract one article from a decoded page.

    ``source`` is a registry entry, the id of a source in the packaged registry
    (an unknown id raises ``RegistryError``), or None for a site not in the
    registry.  ``fetched_at`` (optional) picks a site module's layout version
    valid at that time; without it the page's own markup decides.
    """
    src = _resolve_source(source)
    try:
        tree = parse_html(html)
        if tree is None:
            return empty_article("empty page")
        extractor = extractor_for(src, tree, fetched_at)
        raw = extractor.extract(tree, url)
        raw.url = url
        return finish(raw, src, extractor.name)
    except Exception as exc:  # a page must never stop the crawl: logged, counted, dropped
        logger.exception("extraction failed: %s", url)
        article = empty_article("extraction error")
        # explain["error"] tells ExtractPipeline (civmon/extract/error) and --explain
        # that this is our failure, not a page without an article
        article.explain["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        return article


def nfc(value: str | None) -> str | None:
    """``value`` in Unicode NFC, the form trafilatura prints and the W3C recommends for
    stored text: a page may spell "й" as и + combining breve, or Bengali "য়" as one
    code point that NFC splits; search, dedup keys and cleanup rules then see one
    spelling.  The quick check makes it nearly free for text already in NFC."""
    if value and not unicodedata.is_normalized("NFC", value):
        return unicodedata.normalize("NFC", value)
    return value


def finish(raw: RawArticle, src: Source | None, extractor_name: str) -> Article:
    """Cleanup, attribution and language on top of what the extractor read (all its
    strings in NFC first, ``nfc``)."""
    raw.text = nfc(raw.text) or ""
    raw.title, raw.author, raw.description, raw.site_name = (
        nfc(raw.title), nfc(raw.author), nfc(raw.description), nfc(raw.site_name))
    raw.credit_lines = [nfc(line) or "" for line in raw.credit_lines]
    raw.date_candidates = [DateCandidate(nfc(c.raw) or "", c.origin) if c.raw else c
                           for c in raw.date_candidates]
    explain = dict(raw.explain)
    cleaned = clean_text(raw.text, title=raw.title)
    paragraphs = cleaned.text.split("\n\n") if cleaned.text else []
    attribution = find_attribution(paragraphs, raw.credit_lines)
    if attribution.credit_lines:
        drop = set(attribution.credit_lines)
        paragraphs = [p for p in paragraphs if p not in drop]
    text = "\n\n".join(paragraphs)
    if 0 < len(text) < MIN_TEXT_CHARS:
        explain["text"] = f"{explain.get('text', '')}: only {len(text)} characters, not an article"
        text = ""
    if text and explain.get("text"):
        summary = cleaned.summary()
        if attribution.credit_lines:
            summary += f", {len(attribution.credit_lines)} credit lines moved to fields"
        explain["text"] += f" + cleanup: {summary}"
    dates = list(raw.date_candidates)
    for rawdate in cleaned.dates:
        cand = DateCandidate(rawdate, "text")
        if cand not in dates:
            dates.append(cand)
    attributed_to = attribution.attributed_to
    if attributed_to and _is_own(attributed_to, raw, src):
        explain["attributed_to_own"] = f"{attributed_to} is this outlet (own correspondent)"
        attributed_to = None
    fallback = src.language if src is not None else None
    guess = detect_language(text, html_lang=raw.html_lang, fallback=fallback)
    explain["language"] = guess.method
    explain["attributed_to"] = "; ".join(e for e in attribution.evidence) or "none"
    explain["extractor"] = extractor_name
    return Article(
        title=raw.title, text=text, author=raw.author, language=guess.code,
        canonical_url=raw.canonical_url, date_candidates=dates,
        attributed_to=attributed_to, state_supplied=attribution.state_supplied,
        supplier=attribution.supplier, explain=explain, description=raw.description,
        html_lang=normalise_lang(raw.html_lang), site_name=raw.site_name,
        extractor=extractor_name, alternates=list(raw.alternates),
    )


def _is_own(outlet: str, raw: RawArticle, src: Source | None) -> bool:
    """True when the credited outlet is the page's own site ("передает корреспондент
    7152.kz" on 7152.kz, an AZERTAC dateline on azertag.az): no outside supplier."""
    key = outlet.casefold().removeprefix("www.").split(".")[0]
    names = {raw.site_name or "", src.name if src is not None else ""}
    hosts = {urlsplit(raw.url or "").hostname or ""}
    if src is not None:
        hosts.update(src.domains())
    if any(key and key == h.removeprefix("www.").split(".")[0] for h in hosts if h):
        return True
    return any(key and key in n.casefold() for n in names if n)


class ExtractPipeline:
    """Scrapy item pipeline around :func:`extract_article` (ArticleItem in, filled out)."""

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"civmon/{key}")

    def process_item(self, item):
        from pipelines.chain import extract_stage

        article = item.decided.get("extract") or extract_stage(item)  # (pipelines.pool)
        if article.explain.get("error"):
            self._inc("extract/error")
            self._inc(f"source/{item.source_id}/extract_error")
            raise DropItem(f"extraction error: {item.url}: {article.explain['error']}")
        if not article.text:
            self._inc("extract/empty")
            self._inc(f"source/{item.source_id}/extract_empty")
            raise DropItem(f"no article text: {item.url}")
        self._inc("extract/ok")
        self._inc(f"source/{item.source_id}/extracted")
        if article.state_supplied:
            self._inc("extract/state_supplied")
        if article.attributed_to:
            self._inc("extract/attributed")
        self._inc(f"extract/language/{article.language or 'unknown'}")
        return item
