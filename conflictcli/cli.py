"""The `conflict` command line: commands and options only; each hands off to the core
(archive, ingest) and to output for rendering. Errors become messages in ConflictGroup."""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from conflictcli import __version__
from conflictcli.choices import Color, CountBy, ExportFormat, Format, Period, Sort, Within
from conflictcli.errors import (
    WAIT_S,
    ConflictError,
    ExitCode,
    NotFound,
    QueryError,
    UntestedWhoosh,
    UsageError,
    fault,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conflictcli.archive import Archive, SearchResult
    from conflictcli.query import SearchRequest


class ConflictGroup(TyperGroup):
    """The one place where errors become messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                value = super().invoke(ctx)
            sys.stdout.flush()  # inside the try: a reader gone at the last write is no error
            return value
        except ConflictError as e:
            _debug_traceback()
            _output().error(e)
            ctx.exit(e.code)
        except BrokenPipeError:
            # the reader went away (`| head`): that is not an error; stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.OK)
        except KeyboardInterrupt:
            _output().note(
                "Interrupted. The archive holds what was committed before: an ingest commits "
                "as it goes (checkpoints); run it again to go on from there."
            )
            ctx.exit(ExitCode.INTERRUPTED)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # Typer's own usage errors and exits keep their messages and codes
        except Exception as e:
            if os.environ.get("CONFLICT_DEBUG"):
                raise
            known = fault(e)
            if known is not None:  # a full disk, a folder it may not write
                _output().error(known)
                ctx.exit(known.code)
            _output().error(
                ConflictError(
                    f"Unexpected {type(e).__name__}: {e}",
                    "This is a bug in conflict: run again with CONFLICT_DEBUG=1 and report the traceback.",
                )
            )
            ctx.exit(ExitCode.NOT_FOUND)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """conflict's own warnings as its other messages are shown (one line on stderr);
    any other the way Python shows it."""
    from conflictcli.store import DamagedWarning  # loaded already when one is shown

    if issubclass(category, (UntestedWhoosh, DamagedWarning)):
        _output().warning(str(message))
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _debug_traceback() -> None:
    if os.environ.get("CONFLICT_DEBUG"):
        traceback.print_exc()


app = typer.Typer(
    cls=ConflictGroup,
    name="conflict",
    help="Archive and search news about armed conflicts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)

IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index",
        envvar="CONFLICT_INDEX",
        show_default=False,
        file_okay=False,
        metavar="DIR",
        help="Archive folder (default: conflict/ in the user's data directory).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait",
        metavar="SECONDS",
        help="Wait this long for another ingest writing to the archive (0: fail at once).",
    ),
]
JsonlOpt = Annotated[bool, typer.Option("--jsonl", help="Print one JSON object per line.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")]
AnyOpt = Annotated[
    bool, typer.Option("--any", help="Match articles holding any of the terms (OR), best first.")
]
SinceOpt = Annotated[
    str | None,
    typer.Option(metavar="DATE", help="From this date on (2024-03-27, 2024-03, 'March 2024')."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(metavar="DATE", help="Up to this date, inclusive (the whole day or month)."),
]
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        metavar="NAME",
        help="Only articles of this outlet (any case; repeat for several). "
        "'conflict sources' lists them.",
    ),
]
DayfirstOpt = Annotated[
    bool,
    typer.Option(
        "--dayfirst", help="Read 02/03/2022 as 2 March (day first); month first by default."
    ),
]
ExactOpt = Annotated[
    bool,
    typer.Option(
        "--exact", help="Names as typed: no other spellings (Kiev finds Kiev, not Kyiv or Київ)."
    ),
]
ExplainOpt = Annotated[
    bool,
    typer.Option(
        "--explain",
        help="Print how the query is read (terms, fields, dates, what is required) "
        "and how many articles it selects, instead of the results.",
    ),
]
PlaceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--place",
        metavar="NAME",
        help="Only articles that name this place, in any spelling (Kiev, Kyiv, Київ; "
        "repeat for any of several). 'conflict places' lists them.",
    ),
]


def _use_color(mode: Color) -> None:
    _output().use_color(mode)


ColorOpt = Annotated[
    Color,
    typer.Option(
        "--color",
        callback=_use_color,
        is_eager=True,
        help="Colour and marks: auto (on a terminal, unless NO_COLOR is set), always, never.",
    ),
]


def _format(json: bool = False, jsonl: bool = False, csv: bool = False) -> Format:
    chosen = [f for f, on in ((Format.json, json), (Format.jsonl, jsonl), (Format.csv, csv)) if on]
    if len(chosen) > 1:
        raise UsageError("Use just one of --json, --jsonl or --csv.")
    return chosen[0] if chosen else Format.table


def _output() -> ModuleType:
    """Rendering (output.py), loaded when something is shown: not for --help."""
    from conflictcli import output

    return output


def _location(index: Path | None) -> Path:
    from conflictcli.archive import default_location  # the catalogue loads only to run

    return index or default_location()


def _open(index: Path | None) -> Archive:
    from conflictcli.archive import Archive

    return Archive.open(_location(index))


def _version(value: bool) -> None:
    if value:
        print(f"conflict {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Archive and search news about armed conflicts."""


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH", help="Files or folders (read recursively).", show_default=False
        ),
    ] = None,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove articles whose files under PATH are gone.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no warnings.")
    ] = False,
    map_: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="FIELD=COLUMN,...",
            help="Name the CSV columns or JSON keys that hold text, title, date, url, source "
            "when their names are not the usual ones (text=story,date=when).",
        ),
    ] = None,
    rehash: Annotated[
        bool,
        typer.Option(
            "--rehash",
            help="Read and hash every file, even those whose size and time are unchanged.",
        ),
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Build the search index again from the catalogue (PATH may then be left out).",
        ),
    ] = False,
    wait: WaitOpt = WAIT_S,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Add articles to the archive: text files, CSV/TSV, JSON Lines/JSON, web pages.

    Reads .txt and .md (a date line, then the text), .csv and .tsv (a row an article),
    .jsonl and .json (an object an article), .html and .htm (the page's main text), each
    also compressed (.gz, .bz2, .xz), in any encoding. Unchanged files are skipped.

    Exit 1 when the paths held nothing to read (a new archive is then not created).

    Example: conflict ingest ~/news/ukraine --prune
    """
    from conflictcli.ingest import ingest as run_ingest  # Whoosh loads for ingest and search

    if not paths and not rebuild:
        raise UsageError("Give the files or folders to ingest.", "Example: conflict ingest ~/news")
    with _output().IngestProgress(enabled=not quiet) as progress:
        summary = run_ingest(
            _location(index),
            paths or [],
            prune=prune,
            progress=progress,
            rehash=rehash,
            rebuild=rebuild,
            columns=_columns(map_),
            wait=wait,
        )
    _output().ingest_summary(summary, _format(json), quiet)
    if summary.nothing_read:
        raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
def reindex(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    wait: WaitOpt = WAIT_S,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Build the search index again from the catalogue alone; the old index is not read.

    For an archive from someone else (see README, "Archives from elsewhere"), or one
    whose index is damaged. The catalogue keeps every text, so nothing is lost.

    Example: conflict reindex --index ~/from-a-colleague
    """
    from conflictcli.ingest import reindex as run_reindex

    with _output().IngestProgress(enabled=not quiet) as progress:
        summary = run_reindex(_location(index), progress=progress, wait=wait)
    _output().ingest_summary(summary, _format(json), quiet)


def _columns(given: str | None) -> dict[str, str]:
    """--map text=story,date=when as {field: column}."""
    from conflictcli.readers.base import FIELD_NAMES

    out: dict[str, str] = {}
    for part in (given or "").split(","):
        if not part.strip():
            continue
        field_, eq, column = part.partition("=")
        field_ = field_.strip().lower()
        if not eq or field_ not in FIELD_NAMES or not column.strip():
            raise UsageError(
                f"--map {part.strip()!r} is not FIELD=COLUMN with a field among "
                f"{', '.join(FIELD_NAMES)}.",
                "Example: --map text=story,date=published_at",
            )
        out[field_] = column.strip()
    return out


@app.command()
def search(
    query: Annotated[
        str,
        typer.Argument(
            metavar="QUERY", help='Words, "phrases", AND/OR/NOT, wild*, field:value, term~.'
        ),
    ] = "",
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            metavar="FILE",
            help="Run each query of FILE (one a line; '#' starts a comment line; - reads "
            "stdin) instead of QUERY, with the same options.",
        ),
    ] = None,
    count_only: Annotated[
        bool, typer.Option("--count", help="With --from-file: one row per query, its count.")
    ] = False,
    within: Annotated[
        Within | None,
        typer.Option(
            help="Only articles where one sentence (or paragraph) holds every term; the "
            "snippet is that sentence."
        ),
    ] = None,
    any_terms: AnyOpt = False,
    exact: ExactOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    place: PlaceOpt = None,
    sort: Annotated[Sort, typer.Option(help="Order of the results.")] = Sort.relevance,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", min=0, metavar="N", help="How many results; 0 lists every full match."
        ),
    ] = 10,
    offset: Annotated[
        int, typer.Option(min=0, metavar="N", help="Skip this many results first.")
    ] = 0,
    dayfirst: DayfirstOpt = False,
    explain: ExplainOpt = False,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Show every copy of a story in the table (by default near-duplicates are "
            "one line, '+N similar').",
        ),
    ] = False,
    collapse: Annotated[
        bool,
        typer.Option(
            "--collapse",
            help="One result per story in --json, --jsonl and --csv too, with 'similar' "
            "(by default they list every article, each with its 'cluster').",
        ),
    ] = False,
    fields: Annotated[
        str | None,
        typer.Option(
            metavar="A,B",
            help="With --json, --jsonl or --csv: only these fields of each result, in this "
            "order (id, date, title, source, url, path, cluster, score, snippet, highlights, "
            "partial, similar). Without snippet and highlights no text is read: fast for "
            "long lists. With --from-file too.",
        ),
    ] = None,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Search the archive; every term is required unless --any is given.

    AND, OR and NOT (upper case) are operators between terms; a query that reads as a
    sentence is searched as words, and a note on stderr says how it was read. A known
    name finds every spelling of it (Kiev, Kyiv, Київ, Киев); --exact turns that off.

    Example: conflict search "Belgorod drones" --since 2024-03 --sort newest
    """
    fmt = _format(json, jsonl, csv)
    if every and collapse:
        raise UsageError("Use --all or --collapse, not both.")
    chosen = None
    if fields is not None:
        if fmt is Format.table or count_only or explain:
            raise UsageError(
                "--fields chooses the fields of each result in --json, --jsonl or --csv.",
                f'Example: conflict search "{query or "Kherson"}" --limit 0 --jsonl --fields id,date',
            )
        chosen = _export_fields(fields, _output().SEARCH_FIELDS)
    snippets = chosen is None or _cuts_snippets(chosen)
    if from_file is not None or count_only:
        if from_file is None or query:
            raise UsageError("Give a QUERY, or --from-file FILE (with --count if you like).")
        if explain:
            raise UsageError("--explain reads one query at a time.")
        lines = _query_lines(from_file)
        reqs = [
            replace(
                _request(q, since, until, dayfirst, any_terms, exact, source, place),
                sort=sort,
                limit=limit,
                offset=offset,
                collapse=collapse or (fmt is Format.table and not every),
                within=within.value if within else None,
            )
            for _, q in lines
        ]
        archive, out = _open(index), _output()
        failed: list[ConflictError] = []

        def each() -> Iterator[tuple[str, SearchResult | int]]:
            for (n, q), req in zip(lines, reqs, strict=True):
                try:
                    found = None if count_only else archive.search(req, snippets)
                    yield q, archive.count(req).count if found is None else found
                except QueryError as e:  # one bad line never stops the rest
                    failed.append(QueryError(f"{from_file}, line {n}: {e.message}", e.hint))

        out.batch(each(), fmt, count_only, chosen)
        for e in failed:
            out.error(e)
        if failed:
            raise typer.Exit(ExitCode.USAGE)
        return
    if not query.strip():
        raise UsageError("Give a query.", 'Example: conflict search "Belgorod drones"')
    from conflictcli.query import build_request  # the query is read only to search

    req = build_request(
        query,
        since,
        until,
        dayfirst,
        any_terms=any_terms,
        exact=exact,
        sort=sort,
        limit=limit,
        offset=offset,
        sources=tuple(source or ()),
        places=tuple(place or ()),
        collapse=collapse or (fmt is Format.table and not every),
        within=within.value if within else None,
    )
    archive = _open(index)
    if explain:
        if fmt not in (Format.table, Format.json):
            raise UsageError("--explain prints a table or, with --json, JSON.")
        _output().explanation(archive.explain(req), query, fmt)
        return
    result = archive.search(req, snippets)
    _output().search_results(result, fmt, chosen)
    if not result.results:
        raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
def show(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id, a unique prefix of 4+ characters, or a file path."
        ),
    ],
    highlight: Annotated[
        str | None, typer.Option(help="Mark the terms of this query in the text.")
    ] = None,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Print one article: its header and its whole text.

    Example: conflict show 3f2a9c1e --highlight "Belgorod drones"
    """
    fmt = _format(json)
    archive = _open(index)
    art = archive.resolve(ref)
    spans = archive.engine.mark(art.body, highlight) if highlight else []
    _output().article(art, fmt, spans, archive.story(art))


