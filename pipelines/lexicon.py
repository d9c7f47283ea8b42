"""The relevance rules: reading, checking and compiling the TOML files a researcher edits.

The packaged rules live in ``pipelines/rules/relevance/`` (documented in
docs/relevance.md):

* ``terms.toml`` — civil-society terms with a weight and topics, plus ``[scoring]``;
* ``topics.toml`` — the topic taxonomy;
* ``traps.toml`` — phrases that never count ("НПЗ", "гражданский кодекс", "ООО") and
  context rules that disarm a term ("волонтёр" beside "болельщик");
* ``regions.toml`` — the gazetteer of regions, cities and countries;
* ``organisations.toml`` — named bodies and the kinds of organisation that introduce
  a quoted name («…»);
* ``morphology.toml`` — suffixes of kk, az, uz and ky; uz's Cyrillic letters.

A folder given as ``rules_dir`` (setting ``CIVMON_RELEVANCE_RULES``) may hold any
of these files: each one found there replaces the packaged file of the same name.
A bad entry raises ``RulesError`` with one line naming the file and the entry.
Reads no settings itself.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import compress
from pathlib import Path
from typing import Any, NamedTuple

from pipelines.morphology import (
    CYRILLIC,
    LANGUAGES,
    SCRIPT,
    WORD,
    Normaliser,
    Token,
    normaliser,
)

FILES = ("terms.toml", "topics.toml", "traps.toml", "regions.toml", "organisations.toml",
         "morphology.toml")
LEVELS = ("country", "region", "city", "district")
#: ``[scoring]`` keys a terms.toml may leave out, and their values then (length
#: normalisation, docs/relevance.md: 0 turns it off).
OPTIONAL_SCORING = {"lead_chars": 400, "reference_chars": 1500}
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_ISO = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


class RulesError(ValueError):
    """A rules file or entry is wrong; the message is one line naming both."""


@dataclass(frozen=True)
class Term:
    id: str
    weight: float
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Trap:
    id: str
    terms: tuple[str, ...]
    """Term ids a context trap disarms; empty for a phrase trap (masks every term)."""
    window: int
    article_min: int = 0
    """With ``scope = "article"``: this many distinct context words anywhere in the
    article disarm the terms everywhere (0: only within ``window``)."""


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    level: str
    country: str
    iso: str | None
    parent: str | None


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    kind: str
    country: str | None


@dataclass(frozen=True)
class Entry:
    """What a phrase stands for: (category, id) with category term/trap/context/region/org/kind."""

    category: str
    id: str
    form: str = ""
    """The phrase as written in the rules file."""


class Hit(NamedTuple):
    """One find of a phrase.  A named tuple, not a frozen dataclass: an article gives
    hundreds, and a frozen dataclass's ``__init__`` costs three times as much."""

    category: str
    id: str
    field: str
    start: int
    end: int
    first: int
    """Index of the first token (for context windows)."""
    last: int
    form: str
    """The rules phrase that matched."""


@dataclass
class Rules:
    """Everything compiled: entries by id and one phrase index per language."""

    terms: dict[str, Term] = field(default_factory=dict)
    topics: dict[str, dict[str, str]] = field(default_factory=dict)
    traps: dict[str, Trap] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    """Organisation kind id -> display name."""
    scoring: dict[str, float] = field(default_factory=dict)
    normalisers: dict[str, Normaliser] = field(default_factory=dict)
    index: dict[str, dict[str, list[tuple[tuple[str, ...], Entry]]]] = field(
        default_factory=dict)
    """language -> first key -> [(key sequence, entry)]."""
    sources: dict[str, str] = field(default_factory=dict)
    """File name -> the path it was read from (for messages)."""

    def find(self, toks: list[Token], field_name: str,
             languages: Iterable[str] = LANGUAGES) -> list[Hit]:
        """Every phrase of ``languages`` found in ``toks`` (overlaps included)."""
        return self._find([t.text for t in toks], lambda: [(t.start, t.end) for t in toks],
                          field_name, languages)

    def find_text(self, text: str, field_name: str,
                  languages: Iterable[str] = LANGUAGES) -> list[Hit]:
        """``find(tokens(text), ...)`` without building a Token per word: one regex pass,
        the words and (once a phrase is found) their offsets read from its matches."""
        matches = list(WORD.finditer(text))
        return self._find(list(map(re.Match.group, matches)),
                          lambda: list(map(re.Match.span, matches)), field_name, languages)

    def _find(self, texts: list[str], offsets: Callable[[], list[tuple[int, int]]],
              field_name: str, languages: Iterable[str]) -> list[Hit]:
        hits: list[Hit] = []
        seen: set[tuple[str, str, int, int]] = set()
        n_toks = len(texts)
        spans: list[tuple[int, int]] | None = None
        for lang in languages:
            index = self.index.get(lang)
            if not index:
                continue
            # The hot loop of classification: a C-level map through the normaliser's
            # word cache (the first word not seen yet has all the new ones analysed).
            words = self.normalisers[lang].seen
            words.batch = texts
            keys = list(map(words.__getitem__, texts))
            words.batch = None
            get = index.get
            for i in compress(range(n_toks), keys):  # only words with keys
                for k in keys[i]:
                    entries = get(k)
                    if entries is None:
                        continue
                    for seq, entry in entries:
                        size = len(seq)
                        j = i + size
                        if size > 1 and (j > n_toks or seq[1] not in keys[i + 1] or (
                                size > 2 and any(seq[n] not in keys[i + n]
                                                 for n in range(2, size)))):
                            continue
                        if spans is None:
                            spans = offsets()
                        sig = (entry.category, entry.id, spans[i][0], spans[j - 1][1])
                        if sig in seen:
                            continue
                        seen.add(sig)
                        hits.append(Hit(entry.category, entry.id, field_name, spans[i][0],
                                        spans[j - 1][1], i, j - 1, entry.form))
        return hits


