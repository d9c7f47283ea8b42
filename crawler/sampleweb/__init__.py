"""The offline sample web: a realistic, fictional civil-society news web served
on loopback for ``civmon demo``, the end-to-end tests and the benchmarks.

Seven fictional outlets each imitate one kind of real source (a state agency
with a body-less RSS, a national portal with a sitemap index, an agency with a
paginated listing, a regional site, a TV station's transcripts, an old
windows-1251 newspaper and a government NGO agency).  Their pages carry real
boilerplate (navigation, sidebars, share buttons, comments, cookie banners),
relative dates computed from the frozen clock :data:`SAMPLE_NOW`, the five seed
texts, verbatim and near-verbatim reprints, and non-civil-society news.

- :class:`SampleWeb` serves it (``with SampleWeb() as web: web.registry()``).
- :func:`load_expectations` says what a correct crawl stores for each article.
- :func:`iter_pages` yields the exact served bytes without a server.

See ``docs/sampleweb.md``.
"""

from .dates import SAMPLE_NOW
from .server import SampleWeb, registry_template, render_registry
from .site import (
    OUTLETS,
    PageExpectation,
    broken_links,
    disallowed_links,
    iter_pages,
    link_variants,
    load_expectations,
    non_article_paths,
    offline_base,
)

__all__ = [
    "OUTLETS",
    "SAMPLE_NOW",
    "PageExpectation",
    "SampleWeb",
    "broken_links",
    "disallowed_links",
    "iter_pages",
    "link_variants",
    "load_expectations",
    "non_article_paths",
    "offline_base",
    "registry_template",
    "render_registry",
]
