"""Scrapy settings of the civmon project (``scrapy.cfg`` points here).

civmon's own settings share the ``CIVMON_`` prefix; override any of them with
``civmon crawl -s NAME=VALUE`` or ``scrapy crawl news -s NAME=VALUE``:

- ``CIVMON_SOURCES``: registry file (empty: the packaged ``crawler/sources.toml``)
- ``CIVMON_DB``: database path or SQLAlchemy URL (empty: ``data/civmon.sqlite``)
- ``CIVMON_CLOCK``: ISO 8601 instant used as the fetch time (empty: the clock)
- ``CIVMON_SKIP_KNOWN``: skip article URLs already stored (default True)
- ``CIVMON_COMMIT_EVERY``: store batch size (default 50)
- ``CIVMON_COMMIT_SECONDS``: longest a stored item waits for its commit (default 2);
  also how often a running crawl checkpoints its fault counts (``crawl_run_faults``)
- ``CIVMON_MAX_HTML_BYTES``: pages larger than this are recorded, not parsed (default 5 MB)
- ``CIVMON_REVISIT_DAYS``: revisit articles fetched this many days back (0: off)
- ``CIVMON_REVISIT_MAX``: at most this many revisits per source and run
- ``CIVMON_STOP_PAGING_KNOWN``: stop paging a listing at a page of only known links
- ``CIVMON_WORKERS``: page-processing worker processes (default 0: one per core; 1
  with ``CIVMON_PAGE_TIMEOUT=0``: in the Scrapy process; ``pipelines.pool``)
- ``CIVMON_PAGE_TIMEOUT``: seconds one page's processing may take before it is
  abandoned and failed as ``extraction_timeout`` (default 30; 0: no limit)
- ``CIVMON_DATE_MAX_SKEW_MINUTES``: how far past the fetch time a date may lie
- ``CIVMON_LOCK``: refuse to run two crawls on one database at once (default True)
- ``CIVMON_ALLOW_LOOPBACK``: loopback addresses the crawl may connect to: true, or a
  list such as ``127.0.0.41,127.0.1.0/24`` (default empty: the environment variable
  of that name, else none; private addresses never: ``crawler.netguard``)
- ``CIVMON_DEDUP_*``, ``CIVMON_NEAR_DUP_*``, ``CIVMON_STORY_*``: reprint and story
  thresholds and the window (``pipelines.linking``; docs/database.md)
- ``CIVMON_RELEVANCE_THRESHOLD``: score an article needs to be relevant (empty: the
  ``[scoring] threshold`` of ``pipelines/rules/relevance/terms.toml``)
- ``CIVMON_RELEVANCE_RULES``: folder of relevance rules files replacing the packaged
  ones of the same name (empty: the packaged rules; see docs/relevance.md)
"""

BOT_NAME = "civmon"
SPIDER_MODULES = ["crawler.spiders"]
# `scrapy crawl` with civmon's pre-flight checks and exit statuses (crawler/commands/crawl.py)
COMMANDS_MODULE = "crawler.commands"
NEWSPIDER_MODULE = "crawler.spiders"

# A research crawler identifies itself; sources that need a browser-like
# User-Agent (azertag.az answers 400 otherwise) set `user_agent` in the registry.
USER_AGENT = "civmon/0.1 (civil-society news monitor; research crawler)"
ROBOTSTXT_OBEY = True

# Politeness: one download slot per host (Scrapy's default slot key), a small
# fixed delay and AutoThrottle adapting to each site's latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
# (the delay is randomised by Scrapy's default; naming RANDOMIZE_DOWNLOAD_DELAY
# here would only print a deprecation warning on Scrapy 2.19+)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Every crawl ends: a dead site costs at most the timeouts, a huge one the
# overall bound (a nightly job must be done by morning).
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
CLOSESPIDER_TIMEOUT = 4 * 3600
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
# Truncated bodies (cut gzip, Content-Length mismatch, dataloss) are retried, then failed
# with the reason; 595 = just before HttpCompressionMiddleware sees the response.
# Private addresses (loopback unless CIVMON_ALLOW_LOOPBACK) are refused before any
# connection, robots.txt included: 60 = before RobotsTxtMiddleware (crawler/netguard.py).
DOWNLOADER_MIDDLEWARES = {"crawler.netguard.PrivateAddressMiddleware": 60,
                          # between HttpCompression (590) and MetaRefresh (580), which
                          # reads response.text: a charset=base64 raised LookupError there
                          "crawler.integrity.TextCodecMiddleware": 585,
                          "crawler.integrity.TruncatedBodyMiddleware": 595}

# Neither a telnet console nor Scrapy's remote-control HTTP endpoint (both run
# Python on request) belongs in an unattended nightly job.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformat.QuietLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"

ITEM_PIPELINES = {
    # page processing in worker processes (CIVMON_WORKERS, CIVMON_PAGE_TIMEOUT)
    "pipelines.pool.PoolPipeline": 50,
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.dates.DatesPipeline": 200,
    "pipelines.relevance.RelevancePipeline": 300,
    "pipelines.dedup.DedupPipeline": 400,
    "pipelines.store.StorePipeline": 500,
}
# civmon's own settings, with their defaults (crawler.preflight type-checks `-s` values
# against these).
CIVMON_SOURCES = ""
CIVMON_DB = ""
CIVMON_CLOCK = ""
CIVMON_SKIP_KNOWN = True
CIVMON_COMMIT_EVERY = 50
CIVMON_COMMIT_SECONDS = 2.0
CIVMON_DATE_MAX_SKEW_MINUTES = 15
CIVMON_LOCK = True
CIVMON_ALLOW_LOOPBACK = ""
CIVMON_COMMAND = ""
# Extraction is superlinear in page size (20 MB took 49 s): a news article is
# well under 1 MB, so anything past 5 MB is a broken or hostile page.
CIVMON_MAX_HTML_BYTES = 5 * 1024 * 1024
CIVMON_REVISIT_DAYS = 2
CIVMON_REVISIT_MAX = 100
CIVMON_STOP_PAGING_KNOWN = True
# Page processing (pipelines.pool): worker processes (0: one per core; 1 with no page
# time limit: in the Scrapy process) and the seconds one page may take (0: no limit).
CIVMON_WORKERS = 0
CIVMON_PAGE_TIMEOUT = 30.0
# Tests only: `module.function` run by the workers instead of the chain (pipelines.pool).
CIVMON_PAGE_HANDLER = ""

# Relevance (pipelines.relevance); empty: the packaged rules and their threshold.
CIVMON_RELEVANCE_THRESHOLD = ""
CIVMON_RELEVANCE_RULES = ""

# Reprint and story thresholds (pipelines.linking.SETTINGS, docs/database.md);
# empty: the built-in value.
CIVMON_DEDUP_WINDOW_DAYS = ""
CIVMON_DEDUP_DAYS_HELD = ""
CIVMON_NEAR_DUP_CONTAINED = ""
CIVMON_NEAR_DUP_BOTH = ""
CIVMON_NEAR_DUP_MIN_SHINGLES = ""
CIVMON_NEAR_DUP_NOVEL = ""
CIVMON_STORY_WINDOW_DAYS = ""
CIVMON_STORY_MIN_SHARED = ""
CIVMON_STORY_MIN_RARE = ""
CIVMON_STORY_SCORE = ""
CIVMON_STORY_CREDITED_SCORE = ""

EXTENSIONS = {
    "crawler.runs.CrawlRunRecorder": 100,
}
