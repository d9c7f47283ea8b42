"""Relevance: is an article civil-society news, and about which topics?

A lexicon of word stems per topic and language (``pipelines/rules/lexicon.toml``)
is matched against the title and text; in a phrase every word is a stem.  An
article is relevant when the title hits a topic, or the text hits topic stems
often enough for its length; every article is kept either way (``relevant``
is 1 or 0) so that researchers can study what was left out.

Reads no settings.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pipelines.items import ArticleItem

#: Text hits needed per 1,000 words (at least MIN_TEXT_HITS) when the title has none.
HITS_PER_1000_WORDS = 4
MIN_TEXT_HITS = 2


@dataclass(frozen=True)
class Relevance:
    relevant: bool
    topics: tuple[str, ...]
    score: int


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, re.Pattern[str]]:
    data = tomllib.loads(
        resources.files("pipelines").joinpath("rules/lexicon.toml").read_text("utf-8")
    )
    patterns: dict[str, re.Pattern[str]] = {}
    for topic, by_lang in data["topics"].items():
        stems = [s for words in by_lang.values() for s in words]
        # A stem matches at a word start; in a phrase every word is a stem
        # ("гражданск общест" matches "гражданского общества").
        alts = sorted((r"\w*\s+".join(map(re.escape, s.split())) for s in stems),
                      key=len, reverse=True)
        patterns[topic] = re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")", re.IGNORECASE)
    return patterns


def classify(title: str | None, text: str) -> Relevance:
    """Topics matched in ``title``/``text`` and whether the article is civil-society news."""
    title = title or ""
    topics: list[str] = []
    title_hit = False
    text_hits = 0
    for topic, rx in _lexicon().items():
        in_title = bool(rx.search(title))
        n = len(rx.findall(text))
        if in_title or n:
            topics.append(topic)
        title_hit = title_hit or in_title
        text_hits += n
    words = max(1, len(text.split()))
    needed = max(MIN_TEXT_HITS, HITS_PER_1000_WORDS * words // 1000)
    relevant = title_hit or text_hits >= needed
    return Relevance(relevant=relevant, topics=tuple(topics if relevant else ()), score=text_hits)


class RelevancePipeline:
    """Sets ``item.relevant`` and ``item.topics``; counts civmon/relevance/*."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        from pipelines.chain import relevance_stage  # the one call of classify

        r = relevance_stage(item)
        self.stats.inc_value("civmon/relevance/relevant" if r.relevant
                             else "civmon/relevance/other")
        return item
