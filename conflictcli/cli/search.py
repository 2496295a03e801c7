"""The commands that list articles: search (one query, or a file of them) and export."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from conflictcli.choices import Color, ExportFormat, Format, Layout, Sort
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
from conflictcli.errors import ConflictError, ExitCode, QueryError, UsageError
from conflictcli.filters import Filters

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conflictcli.archive import Archive, SearchResult
    from conflictcli.query import SearchRequest

QueryArg = Annotated[
    str,
    typer.Argument(
        metavar="QUERY", help='Words, "phrases", AND/OR/NOT, wild*, field:value, term~.'
    ),
]
FromFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--from-file",
        metavar="FILE",
        help="Run each query of FILE (one a line; '#' starts a comment line; - reads "
        "stdin) instead of QUERY, with the same options.",
    ),
]
CountOnlyOpt = Annotated[
    bool, typer.Option("--count", help="With --from-file: one row per query, its count.")
]
SortOpt = Annotated[Sort, typer.Option(help="Order of the results.")]
LimitOpt = Annotated[
    int,
    typer.Option(
        "--limit",
        "-n",
        min=0,
        metavar="N",
        show_default=False,
        help="How many results; 0 lists every full match. Default: $CONFLICT_PAGE_SIZE, "
        "else the config's page_size, else 10.",
    ),
]
OffsetOpt = Annotated[int, typer.Option(min=0, metavar="N", help="Skip this many results first.")]
EveryOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Show every copy of a story in the table (by default near-duplicates are "
        "one line, '+N similar').",
    ),
]
CollapseOpt = Annotated[
    bool,
    typer.Option(
        "--collapse",
        help="One result per story in --json, --jsonl and --csv too, with 'similar' "
        "(by default they list every article, each with its 'cluster').",
    ),
]
FieldsOpt = Annotated[
    str | None,
    typer.Option(
        metavar="A,B",
        help="With --json, --jsonl or --csv: only these fields of each result, in this "
        "order (id, date, title, source, url, path, cluster, score, snippet, highlights, "
        "partial, similar). Without snippet and highlights no text is read: fast for "
        "long lists. With --from-file too.",
    ),
]


@filtered(within=True)
def search(
    query: QueryArg = "",
    from_file: FromFileOpt = None,
    count_only: CountOnlyOpt = False,
    filters: Filters = Filters(),
    sort: SortOpt = Sort.relevance,
    limit: LimitOpt = 10,
    offset: OffsetOpt = 0,
    explain: ExplainOpt = False,
    every: EveryOpt = False,
    collapse: CollapseOpt = False,
    fields: FieldsOpt = None,
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
    """Search the archive; every term is required unless --any is given.

    AND, OR and NOT (upper case) are operators between terms; a query that reads as a
    sentence is searched as words, and a note on stderr says how it was read. A known
    name finds every spelling of it (Kiev, Kyiv, Київ, Киев); --exact turns that off.

    Example: conflict search "Belgorod drones" --since 2024-03 --sort newest
    """
    fmt = output_format(json, jsonl, csv, excel)
    if every and collapse:
        raise UsageError("Use --all or --collapse, not both.")
    chosen = _result_fields(fields, fmt, count_only or explain, query)
    collapse = collapse or (fmt is Format.table and not every)
    shown = layout(wide, compact)
    if from_file is not None or count_only:
        lines = _query_lines(_query_file(from_file, query, explain))
        reqs = [
            _partial(filters.with_query(q).request(sort, limit, offset, collapse), fmt)
            for _, q in lines
        ]
        _batch(open_archive(index), lines, reqs, fmt, (count_only, chosen, from_file, shown))
        return
    if not query.strip():
        raise UsageError("Give a query.", 'Example: conflict search "Belgorod drones"')
    req = _partial(filters.request(sort, limit, offset, collapse), fmt)
    archive = open_archive(index)
    if explain:
        print_explanation(archive, req, query, fmt)
        return
    result = _one(archive, req, fmt, chosen, shown, index)
    if not result.results:
        raise typer.Exit(ExitCode.NOT_FOUND)


def _one(
    archive: Archive,
    req: SearchRequest,
    fmt: Format,
    chosen: list[str] | None,
    shown: Layout,
    index: str | None,
) -> SearchResult:
    """One query's results, shown; the ids of those a person saw on a terminal are kept
    for shell completion (`conflict show <Tab>`), with the archive --index names."""
    from conflictcli.records.search import FROM_THE_INDEX

    rows = chosen is None or not set(chosen) <= FROM_THE_INDEX  # --fields id: the index alone
    result = archive.search(req, chosen is None or _cuts_snippets(chosen), rows)
    out = rendering()
    out.search_results(result, fmt, chosen, shown)
    if not result.total:  # no match (a table may list partial ones): did you mean, on stderr
        out.suggestions(archive.suggest(req))
    if fmt is Format.table and result.results and out.stdout_is_terminal():
        from conflictcli import completing

        completing.remember(index, [(r.id, r.title) for r in result.results])
    return result


def _partial(req: SearchRequest, fmt: Format) -> SearchRequest:
    """The request, with partial matches (articles holding only some of the terms) where
    they are shown: the terminal table lists them after the full matches, under their
    own heading; with --any, --json, --jsonl and --csv mark those among the matches.
    Otherwise a list holds only what `count` counts, whatever --limit."""
    wanted = (fmt is Format.table) != req.any_terms
    return replace(req, partial=wanted) if wanted else req


def _result_fields(
    given: str | None, fmt: Format, no_results: bool, query: str
) -> list[str] | None:
    """The fields --fields chooses for each result (None: every one); it chooses the
    fields of --json, --jsonl or --csv results, so neither a table nor counts nor an
    explanation (`no_results`) take it."""
    if given is None:
        return None
    if fmt is Format.table or no_results:
        raise UsageError(
            "--fields chooses the fields of each result in --json, --jsonl or --csv.",
            f'Example: conflict search "{query or "Kherson"}" --limit 0 --jsonl --fields id,date',
        )
    return _export_fields(given, rendering().SEARCH_FIELDS)


def _query_file(from_file: Path | None, query: str, explain: bool) -> Path:
    """The file of queries, once the options allow one."""
    if from_file is None or query:
        raise UsageError("Give a QUERY, or --from-file FILE (with --count if you like).")
    if explain:
        raise UsageError("--explain reads one query at a time.")
    return from_file


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


def _batch(
    archive: Archive,
    lines: list[tuple[int, str]],
    reqs: list[SearchRequest],
    fmt: Format,
    how: tuple[bool, list[str] | None, Path | None, Layout],
) -> None:
    """Each query of a file, its results or its count; a query that cannot be read is
    named with its line, and the others still run. `how`: --count, --fields, the file,
    the layout."""
    count_only, chosen, path, shown = how
    out = rendering()
    snippets = chosen is None or _cuts_snippets(chosen)
    failed: list[ConflictError] = []

    def each() -> Iterator[tuple[str, SearchResult | int]]:
        for (n, q), req in zip(lines, reqs, strict=True):
            try:
                found = None if count_only else archive.search(req, snippets)
                yield q, archive.count(req).count if found is None else found
            except QueryError as e:  # one bad line never stops the rest
                failed.append(QueryError(f"{path}, line {n}: {e.message}", e.hint))

    out.batch(each(), fmt, count_only, chosen, shown)
    for e in failed:
        out.error(e)
    if failed:
        raise typer.Exit(ExitCode.USAGE)


def print_explanation(archive: Archive, req: SearchRequest, query: str, fmt: Format) -> None:
    """How the query is read, instead of its results (search, count, timeline)."""
    if fmt not in (Format.table, Format.json):
        raise UsageError("--explain prints a table or, with --json, JSON.")
    rendering().explanation(archive.explain(req), query, fmt)


ExportFormatOpt = Annotated[
    ExportFormat,
    typer.Option("--format", "-f", help="JSON Lines, CSV, Markdown or an Excel workbook (xlsx)."),
]
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel", help="With --format csv: CSV as Excel opens it (a UTF-8 byte-order mark, CRLF)."
    ),
]


@filtered()
def export(
    query: Annotated[
        str,
        typer.Argument(metavar="[QUERY]", help="As for search; leave out with --all."),
    ] = "",
    every: Annotated[
        bool, typer.Option("--all", help="Every article of the archive (no query).")
    ] = False,
    fmt: ExportFormatOpt = ExportFormat.jsonl,
    excel: ExcelOpt = False,
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
    filters: Filters = Filters(),
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Write every matching article, with its full text, as JSON Lines, CSV, Markdown or
    an Excel workbook: no cap, in the order of 'search --limit 0', read a few hundred at
    a time.

    A progress bar shows on stderr when it is a terminal. With -o the file appears
    complete or not at all (written beside it, then renamed).

    Example: conflict export Kherson --since 2022-11 -f xlsx -o kherson.xlsx
    """
    out = rendering()
    chosen = _export_fields(fields, out.EXPORT_FIELDS)
    _export_asks(query, every, filters, fmt, excel)
    req = None if every else filters.request()
    archive = open_archive(index)
    total, rows = archive.export(req, snippets=_cuts_snippets(chosen), texts="body" in chosen)
    if output is None:
        written = out.export(total, rows, fmt.value, chosen, sys.stdout, excel)
    else:
        written = _write_file(
            output, lambda f: out.export(total, rows, fmt.value, chosen, f, excel)
        )
        out.note(f"wrote {written:,} articles to {output}")
    if not written:
        raise typer.Exit(ExitCode.NOT_FOUND)


def _export_asks(query: str, every: bool, filters: Filters, fmt: ExportFormat, excel: bool) -> None:
    """What export is asked makes sense: a query or --all (not both), --excel only on CSV
    (output.export refuses to write a workbook onto a terminal)."""
    if every and (query.strip() or filters.narrowed()):
        raise UsageError("--all exports the whole archive: give no query or filter with it.")
    if not every and not query.strip():
        raise UsageError(
            "Give a query, or --all for every article.",
            "Example: conflict export --all -o all.jsonl",
        )
    if excel and fmt is not ExportFormat.csv:
        raise UsageError(
            "--excel is for --format csv (a byte-order mark and CRLF line ends); "
            f"--format {fmt.value} cannot take it.",
            "Use -f csv --excel, or -f xlsx for an Excel workbook.",
        )


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
