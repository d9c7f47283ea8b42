"""The civmon tables, as SQLAlchemy 2.0 typed models.

Table and column names are a contract (DESIGN.md, docs/database.md): researchers
query them directly with sqlite3, pandas, DBeaver or Datasette.  Columns may be
added by a migration; none is renamed or removed.

Times are stored as ISO 8601 text in UTC ("2025-11-24T07:18:00Z"), which reads
the same in every SQLite client and sorts correctly; ``published_at`` is
"YYYY-MM-DD" when only the day is known (the source's local calendar day).
``published_day`` is always the source's local day, "YYYY-MM-DD"
(pipelines/published_day.py keeps it in step).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Primary keys are plain integers (SQLite rowid aliases).
IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]
#: An ISO 8601 UTC timestamp stored as text.
UtcText = Annotated[str, mapped_column(String(32))]
Count = Annotated[int, mapped_column(Integer, default=0, nullable=False)]


def utc_now_text() -> str:
    """The current time as stored: second precision, UTC, 'Z' suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: civmon stores aware UTC times only")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Base(DeclarativeBase):
    pass


class Source(Base):
    """One site of the registry, as last crawled (the registry file is the truth)."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="registry id (slug)")
    name: Mapped[str] = mapped_column(Text, doc="display name")
    country: Mapped[str] = mapped_column(String(2), doc="ISO 3166-1 alpha-2")
    kind: Mapped[str] = mapped_column(String(16), doc="agency/government/national/regional/ngo")
    languages: Mapped[str] = mapped_column(Text, doc="ISO 639-1 codes, comma-separated, main first")
    timezone: Mapped[str] = mapped_column(String(64), doc="IANA time zone of the site")
    homepage: Mapped[str | None] = mapped_column(Text, doc="first discovery URL's host")
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[UtcText] = mapped_column(default=utc_now_text, onupdate=utc_now_text)

    articles: Mapped[list[Article]] = relationship(back_populates="source")


class RunCounts:
    """The counts a run keeps in total (``crawl_runs``) and per source (``crawl_run_sources``);
    crawler.runs.COUNTS names them in this order."""

    discovered: Mapped[Count]
    fetched: Mapped[Count]
    failed: Mapped[Count]
    extracted: Mapped[Count]
    stored: Mapped[Count]
    duplicates: Mapped[Count]
    undated: Mapped[Count]


class SkipCounts:
    """What a run did not fetch or keep, and why (``crawl_runs`` and ``crawl_run_sources``);
    crawler.runs.SKIP_COUNTS names them."""

    skipped_known: Mapped[Count] = mapped_column(doc="links already stored, not fetched")
    skipped_robots: Mapped[Count] = mapped_column(doc="requests forbidden by robots.txt")
    skipped_dead: Mapped[Count] = mapped_column(doc="dead links inside their retry pause")
    not_modified: Mapped[Count] = mapped_column(doc="discovery pages answered 304")
    too_large: Mapped[Count] = mapped_column(doc="pages over CIVMON_MAX_HTML_BYTES, not parsed")
    extract_empty: Mapped[Count] = mapped_column(doc="pages fetched but without article text")
    revised: Mapped[Count] = mapped_column(doc="revisited articles whose text changed")
    taken_down: Mapped[Count] = mapped_column(doc="revisited articles found removed")


class CrawlRun(RunCounts, SkipCounts, Base):
    """One `civmon crawl` / `scrapy crawl news` / `civmon demo` run and what it did."""

    __tablename__ = "crawl_runs"

    id: Mapped[IntPK]
    started_at: Mapped[UtcText] = mapped_column(default=utc_now_text)
    finished_at: Mapped[str | None] = mapped_column(String(32), doc="NULL while running")
    status: Mapped[str] = mapped_column(
        String(16), default="running",
        doc="running / ok / partial (some source broken) / failed / interrupted / "
            "closespider_timeout / abandoned (its process died; closed by the next run)",
    )
    command: Mapped[str | None] = mapped_column(Text, doc="crawl, demo, scrapy")
    sources: Mapped[str | None] = mapped_column(Text, doc="source ids, comma-separated")
    finish_reason: Mapped[str | None] = mapped_column(Text, doc="Scrapy's finish reason")
    stats: Mapped[str | None] = mapped_column(Text, doc="all civmon/* stats as JSON")

    source_counts: Mapped[list[CrawlRunSource]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class CrawlRunSource(RunCounts, SkipCounts, Base):
    """Per-source counts of one crawl run."""

    __tablename__ = "crawl_run_sources"

    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), doc="ok / broken / empty")
    error: Mapped[str | None] = mapped_column(Text, doc="why the source counts as broken")
    alerts: Mapped[str | None] = mapped_column(Text, doc="health alerts, '; '-separated")

    run: Mapped[CrawlRun] = relationship(back_populates="source_counts")


class Article(Base):
    """One fetched article page, extracted and normalised."""

    __tablename__ = "articles"

    id: Mapped[IntPK]
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(Text, doc="the URL the page was served from")
    canonical_url: Mapped[str] = mapped_column(
        Text, unique=True, doc="normalised URL: no tracking params, fragment, trailing slash"
    )
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, doc="clean article text, paragraphs split by \\n\\n")
    author: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8), doc="ISO 639-1, detected from text")
    published_at: Mapped[str | None] = mapped_column(
        String(32), index=True, doc="UTC ISO 8601 ('...Z'), or YYYY-MM-DD (local day) if day-only"
    )
    published_day: Mapped[str | None] = mapped_column(
        String(10), index=True,
        doc="YYYY-MM-DD: the day of publication in the source's time zone (NULL if undated)")
    published_raw: Mapped[str | None] = mapped_column(Text, doc="the date string as found")
    date_precision: Mapped[str | None] = mapped_column(String(8), doc="day / minute / second")
    date_source: Mapped[str | None] = mapped_column(
        String(16), doc="where the date came from: jsonld, meta, time, text, feed, url, ..."
    )
    fetched_at: Mapped[UtcText]
    content_hash: Mapped[str] = mapped_column(
        String(32), index=True, doc="hash of the normalised text (exact-duplicate key)"
    )
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id"), index=True, doc="id of the article this row copies, or NULL"
    )
    relevant: Mapped[int] = mapped_column(Integer, default=0, doc="1 = civil-society news")
    topics: Mapped[str | None] = mapped_column(Text, doc="matched topics, comma-separated")
    relevance_score: Mapped[float | None] = mapped_column(
        Float, doc="civil-society score (relevant when >= the threshold); NULL = not scored")
    relevance_terms: Mapped[str | None] = mapped_column(
        Text, doc="JSON list of the terms that counted: [term, field, start, end, text]")
    story_id: Mapped[int | None] = mapped_column(
        Integer, index=True, doc="same value for articles reporting the same event"
    )
    similarity: Mapped[float | None] = mapped_column(
        Float, doc="Jaccard similarity of word 3-shingles with duplicate_of (1.0 = same text)"
    )
    alternate_urls: Mapped[str | None] = mapped_column(
        Text, doc="canonical URLs of this page in other languages (hreflang), space-separated"
    )
    attributed_to: Mapped[str | None] = mapped_column(Text, doc="who supplied the text")
    state_supplied: Mapped[int] = mapped_column(
        Integer, default=0, doc="1 = state-supplied / sponsored material (госинформзаказ)"
    )
    supplier: Mapped[str | None] = mapped_column(Text, doc="the state body that supplied it")
    discovered_via: Mapped[str | None] = mapped_column(String(16), doc="feed / sitemap / listing")
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))

    source: Mapped[Source] = relationship(back_populates="articles")

    __table_args__ = (Index("ix_articles_source_published", "source_id", "published_at"),)


class Topic(Base):
    """The topic taxonomy (pipelines/rules/relevance/topics.toml)."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class Region(Base):
    """A place of the gazetteer (pipelines/rules/relevance/regions.toml)."""

    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text, doc="English display name")
    level: Mapped[str] = mapped_column(String(16), doc="country / region / city / district")
    country: Mapped[str] = mapped_column(String(2), doc="ISO 3166-1 alpha-2")
    iso_code: Mapped[str | None] = mapped_column(String(8), doc="ISO 3166-2, where one exists")
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"),
                                                  doc="the region or country containing it")


