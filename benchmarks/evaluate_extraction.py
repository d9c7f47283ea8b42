"""Extraction quality on the saved fixture pages: civmon vs raw trafilatura.

For every ``tests/fixtures/pages/<name>.json`` (+ ``.html``) it scores, the
trafilatura ``tests/evaldata.json`` way:

* phrases: a "must contain" phrase found is a true positive, missing a false
  negative; a "must not contain" phrase found is a false positive, missing a
  true negative -> precision, recall, F1;
* title accuracy (exact match), language accuracy (ISO 639-1);
* civmon only: attribution accuracy (attributed_to, state_supplied, supplier all exact).

The baseline is ``trafilatura.extract(html, url=..., with_metadata=True,
output_format="json")`` with py3langid on its text for the language.

Exits 1 when civmon falls below ``FLOORS`` (pinned at what it reaches; a
regression cannot pass silently).  ``--variants`` also scores civmon with other
trafilatura settings, which is how ``TRAFILATURA_OPTIONS`` was chosen.

    /work/venv/bin/python benchmarks/evaluate_extraction.py [--variants] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pages"

#: civmon must not fall below these (measured: every figure is 1.0 today).
FLOORS = {"precision": 1.0, "recall": 1.0, "title": 1.0, "language": 1.0, "attribution": 1.0}


@dataclass
class Fixture:
    name: str
    html: str
    spec: dict

    @property
    def fetched_at(self) -> datetime | None:
        raw = self.spec.get("fetched_at")
        return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


def load_fixtures(directory: Path = FIXTURES) -> list[Fixture]:
    """Every fixture, its page decoded with the charset it was served in."""
    out = []
    for spec_path in sorted(directory.glob("*.json")):
        spec = json.loads(spec_path.read_text("utf-8"))
        raw = spec_path.with_suffix(".html").read_bytes()
        out.append(Fixture(spec_path.stem, raw.decode(spec.get("encoding") or "utf-8"), spec))
    return out


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    titles: int = 0
    languages: int = 0
    attributions: int = 0
    pages: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, fx: Fixture, *, text: str, title: str | None, language: str | None,
            attribution: tuple | None = None) -> None:
        self.pages += 1
        for phrase in fx.spec["must_contain"]:
            if phrase in text:
                self.tp += 1
            else:
                self.fn += 1
                self.misses.append(f"{fx.name}: missing {phrase!r}")
        for phrase in fx.spec["must_not_contain"]:
            if phrase in text:
                self.fp += 1
                self.misses.append(f"{fx.name}: leaked {phrase!r}")
            else:
                self.tn += 1
        if title == fx.spec["title"]:
            self.titles += 1
        else:
            self.misses.append(f"{fx.name}: title {title!r}")
        if language == fx.spec["language"]:
            self.languages += 1
        else:
            self.misses.append(f"{fx.name}: language {language!r}")
        if attribution is not None:
            want = (fx.spec.get("attributed_to"), fx.spec.get("state_supplied", False),
                    fx.spec.get("supplier"))
            if attribution == want:
                self.attributions += 1
            else:
                self.misses.append(f"{fx.name}: attribution {attribution!r} != {want!r}")

    def figures(self) -> dict[str, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        n = self.pages or 1
        decided = max(1, self.tp + self.tn + self.fp + self.fn)
        return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
                "accuracy": round((self.tp + self.tn) / decided, 3),
                "title": round(self.titles / n, 3), "language": round(self.languages / n, 3),
                "attribution": round(self.attributions / n, 3), "pages": self.pages}


def evaluate_civmon(fixtures: list[Fixture]) -> Score:
    from pipelines.extract import extract_article

    score = Score()
    for fx in fixtures:
        art = extract_article(fx.html, url=fx.spec["url"], source=fx.spec["source"],
                              fetched_at=fx.fetched_at)
        score.add(fx, text=art.text, title=art.title, language=art.language,
                  attribution=(art.attributed_to, art.state_supplied, art.supplier))
    return score


def evaluate_trafilatura(fixtures: list[Fixture]) -> Score:
    import py3langid
    import trafilatura

    score = Score()
    for fx in fixtures:
        out = trafilatura.extract(fx.html, url=fx.spec["url"], with_metadata=True,
                                  output_format="json")
        data = json.loads(out) if out else {}
        text = data.get("text") or ""
        language = py3langid.classify(text)[0] if text else None
        score.add(fx, text=text, title=data.get("title"), language=language)
    return score


def evaluate_variants(fixtures: list[Fixture]) -> dict[str, dict[str, float]]:
    """civmon with other trafilatura settings (pages without a body selector decide)."""
    from pipelines.sites import base

    saved = dict(base.TRAFILATURA_OPTIONS)
    variants = {
        "default": {"favor_precision": False, "fast": False},
        "favor_precision": {"favor_precision": True, "fast": False},
        "favor_precision+fast": {"favor_precision": True, "fast": True},
        "fast": {"favor_precision": False, "fast": True},
        "favor_recall": {"favor_precision": False, "favor_recall": True, "fast": False},
    }
    results = {}
    try:
        for name, opts in variants.items():
            base.TRAFILATURA_OPTIONS.clear()
            base.TRAFILATURA_OPTIONS.update({**saved, "favor_recall": False, **opts})
            evaluate_civmon(fixtures)                      # warm-up
            started = time.perf_counter()
            results[name] = evaluate_civmon(fixtures).figures()
            results[name]["ms"] = 1000 * (time.perf_counter() - started) / len(fixtures)
    finally:
        base.TRAFILATURA_OPTIONS.clear()
        base.TRAFILATURA_OPTIONS.update(saved)
    return results


def below_floors(figures: dict[str, float]) -> list[str]:
    return [f"{k} {figures[k]} < floor {v}" for k, v in FLOORS.items() if figures[k] < v]


def _row(name: str, f: dict[str, float]) -> str:
    return (f"{name:<24} {f['precision']:>9.3f} {f['recall']:>7.3f} {f['f1']:>6.3f} "
            f"{f['title']:>6.3f} {f['language']:>6.3f} {f.get('attribution', 0):>6.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", action="store_true", help="also score trafilatura settings")
    parser.add_argument("--verbose", action="store_true", help="list every miss and leak")
    args = parser.parse_args(argv)
    fixtures = load_fixtures()
    civmon = evaluate_civmon(fixtures)
    baseline = evaluate_trafilatura(fixtures)
    print(f"{len(fixtures)} fixture pages ({FIXTURES.relative_to(ROOT)})")
    header = ("", "precision", "recall", "F1", "title", "lang", "attrib")
    print("{:<24} {:>9} {:>7} {:>6} {:>6} {:>6} {:>6}".format(*header))
    print(_row("civmon", civmon.figures()))
    print(_row("trafilatura (baseline)", baseline.figures()))
    if args.variants:
        print("\ncivmon with trafilatura settings:")
        for name, figures in evaluate_variants(fixtures).items():
            print(_row(f"  {name}", figures) + f"  {figures['ms']:.1f} ms/page")
    if args.verbose:
        for label, score in (("civmon", civmon), ("trafilatura", baseline)):
            print(f"\n{label}: {len(score.misses)} misses")
            for miss in score.misses:
                print("  " + miss)
    failed = below_floors(civmon.figures())
    for line in failed:
        print(f"FAIL: civmon {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
