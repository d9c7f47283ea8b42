"""The crawl ledger's tables beyond ``crawl_runs``: health, dead links, revisions.

Imported at the end of ``models.schema`` so that ``Base.metadata`` holds every
table (migrations are compared against it).  Documented for researchers in
docs/database.md ("Crawl health" and "Revisions and takedowns").

- ``crawl_run_failures``: each failed request of a run, with its cause
  (the URL and the HTTP status or the network error).
- ``crawl_run_faults``: per run, source and fault kind (crawler.faultkinds) the
  number of failed requests of that kind: the ledger's own counter of each kind.
- ``url_failures``: per-URL memory of failing article pages and when to try
  them again (crawler.deadlinks decides the schedule).
- ``discovery_validators``: ETag / Last-Modified of feeds, sitemaps and
  listing pages, for conditional GET on the next run.
- ``article_revisions``: the previous version of an article whose text
  changed on a revisit (the ``articles`` row holds the newest).
- ``article_takedowns``: articles that disappeared (404/410 or a redirect to
  the home page); the ``articles`` row is kept.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.schema import Base, IntPK, UtcText


class CrawlRunFailure(Base):
    """One failed request of a run and its cause."""

    __tablename__ = "crawl_run_failures"

    id: Mapped[IntPK]
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16),
                                      doc="feed / sitemap / listing / article / revisit")
    url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer, doc="NULL for a network error")
    error: Mapped[str] = mapped_column(Text, doc="'HTTP 404', 'TimeoutError: ...', 'too large'")


class CrawlRunFault(Base):
    """How many failed requests of one fault kind a source had in a run."""

    __tablename__ = "crawl_run_faults"

    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True,
                                      doc="timeout, http_404, size_limit, ... (faultkinds.KINDS)")
    count: Mapped[int] = mapped_column(Integer)


class UrlFailure(Base):
    """A failing article URL and when the crawl may try it again."""

    __tablename__ = "url_failures"

    canonical_url: Mapped[str] = mapped_column(Text, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(String(64), index=True)
    http_status: Mapped[int | None] = mapped_column(Integer, doc="last status, NULL if network")
    error: Mapped[str] = mapped_column(Text, doc="last cause")
    failures: Mapped[int] = mapped_column(Integer, default=1, doc="consecutive failures")
    first_failed_at: Mapped[UtcText]
    last_failed_at: Mapped[UtcText]
    retry_after: Mapped[UtcText] = mapped_column(index=True, doc="not fetched before this time")
    permanent: Mapped[int] = mapped_column(Integer, default=0,
                                           doc="1 = 404/410/too large or repeated 5xx")


class DiscoveryValidator(Base):
    """HTTP validators of a feed, sitemap or listing page from the last complete run."""

    __tablename__ = "discovery_validators"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[UtcText]


class ArticleRevision(Base):
    """The previous version of an article whose text changed when it was revisited."""

    __tablename__ = "article_revisions"

    id: Mapped[IntPK]
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    detected_at: Mapped[UtcText] = mapped_column(doc="when the change was seen")
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    title: Mapped[str | None] = mapped_column(Text, doc="title before the change")
    text: Mapped[str] = mapped_column(Text, doc="text before the change")
    content_hash: Mapped[str] = mapped_column(String(32), doc="hash of the text before")
    fetched_at: Mapped[UtcText] = mapped_column(doc="when the previous version was fetched")


class ArticleTakedown(Base):
    """An article that disappeared from its site (the articles row is kept)."""

    __tablename__ = "article_takedowns"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    detected_at: Mapped[UtcText]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    http_status: Mapped[int] = mapped_column(Integer, doc="404, 410, or the redirect's 200")
    final_url: Mapped[str | None] = mapped_column(Text, doc="where a redirect led")
    reason: Mapped[str] = mapped_column(String(16), doc="gone / not_found / to_home")
    restored_at: Mapped[str | None] = mapped_column(String(32), doc="seen again after this")
