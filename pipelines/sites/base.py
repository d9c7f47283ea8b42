"""The generic extractor: one parse, registry overrides, trafilatura for the body.

``GenericExtractor`` turns a decoded page into raw fields (before cleanup,
attribution and language, which ``pipelines.extract`` adds):

1. parse once with lxml (``parse_html``); the same tree serves <meta>, JSON-LD,
   selectors and date candidates (``pipelines.sites.meta``);
2. prune the source's ``prune`` selectors and the generic widget list
   (``pipelines/rules/extract.toml``);
3. body: the source's ``selectors.body`` when it matches (text taken block by
   block, link lists skipped), otherwise trafilatura's ``bare_extraction`` on the
   pruned tree with ``TRAFILATURA_OPTIONS`` and no metadata (we read it better
   from the tree, and trafilatura's author XPath and htmldate are its slow part).

A site whose layout data cannot express subclasses this (``pipelines.sites``):
class attributes give default selectors and prune lists for one layout version;
the registry's own selectors still win.  Reads no settings.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, ClassVar

import lxml.html
from lxml import etree

from pipelines.items import DateCandidate
from pipelines.sites import evidence, layout, meta

if TYPE_CHECKING:
    from crawler.registry import Source

#: Chosen by measurement on tests/fixtures/pages (benchmarks/evaluate_extraction.py
#: --variants): precision mode keeps "latest news" and comment blocks out on our
#: sites at no recall cost; comments are never article text; `fast` skips the
#: jusText/readability fallback, which only ever added boilerplate here.
TRAFILATURA_OPTIONS: dict[str, object] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "fast": True,
    "deduplicate": False,
}
#: The cascade's second pass, run only when the precise pass holds too little of
#: the page's prose (``pipelines.sites.evidence``): trafilatura's default focus
#: with its jusText/readability comparison, comments still off.
RECALL_OPTIONS: dict[str, object] = {
    **TRAFILATURA_OPTIONS,
    "favor_precision": False,
    "fast": False,
}
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
#: libxml2 can lose most of a page after a DOCTYPE (lxml bug 1955915, the repair
#: trafilatura's own loader makes); the tree needs no doctype.
_DOCTYPE = re.compile(r"^\s*<!DOCTYPE[^>]*>", re.I)
#: Characters XML 1.0 (and so lxml) cannot hold: C0 controls but tab/newline/CR (a form
#: feed), lone surrogates (a bad ``surrogateescape`` decode) and the non-characters
#: U+FFFE/U+FFFF.  lxml silently cuts the document at the first one, so the article
#: would be lost from there on: they are removed before parsing.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WS = re.compile(r"\s+")
#: trafilatura separates paragraphs with a bare "\n"; a line break with spaces or tabs
#: beside it is the page source's own indentation inside one paragraph (text around a
#: link written over several source lines: "Die \n   \n    Lego-Aktion läuft ..."),
#: and must not split that paragraph in two.
_SOURCE_BREAK = re.compile(r"[ \t]+\n(?:[ \t]*\n)*[ \t]*|\n(?:[ \t]*\n)*[ \t]+(?=\S)")
#: A lead's class has one of these words ("article__description", "news-lead",
#: "e-standfirst", "article__abstract", "post-header__text__dek") or two of its
#: words joined make one ("lead-content__sub-title", "teaser_text").
_LEAD_WORDS = frozenset((
    "lead", "leadtext", "description", "intro", "introtext", "anons", "summary", "subtitle",
    "standfirst", "teaser", "teasertext", "excerpt", "preface", "abstract", "dek", "strapline",
    "synopsis", "epigraph", "preamble", "subheader", "subhead", "subheadline"))
#: ... and none of these: an author box, an image or its caption is no lead.
_NOT_LEAD = frozenset(("author", "bio", "image", "img", "photo", "caption", "figure", "embed",
                       "credit", "video", "gallery", "media", "profile", "user"))
_LEAD_TAGS = ("div", "p", "h2", "h3", "h4")
#: Blocks that may hold a lead: one of ``_LEAD_TAGS`` whose class contains a lead
#: word (checked word by word in ``_lead_class``), or any of them inside the
#: headline's own ``<header>``/``<hgroup>`` after the headline (``lead_candidates``).
_LEAD = etree.XPath(
    ".//*[@class][" + " or ".join(f"self::{t}" for t in _LEAD_TAGS) + "][" + " or ".join(
        f"contains(@class, '{w}')" for w in sorted(
            {w for w in _LEAD_WORDS if not any(o != w and o in w for o in _LEAD_WORDS)}
            | {"sub-title", "sub_title", "sub-head", "sub_head"})) + "]")
#: A lead this short is a label ("Video", "Updated"); this long is the article.
_LEAD_CHARS = (40, 1500)
_CLASS_WORDS = re.compile(r"[a-z0-9]+")
_BLOCKS = frozenset((
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre",
    "section", "article", "header", "footer", "table", "tr", "td", "th", "figure", "dd", "dt",
    "dl", "address", "main", "center"))


@dataclass
class RawArticle:
    """Fields read from the page, before cleanup / attribution / language."""

    title: str | None = None
    text: str = ""
    author: str | None = None
    canonical_url: str | None = None
    alternates: tuple[str, ...] = ()
    """Other-language editions (hreflang alternates), absolute URLs."""
    description: str | None = None
    html_lang: str | None = None
    site_name: str | None = None
    date_candidates: list[DateCandidate] = field(default_factory=list)
    explain: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    credit_lines: list[str] = field(default_factory=list)
    """Short blocks next to the body that may credit a supplier (for attribution)."""


#: A CSS selector of one element, no combinator, no pseudo-class (``div``, ``.x``,
#: ``[class*=share]``, ``a.b[id~=c]``): whether an element matches it depends on the
#: element alone, so it can be tested on a short list of candidates.
_SIMPLE_CSS = re.compile(r"^[\w*-]*(?:[.#][\w-]+|\[[^\]]*\])*$")


#: One part of a simple selector: ``.class``, ``#id`` or ``[attribute]`` /
#: ``[attribute<op>value]`` (value bare or quoted, no escapes).
_SIMPLE_PART = re.compile(
    r"\.(?P<cls>[\w-]+)|#(?P<id>[\w-]+)"
    r"|\[\s*(?P<attr>[\w-]+)\s*(?:(?P<op>[~|^$*]?=)\s*"
    r"(?:(?P<bare>[\w-]+)|\"(?P<dq>[^\"\\]*)\"|'(?P<sq>[^'\\]*)')\s*)?\]")
#: XPath's white space (``normalize-space``), which is not Python's ``str.split``'s.
_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _words(value: str) -> list[str]:
    return [w for w in _XML_SPACE.split(value) if w]


def _attr_test(name: str, op: str | None, value: str):
    """``[name<op>value]`` as cssselect's XPath reads it, on one element."""
    if op is None:
        return lambda el: el.get(name) is not None
    if op != "=" and not value:  # cssselect: an empty value never matches these
        return lambda el: False
    tests = {
        "=": lambda a: a == value,
        "~=": lambda a: value in _words(a),
        "|=": lambda a: a == value or a.startswith(value + "-"),
        "^=": lambda a: a.startswith(value),
        "$=": lambda a: a.endswith(value),
        "*=": lambda a: value in a,
    }
    if op == "~=" and _XML_SPACE.search(value):
        return None
    test = tests[op]

    def check(el) -> bool:
        a = el.get(name)
        return a is not None and test(a)
    return check


