"""Page processing in worker processes: both cores, a time limit per page, crash isolation.

A crawl reads pages in the Scrapy process (one core: downloads, the reactor, the
store); extraction, dates, relevance and the dedup keys (``pipelines.chain``'s
stages, what ``run_chain`` does) are CPU work that can run elsewhere.
:class:`PoolPipeline` is the first item pipeline: it hands each page to a
:class:`PagePool` of worker processes and returns a Deferred, so the reactor
keeps downloading while the workers extract.  The stage wrappers after it
(``ExtractPipeline`` ... ``DedupPipeline``) find each stage's decision on the
item (``ArticleItem.decided``) and only count; the dedup decision and the store
stay in the Scrapy process, in one place, as in a one-process run.

Each worker holds up to :data:`PIPELINE_DEPTH` pages (the next one waits in its
pipe, read by a thread in the worker, while it processes the current one), so a
worker never sits idle while the Scrapy process, busy on the reactor and the store
and holding the GIL, gets round to reading a result and sending the next page.

Results are released in the order the pages entered the pool (a reorder
buffer), so the store sees the items in the order the spider produced them, as
it would in-process: a pool of N gives the same rows as a pool of 1.

Settings (``crawler/settings.py``):

* ``CIVMON_WORKERS``: worker processes (0, the default: one per core available
  to this process).  ``1`` with ``CIVMON_PAGE_TIMEOUT=0`` processes pages in the
  Scrapy process, as before the pool existed.
* ``CIVMON_PAGE_HANDLER``: tests only: ``module.function`` a worker runs on each
  ``PageTask`` instead of :func:`run_page` (tests/poolhooks.py crashes a worker
  with it); empty in any real crawl.
* ``CIVMON_PAGE_TIMEOUT``: seconds one page may take (default 30; 0: no limit).
  A page over it is abandoned: its worker is killed and replaced, the page is
  recorded as failed (fault kind ``extraction_timeout``).  The limit needs a
  process to kill, so with ``CIVMON_WORKERS=1`` and a limit the page runs in one
  worker process: a Python thread cannot be stopped, and an alarm signal would
  neither interrupt lxml's C code nor free the reactor while it waits.

A worker that dies on a page (segfault, ``os._exit``, killed by the OOM
killer) costs that page only: it is recorded as failed (fault kind
``worker_crash``, with its URL in ``crawl_run_failures``), the worker is
replaced and the crawl goes on.  Workers start once per crawl (``forkserver``:
forked from a server that imported the chain once, never from the Scrapy
process with its reactor and sockets) and warm up trafilatura, the language
identifier and the lexicons before the first page.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from crawler.registry import Source
    from pipelines.items import ArticleItem

logger = logging.getLogger(__name__)

#: The failure messages the spider records; ``crawler.faultkinds`` names their kinds.
TIMEOUT_ERROR = "extraction timed out"
CRASH_ERROR = "worker process crashed"


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ChainOptions:
    """What the stages read from the settings (sent to each worker once)."""

    max_skew: timedelta
    threshold: float | None = None
    rules_dir: str | None = None


@dataclass
class PageTask:
    """One page for a worker: the fetch fields of an ``ArticleItem``."""

    source_id: str
    url: str
    html: str
    fetched_at: datetime
    discovered_via: str = ""
    discovery_date: str | None = None
    source: Source | None = None
    """Sent only when the worker was not given this source at start."""


@dataclass
class PageOutcome:
    """What came back for one page: ``kind`` is ``ok``, ``timeout`` or ``crash``."""

    kind: str
    item: ArticleItem | None = None
    """The filled item (no html, no source) when ``ok``."""
    decided: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0


# -- the worker side --------------------------------------------------------------------

_SOURCES: dict[str, Source] = {}
_EOF = "civmon-pool: the pipe closed"
_INBOX: queue.SimpleQueue[Any] = queue.SimpleQueue()
"""A worker's tasks received and not yet started (filled by its reader thread)."""
_OPTIONS: ChainOptions | None = None
_RULES: Any = None


