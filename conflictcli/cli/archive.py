"""The commands that fill, empty, check and describe the archive: ingest, reindex, rm,
check, copy, stats, show, open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from conflictcli.choices import Color
from conflictcli.cli import completion
from conflictcli.cli.group import rendering
from conflictcli.cli.options import (
    ColorOpt,
    IndexOpt,
    JsonOpt,
    QuietOpt,
    WaitOpt,
    location,
    open_archive,
    output_format,
)
from conflictcli.errors import WAIT_S, ExitCode, UsageError

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(metavar="PATH", help="Files or folders (read recursively).", show_default=False),
]
PruneOpt = Annotated[
    bool, typer.Option("--prune", help="Remove articles whose files under PATH are gone.")
]
MapOpt = Annotated[
    str | None,
    typer.Option(
        "--map",
        metavar="FIELD=COLUMN,...",
        help="Name the CSV columns or JSON keys that hold text, title, date, url, source "
        "when their names are not the usual ones (text=story,date=when).",
    ),
]
DayfirstIngestOpt = Annotated[
    bool,
    typer.Option(
        "--dayfirst/--no-dayfirst",
        show_default=False,
        help="Read numeric dates that could be either way (05.11.2024, 05/11/2024) day "
        "first in every file. Without it a file's own dates decide (21.11.2024: day first), "
        "and a file whose dates all read either way follows their separator (dots and "
        "dashes day first, slashes month first), with a warning. Default: "
        "$CONFLICT_DAYFIRST, else the config's dayfirst.",
    ),
]
RehashOpt = Annotated[
    bool,
    typer.Option(
        "--rehash", help="Read and hash every file, even those whose size and time are unchanged."
    ),
]
RebuildOpt = Annotated[
    bool,
    typer.Option(
        "--rebuild",
        help="Build the search index again from the catalogue (PATH may then be left out).",
    ),
]


EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="The search engine of a new archive: whoosh (the default) or tantivy (big "
        "archives; pip install 'conflict[tantivy]'). Default: $CONFLICT_ENGINE, else whoosh.",
        show_default=False,
    ),
]


def ingest(
    paths: PathsArg = None,
    prune: PruneOpt = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no warnings.")
    ] = False,
    map_: MapOpt = None,
    dayfirst: DayfirstIngestOpt = False,
    rehash: RehashOpt = False,
    rebuild: RebuildOpt = False,
    wait: WaitOpt = WAIT_S,
    engine: EngineOpt = None,
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
    with rendering().IngestProgress(enabled=not quiet) as progress:
        summary = run_ingest(
            location(index),
            paths or [],
            prune=prune,
            progress=progress,
            rehash=rehash,
            rebuild=rebuild,
            columns=_columns(map_),
            wait=wait,
            dayfirst=dayfirst,
            engine=engine,
        )
    rendering().ingest_summary(summary, output_format(json), quiet)
    if summary.nothing_read:
        raise typer.Exit(ExitCode.NOT_FOUND)


def reindex(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    wait: WaitOpt = WAIT_S,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Build the index of this engine (whoosh or tantivy) instead: the archive "
            "uses it from then on.",
            show_default=False,
        ),
    ] = None,
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

    with rendering().IngestProgress(enabled=not quiet) as progress:
        summary = run_reindex(location(index), progress=progress, wait=wait, engine=engine)
    rendering().ingest_summary(summary, output_format(json), quiet)


def rm(
    refs: Annotated[
        list[str],
        typer.Argument(
            metavar="ID|PATH...",
            help="Article ids (or unique prefixes of 4+ characters, or FILE:ROW), or files "
            "and folders as they were ingested (every article read from them).",
            show_default=False,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be removed; change nothing.")
    ] = False,
    wait: WaitOpt = WAIT_S,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Remove articles from the archive: by id, or every article read from a file or a
    folder, from the catalogue and the search index alike.

    An article that a file not named holds too is kept. The files are forgotten: a later
    ingest of them brings their articles back. What names nothing is listed, the rest
    removed all the same (exit 1 then).

    Example: conflict rm sample_data/ --dry-run
    """
    from conflictcli.removing import remove

    summary = remove(location(index), refs, dry_run=dry_run, wait=wait)
    rendering().removal(summary, output_format(json))
    if summary.not_found:
        raise typer.Exit(ExitCode.NOT_FOUND)


def copy(
    source: Annotated[
        str,
        typer.Option(
            "--from", metavar="DIR|URL", help="The archive to copy from.", show_default=False
        ),
    ],
    target: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="DIR|URL",
            help="The archive to copy into (made if missing).",
            show_default=False,
        ),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    wait: WaitOpt = WAIT_S,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Copy an archive into another: a folder into a team archive, or back.

    Every article with its text, story and language, and every file record, without
    reading the files again; then the target's search index is built. Articles the
    target holds already stay as they are.

    Example: conflict copy --from ~/archive --to postgresql://me@db.example/desk
    """
    from conflictcli.copying import copy as run_copy

    with rendering().IngestProgress(enabled=not quiet) as progress:
        summary = run_copy(location(source), location(target), wait, progress)
    rendering().ingest_summary(summary, output_format(json), quiet)


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


def show(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="Article id, a unique prefix of 4+ characters, or a file path.",
            autocompletion=completion.article,
        ),
    ],
    highlight: Annotated[
        str | None, typer.Option(help="Mark the terms of this query in the text.")
    ] = None,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Print the whole text even when it is longer than the screen (by default "
            "a terminal shows it through $PAGER, else less -R).",
        ),
    ] = False,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Print one article: its header and its whole text.

    On a terminal, an article longer than the screen opens in a pager ($PAGER, else
    less -R; LESS=FRX unless LESS is set); never into a pipe or a file.

    Example: conflict show 3f2a9c1e --highlight "Belgorod drones"
    """
    fmt = output_format(json)
    archive = open_archive(index)
    art = archive.resolve(ref)
    spans = archive.engine.mark(art.body, highlight) if highlight else []
    rendering().article(art, fmt, spans, archive.story(art), not no_pager)


def open_article(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="Article id, a unique prefix of 4+ characters, or a file path.",
            autocompletion=completion.article,
        ),
    ],
    index: IndexOpt = None,
) -> None:
    """Open an article in the web browser: its url, or its file where it has none.

    BROWSER chooses the browser (else the system's). Only http and https addresses are
    opened: any other (javascript:, file:, data:) is refused with exit code 1.

    Example: conflict open 3f2a9c1e
    """
    from conflictcli import opening

    where = opening.address(open_archive(index).resolve(ref))
    rendering().note(f"opening {where}")
    opening.open_address(where)


def stats(json: JsonOpt = False, color: ColorOpt = Color.auto, index: IndexOpt = None) -> None:
    """Count the archive: articles, dates, articles per month, size on disk.

    Example: conflict stats --json
    """
    rendering().stats(open_archive(index).stats(), output_format(json))


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
    from conflictcli.ingest import rebuild_index

    report = run_check(location(index), repair=repair, wait=wait, rebuild=rebuild_index)
    rendering().check_report(report, output_format(json))
    if not report.ok:
        raise typer.Exit(ExitCode.NOT_FOUND)
