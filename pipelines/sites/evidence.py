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
  covers more of those paragraphs wins (``choose_pass``);
* **sub-headings**: an <h2>-<h6> of the prose core that sits between paragraphs
  the chosen text holds is put back in its place (``restore_headings``): the
  precise pass drops intertitles and FAQ questions, never boilerplate between
  two article paragraphs.

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
#: The recall pass wins when it covers this much more of the page's prose ...
RECALL_GAIN = 0.15
#: ... or when what it adds is at least this much prose.
EXTRA_PROSE = 0.5
#: Below this much prose on the page the evidence is too thin to skip the recall pass.
MIN_EVIDENCE = 400
_WS = re.compile(r"\s+")
_SENTENCE = re.compile(r"[.!?…;:»\"”)]\s|[.!?…»\"”)]$|[。！？]")


@dataclass
class PageEvidence:
    paragraphs: list[str] = field(default_factory=list)
    """Prose paragraphs of the page, whitespace collapsed, in page order."""
    core: object | None = None
    """The element holding the most prose (None when the page has none)."""
    holders: list = field(default_factory=list)
    """The element each of ``paragraphs`` is printed in (same order)."""

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)

    def covered(self, text: str) -> int:
        """Characters of prose paragraphs that ``text`` holds (by a 60-character probe)."""
        probe = _WS.sub(" ", text)
        return sum(len(p) for p in self.paragraphs if key_of(p) in probe)


def key_of(paragraph: str) -> str:
    """60 characters from the middle of a paragraph, to find it in a text (its start
    may carry a dateline or a drop cap)."""
    mid = len(paragraph) // 2
    return paragraph[max(0, mid - 30): mid + 30]


#: Elements whose own inline text may be a paragraph (a <div> or <td> holding text
#: between <br> is how old table layouts and many CMS editors print paragraphs).
_HOLDERS = ("p", "div", "td", "li", "dd", "blockquote", "section", "article", "font")
_INLINE = frozenset(("a", "b", "strong", "i", "em", "span", "font", "u", "sup", "sub", "q",
                     "abbr", "cite", "mark", "small", "time", "s", "ins", "del", "code"))


def read_evidence(tree) -> PageEvidence:
    """The page's prose paragraphs and the element holding most of them."""
    ev = PageEvidence()
    body = tree.find("body")
    if body is None:
        return ev
    score: dict[object, int] = {}
    foreign: dict[object, bool] = {}
    for el in body.iter(*_HOLDERS):
        if meta.in_foreign(el, memo=foreign):
            continue  # a widget's, a card's or a footer's runs are never prose evidence
        for text, linked in _inline_runs(el):
            text = _WS.sub(" ", text).strip()
            if len(text) < PROSE_CHARS or linked > len(text) / 2 or not _SENTENCE.search(text):
                continue
            ev.paragraphs.append(text)
            ev.holders.append(el)
            holder = el.getparent() if el.tag == "p" else el
            if holder is not None:
                score[holder] = score.get(holder, 0) + len(text)
    if score:
        ev.core = max(score, key=score.__getitem__)
    return ev


def _inline_runs(el) -> list[tuple[str, int]]:
    """(text, linked characters) of each run of ``el``'s own text and inline
    children, split at <br> and at block children."""
    runs: list[tuple[str, int]] = []
    buf, linked = [el.text or ""], 0
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag in _INLINE:
            inner = child.text_content()
            buf.append(inner)
            if tag == "a":
                linked += len(inner)
            elif child.find(".//a") is not None:
                linked += sum(len(a.text_content()) for a in child.iter("a"))
        elif tag is not None and tag not in ("script", "style", "noscript"):
            if any(b.strip() for b in buf):
                runs.append(("".join(buf), linked))
            buf, linked = [], 0
        buf.append(child.tail or "")
    if any(b.strip() for b in buf):
        runs.append(("".join(buf), linked))
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


