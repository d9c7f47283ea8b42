"""The whole sample web as data: what every outlet serves, and what a crawler
should make of each article page (:class:`PageExpectation`).

Everything is rendered once, deterministically, from ``content/*.toml`` and
``seeds/``; absolute URLs carry the :data:`~.common.BASE` token until a server
(or :func:`iter_pages`) substitutes a real base URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .common import BASE, OutletSite, Resource
from .content import OUTLET_ZONES, Article, load_articles
from .dates import (
    agency_nominative,
    agency_numeric,
    day_numeric,
    portal_relative,
    published_at,
    regional_relative,
    tv_numeric,
)
from .outlets_az import build_azerinform, build_bakvestnik, build_qhtagency
from .outlets_kz import build_dalanews, build_steppeinform
from .outlets_regional import build_sevkaz, build_toboltv

#: Outlet ids, which are also their source ids in the sample registry, in serving order.
OUTLETS: tuple[str, ...] = tuple(OUTLET_ZONES)

_BUILDERS: dict[str, Callable[[tuple[Article, ...]], OutletSite]] = {
    "azerinform": build_azerinform, "dalanews": build_dalanews,
    "steppeinform": build_steppeinform, "sevkaz": build_sevkaz, "toboltv": build_toboltv,
    "bakvestnik": build_bakvestnik, "qhtagency": build_qhtagency,
}

#: How each outlet prints a publication date (the expected ``published_raw``).
_PRINTED: dict[str, Callable[[Article], str]] = {
    "azerinform": lambda a: agency_numeric(a.local),
    "dalanews": lambda a: portal_relative(a.local),
    "steppeinform": lambda a: agency_nominative(a.local, a.language),
    "sevkaz": lambda a: regional_relative(a.local),
    "toboltv": lambda a: tv_numeric(a.local),
    "bakvestnik": lambda a: day_numeric(a.local),
    "qhtagency": lambda a: day_numeric(a.local),
}


@dataclass(frozen=True)
class PageExpectation:
    """What a correct crawl stores for one article page of the sample web."""

    source_id: str
    path: str  # URL path (+ query) on its outlet, e.g. "/ru/xeber/forum-npo-3816267"
    title: str  # exact expected title
    published_at: str | None  # "2025-11-24T07:18:00Z", or "2025-11-24" (local day)
    precision: str | None  # "day" / "minute" / "second"
    published_raw: str | None  # the date string as printed on the page
    language: str  # ISO 639-1
    relevant: bool  # civil-society news?
    must_contain: tuple[str, ...]  # phrases of the body
    must_not_contain: tuple[str, ...]  # boilerplate on that page around the article
    duplicate_of: str | None = None  # "source_id:path" of the earliest verbatim copy
    near_duplicate_of: str | None = None  # "source_id:path" of the original of a near-copy
    seed: str | None = None  # seed file name when the body is a seed text
    attributed_to: str | None = None  # canonical outlet name: "Tengrinews", "AZERTAC", ...
    state_supplied: bool = False  # "Материал предоставлен акиматом ..." / госинформзаказ
    supplier: str | None = None
    same_story_as: str | None = None  # "source_id:path" of an article of the same story
    # (another-language edition linked by hreflang, or the same event told by another
    # outlet), when the page is not a copy

    @property
    def ref(self) -> str:
        return f"{self.source_id}:{self.path}"


@lru_cache(maxsize=1)
def build_sites() -> dict[str, OutletSite]:
    """Render every outlet (once per process)."""
    articles = load_articles()
    return {sid: _BUILDERS[sid](articles[sid]) for sid in OUTLETS}


def _locator(a: Article) -> str:
    return f"{a.source_id}:{a.path}"


def _duplicates() -> dict[str, tuple[str | None, str | None]]:
    """article ref -> (duplicate_of, near_duplicate_of) as "source_id:path"."""
    by_ref = {a.ref: a for arts in load_articles().values() for a in arts}
    groups: dict[str, list[Article]] = {}
    for a in by_ref.values():
        if a.copy_of:
            groups.setdefault(a.copy_of, [by_ref[a.copy_of]]).append(a)
    out: dict[str, tuple[str | None, str | None]] = {}
    for members in groups.values():
        first = min(members, key=lambda m: m.local)
        for m in members:
            if m is not first:
                out[m.ref] = (_locator(first), None)
    for a in by_ref.values():
        if a.near_copy_of:
            out[a.ref] = (None, _locator(by_ref[a.near_copy_of]))
    return out


def _same_story(a: Article) -> str | None:
    by_ref = {x.ref: x for arts in load_articles().values() for x in arts}
    other = a.edition_of or a.same_story
    return _locator(by_ref[other]) if other else None


@lru_cache(maxsize=1)
def _expectations() -> tuple[PageExpectation, ...]:
    dups = _duplicates()
    out = []
    for sid, site in build_sites().items():
        for page in site.pages:
            a = page.article
            dup, near = dups.get(a.ref, (None, None))
            out.append(PageExpectation(
                source_id=sid, path=a.path, title=a.title,
                published_at=published_at(a.local, a.precision), precision=a.precision,
                published_raw=_PRINTED[sid](a), language=a.language, relevant=a.relevant,
                must_contain=a.must_contain,
                must_not_contain=tuple(dict.fromkeys(p for p in page.boilerplate if p)),
                duplicate_of=dup, near_duplicate_of=near, seed=a.seed,
                attributed_to=a.attributed_to, state_supplied=a.state_supplied,
                supplier=a.supplier, same_story_as=_same_story(a),
            ))
    return tuple(out)


def load_expectations() -> list[PageExpectation]:
    """One expectation per article page, outlet by outlet."""
    return list(_expectations())


def broken_links() -> list[tuple[str, str, int]]:
    """Linked article URLs that fail: (source_id, path, HTTP status)."""
    return [(sid, path, status) for sid, site in build_sites().items()
            for path, status in site.broken]


def disallowed_links() -> list[tuple[str, str]]:
    """Linked pages that the outlet's robots.txt forbids: a polite crawler never fetches them."""
    return [(sid, path) for sid, site in build_sites().items() for path in site.disallowed]


