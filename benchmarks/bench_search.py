"""Benchmark: full-text search with morphology (article_search) on a generated database.

    python benchmarks/bench_search.py [--n 100000] [--store 1000] [--repeat 5] [--keep DIR]
                                      [--no-vacuum] [--no-plain] [--db FILE [--no-rebuild]]

Generates ``--n`` articles of about 2 KB of Russian text each: words drawn
(Zipf-like) from a vocabulary of every inflected form of the lemmas found in
the relevance lexicon and the sample web (pymorphy3 lexemes, some 50k forms,
so the normaliser meets new words all the way through, as on real news), with
"грант"/"НПО" families planted in some 5 % of articles.  Prints:

* **index build rate**: ``civmon search --reindex``'s ``rebuild`` over all rows,
  articles/s; baseline in the same run: a plain FTS5 index of the raw text
  (no normalisation) built by SQLite from the same rows;
* **store cost per article with the index on versus off**: ``--store`` articles
  written through ``pipelines.store.ArticleWriter`` (commit every 50, as a crawl)
  into two fresh databases, one with ``article_search``, one with it dropped;
* **search latency, top 20, warm**: the median of ``--repeat`` runs of each
  query through civmon's search (parse, SQL, snippets) and of the bare SQL:
  *best*, the statement civmon runs first (the best matches by a bounded sort,
  then the filters; the alternatives no article contains left out), and
  *--sql*, the exact statement ``--sql`` prints (FTS5's rank order); baselines:
  the same search sorting every match by bm25 after the join (``sort_all_sql``,
  what civmon ran before either) and plain FTS5 + bm25 on the raw text for the
  single-word queries (*ratio*: best / plain);
* database size with and without the index.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILL_BATCH = 10_000
QUERIES = ["грант", "НПО", "волонтёр", '"общественный совет"', "грант OR субсидия",
           "грант NOT спорт", "гранты для НПО", "аким"]


def vocabulary(rng: random.Random) -> list[str]:
    """Inflected forms of the lexicon's and the sample web's lemmas (pymorphy3 lexemes)."""
    import pymorphy3

    from pipelines.morphology import tokens

    morph = pymorphy3.MorphAnalyzer(lang="ru")
    words: set[str] = set()
    for path in [*(ROOT / "pipelines/rules/relevance").glob("*.toml"),
                 *(ROOT / "crawler/sampleweb").rglob("*.html")]:
        for t in tokens(path.read_text(encoding="utf-8", errors="replace")):
            if t.script == "cyr" and len(t.text) > 2:
                words.add(t.text.lower())
    forms: set[str] = set()
    for w in sorted(words):
        for f in morph.parse(w)[0].lexeme:
            forms.add(f.word)
    # the searched families appear only where planted, so hit counts are realistic
    from pipelines.search_index import parse, word_key

    searched = {k for q in QUERIES for seq in parse(q).sequences() for k in seq}
    out = sorted(f for f in forms if word_key(f, "ru") not in searched)
    rng.shuffle(out)
    return out


PLANTED = ["грантов", "грантового", "гранты", "НПО", "неправительственных", "организаций",
           "общественный", "совет"]


class Corpus:
    """Generated articles: ``WORDS`` words (~2 KB) drawn Zipf-like from ``vocab``,
    sentences of 8-16 words, 4 sentences a paragraph, a title of 6-10 words; 5 % get
    three words of the searched families (``PLANTED``) at random places.

    A batch is drawn with numpy at once (words, sentence lengths, the planted places),
    and each word is written from a table of its forms made once (as it is, with a
    capital, with its full stop and the space or paragraph break that follows), so an
    article is one ``str.join`` and a million articles take minutes, not an hour."""

    WORDS = 290
    #: what follows a word: a space, a full stop and space, a full stop and a paragraph
    #: break, the article's final full stop
    ENDINGS = (" ", ". ", ".\n\n", ".")

    def __init__(self, rng: random.Random, vocab: list[str], weights: list[float]) -> None:
        import numpy as np

        self.np = np
        self.gen = np.random.default_rng(rng.getrandbits(64))
        # a look-up table with each word ~weight x 2**20 times: a draw is one random index
        p = np.asarray(weights, dtype=float)
        self.lut = np.repeat(np.arange(len(p)), np.floor(p / p.sum() * 2**20).astype(int))
        self.words = list(vocab) + PLANTED
        self.planted = np.arange(len(vocab), len(self.words))
        capital = [w[:1].upper() + w[1:] for w in self.words]
        # form (capital, ending) of word i is table[i + size * (4 * capital + ending)]
        self.table = [w + end for forms in (self.words, capital) for end in self.ENDINGS
                      for w in forms]
        self.capital = capital

    def _draw(self, shape: tuple[int, ...]):
        return self.lut[self.gen.integers(0, len(self.lut), shape)]

    def batch(self, k: int) -> list[tuple[str, str]]:
        np, gen, n = self.np, self.gen, self.WORDS
        body = self._draw((k, n))
        planted = np.flatnonzero(gen.random(k) < 0.05)
        for a in planted.tolist():
            body[a, gen.choice(n, 3, replace=False)] = gen.choice(self.planted, 3,
                                                                  replace=False)
        # sentence ends: running sums of lengths 8-16; every 4th ends a paragraph
        ends = np.cumsum(gen.integers(8, 17, size=(k, n // 8 + 1)), axis=1) - 1
        ending = np.zeros((k, n), dtype=np.int64)
        capital = np.zeros((k, n), dtype=np.int64)
        rows = np.broadcast_to(np.arange(k)[:, None], ends.shape)
        inside = ends < n
        ending[rows[inside], ends[inside]] = 1
        para = inside & (np.arange(ends.shape[1]) % 4 == 3)
        ending[rows[para], ends[para]] = 2
        starts = ends[:, :-1] + 1
        s_inside = starts < n
        capital[:, 0] = 1
        capital[rows[:, 1:][s_inside], starts[s_inside]] = 1
        ending[:, -1] = 3
        codes = body + len(self.words) * (4 * capital + ending)
        title_len = gen.integers(6, 11, size=k).tolist()
        titles = self._draw((k, 10)).tolist()
        table, words, cap = self.table, self.words, self.capital
        out = []
        for a, row in enumerate(codes.tolist()):
            t = titles[a][:title_len[a]]
            title = cap[t[0]] + " " + " ".join([words[i] for i in t[1:]])
            out.append((title, "".join(map(table.__getitem__, row))))
        return out


def make_article(rng: random.Random, vocab: list[str], weights: list[float]) -> tuple[str, str]:
    """One article of ``Corpus`` (for a handful; ``Corpus.batch`` for many)."""
    return Corpus(rng, vocab, weights).batch(1)[0]


def fill(path: Path, n: int, rng: random.Random, vocab: list[str], weights: list[float]) -> None:
    """``n`` articles straight into ``articles`` (the index is built afterwards).

    Bulk inserts (``executemany``, a commit per ``FILL_BATCH`` rows); ``published_day``
    through civmon's own rule (``local_day``, the source's zone, across Kazakhstan's
    change of offset on 1 March 2024); every 20th article is dated to the day only, and
    the articles with the planted words carry topics, so exports meet every shape."""
    from models.db import open_engine
    from pipelines.published_day import local_day

    open_engine(path).dispose()  # schema at head, article_search empty
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")  # a generated file: no fsync per batch
    conn.execute("DROP TRIGGER IF EXISTS article_search_update")  # bulk insert, no upkeep
    conn.execute("INSERT OR IGNORE INTO sources(id, name, country, kind, languages, timezone, "
                 "enabled, updated_at) VALUES ('bench', 'Bench', 'KZ', 'national', 'ru', "
                 "'Asia/Almaty', 1, '2025-01-01T00:00:00Z')")
    corpus = Corpus(rng, vocab, weights)
    day0 = datetime(2024, 1, 1, tzinfo=UTC)
    sql = ("INSERT INTO articles(source_id, url, canonical_url, title, text, language, "
           "published_at, date_precision, fetched_at, content_hash, relevant, story_id, "
           "topics, published_day, state_supplied) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)")
    batch = []
    articles: list[tuple[str, str]] = []
    for i in range(n):
        if not articles:
            articles = corpus.batch(min(FILL_BATCH, n - i))[::-1]
        title, text = articles.pop()
        when = day0 + timedelta(minutes=30 * i)
        fetched = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        pub, precision = (fetched[:10], "day") if i % 20 == 19 else (fetched, "minute")
        topics = "grants,ngo" if "гранты" in text or "НПО" in text else None
        url = f"https://bench.kz/{i}"
        batch.append(("bench", url, url, title, text, "ru", pub, precision, fetched, f"h{i}",
                      1, i + 1, topics, local_day(pub, "Asia/Almaty")))
        if len(batch) == FILL_BATCH or i == n - 1:
            conn.executemany(sql, batch)
            conn.commit()
            batch.clear()
    conn.close()


def build_rates(path: Path, n: int, plain_too: bool = True) -> tuple[float, float | None]:
    from sqlalchemy import create_engine

    from pipelines.search_index import rebuild

    engine = create_engine(f"sqlite:///{path}")
    start = time.perf_counter()
    with engine.begin() as conn:
        rebuild(conn)
    ours = n / (time.perf_counter() - start)
    engine.dispose()
    if not plain_too:
        return ours, None
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE plain_search USING fts5(title, text)")
    start = time.perf_counter()
    conn.execute("INSERT INTO plain_search(rowid, title, text) SELECT id, title, text "
                 "FROM articles")
    conn.commit()
    plain = n / (time.perf_counter() - start)
    conn.close()
    return ours, plain


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm: pages cached, normaliser loaded
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sort_all_sql(match: str, limit: int = 20) -> str:
    """The search statement civmon ran before it let FTS5 rank (the same-run baseline):
    every match's articles row read and all matches sorted by bm25 before the LIMIT."""
    from pipelines.search_index import TITLE_WEIGHT

    rank = f"bm25(article_search, {TITLE_WEIGHT}, 1.0)"
    quoted = match.replace("'", "''")
    return ("SELECT a.id, a.published_at, a.source_id, s.country, a.language, a.title, a.url, "
            f"round({rank}, 3) AS score, a.duplicate_of, a.story_id FROM article_search "
            "JOIN articles a ON a.id = article_search.rowid JOIN sources s ON s.id = "
            f"a.source_id WHERE article_search MATCH '{quoted}' AND a.relevant = 1 "
            f"ORDER BY {rank}, a.id LIMIT {limit}")


