"""The ``civmon`` command line: crawl, demo, export, extract, sources, dedup,
classify, runs, health, search, serve, report.

The command set and options are a contract (DESIGN.md); new options may be
added.  A user error is one line on stderr, ``civmon: error: ...``, and exit
status 2; a crawl exits with the status of crawler.exitcodes (0 ok, 1 a source
broken, 2 usage/configuration, 3 locked, 4 interrupted or timed out).  Scrapy is
imported only by the commands that crawl.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from crawler import exitcodes
from crawler.cli_classify import classify as classify_command

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

db_option = click.option(
    "--db", metavar="PATH|URL", default=None,
    help="SQLite file or SQLAlchemy URL  [default: data/civmon.sqlite]",
)
sources_option = click.option(
    "--sources", "sources_file", metavar="FILE", default=None,
    type=click.Path(dir_okay=False),
    help="Registry file replacing the packaged one.",
)
settings_option = click.option(
    "-s", "set_", metavar="NAME=VALUE", multiple=True,
    help="Override a Scrapy setting, as `scrapy crawl -s` does (repeatable).",
)


class UserError(click.UsageError):
    """Bad input: printed as one line, exit status 2."""


class _Locked(click.ClickException):
    """Another crawl holds the database's lock: exit status 3 (crawler.exitcodes)."""

    exit_code = exitcodes.LOCKED


def _open_readonly(db: str | None):
    """A read-only engine for a query command (models.db.open_readonly); errors are one line."""
    from models.db import DatabaseError, open_readonly

    _check_db(db)
    try:
        return open_readonly(db)
    except DatabaseError as exc:
        raise UserError(str(exc)) from None


def _preflight(source_ids: list[str], overrides: dict[str, str], **kwargs) -> None:
    from crawler.preflight import PreflightError, preflight

    try:
        preflight(source_ids, overrides, **kwargs)
    except PreflightError as exc:
        raise UserError(str(exc)) from None


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="civmon", message="civmon %(version)s")
def cli() -> None:
    """Monitor civil-society news from Azerbaijan, Kazakhstan and Central Asia.

    \b
    Example:
      civmon demo                      # the whole pipeline offline
      civmon crawl azertag-ru          # one source into data/civmon.sqlite
    """


def _load_registry(sources_file: str | None):
    from crawler.registry import RegistryError, load_registry

    try:
        return load_registry(sources_file)
    except RegistryError as exc:
        raise UserError(str(exc)) from None


def _overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    from crawler.crawl import parse_overrides

    try:
        return parse_overrides(pairs)  # values are checked by preflight (crawl, demo)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _check_db(db: str | None) -> None:
    from models.db import DatabaseError, database_url

    try:
        database_url(db)
    except DatabaseError as exc:
        raise UserError(str(exc)) from None


@cli.command(context_settings=CONTEXT)
@click.argument("source_ids", nargs=-1, metavar="[SOURCE_ID]...")
@sources_option
@db_option
@settings_option
def crawl(source_ids, sources_file, db, set_) -> None:
    """Crawl sources (all enabled ones by default) into the database.

    Fetches only what is new, records the run in `crawl_runs`, never runs twice
    at once on one database.  Exit status: 0 ok, 1 a source is broken, 2 usage or
    configuration error (checked before anything starts), 3 another crawl holds
    the lock, 4 interrupted or timed out.

    \b
    Example (nightly, from cron):
      civmon crawl --db /srv/civmon/civmon.sqlite -s LOG_FILE=/var/log/civmon.log
    """
    from crawler.crawl import run_crawl
    from crawler.runs import RunLockedError

    registry = _load_registry(sources_file)
    _check_db(db)
    for sid in source_ids:
        if sid not in {s.id for s in registry}:
            known = ", ".join(s.id for s in registry)
            raise UserError(f"unknown source '{sid}' in {registry.path} (known: {known})")
    overrides = _overrides(set_)
    overrides.setdefault("CIVMON_SOURCES", str(Path(registry.path)))
    overrides.setdefault("CIVMON_DB", db or "")
    overrides.setdefault("CIVMON_COMMAND", "crawl")
    _preflight(list(source_ids), overrides)
    try:
        result = run_crawl(list(source_ids), overrides)
    except RunLockedError as exc:
        raise _Locked(str(exc)) from None
    from crawler.summary import summary_line

    click.echo(summary_line(result), err=True)
    sys.exit(exitcodes.for_status(result.status))


@cli.command(context_settings=CONTEXT)
@db_option
@settings_option
@click.option("--port", type=click.IntRange(0, 65000), default=8765, show_default=True,
              help="Port each sample outlet listens on (its own 127.0.0.x address); "
                   "0 takes free ports, whose URLs change from run to run.")
