"""Reprint links and stories at store time, with the database as the memory.

``Linker.decide(article)`` answers, for one article about to be stored: which
stored article is its original (exact hash, or a near-duplicate by
``pipelines.near_dup``), with what similarity, whether the new article is
older and takes the original's place, and which story it belongs to
(``pipelines.stories``).  ``Linker.remember`` adds the stored article to the
window.

**Bounded memory.**  Only a window of days is held: fingerprints, MinHash
signatures and marks of the articles published within ``window_days`` of the
days being stored, in day buckets loaded from the database on first use
(``load(first_day, last_day)`` returns stored rows) and dropped least
recently used beyond ``max_buckets``.  A nightly crawl thus sees what earlier
crawls stored, and a crawl of old archive pages loads their days when it
meets them.  ``ArticleWriter`` (pipelines/store.py) and ``civmon dedup
--rebuild`` (crawler/cli_dedup.py) both use it, so a rebuild reproduces what
the crawl decided.

Choosing the original: an agency's own copy beats a copy that credits it
(``attributed_to`` names the other's outlet); otherwise the copy published
first (``pipelines.dedup.published_first``) wins; otherwise the one stored first.

Settings (``linker_options(settings)``; the store pipeline and ``civmon dedup
--rebuild -s`` read them): ``CIVMON_DEDUP_WINDOW_DAYS`` (3),
``CIVMON_DEDUP_DAYS_HELD`` (21 days at most in memory),
``CIVMON_NEAR_DUP_CONTAINED`` (0.8), ``CIVMON_NEAR_DUP_BOTH`` (0.3),
``CIVMON_NEAR_DUP_MIN_SHINGLES`` (12), ``CIVMON_NEAR_DUP_NOVEL`` (2),
``CIVMON_STORY_WINDOW_DAYS`` (3),
``CIVMON_STORY_MIN_SHARED`` (4), ``CIVMON_STORY_MIN_RARE`` (2),
``CIVMON_STORY_SCORE`` (0.3), ``CIVMON_STORY_CREDITED_SCORE`` (0.2).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from datasketch import LeanMinHash

from pipelines.dedup import published_first
from pipelines.fingerprint import Fingerprint, fingerprint
from pipelines.near_dup import NearDupIndex, Thresholds, compare, own_paragraphs
from pipelines.stories import StoryEntry, StoryIndex, StoryThresholds


@dataclass
class Stored:
    """One article as the linker needs it (a database row, or the item being stored)."""

    id: int | None
    source_id: str
    text: str
    title: str | None = None
    published_at: str | None = None
    fetched_at: str | None = None
    timezone: str | None = None
    source_name: str | None = None
    source_homepage: str | None = None
    attributed_to: str | None = None
    duplicate_of: int | None = None
    story_id: int | None = None
    alternates: tuple[str, ...] = ()
    """Canonical URLs of the same page in other languages (hreflang)."""

    @property
    def day(self) -> int:
        return day_number(self.published_at or self.fetched_at)


def day_number(value: str | None) -> int:
    """The proleptic ordinal of a stored date's day (0 when unknown)."""
    if not value:
        return 0
    try:
        return date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return 0


def day_text(ordinal: int) -> str:
    return date.fromordinal(max(1, ordinal)).isoformat()


@dataclass
class _Entry:
    row: Stored
    fp: Fingerprint
    day: int
    content: int = 0
    """A hash of the row's text and title: a fingerprint kept after the row left the
    window is used again only for the same content."""


#: Fingerprints of rows that left the window, kept (least recently dropped first out)
#: so that a day loaded again is not fingerprinted again: a crawl of archive pages
#: from many days moves the window back and forth (bench_crawl's web: every page a
#: different month), and fingerprinting the reloaded rows cost more than the
#: decisions.  ~10 KB each.
DROPPED_HELD = 2000


@dataclass
class Decision:
    """What to store for one article."""

    duplicate_of: int | None = None
    """The original (NULL when the article is an original, or becomes one)."""
    similarity: float | None = None
    replaces: int | None = None
    """The former original this article displaces (it was published earlier)."""
    replaced_similarity: float | None = None
    story_id: int | None = None
    """None: a new story, keyed by the article's own id."""
    kind: str = "original"
    """'original', 'exact_duplicate', 'near_duplicate'."""
    story_evidence: str = "new"
    """'reprint', 'alternate', 'content', 'new'."""
    fp: Fingerprint | None = field(default=None, repr=False)
    signature: LeanMinHash | None = field(default=None, repr=False)


def distinct_marks(a: Fingerprint, b: Fingerprint, templates: frozenset[int]
                   ) -> tuple[frozenset[str], frozenset[str]]:
    """The marks of each text outside the paragraphs the two share."""
    pa, pb = a.kept(templates), b.kept(templates)
    sa, sb = a.shingle_set(templates), b.shingle_set(templates)
    mine = set(a.title_marks).union(*(p.marks for p in own_paragraphs(pa, sb)))
    theirs = set(b.title_marks).union(*(p.marks for p in own_paragraphs(pb, sa)))
    return frozenset(mine), frozenset(theirs)


