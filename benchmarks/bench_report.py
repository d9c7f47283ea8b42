"""Benchmark: ``civmon report`` on a generated database (target: <= 20 s at 1M articles).

    python benchmarks/bench_report.py [--n 100000] [--unique 50000] [--repeat 3] [--keep DIR]

Fills a database with ``--unique`` articles of ~2 KB of Russian text (the
generator of bench_search.py), copies their rows in SQL up to ``--n`` (new URLs
and hashes; the report reads no text, but its rows keep their size), then
spreads them in SQL over 24 sources in four countries and two years, marks 80 %
relevant, groups a third of them into stories of ten articles across outlets
(a third of those copies: ~10 %) and tags them: 1-2 topics per relevant article
(the real taxonomy), a place (the real gazetteer, with its parent rows) on half
of them, an organisation (of 300) on 60 %.

Then runs ``civmon report`` in a subprocess, the default (relevant only) and
``--all``, ``--repeat`` times each, interleaved with a baseline in the same
run: a plain sqlite3 full scan of the columns the report reads
(``SELECT count(*), sum(relevant) ... FROM articles``), also in a subprocess.
Prints the median wall time, the CPU time of the child, its peak RSS
(VmHWM) and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SOURCES = [(f"bench{i:02d}", cc) for i, cc in enumerate(["KZ"] * 10 + ["AZ"] * 8 + ["UZ"] * 4
                                                     + ["KG"] * 2)]
#: Runs a module (-m) or code (-c) and writes the process's own peak RSS (VmHWM, kB) to
#: a file: a child's ru_maxrss on Linux also counts the parent's memory it forked from.
PEAK = """
import atexit, runpy, sys
out, mode, target, *rest = sys.argv[1:]
def peak():
    with open("/proc/self/status") as fh:
        kb = next(line.split()[1] for line in fh if line.startswith("VmHWM"))
    with open(out, "w") as fh:
        fh.write(kb)
atexit.register(peak)
sys.argv = [target, *rest]
if mode == "-m":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv[0] = "-c"
    exec(compile(target, "<baseline>", "exec"))
"""
BASELINE = """
import sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(conn.execute("SELECT count(*), sum(relevant), count(DISTINCT story_id), "
                   "count(DISTINCT substr(published_at, 1, 10)) FROM articles").fetchone())
