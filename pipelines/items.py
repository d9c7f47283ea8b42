"""The article item that flows spider -> extract -> dates -> relevance -> dedup -> store.

A plain dataclass (Scrapy handles dataclass items through itemadapter), so every
stage can be tested without a crawler.  The spider fills the *fetch* fields;
each pipeline stage fills its own group and leaves the others alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.registry import Source

#: Where a date candidate was found, most reliable first (see pipelines.dates).
DATE_ORIGINS = (
    "jsonld", "meta", "time", "selector", "feed", "text", "listing", "sitemap", "url",
)


@dataclass(frozen=True)
class DateCandidate:
    """A raw date string and where it was found; pipelines.dates chooses among them."""

    raw: str
    origin: str


@dataclass
class ArticleItem:
    # -- fetch (spider) -------------------------------------------------------
    source_id: str
    url: str
    """The URL the page was served from (after redirects)."""
    html: str
    """The decoded page (HTTP header charset, then <meta charset>, then detection)."""
    fetched_at: datetime
    """When the page was fetched: aware UTC; the base for relative dates."""
    source: Source | None = field(default=None, repr=False)
    """The registry entry; not stored (the `sources` table holds it)."""
    discovered_via: str = ""
    """'feed', 'sitemap' or 'listing'."""
    discovery_date: str | None = None
    """The raw date seen at discovery (feed pubDate, sitemap lastmod, listing card)."""
    discovery_title: str | None = None
    http_status: int = 200
    encoding: str | None = None

    # -- extract --------------------------------------------------------------
    title: str | None = None
    text: str = ""
    author: str | None = None
    language: str | None = None
    page_canonical_url: str | None = None
    """The page's own <link rel=canonical> / og:url, before normalisation."""
    alternate_urls: list[str] = field(default_factory=list)
    """Its other-language editions (hreflang alternates), as written; the store
    keeps their canonical forms and puts the page in their story."""
    date_candidates: list[DateCandidate] = field(default_factory=list)
    """Dates gathered by extraction (JSON-LD, meta, <time>, selector, visible text)."""
    attributed_to: str | None = None
    state_supplied: bool = False
    supplier: str | None = None
    extraction: dict[str, Any] = field(default_factory=dict)
    """How each field was found (selector / candidate), for `civmon extract --explain`."""

    # -- dates ----------------------------------------------------------------
    published_at: str | None = None
    published_raw: str | None = None
    date_precision: str | None = None
    date_source: str | None = None

    # -- relevance ------------------------------------------------------------
    relevant: bool = False
    topics: list[str] = field(default_factory=list)
    relevance: Any = field(default=None, repr=False)
    """The whole ``pipelines.relevance.Classification`` (score, terms with positions,
    regions, organisations): the store writes its tag tables from it."""

    # -- dedup ----------------------------------------------------------------
    canonical_url: str | None = None
    content_hash: str | None = None
    fingerprint: Any = field(default=None, repr=False)
    """``pipelines.fingerprint.Fingerprint`` of the text and title (not stored): the
    linker's near-duplicate and story keys, worked out by a pool worker with the page
    (``pipelines.chain.linker_inputs``) so the store only decides; None in-process
    (the linker works it out)."""
    signature: Any = field(default=None, repr=False)
    """The fingerprint's MinHash with no paragraph left out (``pipelines.near_dup``)."""

    # -- worker pool (pipelines.pool) -----------------------------------------
    decided: dict[str, Any] = field(default_factory=dict, repr=False)
    """Stage name -> its decision, when a worker process ran the stages: each stage's
    wrapper takes its decision from here instead of running the stage again."""

    # -- store ----------------------------------------------------------------
    id: int | None = None
    duplicate_of: int | None = None
