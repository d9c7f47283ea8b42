"""Extraction: fixtures per source, cleanup / de-hyphenation / attribution / language tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from crawler.registry import RegistryError, load_registry
from pipelines.attribution import find_attribution
from pipelines.cleanup import clean_text, dehyphenate_pair
from pipelines.extract import Article, ExtractPipeline, extract_article
from pipelines.items import ArticleItem, DateCandidate
from pipelines.language import detect_language
from pipelines.sites import extractor_for
from pipelines.sites.base import parse_html

PAGES = Path(__file__).parent / "fixtures" / "pages"


def _load(name: str) -> tuple[str, dict]:
    spec = json.loads((PAGES / f"{name}.json").read_text("utf-8"))
    html = (PAGES / f"{name}.html").read_bytes().decode(spec.get("encoding") or "utf-8")
    return html, spec


FIXTURES = sorted(p.stem for p in PAGES.glob("*.json"))


def _extract(name: str) -> tuple[Article, dict]:
    html, spec = _load(name)
    fetched = datetime.fromisoformat(spec["fetched_at"].replace("Z", "+00:00"))
    return extract_article(html, url=spec["url"], source=spec["source"], fetched_at=fetched), spec


# -- fixtures ------------------------------------------------------------------

@pytest.mark.parametrize("source_id", [s.id for s in load_registry()])
def test_every_registry_source_has_a_fixture(source_id):
    covered = {json.loads((PAGES / f"{n}.json").read_text("utf-8"))["source"] for n in FIXTURES}
    assert source_id in covered, f"no fixture page in {PAGES} for source {source_id!r}"


def test_unknown_sites_and_languages_are_covered():
    specs = [_load(n)[1] for n in FIXTURES]
    assert sum(s["source"] is None for s in specs) >= 5
    assert {"ru", "kk", "az", "uz", "ky", "en", "tr"} <= {s["language"] for s in specs}
    assert any(s["encoding"] == "windows-1251" for s in specs)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_page(name):
    art, spec = _extract(name)
    assert art.title == spec["title"]
    assert art.language == spec["language"], art.explain["language"]
    missing = [p for p in spec["must_contain"] if p not in art.text]
    leaked = [p for p in spec["must_not_contain"] if p in art.text]
    assert not missing, f"missing {missing}\n---\n{art.text}"
    assert not leaked, f"leaked {leaked}\n---\n{art.text}"
    assert art.attributed_to == spec["attributed_to"], art.explain["attributed_to"]
    assert art.state_supplied == spec["state_supplied"]
    assert art.supplier == spec["supplier"]
    assert "\n\n\n" not in art.text and art.text == art.text.strip()


def test_seed000_dehyphenated_across_page_breaks():
    art, _ = _extract("unknown_seed000_newspaper_dehyphen")
    assert "в направлении укрепления" in art.text
    assert "обмениваться положительным опытом" in art.text
    assert "определения их будущих целей" in art.text
    assert "на-" not in art.text.replace("на-правах", "")
    assert "2 words de-hyphenated" in art.explain["text"]


def test_seed003_state_supplied_by_kostanay_akimat_and_attributed_to_tengrinews():
    art, _ = _extract("unknown_seed003_aggregator_tengrinews")
    assert (art.state_supplied, art.supplier) == (True, "акимат Костанайской области")
    assert art.attributed_to == "Tengrinews"
    assert art.text.startswith("Впервые Гражданский форум в Костанае")
    assert art.text.endswith("на основе итогов международного форума».")
    assert DateCandidate("11 августа 2023, 21:03", "text") in art.date_candidates


def test_seed002_attributed_to_azertac_and_date_label_removed():
    art, _ = _extract("unknown_seed002_syndicated_azertac")
    assert art.attributed_to == "AZERTAC"
    assert art.text.startswith("24 ноября в Баку состоялось открытие")
    assert DateCandidate("2025-11-24", "text") in art.date_candidates


def test_html_lang_is_overridden_by_the_text():
    art, _ = _extract("cisc-kz_small_grants_kk")
    assert (art.html_lang, art.language) == ("ru", "kk")
    assert "html lang ru overridden" in art.explain["language"]


# -- site versions -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "version"), [
    ("tengrinews_v1_civil_forum", "tengrinews/v1"),
    ("tengrinews_v2_volunteer_platform", "tengrinews/v2"),
])
def test_site_version_chosen_by_layout(name, version):
    art, _ = _extract(name)
    assert art.extractor == version
    assert art.explain["extractor"] == version


def test_site_version_respects_fetch_date():
    html, _ = _load("tengrinews_v2_volunteer_platform")
    source = load_registry().get("tengrinews")
    tree = parse_html(html)
    old = extractor_for(source, tree, datetime(2020, 1, 1, tzinfo=UTC))
    new = extractor_for(source, tree, datetime(2025, 1, 1, tzinfo=UTC))
    assert (old.name, new.name) == ("tengrinews/v1", "tengrinews/v2")
    assert extractor_for(None, tree).name == "generic"


def test_source_may_be_entry_id_or_none_and_unknown_id_is_an_error():
    html, spec = _load("report-ru_grant_contest")
    entry = load_registry().get("report-ru")
    by_entry = extract_article(html, url=spec["url"], source=entry)
    by_id = extract_article(html, url=spec["url"], source="report-ru")
    generic = extract_article(html, url=spec["url"])
    assert by_entry.text == by_id.text
    assert by_entry.explain["text"].startswith("selector div.editor-body")
    assert generic.explain["text"].startswith("trafilatura")
    with pytest.raises(RegistryError, match="no source 'nope'"):
        extract_article(html, url=spec["url"], source="nope")


# -- broken input ------------------------------------------------------------------

@pytest.mark.parametrize("html", [
    "", "   \n", "\x00\x01\x02\x03 binary garbage \xff", "just some words, no markup",
    "<html></html>", "<html><head><title>x</title></head></html>",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>short</p></body></html>",
    "<div><p>unclosed <b>bold <i>italic", "<" * 5000, None, b"<html>bytes</html>",
])
def test_garbage_gives_empty_text_without_raising(html):
    art = extract_article(html, url="https://example.org/x")
    assert art.text == ""
    json.dumps(art.to_dict())


# -- explain and serialisation -------------------------------------------------------

def test_explain_and_to_dict():
    art, _ = _extract("tengrinews_v2_volunteer_platform")
    assert {"title", "text", "author", "language", "date_candidates", "canonical_url",
            "attributed_to", "extractor"} <= set(art.explain)
    assert art.explain["title"] == "selector h1.tn-content-title, h1"
    assert art.explain["author"] == "selector div.tn-author-name"
    data = json.loads(json.dumps(art.to_dict(), ensure_ascii=False))
    assert data["date_candidates"][0] == {"raw": "Сегодня, 14:05", "origin": "time"}
    assert set(data) >= {"title", "text", "author", "language", "canonical_url",
                         "date_candidates", "attributed_to", "state_supplied", "supplier",
                         "explain"}


# -- cleanup rules ---------------------------------------------------------------

CLEANUP_CASES = [
    ("Поделитесь новостью с друзьями", "share"),
    ("Подписывайтесь на наш Telegram-канал и будьте в курсе", "share"),
    ("Если вы заметили ошибку, выделите необходимый текст и нажмите Ctrl+Enter, чтобы "
     "сообщить об этом редакции", "typo"),
    ("Стоковые изображения от Depositphotos", "photo_credit"),
    ("В Петропавловске прошёл XII областной форум неправительственных организаций , фото-1",
     "photo_credit"),
    ("Фото: пресс-служба акимата", "photo_credit"),
    ("Тэги новости: Общество Костанай Касым-Жомарт Токаев", "tags"),
    ("#форум #обсуждение #инициативы #СКО", "tags"),
    ("Читайте также: В Баку стартовала неделя волонтеров", "read_also"),
    ("Мы используем файлы cookie, чтобы улучшить работу сайта.", "widgets"),
    ("© 2025 Zakon.kz. Все права защищены.", "widgets"),
    ("10:12 Курс тенге укрепился на открытии торгов", "widgets"),
    ("Ссылка на ИА «24.kg» обязательна.", "widgets"),
    ("Telegram kanalımıza abunə olun", "share"),
    ("Чтобы прочитать материал полностью, оформите подписку или войдите в личный кабинет.",
     "paywall"),
    ("Мақаланың толық нұсқасын оқу үшін сайтқа жазылыңыз.", "paywall"),
    ("Xəbərin tam mətnini oxumaq üçün abunə olun.", "paywall"),
    ("Subscribe now to our e-edition for the full story.", "paywall"),
    ("For breaking news download the Kazinform apps for iOS and Android.", "promo"),
    ("Скачивайте наше мобильное приложение, чтобы первыми узнавать новости.", "promo"),
    ("Xəbərləri izləmək üçün mobil tətbiqimizi yükləyin.", "promo"),
    ("This article is the copyrighted property of Kazinform. Written permission must be "
     "obtained before republishing it.", "copyright"),
]


@pytest.mark.parametrize(("line", "rule"), CLEANUP_CASES)
def test_cleanup_rule_removes_line(line, rule):
    body = "Первый абзац статьи о форуме неправительственных организаций в регионе страны."
    result = clean_text(f"{body}\n{line}\nПоследний абзац статьи остается на месте, как и был.")
    assert line.strip() not in result.text
    assert (rule, line) in result.removed or any(r == rule for r, _ in result.removed)
    assert result.text.startswith(body)


def test_cleanup_cuts_after_footer_marker_only_after_text():
    text = ("Комментарии\nЗаголовок\nВ Астане прошел форум неправительственных организаций страны "
            "с участием министра.\nКомментарии\nОтличная новость, давно пора!\nПоследние новости")
    result = clean_text(text, title="Заголовок")
    assert result.text == ("В Астане прошел форум неправительственных организаций страны с "
                           "участием министра.")


def test_cleanup_header_zone_keeps_dates_for_the_date_stage():
    text = ("Форум\n17:11, Вчера\nВ Петропавловске прошёл форум\nВо дворце школьников состоялся "
            "XII областной форум неправительственных организаций, передает корреспондент.")
    result = clean_text(text, title="В Петропавловске прошёл форум")
    assert result.text.startswith("Во дворце школьников")
    assert result.dates == ["17:11, Вчера"]


def test_cleanup_keeps_real_text_that_mentions_photos_and_tags():
    text = ("На фото-выставке представили работы волонтеров, а теги проектов обсуждали отдельно "
            "с организаторами из НПО и акимата.")
    assert clean_text(text).text == text


# -- de-hyphenation ----------------------------------------------------------------

@pytest.mark.parametrize(("left", "right", "joined"), [
    ("на", "правлении", "направлении"),
    ("положи", "тельным", "положительным"),
    ("Азербай", "джан", "Азербайджан"),
    ("вице", "министр", "вице-министр"),
    ("Кызыл", "Орда", "Кызыл-Орда"),
    ("кое", "что", "кое-что"),
    ("Нур", "Султан", "Нур-Султан"),
    ("кто", "нибудь", "кто-нибудь"),
    ("бизнес", "сообщество", "бизнес-сообщество"),
    ("COVID", "19", None),
    ("qeyri", "hökumət", "qeyri-hökumət"),
])
def test_dehyphenate_pair(left, right, joined):
    assert dehyphenate_pair(left, right) == joined


@pytest.mark.parametrize(("text", "expected"), [
    ("осуществляет мероприятия в на-\n\n\n\nправлении укрепления",
     "осуществляет мероприятия в направлении укрепления"),
    ("обмениваться положи-\n\nтельным опытом", "обмениваться положительным опытом"),
    ("принял участие вице-\nминистр информации", "принял участие вице-министр информации"),
    ("жители города Кызыл-\nОрда и Нур-\n\nСултан", "жители города Кызыл-Орда и Нур-Султан"),
    ("вице-министр и Кызыл-Орда в одной строке", "вице-министр и Кызыл-Орда в одной строке"),
    ("Костанае- международное сотрудничество", "Костанае- международное сотрудничество"),
    ("определения их\n\nбудущих целей.", "определения их будущих целей."),
    ("Первый абзац закончен.\n\nвторой начинается со строчной", "Первый абзац закончен.\n\n"
     "второй начинается со строчной"),
    ("слово транс-\nформация и снова транс-формация",
     "слово транс-формация и снова транс-формация"),
])
def test_dehyphenation_in_text(text, expected):
    assert clean_text(text).text == expected


# -- attribution -----------------------------------------------------------------

ATTRIBUTION_CASES = [
    (["9 февраля состоялась конференция, сообщает АЗЕРТАДЖ."], ("AZERTAC", False, None)),
    (["Начало.", "Как сообщает АЗЕРТАДЖ, участники ознакомились"], ("AZERTAC", False, None)),
    (["Как сообщает Report, в Баку прошел форум."], ("Report", False, None)),
    (["Текст статьи.", "По сообщению сайта Tengrinews"], ("Tengrinews", False, None)),
    (["Текст статьи.", "Источник: Kazinform"], ("Kazinform", False, None)),
    (["Баку, 24 ноября, АЗЕРТАДЖ. Сегодня в столице"], ("AZERTAC", False, None)),
    (["Xankəndi, 21 oktyabr, AZƏRTAC. Forum keçirilib."], ("AZERTAC", False, None)),
    (["Баку. Trend:", "В Гяндже прошел форум."], ("Trend", False, None)),
    (["APA-nın məlumatına görə, təkliflər qəbul olunacaq."], ("APA", False, None)),
    (["Форум прошел, - передает корреспондент 7152.kz."], ("7152.kz", False, None)),
    (["Kazakhstan will launch a platform, according to Kazinform."], ("Kazinform", False, None)),
    (["AA muhabirinin edindiği bilgiye göre foruma katılıyor."], ("Anadolu Ajansı", False, None)),
    (["Слушания прошли, сообщает пресс-служба Жогорку Кенеша."], (None, False, None)),
    (["По словам Алиева, как пишет он сам, форум важен."], (None, False, None)),
    (["Текст.", "Материал предоставлен акиматом Костанайской области"],
     (None, True, "акимат Костанайской области")),
    (["Текст.", "Материал предоставлен управлением общественного развития акимата "
      "Костанайской области"],
     (None, True, "управление общественного развития акимата Костанайской области")),
    (["Текст.", "На правах рекламы"], (None, True, None)),
    (["Текст.", "Материал подготовлен в рамках государственного информационного заказа"],
     (None, True, None)),
    (["Статья опубликована в рамках госинформзаказа."], (None, True, None)),
    (["Layihə Media İnkişafı Agentliyinin maliyyə dəstəyi ilə həyata keçirilir."],
     (None, True, "Media İnkişafı Agentliyi")),
]


@pytest.mark.parametrize(("paragraphs", "expected"), ATTRIBUTION_CASES)
def test_attribution(paragraphs, expected):
    found = find_attribution(paragraphs)
    assert (found.attributed_to, found.state_supplied, found.supplier) == expected


def test_credit_lines_are_reported_for_removal_but_inline_credits_are_not():
    found = find_attribution(["Как сообщает АЗЕРТАДЖ, форум открылся.",
                              "Материал предоставлен акиматом Костанайской области",
                              "По сообщению сайта Tengrinews"])
    assert found.credit_lines == ["Материал предоставлен акиматом Костанайской области",
                                  "По сообщению сайта Tengrinews"]
    assert found.attributed_to == "Tengrinews"


# -- language ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "lang"), [
    ("В Костанае прошел XI Гражданский форум. Мероприятие впервые прошло на международном уровне.",
     "ru"),
    ("Қостанай облысында азаматтық форум өтті. Форумға үкіметтік емес ұйымдардың өкілдері "
     "қатысты.", "kk"),
    ("Бишкекте өкмөттүк эмес уюмдардын форуму өттү. Форумга жарандык коомдун өкүлдөрү катышты.",
     "ky"),
    ("Bakıda Türk Dövlətləri Təşkilatına üzv ölkələrin QHT-lərinin həmrəylik forumu keçirilib.",
     "az"),
    ("Bakü'de Türk Devletleri Teşkilatı üyesi ülkelerin sivil toplum kuruluşları forumu başladı.",
     "tr"),
    ("Toshkentda nodavlat notijorat tashkilotlari forumi bo‘lib o‘tdi va takliflar bildirildi.",
     "uz"),
    ("Kazakhstan will launch a single digital platform for volunteers and non-profits.", "en"),
    ("Тошкентда нодавлат нотижорат ташкилотларининг форуми бўлиб ўтди. Форумда ННТ вакиллари "
     "ижтимоий буюртма масалаларини муҳокама қилди.", "uz"),          # not kk for its қ ғ
    ("Дзяржаўны ўніверсітэт правёў канферэнцыю ў Мінску для студэнтаў і выкладчыкаў.", "be"),
    ("Глава государства Касым-Жомарт Тоқаев и аким Қостанайской области провели совещание "
     "с представителями неправительственных организаций региона.", "ru"),
])
def test_language_from_text(text, lang):
    assert detect_language(text, html_lang="ru").code == lang


def test_language_falls_back_to_markup_then_source_for_short_text():
    assert detect_language("Форум", html_lang="kz").code == "kk"
    assert detect_language("Форум", fallback="ky").code == "ky"
    assert detect_language("").code is None


# -- the Scrapy pipeline -------------------------------------------------------------

class _Stats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


class _Crawler:
    def __init__(self):
        self.stats = _Stats()


def _item(name: str) -> ArticleItem:
    html, spec = _load(name)
    source = load_registry().get(spec["source"]) if spec["source"] else None
    return ArticleItem(source_id=spec["source"] or "unknown", url=spec["url"], html=html,
                       fetched_at=datetime(2023, 8, 12, tzinfo=UTC), source=source)


def test_pipeline_fills_item_and_counts():
    crawler = _Crawler()
    pipeline = ExtractPipeline.from_crawler(crawler)
    item = pipeline.process_item(_item("kstnews_grants_rural_youth"))
    assert item.title == "Костанайские НПО получат гранты на проекты для сельской молодежи"
    assert item.language == "ru" and item.state_supplied and item.text
    assert item.html  # left for the store
    assert item.extraction["extractor"] == "generic"
    assert item.date_candidates
    assert crawler.stats.values == {
        "civmon/extract/ok": 1, "civmon/source/kstnews/extracted": 1,
        "civmon/extract/state_supplied": 1, "civmon/extract/language/ru": 1,
    }


def test_pipeline_drops_empty_pages():
    crawler = _Crawler()
    pipeline = ExtractPipeline.from_crawler(crawler)
    item = ArticleItem(source_id="zakon-kz", url="https://www.zakon.kz/x.html",
                       html="<html></html>", fetched_at=datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(DropItem, match=r"^no article text: https://www.zakon.kz/x.html$"):
        pipeline.process_item(item)
    assert crawler.stats.values == {"civmon/extract/empty": 1,
                                    "civmon/source/zakon-kz/extract_empty": 1}


@pytest.mark.parametrize(("selector", "raw"), [
    ("meta[property='article:modified_time']", "2025-11-14T18:30:00+04:00"),  # content=
    ("ins.pub", "2025-11-14T17:57:00+04:00"),                                 # datetime=
    ("span.when", "14 ноября 2025, 17:57"),                                    # text
])
def test_date_selector_reads_the_machine_readable_value_first(selector, raw):
    from dataclasses import replace

    from crawler.registry import Selectors

    page = ('<html lang="ru"><head><meta property="article:modified_time" '
            'content="2025-11-14T18:30:00+04:00"></head><body><article><h1>Форум НПО в Гяндже '
            'собрал представителей регионов</h1><ins class="pub" datetime="2025-11-14T17:57:00'
            '+04:00">вчера</ins><span class="when">14 ноября 2025, 17:57</span>'
            + "<p>В Гяндже прошёл региональный форум неправительственных организаций.</p>" * 5
            + "</article></body></html>")
    source = replace(load_registry().get("trend-ru"), selectors=Selectors(date=selector))
    article = extract_article(page, url="https://ru.trend.az/x/1.html", source=source)
    assert DateCandidate(raw, "selector") in article.date_candidates


def test_decomposed_letters_come_out_in_nfc():
    # "й" typed as и + combining breve (U+0306), "ё" as е + diaeresis (U+0308): the
    # stored text, title and date string use the composed letters search and dedup see
    decomposed = "и\u0306"
    html = (f"<html><head><title>Новыи{chr(0x306)} грант для НКО</title></head><body><article>"
            f"<h1>Новыи\u0306 грант для НКО</h1><time>12 мая 2024</time>"
            + f"<p>Общественныи{chr(0x306)} совет утвердил конкурс, её итоги подведут "
              f"в ма{decomposed}ском выпуске, заявки принимают от всех объединении\u0306.</p>" * 3
            + "</article></body></html>").replace("её", "е\u0308е\u0308")
    art = extract_article(html, url="https://example.kz/nfc")
    assert art.title == "Новый грант для НКО"
    assert "Общественный совет" in art.text and "в майском выпуске" in art.text and "ёё" in art.text
    assert "\u0306" not in art.text and "\u0308" not in art.text
