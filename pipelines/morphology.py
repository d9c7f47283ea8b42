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
* A language written in a second alphabet (Uzbek: Latin and Cyrillic) has a
  letter table (``cyrillic`` in morphology.toml): a Cyrillic word is written in the
  lexicon's Latin letters first ("ташкилотлари" → "tashkilotlari", "кўнгилли" →
  "ko'ngilli"), so one lexicon serves both alphabets.

Only words whose first letters begin a lexicon key are looked at.  A Russian word
is looked up among the dictionary forms of the lexicon's lemmas (``RussianForms``,
built once when the rules are compiled); pymorphy3 analyses only words its
dictionary does not know.  Each word is folded once for all languages and its keys
kept per language (``Normaliser.seen``): news vocabularies repeat.  Reads no
settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import compress, filterfalse, repeat
from operator import add, itemgetter, mul
from typing import NamedTuple

#: A word: letters and digits, with inner hyphens and apostrophes ("QHT-lər",
#: "Северо-Казахстанской", "ko'ngilli", "o‘zbek").
WORD = re.compile(r"\w+(?:[-‐'’ʼʻ‘`]\w+)*")
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
#: The most letters a guessed Russian reading changes at a word's end (-овать / -уют:
#: "волонтерствовать" / "волонтерствуют" share all but the last 5 of the lemma).
ENDING = 5
#: The same for a Snowball English stem ("-enci" → "-ence", "-ies" → "-i").
EN_ENDING = 4


class Token(NamedTuple):
    text: str
    """As written (case kept: acronyms are recognised by it)."""
    start: int
    end: int
    script: str
    """"cyr", "lat" or "" (digits only)."""


#: The characters ``_APOSTROPHES`` changes that case-folding and the "ё" replacement do
#: not already: most words have none, and ``str.translate`` costs more than the search.
_TRANSLATED = re.compile("[’ʼʻ‘`‐İ]")


def fold(word: str) -> str:
    """Case-fold and unify apostrophes, hyphens and ё, the way every key is written."""
    if _TRANSLATED.search(word):
        word = word.translate(_APOSTROPHES)
    return word.casefold().replace("ё", "е")


_SCRIPTS: dict[str, str] = {}
_HEAD, _HEAD2, _HEAD3 = (itemgetter(slice(0, n)) for n in (PREFIX, 2, 3))
#: Plural acronyms at the end of lines of a batch of words joined by newlines.
_PLURAL_ACRONYMS = re.compile(r"(?m)^([A-Z]{2,5})s$")


def _scripts_of(words: list[str]) -> list[str]:
    """The script of each word (``_script``), the words not seen yet tested all at once."""
    scripts = _SCRIPTS
    unknown = list(filterfalse(scripts.__contains__, words))
    if unknown:
        if len(scripts) + len(unknown) > CACHE_WORDS:
            scripts.clear()
        # "cyr" if a Cyrillic letter, else "lat" if a Latin one, else "": by index
        # 2 * has Cyrillic + has Latin, without a Python call per word
        index = map(add, map(mul, map(bool, map(CYRILLIC.search, unknown)), repeat(2)),
                    map(bool, map(LATIN.search, unknown)))
        scripts.update(zip(unknown, map(_BY_INDEX.__getitem__, index), strict=True))
    return list(map(scripts.__getitem__, words))


_BY_INDEX = ("", "lat", "cyr", "cyr")


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
            for m in WORD.finditer(text) for w in (m.group(),)]


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