@app.command()
def dupes(
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="How many stories.")
    ] = 20,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """List the largest stories: near-duplicate articles (wire copies, a new headline,
    a trimmed or added paragraph) grouped at ingest.

    An article joins a story when at least 70% of its word 5-shingles are shared with
    the story's first article (Jaccard similarity). Search shows a story as one line,
    '+N similar'; 'conflict show ID' lists its articles.

    Example: conflict dupes -n 5
    """
    _output().stories(_open(index).stories(limit), _format(json))


@app.command()
def stats(json: JsonOpt = False, color: ColorOpt = Color.auto, index: IndexOpt = None) -> None:
    """Count the archive: articles, dates, articles per month, size on disk.

    Example: conflict stats --json
    """
    _output().stats(_open(index).stats(), _format(json))


@app.command()
def check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="Fix what can be fixed from the catalogue, which keeps every text."
        ),
    ] = False,
    wait: WaitOpt = WAIT_S,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Check that the catalogue and the search index agree, and can be read.

    The same articles in both, each indexed once with its date; every file record
    pointing at articles that exist; versions this conflict knows. Exit 0 when all
    is well (or repaired), 1 when a problem remains.

    Example: conflict check --repair
    """
    from conflictcli.check import check as run_check

    report = run_check(_location(index), repair=repair, wait=wait)
    _output().check_report(report, _format(json))
    if not report.ok:
        raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
def sources(json: JsonOpt = False, color: ColorOpt = Color.auto, index: IndexOpt = None) -> None:
    """List the outlets with their article counts and date spans, the largest first.

    The source of an article is its file's metadata, or the domain of its url. Use a
    name with 'conflict search --source NAME'.

    Example: conflict sources --json
    """
    _output().sources(_open(index).sources(), _format(json))


@app.command()
def count(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="As for search.")],
    by: Annotated[
        CountBy | None,
        typer.Option(
            help="Count per outlet, month or year (the undated apart), or per place named "
            "(an article counts for each of its places)."
        ),
    ] = None,
    any_terms: AnyOpt = False,
    exact: ExactOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    place: PlaceOpt = None,
    dayfirst: DayfirstOpt = False,
    explain: ExplainOpt = False,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Print how many articles match: the number 'search --limit 0' totals.

    With --by, the count per outlet, month or year (the groups add up to the count), or
    per place of the gazetteer named (they overlap: see 'conflict places').

    Example: conflict count Kherson --by month --since 2022
    """
    fmt = _format(json, jsonl, csv)
    req = _request(query, since, until, dayfirst, any_terms, exact, source, place)
    archive = _open(index)
    if explain:
        _explain(archive, req, query, fmt)
        return
    got = archive.count(req, by.value if by else None)
    _output().count(got, fmt)
    if not got.count:
        raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
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
    any_terms: AnyOpt = False,
    exact: ExactOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    place: PlaceOpt = None,
    dayfirst: DayfirstOpt = False,
    explain: ExplainOpt = False,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Chart how many articles match per day, week, month or year, with the first and
    last mention; several queries side by side, one column each.

    Every period of the span is shown, the empty ones as 0; articles with no date are
    counted apart ('undated'). A peak (▲) is a period with at least 3 articles and more
    than the median plus three spreads (1.4826 × the median absolute deviation, or the
    square root of the mean where that is 0).

    Example: conflict timeline Belgorod Kursk --by week --since 2024-01
    """
    fmt = _format(json, jsonl, csv)
    reqs = [_request(q, since, until, dayfirst, any_terms, exact, source, place) for q in queries]
    archive = _open(index)
    if explain:
        if len(reqs) > 1:
            raise UsageError("--explain reads one query at a time.")
        _explain(archive, reqs[0], queries[0], fmt)
        return
    got = archive.timeline(reqs, by.value if by else None)
    _output().timelines(got, fmt)
    if not any(t.first or t.undated for t in got):
        raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
def similar(
    ref: Annotated[
        str,
        typer.Argument(metavar="ID", help="An article: id, unique id prefix, path, or path:ROW."),
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="How many articles.")
    ] = 10,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """List the articles most like one: those that share most of its key terms (the 15
    words that set it apart from the archive), as the search table or JSON.

    The article itself and the other copies of its story (near-duplicates, which
    'conflict show ID' lists) are left out.

    Example: conflict similar 3f2a9c1e -n 5
    """
    fmt = _format(json, jsonl, csv)
    a, got = _open(index).similar(ref, limit)
    _output().similar(a.id, got, fmt)
    if not got.results:
        raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
def export(
    query: Annotated[
        str,
        typer.Argument(metavar="[QUERY]", help="As for search; leave out with --all."),
    ] = "",
    every: Annotated[
        bool, typer.Option("--all", help="Every article of the archive (no query).")
    ] = False,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="JSON Lines, CSV or Markdown.")
    ] = ExportFormat.jsonl,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout."),
    ] = None,
    fields: Annotated[
        str | None,
        typer.Option(
            metavar="A,B",
            help="Only these fields, in this order (default: id, date, title, source, url, "
            "path, cluster, score, snippet, highlights, body).",
        ),
    ] = None,
    any_terms: AnyOpt = False,
    exact: ExactOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    place: PlaceOpt = None,
    dayfirst: DayfirstOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Write every matching article, with its full text, as JSON Lines, CSV or Markdown:
    no cap, in the order of 'search --limit 0', read a few hundred at a time.

    A progress bar shows on stderr when it is a terminal. With -o the file appears
    complete or not at all (written beside it, then renamed).

    Example: conflict export Kherson --since 2022-11 -f csv -o kherson.csv
    """
    out = _output()
    chosen = _export_fields(fields, out.EXPORT_FIELDS)
    if every and (query.strip() or since or until or source or place):
        raise UsageError("--all exports the whole archive: give no query or filter with it.")
    if not every and not query.strip():
        raise UsageError(
            "Give a query, or --all for every article.",
            "Example: conflict export --all -o all.jsonl",
        )
    req = (
        None if every else _request(query, since, until, dayfirst, any_terms, exact, source, place)
    )
    archive = _open(index)
    total, rows = archive.export(req, snippets=_cuts_snippets(chosen), texts="body" in chosen)
    if output is None:
        written = out.export(total, rows, fmt.value, chosen, sys.stdout)
    else:
        written = _write_file(output, lambda f: out.export(total, rows, fmt.value, chosen, f))
        out.note(f"wrote {written:,} articles to {output}")
    if not written:
        raise typer.Exit(ExitCode.NOT_FOUND)


