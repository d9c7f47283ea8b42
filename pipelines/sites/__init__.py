"""Per-site extractors: where registry data cannot express a site.

One module per site, named after the source id (``-`` becomes ``_``), holding one
subclass of :class:`pipelines.sites.base.GenericExtractor` per layout version in
``VERSIONS`` (oldest first).  A redesign adds a version with the date it took
effect (``valid_from``) and a ``signature`` selector only it has; the old version
and its fixture stay, so old saved pages keep extracting (fundus' ``VALID_UNTIL``).

Choosing a version for a page: among the versions in force at ``fetched_at``
(all of them when unknown), the newest whose signature is on the page; failing
that, the newest in force.  Reads no settings.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.registry import Source
    from pipelines.sites.base import GenericExtractor

#: Source ids that have a site module (kept explicit: no import-time discovery).
SITE_MODULES = ("tengrinews",)


@lru_cache(maxsize=64)
def versions_for(source_id: str) -> tuple[type[GenericExtractor], ...]:
    """The layout versions of one site, oldest first (empty: use the generic one)."""
    if source_id not in SITE_MODULES:
        return ()
    module = importlib.import_module(f"pipelines.sites.{source_id.replace('-', '_')}")
    return tuple(module.VERSIONS)


def extractor_for(source: Source | None, tree=None,
                  fetched_at: datetime | None = None) -> GenericExtractor:
    """The extractor (site version or generic) for a page of ``source``."""
    from pipelines.sites.base import GenericExtractor

    versions = versions_for(source.id) if source is not None else ()
    if not versions:
        return GenericExtractor(source)
    in_force = [v for v in versions
                if fetched_at is None or v.valid_from is None
                or v.valid_from <= fetched_at.date()] or list(versions[:1])
    if tree is not None:
        for cls in reversed(in_force):
            if cls.signature and cls.matches(tree):
                return cls(source)
    return in_force[-1](source)