def run_page(task: PageTask) -> tuple[ArticleItem, dict[str, Any]]:
    """The chain's stages on one page, as the crawl's wrappers would run them in turn.

    Stops after extraction when the page holds no article (``ExtractPipeline``
    drops it then).  Adds the linker's inputs (``chain.linker_inputs``: fingerprint,
    MinHash), which need only the page, so the store only decides.  Returns the
    filled item without its html and source, and each stage's decision, ready to be
    pickled back.
    """
    from pipelines.chain import (
        dates_stage,
        extract_stage,
        keys_stage,
        linker_inputs,
        relevance_stage,
    )
    from pipelines.items import ArticleItem

    options = _OPTIONS or ChainOptions(max_skew=timedelta(minutes=15))
    source = task.source if task.source is not None else _SOURCES.get(task.source_id)
    item = ArticleItem(source_id=task.source_id, url=task.url, html=task.html,
                       fetched_at=task.fetched_at, source=source,
                       discovered_via=task.discovered_via, discovery_date=task.discovery_date)
    decided: dict[str, Any] = {"extract": extract_stage(item)}
    article = decided["extract"]
    if article.text and not article.explain.get("error"):
        decided["dates"] = dates_stage(item, max_skew=options.max_skew)
        decided["relevance"] = relevance_stage(item, threshold=options.threshold, rules=_RULES)
        keys_stage(item)
        decided["keys"] = None
        linker_inputs(item)  # the linker's per-page work, here rather than in the store
    item.html, item.source = "", None
    if item.relevance is not None:  # the Scrapy process has the same rules loaded
        item.relevance = decided["relevance"] = replace(item.relevance, rules=None)
    return item, decided


def _worker_main(conn: Connection, sources: dict[str, Source], options: ChainOptions,
                 handler: str | None) -> None:
    """A worker's loop: warm up, then one task in, one result out, until None."""
    global _OPTIONS, _RULES
    import importlib
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the Scrapy process's business
    _SOURCES.update(sources)
    _OPTIONS = options
    func = run_page
    if handler:  # tests: another function in place of run_page (CIVMON_PAGE_HANDLER)
        module, _, name = handler.rpartition(".")
        func = getattr(importlib.import_module(module), name)
    if getattr(func, "needs_chain", True):  # a test handler may say it does not
        from pipelines.relevance import load_rules

        _RULES = load_rules(options.rules_dir)
        _warm_up()
    conn.send(("ready", os.getpid()))
    # A reader thread takes tasks off the pipe as soon as they come, so the Scrapy
    # process can queue the next page while this one is processed (``PIPELINE_DEPTH``)
    # and its send never waits on this process's own send of a result.
    inbox = _INBOX

    def read() -> None:
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                inbox.put(_EOF)
                return
            inbox.put(task)
            if task is None:
                return

    threading.Thread(target=read, name="civmon-worker-inbox", daemon=True).start()
    while True:
        task = inbox.get()
        if task is _EOF:
            return
        if task is None:  # finish: report this process's whole CPU time and peak memory
            import resource

            ru = resource.getrusage(resource.RUSAGE_SELF)
            conn.send(("bye", ru.ru_utime + ru.ru_stime, ru.ru_maxrss))
            return
        started = time.process_time()
        try:
            result = func(task)
            conn.send(("ok", result, time.process_time() - started))
        except Exception as exc:  # the chain catches its own; anything else is reported
            conn.send(("error", f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                       time.process_time() - started))


def _warm_up() -> None:
    """Load trafilatura's, the language identifier's and the lexicons' data now."""
    from datetime import UTC

    from pipelines.chain import process_page

    sentence = "Общественный совет обсудил гранты неправительственным организациям. "
    process_page(f"<html><body><article><p>{sentence * 12}</p></article></body></html>",
                 url="http://localhost/warm-up", source=None, now=datetime.now(UTC))


# -- the Scrapy-process side ------------------------------------------------------------

_CONTEXT: Any = None


def _context() -> Any:
    """The ``forkserver`` context, its server warmed up once (``pipelines.poolwarm``);
    ``spawn`` where there is no fork server."""
    global _CONTEXT
    if _CONTEXT is None:
        try:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pipelines.pool", "pipelines.poolwarm"])
        except ValueError:
            ctx = multiprocessing.get_context("spawn")
        _CONTEXT = ctx
    return _CONTEXT


#: Tasks sent to one worker and not yet answered: the next page waits in the worker's
#: pipe while it processes the current one, so the worker never idles while the
#: Scrapy process (busy on the reactor and the store, holding the GIL) gets round to
#: reading a result and sending the next page.  With one task at a time a worker
#: waited for that round trip after every page (issue 12: 1.2 cores of 2).
PIPELINE_DEPTH = 2


@dataclass
class _Job:
    task: Any
    future: Future[PageOutcome]


