"""One chain for one page, and the generic path on layouts civmon has no site module for.

The pages are the issue-7 fixtures in tests/fixtures/pages (written for the causes
seen on unseen sites: share/comment classes on the article container, a hfeed
wrapper, an old table layout with widgets, a body trafilatura's precise pass drops).
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from crawler.pages import decode_page, extract_page
from crawler.registry import load_registry
from crawler.settings import ITEM_PIPELINES
from pipelines.chain import STAGES, process_page
from pipelines.cleanup import clean_text, word_count
from pipelines.sites import evidence, layout, meta
from pipelines.sites.base import GenericExtractor, parse_html

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "pages"


def _page(name: str) -> tuple[str, dict]:
    spec = json.loads((PAGES / f"{name}.json").read_text("utf-8"))
    return (PAGES / f"{name}.html").read_text(spec["encoding"]), spec


def _now(spec: dict) -> datetime:
    return datetime.fromisoformat(spec["fetched_at"].replace("Z", "+00:00"))


def _almaty_source():
    """A registry entry moved to a regional paper's zone (the chain reads only data)."""
    src = next(s for s in load_registry() if s.timezone in ("Asia/Almaty", "Asia/Qostanay"))
    return replace(src, timezone="Asia/Almaty", established=None)


# -- one chain ---------------------------------------------------------------------------

def test_crawl_pipelines_wrap_the_chain_stages_in_order():
    wrappers = [path for path, _ in sorted(ITEM_PIPELINES.items(), key=lambda kv: kv[1])]
    stages = [w for w in wrappers
              if w not in ("pipelines.store.StorePipeline", "pipelines.pool.PoolPipeline")]
    assert [s.pipeline for s in STAGES] == stages


def _callers(module: str, name: str) -> list[str]:
    """Files under crawler/ and pipelines/ that call ``module.name`` (imported either way)."""
    package, _, leaf = module.rpartition(".")
    found = []
    for path in sorted([*(ROOT / "pipelines").rglob("*.py"), *(ROOT / "crawler").rglob("*.py")]):
        tree = ast.parse(path.read_text("utf-8"))
        names, aliases = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == module:
                names.update(a.asname or a.name for a in node.names if a.name == name)
            if isinstance(node, ast.ImportFrom) and node.module == package:
                aliases.update(a.asname or a.name for a in node.names if a.name == leaf)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (isinstance(func, ast.Name) and func.id in names) or (
                    isinstance(func, ast.Attribute) and func.attr == name
                    and isinstance(func.value, ast.Name) and func.value.id in aliases):
                found.append(path.relative_to(ROOT).as_posix())
    return found


@pytest.mark.parametrize(("module", "name", "others"), [
    ("pipelines.relevance", "classify", []),
    # URL keys of links that are not the page being read: the spider keys a
    # discovered link before fetching it (skip what is stored), the dead-link
    # memory keys failed URLs, revisits key the stored articles they refetch, the
    # store keys a page's hreflang alternates
    ("pipelines.dedup", "canonical_url",
     ["crawler/spiders/news.py", "crawler/deadlinks.py", "crawler/revisit.py",
      "pipelines/store.py"]),
    ("pipelines.dedup", "content_hash", []),
    ("pipelines.dates", "choose_date", []),
    ("pipelines.extract", "extract_article", []),
])
def test_each_stage_function_is_called_in_one_place(module, name, others):
    """Relevance and dedup are rewritten elsewhere: the chain is their one page caller."""
    assert sorted(set(_callers(module, name))) == sorted(["pipelines/chain.py", *others])


def test_civmon_extract_record_is_the_chain_result():
    html, spec = _page("unknown_kk_hfeed_share_container")
    record = extract_page(html, url=spec["url"], source=None, now=_now(spec), explain=True)
    result = process_page(html, url=spec["url"], source=None, now=_now(spec))
    item = result.item
    assert (record["text"], record["published_at"], record["canonical_url"],
            record["content_hash"], record["relevant"]) == (
        item.text, item.published_at, item.canonical_url, item.content_hash, item.relevant)


# -- the causes, on the pages written for them --------------------------------------------

def test_share_and_comment_classes_on_the_article_container_do_not_prune_it():
    html, spec = _page("unknown_kk_hfeed_share_container")
    result = process_page(html, url=spec["url"], source=None, now=_now(spec))
    assert "Алғашқы айда жиырмадан астам қоғамдық бірлестік тіркелді." in result.item.text
    assert "Керемет жаңалық" not in result.item.text        # the comment box still goes
    assert result.item.author == "Айгерім Серікқызы"         # ReportageNewsArticle JSON-LD


def test_time_under_a_hfeed_wrapper_and_sidebar_body_class_is_the_date():
    html, spec = _page("unknown_kk_hfeed_share_container")
    result = process_page(html, url=spec["url"], source=None, now=_now(spec))
    assert (result.item.published_at, result.item.date_source) == ("2025-11-20T06:45:00Z",
                                                                   "time")
    # the sidebar's own <time>s are still foreign
    assert all("2025-11-23" not in c.raw for c in result.article.date_candidates)


def test_table_layout_page_loses_its_widgets_and_reads_today_after_midnight():
    html, spec = _page("unknown_kz_table_layout_widgets")
    record = extract_page(html, url=spec["url"], source=_almaty_source(), now=_now(spec),
                          explain=True)
    assert record["text"].startswith("В районном центре Шу начал работу")
    assert "widget blocks" in record["explain"]["text"]
    assert "layout tables read as blocks" in record["explain"]["text"]
    # fetched 00:40 Almaty on 24 Nov: "Сегодня, 09:30" was printed on the 23rd
    assert record["published_at"] == "2025-11-23T04:30:00Z"
    assert "rules, previous local day" in record["explain"]["published_at"]


