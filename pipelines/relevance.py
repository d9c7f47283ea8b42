"""Relevance: is an article civil-society news, what is it about, where, and who is named?

``classify(title, text)`` matches the rules of ``pipelines/rules/relevance/``
(see ``pipelines.lexicon`` and docs/relevance.md) against the title and the text
in all six languages at once (an Azerbaijani text quotes Russian names, a Russian
one writes "NGO"), with morphology (``pipelines.morphology``):

1. every term, trap, region, organisation and organisation kind is found;
   overlapping finds of one category keep the longest;
2. a term inside a trap phrase ("гражданская авиация", "ООО", "НПЗ") never counts,
   and a context trap disarms its terms near its words ("волонтёр" beside
   "болельщик", "доброволец" beside "фронт");
3. the score adds, per term, ``weight × (title_factor if in the title) +
   weight × min(mentions in the text, cap)``; supporting terms (weight 1: "грант",
   "форум") add at most ``support_share`` of what the civil-society terms scored,
   so a business forum that mentions NGOs once stays out;
4. ``relevant`` is ``score >= threshold`` (``[scoring]`` in terms.toml, or the
   setting ``CIVMON_RELEVANCE_THRESHOLD`` through ``RelevancePipeline``);
5. topics (only for relevant articles) are those whose terms score at least
   ``topic_min``; regions are every gazetteer place named, plus the regions and
   country that contain them (``via = "parent"``); organisations are named bodies
   of the gazetteer plus quoted names introduced by a kind («…» after "общественное
   объединение", before "İctimai Birliyi"), one id per body.

Every article is kept either way (``relevant`` 1 or 0): see README, "Relevance".
Settings (read by ``RelevancePipeline``): ``CIVMON_RELEVANCE_THRESHOLD``,
``CIVMON_RELEVANCE_RULES`` (a folder of rules files replacing the packaged ones).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipelines.items import ArticleItem
from pipelines.lexicon import Hit, Rules, RulesError, load_rules
from pipelines.morphology import LANGUAGES, fold

__all__ = ["Classification", "Relevance", "RulesError", "classify"]

_QUOTED = re.compile(r"[«„“\"]([^«»„“”\"\n]{2,120})[»“”\"]")
_GAP = re.compile(r"^[\s,]{0,3}$")


@dataclass(frozen=True)
class TermMatch:
    term: str
    """Term id (terms.toml)."""
    field: str
    """"title" or "text"."""
    start: int
    end: int
    """Character offsets in that field."""
    text: str
    """As written."""


@dataclass(frozen=True)
class RegionTag:
    id: str
    mentions: int
    via: str
    """"text" (named) or "parent" (contains a place that is named)."""
    first: int | None
    """Offset of the first mention in title + "\\n\\n" + text (None via parent)."""


@dataclass(frozen=True)
class OrganisationTag:
    id: str
    """Gazetteer id, or "<kind>:<folded name>" for a quoted name."""
    name: str
    kind: str
    mentions: int
    first: int


@dataclass(frozen=True)
class Classification:
    relevant: bool
    topics: tuple[str, ...]
    score: float
    terms: tuple[TermMatch, ...] = ()
    """Civil-society terms that counted, with positions."""
    disarmed: tuple[TermMatch, ...] = ()
    """Terms found but not counted (inside a trap phrase or near a trap context)."""
    traps: tuple[str, ...] = ()
    """Trap ids that fired."""
    regions: tuple[RegionTag, ...] = ()
    organisations: tuple[OrganisationTag, ...] = ()
    threshold: float = 0.0
    language: str | None = None
    topic_scores: dict[str, float] = field(default_factory=dict, compare=False)
    """Every topic's score, assigned or not."""
    rules: Rules | None = field(default=None, repr=False, compare=False)
    """The rules that produced it (the store fills the lookup tables from them)."""


#: The name this result had before topics/regions/organisations (kept for imports).
Relevance = Classification


