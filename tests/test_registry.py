"""The source registry: the packaged file is valid, and bad files give the promised errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run

from crawler.registry import RegistryError, load_registry

GOOD = """
[[sources]]
id = "demo-agency"
name = "Demo"
country = "KZ"
kind = "agency"
languages = ["ru", "kk"]
timezone = "Asia/Almaty"
feeds = ["https://example.kz/rss"]
article_url = ['/news/\\d+$']
selectors = { title = "h1.title", date = "//time/@datetime" }
established = 2001
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sources.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_packaged_registry_loads() -> None:
    reg = load_registry()
    ids = [s.id for s in reg]
    assert len(ids) == len(set(ids)) >= 15
    for s in reg:
        assert s.feeds or s.sitemaps or s.listings
        assert s.country in {"AZ", "KZ", "UZ", "KG", "TJ"}


def test_good_file_gives_typed_source(tmp_path: Path) -> None:
    src = load_registry(write(tmp_path, GOOD)).get("demo-agency")
    assert src.languages == ("ru", "kk") and src.language == "ru"
    assert src.is_article_url("https://example.kz/news/123")
    assert not src.is_article_url("https://example.kz/about")
    assert src.selectors.date == "//time/@datetime"
    assert src.domains() == ("example.kz",)
    assert src.established is not None and src.established.year == 2001


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('timezone = "Asia/Almaty"', 'timezone = "Asia/Kostanay"'),
         "source 'demo-agency': key 'timezone': 'Asia/Kostanay' is not an IANA time zone"),
        (("article_url = ['/news/\\d+$']", "article_url = ['/news/(\\d+$']"),
         "source 'demo-agency': key 'article_url': regex '/news/(\\\\d+$' does not compile"),
        (('feeds = ["https://example.kz/rss"]', ""),
         "source 'demo-agency': key 'feeds': no discovery list"),
        (('kind = "agency"', 'kind = "blog"'),
         "source 'demo-agency': key 'kind': 'blog' is not one of agency, government"),
        (('country = "KZ"', 'country = "Kazakhstan"'),
         "source 'demo-agency': key 'country': 'Kazakhstan' is not an ISO 3166-1"),
        (('languages = ["ru", "kk"]', 'languages = ["russian"]'),
         "source 'demo-agency': key 'languages': 'russian' is not an ISO 639-1 code"),
        (('name = "Demo"', 'name = "Demo"\nfeed = ["x"]'),
         "source 'demo-agency': key 'feed': unknown key"),
        (('feeds = ["https://example.kz/rss"]', 'feeds = ["/rss"]'),
         "source 'demo-agency': key 'feeds': '/rss' is not an absolute http(s) URL"),
        (('name = "Demo"', ''), "source 'demo-agency': key 'name': missing (required)"),
        (('established = 2001', 'max_pages = 0'),
         "source 'demo-agency': key 'max_pages': must be a positive integer"),
        (('title = "h1.title"', 'bodi = "div"'),
         "source 'demo-agency': key 'selectors.bodi': unknown key"),
        (('established = 2001', 'prune = ["div[["]'),
         "source 'demo-agency': key 'prune': CSS selector 'div[[' does not compile"),
        (('established = 2001', 'search = "https://example.kz/search"'),
         "source 'demo-agency': key 'search': URL template must contain '{query}'"),
        (('established = 2001', 'enabled = "yes"'),
         "source 'demo-agency': key 'enabled': must be true or false"),
        # Values that loaded fine and made the source silently empty (issue 13):
        (('established = 2001', 'encoding = "base64"'),
         "source 'demo-agency': key 'encoding': 'base64' is a codec, but not a text encoding"),
        (('established = 2001', 'encoding = "rot13"'),
         "key 'encoding': 'rot13' is a codec, but not a text encoding"),
        (('established = 2001', 'allowed_domains = ["https://example.kz/"]'),
         "key 'allowed_domains': 'https://example.kz/' is not a bare host name "
         "(write 'example.kz')"),
        (('established = 2001', 'allowed_domains = ["example.kz/news"]'),
         "key 'allowed_domains': 'example.kz/news' is not a bare host name"),
        (('established = 2001', 'established = 99999'),
         "source 'demo-agency': key 'established': year 99999 is not between 1 and"),
        (('established = 2001', 'established = 2999'),
         "key 'established': year 2999 is not between 1 and"),
        (('established = 2001', 'established = 2999-01-01'),
         "key 'established': 2999-01-01 is in the future"),
        (('established = 2001', 'established = 0'),
         "key 'established': year 0 is not between 1 and"),
        (('feeds = ["https://example.kz/rss"]', 'feeds = ["http://[::1/rss"]'),
         "source 'demo-agency': key 'feeds': 'http://[::1/rss' is not a valid URL"),
        (('feeds = ["https://example.kz/rss"]', 'feeds = ["http://[fe80::1]:99999/rss"]'),
         "key 'feeds': 'http://[fe80::1]:99999/rss' is not a valid URL"),
    ],
)
def test_bad_values_name_file_source_and_key(tmp_path: Path, change, message) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_allowed_domains_keep_bare_hosts(tmp_path: Path) -> None:
    text = GOOD.replace("established = 2001", 'allowed_domains = ["Example.KZ", "127.0.0.1"]')
    src = load_registry(write(tmp_path, text)).get("demo-agency")
    assert src.domains() == ("example.kz", "127.0.0.1")


@pytest.mark.parametrize("value", ['encoding = "base64"', 'listings = ["http://[::1/news"]'])
def test_registry_error_is_one_line_exit_2(tmp_path: Path, capsys, value: str) -> None:
    path = write(tmp_path, GOOD.replace("established = 2001", value))
    code, out, err = run(capsys, "sources", "--sources", str(path))
    assert code == 2
    lines = [ln for ln in (out + err).splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("civmon: error: "), lines
    assert str(path) in lines[0] and "source 'demo-agency'" in lines[0]


def test_duplicate_id(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + GOOD)
    with pytest.raises(RegistryError, match=r"source 'demo-agency': key 'id': duplicate id"):
        load_registry(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]\nid=1", "not valid TOML"),
        ("title = 'x'", "unknown top-level key 'title'"),
        ("", r"no \[\[sources\]\] tables"),
    ],
)
def test_broken_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        load_registry(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read registry"):
        load_registry(tmp_path / "nope.toml")


def test_select_unknown_id_lists_known() -> None:
    with pytest.raises(RegistryError, match=r"no source 'nope' \(known: azertag-ru"):
        load_registry().select(["nope"])
