"""What near-duplicate and story decisions look at in one article's text.

``fingerprint(text, title=...)`` splits the text into paragraphs and keeps, per
paragraph:

* a hash of the normalised paragraph (``pipelines.dedup.normalize_text``), so
  that a paragraph repeated in unrelated articles (an "about the agency" block,
  a standard anniversary lead) can be recognised as a template;
* its word 3-shingles as 32-bit hashes (a sorted ``numpy`` array): 3 words keep
  a light edit from changing most shingles, unlike the 5-word shingles of
  web-scale dedup;
* its *marks*: the distinctive content — numbers (``#1029``, ``#1.2``), day and
  month (``d11.08``), Roman ordinals (``#11`` for "XI"), and names (capitalised
  words that do not start a sentence, all-capitals words) as spelling-independent
  keys (``pipelines.translit.name_key``), so that "Костанай" and "Qostanay" agree.

No settings; pure functions.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from pipelines.translit import name_key

SHINGLE = 3
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"^\d+$")
_ROMAN = re.compile(r"^(?=[IVXLC]{1,6}$)C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_NUMERIC = re.compile(r"\d+(?:[.,]\d+)?")
#: ``pipelines.dedup._NON_WORD`` inverted: the words ``normalize_text`` keeps.
_NORMAL_WORD = re.compile(r"[^\W_]+", re.UNICODE)

#: Month names (stems) in ru/kk/az/en/uz -> month number, for day-month marks.
_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
    "қаңтар": 1, "ақпан": 2, "наурыз": 3, "сәуір": 4, "мамыр": 5, "маусым": 6,
    "шілде": 7, "тамыз": 8, "қыркүйек": 9, "қазан": 10, "қараша": 11, "желтоқсан": 12,
    "yanvar": 1, "fevral": 2, "mart": 3, "aprel": 4, "may": 5, "iyun": 6, "iyul": 7,
    "avqust": 8, "sentyabr": 9, "oktyabr": 10, "noyabr": 11, "dekabr": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "avgust": 8, "sentabr": 9,
}
_LONGEST_MONTH = max(len(m) for m in _MONTHS)


@lru_cache(maxsize=4096)
def _month(word: str) -> int | None:
    w = word.casefold()
    if w in ("мая", "май", "mayıs"):
        return 5
    for n in range(min(len(w), _LONGEST_MONTH), 2, -1):
        month = _MONTHS.get(w[:n])
        if month:
            return month
    return None


@lru_cache(maxsize=4096)
def _roman(word: str) -> int | None:
    if not _ROMAN.match(word):
        return None
    total, prev = 0, 0
    for ch in reversed(word):
        value = _ROMAN_VALUES[ch]
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total


_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎҲЈƏÖÜÇŞĞİ"
# Only what can be a mark: a number (with the word after it, for a month) or a
# word starting with a capital letter; everything else is skipped by the regex
# engine instead of a Python loop over all words.
_CANDIDATE = re.compile(
    rf"(?P<num>\d+(?:[.,]\d+)?)(?:\s+(?P<after>[^\W\d_]+))?"
    # the look-behind after the capital, not before it: the regex engine then
    # starts a match only at a digit or a capital (same matches, a third faster)
    rf"|(?P<cap>[{_UPPER}](?<![^\W\d_].)[^\W\d_]*+(?:[-'’][^\W\d_]++)*+)(?!\d)")
_ENDS = frozenset(".!?…:;»\"")


#: A capitalised word -> (its Roman-ordinal mark, whether it is all capitals, its
#: name keys): what ``marks`` decides about a word is the same every time it meets
#: it, so it is worked out once (names repeat across the window).
_CAPS: dict[str, tuple[str | None, bool, tuple[str, ...]]] = {}
_MAX_CAPS = 100_000


def _cap(word: str) -> tuple[str | None, bool, tuple[str, ...]]:
    roman = _roman(word)
    if roman:
        return f"#{roman}", True, ()
    parts = word.split("-") if "-" in word else (word,)
    keys = tuple(k for k in (name_key(part) for part in parts) if len(k) >= 2)
    return None, word.isupper(), keys


def marks(text: str) -> set[str]:
    """The distinctive tokens of ``text``: numbers, day-month dates, names."""
    out: set[str] = set()
    caps = _CAPS
    for match in _CANDIDATE.finditer(text):
        number, after, word = match.groups()
        if number is not None:
            out.add("#" + (number.replace(",", ".").lstrip("0") or "0"))
            if after and len(number) <= 2 and number.isdigit():
                month = _month(after)
                if month:
                    out.add(f"d{int(number):02d}.{month:02d}")
            continue
        known = caps.get(word)
        if known is None:
            known = _cap(word)
            if len(caps) < _MAX_CAPS:
                caps[word] = known
        roman, upper, keys = known
        if roman:
            out.add(roman)
            continue
        if not upper:
            # a capital after a sentence end is just the sentence's first word
            start = match.start()
            if start == 0 or text[max(0, start - 3): start].rstrip()[-1:] in _ENDS:
                continue
        out.update(keys)
    return out


class _Hashes(dict):
    """Word -> CRC-32 of its UTF-8, computed on a miss (``__missing__``): words repeat
    (Zipf), so a bounded cache saves most encode+crc32 calls, and a hit costs one C
    dict look-up inside ``map``."""

    def __missing__(self, word: str) -> int:
        h = zlib.crc32(word.encode("utf-8"))
        if len(self) < _MAX_HASHES:
            self[word] = h
        return h


_MAX_HASHES = 300_000
_HASHES = _Hashes()
_P = np.uint64(1_000_003)
_P2 = _P * _P
_MASK = np.uint64(0xFFFFFFFF)


def _word_hashes(words: list[str]) -> np.ndarray:
    return np.fromiter(map(_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))


def _combine(h: np.ndarray) -> np.ndarray:
    # A polynomial combination of the word hashes: order-sensitive, and computed
    # in numpy rather than hashing each joined 3-gram string.
    return ((h[:-2] * _P2 + h[1:-1] * _P + h[2:]) & _MASK).astype(np.uint32)


def shingles(words: list[str]) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word 3-shingles of one paragraph."""
    if len(words) < SHINGLE:
        return np.empty(0, dtype=np.uint32)
    return np.unique(_combine(_word_hashes(words)))