def _longest(hits: list[Hit]) -> list[Hit]:
    """Drop a hit covered by a longer one (hits of one category; equal spans all stay)."""
    kept: list[Hit] = []
    reach: dict[str, tuple[int, int]] = {}  # field -> (furthest end so far, its start)
    for h in sorted(hits, key=lambda h: (h.field, h.start, -h.end)):
        end, start = reach.get(h.field, (-1, -1))
        if h.end < end or (h.end == end and h.start > start):
            continue
        kept.append(h)
        if h.end > end:
            reach[h.field] = (h.end, h.start)
    return kept


def classify(title: str | None, text: str, *, language: str | None = None,
             threshold: float | None = None, rules: Rules | None = None) -> Classification:
    """Score ``title`` + ``text`` against the civil-society rules and tag them."""
    rules = rules or load_rules()
    sc = rules.scoring
    limit = sc["threshold"] if threshold is None else threshold
    fields = {"title": title or "", "text": text or ""}
    by_cat: dict[str, list[Hit]] = {}
    langs = _languages(language, fields["title"] + "\n" + fields["text"])
    for name, value in fields.items():
        for h in rules.find_text(value, name, langs):
            by_cat.setdefault(h.category, []).append(h)
    trap_hits = by_cat.get("trap", [])
    context = by_cat.get("context", [])
    counted: list[Hit] = []
    disarmed: list[Hit] = []
    fired: set[str] = {h.id for h in trap_hits}
    # Article-wide context traps: enough distinct context words anywhere.
    words: dict[str, set[str]] = {}
    for c in context:
        words.setdefault(c.id, set()).add(c.form)
    article_wide = {tid for tid, found in words.items()
                    if rules.traps[tid].article_min and len(found) >= rules.traps[tid].article_min}
    fired |= article_wide
    for h in _longest(by_cat.get("term", [])):
        if _overlaps(h, trap_hits) or any(h.id in rules.traps[t].terms for t in article_wide):
            disarmed.append(h)
            continue
        near = [c for c in context if c.field == h.field and h.id in rules.traps[c.id].terms
                and abs(c.first - h.first) <= rules.traps[c.id].window]
        if near:
            fired.update(c.id for c in near)
            disarmed.append(h)
            continue
        counted.append(h)
    # A title is too short to carry its own context: a term of the title whose every
    # mention in the text is disarmed ("Набор добровольцев" over a text about the
    # front) is disarmed too.
    in_text = {h.id for h in counted if h.field == "text"}
    trapped_text = {h.id for h in disarmed if h.field == "text"}
    for h in [h for h in counted if h.field == "title"]:
        if h.id in trapped_text and h.id not in in_text:
            counted.remove(h)
            disarmed.append(h)
    score, topic_score = _score(rules, counted, len(fields["text"]))
    relevant = score >= limit
    topics = tuple(t for t in rules.topics if topic_score.get(t, 0) >= sc["topic_min"]) \
        if relevant else ()
    offset = {"title": 0, "text": len(fields["title"]) + 2}
    masks = trap_hits + disarmed  # joined once, not once per organisation kind found
    return Classification(
        relevant=relevant, topics=topics, score=round(score, 2),
        terms=tuple(_match(h, fields) for h in counted),
        disarmed=tuple(_match(h, fields) for h in disarmed),
        traps=tuple(sorted(fired)),
        regions=_regions(rules, _longest(by_cat.get("region", [])), offset),
        organisations=_organisations(
            rules, fields, _longest(by_cat.get("org", [])),
            [k for k in by_cat.get("kind", []) if not _overlaps(k, masks)],
            by_cat.get("title", []), offset),
        threshold=limit, language=language, topic_scores=dict(topic_score), rules=rules,
    )


#: Letters that show a text (or a quote in it) is in kk / ky / az / uz: the lexicons of
#: those languages are matched only then or when the article is in that language, so
#: that a Russian "семей" (of families) never meets the Kazakh name "Семей".  Uzbek
#: shows its Latin oʻ / gʻ or its Cyrillic ў / ҳ (a Cyrillic Uzbek text with қ and ғ is
#: often taken for Kazakh by the language guess: its letters still bring the uz lexicon).
_LETTERS = {"kk": re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]"), "ky": re.compile("[ңөүҢӨҮ]"),
            "az": re.compile("[əƏ]"), "uz": re.compile("[oOgG][ʻ‘'’]")}
