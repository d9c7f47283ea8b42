"""Benchmark: reprint links and stories at store time on synthetic articles.

    python benchmarks/bench_dedup.py [--n 100000] [--checkpoints 10000,30000,100000]

Generates ``--n`` articles over a year (about 270 a day) from many outlets:
originals about distinct events (names, places, numbers, dates of their own);
planted reprints (10 %: a new lead, a cut paragraph, a credit line, a
"Читайте также" tail, published up to two days after the original) and
planted hard negatives (25 % of originals carry one of 30 long template
paragraphs — an "about the agency" block, an anniversary lead — next to their
own short event paragraph).  Every article goes through
``pipelines.store.ArticleWriter`` into a SQLite file, as in a crawl (commit
every 50), so the cost includes the database: the URL and hash look-ups,
loading the window's days, the insert.

The baseline, measured in the same run on the first checkpoint's articles, is
the same writer with the linker switched off (exact hash only, as before).
Prints, at each checkpoint: ms/article since the previous checkpoint (all, and
the linker's share: fingerprint, window, candidates, decision; wall clock and
CPU time), the ratio to the baseline, articles held in the window, RSS (and its
growth during the run: the generated articles themselves are in memory before
it starts), peak RSS; at the end: recall of the planted reprints, false links
(a link to anything but the planted original), hard-negative pairs linked,
and false story merges (articles whose story holds another event).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import open_engine
from models.schema import Article
from pipelines.dedup import canonical_url, content_hash
from pipelines.items import ArticleItem
from pipelines.linking import Decision, Linker
from pipelines.store import ArticleWriter

SYLLABLES = ["ка", "ра", "но", "ти", "ль", "ме", "за", "ви", "до", "ру", "се", "па", "ло",
             "ми", "ны", "го", "ве", "ста", "про", "ни", "ли", "ко", "ре", "то", "да"]


def word(rng: random.Random, lo: int = 2, hi: int = 4) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi)))


class World:
    def __init__(self, seed: int = 7) -> None:
        self.rng = rng = random.Random(seed)
        self.common = [word(rng) for _ in range(3000)]
        self.names = [word(rng, 2, 3).capitalize() + " " + word(rng, 3, 4).capitalize() + "ова"
                      for _ in range(20000)]
        self.places = [word(rng, 2, 4).capitalize() for _ in range(800)]
        self.templates = [self.sentence(60) for _ in range(30)]
        self.outlets = [f"outlet{i:02d}" for i in range(40)]

    def sentence(self, n: int) -> str:
        return " ".join(self.rng.choice(self.common) for _ in range(n)) + "."

    def event_paragraph(self, facts: dict, n: int = 28) -> str:
        rng = self.rng
        parts = [self.rng.choice(self.common) for _ in range(n)]
        inserts = [f"в {facts['place']}", facts["person"], f"{facts['number']} участников",
                   f"{facts['day']} ноября", facts["person2"], f"{facts['amount']} тенге"]
        for token in rng.sample(inserts, 3):
            parts.insert(rng.randint(1, len(parts)), token)
        return "По словам " + " ".join(parts) + "."


def generate(world: World, n: int) -> tuple[list[dict], dict[int, int], set[tuple[int, int]]]:
    """Articles in publication order; planted reprint -> original index; template pairs."""
    rng = world.rng
    start = datetime(2025, 1, 1, tzinfo=UTC)
    articles: list[dict] = []
    reprint_of: dict[int, int] = {}
    by_template: dict[int, list[int]] = {}
    minutes = 0.0
    for i in range(n):
        minutes += rng.expovariate(1 / (365 * 24 * 60 / n))
        when = start + timedelta(minutes=minutes)
        recent = [j for j in range(max(0, i - 400), i) if j not in reprint_of
                  and when - articles[j]["when"] < timedelta(days=2)]
        if recent and rng.random() < 0.10:
            j = rng.choice(recent)
            base = articles[j]
            paragraphs = list(base["paragraphs"])
            if len(paragraphs) > 3 and rng.random() < 0.6:
                paragraphs.pop(rng.randrange(1, len(paragraphs)))
            if rng.random() < 0.6:
                paragraphs.insert(0, world.event_paragraph(base["facts"], 14))
            if rng.random() < 0.5:
                paragraphs.append(f"Как сообщает {base['source']}")
            if rng.random() < 0.4:
                paragraphs.append("Читайте также: " + world.sentence(8))
            source = rng.choice([o for o in world.outlets if o != base["source"]])
            articles.append(dict(source=source, when=when, facts=base["facts"],
                                 paragraphs=paragraphs, title=world.sentence(6), event=j))
            reprint_of[i] = j
            continue
        facts = dict(place=rng.choice(world.places), person=rng.choice(world.names),
                     person2=rng.choice(world.names), number=rng.randint(20, 5000),
                     amount=rng.randint(1, 900) * 1_000_000, day=rng.randint(1, 28))
        if rng.random() < 0.25:  # a hard negative: a long template and a short event
            t = rng.randrange(len(world.templates))
            paragraphs = [world.event_paragraph(facts, 20), world.templates[t]]
            by_template.setdefault(t, []).append(i)
        else:
            paragraphs = [world.event_paragraph(facts) for _ in range(rng.randint(3, 6))]
        articles.append(dict(source=rng.choice(world.outlets), when=when, facts=facts,
                             paragraphs=paragraphs, title=world.sentence(6), event=i))
    pairs = set()
    for members in by_template.values():
        for a, b in itertools.pairwise(members):
            pairs.add((a, b))
    return articles, reprint_of, pairs


def item(i: int, a: dict) -> ArticleItem:
    url = f"https://{a['source']}.example/news/{i}"
    text = "\n\n".join(a["paragraphs"])
    it = ArticleItem(source_id=a["source"], url=url, html="", fetched_at=a["when"],
                     title=a["title"], text=text,
                     published_at=a["when"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                     date_precision="minute")
    it.canonical_url = canonical_url(url)
    it.content_hash = content_hash(text)
    return it


class ExactOnly(Linker):
    """The baseline: no near-duplicates, no stories (what the store did before)."""

    def decide(self, article, *, exact_original=None) -> Decision:
        d = Decision()
        if exact_original is not None:
            d.duplicate_of, d.kind, d.similarity = exact_original, "exact_duplicate", 1.0
        return d

    def remember(self, article, decision) -> None:
        pass


def rss_mb() -> float:
    """Peak resident set size of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:  # not Linux: the peak is the best available figure
        return rss_mb()


