"""Benchmark: civmon's extract -> dates -> relevance -> dedup -> store, per page,
against ``trafilatura.extract(output_format="json", with_metadata=True)`` alone,
on the same sample-web pages in the same run.

    python benchmarks/bench_pipeline.py [--passes 5]

Prints pages/s and median ms/page of both and the ratio (target: civmon <= 1.2x
trafilatura's time).  Each pass stores into a fresh SQLite file, opened before
the clock starts, so the figure covers exactly the per-page work of a crawl.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import trafilatura
from scrapy.settings import Settings

from crawler.sampleweb import SAMPLE_NOW, SampleWeb, iter_pages
from pipelines.dates import DatesPipeline
from pipelines.dedup import DedupPipeline
from pipelines.extract import ExtractPipeline
from pipelines.items import ArticleItem
from pipelines.relevance import RelevancePipeline
from pipelines.store import StorePipeline


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count  # type: ignore[operator]

    def set_value(self, key: str, value: object) -> None:
        self.values[key] = value

    def get_value(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)


class FakeCrawler:
    def __init__(self, db: str) -> None:
        self.settings = Settings({"CIVMON_DB": db, "CIVMON_COMMIT_EVERY": 50})
        self.stats = Stats()


def load_pages() -> list[tuple[ArticleItem, str]]:
    with SampleWeb() as web:
        registry = web.registry()
        bases = web.bases
    pages = []
    for exp, path, body, ctype in iter_pages():
        charset = "utf-8"
        if "charset=" in ctype:
            charset = ctype.split("charset=")[1].split(";")[0].strip()
        html = body.decode(charset)
        src = registry.get(exp.source_id)
        pages.append((ArticleItem(source_id=src.id, source=src, url=bases[src.id] + path,
                                  html=html, fetched_at=SAMPLE_NOW), html))
    return pages


def civmon_pass(pages: list[tuple[ArticleItem, str]], tmp: Path, n: int) -> list[float]:
    crawler = FakeCrawler(str(tmp / f"pass{n}.sqlite"))
    stages = [cls.from_crawler(crawler) for cls in (ExtractPipeline, DatesPipeline,
                                                    RelevancePipeline, DedupPipeline)]
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    times = []
    for proto, _html in pages:
        item = ArticleItem(source_id=proto.source_id, source=proto.source, url=proto.url,
                           html=proto.html, fetched_at=proto.fetched_at)
        t0 = time.perf_counter()
        for stage in stages:
            item = stage.process_item(item)
        store.process_item(item)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    store.close_spider()  # the last commit belongs to the work
    times[-1] += time.perf_counter() - t0
    return times


def trafilatura_pass(pages: list[tuple[ArticleItem, str]]) -> list[float]:
    times = []
    for proto, html in pages:
        t0 = time.perf_counter()
        trafilatura.extract(html, url=proto.url, output_format="json", with_metadata=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=5)
    args = ap.parse_args()
    pages = load_pages()
    print(f"{len(pages)} sample-web article pages, {args.passes} passes each (after warm-up)")
    with tempfile.TemporaryDirectory() as tmp:
        civmon_pass(pages, Path(tmp), -1)  # warm-up: imports, parsers, caches
        trafilatura_pass(pages)
        ours, theirs = [], []
        for n in range(args.passes):  # interleaved, so machine drift hits both alike
            ours.append(sum(civmon_pass(pages, Path(tmp), n)))
            theirs.append(sum(trafilatura_pass(pages)))
    ours_pass, theirs_pass = statistics.median(ours), statistics.median(theirs)
    rows = (("civmon extract->store", ours_pass), ("trafilatura json+metadata", theirs_pass))
    for name, t in rows:
        print(f"{name:<28} {len(pages) / t:8.1f} pages/s  {1000 * t / len(pages):7.2f} ms/page")
    ratio = ours_pass / theirs_pass
    print(f"ratio civmon / trafilatura: {ratio:.2f}x (target <= 1.20x)")


if __name__ == "__main__":
    main()
