"""Benchmark: crawl throughput, civmon against Scrapy alone and a hand-written spider.

Generates a web of realistic article pages (~95 KB each: navigation, sidebars,
related links, inline scripts, footer; Russian text, some pages dated only in
their text) on four loopback hosts (127.0.0.61-64, served by a separate
process so that serving costs the crawlers nothing), then, in one run,
interleaved, ``--runs`` times (median reported):

(a) Scrapy alone, an empty callback;
(b) a hand-written Scrapy spider calling ``trafilatura.extract(output_format="json",
    with_metadata=True)`` in its callback;
(c) ``civmon crawl`` with ``CIVMON_WORKERS=1 CIVMON_PAGE_TIMEOUT=0`` (in-process);
(d) ``civmon crawl`` with the default pool (one worker per core).

All with the same concurrency, politeness off (no AutoThrottle, no delay, 16
requests per host).  Prints pages/s, CPU ms per page (the crawler process plus
its worker processes), cores used (CPU time / wall time), peak memory and the
ratios against (b).  Then re-crawls the unchanged web with (d)'s database and
prints how many article pages were fetched again (must be 0; revisits of recent
articles are switched off for it, ``CIVMON_REVISIT_DAYS=0``), and the start-up
cost of a crawl with 1,000,000 stored URLs (the database-dependent part: the
ledger, revisit and dead-link queries, one discovery page's known-URL check).

    .venv/bin/python benchmarks/bench_crawl.py            # 1,000 pages, 3 runs
    .venv/bin/python benchmarks/bench_crawl.py --quick    # 200 pages, 1 run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOSTS = ("127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64")
POLITENESS_OFF = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                  "CONCURRENT_REQUESTS": "64", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
                  "LOG_LEVEL": "WARNING"}

_VOCABULARY = ("общественный совет неправительственные организации гранты волонтёры "
               "гражданский форум акимат области министерство правительство депутаты закон "
               "проект встреча жители города района развитие поддержка программа социальный "
               "вопрос решение администрация заседание участники представители региона "
               "экономика бюджет строительство образование здравоохранение молодёжь инициатива "
               "общество права человека журналисты свобода слова выборы кандидаты комиссия "
               "отчёт год месяц")
_MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
WORDS = tuple(_VOCABULARY.split())
MONTHS = tuple(_MONTHS.split())


# -- the web -------------------------------------------------------------------------------

def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def article_page(host: str, n: int, rng: random.Random, total: int) -> str:
    """One ~95 KB article page of a regional news site."""
    day, month, hour = 1 + n % 28, n % 12, 8 + n % 12
    title = " ".join(rng.choice(WORDS) for _ in range(7)).capitalize()
    nav = "".join(f'<li><a href="/rubric/{k}">{rng.choice(WORDS).capitalize()}</a></li>'
                  for k in range(80))
    side = "".join(
        f'<div class="teaser"><a href="/news/{(n + k) % total}">'
        f'{" ".join(rng.choice(WORDS) for _ in range(9))}</a>'
        f'<span class="date">{1 + k % 28}.{1 + month:02d}.2025</span></div>' for k in range(60))
    related = "".join(f'<li><a href="/news/{(n * 7 + k) % total}">{_sentence(rng)}</a></li>'
                      for k in range(25))
    paras = "".join(f"<p>{' '.join(_sentence(rng) for _ in range(rng.randint(3, 6)))}</p>"
                    for _ in range(rng.randint(9, 14)))
    script = ("<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
              "arguments)}" + "var cfg" + "x" * 30 + "={a:1,b:[1,2,3],c:'" + "z" * 400
              + "'};" * 12 + "</script>")
    if n % 3 == 0:  # dated only in the text
        dated = f"<p class='meta'>Опубликовано {day} {MONTHS[month]} 2025, {hour}:15</p>"
        head_date = ""
    else:
        dated = f"<time datetime='2025-{month + 1:02d}-{day:02d}T{hour:02d}:15:00+05:00'>" \
                f"{day:02d}.{month + 1:02d}.2025 {hour}:15</time>"
        head_date = (f'<meta property="article:published_time" '
                     f'content="2025-{month + 1:02d}-{day:02d}T{hour:02d}:15:00+05:00">')
    footer = "".join(f"<p>{_sentence(rng)}</p>" for _ in range(6))
    page = (f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{title} — '
            f'Вести {host}</title>{head_date}<link rel="canonical" href="/news/{n}">'
            f"{script}{script}</head><body><header><nav><ul>{nav}</ul></nav></header>"
            f'<div class="layout"><aside class="left">{side}</aside><main><article>'
            f"<h1>{title}</h1>{dated}{paras}</article><div class='related'><h3>Читайте также"
            f"</h3><ul>{related}</ul></div><div class='comments'>{footer}</div></main>"
            f'<aside class="right">{side}</aside></div><footer>{footer}'
            f"<p>© 2025 Вести. Все права защищены.</p></footer>{script}</body></html>")
    pad = 95_000 - len(page.encode())
    if pad > 0:  # reach ~95 KB with more sidebar teasers, as real pages do
        teasers, k = [], 0
        while pad > 0:
            teasers.append(f'<div class="teaser"><a href="/tag/{k}">{_sentence(rng)}</a></div>')
            pad -= len(teasers[-1].encode())
            k += 1
        extra = "".join(teasers)
        page = page.replace("</aside></div><footer>", f"{extra}</aside></div><footer>", 1)
    return page


def build_web(pages: int, folder: Path) -> None:
    """Write every page to ``folder/<host>/...`` (the server process serves them)."""
    rng = random.Random(12)
    per_host = pages // len(HOSTS)
    for host in HOSTS:
        root = folder / host
        (root / "news").mkdir(parents=True, exist_ok=True)
        items = []
        for n in range(per_host):
            (root / "news" / f"{n}.html").write_text(article_page(host, n, rng, per_host),
                                                     encoding="utf-8")
            items.append(f"<item><title>{n}</title><link>/news/{n}</link></item>")
        (root / "feed.xml").write_text(
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{host}</title>{''.join(items)}</channel></rss>", encoding="utf-8")


SERVER = r'''
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
folder, hosts = Path(sys.argv[1]), sys.argv[2].split(",")
hits = {"articles": 0}
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        host = self.server.server_address[0]
        path = self.path.split("?")[0]
        if path == "/__hits":
            body, ctype = str(hits["articles"]).encode(), "text/plain"
        elif path == "/feed.xml":
            body, ctype = (folder / host / "feed.xml").read_bytes(), "application/rss+xml"
        elif path.startswith("/news/"):
            f = folder / host / "news" / (path[6:] + ".html")
            if not f.exists():
                return self._send(b"no", "text/plain", 404)
            with lock:
                hits["articles"] += 1
            body, ctype = f.read_bytes(), "text/html; charset=utf-8"
        elif path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        else:
            return self._send(b"no", "text/plain", 404)
        self._send(body, ctype, 200)
    def _send(self, body, ctype, status):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
servers = []
for h in hosts:
    s = ThreadingHTTPServer((h, 0), H); s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start()
    servers.append(s)
print(",".join(str(s.server_address[1]) for s in servers), flush=True)
sys.stdin.read()
'''


# -- the two reference spiders (run as `bench_crawl.py --spider empty|trafilatura`) ---------

def run_reference_spider(kind: str, urls_file: str) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = Path(urls_file).read_text().split()

    class Reference(scrapy.Spider):
        name = "reference"
        pages = 0

        async def start(self):
            for u in urls:
                yield scrapy.Request(u)

        def parse(self, response):
            type(self).pages += 1
            if kind == "trafilatura":
                import trafilatura

                out = trafilatura.extract(response.text, url=response.url,
                                          output_format="json", with_metadata=True)
                if out:
                    yield {"url": response.url, "n": len(out)}

    process = CrawlerProcess(settings={**POLITENESS_OFF, "ROBOTSTXT_OBEY": False,
                                       "TELNETCONSOLE_ENABLED": False,
                                       "ITEM_PIPELINES": {}})
    process.crawl(Reference)
    process.start()
    print(json.dumps({"pages": Reference.pages}))


# -- running and measuring -----------------------------------------------------------------

def run_child(args: list[str]) -> dict:
    """Run one crawler process: wall time, its CPU (user+sys) and peak RSS (wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"crawler failed ({proc.returncode}): {' '.join(args[:6])}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
            "out": stdout, "err": stderr}


