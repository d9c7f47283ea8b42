"""Fuzz: mutated pages through the chain, mutated date strings through parse_date.

Pages: the fixture pages (tests/fixtures/pages) and the sample web's article
pages (crawler.sampleweb), each mutated as bytes by one or more of: truncation,
byte flips, control characters, deep nesting, huge attribute values, broken
encodings (cp1251 bytes under a utf-8 declaration, invalid UTF-8 sequences, a
lying ``<meta charset>``) and duplicated blocks.  The bytes are decoded the way
a saved page is (``crawler.pages.decode_page``) and run, in turn, through
``pipelines.chain.process_page`` (with the page's registry source) and
``pipelines.extract.extract_article``.

Dates: the raw strings of tests/data/date_cases.toml (with their zone, fetch
time and languages), mutated by digit changes, separators, mixed scripts
(Latin/Cyrillic look-alikes, Kazakh/Azerbaijani letters, full-width digits),
overflow numbers, and run through ``pipelines.dates.parse_date``.

Every call is timed alone, in CPU time (``time.process_time``: a shared machine's
load does not push a call over the bound; a loop does).  A call fails when an
exception escapes it, when extraction swallowed one (``explain["error"]``: our failure, not a page
without an article), or when it exceeds the time bound.  A date *from nowhere*
(a year neither printed in the string nor within a year of the fetch time: a
number read as something no source prints) is printed and fails the run too.
Everything is seeded: the same ``--seed`` gives the same inputs.  Exit 0 when
nothing failed, 1 otherwise.

    .venv/bin/python benchmarks/fuzz.py [--pages 1200] [--dates 4000] [--seed 13]
        [--page-bound 5.0] [--date-bound 0.5] [--slowest 5] [--trace SECONDS]

``--trace 20`` prints each call's input before it runs and, for a call still
running after 20 s, the Python stack every 20 s: the input and stage of a stall.

tests/test_fuzz.py runs a small subset of the same generator in the suite.
No settings read.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import random
import re
import sys
import time
import tomllib
import traceback
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a fresh clone
    sys.path.insert(0, str(ROOT))

from crawler.pages import decode_page  # noqa: E402
from crawler.registry import Source, parse_registry  # noqa: E402
from pipelines.chain import process_page  # noqa: E402
from pipelines.date_rules import AGO_WORDS  # noqa: E402
from pipelines.date_shapes import fold  # noqa: E402
from pipelines.dates import parse_date  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "pages"
_TRACE = sys.stderr
DATE_CASES = ROOT / "tests" / "data" / "date_cases.toml"


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    body: bytes
    source: Source | None  # for process_page
    source_id: str | None  # for extract_article (packaged registry id, or None)
    now: datetime


@dataclass(frozen=True)
class DateCase:
    raw: str
    tz: str
    now: datetime
    langs: tuple[str, ...]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def load_pages() -> list[Page]:
    """Fixture pages and the sample web's article pages, as bytes."""
    pages: list[Page] = []
    for spec_path in sorted(PAGES.glob("*.json")):
        spec = json.loads(spec_path.read_text("utf-8"))
        body = spec_path.with_suffix(".html").read_bytes()
        pages.append(Page(spec_path.stem, spec["url"], body, None, spec.get("source"),
                          _when(spec["fetched_at"])))
    from crawler.sampleweb.server import render_registry
    from crawler.sampleweb.site import OUTLETS, iter_pages, offline_base

    registry = parse_registry(tomllib.loads(render_registry(
        {sid: offline_base(sid) for sid in OUTLETS})), origin="<sample web>")
    now = datetime.fromisoformat("2025-11-24T09:00:00+00:00")  # the sample web's fetch time
    for exp, path, body, _ctype in iter_pages():
        src = registry.get(exp.source_id)
        pages.append(Page(f"{exp.source_id}{path}", offline_base(exp.source_id) + path,
                          body, src, None, now))
    return pages


def load_dates() -> list[DateCase]:
    cases = tomllib.loads(DATE_CASES.read_text("utf-8"))["cases"]
    return [DateCase(c["raw"], c["tz"], _when(c["now"]), tuple(c.get("langs", ("ru",))))
            for c in cases]


# --- page mutations (bytes -> bytes) -------------------------------------------------

CONTROL = [bytes([c]) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)] + [
    "\u2028".encode(), "\ufeff".encode(), "\ufffe".encode(), b"\xed\xa0\x80"]


def _truncate(rng: random.Random, b: bytes) -> bytes:
    return b[: rng.randrange(len(b) + 1)]


