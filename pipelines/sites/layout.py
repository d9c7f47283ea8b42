"""Old table layouts and side widgets, recognised by structure and wording.

Regional papers on XOOPS, Joomla 1.x, DLE or Bitrix-on-tables print the article
as one <td> of a layout table, beside blocks headed "Популярное", "Опрос" (a poll
and its answers), "Погода", "Курсы валют".  Two steps run on the parsed page
before extraction (``pipelines.sites.base``):

* ``unwrap_layout_tables``: a table used for layout — it nests another table,
  says ``role=presentation``, or holds the page's prose core — becomes plain
  blocks, so trafilatura reads its cells as page regions rather than flattening
  the whole page into one table row;
* ``widget_blocks``: blocks that are polls (two or more radio / checkbox
  answers), or whose heading is a widget heading of ``[widgets] headings`` in
  ``pipelines/rules/extract.toml`` (ru/kk/az/uz/ky/en) and which hold no prose
  paragraph.  The copyright footer ("Перепечатка материалов без согласия
  редакции запрещена") is a cleanup rule (``pipelines/rules/cleanup.toml``).

Reads no settings.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from pipelines.sites.evidence import PageEvidence

_TABLE_TAGS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption")
_WS = re.compile(r"\s+")
#: A widget block is small: past this many characters it is a region of the page.
WIDGET_MAX_CHARS = 1200
#: A heading is a short line.
HEADING_MAX_CHARS = 40


@lru_cache(maxsize=1)
def _headings() -> re.Pattern[str]:
    """The widget headings of extract.toml as one pattern."""
    raw = resources.files("pipelines").joinpath("rules/extract.toml").read_text("utf-8")
    patterns = tomllib.loads(raw)["widgets"]["headings"]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


def unwrap_layout_tables(tree, page: PageEvidence) -> int:
    """Turn layout tables into <div>s in place; returns how many."""
    core_tables = set()
    if page.core is not None:
        core_tables = {a for a in page.core.iterancestors("table")}
        if page.core.tag == "table":
            core_tables.add(page.core)
    layout = [t for t in tree.iter("table")
              if t in core_tables or t.get("role") in ("presentation", "none")
              or t.find(".//table") is not None]
    for table in layout:
        for el in table.iter(*_TABLE_TAGS):
            if el.tag == "table" and el is not table and el not in layout:
                continue
            el.tag = "div"
        table.tag = "div"
    return len(layout)


def _text(el) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def widget_blocks(tree, keep: set) -> list:
    """Poll and widget blocks to remove (never one in ``keep``, the article's holders)."""
    found: list = []
    rx = _headings()
    for form in tree.iter("form"):
        answers = [i for i in form.iter("input") if i.get("type", "").lower()
                   in ("radio", "checkbox")]
        if len(answers) >= 2:
            found.append(_block_of(form, keep))
    body = tree.find("body")
    for el in body.iter() if body is not None else ():
        # a heading's words are an element's own text: one pass, no text_content() per node
        own = el.text
        if not own or len(own) > 2 * HEADING_MAX_CHARS or not isinstance(el.tag, str):
            continue
        own = own.strip(" \t\r\n\xa0:.»«")
        if own and len(own) <= HEADING_MAX_CHARS and rx.fullmatch(own) and (
                len(_text(el)) <= HEADING_MAX_CHARS):
            found.append(_block_of(el, keep))
    out = []
    for block in found:
        if block is not None and block not in out and not any(
                a in out for a in block.iterancestors()):
            out.append(block)
    return out


def _block_of(el, keep: set):
    """The largest ancestor-or-self of a widget's heading or form that is still a
    small block outside the article (None when even the element is too big)."""
    block = None
    node = el
    for _ in range(4):
        if node is None or node in keep or node.tag in ("body", "html"):
            break
        if len(_text(node)) > WIDGET_MAX_CHARS:
            break
        block = node
        node = node.getparent()
    return block
