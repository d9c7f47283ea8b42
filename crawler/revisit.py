"""Revisiting recent articles: text revisions and takedowns, without deleting anything.

Each run re-requests the articles of its sources fetched in the last
``CIVMON_REVISIT_DAYS`` days (at most ``CIVMON_REVISIT_MAX`` per source, the
oldest revisit first, after the new articles: low priority) and compares:

- a 404 / 410, or a redirect that lands on the site's home page, is a
  takedown: one ``article_takedowns`` row (the ``articles`` row is kept;
  researchers study removed news); if the page comes back, ``restored_at``;
- a different text (its content hash) is a revision: the previous title,
  text, hash and fetch time go to ``article_revisions``, the ``articles`` row
  gets the new text.

The pure part (:func:`takedown_reason`) is tested on its own; :func:`record_*`
write in one short transaction each; ``RevisitMixin`` gives the news spider its
requests and callback.  Settings (``CIVMON_REVISIT_DAYS``, ``CIVMON_REVISIT_MAX``)
are read by the spider.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models.schema import Article, ArticleRevision, ArticleTakedown, to_utc_text


def takedown_reason(status: int, original_url: str, final_url: str,
                    redirected: bool) -> str | None:
    """'gone' (410), 'not_found' (404), 'to_home' (redirected to the home page), or None."""
    if status == 410:
        return "gone"
    if status == 404:
        return "not_found"
    if not redirected:
        return None
    path = urlsplit(final_url).path
    # the home page, or a language home such as /ru/ or /kz
    home = path in ("", "/") or (path.rstrip("/").count("/") <= 1 and len(path) <= 4)
    if home and urlsplit(original_url).path not in ("", "/"):
        return "to_home"
    return None


def recent_articles(engine: Engine, source_ids: list[str], now: datetime, days: float,
                    limit: int) -> list[tuple[int, str, str, str]]:
    """(id, source_id, url, content_hash) of articles to revisit, per source at most ``limit``."""
    since = to_utc_text(now - timedelta(days=days))
    gone = select(ArticleTakedown.article_id).where(ArticleTakedown.restored_at.is_(None))
    out: list[tuple[int, str, str, str]] = []
    with engine.connect() as conn:
        for sid in source_ids:
            out.extend(conn.execute(
                select(Article.id, Article.source_id, Article.url, Article.content_hash)
                .where(Article.source_id == sid, Article.fetched_at >= since,
                       Article.id.not_in(gone))
                .order_by(Article.fetched_at).limit(limit)).all())
    return [tuple(r) for r in out]


def record_takedown(engine: Engine, article_id: int, *, status: int, final_url: str | None,
                    reason: str, now: datetime, run_id: int | None) -> bool:
    """Record that an article disappeared; False when it was already recorded."""
    with Session(engine) as session:
        row = session.get(ArticleTakedown, article_id)
        if row is not None and row.restored_at is None:
            return False
        if row is None:
            row = ArticleTakedown(article_id=article_id)
            session.add(row)
        row.detected_at, row.crawl_run_id, row.http_status = to_utc_text(now), run_id, status
        row.final_url, row.reason, row.restored_at = final_url, reason, None
        session.commit()
    return True


def record_text(engine: Engine, article_id: int, *, title: str | None, text: str,
                content_hash: str, now: datetime, run_id: int | None) -> str:
    """Compare a revisited text with the stored one: 'revised', 'same' or 'restored'."""
    with Session(engine) as session:
        article = session.get(Article, article_id)
        if article is None:
            return "same"
        outcome = "same"
        takedown = session.get(ArticleTakedown, article_id)
        if takedown is not None and takedown.restored_at is None:
            takedown.restored_at = to_utc_text(now)
            outcome = "restored"
        if article.content_hash != content_hash:
            session.add(ArticleRevision(
                article_id=article_id, detected_at=to_utc_text(now), crawl_run_id=run_id,
                title=article.title, text=article.text, content_hash=article.content_hash,
                fetched_at=article.fetched_at))
            article.title, article.text, article.content_hash = title, text, content_hash
            article.fetched_at = to_utc_text(now)
            outcome = "revised"
        session.commit()
    return outcome


class RevisitMixin:
    """The news spider's revisit requests and their callback (crawler.spiders.news)."""

    ledger: Any
    sources: dict
    revisit_days: float
    revisit_max: int
    max_html_bytes: int
    _revisiting: set[str]

    def _revisits(self) -> list:
        if self.ledger is None or self.revisit_days <= 0:
            return []
        from pipelines.dedup import canonical_url

        out = []
        # (not marked queued: discovery still meets them, and counts them as known,
        # and never fetches them a second time as new articles)
        for article_id, sid, url, digest in recent_articles(
                self.ledger.engine, list(self.sources), self.now(), self.revisit_days,
                self.revisit_max):
            self._revisiting.add(canonical_url(url))
            request = self._request(url, self.sources[sid], self.parse_revisit, role="revisit",
                                    article_id=article_id, stored_hash=digest,
                                    handle_httpstatus_list=[404, 410])
            out.append(request.replace(priority=-10))  # new articles first
        return out

    def parse_revisit(self, response):
        from scrapy.http import TextResponse

        from pipelines.chain import process_page

        source = self.sources[response.meta["source_id"]]
        article_id = response.meta["article_id"]
        run_id = self.crawler.stats.get_value("civmon/run_id")
        self.count(source.id, "revisited")
        original = (response.meta.get("redirect_urls") or [response.url])[0]
        reason = takedown_reason(response.status, original, response.url,
                                 bool(response.meta.get("redirect_urls")))
        if reason is not None:
            if record_takedown(self.ledger.engine, article_id, status=response.status,
                               final_url=response.url if reason == "to_home" else None,
                               reason=reason, now=self.now(), run_id=run_id):
                self.count(source.id, "taken_down")
                self.logger.info("%s: %s is gone (%s)", source.id, original, reason)
            return
        if not isinstance(response, TextResponse) or len(response.body) > self.max_html_bytes:
            return
        decoded = self._decode(response, source)
        if decoded.undecodable:  # never replace a stored text with replacement characters
            self.count(source.id, "revisit_undecodable")
            return
        html = decoded.text
        # the same chain as a first fetch, so a changed hash means changed text
        page = process_page(html, url=response.url, source=source, now=self.now()).item
        if not page.text:
            self.count(source.id, "revisit_empty")
            return
        outcome = record_text(self.ledger.engine, article_id, title=page.title,
                              text=page.text, content_hash=page.content_hash,
                              now=self.now(), run_id=run_id)
        if outcome != "same":
            self.count(source.id, outcome)