_UZ_CYRILLIC = re.compile("[ўЎҳҲ]")
#: Any character of the tests above: most texts (Russian, English) have none, and then
#: one scan settles all four languages.
_ANY_LETTER = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІəƏўЎҳҲʻ‘'’]")
_ONLY_ALWAYS = tuple(lang for lang in LANGUAGES if lang not in _LETTERS)


def _languages(language: str | None, text: str) -> tuple[str, ...]:
    if not _ANY_LETTER.search(text):
        return (_ONLY_ALWAYS if language not in _LETTERS
                else tuple(lang for lang in LANGUAGES if lang in _ONLY_ALWAYS
                           or lang == language))
    return tuple(lang for lang in LANGUAGES
                 if lang not in _LETTERS or lang == language or _LETTERS[lang].search(text)
                 or (lang == "uz" and _UZ_CYRILLIC.search(text)))


def _overlaps(h: Hit, others: list[Hit]) -> bool:
    return any(o.field == h.field and o.start < h.end and h.start < o.end for o in others)


def _match(h: Hit, fields: dict[str, str]) -> TermMatch:
    return TermMatch(h.id, h.field, h.start, h.end, fields[h.field][h.start:h.end])


def length_factor(rules: Rules, length: int) -> float:
    """What a mention after the lead counts for in a text of ``length`` characters: 1 up
    to ``reference_chars``, then ``reference_chars / length`` (mentions per
    ``reference_chars`` characters: a text three times as long needs three times the
    mentions).  Characters, not words: a Kazakh or Azerbaijani text says in fewer, longer
    words what a Russian one says."""
    ref = rules.scoring["reference_chars"]
    return 1.0 if not ref or length <= ref else ref / length


def _score(rules: Rules, counted: list[Hit], length: int = 0) -> tuple[float, dict[str, float]]:
    """The score (length-normalised, docs/relevance.md) and each topic's mentions."""
    sc = rules.scoring
    factor = length_factor(rules, length)
    lead = sc["lead_chars"]
    in_title: set[str] = set()
    in_text: dict[str, int] = {}
    worth: dict[str, float] = {}  # term -> what its text mentions count for
    for h in counted:
        if h.field == "text":
            in_text[h.id] = in_text.get(h.id, 0) + 1
            worth[h.id] = worth.get(h.id, 0.0) + (1.0 if h.start < lead else factor)
        else:
            in_title.add(h.id)
    strong = support = 0.0
    topic_score: Counter[str] = Counter()
    for tid in in_title | set(in_text):
        term = rules.terms[tid]
        title = sc["title_factor"] if tid in in_title else 0
        counts = title + min(worth.get(tid, 0.0), sc["cap"])
        if term.weight >= 2:
            strong += term.weight * counts
        else:
            support += term.weight * counts
        for topic in term.topics:  # topics count mentions as they are, whatever the length
            topic_score[topic] += title + min(in_text.get(tid, 0), sc["cap"])
    return strong + min(support, strong * sc["support_share"]), topic_score


def _regions(rules: Rules, hits: list[Hit], offset: dict[str, int]) -> tuple[RegionTag, ...]:
    named = Counter(h.id for h in hits)
    first: dict[str, int] = {}
    for h in hits:
        pos = offset[h.field] + h.start
        first[h.id] = min(first.get(h.id, pos), pos)
    tags = [RegionTag(rid, n, "text", first[rid]) for rid, n in named.items()]
    implied: list[str] = []
    for rid in named:
        parent = rules.regions[rid].parent
        while parent is not None:
            if parent not in named and parent not in implied:
                implied.append(parent)
            parent = rules.regions[parent].parent
    tags += [RegionTag(rid, 0, "parent", None) for rid in implied]
    return tuple(sorted(tags, key=lambda t: (t.via != "text", t.first or 0, t.id)))


