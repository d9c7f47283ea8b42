"""Truncated and undecodable bodies are refused, never stored as complete (issue 13).

Unit tests of crawler.integrity here; the crawl over the fault web (truncated gzip,
a body no charset decodes, a cp1251 page without <meta>) is in test_faults.py.
"""

from __future__ import annotations

import gzip
import zlib

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.integrity import TruncatedBodyMiddleware, too_many_replacements, truncation

PAGE = ("<html><body>" + "<p>Гражданский форум НПО в Алматы.</p>" * 200
        + "</body></html>").encode()


def response(body: bytes, headers: dict | None = None, flags=None,
             length: bool = True) -> HtmlResponse:
    h = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    if length:
        h.setdefault("Content-Length", str(len(body)))
    return HtmlResponse("http://127.0.0.1/a/1", body=body, headers=h, flags=flags,
                        request=Request("http://127.0.0.1/a/1"))


@pytest.mark.parametrize(("resp", "why"), [
    (response(gzip.compress(PAGE)[:80], {"Content-Encoding": "gzip"}),
     "gzip stream ends before its end marker"),
    (response(gzip.compress(PAGE)[:-9], {"Content-Encoding": "gzip"}),
     "gzip stream ends before its end marker"),
    (response(zlib.compress(PAGE)[:80], {"Content-Encoding": "deflate"}),
     "deflate stream"),
    (response(b"\x1f\x8b\x08garbage" * 10, {"Content-Encoding": "gzip"}), "gzip stream"),
    (response(PAGE, {"Content-Length": str(len(PAGE) + 10)}),
     f"Content-Length {len(PAGE) + 10}, {len(PAGE)} bytes received"),
    (response(PAGE, flags=["dataloss"]), "dataloss"),
])
def test_truncated_bodies_are_named(resp, why) -> None:
    reason = truncation(resp, limit=10**8)
    assert reason is not None and why in reason


@pytest.mark.parametrize("resp", [
    response(PAGE),
    response(PAGE, length=False),
    response(gzip.compress(PAGE), {"Content-Encoding": "gzip"}),
    response(zlib.compress(PAGE), {"Content-Encoding": "deflate"}),
    response(zlib.compress(PAGE)[2:-4], {"Content-Encoding": "deflate"}),  # raw deflate
    response(b"", {"Content-Encoding": "gzip"}),
])
def test_complete_bodies_pass(resp) -> None:
    assert truncation(resp, limit=10**8) is None


def test_a_bomb_is_left_to_scrapys_size_limit() -> None:
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    assert truncation(response(bomb, {"Content-Encoding": "gzip"}), limit=1024 * 1024) is None


def test_the_middleware_retries_then_fails_with_the_reason() -> None:
    crawler = get_crawler(settings_dict={"RETRY_TIMES": 1})
    crawler.spider = crawler._create_spider("x")
    mw = TruncatedBodyMiddleware.from_crawler(crawler)
    cut = response(gzip.compress(PAGE)[:80], {"Content-Encoding": "gzip"})
    retry = mw.process_response(cut.request, cut, crawler.spider)
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    again = cut.replace(request=retry)
    with pytest.raises(IgnoreRequest, match=r"^truncated body: gzip stream ends"):
        mw.process_response(retry, again, crawler.spider)
    assert crawler.stats.get_value("civmon/fault/truncated_response") == 2
    good = response(PAGE)
    assert mw.process_response(good.request, good, crawler.spider) is good


def test_replacement_characters_threshold() -> None:
    assert not too_many_replacements("текст " * 2000 + "\ufffd" * 16)
    assert not too_many_replacements("текст " * 20000 + "\ufffd" * 20)  # 0.017 %
    assert too_many_replacements("текст " * 200 + "\ufffd" * 1200)
