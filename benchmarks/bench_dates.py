"""Benchmark: pipelines.dates.parse_date against plain dateparser.parse, same run.

Generates N strings (default 10,000) deterministically (seeded) from the date
shapes our sources print (research/sites.md §1.2, §2, §3; the seeds), each with
its source zone, languages, fetch time and ground truth.  Then, in one process:

1. parse_date with every cache cleared (the first sight of each string);
2. parse_date again over the same strings (warm: the reading cache hits);
3. dateparser.parse(s, languages=[...]) - the plain call, no settings.

Each call is timed alone (perf_counter_ns); the median is reported, with the
accuracy of both against the ground truth.  dateparser.parse cannot be given
the fetch time or the zone, so for it a naive result is read as the source's
wall clock (its most favourable reading) and relative shapes resolve against
the real clock (they are reported apart).

    /work/venv/bin/python benchmarks/bench_dates.py [--n 10000] [--seed 20251124]
                                                     [--max-seconds 120]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from pipelines import date_fallback, date_shapes
from pipelines.dates import format_published_at, parse_date, zone

RU_GEN = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
RU_NOM = "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь"
AZ = "yanvar fevral mart aprel may iyun iyul avqust sentyabr oktyabr noyabr dekabr"
KK = "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан"
EN = "January February March April May June July August September October November December"
RU_GEN, RU_NOM, AZ, KK, EN = (s.split() for s in (RU_GEN, RU_NOM, AZ, KK, EN))
DOW = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
KZ = ("Asia/Almaty", "Asia/Qostanay", "Asia/Aqtau", "Asia/Oral")
START, SPAN_DAYS = datetime(2022, 1, 1), 4 * 365


def _truth(local: datetime, tz: str, precision: str) -> str:
    if precision == "day":
        return local.date().isoformat()
    utc = local.replace(tzinfo=zone(tz)).astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _absolute(rng: random.Random, shape: str):
    """(raw, tz, langs, local published, precision, utc override) for an absolute shape."""
    local = START + timedelta(days=rng.randrange(SPAN_DAYS), minutes=rng.randrange(1440))
    d, m, y, hm = local.day, local.month - 1, local.year, f"{local:%H:%M}"
    kz, baku = rng.choice(KZ), "Asia/Baku"
    upper = rng.random() < 0.3
    table = {
        "tengri": (f"{d} {RU_GEN[m]} {y}, {hm}", kz, ("ru",), "minute"),
        "kazinform": (f"{hm}, {d} {RU_GEN[m].capitalize()} {y}", "Asia/Almaty", ("ru", "kk"),
                      "minute"),
        "zakon_nom": (f"{hm}, {d} {RU_NOM[m]} {y}", "Asia/Almaty", ("ru",), "minute"),
        "numeric": (f"{local:%d.%m.%Y} {hm}", kz, ("ru",), "minute"),
        "azertag": (f"{local:%d.%m.%Y} [{hm}]", baku, ("ru", "az"), "minute"),
        "report_ru": (f"• {d} {RU_GEN[m]}, {y} • {hm}", baku, ("ru", "az"), "minute"),
        "report_az": (f"- {local:%d} {AZ[m]}, {y} - {hm}", baku, ("az", "ru"), "minute"),
        "report_en": (f"{local:%d} {EN[m]}, {y} • {hm}", baku, ("en",), "minute"),
        "azernews": (f"{d} {EN[m]} {y} {hm} (UTC+04:00)", baku, ("en",), "minute"),
        "trend_meta": (f"{local:%Y-%m-%dT%H:%M}:00+04:00", baku, ("ru", "az"), "second"),
        "uza": (f"{local:%Y-%m-%d %H:%M:%S}", "Asia/Tashkent", ("uz", "ru"), "second"),
        "seed_label": (f"Дата: {d} {RU_GEN[m]} {y} в {hm}", "Asia/Qostanay", ("ru",), "minute"),
        "kk_day": (f"{d} {KK[m]} {y}", "Asia/Almaty", ("kk", "ru"), "day"),
        "cisc_day": (f"Публикация: {local:%d.%m.%Y}", "Asia/Almaty", ("ru",), "day"),
    }
    raw, tz, langs, precision = table[shape]
    if upper and shape in ("tengri", "zakon_nom"):
        raw = raw.upper()  # some templates print months in capitals
    return raw, tz, langs, local, precision


def generate(n: int, seed: int) -> list[tuple[str, str, tuple[str, ...], datetime, str, str]]:
    """[(raw, tz, languages, now, shape, truth)]"""
    rng = random.Random(seed)
    absolute = ["tengri", "kazinform", "zakon_nom", "numeric", "azertag", "report_ru",
                "report_az", "report_en", "azernews", "trend_meta", "uza", "seed_label",
                "kk_day", "cisc_day"]
    shapes = [*absolute, "rss", "relative_day", "ago", "trend_noyear"]
    out = []
    for _ in range(n):
        shape = rng.choice(shapes)
        if shape in absolute:
            raw, tz, langs, local, precision = _absolute(rng, shape)
            now = local.replace(tzinfo=zone(tz)) + timedelta(minutes=rng.randrange(5, 4320))
            out.append((raw, tz, langs, now.astimezone(UTC), shape, _truth(local, tz, precision)))
        elif shape == "rss":
            utc = START + timedelta(days=rng.randrange(SPAN_DAYS), seconds=rng.randrange(86400))
            raw = f"{DOW[utc.weekday()]}, {utc:%d} {EN[utc.month - 1][:3]} {utc:%Y %H:%M:%S} +0000"
            now = utc.replace(tzinfo=UTC) + timedelta(hours=rng.randrange(1, 48))
            out.append((raw, rng.choice(KZ), ("ru",), now, shape, f"{utc:%Y-%m-%dT%H:%M:%S}Z"))
        elif shape == "relative_day":
            tz = rng.choice(KZ)
            now_local = START + timedelta(days=rng.randrange(SPAN_DAYS),
                                          seconds=rng.randrange(86400))
            local = now_local - timedelta(minutes=rng.randrange(1, 36 * 60))
            back = (now_local.date() - local.date()).days
            word = ("Сегодня", "Вчера", "Позавчера")[back]
            raw = rng.choice([f"{word}, {local:%H:%M}", f"{local:%H:%M}, {word}"])
            local = local.replace(second=0)
            now = now_local.replace(tzinfo=zone(tz)).astimezone(UTC)
            out.append((raw, tz, ("ru",), now, shape, _truth(local, tz, "minute")))
        elif shape == "ago":
            tz = rng.choice(KZ)
            now = (START + timedelta(days=rng.randrange(SPAN_DAYS), seconds=rng.randrange(86400))
                   ).replace(tzinfo=UTC)
            if rng.random() < 0.5:
                k = rng.randrange(1, 60)
                raw, delta = f"{k} минут назад", timedelta(minutes=k)
            else:
                k = rng.randrange(1, 24)
                raw, delta = f"{k} {'час' if k == 1 else 'часа' if k < 5 else 'часов'} назад", \
                    timedelta(hours=k)
            got = (now - delta).replace(second=0)
            out.append((raw, tz, ("ru",), now, shape, got.strftime("%Y-%m-%dT%H:%M:%SZ")))
        else:  # trend_noyear: "15 Noyabr 10:31 (UTC+04)", published within 300 days
            now_local = START + timedelta(days=rng.randrange(300, SPAN_DAYS),
                                          seconds=rng.randrange(86400))
            local = (now_local - timedelta(minutes=rng.randrange(60, 300 * 1440))).replace(
                second=0)
            raw = f"{local.day} {AZ[local.month - 1].capitalize()} {local:%H:%M} (UTC+04)"
            now = now_local.replace(tzinfo=zone("Asia/Baku")).astimezone(UTC)
            out.append((raw, "Asia/Baku", ("az",), now, shape,
                        _truth(local, "Asia/Baku", "minute")))
    return out


def _dateparser_matches(result: datetime | None, tz: str, truth: str) -> bool:
    if result is None:
        return False
    if len(truth) == 10:
        return result.date() == date.fromisoformat(truth)
    if result.tzinfo is None:
        result = result.replace(tzinfo=zone(tz))
    return result.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == truth


def _clear_caches() -> None:
    date_shapes._read.cache_clear()
    date_fallback._read_cached.cache_clear()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20251124)
    ap.add_argument("--max-seconds", type=float, default=120.0,
                    help="time budget of the dateparser pass (it stops early past it)")
    args = ap.parse_args(argv)
    import dateparser

    cases = generate(args.n, args.seed)
    # Warm-up on other strings: imports, compiled regexes, dateparser's locale data.
    for raw, tz, langs, now, _shape, _truth in generate(300, args.seed + 1):
        parse_date(raw, timezone=tz, now=now, languages=langs)
        dateparser.parse(raw, languages=list(langs))
    _clear_caches()

    def run_ours() -> tuple[list[int], list[bool], Counter]:
        times, ok, methods = [], [], Counter()
        for raw, tz, langs, now, _shape, truth in cases:
            t0 = time.perf_counter_ns()
            parsed = parse_date(raw, timezone=tz, now=now, languages=langs)
            times.append(time.perf_counter_ns() - t0)
            ok.append(parsed is not None and format_published_at(parsed) == truth)
            methods[parsed.method if parsed else "none"] += 1
        return times, ok, methods

    cold, ours_ok, methods = run_ours()
    warm, _, _ = run_ours()

    dp_times, dp_ok = [], []
    deadline = time.monotonic() + args.max_seconds
    for raw, tz, langs, _now, _shape, truth in cases:
        t0 = time.perf_counter_ns()
        result = dateparser.parse(raw, languages=list(langs))
        dp_times.append(time.perf_counter_ns() - t0)
        dp_ok.append(_dateparser_matches(result, tz, truth))
        if time.monotonic() > deadline:
            break

    ms = lambda ns: statistics.median(ns) / 1e6  # noqa: E731
    distinct = len({(c[0], c[1]) for c in cases})
    print(f"bench_dates: {len(cases)} strings ({distinct} distinct), seed {args.seed}, "
          f"dateparser {dateparser.__version__}")
    print(f"  parse_date, cold caches        median {ms(cold):.4f} ms/string  "
          f"(mean {statistics.fmean(cold) / 1e6:.4f})")
    print(f"  parse_date, warm (cache hits)  median {ms(warm):.4f} ms/string  "
          f"(mean {statistics.fmean(warm) / 1e6:.4f})")
    print(f"  dateparser.parse(languages=…)  median {ms(dp_times):.4f} ms/string  "
          f"(mean {statistics.fmean(dp_times) / 1e6:.4f}; {len(dp_times)} strings)")
    print(f"  ratio dateparser / parse_date: {ms(dp_times) / ms(cold):.0f}x cold, "
          f"{ms(dp_times) / ms(warm):.0f}x warm")
    print(f"  parse_date methods: {dict(methods)}")
    print(f"  accuracy parse_date       {sum(ours_ok)}/{len(ours_ok)} "
          f"({100 * sum(ours_ok) / len(ours_ok):.2f}%)")
    print(f"  accuracy dateparser.parse {sum(dp_ok)}/{len(dp_ok)} "
          f"({100 * sum(dp_ok) / len(dp_ok):.2f}%)")
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, case in enumerate(cases):
        row = per[case[4]]
        row[0] += 1
        row[1] += ours_ok[i]
        row[2] += dp_ok[i] if i < len(dp_ok) else 0
    print(f"  {'shape':<14} {'n':>5} {'parse_date':>11} {'dateparser':>11}")
    for shape, (n, a, b) in sorted(per.items()):
        print(f"  {shape:<14} {n:>5} {a:>11} {b:>11}")
    print("  (dateparser.parse resolves relative shapes against the real clock and cannot "
          "be told the fetch time)")
    return 0 if all(ours_ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
