"""pipelines.dates: the case table (tests/data/date_cases.toml), URL dates, the choice
among candidates and the Scrapy pipeline.  No test reads the clock."""

from __future__ import annotations

import os
import time
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from crawler.registry import Source
from pipelines.date_shapes import read
from pipelines.dates import (
    DatesPipeline,
    ParsedDate,
    choose_date,
    format_published_at,
    parse_date,
    url_date,
)
from pipelines.items import ArticleItem, DateCandidate

CASES = tomllib.loads((Path(__file__).parent / "data" / "date_cases.toml").read_text("utf-8"))[
    "cases"]
NOW = datetime(2025, 11, 24, 9, 0, tzinfo=UTC)  # Almaty 14:00, Baku 13:00


def _now(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_table_is_large_enough():
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{c['raw'][:40]}" for i, c in
                                             enumerate(CASES)])
def test_parse_date_table(case):
    parsed = parse_date(case["raw"], timezone=case["tz"], now=_now(case["now"]),
                        languages=tuple(case.get("langs", ["ru"])))
    if case["want"] == "none":
        assert parsed is None
        return
    assert parsed is not None, case["raw"]
    assert (format_published_at(parsed), parsed.precision) == (case["want"], case["precision"])
    assert parsed.value.tzinfo is not None and parsed.value.utcoffset() == timedelta(0)


def test_naive_now_is_a_clear_error():
    with pytest.raises(ValueError, match=r"^now must be an aware datetime \(the fetch time\), "
                                         r"got naive 2025-11-24T09:00:00; pass e\.g\. "):
        parse_date("24.11.2025", timezone="Asia/Almaty", now=datetime(2025, 11, 24, 9))


def test_unknown_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown time zone 'Asia/Kostanay': not in the bundled"):
        parse_date("24.11.2025", timezone="Asia/Kostanay", now=NOW)
    with pytest.raises(ValueError, match=r"unknown time zone '\.\./etc'"):
        parse_date("24.11.2025", timezone="../etc", now=NOW)


@pytest.mark.parametrize("raw", [None, 5, b"24.11.2025", "x" * 10_000, "\x00\x01",
                                 "99999999999999999999", "2025-13-45T99:99:99+99:99"])
def test_garbage_never_raises(raw):
    assert parse_date(raw, timezone="Asia/Almaty", now=NOW) is None


def test_day_precision_keeps_the_local_day():
    # 01:30 on 25 Nov in Almaty is still 24 Nov in UTC.
    parsed = parse_date("Сегодня", timezone="Asia/Almaty",
                        now=datetime(2025, 11, 24, 20, 30, tzinfo=UTC))
    assert parsed == ParsedDate(datetime(2025, 11, 25, tzinfo=UTC), "day")
    assert parsed.local_day(None) == date(2025, 11, 25)


def test_reading_is_independent_of_zone_and_clock():
    # The cache keys on the string alone; the zone and `now` apply afterwards.
    a = parse_date("Вчера, 17:11", timezone="Asia/Almaty", now=NOW)
    b = parse_date("Вчера, 17:11", timezone="Asia/Baku", now=NOW + timedelta(days=1))
    assert format_published_at(a) == "2025-11-23T12:11:00Z"
    assert format_published_at(b) == "2025-11-24T13:11:00Z"
    assert read("Вчера, 17:11") == read("Вчера, 17:11")


