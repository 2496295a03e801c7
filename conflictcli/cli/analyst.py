"""The commands that count and compare rather than list: count, timeline, places,
sources, dupes, similar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from conflictcli import charts
from conflictcli.choices import Color, CountBy, Period
from conflictcli.cli import completion
from conflictcli.cli.group import rendering
from conflictcli.cli.options import (
    ColorOpt,
    CompactOpt,
    CsvOpt,
    ExcelCsvOpt,
    ExplainOpt,
    IndexOpt,
    JsonlOpt,
    JsonOpt,
    QuietOpt,
    WideOpt,
    filtered,
    layout,
    open_archive,
    output_format,
)
from conflictcli.cli.search import print_explanation
from conflictcli.errors import ExitCode, UsageError
from conflictcli.filters import Filters

ChartOpt = Annotated[
    Path | None,
    typer.Option(
        "--chart",
        metavar="FILE.svg|FILE.png",
        help="Also draw the timeline as a picture (SVG or PNG, by the name's suffix); "
        "needs pip install 'conflict[chart]'.",
    ),
]
MapOpt = Annotated[
    Path | None,
    typer.Option(
        "--map",
        metavar="FILE.svg|FILE.png",
        help="Also draw the places on a world map (SVG or PNG, by the name's suffix); "
        "needs pip install 'conflict[chart]'.",
    ),
]


@filtered()
def count(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="As for search.")],
    by: Annotated[
        CountBy | None,
        typer.Option(
            help="Count per outlet, month or year (the undated apart), or per place named "
            "(an article counts for each of its places)."
        ),
    ] = None,
    filters: Filters = Filters(),
    explain: ExplainOpt = False,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    excel: ExcelCsvOpt = False,
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Print how many articles match: the number 'search --limit 0' totals.

    With --by, the count per outlet, month or year (the groups add up to the count), or
    per place of the gazetteer named (they overlap: see 'conflict places').

    Example: conflict count Kherson --by month --since 2022
    """
    fmt = output_format(json, jsonl, csv, excel)
    req = filters.request()
    archive = open_archive(index)
    if explain:
        print_explanation(archive, req, query, fmt)
        return
    got = archive.count(req, by.value if by else None)
    rendering().count(got, fmt)
    if not got.count:
        rendering().suggestions(archive.suggest(req))  # did you mean: on stderr
        raise typer.Exit(ExitCode.NOT_FOUND)