def run(articles: list[dict], db: Path, checkpoints: list[int], baseline: bool) -> dict:
    engine = open_engine(db)
    out: dict = {"rows": []}
    with Session(engine, expire_on_commit=False) as session:
        writer = ArticleWriter(session)
        if baseline:
            writer.linker = ExactOnly(lambda _a, _b: ())
        linker_time = linker_cpu = 0.0
        decide, remember = writer.linker.decide, writer.linker.remember

        def timed_decide(*args, **kw):
            nonlocal linker_time, linker_cpu
            t, c = time.perf_counter(), time.process_time()
            try:
                return decide(*args, **kw)
            finally:
                linker_time += time.perf_counter() - t
                linker_cpu += time.process_time() - c

        def timed_remember(*args, **kw):
            nonlocal linker_time, linker_cpu
            t, c = time.perf_counter(), time.process_time()
            try:
                return remember(*args, **kw)
            finally:
                linker_time += time.perf_counter() - t
                linker_cpu += time.process_time() - c

        writer.linker.decide, writer.linker.remember = timed_decide, timed_remember
        todo = articles[:checkpoints[0]] if baseline else articles
        ids: list[int] = []
        out["rss_before"] = current_rss_mb()
        started, last_t, last_n, last_link = time.perf_counter(), 0.0, 0, 0.0
        cpu_started, last_cpu, last_link_cpu = time.process_time(), 0.0, 0.0
        for n, a in enumerate(todo, 1):
            row = writer.write(item(n - 1, a))
            assert row is not None
            ids.append(row.id)
            if n % 50 == 0:
                session.commit()
            if n in checkpoints:
                session.commit()
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                out["rows"].append(dict(
                    n=n, ms=(elapsed - last_t) / (n - last_n) * 1000,
                    cpu_ms=(cpu - last_cpu) / (n - last_n) * 1000,
                    linker_ms=(linker_time - last_link) / (n - last_n) * 1000,
                    linker_cpu_ms=(linker_cpu - last_link_cpu) / (n - last_n) * 1000,
                    window=len(writer.linker), rss=current_rss_mb(), peak=rss_mb()))
                last_t, last_n, last_link = elapsed, n, linker_time
                last_cpu, last_link_cpu = cpu, linker_cpu
                if not baseline:  # a long run shows its figures as it goes
                    r = out["rows"][-1]
                    print(f"  reached {n}: {r['ms']:.3f} ms/article, linker {r['linker_ms']:.3f} "
                          f"ms ({r['linker_cpu_ms']:.3f} ms CPU), window {r['window']}, RSS "
                          f"{r['rss']:.0f} MB, peak {r['peak']:.0f} MB", flush=True)
        session.commit()
        out["ids"] = ids
        out["state"] = {r[0]: (r[1], r[2], r[3]) for r in session.execute(
            select(Article.id, Article.duplicate_of, Article.story_id, Article.similarity))}
    engine.dispose()
    return out


