"""Title choice on pages without a site module: site-name affixes and agreement of sources.

Pages are written here (ru/kk/az); each case is one rule of
``pipelines.sites.meta.find_title`` / ``clean_title``.
"""

from __future__ import annotations

import json

import pytest

from pipelines.extract import extract_article
from pipelines.sites.meta import clean_title

BODY = ("<p>В областном центре прошло заседание общественного совета, на котором "
        "обсуждали поддержку неправительственных организаций и гранты для сёл.</p>") * 3


def page(*, title: str | None = None, og: str | None = None, twitter: str | None = None,
         headline: str | None = None, h1: str | None = None, site: str | None = None,
         publisher: str | None = None) -> str:
    head = f"<title>{title}</title>" if title is not None else ""
    if og is not None:
        head += f'<meta property="og:title" content="{og}">'
    if twitter is not None:
        head += f'<meta name="twitter:title" content="{twitter}">'
    if site is not None:
        head += f'<meta property="og:site_name" content="{site}">'
    if headline is not None:
        obj = {"@type": "NewsArticle", "headline": headline}
        if publisher:
            obj["publisher"] = {"@type": "Organization", "name": publisher}
        head += f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'
    heading = f"<h1>{h1}</h1>" if h1 is not None else ""
    return f"<html><head>{head}</head><body><article>{heading}{BODY}</article></body></html>"


@pytest.mark.parametrize(("raw", "site", "host", "expected"), [
    # only the segment naming the site goes; the headline keeps its own dash
    ("Аким ответил на вопросы - и пообещал новый мост | Tengrinews.kz", None, "tengrinews.kz",
     "Аким ответил на вопросы - и пообещал новый мост"),
    # the site named in Cyrillic on a Latin domain (transliterated)
    ("Знамя степи - В Шу открылся ресурсный центр", None, "znamya-stepi.kz",
     "В Шу открылся ресурсный центр"),
    # accents folded: og:site_name written with them
    ("Bakıda yeni park açıldı — Azərbaycan Xəbərləri", "Azərbaycan Xəbərləri", "axeberleri.az",
     "Bakıda yeni park açıldı"),
    # a prefix naming the site, separators without spaces
    ("Kazinform｜Астанада жаңа мектеп ашылды", None, "www.inform.kz",
     "Астанада жаңа мектеп ашылды"),
    # second-level registrations: the label before "co.xx" names the site
    ("Новости региона * Qazaq Times", None, "qazaqtimes.co.kz", "Новости региона"),
    # nothing names the site: the title stays whole
    ("Жители Кокшетау - о новом тарифе", None, "example.org", "Жители Кокшетау - о новом тарифе"),
    # entities left in metadata are decoded
    ("Депутат: &quot;Закон нужен&quot;", None, "example.org", 'Депутат: "Закон нужен"'),
])
def test_clean_title_drops_only_site_affixes(raw, site, host, expected):
    assert clean_title(raw, site, host) == expected


def test_h1_and_meta_agree_after_a_section_affix():
    art = extract_article(page(
        og="Гранты для НПО распределены - Общество | Orda.kz",
        h1="Гранты для НПО распределены", title="Гранты для НПО распределены - Общество | Orda.kz"),
        url="https://orda.kz/n/1")
    assert art.title == "Гранты для НПО распределены"
    assert "agreed by" in art.explain["title"]


def test_og_and_twitter_are_one_witness_against_jsonld_and_h1():
    # twitter:title is copied from og:title; the JSON-LD headline and the printed h1 agree
    art = extract_article(page(
        og="Что изменится для НКО с 1 января", twitter="Что изменится для НКО с 1 января",
        headline="Новые правила отчётности НКО вступают в силу",
        h1="Новые правила отчётности НКО вступают в силу"), url="https://vlast.kz/n/2")
    assert art.title == "Новые правила отчётности НКО вступают в силу"


def test_meta_title_agreed_with_h1_wins_over_a_lone_jsonld_headline():
    art = extract_article(page(
        headline="Qərar verildi",
        og="Bakıda QHT-lər üçün yeni qrant müsabiqəsi elan olundu",
        h1="Bakıda QHT-lər üçün yeni qrant müsabiqəsi elan olundu"), url="https://report.az/x")
    assert art.title == "Bakıda QHT-lər üçün yeni qrant müsabiqəsi elan olundu"


def test_a_tie_goes_to_the_jsonld_headline_then_og():
    art = extract_article(page(headline="Суд оставил приговор в силе",
                               og="Приговор блогеру оставлен без изменений"),
                          url="https://example.kz/3")
    assert art.title == "Суд оставил приговор в силе"
    art = extract_article(page(og="Приговор блогеру оставлен без изменений",
                               h1="Суд оставил приговор"), url="https://example.kz/3")
    assert art.title == "Приговор блогеру оставлен без изменений"


def test_short_h1_logo_is_no_title_and_title_tag_is_the_last_resort():
    art = extract_article(page(h1="Orda", title="В Алматы открылся центр для волонтёров | Orda"),
                          url="https://orda.kz/4")
    assert art.title == "В Алматы открылся центр для волонтёров"


def test_heading_element_found_for_a_meta_title():
    # the date printed beside the h1 is read although the title came from metadata
    html = page(headline="Аким ответил на вопросы жителей", og="Аким ответил на вопросы жителей",
                h1="Аким ответил на вопросы жителей")
    html = html.replace("</h1>", "</h1><span>12 марта 2024, 10:15</span>")
    art = extract_article(html, url="https://example.kz/5")
    assert any(c.origin == "text" and "12 марта 2024" in c.raw for c in art.date_candidates)


@pytest.mark.parametrize(("fields", "expected"), [
    # JSON-LD and og:title disagree and no h1 prints either: <title> decides
    ({"headline": "Қоғамдық кеңес отырысы өтті", "og": "Қоғамдық кеңес гранттарды талқылады",
      "title": "Қоғамдық кеңес гранттарды талқылады - Саясат | Kazinform"},
     "Қоғамдық кеңес гранттарды талқылады"),
    # a printed h1 outranks the document title
    ({"headline": "Қоғамдық кеңес отырысы өтті", "og": "Қоғамдық кеңес гранттарды талқылады",
      "h1": "Қоғамдық кеңес отырысы өтті",
      "title": "Қоғамдық кеңес гранттарды талқылады | Kazinform"},
     "Қоғамдық кеңес отырысы өтті"),
    # og:title is what the publisher declares; h1 and <title> both print another line
    ({"og": "Volonterlar Bakıda park təmizlədi",
      "h1": "Bakıda könüllülər parkı təmizlədilər: 200 nəfər qatıldı",
      "title": "Bakıda könüllülər parkı təmizlədilər: 200 nəfər qatıldı"},
     "Volonterlar Bakıda park təmizlədi"),
])
def test_declared_headlines_first_then_the_h1_then_the_document_title(fields, expected):
    art = extract_article(page(**fields), url="https://www.inform.kz/kz/6")
    assert art.title == expected


def test_the_document_title_breaks_ties_of_others_and_never_votes_for_itself():
    # <title> is the headline cut short; the h1 prints it whole
    art = extract_article(page(title="Статья 330", h1="Статья 330: гражданский форум"),
                          url="https://example.kz/8")
    assert art.title == "Статья 330: гражданский форум"
