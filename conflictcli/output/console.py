"""Where the rendering writes, and how: the consoles, --color, messages on stderr, text
from outside made safe for a terminal, and the writers of JSON, JSON Lines and CSV.

Rich is imported only where something is drawn with it (a table, a terminal), so JSON,
CSV and piped messages never load it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from conflictcli.choices import Color

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

    from conflictcli.errors import ConflictError

MARK = "bold black on yellow"
WIDE = 100_000  # a pipe or a file has no width: nothing is cut or wrapped
BAR_ROOM_PIPED = 50
MARK_SGR = ("\x1b[1;30;43m", "\x1b[0m")  # MARK, for text written without Rich
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.M)

_color = Color.auto
_quiet = False


_excel_csv = False  # --excel: CSV on stdout as Excel opens it (csv_writer)


def use_excel_csv(on: bool) -> None:
    """--excel for this run's CSV (search, count, timeline, places, similar, watch run)."""
    global _excel_csv
    _excel_csv = on


def use_color(mode: Color) -> None:
    """--color for this run: auto, always or never (NO_COLOR is honoured under auto)."""
    global _color
    _color = mode


def be_quiet(quiet: bool) -> None:
    """--quiet for this run: no notes (errors and warnings still show)."""
    global _quiet
    _quiet = quiet


def quiet() -> bool:
    return _quiet


def reset() -> None:
    """A run's start: colour as auto, notes shown, CSV as scripts read it, until its
    options say otherwise."""
    use_color(Color.auto)
    be_quiet(False)
    use_excel_csv(False)


def _console(**kw: Any) -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # Rich would exit 1; a reader that went away (| head) is not an error
            raise BrokenPipeError

    if _color is Color.always:
        kw.update(force_terminal=True, no_color=False)
    elif _color is Color.never:
        kw.update(color_system=None, no_color=True)
    return _Console(highlight=False, **kw)


def _styled_stderr() -> bool:
    """Messages are drawn with Rich only where styles can show."""
    return _color is Color.always or (_color is Color.auto and sys.stderr.isatty())


def say(*parts: tuple[str, str | None]) -> None:
    """One message line on stderr from (text, style) parts: styled on a terminal,
    plain text (no Rich) into a pipe or a file. Parts are escaped with safe()."""
    if not _styled_stderr():
        sys.stderr.write("".join(safe(text) for text, _ in parts) + "\n")
        return
    from rich.text import Text

    line = Text()
    for text, style in parts:
        line.append(safe(text), style=style)
    stderr().print(line)


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal. The other modules of the rendering call it as
    `console.stdout_is_terminal()`, so that a test can set it for all of them."""
    return sys.stdout.isatty()


def stdout() -> Console:
    return _console(soft_wrap=False)


def stderr() -> Console:
    # soft_wrap: a message is one line however narrow the terminal or pipe, so it greps
    return _console(stderr=True, soft_wrap=True)


def emit(*renderables: RenderableType) -> None:
    """Print to stdout: fitted to a terminal; into a pipe or a file at full width, lines
    never cut or wrapped, no trailing spaces, colour only with --color always."""
    if stdout_is_terminal():
        out = stdout()
        for r in renderables:
            out.print(r)
        return
    buf = io.StringIO()
    kw: dict[str, Any] = {"color_system": "standard"} if _color is Color.always else {}
    wide = _console(file=buf, width=WIDE, soft_wrap=False, **kw)
    for r in renderables:
        wide.print(r)
    sys.stdout.write(_TRAILING.sub(r"\1", buf.getvalue()))


def colored_pipe() -> bool:
    return _color is Color.always


def safe(text: str) -> str:
    """Text from outside never drives the terminal: control characters (ESC, CR, BEL,
    bidirectional overrides) are shown as escapes; newlines and tabs stay."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


# control characters, bidirectional marks and overrides, and the invisible ones (zero
# width spaces and joiners, word joiner, BOM) that hide what a line really says
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def marked(text: str, spans: list[tuple[int, int]]) -> Text:
    """`text` with the spans marked, its control characters escaped (spans kept)."""
    from rich.text import Text

    t, at = Text(), 0
    for start, end in sorted(spans):
        if start < at:
            continue
        t.append(safe(text[at:start]))
        t.append(safe(text[start:end]), style=MARK)
        at = end
    t.append(safe(text[at:]))
    return t


# -- messages ---------------------------------------------------------------------
def error(e: ConflictError) -> None:
    say(("Error: ", "bold red"), (e.message, None), (" " + e.hint if e.hint else "", None))


def note(message: str) -> None:
    """A note on stderr: how a query was read, what a list holds, a file written. The
    one place --quiet silences."""
    if not _quiet:
        say((message, "dim"))


def warning(message: str) -> None:
    say(("Warning: ", "yellow"), (message, None))


# -- JSON, JSON Lines, CSV --------------------------------------------------------
def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def emit_json_rows(head: dict[str, Any], key: str, rows: Iterable[Any]) -> None:
    """One JSON object: the `head` fields on the first line, then `key`, a list with one
    row per line (as sqlite-utils prints rows). Python's JSON encoder is written in C
    only without indent=: with it, a long page of results spent a third of its time
    indenting."""
    first = json.dumps({**head, key: []}, ensure_ascii=False)
    out = sys.stdout
    out.write(first[: -len("[]}")] + "[")
    sep = "\n"
    for row in rows:
        out.write(sep + json.dumps(row, ensure_ascii=False))
        sep = ",\n"
    out.write("\n]}\n" if sep != "\n" else "]}\n")


def emit_jsonl(rows: Iterable[Any]) -> None:
    """One JSON object a line."""
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


def csv_writer(out: IO[str] | None = None, excel: bool | None = None) -> Any:
    """A CSV writer on `out`, stdout if None (as it is when called: a test replaces it).
    `excel` (--excel; None: as this run's --excel says): first the UTF-8 byte-order mark that tells Excel the
    encoding (without it, Excel reads the file in the system's code page), then CRLF
    line ends, as Excel writes CSV itself and RFC 4180 asks."""
    out = out if out is not None else sys.stdout
    if not (_excel_csv if excel is None else excel):
        return csv.writer(out, lineterminator="\n")
    out.write("\ufeff")
    return csv.writer(out, lineterminator="\r\n")


def flag(value: Any) -> Any:
    """A bool as the search CSV writes partial: true or false."""
    return ("true" if value else "false") if isinstance(value, bool) else value


def cell(value: Any, terminal: bool | None = None) -> Any:
    """A CSV cell never runs as a formula in a spreadsheet: text that starts with
    = + - @ (or a tab or carriage return) gets a leading apostrophe. On a terminal
    (`terminal`, or stdout when None) its control characters are escaped (safe());
    into a pipe or file it is the text as it is."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if terminal if terminal is not None else stdout_is_terminal():
        value = safe(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
