"""CSV and TSV: one article per row, its columns recognised by their usual names.

The delimiter is the csv sniffer's (comma, tab, semicolon or bar), quoted fields may
span lines and be of any size, and the first row names the columns. Rows are numbered
as a spreadsheet numbers them: the header is row 1, the first article row 2, so
`file.csv:2` is the first article."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from conflictcli.articles import Article
from conflictcli.readers.base import Problems, SkipFile, decode, from_fields, recognise
from conflictcli.readers.sidecar import Sidecars

csv.field_size_limit(1 << 30)  # a whole article in a cell is larger than the default
DELIMITERS = ",\t;|"


def read(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode(data).lstrip("\ufeff")
    if not text.strip():
        raise SkipFile("empty file")
    return list(articles(path, io.StringIO(text, newline=""), text, sidecars, problems))


def articles(
    path: Path, lines: Iterable[str], sample: str, sidecars: Sidecars, problems: Problems
) -> Iterator[Article]:
    """The articles of a CSV's lines, as they are read (a file of any size streams);
    `sample`, the start of the text, tells the delimiter. Raises SkipFile before the
    first article when the header names no text column."""
    dialect = _dialect(sample, tab=".tsv" in path.suffixes[-2:])
    rows = csv.reader(lines, dialect)
    try:
        header = next(rows)
    except csv.Error as e:
        raise SkipFile(f"not a readable CSV: {e}") from e
    columns = recognise(header, sidecars.columns)
    if "text" not in columns:
        shown = ", ".join(repr(h) for h in header[:12])
        raise SkipFile(
            f"no text column among {shown}; name it text, body, content, article or maintext"
        )
    at = {name: header.index(col) for name, col in columns.items()}
    return _rows(rows, at, problems)


def _rows(rows: Iterator[list[str]], at: dict[str, int], problems: Problems) -> Iterator[Article]:
    n = 1
    while True:
        n += 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append((n, f"not a CSV row: {e}"))
            continue
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        fields = {name: row[i] if i < len(row) else "" for name, i in at.items()}
        try:
            article = from_fields(fields, row=n)
        except ValueError as e:
            problems.append((n, str(e)))
            continue
        yield article


def _dialect(text: str, tab: bool) -> type[csv.Dialect]:
    """Excel's dialect with the sniffed delimiter. Only the delimiter is taken from the
    sniffer: its guess of doublequote is often wrong (on the Guardian's CSV it read
    quoted quotes "" as the end of a field, and 188 rows became 217)."""
    if tab:
        return csv.excel_tab
    try:
        sniffed = csv.Sniffer().sniff(text[: 64 * 1024], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return csv.excel

    class Sniffed(csv.excel):
        delimiter = sniffed

    return Sniffed
