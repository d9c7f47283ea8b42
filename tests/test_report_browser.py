"""`civmon report` in a real headless browser (Debian's ``chromium``; .ci/run installs it).

Writes the report of the demo database, opens the file in headless Chromium
with no network, and checks that the page's script ran (a "Copy as TSV"
button before every table, the ready mark on <html>), that every chart has
data marks in the rendered DOM, that a screenshot shows the charts' colours
(the bars were painted, not just present in the markup), and that the page
logged nothing to the console (no error, no uncaught exception).  Skipped,
saying why, where Chromium is not installed.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from reportdb import ReportPage, demo_database

from crawler.cli import cli
from crawler.report import PALETTE

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHARTS = ("chart-country", "chart-source", "chart-topic", "chart-organisations",
          "chart-regions", "chart-stories")
WIDTH, HEIGHT = 1000, 900  # the header and the first chart (decoding is pure Python)


def _browser() -> str:
    for name in BROWSERS:
        if path := shutil.which(name):
            return path
    pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run tries it): "
                "the report's browser test needs a real headless browser")


def headless(page: Path, tmp: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    """Open ``page`` in a fresh headless Chromium profile; its console goes to stderr."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [_browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
           f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}",
           "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
           *mode, page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def console_lines(stderr: str, page: Path) -> list[str]:
    """What the page wrote to the console (Chromium logs it as CONSOLE lines with the
    page's URL as their source), errors and uncaught exceptions included."""
    return [line for line in stderr.splitlines()
            if ":CONSOLE" in line and (page.as_uri() in line or "Uncaught" in line)]


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = colour = 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"PNG depth {depth} colour type {colour}"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:
                                                          (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)
                           ) & 0xFF
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return width, height, pixels


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    _browser()  # skip before building anything
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(demo_database()), "-o", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return out


def test_script_ran_and_every_chart_has_marks_in_the_rendered_dom(page: Path,
                                                                   tmp_path: Path) -> None:
    proc = headless(page, tmp_path, "--dump-dom")
    dom = proc.stdout
    assert re.search(r'<html[^>]*data-report-ready="1"', dom), "the page's script did not finish"
    rendered = ReportPage(dom)
    tables = [t for t in rendered.tables if t.startswith("table-")]
    assert len(tables) == len(CHARTS)
    assert dom.count('class="copy"') == len(tables), "one Copy-as-TSV button per table"
    for chart in CHARTS:
        assert rendered.marks.get(chart), f"{chart}: no data marks after the page loaded"
    assert console_lines(proc.stderr, page) == []


def test_screenshot_shows_the_charts_and_the_console_is_clean(page: Path,
                                                              tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = headless(page, tmp_path, f"--screenshot={shot}")
    assert console_lines(proc.stderr, page) == []
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    colours = Counter(pixels)
    assert len(colours) > 50, "the screenshot is (nearly) one colour"
    white = colours[(255, 255, 255)]
    assert white < 0.97 * len(pixels), "the screenshot is (nearly) blank"
    # the bars were painted: the series colours fill whole areas, not a stray pixel
    assert colours[_rgb(PALETTE[0])] > 500, "no first-series bars painted"
    assert colours[_rgb(PALETTE[1])] > 100, "no second-series segments painted"


def test_console_check_catches_a_page_error(tmp_path: Path) -> None:
    """The console check above can fail: a page that throws is caught by it."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><p>x</p><script>null.f();</script>"
                   "</body></html>", encoding="utf-8")
    proc = headless(bad, tmp_path, "--dump-dom")
    lines = console_lines(proc.stderr, bad)
    assert lines and "Uncaught TypeError" in lines[0]
