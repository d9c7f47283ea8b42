"""Dates: read every date our sources print, in the source's time zone, to the minute.

The pure functions come first and are what tests and ``civmon extract`` use:

* :func:`parse_date` reads one raw string against the fetch time ``now`` and the
  source's IANA zone.  Exact rules (:mod:`pipelines.date_shapes`) read the shapes
  the sources print; anything else goes to dateparser (:mod:`pipelines.date_fallback`),
  configured so that it never sees the machine's clock or time zone.
* :func:`url_date` finds a date written into an article URL.
* :func:`choose_date` parses every candidate an article offers, rejects the
  impossible ones with a reason and picks one by reliability and precision.

:class:`DatesPipeline` is the thin Scrapy wrapper.  It reads one setting,
``CIVMON_DATE_MAX_SKEW_MINUTES`` (default 15): how far past the fetch time a date
may lie before it is rejected as "future".  The rules are in docs/dates.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import timezone as fixed_zone
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pipelines.date_fallback import dateparser_read
from pipelines.date_shapes import Reading, read
from pipelines.items import DATE_ORIGINS, DateCandidate

PRECISIONS = ("day", "minute", "second")
#: A time-only or year-less string is read as the latest such moment not after
#: ``now`` plus this much (a site clock a few minutes ahead must not push "14:05"
#: back a whole day or year).
CLOCK_TOLERANCE = timedelta(minutes=15)
#: Dates before this day are rejected when a source has no ``established`` date.
EARLIEST = date(1990, 1, 1)
DEFAULT_MAX_SKEW = timedelta(minutes=15)
#: A "today, HH:MM" later than the fetch time, fetched this soon after local midnight,
#: is from a page rendered before midnight (nightly crawls run at 00:40): previous day.
RENDERED_BEFORE_MIDNIGHT = timedelta(hours=6)


@dataclass(frozen=True)
class ParsedDate:
    """A parsed date.

    ``value`` is an aware UTC datetime.  For ``precision == "day"`` it is midnight
    UTC *of the source's local calendar day*: ``value.date()`` is the day the
    source printed, not that day's midnight converted to UTC.  ``method`` says
    which reader produced it: ``"rules"``, ``"dateparser"``, or
    ``"rules, previous local day"`` for "Сегодня, 09:30" read just after local
    midnight (the page was rendered before midnight).
    """

    value: datetime
    precision: str
    method: str = "rules"
    day_from_fetch: bool = False
    """True when the string gave no day at all (a bare time): the day is the fetch
    day's, so any candidate that states its day outranks it."""

    def local_day(self, zone: tzinfo) -> date:
        """The calendar day in ``zone`` (the source's zone)."""
        if self.precision == "day":
            return self.value.date()
        return self.value.astimezone(zone).date()