class RussianForms:
    """Every dictionary form of the lexicon's Russian lemmas, built once when the
    rules are compiled, so that a word of an article rarely needs pymorphy3.

    Only keys of the lexicon can match, so a word's keys are what ``_ru_keys`` gives
    *restricted to the lexicon's keys*.  pymorphy3 stops at its dictionary when a
    word is in it, and a dictionary parse's normal form is the first form of the
    word's paradigm: so a dictionary word has lexicon key ``k`` exactly when it is a
    form of a paradigm whose first form is ``k``.  Those paradigms are read straight
    from the OpenCorpora dictionary (looking ``k`` up gives them), and then

    * a word among their forms has those keys (pymorphy3 is asked only when there
      are several, to keep its order of readings);
    * any other word that the dictionary knows has none;
    * only a word the dictionary does not know gets pymorphy3's full analysis (its
      readings are guessed from the word's ending and may still give a key);
    * unless it is a form of the paradigm pymorphy3 guesses for a lexicon key that
      its dictionary does not know itself ("Костанай", "акимат", "госгрант": listed
      when the rules are compiled, ``guessed``, as long as the form keeps the key's
      stem): it has that key ("Костанае", "акимата", "госгрантов");
    * and only if it could give one: a guessed reading changes the word's ending and
      keeps the rest, so a guess can only be a key ``k`` whose *stem* (``k`` less its
      last ``ENDING`` letters, at least ``PREFIX`` kept) begins the word
      ("госгрантов" → госгрант, "Костанае" → костанай), and whose letters are all
      Russian ones the word has ("гранттар", "конкурсқа" are Kazakh and give none).
      A word that fails either test gets no key without asking the dictionary or
      pymorphy3 (both cost more than all the rest of a word's first sight).
    """

    def __init__(self, keys: Iterable[str]) -> None:
        morph = _morph()
        d = morph.dictionary
        self._known = d.word_is_known
        self._subst = morph.char_substitutes
        self.keys = frozenset(keys)
        forms: dict[str, dict[str, None]] = {}
        for key in self.keys:
            if not CYRILLIC.search(key):
                continue
            for fixed, parses in d.words.similar_items(key, self._subst):
                for para_id, idx in parses:
                    if fold(d.build_normal_form(para_id, idx, fixed)) != key:
                        continue
                    paradigm = d.paradigms[para_id]
                    size = len(paradigm) // 3
                    stem = d.build_stem(paradigm, idx, fixed)
                    for i in range(size):
                        form = fold(d.paradigm_prefixes[paradigm[size * 2 + i]] + stem
                                    + d.suffixes[paradigm[i]])
                        forms.setdefault(form, {})[key] = None
        self.forms = {form: tuple(ks) for form, ks in forms.items()}
        cyrillic = [k for k in self.keys if CYRILLIC.search(k)]
        self.stems = frozenset(k[:max(PREFIX, len(k) - ENDING)] for k in cyrillic)
        guessed: dict[str, dict[str, None]] = {}
        for key in cyrillic:
            if self._known(key, self._subst):
                continue
            stem = key[:max(PREFIX, len(key) - ENDING)]
            for parse in morph.parse(key):
                if fold(parse.normal_form) != key:
                    continue
                for form in parse.lexeme:
                    word = fold(form.word)
                    if (word.startswith(stem) and word not in self.forms
                            and not self._known(word, self._subst)):
                        guessed.setdefault(word, {})[key] = None
        self.guessed = {form: tuple(ks) for form, ks in guessed.items()}
        """Forms of the paradigms guessed for the lexicon keys the dictionary lacks."""
        self._stem_sizes = sorted({len(s) for s in self.stems})
        letters = {c for k in cyrillic for c in k if CYRILLIC.match(c)}
        others = "".join(sorted(set(map(chr, range(0x400, 0x500))) - letters))
        self._foreign = re.compile(f"[{re.escape(others)}]")
        """A Cyrillic letter no lexicon key has (Kazakh ә, қ, ү …)."""

    def could_be_guessed(self, word: str) -> bool:
        """Could pymorphy3's guess for a word it does not know be a lexicon key?"""
        stems = self.stems
        return (any(word[:n] in stems for n in self._stem_sizes if n <= len(word))
                and not self._foreign.search(word))

    def __call__(self, word: str) -> tuple[str, ...]:
        """The lexicon keys of a folded word (the same as ``_ru_keys`` gives, less the
        keys no lexicon phrase has)."""
        if not CYRILLIC.search(word):
            return (word,) if word in self.keys else ()
        found = self.forms.get(word) or self.guessed.get(word)
        if found is None and (self._known(word, self._subst)
                              or not self.could_be_guessed(word)):
            return ()
        if found is not None and len(found) == 1:
            return found
        return tuple(k for k in _ru_keys(word) if k in self.keys)


# -- en: Snowball ----------------------------------------------------------------

@lru_cache(maxsize=1)
def _english():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=CACHE_WORDS)
def _en_keys(word: str) -> tuple[str, ...]:
    parts = word.split("-")
    return ("-".join(_english().stemWord(p) for p in parts),)