def demo(db, set_, port) -> None:
    """Run the whole pipeline offline on the bundled sample web.

    Serves the sample outlets on 127.0.0.x, crawls them like real sites and
    writes the database (data/civmon.sqlite unless --db), then prints a summary.
    Running it again on the same database adds nothing.

    \b
    Example:
      civmon demo --db /tmp/demo.sqlite
    """
    from crawler.demo import run_demo
    from crawler.runs import RunLockedError
    from crawler.sampleweb.server import BindError

    _check_db(db)
    overrides = _overrides(set_)
    # before any server starts: a bad --db or -s value is one line, exit 2
    _preflight([], {**overrides, "CIVMON_DB": db or ""}, registry=False)
    try:
        result = run_demo(db, overrides, port=port)
    except RunLockedError as exc:
        raise _Locked(str(exc)) from None
    except BindError as exc:
        raise click.ClickException(f"{exc.strerror or exc}; free the port or pass "
                                   "--port N (0 = any free port)") from None
    sys.exit(exitcodes.for_status(result.status))


def _parse_day(_ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param=param) from None


def article_filters(command):
    """--since, --until, --source, --country: the filters export, search and report share."""
    for option in reversed((
            click.option("--since", callback=_parse_day, metavar="YYYY-MM-DD",
                         help="Published on or after this day."),
            click.option("--until", callback=_parse_day, metavar="YYYY-MM-DD",
                         help="Published on or before this day."),
            click.option("--source", "sources", multiple=True, metavar="ID",
                         help="Only this source (repeatable)."),
            click.option("--country", "countries", multiple=True, metavar="CC",
                         help="Only this country, ISO 3166-1 alpha-2 (repeatable)."))):
        command = option(command)
    return command


@cli.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv",
              show_default=True, help="Output format (parquet: typed columns, needs -o and "
              "pip install -e '.[parquet]').")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to FILE instead of stdout.")
@article_filters
@click.option("--query", metavar="TEXT", help="Only articles whose title or text contains TEXT.")
@click.option("--relevant", "relevant_flag", is_flag=True,
              help="Only civil-society news (relevant = 1): the default, kept for old scripts.")
@click.option("--all", "include_all", is_flag=True,
              help="Also the articles that are not civil-society news (relevant = 0).")
@click.option("--originals", "originals_only", is_flag=True,
              help="Leave out copies (rows with duplicate_of set).")
@click.option("--excel", is_flag=True, help="UTF-8 with BOM, cells trimmed to Excel's limit.")
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL instead of running it.")
@db_option
def export(fmt, output, since, until, sources, countries, query, relevant_flag, include_all,
           originals_only, excel, show_sql, db) -> None:
    """Export civil-society articles as CSV, JSON Lines or Parquet (columns: docs/export.md).

    Only relevant articles unless --all.  With -o FILE, FILE.json describes the
    export (filters, SQL, civmon version, row count).

    \b
    Examples:
      civmon export --since 2025-11-01 --country KZ --excel -o kz.csv
      civmon export --format parquet --all -o articles.parquet
    """
    from crawler.export import (
        ExportFilter,
        ParquetMissing,
        compiled_sql,
        export_csv,
        export_jsonl,
        export_parquet,
        parquet_schema,
        write_sidecar,
    )
    if since and until and since > until:
        raise UserError(f"--since {since} is after --until {until}")
    if relevant_flag and include_all:
        raise UserError("--relevant and --all contradict each other")
    relevant_only = not include_all
    if excel and fmt != "csv":
        raise UserError("--excel applies to --format csv only")
    if fmt == "parquet" and not show_sql:
        if not output:
            raise UserError("--format parquet writes a file: give -o FILE")
        # the C library's allocator (unless told otherwise): Arrow's default, mimalloc,
        # keeps freed blocks per thread, and the export's three threads then held ~40 MB
        # more at 1M rows (317 against 281 MB peak, at the same speed)
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
        try:
            parquet_schema()
        except ParquetMissing as exc:
            raise UserError(str(exc)) from None
    if output and not Path(output).expanduser().absolute().parent.is_dir():
        parent = Path(output).expanduser().absolute().parent
        raise UserError(f"-o {output}: folder {parent} does not exist")
    engine = _open_readonly(db)
    flt = ExportFilter(since=since, until=until, sources=sources, countries=countries,
                       query=query, relevant_only=relevant_only, originals_only=originals_only)
    if show_sql:
        click.echo(compiled_sql(flt, engine))
        return
    from crawler.cli_search import warn_unknown

    with engine.connect() as conn:
        warn_unknown(conn, sources, countries)
    sql = compiled_sql(flt, engine)
    try:
        if fmt == "parquet":
            n = export_parquet(engine, flt, output)
        else:
            out = open(output, "wb") if output else sys.stdout  # noqa: SIM115  # bytes
            try:
                n = (export_csv(engine, flt, out, excel=excel) if fmt == "csv"
                     else export_jsonl(engine, flt, out))
            finally:
                if output:
                    out.close()
    finally:
        engine.dispose()
    if output:
        sidecar = write_sidecar(output, fmt=fmt, flt=flt, sql=sql, rows=n)
        click.echo(f"{n} articles written to {output} (described in {sidecar})", err=True)


@cli.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", required=True, callback=lambda _c, _p, v: _check_url(v),
              help="The URL the page was fetched from (absolute http or https).")
@click.option("--source", "source_id", metavar="ID", help="Registry source id (selectors, "
              "time zone, languages); omit for an unknown site.")
