"""Exit statuses of ``civmon crawl`` / ``civmon demo`` / ``scrapy crawl news``, for cron.

| code | meaning |
|---|---|
| 0 | the run is ``ok`` (every source worked, or the query found nothing to flag) |
| 1 | some source is broken (run ``partial`` / ``failed``); ``health`` / ``runs``: a flag |
| 2 | usage or configuration error, found before anything started (one ``civmon: error:`` line) |
| 3 | another crawl holds this database's lock |
| 4 | the run was interrupted (SIGINT/SIGTERM) or hit ``CLOSESPIDER_TIMEOUT`` |

README.md ("Exit codes") shows the same table; tests/test_preflight.py checks it.
"""

from __future__ import annotations

OK = 0
SOURCE_BROKEN = 1
USAGE = 2
LOCKED = 3
INTERRUPTED = 4


def for_status(status: str) -> int:
    """The exit status for a ``crawl_runs.status`` value."""
    if status == "ok":
        return OK
    if status in ("partial", "failed"):
        return SOURCE_BROKEN
    # interrupted, closespider_timeout and any other cut-short reason, or no status
    # recorded at all (the reactor was stopped before spider_closed ran)
    return INTERRUPTED