class EnglishStems:
    """The Snowball stem of a word, asked only of a word that could stem to a lexicon
    key: Snowball cuts a suffix and may put back a shorter one ("-ational" → "-ate",
    "-y" → "-i", "coding" → "code"), never more than ``EN_ENDING`` letters, so the word
    must start with a key less its last ``EN_ENDING`` letters (at least 3 kept: "city" →
    "citi", "army" → "armi").  Any other word
    gets ``()``: its stem is no key, so it can neither start nor continue a phrase
    (Snowball is pure Python, and an Azerbaijani or Uzbek text is all Latin words)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.stems = frozenset(k[:max(3, len(k) - EN_ENDING)] for k in keys)
        self._sizes = sorted({len(s) for s in self.stems})

    def __call__(self, word: str) -> tuple[str, ...]:
        stems = self.stems
        if any(word[:n] in stems for n in self._sizes if n <= len(word)):
            return _en_keys(word)
        return ()


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


#: Token text -> folded, shared by the normalisers: a word is folded once however many
#: languages look at it.
_FOLDED: dict[str, str] = {}


def _fold_once(text: str) -> str:
    if len(_FOLDED) > CACHE_WORDS:
        _FOLDED.clear()
    word = _FOLDED[text] = fold(text)
    return word


class Transliterator:
    """A word of a second alphabet in the lexicon's letters, by a table of letters and
    letter pairs (``cyrillic`` in morphology.toml; a pair wins over its letters: Uzbek
    "кц" is "ks", "акция" → "aksiya", where "ц" alone is "ts", "авиация" → "aviatsiya")
    and a table for a word's first letter (``cyrillic_initial``: "Европа" → "Yevropa")."""

    def __init__(self, letters: dict[str, str], initial: dict[str, str]) -> None:
        single = {k.casefold(): v for k, v in letters.items() if len(k) == 1}
        self.pairs = {k.casefold(): v for k, v in letters.items() if len(k) > 1}
        self.table = str.maketrans(single)
        self._pair = (re.compile("|".join(map(re.escape, self.pairs))) if self.pairs
                      else None)
        self.initial = {k.casefold(): v for k, v in initial.items()}

    def __call__(self, word: str) -> str:
        """``word`` (any case) case-folded and transliterated; "ё" is kept for the
        table (``fold`` would make it "е")."""
        word = word.casefold()
        head = self.initial.get(word[:1])
        if head is not None:
            word = "\0" + word[1:]
        if self._pair is not None:
            word = self._pair.sub(lambda m: "\1" + self.pairs[m.group()] + "\2", word)
            parts = word.split("\1")
            word = parts[0].translate(self.table) + "".join(
                done + rest.translate(self.table)
                for done, _, rest in (p.partition("\2") for p in parts[1:]))
        else:
            word = word.translate(self.table)
        return word.replace("\0", head) if head is not None else word


class _Seen(dict):
    """Token text -> keys of one normaliser; a text not seen yet is analysed once."""

    def __init__(self, norm: Normaliser) -> None:
        super().__init__()
        self.norm = norm
        self.batch: list[str] | None = None
        """The words about to be looked up (``Rules._find`` sets it): the first miss
        analyses all of them that are new at once (``Normaliser.see``)."""

    def __missing__(self, text: str) -> tuple[str, ...]:
        batch = self.batch
        if batch is not None:
            self.batch = None
            self.norm.see(batch)
            found = self.get(text)
            if found is not None:
                return found
        if len(self) > CACHE_WORDS:
            self.clear()
        norm = self.norm
        keys = self[text] = (norm._token_keys(text)
                             if (_SCRIPTS.get(text) or _script(text)) in norm.scripts else ())
        return keys


