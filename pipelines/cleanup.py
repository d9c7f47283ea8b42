"""Cleanup of extracted article text: boilerplate lines, broken words, whitespace.

Input is the text of one article, one paragraph per line (what trafilatura or a
selector gives).  Output is paragraphs separated by one blank line, with

* boilerplate removed by the data rules in ``pipelines/rules/cleanup.toml``
  (share / subscribe / "report a typo" lines, photo credits and captions, tag
  lines, "Читайте также", comment widgets, and everything after a footer marker);
* the header zone cleared: before the first real paragraph, repeats of the title,
  bare dates, meta lines and one- or two-word labels go (their dates are kept as
  raw strings for ``pipelines.dates``);
* words broken across lines or page breaks joined ("на-\\n\\n\\nправлении" ->
  "направлении") without joining real hyphenated words ("вице-министр",
  "Кызыл-Орда", "кое-что"), and paragraphs split by a page break re-joined.

Reads no settings; rules are loaded once per process.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

KINDS = ("drop_line", "strip", "cut_after")
DROP_MAX_CHARS = 400     # longer paragraphs are article text, never a drop_line match
CUT_MAX_CHARS = 60       # footer markers are headings
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# ZWNJ/ZWJ (U+200C/D) stay: Bengali, Persian and emoji sequences need them.
_INVISIBLE = re.compile(r"[\u00ad\u200b\u2060\ufeff]")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=\w) +([,.;:!?])(?=\s|$)")
# (?<!\w): only a word's first letter may start the match.  Without it, search() tried
# every position of a long run of letters, each running to the run's end: quadratic
# (a fuzzed page with a 1 MB attribute as text stalled cleanup for hours).
_HYPHEN_END = re.compile(r"(?<!\w)(\w+)[-\u2010\u00ac]$")
#: A run of letters longer than this is no word broken at a line end (not re-joined).
MAX_WORD_CHARS = 100
_HYPHENATED = re.compile(r"(?<!\w)(\w+)-(?=(\w+))")
_WORD_START = re.compile(r"^(\w+)")
_WORDS = re.compile(r"\w+(?:-\w+)*")
_SENTENCE_END = ".!?…:;»\"”)。！？"
_META_LINE = re.compile(
    r"^(дата|опубликовано|обновлено|published|updated|tarix|күні|жарияланған күні|публикация"
    r"|автор|категория|рубрика|раздел)\s*:", re.I)


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    langs: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass
class CleanupResult:
    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)
    """(rule name, removed paragraph) pairs, in text order."""
    dates: list[str] = field(default_factory=list)
    """Raw date strings found in removed header lines and date stamps."""
    dehyphenated: int = 0
    joined: int = 0

    def summary(self) -> str:
        counts = Counter(name for name, _ in self.removed)
        parts = [f"{n} {name}" for name, n in counts.items()]
        if self.dehyphenated:
            parts.append(f"{self.dehyphenated} words de-hyphenated")
        if self.joined:
            parts.append(f"{self.joined} broken paragraphs joined")
        return ", ".join(parts) if parts else "nothing removed"


@dataclass(frozen=True)
class _Rules:
    rules: tuple[Rule, ...]
    date_text: re.Pattern[str]
    keep_prefixes: frozenset[str]
    keep_suffixes: frozenset[str]


@lru_cache(maxsize=1)
def load_rules() -> _Rules:
    """Read ``pipelines/rules/cleanup.toml`` (packaged data) and compile it."""
    raw = resources.files("pipelines").joinpath("rules/cleanup.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    rules = []
    for entry in data["rules"]:
        if entry["kind"] not in KINDS:
            raise ValueError(f"cleanup.toml: rule {entry['name']!r}: bad kind {entry['kind']!r}")
        for pattern in entry["patterns"]:
            re.compile(pattern)  # fail at load, naming nothing half-compiled
        rules.append(Rule(entry["name"], entry["kind"], tuple(entry["langs"]),
                          tuple(entry["patterns"])))
    months = "|".join(data["dates"]["months"])
    relative = "|".join(data["dates"]["relative"])
    time = r"\d{1,2}:\d{2}"
    date_text = re.compile(
        rf"(?:{time},?\s*)?(?:{relative})(?:,?\s*(?:в\s*)?{time})?"
        rf"|(?:{time},?\s*)?\d{{1,2}}[\s-]+(?:{months})\w*\.?,?\s+\d{{4}}(?:\s*(?:г\.|года?|il|yil))?"
        rf"(?:[,\s•|в-]*\[?{time}\]?)?"
        rf"|(?:{months})\w*\s+\d{{1,2}},?\s+\d{{4}}(?:[,\s•|-]*{time})?"
        rf"|(?:{time},?\s*)?\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}(?:[,\s|-]*\[?{time}\]?)?"
        rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]{time}(?::\d{{2}})?)?",
        re.I)
    dh = data["dehyphenation"]
    return _Rules(tuple(rules), date_text,
                  frozenset(p.casefold() for p in dh["keep_prefixes"]),
                  frozenset(s.casefold() for s in dh["keep_suffixes"]))


@lru_cache(maxsize=32)
def _compiled(kind: str, langs: frozenset[str] | None) -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for rule in load_rules().rules:
        if rule.kind != kind:
            continue
        if langs is not None and "*" not in rule.langs and not langs.intersection(rule.langs):
            continue
        out.append((rule.name, re.compile("|".join(f"(?:{p})" for p in rule.patterns), re.I)))
    return tuple(out)


def is_boilerplate(line: str) -> bool:
    """True when a drop_line or cut_after rule would take this line (a heading to
    leave out of the text rather than restore)."""
    probe = line.strip(" .:!•-—–")
    return any(rx.fullmatch(probe) for kind in ("drop_line", "cut_after")
               for _name, rx in _compiled(kind, None))


def find_dates(text: str) -> list[str]:
    """Visible date strings in ``text`` ("17:11, Вчера", "11 августа 2023, 21:03")."""
    return [m.group(0).strip(" ,•|") for m in load_rules().date_text.finditer(text)]


def is_date_only(line: str) -> bool:
    stripped = line.strip(" ,.•|[]()")
    m = load_rules().date_text.fullmatch(stripped)
    return m is not None


def normalise_spaces(text: str) -> list[str]:
    """Lines with invisible characters removed and runs of spaces collapsed."""
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [_SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", line).strip())
            for line in text.split("\n")]


#: Scripts written without spaces between words (CJK, kana, Thai, Lao, Khmer, Myanmar).
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
                       r"\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words in ``text``; in scripts without spaces every two characters count as one
    (a Japanese paragraph is not a one-word label)."""
    return len(text.split()) + len(_UNSPACED.findall(text)) // 2


