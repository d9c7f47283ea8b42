"""Source health: alerts from a run's counts against recent runs; `civmon runs` / `health`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from test_cli import run

from crawler.health import alerts
from models.db import open_engine
from models.schema import CrawlRun, CrawlRunFailure, CrawlRunSource, Source

USUAL = {"discovered": 100, "fetched": 20, "stored": 20, "undated": 1, "extract_empty": 0}


@pytest.mark.parametrize(("current", "status", "expected"), [
    (USUAL, "ok", []),
    ({**USUAL, "discovered": 0, "fetched": 0, "stored": 0}, "ok",
     ["zero articles: discovery found no article links",
      "volume: 0 article links, recent average 100"]),
    ({"discovered": 0, "not_modified": 2}, "ok", []),  # 304s: nothing new, not silence
    ({**USUAL, "undated": 15}, "ok", ["dates: 25% of new articles dated, recent average 95%"]),
    ({**USUAL, "extract_empty": 12}, "ok",
     ["text: 40% of fetched pages had article text, recent average 100%"]),
    ({**USUAL, "discovered": 20}, "ok", ["volume: 20 article links, recent average 100"]),
    ({**USUAL, "next_page_missing": 1}, "ok",
     ["pagination: next_page matched nothing on 1 first listing page(s)"]),
    ({**USUAL, "next_page_missing": 1, "next_page_found": 3}, "ok", []),  # one short listing
    ({"discovery_failed": 2}, "broken",
     ["broken: all 2 discovery requests failed", "volume: 0 article links, recent average 100"]),
])
def test_alerts(current, status, expected) -> None:
    error = "all 2 discovery requests failed" if status == "broken" else None
    assert alerts(current, [USUAL] * 4, status=status, error=error) == expected


def test_no_volume_alert_without_enough_history() -> None:
    assert alerts({**USUAL, "discovered": 5}, [USUAL] * 2) == []


def ledger(tmp_path: Path, second_alerts: str | None) -> Path:
    db = tmp_path / "h.sqlite"
    engine = open_engine(db)
    with Session(engine) as s:
        for sid in ("a-src", "b-src"):
            s.add(Source(id=sid, name=sid, country="KZ", kind="regional", languages="ru",
                         timezone="Asia/Almaty"))
        for rid, status in ((1, "ok"), (2, "partial" if second_alerts else "ok")):
            s.add(CrawlRun(id=rid, status=status, command="crawl", started_at="2025-11-2"
                           f"{rid}T02:15:00Z", finished_at=f"2025-11-2{rid}T02:20:30Z",
                           stored=5, skipped_known=40))
            s.add(CrawlRunSource(run_id=rid, source_id="a-src", status="ok", stored=5,
                                 discovered=45, skipped_known=40))
            s.add(CrawlRunSource(run_id=rid, source_id="b-src",
                                 status="broken" if second_alerts and rid == 2 else "ok",
                                 alerts=second_alerts if rid == 2 else None,
                                 error="all 1 discovery requests failed"))
        s.flush()
        s.add(CrawlRunFailure(run_id=2, source_id="b-src", role="feed",
                              url="https://b.kz/rss", http_status=503, error="HTTP 503"))
        s.commit()
    engine.dispose()
    return db


def test_runs_and_health_exit_0_when_all_is_well(capsys, tmp_path: Path) -> None:
    db = ledger(tmp_path, None)
    code, out, err = run(capsys, "runs", "--db", str(db), "--last", "1")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 and lines[1].split()[:4] == ["2", "2025-11-22T02:15:00Z", "5m30s",
                                                        "ok"]
    code, out, err = run(capsys, "health", "--db", str(db))
    assert code == 0, err
    assert err == "0 of 2 sources need attention\n"


def test_runs_and_health_flag_a_broken_source_with_its_cause(capsys, tmp_path: Path) -> None:
    db = ledger(tmp_path, "broken: all 1 discovery requests failed")
    code, out, _ = run(capsys, "runs", "--db", str(db))
    assert code == 1
    assert out.splitlines()[-1] == "run 2: b-src: broken: all 1 discovery requests failed"
    code, out, err = run(capsys, "health", "--db", str(db))
    assert code == 1
    assert "ATTENTION: broken: all 1 discovery requests failed" in out
    assert "    failed https://b.kz/rss: HTTP 503" in out
    assert err == "1 of 2 sources need attention\n"


def test_health_on_an_empty_ledger(capsys, tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    open_engine(db).dispose()
    code, out, _ = run(capsys, "health", "--db", str(db))
    assert (code, out) == (1, "no crawl runs recorded yet\n")
