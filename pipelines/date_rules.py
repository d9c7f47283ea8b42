"""Word tables for the date reader (pipelines.date_shapes): months, relative words, fillers.

Every table holds *folded* words: lower case, with the Kazakh, Kyrgyz, Azerbaijani,
Uzbek and Turkish letters mapped to a plain Russian or Latin base letter by
:data:`FOLD` (``қазан`` -> ``казан``, ``avqust`` stays, ``dünən`` -> ``dunen``).  Folding
merges no two month names of different months, so one table serves every language:
a Russian page whose meta tag says "24 November 2025" still reads correctly.

Sources of the forms: sites.md §1.2 and the date strings of §2-§4 (Tengrinews,
Zakon, Kazinform, Report, Trend, APA, AZERTAC, 7152.kz, cisc.kz), the seeds, and
the CLDR month names of kk/az/uz/ky (as shipped in dateparser's locale data).
"""

from __future__ import annotations

FOLD = str.maketrans({
    "ё": "е", "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у",
    "һ": "х", "і": "и", "ə": "e", "ğ": "g", "ı": "i", "ö": "o", "ü": "u", "ş": "s",
    "ç": "c", "\u0307": None,  # "İ".lower() leaves a combining dot behind
    "ʻ": None, "ʼ": None, "‘": None, "’": None, "`": None,  # Uzbek o‘/g‘ apostrophes
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "–": "-", "—": "-", "−": "-", "‒": "-",
})

_MONTH_FORMS: dict[int, str] = {
    # ru (nominative, genitive, prepositional, abbreviations) | ky/uz-Cyrl stems |
    # kk | az | uz-Latn | en
    1: "январь января январе январ янв кантар yanvar yan january jan",
    2: "февраль февраля феврале феврал фев февр акпан fevral fev february feb",
    3: "март марта марте мар наурыз mart march mar",
    4: "апрель апреля апреле апрел апр сауир aprel apr april",
    5: "май мая мае мамыр may",
    6: "июнь июня июне июн маусым iyun iyn june jun",
    7: "июль июля июле июл шилде iyul iyl july jul",
    8: "август августа августе авг тамыз avqust avq avgust august aug",
    9: "сентябрь сентября сентябре сентябр сен сент кыркуйек sentyabr sentabr sen "
       "september sep sept",
    10: "октябрь октября октябре октябр окт казан oktyabr oktabr okt october oct",
    11: "ноябрь ноября ноябре ноябр ноя нояб караша noyabr noy november nov",
    12: "декабрь декабря декабре декабр дек желтоксан dekabr dek december dec",
}

#: folded month word -> month number
MONTHS: dict[str, int] = {w: m for m, forms in _MONTH_FORMS.items() for w in forms.split()}

#: Case endings that Turkic languages glue to a full month name: kk "шілдеде",
#: az "noyabrda"/"noyabrın", ky "ноябрында".  Only stripped from full names
#: (4+ letters), never from abbreviations.
MONTH_SUFFIXES = (
    "ында", "инде", "нда", "нде", "да", "де", "та", "те", "ы", "и",
    "nin", "nun", "ning", "da", "de", "ta", "te", "in", "un",
)

#: folded word -> days before the fetch day ("yesterday" = 1)
DAY_WORDS: dict[str, int] = {
    "сегодня": 0, "today": 0, "бугин": 0, "бугун": 0, "bugun": 0,
    "вчера": 1, "yesterday": 1, "кеше": 1, "кечээ": 1, "dunen": 1, "kecha": 1, "кеча": 1,
    "позавчера": 2, "sragagun": 2,
}

#: Phrases meaning "a moment ago" (read as the fetch minute).
JUST_NOW = ("только что", "just now", "сейчас")

#: Units of "N <unit> ago" forms -> seconds, with the precision the result gets.
AGO_UNITS: dict[str, tuple[int, str]] = {}
for _words, _seconds, _precision in (
    ("секунду секунды секунд сек second seconds sec secs saniye soniya", 1, "second"),
    ("минуту минуты минут мин minute minutes min mins deqiqe daqiqa", 60, "minute"),
    ("час часа часов ч hour hours hr hrs saat soat сагат саат", 3600, "minute"),
    ("день дня дней дн day days gun kun кун", 86400, "day"),
):
    for _w in _words.split():
        AGO_UNITS[_w] = (_seconds, _precision)

#: "ago" in ru, en, kk, ky, az, uz
AGO_WORDS = ("назад", "ago", "бурын", "мурун", "evvel", "oldin", "avval")

#: Number words before a unit ("два часа назад", "an hour ago").  A unit with
#: neither a number nor one of these ("час назад") counts once, unless another
#: word stands before it ("несколько часов назад" is left to dateparser).
NUMBER_WORDS: dict[str, int] = {
    w: n for n, words in enumerate((
        "", "один одна одну a an one бир bir", "два две two", "три three", "четыре four",
        "пять five", "шесть six", "семь seven", "восемь eight", "девять nine",
        "десять ten",
    )) for w in words.split()
}

#: Words that may sit inside a date without breaking it: year words, "at",
#: weekday names, ordinal endings.  Any other word ends a date.
_FILLER_WORDS = """
г гг год года году в во at on the of от
ж жыл жылы жылгы жылдын йил yil yili il ili ci cu го
saat soat сагат саат
mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday
понедельник вторник среда среду четверг пятница пятницу суббота субботу воскресенье
пн вт ср чт пт сб вс
дуйсенби сейсенби сарсенби бейсенби жума сенби жексенби
"""
FILLERS = frozenset(_FILLER_WORDS.split())

#: Words that make a string relative in a way the rules do not read ("неделю
#: назад", "last week"): such strings go to dateparser instead.
RELATIVE_MARKERS = frozenset(
    (*AGO_WORDS, "прошлой", "прошлую", "прошлый", "last", "через", "next", "завтра", "tomorrow")
)

#: Time-zone abbreviations seen in feeds, in minutes east of UTC.
ZONE_ABBREVIATIONS: dict[str, int] = {
    "utc": 0, "gmt": 0, "ut": 0, "z": 0, "msk": 180, "мск": 180,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300,
    "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
    # Unix `date` output in Europe and our region ("Tue Jan 28 15:28:56 CET 2020");
    # ambiguous ones (IST, AST, BST) are left out: an unknown word never becomes an offset.
    "cet": 60, "cest": 120, "met": 60, "mest": 120, "eet": 120, "eest": 180,
    "wet": 0, "west": 60, "almt": 360, "azt": 240, "uzt": 300, "kgt": 360, "tjt": 300,
    "aqtt": 300, "orat": 300, "qyzt": 360, "tmt": 300, "jst": 540, "hkt": 480,
}
