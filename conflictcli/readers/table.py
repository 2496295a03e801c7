"""CSV and TSV: one article per row, its columns recognised by their usual names.

The delimiter is the csv sniffer's (comma, tab, semicolon or bar), quoted fields may
span lines, and the first row names the columns. Rows are numbered as a spreadsheet
numbers them: the header is row 1, the first article row 2, so `file.csv:2` is the
first article. A field of more than the characters an article may hold, or a row of
more than MAX_LINE_CHARS, is skipped as soon as the reading passes that, never held
whole; the rows after it are read."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.readers.base import (
    TOO_LONG_FIELD,
    CsvLines,
    Listed,
    Problems,
    Readline,
    SkipFile,
    TextLines,
    TooLong,
    decode,
    from_fields,
    recognise,
)
from conflictcli.readers.sidecar import Sidecars

# the csv reader stops at a field this long (and CsvLines drops the rest of its row)
csv.field_size_limit(MAX_ARTICLE_CHARS)
DELIMITERS = ",\t;|"


def read(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode(data).lstrip("\ufeff")
    if not text.strip():
        raise SkipFile("empty file")
    return list(articles(path, TextLines(text).readline, text, sidecars, problems))


def articles(
    path: Path,
    readline: Readline,
    sample: str,
    sidecars: Sidecars,
    problems: Problems,
    close: Callable[[], None] | None = None,
) -> Iterator[Article]:
    """The articles of a CSV read with `readline(limit)` (of a text opened with
    newline=""), as they are read (a file of any size streams); `sample`, the start of
    the text, tells the delimiter. Raises SkipFile before the first article when the
    header names no text column. `close` is called once the rows are all read."""
    dialect = _dialect(sample, tab=".tsv" in path.suffixes[-2:])
    lines = CsvLines(readline, dialect.delimiter, csv.field_size_limit())
    rows = csv.reader(lines, dialect)
    try:
        header = next(rows)
    except (csv.Error, TooLong) as e:
        why = TOO_LONG_FIELD if "field limit" in str(e) else str(e)
        raise SkipFile(f"not a readable CSV: its first row: {why}") from e
    except StopIteration:
        raise SkipFile("empty file") from None
    columns = recognise(header, sidecars.columns)
    if "text" not in columns:
        shown = ", ".join(repr(h[:40]) for h in header[:12])
        raise SkipFile(
            f"no text column among {shown}; name it text, body, content, article or maintext"
        )
    at = {name: header.index(col) for name, col in columns.items()}
    return _rows(rows, lines, at, Listed(problems), close)


def _rows(
    rows: Iterator[list[str]],
    lines: CsvLines,
    at: dict[str, int],
    problems: Listed,
    close: Callable[[], None] | None,
) -> Iterator[Article]:
    n = 1
    try:
        while True:
            n += 1
            try:
                row = next(rows)
            except StopIteration:
                break
            except TooLong as e:  # read to its end and dropped already
                problems.add(n, str(e))
                continue
            except csv.Error as e:  # the rest of its row is dropped: the next one is read
                lines.skip_row()
                why = TOO_LONG_FIELD if "field limit" in str(e) else f"not a CSV row: {e}"
                problems.add(n, why)
                continue
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            fields = {name: row[i] if i < len(row) else "" for name, i in at.items()}
            try:
                article = from_fields(fields, row=n)
            except ValueError as e:
                problems.add(n, str(e))
                continue
            yield article
    finally:
        problems.close()
        if close is not None:
            close()


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
