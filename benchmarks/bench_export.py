"""Benchmark: full CSV, JSONL and Parquet exports of a generated database.

    python benchmarks/bench_export.py [--n 100000] [--keep DIR] [--db FILE] [--formats LIST]

Fills a database with ``--n`` articles of ~2 KB of Russian text (the generator
of bench_search.py), then runs ``civmon export --all`` in a subprocess for each
format and prints its wall time, peak RSS (the child's ru_maxrss) and output
size.  Baseline in the same run: a plain Python read of the same rows through
sqlite3 (no formatting), in a subprocess too, so that the export's own cost
and its memory (flat: rows stream) are told apart from reading the data.
``--db`` measures an existing database instead (e.g. a copy of the one
bench_search.py generated with ``--keep``: generating 1M rows takes long); it is
upgraded to this civmon's schema first, and the upgrade's time is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

BASELINE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
n = 0
for row in conn.execute("SELECT * FROM articles a JOIN sources s ON s.id = a.source_id"):
    n += 1
print(n)
"""


GENERATE = """
import random, sys
from pathlib import Path
sys.path[:0] = ["benchmarks", "."]
import bench_search
rng = random.Random(11)
vocab = bench_search.vocabulary(rng)
weights = [1 / (r + 10) for r in range(len(vocab))]
bench_search.fill(Path(sys.argv[1]), int(sys.argv[2]), rng, vocab, weights)
"""


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (its own rusage, via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{args}: exit {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--db", type=Path, help="an existing database to export (not generated)")
    ap.add_argument("--formats", default="jsonl,csv,parquet",
                    help="comma-separated formats to time (default: all three)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = args.keep or Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.db:
            import sqlite3

            from models.db import open_engine

            db = args.db
            start = time.perf_counter()
            open_engine(db).dispose()  # pending migrations (0006 backfills published_day)
            print(f"upgrade to this schema: {time.perf_counter() - start:.1f} s")
            conn = sqlite3.connect(db)
            n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            conn.close()
        else:
            db = tmp / "export.sqlite"
            db.unlink(missing_ok=True)
            n = args.n
            # generated in a child: a child forked from a parent that holds the generated
            # batches would report the parent's memory as its own peak RSS
            subprocess.run([sys.executable, "-c", GENERATE, str(db), str(n)], cwd=ROOT,
                           check=True)
        print(f"{n} articles, {db.stat().st_size / 2**20:.0f} MB")
        secs, rss = run([sys.executable, "-c", BASELINE, str(db)])
        print(f"{'baseline read':<14} {secs:7.1f} s  peak {rss:6.0f} MB")
        for fmt in args.formats.split(","):
            out = tmp / f"all.{fmt}"
            secs, rss = run([sys.executable, "-m", "crawler.cli", "export", "--all",
                             "--format", fmt, "--db", str(db), "-o", str(out)])
            print(f"{'export ' + fmt:<14} {secs:7.1f} s  peak {rss:6.0f} MB  "
                  f"{out.stat().st_size / 2**20:6.0f} MB written")


if __name__ == "__main__":
    main()
