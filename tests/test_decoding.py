"""One decoding path: the spider (articles, listings, revisits) and ``civmon extract``.

Both call ``crawler.pages.decode_body``; these tests feed the same hostile bodies to
the spider's ``_decode`` (with the server's Content-Type) and to ``decode_page`` /
``civmon extract`` (a saved file has no header) and require the same text.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from faultweb import article_html
from scrapy.http import HtmlResponse, Request

from crawler.cli import main
from crawler.pages import decode_body, decode_page
from crawler.spiders.news import NewsSpider

PHRASE = "общественный совет и неправительственные организации"
META = '<meta charset="utf-8">'


def _page(meta: str | None) -> str:
    html = article_html(7)
    return html.replace(META, meta if meta is not None else "")


#: name -> (body, the server's Content-Type charset, a fix of a lying declaration expected)
CASES: dict[str, tuple[bytes, str | None, bool]] = {
    "cp1251 as utf-8, right meta": (_page('<meta charset="windows-1251">').encode("cp1251"),
                                    "utf-8", True),
    "cp1251, wrong header, no meta": (_page(None).encode("cp1251"), "utf-8", True),
    "cp1251, no header, no meta": (_page(None).encode("cp1251"), None, False),
    "utf-8 BOM, cp1251 header": (("\ufeff" + _page(None)).encode("utf-8"), "windows-1251",
                                 False),
    "base64 header, right meta": (_page('<meta charset="windows-1251">').encode("cp1251"),
                                  "base64", False),
    "hex meta, no header": (_page('<meta charset="hex">').encode("cp1251"), None, False),
    "zlib meta, utf-8 header": (_page('<meta charset="zlib">').encode("cp1251"), "utf-8",
                                True),
    "base64 header and meta": (_page('<meta charset="base64">').encode("cp1251"), "base64",
                               False),
    "utf-16 with BOM, utf-8 header": (_page(None).encode("utf-16"), "utf-8", False),
    "utf-16 with BOM, no header": (_page(None).encode("utf-16"), None, False),
    "koi8-r header, right bytes": (_page(None).encode("koi8-r"), "koi8-r", False),
}


def _spider() -> tuple[SimpleNamespace, list[str]]:
    counted: list[str] = []
    return SimpleNamespace(count=lambda sid, key, n=1: counted.append(key)), counted


def _response(body: bytes, charset: str | None) -> HtmlResponse:
    ctype = "text/html" + (f"; charset={charset}" if charset else "")
    return HtmlResponse("http://127.0.0.1/a/7", body=body, headers={"Content-Type": ctype})


SOURCE = SimpleNamespace(id="s", encoding=None)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_spider_and_extract_read_a_hostile_body_alike(name: str) -> None:
    body, charset, fixed = CASES[name]
    spider, counted = _spider()
    decoded = NewsSpider._decode(spider, _response(body, charset), SOURCE)
    assert PHRASE in decoded.text and "\ufffd" not in decoded.text, decoded.text[:200]
    assert not decoded.undecodable
    assert decoded.fixed is fixed and counted == (["charset_fixed"] if fixed else [])
    # the same function, the same answer: the spider's text is decode_body's
    assert decoded == decode_body(body, declared=charset)
    # a saved file has no header: civmon extract reads the same text as an undeclared fetch
    no_header = NewsSpider._decode(_spider()[0], _response(body, None), SOURCE)
    assert decode_page(body) == no_header.text
    assert PHRASE in no_header.text


GARBLED = article_html(9).encode().replace(
    b"<p>", b"<p>" + bytes((k * 104729) % 128 + 128 for k in range(600)))


@pytest.mark.parametrize("charset", ["utf-8", None, "base64"])
def test_an_undecodable_body_is_undecodable_for_both(charset: str | None) -> None:
    spider, _ = _spider()
    decoded = NewsSpider._decode(spider, _response(GARBLED, charset), SOURCE)
    assert decoded.undecodable and not decoded.fixed
    assert decode_body(GARBLED).undecodable


def test_the_spider_records_an_undecodable_article_as_failed_not_stored() -> None:
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(NewsSpider, {"RETRY_TIMES": 1})
    spider = NewsSpider()
    spider.crawler = crawler
    spider.sources = {"s": SimpleNamespace(id="s", encoding=None)}
    stats = crawler.stats
    request = Request("http://127.0.0.1/a/9", meta={"source_id": "s", "role": "article",
                                                   "retry_times": 1})
    response = HtmlResponse(request.url, body=GARBLED, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})
    out = list(spider.parse_article(response))
    assert out == []  # no item, no retry left
    assert spider.failures and "undecodable body" in spider.failures[0][4]
    assert stats.get_value("civmon/source/s/fault_undecodable") == 1
    assert stats.get_value("civmon/source/s/fetched") is None


def test_civmon_extract_refuses_an_undecodable_file(capsys, tmp_path: Path) -> None:
    page = tmp_path / "garbled.html"
    page.write_bytes(GARBLED)
    try:
        main(["extract", str(page), "--url", "https://x.kz/1"])
        code = 0
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert "undecodable" in err and len(err.strip().splitlines()) == 1


def test_a_forced_encoding_naming_no_text_codec_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        decode_body(b"<p>x</p>", forced="base64")
    assert decode_body(_page(None).encode("cp1251"), forced="cp1251").encoding == "cp1251"
