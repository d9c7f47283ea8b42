"""Near-duplicates: is this text a (lightly edited) reprint of that one?

``compare(a, b, templates)`` is the decision, a pure function of two
``pipelines.fingerprint.Fingerprint`` values and the set of paragraph digests
known to be templates.  It returns the similarity when ``a`` and ``b`` are
copies of one text, else None.  The similarity is the Jaccard index of the two texts' word
3-shingles (templates left out): 1.0 for the same text.  Two tests, both required:

1. **Overlap.** After dropping template paragraphs, at least
   ``Thresholds.contained`` of one text's word 3-shingles are in the other, and
   at least ``Thresholds.both`` of the other's (a new lead, a cut paragraph, an
   added credit line or "Читайте также" pass; a text that merely quotes another
   does not).
2. **Distinctive part.** The paragraphs each text does *not* share with the
   other must not both bring their own specifics (numbers, dates, names absent
   from the other text).  A reprint's new lead re-tells facts of the body; two
   different events that share a long template paragraph each add facts of
   their own.  Numbers that differ inside shared paragraphs ("120 НПО" /
   "150 НПО" in one ministry statement) count as such specifics too.

``NearDupIndex`` finds candidates with MinHash (datasketch's ``LeanMinHash``) and
the LSH bands of datasketch's ``MinHashLSH`` (``Bands``) over the
shingles and learns templates: a paragraph found in two different originals of
the window is a template from then on, and no longer counts as overlap.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

from pipelines.fingerprint import Fingerprint, Paragraph, marks

NUM_PERM = 64
#: 32 bands of 2 rows: a pair at Jaccard 0.3 (an excerpt reprint: a third of the
#: original) is a candidate 19 times in 20, unrelated news (Jaccard under 0.02 in
#: 3-shingles) about once in 100.  Bands are cheap, a missed reprint is not: LSH
#: only proposes, compare() decides on the shingles themselves.
BANDS = (32, 2)
_SEED = 1
_SCHEME = "affine32"
_MIN = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME)
# datasketch regenerates the permutations in every constructor unless given:
# build them once (perf.md §3.6: 113 µs -> 6 µs per signature).
_PERMUTATIONS = _MIN.permutations


@dataclass(frozen=True)
class Thresholds:
    """How close two texts must be to count as copies (settings ``CIVMON_NEAR_DUP_*``)."""

    contained: float = 0.8
    """Share of one text's shingles that must be in the other."""
    both: float = 0.3
    """Share of the other text's shingles that must be in the first."""
    min_shingles: int = 12
    """Texts with fewer shingles (after templates) are compared by exact hash only."""
    novel: int = 2
    """Specifics each side may bring in its own paragraphs before the pair is two events."""



DEFAULT = Thresholds()


_A, _B = (np.asarray(x, dtype=np.uint32) for x in _PERMUTATIONS)
_EMPTY = _MIN.hashvalues.copy()


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's 32-bit finalizer: the pre-mix of datasketch's "affine32" scheme
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(shingles: np.ndarray) -> LeanMinHash:
    """The MinHash of the shingles, as ``MinHash(scheme="affine32")`` with the identity
    hash function computes it, straight from the numpy array: ``update_batch``
    would call a Python hash function per shingle and convert the list back
    (tests/test_fingerprint_fast.py checks the two agree).  Repeated values change
    nothing (a minimum is a minimum), so the shingles need not be unique."""
    if len(shingles):
        hv = _fmix32(np.asarray(shingles, dtype=np.uint32)).reshape(-1, 1)
        with np.errstate(over="ignore"):  # the wraparound is the modulo 2^32
            products = hv * _A
            products += _B
            values = products.min(axis=0)
        np.minimum(values, _EMPTY, out=values)
    else:
        values = _EMPTY
    return LeanMinHash(seed=_SEED, hashvalues=values, scheme=_SCHEME)


