"""Naming the kind of each failed request, so every fault has its own counter.

``fault_kind(status, error)`` maps what the spider records for a failed request
(the HTTP status and the one-line error of ``crawl_run_failures``) to a short
name.  The spider counts each failure as ``civmon/source/<id>/fault_<kind>``
(summed per run in ``crawl_runs.stats`` and in the closing line of ``civmon
crawl``) besides ``failed`` / ``discovery_failed``: a gzip bomb, a redirect loop,
a blocked private address or an offsite redirect are no longer one anonymous
number, nor mistaken for robots.txt skips.  Reads no settings.
"""

from __future__ import annotations

#: (substring of the error, kind), first match wins.
_BY_ERROR = (
    ("extraction timed out", "extraction_timeout"),  # pipelines.pool: CIVMON_PAGE_TIMEOUT
    ("worker process crashed", "worker_crash"),       # pipelines.pool: the page's worker died
    ("blocked address", "blocked_address"),
    ("truncated body", "truncated"),
    ("undecodable body", "undecodable"),
    ("too large", "too_large"),
    ("DOWNLOAD_MAXSIZE", "size_limit"),        # a gzip bomb, a page past the size cap
    ("DOWNLOAD_WARNSIZE", "size_limit"),
    ("max redirections", "redirect_loop"),
    ("Filtered offsite", "offsite_redirect"),
    ("not an HTML page", "not_html"),
    ("TimeoutError", "timeout"),
    ("ConnectionRefused", "refused"),
    ("DNSLookupError", "dns"),
    ("DataLoss", "connection_lost"),
    ("ConnectionLost", "connection_lost"),
    ("ConnectionDone", "connection_lost"),
    ("ConnectionReset", "connection_lost"),
    ("DownloadFailedError", "connection_lost"),
    ("feed ", "bad_document"),
    ("sitemap", "bad_document"),
    ("not XML", "bad_document"),
)

#: Every kind ``fault_kind`` can return (docs/database.md lists them).
KINDS = ("http_404", "http_410", "http_4xx", "http_5xx", *dict.fromkeys(
    k for _, k in _BY_ERROR), "other")


def fault_kind(status: int | None, error: str) -> str:
    """The kind of one failed request (see the module doc)."""
    for needle, kind in _BY_ERROR:
        if needle in (error or ""):
            return kind
    if status in (404, 410):
        return f"http_{status}"
    if status is not None and 400 <= status < 500:
        return "http_4xx"
    if status is not None and status >= 500:
        return "http_5xx"
    return "other"


def fault_counts(totals: dict[str, int]) -> dict[str, int]:
    """The ``fault_<kind>`` counters of summed per-source counts, by kind."""
    return {k.removeprefix("fault_"): v for k, v in sorted(totals.items())
            if k.startswith("fault_") and v}