def _cuts_snippets(fields: list[str]) -> bool:
    """Whether the chosen fields need a snippet cut from each text (else none is read)."""
    return "snippet" in fields or "highlights" in fields


def _export_fields(given: str | None, known: list[str]) -> list[str]:
    """The fields --fields names (comma-separated), in its order; all by default.
    (For search and export.)"""
    if given is None:
        return list(known)
    wanted = [f.strip().lower() for f in given.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in known]
    if unknown or not wanted:
        raise UsageError(
            f"--fields {given!r}: {', '.join(unknown) or 'no field'} is not a field here.",
            f"Choose among {', '.join(known)}.",
        )
    return list(dict.fromkeys(wanted))


def _write_file(path: Path, write: Any) -> int:
    """`write(file)` into `path`, which appears only once complete (keys.write_file)."""
    from conflictcli.keys import write_file

    path = path.expanduser()
    try:
        return int(write_file(path, write))
    except OSError as e:
        raise UsageError(
            f"Cannot write {path}: {e.strerror or e}.", "Choose another file with -o."
        ) from e


watch_app = typer.Typer(
    name="watch",
    help="Saved searches that show what is new since they last ran.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
app.add_typer(watch_app)


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name for the watch.")],
    query: Annotated[str, typer.Argument(metavar="QUERY", help="As for search.")],
    any_terms: AnyOpt = False,
    exact: ExactOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    place: PlaceOpt = None,
    dayfirst: DayfirstOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Save a search as a watch. What it finds now counts as seen: its first run shows
    the articles ingested after this. Stored in the archive, so it moves with it.

    Example: conflict watch add kherson "Kherson bridge" --source Reuters
    """
    req = _request(query, since, until, dayfirst, any_terms, exact, source, place)
    filters = {
        "since": since,
        "until": until,
        "sources": list(source or ()),
        "places": list(place or ()),
        "any": any_terms,
        "exact": exact,
        "dayfirst": dayfirst,
    }
    _open(index).watch_add(name, req, filters)
    _output().note(f"watching {query!r} as {name!r}; 'conflict watch run {name}' shows what is new")


@watch_app.command("list")
def watch_list(json: JsonOpt = False, color: ColorOpt = Color.auto, index: IndexOpt = None) -> None:
    """List the watches: name, query, filters, when each last ran."""
    _output().watches(_open(index).watches(), _format(json))


@watch_app.command("rm")
def watch_rm(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The watch to remove.")],
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Remove a watch, and its record of what it has shown."""
    _open(index).watch_rm(name)


@watch_app.command("run")
def watch_run(
    name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help="One watch (default: every one).")
    ] = None,
    peek: Annotated[
        bool, typer.Option("--peek", help="Show what is new without marking it seen.")
    ] = False,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Show the articles each watch finds that it has not shown before (those ingested
    since it last ran), then mark them seen. Into a pipe or a file it prints JSON Lines,
    one article a line with the 'watch' it belongs to: fit for cron and jq.

    Example: conflict watch run kherson --peek
    """
    fmt = _format(json, jsonl, csv)
    out = _output()
    if fmt is Format.table and not out.stdout_is_terminal():
        fmt = Format.jsonl
    archive = _open(index)
    watches = archive.watches()
    if name is not None:
        watches = [w for w in watches if w.name == name]
        if not watches:
            raise NotFound(f"No watch named {name!r}.", "'conflict watch list' lists them.")
    ran = []
    for w in watches:
        f = w.filters
        req = _request(
            w.query, f.get("since"), f.get("until"), bool(f.get("dayfirst")),
            bool(f.get("any")), bool(f.get("exact")), f.get("sources"), f.get("places"),
        )  # fmt: skip
        ran.append((w.name, archive.watch_run(w, req, peek)))
    out.watch_runs(ran, fmt)


def _query_lines(path: Path) -> list[tuple[int, str]]:
    """The queries of a file, each with its line number: blank lines and lines that
    start with # left out."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.expanduser().read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = getattr(e, "strerror", None) or str(e)
        raise UsageError(
            f"Cannot read the queries in {path}: {why}.",
            "Give a UTF-8 text file, one query a line.",
        ) from e
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
    found = [(n, q) for n, q in lines if q and not q.startswith("#")]
    if not found:
        raise UsageError(f"{path} holds no query.", "Write one query a line; '#' starts a comment.")
    return found