class Worker:
    """One worker process and its pipe, driven by one pool thread (:meth:`serve`)."""

    def __init__(self, sources: dict[str, Source], options: ChainOptions,
                 handler: str | None = None, depth: int = PIPELINE_DEPTH) -> None:
        self.sources, self.options, self.handler = sources, options, handler
        self.depth = max(1, depth)
        self.process: Any = None
        self.conn: Connection | None = None
        self.pages = 0
        self.restarts = 0
        self.cpu = 0.0
        """CPU seconds of the tasks run (all this worker's processes)."""
        self.total_cpu = 0.0
        """The last process's whole CPU time (warm-up included), reported at close."""
        self.maxrss_kb = 0

    def start(self, wait: float = 300.0) -> None:
        ctx = _context()
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, name="civmon-worker", daemon=True,
                                   args=(child, self.sources, self.options, self.handler))
        self.process.start()
        child.close()
        self.conn = parent
        if not parent.poll(wait):
            self.stop()
            raise RuntimeError(f"page worker did not start within {wait:.0f} s")
        try:
            parent.recv()  # ("ready", pid)
        except (EOFError, OSError):
            code = self.process.exitcode
            self.stop()
            raise RuntimeError(f"page worker exited while starting (status {code})") from None

    def serve(self, jobs: queue.SimpleQueue[_Job | None], timeout: float | None) -> None:
        """The pool thread's loop: keep up to ``depth`` jobs in the worker, answer each.

        The worker answers in the order it was sent the tasks, so an answer (or a
        crash, or the time limit) always concerns the oldest job sent.  Its time
        limit runs from when the worker could start it: when it was sent, or when
        the job before it was answered.  A crash or a timeout costs that job only:
        the worker is replaced and the jobs queued behind it are sent to the new one.
        Ends after the ``None`` that ``PagePool.close`` queues, once every job sent
        has been answered.
        """
        sent: deque[_Job] = deque()
        again: deque[_Job] = deque()  # queued behind a lost job: to send to the replacement
        head_started = 0.0
        closing = False
        while True:
            while len(sent) < self.depth and (again or not closing):
                if again:
                    job = again.popleft()
                else:
                    try:
                        job = jobs.get(block=not sent)
                    except queue.Empty:
                        break
                    if job is None:
                        closing = True
                        continue
                    if not job.future.set_running_or_notify_cancel():
                        continue  # cancelled while it waited
                if self.conn is None:
                    try:
                        self.start()
                    except Exception as exc:  # no worker: this job is lost, said so
                        job.future.set_result(PageOutcome("crash", detail=f"{CRASH_ERROR} ({exc})"))
                        continue
                try:
                    assert self.conn is not None
                    self.conn.send(job.task)
                except (EOFError, OSError, BrokenPipeError) as exc:
                    # dead before it read this task: the oldest job sent is the one it died on
                    sent.append(job)
                    self._lose(sent, again, self._crashed(type(exc).__name__, head_started))
                    continue
                if not sent:
                    head_started = time.monotonic()
                sent.append(job)
            if not sent:
                if closing and not again:
                    return
                continue
            outcome = self._answer(head_started, timeout)
            if outcome.kind in ("timeout", "crash"):
                self._lose(sent, again, outcome)
                continue
            sent.popleft().future.set_result(outcome)
            head_started = time.monotonic()

    def _answer(self, head_started: float, timeout: float | None) -> PageOutcome:
        """Wait for the oldest task's result, until its time limit."""
        assert self.conn is not None
        try:
            left = None if timeout is None else max(0.0, head_started + timeout - time.monotonic())
            ready = self.conn.poll(left)
        except (EOFError, OSError) as exc:
            return self._crashed(type(exc).__name__, head_started)
        if not ready:
            return PageOutcome("timeout", seconds=time.monotonic() - head_started,
                               detail=f"{TIMEOUT_ERROR} after {timeout:g} s")
        try:
            message = self.conn.recv()
        except (EOFError, OSError):
            return self._crashed("", head_started)
        elapsed = time.monotonic() - head_started
        self.pages += 1
        self.cpu += message[-1]
        if message[0] == "ok":
            return PageOutcome("ok", *message[1], seconds=elapsed)
        return PageOutcome("error", detail=message[1], seconds=elapsed)

    def _lose(self, sent: deque[_Job], again: deque[_Job], outcome: PageOutcome) -> None:
        """The oldest job sent gets ``outcome``; the worker is replaced, the rest resent."""
        self.restarts += 1
        self.stop()
        lost = sent.popleft()
        again.extendleft(reversed(sent))
        sent.clear()
        lost.future.set_result(outcome)

    def _crashed(self, why: str, started: float) -> PageOutcome:
        if self.process is not None:
            self.process.join(5)
        code = self.process.exitcode if self.process is not None else None
        detail = f"{CRASH_ERROR} (exit status {code}{', ' + why if why else ''})"
        return PageOutcome("crash", detail=detail, seconds=time.monotonic() - started)

    def stop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
            self.process = None

    def close(self) -> None:
        """Ask the worker to finish, then make sure it has."""
        if self.conn is not None and self.process is not None and self.process.is_alive():
            with contextlib.suppress(OSError, BrokenPipeError, EOFError):
                self.conn.send(None)
                if self.conn.poll(5):
                    _, self.total_cpu, self.maxrss_kb = self.conn.recv()
            self.process.join(5)
        self.stop()


