"""Imported once by the page pool's fork server (``pipelines.pool``): loads the chain.

The fork server imports this module before it forks any worker, so trafilatura,
the language identifier, dateparser and the lexicons are loaded once and every
worker (and every replacement of a killed one) starts warm, sharing those pages
with the server instead of loading them again.  A failure here only costs the
speed-up: each worker then warms up on its own.
"""

from __future__ import annotations

import logging

try:
    from pipelines.pool import _warm_up
    from pipelines.relevance import load_rules

    load_rules(None)
    _warm_up()
    import gc

    gc.freeze()  # what is loaded now stays shared: the workers' collector leaves it alone
except Exception:  # the workers warm up themselves, and report real errors there
    logging.getLogger(__name__).debug("fork server warm-up failed", exc_info=True)