def _flip(rng: random.Random, b: bytes) -> bytes:
    buf = bytearray(b)
    for _ in range(rng.randint(1, 64)):
        if buf:
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _control(rng: random.Random, b: bytes) -> bytes:
    buf = bytearray(b)
    for _ in range(rng.randint(1, 200)):
        at = rng.randrange(len(buf) + 1)
        buf[at:at] = rng.choice(CONTROL)
    return bytes(buf)


def _insert_at_tag(rng: random.Random, b: bytes, piece: bytes) -> bytes:
    cut = b.find(b"<p", rng.randrange(max(len(b) // 2, 1)))
    at = cut if cut >= 0 else rng.randrange(len(b) + 1)
    return b[:at] + piece + b[at:]


def _nest(rng: random.Random, b: bytes) -> bytes:
    depth = rng.choice((256, 1000, 5000, 20000))
    tag = rng.choice((b"div", b"span", b"b", b"table", b"p"))
    closed = rng.random() < 0.5
    closing = (b"</" + tag + b">") * depth if closed else b""
    piece = (b"<" + tag + b">") * depth + b"deep text" + closing
    return _insert_at_tag(rng, b, piece)


def _huge_attribute(rng: random.Random, b: bytes) -> bytes:
    size = rng.choice((10_000, 100_000, 1_000_000))
    value = rng.choice((b"x", b"\xd0\xb0", b"&amp;", b" ")) * size
    name = rng.choice((b"class", b"title", b"data-x", b"style", b"href"))
    quote = rng.choice((b'"', b"'", b""))
    return _insert_at_tag(rng, b, b"<p " + name + b"=" + quote + value + quote + b">x</p>")


def _broken_encoding(rng: random.Random, b: bytes) -> bytes:
    kind = rng.randrange(4)
    text = b.decode("utf-8", errors="replace")
    if kind == 0:  # cp1251 bytes under the page's own (utf-8) declaration
        return text.encode("cp1251", errors="replace")
    if kind == 1:  # invalid UTF-8 sequences sprinkled in
        buf = bytearray(b)
        for _ in range(rng.randint(1, 100)):
            at = rng.randrange(len(buf) + 1)
            buf[at:at] = rng.choice((b"\xff", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\x80"))
        return bytes(buf)
    if kind == 2:  # a lying or unknown <meta charset> on cp1251 bytes
        charset = rng.choice((b"utf-8", b"koi8-r", b"x-unknown-999", b"utf-16", b"base64"))
        return b'<meta charset="' + charset + b'">' + text.encode("cp1251", errors="replace")
    return text.encode("utf-16")  # a BOM'd UTF-16 page


def _duplicate(rng: random.Random, b: bytes) -> bytes:
    start = rng.randrange(len(b) + 1)
    block = b[start: start + rng.randint(1, 4000)]
    return b[:start] + block * rng.randint(2, 200) + b[start:]


PAGE_MUTATORS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "truncate": _truncate, "flip": _flip, "control": _control, "nest": _nest,
    "huge_attribute": _huge_attribute, "encoding": _broken_encoding, "duplicate": _duplicate,
}


# --- date mutations (str -> str) -------------------------------------------------------

LOOKALIKE = str.maketrans("аеорсхуАВЕКМНОРСТХ", "aeopcxyABEKMHOPCTX")
SCRIPT_DIGITS = ("０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९")
SEPARATORS = (".", "/", "-", " ", ",", ":", "..", "—", "\u00a0", "\u2009", "T", "|", "\t", "\n", "")


def _digits(rng: random.Random, s: str) -> str:
    chars = list(s)
    spots = [i for i, c in enumerate(chars) if c.isdigit()] or [rng.randrange(len(chars) + 1)]
    for _ in range(rng.randint(1, 3)):
        i = rng.choice(spots)
        if i < len(chars):
            chars[i] = str(rng.randrange(10))
    return "".join(chars)


def _separators(rng: random.Random, s: str) -> str:
    return "".join(rng.choice(SEPARATORS) if (not c.isalnum() and rng.random() < 0.6) else c
                   for c in s)


def _scripts(rng: random.Random, s: str) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return s.translate(LOOKALIKE) if rng.random() < 0.5 else \
            "".join(c.translate(LOOKALIKE) if rng.random() < 0.5 else c for c in s)
    if kind == 1:
        table = str.maketrans("0123456789", rng.choice(SCRIPT_DIGITS))
        return s.translate(table)
    if kind == 2:
        extra = rng.choice(("қаңтар", "şubat", "ağustos", "ýanwar", "январ", "ﺖﺳﻮﻏﺃ", "八月"))
        at = rng.randrange(len(s) + 1)
        return s[:at] + " " + extra + " " + s[at:]
    return s.upper() if rng.random() < 0.5 else s.swapcase()


def _overflow(rng: random.Random, s: str) -> str:
    big = rng.choice(("99999", "2147483648", "9" * 20, "9" * 400, "-1", "0", "00", "31", "32",
                      "13", "29", "1e308", "10000"))
    numbers = [m.span() for m in re.finditer(r"\d+", s)]
    if not numbers:
        return s + " " + big
    start, end = rng.choice(numbers)
    return s[:start] + big + s[end:]


DATE_MUTATORS: dict[str, Callable[[random.Random, str], str]] = {
    "digits": _digits, "separators": _separators, "scripts": _scripts, "overflow": _overflow,
}


def mutate_pages(pages: list[Page], count: int, seed: int) -> Iterator[tuple[Page, str, bytes]]:
    rng = random.Random(seed)
    names = sorted(PAGE_MUTATORS)
    for n in range(count):
        page = pages[n % len(pages)]
        kinds = [names[n % len(names)], *rng.sample(names, rng.choice((0, 0, 1, 2)))]
        body = page.body
        for kind in kinds:
            body = PAGE_MUTATORS[kind](rng, body)
        yield page, "+".join(kinds), body


def mutate_dates(cases: list[DateCase], count: int, seed: int,
                 ) -> Iterator[tuple[DateCase, str, str]]:
    rng = random.Random(seed)
    names = sorted(DATE_MUTATORS)
    for n in range(count):
        case = cases[rng.randrange(len(cases))]
        kinds = [names[n % len(names)], *rng.sample(names, rng.choice((0, 1, 2)))]
        raw = case.raw
        for kind in kinds:
            raw = DATE_MUTATORS[kind](rng, raw)
        yield case, "+".join(kinds), raw


# --- running ------------------------------------------------------------------------


@dataclass
class Report:
    calls: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    timings: list[tuple[float, str]] = field(default_factory=list)  # (CPU seconds, call)
    wall: list[float] = field(default_factory=list)
    #: seconds after which a call still running gets its label and stack printed
    #: (stderr, every that many seconds): a stall names its input and its stage
    hang_after: float = 0.0

    def timed(self, what: str, label: str, bound: float, call: Callable[[], Any]) -> Any:
        self.calls[what] += 1
        if self.hang_after:
            print(f"[{sum(self.calls.values())}] {what} {label}", file=_TRACE, flush=True)
            faulthandler.dump_traceback_later(self.hang_after, repeat=True, file=_TRACE)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            result = call()
        except Exception:  # the finding: anything escaping a call the crawl relies on
            self.failures.append(f"exception in {what} on {label}: "
                                 + traceback.format_exc().strip().splitlines()[-1])
            result = None
        finally:
            if self.hang_after:
                faulthandler.cancel_dump_traceback_later()
        # The bound is on CPU time: a call that loops is over it however busy the machine
        # is, and a shared machine's waits do not make a fast call look slow.
        took = time.process_time() - c0
        self.wall.append(time.perf_counter() - t0)
        self.timings.append((took, f"{what} {label}"))
        if took > bound:
            self.failures.append(f"over the bound ({took:.2f} s CPU > {bound} s): {what} "
                                 f"{label}")
            print(self.failures[-1], file=sys.stderr, flush=True)  # seen while it runs
        return result


def _from_nowhere(raw: str, value: datetime, now: datetime) -> bool:
    """A year neither printed in ``raw`` nor near the fetch time (which a relative or
    yearless date takes): a number read as something no source prints, such as a
    bare integer read as a Unix timestamp.  A far year the page does print is read
    faithfully here; the chain's skew check judges it."""
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in raw)
    if abs(value.year - now.year) <= 1:
        return False
    bare = raw.strip()
    if len(bare) in (10, 13) and bare.isascii() and bare.isdigit():
        return not 1990 <= value.year <= 2100  # a Unix stamp (docs/dates.md), in range
    if any(word in fold(raw) for word in AGO_WORDS):
        return False  # "10000 дней назад": a relative date names no year
    years = [value.year]
    if value.month == 12 and value.day == 31:
        years.append(value.year + 1)  # "2024-01-01T00:00+06:00" is 2023-12-31T18:00Z
    return not any(str(y) in digits or f"{y % 100:02d}" in digits for y in years)


def warm_up(pages: list[Page], cases: list[DateCase]) -> None:
    """Each unmutated input once, untimed: lexicons, models and caches load on first
    use, and that one-off cost is not what the bound is about."""
    with contextlib.suppress(Exception):  # the timed pass reports what raises
        for page in pages[:3]:
            html = decode_page(page.body)
            process_page(html, url=page.url, source=page.source, now=page.now)
            extract_article(html, url=page.url, source=page.source_id, fetched_at=page.now)
        for case in cases:
            parse_date(case.raw, timezone=case.tz, now=case.now, languages=case.langs)


def run(pages_n: int, dates_n: int, seed: int, page_bound: float, date_bound: float,
        hang_after: float = 0.0) -> Report:
    report = Report(hang_after=hang_after)
    pages = load_pages() if pages_n else []
    cases = load_dates() if dates_n else []
    warm_up(pages, cases)
    if pages_n:
        for page, kinds, body in mutate_pages(pages, pages_n, seed):
            report.kinds[f"page:{kinds.split('+')[0]}"] += 1
            label = f"{page.name} [{kinds}, {len(body):,} B]"
            html = report.timed("decode_page", label, page_bound, lambda b=body: decode_page(b))
            if html is None:
                continue
            report.timed("process_page", label, page_bound,
                         lambda h=html, p=page: process_page(h, url=p.url, source=p.source,
                                                             now=p.now))
            art = report.timed("extract_article", label, page_bound,
                               lambda h=html, p=page: extract_article(
                                   h, url=p.url, source=p.source_id, fetched_at=p.now))
            if art is not None and art.explain.get("error"):
                report.failures.append(f"extraction error swallowed on {label}: "
                                       f"{art.explain['error']}")
    if dates_n:
        for case, kinds, raw in mutate_dates(cases, dates_n, seed):
            report.kinds[f"date:{kinds.split('+')[0]}"] += 1
            label = f"{raw[:80]!r} [{kinds}, {case.tz}]"
            parsed = report.timed("parse_date", label, date_bound,
                                  lambda r=raw, c=case: parse_date(r, timezone=c.tz, now=c.now,
                                                                   languages=c.langs))
            if parsed is not None and _from_nowhere(raw, parsed.value, case.now):
                report.failures.append(f"date from nowhere {parsed.value.isoformat()} "
                                       f"from {label}")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1200, help="mutated pages (default 1200)")
    ap.add_argument("--dates", type=int, default=4000, help="mutated dates (default 4000)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--page-bound", type=float, default=5.0,
                    help="CPU seconds one page call may take (default 5.0)")
    ap.add_argument("--date-bound", type=float, default=0.5,
                    help="CPU seconds one parse_date call may take (default 0.5)")
    ap.add_argument("--slowest", type=int, default=5, help="slowest calls to print")
    ap.add_argument("--trace", type=float, default=0.0, metavar="SECONDS",
                    help="print each call's input to stderr before it runs, and the stack "
                         "of a call still running after SECONDS (finds a stall)")
    args = ap.parse_args(argv)
    import logging
    logging.disable(logging.CRITICAL)  # extraction logs every swallowed error; we count them
    t0 = time.perf_counter()
    report = run(args.pages, args.dates, args.seed, args.page_bound, args.date_bound,
                 args.trace)
    wall = time.perf_counter() - t0
    print(f"fuzz seed {args.seed}: {args.pages} mutated pages, {args.dates} mutated dates "
          f"in {wall:.1f} s")
    print("calls:", ", ".join(f"{k} {v}" for k, v in sorted(report.calls.items())))
    print("mutations:", ", ".join(f"{k} {v}" for k, v in sorted(report.kinds.items())))
    for what in sorted(report.calls):
        times = sorted(t for t, label in report.timings if label.startswith(what + " "))
        if times:
            print(f"{what}: CPU median {times[len(times) // 2] * 1000:.1f} ms, "
                  f"max {times[-1] * 1000:.1f} ms")
    if report.wall:
        print(f"wall time of one call: max {max(report.wall) * 1000:.1f} ms "
              f"(CPU time is what the bound checks; wall time includes the machine's load)")
    print(f"slowest {args.slowest} (CPU):")
    for took, label in sorted(report.timings, reverse=True)[: args.slowest]:
        print(f"  {took * 1000:9.1f} ms  {label}")
    print(f"failures: {len(report.failures)}")
    for line in report.failures[:50]:
        print("  " + line)
    verdict = "PASS" if not report.failures else "FAIL"
    print(f"verdict: {verdict} (exceptions, swallowed errors and suspect dates must be 0; "
          f"bounds {args.page_bound} s per page call, {args.date_bound} s per date)")
    return 0 if not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
