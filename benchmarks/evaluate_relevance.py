"""Relevance quality on the labelled set: precision, recall, per language, confusions.

The set is ``tests/data/relevance_set/<lang>.toml`` (articles written for it, with
the traps of ``pipelines/rules/relevance/traps.toml`` among the negatives; see its
README) plus every article of the sample web (``crawler/sampleweb/content/``,
labelled ``relevant`` there, body as served).  For each article it runs
``pipelines.relevance.classify(title, text, language=...)`` and prints

* precision, recall and F1 overall and per language, with the counts;
* the confusion list: every false positive and false negative with its score and
  the terms that counted;
* traps: how many trap articles there are per trap, and any counted as relevant;
* tags: expected regions / organisations (``regions = [...]``) that were missed.

Exits 1 when a figure falls below ``FLOORS`` (tests/test_relevance_eval.py pins
the same), a trap article is relevant, or an expected tag is missing.

    python benchmarks/evaluate_relevance.py [--verbose]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SET_DIR = ROOT / "tests" / "data" / "relevance_set"
sys.path.insert(0, str(ROOT))

from pipelines.relevance import Classification, classify  # noqa: E402

FLOORS = {"precision": 0.97, "recall": 0.97, "language_precision": 0.93,
          "language_recall": 0.93}


@dataclass(frozen=True)
class Labelled:
    id: str
    language: str
    relevant: bool
    title: str
    text: str
    trap: str | None = None
    regions: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()


def load_set() -> list[Labelled]:
    """The written articles and the sample web's, in a stable order."""
    out: list[Labelled] = []
    seen: set[str] = set()
    for path in sorted(SET_DIR.glob("*.toml")):
        lang = path.stem
        for e in tomllib.loads(path.read_text("utf-8"))["articles"]:
            if e["id"] in seen:
                raise ValueError(f"{path.name}: duplicate id {e['id']}")
            seen.add(e["id"])
            out.append(Labelled(e["id"], lang, e["relevant"], e["title"], e["text"],
                                e.get("trap"), tuple(e.get("regions", ())),
                                tuple(e.get("organisations", ()))))
    from crawler.sampleweb.content import load_articles

    for arts in load_articles().values():
        for a in arts:
            text = "\n\n".join(([a.lead] if a.lead else []) + a.paragraphs)
            out.append(Labelled(f"sampleweb:{a.ref}", a.language, a.relevant, a.title, text))
    return out


@dataclass
class Result:
    item: Labelled
    got: Classification

    @property
    def ok(self) -> bool:
        return self.got.relevant == self.item.relevant


def run(items: list[Labelled]) -> list[Result]:
    return [Result(it, classify(it.title, it.text, language=it.language)) for it in items]


def _prf(results: list[Result]) -> dict[str, float]:
    tp = sum(r.got.relevant and r.item.relevant for r in results)
    fp = sum(r.got.relevant and not r.item.relevant for r in results)
    fn = sum(not r.got.relevant and r.item.relevant for r in results)
    p = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    return {"n": len(results), "relevant": sum(r.item.relevant for r in results),
            "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": rc, "f1": f1}


def figures(results: list[Result]) -> dict[str, dict[str, float]]:
    by_lang: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_lang[r.item.language].append(r)
    out = {"all": _prf(results)}
    out.update({lang: _prf(rs) for lang, rs in sorted(by_lang.items())})
    return out


def trap_failures(results: list[Result]) -> list[Result]:
    return [r for r in results if r.item.trap and r.got.relevant]


def tag_misses(results: list[Result]) -> list[str]:
    misses = []
    for r in results:
        regions = {t.id for t in r.got.regions}
        orgs = {t.id for t in r.got.organisations}
        misses += [f"{r.item.id}: region {x}" for x in r.item.regions if x not in regions]
        misses += [f"{r.item.id}: organisation {x}" for x in r.item.organisations
                   if x not in orgs]
    return misses


def below_floors(figs: dict[str, dict[str, float]]) -> list[str]:
    bad = [f"{k} {figs['all'][k]:.3f} < {FLOORS[k]}" for k in ("precision", "recall")
           if figs["all"][k] < FLOORS[k]]
    for lang, f in figs.items():
        if lang == "all":
            continue
        for k in ("precision", "recall"):
            if f[k] < FLOORS[f"language_{k}"]:
                bad.append(f"{lang} {k} {f[k]:.3f} < {FLOORS[f'language_{k}']}")
    return bad


def _terms(c: Classification) -> str:
    return ", ".join(f"{t.term}:{t.text!r}" for t in c.terms[:6]) or "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verbose", action="store_true", help="list every article")
    args = ap.parse_args(argv)
    items = load_set()
    results = run(items)
    figs = figures(results)
    print(f"{'lang':<6}{'n':>5}{'rel':>5}{'tp':>5}{'fp':>5}{'fn':>5}"
          f"{'precision':>11}{'recall':>8}{'f1':>7}")
    for lang, f in figs.items():
        print(f"{lang:<6}{f['n']:>5}{f['relevant']:>5}{f['tp']:>5}{f['fp']:>5}{f['fn']:>5}"
              f"{f['precision']:>11.3f}{f['recall']:>8.3f}{f['f1']:>7.3f}")
    traps = Counter(it.trap for it in items if it.trap)
    print("\ntraps (articles):", ", ".join(f"{k} {v}" for k, v in sorted(traps.items())))
    print("\nconfusions:")
    for r in results:
        if not r.ok or args.verbose:
            kind = "ok" if r.ok else ("FP" if r.got.relevant else "FN")
            print(f"  {kind} {r.item.id} [{r.item.language}] score {r.got.score}: "
                  f"{r.item.title[:70]}  | {_terms(r.got)}"
                  + (f" | traps {','.join(r.got.traps)}" if r.got.traps else ""))
    bad = below_floors(figs)
    bad += [f"trap counted: {r.item.id} ({r.item.trap})" for r in trap_failures(results)]
    bad += [f"tag missing: {m}" for m in tag_misses(results)]
    for b in bad:
        print("FAIL", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
