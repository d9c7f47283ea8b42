"""Refusing truncated and undecodable bodies, so that no partial text is stored as complete.

``TruncatedBodyMiddleware`` is a downloader middleware placed just before Scrapy's
``HttpCompressionMiddleware`` on the way back (so it sees the bytes as they came
over the wire).  A response is *truncated* when

- Scrapy flagged it ``dataloss`` (the connection ended before Content-Length, with
  ``DOWNLOAD_FAIL_ON_DATALOSS`` off),
- its ``Content-Length`` says more (or fewer) bytes than arrived (an identity body), or
- its gzip / deflate stream ends before the compressor's end marker (Scrapy's own
  gunzip quietly returns the part it could read: 40 % of an article, stored as
  complete).

A truncated response is retried like a network error (``RETRY_TIMES``); when the
retries are spent the request fails with ``IgnoreRequest("truncated body: ...")``,
which the spider records as a failed page with that reason (``crawl_run_failures``,
the dead-link ledger) and counts as ``civmon/fault/truncated``.

``too_many_replacements`` serves ``crawler.pages.decode_body``: a body that still
holds many U+FFFD after the declared charset, the ``<meta>`` charset and detection
(charset-normalizer) is not text we can store.

``TextCodecMiddleware`` (after decompression, before Scrapy's MetaRefresh, the first
to read ``response.text``) gives a text response whose declared charset (header or
``<meta>``) names a codec of bytes (``base64``, ``hex``, ``zlib``) the encoding
``decode_body`` reads it with: Scrapy would raise LookupError in every middleware
and selector that touches the text, and the page (a listing: all its articles) was
lost.  Counted as ``civmon/fault/non_text_charset``.

Settings read: ``RETRY_TIMES`` (through ``get_retry_request``), ``DOWNLOAD_MAXSIZE``
(the integrity check decompresses at most that much, a bomb is Scrapy's to refuse).
"""

from __future__ import annotations

import zlib

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest

#: Replacement characters tolerated in a decoded page: a few stray bytes are the
#: web; more than this share (and count) is a wrong charset.
MAX_REPLACEMENT_SHARE = 0.002
MAX_REPLACEMENTS = 16

_CHUNK = 256 * 1024


def too_many_replacements(text: str) -> bool:
    """True when ``text`` holds more U+FFFD than a page decoded right would."""
    n = text.count("\ufffd")
    return n > MAX_REPLACEMENTS and n > MAX_REPLACEMENT_SHARE * max(1, len(text))


def stream_truncated(body: bytes, encoding: str, limit: int) -> str | None:
    """Why a gzip/deflate ``body`` is incomplete, or None when it ends properly.

    Decompresses in bounded chunks and keeps nothing, stopping after ``limit`` bytes
    of output (past that, DOWNLOAD_MAXSIZE handling in Scrapy refuses the page).
    """
    if encoding in ("gzip", "x-gzip"):
        modes = (31,)
    elif encoding == "deflate":
        modes = (15, -15)  # zlib-wrapped, or raw deflate as some servers send it
    else:
        return None  # br, zstd: left to Scrapy
    reason = None
    for wbits in modes:
        d = zlib.decompressobj(wbits)
        out = 0
        data = body
        try:
            while data and out <= limit:
                out += len(d.decompress(data, _CHUNK))
                data = d.unconsumed_tail
                if d.eof:
                    break
            if out > limit:
                return None
            if d.eof:
                return None
            reason = f"{encoding} stream ends before its end marker ({len(body)} bytes)"
        except zlib.error as exc:
            reason = f"{encoding} stream is corrupt: {exc}"
    return reason


def truncation(response, limit: int) -> str | None:
    """Why ``response`` (still as received) is incomplete, or None."""
    if "dataloss" in response.flags:
        return "connection closed before the whole body arrived (dataloss)"
    declared = response.headers.get(b"Content-Length")
    if declared is not None and response.request is not None \
            and response.request.method != "HEAD" and response.status not in (204, 304):
        try:
            expected = int(declared)
        except ValueError:
            expected = None
        if expected is not None and expected != len(response.body):
            return f"Content-Length {expected}, {len(response.body)} bytes received"
    encoding = (response.headers.get(b"Content-Encoding") or b"").decode("latin-1")
    encoding = encoding.strip().lower()
    if encoding and response.body:
        return stream_truncated(response.body, encoding, limit)
    return None


class TextCodecMiddleware:
    """A text response declaring a non-text codec gets a readable encoding (module doc)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        from scrapy.http import TextResponse

        from crawler.pages import decode_body, text_codec

        if not isinstance(response, TextResponse):
            return response
        try:
            declared = response.encoding
        except LookupError:
            declared = None
        if declared is not None and text_codec(declared) is not None:
            return response
        self.crawler.stats.inc_value("civmon/fault/non_text_charset")
        return response.replace(encoding=decode_body(response.body).encoding)


class TruncatedBodyMiddleware:
    """Retry a truncated response, then fail it with the reason (see the module doc)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("DOWNLOAD_MAXSIZE", 1024 * 1024 * 1024) or 2**40

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        why = truncation(response, self.limit)
        if why is None:
            return response
        stats = self.crawler.stats
        stats.inc_value("civmon/fault/truncated_response")
        retry = get_retry_request(request, spider=self.crawler.spider,
                                  reason="truncated body")
        if retry is not None:
            return retry
        raise IgnoreRequest(f"truncated body: {why}")