@cache
def zone(name: str) -> tzinfo:
    """The IANA zone ``name`` from the bundled tzdata package, never the OS copy."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*",
                                                     name):
        raise ValueError(f"unknown time zone {name!r}: expected an IANA name such as 'Asia/Almaty'")
    try:
        with resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).open("rb") as fh:
            return ZoneInfo.from_file(fh, key=name)
    except (OSError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: not in the bundled tzdata") from None


def _check_now(now: Any) -> datetime:
    if not isinstance(now, datetime):
        raise ValueError(f"now must be an aware datetime (the fetch time), got {now!r}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(
            f"now must be an aware datetime (the fetch time), got naive {now.isoformat()}; "
            "pass e.g. datetime(2025, 11, 24, 9, 0, tzinfo=UTC)"
        )
    return now


def parse_date(raw: str, *, timezone: str, now: datetime,
               languages: Sequence[str] = ("ru",)) -> ParsedDate | None:
    """Read ``raw`` as printed by a source in ``timezone``, fetched at ``now``.

    Returns None when ``raw`` holds no date to the day (garbage never raises).
    Raises ValueError for a naive ``now`` or an unknown ``timezone``.
    """
    now = _check_now(now)
    tz = zone(timezone)
    if not isinstance(raw, str):
        return None
    reading = read(raw)
    if reading is not None:
        return _resolve(reading, tz, now)
    return _fallback(raw, tz, now, languages)


def _day(d: date) -> ParsedDate:
    return ParsedDate(datetime(d.year, d.month, d.day, tzinfo=UTC), "day")


def _resolve(r: Reading, tz: tzinfo, now: datetime) -> ParsedDate | None:
    """Apply the zone (or the stated offset) and the fetch time to a reading."""
    here = tz if r.offset is None else fixed_zone(timedelta(minutes=r.offset))
    now_local = now.astimezone(here)
    try:
        if r.kind == "epoch":
            return ParsedDate(datetime.fromtimestamp(r.seconds_back, UTC), r.precision)
        if r.kind == "ago":
            back = timedelta(seconds=r.seconds_back)
            if r.precision == "day":
                return _day((now_local - back).date())
            value = (now.astimezone(UTC) - back).replace(microsecond=0)
            if r.precision == "minute":
                value = value.replace(second=0)
            return ParsedDate(value, r.precision)
        method = "rules"
        if r.kind == "date":
            day = date(r.year, r.month, r.day)
        elif r.kind == "relday":
            day = now_local.date() - timedelta(days=r.days_back)
            since_midnight = now_local - now_local.replace(hour=0, minute=0, second=0,
                                                           microsecond=0)
            if (r.days_back == 0 and r.hour is not None and since_midnight
                    < RENDERED_BEFORE_MIDNIGHT and _at(day, r, here) > now_local
                    + CLOCK_TOLERANCE):
                day -= timedelta(days=1)
                method = "rules, previous local day"
        elif r.kind == "time":
            day = now_local.date()
            if _at(day, r, here) > now_local + CLOCK_TOLERANCE:
                day -= timedelta(days=1)
        else:  # noyear
            day = _latest_year(r, here, now_local)
            if day is None:
                return None
        if r.hour is None:
            return ParsedDate(_day(day).value, "day", method)
        return ParsedDate(_at(day, r, here).astimezone(UTC), r.precision, method,
                          day_from_fetch=r.kind == "time")
    except (ValueError, OverflowError):
        return None  # 31 ноября, hour 25 and the like


def _at(day: date, r: Reading, here: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, r.hour or 0, r.minute, r.second or 0,
                    tzinfo=here)


def _latest_year(r: Reading, here: tzinfo, now_local: datetime) -> date | None:
    """The latest year in which day/month (and time) is not after the fetch time."""
    for year in range(now_local.year, now_local.year - 9, -1):
        try:
            day = date(year, r.month, r.day)
        except ValueError:
            continue  # 29 February: try earlier years
        if r.hour is None:
            if day <= now_local.date():
                return day
        elif _at(day, r, here) <= now_local + CLOCK_TOLERANCE:
            return day
    return None


# -- dateparser fallback ------------------------------------------------------------------

def _year_unprinted(raw: str, value: datetime, now: datetime) -> bool:
    """A fallback reading more than a year from the fetch time whose year ``raw`` does
    not print and that no "ago" word explains: dateparser read a number as a count
    (issue 13's fuzzing: "1351..сегодня", via "1351..today", as 1351 days ago)."""
    import unicodedata

    from pipelines.date_rules import AGO_WORDS
    from pipelines.date_shapes import fold

    if abs(value.year - now.year) <= 1:
        return False
    if any(word in fold(raw) for word in AGO_WORDS):
        return False
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in raw)
    return str(value.year) not in digits and f"{value.year % 100:02d}" not in digits


def _fallback(raw: str, tz: tzinfo, now: datetime,
              languages: Sequence[str]) -> ParsedDate | None:
    base = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    found = dateparser_read(raw, base, tuple(languages))
    if found is None:
        return None
    value, period = found
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)  # a wall-clock time in the source zone
    if _year_unprinted(raw, value, now):
        return None
    if period == "day":
        return ParsedDate(datetime(value.year, value.month, value.day, tzinfo=UTC), "day",
                          "dateparser")
    value = value.astimezone(UTC).replace(microsecond=0)
    precision = "second" if value.second else "minute"  # as the rules: ":00" pads a minute
    if precision == "minute":
        value = value.replace(second=0)
    return ParsedDate(value, precision, "dateparser")


# -- output and URL dates -----------------------------------------------------------------

def format_published_at(parsed: ParsedDate) -> str:
    """``2025-11-24T07:18:00Z`` for minute/second precision, ``2025-11-24`` for a day."""
    if parsed.precision == "day":
        return parsed.value.date().isoformat()
    return parsed.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)([/-])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?=[/._-]|$)")
_URL_STAMP = re.compile(r"/((?:19|20)\d{6}(?:\d{4}(?:\d\d(?:\d{3})?)?)?)(?=[/._-]|$)")


def url_date(url: str) -> DateCandidate | None:
    """The date in an article URL: ``/2025/11/24/``, ``/20251124/`` or a
    ``20251124114447745-slug`` timestamp.  ``raw`` is the date part as found."""
    if not isinstance(url, str):
        return None
    path = urlsplit(url).path
    for pattern in (_URL_DATE, _URL_STAMP):
        for m in pattern.finditer(path):
            raw = m.group(0)[1:]
            reading = read(raw)
            if reading is not None and reading.kind == "date":
                try:
                    date(reading.year, reading.month, reading.day)
                except ValueError:
                    continue
                return DateCandidate(raw, "url")
    return None


# -- choosing among candidates ------------------------------------------------------------

#: Origins whose time of day is the publication time, so it may refine a
#: day-only anchor: not "text" (comments, "updated" lines), "sitemap"
#: (a modification time) or "url" (no time).
REFINING_ORIGINS = ("jsonld", "meta", "time", "selector", "feed", "listing")


