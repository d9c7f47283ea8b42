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