class PagePool:
    """``size`` worker processes, each driven by its own thread; ``submit`` -> Future.

    Jobs wait in one queue; each worker's thread keeps up to ``depth`` of them in
    its worker (:data:`PIPELINE_DEPTH`) and answers them in order, so a timeout or a
    crash is known to be the oldest one's, and only that worker is replaced.
    """

    def __init__(self, size: int, *, sources: dict[str, Source] | None = None,
                 options: ChainOptions | None = None, timeout: float | None = None,
                 handler: str | None = None, depth: int = PIPELINE_DEPTH) -> None:
        self.size = max(1, size)
        self.timeout = timeout if timeout else None
        options = options or ChainOptions(max_skew=timedelta(minutes=15))
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self.workers = [Worker(dict(sources or {}), options, handler, depth)
                        for _ in range(self.size)]
        starters = [threading.Thread(target=w.start, daemon=True) for w in self.workers]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if any(w.process is None for w in self.workers):
            self.close()
            raise RuntimeError("a page worker failed to start")
        self._threads = [threading.Thread(target=w.serve, args=(self._jobs, self.timeout),
                                          name="civmon-pool", daemon=True)
                         for w in self.workers]
        for t in self._threads:
            t.start()

    @property
    def restarts(self) -> int:
        """Workers replaced after a crash or a timeout."""
        return sum(w.restarts for w in self.workers)

    def submit(self, task: Any) -> Future[PageOutcome]:
        future: Future[PageOutcome] = Future()
        self._jobs.put(_Job(task, future))
        return future

    def cpu_seconds(self) -> float:
        """The workers' CPU time: whole processes when closed, else the tasks'."""
        return sum(max(w.cpu, w.total_cpu) for w in self.workers)

    def maxrss_kb(self) -> int:
        """The workers' peak resident memory, summed (after ``close``)."""
        return sum(w.maxrss_kb for w in self.workers)

    def close(self) -> None:
        """Finish the jobs submitted, then stop the workers."""
        for _ in self._threads:
            self._jobs.put(None)
        for t in self._threads:
            t.join()
        for w in self.workers:
            w.close()


# -- the Scrapy pipeline ----------------------------------------------------------------

#: What the spider fills on an item: the rest is the stages' (copied back from a worker).
_FETCH_FIELDS = frozenset({"source_id", "url", "html", "fetched_at", "source", "discovered_via",
                           "discovery_date", "discovery_title", "http_status", "encoding",
                           "decided"})


def _filled_fields() -> tuple[str, ...]:
    from dataclasses import fields

    from pipelines.items import ArticleItem

    return tuple(f.name for f in fields(ArticleItem) if f.name not in _FETCH_FIELDS)


_FILLED = _filled_fields()

def in_process(settings: Any) -> bool:
    """Whether pages are processed in the Scrapy process (no pool) under ``settings``."""
    return (pool_size(settings) == 1 and not settings.getfloat("CIVMON_PAGE_TIMEOUT", 30.0)
            and not settings.get("CIVMON_PAGE_HANDLER"))


def pool_size(settings: Any) -> int:
    """``CIVMON_WORKERS`` as a number of processes (0: one per core)."""
    n = settings.getint("CIVMON_WORKERS", 0)
    return n if n > 0 else default_workers()


