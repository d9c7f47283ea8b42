"""Tengrinews.kz: two layouts, so two versions (data holds one selector set only).

* ``V1`` — the ``content_main_*`` layout (body ``div.content_main_text``, tags in
  ``.content_main_text_tags``, comments in ``#comm``) [sites.md 3.2, R8].
* ``V2`` — the ``tn-*`` layout whose date is ``<time class="tn-visible@t">``
  ("Сегодня, 14:05") [sites.md 3.2, R14]; body ``div.tn-news-text``.
  The effective date is a GUESS (the stored scrapers date it only loosely);
  correct it when a live page is checked.  The ``@`` in the class name needs an
  XPath selector: CSS would read it as syntax.
"""

from __future__ import annotations

from datetime import date

from pipelines.sites.base import GenericExtractor


class TengrinewsV1(GenericExtractor):
    source_id = "tengrinews"
    version = "v1"
    valid_from = date(2010, 1, 1)
    signature = "div.content_main_text"
    selectors = {  # noqa: RUF012 - read-only class data
        "title": "h1.content_main_title, h1",
        "body": "div.content_main_text",
        "date": "div.content_main_meta span.date, div.date-time",
    }
    # The tags strip and the comment thread sit inside/next to the body container.
    prune = (".content_main_text_tags", "#comm", ".content_main_text .photo-source")


class TengrinewsV2(GenericExtractor):
    source_id = "tengrinews"
    version = "v2"
    valid_from = date(2024, 1, 1)
    signature = "div.tn-news-text"
    selectors = {  # noqa: RUF012 - read-only class data
        "title": "h1.tn-content-title, h1",
        "body": "div.tn-news-text",
        "date": "//time[contains(concat(' ', normalize-space(@class), ' '), ' tn-visible@t ')]",
        "author": "div.tn-author-name",
    }
    prune = (".tn-news-tags", ".tn-comments", ".tn-photo-source", ".tn-read-also")


VERSIONS = (TengrinewsV1, TengrinewsV2)
