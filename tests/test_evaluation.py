"""The extraction evaluation's floors (benchmarks/evaluate_extraction.py), without timing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "evaluate_extraction.py"


@pytest.fixture(scope="module")
def evaluation():
    spec = importlib.util.spec_from_file_location("evaluate_extraction", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_civmon_meets_the_pinned_floors(evaluation):
    score = evaluation.evaluate_civmon(evaluation.load_fixtures())
    figures = score.figures()
    assert figures["pages"] >= 27
    assert evaluation.below_floors(figures) == [], score.misses


def test_civmon_beats_raw_trafilatura_on_the_same_pages(evaluation):
    fixtures = evaluation.load_fixtures()
    civmon = evaluation.evaluate_civmon(fixtures).figures()
    baseline = evaluation.evaluate_trafilatura(fixtures).figures()
    assert civmon["precision"] > baseline["precision"]
    assert civmon["f1"] > baseline["f1"]