def prose_share(text: str) -> float:
    """Share of ``text``'s characters in prose lines (long, with sentence punctuation)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    total = sum(len(ln) for ln in lines)
    prose = sum(len(ln) for ln in lines if len(ln) >= PROSE_CHARS and _SENTENCE.search(ln))
    return prose / total if total else 0.0


def _extra(precise: str, recall: str) -> str:
    """Lines of the recall pass the precise pass does not hold."""
    have = {ln.strip() for ln in precise.split("\n")}
    return "\n".join(ln for ln in recall.split("\n") if ln.strip() not in have)


def choose_pass(ev: PageEvidence, precise: str, recall: str) -> tuple[str, str]:
    """(text, why) between the precise pass and the recall pass.

    The recall pass wins when it holds clearly more of the page's prose
    paragraphs, or when it adds at least as much again as the precise pass
    holds and what it adds is mostly prose (not menus, lists of links or
    captions) without losing any prose the precise pass had.
    """
    total = ev.chars
    got_p, got_r = ev.covered(precise), ev.covered(recall)
    if not precise.strip():
        return recall, "precise pass empty"
    if not recall.strip():
        return precise, "recall pass empty"
    share = (lambda n: f"{n * 100 // total}%") if total else (lambda n: "n/a")
    if total and got_r - got_p >= RECALL_GAIN * total:
        return recall, (f"recall pass holds {share(got_r)} of the page's prose, "
                        f"precise {share(got_p)}")
    extra = _extra(precise, recall)
    if got_r >= got_p and len(extra) >= max(len(precise), 200):
        ratio = prose_share(extra)
        if ratio >= EXTRA_PROSE:
            return recall, (f"recall pass adds {len(extra)} characters, {ratio:.0%} of them "
                            f"prose, to the precise pass's {len(precise)}")
    return precise, f"precise pass holds {share(got_p)} of the page's prose"


def continued_chunks(ev: PageEvidence, text: str) -> tuple[str, int]:
    """``text`` with the prose of the article's *other chunks* put back in page order.

    Long reads are printed as several containers of one kind (the same tag and
    class as the prose core, "body__inner-container" between ads and images);
    trafilatura keeps the first and drops the rest.  Prose paragraphs inside such
    a same-kind container that ``text`` does not hold are inserted after the last
    paragraph before them that it holds.  Nothing else is added: a paragraph in a
    container of another kind (a teaser, a fact box, a comment) is not article
    evidence enough.
    """
    core = ev.core
    if core is None or not text or not core.get("class"):
        return text, 0
    kind = (core.tag, core.get("class"))
    own = set(core.iterancestors())
    chunks = [el for el in core.getroottree().iter(core.tag)
              if (el.tag, el.get("class")) == kind and el is not core and el not in own]
    if not chunks:
        return text, 0
    inside: set = set()
    for chunk in chunks:
        inside.update(chunk.iter())
    lines = text.split("\n")
    norm = [_WS.sub(" ", ln) for ln in lines]
    after: dict[int, list[str]] = {}
    last, added = -1, 0
    for para, holder in zip(ev.paragraphs, ev.holders, strict=True):
        key = key_of(para)
        at = next((i for i, ln in enumerate(norm) if key in ln), None)
        if at is not None:
            last = max(last, at)
        elif holder in inside:
            after.setdefault(last, []).append(para)
            added += 1
    if not added:
        return text, 0
    out = list(after.get(-1, ()))
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(after.get(i, ()))
    return "\n".join(out), added


_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
HEADING_MAX = 200


def _next_text(el):
    """The first following element (a sibling, else one of the parent's) with text."""
    for node in (el, el.getparent()):
        if node is None:
            break
        for sib in node.itersiblings():
            if isinstance(sib.tag, str) and len(sib.text_content().strip()) >= 40:
                return sib
    return None


def restore_headings(text: str, core) -> tuple[str, int]:
    """``text`` with the core's sub-headings put back between the paragraphs it holds."""
    from pipelines.cleanup import is_boilerplate

    if core is None or not text:
        return text, 0
    scope = core.getparent() if core.getparent() is not None else core
    lines = text.split("\n")
    norm = [_WS.sub(" ", ln).strip() for ln in lines]
    have = set(norm)
    inserted = 0
    for heading in scope.iter(*_HEADINGS):
        head = _WS.sub(" ", heading.text_content()).strip()
        if not head or len(head) > HEADING_MAX or head in have or is_boilerplate(head):
            continue
        after = _next_text(heading)
        if after is None:
            continue
        probe = _WS.sub(" ", after.text_content()).strip()[:40]
        # only between kept paragraphs: the line after must be held and not be the first
        at = next((i for i, ln in enumerate(norm) if ln.startswith(probe)), None)
        if not at:
            continue
        lines.insert(at, head)
        norm.insert(at, head)
        have.add(head)
        inserted += 1
    return "\n".join(lines), inserted
