"""One chain for one page: extract -> dates -> relevance -> dedup keys, defined once.

Every way civmon reads a page goes through these stage functions, in ``STAGES``
order: the crawl (each Scrapy pipeline class in ``ITEM_PIPELINES`` is a thin
wrapper that calls its stage and counts), ``civmon extract`` (``crawler.pages``)
and any later re-processing of stored pages (``process_page`` on the stored
HTML).  A stage fills its own group of fields on an
:class:`~pipelines.items.ArticleItem` and returns what it decided, for
``--explain``; it never drops anything (dropping and counting are the crawl
wrappers' business).

``pipelines.relevance.classify`` and ``pipelines.dedup.canonical_url`` /
``content_hash`` are called here and nowhere else.  Reads no settings (the date
skew comes from ``DatesPipeline``'s ``CIVMON_DATE_MAX_SKEW_MINUTES``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pipelines import dedup, relevance
from pipelines.dates import DEFAULT_MAX_SKEW, DateChoice, choose_date, format_published_at, url_date
from pipelines.extract import Article, extract_article
from pipelines.fingerprint import fingerprint
from pipelines.items import DATE_ORIGINS, ArticleItem, DateCandidate
from pipelines.near_dup import signature as near_signature

if TYPE_CHECKING:
    from crawler.registry import Source


#: How far ahead of UTC a wall-clock time on a page from an unknown zone may be.
UNKNOWN_ZONE_SKEW = timedelta(hours=14)


def extract_stage(item: ArticleItem) -> Article:
    """Fill the extraction fields from ``item.html`` (empty text when there is no article)."""
    article = extract_article(item.html, url=item.url, source=item.source,
                              fetched_at=item.fetched_at)
    item.title = article.title
    item.text = article.text
    item.author = article.author
    item.language = article.language
    item.page_canonical_url = article.canonical_url
    item.alternate_urls = list(article.alternates)
    item.date_candidates = article.date_candidates
    item.attributed_to = article.attributed_to
    item.state_supplied = article.state_supplied
    item.supplier = article.supplier
    item.extraction = article.explain
    return article


def date_candidates(item: ArticleItem) -> list[DateCandidate]:
    """Extraction's candidates, then the discovery date, then the URL date."""
    found = list(item.date_candidates or ())
    if item.discovery_date:
        origin = item.discovered_via if item.discovered_via in DATE_ORIGINS else "listing"
        found.append(DateCandidate(item.discovery_date, origin))
    from_url = url_date(item.url)
    if from_url is not None:
        found.append(from_url)
    return found


def dates_stage(item: ArticleItem, *, max_skew: timedelta = DEFAULT_MAX_SKEW) -> DateChoice:
    """Fill ``published_at`` / ``published_raw`` / ``date_precision`` / ``date_source``."""
    source = item.source
    now = item.fetched_at
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # the spider stores UTC; never the machine's zone
    if source is None:
        # A page from no known source is read in UTC, but its wall-clock times may
        # be up to UTC+14: such a time is not "future" until it is later than that.
        max_skew = max(max_skew, UNKNOWN_ZONE_SKEW)
    choice = choose_date(
        date_candidates(item),
        timezone=source.timezone if source is not None else "UTC",
        now=now,
        languages=tuple(source.languages) if source is not None else ("ru",),
        established=source.established if source is not None else None,
        max_skew=max_skew,
    )
    if choice.parsed is not None and choice.candidate is not None:
        item.published_at = format_published_at(choice.parsed)
        item.published_raw = choice.candidate.raw
        item.date_precision = choice.parsed.precision
        item.date_source = choice.candidate.origin
    return choice


def relevance_stage(item: ArticleItem, *, threshold: float | None = None,
                    rules: relevance.Rules | None = None) -> relevance.Classification:
    """Fill ``relevant``, ``topics`` and ``relevance`` (score, terms, regions, organisations).

    ``threshold`` / ``rules``: from ``CIVMON_RELEVANCE_THRESHOLD`` /
    ``CIVMON_RELEVANCE_RULES`` (None: the packaged rules and their threshold).
    """
    found = relevance.classify(item.title, item.text, language=item.language,
                               threshold=threshold, rules=rules)
    relevance.apply(item, found)
    return found


def keys_stage(item: ArticleItem) -> None:
    """Fill ``canonical_url`` and ``content_hash``.

    The page's own canonical link wins when it stays on the same site: it folds
    /amp/, print and tracking variants the spider followed.
    """
    item.canonical_url = dedup.canonical_url(item.url, declared=item.page_canonical_url)
    item.content_hash = dedup.content_hash(item.text)


def linker_inputs(item: ArticleItem) -> None:
    """Fill ``fingerprint`` and ``signature``: what the store's linker needs of the page
    alone (``pipelines.linking.Linker.decide``).  A pool worker runs this after the
    keys stage (``pipelines.pool.run_page``), so the Scrapy process only decides;
    without a pool the linker works them out itself at store time, as it always did.
    """
    item.fingerprint = fingerprint(item.text, title=item.title)
    item.signature = near_signature(item.fingerprint.shingle_values())


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[..., Any]
    pipeline: str
    """The Scrapy pipeline class that wraps this stage in a crawl (``ITEM_PIPELINES``)."""


#: The order every page goes through; ``ITEM_PIPELINES`` lists the wrappers in it.
STAGES: tuple[Stage, ...] = (
    Stage("extract", extract_stage, "pipelines.extract.ExtractPipeline"),
    Stage("dates", dates_stage, "pipelines.dates.DatesPipeline"),
    Stage("relevance", relevance_stage, "pipelines.relevance.RelevancePipeline"),
    Stage("keys", keys_stage, "pipelines.dedup.DedupPipeline"),
)


@dataclass
class PageResult:
    """The filled item plus each stage's decision (``civmon extract --explain``)."""

    item: ArticleItem
    article: Article
    dates: DateChoice
    relevance: relevance.Classification

    @property
    def published_at(self) -> str | None:
        return self.item.published_at


def run_chain(item: ArticleItem, *, max_skew: timedelta = DEFAULT_MAX_SKEW) -> PageResult:
    """Every stage of ``STAGES`` on one item, in order."""
    decided: dict[str, Any] = {}
    for stage in STAGES:
        kwargs = {"max_skew": max_skew} if stage.name == "dates" else {}
        decided[stage.name] = stage.run(item, **kwargs)
    return PageResult(item, decided["extract"], decided["dates"], decided["relevance"])


def process_page(html: str, *, url: str, source: Source | None, now: datetime,
                 discovery_date: str | None = None, discovered_via: str = "",
                 max_skew: timedelta = DEFAULT_MAX_SKEW) -> PageResult:
    """One decoded page (saved, stored or just fetched) through the whole chain."""
    item = ArticleItem(source_id=source.id if source is not None else "", url=url, html=html,
                       fetched_at=now, source=source, discovered_via=discovered_via,
                       discovery_date=discovery_date)
    return run_chain(item, max_skew=max_skew)
