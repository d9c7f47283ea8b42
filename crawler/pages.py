"""One saved page through the same stages as a crawl: ``civmon extract``.

``decode_body`` is the one function that turns a page's bytes into text, for the
spider (article pages, listings, revisits) and for ``civmon extract``
(``decode_page``); ``extract_page`` runs the crawl's own chain
(``pipelines.chain.process_page``: extraction, dates, relevance, dedup keys) on
it and returns the JSON-ready record.  No Scrapy.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.registry import Source
from pipelines.chain import process_page
from pipelines.relevance import to_record


@dataclass(frozen=True)
class Decoded:
    """A page's bytes as text, and how that text was obtained."""

    text: str
    encoding: str
    #: the declared charset gave too many U+FFFD and the bytes' own reading fixed it
    fixed: bool = False
    #: no reading tried makes text of the bytes (``too_many_replacements`` still)
    undecodable: bool = False


def text_codec(name: str | None) -> str | None:
    """``name`` as a Python text codec, or None: unknown, or a codec of bytes to bytes
    (``base64``, ``hex``, ``zlib``, ``bz2``, ``rot13``...) that w3lib would pick and then
    raise LookupError on."""
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def utf8_text(body: bytes) -> str | None:
    """``body`` as UTF-8 when it is valid UTF-8 holding non-ASCII text, else None."""
    if body.isascii():
        return None
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None


def decode_body(body: bytes, *, declared: str | None = None, forced: str | None = None,
                ) -> Decoded:
    """The one way civmon turns a page's bytes into text: the spider's article pages,
    its listing pages and revisits, and ``civmon extract``.

    1. ``forced`` (the registry's ``encoding``, ``civmon extract --encoding``) is used
       as is; LookupError when it names no text codec.
    2. Bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever the page
       declares: a CMS moved to UTF-8 often keeps its old ``<meta charset=gb2312>``,
       and text in a legacy 8-bit or CJK charset is almost never valid UTF-8 by accident.
    3. Else a byte-order mark, then the charset ``declared`` by the server
       (Content-Type), then the page's ``<meta charset>``, then detection
       (charset-normalizer), then UTF-8.  A declared charset naming no text codec
       (``base64``, ``hex``, ``zlib``) counts as no declaration.
    4. When the text holds too many U+FFFD (``crawler.integrity.too_many_replacements``:
       a cp1251 page sent as UTF-8), the declaration lied: the bytes decide (BOM,
       ``<meta charset>``, detection), then detection alone.  ``fixed`` says this helped;
       ``undecodable`` says nothing did, and the caller must not store the text.
    """
    from crawler.integrity import too_many_replacements

    if forced:
        codec = text_codec(forced)
        if codec is None:
            raise LookupError(f"unknown or non-text encoding: {forced!r}")
        text = body.decode(codec, errors="replace")
        return Decoded(text, forced, undecodable=too_many_replacements(text))
    utf8 = utf8_text(body)
    if utf8 is not None:
        return Decoded(utf8, "utf-8")
    header = text_codec(declared)
    encoding, text = html_text(body, _detect, content_type=f"charset={header}" if header
                               else None)
    if not too_many_replacements(text):
        return Decoded(text, encoding)
    if header is not None:  # the server's charset lied: the page's own bytes decide
        encoding, text = html_text(body, _detect)
    if too_many_replacements(text):
        best = detect(body)
        if best is not None:
            encoding, text = best
    bad = too_many_replacements(text)
    return Decoded(text, encoding, fixed=not bad, undecodable=bad)


def decode_page(body: bytes, encoding: str | None = None) -> str:
    """A saved page's text (``decode_body``; LookupError for an unknown ``encoding``)."""
    return decode_body(body, forced=encoding).text


def html_text(body: bytes, auto_detect_fun: Callable[[bytes], str | None] | None = None,
              content_type: str | None = None) -> tuple[str, str]:
    """(encoding, text) by w3lib's rules (BOM, ``content_type``'s charset, ``<meta
    charset>``, detection), except that a charset naming no text codec (``base64``,
    ``hex``, ``zlib``: Python knows them as bytes-to-bytes codecs, so w3lib picks them
    and then raises LookupError) counts as no declaration: charset-normalizer decides,
    else UTF-8.  Issue 13's fuzzing found that one ``<meta charset="base64">`` lost
    the page."""
    from w3lib.encoding import html_to_unicode

    try:
        return html_to_unicode(content_type, body, auto_detect_fun=auto_detect_fun)
    except LookupError:
        best = detect(body)
        if best is not None:
            return best
        return "utf-8", body.decode("utf-8", errors="replace")


def detect(body: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best reading of ``body`` (encoding, text), or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    return (best.encoding, str(best)) if best is not None else None


def _detect(body: bytes) -> str | None:
    if body.isascii():  # (no BOM, no declaration): ASCII reads the same as UTF-8
        return "utf-8"
    found = detect(body)
    return found[0] if found else None


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
