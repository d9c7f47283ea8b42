"""Links, stories and canonical URLs on the labelled pairs (tests/data/dedup_pairs.toml),
with floors pinned; plus the pieces: transliteration keys, marks, canonical links."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipelines.dedup import canonical_url
from pipelines.fingerprint import marks
from pipelines.translit import name_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from evaluate_dedup import evaluate


@pytest.fixture(scope="module")
def scores():
    return evaluate()


def test_the_labelled_set_is_large_enough(scores) -> None:
    pairs = sum(s.tp + s.fp + s.fn + s.tn for k, s in scores.items() if k in ("links", "urls"))
    assert pairs >= 150
    for kind in ("reprint", "template", "retold", "edition", "topic"):
        assert scores[f"{kind}/link"].tp + scores[f"{kind}/link"].tn >= 10, kind


def test_link_floors(scores) -> None:
    assert scores["links"].precision == 1.0
    assert scores["links"].recall >= 0.95
    assert scores["template/link"].fp == 0  # hard negatives are never linked


def test_story_floors(scores) -> None:
    assert scores["stories"].false_merges <= 0.03
    assert scores["stories"].recall >= 0.8
    assert scores["edition/story"].recall >= 0.8  # across languages
    # the word-overlap baseline merges far more unrelated events
    assert scores["baseline"].false_merges > scores["stories"].false_merges + 0.1


def test_url_floors(scores) -> None:
    assert scores["urls"].precision == 1.0 and scores["urls"].recall >= 0.95


@pytest.mark.parametrize(("a", "b"), [
    ("Айгюн", "Aygün"), ("Алиева", "Əliyeva"), ("Костанай", "Qostanay"),
    ("Костанае", "Kostanay"), ("Мамедов", "Məmmədov"), ("Азербайджан", "Azərbaycan"),
    ("Джалилов", "Cəlilov"), ("Хаджиев", "Xacıyev"), ("Шамиль", "Şamil"),
    ("Спанова", "Spanov"), ("Ерлан", "Yerlan"), ("Кәкенов", "Какенов"),
])
def test_name_keys_match_across_alphabets(a: str, b: str) -> None:
    assert name_key(a) == name_key(b) != ""


def test_name_keys_keep_different_names_apart() -> None:
    assert len({name_key(w) for w in ("Алиева", "Гулиев", "Спанов", "Какенов", "Баку")}) == 5


def test_marks_are_the_distinctive_part() -> None:
    found = marks("В Костанае прошёл XI Гражданский форум 11 августа. Было 1,2 млрд тенге, "
                  "выступила Айгюн Алиева.")
    assert {"#11", "d11.08", "#1.2", name_key("Костанай"), name_key("Алиева")} <= found
    assert name_key("Было") not in found  # a sentence starts with a capital, names do not


@pytest.mark.parametrize(("url", "declared", "expected"), [
    # the page's canonical link on the same site wins (m./www. hosts are the site)
    ("https://m.ex.kz/amp/news/1", "https://ex.kz/news/1", "https://ex.kz/news/1"),
    ("https://ex.kz/news/1?print=1", "/news/1", "https://ex.kz/news/1"),
    # another site, or the home page put in every page's canonical link: ignored
    ("https://ex.kz/news/1", "https://other.kz/news/1", "https://ex.kz/news/1"),
    ("https://ex.kz/news/1", "https://ex.kz/", "https://ex.kz/news/1"),
    ("https://ex.kz/news/1", "javascript:void(0)", "https://ex.kz/news/1"),
    # w3lib: percent-encoding case, parameter order, fragments
    ("https://ex.kz/%d0%b3?b=1&a=2#top", None, "https://ex.kz/%D0%B3?a=2&b=1"),
])
def test_canonical_url_honours_same_site_canonical_links(url, declared, expected) -> None:
    assert canonical_url(url, declared=declared) == expected
