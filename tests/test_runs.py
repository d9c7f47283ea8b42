"""Per-source run status: when is a source 'ok', 'empty' or 'broken'?"""

from __future__ import annotations

import pytest

from crawler.runs import source_status


@pytest.mark.parametrize(("counts", "status", "reason"), [
    ({"discovery_ok": 2, "discovered": 9, "fetched": 8, "failed": 1}, "ok", None),
    ({"discovery_ok": 0, "discovery_failed": 3}, "broken", "all 3 discovery requests failed"),
    ({"discovery_ok": 1, "discovery_failed": 2, "discovered": 4, "fetched": 4}, "ok", None),
    ({"discovery_ok": 1, "discovered": 5, "failed": 5}, "broken",
     "5 article pages failed, none fetched"),
    # a nightly re-crawl: everything known but one new link that fails -> still alive
    ({"discovery_ok": 1, "discovered": 9, "skipped_known": 8, "failed": 1}, "ok", None),
    ({"discovery_ok": 1}, "empty", None),
    ({"discovery_ok": 1, "not_modified": 1}, "ok", None),  # 304: nothing new, alive
    # old dead links retried and failing again: not a broken site
    ({"discovery_ok": 1, "not_modified": 1, "failed": 3, "retry_failed": 3}, "ok", None),
    ({}, "empty", None),
])
def test_source_status(counts, status, reason) -> None:
    assert source_status(counts) == (status, reason)
