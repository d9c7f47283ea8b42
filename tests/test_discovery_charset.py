"""Listings and feeds declaring a charset that is no text codec still yield their articles.

A listing served ``Content-Type: text/html; charset=base64`` or with ``<meta
charset=hex>`` made Scrapy's selector raise LookupError (the listing was lost); a
cp1251 listing sent as UTF-8 gave mojibake link texts.  The spider decodes every
listing with ``crawler.pages.decode_body`` before selectors run; feeds are parsed
from bytes by lxml, which ignores a header charset and survives an XML declaration
naming ``base64``.  One crawl of tests/faultweb.py's /l/ pages on loopback.
"""

from __future__ import annotations

import sqlite3

import pytest
from crawlrun import crawl
from faultweb import CHARSET_DISCOVERY, FaultWeb


@pytest.fixture(scope="module")
def charset_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("charset-discovery")
    with FaultWeb(0, host="127.0.0.43") as web:
        registry = tmp / "sources.toml"
        registry.write_text(web.registry(charset_discovery=True), encoding="utf-8")
        db = tmp / "c.sqlite"
        result = crawl(registry, db)
        conn = sqlite3.connect(db)
        try:
            rows = conn.execute("SELECT source_id, url, title FROM articles").fetchall()
            sources = dict(conn.execute(
                "SELECT source_id, status FROM crawl_run_sources").fetchall())
            failures = conn.execute("SELECT url, error FROM crawl_run_failures").fetchall()
        finally:
            conn.close()
        yield {"result": result, "rows": rows, "sources": sources, "failures": failures,
               "base": web.base}


@pytest.mark.parametrize("name", sorted(CHARSET_DISCOVERY))
def test_each_discovery_document_yields_its_articles(charset_crawl, name: str) -> None:
    first = CHARSET_DISCOVERY[name]
    base = charset_crawl["base"]
    stored = sorted((url, title) for sid, url, title in charset_crawl["rows"] if sid == name)
    assert stored == [(f"{base}/a/{n}", f"Статья {n}: гражданский форум")
                      for n in (first, first + 1)], (charset_crawl["result"].stderr[-2000:],
                                                     charset_crawl["failures"])
    assert charset_crawl["sources"][name] == "ok"


def test_the_crawl_is_clean(charset_crawl) -> None:
    result = charset_crawl["result"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert charset_crawl["failures"] == []
    assert "LookupError" not in result.stderr and "Traceback" not in result.stderr