_EMPTY_SHINGLES = np.empty(0, dtype=np.uint32)
_HIGH = np.uint64(32)


def _paragraph_shingles(paragraph_words: list[list[str]]) -> tuple[list[np.ndarray], np.ndarray]:
    """``shingles`` of each paragraph, and their concatenation, in one numpy pass.

    The words of the whole article are hashed together, every 3-word window is
    combined, windows that cross a paragraph break are dropped, and one
    ``np.unique`` over (paragraph number, shingle) sorts and deduplicates every
    paragraph at once: the result is the concatenation of each paragraph's sorted
    unique shingles, cut at the paragraph boundaries (views, no copies).
    """
    lengths = [len(words) for words in paragraph_words]
    flat = [w for words in paragraph_words for w in words]
    if len(flat) < SHINGLE:
        return [_EMPTY_SHINGLES] * len(lengths), _EMPTY_SHINGLES
    combined = _combine(_word_hashes(flat))
    if len(lengths) == 1:
        low = np.unique(combined)
        return [low], low
    number = np.repeat(np.arange(len(lengths), dtype=np.uint64), lengths)
    inside = number[:-2] == number[2:]
    keys = np.unique((number[:-2][inside] << _HIGH) | combined[inside])
    low = keys.astype(np.uint32)
    bounds = np.searchsorted(keys >> _HIGH, np.arange(len(lengths) + 1, dtype=np.uint64)).tolist()
    return [low[bounds[i]: bounds[i + 1]] for i in range(len(lengths))], low


@dataclass
class Paragraph:
    digest: int
    shingles: np.ndarray
    marks: frozenset[str]
    words: int = 0
    start: str = ""
    """The first words, normalised (to recognise "Читайте также", "Источник: ...")."""