@dataclass
class DateChoice:
    """The chosen date (or None), the candidate it came from, and every rejection."""

    parsed: ParsedDate | None = None
    candidate: DateCandidate | None = None
    rejected: list[tuple[DateCandidate, str]] = field(default_factory=list)


def origin_rank(origin: str) -> int:
    """Position of ``origin`` in DATE_ORIGINS (most reliable first); unknown ones last."""
    try:
        return DATE_ORIGINS.index(origin)
    except ValueError:
        return len(DATE_ORIGINS)


def choose_date(candidates: Sequence[DateCandidate], *, timezone: str, now: datetime,
                languages: Sequence[str], established: date | None = None,
                max_skew: timedelta = DEFAULT_MAX_SKEW) -> DateChoice:
    """Parse every candidate, reject impossible ones, pick one.

    Rejections: ``unparsed`` (no date in it), ``future`` (after ``now + max_skew``;
    a day-precision date after the local day of ``now + max_skew``) and
    ``before_established`` (before the source's ``established`` day, or 1990-01-01).

    Choice: the *anchor* is the accepted candidate of the most reliable origin
    among those that state their day (a bare time comes last whatever its origin;
    DATE_ORIGINS order; the earlier listed on a tie: extraction lists what is
    nearest the headline first).  When the anchor knows only the day, the most
    reliable candidate with a time *on the same local day* from another origin
    in REFINING_ORIGINS wins instead.  Visible text and sitemaps never refine:
    their times may be a reader comment, an "updated" line or a modification.
    A time on another day never overrides the anchor's day.
    """
    now = _check_now(now)
    tz = zone(timezone)
    last_day = (now + max_skew).astimezone(tz).date()
    first_day = established or EARLIEST
    choice = DateChoice()
    accepted: list[tuple[DateCandidate, ParsedDate, date]] = []
    for cand in candidates:
        parsed = parse_date(cand.raw, timezone=timezone, now=now, languages=languages)
        if parsed is None:
            choice.rejected.append((cand, "unparsed"))
            continue
        day = parsed.local_day(tz)
        if day > last_day or (parsed.precision != "day" and parsed.value > now + max_skew):
            choice.rejected.append((cand, "future"))
        elif day < first_day:
            choice.rejected.append((cand, "before_established"))
        else:
            accepted.append((cand, parsed, day))
    if not accepted:
        return choice
    # A bare time ("15:30" in a <time>) knows no day: any candidate that states one wins.
    anchor = min(accepted, key=lambda a: (a[1].day_from_fetch, origin_rank(a[0].origin)))
    winner = anchor
    if anchor[1].precision == "day":
        timed = [a for a in accepted if a[2] == anchor[2] and a[1].precision != "day"
                 and a[0].origin != anchor[0].origin and a[0].origin in REFINING_ORIGINS]
        if timed:
            winner = min(timed, key=lambda a: origin_rank(a[0].origin))
    choice.candidate, choice.parsed = winner[0], winner[1]
    return choice


# -- the Scrapy pipeline ------------------------------------------------------------------

class DatesPipeline:
    """Fills ``published_at``, ``published_raw``, ``date_precision`` and ``date_source``.

    Never drops an item: an undated article is stored undated and counted.
    Stats: ``civmon/dates/parsed``, ``civmon/dates/undated``,
    ``civmon/dates/origin/<origin>``, ``civmon/dates/rejected/<reason>``,
    ``civmon/source/<source_id>/undated``.
    """

    def __init__(self, stats: Any = None, *, max_skew: timedelta = DEFAULT_MAX_SKEW) -> None:
        self.stats = stats
        self.max_skew = max_skew

    @classmethod
    def from_crawler(cls, crawler: Any) -> DatesPipeline:
        minutes = crawler.settings.getint("CIVMON_DATE_MAX_SKEW_MINUTES", 15)
        return cls(crawler.stats, max_skew=timedelta(minutes=minutes))

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    @staticmethod
    def candidates(item: Any) -> list[DateCandidate]:
        """Extraction's candidates, then the discovery date, then the URL date."""
        from pipelines.chain import date_candidates

        return date_candidates(item)

    def process_item(self, item: Any) -> Any:
        from pipelines.chain import dates_stage

        choice = item.decided.get("dates") or dates_stage(item, max_skew=self.max_skew)
        for _cand, reason in choice.rejected:
            self._inc(f"civmon/dates/rejected/{reason}")
        if choice.parsed is None or choice.candidate is None:
            self._inc("civmon/dates/undated")
            self._inc(f"civmon/source/{item.source_id}/undated")
            return item
        self._inc("civmon/dates/parsed")
        self._inc(f"civmon/dates/origin/{choice.candidate.origin}")
        return item