def _read(name: str, rules_dir: Path | None) -> tuple[dict[str, Any], str]:
    if rules_dir is not None and (rules_dir / name).is_file():
        path = rules_dir / name
        text = path.read_text("utf-8")
        where = str(path)
    else:
        res = resources.files("pipelines").joinpath("rules/relevance", name)
        text = res.read_text("utf-8")
        where = f"pipelines/rules/relevance/{name}"
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{where}: not valid TOML: {exc}") from None


def _check_keys(where: str, what: str, entry: dict[str, Any], allowed: Iterable[str]) -> None:
    extra = sorted(set(entry) - set(allowed) - set(LANGUAGES))
    if extra:
        raise RulesError(f"{where}: {what}: unknown key '{extra[0]}' "
                         f"(allowed: {', '.join(sorted(allowed))}, and languages "
                         f"{', '.join(LANGUAGES)})")


def _entries(where: str, data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    items = data.get(table, [])
    if not isinstance(items, list) or not all(isinstance(e, dict) for e in items):
        raise RulesError(f"{where}: '{table}' must be an array of tables ([[{table}]])")
    seen: set[str] = set()
    for n, e in enumerate(items, 1):
        eid = e.get("id")
        if not isinstance(eid, str) or not _ID.match(eid):
            raise RulesError(f"{where}: [[{table}]] #{n}: 'id' must be a lowercase slug, "
                             f"got {eid!r}")
        if eid in seen:
            raise RulesError(f"{where}: {table} '{eid}': duplicate id")
        seen.add(eid)
    return items


def _phrases(where: str, what: str, entry: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        value = entry.get(lang, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                  for v in value):
            raise RulesError(f"{where}: {what}: '{lang}' must be a list of non-empty strings")
        if value:
            out[lang] = value
    return out


class _Compiler:
    """Collects every phrase first: in kk/az/uz/ky a phrase's keys depend on all the
    words of the lexicon (see pipelines.morphology.SuffixLanguage)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.pending: list[tuple[str, str, str, Entry, str]] = []

    def add(self, where: str, what: str, entry: Entry, phrases: dict[str, list[str]]) -> None:
        for lang, forms in phrases.items():
            for form in forms:
                self.rules.normalisers[lang].learn(form)
                self.pending.append((where, what, lang, entry, form))

    def compile(self) -> dict[str, dict[str, list[tuple[tuple[str, ...], Entry]]]]:
        index: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for where, what, lang, entry, form in self.pending:
            seq = self.rules.normalisers[lang].phrase(form)
            if not seq:
                raise RulesError(f"{where}: {what}: {lang} phrase {form!r} has no words")
            index[lang][seq[0]].append((seq, Entry(entry.category, entry.id, form)))
        for lang, idx in index.items():
            self.rules.normalisers[lang].freeze(
                k for entries in idx.values() for seq, _ in entries for k in seq)
        return {lang: dict(idx) for lang, idx in index.items()}


def load_rules(rules_dir: str | Path | None = None) -> Rules:
    """Read, check and compile the rules (cached per folder)."""
    return _load(str(rules_dir) if rules_dir else None)


@lru_cache(maxsize=4)
def _load(rules_dir: str | None) -> Rules:
    folder = Path(rules_dir) if rules_dir else None
    if folder is not None and not folder.is_dir():
        raise RulesError(f"{folder}: relevance rules folder not found")
    data = {}
    rules = Rules()
    for name in FILES:
        data[name], rules.sources[name] = _read(name, folder)
    morph = data["morphology.toml"]
    where = rules.sources["morphology.toml"]
    for lang in LANGUAGES:
        if lang not in ("ru", "en"):
            spec = morph.get(lang)
            if not isinstance(spec, dict) or not isinstance(spec.get("suffixes"), list):
                raise RulesError(f"{where}: [{lang}]: 'suffixes' (a list) is required")
            _check_keys(where, f"[{lang}]", spec, ("suffixes", "alternations", "min_stem",
                                                   "cyrillic", "cyrillic_initial"))
            if SCRIPT[lang] == "cyr" and spec.get("cyrillic"):
                raise RulesError(f"{where}: [{lang}]: 'cyrillic' is for a language whose "
                                 "lexicon is written in Latin letters")
            for table in ("cyrillic", "cyrillic_initial"):
                letters = spec.get(table, {})
                if not isinstance(letters, dict) or not all(
                        isinstance(k, str) and 1 <= len(k) <= (2 if table == "cyrillic" else 1)
                        and all(CYRILLIC.match(c) for c in k)
                        and isinstance(v, str) and not {"\0", "\1", "\2"} & set(v)
                        for k, v in letters.items()):
                    raise RulesError(f"{where}: [{lang}]: '{table}' must map Cyrillic "
                                     "letters (cyrillic: one or two, cyrillic_initial: one) "
                                     "to text, e.g. { \"ў\" = \"o'\" }")
        rules.normalisers[lang] = normaliser(lang, morph)
    comp = _Compiler(rules)
    _load_topics(rules, data["topics.toml"], rules.sources["topics.toml"])
    _load_terms(rules, comp, data["terms.toml"], rules.sources["terms.toml"])
    _load_traps(rules, comp, data["traps.toml"], rules.sources["traps.toml"])
    _load_regions(rules, comp, data["regions.toml"], rules.sources["regions.toml"])
    _load_organisations(rules, comp, data["organisations.toml"],
                        rules.sources["organisations.toml"])
    rules.index = comp.compile()
    return rules


def _load_topics(rules: Rules, data: dict[str, Any], where: str) -> None:
    for e in _entries(where, data, "topics"):
        what = f"topic '{e['id']}'"
        _check_keys(where, what, e, ("id", "name", "description"))
        if not isinstance(e.get("name"), str):
            raise RulesError(f"{where}: {what}: 'name' (text) is required")
        rules.topics[e["id"]] = {"name": e["name"], "description": e.get("description", "")}


def _load_terms(rules: Rules, comp: _Compiler, data: dict[str, Any], where: str) -> None:
    scoring = data.get("scoring", {})
    for key in ("threshold", "title_factor", "cap", "support_share", "topic_min"):
        value = scoring.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise RulesError(f"{where}: [scoring]: '{key}' must be a number >= 0")
        rules.scoring[key] = float(value)
    for key, default in OPTIONAL_SCORING.items():  # added later: older files lack them
        value = scoring.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise RulesError(f"{where}: [scoring]: '{key}' must be a number >= 0")
        rules.scoring[key] = float(value)
    extra = sorted(set(scoring) - {"threshold", "title_factor", "cap", "support_share",
                                   "topic_min"} - set(OPTIONAL_SCORING))
    if extra:
        raise RulesError(f"{where}: [scoring]: unknown key '{extra[0]}'")
    for e in _entries(where, data, "terms"):
        what = f"term '{e['id']}'"
        _check_keys(where, what, e, ("id", "weight", "topics", "note"))
        weight = e.get("weight")
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise RulesError(f"{where}: {what}: 'weight' must be a number >= 0")
        topics = e.get("topics", [])
        for t in topics:
            if t not in rules.topics:
                raise RulesError(f"{where}: {what}: unknown topic '{t}' "
                                 f"(topics.toml has: {', '.join(rules.topics)})")
        phrases = _phrases(where, what, e)
        if not phrases:
            raise RulesError(f"{where}: {what}: no phrase in any language")
        rules.terms[e["id"]] = Term(e["id"], float(weight), tuple(topics))
        comp.add(where, what, Entry("term", e["id"]), phrases)


def _load_traps(rules: Rules, comp: _Compiler, data: dict[str, Any], where: str) -> None:
    for e in _entries(where, data, "traps"):
        what = f"trap '{e['id']}'"
        _check_keys(where, what, e, ("id", "terms", "context", "window", "scope",
                                     "min_context", "note"))
        terms = tuple(e.get("terms", ()))
        for t in terms:
            if t not in rules.terms:
                raise RulesError(f"{where}: {what}: unknown term '{t}' (see terms.toml)")
        context = e.get("context", {})
        if terms and not context:
            raise RulesError(f"{where}: {what}: 'terms' needs a 'context' table of words")
        if not isinstance(context, dict):
            raise RulesError(f"{where}: {what}: 'context' must be a table of languages")
        _check_keys(where, f"{what} context", context, ())
        window = e.get("window", 6)
        if not isinstance(window, int) or window < 1:
            raise RulesError(f"{where}: {what}: 'window' must be a whole number >= 1")
        phrases = _phrases(where, what, e)
        if terms:
            if phrases:
                raise RulesError(f"{where}: {what}: a context trap lists its words under "
                                 "'context', not as phrases")
            comp.add(where, what, Entry("context", e["id"]), _phrases(where, what, context))
        elif not phrases:
            raise RulesError(f"{where}: {what}: no phrase in any language")
        else:
            comp.add(where, what, Entry("trap", e["id"]), phrases)
        scope = e.get("scope", "window")
        if scope not in ("window", "article"):
            raise RulesError(f"{where}: {what}: 'scope' must be 'window' or 'article'")
        article_min = e.get("min_context", 2) if scope == "article" else 0
        if not isinstance(article_min, int) or article_min < 0:
            raise RulesError(f"{where}: {what}: 'min_context' must be a whole number >= 1")
        rules.traps[e["id"]] = Trap(e["id"], terms, window, article_min)


def _load_regions(rules: Rules, comp: _Compiler, data: dict[str, Any], where: str) -> None:
    entries = _entries(where, data, "regions")
    ids = {e["id"] for e in entries}
    for e in entries:
        what = f"region '{e['id']}'"
        _check_keys(where, what, e, ("id", "name", "level", "country", "iso", "parent"))
        if e.get("level") not in LEVELS:
            raise RulesError(f"{where}: {what}: 'level' must be one of {', '.join(LEVELS)}")
        country, iso, parent = e.get("country"), e.get("iso"), e.get("parent")
        if not isinstance(country, str) or not re.match(r"^[A-Z]{2}$", country):
            raise RulesError(f"{where}: {what}: 'country' must be ISO 3166-1 alpha-2")
        if iso is not None and (not isinstance(iso, str) or not _ISO.match(iso)):
            raise RulesError(f"{where}: {what}: 'iso' must look like KZ-39 or AZ-BA")
        if parent is not None and parent not in ids:
            raise RulesError(f"{where}: {what}: unknown parent '{parent}'")
        if not isinstance(e.get("name"), str):
            raise RulesError(f"{where}: {what}: 'name' (text) is required")
        phrases = _phrases(where, what, e)
        if not phrases:
            raise RulesError(f"{where}: {what}: no name in any language")
        rules.regions[e["id"]] = Region(e["id"], e["name"], e["level"], country, iso, parent)
        comp.add(where, what, Entry("region", e["id"]), phrases)


def _load_organisations(rules: Rules, comp: _Compiler, data: dict[str, Any],
                        where: str) -> None:
    for e in _entries(where, data, "kinds"):
        what = f"kind '{e['id']}'"
        _check_keys(where, what, e, ("id", "name"))
        if not isinstance(e.get("name"), str):
            raise RulesError(f"{where}: {what}: 'name' (text) is required")
        rules.kinds[e["id"]] = e["name"]
        comp.add(where, what, Entry("kind", e["id"]), _phrases(where, what, e))
    for e in _entries(where, data, "organisations"):
        what = f"organisation '{e['id']}'"
        _check_keys(where, what, e, ("id", "name", "kind", "country"))
        if e.get("kind") not in rules.kinds:
            raise RulesError(f"{where}: {what}: 'kind' must be one of the [[kinds]] ids "
                             f"({', '.join(rules.kinds)})")
        if not isinstance(e.get("name"), str):
            raise RulesError(f"{where}: {what}: 'name' (text) is required")
        phrases = _phrases(where, what, e)
        if not phrases:
            raise RulesError(f"{where}: {what}: no name in any language")
        rules.organisations[e["id"]] = Organisation(e["id"], e["name"], e["kind"],
                                                    e.get("country"))
        comp.add(where, what, Entry("org", e["id"]), phrases)
    for e in _entries(where, data, "titles"):
        what = f"title '{e['id']}'"
        _check_keys(where, what, e, ("id", "note"))
        comp.add(where, what, Entry("title", e["id"]), _phrases(where, what, e))
