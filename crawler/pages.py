"""One saved page through the same stages as a crawl: ``civmon extract``.

``decode_page`` turns bytes into text the way the spider does (BOM, then
``<meta charset>``, then detection); ``extract_page`` runs the crawl's own chain
(``pipelines.chain.process_page``: extraction, dates, relevance, dedup keys) on
it and returns the JSON-ready record.  No Scrapy.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crawler.registry import Source
from pipelines.chain import process_page
from pipelines.relevance import to_record


def utf8_text(body: bytes) -> str | None:
    """``body`` as UTF-8 when it is valid UTF-8 holding non-ASCII text, else None."""
    if body.isascii():
        return None
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None


def decode_page(body: bytes, encoding: str | None = None) -> str:
    """Decode a saved page; LookupError for an unknown ``encoding``.

    Bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever the page
    declares: a CMS moved to UTF-8 often keeps its old ``<meta charset=gb2312>`` /
    ``windows-1251``, and text in a legacy 8-bit or CJK charset is almost never
    valid UTF-8 by accident.
    """
    if encoding:
        return body.decode(encoding, errors="replace")
    text = utf8_text(body)
    if text is not None:
        return text
    _enc, text = html_text(body)
    return text


def html_text(body: bytes, auto_detect_fun: Callable[[bytes], str | None] | None = None,
              ) -> tuple[str, str]:
    """(encoding, text) by w3lib's rules (BOM, ``<meta charset>``, detection), except
    that a declared charset naming no text codec (``base64``, ``hex``, ``zlib``: Python
    knows them as bytes-to-bytes codecs, so w3lib picks them and then raises
    LookupError) counts as no declaration: charset-normalizer decides, else UTF-8.
    Issue 13's fuzzing found that one ``<meta charset="base64">`` lost the page."""
    from w3lib.encoding import html_to_unicode

    try:
        return html_to_unicode(None, body, auto_detect_fun=auto_detect_fun)
    except LookupError:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
        if best is not None:
            return best.encoding, str(best)
        return "utf-8", body.decode("utf-8", errors="replace")


def extract_page(html: str, *, url: str, source: Source | None, now: datetime,
                 explain: bool = False) -> dict[str, Any]:
    """The JSON record ``civmon extract`` prints: the crawl's chain on one page."""
    result = process_page(html, url=url, source=source, now=now)
    item, choice, relevance = result.item, result.dates, result.relevance
    record = result.article.to_dict()
    explanation = record.pop("explain", {})
    record.update(
        url=url,
        canonical_url=item.canonical_url,
        source_id=source.id if source else None,
        published_at=item.published_at,
        published_raw=item.published_raw,
        date_precision=item.date_precision,
        date_source=item.date_source,
        content_hash=item.content_hash,
    )
    record.update(to_record(relevance))
    if explain:
        explanation = dict(explanation)
        explanation["published_at"] = (
            f"{choice.candidate.origin} {choice.candidate.raw!r}"
            + (f" ({choice.parsed.method})" if choice.parsed and choice.parsed.method != "rules"
               else "")
            if choice.candidate else "no usable date candidate"
        )
        if choice.rejected:
            explanation["dates_rejected"] = "; ".join(
                f"{c.origin} {c.raw!r}: {why}" for c, why in choice.rejected)
        explanation["relevant"] = (
            f"topics {', '.join(relevance.topics)} (score {relevance.score})"
            if relevance.relevant else f"no civil-society topic (score {relevance.score})"
        ) + (f"; traps {', '.join(relevance.traps)}" if relevance.traps else "") + (
            f"; threshold {relevance.threshold:g}"
        )
        record["explain"] = explanation
    return record
