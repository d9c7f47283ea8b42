"""Benchmark: the spider's already-stored check, batched per page vs one set at start-up.

Builds SQLite databases of N stored articles (default 10,000 and 100,000; raw
inserts, deterministic URLs), then measures in one process, for each size:

1. baseline (civmon before issue 10): load every stored canonical URL of the
   sources into a Python set at start-up (time and the set's memory);
2. crawler.ledger.Ledger.known: one indexed ``IN (...)`` query per discovery
   page of 100 links (half stored), the way the spider asks now, over 50 pages.

Start-up cost of the baseline grows with the database; the batched check costs
the same per page whatever the size.  Prints figures and ratios.

    .venv/bin/python benchmarks/bench_known.py [--sizes 10000 100000] [--pages 50]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from crawler.ledger import Ledger
from models.db import open_engine
from models.schema import Article

URL = "https://tengrinews.kz/kazakhstan_news/article-{:07d}/"


def build(path: Path, n: int) -> None:
    open_engine(path).dispose()  # schema by the migrations
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO sources (id, name, country, kind, languages, timezone, enabled, "
                 "updated_at) VALUES ('tengrinews', 'T', 'KZ', 'national', 'ru', "
                 "'Asia/Almaty', 1, '2025-11-25T00:00:00Z')")
    conn.executemany(
        "INSERT INTO articles (source_id, url, canonical_url, text, fetched_at, content_hash, "
        "relevant, state_supplied) VALUES ('tengrinews', ?, ?, 'x', '2025-11-25T00:00:00Z', "
        "?, 0, 0)", ((URL.format(i), URL.format(i).rstrip("/"), f"{i:032x}") for i in range(n)))
    conn.commit()
    conn.close()


def baseline(path: Path) -> tuple[float, int, int]:
    """civmon's old start-up: every stored URL of the sources into one set."""
    engine = open_engine(path)
    tracemalloc.start()
    t = time.perf_counter()
    with engine.connect() as conn:
        known = {r[0] for r in conn.execute(
            select(Article.canonical_url).where(Article.source_id.in_(["tengrinews"])))}
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine.dispose()
    return elapsed, peak, len(known)


def batched(path: Path, n: int, pages: int) -> tuple[float, float]:
    ledger = Ledger(str(path))
    times = []
    for p in range(pages):
        # a discovery page: 50 stored links spread over the database, 50 new ones
        stored = [URL.format((p * 7919 + k * 104729) % n).rstrip("/") for k in range(50)]
        new = [URL.format(n + p * 50 + k).rstrip("/") for k in range(50)]
        t = time.perf_counter()
        found = ledger.known(stored + new)
        times.append(time.perf_counter() - t)
        assert found == set(stored), "wrong answer"
    ledger.close()
    return statistics.median(times), sum(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--pages", type=int, default=50)
    args = ap.parse_args()
    print(f"{'stored':>9} {'baseline start-up':>18} {'set memory':>11} "
          f"{'batched per page':>17} {'batched, all pages':>19} {'start-up ratio':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"k{n}.sqlite"
            build(path, n)
            base_s, base_mem, count = baseline(path)
            assert count == n
            per_page, total = batched(path, n, args.pages)
            print(f"{n:>9} {base_s * 1000:>15.1f} ms {base_mem / 2**20:>8.1f} MB "
                  f"{per_page * 1000:>14.2f} ms {total * 1000:>16.1f} ms "
                  f"{base_s / per_page:>14.0f}x")
    print("baseline = all stored URLs loaded at start-up (before); batched = "
          "crawler.ledger.Ledger.known, one query per discovery page of 100 links")


if __name__ == "__main__":
    main()
