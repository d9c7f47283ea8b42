"""Stories: which stored article reports the same event as this one?

Evidence is used most reliable first (``pipelines.linking`` applies it in this
order): a reprint is in its original's story; a page that names another as its
other-language edition (``hreflang`` alternate) is in that page's story; then
``StoryIndex.match`` compares the *distinctive content* — the marks of
``pipelines.fingerprint`` (names as spelling-independent keys, so "Айгюн
Алиева" meets "Aygün Əliyeva"; numbers; day-month dates) — with the originals
published within ``StoryThresholds.window_days``.

Precision comes first: a shared topic word ("НПО", "форум", "грант") is
frequent in the window and weighs little; a match needs several shared marks,
at least ``min_rare`` of them rare in the window, and a weighted overlap of
``score``; two articles that both give day-month dates but share none report
different days' events.  An article that credits the other's outlet (shared
attribution) needs a lower overlap.  A new article joins the single best story
and never merges two (a chain of weak links is how story tables go wrong).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class StoryThresholds:
    """Settings ``CIVMON_STORY_*``."""

    window_days: int = 3
    """Articles published more than this many days apart are never one story."""
    min_shared: int = 4
    """Marks two articles must share."""
    min_rare: int = 2
    """Shared marks that must be rare in the window (in at most ``rare_df`` originals)."""
    rare_df: int = 3
    score: float = 0.3
    """Weighted overlap coefficient (IDF weights) of the two articles' marks."""
    credited_score: float = 0.2
    """The same when one article credits the other's outlet."""
    max_df: int = 60
    """Marks in more originals than this are too common to look candidates up by."""


DEFAULT = StoryThresholds()


@dataclass
class StoryEntry:
    key: int
    story_id: int
    day: int
    marks: frozenset[str]


def _dates(marks: frozenset[str]) -> set[str]:
    return {m for m in marks if m.startswith("d") and m[1:3].isdigit()}


class StoryIndex:
    """Marks of the originals in the window, with how many originals carry each."""

    def __init__(self, thresholds: StoryThresholds = DEFAULT) -> None:
        self.thresholds = thresholds
        self.entries: dict[int, StoryEntry] = {}
        self.df: Counter[str] = Counter()
        self.postings: dict[str, set[int]] = defaultdict(set)

    def add(self, entry: StoryEntry) -> None:
        if entry.key in self.entries:
            return
        self.entries[entry.key] = entry
        self.df.update(entry.marks)
        for m in entry.marks:
            self.postings[m].add(entry.key)

    def remove(self, key: int) -> None:
        entry = self.entries.pop(key, None)
        if entry is None:
            return
        for m in entry.marks:
            self.df[m] -= 1
            if self.df[m] <= 0:
                del self.df[m]
            posting = self.postings.get(m)
            if posting is not None:
                posting.discard(key)
                if not posting:
                    del self.postings[m]

    def set_story(self, key: int, story_id: int) -> None:
        if key in self.entries:
            self.entries[key].story_id = story_id

    def _weight(self, mark: str) -> float:
        return math.log(1.0 + (len(self.entries) + 1) / (self.df.get(mark, 0) + 1))

    def score(self, a: frozenset[str], b: frozenset[str], *, credited: bool = False
              ) -> float | None:
        """The weighted overlap of two mark sets, or None when they are not one story."""
        t = self.thresholds
        shared = a & b
        if len(shared) < t.min_shared:
            return None
        if sum(1 for m in shared if self.df.get(m, 0) <= t.rare_df) < t.min_rare:
            return None
        dates_a, dates_b = _dates(a), _dates(b)
        if dates_a and dates_b and not dates_a & dates_b:
            return None
        wa = sum(self._weight(m) for m in a)
        wb = sum(self._weight(m) for m in b)
        value = sum(self._weight(m) for m in shared) / max(1e-9, min(wa, wb))
        return value if value >= (t.credited_score if credited else t.score) else None

    def candidates(self, marks: frozenset[str], day: int) -> list[int]:
        """Originals in the window sharing enough uncommon marks, most shared first."""
        t = self.thresholds
        counts: Counter[int] = Counter()
        for m in marks:
            if self.df.get(m, 0) <= t.max_df:
                counts.update(self.postings.get(m, ()))
        out = []
        for key, shared in counts.most_common(25):
            if shared < t.min_shared:
                break
            if abs(self.entries[key].day - day) <= t.window_days:
                out.append(key)
        return out

    def match(self, marks: frozenset[str], day: int, *, credited_keys: frozenset[int] = frozenset()
              ) -> tuple[int, float] | None:
        """``(story_id, score)`` of the best story for an article, or None."""
        best: tuple[float, int] | None = None
        for key in self.candidates(marks, day):
            entry = self.entries[key]
            value = self.score(marks, entry.marks, credited=key in credited_keys)
            if value is not None and (best is None or value > best[0]):
                best = (value, entry.story_id)
        return (best[1], best[0]) if best else None