class PoolPipeline:
    """Runs the chain's stages of each page in a :class:`PagePool`; first in ITEM_PIPELINES.

    In-process (``CIVMON_WORKERS=1`` and ``CIVMON_PAGE_TIMEOUT=0``) it passes
    items through untouched.  Otherwise the pool starts at ``open_spider`` (once
    per crawl) and stops at ``close_spider``.  Counts ``civmon/pool/*``:
    ``workers``, ``pages``, ``timeout``, ``crash``, ``error``, ``restarts``,
    ``worker_cpu_ms``.
    """

    def __init__(self, crawler: Any) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.size = pool_size(s)
        self.timeout = max(0.0, s.getfloat("CIVMON_PAGE_TIMEOUT", 30.0))
        self.handler = s.get("CIVMON_PAGE_HANDLER") or None
        self.in_process = in_process(s)
        raw = s.get("CIVMON_RELEVANCE_THRESHOLD")
        minutes = s.getint("CIVMON_DATE_MAX_SKEW_MINUTES", 15)
        self.options = ChainOptions(
            max_skew=timedelta(minutes=minutes),  # as DatesPipeline reads it
            threshold=float(raw) if raw not in (None, "") else None,
            rules_dir=s.get("CIVMON_RELEVANCE_RULES") or None)
        self.pool: PagePool | None = None
        self._next = 0        # sequence number of the next page submitted
        self._release = 0     # sequence number of the next result to hand on
        self._done: dict[int, tuple[Any, ArticleItem, PageOutcome]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> PoolPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        if self.in_process:
            return
        spider = self.crawler.spider
        sources = dict(getattr(spider, "sources", {}) or {})
        self.pool = PagePool(self.size, sources=sources, options=self.options,
                             timeout=self.timeout or None, handler=self.handler)
        self.stats.set_value("civmon/pool/workers", self.size)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.stats.set_value("civmon/pool/worker_cpu_ms",
                                 round(self.pool.cpu_seconds() * 1000))
            self.stats.set_value("civmon/pool/worker_maxrss_kb", self.pool.maxrss_kb())
            self.stats.set_value("civmon/pool/restarts", self.pool.restarts)
            self.pool = None

    async def process_item(self, item: ArticleItem) -> Any:
        if self.pool is None:
            return item
        from scrapy.utils.defer import maybe_deferred_to_future

        return await maybe_deferred_to_future(self._submit(item))

    def _submit(self, item: ArticleItem) -> Any:
        """Send one page to the pool; a Deferred fired (in submission order) with the item."""
        assert self.pool is not None
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        known = getattr(self.crawler.spider, "sources", {}) or {}
        task = PageTask(source_id=item.source_id, url=item.url, html=item.html,
                        fetched_at=item.fetched_at, discovered_via=item.discovered_via,
                        discovery_date=item.discovery_date,
                        source=None if item.source_id in known else item.source)
        seq, self._next = self._next, self._next + 1
        d: Deferred = Deferred()
        future = self.pool.submit(task)

        def arrived(f: Future[PageOutcome]) -> None:
            try:
                outcome = f.result()
            except Exception as exc:  # the pool itself failed: that page is lost, said so
                outcome = PageOutcome("crash", detail=f"{CRASH_ERROR} ({exc})")
            reactor.callFromThread(self._arrived, seq, d, item, outcome)

        future.add_done_callback(arrived)
        return d

    def _arrived(self, seq: int, d: Any, item: ArticleItem, outcome: PageOutcome) -> None:
        """Hand results on in submission order (the store sees the spider's order)."""
        self._done[seq] = (d, item, outcome)
        while self._release in self._done:
            d, item, outcome = self._done.pop(self._release)
            self._release += 1
            try:
                result = self._apply(item, outcome)
            except Exception as exc:  # DropItem, or a page lost with its reason
                d.errback(exc)
            else:
                d.callback(result)

    def _apply(self, item: ArticleItem, outcome: PageOutcome) -> ArticleItem:
        from scrapy.exceptions import DropItem

        self.stats.inc_value("civmon/pool/pages")
        if outcome.kind == "ok" and outcome.item is not None:
            filled = outcome.item
            relevance = outcome.decided.get("relevance")
            if relevance is not None:  # the rules stayed here; the store's tags read them
                from pipelines.relevance import load_rules

                filled.relevance = outcome.decided["relevance"] = replace(
                    relevance, rules=load_rules(self.options.rules_dir))
            for name in _FILLED:
                setattr(item, name, getattr(filled, name))
            item.decided = outcome.decided
            return item
        self.stats.inc_value(f"civmon/pool/{outcome.kind}")
        error = outcome.detail or outcome.kind
        if outcome.kind == "error":  # an exception outside the chain's own handling
            logger.error("page processing failed: %s: %s", item.url, error)
        spider = self.crawler.spider
        if hasattr(spider, "article_lost"):
            spider.article_lost(item.source_id, item.url, item.http_status, error,
                                via=item.discovered_via or None)
        raise DropItem(f"{error}: {item.url}")