def non_article_paths() -> list[tuple[str, str]]:
    """Listings, feeds, sitemaps and about pages: served, but never articles."""
    return [(sid, path) for sid, site in build_sites().items() for path in site.non_articles]


def link_variants() -> list[tuple[str, str, str]]:
    """(source_id, linked variant, canonical path): tracking parameters, trailing slashes."""
    return [(sid, v, c) for sid, site in build_sites().items() for v, c in site.variants]


def offline_base(source_id: str) -> str:
    """The base URL written into pages served without a server (:func:`iter_pages`)."""
    return f"http://{source_id}.sample"


def resources(source_id: str, base: str) -> dict[str, Resource]:
    """What ``source_id`` serves, with absolute URLs under ``base``."""
    token, real = BASE.encode(), base.rstrip("/").encode("ascii")
    return {path: Resource(r.status, r.content_type, r.body.replace(token, real), r.any_query)
            for path, r in build_sites()[source_id].resources.items()}


def iter_pages(bases: Mapping[str, str] | None = None,
               ) -> Iterator[tuple[PageExpectation, str, bytes, str]]:
    """(expectation, path, body bytes, Content-Type) of every article page, exactly as
    served; absolute URLs use ``bases[source_id]`` or :func:`offline_base`."""
    cache: dict[str, dict[str, Resource]] = {}
    for exp in _expectations():
        sid = exp.source_id
        if sid not in cache:
            cache[sid] = resources(sid, (bases or {}).get(sid) or offline_base(sid))
        res = cache[sid][exp.path]
        yield exp, exp.path, res.body, res.content_type
