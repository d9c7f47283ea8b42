"""Memory of failing article URLs, and when to try them again (``url_failures``).

Dead links (404, 410) and pages that keep failing (5xx, network errors) are
not refetched every night.  After each run, every failed article URL gets a
``retry_after`` time from :func:`schedule`, and every URL fetched fine is
forgotten.  The spider skips a URL whose pause has not ended (counted
``skipped_dead``) and, at start, requests those whose pause has ended even if
no feed lists them any more (``discovered_via = 'retry'``).

Schedule (``n`` = consecutive failures):

- 404 / 410 / a page too large to parse: permanent; pause 7 days × 2^(n-1),
  at most 90 days;
- 5xx, timeouts, resets: transient for the first two failures (retried next
  run), then permanent ("repeated 5xx"); pause 1 day × 2^(n-3), at most 30 days.

Reads no settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models.schema import UrlFailure, to_utc_text
from pipelines.dedup import canonical_url

GONE_STATUSES = (404, 410)


def schedule(failures: int, status: int | None, error: str) -> tuple[timedelta, bool]:
    """(pause before the next try, permanent?) after ``failures`` consecutive failures."""
    if status in GONE_STATUSES or error.startswith("too large"):
        return min(timedelta(days=7) * 2 ** (failures - 1), timedelta(days=90)), True
    if failures <= 2:
        return timedelta(0), False
    return min(timedelta(days=1) * 2 ** (failures - 3), timedelta(days=30)), True


def record(session: Session, failures: Iterable[tuple[str, str, str, int | None, str]],
           fetched_ok: Iterable[str], now: datetime) -> int:
    """Update url_failures after a run; returns how many URLs are now resting."""
    ok = set(fetched_ok)
    if ok:
        keys = list(ok)
        for i in range(0, len(keys), 500):
            session.execute(delete(UrlFailure).where(
                UrlFailure.canonical_url.in_(keys[i:i + 500])))
    stamp = to_utc_text(now)
    resting = 0
    for source_id, role, url, status, error in failures:
        if role != "article":
            continue
        key = canonical_url(url)
        if key in ok:
            continue
        row = session.get(UrlFailure, key)
        if row is None:
            row = UrlFailure(canonical_url=key, url=url, source_id=source_id, failures=0,
                             first_failed_at=stamp)
            session.add(row)
        elif row.last_failed_at == stamp:
            continue  # the same URL failed twice in one run: one failure
        row.failures += 1
        pause, permanent = schedule(row.failures, status, error)
        row.http_status, row.error, row.last_failed_at = status, error, stamp
        row.retry_after = to_utc_text(now + pause)
        row.permanent = int(permanent)
        resting += pause > timedelta(0)
    return resting
