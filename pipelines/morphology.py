"""Words and their base forms for the relevance lexicons, in ru, kk, az, uz, ky and en.

``tokens(text)`` splits a text into word tokens with character offsets.  Each
language has a *normaliser* that turns a token into the keys a lexicon entry is
compared with; the lexicon's own phrases go through the same normaliser, so a
term written once in its dictionary form matches every inflected form:

* **ru** — pymorphy3 with the OpenCorpora dictionary (``pymorphy3-dicts-ru``,
  shipped inside the wheel).  A token's keys are the normal forms of *all* its
  parses, so "прав" (of "прав человека") matches "право" even where the most
  probable parse is the short adjective "правый".
* **en** — the Snowball English stemmer (``snowballstemmer``).
* **kk, az, uz, ky** — no maintained lemmatiser ships its data for these, so the
  lexicon guides the stemming: a token reduces to a lexicon word when it *starts*
  with that word and the rest is a chain of the language's inflectional suffixes
  (plural, possessive, case, copula), listed in ``rules/relevance/morphology.toml``
  with the consonant alternations at a stem's end (az ``agentlik`` →
  ``agentliyi``, kk ``кітап`` → ``кітабы``).  Checking the remainder instead of
  stripping endings blindly keeps "gənclər" (youth) from turning into "Gəncə"
  (Ganja).

Everything is cached per word: news vocabularies repeat, so a crawl pays the
pymorphy3 cost about once per distinct word.  Reads no settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

#: A word: letters and digits, with inner hyphens and apostrophes ("QHT-lər",
#: "Северо-Казахстанской", "ko'ngilli", "o‘zbek").
_WORD = re.compile(r"\w+(?:[-‐'’ʼʻ‘`]\w+)*")
#: Azerbaijani/Turkish "İ" case-folds to "i" + a combining dot: fold it to "i" first.
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "ʻ": "'", "‘": "'", "`": "'", "‐": "-",
                              "ё": "е", "Ё": "Е", "İ": "i"})
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u0259\u018F]")
LANGUAGES = ("ru", "kk", "az", "uz", "ky", "en")
#: The script a language's lexicon is written in (uz: the Latin alphabet of 1995).
SCRIPT = {"ru": "cyr", "kk": "cyr", "ky": "cyr", "az": "lat", "uz": "lat", "en": "lat"}
CACHE_WORDS = 200_000
_PLURAL_ACRONYM = re.compile(r"^[A-Z]{2,5}s$")
PREFIX = 4


class Token(NamedTuple):
    text: str
    """As written (case kept: acronyms are recognised by it)."""
    start: int
    end: int
    script: str
    """"cyr", "lat" or "" (digits only)."""


def fold(word: str) -> str:
    """Case-fold and unify apostrophes, hyphens and ё, the way every key is written."""
    return word.translate(_APOSTROPHES).casefold().replace("ё", "е")


_SCRIPTS: dict[str, str] = {}


def _script(word: str) -> str:
    script = _SCRIPTS.get(word)
    if script is None:
        if len(_SCRIPTS) > CACHE_WORDS:
            _SCRIPTS.clear()
        script = _SCRIPTS[word] = ("cyr" if CYRILLIC.search(word) else
                                   "lat" if LATIN.search(word) else "")
    return script


def tokens(text: str) -> list[Token]:
    scripts = _SCRIPTS
    return [Token(w, m.start(), m.end(), scripts.get(w) or _script(w))
            for m in _WORD.finditer(text) for w in (m.group(),)]


# -- ru: pymorphy3 -------------------------------------------------------------

@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


#: Tags of a proper-noun reading: a gazetteer name is compiled from it when there is one
#: ("Актобе" the city, not the dative of "актоба").
_PROPER = {"Geox", "Name", "Surn", "Orgn", "Abbr"}


def _ru_phrase_key(word: str) -> str:
    if not CYRILLIC.search(word):
        return word
    parses = _morph().parse(word)
    proper = [p for p in parses if _PROPER & set(p.tag.grammemes)]
    return fold((proper or parses)[0].normal_form) if parses else word


@lru_cache(maxsize=CACHE_WORDS)
def _ru_keys(word: str) -> tuple[str, ...]:
    if not CYRILLIC.search(word):
        return (word,)
    forms = dict.fromkeys(fold(f) for f in _morph().normal_forms(word))
    return tuple(forms) or (word,)


# -- en: Snowball ----------------------------------------------------------------

@lru_cache(maxsize=1)
def _english():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=CACHE_WORDS)
def _en_keys(word: str) -> tuple[str, ...]:
    parts = word.split("-")
    return ("-".join(_english().stemWord(p) for p in parts),)


# -- kk, az, uz, ky: suffix chains -------------------------------------------------

class SuffixLanguage:
    """Lexicon-guided stemming for an agglutinative language (see the module doc)."""

    def __init__(self, code: str, suffixes: Iterable[str], alternations: dict[str, str],
                 min_stem: int) -> None:
        self.code = code
        self.suffixes = frozenset(fold(s) for s in suffixes)
        self.max_suffix = max((len(s) for s in self.suffixes), default=0)
        self.alternations = {fold(k): fold(v) for k, v in alternations.items()}
        self.min_stem = min_stem
        self.words: dict[str, str] = {}
        """Stem as it may appear in a token -> the lexicon word it stands for."""
        self._keys = lru_cache(maxsize=CACHE_WORDS)(self._compute)

    def learn(self, word: str) -> None:
        """Make ``word`` (folded) a word that inflected tokens reduce to."""
        self.words.setdefault(word, word)
        last = word[-1:]
        if last in self.alternations:  # agentlik -> agentliy(i)
            self.words.setdefault(word[:-1] + self.alternations[last], word)
        self._keys.cache_clear()

    def suffix_chain(self, rest: str) -> bool:
        """Is ``rest`` empty or a sequence of known suffixes (after an optional - or ')?"""
        rest = rest.lstrip("-'")
        return _chain(rest, self.suffixes, self.max_suffix)

    def _compute(self, word: str) -> tuple[str, ...]:
        # The shortest lexicon word wins, so that a lexicon word that is itself an
        # inflected form ("cəmiyyəti" in "vətəndaş cəmiyyəti forumu") and the bare
        # word ("cəmiyyət") give one key.
        for cut in range(self.min_stem, len(word)):
            stem = word[:cut]
            if stem in self.words and self.suffix_chain(word[cut:]):
                return (self.words[stem],)
        return (self.words.get(word, word),)

    def keys(self, word: str) -> tuple[str, ...]:
        return self._keys(word)


@lru_cache(maxsize=CACHE_WORDS)
def _chain(rest: str, suffixes: frozenset[str], longest: int) -> bool:
    if not rest:
        return True
    return any(rest[:n] in suffixes and _chain(rest[n:], suffixes, longest)
               for n in range(min(longest, len(rest)), 0, -1))


class Normaliser:
    """Token -> keys for one language; ``phrase`` turns a lexicon phrase into its key tuple."""

    def __init__(self, code: str, keys: Callable[[str], tuple[str, ...]],
                 suffix: SuffixLanguage | None = None) -> None:
        self.code = code
        self.script = SCRIPT[code]
        self._keys = keys
        self.suffix = suffix
        self.prefixes: frozenset[str] | None = None
        """First PREFIX letters of every lexicon key (set once the lexicon is compiled):
        a word that starts otherwise cannot match, so it is never analysed.  Inflection
        in all six languages is at the end of the word, so a word and its base form
        share their first letters (Russian exceptions are suppletive forms such as
        "люди", which no lexicon entry needs)."""
        self.seen: dict[str, tuple[str, ...]] = {}
        """Token text -> keys, filled by ``token_keys`` (read directly in the hot loop)."""

    def token_keys(self, token: Token) -> tuple[str, ...]:
        text = token.text
        keys = self.seen.get(text)
        if keys is None:
            if len(self.seen) > CACHE_WORDS:
                self.seen.clear()
            keys = self.seen[text] = self._token_keys(text)
        return keys

    def _token_keys(self, text: str) -> tuple[str, ...]:
        if _PLURAL_ACRONYM.match(text):  # NGOs, CSOs, NNTs
            text = text[:-1]
        word = fold(text)
        if self.prefixes is not None and word[:PREFIX] not in self.prefixes and (
                self.suffix is None
                or not any(word[:n] in self.prefixes for n in range(2, PREFIX))):
            return ()  # cannot start any lexicon phrase or continue one
        if self.suffix is not None and "-" in word:
            head, _, tail = word.partition("-")
            if self.suffix.suffix_chain(tail):  # "ҮЕҰ-ға", "QHT-lərin": the acronym
                word = head
        return self._keys(word)

    def index_key(self, text: str) -> str:
        """The one key a word is indexed under for full-text search (pipelines/search_index.py):
        the first of its keys, whatever its first letters (``token_keys`` skips words that
        cannot start a lexicon phrase; a search index needs every word)."""
        if _PLURAL_ACRONYM.match(text):
            text = text[:-1]
        word = fold(text)
        if self.suffix is not None and "-" in word:
            head, _, tail = word.partition("-")
            if self.suffix.suffix_chain(tail):
                word = head
        keys = self._keys(word)
        return keys[0] if keys else word

    def freeze(self, keys: Iterable[str]) -> None:
        """Only words starting like one of ``keys`` are analysed from now on (in kk, az,
        uz, ky a key shorter than PREFIX letters, "қор", admits the words starting with it;
        in Russian and English it is a whole word)."""
        self.prefixes = frozenset(k[:PREFIX] for k in keys)
        self.seen.clear()

    def learn(self, text: str) -> None:
        """Make the words of a lexicon phrase known (suffix languages); call for every
        phrase before ``phrase``, whose keys depend on the whole lexicon."""
        if self.suffix is not None:
            for t in tokens(text):
                self.suffix.learn(fold(t.text))

    def phrase(self, text: str) -> tuple[str, ...]:
        """The key sequence of a lexicon phrase."""
        if self.suffix is not None:
            return tuple(self.token_keys(t)[0] for t in tokens(text))
        if self.code == "ru":
            return tuple(_ru_phrase_key(fold(t.text)) for t in tokens(text))
        return tuple(self.token_keys(t)[0] for t in tokens(text))


def normaliser(code: str, morphology: dict[str, dict]) -> Normaliser:
    """The normaliser of ``code``; ``morphology`` is the parsed morphology.toml."""
    if code == "ru":
        return Normaliser(code, _ru_keys)
    if code == "en":
        return Normaliser(code, _en_keys)
    spec = morphology[code]
    lang = SuffixLanguage(code, spec["suffixes"], spec.get("alternations", {}),
                          spec.get("min_stem", 3))
    return Normaliser(code, lang.keys, lang)
