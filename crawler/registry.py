"""The source registry: TOML files with one ``[[sources]]`` table per site.

The format is a contract (see ``DESIGN.md`` and ``docs/registry.md``).  This
module turns a registry file into typed, validated :class:`Source` objects and
refuses anything it does not understand: an unknown key, a bad value, a time
zone that does not exist, a regex that does not compile, a source without any
discovery list or a duplicate id.  Every error names the file, the source and
the key, on one line.

It imports no Scrapy, so pipelines, models and the CLI can use it freely.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

KINDS = ("agency", "government", "national", "regional", "ngo")
SELECTOR_FIELDS = ("title", "date", "body", "author")
DISCOVERY_KEYS = ("feeds", "sitemaps", "listings")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANG = re.compile(r"^[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
#: A bare host name or IP address: no scheme, path, port, user or spaces.  Scrapy's offsite
#: filter silently matches nothing for "https://site.kz/" and the source ends up empty.
_HOST = re.compile(r"^[^\s/:@?#\[\]]+$")

DEFAULT_REGISTRY = "sources.toml"


class RegistryError(ValueError):
    """A registry file is wrong; the message names file, source and key."""


@dataclass(frozen=True)
class Selectors:
    """Per-source overrides for extraction: CSS selectors, or XPath when they start with '/'
    or '('."""

    title: str | None = None
    date: str | None = None
    body: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Source:
    """One site of the registry.  Field names are the TOML keys."""

    id: str
    name: str
    country: str
    kind: str
    languages: tuple[str, ...]
    timezone: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    article_url: tuple[re.Pattern[str], ...] = ()
    next_page: str | None = None
    max_pages: int = 5
    selectors: Selectors = field(default_factory=Selectors)
    prune: tuple[str, ...] = ()
    search: str | None = None
    allowed_domains: tuple[str, ...] = ()
    enabled: bool = True
    user_agent: str | None = None
    encoding: str | None = None
    established: date | None = None

    @property
    def language(self) -> str:
        """The main language (the first of ``languages``)."""
        return self.languages[0]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_article_url(self, url: str) -> bool:
        """True when ``url`` matches one of ``article_url`` (or no pattern is configured)."""
        if not self.article_url:
            return True
        return any(p.search(url) for p in self.article_url)

    def domains(self) -> tuple[str, ...]:
        """Hosts this source may be crawled on: ``allowed_domains`` or the discovery hosts."""
        if self.allowed_domains:
            return self.allowed_domains
        hosts = {urlsplit(u).hostname or "" for u in (*self.feeds, *self.sitemaps, *self.listings)}
        return tuple(sorted(h for h in hosts if h))


@dataclass(frozen=True)
class Registry:
    """The validated sources of one registry file, in file order."""

    path: str
    sources: tuple[Source, ...]

    def __iter__(self):
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def get(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        known = ", ".join(s.id for s in self.sources)
        raise RegistryError(f"{self.path}: no source '{source_id}' (known: {known})")

    def select(self, ids: Iterable[str] = ()) -> list[Source]:
        """The sources named by ``ids`` (enabled or not), or every enabled source."""
        ids = list(ids)
        if ids:
            return [self.get(i) for i in ids]
        return [s for s in self.sources if s.enabled]


def default_registry_path() -> Path:
    """The registry that ships inside the package."""
    return Path(str(resources.files("crawler").joinpath(DEFAULT_REGISTRY)))


def load_registry(path: str | Path | None = None) -> Registry:
    """Read and validate a registry file (the packaged one when ``path`` is None)."""
    p = Path(path) if path is not None else default_registry_path()
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RegistryError(f"{p}: cannot read registry: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RegistryError(f"{p}: registry is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{p}: not valid TOML: {exc}") from None
    return parse_registry(data, origin=str(p))


def parse_registry(data: Mapping[str, Any], *, origin: str) -> Registry:
    """Validate an already-parsed registry document; ``origin`` names it in errors."""
    extra = set(data) - {"sources"}
    if extra:
        raise RegistryError(f"{origin}: unknown top-level key '{sorted(extra)[0]}'")
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{origin}: no [[sources]] tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        src = _parse_source(entry, origin=origin, position=n)
        if src.id in seen:
            raise RegistryError(f"{origin}: source '{src.id}': key 'id': duplicate id")
        seen.add(src.id)
        sources.append(src)
    return Registry(path=origin, sources=tuple(sources))


class _Checker:
    """Reads keys of one ``[[sources]]`` table, raising errors that name file/source/key."""

    def __init__(self, entry: Mapping[str, Any], origin: str, label: str) -> None:
        self.entry = entry
        self.origin = origin
        self.label = label

    def fail(self, key: str, problem: str) -> RegistryError:
        return RegistryError(f"{self.origin}: source '{self.label}': key '{key}': {problem}")

    def string(self, key: str, *, required: bool = False, pattern: re.Pattern | None = None,
               hint: str = "") -> str | None:
        if key not in self.entry:
            if required:
                raise self.fail(key, "missing (required)")
            return None
        value = self.entry[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, got {value!r}")
        if pattern is not None and not pattern.match(value):
            raise self.fail(key, f"{value!r} is not {hint}")
        return value

    def strings(self, key: str, *, pattern: re.Pattern | None = None, hint: str = "",
                urls: bool = False) -> tuple[str, ...]:
        if key not in self.entry:
            return ()
        value = self.entry[key]
        if isinstance(value, str) or not isinstance(value, list):
            raise self.fail(key, f"must be a list of strings, got {value!r}")
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(key, f"must be a list of non-empty strings, got {item!r}")
            if pattern is not None and not pattern.match(item):
                raise self.fail(key, f"{item!r} is not {hint}")
            if urls:
                try:  # urlsplit raises on a bracket typo ('[::1/rss'), .port on a bad port
                    parts = urlsplit(item)
                    parts.port  # noqa: B018 - evaluated for its ValueError
                except ValueError as exc:
                    raise self.fail(key, f"{item!r} is not a valid URL: {exc}") from None
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    raise self.fail(key, f"{item!r} is not an absolute http(s) URL")
        return tuple(value)


_KNOWN_KEYS = {
    "id", "name", "country", "kind", "languages", "timezone", "feeds", "sitemaps", "listings",
    "article_url", "next_page", "max_pages", "selectors", "search", "allowed_domains", "enabled",
    "prune", "user_agent", "encoding", "established",
}


def _parse_source(entry: Any, *, origin: str, position: int) -> Source:
    if not isinstance(entry, Mapping):
        raise RegistryError(f"{origin}: source #{position}: must be a table")
    label = entry.get("id") if isinstance(entry.get("id"), str) else f"#{position}"
    c = _Checker(entry, origin, label)
    for key in entry:
        if key not in _KNOWN_KEYS:
            raise c.fail(key, "unknown key")

    sid = c.string("id", required=True, pattern=_SLUG, hint="a slug (a-z, 0-9, '-', '_')")
    name = c.string("name", required=True)
    country = c.string("country", required=True, pattern=_COUNTRY,
                       hint="an ISO 3166-1 alpha-2 code such as 'KZ'")
    kind = c.string("kind", required=True)
    if kind not in KINDS:
        raise c.fail("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if "languages" not in entry:
        raise c.fail("languages", "missing (required)")
    languages = c.strings("languages", pattern=_LANG, hint="an ISO 639-1 code such as 'ru'")
    if not languages:
        raise c.fail("languages", "must list at least one language")
    tz = c.string("timezone", required=True)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise c.fail("timezone", f"{tz!r} is not an IANA time zone") from None

    feeds = c.strings("feeds", urls=True)
    sitemaps = c.strings("sitemaps", urls=True)
    listings = c.strings("listings", urls=True)
    if not (feeds or sitemaps or listings):
        raise c.fail("feeds", "no discovery list: give at least one of feeds, sitemaps, listings")

    patterns: list[re.Pattern[str]] = []
    for rx in c.strings("article_url"):
        try:
            patterns.append(re.compile(rx))
        except re.error as exc:
            raise c.fail("article_url", f"regex {rx!r} does not compile: {exc}") from None

    max_pages = entry.get("max_pages", 5)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise c.fail("max_pages", f"must be a positive integer, got {max_pages!r}")

    selectors = Selectors()
    if "selectors" in entry:
        sel = entry["selectors"]
        if not isinstance(sel, Mapping):
            raise c.fail("selectors", "must be a table of title/date/body/author")
        for k, v in sel.items():
            if k not in SELECTOR_FIELDS:
                raise c.fail(f"selectors.{k}", f"unknown key (use {', '.join(SELECTOR_FIELDS)})")
            if not isinstance(v, str) or not v.strip():
                raise c.fail(f"selectors.{k}", f"must be a non-empty string, got {v!r}")
            _check_selector(c, f"selectors.{k}", v)
        selectors = Selectors(**dict(sel))
    prune = c.strings("prune")
    for sel_text in prune:
        _check_selector(c, "prune", sel_text)

    search = c.string("search")
    if search is not None and "{query}" not in search:
        raise c.fail("search", "URL template must contain '{query}'")

    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise c.fail("enabled", f"must be true or false, got {enabled!r}")

    encoding = c.string("encoding")
    if encoding is not None:
        import codecs

        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise c.fail("encoding", f"{encoding!r} is not a known text encoding") from None
        # base64, rot13, zlib, hex... are codecs, but not bytes->text ones: every page of
        # the source would fail to decode and the source would look silently empty.
        if not getattr(info, "_is_text_encoding", True):
            raise c.fail("encoding", f"{encoding!r} is a codec, but not a text encoding "
                                     "(use e.g. 'utf-8', 'cp1251')")

    established = _established(c, entry.get("established"))

    next_page = c.string("next_page")
    if next_page:  # a typo here would silently lose pagination mid-crawl
        _check_selector(c, "next_page", next_page)

    return Source(
        id=sid or "", name=name or "", country=country or "", kind=kind, languages=languages,
        timezone=tz or "UTC", feeds=feeds, sitemaps=sitemaps, listings=listings,
        article_url=tuple(patterns), next_page=next_page, max_pages=max_pages,
        selectors=selectors, prune=prune, search=search,
        allowed_domains=_allowed_domains(c), enabled=enabled,
        user_agent=c.string("user_agent"), encoding=encoding, established=established,
    )


def _established(c: _Checker, value: Any) -> date | None:
    """A year or a date, not after today: dates before it are rejected, so a future (or
    out-of-range) value would reject every article of the source."""
    if value is None:
        return None
    today = date.today()
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= today.year:
            raise c.fail("established", f"year {value} is not between 1 and {today.year}")
        return date(value, 1, 1)
    if isinstance(value, date) and not hasattr(value, "hour"):
        if value > today:
            raise c.fail("established", f"{value.isoformat()} is in the future")
        return value
    raise c.fail("established", f"must be a year or a date, got {value!r}")


def _allowed_domains(c: _Checker) -> tuple[str, ...]:
    """Bare host names, lower-cased; a URL here names the host it should have been."""
    hosts = c.strings("allowed_domains")
    for h in hosts:
        if not _HOST.match(h.strip()):
            try:
                host = urlsplit(h if "://" in h else f"//{h}").hostname
            except ValueError:
                host = None
            hint = f" (write {host!r})" if host else ""
            raise c.fail("allowed_domains", f"{h!r} is not a bare host name{hint}")
    return tuple(h.strip().lower() for h in hosts)


def _check_selector(c: _Checker, key: str, text: str) -> None:
    """Compile a CSS or XPath selector once so that a typo fails at load, not mid-crawl."""
    from lxml import etree
    from lxml.cssselect import CSSSelector, SelectorSyntaxError

    if is_xpath(text):
        try:
            etree.XPath(text)
        except etree.XPathSyntaxError as exc:
            raise c.fail(key, f"XPath {text!r} does not compile: {exc}") from None
    else:
        try:
            CSSSelector(text)
        except (SelectorSyntaxError, Exception) as exc:  # cssselect raises several types
            raise c.fail(key, f"CSS selector {text!r} does not compile: {exc}") from None


def is_xpath(selector: str) -> bool:
    """Selectors starting with '/' or '(' are XPath; everything else is CSS."""
    return selector.lstrip().startswith(("/", "("))