"""


def replicate(path: Path, unique: int, n: int) -> None:
    """Copy the ``unique`` generated rows (text included, new URL and hash) up to ``n`` rows:
    the report reads no text, but its pages are scanned, so the size per row stays real."""
    conn = sqlite3.connect(path)
    k = 1
    while (have := conn.execute("SELECT count(*) FROM articles").fetchone()[0]) < n:
        conn.execute(f"""INSERT INTO articles(source_id, url, canonical_url, title, text,
                language, published_at, date_precision, fetched_at, content_hash, relevant,
                story_id, state_supplied)
            SELECT source_id, url || '?copy={k}', canonical_url || '?copy={k}', title, text,
                   language, published_at, date_precision, fetched_at, content_hash || '-{k}',
                   relevant, story_id, 0
            FROM articles WHERE id <= {unique} ORDER BY id LIMIT {min(unique, n - have)}""")
        conn.commit()
        k += 1
    conn.close()


def tag(path: Path, n: int) -> None:
    """Sources, dates, relevance, copies, stories and tags, in SQL over the filled rows."""
    rules = ROOT / "pipelines/rules/relevance"
    topics = tomllib.loads((rules / "topics.toml").read_text(encoding="utf-8"))["topics"]
    regions = tomllib.loads((rules / "regions.toml").read_text(encoding="utf-8"))["regions"]
    conn = sqlite3.connect(path)
    for trig in ("article_search_update", "article_search_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trig}")  # the report reads no search index
    conn.executemany("INSERT OR IGNORE INTO sources(id, name, country, kind, languages, "
                     "timezone, enabled, updated_at) VALUES (?, ?, ?, 'national', 'ru', "
                     "'Asia/Almaty', 1, '2025-01-01T00:00:00Z')",
                     [(sid, f"Bench {sid}", cc) for sid, cc in SOURCES])
    conn.executemany("INSERT INTO topics(id, name, description) VALUES (?, ?, ?)",
                     [(t["id"], t["name"], t.get("description")) for t in topics])
    conn.executemany("INSERT INTO regions(id, name, level, country, iso_code, parent_id) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     [(r["id"], r["name"], r["level"], r["country"], r.get("iso"),
                       r.get("parent")) for r in regions])
    conn.executemany("INSERT INTO organisations(id, name, kind, country, gazetteer) "
                     "VALUES (?, ?, 'public_association', 'KZ', 0)",
                     [(f"public_association:org {i}", f"ОО «Организация {i}»")
                      for i in range(300)])
    k = len(SOURCES)
    # two years of dates; every 5th article not civil-society news; stories: a third
    # of the runs of ten ids share the run's first id
    conn.execute(f"""UPDATE articles SET
        source_id = 'bench' || printf('%02d', (id * 7919) % {k}),
        published_at = strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01',
                                '+' || ((id * 730 * 86400) / {n}) || ' seconds'),
        relevant = CASE WHEN id % 5 = 0 THEN 0 ELSE 1 END,
        story_id = CASE WHEN (id / 10) % 3 = 0 THEN (id / 10) * 10 + 1 ELSE id END""")
    conn.execute("UPDATE articles SET duplicate_of = story_id "
                 "WHERE story_id <> id AND id % 3 = 0")
    t = len(topics)
    topic_ids = "('" + "', '".join(x["id"] for x in topics) + "')"
    conn.execute(f"""INSERT INTO article_topics(article_id, topic_id, score)
        SELECT a.id, t.id, 1.0 FROM articles a
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM topics
              WHERE id IN {topic_ids}) t
          ON t.k = a.id % {t} OR (a.id % 2 = 0 AND t.k = (a.id / 7) % {t})
        WHERE a.relevant = 1""")
    places = [r for r in regions if r["level"] != "country"]
    conn.execute("CREATE TEMP TABLE place(k INTEGER PRIMARY KEY, id TEXT, parent TEXT)")
    conn.executemany("INSERT INTO temp.place VALUES (?, ?, ?)",
                     [(i, r["id"], r.get("parent")) for i, r in enumerate(places)])
    conn.execute(f"""INSERT INTO article_regions(article_id, region_id, mentions, via,
                                                 first_position)
        SELECT a.id, p.id, 1 + a.id % 3, 'text', a.id % 500 FROM articles a
        JOIN temp.place p ON p.k = (a.id * 31) % {len(places)} WHERE a.id % 2 = 0""")
    conn.execute(f"""INSERT OR IGNORE INTO article_regions(article_id, region_id, mentions,
                                                           via, first_position)
        SELECT a.id, p.parent, 0, 'parent', NULL FROM articles a
        JOIN temp.place p ON p.k = (a.id * 31) % {len(places)}
        WHERE a.id % 2 = 0 AND p.parent IS NOT NULL""")
    conn.execute("""INSERT INTO article_organisations(article_id, organisation_id, mentions,
                                                      first_position)
        SELECT id, 'public_association:org ' || ((id * id) % 300), 1, 0 FROM articles
        WHERE id % 5 < 3""")
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def run(args: list[str], peak_file: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", PEAK, str(peak_file), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{args}: exit {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, int(peak_file.read_text()) / 1024


def main() -> None:
    import bench_search

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--unique", type=int, default=50_000, help="articles generated (the "
                    "rest up to --n are copies of their rows, generating is slow)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each (median)")
    ap.add_argument("--keep", type=Path, help="write the database here and keep it (a kept "
                    "database of the same --n is reused)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = args.keep or Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        db = tmp / f"report-{args.n}.sqlite"
        if not db.exists():
            rng = random.Random(11)
            vocab = bench_search.vocabulary(rng)
            weights = [1 / (r + 10) for r in range(len(vocab))]
            start = time.perf_counter()
            unique = min(args.unique, args.n)
            bench_search.fill(db, unique, rng, vocab, weights)
            replicate(db, unique, args.n)
            tag(db, args.n)
            print(f"generated {unique} articles, copied to {args.n} and tagged them in "
                  f"{time.perf_counter() - start:.0f} s")
        conn = sqlite3.connect(db)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("articles", "article_topics", "article_regions",
                            "article_organisations")}
        conn.close()
        print(f"database: {db.stat().st_size / 2**20:.0f} MB; "
              + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        print(f"load: {os.getloadavg()[0]:.1f} (1-min load average, {os.cpu_count()} CPUs)")
        cases = {
            "baseline scan": ["-c", BASELINE, str(db)],
            "report": ["-m", "crawler.cli", "report", "--db", str(db),
                       "-o", str(tmp / "report.html")],
            "report --all": ["-m", "crawler.cli", "report", "--all", "--db", str(db),
                             "-o", str(tmp / "report-all.html")],
        }
        peak = tmp / "peak.txt"
        runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in cases}
        run(cases["baseline scan"], peak)  # warm the page cache once, untimed
        for _ in range(args.repeat):  # interleaved: load changes hit every case alike
            for name, cmd in cases.items():
                runs[name].append(run(cmd, peak))
        base = statistics.median(s for s, _c, _r in runs["baseline scan"])
        print(f"{'':<14} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'x baseline':>11}")
        for name, rows in runs.items():
            wall = statistics.median(r[0] for r in rows)
            cpu = statistics.median(r[1] for r in rows)
            rss = max(r[2] for r in rows)
            print(f"{name:<14} {wall:8.2f} {cpu:8.2f} {rss:8.0f} {wall / base:11.2f}")
        print(f"target: report <= 20 s at 1,000,000 articles (median of {args.repeat})")


if __name__ == "__main__":
    main()