@click.option("--sources", "sources_file", metavar="FILE", default=None,
              type=click.Path(dir_okay=False), help="Registry file replacing the packaged one.")
@click.option("--encoding", help="Decode FILE with this encoding (default: BOM, <meta charset>, "
              "then detection).")
@click.option("--fetched-at", metavar="ISO", help="Fetch time for relative dates "
              "(default: now).")
@click.option("--explain", is_flag=True, help="Also show which selector or candidate produced "
              "each field.")
@click.option("--max-bytes", type=click.IntRange(1), default=None, metavar="N",
              help="Refuse pages larger than N bytes, as the crawl does  "
                   "[default: CIVMON_MAX_HTML_BYTES, 5 MB].")
def extract(file, url, source_id, sources_file, encoding, fetched_at, explain,
            max_bytes) -> None:
    """Extract one saved page and print the article as JSON.

    \b
    Example:
      civmon extract page.html --url https://azertag.az/ru/xeber/x-3816267 --source azertag-ru
    """
    from crawler.pages import decode_body, extract_page

    source = None
    if source_id:
        registry = _load_registry(sources_file)
        try:
            source = registry.get(source_id)
        except Exception as exc:  # RegistryError: one line
            raise UserError(str(exc)) from None
    now = datetime.now(UTC)
    if fetched_at:
        from crawler.spiders.news import parse_clock

        try:
            now = parse_clock(fetched_at) or now
        except ValueError as exc:
            raise UserError(str(exc).replace("CIVMON_CLOCK", "--fetched-at")) from None
    from crawler import settings as crawl_settings

    cap = max_bytes or crawl_settings.CIVMON_MAX_HTML_BYTES
    size = Path(file).stat().st_size
    if size > cap:
        # extraction is superlinear in page size: a huge page would hang for minutes
        raise UserError(f"{file}: {size} bytes is over the {cap}-byte page size cap "
                        "(CIVMON_MAX_HTML_BYTES); pass --max-bytes N to extract it anyway")
    try:
        decoded = decode_body(Path(file).read_bytes(), forced=encoding)
    except LookupError:
        raise UserError(f"--encoding {encoding!r} is not a known text encoding") from None
    if decoded.undecodable:  # as the crawl: recorded as failed there, never stored
        raise UserError(f"{file}: undecodable body: {decoded.text.count(chr(0xfffd))} "
                        f"replacement characters as {decoded.encoding}")
    html = decoded.text
    data = extract_page(html, url=url, source=source, now=now, explain=explain)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    if not data.get("text"):
        click.echo(f"civmon: warning: no article text found in {file}", err=True)


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{value!r} is not an absolute http(s) URL", param_hint="--url")
    return value


@cli.command(context_settings=CONTEXT)
@sources_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def sources(sources_file, as_json) -> None:
    """List the sources of the registry.

    \b
    Example:
      civmon sources --sources my-sources.toml
    """
    registry = _load_registry(sources_file)
    if as_json:
        click.echo(json.dumps([
            {"id": s.id, "name": s.name, "country": s.country, "kind": s.kind,
             "languages": list(s.languages), "timezone": s.timezone, "feeds": list(s.feeds),
             "sitemaps": list(s.sitemaps), "listings": list(s.listings), "enabled": s.enabled}
            for s in registry], ensure_ascii=False, indent=2))
        return
    header = f"{'id':<16} {'country':<7} {'kind':<10} {'lang':<8} {'timezone':<14} " \
             f"{'discovery':<14} name"
    click.echo(header)
    for s in registry:
        disc = "/".join(f"{n}{k[0]}" for k, n in (("feeds", len(s.feeds)),
                        ("sitemaps", len(s.sitemaps)), ("listings", len(s.listings))) if n)
        flag = "" if s.enabled else "  (disabled)"
        click.echo(f"{s.id:<16} {s.country:<7} {s.kind:<10} {','.join(s.languages):<8} "
                   f"{s.timezone:<14} {disc:<14} {s.name}{flag}")
    click.echo(f"{len(registry)} sources in {registry.path}", err=True)


from crawler import cli_runs  # noqa: E402  (civmon runs, civmon health)

cli_runs.register(cli, CONTEXT, db_option, _open_readonly)
from crawler import cli_dedup  # noqa: E402  (a command in its own module)

cli_dedup.register(sys.modules[__name__])
cli.add_command(classify_command)
from crawler import cli_search  # noqa: E402  (civmon search)

cli_search.register(cli, CONTEXT, db_option, _open_readonly, UserError, article_filters)
from crawler import cli_serve  # noqa: E402  (civmon serve)

cli_serve.register(cli, CONTEXT, db_option, UserError)
from crawler import cli_report  # noqa: E402  (civmon report)

cli_report.register(cli, CONTEXT, db_option, _open_readonly, UserError, article_filters)


def main(argv: list[str] | None = None) -> None:
    """Entry point: click with one-line errors."""
    try:
        cli.main(args=argv, prog_name="civmon", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(2)
    except click.UsageError as exc:
        click.echo(f"civmon: error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"civmon: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("civmon: aborted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