def test_precise_fragment_falls_back_to_the_recall_pass_and_says_why():
    html, spec = _page("unknown_az_precise_fragment")
    record = extract_page(html, url=spec["url"], source=None, now=_now(spec), explain=True)
    assert "Qaliblərə sertifikatlar təqdim olunub." in record["text"]
    assert record["explain"]["text"].startswith("trafilatura (default): recall pass holds ")
    assert "precise 2" in record["explain"]["text"]


def test_precise_pass_kept_when_it_holds_the_prose():
    html, spec = _page("unknown_kk_hfeed_share_container")
    record = extract_page(html, url=spec["url"], source=None, now=_now(spec), explain=True)
    assert record["explain"]["text"].startswith(
        "trafilatura (favor_precision, fast): holds the page's prose")


# -- the mechanisms, one by one ------------------------------------------------------------

def test_prune_never_removes_the_element_holding_the_article():
    prose = "".join(f"<p>Абзац номер {i} о работе общественных организаций района, "
                    f"длинный достаточно для статьи.</p>" for i in range(4))
    side = "".join(f"<li><a href='/{i}'>Новость {i}</a></li>" for i in range(40))
    html = (f"<html><body><div class='entry-content no-share'><h1>Заголовок статьи</h1>"
            f"{prose}<div class='share-zone'><a href='#'>Поделиться</a></div></div>"
            f"<ul class='menu'>{side}</ul></body></html>")
    tree = parse_html(html)
    page = evidence.read_evidence(tree)
    keep = evidence.protected(page, tree.find(".//h1"))
    GenericExtractor().prune_tree(tree, keep=keep)
    assert tree.find(".//div[@class='entry-content no-share']") is not None
    assert tree.find(".//div[@class='share-zone']") is None


@pytest.mark.parametrize("text", [
    "東京都は二十日、新しい市民活動センターを開設すると発表した。",
    "서울시는 시민단체를 위한 새로운 지원센터를 열었다고 밝혔다.",
])
def test_unspaced_scripts_are_not_one_word_labels(text):
    assert word_count(text) >= 10
    assert clean_text(text).text == text


@pytest.mark.parametrize("kind", ["ReportageNewsArticle", "NewsArticle", "newsarticle",
                                  "http://schema.org/AnalysisNewsArticle", "BlogPosting",
                                  "ClaimReview"])
def test_jsonld_article_types_any_case(kind):
    html = (f'<html><head><script type="application/ld+json">{{"@type": "{kind}", '
            f'"headline": "Заголовок"}}</script></head><body><p>x</p></body></html>')
    assert meta.read_head(parse_html(html)).jsonld


def test_foreign_containers_are_matched_by_class_word():
    tree = parse_html("<html><body class='has-sidebar'><div class='hfeed'><div class='post'>"
                      "<time id='a'>1</time></div></div><div class='widget-latest'>"
                      "<time id='b'>2</time></div></body></html>")
    assert not meta.in_foreign(tree.find(".//time[@id='a']"))
    assert meta.in_foreign(tree.find(".//time[@id='b']"))


@pytest.mark.parametrize(("heading", "lang"), [
    ("Популярное", "ru"), ("Опрос", "ru"), ("Погода", "ru"), ("Курсы валют", "ru"),
    ("Көп оқылған", "kk"), ("Сауалнама", "kk"), ("Ауа райы", "kk"),
    ("Ən çox oxunanlar", "az"), ("Sorğu", "az"), ("Hava", "az"),
])
def test_widget_blocks_by_heading_in_ru_kk_az(heading, lang):
    html = (f"<html><body><div id='w'><h3>{heading}</h3><a href='/1'>Один</a>"
            f"<a href='/2'>Два</a></div><div id='a'><p>Текст статьи.</p></div></body></html>")
    tree = parse_html(html)
    assert [b.get("id") for b in layout.widget_blocks(tree, set())] == ["w"], lang


def test_poll_is_a_widget_by_structure_whatever_its_heading():
    html = ("<html><body><table><tr><td id='poll'>Ваш выбор?<form>"
            "<input type='radio'> Да<br><input type='radio'> Нет</form></td></tr></table>"
            "</body></html>")
    blocks = layout.widget_blocks(parse_html(html), set())
    assert blocks and "Ваш выбор?" in blocks[0].text_content()


@pytest.mark.parametrize("line", [
    "© 2003–2025 «Знамя степи». Перепечатка материалов без согласия редакции запрещена.",
    "Материалдарды редакцияның келісімінсіз көшіріп басуға тыйым салынады.",
    "Saytın materiallarından istifadə zamanı istinad mütləqdir.",
])
def test_copyright_footers_are_dropped(line):
    body = "Длинный абзац статьи о работе НПО в районе, в котором достаточно слов для текста."
    assert clean_text(f"{body}\n{line}").text == body


def test_valid_utf8_wins_over_a_stale_declared_charset():
    page = ('<html><head><meta charset="windows-1251"></head><body>'
            "<p>Ақмола облысында</p></body></html>").encode()
    assert "Ақмола облысында" in decode_page(page)
    legacy = "<html><head><meta charset='windows-1251'></head><body>Привет</body></html>"
    assert "Привет" in decode_page(legacy.encode("cp1251"))


def test_a_page_after_a_doctype_line_is_parsed_whole():
    html = "<!DOCTYPE html>\n<html><body>" + "<p>Текст.</p>" * 3 + "</body></html>"
    assert len(parse_html(html).findall(".//p")) == 3
