"""Who supplied an article's text: the outlet it is credited to, and state supply.

* ``attributed_to`` — the outlet a text names as its origin: "сообщает АЗЕРТАДЖ",
  "Как сообщает Report", "По сообщению сайта Tengrinews", "Источник: Kazinform",
  "передает корреспондент 7152.kz", an agency dateline "Баку, 24 ноября, АЗЕРТАДЖ".
  Spellings are mapped to one canonical name (``[outlets]`` in the rules), so
  syndicated copies of one story agree.
* ``state_supplied`` / ``supplier`` — the text was supplied or paid for
  (sponsored): "Материал предоставлен акиматом Костанайской области",
  "госинформзаказ", "На правах рекламы".  Researchers of state–NGO relations
  filter on exactly this.

Rules are data: ``pipelines/rules/attribution.toml``.  A paragraph that is
nothing but a credit ("По сообщению сайта Tengrinews") is reported in
``credit_lines`` so that extraction can move it out of the text.  Reads no settings.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

#: An outlet the alias table does not know: a domain ("7152.kz") or a «quoted» name.
#: Bare capitalised words are NOT accepted: "according to Aliyev" is no attribution.
_GENERIC_OUTLET = (r"[\w-]+(?:\.[\w-]+)*\.(?:kz|az|uz|kg|tj|ru|com|org|net|info|tv|media)\b"
                   r"|«[^»\n]{2,60}»")
_INLINE_ZONE = 3   # inline credits count in the first paragraphs ("..., сообщает X.")


@dataclass
class Attribution:
    attributed_to: str | None = None
    state_supplied: bool = False
    supplier: str | None = None
    credit_lines: list[str] = field(default_factory=list)
    """Paragraphs that are only a credit; extraction removes them from the text."""
    evidence: list[str] = field(default_factory=list)
    """The matched phrases, for ``explain``."""


_Table = tuple[str, tuple[str, ...], tuple[re.Pattern[str], ...]]
_EDGE = 3          # credits sit in the first or the last paragraphs


@dataclass(frozen=True)
class _Rules:
    credits: tuple[_Table, ...]
    sponsored: tuple[_Table, ...]
    canonical: dict[str, str]
    nominative: dict[str, str]
    triggers: re.Pattern[str] = re.compile(r"(?!)")
    """Every table's trigger words (case-folded) as one alternation: ``mentions_credit``
    asks it once per line instead of testing each word in turn."""
    loose_triggers: re.Pattern[str] = re.compile(r"(?!)")
    """The same with any run of white space where a trigger has a space: it matches
    text whose white space is not collapsed yet (``may_mention_credit``)."""


@lru_cache(maxsize=1)
def load_rules() -> _Rules:
    raw = resources.files("pipelines").joinpath("rules/attribution.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    canonical = {}
    for name, spellings in data["outlets"].items():
        for spelling in (name, *spellings):
            canonical[spelling] = name
            canonical[spelling.casefold()] = name
    aliases = sorted({s for s in canonical if s == s.strip()}, key=len, reverse=True)
    alias_rx = "|".join(re.escape(a) + (r"\b" if a[-1].isalnum() else "") for a in aliases)
    name_rx = rf"(?P<who>(?-i:{alias_rx})|{_GENERIC_OUTLET})"

    def compile_all(tables) -> tuple[_Table, ...]:
        return tuple(
            (t["name"], tuple(w.casefold() for w in t["triggers"]),
             tuple(re.compile(p.replace("{NAME}", name_rx), re.I) for p in t["patterns"]))
            for t in tables)

    credits, sponsored = compile_all(data["credits"]), compile_all(data["sponsored"])
    words = sorted({t for _, triggers, _ in (*credits, *sponsored) for t in triggers},
                   key=len, reverse=True)
    never = re.compile(r"(?!)")
    triggers = re.compile("|".join(map(re.escape, words))) if words else never
    loose = re.compile("|".join(r"\s+".join(map(re.escape, w.split(" "))) for w in words)
                       ) if words else never
    return _Rules(credits, sponsored, canonical, dict(data["nominative"]), triggers, loose)


def canonical_outlet(name: str) -> str:
    rules = load_rules()
    name = name.strip().strip(".,;:")
    return rules.canonical.get(name) or rules.canonical.get(name.casefold()) or name.strip("«»")


def _supplier(raw: str | None) -> str | None:
    if not raw:
        return None
    nominative = load_rules().nominative
    words = raw.strip().rstrip(".,;:").split()
    for i in {0, len(words) - 1}:
        words[i] = nominative.get(words[i], nominative.get(words[i].casefold(), words[i]))
    return " ".join(words)


def _search(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    """The first of ``patterns`` that matches ``text``."""
    return next((m for rx in patterns if (m := rx.search(text))), None)


def _first_match(tables: tuple[_Table, ...], para: str, low: str):
    for name, triggers, patterns in tables:
        if triggers and not any(t in low for t in triggers):
            continue
        m = _search(patterns, para)
        if m:
            return name, m
    return None


def _is_whole(m: re.Match[str], para: str) -> bool:
    """True when the match covers the whole paragraph (a credit line)."""
    tail = para[m.end():].strip(" .;:!»\"")
    head = para[: m.start()].strip(" —-–•")
    return not head and not tail


def may_mention_credit(text: str) -> bool:
    """False only when no part of ``text``, its white space collapsed, can pass
    ``mentions_credit``: a cheap test of a whole page or a block before its text is
    normalised."""
    return load_rules().loose_triggers.search(text.casefold()) is not None


def mentions_credit(line: str) -> bool:
    """Cheap pre-check: does ``line`` contain a trigger word of any rule table?"""
    return load_rules().triggers.search(line.casefold()) is not None


def find_attribution(paragraphs: list[str], page_lines: list[str] = ()) -> Attribution:
    """Attribution of an article given as cleaned paragraphs.

    ``page_lines`` are short blocks printed next to the article but outside the
    extracted text (``<p class="supplied">Материал предоставлен ...</p>`` after
    ``</article>``); only whole-line credits among them count.
    """
    rules = load_rules()
    out = Attribution()
    page_lines = [line for line in page_lines if line not in paragraphs]
    for line in page_lines:
        low = line.casefold()
        hit = _first_match(rules.sponsored, line, low)
        if hit is not None and _is_whole(hit[1], line):
            out.state_supplied = True
            out.supplier = out.supplier or _supplier(hit[1].groupdict().get("supplier"))
            out.evidence.append(f"{hit[0]} (next to the text): {hit[1].group(0)!r}")
    page_credit = None
    for line in page_lines:
        low = line.casefold()
        for name, triggers, patterns in rules.credits:
            if name == "dateline" or not any(t in low for t in triggers):
                continue
            m = _search(patterns, line)
            if m is not None and _is_whole(m, line):
                page_credit = page_credit or canonical_outlet(m.group("who"))
                out.evidence.append(f"{name} (next to the text): {m.group(0)!r}")
                break
    line_credit: str | None = None
    inline_credit: str | None = None
    last = len(paragraphs) - _EDGE
    for i, para in enumerate(paragraphs):
        low = para.casefold()
        hit = _first_match(rules.sponsored, para, low)
        if hit is not None:
            name, m = hit
            out.state_supplied = True
            supplier = _supplier(m.groupdict().get("supplier"))
            if supplier and not out.supplier:
                out.supplier = supplier
            out.evidence.append(f"{name}: {m.group(0)!r}")
            if _is_whole(m, para) and para not in out.credit_lines:
                out.credit_lines.append(para)
        if _EDGE <= i < last:
            continue
        for name, triggers, patterns in rules.credits:
            if name == "dateline" and i > 0:
                continue
            if triggers and not any(t in low for t in triggers):
                continue
            m = _search(patterns, para)
            if m is None:
                continue
            who = canonical_outlet(m.group("who"))
            if _is_whole(m, para):
                line_credit = line_credit or who
                if para not in out.credit_lines:
                    out.credit_lines.append(para)
            elif i < _INLINE_ZONE or name == "dateline":
                inline_credit = inline_credit or who
            else:
                continue
            out.evidence.append(f"{name}: {m.group(0)!r}")
            break
    # A credit line ("Источник: Kazinform") is the explicit statement; an inline
    # "сообщает X" in the lead is the next best.
    out.attributed_to = line_credit or page_credit or inline_credit
    return out
