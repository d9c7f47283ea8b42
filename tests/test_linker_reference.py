"""The optimised linker decides exactly as the plain computations it replaces.

The fast paths (``pipelines.near_dup.Bands`` instead of datasketch's
``MinHashLSH``; the one-pass, cached shingle sets of ``Fingerprint``) must not
change a single decision.  A reference linker built from the plain parts —
datasketch's ``MinHashLSH`` for candidates (taken in key order, the order
``Bands`` answers in), every shingle set recomputed from the paragraphs — is run
next to the real one on the labelled pairs (tests/data/dedup_pairs.toml) and on
a stream of synthetic articles with planted reprints and template hard
negatives (benchmarks/bench_dedup.py's generator); every decision must be equal.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHashLSH

from pipelines import linking, near_dup
from pipelines.fingerprint import Fingerprint, fingerprint
from pipelines.linking import Decision, Linker, Stored

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_dedup
from evaluate_dedup import DEFAULT, load_articles, stored


class PlainFingerprint(Fingerprint):
    """Every shingle set worked out from the paragraphs, every time."""

    def shingle_set(self, templates=frozenset()) -> np.ndarray:
        parts = [p.shingles for p in self.kept(templates)]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint32)

    def shingle_values(self, templates=frozenset()) -> np.ndarray:
        return self.shingle_set(templates)


def plain_fingerprint(text: str, *, title: str | None = None) -> Fingerprint:
    fp = fingerprint(text, title=title)
    return PlainFingerprint(fp.paragraphs, fp.title_marks)


class DatasketchBands:
    """``Bands``' interface on datasketch's own ``MinHashLSH``."""

    def __init__(self) -> None:
        self.lsh = MinHashLSH(num_perm=near_dup.NUM_PERM, params=near_dup.BANDS)

    def insert(self, key: Hashable, sig: LeanMinHash) -> None:
        self.lsh.insert(key, sig)

    def query(self, sig: LeanMinHash) -> list[Hashable]:
        return sorted(self.lsh.query(sig))

    def remove(self, key: Hashable) -> None:
        if self.lsh.keys.has_key(key):
            self.lsh.remove(key)

    def __contains__(self, key: Hashable) -> bool:
        return self.lsh.keys.has_key(key)


def reference_linker(monkeypatch: pytest.MonkeyPatch) -> Linker:
    linker = Linker(lambda _first, _end: ())
    linker.near.lsh = DatasketchBands()
    monkeypatch.setattr(linking, "fingerprint", plain_fingerprint)
    return linker


def outcome(d: Decision) -> tuple:
    return (d.duplicate_of, d.similarity, d.replaces, d.replaced_similarity, d.story_id,
            d.kind, d.story_evidence)


def run_stream(linker: Linker, rows: list[Stored]) -> list[tuple]:
    out = []
    for key, row in enumerate(rows, 1):
        article = Stored(**{**row.__dict__, "id": None})
        decision = linker.decide(article)
        out.append(outcome(decision))
        article.id, article.duplicate_of = key, decision.duplicate_of
        article.story_id = decision.story_id or key
        linker.remember(article, decision)
    return out


def synthetic(n: int) -> list[Stored]:
    articles, _reprints, _pairs = bench_dedup.generate(bench_dedup.World(seed=11), n)
    return [Stored(id=None, source_id=a["source"], text="\n\n".join(a["paragraphs"]),
                   title=a["title"], published_at=a["when"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                   source_name=a["source"]) for a in articles]


def test_synthetic_stream_decided_as_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = synthetic(1200)
    fast = run_stream(Linker(lambda _first, _end: ()), rows)
    with monkeypatch.context() as m:
        plain = run_stream(reference_linker(m), rows)
    assert fast == plain
    assert sum(1 for o in fast if o[0] is not None) > 50  # reprints were linked
    assert sum(1 for o in fast if o[6] == "content") > 0  # and stories found by content


def test_labelled_pairs_decided_as_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    data = tomllib.loads(DEFAULT.read_text(encoding="utf-8"))
    articles = load_articles(data)
    pairs = [(p["a"], p["b"]) for p in data["pairs"]]
    assert len(pairs) >= 100

    def decide_all(make) -> list[tuple]:
        out = []
        for a, b in pairs:
            linker = make()
            first = stored(articles[a], 1)
            decision = linker.decide(first)
            first.story_id = 1
            linker.remember(first, decision)
            out.append(outcome(linker.decide(stored(articles[b], None))))
        return out

    fast = decide_all(lambda: Linker(lambda _first, _end: ()))
    with monkeypatch.context() as m:
        plain = decide_all(lambda: reference_linker(m))
    assert fast == plain
