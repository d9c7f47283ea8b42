"""``scrapy crawl news``, with civmon's pre-flight checks and exit statuses.

Replaces Scrapy's own ``crawl`` command (same options): before the crawler
process is built (and logs its banner) it runs crawler.preflight on the ``-s``
values, the registry, the ``-a source=`` ids and the database, and checks the
one-crawl lock; a problem is the one ``civmon: error:`` line on stderr, with
exit status 2 (3 for the lock), instead of a traceback.  After the run, the
exit status follows crawler.exitcodes.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.settings import SETTINGS_PRIORITIES

from crawler import exitcodes


class Command(ScrapyCrawl):
    def process_options(self, args, opts) -> None:
        """Apply the options, then check them: before Scrapy builds its crawler
        process (and logs its start-up banner), so a bad input is the only line."""
        super().process_options(args, opts)
        if args and args[0] == "news":
            code = self._preflight(opts)
            if code:
                raise SystemExit(code)

    def _preflight(self, opts) -> int:
        from crawler.preflight import PreflightError, preflight
        from crawler.runs import RunLock, RunLockedError

        settings = self.settings
        assert settings is not None
        ids = [s for s in (opts.spargs.get("source") or "").split(",") if s.strip()]
        # the -s values are the ones at "cmdline" priority
        given = {k: settings[k] for k in settings
                 if settings.getpriority(k) == SETTINGS_PRIORITIES["cmdline"]}
        given.setdefault("CIVMON_SOURCES", settings.get("CIVMON_SOURCES"))
        given.setdefault("CIVMON_DB", settings.get("CIVMON_DB"))
        try:
            preflight(ids, given)
            if settings.getbool("CIVMON_LOCK", True):
                with RunLock(settings.get("CIVMON_DB") or None):
                    pass
        except PreflightError as exc:
            print(f"civmon: error: {exc}", file=sys.stderr)
            return exitcodes.USAGE
        except RunLockedError as exc:
            print(f"civmon: error: {exc}", file=sys.stderr)
            return exitcodes.LOCKED
        return 0

    def run(self, args, opts) -> None:
        self._crawler = None
        super().run(args, opts)
        crawler = self._crawler
        if self.exitcode == 0 and crawler is not None and args[0] == "news":
            status = (crawler.stats.get_value("civmon/run_status", "interrupted")
                      if crawler.stats else "interrupted")
            self.exitcode = exitcodes.for_status(status)

    def _create_crawler(self, spidercls):
        self._crawler = super()._create_crawler(spidercls)
        return self._crawler
