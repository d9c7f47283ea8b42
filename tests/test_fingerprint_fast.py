"""The fast paths of fingerprint and signature agree with the plain computations.

``pipelines.fingerprint.fingerprint`` folds the whole text once and finds words
with one regex; ``marks`` caches per-word decisions; ``pipelines.near_dup.signature``
computes the MinHash in numpy.  Each must give exactly what the straightforward
way gives (paragraph-wise ``normalize_text``, datasketch's ``update_batch``).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from pipelines import near_dup
from pipelines.dedup import normalize_text
from pipelines.fingerprint import fingerprint, marks, shingles

TEXTS = [
    # NBSP, a ligature, ё, underscores, a combining accent after a paragraph break,
    # full-width digits, empty and blank paragraphs, a lone line break
    "Ёлка\u00a0в Костанае_2025 —\u00a0ﬁnal.\n\n\u0301Айгюн Алиева и XI форум\n\n\n\n"
    "   \n\nВ Баку 24 ноября ２０２５ года 1,5 млн тенге.\nВторая строка: НПО «Луч».",
    "Aygün Əliyeva Qostanay-da. Bakı, 3 dekabr.\n\nSource: APA\n\n",
    "\n\nодно\n\nдва слова\n\nтри слова здесь и ещё несколько слов для шинглов",
    "",
    "___\n\n...!!!",
]


def plain(text: str) -> list[tuple[int, list[int], frozenset[str], int, str]]:
    """The fingerprint paragraph by paragraph, as it was computed before."""
    out = []
    for raw in text.split("\n\n"):
        raw = raw.strip()
        norm = normalize_text(raw) if raw else ""
        if not norm:
            continue
        words = norm.split()
        out.append((zlib.crc32(norm.encode("utf-8")) | (len(norm) << 32),
                    shingles(words).tolist(), frozenset(marks(raw)), len(words),
                    " ".join(words[:3])))
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_fingerprint_equals_paragraph_wise_normalisation(text: str) -> None:
    fp = fingerprint(text, title="Форум НПО в Астане")
    got = [(p.digest, p.shingles.tolist(), p.marks, p.words, p.start) for p in fp.paragraphs]
    assert got == plain(text)
    assert all(p.shingles.dtype == np.uint32 for p in fp.paragraphs)
    assert fp.title_marks == frozenset(marks("Форум НПО в Астане"))


def test_marks_cache_keeps_sentence_context() -> None:
    # the same word is a name inside a sentence and nothing at a sentence start,
    # whatever the cache learnt first
    assert marks("Слово Шамиль пришёл.") == marks("Слово Шамиль пришёл.")
    assert name_keys(marks("Пришёл Шамиль. Шамиль ушёл.")) == name_keys(marks("Пришёл Шамиль."))
    assert marks("Шамиль ушёл.") == set()
    assert marks("В XI веке НПО") == {"#11"} | marks("и НПО")


def name_keys(found: set[str]) -> set[str]:
    return {m for m in found if not m.startswith(("#", "d"))}


def reference_signature(values: np.ndarray) -> LeanMinHash:
    m = MinHash(num_perm=near_dup.NUM_PERM, seed=near_dup._SEED, hashfunc=lambda v: v,
                permutations=near_dup._PERMUTATIONS, scheme=near_dup._SCHEME)
    if len(values):
        m.update_batch(values.tolist())
    return LeanMinHash(m)


@pytest.mark.parametrize("size", [0, 1, 7, 500])
def test_signature_equals_datasketch(size: int) -> None:
    rng = np.random.default_rng(size)
    values = np.unique(rng.integers(0, 2**32, size, dtype=np.uint64).astype(np.uint32))
    if size:
        values[-1] = np.uint32(0xFFFFFFFF)  # the wraparound at the top of the range
    got, want = near_dup.signature(values), reference_signature(values)
    assert got == want
    assert got.hashvalues.dtype == want.hashvalues.dtype
    assert got.hashvalues.tolist() == want.hashvalues.tolist()


def test_lsh_bands_give_datasketchs_candidates() -> None:
    from datasketch import MinHashLSH

    rng = np.random.default_rng(3)
    ours = near_dup.Bands(*near_dup.BANDS)
    theirs = MinHashLSH(num_perm=near_dup.NUM_PERM, params=near_dup.BANDS)
    base = np.unique(rng.integers(0, 2**32, 300, dtype=np.uint64).astype(np.uint32))
    sigs = []
    for i in range(60):  # overlapping sets, so that bands collide
        keep = rng.random(len(base)) < 0.7
        sigs.append(near_dup.signature(np.unique(np.concatenate(
            [base[keep], rng.integers(0, 2**32, 20 + i, dtype=np.uint64).astype(np.uint32)]))))
    for i, sig in enumerate(sigs):
        assert ours.query(sig) == sorted(theirs.query(sig))
        ours.insert(i, sig)
        theirs.insert(i, sig, check_duplication=False)
        if i % 7 == 3:
            ours.remove(i - 2)
            theirs.remove(i - 2)
    assert len(ours) == len(theirs.keys)
    for sig in sigs:
        assert ours.query(sig) == sorted(theirs.query(sig))
        assert len(ours.query(sig)) > 0
    assert sum(len(t) for t in ours.tables) == sum(len(t._dict) for t in theirs.hashtables)
    with pytest.raises(ValueError):
        ours.insert(0, sigs[0])
    for i in range(60):
        ours.remove(i)
    assert not ours.keys and not any(ours.tables)  # nothing left behind


def test_signature_ignores_repeated_shingles() -> None:
    rng = np.random.default_rng(5)
    values = np.unique(rng.integers(0, 2**32, 200, dtype=np.uint64).astype(np.uint32))
    repeated = np.concatenate([values, values[::3], values[:10]])
    assert near_dup.signature(repeated).hashvalues.tolist() \
        == reference_signature(values).hashvalues.tolist()


@pytest.mark.parametrize("text", [*TEXTS,
    "один два три четыре\n\nодин два три четыре\n\nпять шесть",
    "одно слово\n\nещё два\n\nтри",
    "только один абзац из нескольких слов здесь"])
def test_one_pass_shingles_equal_paragraph_by_paragraph(text: str) -> None:
    fp = fingerprint(text)
    normal = [normalize_text(raw) for raw in text.split("\n\n")]
    want = [shingles(n.split()).tolist() for n in normal if n]
    assert [p.shingles.tolist() for p in fp.paragraphs] == want
    every = [] if fp.every_shingle is None else fp.every_shingle.tolist()
    assert every == [v for p in want for v in p]
    assert fp.shingle_set().tolist() == sorted({v for p in want for v in p})
    if fp.paragraphs:  # leaving a paragraph out, then asking again (the cache)
        left = frozenset({fp.paragraphs[0].digest})
        rest = sorted({v for p in fp.paragraphs if p.digest not in left
                       for v in p.shingles.tolist()})
        assert fp.shingle_set(left).tolist() == rest
        assert fp.shingle_set(left).tolist() == rest
        assert sorted(set(fp.shingle_values(left).tolist())) == rest


@pytest.mark.parametrize("text", TEXTS)
def test_a_pickled_fingerprint_is_the_same_fingerprint(text: str) -> None:
    """A worker process sends the fingerprint back compactly (one shingle buffer)."""
    import pickle

    fp = fingerprint(text, title="Айгюн Алиева в Баку")
    back = pickle.loads(pickle.dumps(fp))
    assert [(p.digest, p.marks, p.words, p.start, p.shingles.dtype, p.shingles.tolist())
            for p in back.paragraphs] == [
        (p.digest, p.marks, p.words, p.start, p.shingles.dtype, p.shingles.tolist())
        for p in fp.paragraphs]
    assert back.title_marks == fp.title_marks
    assert back.every_shingle.tolist() == fp.every_shingle.tolist()
    assert back.shingle_set().tolist() == fp.shingle_set().tolist()
    assert near_dup.signature(back.shingle_values()).hashvalues.tolist() == \
        near_dup.signature(fp.shingle_values()).hashvalues.tolist()