def _request(
    query: str,
    since: str | None,
    until: str | None,
    dayfirst: bool,
    any_terms: bool,
    exact: bool,
    source: list[str] | None,
    place: list[str] | None,
) -> SearchRequest:
    from conflictcli.query import build_request  # the query is read only to run

    return build_request(
        query,
        since,
        until,
        dayfirst,
        any_terms=any_terms,
        exact=exact,
        sources=tuple(source or ()),
        places=tuple(place or ()),
    )


def _explain(archive: Archive, req: SearchRequest, query: str, fmt: Format) -> None:
    if fmt not in (Format.table, Format.json):
        raise UsageError("--explain prints a table or, with --json, JSON.")
    _output().explanation(archive.explain(req), query, fmt)


@app.command()
def places(
    query: Annotated[
        str,
        typer.Argument(metavar="[QUERY]", help="Count in the articles that match (default: all)."),
    ] = "",
    any_terms: AnyOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    place: PlaceOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=0, metavar="N", help="How many places; 0 for all.")
    ] = 20,
    dayfirst: DayfirstOpt = False,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """List the places of the gazetteer most named in the matching articles, with how
    many articles name each (in any spelling: Kiev, Kyiv, Київ count as Kyiv).

    An article counts once for every place it names, so the counts add up to more than
    the articles. 'conflict search --place NAME' lists the articles of one.

    Example: conflict places "drone attack" --since 2023 -n 10
    """
    fmt = _format(json, jsonl, csv)
    from conflictcli.query import build_request

    req = build_request(
        query,
        since,
        until,
        dayfirst,
        any_terms=any_terms,
        sources=tuple(source or ()),
        places=tuple(place or ()),
    )
    got = _open(index).places(req, limit)
    _output().places(got, fmt)
    if not got.places:
        raise typer.Exit(ExitCode.NOT_FOUND)


def main() -> None:
    kept = app.registered_commands[:], app.registered_groups[:]
    _only_the_command_run(sys.argv[1:2])
    try:
        app(prog_name="conflict")
    finally:
        app.registered_commands[:], app.registered_groups[:] = kept


def _only_the_command_run(first: list[str]) -> None:
    """Typer turns every command's signature into Click's on each run, about 20 ms for
    all of them: when the first argument names a command, only that one is built. Any
    other start (none, --help, --version, a typo) keeps them all, so the usage and its
    suggestions list every command."""
    from typer.main import get_command_name

    if not first or first[0].startswith("-"):
        return
    name = first[0]
    commands = [
        c
        for c in app.registered_commands
        if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == name
    ]
    groups = [
        g for g in app.registered_groups if g.typer_instance and g.typer_instance.info.name == name
    ]
    if commands or groups:
        app.registered_commands[:], app.registered_groups[:] = commands, groups