@dataclass(eq=False)
class Fingerprint:
    """The comparable parts of one article."""

    paragraphs: list[Paragraph]
    title_marks: frozenset[str] = field(default_factory=frozenset)
    every_shingle: np.ndarray | None = field(default=None, repr=False)
    """Each paragraph's ``shingles`` concatenated (a shingle in two paragraphs is there
    twice): what a MinHash needs when no paragraph is a template."""
    _sets: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict, repr=False)

    def __reduce__(self):
        """Pickled compactly (a worker process sends it back with the page): the
        paragraphs' shingles as one buffer instead of one numpy array each, which
        halves the size and costs a tenth of the time; the cache is not sent."""
        parts = [p.shingles for p in self.paragraphs]
        flat = np.concatenate(parts).astype(np.uint32) if parts else _EMPTY_SHINGLES
        every = self.every_shingle
        same = every is not None and len(every) == len(flat) and bool(np.array_equal(every, flat))
        meta = tuple((p.digest, p.marks, p.words, p.start, len(p.shingles))
                     for p in self.paragraphs)
        return (_unpickle, (meta, flat.tobytes(), self.title_marks,
                            True if same else (None if every is None
                                               else np.asarray(every, np.uint32).tobytes())))

    def kept(self, templates: set[int] | frozenset[int]) -> list[Paragraph]:
        """Paragraphs that are not known templates."""
        if not templates:
            return self.paragraphs
        return [p for p in self.paragraphs if p.digest not in templates]

    def _left_out(self, templates: set[int] | frozenset[int]) -> tuple[int, ...]:
        if not templates:
            return ()
        return tuple(i for i, p in enumerate(self.paragraphs) if p.digest in templates)

    def shingle_set(self, templates: set[int] | frozenset[int] = frozenset()) -> np.ndarray:
        """Sorted unique shingles of the paragraphs that are not templates.

        Worked out once per set of left-out paragraphs: an article in the window is
        compared with many newcomers, and its templates change rarely.
        """
        key = self._left_out(templates)
        found = self._sets.get(key)
        if found is None:
            if not key and self.every_shingle is not None:
                found = np.unique(self.every_shingle)
            else:
                parts = [p.shingles for p in self.kept(templates)]
                found = np.unique(np.concatenate(parts)) if parts else _EMPTY_SHINGLES
            if len(self._sets) < 8:
                self._sets[key] = found
        return found

    def shingle_values(self, templates: set[int] | frozenset[int] = frozenset()) -> np.ndarray:
        """The shingles of the paragraphs that are not templates, repeats allowed
        (a MinHash is the same with or without them)."""
        if self.every_shingle is not None and not self._left_out(templates):
            return self.every_shingle
        parts = [p.shingles for p in self.kept(templates)]
        return np.concatenate(parts) if parts else _EMPTY_SHINGLES

    def mark_set(self, templates: set[int] | frozenset[int] = frozenset()) -> set[str]:
        out = set(self.title_marks)
        for p in self.kept(templates):
            out |= p.marks
        return out


def _unpickle(meta: tuple, flat: bytes, title_marks: frozenset[str],
              every: bool | bytes | None) -> Fingerprint:
    shingles = np.frombuffer(flat, dtype=np.uint32).copy()
    paragraphs, at = [], 0
    for digest, marks_, words, start, n in meta:
        paragraphs.append(Paragraph(digest, shingles[at:at + n], marks_, words, start))
        at += n
    if every is True:
        every_shingle: np.ndarray | None = shingles
    else:
        every_shingle = None if every is None else np.frombuffer(every, np.uint32).copy()
    return Fingerprint(paragraphs, title_marks, every_shingle)


def _normal_words(folded: str) -> list[str]:
    """The words of ``normalize_text`` from text already NFKC-normalised and case-folded
    (``normalize_text(raw) == " ".join(...)``): one regex pass instead of a
    substitution, a strip and a split."""
    return _NORMAL_WORD.findall(folded)


def fingerprint(text: str, *, title: str | None = None) -> Fingerprint:
    raws = text.split("\n\n")
    # NFKC and case folding work character by character and never make or remove
    # a line break, so folding the whole text once splits into the same paragraphs.
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").split("\n\n")
    if len(folded) != len(raws):  # not expected; the paragraph-wise way is always right
        folded = [unicodedata.normalize("NFKC", r).casefold().replace("ё", "е") for r in raws]
    kept_raws, norms, paragraph_words = [], [], []
    for raw, fold in zip(raws, folded, strict=True):
        words = _normal_words(fold)
        if not words:
            continue
        kept_raws.append(raw.strip())
        norms.append(" ".join(words))
        paragraph_words.append(words)
    per_paragraph, every = _paragraph_shingles(paragraph_words)
    paragraphs = [
        Paragraph(zlib.crc32(norm.encode("utf-8")) | (len(norm) << 32), sh,
                  frozenset(marks(raw)), len(words), " ".join(words[:3]))
        for raw, norm, words, sh in zip(kept_raws, norms, paragraph_words, per_paragraph,
                                        strict=True)]
    return Fingerprint(paragraphs, frozenset(marks(title)) if title else frozenset(), every)
