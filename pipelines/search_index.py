"""Full-text search over the articles: the normalised shadow index and the query language.

SQLite FTS5 has no Russian stemmer, so civmon indexes a *shadow* of each
article: every word of the title and the text replaced by its base form, with
the relevance normalisers of pipelines/morphology.py (pymorphy3 lemmas for ru,
Snowball stems for en, lexicon-guided suffix chains for kk, az, uz, ky).  The
shadow lives in the FTS5 table ``article_search(title, text)`` whose rowid is
``articles.id`` (migration 0005).  A query goes through the same normaliser,
and a query word or phrase that the relevance lexicon knows as a term
(terms.toml) also matches the term's other phrases in the same alphabet:
``НПО`` finds "неправительственных организаций", ``грант`` finds "грантовых".

Keeping the index in step: a session listener (``after_flush``) writes the
shadow of every article inserted or whose title/text changed, through any
SQLAlchemy session (the crawl's store, revisits); triggers of migration 0005
drop the shadow row when an article is deleted or its title/text is updated
outside civmon (e.g. in the sqlite3 shell), so a stale shadow never answers;
``civmon search --reindex`` rebuilds the whole index.  PostgreSQL has no
``article_search`` table: search needs SQLite.

Reads no settings (the packaged relevance rules are the lexicon, so an index
is the same whatever ``CIVMON_RELEVANCE_RULES`` says).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from pipelines.morphology import LANGUAGES, SCRIPT, WORD, Normaliser, tokens

TABLE = "article_search"
#: bm25 weight of the title against the text (a word in the headline counts this much more).
TITLE_WEIGHT = 4.0
CACHE_WORDS = 200_000


class QueryError(ValueError):
    """A search query that cannot be run; the message is one line."""


def _rules():
    """The packaged relevance rules (``load_rules`` caches them per folder)."""
    from pipelines.lexicon import load_rules

    return load_rules(None)


def _normalisers() -> dict[str, Normaliser]:
    return _rules().normalisers


_KEYS: dict[str, dict[str, str]] = {}
"""Language -> word as written -> key (news vocabularies repeat: most words are cached)."""


def word_key(word: str, language: str | None) -> str:
    """The key ``word`` is indexed under in an article of ``language``."""
    cache = _KEYS.get(language or "")
    if cache is None:
        cache = _KEYS[language or ""] = {}
    key = cache.get(word)
    if key is None:
        if len(cache) > CACHE_WORDS:
            cache.clear()
        key = cache[word] = _compute_key(word, language)
    return key


def _script_of(word: str) -> str:
    from pipelines.morphology import CYRILLIC, LATIN

    return "cyr" if CYRILLIC.search(word) else "lat" if LATIN.search(word) else ""


def _compute_key(word: str, language: str | None) -> str:
    script = _script_of(word)
    norms = _normalisers()
    if language in norms and SCRIPT[language] == script:
        lang = language
    else:  # a Russian word in a Kazakh article, an English name in a Russian one
        lang = {"cyr": "ru", "lat": "en"}.get(script)
    key = norms[lang].index_key(word) if lang else word.casefold()
    # FTS5's unicode61 splits words at hyphens and apostrophes: keep a key one token
    return key.replace("-", "").replace("'", "")


def shadow(text: str | None, language: str | None) -> str:
    """``text`` as the index stores it: the key of each word, space-separated."""
    if not text:
        return ""
    # the hot loop of indexing: a regex scan and one dict look-up per word once warm
    cache = _KEYS.get(language or "") or {}
    get = cache.get
    return " ".join([get(w) or word_key(w, language) for w in WORD.findall(text)])


# -- keeping the index in step ---------------------------------------------------

def has_index(conn: Connection) -> bool:
    if conn.dialect.name != "sqlite":
        return False
    return conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).first() is not None


def write_rows(conn: Connection, rows: Iterable[tuple[int, str | None, str | None, str | None]]
               ) -> int:
    """(Re)index ``(id, title, text, language)`` rows; returns how many."""
    params = [(i, shadow(title, lang), shadow(text, lang)) for i, title, text, lang in rows]
    if params:
        conn.exec_driver_sql(f"DELETE FROM {TABLE} WHERE rowid = ?", [(p[0],) for p in params])
        conn.exec_driver_sql(f"INSERT INTO {TABLE}(rowid, title, text) VALUES (?, ?, ?)",
                             params)
    return len(params)


def rebuild(conn: Connection, batch: int = 500) -> int:
    """Index every article again (migration 0005, ``civmon search --reindex``)."""
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    n = 0
    last = 0
    while True:  # keyset batches: memory stays flat at any size
        rows = conn.exec_driver_sql(
            "SELECT id, title, text, language FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            (last, batch)).fetchall()
        if not rows:
            break
        n += write_rows(conn, [tuple(r) for r in rows])
        last = rows[-1][0]
    return n


def _after_flush(session: Session, _ctx) -> None:
    from models.schema import Article

    changed = [o for o in session.new if isinstance(o, Article)]
    for o in session.dirty:
        if isinstance(o, Article):
            state = inspect(o)
            if any(state.attrs[a].history.has_changes() for a in ("title", "text", "language")):
                changed.append(o)
    if not changed:
        return
    conn = session.connection()
    # Asked once per session, not per flush (the store flushes once per article): the
    # index table is only ever created (migration 0005), so a yes stays true.
    if not session.info.get("civmon_search_index"):
        if not has_index(conn):
            return
        session.info["civmon_search_index"] = True
    write_rows(conn, [(o.id, o.title, o.text, o.language) for o in changed
                      if o.id is not None])


_installed = False


def install() -> None:
    """Keep ``article_search`` in step with every Session's article writes (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True


