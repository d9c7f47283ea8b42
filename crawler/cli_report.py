"""``civmon report``: write the charts-and-tables HTML report (crawler/report.py builds it).

Opens the database read-only (as ``civmon export`` does) and takes export's
filters.  A user error (a reversed period, a missing folder for ``-o``) is one
line and exit status 2; an empty selection still writes a page that says so.
"""

from __future__ import annotations

from pathlib import Path

import click


def register(cli: click.Group, context: dict, db_option, open_readonly, user_error,
             article_filters) -> None:
    """Add ``civmon report`` to the click group (called from crawler/cli.py)."""

    @cli.command(context_settings=context)
    @click.option("-o", "--output", type=click.Path(dir_okay=False), default="report.html",
                  show_default=True, help="The HTML file to write.")
    @article_filters
    @click.option("--all", "include_all", is_flag=True,
                  help="Also the articles that are not civil-society news (relevant = 0).")
    @click.option("--originals", "originals_only", is_flag=True,
                  help="Leave out copies (rows with duplicate_of set).")
    @click.option("--title", metavar="TEXT", help="Page title  [default: Civil-society news "
                  "report].")
    @db_option
    def report(output, since, until, sources, countries, include_all, originals_only, title,
               db) -> None:
        """Write one self-contained HTML file of charts, each with its table.

        Articles per week by country, by source and by topic; the organisations
        and regions named most; the stories carried by most outlets.  Every
        table has a "Copy as TSV" button and the SQL behind it (docs/report.md).
        The file needs no network to open.  Only civil-society news unless --all.

        \b
        Examples:
          civmon report --since 2025-11-01 --until 2025-11-30 -o november.html
          civmon report --country KZ --all -o kz.html
        """
        from crawler.cli_search import warn_unknown
        from crawler.report import ReportFilter, write_report

        if since and until and since > until:
            raise user_error(f"--since {since} is after --until {until}")
        target = Path(output).expanduser().absolute()
        if not target.parent.is_dir():
            raise user_error(f"-o {output}: folder {target.parent} does not exist")
        if target.is_dir():
            raise user_error(f"-o {output}: is a folder, not a file")
        engine = open_readonly(db)
        flt = ReportFilter(since=since, until=until, sources=tuple(sources),
                           countries=tuple(countries), relevant_only=not include_all,
                           originals_only=originals_only)
        try:
            with engine.connect() as conn:
                warn_unknown(conn, sources, countries)
            try:
                result = write_report(engine, flt, str(target), title=title)
            except OSError as exc:
                raise user_error(f"-o {output}: {exc.strerror or exc}") from None
        finally:
            engine.dispose()
        n = result.totals["articles"]
        click.echo(f"report of {n} article{'s' if n != 1 else ''} written to {output}",
                   err=True)
