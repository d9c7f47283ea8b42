"""Benchmark: migration 0006's published_day backfill (``refresh``) on a generated database.

    python benchmarks/bench_published_day.py --db FILE [--baseline] [--keep-day]

``FILE`` is a database bench_search.py or bench_export.py generated (``--keep``).
Empties ``published_day`` (an UPDATE of every row, timed and printed: it rewrites
each row as the backfill does, so it is the floor of any backfill), then times
``refresh`` as migration 0006 runs it (one transaction, the index on the column
made afterwards) — on SQLite one set-based UPDATE calling ``local_day`` as a SQL
function — and
checks a sample of the values against ``local_day``.  ``--baseline`` then empties
the column again and times the keyset batches computed in Python (what 0006 did on
SQLite before, and does on PostgreSQL) on the same rows, in the same run.  The file
is modified (the values are the same at the end).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _clear(path: Path) -> float:
    """Seconds to set every row's published_day to NULL: the floor of any backfill, since
    SQLite writes the whole row again (its ~6 KB of text included) to change a column."""
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX IF EXISTS ix_articles_published_day")
    start = time.perf_counter()
    conn.execute("UPDATE articles SET published_day = NULL")
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def _timed(path: Path, fn) -> tuple[float, int]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_articles_published_day")
    start = time.perf_counter()
    with engine.begin() as conn:  # one transaction, the index made after, as 0006 does
        changed = fn(conn)
        conn.exec_driver_sql("CREATE INDEX ix_articles_published_day "
                             "ON articles (published_day)")
    secs = time.perf_counter() - start
    engine.dispose()
    return secs, changed


def _check(path: Path, sample: int = 20_000) -> None:
    from pipelines.published_day import local_day

    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT a.published_at, s.timezone, a.published_day FROM articles a JOIN sources s "
        "ON s.id = a.source_id ORDER BY random() LIMIT ?", (sample,)).fetchall()
    conn.close()
    wrong = [r for r in rows if local_day(r[0], r[1]) != r[2]]
    if wrong:
        raise SystemExit(f"{len(wrong)} of {len(rows)} sampled days differ from local_day: "
                         f"{wrong[:3]}")
    print(f"checked {len(rows)} random rows against local_day: all equal")


def main() -> None:
    from pipelines.published_day import _refresh_batches, refresh

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--baseline", action="store_true",
                    help="also time the keyset batches in Python on the same rows")
    args = ap.parse_args()
    conn = sqlite3.connect(args.db)
    n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    print(f"{n} articles, {args.db.stat().st_size / 2**20:.0f} MB")
    print(f"empty published_day (UPDATE of every row): {_clear(args.db):.1f} s")
    secs, changed = _timed(args.db, refresh)
    print(f"refresh, set-based UPDATE: {secs:.1f} s, {changed} rows, {n / secs:,.0f} rows/s")
    _check(args.db)
    if args.baseline:
        print(f"empty published_day again: {_clear(args.db):.1f} s")
        secs0, changed0 = _timed(args.db, lambda c: _refresh_batches(c, None, 2000))
        print(f"baseline, keyset batches in Python: {secs0:.1f} s, {changed0} rows, "
              f"{n / secs0:,.0f} rows/s (ratio {secs0 / secs:.1f}x)")
        _check(args.db)


if __name__ == "__main__":
    main()
