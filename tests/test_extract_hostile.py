"""Extraction under hostile markup: characters lxml cannot hold, exceptions inside it.

Issue 13: one form feed (or a lone surrogate, U+FFFE...) cut the page where it stood
and the good article was dropped as empty; an exception inside extraction was
swallowed into an empty article, counted as a page without one.
"""

from __future__ import annotations

import logging

import pytest
from scrapy.exceptions import DropItem
from test_extract import _Crawler, _extract, _item, _load

import pipelines.sites.base as base
from pipelines.extract import ExtractPipeline, extract_article

PAGE = "kstnews_grants_rural_youth"


@pytest.mark.parametrize("char", ["\x0c", "\x00", "\x1b", "\x0b", "\ud800", "\udc80",
                                  "\ufffe", "\uffff"])
def test_a_character_xml_cannot_hold_does_not_cut_the_article(char: str) -> None:
    good, spec = _extract(PAGE)
    html, _ = _load(PAGE)
    # one in every paragraph and in the head: the whole text must survive
    hostile = html.replace("<p>", f"<p>{char}").replace("<title>", f"<title>{char}")
    assert hostile != html
    art = extract_article(hostile, url=spec["url"], source=spec["source"])
    assert art.text == good.text
    assert art.title == good.title


def test_an_exception_inside_extraction_is_logged_counted_and_not_empty(
        monkeypatch, caplog) -> None:
    def boom(self, tree, keep=frozenset()):
        raise RuntimeError("prune exploded")

    monkeypatch.setattr(base.GenericExtractor, "prune_tree", boom)
    crawler = _Crawler()
    pipeline = ExtractPipeline.from_crawler(crawler)
    item = _item(PAGE)
    with caplog.at_level(logging.ERROR), \
            pytest.raises(DropItem, match=r"^extraction error: .*RuntimeError: prune exploded"):
        pipeline.process_item(item)
    assert item.url in caplog.text and "prune exploded" in caplog.text
    assert crawler.stats.values == {"civmon/extract/error": 1,
                                    "civmon/source/kstnews/extract_error": 1}
    assert item.extraction["error"] == "RuntimeError: prune exploded"
