"""Body text rules of the generic path that unseen sites showed (cases written here, ru/kk)."""

from __future__ import annotations

import pytest

from pipelines.sites.base import join_source_breaks


@pytest.mark.parametrize(("raw", "expected"), [
    # an icon inside a link, indented over several source lines, as trafilatura prints it
    ("Подробности на сайте \n   \n    \n    акимата, где опубликован список.",
     "Подробности на сайте акимата, где опубликован список."),
    ("Встреча прошла в доме культуры.\n    Аким ответил на вопросы.",
     "Встреча прошла в доме культуры. Аким ответил на вопросы."),
    ("Жиналыс өтті.  \nӘкім сұрақтарға жауап берді.", "Жиналыс өтті. Әкім сұрақтарға жауап берді."),
    # a bare line break is trafilatura's paragraph break and stays
    ("Первый абзац о встрече.\nВторой абзац о решениях.",
     "Первый абзац о встрече.\nВторой абзац о решениях."),
    ("", ""),
])
def test_source_indentation_inside_a_paragraph_is_joined(raw, expected):
    assert join_source_breaks(raw) == expected


def test_joined_text_keeps_paragraph_count_of_the_page():
    paragraphs = [f"Абзац {n}: жители района обсудили с акимом ремонт дорог и подачу воды."
                  for n in range(5)]
    assert join_source_breaks("\n".join(paragraphs)).split("\n") == paragraphs


#: distinct paragraphs (the evidence probe is a paragraph's middle)
_TOPICS = ("дороги и мосты", "водоснабжение сёл", "школьный транспорт", "тарифы на тепло",
           "детские площадки", "уличное освещение")


def _chunked_page() -> str:
    first = "".join(f"<p>Часть первая: общественный совет обсудил отчёт акимата, тема {t}, "
                    f"с участием жителей района и депутатов.</p>" for t in _TOPICS[:3])
    second = "".join(f"<p>Часть вторая: маслихат предложил слушания, тема {t}, до конца "
                     f"текущего года в каждом сельском округе.</p>" for t in _TOPICS[3:])
    teaser = ("<div class='teaser-box'><p>Читайте также: в соседней области открыли новый "
              "центр поддержки волонтёров и некоммерческих организаций.</p></div>")
    return ("<html><body><article><h1>Совет обсудил отчёт акимата</h1>"
            f"<div class='article-chunk'>{first}</div><div class='ad'>Реклама</div>"
            f"{teaser}<div class='article-chunk'>{second}</div></article></body></html>")


def test_further_chunks_of_the_article_are_put_back_in_order():
    from pipelines.sites.base import parse_html
    from pipelines.sites.evidence import continued_chunks, read_evidence

    ev = read_evidence(parse_html(_chunked_page()))
    held = "\n".join(p for p in ev.paragraphs if p.startswith("Часть первая"))
    text, added = continued_chunks(ev, held)
    lines = text.split("\n")
    assert added == 3
    assert [ln.split(":")[0] for ln in lines] == ["Часть первая"] * 3 + ["Часть вторая"] * 3
    assert not any("Читайте также" in ln for ln in lines)     # another kind of container


def test_nothing_is_added_when_the_text_holds_every_chunk():
    from pipelines.sites.base import parse_html
    from pipelines.sites.evidence import continued_chunks, read_evidence

    ev = read_evidence(parse_html(_chunked_page()))
    held = "\n".join(p for p in ev.paragraphs if p.startswith("Часть"))
    assert continued_chunks(ev, held) == (held, 0)


def test_text_about_subscribing_is_not_a_paywall():
    from pipelines.cleanup import clean_text

    body = "Первый абзац статьи о форуме неправительственных организаций в регионе страны."
    line = "Читатели могут подписаться на рассылку фонда, чтобы прочитать полный текст закона."
    result = clean_text(f"{body}\n{line}\nПоследний абзац статьи остается на месте, как и был.")
    assert line in result.text