def latencies(path: Path, repeat: int, plain_too: bool = True) -> None:
    from crawler.cli_search import best_window, build_sql, present_match, run_search
    from models.db import open_readonly
    from pipelines.search_index import parse

    engine = open_readonly(path)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    print(f"{'query':<26} {'hits':>7} {'civmon ms':>10} {'best ms':>8} {'--sql ms':>8} "
          f"{'sort-all ms':>11} {'plain ms':>9} {'ratio':>6}")
    kwargs = {"limit": 20}
    for q in QUERIES:
        sql = build_sql(parse(q).match(), **kwargs)
        live = present_match(parse(q), raw.execute)
        best = build_sql(live, **kwargs, best=best_window(20)) if live else "SELECT 1"
        civmon_ms = _median_ms(lambda q=q: run_search(engine, q, kwargs), repeat)
        best_ms = _median_ms(lambda best=best: raw.execute(best).fetchall(), repeat)
        sql_ms = _median_ms(lambda sql=sql: raw.execute(sql).fetchall(), repeat)
        old = sort_all_sql(parse(q).match())
        sort_ms = _median_ms(lambda old=old: raw.execute(old).fetchall(), repeat)
        hits = raw.execute("SELECT count(*) FROM article_search WHERE article_search MATCH ?",
                           (parse(q).match(),)).fetchone()[0]
        plain = ""
        ratio = ""
        if plain_too and " " not in q and '"' not in q:
            word = q.lower()
            plain_sql = ("SELECT a.id, a.title, bm25(plain_search, 4.0, 1.0) FROM plain_search "
                         "JOIN articles a ON a.id = plain_search.rowid WHERE plain_search "
                         f"MATCH '\"{word}\"' AND a.relevant = 1 "
                         "ORDER BY bm25(plain_search, 4.0, 1.0) LIMIT 20")
            p_ms = _median_ms(lambda s=plain_sql: raw.execute(s).fetchall(), repeat)
            plain, ratio = f"{p_ms:9.1f}", f"{best_ms / p_ms:6.2f}"
        print(f"{q:<26} {hits:>7} {civmon_ms:10.1f} {best_ms:8.1f} {sql_ms:8.1f} "
              f"{sort_ms:11.1f} {plain:>9} {ratio:>6}")
    raw.close()
    engine.dispose()