def _norm(s: str) -> str:
    return " ".join(_WORDS.findall(s.casefold()))


def clean_text(text: str, *, title: str | None = None,
               languages: frozenset[str] | None = None) -> CleanupResult:
    """Clean one article's text; ``languages`` limits the rules (None: all rules)."""
    result = CleanupResult(text="")
    paras = [p for p in normalise_spaces(text) if p]
    paras = _apply_rules(paras, languages, result)
    paras = _join_broken(paras, result)
    paras = _clear_header(paras, title, result)
    # A paragraph repeated verbatim (lead printed twice, caption = title) is kept once.
    seen: set[str] = set()
    unique = []
    for p in paras:
        key = _norm(p)
        if key in seen and len(key) > 0:
            result.removed.append(("duplicate", p))
            continue
        seen.add(key)
        unique.append(p)
    result.text = "\n\n".join(unique)
    return result


def _apply_rules(paras: list[str], languages: frozenset[str] | None,
                 result: CleanupResult) -> list[str]:
    drops = _compiled("drop_line", languages)
    strips = _compiled("strip", languages)
    cuts = _compiled("cut_after", languages)
    kept: list[str] = []
    seen_text = False
    for i, para in enumerate(paras):
        for name, rx in strips:
            new = rx.sub("", para).strip()
            if new != para:
                if name == "date_stamp":
                    result.dates.extend(find_dates(para[: len(para) - len(new)]))
                result.removed.append((name, para[: len(para) - len(new)].strip() or para))
                para = new
        if not para:
            continue
        probe = para.strip(" .:!•-—–")
        # Boilerplate lines are short: a long paragraph is never tried (and costs nothing).
        hit = None
        if len(probe) <= DROP_MAX_CHARS:
            hit = next((name for name, rx in drops if rx.fullmatch(probe)), None)
        if hit:
            result.removed.append((hit, para))
            continue
        cut = None
        if len(probe) <= CUT_MAX_CHARS:
            cut = next((name for name, rx in cuts if rx.fullmatch(probe)), None)
        if cut and seen_text:
            result.removed.extend((cut, p) for p in paras[i:])
            break
        if word_count(para) >= 8:
            seen_text = True
        kept.append(para)
    return kept