def civmon_crawl(registry: Path, db: Path, *extra: str) -> list[str]:
    args = [sys.executable, "-m", "crawler.cli", "crawl", "--sources", str(registry),
            "--db", str(db), "-s", "CIVMON_ALLOW_LOOPBACK=True",
            "-s", "CIVMON_CLOCK=2025-12-31T12:00:00Z"]
    for k, v in POLITENESS_OFF.items():
        args += ["-s", f"{k}={v}"]
    for s in extra:
        args += ["-s", s]
    return args


def run_stats(db: Path) -> tuple[dict, int]:
    conn = sqlite3.connect(db)
    try:
        (stats,) = conn.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        (stored,) = conn.execute("SELECT count(*) FROM articles").fetchone()
    finally:
        conn.close()
    return json.loads(stats or "{}"), stored


def hits(ports: list[int]) -> int:
    import urllib.request

    with urllib.request.urlopen(f"http://{HOSTS[0]}:{ports[0]}/__hits", timeout=10) as r:
        return int(r.read())


def startup_at(n: int, folder: Path) -> dict[str, float]:
    """CPU ms of each database-dependent start-up step at n stored URLs, and the peak MB
    of Python allocations (tracemalloc) over all of them.  The stored articles were
    fetched 36 days before the crawl's clock: none is due for a revisit, as on a
    nightly crawl (the revisit query reads the last 2 days only)."""
    import tracemalloc
    from datetime import UTC, datetime

    from benchmarks.bench_known import URL, build
    from crawler.ledger import Ledger
    from crawler.revisit import recent_articles

    path = folder / f"startup{n}.sqlite"
    if not path.exists():
        build(path, n)
    now = datetime(2025, 12, 31, 12, tzinfo=UTC)
    page = [URL.format(k * 9973 % n).rstrip("/") for k in range(50)]
    page += [URL.format(n + k).rstrip("/") for k in range(50)]
    out: dict[str, float] = {}
    tracemalloc.start()

    def step(name: str, fn):
        t = time.process_time()
        result = fn()
        out[name] = (time.process_time() - t) * 1000
        return result

    ledger = step("open", lambda: Ledger(str(path)))
    step("revisits", lambda: recent_articles(ledger.engine, ["tengrinews"], now, 2, 100))
    step("dead links", lambda: ledger.due(["tengrinews"], now))
    found = step("known (1 page)", lambda: ledger.known(page))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ledger.close()
    assert len(found) == 50, len(found)
    out["peak MB"] = peak / 2**20
    return out


