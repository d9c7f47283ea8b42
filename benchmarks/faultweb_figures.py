"""The hostile-input figures: one crawl of the whole loopback fault web, counted.

Serves tests/faultweb.py with every article fault (5xx then success, timeout, reset,
trickle, truncated gzip, wrong charsets, undecodable bytes, gzip bomb, huge page,
redirect loop, 404, 410, redirects to private addresses after a retry, by name and
by IP), every broken discovery document, an unreachable feed, and the listings and
feeds declaring a charset that is a codec of bytes; runs ``civmon crawl`` on it in a
subprocess (only the fault web's loopback address allowed; the "private" addresses
are loopback traps that count connections, a name resolved by tests/stubdns.py)
and prints: fault kinds served, good pages lost, bad pages stored, the
``crawl_run_faults`` counts by kind, blocked fetches and trap connections.

    .venv/bin/python benchmarks/faultweb_figures.py

Exit 0 when no good page is lost, no bad page stored and no trap connected.
Nothing leaves 127.0.0.x.  No settings read.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from crawlrun import crawl  # noqa: E402
from faultweb import (  # noqa: E402
    ARTICLE_FAULTS,
    CHARSET_DISCOVERY,
    DISCOVERY_FAULTS,
    FaultWeb,
    Trap,
)

GOOD = 6
PRIVATE = ("private-retry", "private-name", "private-literal")
#: faulty pages that hold a good article the crawl must store (recovered faults)
RECOVERED = {"flaky": 1001, "charset": 1006, "charset-nometa": 1012}
#: faulty pages whose (partial or garbled) text must never be stored
NEVER = (1005, 1013, 1003, 1008)


def main() -> int:
    named, literal = Trap("127.0.0.87"), Trap("127.0.0.88")
    tmp = Path(tempfile.mkdtemp(prefix="civmon-faultweb-"))
    faults = (*ARTICLE_FAULTS, *PRIVATE)
    try:
        with FaultWeb(GOOD, host="127.0.0.86", slow=4, faults=faults) as web:
            web.trap_urls = {"private-retry": f"http://trap.civmon.test:{named.port}/x",
                             "private-name": f"http://trap.civmon.test:{named.port}/y",
                             "private-literal": f"http://127.0.0.88:{literal.port}/z"}
            registry = tmp / "sources.toml"
            registry.write_text(web.registry(discovery_faults=True) + "\n"
                                + web.registry(charset_discovery=True), encoding="utf-8")
            db = tmp / "faults.sqlite"
            os.environ["CIVMON_TEST_HOSTS"] = "trap.civmon.test=127.0.0.87"
            started = time.monotonic()
            result = crawl(registry, db, "DOWNLOAD_MAXSIZE=8000000",
                           "CIVMON_MAX_HTML_BYTES=1000000",
                           f"CIVMON_ALLOW_LOOPBACK={web.host}",
                           "TWISTED_DNS_RESOLVER=tests.stubdns.StubResolver", timeout=180)
            elapsed = time.monotonic() - started
    finally:
        named.close()
        literal.close()
    conn = sqlite3.connect(db)
    try:
        titles = {t for (t,) in conn.execute("SELECT title FROM articles")}
        bad_text = conn.execute("SELECT count(*) FROM articles WHERE instr(text, char(65533)) "
                                "> 0").fetchone()[0]
        faults_by_kind = dict(conn.execute(
            "SELECT kind, sum(count) FROM crawl_run_faults GROUP BY kind ORDER BY kind"))
        stats = json.loads(conn.execute("SELECT stats FROM crawl_runs").fetchone()[0])
        rows = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        distinct = conn.execute("SELECT count(DISTINCT canonical_url) FROM articles"
                                ).fetchone()[0]
    finally:
        conn.close()
    want = {f"Статья {n}: гражданский форум" for n in
            [*range(GOOD), *RECOVERED.values(),
             *(first + k for first in CHARSET_DISCOVERY.values() for k in (0, 1))]}
    lost = sorted(want - titles)
    stored_bad = sorted(t for t in titles if any(f"Статья {n}:" in t for n in NEVER))
    kinds_served = (len(ARTICLE_FAULTS) + len(PRIVATE) + len(DISCOVERY_FAULTS) + 1
                    + len(CHARSET_DISCOVERY))
    blocked = stats.get("civmon/fault/blocked_address", 0)
    print(f"fault web crawl: exit {result.returncode} in {elapsed:.1f} s")
    print(f"fault kinds served: {kinds_served} ({len(ARTICLE_FAULTS)} article faults, "
          f"{len(PRIVATE)} private-address redirects, {len(DISCOVERY_FAULTS)} broken "
          f"discovery documents, 1 unreachable feed, {len(CHARSET_DISCOVERY)} listings/feeds "
          f"with a binary-codec charset)")
    print(f"good pages expected {len(want)}, stored {len(want & titles)}, lost {len(lost)}"
          + (f": {lost}" if lost else ""))
    print(f"bad pages stored: {len(stored_bad)} partial/garbled, {bad_text} with U+FFFD; "
          f"rows {rows}, distinct canonical URLs {distinct}")
    print("crawl_run_faults by kind: " + ", ".join(f"{k} {v}" for k, v in faults_by_kind.items()))
    trapped = named.connections + literal.connections
    print(f"blocked fetches: {blocked}; trap connections: {trapped}")
    ok = not lost and not stored_bad and not bad_text and rows == distinct and trapped == 0
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    if not ok:
        print(result.stderr[-3000:], file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
