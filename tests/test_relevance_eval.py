"""The relevance evaluation's floors (benchmarks/evaluate_relevance.py) and the set's shape."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "evaluate_relevance.py"


@pytest.fixture(scope="module")
def evaluation():
    spec = importlib.util.spec_from_file_location("evaluate_relevance", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(evaluation):
    return evaluation.run(evaluation.load_set())


def test_the_labelled_set_has_the_required_shape(evaluation) -> None:
    items = evaluation.load_set()
    langs = Counter(it.language for it in items)
    assert len(items) >= 200
    assert set(langs) == {"ru", "kk", "az", "uz", "ky", "en"}
    assert langs["kk"] >= 20 and langs["az"] >= 20
    share = sum(it.relevant for it in items) / len(items)
    assert 0.4 <= share <= 0.6
    assert langs["ky"] >= 20 and langs["uz"] >= 20
    # Uzbek in Cyrillic script, relevant and not (read through the Latin lexicon)
    uz_cyrillic = [it for it in items if it.language == "uz" and re.search("[ўқғҳ]", it.text)]
    assert {True, False} <= {it.relevant for it in uz_cyrillic} and len(uz_cyrillic) >= 10
    # long articles of both labels (length normalisation, docs/relevance.md)
    long = [it for it in items if len(it.text) > 2000]
    assert sum(it.relevant for it in long) >= 3 and sum(not it.relevant for it in long) >= 3
    traps = tomllib.loads(resources.files("pipelines").joinpath(
        "rules/relevance/traps.toml").read_text("utf-8"))["traps"]
    missing = {t["id"] for t in traps} - {it.trap for it in items}
    assert not missing, f"no article exercises trap(s) {missing}"


def test_precision_and_recall_meet_the_floors(evaluation, results) -> None:
    figures = evaluation.figures(results)
    wrong = [(r.item.id, r.got.score) for r in results if not r.ok]
    assert evaluation.below_floors(figures) == [], wrong


def test_no_trap_article_is_counted(evaluation, results) -> None:
    assert [r.item.id for r in evaluation.trap_failures(results)] == []


def test_expected_regions_and_organisations_are_tagged(evaluation, results) -> None:
    assert evaluation.tag_misses(results) == []