def _simple_plan(selector: str):
    """(an XPath test every element ``selector`` matches passes, a Python test of
    one element that is exactly the selector) for a ``_SIMPLE_CSS`` selector: the
    presence of the attribute its first part reads (else its tag), and the tag and
    each part tested as cssselect's XPath would.  None when the selector is of a
    shape this does not read (it is then evaluated by cssselect on its own)."""
    tag = re.match(r"[\w*-]*", selector).group(0)
    rest = selector[len(tag):]
    parts = list(_SIMPLE_PART.finditer(rest))
    if "".join(m.group(0) for m in parts) != rest:
        return None
    if tag not in ("", "*") and not re.fullmatch(r"[A-Za-z][\w-]*", tag):
        return None
    tests = [] if tag in ("", "*") else [lambda el, t=tag: el.tag == t]
    need = None
    for m in parts:
        if m["cls"] is not None:
            name, op, value = "class", "~=", m["cls"]
        elif m["id"] is not None:
            name, op, value = "id", "=", m["id"]
        else:
            name, op = m["attr"], m["op"]
            value = next((v for v in (m["bare"], m["dq"], m["sq"]) if v is not None), "")
        test = _attr_test(name, op, value)
        if test is None:
            return None
        tests.append(test)
        need = need or f"@{name}"
    if need is None:
        need = "true()" if tag in ("", "*") else f"self::{tag}"
    if len(tests) == 1:
        return need, tests[0]
    return need, lambda el: all(t(el) for t in tests)