def quality(articles, reprint_of, pairs, ids, state) -> dict[str, float]:
    index_of = {article_id: i for i, article_id in enumerate(ids)}
    def root(i: int) -> int:  # the planted original of an article
        return articles[i]["event"]
    linked = sum(1 for i, j in reprint_of.items()
                 if state[ids[i]][0] is not None
                 and root(index_of[state[ids[i]][0]]) == j)
    links = [(i, index_of[d]) for i, (_a, (d, _s, _m)) in
             enumerate((ids[i], state[ids[i]]) for i in range(len(ids))) if d is not None]
    false_links = sum(1 for i, j in links if root(i) != root(j))
    negatives = sum(1 for a, b in pairs if state[ids[b]][0] == ids[a]
                    or state[ids[a]][0] == ids[b])
    stories: dict[int, set[int]] = {}
    for i, article_id in enumerate(ids):
        stories.setdefault(state[article_id][1], set()).add(root(i))
    merged = sum(1 for i, article_id in enumerate(ids) if len(stories[state[article_id][1]]) > 1)
    return dict(recall=linked / max(1, len(reprint_of)), false_links=false_links,
                links=len(links), negatives=negatives, pairs=len(pairs), merged=merged,
                n=len(ids))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--checkpoints", default="10000,30000,100000")
    parser.add_argument("--dump", type=Path, default=None,
                        help="write every article's (duplicate_of, story_id, similarity), in "
                             "generation order, as JSON: to check two versions decide alike")
    args = parser.parse_args()
    checkpoints = sorted({min(int(c), args.n) for c in args.checkpoints.split(",")})
    world = World()
    t = time.perf_counter()
    articles, reprint_of, pairs = generate(world, args.n)
    print(f"generated {len(articles)} articles ({len(reprint_of)} planted reprints, "
          f"{len(pairs)} planted template pairs) in {time.perf_counter() - t:.1f} s; "
          f"{(articles[-1]['when'] - articles[0]['when']).days + 1} days")
    with tempfile.TemporaryDirectory() as tmp:
        base = run(articles, Path(tmp) / "base.sqlite", checkpoints[:1], baseline=True)
        base_ms, base_cpu = base["rows"][0]["ms"], base["rows"][0]["cpu_ms"]
        print(f"baseline (exact hash only), first {checkpoints[0]}: {base_ms:.3f} ms/article "
              f"({base_cpu:.3f} ms CPU)")
        result = run(articles, Path(tmp) / "dedup.sqlite", checkpoints, baseline=False)
    print(f"RSS before the run (generated articles in memory): {result['rss_before']:.0f} MB")
    print("ms per article since the previous checkpoint, wall clock and CPU (process_time: "
          "what the machine's load changes least); 'linker' = dedup + story decisions "
          "including the window's database loads")
    print(f"{'articles':>9} {'ms/article':>11} {'CPU ms':>8} {'linker ms':>10} "
          f"{'linker CPU':>11} {'x baseline':>11} {'window':>7} {'RSS MB':>8} {'+ run MB':>9} "
          f"{'peak MB':>8}")
    for r in result["rows"]:
        print(f"{r['n']:>9} {r['ms']:>11.3f} {r['cpu_ms']:>8.3f} {r['linker_ms']:>10.3f} "
              f"{r['linker_cpu_ms']:>11.3f} {r['ms'] / base_ms:>11.2f} "
              f"{r['window']:>7} {r['rss']:>8.0f} {r['rss'] - result['rss_before']:>9.0f} "
              f"{r['peak']:>8.0f}")
    if args.dump is not None:
        index_of = {article_id: i for i, article_id in enumerate(result["ids"])}
        rows = []
        for article_id in result["ids"]:
            dup, story, sim = result["state"][article_id]
            rows.append([index_of.get(dup), index_of.get(story), sim])
        args.dump.write_text(json.dumps(rows))
        print(f"decisions written to {args.dump}")
    q = quality(articles, reprint_of, pairs, result["ids"], result["state"])
    print(f"planted reprints linked to their original: {q['recall']:.4f}; false links "
          f"{q['false_links']} of {q['links']} ({q['false_links'] / max(1, q['links']):.4%}); "
          f"hard-negative pairs linked {q['negatives']} of {q['pairs']}; articles in a story "
          f"with another event {q['merged']} of {q['n']} ({q['merged'] / q['n']:.4%})")


if __name__ == "__main__":
    main()
