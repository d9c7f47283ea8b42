"""Serve the sample web on loopback: one HTTP server per outlet, each on its own
address 127.0.0.(11+i) so that per-host politeness applies as on the real web
(falling back to 127.0.0.1 with distinct ports where those cannot be bound).

    with SampleWeb() as web:
        registry = web.registry()          # crawler.registry.Registry
        url = web.bases["dalanews"] + "/sitemap-index.xml"
        ...
        web.requests[("dalanews", "/robots.txt")]
"""

from __future__ import annotations

import contextlib
import errno
import re
import threading
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources as package_files
from urllib.parse import urlsplit

from .common import Resource, not_found_page
from .site import OUTLETS, resources

REGISTRY_TEMPLATE = "sources.toml"
_SOURCE_HEADER = re.compile(r"(?m)^\[\[sources\]\]")
_ID_LINE = re.compile(r'(?m)^id\s*=\s*"([^"]+)"')


def registry_template() -> str:
    """The registry of the sample web, with ``{base}`` for each source's base URL."""
    ref = package_files.files(__package__).joinpath(REGISTRY_TEMPLATE)
    return ref.read_text(encoding="utf-8")


def render_registry(bases: Mapping[str, str], template: str | None = None) -> str:
    """Substitute ``{base}`` in every ``[[sources]]`` table by that source's base URL."""
    text = registry_template() if template is None else template
    starts = [m.start() for m in _SOURCE_HEADER.finditer(text)]
    if not starts:
        return text
    parts = [text[: starts[0]]]
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        block = text[start:end]
        found = _ID_LINE.search(block)
        if found and "{base}" in block:
            if found.group(1) not in bases:  # an outlet that is not being served
                continue
            block = block.replace("{base}", bases[found.group(1)].rstrip("/"))
        parts.append(block)
    return "".join(parts)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, web: SampleWeb, source_id: str,
                 table: dict[str, Resource]) -> None:
        super().__init__(address, _Handler)
        self.web = web
        self.source_id = source_id
        self.table = table


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SampleWeb/1.0"

    def log_message(self, format: str, *args) -> None:
        """Serve silently: tests and the demo read ``SampleWeb.requests`` instead."""

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _lookup(self) -> Resource:
        table = self.server.table
        if self.path in table:
            return table[self.path]
        bare = urlsplit(self.path).path
        res = table.get(bare)
        if res is not None and res.any_query:  # tracking parameters are ignored by the CMS
            return res
        return Resource(404, "text/html; charset=utf-8", not_found_page("404").encode())

    def _answer(self, *, send_body: bool) -> None:
        web = self.server.web
        with web._lock:
            web.requests[(self.server.source_id, self.path)] += 1
        res = self._lookup()
        agent = self.headers.get("User-Agent", "")
        if (self.server.source_id in web.browser_only and "Mozilla/" not in agent):
            # azertag.az answers 400 to clients that do not look like a browser.
            res = Resource(400, "text/html; charset=utf-8", b"<h1>400 Bad Request</h1>")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client went away
            self.send_response(res.status)
            self.send_header("Content-Type", res.content_type)
            self.send_header("Content-Length", str(len(res.body)))
            self.send_header("Cache-Control", "max-age=60")
            self.end_headers()
            if send_body:
                self.wfile.write(res.body)


class BindError(OSError):
    """An outlet's address and port cannot be bound (the message names them)."""


class SampleWeb:
    """A context manager serving every outlet of the sample web on loopback.

    ``bases``: source id -> ``http://127.0.0.N:PORT``; ``requests``: a Counter
    of ``(source_id, path-with-query)`` served.  ``browser_only`` lists outlets
    that answer 400 to a User-Agent without ``Mozilla/`` (off by default).
    ``port`` 0 takes free ports; a fixed port gives stable URLs across runs (the
    demo's database then recognises the articles of an earlier run): every outlet
    listens on that port of its own address, or on port+i of 127.0.0.1 in the
    fallback.  A port that cannot be bound raises :class:`BindError` naming the address.
    """

    def __init__(self, outlets: Iterable[str] = OUTLETS, *, own_addresses: bool = True,
                 browser_only: Iterable[str] = (), port: int = 0) -> None:
        self.outlets = tuple(outlets)
        unknown = set(self.outlets) - set(OUTLETS)
        if unknown:
            raise ValueError(f"unknown outlet(s): {', '.join(sorted(unknown))}")
        self.own_addresses = own_addresses
        self.browser_only = frozenset(browser_only)
        if not 0 <= port <= 65535 - len(OUTLETS):
            raise ValueError(f"port {port} is out of range (0 = any free port)")
        self.port = port
        self.bases: dict[str, str] = {}
        self.requests: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._servers: list[tuple[_Server, threading.Thread]] = []

    def start(self) -> SampleWeb:
        if self._servers:
            return self
        try:
            for i, sid in enumerate(self.outlets):
                server = self._bind(OUTLETS.index(sid), sid)
                host, port = server.server_address[:2]
                self.bases[sid] = f"http://{host}:{port}"
                server.table = resources(sid, self.bases[sid])
                thread = threading.Thread(target=server.serve_forever, kwargs={
                    "poll_interval": 0.05}, name=f"sampleweb-{sid}-{i}", daemon=True)
                thread.start()
                self._servers.append((server, thread))
        except BaseException:
            self.stop()
            raise
        return self

    def _bind(self, index: int, sid: str) -> _Server:
        if self.own_addresses:
            host = f"127.0.0.{11 + index}"
            try:
                return _Server((host, self.port), self, sid, {})
            except OSError as exc:
                if self.port and exc.errno == errno.EADDRINUSE:
                    raise BindError(exc.errno, f"cannot serve {sid} on {host}:{self.port}: "
                                               "address already in use") from None
                # else e.g. macOS only configures 127.0.0.1 by default
        port = self.port + index if self.port else 0
        try:
            return _Server(("127.0.0.1", port), self, sid, {})
        except OSError as exc:
            raise BindError(exc.errno, f"cannot serve {sid} on 127.0.0.1:{port}: "
                                       f"{exc.strerror or exc}") from None

    def stop(self) -> None:
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()

    def __enter__(self) -> SampleWeb:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def url(self, source_id: str, path: str) -> str:
        return self.bases[source_id] + path

    def registry_text(self) -> str:
        """The sample registry (``sources.toml``) with this server's base URLs."""
        return render_registry(self.bases)

    def registry(self):
        """The sample registry parsed and validated by :func:`crawler.registry.parse_registry`."""
        from crawler.registry import parse_registry

        return parse_registry(tomllib.loads(self.registry_text()), origin="<sample web>")
