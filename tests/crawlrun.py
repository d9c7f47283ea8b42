"""Running ``civmon crawl`` in a subprocess against a loopback web, as cron would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: A loopback web needs no politeness delays; short timeouts keep fault tests quick.
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "DOWNLOAD_TIMEOUT=2",
        "RETRY_TIMES=1", "REDIRECT_MAX_TIMES=3", "LOG_LEVEL=WARNING",
        # the fault and sample webs live on loopback, refused by default (crawler.netguard)
        "CIVMON_ALLOW_LOOPBACK=True",
        # a handful of pages: processed in the crawl's own process, one start-up instead
        # of a fork server and workers (tests/test_pool.py and the demo tests run the pool)
        "CIVMON_WORKERS=1", "CIVMON_PAGE_TIMEOUT=0")


def crawl_args(registry: Path, db: Path, *settings: str) -> list[str]:
    args = [sys.executable, "-m", "crawler.cli", "crawl", "--sources", str(registry),
            "--db", str(db)]
    for s in (*FAST, *settings):
        args += ["-s", s]
    return args


def crawl(registry: Path, db: Path, *settings: str, timeout: int = 60):
    return subprocess.run(crawl_args(registry, db, *settings), cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