#: What outlet templates append or prepend to a reprint: never a fact of the story.
_NAVIGATION = re.compile(
    r"^(читайте (также|нас)|смотрите также|подписывайтесь|поделитесь|источник|фото|"
    r"read (also|more)|follow us|source|həmçinin (oxuyun|bax)|bizi |mənbə|"
    r"сондай-ақ оқыңыз|дереккөз|бізді )", re.I)
#: Credit lines and datelines are a few words ("Баку, 24 ноября, АЗЕРТАДЖ.").
_MIN_OWN_WORDS = 6


@lru_cache(maxsize=1)
def outlet_marks() -> frozenset[str]:
    """Name keys of the outlets attribution knows: a credit to one is not a fact."""
    from pipelines.attribution import load_rules

    out: set[str] = set()
    for spelling in load_rules().canonical:
        out |= {m for m in marks("x " + spelling) if not m.startswith(("#", "d"))}
    return frozenset(out)


def _novel(paragraphs: list[Paragraph]) -> set[str]:
    """The specifics of a text's own paragraphs (credits, datelines and plugs left out)."""
    out: set[str] = set()
    for p in paragraphs:
        if p.words < _MIN_OWN_WORDS or _NAVIGATION.match(p.start):
            continue
        out |= p.marks
    return out - outlet_marks()


def own_paragraphs(paragraphs: list[Paragraph], other: np.ndarray) -> list[Paragraph]:
    """Paragraphs mostly absent from ``other`` (a new lead, a cut paragraph, the other event)."""
    out = []
    for p in paragraphs:
        if not len(p.shingles):
            out.append(p)
            continue
        shared = np.isin(p.shingles, other, assume_unique=True).sum()
        if shared < 0.5 * len(p.shingles):
            out.append(p)
    return out


def _numbers(paragraphs: Iterable[Paragraph]) -> set[str]:
    return {m for p in paragraphs for m in p.marks if m.startswith("#")}


def compare(a: Fingerprint, b: Fingerprint, templates: frozenset[int] | set[int] = frozenset(),
            thresholds: Thresholds = DEFAULT) -> float | None:
    """The similarity of two copies of one text, or None when they are not copies."""
    pa, pb = a.kept(templates), b.kept(templates)
    sa, sb = a.shingle_set(templates), b.shingle_set(templates)
    if min(len(sa), len(sb)) < thresholds.min_shingles:
        return None
    inter = len(np.intersect1d(sa, sb, assume_unique=True))
    ca, cb = inter / len(sa), inter / len(sb)
    if max(ca, cb) < thresholds.contained or min(ca, cb) < thresholds.both:
        return None
    marks_a = set().union(*(p.marks for p in pa))
    marks_b = set().union(*(p.marks for p in pb))
    own_a, own_b = own_paragraphs(pa, sb), own_paragraphs(pb, sa)
    novel_a = _novel(own_a) - marks_b
    novel_b = _novel(own_b) - marks_a
    if len(novel_a) >= thresholds.novel and len(novel_b) >= thresholds.novel:
        return None
    # the same sentences with other figures: a template statement, not a copy
    shared_a = [p for p in pa if all(p is not q for q in own_a)]
    shared_b = [p for p in pb if all(p is not q for q in own_b)]
    if _numbers(shared_a) - _numbers(pb) and _numbers(shared_b) - _numbers(pa):
        return None
    return round(inter / (len(sa) + len(sb) - inter), 4)  # Jaccard of the shingle sets


