"""One saved page through the same stages as a crawl: ``civmon extract``.

``decode_page`` turns bytes into text the way the spider does (BOM, then
``<meta charset>``, then detection); ``extract_page`` runs extraction, dates,
relevance and the dedup keys on it and returns the JSON-ready record.
No Scrapy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.registry import Source
from pipelines.dates import choose_date, format_published_at, url_date
from pipelines.dedup import canonical_url, content_hash
from pipelines.extract import extract_article
from pipelines.relevance import classify, to_record


def decode_page(body: bytes, encoding: str | None = None) -> str:
    """Decode a saved page; LookupError for an unknown ``encoding``."""
    if encoding:
        return body.decode(encoding, errors="replace")
    from w3lib.encoding import html_to_unicode

    _enc, text = html_to_unicode(None, body)
    return text


def extract_page(html: str, *, url: str, source: Source | None, now: datetime,
                 explain: bool = False) -> dict[str, Any]:
    article = extract_article(html, url=url, source=source)
    candidates = list(article.date_candidates)
    from_url = url_date(url)
    if from_url is not None:
        candidates.append(from_url)
    choice = choose_date(
        candidates,
        timezone=source.timezone if source else "UTC",
        now=now,
        languages=source.languages if source else ("ru",),
        established=source.established if source else None,
    )
    record = article.to_dict()
    explanation = record.pop("explain", {})
    record.update(
        url=url,
        canonical_url=canonical_url(article.canonical_url or url),
        source_id=source.id if source else None,
        published_at=format_published_at(choice.parsed) if choice.parsed else None,
        published_raw=choice.candidate.raw if choice.candidate else None,
        date_precision=choice.parsed.precision if choice.parsed else None,
        date_source=choice.candidate.origin if choice.candidate else None,
        content_hash=content_hash(article.text),
    )
    relevance = classify(article.title, article.text, language=article.language)
    record.update(to_record(relevance))
    if explain:
        explanation = dict(explanation)
        explanation["published_at"] = (
            f"{choice.candidate.origin} {choice.candidate.raw!r}" if choice.candidate
            else "no usable date candidate"
        )
        if choice.rejected:
            explanation["dates_rejected"] = "; ".join(
                f"{c.origin} {c.raw!r}: {why}" for c, why in choice.rejected)
        explanation["relevant"] = (
            f"topics {', '.join(relevance.topics)} (score {relevance.score})"
            if relevance.relevant else f"no civil-society topic (score {relevance.score})"
        ) + (f"; traps {', '.join(relevance.traps)}" if relevance.traps else "") + (
            f"; threshold {relevance.threshold:g}"
        )
        record["explain"] = explanation
    return record