@filtered()
def timeline(
    queries: Annotated[
        list[str], typer.Argument(metavar="QUERY...", help="One or more queries, as for search.")
    ],
    by: Annotated[
        Period | None,
        typer.Option(
            help="The period of a bar (default: days up to two months of dates, weeks up "
            "to a year, months up to fifteen years, else years)."
        ),
    ] = None,
    filters: Filters = Filters(),
    chart: ChartOpt = None,
    explain: ExplainOpt = False,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    excel: ExcelCsvOpt = False,
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Chart how many articles match per day, week, month or year, with the first and
    last mention; several queries side by side, one column each.

    Every period of the span is shown, the empty ones as 0; articles with no date are
    counted apart ('undated'). A peak (▲) is a period with at least 3 articles and more
    than the median plus three spreads (1.4826 × the median absolute deviation, or the
    square root of the mean where that is 0). --chart also writes the same counts as a
    picture; the table (or JSON, CSV) still goes to stdout.

    Example: conflict timeline Belgorod Kursk --by week --since 2024-01 --chart kb.svg
    """
    fmt = output_format(json, jsonl, csv, excel)
    if chart is not None:
        charts.chart_format(chart)  # a wrong suffix is refused before anything is counted
    reqs = [filters.with_query(q).request() for q in queries]
    archive = open_archive(index)
    if explain:
        if len(reqs) > 1:
            raise UsageError("--explain reads one query at a time.")
        print_explanation(archive, reqs[0], queries[0], fmt)
        return
    got = archive.timeline(reqs, by.value if by else None)
    rendering().timelines(got, fmt)
    if chart is not None:
        _draw(charts.timeline_spec(got), chart)
    if not any(t.first or t.undated for t in got):
        raise typer.Exit(ExitCode.NOT_FOUND)


@filtered(exact=False)
def places(
    query: Annotated[
        str,
        typer.Argument(metavar="[QUERY]", help="Count in the articles that match (default: all)."),
    ] = "",
    filters: Filters = Filters(),
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=0, metavar="N", help="How many places; 0 for all.")
    ] = 20,
    map_file: MapOpt = None,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    excel: ExcelCsvOpt = False,
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """List the places of the gazetteer most named in the matching articles, with how
    many articles name each (in any spelling: Kiev, Kyiv, Київ count as Kyiv).

    An article counts once for every place it names, so the counts add up to more than
    the articles. 'conflict search --place NAME' lists the articles of one. --map also
    draws the places listed as circles on a world map; the list still goes to stdout.

    Example: conflict places "drone attack" --since 2023 -n 10 --map drones.png
    """
    fmt = output_format(json, jsonl, csv, excel)
    if map_file is not None:
        charts.chart_format(map_file)  # a wrong suffix is refused before anything is counted
    got = open_archive(index).places(filters.request(), limit)
    rendering().places(got, fmt)
    if map_file is not None:
        _draw(charts.map_spec(got, charts.land_topology()), map_file)
    if not got.places:
        raise typer.Exit(ExitCode.NOT_FOUND)


def _draw(spec: dict[str, Any], path: Path) -> None:
    """Write a picture, and say so on stderr (stdout keeps the data)."""
    size = charts.render(spec, path)
    rendering().note(f"wrote {path} ({size:,} bytes)")


def sources(json: JsonOpt = False, color: ColorOpt = Color.auto, index: IndexOpt = None) -> None:
    """List the outlets with their article counts and date spans, the largest first.

    The source of an article is its file's metadata, or the domain of its url. Use a
    name with 'conflict search --source NAME'.

    Example: conflict sources --json
    """
    rendering().sources(open_archive(index).sources(), output_format(json))


@filtered()
def dupes(
    query: Annotated[
        str,
        typer.Argument(
            metavar="[QUERY]",
            help="Only stories with two or more articles that match, as for search "
            "(default: every article).",
        ),
    ] = "",
    filters: Filters = Filters(),
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="How many stories.")
    ] = 20,
    map_file: MapOpt = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """List the largest stories: near-duplicate articles (wire copies, a new headline,
    a trimmed or added paragraph) grouped at ingest.

    An article joins a story when at least 70% of its word 5-shingles are shared with
    the story's first article (Jaccard similarity). Search shows a story as one line,
    '+N similar'; 'conflict show ID' lists its articles. With a QUERY or filters, only
    the stories with two or more copies among the articles that match, each with those.

    Example: conflict dupes Kherson --since 2022-03 -n 5
    """
    fmt = output_format(json)
    rendering().stories(open_archive(index).stories(limit, filters), fmt)


def similar(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="An article: id, unique id prefix, path, or path:ROW.",
            autocompletion=completion.article,
        ),
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="How many articles.")
    ] = 10,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    excel: ExcelCsvOpt = False,
    quiet: QuietOpt = False,
    wide: WideOpt = False,
    compact: CompactOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """List the articles most like one: those that share most of its key terms (the 15
    words that set it apart from the archive), as the search table or JSON.

    The article itself and the other copies of its story (near-duplicates, which
    'conflict show ID' lists) are left out.

    Example: conflict similar 3f2a9c1e -n 5
    """
    fmt, shown = output_format(json, jsonl, csv, excel), layout(wide, compact)
    a, got = open_archive(index).similar(ref, limit)
    rendering().similar(a.id, got, fmt, shown)
    if not got.results:
        raise typer.Exit(ExitCode.NOT_FOUND)
