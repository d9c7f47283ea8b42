"""Canonical URLs and exact content hashes."""

from __future__ import annotations

import pytest

from pipelines.dedup import (
    DedupIndex,
    canonical_url,
    content_hash,
    published_first,
    published_span,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.Tengrinews.kz/news/forum-1/?utm_source=rss&utm_medium=feed#comments",
         "https://tengrinews.kz/news/forum-1"),
        ("https://tengrinews.kz/news/forum-1", "https://tengrinews.kz/news/forum-1"),
        ("https://m.7152.kz/news/4013611/slug/", "https://7152.kz/news/4013611/slug"),
        ("http://ex.kz:80/a?b=2&a=1&fbclid=XYZ", "http://ex.kz/a?a=1&b=2"),
        ("https://ex.kz:8443/a/", "https://ex.kz:8443/a"),
        ("https://ex.kz/", "https://ex.kz/"),
        ("https://ex.kz//news//1/index.html", "https://ex.kz/news/1"),
        ("https://cisc.kz/?p=56950&utm_campaign=x", "https://cisc.kz/?p=56950"),
        ("https://ex.kz/News/Case", "https://ex.kz/News/Case"),
        ("http://127.0.0.11:8000/ru/x?yclid=1", "http://127.0.0.11:8000/ru/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_hash_ignores_case_punctuation_whitespace_and_yo() -> None:
    a = "Форум НПО прошёл в Баку.\n\nУчастники — 500 человек!"
    b = "форум  НПО прошел в Баку\nУчастники - 500 человек"
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a.replace("500", "400"))
    assert len(content_hash(a)) == 32


def test_index_points_copies_at_the_first_original() -> None:
    stored = {"https://a.kz/1": 7}
    idx = DedupIndex(lookup_url=stored.get, lookup_hash=lambda h: None)
    assert idx.check("https://a.kz/1", "h").known_url
    first = idx.check("https://b.kz/1", "h")
    assert first.duplicate_of is None and not first.known_url
    idx.remember("https://b.kz/1", "h", 8, None)
    assert idx.check("https://c.kz/1", "h").duplicate_of == 8
    idx.remember("https://c.kz/1", "h", 9, 8)
    assert idx.check("https://d.kz/1", "h").duplicate_of == 8
    assert idx.check("https://c.kz/1", "x").known_url


BAKU, ALMATY = "Asia/Baku", "Asia/Almaty"


@pytest.mark.parametrize(("a", "b", "first"), [
    # minute against minute: plain UTC order; equal instants are not "first"
    (("2025-11-20T10:00:00Z", BAKU), ("2025-11-20T10:01:00Z", ALMATY), True),
    (("2025-11-20T10:01:00Z", BAKU), ("2025-11-20T10:00:00Z", ALMATY), False),
    (("2025-11-20T10:00:00Z", BAKU), ("2025-11-20T10:00:00Z", BAKU), False),
    # a Baku day (20:00Z on the 19th .. 20:00Z on the 20th) against instants
    (("2025-11-20", BAKU), ("2025-11-21T05:30:00Z", ALMATY), True),
    (("2025-11-20", BAKU), ("2025-11-20T20:00:00Z", ALMATY), True),
    (("2025-11-20", BAKU), ("2025-11-20T19:59:00Z", ALMATY), False),   # same local day
    (("2025-11-19T19:59:00Z", ALMATY), ("2025-11-20", BAKU), True),
    (("2025-11-19T20:00:00Z", ALMATY), ("2025-11-20", BAKU), False),
    # day against day in different zones, and a day with no known zone (widest span)
    (("2025-11-19", ALMATY), ("2025-11-20", BAKU), True),
    (("2025-11-20", ALMATY), ("2025-11-20", BAKU), False),
    (("2025-11-20", None), ("2025-11-21T12:00:00Z", BAKU), True),
    (("2025-11-20", None), ("2025-11-21T11:00:00Z", BAKU), False),
    # undated or unreadable: never first, never overtaken
    ((None, BAKU), ("2025-11-20T10:00:00Z", BAKU), False),
    (("2025-11-20T10:00:00Z", BAKU), (None, BAKU), False),
    (("yesterday", BAKU), ("2025-11-20T10:00:00Z", BAKU), False),
    (("2025-11-20", "Not/AZone"), ("2025-11-22T00:00:00Z", BAKU), True),
])
def test_published_first(a, b, first) -> None:
    assert published_first(a, b) is first


def test_day_span_follows_the_2024_kazakhstan_switch() -> None:
    before = published_span("2024-02-28", ALMATY)
    after = published_span("2024-03-02", ALMATY)
    assert before is not None and after is not None
    assert (before[0].hour, after[0].hour) == (18, 19)  # UTC+6, then UTC+5