def print_startup(n: int, folder: Path) -> None:
    steps = startup_at(n, folder)
    mb = steps.pop("peak MB")
    print(f"start-up with {n:>9,} stored URLs: {sum(steps.values()):7.1f} ms CPU ("
          + ", ".join(f"{k} {v:.1f}" for k, v in steps.items())
          + f"), {mb:.1f} MB peak Python allocations", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="200 pages, 1 run")
    ap.add_argument("--startup-urls", type=int, default=1_000_000)
    ap.add_argument("--startup-only", action="store_true", help="only the start-up figures")
    ap.add_argument("--spider", choices=("empty", "trafilatura"), help=argparse.SUPPRESS)
    ap.add_argument("--urls", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.spider:
        run_reference_spider(args.spider, args.urls)
        return
    if args.quick:
        args.pages, args.runs = 200, 1
    if args.startup_only:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
            for n in sorted({1000, args.startup_urls}):
                print_startup(n, Path(tmp))
        return
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        folder = Path(tmp)
        t = time.monotonic()
        build_web(args.pages, folder / "web")
        size = sum(f.stat().st_size for f in (folder / "web").rglob("*.html"))
        npages = len(list((folder / "web").rglob("*.html")))
        print(f"web: {npages} article pages on {len(HOSTS)} hosts, "
              f"{size / npages / 1000:.0f} KB per page (built in {time.monotonic() - t:.1f} s)")
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(folder / "web"),
                                   ",".join(HOSTS)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            ports = [int(p) for p in server.stdout.readline().split(",")]
            urls = [f"http://{h}:{p}/news/{n}" for h, p in zip(HOSTS, ports, strict=True)
                    for n in range(args.pages // len(HOSTS))]
            (folder / "urls.txt").write_text("\n".join(urls))
            registry = folder / "sources.toml"
            registry.write_text("".join(
                f'[[sources]]\nid = "vesti{i}"\nname = "Вести {i}"\ncountry = "KZ"\n'
                f'kind = "regional"\nlanguages = ["ru"]\ntimezone = "Asia/Almaty"\n'
                f'feeds = ["http://{h}:{p}/feed.xml"]\n'
                f"article_url = ['^http://{h}:{p}/news/']\n\n"
                for i, (h, p) in enumerate(zip(HOSTS, ports, strict=True))), encoding="utf-8")
            results = bench(args, folder, registry, ports)
            report(results, npages)
            recrawl(folder, registry, ports)
        finally:
            server.stdin.close()
            server.wait(10)
        for n in sorted({1000, args.startup_urls}):
            print_startup(n, folder)
    print(f"load: {os.getloadavg()[0]:.1f} (1-min load average at the end, "
          f"{os.cpu_count()} cores)")


def bench(args, folder: Path, registry: Path, ports: list[int]) -> dict[str, list[dict]]:
    me = [sys.executable, str(Path(__file__).resolve())]
    kinds = {
        "a": ("Scrapy alone, empty callback",
              lambda r: [*me, "--spider", "empty", "--urls", str(folder / "urls.txt")]),
        "b": ("Scrapy + trafilatura.extract(json, with_metadata)",
              lambda r: [*me, "--spider", "trafilatura", "--urls", str(folder / "urls.txt")]),
        "c": ("civmon crawl, CIVMON_WORKERS=1 (in-process)",
              lambda r: civmon_crawl(registry, folder / f"c{r}.sqlite", "CIVMON_WORKERS=1",
                                     "CIVMON_PAGE_TIMEOUT=0")),
        "d": ("civmon crawl, default pool",
              lambda r: civmon_crawl(registry, folder / f"d{r}.sqlite")),
    }
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    for r in range(args.runs):
        for key, (_label, make) in kinds.items():
            run = run_child(make(r))
            if key in "cd":
                stats, stored = run_stats(folder / f"{key}{r}.sqlite")
                run["worker_cpu"] = stats.get("civmon/pool/worker_cpu_ms", 0) / 1000
                run["cpu"] += run["worker_cpu"]
                run["maxrss_kb"] += stats.get("civmon/pool/worker_maxrss_kb", 0)
                run["pages"] = sum(v for k, v in stats.items()
                                   if k.startswith("civmon/source/") and k.endswith("/fetched"))
                run["stored"] = stored
            else:
                run["pages"] = json.loads(run["out"].strip().splitlines()[-1])["pages"]
            run["label"] = kinds[key][0]
            results[key].append(run)
            print(f"  run {r + 1} ({key}): {run['pages']} pages in {run['wall']:.1f} s", flush=True)
    return results


def report(results: dict[str, list[dict]], npages: int) -> None:
    rows = {}
    for key, runs in results.items():
        pps = statistics.median(r["pages"] / r["wall"] for r in runs)
        cpu_ms = statistics.median(r["cpu"] * 1000 / max(1, r["pages"]) for r in runs)
        cores = statistics.median(r["cpu"] / r["wall"] for r in runs)
        mem = max(r["maxrss_kb"] for r in runs) / 1024
        rows[key] = (runs[0]["label"], pps, cpu_ms, cores, mem, runs[0]["pages"],
                     runs[0].get("stored"))
    print(f"\n{'':<52} {'pages/s':>8} {'CPU ms/page':>12} {'cores':>6} {'peak MB':>8} "
          f"{'vs (b)':>7}  pages (stored)")
    base = rows["b"][1]
    for key, (label, pps, cpu_ms, cores, mem, pages, stored) in rows.items():
        cpu_text = f"{cpu_ms:12.1f}" if key != "a" else f"{'(' + format(cpu_ms, '.1f') + ')':>12}"
        print(f"({key}) {label:<48} {pps:8.1f} {cpu_text} {cores:6.2f} {mem:8.0f} "
              f"{pps / base:6.2f}x  {pages}" + (f" ({stored})" if stored is not None else ""))
    for key in "cd":
        runs = results.get(key) or []
        if runs:
            main_ms = statistics.median((r["cpu"] - r.get("worker_cpu", 0)) * 1000
                                        / max(1, r["pages"]) for r in runs)
            work_ms = statistics.median(r.get("worker_cpu", 0) * 1000 / max(1, r["pages"])
                                        for r in runs)
            print(f"({key}) split: crawler process {main_ms:.1f} CPU ms/page, "
                  f"workers {work_ms:.1f} CPU ms/page")
    print("medians over the runs; CPU = the crawler process and its worker processes "
          "(user+sys, start-up included); peak MB = crawler + workers' peaks summed; "
          f"targets for (d): >= 2.3x (b), <= 20 ms/page, >= 1.7 cores; {npages} pages served")


def recrawl(folder: Path, registry: Path, ports: list[int]) -> None:
    dbs = sorted(folder.glob("d*.sqlite"))
    db = dbs[0]
    before = hits(ports)
    run_child(civmon_crawl(registry, db, "CIVMON_REVISIT_DAYS=0"))
    print(f"re-crawl of the unchanged web ({db.name}): {hits(ports) - before} article pages "
          "fetched again (must be 0)")


if __name__ == "__main__":
    main()
