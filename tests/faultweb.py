"""A small threaded web of good and misbehaving pages on a loopback address, for tests.

``FaultWeb(n_articles)`` serves ``/feed.xml`` (RSS of every article and fault
URL), ``/a/<n>`` good articles, ``/f/<fault>`` faulty article pages, and
``/bad/<kind>`` malformed discovery documents.  Two faults are served only when
asked for (``faults=``): ``paragraphs`` (``huge_paras`` short paragraphs, slow to
extract) and ``crash-me`` (a good page on which tests/poolhooks.py kills a worker).
``delay`` slows good articles down (the kill -9 test needs a crawl that lasts a
few seconds).  Nothing
leaves 127.0.0.x.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Article-page faults served under /f/<name>; each must be survived and counted.
ARTICLE_FAULTS = ("flaky", "timeout", "reset", "trickle", "truncated-gzip", "charset",
                  "gzip-bomb", "huge", "loop", "gone", "missing", "charset-nometa", "garbled")
#: Discovery documents that are not what they claim.
DISCOVERY_FAULTS = ("malformed-feed", "malformed-sitemap", "html-feed")
#: Listing pages and feeds declaring a charset that is a codec of bytes, not of text
#: (served under /l/<name>): each still yields its two articles, /a/<first>, /a/<first+1>.
CHARSET_DISCOVERY = {"listing-header-base64": 300, "listing-meta-hex": 310,
                     "listing-cp1251-as-utf8": 320, "feed-header-zlib": 330,
                     "feed-xml-base64": 340}


def article_html(n: int, *, charset: str = "utf-8", extra: str = "") -> str:
    paras = "".join(
        f"<p>Абзац {k} статьи номер {n}: общественный совет и неправительственные "
        f"организации обсудили гранты, волонтёрство и гражданский форум в области.</p>"
        for k in range(6))
    return (f'<html><head><meta charset="{charset}"><title>Статья {n}</title></head>'
            f"<body><article><h1>Статья {n}: гражданский форум</h1>"
            f"<time datetime='2025-11-24T07:18:00Z'>24.11.2025</time>{paras}{extra}"
            f"</article></body></html>")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _send(self, body: bytes, status: int = 200, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        web = self.server.web
        path = self.path.split("?", 1)[0]
        with web.lock:
            web.hits[path] = web.hits.get(path, 0) + 1
            hits = web.hits[path]
        base = web.base
        if path == "/robots.txt":
            return self._send(b"User-agent: *\nDisallow: /private/\n", ctype="text/plain")
        if path == "/feed.xml":
            urls = [f"{base}/a/{n}" for n in range(web.n_articles)]
            urls += [f"{base}/f/{f}" for f in web.faults]
            urls.append(f"{base}/private/secret")
            items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in urls)
            body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
            etag = f'"{web.feed_version}"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(b"", 304, headers={"ETag": etag})
            return self._send(body.encode(), ctype="application/rss+xml", headers={"ETag": etag})
        if path == "/":
            return self._send(b"<html><body><h1>Home</h1></body></html>")
        if path.startswith("/a/"):
            n = int(path[3:])
            if n in web.gone:
                return self._send(b"not found", 404)
            if n in web.to_home:
                self.send_response(301)
                self.send_header("Location", f"{base}/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if web.delay:
                time.sleep(web.delay)
            text = web.texts.get(n) or article_html(n)
            return self._send(text.encode())
        if path.startswith("/l/") and path[3:] in CHARSET_DISCOVERY:
            return self._charset_discovery(path[3:], CHARSET_DISCOVERY[path[3:]])
        if path == "/bad/malformed-feed":
            return self._send(b"{{ this is not xml", ctype="application/rss+xml")
        if path == "/bad/malformed-sitemap":
            return self._send(b"<?xml version='1.0'?><oops", ctype="application/xml")
        if path == "/bad/html-feed":
            return self._send(b"<!DOCTYPE html><html><body>Feed moved</body></html>")
        fault = path[3:] if path.startswith("/f/") else ""
        if fault == "flaky":
            if hits == 1:
                return self._send(b"busy", 503)
            return self._send(article_html(1001).encode())
        if fault == "timeout":
            time.sleep(web.slow)
            return self._send(article_html(1002).encode())
        if fault == "reset":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(article_html(1003).encode()[:500])
            self.wfile.flush()
            # SO_LINGER 0: close() sends a TCP reset instead of a clean FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            return None
        if fault == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "5000")
            self.end_headers()
            deadline = time.monotonic() + web.slow
            try:
                while time.monotonic() < deadline:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            return None
        if fault == "truncated-gzip":
            body = gzip.compress(article_html(1005).encode())
            return self._send(body[: len(body) // 2], headers={"Content-Encoding": "gzip"})
        if fault == "charset":
            # declared UTF-8, actually windows-1251: a real article, wrongly labelled
            return self._send(article_html(1006, charset="windows-1251").encode("cp1251"))
        if fault == "charset-nometa":
            # declared UTF-8, cp1251 bytes, no <meta>: only detection can read it
            page = article_html(1012).replace('<meta charset="utf-8">', "")
            return self._send(page.encode("cp1251"))
        if fault == "garbled":
            # bytes no charset makes text of, in an HTML frame that says UTF-8
            junk = bytes((hits * 7919 + k * 104729) % 128 + 128 for k in range(600))
            page = article_html(1013).encode().replace(b"<p>", b"<p>" + junk)
            return self._send(page)
        if fault.startswith("private-") and fault in web.trap_urls:
            # a redirect to an address the crawl must not connect to (a loopback trap
            # standing for a private network); "private-retry" answers 503 first
            if fault == "private-retry" and hits == 1:
                return self._send(b"busy", 503)
            self.send_response(302)
            self.send_header("Location", web.trap_urls[fault])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if fault == "gzip-bomb":
            return self._send(web.bomb, headers={"Content-Encoding": "gzip"})
        if fault == "huge":
            filler = "<p>" + "мусор " * 200 + "</p>"
            return self._send(article_html(1008, extra=filler * web.huge_paras).encode())
        if fault == "paragraphs":  # many short paragraphs: seconds of extraction
            filler = "".join(f"<p>Абзац {k}: общественный совет обсудил гранты.</p>"
                             for k in range(web.huge_paras))
            return self._send(article_html(1013, extra=filler).encode())
        if fault == "crash-me":  # a good page: tests/poolhooks.py kills its worker on it
            return self._send(article_html(1014).encode())
        if fault == "loop":
            self.send_response(302)
            self.send_header("Location", f"{base}/f/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if fault == "gone":
            return self._send(b"gone", 410)
        return self._send(b"not found", 404)


    def _charset_discovery(self, name: str, first: int) -> None:
        links = [f"{self.server.web.base}/a/{n}" for n in (first, first + 1)]
        if name.startswith("feed-"):
            items = "".join(f"<item><title>Статья</title><link>{u}</link></item>" for u in links)
            decl = ' encoding="base64"' if name == "feed-xml-base64" else ""
            body = (f'<?xml version="1.0"{decl}?><rss version="2.0"><channel>{items}'
                    f"</channel></rss>").encode()
            ctype = ("application/rss+xml; charset=zlib" if name == "feed-header-zlib"
                     else "application/rss+xml")
            return self._send(body, ctype=ctype)
        cards = "".join(f'<li><a href="{u}">Гражданский форум в области</a></li>' for u in links)
        meta = {"listing-meta-hex": '<meta charset="hex">',
                "listing-cp1251-as-utf8": '<meta charset="windows-1251">'}.get(name, "")
        page = (f"<html><head>{meta}<title>Новости</title></head><body><h1>Новости "
                f"общественных организаций</h1><ul>{cards}</ul></body></html>")
        ctype = {"listing-header-base64": "text/html; charset=base64",
                 "listing-cp1251-as-utf8": "text/html; charset=utf-8"}.get(name, "text/html")
        return self._send(page.encode("cp1251"), ctype=ctype)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    web: FaultWeb

    def handle_error(self, request, client_address) -> None:
        pass  # the crawler hanging up on a slow or huge page is expected here


class FaultWeb:
    def __init__(self, n_articles: int = 5, *, host: str = "127.0.0.1", delay: float = 0.0,
                 slow: float = 3.0, faults: tuple[str, ...] = ARTICLE_FAULTS,
                 huge_paras: int = 1500) -> None:
        self.n_articles = n_articles
        self.host = host
        self.delay = delay
        self.slow = slow
        self.faults = faults
        self.huge_paras = huge_paras
        self.hits: dict[str, int] = {}
        self.texts: dict[int, str] = {}
        #: good articles later taken down: answered 404, or redirected to the home page
        self.gone: set[int] = set()
        self.to_home: set[int] = set()
        self.feed_version = 1
        #: /f/private-* redirect here (tests/test_netguard.py)
        self.trap_urls: dict[str, str] = {}
        self.lock = threading.Lock()
        self.bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
        self._server: _Server | None = None

    def __enter__(self) -> FaultWeb:
        try:
            self._server = _Server((self.host, 0), _Handler)
        except OSError:
            self.host = "127.0.0.1"
            self._server = _Server((self.host, 0), _Handler)
        self._server.web = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def registry(self, *, discovery_faults: bool = False, charset_discovery: bool = False,
                 ) -> str:
        """A registry with the article source (and one per broken discovery document,
        one per listing or feed with a binary-codec charset)."""
        host = self.host
        if charset_discovery:
            text = ""
            for name in CHARSET_DISCOVERY:
                key = "feeds" if name.startswith("feed-") else "listings"
                text += (f'[[sources]]\nid = "{name}"\nname = "{name}"\ncountry = "KZ"\n'
                         f'kind = "regional"\nlanguages = ["ru"]\ntimezone = "Asia/Almaty"\n'
                         f'{key} = ["{self.base}/l/{name}"]\n'
                         f"article_url = ['^http://{host}:\\d+/a/']\n\n")
            return text
        text = (f'[[sources]]\nid = "faulty"\nname = "Faulty"\ncountry = "KZ"\n'
                f'kind = "regional"\nlanguages = ["ru"]\ntimezone = "Asia/Almaty"\n'
                f'feeds = ["{self.base}/feed.xml"]\n'
                f"article_url = ['^http://{host}:\\d+/(a|f|private)/']\n")
        if discovery_faults:
            for kind in DISCOVERY_FAULTS:
                key = "sitemaps" if "sitemap" in kind else "feeds"
                text += (f'\n[[sources]]\nid = "{kind}"\nname = "{kind}"\ncountry = "KZ"\n'
                         f'kind = "regional"\nlanguages = ["ru"]\ntimezone = "Asia/Almaty"\n'
                         f'{key} = ["{self.base}/bad/{kind}"]\n')
            # nothing listens on port 9 (discard) of a loopback address: connection refused
            text += ('\n[[sources]]\nid = "unreachable"\nname = "unreachable"\ncountry = "KZ"\n'
                     'kind = "regional"\nlanguages = ["ru"]\ntimezone = "Asia/Almaty"\n'
                     f'feeds = ["http://{self.host}:9/rss"]\n')
        return text


class Trap:
    """A loopback listener that counts every connection made to it."""

    def __init__(self, host: str) -> None:
        self.sock = socket.socket()
        try:
            self.sock.bind((host, 0))
        except OSError:
            self.sock.close()
            raise
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.sock.close()
