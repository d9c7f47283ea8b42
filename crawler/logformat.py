"""Log lines for unattended crawls: short, one per event, no item dumps.

Scrapy's default formatter prints the whole item (the page's HTML) when a
pipeline drops it, and a download error for every failed request on top of
the spider's own line; a nightly log then drowns the one line that matters.
``QuietLogFormatter`` logs a drop as its reason alone, and leaves download
errors to the spider's errback (which logs the cause once, at WARNING for a
network error, without a traceback).

Enabled by ``LOG_FORMATTER`` in crawler/settings.py.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class QuietLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any):
        result = super().dropped(item, exception, response, spider)
        return {"level": result["level"], "msg": "Dropped: %(exception)s",
                "args": {"exception": exception}}

    def download_error(self, failure, request, spider, errmsg=None):
        result = super().download_error(failure, request, spider, errmsg)
        result["level"] = logging.DEBUG  # the spider's errback reports it, once
        return result

    def item_error(self, item, exception, response, spider):
        result = super().item_error(item, exception, response, spider)
        result["args"] = {**result["args"], "item": getattr(item, "url", type(item).__name__)}
        return result


#: Scrapy loggers that report a failed download with a traceback at ERROR.
NETWORK_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.downloadermiddlewares.retry",
                   "scrapy.core.scraper", "scrapy.core.engine")


class NetworkErrorFilter(logging.Filter):
    """An unreachable host is the web being the web: WARNING, one line, no traceback.

    Applies to records about download failures (connection refused, DNS, timeouts,
    resets); the spider's own line says which source and URL failed, and a
    broken source is still reported at ERROR by the run recorder.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        network = exc is not None and _is_network_error(exc)
        if network or record.getMessage().startswith("Gave up retrying"):
            record.exc_info, record.exc_text = None, None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _is_network_error(exc: BaseException) -> bool:
    from twisted.internet import error as net
    from twisted.web._newclient import ResponseFailed

    names = type(exc).__name__
    return (isinstance(exc, net.ConnectError | net.TimeoutError | net.DNSLookupError
                       | ResponseFailed | TimeoutError | ConnectionError)
            or (names.startswith("Download") and names.endswith("Error")))


def install_network_filter() -> None:
    """Attach NetworkErrorFilter to Scrapy's download-reporting loggers (idempotent)."""
    for name in NETWORK_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NetworkErrorFilter) for f in logger.filters):
            logger.addFilter(NetworkErrorFilter())
