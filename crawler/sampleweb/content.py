"""The sample web's articles, read from ``content/<outlet>.toml`` and ``seeds/``.

Each content file holds ``[[articles]]`` tables (keys documented in
``docs/sampleweb.md``).  The body of an article is either its own
``paragraphs``, a line range of a seed text (``seed``, ``seed_from``,
``seed_to``), a verbatim copy of another article (``copy_of``) or a copy with
sentences replaced (``near_copy_of`` + ``replace``).  Times are local to the
outlet's time zone.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from .dates import SAMPLE_NOW, zone

#: Outlet id -> (time zone, main language), in serving order (127.0.0.11, .12, ...).
OUTLET_ZONES: dict[str, tuple[str, str]] = {
    "azerinform": ("Asia/Baku", "ru"),
    "dalanews": ("Asia/Almaty", "ru"),
    "steppeinform": ("Asia/Almaty", "ru"),
    "sevkaz": ("Asia/Almaty", "ru"),
    "toboltv": ("Asia/Qostanay", "ru"),
    "bakvestnik": ("Asia/Baku", "ru"),
    "qhtagency": ("Asia/Baku", "ru"),
}

FIGURE = "@figure "
_CAPTION_LINE = re.compile(r",\s*фото-\d+$")
_KEYS = {
    "key", "path", "title", "local", "precision", "language", "relevant", "rubric", "lead",
    "paragraphs", "seed", "seed_from", "seed_to", "copy_of", "near_copy_of", "replace",
    "attributed_to", "state_supplied", "supplier", "source_note", "tags", "must_contain",
    "edition_of", "same_story",
}


@dataclass(frozen=True)
class Block:
    """One piece of an article body: a paragraph (``"p"``) or a photo caption (``"figure"``)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Article:
    """One article of one outlet, with its body resolved."""

    source_id: str
    key: str
    path: str
    title: str
    local: datetime  # aware, in the outlet's zone
    precision: str
    language: str
    relevant: bool
    rubric: str
    lead: str | None
    blocks: tuple[Block, ...]
    tags: tuple[str, ...]
    attributed_to: str | None
    state_supplied: bool
    supplier: str | None
    source_note: str | None
    seed: str | None
    copy_of: str | None
    near_copy_of: str | None
    must_contain: tuple[str, ...]
    edition_of: str | None = None  # "<outlet>:<key>": this page in another language
    same_story: str | None = None  # "<outlet>:<key>": the same event in other words

    @property
    def ref(self) -> str:
        return f"{self.source_id}:{self.key}"

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "p"]


def read_seed(name: str) -> str:
    """A seed text exactly as shipped in ``seeds/``."""
    return resources.files(__package__).joinpath("seeds", name).read_text(encoding="utf-8")


def seed_names() -> list[str]:
    folder = resources.files(__package__).joinpath("seeds")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt"))


def _seed_blocks(name: str, start: str, end: str) -> tuple[Block, ...]:
    text = read_seed(name)
    i = text.index(start)
    j = text.index(end, i) + len(end)
    blocks = []
    for line in text[i:j].split("\n"):
        line = line.strip()
        if not line:
            continue
        kind = "figure" if _CAPTION_LINE.search(line) else "p"
        blocks.append(Block(kind, line))
    return tuple(blocks)


def _own_blocks(paragraphs: list[str]) -> tuple[Block, ...]:
    return tuple(Block("figure", p[len(FIGURE):]) if p.startswith(FIGURE) else Block("p", p)
                 for p in paragraphs)


def auto_phrases(blocks: tuple[Block, ...]) -> tuple[str, ...]:
    """Three "must contain" phrases from the first, middle and last whole paragraphs
    (skipping halves of a word hyphenated across a page break)."""
    whole = [b.text for b in blocks if b.kind == "p" and not b.text.endswith("-")
             and not b.text[0].islower() and len(b.text.split()) >= 8]
    if not whole:
        return ()
    picks = [whole[0].split()[:7], whole[len(whole) // 2].split()[2:9], whole[-1].split()[-6:]]
    out: list[str] = []
    for words in picks:
        phrase = " ".join(words).strip(" ,;:«»\"-–")
        if phrase and phrase not in out:
            out.append(phrase)
    return tuple(out)


def _content_file(source_id: str) -> list[dict[str, Any]]:
    ref = resources.files(__package__).joinpath("content", f"{source_id}.toml")
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    entries = data.get("articles", [])
    for entry in entries:
        unknown = set(entry) - _KEYS
        if unknown:
            raise ValueError(f"content/{source_id}.toml: {entry.get('key')}: unknown key "
                             f"{sorted(unknown)[0]!r}")
    return entries


def _resolve(source_id: str, entry: dict[str, Any], done: dict[str, Article]) -> Article:
    tz, main_language = OUTLET_ZONES[source_id]
    local = entry["local"]
    if not isinstance(local, datetime) or local.tzinfo is not None:
        raise ValueError(f"{source_id}:{entry['key']}: 'local' must be a TOML local date-time")
    local = local.replace(tzinfo=zone(tz))
    if local > SAMPLE_NOW:
        raise ValueError(f"{source_id}:{entry['key']}: published after SAMPLE_NOW")
    if "seed" in entry:
        blocks = _seed_blocks(entry["seed"], entry["seed_from"], entry["seed_to"])
    elif "copy_of" in entry:
        blocks = done[entry["copy_of"]].blocks
    elif "near_copy_of" in entry:
        blocks = done[entry["near_copy_of"]].blocks
        for old, new in entry["replace"]:
            if not any(old in b.text for b in blocks):
                raise ValueError(f"{source_id}:{entry['key']}: {old[:30]!r} not in original")
            blocks = tuple(Block(b.kind, b.text.replace(old, new)) for b in blocks)
    else:
        blocks = _own_blocks(entry["paragraphs"])
    return Article(
        source_id=source_id, key=entry["key"], path=entry["path"], title=entry["title"],
        local=local, precision=entry.get("precision", "minute"),
        language=entry.get("language", main_language), relevant=entry.get("relevant", True),
        rubric=entry.get("rubric", ""), lead=entry.get("lead"), blocks=blocks,
        tags=tuple(entry.get("tags", ())), attributed_to=entry.get("attributed_to"),
        state_supplied=entry.get("state_supplied", False), supplier=entry.get("supplier"),
        source_note=entry.get("source_note"), seed=entry.get("seed"),
        copy_of=entry.get("copy_of"), near_copy_of=entry.get("near_copy_of"),
        must_contain=tuple(entry.get("must_contain", ())) or auto_phrases(blocks),
        edition_of=entry.get("edition_of"), same_story=entry.get("same_story"),
    )


@lru_cache(maxsize=1)
def load_articles() -> dict[str, tuple[Article, ...]]:
    """Every outlet's articles in content-file order; copies resolved after originals."""
    raw = {sid: _content_file(sid) for sid in OUTLET_ZONES}
    done: dict[str, Article] = {}
    pending = [(sid, e) for sid, entries in raw.items() for e in entries]
    while pending:
        later = []
        for sid, entry in pending:
            needs = entry.get("copy_of") or entry.get("near_copy_of")
            if needs and needs not in done:
                later.append((sid, entry))
                continue
            art = _resolve(sid, entry, done)
            if art.ref in done:
                raise ValueError(f"duplicate article key {art.ref}")
            done[art.ref] = art
        if len(later) == len(pending):
            raise ValueError(f"unresolvable copies: {[e['key'] for _, e in later]}")
        pending = later
    return {sid: tuple(done[f"{sid}:{e['key']}"] for e in entries) for sid, entries in raw.items()}
