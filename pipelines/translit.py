"""Spelling-independent keys for names: Cyrillic and Latin Azerbaijani/Kazakh/Russian alike.

The same person or place is written "Айгюн Алиева" in a Russian text and
"Aygün Əliyeva" in an Azerbaijani one, "Костанай" in Russian and "Qostanay" in
Kazakh Latin.  ``name_key(word)`` maps every such spelling to one short key:

1. transliterate to plain Latin (Cyrillic letters of ru/kk/az/uz/ky and the
   Latin letters of az/kk/uz/tr with diacritics), one table for all languages;
2. keep the consonant skeleton: vowels, ``y``/``h``/``w`` and doubled letters go,
   because those are exactly what spellings disagree on (Мамедов/Məmmədov,
   Казахстан/Qazaqstan, Алиева/Əliyeva) and what Russian case endings change
   (Костанай/Костанае, Спанов/Спанова);
3. ``q``->``k``, ``x``->``k`` (Azerbaijani ``x`` is Russian ``х``), ``j``->``z``,
   ``c``->``z``... fold the letters one alphabet splits and another merges.

Keys are lossy on purpose; stories compare *sets* of keys weighted by how rare
each is (pipelines.stories), never a single key.  No settings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Kazakh, Kyrgyz, Uzbek, Azerbaijani (old) Cyrillic
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
    "і": "i", "ў": "u", "ҳ": "h", "ј": "y", "ҹ": "ch", "ҝ": "g",
}
_LATIN = {
    "ə": "a", "ä": "a", "ı": "i", "ö": "o", "ü": "u", "ş": "sh", "ç": "ch", "ğ": "g",
    "ñ": "n", "ң": "n", "ʻ": "", "ʼ": "", "'": "", "’": "", "‘": "",
}
_FOLD = str.maketrans({"q": "k", "x": "k", "j": "z", "c": "z", "w": "v"})
_DROP = re.compile(r"[aeiouyhw]+")
_RUNS = re.compile(r"(.)\1+")
# "sh", "ch", "zh", "kh", "ts" become one letter first so that dropping "h"
# does not turn Шамиль into "smil" while Samil stays "sml" (both should be equal).
_DIGRAPHS = (("shch", "s"), ("sh", "s"), ("ch", "c"), ("dzh", "z"), ("zh", "z"), ("kh", "k"),
             ("ts", "z"))


def latin(word: str) -> str:
    """``word`` in plain lower-case Latin letters (digits and other characters dropped)."""
    out = []
    for ch in unicodedata.normalize("NFC", word.casefold()):
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _LATIN:
            out.append(_LATIN[ch])
        elif "a" <= ch <= "z":
            out.append(ch)
        else:
            base = unicodedata.normalize("NFD", ch)[0]
            if "a" <= base <= "z":
                out.append(base)
    return "".join(out)


@lru_cache(maxsize=65536)
def name_key(word: str, length: int = 4) -> str:
    """The consonant skeleton of ``word``, cut to ``length`` letters ("" when too short).

    >>> name_key("Костанай") == name_key("Qostanay") == name_key("Костанае")
    True
    >>> name_key("Алиева") == name_key("Əliyeva")
    True
    """
    text = latin(word)
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    text = _DROP.sub("", text.translate(_FOLD))
    text = _RUNS.sub(r"\1", text)
    return text[:length] if len(text) >= 2 else ""
