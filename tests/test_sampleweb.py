"""The offline sample web (crawler/sampleweb): its expectations are consistent,
its pages hold what the expectations say, and the loopback server serves robots,
feeds, sitemaps and every article with the right status and Content-Type."""

from __future__ import annotations

import difflib
import http.client
import re
import socket
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlsplit

import lxml.html
import pytest
from protego import Protego

from crawler.registry import parse_registry
from crawler.sampleweb import (
    OUTLETS,
    SAMPLE_NOW,
    PageExpectation,
    SampleWeb,
    broken_links,
    disallowed_links,
    iter_pages,
    link_variants,
    load_expectations,
    non_article_paths,
    offline_base,
    registry_template,
    render_registry,
)
from crawler.sampleweb.content import load_articles, read_seed, seed_names

EXPECTATIONS = load_expectations()
PAGES = {(e.source_id, e.path): (body, ctype) for e, _, body, ctype in iter_pages()}
ARTICLES = {(a.source_id, a.path): a for arts in load_articles().values() for a in arts}
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def norm(text: str) -> str:
    return " ".join(text.split())


def charset_of(content_type: str) -> str:
    return content_type.split("charset=")[1]


def page_text(body: bytes, content_type: str) -> str:
    doc = lxml.html.document_fromstring(body.decode(charset_of(content_type)))
    return norm(doc.text_content())


def body_text(exp: PageExpectation) -> str:
    return norm(" ".join(ARTICLES[(exp.source_id, exp.path)].paragraphs))


def ids(exp: PageExpectation) -> str:
    return f"{exp.source_id}{exp.path}"