install()


# -- queries -----------------------------------------------------------------------

_QUERY_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


@dataclass
class Unit:
    """One searched word or phrase with the alternatives it stands for."""

    text: str
    alternatives: list[tuple[str, ...]] = field(default_factory=list)
    """Key sequences: any one of them matches."""

    def fts(self, keep: Callable[[tuple[str, ...]], bool] | None = None) -> str | None:
        """The FTS5 OR of the alternatives (those ``keep`` keeps; None if it keeps none)."""
        alts = [phrase_fts(seq) for seq in self.alternatives if keep is None or keep(seq)]
        if not alts:
            return None
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def phrase_fts(seq: tuple[str, ...]) -> str:
    """One alternative (a key sequence) as an FTS5 phrase."""
    return '"' + " ".join(seq) + '"'


@dataclass
class Query:
    groups: list[list[Unit]]
    """AND of groups, each group an OR of units."""
    excluded: list[Unit]

    def match(self) -> str:
        """The FTS5 MATCH expression over the shadow columns."""
        expr = self.live_match(None)
        assert expr is not None
        return expr

    def live_match(self, keep: Callable[[tuple[str, ...]], bool] | None) -> str | None:
        """``match()`` with only the alternatives ``keep`` keeps, or None when that leaves a
        group with nothing to match.  Given the alternatives some article contains, it
        matches the same articles with the same bm25 scores: an alternative no article
        contains matches none, and adds exactly 0 to every score (bm25 sums over the
        query's phrases, each weighted by its count in the article)."""
        parts = []
        for group in self.groups:
            units = [e for e in (u.fts(keep) for u in group) if e is not None]
            if not units:
                return None
            expr = " OR ".join(units)
            parts.append(f"({expr})" if len(units) > 1 else expr)
        expr = " AND ".join(parts)
        for unit in self.excluded:
            left_out = unit.fts(keep)
            if left_out is not None:
                expr = f"({expr}) NOT {left_out}"
        return expr

    def alternatives(self) -> set[tuple[str, ...]]:
        """Every key sequence the MATCH expression names (found or left out)."""
        return {seq for g in [*self.groups, self.excluded] for u in g
                for seq in u.alternatives}

    def sequences(self) -> set[tuple[str, ...]]:
        """Every key sequence a hit may be (for marking snippets)."""
        return {seq for g in self.groups for u in g for seq in u.alternatives}


def _word_keys(word: str) -> list[str]:
    """A query word's keys in every language of its alphabet (the query has no language)."""
    script = _script_of(word)
    keys = [word_key(word, lang) for lang in LANGUAGES if SCRIPT[lang] == script]
    if script == "cyr":  # every pymorphy3 reading of an ambiguous word
        from pipelines.morphology import _ru_keys, fold

        keys += [k.replace("-", "").replace("'", "") for k in _ru_keys(fold(word))]
    return list(dict.fromkeys(keys or [word.casefold()]))


@lru_cache(maxsize=1)
def _term_phrases() -> dict[str, list[tuple[str, str]]]:
    """Term id -> its (language, phrase) pairs, from the compiled lexicon."""
    out: dict[str, list[tuple[str, str]]] = {}
    for lang, index in _rules().index.items():
        for entries in index.values():
            for _seq, entry in entries:
                if entry.category == "term":
                    out.setdefault(entry.id, []).append((lang, entry.form))
    return out


