"""Source health: alerts computed from a run's counts and the source's recent runs.

``alerts(current, history)`` is a pure function over count dictionaries (the
columns of ``crawl_run_sources``, plus ``next_page_missing`` from the run's
stats).  CrawlRunRecorder stores its result in ``crawl_run_sources.alerts``
when a run closes; ``civmon health`` and ``civmon runs`` print them.

Checks (``history`` = the source's last ``HISTORY`` finished runs):

- broken: every discovery request failed, or no article page could be fetched;
- zero articles: discovery gave no links at all (and no feed answered 304);
- dates: the share of stored articles with a date fell by more than
  ``COVERAGE_DROP`` against the recent average (at least ``MIN_ITEMS`` stored);
- text: the share of fetched pages with article text fell likewise;
- volume: fewer than ``VOLUME_FLOOR`` × the recent average of discovered links
  (needs ``MIN_HISTORY`` earlier runs);
- pagination: the ``next_page`` selector matched nothing on any listing's first page
  (one single-page listing among several is no alarm).

Reads no settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

HISTORY = 7
COVERAGE_DROP = 0.3
MIN_ITEMS = 5
VOLUME_FLOOR = 0.25
MIN_HISTORY = 3


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _average(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def alerts(current: Mapping[str, int], history: Sequence[Mapping[str, int]],
           *, status: str = "ok", error: str | None = None) -> list[str]:
    out: list[str] = []
    if status == "broken":
        out.append(f"broken: {error}")
    if not current.get("discovered") and not current.get("not_modified") and status != "broken":
        out.append("zero articles: discovery found no article links")
    stored = current.get("stored", 0)
    dated = _share(stored - current.get("undated", 0), stored)
    usual_dated = _average([_share(h.get("stored", 0) - h.get("undated", 0), h.get("stored", 0))
                            for h in history if h.get("stored", 0) >= MIN_ITEMS])
    if (stored >= MIN_ITEMS and dated is not None and usual_dated is not None
            and dated < usual_dated - COVERAGE_DROP):
        out.append(f"dates: {dated:.0%} of new articles dated, recent average {usual_dated:.0%}")
    fetched = current.get("fetched", 0)
    texts = _share(fetched - current.get("extract_empty", 0), fetched)
    usual_texts = _average([_share(h.get("fetched", 0) - h.get("extract_empty", 0),
                                   h.get("fetched", 0))
                            for h in history if h.get("fetched", 0) >= MIN_ITEMS])
    if (fetched >= MIN_ITEMS and texts is not None and usual_texts is not None
            and texts < usual_texts - COVERAGE_DROP):
        out.append(f"text: {texts:.0%} of fetched pages had article text, recent average "
                   f"{usual_texts:.0%}")
    volumes = [h.get("discovered", 0) for h in history if h.get("discovered", 0)]
    if len(volumes) >= MIN_HISTORY and not current.get("not_modified"):
        usual = sum(volumes) / len(volumes)
        if current.get("discovered", 0) < VOLUME_FLOOR * usual:
            out.append(f"volume: {current.get('discovered', 0)} article links, recent average "
                       f"{usual:.0f}")
    if current.get("next_page_missing") and not current.get("next_page_found"):
        out.append(f"pagination: next_page matched nothing on {current['next_page_missing']} "
                   "first listing page(s)")
    return out
