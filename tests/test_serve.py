"""civmon serve: Datasette on the database, read-only, with search and canned queries."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_search import _write

datasette = pytest.importorskip("datasette", reason="Datasette is the optional extra .[serve]")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from crawler.cli_serve import datasette_app
    from models.db import open_engine

    path = tmp_path_factory.mktemp("serve") / "civmon.sqlite"
    engine = open_engine(path)
    _write(engine)
    engine.dispose()
    return datasette_app(path)


def get(app, url: str):
    return asyncio.run(app.client.get(url))


def test_search_works_inside_datasette(app) -> None:
    r = get(app, "/civmon/search.json?q=грант&_shape=array")
    assert r.status_code == 200
    rows = r.json()
    assert {x["title"] for x in rows} == {"Итоги конкурса грантов", "Спортивный грант"}
    assert any("[гранты]" in x["snippet"] for x in rows)
    r = get(app, "/civmon/search.json?q=НПО&_shape=array")
    assert [x["title"] for x in r.json()] == ["Форум в Костанае"]


@pytest.mark.parametrize("query", ["this_weeks_ngo_news", "reprint_chains", "big_stories",
                                   "weekly_ngo_news"])
def test_canned_queries_run(app, query: str) -> None:
    r = get(app, f"/civmon/{query}.json?_shape=array")
    assert r.status_code == 200, r.text
    if query == "this_weeks_ngo_news":
        assert "Итоги конкурса грантов" in {x["title"] for x in r.json()}
    if query == "weekly_ngo_news":  # the same numbers as the view it reads
        direct = get(app, "/civmon.json?sql=select+sum(relevant_originals)+as+n+from+"
                          "weekly_by_country&_shape=array").json()[0]["n"]
        assert direct and sum(x["relevant_originals"] for x in r.json()) == direct


def test_big_stories_threshold(tmp_path: Path) -> None:
    import sqlite3

    from crawler.cli_serve import datasette_app
    from models.db import open_engine

    path = tmp_path / "civmon.sqlite"
    engine = open_engine(path)
    _write(engine)
    engine.dispose()
    with sqlite3.connect(path) as conn:  # one event told by all three outlets
        conn.execute("UPDATE articles SET story_id = (SELECT min(id) FROM articles)")
    app = datasette_app(path)

    def rows(query: str) -> list[tuple[int, int]]:
        r = get(app, f"/civmon/big_stories.json?_shape=array{query}")
        assert r.status_code == 200, r.text
        return [(x["story_id"], x["outlets"]) for x in r.json()]

    (story, outlets), = rows("&more_than=0")
    assert outlets == 3
    assert rows("") == rows("&more_than=") == []  # the default: more than three
    assert rows("&more_than=2") == [(story, 3)]
    assert rows("&more_than=3") == []


def test_views_are_described_with_their_columns(app) -> None:
    from models.views import VIEW_DOCS, VIEWS

    tables = get(app, "/-/metadata.json").json()["databases"]["civmon"]["tables"]
    for name in VIEWS:
        assert tables[name]["description"] == VIEW_DOCS[name][0]
        r = get(app, f"/civmon/{name}.json?_size=1")
        assert r.status_code == 200, (name, r.text)
        for column in r.json()["columns"]:
            assert column in tables[name]["columns"], (name, column)
    assert "published_day" in tables["articles"]["columns"]


def test_metadata_and_facets(app) -> None:
    r = get(app, "/civmon/articles.json?_size=1")
    assert set(r.json()["facet_results"]) >= {"source_id", "language", "relevant"}
    meta = get(app, "/-/metadata.json").json()
    assert meta["license"] and "columns" in meta["databases"]["civmon"]["tables"]["articles"]


def test_read_only(app) -> None:
    r = get(app, "/civmon.json?sql=DELETE+FROM+articles")
    assert r.status_code == 400
    r = get(app, "/civmon.json?sql=select+count(*)+as+n+from+articles&_shape=array")
    assert r.json() == [{"n": 5}]


def test_serve_without_a_database_is_one_line(tmp_path: Path, capsys) -> None:
    from crawler.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["serve", "--db", str(tmp_path / "none.sqlite")])
    assert exc.value.code == 2
    assert capsys.readouterr().err.startswith("civmon: error: ")
