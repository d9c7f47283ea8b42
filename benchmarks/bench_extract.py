"""Time civmon's full extraction against trafilatura alone, same pages, same run.

civmon: ``extract_article`` (one lxml parse, metadata from the tree, registry
selectors, trafilatura without metadata, cleanup, attribution, language).
Baseline: ``trafilatura.extract(html, url=..., output_format="json",
with_metadata=True)``.  Both get the decoded fixture pages; each page is timed
``--runs`` times per extractor, alternating, after a warm-up pass; the per-page
median is kept and the ratio of the medians (and of the sums) is printed.
Bounded: stops early after ``--max-seconds``.  Target: ratio <= 1.15.

    /work/venv/bin/python benchmarks/bench_extract.py [--runs 7] [--max-seconds 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.15


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import trafilatura
    from evaluate_extraction import load_fixtures

    from pipelines.extract import extract_article

    pages = load_fixtures()

    def civmon(fx):
        return extract_article(fx.html, url=fx.spec["url"], source=fx.spec["source"],
                               fetched_at=fx.fetched_at)

    def baseline(fx):
        return trafilatura.extract(fx.html, url=fx.spec["url"], output_format="json",
                                   with_metadata=True)

    for fx in pages:                       # warm-up: imports, model load, regex caches
        civmon(fx)
        baseline(fx)
    times: dict[str, dict[str, list[float]]] = {"civmon": {}, "trafilatura": {}}
    started = time.perf_counter()
    runs_done = 0
    for run in range(args.runs):
        for fx in pages:
            order = (("civmon", civmon), ("trafilatura", baseline))
            for label, fn in order if run % 2 == 0 else reversed(order):
                t0 = time.perf_counter()
                fn(fx)
                times[label].setdefault(fx.name, []).append((time.perf_counter() - t0) * 1000)
        runs_done += 1
        if time.perf_counter() - started > args.max_seconds:
            break

    medians = {label: {name: statistics.median(v) for name, v in per.items()}
               for label, per in times.items()}
    print(f"{len(pages)} pages x {runs_done} runs (per-page median, ms)")
    print(f"{'page':<42} {'civmon':>8} {'trafil.':>8} {'ratio':>6}")
    for fx in pages:
        c, t = medians["civmon"][fx.name], medians["trafilatura"][fx.name]
        print(f"{fx.name[:42]:<42} {c:>8.2f} {t:>8.2f} {c / t:>6.2f}")
    c_med = statistics.median(medians["civmon"].values())
    t_med = statistics.median(medians["trafilatura"].values())
    c_sum, t_sum = sum(medians["civmon"].values()), sum(medians["trafilatura"].values())
    print(f"\nmedian page: civmon {c_med:.2f} ms, trafilatura {t_med:.2f} ms, "
          f"ratio {c_med / t_med:.2f}")
    print(f"all pages:   civmon {c_sum:.1f} ms, trafilatura {t_sum:.1f} ms, "
          f"ratio {c_sum / t_sum:.2f} (target <= {TARGET})")
    return 0 if c_med / t_med <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
