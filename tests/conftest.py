"""Test-wide setup: the crawls of the suite run against loopback webs.

``crawler.netguard`` refuses loopback unless ``CIVMON_ALLOW_LOOPBACK`` allows it;
the in-process crawls of the suite read it from the environment (subprocess crawls
inherit it).  Tests of the guard itself set the setting explicitly.
"""

from __future__ import annotations

import os

os.environ.setdefault("CIVMON_ALLOW_LOOPBACK", "1")