@pytest.fixture
def foreign_machine_zone(monkeypatch):
    """Pretend the machine runs in New York; dates must not move."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
def test_machine_zone_is_never_used(foreign_machine_zone):
    assert os.environ["TZ"] == "America/New_York"
    now = datetime(2025, 11, 24, 20, 30, tzinfo=UTC)
    for raw, want in [("в четверг", "2025-11-20"), ("17:11, Вчера", "2025-11-24T12:11:00Z"),
                      ("24 ноября 2025, 11:18", "2025-11-24T06:18:00Z")]:
        parsed = parse_date(raw, timezone="Asia/Almaty", now=now)
        assert parsed is not None and format_published_at(parsed) == want, raw


def test_dateparser_result_is_marked():
    parsed = parse_date("в среду", timezone="Asia/Almaty", now=NOW)
    assert parsed is not None and parsed.method == "dateparser"
    assert parse_date("24.11.2025", timezone="Asia/Almaty", now=NOW).method == "rules"


@pytest.mark.parametrize("parsed, text", [
    (ParsedDate(datetime(2025, 11, 24, 7, 18, tzinfo=UTC), "minute"), "2025-11-24T07:18:00Z"),
    (ParsedDate(datetime(2025, 11, 24, 7, 18, 5, tzinfo=UTC), "second"), "2025-11-24T07:18:05Z"),
    (ParsedDate(datetime(2025, 11, 24, tzinfo=UTC), "day"), "2025-11-24"),
])
def test_format_published_at(parsed, text):
    assert format_published_at(parsed) == text


# -- URL dates --------------------------------------------------------------------------

@pytest.mark.parametrize("url, raw, want", [
    ("https://aqparat.info/news/2023/08/11/10558195-xi_grazhdanskii_forum.html", "2023/08/11",
     "2023-08-11"),
    ("https://www.gazeta.uz/ru/2025/11/24/ngo-forum/", "2025/11/24", "2025-11-24"),
    ("https://kun.uz/ru/news/2025/11/24/slug", "2025/11/24", "2025-11-24"),
    ("https://asiaplustj.info/ru/news/tajikistan/society/20251124/slug", "20251124",
     "2025-11-24"),
    ("https://1news.az/news/20251124114447745-V-Baku-nachal-rabotu-Forum", "20251124114447745",
     "2025-11-24T07:44:47Z"),
    ("https://example.kz/2025-11-24/slug", "2025-11-24", "2025-11-24"),
    ("https://khovar.tj/rus/2025/11/slug/", None, None),  # month only: no day
    ("https://www.zakon.kz/obshestvo/6488763-obshchestvennye-sovety.html", None, None),
    ("https://ru.trend.az/azerbaijan/society/4121298.html", None, None),
    ("https://example.kz/2025/13/40/slug", None, None),
    ("https://example.kz/2025/02/30/slug", None, None),
    ("https://example.kz/news?date=2025/11/24", None, None),  # query strings are not paths
    ("not a url", None, None),
])
def test_url_date(url, raw, want):
    cand = url_date(url)
    if raw is None:
        assert cand is None
        return
    assert cand == DateCandidate(raw, "url")
    parsed = parse_date(cand.raw, timezone="Asia/Baku", now=NOW)
    assert format_published_at(parsed) == want


# -- choosing ---------------------------------------------------------------------------

def _choose(*cands, **kw):
    kw.setdefault("timezone", "Asia/Almaty")
    kw.setdefault("now", NOW)
    kw.setdefault("languages", ("ru",))
    return choose_date([DateCandidate(r, o) for r, o in cands], **kw)


def test_choose_day_anchor_takes_time_from_same_day():
    choice = _choose(("2025-11-24", "jsonld"), ("Mon, 24 Nov 2025 06:18:00 +0000", "feed"))
    assert choice.candidate.origin == "feed"
    assert format_published_at(choice.parsed) == "2025-11-24T06:18:00Z"
    assert choice.rejected == []


def test_choose_same_local_day_not_utc_day():
    # 00:30 Almaty on 24 Nov is 19:30 UTC on 23 Nov: the same local day as the JSON-LD day.
    choice = _choose(("2025-11-24", "jsonld"), ("2025-11-23T19:30:00Z", "feed"))
    assert choice.candidate.origin == "feed"


def test_choose_text_and_sitemap_times_never_refine_a_day():
    # A newspaper page: the issue day, then reader comments of the same day (all "text"),
    # and a sitemap lastmod (a modification time).
    choice = _choose(("10.02.2023", "text"), ("10.02.2023 06:47", "text"),
                     ("10.02.2023 08:22", "text"), ("2023-02-10T09:00:00+05:00", "sitemap"),
                     timezone="Asia/Baku")
    assert choice.candidate == DateCandidate("10.02.2023", "text")
    assert format_published_at(choice.parsed) == "2023-02-10"
    # A listing card's time does refine it.
    choice = _choose(("10.02.2023", "text"), ("10.02.2023 06:47", "text"),
                     ("10.02.2023 06:00", "listing"), timezone="Asia/Baku")
    assert (choice.candidate.origin, format_published_at(choice.parsed)) == (
        "listing", "2023-02-10T02:00:00Z")


def test_choose_same_origin_tie_goes_to_the_first_listed():
    choice = _choose(("24.11.2025", "selector"), ("24.11.2025 11:18", "selector"))
    assert choice.candidate.raw == "24.11.2025"


def test_choose_conflicting_days_trust_the_more_reliable_origin():
    choice = _choose(("2025-11-20", "jsonld"), ("24.11.2025 11:18", "text"),
                     ("2025/11/24", "url"))
    assert choice.candidate == DateCandidate("2025-11-20", "jsonld")
    assert format_published_at(choice.parsed) == "2025-11-20"


def test_choose_timed_anchor_is_kept():
    choice = _choose(("2025-11-24T11:18:00+05:00", "meta"), ("24.11.2025 11:20", "text"),
                     ("Mon, 24 Nov 2025 06:19:30 +0000", "feed"))
    assert choice.candidate.origin == "meta"
    assert format_published_at(choice.parsed) == "2025-11-24T06:18:00Z"


def test_choose_rejections_are_counted_not_stored():
    choice = _choose(("2025-11-25T10:00:00+05:00", "jsonld"),  # 1 day ahead: future
                     ("Сегодня, 14:30", "time"),  # 30 min ahead of 14:00 local: future
                     ("1 января 1980", "meta"),  # before 1990 (no `established`)
                     ("Поделитесь новостью с друзьями", "selector"),
                     ("Сегодня, 14:10", "text"))  # 10 min ahead: within the 15 min skew
    assert [(c.origin, r) for c, r in choice.rejected] == [
        ("jsonld", "future"), ("time", "future"), ("meta", "before_established"),
        ("selector", "unparsed")]
    assert choice.candidate.origin == "text"
    assert format_published_at(choice.parsed) == "2025-11-24T09:10:00Z"


def test_choose_future_day_and_established():
    choice = _choose(("25.11.2025", "jsonld"), ("10.05.2013", "meta"), ("2025/11/24", "url"),
                     established=date(2014, 1, 1))
    assert [r for _c, r in choice.rejected] == ["future", "before_established"]
    assert choice.candidate.origin == "url"
    # The local day of `now + skew` is the limit: 23:50 in Almaty plus 15 minutes is tomorrow.
    late = datetime(2025, 11, 24, 18, 50, tzinfo=UTC)
    assert _choose(("25.11.2025", "jsonld"), now=late).candidate is not None
    assert _choose(("25.11.2025", "jsonld"), now=late,
                   max_skew=timedelta(0)).rejected[0][1] == "future"


def test_choose_nothing():
    choice = _choose()
    assert (choice.parsed, choice.candidate, choice.rejected) == (None, None, [])


def test_choose_naive_now():
    with pytest.raises(ValueError, match="now must be an aware datetime"):
        _choose(("24.11.2025", "jsonld"), now=datetime(2025, 11, 24))


# -- pipeline ---------------------------------------------------------------------------

class FakeStats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1, start=0):
        self.values[key] = self.values.get(key, start) + count


class FakeSettings:
    def __init__(self, values):
        self.values = values

    def getint(self, name, default=0):
        return int(self.values.get(name, default))


class FakeCrawler:
    def __init__(self, settings=None):
        self.settings = FakeSettings(settings or {})
        self.stats = FakeStats()


SOURCE = Source(id="tengrinews", name="Tengrinews", country="KZ", kind="national",
                languages=("ru", "kk"), timezone="Asia/Qostanay",
                listings=("https://tengrinews.kz/news/",), established=date(2008, 12, 10))


def _item(**kw):
    base = {"source_id": "tengrinews", "url": "https://tengrinews.kz/kazakhstan_news/x-487341/",
            "html": "", "fetched_at": datetime(2023, 8, 12, 6, 0, tzinfo=UTC), "source": SOURCE}
    base.update(kw)
    return ArticleItem(**base)


def test_pipeline_fills_fields_and_counts():
    crawler = FakeCrawler()
    pipe = DatesPipeline.from_crawler(crawler)
    item = _item(date_candidates=[DateCandidate("2023-08-11", "jsonld"),
                                  DateCandidate("Популярные темы", "text")],
                 discovered_via="listing", discovery_date="11 августа 2023, 21:03")
    assert pipe.process_item(item) is item
    assert (item.published_at, item.published_raw, item.date_precision, item.date_source) == (
        "2023-08-11T15:03:00Z", "11 августа 2023, 21:03", "minute", "listing")
    assert crawler.stats.values == {"civmon/dates/parsed": 1, "civmon/dates/origin/listing": 1,
                                    "civmon/dates/rejected/unparsed": 1}


def test_pipeline_uses_url_date_and_feed_origin():
    crawler = FakeCrawler()
    pipe = DatesPipeline.from_crawler(crawler)
    item = _item(url="https://aqparat.info/news/2023/08/11/10558195-xi.html",
                 discovered_via="feed", discovery_date="garbage")
    pipe.process_item(item)
    assert (item.published_at, item.date_source, item.published_raw) == (
        "2023-08-11", "url", "2023/08/11")
    assert crawler.stats.values["civmon/dates/rejected/unparsed"] == 1


def test_pipeline_never_drops_undated_items():
    crawler = FakeCrawler({"CIVMON_DATE_MAX_SKEW_MINUTES": "0"})
    pipe = DatesPipeline.from_crawler(crawler)
    assert pipe.max_skew == timedelta(0)
    item = _item(date_candidates=[DateCandidate("Сегодня, 12:05", "time")])  # 12:00 local
    assert pipe.process_item(item) is item
    assert item.published_at is None and item.date_source is None
    assert crawler.stats.values == {"civmon/dates/rejected/future": 1,
                                    "civmon/dates/undated": 1,
                                    "civmon/source/tengrinews/undated": 1}


def test_pipeline_without_source_or_stats():
    item = _item(source=None, date_candidates=[DateCandidate("24.11.2025 11:18", "text")],
                 fetched_at=datetime(2025, 11, 24, 12, 0))  # naive: read as UTC
    DatesPipeline().process_item(item)
    assert (item.published_at, item.date_source) == ("2025-11-24T11:18:00Z", "text")
