"""The options more than one command takes, each declared once, and what turns them into
values: the output format, the archive, and the Filters of a search (`filtered`)."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from conflictcli.choices import Color, Format, Layout, Within
from conflictcli.cli import completion
from conflictcli.cli.group import rendering
from conflictcli.errors import UsageError
from conflictcli.filters import Filters

if TYPE_CHECKING:
    from conflictcli.archive import Archive

# the settings (settings.py) give the defaults of --index, --dayfirst, --color and
# search's --limit, from the environment or the config file (cli.group.Defaults)
IndexOpt = Annotated[
    str | None,
    typer.Option(
        "--index",
        show_default=False,
        metavar="DIR|URL",
        help="Archive folder, or a team archive's PostgreSQL URL (postgresql://USER@HOST/DB, "
        "or service=NAME). Default: $CONFLICT_INDEX, else the config's archive, else "
        "conflict/ in the user's data directory ('conflict where' shows it).",
    ),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait",
        metavar="SECONDS",
        help="Wait this long for another ingest writing to the archive (0: fail at once).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
JsonlOpt = Annotated[bool, typer.Option("--jsonl", help="Print one JSON object per line.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")]
ExcelCsvOpt = Annotated[
    bool,
    typer.Option(
        "--excel",
        help="With --csv: CSV as Excel opens it (a UTF-8 byte-order mark, CRLF line ends).",
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
WideOpt = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="On a terminal, the full table (title and snippet wrapped in their columns) "
        "however narrow it is; below 120 columns results take two lines each.",
    ),
]
CompactOpt = Annotated[
    bool,
    typer.Option("--compact", help="On a terminal, two lines a result however wide it is."),
]


def layout(wide: bool, compact: bool) -> Layout:
    """The layout --wide or --compact asks for (a pipe always gets the full table)."""
    if wide and compact:
        raise UsageError("Use --wide or --compact, not both.")
    return Layout.wide if wide else Layout.compact if compact else Layout.auto


def _use_color(mode: Color) -> None:
    rendering().use_color(mode)


ColorOpt = Annotated[
    Color,
    typer.Option(
        "--color",
        callback=_use_color,
        is_eager=True,
        show_default=False,
        help="Colour and marks: auto (on a terminal, unless NO_COLOR is set), always, never. "
        "Default: $CONFLICT_COLOR, else the config's color, else auto.",
    ),
]


def _be_quiet(quiet: bool) -> bool:
    rendering().be_quiet(quiet)
    return quiet  # what a callback returns is the option's value


QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        callback=_be_quiet,
        help="No notes on stderr (how the query was read, what the list holds, a file "
        "written); errors and warnings still show.",
    ),
]

# -- the filters of a search ------------------------------------------------------
WithinOpt = Annotated[
    Within | None,
    typer.Option(
        help="Only articles where one sentence (or paragraph) holds every term; the "
        "snippet is that sentence."
    ),
]
AnyOpt = Annotated[
    bool, typer.Option("--any", help="Match articles holding any of the terms (OR), best first.")
]
ExactOpt = Annotated[
    bool,
    typer.Option(
        "--exact", help="Names as typed: no other spellings (Kiev finds Kiev, not Kyiv or Київ)."
    ),
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
        autocompletion=completion.source,
        help="Only articles of this outlet (any case; repeat for several). "
        "'conflict sources' lists them.",
    ),
]
PlaceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--place",
        metavar="NAME",
        autocompletion=completion.place,
        help="Only articles that name this place, in any spelling (Kiev, Kyiv, Київ; "
        "repeat for any of several). 'conflict places' lists them.",
    ),
]
LangOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--lang",
        metavar="CODE",
        help="Only articles in this language, as ingest detected it (en, ru, uk, ar; "
        "repeat for any of several). 'conflict count \"*\" --by lang' lists them.",
    ),
]
CountryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--country",
        metavar="CODE",
        help="Only articles that name a place in this country (ISO code: UA, PS, SD; "
        "repeat for any of several). 'conflict count \"*\" --by country' lists them.",
    ),
]
DayfirstOpt = Annotated[
    bool,
    typer.Option(
        "--dayfirst/--no-dayfirst",
        show_default=False,
        help="Read 02/03/2022 as 2 March (day first), or as 3 February (month first). "
        "Default: $CONFLICT_DAYFIRST, else the config's dayfirst, else month first.",
    ),
]


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)  # fmt: skip


# in the order help lists them, where a command's parameter `filters` stands
FILTER_OPTIONS = {
    "within": _option("within", WithinOpt, None),
    "any_terms": _option("any_terms", AnyOpt, False),
    "exact": _option("exact", ExactOpt, False),
    "since": _option("since", SinceOpt, None),
    "until": _option("until", UntilOpt, None),
    "source": _option("source", SourceOpt, None),
    "place": _option("place", PlaceOpt, None),
    "lang": _option("lang", LangOpt, None),
    "country": _option("country", CountryOpt, None),
}
DAYFIRST = _option("dayfirst", DayfirstOpt, False)
# --dayfirst is listed apart: just before the first of these a command takes
DAYFIRST_BEFORE = ("explain", "json", "color")

Command = Callable[..., None]


def filtered(*, within: bool = False, exact: bool = True) -> Callable[[Command], Command]:
    """Give a command the filter options in place of its parameter `filters` (--within
    only if asked, --exact unless refused), and call it with the one Filters they make,
    its QUERY included when it has one."""
    names = [n for n in FILTER_OPTIONS if (within or n != "within") and (exact or n != "exact")]

    def decorate(command: Command) -> Command:
        declared = inspect.signature(command, eval_str=True).parameters.values()
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in declared]
        at = [p.name for p in params].index("filters")
        params[at : at + 1] = [FILTER_OPTIONS[n] for n in names]
        params.insert(next(i for i, p in enumerate(params) if p.name in DAYFIRST_BEFORE), DAYFIRST)

        @functools.wraps(command)
        def run(**given: Any) -> None:
            chosen = {n: given.pop(n) for n in [*names, "dayfirst"]}
            command(**given, filters=_filters(given.get("query", ""), **chosen))

        # Typer reads a command's options from its signature: this one's, not command's
        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate


def _filters(
    query: str,
    *,
    within: Within | None = None,
    any_terms: bool,
    exact: bool = False,
    since: str | None,
    until: str | None,
    source: list[str] | None,
    place: list[str] | None,
    lang: list[str] | None = None,
    country: list[str] | None = None,
    dayfirst: bool,
) -> Filters:
    return Filters(
        query=query,
        since=since,
        until=until,
        dayfirst=dayfirst,
        sources=tuple(source or ()),
        places=tuple(place or ()),
        langs=_codes(
            lang, "--lang", LANG_CODE, "a language code of two or three letters (en, ru, uk, ar)"
        ),
        countries=_codes(
            country, "--country", COUNTRY_CODE, "a country code of two letters (UA, PS, SD)"
        ),
        any_terms=any_terms,
        exact=exact,
        within=within.value if within else None,
    )


LANG_CODE = re.compile(r"[a-z]{2,3}\Z")
COUNTRY_CODE = re.compile(r"[A-Z]{2}\Z")


def _codes(
    given: list[str] | None, option: str, form: re.Pattern[str], what: str
) -> tuple[str, ...]:
    """The codes an option names, each checked (a language in lower case, a country in
    upper case, however typed)."""
    out = []
    for typed in given or ():
        for part in typed.split(","):
            code = part.strip()
            code = code.upper() if form is COUNTRY_CODE else code.lower()
            if not form.match(code):
                raise UsageError(
                    f"{option} {typed!r} is not {what}.", "Repeat the option for several."
                )
            out.append(code)
    return tuple(dict.fromkeys(out))


def output_format(
    json: bool = False, jsonl: bool = False, csv: bool = False, excel: bool = False
) -> Format:
    chosen = [f for f, on in ((Format.json, json), (Format.jsonl, jsonl), (Format.csv, csv)) if on]
    if len(chosen) > 1:
        raise UsageError("Use just one of --json, --jsonl or --csv.")
    if excel and not csv:
        raise UsageError(
            "--excel is for --csv (a byte-order mark and CRLF line ends).",
            "Add --csv, or use 'conflict export QUERY -f xlsx' for an Excel workbook.",
        )
    rendering().use_excel_csv(excel)
    return chosen[0] if chosen else Format.table


def location(index: str | None) -> Path | str:
    """The archive --index names (or $CONFLICT_INDEX, or the config's archive: the
    settings give --index its default): a folder, or a team archive's URL as it was
    given; none named, conflict/ in the user's data directory."""
    from conflictcli.folders import default_archive
    from conflictcli.team import is_team  # the catalogue loads only to run

    if index and is_team(index):
        return index.strip()
    return Path(index).expanduser() if index else default_archive()


def open_archive(index: str | None) -> Archive:
    from conflictcli import team

    return team.open_archive(location(index))