@lru_cache(maxsize=256)
def _prune_plan(selectors: tuple[str, ...]) -> tuple[etree.XPath | None, dict]:
    """One XPath for the elements any simple CSS selector may match (one scan of the
    tree testing an attribute's presence or a tag), and each selector's own test of
    one of them (the other selectors are evaluated on their own, as before).

    An XPath union of the selectors themselves made libxml2 scan the tree once per
    selector, testing each element's class words every time (~8 ms a page of 3,000
    elements for the 15 generic rules); the presence scan is one pass, and the class
    words are then read only on the elements that have the attribute.
    ``tests/test_extract_body.py`` checks each test against cssselect."""
    simple = [s for s in dict.fromkeys(selectors)
              if not meta.is_xpath(s) and _SIMPLE_CSS.match(s) and s.strip()]
    tests: dict = {}
    needs: dict[str, None] = {}
    for s in simple:
        plan = _simple_plan(s)
        if plan is None:
            continue
        needs[plan[0]] = None
        tests[s] = plan[1]
    union = (etree.XPath("descendant-or-self::*[" + " or ".join(needs) + "]")
             if needs else None)
    return union, tests


class PruneCandidates:
    """Each prune selector's matches, from one scan of the tree for the simple ones.

    ``matches(selector)`` is what ``meta.select(tree, selector)`` would return at
    that moment: elements a previous rule removed (detached subtrees) are left out.
    """

    def __init__(self, tree, selectors: tuple[str, ...]) -> None:
        self.tree = tree
        self.union, self.tests = _prune_plan(tuple(selectors))
        self.found = [el for el in self.union(tree) if isinstance(el, etree._Element)] \
            if self.union is not None else []

    def matches(self, selector: str) -> list:
        test = self.tests.get(selector)
        if test is None:
            return meta.select(self.tree, selector)
        if not self.found:
            return []
        root = self.tree
        return [el for el in self.found if test(el) and _attached(el, root)]


def _attached(el, root) -> bool:
    while True:
        parent = el.getparent()
        if parent is None:
            return el is root
        el = parent


def prune_candidates(tree, selectors: tuple[str, ...]) -> PruneCandidates:
    return PruneCandidates(tree, selectors)


@lru_cache(maxsize=1)
def _prune_lists() -> dict[str, tuple[str, ...]]:
    raw = resources.files("pipelines").joinpath("rules/extract.toml").read_text("utf-8")
    data = tomllib.loads(raw)["prune"]
    return {k: tuple(v) for k, v in data.items()}


def parse_html(html: str):
    """The page as an lxml tree, or None when there is nothing to parse."""
    if not isinstance(html, str) or not html.strip():
        return None
    html = _XML_DECL.sub("", html, count=1)   # lxml refuses str with an encoding declaration
    html = _INVALID_XML.sub("", _DOCTYPE.sub("", html, count=1))
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return tree if len(tree) else None