class Bands:
    """The LSH tables of ``MinHashLSH(num_perm=64, params=(32, 2))``, without its storage
    layer: each band of two 32-bit values is one 64-bit integer, each band's table a
    dict of sets.

    A key is a candidate of a signature when some band of the two is equal, exactly
    as in datasketch's ``MinHashLSH`` (tests/test_fingerprint_fast.py checks both
    give the same candidates); here an insert, a query and a remove are one numpy
    view and a loop over 32 dicts instead of datasketch's per-band byte strings and
    storage objects (a third of the linker's time went there).  ``query`` returns
    the candidates in ascending key order, so that ties are decided the same way
    whatever the order of insertion (the article stored first wins).
    """

    def __init__(self, bands: int = BANDS[0], rows: int = BANDS[1]) -> None:
        if rows != 2 or bands * rows != NUM_PERM:
            raise ValueError("Bands holds 32-bit signatures cut into bands of two values")
        self.tables: list[dict[int, set[Hashable]]] = [{} for _ in range(bands)]
        self.keys: dict[Hashable, list[int]] = {}

    @staticmethod
    def band_values(sig: LeanMinHash) -> list[int]:
        values = np.ascontiguousarray(sig.hashvalues, dtype=np.uint32)
        return values.view(np.uint64).tolist()

    def insert(self, key: Hashable, sig: LeanMinHash) -> None:
        if key in self.keys:
            raise ValueError("The given key already exists")
        bands = self.band_values(sig)
        self.keys[key] = bands
        for band, table in zip(bands, self.tables, strict=True):
            found = table.get(band)
            if found is None:
                table[band] = {key}
            else:
                found.add(key)

    def query(self, sig: LeanMinHash) -> list[Hashable]:
        out: set[Hashable] = set()
        for band, table in zip(self.band_values(sig), self.tables, strict=True):
            found = table.get(band)
            if found is not None:
                out |= found
        return sorted(out)

    def remove(self, key: Hashable) -> None:
        bands = self.keys.pop(key, None)
        if bands is None:
            return
        for band, table in zip(bands, self.tables, strict=True):
            found = table[band]
            found.discard(key)
            if not found:
                del table[band]

    def __contains__(self, key: Hashable) -> bool:
        return key in self.keys

    def __len__(self) -> int:
        return len(self.keys)


class NearDupIndex:
    """Candidates by MinHash LSH, and the template paragraphs of the window.

    Keys are article ids.  ``add`` indexes an article (``original=True`` also
    counts its paragraphs towards templates); ``remove`` forgets it (the window
    moved on).  Memory is one signature and a few paragraph digests per article.
    """

    def __init__(self, thresholds: Thresholds = DEFAULT) -> None:
        self.thresholds = thresholds
        self.lsh = Bands(*BANDS)
        self._paragraphs: Counter[int] = Counter()
        self._counted: dict[Hashable, tuple[int, ...]] = {}

    @property
    def templates(self) -> set[int]:
        return {d for d, n in self._paragraphs.items() if n >= 2}

    def is_template(self, digest: int) -> bool:
        return self._paragraphs.get(digest, 0) >= 2

    def template_set(self, fp: Fingerprint) -> frozenset[int]:
        """The paragraphs of ``fp`` that are templates (all the comparison needs)."""
        return frozenset(p.digest for p in fp.paragraphs if self.is_template(p.digest))

    def signature(self, fp: Fingerprint, templates: frozenset[int]) -> LeanMinHash:
        return signature(fp.shingle_values(templates))

    def candidates(self, sig: LeanMinHash) -> list[Hashable]:
        return self.lsh.query(sig)

    def add(self, key: Hashable, fp: Fingerprint, sig: LeanMinHash, *, original: bool) -> None:
        if key in self.lsh:
            return
        self.lsh.insert(key, sig)
        if original:
            self.count_paragraphs(key, fp)

    def count_paragraphs(self, key: Hashable, fp: Fingerprint) -> None:
        if key in self._counted:
            return
        digests = tuple({p.digest for p in fp.paragraphs if len(p.shingles)})
        self._counted[key] = digests
        self._paragraphs.update(digests)

    def uncount_paragraphs(self, key: Hashable) -> None:
        for d in self._counted.pop(key, ()):
            self._paragraphs[d] -= 1
            if self._paragraphs[d] <= 0:
                del self._paragraphs[d]

    def remove(self, key: Hashable) -> None:
        self.lsh.remove(key)
        self.uncount_paragraphs(key)

    def __len__(self) -> int:
        return len(self._counted)
