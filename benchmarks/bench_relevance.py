"""Time classification + tagging per article against extraction of the same page, same run.

Pages: the extraction fixtures (``tests/fixtures/pages``) and the sample web's
article pages (as served).  For each page ``extract_article`` runs, then
``classify(title, text, language=...)`` on what it extracted (the relevance
score, terms, topics, regions and organisations: everything the store writes).

Two classification figures are printed:

* **cold**: the first pass over the pages with every word cache empty (the
  pymorphy3 analyser loaded, no word seen yet), as at the start of a crawl;
* **warm**: the per-page median over ``--runs`` alternating runs, as in a crawl
  whose vocabulary the caches already hold.

The ratio is classification / extraction (per-page medians, and sums); target
``<= 0.10``.  Bounded by ``--max-seconds``.

    python benchmarks/bench_relevance.py [--runs 5] [--max-seconds 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.10


def _pages():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from evaluate_extraction import load_fixtures

    from crawler.pages import decode_page
    from crawler.sampleweb import iter_pages

    pages = [(fx.name, fx.html, fx.spec["url"], fx.spec["source"]) for fx in load_fixtures()]
    for exp, path, body, _ctype in iter_pages():
        if exp is None:
            continue
        pages.append((f"sampleweb:{exp.source_id}{path}"[:60], decode_page(body),
                      f"http://{exp.source_id}.sample{path}", None))
    return pages


def _clear_caches() -> None:
    from pipelines import morphology
    from pipelines.lexicon import load_rules

    morphology._ru_keys.cache_clear()
    morphology._en_keys.cache_clear()
    morphology._chain.cache_clear()
    for norm in load_rules().normalisers.values():
        norm.seen.clear()
        if norm.suffix is not None:
            norm.suffix._keys.cache_clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from pipelines.extract import extract_article
    from pipelines.lexicon import load_rules
    from pipelines.relevance import classify

    pages = _pages()
    rules = load_rules()
    extracted = {}
    for name, html, url, source in pages:  # warm-up extraction; keep what it gives
        extracted[name] = extract_article(html, url=url, source=source)
    classify("", "НПО", rules=rules)       # load pymorphy3's dictionary
    _clear_caches()
    cold: dict[str, float] = {}
    for name, *_ in pages:
        a = extracted[name]
        t0 = time.perf_counter()
        classify(a.title, a.text, language=a.language, rules=rules)
        cold[name] = (time.perf_counter() - t0) * 1000

    times: dict[str, dict[str, list[float]]] = {"extract": {}, "classify": {}}
    started = time.perf_counter()
    runs_done = 0
    for run in range(args.runs):
        for name, html, url, source in pages:
            def ext(html=html, url=url, source=source):
                return extract_article(html, url=url, source=source)

            def cls(a=extracted[name]):
                return classify(a.title, a.text, language=a.language, rules=rules)

            order = (("extract", ext), ("classify", cls))
            for label, fn in order if run % 2 == 0 else reversed(order):
                t0 = time.perf_counter()
                fn()
                times[label].setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        runs_done += 1
        if time.perf_counter() - started > args.max_seconds:
            break
    med = {label: {n: statistics.median(v) for n, v in per.items()}
           for label, per in times.items()}
    ext_med = statistics.median(med["extract"].values())
    cls_med = statistics.median(med["classify"].values())
    cold_med = statistics.median(cold.values())
    ext_sum, cls_sum = sum(med["extract"].values()), sum(med["classify"].values())
    cold_sum = sum(cold.values())
    words = statistics.median(len(a.text.split()) for a in extracted.values())
    print(f"{len(pages)} pages (median {words:.0f} words) x {runs_done} runs")
    print(f"median page: extraction {ext_med:.2f} ms, classification warm {cls_med:.2f} ms "
          f"(ratio {cls_med / ext_med:.3f}), cold {cold_med:.2f} ms "
          f"(ratio {cold_med / ext_med:.3f})")
    print(f"all pages:   extraction {ext_sum:.1f} ms, classification warm {cls_sum:.1f} ms "
          f"(ratio {cls_sum / ext_sum:.3f}), cold first pass {cold_sum:.1f} ms "
          f"(ratio {cold_sum / ext_sum:.3f})   target <= {TARGET}")
    return 0 if cls_med / ext_med <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