class GenericExtractor:
    """Extraction for any page; subclasses add one site layout version each."""

    #: Registry id this subclass serves (None: any site).
    source_id: ClassVar[str | None] = None
    version: ClassVar[str] = "generic"
    #: When this layout took effect on the site (a redesign adds a newer version).
    valid_from: ClassVar[date | None] = None
    #: A selector that only this layout has; picks the version for a page.
    signature: ClassVar[str | None] = None
    #: Default selectors (title/date/body/author) for this layout; the registry wins.
    selectors: ClassVar[dict[str, str]] = {}
    prune: ClassVar[tuple[str, ...]] = ()

    def __init__(self, source: Source | None = None) -> None:
        self.source = source

    @property
    def name(self) -> str:
        return f"{self.source_id}/{self.version}" if self.source_id else "generic"

    @classmethod
    def matches(cls, tree) -> bool:
        return cls.signature is None or bool(meta.select(tree, cls.signature))

    def selector_for(self, field_name: str) -> str | None:
        if self.source is not None:
            value = getattr(self.source.selectors, field_name, None)
            if value:
                return value
        return self.selectors.get(field_name)

    # -- the steps (override in a site module where a layout needs it) ---------

    def extract(self, tree, url: str) -> RawArticle:
        out = RawArticle()
        info = meta.read_head(tree)
        out.html_lang, out.site_name = info.html_lang, info.site_name
        out.description = info.meta.get("og:description") or info.meta.get("description")
        out.title, how, title_el = meta.find_title(tree, info, url, self.selector_for("title"))
        out.explain["title"] = how
        out.author, out.explain["author"] = meta.find_author(
            tree, info, self.selector_for("author"))
        out.canonical_url, out.explain["canonical_url"] = meta.find_canonical(tree, info, url)
        out.alternates = meta.find_alternates(tree, url)
        out.date_candidates = self.date_candidates(tree, info, title_el)
        origins = sorted({c.origin for c in out.date_candidates})
        out.explain["date_candidates"] = ", ".join(origins) if origins else "none"
        out.credit_lines = credit_candidates(tree)
        page = evidence.read_evidence(tree)
        keep = evidence.protected(page, title_el)
        unwrapped = layout.unwrap_layout_tables(tree, page)
        widgets = layout.widget_blocks(tree, keep)
        for block in widgets:
            if block.getparent() is not None:
                block.drop_tree()
        pruned = self.prune_tree(tree, keep=keep)
        out.text, out.explain["text"] = self.body_with_headings(
            *self.body_text(tree, url, page), page)
        lead = self.lead(title_el, out.text, page)
        if lead is not None:
            out.text = f"{meta.text_of(lead)}\n{out.text}"
            label = ".".join([lead.tag, *(lead.get("class") or "").split()[:1]])
            out.explain["text"] += f" + lead {label}"
        if pruned:
            out.explain["text"] += f"; pruned {pruned} blocks"
        if widgets:
            out.explain["text"] += f"; {len(widgets)} widget blocks (poll, weather, popular...)"
        if unwrapped:
            out.explain["text"] += f"; {unwrapped} layout tables read as blocks"
        return out

    def lead(self, title_el, text: str, page: evidence.PageEvidence | None = None):
        """A lead paragraph printed apart from the body (``div.article__description``),
        which trafilatura's precision mode leaves out; None when the text has it.

        Candidates (``lead_candidates``) come from near the headline; one that holds
        the headline is a header box, not a lead, and one printed after the body's
        first paragraph (``page``: the prose the text holds) is a box further down
        (a newsletter sign-up's "subhead"), not a lead.
        """
        scope = title_el
        for _ in range(3):
            if scope is None or scope.getparent() is None:
                break
            scope = scope.getparent()
        if scope is None or title_el is None:
            return None
        probe = " ".join(text.split())
        first_body = False     # not looked up yet
        for el in lead_candidates(scope, title_el):
            value = meta.text_of(el)
            if not _LEAD_CHARS[0] <= len(value) <= _LEAD_CHARS[1] or value[:60] in probe \
                    or meta.in_foreign(el):
                continue
            if not _is_lead_prose(el, value):
                continue
            if page is not None:
                if first_body is False:
                    first_body = next((h for h, para in
                                       zip(page.holders, page.paragraphs, strict=True)
                                       if evidence.key_of(para) in probe), None)
                if first_body is not None and first_body is not el \
                        and _precedes(first_body, el):
                    continue
            return el
        return None

    def date_candidates(self, tree, info: meta.PageMeta, title_el) -> list[DateCandidate]:
        return meta.find_dates_in_page(tree, info, title_el, self.selector_for("date"))

    def prune_selectors(self) -> tuple[str, ...]:
        own = self.source.prune if self.source is not None else ()
        return (*own, *self.prune, *_prune_lists()["page"])

    def prune_tree(self, tree, keep: set | frozenset = frozenset()) -> int:
        """Drop the prune selectors' blocks in place (their tail text stays).

        ``keep`` holds the elements that carry the article (``evidence.protected``):
        a rule never removes one of them, nor the body selector's match or its
        ancestors, and a rule whose matches hold half the page's visible text
        together removes nothing (those are not widgets).
        """
        body_sel = self.selector_for("body")
        body = meta.select(tree, body_sel)[:1] if body_sel else []
        keep = set(keep)
        if body:
            keep.add(body[0])
            keep.update(body[0].iterancestors())
        page = tree.find("body")
        page = page if page is not None else tree
        # half the page's *visible* text: inline scripts and styles are not the page
        hidden = sum(len(el.text_content()) for el in page.iter("script", "style", "template"))
        limit = (len(page.text_content()) - hidden) / 2
        count = 0
        selectors = self.prune_selectors()
        candidates = prune_candidates(tree, selectors)
        for selector in selectors:
            found = [el for el in candidates.matches(selector)
                     if el.getparent() is not None and el not in keep]
            outer = set(found)
            # what the rule would remove in all: many small matches can hold the
            # article too (every entry of a live blog is a "comment-item")
            total = sum(len(el.text_content()) for el in found
                        if not any(a in outer for a in el.iterancestors()))
            if total > limit:
                continue
            for el in found:
                if el.getparent() is None:
                    continue                       # inside a block already removed
                el.drop_tree()
                count += 1
        return count

    def body_text(self, tree, url: str,
                  page: evidence.PageEvidence | None = None) -> tuple[str, str]:
        selector = self.selector_for("body")
        if selector:
            found = meta.select(tree, selector)
            if found:
                text = "\n".join(element_text(el) for el in found)
                if len(text) > 40:
                    return text, f"selector {selector}"
        return self.trafilatura_text(tree, url, page)

    def trafilatura_text(self, tree, url: str,
                         page: evidence.PageEvidence | None = None) -> tuple[str, str]:
        """The cascade: the precise pass, and the recall pass only when the precise
        one holds too little of the page's prose; the better-covering one wins."""
        precise = _trafilatura(tree, url, TRAFILATURA_OPTIONS)
        name = _pass_name(TRAFILATURA_OPTIONS)
        if page is None:
            page = evidence.PageEvidence()
        total = page.chars
        if (precise and total >= evidence.MIN_EVIDENCE
                and page.covered(precise) >= evidence.KEEP_PRECISE * total):
            return precise, f"trafilatura {name}: holds the page's prose"
        recall = _trafilatura(tree, url, RECALL_OPTIONS)
        text, why = evidence.choose_pass(page, precise, recall)
        chosen = name if text is precise else _pass_name(RECALL_OPTIONS)
        if total >= evidence.MIN_EVIDENCE and page.covered(text) < evidence.KEEP_PRECISE * total:
            text, added = evidence.continued_chunks(page, text)
            if added:
                why += f" + {added} paragraphs of the article's further chunks"
        return text, f"trafilatura {chosen}: {why}"

    def body_with_headings(self, text: str, how: str,
                           page: evidence.PageEvidence) -> tuple[str, str]:
        """Sub-headings the trafilatura text dropped between its paragraphs, put back."""
        if not how.startswith("trafilatura"):
            return text, how
        text, restored = evidence.restore_headings(text, page.core)
        if restored:
            how += f" + {restored} sub-headings restored"
        return text, how