class Organisation(Base):
    """One body: a gazetteer entry, or a quoted name with its kind ("foundation:дом надежды")."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text, doc="display name (first spelling seen)")
    kind: Mapped[str] = mapped_column(String(32), doc="public_association, foundation, ...")
    country: Mapped[str | None] = mapped_column(String(2))
    gazetteer: Mapped[int] = mapped_column(Integer, default=0,
                                           doc="1 = from organisations.toml")


class ArticleTopic(Base):
    __tablename__ = "article_topics"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float, doc="mentions of the topic's terms")


class ArticleRegion(Base):
    __tablename__ = "article_regions"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id"), primary_key=True,
                                           index=True)
    mentions: Mapped[int] = mapped_column(Integer, doc="0 when tagged via a place inside it")
    via: Mapped[str] = mapped_column(String(8), doc="text (named) / parent (contains one)")
    first_position: Mapped[int | None] = mapped_column(
        Integer, doc="offset of the first mention in title + blank line + text")


class ArticleOrganisation(Base):
    __tablename__ = "article_organisations"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"),
                                                 primary_key=True, index=True)
    mentions: Mapped[int] = mapped_column(Integer)
    first_position: Mapped[int] = mapped_column(Integer)


# The ledger's other tables (health, dead links, revisions): a module of their own.
from models.ledger import (  # noqa: E402  (needs Base above)
    ArticleRevision,
    ArticleTakedown,
    CrawlRunFailure,
    CrawlRunFault,
    DiscoveryValidator,
    UrlFailure,
)

__all__ = ["ArticleRevision", "ArticleTakedown", "CrawlRunFailure", "CrawlRunFault",
           "DiscoveryValidator", "UrlFailure"]
