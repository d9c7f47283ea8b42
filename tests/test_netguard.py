"""No connection to a private address, by IP or by name, after redirects and retries (issue 13).

Only loopback is ever used: the stub resolver (tests/stubdns.py) maps a test name to
a loopback trap that records every connection, and the crawl allows only the fault
web's own loopback address (``CIVMON_ALLOW_LOOPBACK=127.0.0.41``), so the trap
stands for a private network.  Unit tests feed the middleware addresses without
connecting anywhere.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from crawlrun import crawl
from faultweb import FaultWeb
from faultweb import Trap as FaultTrap
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.test import get_crawler
from twisted.internet import defer
from twisted.python.failure import Failure

from crawler.netguard import PrivateAddressMiddleware, loopback_allowance, refusal


@pytest.mark.parametrize(("ip", "why"), [
    ("10.0.0.2", "private"), ("192.168.1.1", "private"), ("172.16.5.4", "private"),
    ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"), ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "not global"), ("127.0.0.1", "loopback"),
    ("::1", "loopback"), ("fe80::1", "link-local"), ("fc00::1", "private"),
    ("::ffff:10.0.0.2", "private"), ("93.184.216.34", None), ("2a00:1450:4001::1", None),
])
def test_refusal_by_address(ip: str, why: str | None) -> None:
    assert refusal(ipaddress.ip_address(ip), False) == why


def test_loopback_allowance() -> None:
    allow = loopback_allowance("127.0.0.41, 127.0.1.0/24")
    assert refusal(ipaddress.ip_address("127.0.0.41"), allow) is None
    assert refusal(ipaddress.ip_address("127.0.1.9"), allow) is None
    assert refusal(ipaddress.ip_address("127.0.0.77"), allow) == "loopback"
    assert refusal(ipaddress.ip_address("10.0.0.2"), True) == "private"  # never allowed
    assert loopback_allowance("true") is True and loopback_allowance("0") is False
    with pytest.raises(ValueError, match="CIVMON_ALLOW_LOOPBACK: 'nope'"):
        loopback_allowance("nope")


def outcome(result):
    """The value of an already fired Deferred (or a plain value); raises its failure."""
    if not isinstance(result, defer.Deferred):
        return result
    box: list = []
    result.addBoth(box.append)
    value = box[0]
    if isinstance(value, Failure):
        value.raiseException()
    return value


def _middleware(names: dict[str, str], allow: str = "false") -> PrivateAddressMiddleware:
    crawler = get_crawler(settings_dict={"CIVMON_ALLOW_LOOPBACK": allow})

    def resolve(host: str):  # no DNS: the name's address is given
        return defer.succeed(names[host])

    return PrivateAddressMiddleware(crawler, resolve=resolve)


@pytest.mark.parametrize(("url", "message"), [
    ("http://10.0.0.2/admin", "blocked address: 10.0.0.2 is private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
    ("http://[::ffff:10.0.0.2]/", "::ffff:10.0.0.2 is private"),
    ("http://intranet.example/", "intranet.example (10.1.2.3) is private"),
    ("https://localhost.example:8443/", "localhost.example (127.0.0.1) is loopback"),
])
def test_middleware_refuses_before_connecting(url: str, message: str) -> None:
    mw = _middleware({"intranet.example": "10.1.2.3", "localhost.example": "127.0.0.1"})
    request = Request(url, meta={"source_id": "s", "retry_times": 1}, dont_filter=True)
    with pytest.raises(IgnoreRequest, match=re.escape(message)):
        outcome(mw.process_request(request))
    assert mw.crawler.stats.get_value("civmon/fault/blocked_address") == 1
    assert mw.crawler.stats.get_value("civmon/source/s/blocked_address") == 1


def test_middleware_lets_public_and_allowed_hosts_through() -> None:
    mw = _middleware({"news.example": "93.184.216.34", "sample.test": "127.0.0.5"}, "true")
    for url in ("http://news.example/a", "http://sample.test/", "http://127.0.0.9/"):
        assert outcome(mw.process_request(Request(url))) is None


def Trap(host: str) -> FaultTrap:
    """A ``faultweb.Trap`` on ``host``, or skip where the address cannot be bound."""
    try:
        return FaultTrap(host)
    except OSError:
        pytest.skip(f"cannot bind {host}")


def test_a_crawl_never_connects_to_a_blocked_address(tmp_path: Path) -> None:
    trap_named, trap_literal = Trap("127.0.0.77"), Trap("127.0.0.78")
    try:
        with FaultWeb(1, host="127.0.0.41", faults=("private-retry", "private-literal",
                                                    "private-name")) as web:
            web.trap_urls = {"private-retry": f"http://trap.civmon.test:{trap_named.port}/x",
                             "private-name": f"http://trap.civmon.test:{trap_named.port}/y",
                             "private-literal": f"http://127.0.0.78:{trap_literal.port}/z"}
            registry = tmp_path / "sources.toml"
            registry.write_text(web.registry(), encoding="utf-8")
            db = tmp_path / "guard.sqlite"
            env_hosts = "trap.civmon.test=127.0.0.77"
            os.environ["CIVMON_TEST_HOSTS"] = env_hosts
            try:
                r = crawl(registry, db, f"CIVMON_ALLOW_LOOPBACK={web.host}",
                          "TWISTED_DNS_RESOLVER=tests.stubdns.StubResolver")
            finally:
                del os.environ["CIVMON_TEST_HOSTS"]
            hits = dict(web.hits)
    finally:
        trap_named.close()
        trap_literal.close()
    assert trap_named.connections == 0 and trap_literal.connections == 0, r.stderr
    assert r.returncode in (0, 1), r.stderr
    assert hits["/f/private-retry"] == 2  # 503, then the redirect to the trap
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT url, error FROM crawl_run_failures").fetchall())
    stats = json.loads(conn.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    assert stored == 1, r.stderr  # the good article
    errors = {u.rsplit("/", 1)[1]: e for u, e in rows.items()}  # by the blocked URL
    assert errors["x"].startswith("blocked address: trap.civmon.test (127.0.0.77) is loopback")
    assert errors["y"].startswith("blocked address: trap.civmon.test (127.0.0.77) is loopback")
    assert errors["z"].startswith("blocked address: 127.0.0.78 is loopback")
    assert stats["civmon/fault/blocked_address"] >= 3
    assert stats["civmon/source/faulty/fault_blocked_address"] == 3  # its own count