def _pass_name(options: dict[str, object]) -> str:
    mode = "favor_precision" if options.get("favor_precision") else "default"
    return f"({mode}{', fast' if options.get('fast') else ''})"


def _trafilatura(tree, url: str, options: dict[str, object]) -> str:
    from trafilatura import bare_extraction

    try:
        doc = bare_extraction(tree, url=url, with_metadata=False, **options)
    except (ValueError, TypeError, etree.LxmlError):
        doc = None
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    return join_source_breaks(text)


def join_source_breaks(text: str) -> str:
    """trafilatura text with the page source's indentation inside a paragraph joined
    ("Die \\n   \\n    Lego-Aktion läuft" -> "Die Lego-Aktion läuft"); a bare "\\n"
    between paragraphs stays."""
    return _SOURCE_BREAK.sub(" ", text) if text else text


def _precedes(a, b) -> bool:
    """True when element ``a`` starts before ``b`` in the document (an ancestor
    starts before its descendants); False when they are in different trees."""
    chain_a = [a, *a.iterancestors()]
    chain_b = [b, *b.iterancestors()]
    if chain_a[-1] is not chain_b[-1]:
        return False
    for x, y in zip(reversed(chain_a), reversed(chain_b), strict=False):
        if x is not y:
            parent = x.getparent()
            return parent.index(x) < parent.index(y)
    return len(chain_a) < len(chain_b)


def _lead_class(el) -> bool | None:
    """True when the class names a lead, False when it names something else (an
    author bio, a caption: ``_NOT_LEAD``), None when it says neither."""
    words = _CLASS_WORDS.findall((el.get("class") or "").casefold())
    found = set(words) | {a + b for a, b in itertools.pairwise(words)}
    if found & _NOT_LEAD:
        return False
    return True if found & _LEAD_WORDS else None