def fetch(url: str, method: str = "GET", headers: dict | None = None):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, headers=headers or {"User-Agent": "Mozilla/5.0 test"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def web():
    with SampleWeb() as served:
        yield served


# --- expectations -------------------------------------------------------------------------

def test_counts_and_outlets():
    assert len(EXPECTATIONS) >= 40
    assert len(OUTLETS) >= 6
    assert {e.source_id for e in EXPECTATIONS} == set(OUTLETS)
    assert sum(not e.relevant for e in EXPECTATIONS) >= 8
    assert {"ru", "kk", "az"} <= {e.language for e in EXPECTATIONS}
    refs = [e.ref for e in EXPECTATIONS]
    assert len(refs) == len(set(refs))


def test_every_seed_rendered_once_and_whole():
    seeds = Counter(e.seed for e in EXPECTATIONS if e.seed)
    assert sorted(seeds) == seed_names()
    assert len(seed_names()) == 5
    assert set(seeds.values()) == {1}
    for exp in (e for e in EXPECTATIONS if e.seed):
        text = page_text(*PAGES[(exp.source_id, exp.path)])
        # Every body line of the seed is on the page (photo captions included).
        for block in ARTICLES[(exp.source_id, exp.path)].blocks:
            assert norm(block.text) in text, (exp.seed, block.text[:40])
        assert all(norm(p) in norm(read_seed(exp.seed)) for p in exp.must_contain)


@pytest.mark.parametrize(("source_id", "published_at", "raw"), [
    ("azerinform", "2025-11-24T07:18:00Z", "24.11.2025 [11:18]"),
    ("dalanews", "2023-08-11T15:03:00Z", "11 августа 2023, 21:03"),
    ("sevkaz", "2025-11-24T12:11:00Z", "17:11, Вчера"),
    ("toboltv", "2023-08-11T14:30:00Z", "11.08.2023 20:30"),
    ("bakvestnik", "2023-02-10", "10.02.2023"),
])
def test_seed_dates(source_id, published_at, raw):
    (exp,) = [e for e in EXPECTATIONS if e.seed and e.source_id == source_id]
    assert (exp.published_at, exp.published_raw) == (published_at, raw)


def test_seed_metadata():
    by_seed = {e.seed[:3]: e for e in EXPECTATIONS if e.seed}
    assert by_seed["003"].state_supplied and by_seed["003"].attributed_to == "Tengrinews"
    assert by_seed["003"].supplier == "акимат Костанайской области"
    assert by_seed["002"].attributed_to == "AZERTAC"  # canonical name of АЗЕРТАДЖ
    for phrase in ("Популярные темы", "Стоковые изображения от Depositphotos",
                   "Тэги новости", "Поделитесь новостью с друзьями"):
        assert phrase in by_seed["003"].must_not_contain
    text = page_text(*PAGES[("dalanews", by_seed["003"].path)])
    assert "Материал предоставлен акиматом Костанайской области" in text
    assert "По сообщению сайта Tengrinews" in text


def test_dates_are_not_after_sample_now():
    for exp in EXPECTATIONS:
        assert exp.precision in ("day", "minute", "second")
        if exp.precision == "day":
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", exp.published_at)
            assert exp.published_at <= SAMPLE_NOW.date().isoformat()
        else:
            moment = datetime.strptime(exp.published_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            assert moment <= SAMPLE_NOW, ids(exp)


def test_relative_dates_are_used():
    raws = [e.published_raw for e in EXPECTATIONS]
    assert any(r.startswith("Сегодня, ") for r in raws)
    assert any(r.startswith("Вчера, ") for r in raws)
    assert any(r.endswith(", Сегодня") for r in raws)
    assert any(re.search(r"\d \w+ь 2025$", r) for r in raws)  # nominative month


def test_duplicates_point_to_earlier_existing_pages():
    by_ref = {e.ref: e for e in EXPECTATIONS}
    exact = Counter(e.duplicate_of for e in EXPECTATIONS if e.duplicate_of)
    assert max(exact.values()) >= 2  # one story reprinted on 2+ other outlets
    assert any(e.near_duplicate_of for e in EXPECTATIONS)
    for exp in EXPECTATIONS:
        for target in filter(None, (exp.duplicate_of, exp.near_duplicate_of)):
            original = by_ref[target]
            assert original.duplicate_of is None
            assert ARTICLES[(original.source_id, original.path)].local <= \
                ARTICLES[(exp.source_id, exp.path)].local
        if exp.duplicate_of:
            assert body_text(exp).lower() == body_text(by_ref[exp.duplicate_of]).lower()
        if exp.near_duplicate_of:
            ours, theirs = body_text(exp), body_text(by_ref[exp.near_duplicate_of])
            assert ours != theirs
            assert difflib.SequenceMatcher(None, ours, theirs).ratio() > 0.8


@pytest.mark.parametrize("exp", EXPECTATIONS, ids=ids)
def test_page_holds_expected_phrases(exp):
    body, ctype = PAGES[(exp.source_id, exp.path)]
    text = page_text(body, ctype)
    doc = lxml.html.document_fromstring(body.decode(charset_of(ctype)))
    assert [norm(h.text_content()) for h in doc.iter("h1")] == [exp.title]
    assert exp.published_raw in text
    assert 3 <= len(exp.must_contain) <= 5
    assert len(exp.must_not_contain) >= 3
    article_body = body_text(exp).lower()
    for phrase in exp.must_contain:
        assert norm(phrase) in text
        assert norm(phrase).lower() in article_body
    for phrase in exp.must_not_contain:
        assert norm(phrase) in text, phrase  # really on the page ...
        assert norm(phrase).lower() not in article_body, phrase  # ... and not in the article


def test_newspaper_keeps_page_break_hyphenation():
    (exp,) = [e for e in EXPECTATIONS if e.seed and e.seed.startswith("000")]
    body, _ = PAGES[("bakvestnik", exp.path)]
    doc = lxml.html.document_fromstring(body.decode("cp1251"))
    paragraphs = [p.text_content() for p in doc.cssselect("div.text p")]
    i = next(n for n, p in enumerate(paragraphs) if p.endswith(" в на-"))
    assert paragraphs[i + 1].startswith("правлении укрепления")


# --- the template registry ----------------------------------------------------------------

FAKE_BASES = {sid: f"http://127.0.0.{11 + i}:8{i:03d}" for i, sid in enumerate(OUTLETS)}


def test_template_registry_substitutes_and_validates():
    assert "{base}" in registry_template()
    text = render_registry(FAKE_BASES)
    assert not [line for line in text.splitlines() if "{base}" in line.split("#")[0]]
    registry = parse_registry(tomllib.loads(text), origin="<test>")
    assert [s.id for s in registry] == list(OUTLETS)
    for source in registry:
        for url in (*source.feeds, *source.sitemaps, *source.listings):
            assert url.startswith(FAKE_BASES[source.id] + "/")


def test_article_url_regexes_separate_articles_from_other_pages():
    registry = parse_registry(tomllib.loads(render_registry(FAKE_BASES)), origin="<test>")
    for exp in EXPECTATIONS:
        assert registry.get(exp.source_id).is_article_url(FAKE_BASES[exp.source_id] + exp.path)
    for sid, path, _ in broken_links():
        assert registry.get(sid).is_article_url(FAKE_BASES[sid] + path)
    for sid, variant, _ in link_variants():
        assert registry.get(sid).is_article_url(FAKE_BASES[sid] + variant)
    others = non_article_paths()
    assert {sid for sid, _ in others} == set(OUTLETS)
    for sid, path in others:
        assert not registry.get(sid).is_article_url(FAKE_BASES[sid] + path), (sid, path)


TEMPLATE_REGISTRY = parse_registry(tomllib.loads(render_registry(FAKE_BASES)), origin="<test>")
PINNED = [e for e in EXPECTATIONS if TEMPLATE_REGISTRY.get(e.source_id).selectors.body]


@pytest.mark.parametrize("exp", PINNED, ids=ids)
def test_registry_selectors_and_prune_isolate_the_article(exp):
    """Where the registry pins selectors, they pick the printed date and a body that,
    pruned, holds every must_contain phrase and no must_not_contain phrase."""
    source = TEMPLATE_REGISTRY.get(exp.source_id)
    body, ctype = PAGES[(exp.source_id, exp.path)]
    doc = lxml.html.document_fromstring(body.decode(charset_of(ctype)))
    if source.selectors.date:
        assert [norm(e.text_content()) for e in doc.cssselect(source.selectors.date)] == \
            [exp.published_raw]
    for selector in source.prune:
        for element in doc.cssselect(selector):
            element.drop_tree()
    (container,) = doc.cssselect(source.selectors.body)
    text = norm(" ".join(p.text_content() for p in container.iter("p"))).lower()
    assert text == body_text(exp).lower()
    assert all(norm(p).lower() in text for p in exp.must_contain)
    assert not [p for p in exp.must_not_contain if norm(p).lower() in text]


# --- the server ---------------------------------------------------------------------------

def test_each_outlet_has_its_own_host_or_port(web):
    hosts = [urlsplit(b) for b in web.bases.values()]
    assert len({(h.hostname, h.port) for h in hosts}) == len(OUTLETS)
    assert all(h.hostname.startswith("127.0.0.") for h in hosts)
    registry = web.registry()
    assert [s.id for s in registry] == list(OUTLETS)
    assert registry.get("dalanews").sitemaps == (web.bases["dalanews"] + "/sitemap-index.xml",)


def test_robots_txt(web):
    disallowed = disallowed_links()
    assert {sid for sid, _ in disallowed} == set(OUTLETS)
    for sid in OUTLETS:
        status, ctype, body = fetch(web.url(sid, "/robots.txt"))
        assert (status, ctype) == (200, "text/plain; charset=utf-8")
        robots = Protego.parse(body.decode())
        for path in (p for s, p in disallowed if s == sid):
            assert not robots.can_fetch(web.url(sid, path), "civmon"), path
            assert fetch(web.url(sid, path))[0] == 200  # served: only robots.txt forbids it
        for exp in (e for e in EXPECTATIONS if e.source_id == sid):
            assert robots.can_fetch(web.url(sid, exp.path), "civmon")
        if sid == "dalanews":
            assert list(robots.sitemaps) == [web.url(sid, "/sitemap-index.xml")]


def test_agency_rss_has_no_body_and_no_guid(web):
    status, ctype, body = fetch(web.url("azerinform", "/ru/rss"))
    assert (status, ctype) == (200, "application/rss+xml; charset=utf-8")
    channel = ET.fromstring(body).find("channel")
    items = channel.findall("item")
    assert items and all(i.find("guid") is None and i.find("description") is None
                         for i in items)
    links = [i.findtext("link") for i in items]
    assert any("utm_source=rss&utm_medium=feed" in link for link in links)
    seed_item = next(i for i in items if "forum_solidarnosti" in i.findtext("link"))
    assert seed_item.findtext("pubDate") == "Mon, 24 Nov 2025 11:18:00 +0400"


def test_tv_rss_and_sitemaps(web):
    status, ctype, body = fetch(web.url("toboltv", "/ru/rss.xml"))
    assert (status, ctype) == (200, "application/rss+xml; charset=utf-8")
    assert len(ET.fromstring(body).findall("channel/item")) == 6
    status, ctype, body = fetch(web.url("dalanews", "/sitemap-index.xml"))
    assert (status, ctype) == (200, "application/xml; charset=utf-8")
    children = [s.findtext(f"{SITEMAP_NS}loc") for s in ET.fromstring(body)]
    assert len(children) == 3
    listed = []
    for child in children:
        status, _, xml = fetch(child)
        assert status == 200
        for url in ET.fromstring(xml):
            assert url.findtext(f"{SITEMAP_NS}lastmod")
            listed.append(urlsplit(url.findtext(f"{SITEMAP_NS}loc")).path)
    assert {e.path for e in EXPECTATIONS if e.source_id == "dalanews"} <= set(listed)
    status, _, body = fetch(web.url("bakvestnik", "/sitemap.xml"))
    assert status == 200 and len(ET.fromstring(body)) == 6


def test_listing_pagination(web):
    status, _, body = fetch(web.url("steppeinform", "/ru/lenta"))
    assert status == 200
    doc = lxml.html.document_fromstring(body.decode())
    assert doc.cssselect("a.pagination__next")[0].get("href") == "/ru/lenta?page=2"
    _, _, last = fetch(web.url("steppeinform", "/ru/lenta?page=3"))
    assert not lxml.html.document_fromstring(last.decode()).cssselect("a.pagination__next")


def test_every_article_served_with_its_content_type(web):
    for exp, path, body, ctype in iter_pages(web.bases):
        status, served_type, served = fetch(web.url(exp.source_id, path))
        assert (status, served_type) == (200, ctype), ids(exp)
        assert served == body
        expected = "windows-1251" if exp.source_id == "bakvestnik" else "utf-8"
        assert ctype == f"text/html; charset={expected}"
    first = next(e for e in EXPECTATIONS if e.source_id == "dalanews")
    assert web.requests[("dalanews", first.path)] >= 1


def test_broken_links_and_variants(web):
    assert {status for _, _, status in broken_links()} == {404, 500}
    for sid, path, status in broken_links():
        assert fetch(web.url(sid, path))[0] == status
    assert fetch(web.url("sevkaz", "/no/such/page"))[0] == 404
    kinds = {("?" in v, v.endswith("/") != c.endswith("/")) for _, v, c in link_variants()}
    assert (True, False) in kinds and (False, True) in kinds
    for sid, variant, canonical in link_variants():
        assert fetch(web.url(sid, variant))[2] == fetch(web.url(sid, canonical))[2]
    assert web.requests[(link_variants()[0][0], link_variants()[0][1])] >= 1


def test_head_request(web):
    status, ctype, body = fetch(web.url("sevkaz", "/news"), method="HEAD")
    assert (status, ctype, body) == (200, "text/html; charset=utf-8", b"")


def test_windows_1251_newspaper(web):
    exp = next(e for e in EXPECTATIONS if e.source_id == "bakvestnik" and e.seed)
    status, ctype, body = fetch(web.url("bakvestnik", exp.path))
    assert (status, ctype) == (200, "text/html; charset=windows-1251")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("cp1251")
    assert '<meta charset="windows-1251">' in text
    for phrase in exp.must_contain:
        assert phrase in norm(text)


def test_browser_only_outlet_rejects_bot_user_agents():
    with SampleWeb(["azerinform"], browser_only=["azerinform"]) as web:
        assert fetch(web.url("azerinform", "/ru/rss"), headers={"User-Agent": "bot/1.0"})[0] == 400
        assert fetch(web.url("azerinform", "/ru/rss"))[0] == 200
        assert [s.id for s in web.registry()] == ["azerinform"]


def test_servers_shut_down_on_exit():
    with SampleWeb(["sevkaz"]) as web:
        parts = urlsplit(web.bases["sevkaz"])
        assert fetch(web.url("sevkaz", "/robots.txt"))[0] == 200
    with pytest.raises(OSError), socket.create_connection((parts.hostname, parts.port), 1):
        pass


def test_iter_pages_without_server_uses_offline_base():
    exp, _, body, ctype = next(iter_pages())
    assert offline_base(exp.source_id).encode() in body
    assert b"@@BASE@@" not in body
    assert ctype.startswith("text/html")
