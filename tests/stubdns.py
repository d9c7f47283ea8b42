"""A resolver for test crawls that never asks real DNS.

Used as ``TWISTED_DNS_RESOLVER=tests.stubdns.StubResolver``.

Names in ``CIVMON_TEST_HOSTS`` (``name=127.0.0.x,other=127.0.0.y``) resolve to their
loopback address; an IP literal resolves to itself; any other name fails as a DNS
error.  So a test can give a page a host *name* that resolves to a trap address,
and nothing can leave the machine even if a check is broken.
"""

from __future__ import annotations

import ipaddress
import os

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError


def _hosts() -> dict[str, str]:
    pairs = (p.split("=", 1) for p in os.environ.get("CIVMON_TEST_HOSTS", "").split(",") if p)
    hosts = {name.strip().lower(): ip.strip() for name, ip in pairs}
    for ip in hosts.values():
        assert ipaddress.ip_address(ip).is_loopback, f"test host {ip} is not loopback"
    return hosts


class StubResolver(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout=()):
        hosts = _hosts()
        if name.lower() in hosts:
            return defer.succeed(hosts[name.lower()])
        try:
            ipaddress.ip_address(name)
            return defer.succeed(name)
        except ValueError:
            return defer.fail(DNSLookupError(f"{name}: not a test host (stub resolver)"))