def _lexicon_terms(text: str, script: str) -> set[str]:
    """Ids of the lexicon terms ``text`` is a phrase of (in a language of ``script``)."""
    found: set[str] = set()
    rules = _rules()
    for lang in LANGUAGES:
        if SCRIPT[lang] != script or lang not in rules.index:
            continue
        try:
            seq = rules.normalisers[lang].phrase(text)
        except IndexError:  # a word the lexicon's languages never analyse
            continue
        for cand, entry in rules.index[lang].get(seq[0] if seq else "", ()):
            if entry.category == "term" and cand == seq:
                found.add(entry.id)
    return found


def _unit(text: str, synonyms: bool) -> Unit:
    words = [t.text for t in tokens(text)]
    if not words:
        raise QueryError(f"{text!r} has no words to search for")
    unit = Unit(text)
    if len(words) == 1:
        unit.alternatives = [(k,) for k in _word_keys(words[0])]
    else:  # a phrase: the index key of each word, in the language its alphabet suggests
        unit.alternatives = [tuple(word_key(w, None) for w in words)]
    if synonyms:
        script = _script_of(text)
        for term in sorted(_lexicon_terms(text, script)):
            for lang, form in _term_phrases()[term]:
                if SCRIPT[lang] == script:
                    seq = tuple(word_key(t.text, lang) for t in tokens(form))
                    if seq and seq not in unit.alternatives:
                        unit.alternatives.append(seq)
    return unit


def parse(query: str, *, synonyms: bool = True) -> Query:
    """``word``, ``"a phrase"``, ``a OR b``, ``NOT word`` / ``-word``; words are ANDed."""
    groups: list[list[Unit]] = []
    excluded: list[Unit] = []
    pending_or = negate = False
    for m in _QUERY_TOKEN.finditer(query):
        phrase, word = m.group(1), m.group(2)
        if phrase is None and word in ("OR", "|"):
            if not groups or negate:
                raise QueryError("OR needs a word on both sides")
            pending_or = True
            continue
        if phrase is None and word == "NOT":
            negate = True
            continue
        if phrase is None and word.startswith("-") and len(word) > 1:
            negate, word = True, word[1:]
        if phrase is None and word.upper() == "AND":
            continue
        # a quoted phrase is the phrase itself (inflected), never the term's other phrases
        unit = _unit(phrase if phrase is not None else word, synonyms and phrase is None)
        if negate:
            if pending_or:
                raise QueryError("OR NOT is not supported: write NOT word separately")
            excluded.append(unit)
            negate = False
        elif pending_or:
            groups[-1].append(unit)
            pending_or = False
        else:
            groups.append([unit])
    if pending_or:
        raise QueryError("OR needs a word on both sides")
    if negate:
        raise QueryError("NOT needs a word after it")
    if not groups:
        raise QueryError("the query needs at least one word to find (NOT alone matches "
                         "nothing)" if excluded else "empty query")
    return Query(groups, excluded)


def snippet(text: str | None, language: str | None, sequences: set[tuple[str, ...]], *,
            width: int = 24, mark: tuple[str, str] = ("[", "]")) -> str:
    """The passage of ``text`` with the most hits, hit words marked, about ``width`` words.

    A hit is a run of words whose keys are one of ``sequences`` (a phrase is marked
    whole, never one of its words alone)."""
    if not text:
        return ""
    # the words and their keys as the index has them (``shadow``'s cached look-ups); the
    # offsets are found again for the window's words only (a search cuts 20 snippets)
    words = WORD.findall(text)
    if not words:
        return ""
    cache = _KEYS.get(language or "") or {}
    get = cache.get
    keys = [get(w) or word_key(w, language) for w in words]
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for seq in sequences:
        by_first.setdefault(seq[0], []).append(seq)
    marked: set[int] = set()
    starts: list[int] = []
    for i, k in enumerate(keys):
        for seq in by_first.get(k, ()):
            if tuple(keys[i:i + len(seq)]) == seq:
                marked.update(range(i, i + len(seq)))
                starts.append(i)
    start = 0
    if starts:  # the window holding most hits, starting a few words before its first
        best = -1
        for h in starts:
            s = max(0, h - 4)
            n = sum(1 for x in starts if s <= x < s + width)
            if n > best:
                best, start = n, s
    end = min(len(words), start + width)
    out: list[str] = []
    window = list(islice(WORD.finditer(text), start, end))
    pos = window[0].start()
    for i, m in enumerate(window, start):
        out.append(text[pos:m.start()])
        out.append(f"{mark[0]}{m.group()}{mark[1]}" if i in marked else m.group())
        pos = m.end()
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(words) else "")


def iter_missing(conn: Connection) -> Iterator[int]:
    """Ids of articles without a shadow row (written by a civmon before 0005, or by hand)."""
    yield from (r[0] for r in conn.exec_driver_sql(
        f"SELECT id FROM articles WHERE id NOT IN (SELECT rowid FROM {TABLE})"))
