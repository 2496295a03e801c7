"""export --format xlsx: the rows of an export as one worksheet of an Excel workbook,
written a row at a time by XlsxWriter (imported here only, when a workbook is written).

Every cell from an article is hostile text. It is written as a string, never as a
formula, a link or a number read out of it (XlsxWriter's guesses are all off, and each
cell is written with write_string); the characters XML cannot hold are dropped; a text
longer than a cell holds is cut, and the cut cells counted once on stderr. The score is
the one number. Dates stay text in ISO form, as the archive holds them: they sort in
order, and no time zone or 1900/1904 epoch of Excel's can shift them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from conflictcli.errors import UsageError
from conflictcli.output import data
from conflictcli.output.console import flag, warning

if TYPE_CHECKING:
    from conflictcli.records.search import Result

MAX_ROWS = 1_048_576  # a sheet's rows in Excel, its header's among them
MAX_CELL = 32_767  # a cell's characters in Excel, in UTF-16 units (an emoji counts two)
SHEET = "articles"
# the workbook's options: every guess off, whatever method writes a cell; one row in
# memory at a time (the sheet goes through a temporary file)
OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# what XML 1.0 cannot hold: the C0 controls but tab, LF and CR; surrogates on their
# own (a file name read with surrogateescape); U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# columns' widths in characters, for reading; any other field gets the default
_WIDTHS = {"id": 17, "date": 11, "title": 50, "snippet": 60, "body": 80, "lang": 5}
_WIDTH = 18


def workbook(
    total: int, rows: Iterable[tuple[Result, str]], fields: list[str], out: IO[bytes]
) -> int:
    """Every row into an .xlsx workbook on the binary stream `out`: a header row, frozen
    and with a filter, then one row per article. Returns how many were written."""
    if total >= MAX_ROWS:  # refused before a byte is written
        raise _too_many(total)
    import tempfile

    import xlsxwriter

    from conflictcli.output.ingest import IngestProgress  # export's own bar

    n = cut = 0
    # XlsxWriter's temporary files in a folder of ours, gone even if the export is not
    with tempfile.TemporaryDirectory(prefix="conflict-xlsx-") as tmp:
        book = xlsxwriter.Workbook(out, {**OPTIONS, "tmpdir": tmp})
        sheet = _sheet(book, fields)
        with IngestProgress(True, "exporting") as bar:
            bar.start(total)
            for r, body in rows:
                n += 1
                if n >= MAX_ROWS:  # more than were counted (an ingest since)
                    raise _too_many(n)
                rec = data.exported(r, body, fields)
                cut += _write_row(sheet, n, [rec[k] for k in fields])
                bar.advance()
        sheet.autofilter(0, 0, n, len(fields) - 1)
        _close(book)
    if cut:
        cells = "1 cell was" if cut == 1 else f"{cut:,} cells were"
        warning(
            f"{cells} longer than an Excel cell holds and cut to its first {MAX_CELL:,} "
            "characters; --format csv or jsonl has the whole text."
        )
    return n


def _sheet(book: Any, fields: list[str]) -> Any:
    sheet = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True})
    for col, name in enumerate(fields):
        sheet.set_column(col, col, _WIDTHS.get(name, _WIDTH))
        sheet.write_string(0, col, name, bold)
    sheet.freeze_panes(1, 0)
    return sheet


def _write_row(sheet: Any, row: int, values: list[Any]) -> int:
    """One article's cells; returns how many were cut."""
    cut = 0
    for col, value in enumerate(values):
        if value is None or value == "":
            continue  # an empty cell
        if _number(value):
            sheet.write_number(row, col, value)
            continue
        text, was_cut = cell_text(value)
        sheet.write_string(row, col, text)
        cut += was_cut
    return cut


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def cell_text(value: Any) -> tuple[str, bool]:
    """A value as the text of a cell, and whether it was cut to fit: lists and mappings
    (highlights, meta) as JSON; line ends as LF, as Excel keeps them (and as XML reads a
    CR anyway); what XML cannot hold dropped; at most MAX_CELL UTF-16 units, never
    splitting a character."""
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(flag(value))
    text = _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) <= MAX_CELL // 2:  # two units a character at most: it fits
        return text, False
    units = text.encode("utf-16-le")
    if len(units) <= 2 * MAX_CELL:
        return text, False
    # a pair cut in half leaves a lone high surrogate, which "ignore" drops
    return units[: 2 * MAX_CELL].decode("utf-16-le", "ignore"), True


def _close(book: Any) -> None:
    """The workbook assembled and written to its stream. XlsxWriter wraps the system's
    error (a full disk, a closed pipe) in its own: it is raised as it was, for the
    command to name it as it names any other."""
    from xlsxwriter.exceptions import FileCreateError, FileSizeError

    try:
        book.close()
    except FileCreateError as e:
        cause = e.args[0] if e.args else None
        if isinstance(cause, OSError):
            raise cause from None
        raise
    except FileSizeError as e:  # a part past 4 GB would need ZIP64, which Excel reads badly
        raise UsageError(
            "The workbook would hold a part larger than 4 GB, which Excel cannot open.",
            "Narrow the query, leave out body with --fields, or use --format csv.",
        ) from e


def _too_many(n: int) -> UsageError:
    return UsageError(
        f"{n:,} articles match, and an Excel sheet holds at most {MAX_ROWS - 1:,} below "
        "its header row.",
        "Narrow the query (--since, --until, --source), or use --format csv or jsonl, "
        "which have no limit.",
    )
