"""Deduplication keys: the canonical URL and an exact hash of the normalised text.

* ``canonical_url(url, declared=...)`` removes what makes one page look like
  many (w3lib's ``canonicalize_url`` and ``url_query_cleaner``, plus civmon's
  rules): tracking parameters (``utm_*``, ``fbclid``, ``yclid``...), fragments,
  default ports, ``www.``/``m.``/``amp.`` host variants, ``index.php`` paths,
  trailing slashes, parameter order; the page's own ``rel=canonical`` /
  ``og:url`` wins when it stays on the same site.
* ``content_hash(text)`` hashes the text after case folding, ``ё``->``е``, and
  dropping punctuation and whitespace differences, so a reprint that only
  differs in quotes or line breaks gets the same key.

``DedupIndex`` answers, for one article, "is this URL already stored?" and "is
this text a copy of an article already stored, and which one?".

The original of a group of copies is the one **published first**, not the one
crawled first: ``published_first(a, b)`` compares two ``published_at`` values
(each with its source's time zone, since a day-precision date is a local day)
and says whether ``a`` certainly came before ``b``.  When a copy turns out to
be older than the stored original, the store makes it the original and points
the whole group at it.  The store
pipeline owns the database session and feeds the index, so that the decision
and the row id it points to come from the same transaction.

``DedupPipeline`` computes the keys and counts ``civmon/dedup/*``.  Near
duplicates and stories are decided at store time (``pipelines.linking``), where
the stored articles are.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

from pipelines.items import ArticleItem

#: Query parameters that identify a campaign or a click, never a page.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "yclid", "ysclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid",
    "_openstat", "from", "ref", "ref_src", "rss", "utm", "share", "amp",
})
TRACKING_PREFIXES = ("utm_", "ga_", "hsa_", "pk_", "mtm_")
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _tracking(key: str) -> bool:
    k = key.lower()
    return k in TRACKING_PARAMS or k.startswith(TRACKING_PREFIXES)


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix):]
    return host


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on one site (``m.``/``www.``/``amp.`` hosts count as the site)."""
    return bool(_host(a)) and _host(a) == _host(b)


def declared_url(url: str, declared: str | None) -> str:
    """The URL to key an article on: the page's own ``rel=canonical`` / ``og:url`` when
    it stays on the same site and names an article rather than the home page (some
    sites put their home page in every page's canonical link), else ``url``."""
    if not declared:
        return url
    target = urljoin(url, declared.strip())
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not same_site(target, url):
        return url
    if parts.path in ("", "/") and not parts.query:
        return url
    return target