class Normaliser:
    """Token -> keys for one language; ``phrase`` turns a lexicon phrase into its key tuple."""

    def __init__(self, code: str, keys: Callable[[str], tuple[str, ...]],
                 suffix: SuffixLanguage | None = None,
                 cyrillic: Transliterator | None = None) -> None:
        self.code = code
        self.script = SCRIPT[code]
        self.cyrillic = cyrillic
        """Cyrillic -> the lexicon's letters, for a Latin-script language also written
        in Cyrillic (uz); its Cyrillic words are then analysed too."""
        self.scripts = frozenset({self.script} | ({"cyr"} if cyrillic else set()))
        self._keys = keys
        self._all_keys = keys
        """The keys of any word (``freeze`` narrows ``_keys`` to the lexicon's; the
        search index needs every word's base form)."""
        self.suffix = suffix
        self.short = suffix is not None or code == "en"
        """Keys shorter than PREFIX letters admit the words starting with them (kk, az,
        uz, ky: "қор"; en: a stem's first three letters, for the stems that change the
        fourth, "army" → "armi", "city" → "citi")."""
        self.prefixes: frozenset[str] | None = None
        """First PREFIX letters of every lexicon key (set once the lexicon is compiled):
        a word that starts otherwise cannot match, so it is never analysed.  Inflection
        in all six languages is at the end of the word, so a word and its base form
        share their first letters (Russian exceptions are suppletive forms such as
        "люди", which no lexicon entry needs)."""
        self.seen = _Seen(self)
        """Token text -> keys (``()`` for a word of another script), computed on first
        sight: the hot loop of ``Rules.find`` maps a text's words through it."""

    def token_keys(self, token: Token) -> tuple[str, ...]:
        return self.seen[token.text]

    def see(self, texts: Iterable[str]) -> None:
        """Put the keys of the words of ``texts`` not seen yet into ``seen``, all at once:
        the first sight of a text's vocabulary.  The keys are those ``seen[text]`` computes
        one miss at a time, but the steps every new word takes run over the whole batch
        at C level: a word of another script costs no call (one update gives them
        ``()``), the words of the normaliser's script are folded as one string (folding is
        letter by letter), and the test of their first letters is a ``map``; only the
        words that pass it take Python steps, one at a time."""
        seen = self.seen
        new = list(filterfalse(seen.__contains__, dict.fromkeys(texts)))
        if not new:
            return
        if len(seen) + len(new) > CACHE_WORDS:
            seen.clear()
        seen.update(dict.fromkeys(new, ()))
        scripts = _scripts_of(new)
        if self.cyrillic is not None:  # uz in Cyrillic: written in Latin first, one by one
            for text in compress(new, map("cyr".__eq__, scripts)):
                seen[text] = self._token_keys(text)
        own = list(compress(new, map(self.script.__eq__, scripts)))
        if not own:
            return
        joined = "\n".join(own)
        if self.script == "lat" and "s\n" in joined + "\n":
            joined = _PLURAL_ACRONYMS.sub(r"\1", joined)  # NGOs, CSOs, NNTs
        words = fold(joined).split("\n")
        prefixes, suffix, keys = self.prefixes, self.suffix, self._keys
        if prefixes is None:
            passing: Iterable[tuple[str, str]] = zip(own, words, strict=True)
        else:
            starts = map(prefixes.__contains__, map(_HEAD, words))
            if self.short:  # a key shorter than PREFIX letters ("қор") admits its words
                starts = map(max, starts, map(prefixes.__contains__, map(_HEAD2, words)),
                             map(prefixes.__contains__, map(_HEAD3, words)))
            passing = compress(zip(own, words, strict=True), starts)
        for text, word in passing:
            if suffix is not None and "-" in word:
                head, _, tail = word.partition("-")
                if suffix.suffix_chain(tail):  # "ҮЕҰ-ға", "QHT-lərin": the acronym
                    word = head
            seen[text] = keys(word)

    def _token_keys(self, text: str) -> tuple[str, ...]:
        if self.cyrillic is not None and _script(text) == "cyr":
            word = fold(self.cyrillic(text))
        else:
            # The test of the last letter first: the regex costs more, and almost no word
            # is one.
            if text[-1:] == "s" and _PLURAL_ACRONYM.match(text):  # NGOs, CSOs, NNTs
                text = text[:-1]
            word = _FOLDED.get(text) or _fold_once(text)
        if self.prefixes is not None and word[:PREFIX] not in self.prefixes and (
                not self.short
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
        keys = self._all_keys(word)
        return keys[0] if keys else word

    def freeze(self, keys: Iterable[str]) -> None:
        """Only words starting like one of ``keys`` are analysed from now on (in kk, az,
        uz, ky a key shorter than PREFIX letters, "қор", admits the words starting with it;
        in Russian and English it is a whole word)."""
        keys = frozenset(keys)
        self.prefixes = frozenset(k[:PREFIX] for k in keys) | (
            frozenset(k[:3] for k in keys) if self.code == "en" else frozenset())
        if self.code == "ru":
            self._keys = RussianForms(keys)
        elif self.code == "en":
            self._keys = EnglishStems(keys)
        self.seen.clear()

    def learn(self, text: str) -> None:
        """Make the words of a lexicon phrase known (suffix languages); call for every
        phrase before ``phrase``, whose keys depend on the whole lexicon."""
        if self.suffix is not None:
            for t in tokens(text):
                self.suffix.learn(fold(t.text))

    def phrase(self, text: str) -> tuple[str, ...]:
        """The key sequence of a lexicon phrase."""
        if self.code == "ru":
            return tuple(_ru_phrase_key(fold(t.text)) for t in tokens(text))
        return tuple(self._token_keys(t.text)[0] for t in tokens(text))


def normaliser(code: str, morphology: dict[str, dict]) -> Normaliser:
    """The normaliser of ``code``; ``morphology`` is the parsed morphology.toml."""
    if code == "ru":
        return Normaliser(code, _ru_keys)
    if code == "en":
        return Normaliser(code, _en_keys)
    spec = morphology[code]
    lang = SuffixLanguage(code, spec["suffixes"], spec.get("alternations", {}),
                          spec.get("min_stem", 3))
    cyrillic = (Transliterator(spec["cyrillic"], spec.get("cyrillic_initial", {}))
                if spec.get("cyrillic") else None)
    return Normaliser(code, lang.keys, lang, cyrillic)
