"""The one line ``civmon crawl`` prints when a run ends: this run's counts, not totals.

``crawl run 7: ok in 12 s — 3 sources; 14 new, 120 already stored, 2 failed,
1 robots.txt, 0 dead links resting, 3 not modified, 0 too large; failures: 1 http_404,
1 timeout``: every failed request is counted under its kind (``crawler.faultkinds``).
"""

from __future__ import annotations

from typing import Any

from crawler.faultkinds import fault_counts


def run_counts(stats: dict[str, Any]) -> dict[str, int]:
    """Sum the per-source counters (civmon/source/<id>/<name>) of one run's stats."""
    totals: dict[str, int] = {}
    sources: set[str] = set()
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) == 4 and parts[:2] == ["civmon", "source"]:
            sources.add(parts[2])
            totals[parts[3]] = totals.get(parts[3], 0) + int(value)
    totals["sources"] = len(sources)
    return totals


def summary_line(result) -> str:
    c = run_counts(result.stats)
    seconds = result.stats.get("elapsed_time_seconds")
    took = f" in {seconds:.0f} s" if isinstance(seconds, int | float) else ""
    parts = [f"{c.get('stored', 0)} new", f"{c.get('skipped_known', 0)} already stored",
             f"{c.get('failed', 0)} failed"]
    for key, label in (("discovery_failed", "discovery pages failed"),
                       ("skipped_robots", "robots.txt"), ("skipped_dead", "dead links resting"),
                       ("not_modified", "not modified"), ("too_large", "too large"),
                       ("revised", "revised"), ("taken_down", "taken down")):
        if c.get(key):
            parts.append(f"{c[key]} {label}")
    faults = fault_counts(c)
    tail = ("; failures: " + ", ".join(f"{n} {k}" for k, n in faults.items())) if faults else ""
    return (f"crawl run {result.run_id}: {result.status}{took} — {c['sources']} sources; "
            + ", ".join(parts) + tail)
