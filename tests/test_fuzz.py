"""A fast subset of benchmarks/fuzz.py: mutated pages and dates, nothing escapes.

The full run (1,200 pages, 4,000 dates) is the script's; here every page mutation
kind runs once and every date mutation kind a hundred times, with the script's
fixed seed, its failure rules (an escaped or swallowed exception, a date from
nowhere, a call over the bound) and a bound loose enough for a shared machine.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import fuzz

SEED = 13


def test_a_fuzzed_subset_raises_nothing_and_stays_in_the_bound() -> None:
    pages_n, dates_n = len(fuzz.PAGE_MUTATORS), 100 * len(fuzz.DATE_MUTATORS)
    report = fuzz.run(pages_n, dates_n, SEED, page_bound=10.0, date_bound=1.0)
    assert report.failures == []
    assert report.calls["process_page"] == report.calls["extract_article"] == pages_n
    assert report.calls["parse_date"] == dates_n
    assert {k.split(":")[1] for k in report.kinds} == set(fuzz.PAGE_MUTATORS) | set(
        fuzz.DATE_MUTATORS)


def test_every_mutation_changes_its_input_and_the_seed_fixes_it() -> None:
    pages, cases = fuzz.load_pages(), fuzz.load_dates()
    first = list(fuzz.mutate_pages(pages, 14, SEED))
    assert [b for _, _, b in first] == [b for _, _, b in fuzz.mutate_pages(pages, 14, SEED)]
    assert all(body != page.body for page, _, body in first)
    dates = list(fuzz.mutate_dates(cases, 200, SEED))
    assert sum(raw != case.raw for case, _, raw in dates) > 180


def test_the_harness_reports_an_escaped_exception_and_a_slow_call(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(fuzz, "parse_date", boom)
    report = fuzz.run(0, 8, SEED, page_bound=10.0, date_bound=1.0)
    assert len(report.failures) == 8
    assert all("RuntimeError: parser exploded" in f for f in report.failures)
    slow = fuzz.Report()
    slow.timed("parse_date", "x", -1.0, lambda: None)
    assert slow.failures and slow.failures[0].startswith("over the bound")


@pytest.mark.parametrize(("raw", "year", "nowhere"), [
    ("2147483648", 2038, False),  # a Unix stamp in range (docs/dates.md)
    ("7272589634", 2200, True),  # a phone number read as a stamp
    ("24.11.2095", 2095, False),  # a far year the page prints: read faithfully
    ("вчера", 2025, False),
    ("12٦٣٩٦8٦٨٠", 2010, True),  # mixed-script digits: no stamp
    ("10000 дней назад", 1998, False),  # relative: no year printed
    ("2024-01-01T00:00:00+06:99", 2023, False),  # UTC of local 1 January: 31 December
])
def test_a_date_from_nowhere(raw: str, year: int, nowhere: bool) -> None:
    now = datetime(2025, 11, 24, 9, tzinfo=UTC)
    when = datetime(year, 12, 31, 18, tzinfo=UTC) if "T" in raw else datetime(year, 6, 1,
                                                                                tzinfo=UTC)
    assert fuzz._from_nowhere(raw, when, now) is nowhere


@pytest.mark.parametrize("raw", ["1351..сегодня", "1351..today", "4000..вчера"])
def test_a_number_beside_today_is_no_count_of_days(raw: str) -> None:
    # dateparser read "1351..today" as 1351 days ago (2022-03-14): a year the string
    # does not print, far from the fetch time, with no "ago" word, is refused
    from pipelines.dates import parse_date

    now = datetime(2025, 11, 24, 9, tzinfo=UTC)
    parsed = parse_date(raw, timezone="Asia/Almaty", now=now)
    assert parsed is None or abs(parsed.value - now).days <= 1, parsed
    ago = parse_date("3 дня назад", timezone="Asia/Almaty", now=now)  # a count with its unit
    assert ago is not None and ago.value.date() == datetime(2025, 11, 21).date()


@pytest.mark.parametrize("raw", ["١٠٦٣٩٦٨٦٨١", "۱۰۶۳۹۶۸۶۸۱", "١٠٦٣٩٦٨٦٨١٠٠٠"])
def test_a_unix_stamp_is_written_in_ascii_digits(raw: str) -> None:
    # fuzzing read Arabic-Indic digits as a Unix time (2003-09-19); ASCII ones still are
    from pipelines.dates import parse_date

    now = datetime(2025, 11, 24, 9, tzinfo=UTC)
    assert parse_date(raw, timezone="Asia/Almaty", now=now) is None
    stamp = parse_date("1063968681", timezone="Asia/Almaty", now=now)
    assert stamp is not None and stamp.value == datetime(2003, 9, 19, 10, 51, 21, tzinfo=UTC)


# --- what the fuzzing found: a <meta charset> naming a codec that is not of text -------

CP1251_PAGE = ("<html><head><meta charset=\"{cs}\"><title>Форум НПО</title></head><body>"
               "<p>Гражданский форум собрал представителей некоммерческих организаций.</p>"
               "</body></html>")


@pytest.mark.parametrize("charset", ["base64", "hex", "zlib", "bz2"])
def test_a_declared_charset_that_is_no_text_codec_is_ignored(charset: str) -> None:
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse

    from crawler.pages import decode_page
    from crawler.spiders.news import NewsSpider

    body = CP1251_PAGE.format(cs=charset).encode("cp1251")
    assert "Гражданский форум собрал" in decode_page(body)
    counted: list[str] = []
    spider = SimpleNamespace(count=lambda sid, key, n=1: counted.append(key))
    response = HtmlResponse("http://127.0.0.1/a", body=body)
    decoded = NewsSpider._decode(spider, response, SimpleNamespace(id="s", encoding=None))
    assert "Гражданский форум собрал" in decoded.text
    assert decoded.encoding.replace("_", "").lower() in ("cp1251", "windows1251")


# --- what the fuzzing found: cleanup quadratic in a long word and in joined paragraphs --

LEAD = "Общественный совет области обсудил с волонтёрами и активистами планы на будущий год."


@pytest.mark.parametrize("paras", [
    ["а" * 300_000, "б"],  # a 1 MB attribute turned text: one 300,000-letter "word"
    ["слово и ещё слово,"] * 20_000,  # paragraphs cut by page breaks, all re-joined
    ["слово пере-", "нос"] * 10_000,  # hyphen-broken words, each looked up in the text
])
def test_cleanup_is_linear_on_what_stalled_the_fuzz_run(paras: list[str]) -> None:
    # Before: _join_broken searched `(\w+)-$` from every letter of the paragraph (the
    # first case ran for hours), re-scanned the growing joined paragraph and searched
    # the whole text per broken word (minutes).  The text must come out whole.
    from pipelines.cleanup import clean_text

    result = clean_text("\n".join([LEAD, *paras]))
    body = result.text.removeprefix(LEAD + "\n\n")
    if paras[0].startswith("а"):
        assert body == paras[0] + " б"  # re-joined once, whole
    elif paras[0].endswith(","):
        assert result.joined == len(paras) - 1 and len(body.split()) == 4 * len(paras)
    else:
        assert result.dehyphenated == len(paras) // 2
        assert body.split().count("перенос") == len(paras) // 2


def test_a_word_longer_than_any_is_not_rejoined_and_a_spelling_decides() -> None:
    from pipelines.cleanup import MAX_WORD_CHARS, clean_text, dehyphenate_pair

    long = "д" * (MAX_WORD_CHARS + 5)
    assert clean_text(f"{LEAD}\n{long}-\nнос").text == f"{LEAD}\n\n{long}-\n\nнос"
    assert clean_text(f"{LEAD}\nдд-\nнос").text == f"{LEAD}\n\nдднос"
    # the text's own hyphenated spelling decides (the index finds a longer form too)
    assert dehyphenate_pair("пере", "нос") == "перенос"
    assert dehyphenate_pair("пере", "нос", "слово пере-носчик") == "пере-нос"
    assert dehyphenate_pair("пере", "нос", "слово пере-вод") == "перенос"


# --- what the fuzzing found: the link-list test quadratic in nested boxes ---------------

TRICKY = ("<div>Intro <!-- a comment --> tail<ul><li><a href='/1'>One <b>bold</b></a> x</li>"
          "<li><a href='/2'>Two<a href='/3'>nested</a></a></li></ul> after"
          "<div><a href='/4'>Four</a><a href='/5'>Five</a></div>  <section>plain text only"
          "</section></div>")


def test_link_counts_are_what_findall_and_text_content_say() -> None:
    import lxml.html

    from pipelines.sites.base import _WS, _link_counts

    tree = lxml.html.fromstring(TRICKY)
    counts = _link_counts(tree)
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        links = el.findall(".//a")
        assert counts[el] == (len(links), len(_WS.sub("", el.text_content())),
                              sum(len(_WS.sub("", a.text_content())) for a in links)), el.tag


def test_nested_link_boxes_are_judged_in_one_pass() -> None:
    # 200 nested boxes (about what the HTML parser keeps), each with a sentence and a
    # related-links list: the walk asked every box for all links and all text beneath
    # it (a fuzzed page: over a minute)
    from lxml import html as lhtml

    from pipelines.sites.base import element_text

    box = ("<div><p>Абзац текста статьи номер {n} о гражданском форуме.</p>"
           "<ul><li><a href='/r{n}a'>Читайте также</a></li><li><a href='/r{n}b'>Ещё</a></li>"
           "</ul>")
    page = "".join(box.format(n=n) for n in range(200)) + "</div>" * 200
    text = element_text(lhtml.fromstring(f"<div>{page}</div>"))
    lines = text.split("\n")
    assert lines == [f"Абзац текста статьи номер {n} о гражданском форуме." for n in range(200)]