def credits(a: Stored, b: Stored) -> bool:
    """Whether ``a`` credits ``b``'s outlet as the source of its text."""
    if not a.attributed_to or a.source_id == b.source_id:
        return False
    name = a.attributed_to.casefold()
    return any(name and value and (name == value.casefold() or name in value.casefold().split())
               for value in (b.source_name, b.source_id, b.source_homepage,
                             (b.source_homepage or "").split(".")[0]))


def earlier(a: Stored, b: Stored) -> bool:
    """Whether ``a`` should be the original of a group whose original is ``b``."""
    if credits(a, b):
        return False
    if credits(b, a):
        return True
    return published_first((a.published_at, a.timezone), (b.published_at, b.timezone))


class Linker:
    def __init__(self, load: Callable[[str, str], Iterable[Stored]],
                 fetch: Callable[[int], Stored | None] = lambda _i: None,
                 by_urls: Callable[[tuple[str, ...]], Iterable[tuple[int, int | None]]]
                 = lambda _u: (),
                 *, near: Thresholds | None = None, stories: StoryThresholds | None = None,
                 window_days: int = 3, max_buckets: int = 21) -> None:
        self._load, self._fetch, self._by_urls = load, fetch, by_urls
        self.near = NearDupIndex(near or Thresholds())
        self.stories = StoryIndex(stories or StoryThresholds())
        self.window = max(window_days, self.stories.thresholds.window_days)
        self.max_buckets = max(max_buckets, 2 * self.window + 2)
        self._buckets: OrderedDict[int, set[int]] = OrderedDict()
        self._entries: dict[int, _Entry] = {}
        self._dropped: OrderedDict[int, tuple[int, Fingerprint]] = OrderedDict()
        self.loaded_rows = 0

    # -- the window -----------------------------------------------------------
    def _ensure(self, day: int) -> None:
        days = range(day - self.window, day + self.window + 1)
        missing = [d for d in days if d not in self._buckets]
        for d in days:
            if d in self._buckets:
                self._buckets.move_to_end(d)
        run: list[int] = []
        for d in [*missing, None]:
            if d is not None and (not run or d == run[-1] + 1):
                run.append(d)
                continue
            if run:
                for r in run:
                    self._buckets[r] = set()
                for row in self._load(day_text(run[0]), day_text(run[-1] + 1)):
                    self._add(row)
                    self.loaded_rows += 1
            run = [d] if d is not None else []
        while len(self._buckets) > self.max_buckets:
            old, ids = next(iter(self._buckets.items()))
            if day - self.window <= old <= day + self.window:
                break
            del self._buckets[old]
            for i in ids:
                self._drop(i)

    def _add(self, row: Stored, fp: Fingerprint | None = None,
             sig: LeanMinHash | None = None) -> None:
        assert row.id is not None
        if row.id in self._entries:
            return
        content = hash((row.text, row.title))
        if fp is None:
            kept = self._dropped.pop(row.id, None)
            fp = kept[1] if kept is not None and kept[0] == content else \
                fingerprint(row.text, title=row.title)
        row.text = ""  # the fingerprint is all the window needs: the text stays in the database
        entry = _Entry(row, fp, row.day, content)
        self._entries[row.id] = entry
        self._buckets.setdefault(entry.day, set()).add(row.id)
        templates = self.near.template_set(fp)
        self.near.add(row.id, fp, sig or self.near.signature(fp, templates),
                      original=row.duplicate_of is None)
        if row.duplicate_of is None:
            self.stories.add(StoryEntry(row.id, row.story_id or row.id, entry.day,
                                        frozenset(fp.mark_set(templates))))

    def _drop(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None and DROPPED_HELD > 0:
            self._dropped[key] = (entry.content, entry.fp)
            while len(self._dropped) > DROPPED_HELD:
                self._dropped.popitem(last=False)
        self.near.remove(key)
        self.stories.remove(key)

    def __len__(self) -> int:
        return len(self._entries)

    # -- decisions ------------------------------------------------------------
    def _row(self, key: int) -> Stored | None:
        entry = self._entries.get(key)
        return entry.row if entry else self._fetch(key)

    def decide(self, article: Stored, *, exact_original: int | None = None,
               fp: Fingerprint | None = None, plain_signature: LeanMinHash | None = None
               ) -> Decision:
        """Links for ``article`` (not yet stored; ``exact_original``: the stored text it
        repeats byte for byte, from the exact hash).

        ``fp`` / ``plain_signature``: the article's fingerprint and its MinHash with no
        paragraph left out, when a worker process worked them out already
        (``pipelines.chain.linker_inputs``); the signature is used only when none of the
        article's paragraphs is a template of the window (otherwise it is taken again
        without them, as always)."""
        day = article.day
        self._ensure(day)
        if fp is None:
            fp = fingerprint(article.text, title=article.title)
        templates = self.near.template_set(fp)
        decision = Decision(fp=fp)
        original: Stored | None = None
        if exact_original is not None:
            original = self._row(exact_original)
            if original is not None and original.duplicate_of is not None:
                original = self._row(original.duplicate_of)  # it became a copy meanwhile
            decision.kind, decision.similarity = "exact_duplicate", 1.0
        else:
            best: tuple[float, int] | None = None
            decision.signature = (plain_signature if plain_signature is not None
                                  and not templates else self.near.signature(fp, templates))
            for key in self.near.candidates(decision.signature):
                entry = self._entries.get(key)
                if entry is None or abs(entry.day - day) > self.window:
                    continue
                both = templates | self.near.template_set(entry.fp)
                sim = compare(fp, entry.fp, both, self.near.thresholds)
                if sim is not None and (best is None or sim > best[0]):
                    best = (sim, key)
            if best is not None:
                root = self._entries[best[1]].row
                target = root.duplicate_of if root.duplicate_of is not None else root.id
                original = self._row(target) if target != root.id else root
                decision.kind, decision.similarity = "near_duplicate", best[0]
                if original is not None and original is not root and original.id in self._entries:
                    direct = compare(fp, self._entries[original.id].fp,
                                     templates | self.near.template_set(
                                         self._entries[original.id].fp),
                                     self.near.thresholds)
                    decision.similarity = direct or best[0]
        if original is not None:
            assert original.id is not None
            decision.story_id = original.story_id or original.id
            decision.story_evidence = "reprint"
            if earlier(article, original):
                decision.replaces = original.id
                decision.replaced_similarity = decision.similarity
            else:
                decision.duplicate_of = original.id
            return decision
        if article.alternates:
            for _key, story in self._by_urls(article.alternates):
                if story is not None:
                    decision.story_id, decision.story_evidence = story, "alternate"
                    return decision
        found = self._story(article, fp, templates, day)
        if found is not None:
            decision.story_id, decision.story_evidence = found, "content"
        return decision

    def _story(self, article: Stored, fp: Fingerprint, templates: frozenset[int],
               day: int) -> int | None:
        """The story whose distinctive content this article shares, if any.

        Paragraphs the two articles share nearly word for word, without being
        copies of each other, are a template neither was known to have (an
        "about the agency" block): their names and numbers are left out on
        both sides before scoring.
        """
        best: tuple[float, int] | None = None
        for key in self.stories.candidates(frozenset(fp.mark_set(templates)), day):
            entry = self._entries.get(key)
            if entry is None:
                continue
            both = templates | self.near.template_set(entry.fp)
            mine, theirs = distinct_marks(fp, entry.fp, both)
            value = self.stories.score(mine, theirs, credited=credits(article, entry.row))
            if value is not None and (best is None or value > best[0]):
                best = (value, self.stories.entries[key].story_id)
        return best[1] if best else None

    def remember(self, article: Stored, decision: Decision) -> None:
        """Add the stored ``article`` (its ``id``, ``duplicate_of``, ``story_id`` set)."""
        assert article.id is not None
        if decision.replaces is not None:
            self._demote(decision.replaces, article.id)
        self._add(article, decision.fp, decision.signature)

    def _demote(self, old: int, new: int) -> None:
        """The group of ``old`` now has the older ``new`` as its original."""
        for entry in self._entries.values():
            if entry.row.id == old or entry.row.duplicate_of == old:
                entry.row.duplicate_of = new
        if old in self._entries:
            self.near.uncount_paragraphs(old)
            self.stories.remove(old)


#: Setting -> (which part, field, type).
SETTINGS: dict[str, tuple[str, str, type]] = {
    "CIVMON_DEDUP_WINDOW_DAYS": ("linker", "window_days", int),
    "CIVMON_DEDUP_DAYS_HELD": ("linker", "max_buckets", int),
    "CIVMON_NEAR_DUP_CONTAINED": ("near", "contained", float),
    "CIVMON_NEAR_DUP_BOTH": ("near", "both", float),
    "CIVMON_NEAR_DUP_MIN_SHINGLES": ("near", "min_shingles", int),
    "CIVMON_NEAR_DUP_NOVEL": ("near", "novel", int),
    "CIVMON_STORY_WINDOW_DAYS": ("stories", "window_days", int),
    "CIVMON_STORY_MIN_SHARED": ("stories", "min_shared", int),
    "CIVMON_STORY_MIN_RARE": ("stories", "min_rare", int),
    "CIVMON_STORY_SCORE": ("stories", "score", float),
    "CIVMON_STORY_CREDITED_SCORE": ("stories", "credited_score", float),
}


def linker_options(settings: Any) -> dict[str, Any]:
    """``Linker`` keyword arguments from settings (anything with ``.get(name)``: Scrapy
    settings, a dict); ValueError names a bad value."""
    near, stories, linker = Thresholds(), StoryThresholds(), {}
    for name, (part, attr, kind) in SETTINGS.items():
        raw = settings.get(name)
        if raw is None or raw == "":
            continue
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{name}={raw!r}: not {'an integer' if kind is int else 'a number'}"
                             ) from None
        if value < 0 or (kind is float and value > 1 and part != "linker"):
            raise ValueError(f"{name}={raw!r}: out of range")
        if part == "near":
            near = replace(near, **{attr: value})
        elif part == "stories":
            stories = replace(stories, **{attr: value})
        else:
            linker[attr] = value
    return dict(near=near, stories=stories, **linker)