def _lead_page(header_extra: str, after_body: str = "", lead_box: str = "") -> str:
    body = "".join(f"<p>Общественный совет района обсудил отчёт акимата, тема {t}, вместе "
                   f"с жителями сёл и депутатами маслихата.</p>" for t in _TOPICS)
    return (f"<html><body><article><header>{lead_box or '<h1>Совет обсудил отчёт акимата</h1>'}"
            f"{header_extra}</header><div class='article-body'>{body}</div>{after_body}"
            f"</article></body></html>")


def test_standfirst_under_the_headline_with_a_generated_class_is_the_lead():
    from pipelines.extract import extract_article

    lead = "Жители шести сёл впервые задали вопросы акиму напрямую, без записи."
    art = extract_article(_lead_page(f"<p class='css-1x8f2q'>{lead}</p>"),
                          url="https://example.kz/lead1")
    assert art.text.startswith(lead)
    assert "+ lead p.css-1x8f2q" in art.explain["text"]
    art = extract_article(_lead_page(f"<p>{lead}</p>"), url="https://example.kz/lead1")
    assert art.text.startswith(lead) and "+ lead p + cleanup" in art.explain["text"]


@pytest.mark.parametrize("cls", ["article__sub-title", "e-standfirst", "post-header__dek",
                                 "article__abstract", "teaser_text"])
def test_lead_classes_are_read_word_by_word(cls):
    from pipelines.extract import extract_article

    lead = "Қоғамдық кеңес ауыл тұрғындарының сұрақтарын әкімге жеткізді."
    art = extract_article(_lead_page("", lead_box=(
        f"<h1>Кеңес әкімдік есебін талқылады</h1><div class='{cls}'>{lead}</div>")),
        url="https://example.kz/lead2")
    assert art.text.startswith(lead)


def test_a_header_box_holding_the_headline_and_a_box_after_the_body_are_no_lead():
    from pipelines.extract import extract_article

    box = ("<div class='lead-title_container'><span>Онлайн</span>"
           "<h1>Совет обсудил отчёт акимата района за год</h1></div>")
    signup = ("<div class='newsletter'><h2 class='newsletter__subhead'>Все новости района "
              "раз в неделю: подпишитесь на нашу рассылку.</h2></div>")
    art = extract_article(_lead_page("", after_body=signup, lead_box=box),
                          url="https://example.kz/lead3")
    assert not art.text.startswith("Онлайн")
    assert "рассылку" not in art.text
    assert art.text.startswith("Общественный совет района")


_PRUNE_PAGE = """<html><body>
<div class="share">a</div><div class=" share-box\tx">b</div><div class="no-share">c</div>
<div class="share\u00a0x">d</div><p class="Share">e</p><span id="comments">f</span>
<div id="comments-top" class="a b  c">g</div><section data-role="ad-slot">h</section>
<div class="social-links">i</div><a class="" href="#">j</a><div lang="en-GB">k</div>
<div class="cookie consent">l</div><ul><li class="x-share-y">m</li></ul>
</body></html>"""
_SELECTORS = (
    "[class*=share]", "[class~=share]", "[class*=share-]", "[class*=-share]", "[id*=comments]",
    ".share", ".b", "div.b.c", "#comments", "div#comments", "[data-role]",
    "[data-role^=ad]", "[data-role$=slot]", "[lang|=en]", "[lang=en-GB]", "section", "p",
    "*", "[class]", "[class='a b  c']", '[class*="social"]', '[class*=""]', '[class~=""]',
    'a[class=""]', "li.x-share-y", "[class~=Share]", "div[id*=comments][class~=b]",
)


@pytest.mark.parametrize("selector", _SELECTORS)
def test_prune_candidates_match_what_cssselect_matches(selector: str) -> None:
    """The prune rules' one-scan candidates and Python tests (``_simple_plan``) select
    exactly the elements cssselect selects, in document order."""
    from pipelines.sites import meta
    from pipelines.sites.base import _prune_plan, parse_html, prune_candidates

    tree = parse_html(_PRUNE_PAGE)
    assert selector in _prune_plan((selector,))[1]  # read by the fast path, not cssselect
    expected = meta.select(tree, selector)
    assert prune_candidates(tree, _SELECTORS).matches(selector) == expected
    assert prune_candidates(tree, (selector,)).matches(selector) == expected
