"""Every failed request is counted under its own kind (issue 13: a gzip bomb and a redirect
loop were counted as robots.txt skips, blocked redirects in no count)."""

from __future__ import annotations

import pytest

from crawler.faultkinds import KINDS, fault_counts, fault_kind


@pytest.mark.parametrize(("status", "error", "kind"), [
    (None, "Cancelled download of http://x/f/gzip-bomb: 65250 B compressed, 8060928 B "
           "decompressed so far) exceeded DOWNLOAD_MAXSIZE (8000000 B) during decompression.",
     "size_limit"),
    (None, "max redirections reached", "redirect_loop"),
    (None, "Filtered offsite request to 'evil.example'", "offsite_redirect"),
    (None, "blocked address: 10.0.0.2 is private, not fetched", "blocked_address"),
    (None, "truncated body: gzip stream ends before its end marker (80 bytes)", "truncated"),
    (200, "undecodable body: 1200 replacement characters as utf-8", "undecodable"),
    (200, "too large: 9000000 bytes > CIVMON_MAX_HTML_BYTES 5242880", "too_large"),
    (200, "not an HTML page (application/pdf)", "not_html"),
    (None, "DownloadTimeoutError: Getting http://x took longer than 2.0 seconds.", "timeout"),
    (None, "ResponseDataLossError: [<twisted.python.failure.Failure ...>]", "connection_lost"),
    (None, "DownloadConnectionRefusedError: Connection was refused", "refused"),
    (None, "DNSLookupError: nope.example", "dns"),
    (404, "HTTP 404", "http_404"), (410, "HTTP 410", "http_410"), (403, "HTTP 403", "http_4xx"),
    (503, "HTTP 503", "http_5xx"),
    (None, "feed returned an HTML page, not XML", "bad_document"),
    (None, "something new", "other"),
])
def test_fault_kind(status, error, kind) -> None:
    assert fault_kind(status, error) == kind
    assert kind in KINDS


def test_fault_counts_pick_the_fault_counters() -> None:
    assert fault_counts({"failed": 3, "fault_timeout": 2, "fault_http_404": 1,
                         "fault_dns": 0}) == {"http_404": 1, "timeout": 2}