def store_cost(tmp: Path, m: int, rng: random.Random, vocab: list[str],
               weights: list[float]) -> tuple[float, float]:
    """ms/article through ArticleWriter with article_search present, then dropped."""
    from sqlalchemy.orm import Session

    from crawler.registry import load_registry
    from models.db import open_engine
    from pipelines.dedup import canonical_url, content_hash
    from pipelines.items import ArticleItem
    from pipelines.store import ArticleWriter

    source = load_registry().get("tengrinews")
    articles = Corpus(rng, vocab, weights).batch(m)
    results = {}
    for label in ("on", "off"):
        path = tmp / f"store-{label}.sqlite"
        engine = open_engine(path)
        if label == "off":
            with engine.begin() as conn:
                for stmt in ("DROP TRIGGER article_search_update",
                             "DROP TRIGGER article_search_delete", "DROP TABLE article_search"):
                    conn.exec_driver_sql(stmt)
        start = time.perf_counter()
        with Session(engine) as s:
            w = ArticleWriter(s)
            for i, (title, text) in enumerate(articles):
                url = f"https://tengrinews.kz/news/x-{i}"
                it = ArticleItem(source_id="tengrinews", url=url, html="", source=source,
                                 fetched_at=datetime(2025, 11, 25, tzinfo=UTC), title=title,
                                 text=text, language="ru",
                                 published_at=f"2025-11-{1 + i % 25:02d}T10:00:00Z")
                it.canonical_url, it.content_hash = canonical_url(url), content_hash(text)
                w.write(it)
                if i % 50 == 49:
                    s.commit()
            s.commit()
        results[label] = (time.perf_counter() - start) * 1000 / m
        engine.dispose()
    return results["on"], results["off"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="articles in the search database")
    ap.add_argument("--store", type=int, default=1000,
                    help="articles for the store cost (0: skip it)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per query (median)")
    ap.add_argument("--keep", type=Path, help="write the databases here and keep them")
    ap.add_argument("--no-plain", action="store_true",
                    help="skip the plain-FTS5 baseline (build and queries)")
    ap.add_argument("--db", type=Path,
                    help="an existing generated database (bench_search --keep) to index and "
                         "search instead of generating one; it is modified")
    ap.add_argument("--no-rebuild", action="store_true",
                    help="with --db: search the index the file has (no rebuild, no plain "
                         "baseline build; plain_search is used if it is there)")
    ap.add_argument("--no-vacuum", action="store_true",
                    help="skip the VACUUM before measuring the size (minutes at 1M rows)")
    args = ap.parse_args()
    rng = random.Random(11)
    vocab = vocabulary(rng)
    weights = [1 / (r + 10) for r in range(len(vocab))]  # Zipf-like
    print(f"vocabulary: {len(vocab)} word forms")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = args.keep or Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.db:
            from models.db import open_engine

            path = args.db
            open_engine(path).dispose()  # pending migrations
            conn = sqlite3.connect(path)
            args.n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            has_plain = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'plain_search'"
                                     ).fetchone() is not None
            if not args.no_rebuild:
                conn.execute("DROP TABLE IF EXISTS plain_search")
            conn.close()
            size0 = path.stat().st_size
            print(f"existing database: {args.n} articles ({size0 / args.n / 1024:.1f} KB each)")
        else:
            path = tmp / "search.sqlite"
            path.unlink(missing_ok=True)
            start = time.perf_counter()
            fill(path, args.n, rng, vocab, weights)
            size0 = path.stat().st_size
            print(f"generated {args.n} articles in {time.perf_counter() - start:.0f} s "
                  f"({size0 / args.n / 1024:.1f} KB each on disk)")
        if args.db and args.no_rebuild:
            latencies(path, args.repeat, has_plain and not args.no_plain)
            if args.store > 0:
                on, off = store_cost(tmp, args.store, rng, vocab, weights)
                print(f"store cost ({args.store} articles through ArticleWriter): index on "
                      f"{on:.2f} ms/article, off {off:.2f} ms/article, +{on - off:.2f} ms "
                      f"({on / off:.2f}x)")
            return
        ours, plain = build_rates(path, args.n, not args.no_plain)
        if not args.no_vacuum:
            conn = sqlite3.connect(path)
            conn.execute("VACUUM")
            conn.close()
        if plain is None:
            print(f"index build: {ours:,.0f} articles/s (plain FTS5 baseline skipped)")
        else:
            print(f"index build: {ours:,.0f} articles/s (plain FTS5 of the raw text: "
                  f"{plain:,.0f} articles/s, ratio {plain / ours:.1f}x)")
        print(f"database: {size0 / 2**20:.0f} MB without indexes, "
              f"{path.stat().st_size / 2**20:.0f} MB with article_search and plain_search")
        latencies(path, args.repeat, not args.no_plain)
        if args.store <= 0:
            return
        on, off = store_cost(tmp, args.store, rng, vocab, weights)
        print(f"store cost ({args.store} articles through ArticleWriter): index on "
              f"{on:.2f} ms/article, off {off:.2f} ms/article, +{on - off:.2f} ms "
              f"({on / off:.2f}x)")


if __name__ == "__main__":
    main()
