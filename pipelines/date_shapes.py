"""Exact, dateparser-free reading of the date shapes our sources print.

:func:`read` turns a raw string into a :class:`Reading`: the fields the string
states (day, month, year, time, offset) or the relative form it uses, without
resolving anything against a clock or a time zone.  That makes a reading a pure
function of the string, so it is cached by the string alone; resolving it
against the fetch time and the source zone is cheap arithmetic in
:mod:`pipelines.dates`.

A reading is only returned when it is exact.  Strings the rules do not
understand return ``None`` and go to dateparser.  The rules (docs/dates.md):

* the string is folded (:data:`pipelines.date_rules.FOLD`) and cut into tokens:
  ISO dates, numeric dates (always day first), times, offsets, numbers, words;
* the first *run* of date tokens wins; a word that is no month, no relative
  day and no filler ends a run, so labels ("Дата:", "Опубликовано:", "date")
  and trailing text ("Категория: Общество") are ignored;
* "N <unit> ago" forms in ru/en/kk/ky/az/uz are read by one pattern;
* an unknown shape gives None, never a guess: ISO 8601 basic format is read as
  ISO; a month and day followed by a year the run could not take (an unknown
  zone word between them) and a bare time beside digits that fit no field are
  None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

from pipelines.date_rules import (
    AGO_UNITS,
    AGO_WORDS,
    DAY_WORDS,
    FILLERS,
    FOLD,
    JUST_NOW,
    MONTH_SUFFIXES,
    MONTHS,
    NUMBER_WORDS,
    RELATIVE_MARKERS,
    ZONE_ABBREVIATIONS,
)

#: A raw string longer than this is cut before reading (dates sit near the start).
MAX_RAW = 400


@dataclass(frozen=True, slots=True)
class Reading:
    """What a string states, before any clock or zone is applied.

    ``kind`` is one of:
    ``date``  year, month and day are given;
    ``noyear`` month and day without a year;
    ``relday`` ``days_back`` days before the fetch day ("Вчера");
    ``time``  a time of day only;
    ``ago``   ``seconds_back`` before the fetch time;
    ``epoch`` ``seconds_back`` holds a Unix time (UTC).
    """

    kind: str
    year: int = 0
    month: int = 0
    day: int = 0
    hour: int | None = None
    minute: int = 0
    second: int | None = None
    offset: int | None = None  # minutes east of UTC, when the string states one
    days_back: int = 0
    seconds_back: float = 0
    precision: str = "day"


_TOKEN = re.compile(
    r"""
    (?P<iso>(?P<iy>\d{4})-(?P<im>\d\d)-(?P<id>\d\d)
        (?:[t\s](?P<ih>\d\d):(?P<imi>\d\d)(?::(?P<is>\d\d)(?:[.,]\d+)?)?
           (?P<ioff>z|[+-]\d\d(?::?\d\d)?)?)?(?![\d:]))
    |(?P<ymd>(?P<yy>\d{4})[./](?P<ym>\d{1,2})[./](?P<yd>\d{1,2})(?!\d))
    |(?P<dmy>(?P<dd>\d{1,2})(?P<sep>[./-])(?P<dm>\d{1,2})(?P=sep)(?P<dy>\d{4}|\d\d)(?![\d:]))
    |(?P<time>(?P<h>\d{1,2}):(?P<mi>\d\d)(?::(?P<s>\d\d))?(?!\d)
        (?:\s*(?P<ampm>[ap])\.?m\b\.?)?)
    |(?P<zone>(?<![^\W\d_])(?:utc|gmt)\s*(?P<zsign>[+-])\s*(?P<zh>\d{1,2})(?::?(?P<zm>\d\d))?(?!\d))
    |(?P<numoff>[+-]\d\d:?\d\d(?![\d:]))
    |(?P<num>\d+)(?!\d)(?:(?:st|nd|rd|th)(?![^\W\d_]))?
    |(?P<word>[^\W\d_]+)
    """,
    re.VERBOSE,
)

_unit_alt = "|".join(sorted(AGO_UNITS, key=len, reverse=True))
_AGO = re.compile(
    rf"(?<![^\W_])(?:(?P<n>\d{{1,3}})|(?P<word>{'|'.join(NUMBER_WORDS)})\s|(?P<half>пол))?\s*"
    rf"(?P<unit>{_unit_alt})\.?\s+(?:{'|'.join(AGO_WORDS)})(?![^\W_])"
)
_COMPACT = re.compile(r"(\d{8}|\d{10}|\d{12,14}|\d{17})")
#: The years a bare stamp may name: a compact date or a Unix time outside them is some
#: other number (a phone number, an id, zero padding), never a publication date.
STAMP_YEARS = (1990, 2100)
_EPOCH_RANGE = (int(datetime(STAMP_YEARS[0], 1, 1, tzinfo=UTC).timestamp()),
                int(datetime(STAMP_YEARS[1] + 1, 1, 1, tzinfo=UTC).timestamp()))
#: ISO 8601 basic format ("20201123T110235Z", "20201123T11:02:35Z"), rewritten to the
#: extended form before tokenising so that the digits are never a stray number.
_ISO_BASIC = re.compile(
    r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])([0-3]\d)t([0-2]\d):?([0-5]\d)(?::?([0-5]\d))?")


def fold(raw: str) -> str:
    """Lower-case the string and map regional letters to base letters (see date_rules)."""
    return raw.lower().translate(FOLD)


def _offset(sign: str, hours: str, minutes: str | None) -> int | None:
    h, m = int(hours), int(minutes or 0)
    if h > 14 or m > 59:
        return None
    return (h * 60 + m) * (-1 if sign == "-" else 1)


def _month(word: str) -> int | None:
    m = MONTHS.get(word)
    if m is not None or len(word) < 5:
        return m
    for suffix in MONTH_SUFFIXES:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            if len(stem) >= 4 and stem in MONTHS:
                return MONTHS[stem]
    return None


def read(raw: str) -> Reading | None:
    """Read ``raw`` by the exact rules, or return None (then dateparser may try)."""
    return _read(raw[:MAX_RAW])


@lru_cache(maxsize=16384)
def _read(raw: str) -> Reading | None:
    text = fold(raw).strip()
    if not text:
        return None
    compact = _COMPACT.fullmatch(text)
    if compact:
        return _read_compact(compact[1])
    ago = _AGO.search(text)
    if ago:
        return _read_ago(ago, text)
    if text.strip(" .!,") in JUST_NOW:
        return Reading("ago", precision="minute")
    text = _ISO_BASIC.sub(lambda m: f"{m[1]}-{m[2]}-{m[3]}t{m[4]}:{m[5]}"
                          + (f":{m[6]}" if m[6] else ""), text)
    return _read_tokens(text)


def _read_compact(digits: str) -> Reading | None:
    """Bare digit strings: 20251124, 202511241144, 20251124114447(745), Unix seconds/ms."""
    if len({ord(c) - unicodedata.digit(c) for c in digits}) != 1:
        # ``\d`` matches every script's digits; one run mixing scripts (the zero of
        # each digit's block differs) is no machine stamp: issue 13's fuzzing read
        # "12٦٣٩٦8٦٨٠" as 2010-01-20
        return None
    if len(digits) in (10, 13):  # Unix time in seconds or milliseconds (JSON APIs)
        if not digits.isascii():
            # a machine writes its stamps in ASCII digits: "١٠٦٣٩٦٨٦٨١" (Arabic-Indic) is
            # a number someone printed, not 2003-09-19 (issue 13's fuzzing)
            return None
        seconds = int(digits[:10])
        if not _EPOCH_RANGE[0] <= seconds < _EPOCH_RANGE[1]:
            return None  # "7272589634" (a phone number) is not 2200-06-17
        return Reading("epoch", seconds_back=seconds, precision="second" if seconds % 60
                       else "minute")
    y, mo, d = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    if not STAMP_YEARS[0] <= y <= STAMP_YEARS[1]:
        return None
    if len(digits) == 8:
        return Reading("date", y, mo, d)
    h, mi = int(digits[8:10]), int(digits[10:12])
    s = int(digits[12:14]) if len(digits) >= 14 else None
    return Reading("date", y, mo, d, h, mi, s, precision="second" if s else "minute")


def _read_ago(m: re.Match[str], text: str) -> Reading | None:
    seconds, precision = AGO_UNITS[m["unit"]]
    if m["half"]:
        count: float = 0.5
    elif m["n"]:
        count = int(m["n"])
    elif m["word"]:
        count = NUMBER_WORDS[m["word"]]
    else:
        before = text[: m.start()].rstrip()
        if before and before[-1].isalpha():
            return None  # "несколько часов назад": a count the rules do not know
        count = 1
    return Reading("ago", seconds_back=count * seconds, precision=precision)


class _Run:
    """The date fields gathered from consecutive tokens."""

    __slots__ = ("day", "hour", "minute", "month", "pending", "rel", "second", "year")

    def __init__(self) -> None:
        self.year = self.month = self.day = self.pending = self.rel = None
        self.hour = self.minute = self.second = None

    def empty(self) -> bool:
        return self.month is None and self.rel is None and self.hour is None and (
            self.year is None and self.pending is None and self.day is None)

    def reading(self, offset: int | None) -> Reading | None:
        if self.pending is not None:
            return None  # a lone number before anything that makes it a day
        timed = self.hour is not None
        # ":00" seconds are how most CMSs pad a minute; only non-zero seconds claim more.
        precision = "day" if not timed else ("second" if self.second else "minute")
        fields = {"hour": self.hour, "minute": self.minute or 0, "second": self.second,
                  "offset": offset, "precision": precision}
        if self.month is not None:
            if self.day is None:
                return None  # "март 2024": month precision is not stored
            if self.year is None:
                return Reading("noyear", 0, self.month, self.day, **fields)
            return Reading("date", self.year, self.month, self.day, **fields)
        if self.year is not None:
            return None
        if self.rel is not None:
            return Reading("relday", days_back=self.rel, **fields)
        if timed:
            return Reading("time", **fields)
        return None


#: Readings that name a calendar day; the first of them in a string wins.
_STRONG = ("date", "noyear")
#: A string whose only date is a bare time or a relative day ("Сегодня") is prose,
#: not a date line, when more than this many other words surround it.
MAX_PROSE_WORDS = 2


def _finish(run: _Run) -> Reading | None:
    return None if run.empty() else run.reading(None)


def _read_tokens(text: str) -> Reading | None:
    run = _Run()
    offset: int | None = None
    prev_timed = False  # the previous token was a time (a bare +0400 after it is an offset)
    result: Reading | None = None  # the first strong reading
    weak: Reading | None = None  # the first time-only or relative-day reading
    other_words = 0
    stray_numbers = 0  # numbers that fit no date field: the string has a shape we do not know
    for tok in _TOKEN.finditer(text):
        kind = tok.lastgroup
        if kind == "word" and tok["word"] in ZONE_ABBREVIATIONS and (prev_timed or run.hour):
            offset = ZONE_ABBREVIATIONS[tok["word"]] if offset is None else offset
            continue
        if kind == "zone" or (kind == "numoff" and prev_timed):
            value = (_offset(tok["zsign"], tok["zh"], tok["zm"]) if kind == "zone"
                     else _offset(tok[0][0], tok[0][1:3], tok[0][-2:]))
            offset = value if offset is None else offset
            prev_timed = False
            continue
        prev_timed = False
        if result is not None:
            if result.kind == "noyear" and kind == "num" and len(tok["num"]) == 4 and (
                    1900 <= int(tok["num"]) <= 2100):
                return None  # a year we could not attach: resolving "noyear" would guess
            continue  # the date is complete; keep scanning only for an offset
        if kind == "word" and tok["word"] in RELATIVE_MARKERS:
            return None  # "неделю назад", "last week": leave it to dateparser
        fits = _add(run, tok, kind)
        if fits is None:  # a filler: neither fits nor breaks
            continue
        if not fits:
            found = _finish(run)
            if found is not None and found.kind in _STRONG:
                result = found
                continue
            weak = weak or found
            run = _Run()
            if _add(run, tok, kind) is False:
                run = _Run()
                other_words += kind == "word"
                stray_numbers += kind == "num"
            continue
        prev_timed = kind == "time" or (kind == "iso" and tok["ih"] is not None)
        if kind == "iso" and tok["ioff"]:
            off = tok["ioff"]
            offset = 0 if off == "z" else _offset(off[0], off[1:3], off[-2:] if len(off) > 3
                                                   else None)
            result = run.reading(None)
    if result is None:
        found = _finish(run)
        if found is not None and found.kind in _STRONG:
            result = found
        else:
            weak = weak or found
            if weak is None or other_words > MAX_PROSE_WORDS or stray_numbers:
                return None  # prose, or a time beside digits we cannot read: never a guess
            result = weak
    if offset is not None:
        result = replace(result, offset=offset)
    return result


def _add(run: _Run, tok: re.Match[str], kind: str | None) -> bool | None:
    """Add one token to the run: True if it fits, False if it ends the run, None if neutral."""
    has_date = run.month is not None or run.rel is not None
    if kind == "iso" or kind == "ymd" or kind == "dmy":
        if has_date or run.year is not None or run.pending is not None:
            return False
        if kind == "iso":
            y, m, d = tok["iy"], tok["im"], tok["id"]
            if tok["ih"] is not None:
                if run.hour is not None:
                    return False
                run.hour, run.minute = int(tok["ih"]), int(tok["imi"])
                run.second = int(tok["is"]) if tok["is"] else None
        elif kind == "ymd":
            y, m, d = tok["yy"], tok["ym"], tok["yd"]
        else:
            y, m, d = tok["dy"], tok["dm"], tok["dd"]
            if len(y) == 2:
                y = "20" + y
            if tok["sep"] == "/" and int(m) > 12 >= int(d):
                m, d = d, m  # 11/24/2025 can only be month first
        run.year, run.month, run.day = int(y), int(m), int(d)
        return True
    if kind == "time":
        if run.hour is not None:
            return False
        h, mi = int(tok["h"]), int(tok["mi"])
        if tok["ampm"]:
            if not 1 <= h <= 12:
                return False
            h = h % 12 + (12 if tok["ampm"] == "p" else 0)
        s = int(tok["s"]) if tok["s"] else None
        if h > 23 or mi > 59 or (s is not None and s > 59):
            return False
        run.hour, run.minute, run.second = h, mi, s
        return True
    if kind == "num":
        digits = tok["num"]
        n = int(digits)
        if len(digits) == 4:
            if run.year is not None or not 1900 <= n <= 2100 or run.rel is not None:
                return False
            run.year = n
            return True
        if len(digits) <= 2 and 1 <= n <= 31:
            if run.month is not None and run.day is None:
                run.day = n
                return True
            if run.month is None and run.pending is None and run.rel is None:
                run.pending = n
                return True
        return False
    if kind == "word":
        word = tok["word"]
        month = _month(word)
        if month is not None:
            if has_date:
                return False
            run.month = month
            if run.pending is not None:
                run.day, run.pending = run.pending, None
            return True
        if word in DAY_WORDS:
            if has_date or run.year is not None or run.pending is not None:
                return False
            run.rel = DAY_WORDS[word]
            return True
        if word in FILLERS:
            return None
        return False
    return False  # a stray offset-like token
