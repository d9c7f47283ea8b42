"""The dead-link retry schedule and its memory (url_failures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crawler.deadlinks import record, schedule
from models.db import open_engine
from models.schema import UrlFailure

D = timedelta(days=1)


@pytest.mark.parametrize(("n", "status", "error", "pause", "permanent"), [
    (1, 404, "HTTP 404", 7 * D, True),
    (2, 410, "HTTP 410", 14 * D, True),
    (9, 404, "HTTP 404", 90 * D, True),
    (1, None, "too large: 9000000 bytes", 7 * D, True),
    (1, 503, "HTTP 503", timedelta(0), False),
    (2, None, "DownloadTimeoutError: ...", timedelta(0), False),
    (3, 500, "HTTP 500", D, True),        # repeated 5xx: now a dead link
    (5, 500, "HTTP 500", 4 * D, True),
    (20, 500, "HTTP 500", 30 * D, True),
])
def test_schedule(n, status, error, pause, permanent) -> None:
    assert schedule(n, status, error) == (pause, permanent)


def test_a_url_fetched_fine_is_forgotten(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "d.sqlite")
    now = datetime(2025, 11, 25, tzinfo=UTC)
    url = "https://x.kz/news/1"
    with Session(engine) as s:
        record(s, [("x", "article", url, 500, "HTTP 500")], [], now)
        record(s, [("x", "article", url, 500, "HTTP 500")], [], now + D)
        s.commit()
        assert s.get(UrlFailure, url).failures == 2
        record(s, [], [url], now + 2 * D)
        s.commit()
        assert s.get(UrlFailure, url) is None
    engine.dispose()
