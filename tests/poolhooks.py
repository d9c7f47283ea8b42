"""Page handlers for tests of the worker pool (``CIVMON_PAGE_HANDLER``, pipelines.pool).

Imported by worker processes, so this module imports nothing from the test suite.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pipelines.pool import PageTask, run_page


def crash_on_marker(task: PageTask) -> Any:
    """The real chain, except that a page whose URL holds ``crash-me`` kills its worker."""
    if "crash-me" in task.url:
        os._exit(3)
    return run_page(task)


def echo(task: Any) -> Any:
    """``("echo", task, pid)``; ``"exit"`` ends the worker, ``("sleep", s)`` sleeps."""
    if task == "exit":
        os._exit(7)
    if isinstance(task, tuple) and task[0] == "sleep":
        time.sleep(task[1])
    if task == "raise":
        raise ValueError("a handler failed")
    return ("echo", task, os.getpid()), {}


echo.needs_chain = False  # type: ignore[attr-defined]


def wait_for_next(task: Any) -> Any:
    """``("echo", task, saw_next)``: answers once the next task is in this worker's
    inbox (``saw_next`` True), or after 3 s without one (False)."""
    from pipelines import pool

    deadline = time.monotonic() + 3.0
    while pool._INBOX.qsize() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return ("echo", task, pool._INBOX.qsize() > 0), {}


wait_for_next.needs_chain = False  # type: ignore[attr-defined]
