"""What a page holds, read before extraction: the article's paragraphs and its container.

Two decisions in ``pipelines.sites.base`` rest on this evidence rather than on a
single length threshold:

* **pruning**: a prune rule never removes the element that holds the article
  (the container of most of the page's prose paragraphs, or an ancestor of it or
  of the headline) — class words such as ``entry-content no-share``,
  ``docked-sharebar-content`` or ``live-match-comments`` match share / comment
  rules but hold the article;
* **the extraction cascade**: the precise trafilatura pass is kept when it holds
  the page's prose paragraphs; otherwise a recall pass runs and the pass that
  covers more of those paragraphs wins (``choose_pass``).

A *prose paragraph* is a <p>, or a text run between <br> in a <td>/<div>, of at
least ``PROSE_CHARS`` characters with sentence punctuation and little linked
text, outside nav/aside/footer and widget containers.  Reads no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.sites import meta

#: Shorter runs are captions, labels and teasers, not evidence of article text.
PROSE_CHARS = 80
#: The precise pass is kept without a second pass when it holds this share of the
#: page's prose (its misses are then asides, not the article).
KEEP_PRECISE = 0.8
#: The recall pass wins when it covers this much more of the page's prose.
RECALL_GAIN = 0.15
_WS = re.compile(r"\s+")
_SENTENCE = re.compile(r"[.!?…;:»\"”)]\s|[.!?…»\"”)]$|[。！？]")


@dataclass
class PageEvidence:
    paragraphs: list[str] = field(default_factory=list)
    """Prose paragraphs of the page, whitespace collapsed, in page order."""
    core: object | None = None
    """The element holding the most prose (None when the page has none)."""

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)

    def covered(self, text: str) -> int:
        """Characters of prose paragraphs that ``text`` holds (by a 60-character probe)."""
        probe = _WS.sub(" ", text)
        return sum(len(p) for p in self.paragraphs if _key(p) in probe)


def _key(paragraph: str) -> str:
    # the middle of a paragraph: its start may carry a dateline or a drop cap
    mid = len(paragraph) // 2
    return paragraph[max(0, mid - 30): mid + 30]


def _linked_share(el) -> float:
    total = len(el.text_content())
    if not total:
        return 0.0
    return sum(len(a.text_content()) for a in el.iter("a")) / total


def read_evidence(tree) -> PageEvidence:
    """The page's prose paragraphs and the element holding most of them."""
    ev = PageEvidence()
    body = tree.find("body")
    if body is None:
        return ev
    score: dict[object, int] = {}
    for el in body.iter("p", "td", "div"):
        if el.tag == "p":
            runs = [el.text_content()]
        else:
            # old table layouts print paragraphs as text between <br> in one cell
            if el.find("br") is None:
                continue
            runs = _br_runs(el)
        for run in runs:
            text = _WS.sub(" ", run).strip()
            if len(text) < PROSE_CHARS or not _SENTENCE.search(text):
                continue
            if el.tag == "p" and _linked_share(el) > 0.5:
                continue
            if meta.in_foreign(el):
                continue
            ev.paragraphs.append(text)
            holder = el.getparent() if el.tag == "p" else el
            if holder is not None:
                score[holder] = score.get(holder, 0) + len(text)
    if score:
        ev.core = max(score, key=score.__getitem__)
    return ev


def _br_runs(el) -> list[str]:
    """Text runs of ``el``'s own text and inline children, split at <br>."""
    runs, buf = [], [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):
            buf.append(child.tail or "")
            continue
        if child.tag == "br":
            runs.append("".join(buf))
            buf = [child.tail or ""]
        elif child.tag in ("a", "b", "strong", "i", "em", "span", "font", "u"):
            buf.append(child.text_content() + (child.tail or ""))
        else:
            runs.append("".join(buf))
            buf = [child.tail or ""]
    runs.append("".join(buf))
    return runs


def protected(ev: PageEvidence, title_el) -> set:
    """Elements a prune rule must not remove: the prose core, the headline and their
    ancestors (removing any of them removes the article)."""
    keep: set = set()
    for el in (ev.core, title_el):
        if el is not None:
            keep.add(el)
            keep.update(el.iterancestors())
    return keep


def choose_pass(ev: PageEvidence, precise: str, recall: str) -> tuple[str, str]:
    """(text, why) between the precise pass and the recall pass, by prose coverage."""
    total = ev.chars
    got_p, got_r = ev.covered(precise), ev.covered(recall)
    if not precise.strip():
        return recall, "precise pass empty"
    if not recall.strip():
        return precise, "recall pass empty"
    if total and got_r - got_p >= RECALL_GAIN * total:
        return recall, (f"recall pass holds {got_r * 100 // total}% of the page's prose, "
                        f"precise {got_p * 100 // total}%")
    if not total and len(recall) > 2 * len(precise) and len(precise) < 500:
        return recall, "no prose evidence; precise pass is a fragment"
    return precise, (f"precise pass holds {got_p * 100 // max(total, 1)}% of the page's prose"
                     if total else "no prose evidence against the precise pass")
