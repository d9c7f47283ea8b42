"""Never connecting to a private address: loopback, private, link-local, multicast, reserved.

A monitoring crawler follows links from the open web; a page that redirects to
``10.0.0.2`` or ``169.254.169.254`` (cloud metadata), or a name that resolves
there, must not make it connect.  ``PrivateAddressMiddleware`` is a downloader
middleware that runs for every request the downloader is about to fetch: the
first one, every redirect (RedirectMiddleware schedules a new request) and every
retry (the same), so no mark carried by a request can skip it.  It resolves the
host through the reactor's resolver, the one the connection itself uses (Scrapy's
cached ``DNS_RESOLVER``), and refuses the request when the address is not a
global one.  A refused request fails with ``IgnoreRequest("blocked address: ...")``:
the spider records it as a failed page with that reason, and it is counted
(``civmon/fault/blocked_address``, with the URL in the log and in
``crawl_run_failures``).

Loopback is refused too, unless ``CIVMON_ALLOW_LOOPBACK`` allows it: ``True``
(``civmon demo``, the tests: the sample web lives on 127.0.0.x) or a
comma-separated list of addresses / networks (``127.0.0.41,127.0.1.0/24``) that
are allowed while the rest of loopback stays refused.  When the setting is not
given, the environment variable of the same name is read (the test suite sets it
for the crawls it starts).  Private networks are never allowed.

Settings read: ``CIVMON_ALLOW_LOOPBACK``.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def loopback_allowance(value) -> bool | tuple[Network, ...]:
    """``CIVMON_ALLOW_LOOPBACK`` as True/False or the networks it names."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    text = str(value).strip()
    if text.lower() in ("", "0", "false", "no", "off"):
        return False
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    nets = []
    for part in text.split(","):
        try:
            nets.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise ValueError(f"CIVMON_ALLOW_LOOPBACK: {part.strip()!r} is not an address, "
                             "a network or true/false") from None
    return tuple(nets)


def refusal(ip: Address, allow_loopback: bool | tuple[Network, ...]) -> str | None:
    """Why a connection to ``ip`` is refused, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.2 is 10.0.0.2
    if ip.is_loopback:
        if allow_loopback is True or (allow_loopback and any(ip in n for n in allow_loopback
                                                             if n.version == ip.version)):
            return None
        return "loopback"
    for kind in ("link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:  # shared address space (100.64/10) and the like
        return "not global"
    return None


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class PrivateAddressMiddleware:
    """Refuse, before connecting, any request whose host is or resolves to a non-public
    address (see the module doc)."""

    def __init__(self, crawler, resolve=None) -> None:
        self.crawler = crawler
        value = crawler.settings.get("CIVMON_ALLOW_LOOPBACK")
        if value is None or value == "":
            value = os.environ.get("CIVMON_ALLOW_LOOPBACK")
        self.allow_loopback = loopback_allowance(value)
        self._resolve = resolve

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _lookup(self, host: str):
        """A Deferred of the host's address, from the resolver the connection will use."""
        if self._resolve is not None:
            return self._resolve(host)
        from twisted.internet import reactor

        return reactor.resolve(host)  # type: ignore[attr-defined]

    def process_request(self, request, spider=None):
        parts = urlsplit(request.url)
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host:
            return None  # file://, data: ... are Scrapy's to refuse (DOWNLOAD_HANDLERS)
        ip = literal_address(host)
        if ip is not None:  # checked at once: no extra reactor turn for an IP literal
            self._check(request, ip, host)
            return None

        def resolved(address):
            found = literal_address(str(address))
            if found is not None:
                self._check(request, found, f"{host} ({found})")
            return None

        def unresolved(failure):
            if failure.check(IgnoreRequest):
                return failure
            return None  # the download reports the DNS failure itself

        return self._lookup(host).addCallbacks(resolved, unresolved).addErrback(unresolved)

    def _check(self, request, ip: Address, shown: str) -> None:
        why = refusal(ip, self.allow_loopback)
        if why is None:
            return
        stats = self.crawler.stats
        stats.inc_value("civmon/fault/blocked_address")
        source_id = request.meta.get("source_id")
        if source_id:
            stats.inc_value(f"civmon/source/{source_id}/blocked_address")
        raise IgnoreRequest(f"blocked address: {shown} is {why}, not fetched")
