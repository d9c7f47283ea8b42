"""Helpers of the report tests: the demo database (one real ``civmon demo`` per test
process, shared by test_report.py and test_report_browser.py) and a parser of the
report's HTML tables and SVG marks."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_BUILT: dict[str, Path] = {}


def demo_database() -> Path:
    """The sample web crawled by ``civmon demo`` (built on first use, removed at exit).

    Callers copy it before changing it."""
    if "db" not in _BUILT:
        tmp = Path(tempfile.mkdtemp(prefix="civmon-report-"))
        atexit.register(shutil.rmtree, tmp, True)
        db = tmp / "demo.sqlite"
        proc = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--db", str(db),
                               "--port", "0"], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        _BUILT["db"] = db
    return _BUILT["db"]


class ReportPage(HTMLParser):
    """The tables (id -> header, rows) and SVG marks (chart id -> tooltips) of a report."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, tuple[list[str], list[list[str]]]] = {}
        self.marks: dict[str, list[str]] = {}
        self.svgs: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, attribute, value) of every tag
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._svg: str | None = None
        self._mark_title: list[str] | None = None
        self._in_mark = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.attrs.extend((tag, k, v) for k, v in a.items())
        if tag == "table":
            self._table = a.get("id", "")
            self.tables[self._table] = ([], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "svg":
            self._svg = a.get("id", "")
            self.svgs.append(self._svg)
            self.marks[self._svg] = []
        elif tag == "rect" and self._svg is not None and "mark" in a.get("class", "").split():
            self._in_mark = True
        elif tag == "title" and self._in_mark:
            self._mark_title = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            header, rows = self.tables[self._table]
            if not header:
                header.extend(self._row)
            else:
                rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "title" and self._mark_title is not None and self._svg is not None:
            self.marks[self._svg].append("".join(self._mark_title))
            self._mark_title = None
        elif tag == "rect":
            self._in_mark = False
        elif tag == "svg":
            self._svg = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._mark_title is not None:
            self._mark_title.append(data)

    def column(self, table: str, name: str) -> dict[str, int]:
        """{first cell: int(cell of column ``name``)} of a table."""
        header, rows = self.tables[table]
        i = header.index(name)
        return {r[0]: int(r[i]) for r in rows}