def _organisations(rules: Rules, fields: dict[str, str], named: list[Hit], kinds: list[Hit],
                   titles: list[Hit], offset: dict[str, int]) -> tuple[OrganisationTag, ...]:
    found: dict[str, list] = {}

    def add(oid: str, name: str, kind: str, pos: int) -> None:
        entry = found.setdefault(oid, [name, kind, 0, pos])
        entry[2] += 1
        entry[3] = min(entry[3], pos)

    for h in named:
        org = rules.organisations[h.id]
        add(org.id, org.name, org.kind, offset[h.field] + h.start)
    for fname, value in fields.items():
        field_kinds = [k for k in _longest(kinds) if k.field == fname]
        field_titles = [t for t in titles if t.field == fname]
        for m in _QUOTED.finditer(value):
            kind = _adjacent_kind(value, m.start(), m.end(), field_kinds, field_titles)
            name = " ".join(m.group(1).split()).strip(" .,")
            if kind is None or not name:
                continue
            oid = f"{kind}:{fold(name)}"
            add(oid, f"{rules.kinds[kind]} «{name}»", kind, offset[fname] + m.start())
    return tuple(OrganisationTag(oid, n, k, c, p)
                 for oid, (n, k, c, p) in sorted(found.items(), key=lambda kv: kv[1][3]))


def _adjacent_kind(value: str, start: int, end: int, kinds: list[Hit],
                   titles: list[Hit]) -> str | None:
    """The organisation kind written right before (or right after) a quoted name,
    unless the name is the title of an event or prize (``[[titles]]`` right before the kind,
    or right after the quotes)."""
    if any(t.start >= end and _GAP.match(value[end:t.start]) for t in titles):
        return None
    for k in kinds:
        if k.end <= start and _GAP.match(value[k.end:start]):
            if any(t.last == k.first - 1 for t in titles):
                return None
            return k.id
    for k in kinds:
        if k.start >= end and _GAP.match(value[end:k.start]):
            return k.id
    return None


def to_record(c: Classification) -> dict:
    """The JSON-ready relevance fields (``civmon extract`` prints them)."""
    return {
        "relevant": c.relevant, "topics": list(c.topics), "relevance_score": c.score,
        "relevance_terms": [{"term": t.term, "field": t.field, "start": t.start, "end": t.end,
                             "text": t.text} for t in c.terms],
        "regions": [r.id for r in c.regions],
        "organisations": [{"id": o.id, "name": o.name, "kind": o.kind} for o in c.organisations],
    }


class RelevancePipeline:
    """Sets the relevance fields of the item; counts civmon/relevance/*.

    Reads ``CIVMON_RELEVANCE_THRESHOLD`` (a number; empty: terms.toml's) and
    ``CIVMON_RELEVANCE_RULES`` (a folder; empty: the packaged rules).
    """

    def __init__(self, stats, threshold: float | None = None,
                 rules_dir: str | None = None) -> None:
        self.stats = stats
        self.threshold = threshold
        self.rules = load_rules(rules_dir)

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        raw = s.get("CIVMON_RELEVANCE_THRESHOLD")
        return cls(crawler.stats, float(raw) if raw not in (None, "") else None,
                   s.get("CIVMON_RELEVANCE_RULES") or None)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        from pipelines.chain import relevance_stage  # the one call of classify

        r = item.decided.get("relevance") or relevance_stage(item, threshold=self.threshold,
                                                             rules=self.rules)
        self.stats.inc_value("civmon/relevance/relevant" if r.relevant
                             else "civmon/relevance/other")
        if r.traps:
            self.stats.inc_value("civmon/relevance/trapped")
        return item


def apply(item: ArticleItem, r: Classification) -> None:
    """Copy a classification onto an item (the fields the store writes)."""
    item.relevant = r.relevant
    item.topics = list(r.topics)
    item.relevance = r
