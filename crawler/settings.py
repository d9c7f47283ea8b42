"""Scrapy settings of the civmon project (``scrapy.cfg`` points here).

civmon's own settings share the ``CIVMON_`` prefix; override any of them with
``civmon crawl -s NAME=VALUE`` or ``scrapy crawl news -s NAME=VALUE``:

- ``CIVMON_SOURCES``: registry file (empty: the packaged ``crawler/sources.toml``)
- ``CIVMON_DB``: database path or SQLAlchemy URL (empty: ``data/civmon.sqlite``)
- ``CIVMON_CLOCK``: ISO 8601 instant used as the fetch time (empty: the clock)
- ``CIVMON_SKIP_KNOWN``: skip article URLs already stored (default True)
- ``CIVMON_COMMIT_EVERY``: store batch size (default 50)
- ``CIVMON_DATE_MAX_SKEW_MINUTES``: how far past the fetch time a date may lie
- ``CIVMON_LOCK``: refuse to run two crawls on one database at once (default True)
- ``CIVMON_RELEVANCE_THRESHOLD``: score an article needs to be relevant (empty: the
  ``[scoring] threshold`` of ``pipelines/rules/relevance/terms.toml``)
- ``CIVMON_RELEVANCE_RULES``: folder of relevance rules files replacing the packaged
  ones of the same name (empty: the packaged rules; see docs/relevance.md)
"""

BOT_NAME = "civmon"
SPIDER_MODULES = ["crawler.spiders"]
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
RANDOMIZE_DOWNLOAD_DELAY = True
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

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.dates.DatesPipeline": 200,
    "pipelines.relevance.RelevancePipeline": 300,
    "pipelines.dedup.DedupPipeline": 400,
    "pipelines.store.StorePipeline": 500,
}
EXTENSIONS = {
    "crawler.runs.CrawlRunRecorder": 100,
}
