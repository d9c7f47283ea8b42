"""Evaluate reprint links, stories and canonical URLs on the labelled pairs.

    python benchmarks/evaluate_dedup.py [tests/data/dedup_pairs.toml]

For every pair the first article is stored, then the second is decided by the
same ``pipelines.linking.Linker`` the store uses (an empty window otherwise):
"link" = the second is linked as a copy of the first (or displaces it as the
original), "story" = it gets the first one's story.  URL pairs compare
``pipelines.dedup.canonical_url``.  Prints precision, recall and false merges
(wrong "same" answers / all "same" answers) per decision and per pair kind,
and a word-overlap baseline for stories (Jaccard of word sets at the cut that
maximises F1) measured on the same pairs.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.dedup import canonical_url  # noqa: E402
from pipelines.linking import Linker, Stored  # noqa: E402

DEFAULT = ROOT / "tests" / "data" / "dedup_pairs.toml"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, said: bool) -> None:
        if truth and said:
            self.tp += 1
        elif said:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def false_merges(self) -> float:
        """Share of wrong answers among the "same" answers."""
        return 1.0 - self.precision

    def line(self, name: str) -> str:
        return (f"{name:<10} pairs {self.tp + self.fp + self.fn + self.tn:>3}  precision "
                f"{self.precision:.3f}  recall {self.recall:.3f}  false merges "
                f"{self.false_merges:.3f} ({self.fp} of {self.tp + self.fp})")


def load_articles(data: dict) -> dict[str, dict]:
    articles = {k: dict(v, key=k) for k, v in data["articles"].items()}
    for edit in data.get("edits", []):
        base = articles[edit["of"]]
        paragraphs = base["text"].split("\n\n")
        paragraphs = [p for i, p in enumerate(paragraphs) if i not in set(edit.get("drop", ()))]
        if "lead" in edit:
            paragraphs.insert(0, edit["lead"])
        for extra in ("tail", "credit"):
            if extra in edit:
                paragraphs.append(edit[extra])
        articles[edit["key"]] = dict(
            base, key=edit["key"], source=edit["source"], published=edit["published"],
            title=edit.get("title", base["title"]), text="\n\n".join(paragraphs),
            attributed_to=edit.get("attributed_to"))
    return articles


def stored(article: dict, key: int | None) -> Stored:
    return Stored(id=key, source_id=article["source"], text=article["text"],
                  title=article["title"], published_at=article["published"],
                  fetched_at=article["published"], source_name=article["source"],
                  attributed_to=article.get("attributed_to"))


def decide(a: dict, b: dict) -> tuple[bool, bool]:
    linker = Linker(lambda _first, _end: ())
    first = stored(a, 1)
    decision = linker.decide(first)
    first.story_id = 1
    linker.remember(first, decision)
    second = linker.decide(stored(b, None))
    linked = second.duplicate_of == 1 or second.replaces == 1
    return linked, second.story_id == 1


_WORDS = re.compile(r"\w+")


def word_jaccard(a: dict, b: dict) -> float:
    wa = set(_WORDS.findall((a["title"] + " " + a["text"]).casefold()))
    wb = set(_WORDS.findall((b["title"] + " " + b["text"]).casefold()))
    return len(wa & wb) / len(wa | wb)


def evaluate(path: Path = DEFAULT) -> dict[str, Score]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    articles = load_articles(data)
    scores: dict[str, Score] = {"links": Score(), "stories": Score(), "urls": Score()}
    for pair in data["pairs"]:
        linked, same_story = decide(articles[pair["a"]], articles[pair["b"]])
        scores["links"].add(pair["link"], linked)
        scores["stories"].add(pair["story"], same_story)
        for name, truth, said in (("link", pair["link"], linked),
                                  ("story", pair["story"], same_story)):
            scores.setdefault(f"{pair['kind']}/{name}", Score()).add(truth, said)
    for pair in data["urls"]:
        a = canonical_url(pair["a"])
        b = canonical_url(pair["b"], declared=pair.get("b_declared"))
        scores["urls"].add(pair["same"], a == b)
    # baseline: the word-overlap cut with the best F1 on these very pairs
    values = [(word_jaccard(articles[p["a"]], articles[p["b"]]), p["story"])
              for p in data["pairs"]]
    best = None
    for cut in sorted({v for v, _ in values}):
        s = Score()
        for v, truth in values:
            s.add(truth, v >= cut)
        f1 = 2 * s.precision * s.recall / (s.precision + s.recall or 1)
        if best is None or f1 > best[0]:
            best = (f1, s)
    assert best is not None
    scores["baseline"] = best[1]
    return scores


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    scores = evaluate(path)
    total = sum(s.tp + s.fp + s.fn + s.tn for k, s in scores.items()
                if k in ("links", "urls"))
    print(f"{path.name}: {total} labelled pairs (article pairs + URL pairs)")
    for name in ("links", "stories", "urls"):
        print(scores[name].line(name))
    print(scores["baseline"].line("baseline") + "  <- word-overlap stories, best-F1 cut")
    print("by kind:")
    for name in sorted(k for k in scores if "/" in k):
        print("  " + scores[name].line(name))


if __name__ == "__main__":
    main()
