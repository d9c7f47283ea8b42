"""Language of an article (ISO 639-1), from its text first and its markup second.

Why py3langid: its model ships inside the wheel (``py3langid/data/model.npz.xz``),
so nothing is downloaded at run time; 0.4 knows all of our languages (ru, kk, az,
uz, ky, en, tr; lingua 2.1 has no Uzbek and no Kyrgyz); it is deterministic
(langdetect is not unless seeded) and costs well under a millisecond on our
bounded sample.  Trafilatura uses it for the same purpose.

Two cheap letter checks sit in front of the model, because the pairs that matter
most to us differ by a handful of letters that the model can be outvoted on in
short or name-heavy texts:

* Kazakh (ә ғ қ ұ һ) vs Kyrgyz (ө ү ң only) vs Russian (none of them);
* Azerbaijani (ə) vs Turkish (ı ş ğ without ə);
* Uzbek Cyrillic (ў ҳ, beside қ ғ that Kazakh shares) vs Kazakh.

``<html lang>`` is often wrong (templates hard-code ``ru``), so the text wins
whenever it is long enough to judge; markup and the source's main language are
the fallback for empty or very short texts.  Reads no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Languages the model may answer with; anything outside our region's set would
#: only be noise (Bashkir, Tatar, Crimean Tatar are near neighbours of kk/ky/tr).
CANDIDATES = (
    "ru", "kk", "az", "uz", "ky", "en", "tr", "uk", "be", "bg", "tg", "tk", "mn",
    "de", "fr", "es", "it", "zh", "ar", "fa", "ka", "hy",
)
#: ``<html lang>`` spellings seen on our sites that are not ISO 639-1.
HTML_LANG_ALIASES = {"kz": "kk", "qq": "kk", "kg": "ky", "am": "hy", "ua": "uk", "by": "be"}
SAMPLE_CHARS = 1200          # the model sees at most this much text (start + middle)
MIN_LETTERS = 25             # below this the text is too short to judge
LETTER_SHARE = 0.025         # share of distinctive letters that decides on its own
#                              (kk texts run ~4-6 %; a Russian text naming Тоқаев, ~1 %)

_KK_ONLY = re.compile("[әғқұһӘҒҚҰҺ]")  # not і: Ukrainian and Belarusian have it too
_KY_KK = re.compile("[өүңӨҮҢ]")
_UZ_ONLY = re.compile("[ўҳЎҲ]")  # Uzbek Cyrillic; Kazakh writes һ, not ҳ, and has no ў
_UZ_KK = re.compile("[қғҚҒ]")
_AZ_ONLY = re.compile("[əƏ]")
_TR_AZ = re.compile("[ışğİŞĞ]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u0259\u018F]")
_NOT_LETTERS = re.compile(r"[\W\d_]+")


@dataclass(frozen=True)
class LanguageGuess:
    code: str | None
    confidence: float
    method: str
    """Short description for ``Article.explain['language']``."""


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(CANDIDATES))
    return ident


def normalise_lang(value: str | None) -> str | None:
    """'ru-RU' -> 'ru', 'kz' -> 'kk', 'az-Latn' -> 'az'; None for junk."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    code = HTML_LANG_ALIASES.get(code, code)
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def sample(text: str, limit: int = SAMPLE_CHARS) -> str:
    """A bounded sample: the start and the middle of long texts."""
    if len(text) <= limit:
        return text
    half = limit // 2
    mid = len(text) // 2
    return text[:half] + "\n" + text[mid:mid + half]


def _letter_rule(letters: str, n_cyr: int, n_lat: int) -> tuple[str, float] | None:
    n = len(letters)
    if n_cyr > n_lat:
        uz = len(_UZ_ONLY.findall(letters)) / n
        if uz >= LETTER_SHARE / 2 and _UZ_KK.search(letters):  # Belarusian has ў, not қ ғ
            return "uz", min(1.0, uz * 40)
        kk = len(_KK_ONLY.findall(letters)) / n
        ky = len(_KY_KK.findall(letters)) / n
        if kk >= LETTER_SHARE:
            return "kk", min(1.0, kk * 20)
        if ky >= LETTER_SHARE:
            return "ky", min(1.0, ky * 20)
        return None
    az = len(_AZ_ONLY.findall(letters)) / n
    if az >= LETTER_SHARE:
        return "az", min(1.0, az * 20)
    return None


def detect_language(
    text: str, *, html_lang: str | None = None, fallback: str | None = None
) -> LanguageGuess:
    """Guess the language of ``text``; ``html_lang`` and ``fallback`` (the source's
    main language) are used only when the text is too short to judge."""
    html = normalise_lang(html_lang)
    piece = sample(text or "")
    letters = _NOT_LETTERS.sub("", piece)
    if len(letters) < MIN_LETTERS:
        if html:
            return LanguageGuess(html, 0.0, f"html lang {html} (text too short)")
        if fallback:
            return LanguageGuess(fallback, 0.0, f"source language {fallback} (text too short)")
        return LanguageGuess(None, 0.0, "none (text too short, no markup)")

    n_cyr = len(_CYRILLIC.findall(letters))
    n_lat = len(_LATIN.findall(letters))
    rule = _letter_rule(letters, n_cyr, n_lat)
    if rule is not None:
        code, conf = rule
        how = f"text (letters {code})"
    else:
        code, conf = _identifier().classify(piece)
        conf = float(conf)
        # Turkish and Azerbaijani share most letters; without any 'ə' it is not az.
        if code == "az" and not _AZ_ONLY.search(letters):
            code = "tr" if _TR_AZ.search(letters) else code
        how = f"text (py3langid {code} {conf:.2f})"
    if html and html != code:
        how += f"; html lang {html} overridden"
    return LanguageGuess(code, round(conf, 3), how)