def lead_candidates(scope, title_el) -> list:
    """Blocks near the headline that may be the lead, in page order: those whose
    class names a lead, then the blocks after the headline inside its own
    ``<header>`` or ``<hgroup>`` (the standfirst a page prints under the headline
    with a generated class: ``p.css-1485smx``).  A block holding the headline is a
    header box, never a lead."""
    boxes = set(title_el.iterancestors())
    out = [el for el in _LEAD(scope) if el not in boxes and _lead_class(el)]
    header = next((a for a in title_el.iterancestors("header", "hgroup")), None)
    if header is not None:
        after = False
        for el in header.iter(title_el.tag, *_LEAD_TAGS):
            if el is title_el:
                after = True
            elif after and el.tag in _LEAD_TAGS and el not in out \
                    and _lead_class(el) is not False \
                    and next(el.iterdescendants(*_LEAD_TAGS), None) is None:
                out.append(el)
    return out


def _is_lead_prose(el, value: str) -> bool:
    """A lead is prose: it carries no image (a caption or an asset box), few links
    (a card) and no date line (a byline box)."""
    from pipelines.cleanup import find_dates

    if next(el.iter("img", "figure", "picture", "video", "iframe", "svg"), None) is not None:
        return False
    linked = sum(len(a.text_content()) for a in el.iter("a"))
    return linked <= 0.3 * len(value) and not find_dates(value[:100])


def credit_candidates(tree, limit: int = 12) -> list[str]:
    """Short paragraphs anywhere in the page that mention a credit trigger word
    ("Материал предоставлен ...", "По сообщению сайта ...") outside widgets."""
    from pipelines.attribution import may_mention_credit, mentions_credit

    found: list[str] = []
    if not may_mention_credit(tree.text_content()):
        return found  # no trigger word anywhere on the page: no block can have one
    for el in tree.iter("p", "div", "span", "em"):
        text = el.text_content()
        if not 8 <= len(text) <= 200 or (el.tag == "div" and el.find(".//div") is not None):
            continue
        if not may_mention_credit(text):
            continue  # the cheap test first: no trigger word, whatever the white space
        text = _WS.sub(" ", text).strip()
        if mentions_credit(text) and not meta.in_foreign(el) and text not in found:
            found.append(text)
            if len(found) >= limit:
                break
    return found


def element_text(root) -> str:
    """Text of a body container, one line per block; nested link lists are skipped."""
    junk = set()
    for selector in _prune_lists()["body"]:
        junk.update(meta.select(root, selector))
    counts = _link_counts(root)
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = "".join(buf).strip()
        if line:
            lines.append(line)
        buf.clear()

    def walk(node) -> None:
        if not isinstance(node.tag, str) or node in junk or _link_list(node, counts):
            if node.tail:
                buf.append(_WS.sub(" ", node.tail))
            return
        if node.tag == "br":
            flush()
        block = node.tag in _BLOCKS
        if block:
            flush()
        if node.text:
            buf.append(_WS.sub(" ", node.text))
        for child in node:
            walk(child)
        if block:
            flush()
        if node.tail:
            buf.append(_WS.sub(" ", node.tail))

    tail, root.tail = root.tail, None
    try:
        walk(root)
    finally:
        root.tail = tail
    flush()
    return "\n".join(lines)


def _link_counts(root) -> dict:
    """element -> (links inside, visible characters, characters inside those links), for
    every element under ``root``, in one bottom-up pass.

    ``_link_list`` asked each nested box for ``findall('.//a')`` and ``text_content()``:
    quadratic in the nesting depth (a fuzzed page of duplicated nested blocks took over
    a minute).  The counts are those calls' exactly: characters are non-whitespace,
    an element's own tail is not its text, a comment's text is none (its tail is)."""
    counts: dict = {}
    for el in reversed(list(root.iter())):  # every child before its parent
        if not isinstance(el.tag, str):
            continue
        n_links = chars = linked = 0
        if el.text:
            chars += len(el.text) - _count_ws(el.text)
        for child in el:
            if child.tail:
                chars += len(child.tail) - _count_ws(child.tail)
            sub = counts.get(child)
            if sub is None:  # a comment or processing instruction
                continue
            n_links += sub[0] + (child.tag == "a")
            chars += sub[1]
            linked += sub[2] + (sub[1] if child.tag == "a" else 0)
        counts[el] = (n_links, chars, linked)
    return counts


def _count_ws(text: str) -> int:
    return sum(len(m) for m in _WS.findall(text))


def _link_list(node, counts: dict | None = None) -> bool:
    """A list or box that is mostly links ("Читайте также" cards inside the body)."""
    if node.tag not in ("ul", "ol", "div", "section", "table"):
        return False
    if counts is None:
        counts = _link_counts(node)
    n_links, total, linked = counts[node]
    if n_links < 2:
        return False
    return total > 0 and linked / total > 0.7