def _clear_header(paras: list[str], title: str | None, result: CleanupResult) -> list[str]:
    """Drop title repeats, dates, meta lines and labels before the first real paragraph."""
    ntitle = _norm(title) if title else ""
    out: list[str] = []
    in_header = True
    for para in paras:
        if in_header and word_count(para) >= 12:
            in_header = False
        if not in_header:
            out.append(para)
            continue
        npara = _norm(para)
        dates = find_dates(para)
        reason = None
        rest = npara[len(ntitle):].strip() if ntitle and npara.startswith(ntitle) else None
        if rest is not None and (not rest or rest == _norm(" ".join(dates))):
            reason = "title repeat"
        elif is_date_only(para):
            reason = "date line"
        elif _META_LINE.match(para):
            reason = "meta line"
        elif word_count(para) <= 2 and para[-1] not in _SENTENCE_END:
            reason = "label"
        if reason:
            result.removed.append((reason, para))
            result.dates.extend(dates)
        else:
            out.append(para)
    return out


def _join_broken(paras: list[str], result: CleanupResult) -> list[str]:
    """Re-join words and paragraphs broken by a line or page end.

    Linear in the text: a paragraph joined to the previous one is kept as a list of
    pieces (only the last piece's last word can take a hyphenated continuation), the
    hyphen is looked for in the last ``MAX_WORD_CHARS`` characters only, and the
    text's hyphenated spellings are indexed once (``_Spellings``).  Each of these was
    quadratic before: 4,000 short paragraphs took 9 s, a 16,000-letter run 2 s.
    """
    if len(paras) < 2:
        return paras
    rules = load_rules()
    spellings = _Spellings("\n".join(paras).casefold())
    out: list[list[str]] = [[paras[0]]]
    for para in paras[1:]:
        pieces = out[-1]
        last = pieces[-1]
        m_end = (_HYPHEN_END.search(last, max(0, len(last) - MAX_WORD_CHARS - 1))
                 if last[-1] in "-\u2010\u00ac" else None)
        m_start = _WORD_START.match(para)
        if m_end and m_start and not last.endswith((" -", " \u2010")):
            joined = _dehyphenate(m_end.group(1), m_start.group(1), spellings, rules)
            if joined is not None:
                pieces[-1] = last[: m_end.start()] + joined + para[m_start.end():]
                result.dehyphenated += 1
                continue
        open_end = (last[-1].isalpha() and last[-1].islower()) or last[-1] == ","
        if open_end and para[0].isalpha() and para[0].islower():
            pieces.append(para)          # a paragraph cut by a page break
            result.joined += 1
            continue
        out.append([para])
    return [" ".join(pieces) for pieces in out]


class _Spellings:
    """The hyphenated spellings of one casefolded text: does ``\bleft-right`` occur in
    it?  Indexed once (left word -> sorted following words); a lookup is a bisection,
    where a regex search per broken word scanned the whole text each time."""

    def __init__(self, full: str) -> None:
        self._full = full
        self._index: dict[str, list[str]] | None = None

    def has(self, left: str, right: str) -> bool:
        if self._index is None:
            index: dict[str, list[str]] = {}
            for m in _HYPHENATED.finditer(self._full):
                index.setdefault(m.group(1), []).append(m.group(2))
            self._index = {k: sorted(v) for k, v in index.items()}
        rights = self._index.get(left)
        if not rights:
            return False
        at = bisect.bisect_left(rights, right)  # the first word >= right
        return at < len(rights) and rights[at].startswith(right)


def dehyphenate_pair(left: str, right: str, context: str = "") -> str | None:
    """How ``left-`` at a line end and ``right`` at the next line's start are joined:
    'направлении', 'вице-министр', or None when they are not one word."""
    return _dehyphenate(left, right, _Spellings(context.casefold()), load_rules())


def _dehyphenate(left: str, right: str, spellings: _Spellings, rules: _Rules) -> str | None:
    if not right[0].isalpha() or left.isdigit():
        return None
    hyphenated = f"{left}-{right}"
    solid = f"{left}{right}"
    lf, rf = left.casefold(), right.casefold()
    if right[0].isupper() or (left.isupper() and len(left) > 1):
        return hyphenated                       # Кызыл-Орда, Нур-Султан, НПО-шный
    if lf in rules.keep_prefixes or rf in rules.keep_suffixes:
        return hyphenated                       # вице-министр, кое-что, кто-нибудь
    if spellings.has(lf, rf):
        return hyphenated                       # the text spells it with a hyphen elsewhere
    if any(ch.isdigit() for ch in left + right):
        return hyphenated                       # COVID-19, 5-й
    return solid