def canonical_url(url: str, *, declared: str | None = None) -> str:
    """The normalised form of ``url`` used as the article's identity.

    ``declared``: the page's ``<link rel=canonical>`` / ``og:url``, honoured as
    ``declared_url`` says.  w3lib does the standard part (percent-encoding,
    sorted query, no fragment; tracking parameters removed with
    ``url_query_cleaner``); civmon adds what w3lib leaves alone: the host
    without ``www.``/``m.``/``mobile.``/``amp.``, the default port, doubled
    slashes, ``index.html``/``index.php`` and the trailing slash (an ``/amp/``
    path is left to the page's canonical link: the path may be a real one).
    The scheme is kept (a site that serves ``http`` and ``https`` differently is
    rare enough not to merge); the path keeps its case.
    """
    url = declared_url(url.strip(), declared)
    parts = urlsplit(url)
    tracking = [k for k, _v in parse_qsl(parts.query, keep_blank_values=True) if _tracking(k)]
    if tracking:
        url = url_query_cleaner(url, tracking, remove=True, keep_fragments=True)
    url = canonicalize_url(url, keep_fragments=False)
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "http"
    host = _host(url)
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    for suffix in ("/index.html", "/index.php", "/index.htm"):
        if path.endswith(suffix):
            path = path[: -len(suffix) + 1]
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Case-folded words separated by single spaces: the input of ``content_hash``."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _NON_WORD.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """128-bit hex digest of the normalised text (stable across runs and machines)."""
    return hashlib.blake2b(normalize_text(text).encode("utf-8"), digest_size=16).hexdigest()


def published_span(published_at: str | None, zone: str | None) -> tuple[datetime, datetime] | None:
    """The UTC interval a ``published_at`` value stands for, or None when unknown.

    A minute/second value (``2025-11-24T07:18:00Z``) is a point; a day value
    (``2025-11-24``) is that local day of ``zone`` (the whole UTC-12..UTC+14 band
    when the zone is unknown, so that no comparison claims more than it knows).
    """
    if not published_at:
        return None
    try:
        if "T" in published_at:
            moment = datetime.fromisoformat(published_at.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                return None
            moment = moment.astimezone(UTC)
            return moment, moment
        day = date.fromisoformat(published_at)
    except ValueError:
        return None
    if zone:
        from pipelines.dates import zone as load_zone

        try:
            tz = load_zone(zone)
        except ValueError:
            tz = None
        if tz is not None:
            start = datetime(day.year, day.month, day.day, tzinfo=tz)
            end = start + timedelta(days=1)
            return start.astimezone(UTC), end.astimezone(UTC)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return midnight - timedelta(hours=14), midnight + timedelta(hours=36)


def published_first(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    """Whether article ``a`` was certainly published before ``b``.

    Each side is ``(published_at, source time zone)``.  Undated articles and
    overlapping spans (the same local day at day precision) are never "first".
    """
    span_a, span_b = published_span(*a), published_span(*b)
    if span_a is None or span_b is None:
        return False
    a_start, a_end = span_a
    if a_start == a_end:  # a point: strictly before b's earliest possible moment
        return a_end < span_b[0]
    return a_end <= span_b[0]  # a day: the half-open day ends before b can begin


@dataclass(frozen=True)
class Verdict:
    """What the index says about one article."""

    known_url: bool = False
    """The canonical URL is already stored: the article must not be stored again."""
    duplicate_of: int | None = None
    """The id of the stored original whose text this article repeats."""


class DedupIndex:
    """Canonical URLs and content hashes already stored, with the ids they map to.

    ``lookup_url`` / ``lookup_hash`` consult the database for keys this run has
    not seen (they return the id or None); the in-memory maps make repeats
    within a run free and see rows not yet committed.
    """

    def __init__(
        self,
        lookup_url: Callable[[str], int | None] = lambda _u: None,
        lookup_hash: Callable[[str], int | None] = lambda _h: None,
    ) -> None:
        self._lookup_url = lookup_url
        self._lookup_hash = lookup_hash
        self._urls: dict[str, int] = {}
        self._hashes: dict[str, int] = {}

    def check(self, canonical: str, digest: str) -> Verdict:
        if canonical in self._urls:
            return Verdict(known_url=True)
        stored = self._lookup_url(canonical)
        if stored is not None:
            self._urls[canonical] = stored
            return Verdict(known_url=True)
        original = self._hashes.get(digest)
        if original is None:
            original = self._lookup_hash(digest)
            if original is not None:
                self._hashes[digest] = original
        return Verdict(duplicate_of=original)

    def remember(self, canonical: str, digest: str, article_id: int, duplicate_of: int | None
                 ) -> None:
        """Record a stored article; an original becomes the target of later copies."""
        self._urls[canonical] = article_id
        if duplicate_of is None:
            self._hashes.setdefault(digest, article_id)

    def replace_original(self, digest: str, article_id: int) -> None:
        """An older copy has become the original of its group."""
        self._hashes[digest] = article_id


class DedupPipeline:
    """Computes ``canonical_url`` and ``content_hash``; drops repeats within a run."""

    def __init__(self, stats) -> None:
        self.stats = stats
        self._seen_urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        from scrapy.exceptions import DropItem

        from pipelines.chain import keys_stage  # the one call of the key functions

        if "keys" not in item.decided:  # else a worker filled them (pipelines.pool)
            keys_stage(item)
        if item.canonical_url in self._seen_urls:
            self.stats.inc_value("civmon/dedup/same_url_in_run")
            raise DropItem(f"already processed in this run: {item.canonical_url}",
                           log_level="INFO")
        self._seen_urls.add(item.canonical_url)
        self.stats.inc_value("civmon/dedup/keyed")
        return item
