"""CSV and TSV: one article per row, its columns recognised by their usual names.

The delimiter is the csv sniffer's (comma, tab, semicolon or bar), quoted fields may
span lines, and the first row names the columns. Rows are numbered as a spreadsheet
numbers them: the header is row 1, the first article row 2, so `file.csv:2` is the
first article. A field of more than the characters an article may hold, or a row of
more than MAX_LINE_CHARS, is skipped as soon as the reading passes that, never held
whole; the rows after it are read.

A quote that opens a field and does not close where the field ends (a straight `"`
closed by a curly `”`, say) would take the lines after it into that field, up to the
next quote anywhere: rows lost without a word. A row read so is read again, a line at a
time, when each of its lines reads as a row of its own (the header's number of fields,
a quote that does not close on its line taken as a character) and the row itself does
not: its number of fields is not the header's, a quote in it stands where none may, or
it runs past RUNAWAY_LINES lines. The file's first such row is named in a warning."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.readers.base import (
    CHUNK,
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
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
# A quoted field of more lines than this, each of which reads as a row of its own, is a
# quote that does not close: those lines are read as rows, and the reading goes on from
# the next line as from a row's start (no legitimate text has a hundred lines that each
# hold the header's number of fields).
RUNAWAY_LINES = 100
# the most of one row held to be read again (a row of longer lines is read as it is)
RUNAWAY_CHARS = CHUNK // 2


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
    lines = _Lines(readline, dialect.delimiter, csv.field_size_limit())
    try:
        header = next(csv.reader(lines, dialect))
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
    table = _Table(path, dialect, len(header), at, sidecars, Listed(problems))
    return table.rows(lines, close)


class _Lines(CsvLines):
    def restart(self) -> None:
        """Read on from the next line as from a row's start: the lines of the row so far
        were taken back (a quote that does not close), not dropped."""
        self._ended = True  # so that skip_row drops nothing, and only starts a row
        self.skip_row()


class _Runaway(Exception):
    """A quoted field past RUNAWAY_LINES lines, each a row of its own: those lines."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines


class _Kept:
    """The lines CsvLines hands the csv reader, the lines of a row that starts with a
    quote in it kept (RUNAWAY_LINES of them and RUNAWAY_CHARS characters at most), so
    that a row a quote made of many can be read again as its rows. A row whose first
    line holds no quote ends on that line: nothing is kept. `done()` ends a row."""

    def __init__(self, lines: _Lines, each_a_row: Callable[[list[str]], bool]) -> None:
        self._lines, self._each_a_row = lines, each_a_row
        self.open = False  # a row with a quote is being read
        self.kept: list[str] = []
        self.span = 0  # lines of that row so far
        self._chars = 0
        self._held = True  # False once the row is too long to be held: read as it is

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if not self.open:
            if '"' not in line:
                return line
            self.open = True
        self.span += line.endswith(("\n", "\r"))
        if not self._held:
            return line
        self.kept.append(line)
        self._chars += len(line)
        if self._chars > RUNAWAY_CHARS:
            self.kept, self._held = [], False
        elif len(self.kept) > RUNAWAY_LINES:
            if self._each_a_row(self.kept):
                self._lines.restart()
                raise _Runaway(self.done())
            self.kept, self._held = [], False
        return line

    def done(self) -> list[str]:
        """The lines of the row read (none when it was too long to hold)."""
        kept = self.kept
        self.open, self.kept, self.span, self._chars, self._held = False, [], 0, 0, True
        return kept


class _Table:
    """The rows of one CSV after its header, made articles."""

    def __init__(
        self,
        path: Path,
        dialect: type[csv.Dialect],
        width: int,
        at: dict[str, int],
        sidecars: Sidecars,
        problems: Listed,
    ) -> None:
        self.path, self.dialect, self.width, self.at = path, dialect, width, at
        self.sidecars, self.problems = sidecars, problems
        delimiter = str(dialect.delimiter)
        self.delimiter = delimiter
        d = re.escape(delimiter)
        # a quoted field that closes where the field ends, or anything up to the delimiter
        self._field = re.compile(rf'"((?:[^"]|"")*+)"(?={d}|\Z)|[^{d}]*')
        self.warning: str | None = None  # the file's first quote that did not close ...
        self._unsaid = False  # ... said with the next article

    def rows(self, lines: _Lines, close: Callable[[], None] | None) -> Iterator[Article]:
        kept = _Kept(lines, self._each_a_row)
        rows = csv.reader(kept, self.dialect)
        n = 1
        try:
            while True:
                n += 1
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except _Runaway as e:
                    yield from self._again(e.lines, n)
                    n += len(e.lines) - 1
                    continue
                except TooLong as e:  # read to its end and dropped already
                    kept.done()
                    self.problems.add(n, str(e))
                    continue
                except csv.Error as e:  # the rest of its row is dropped: the next one is read
                    lines.skip_row()
                    kept.done()
                    why = TOO_LONG_FIELD if "field limit" in str(e) else f"not a CSV row: {e}"
                    self.problems.add(n, why)
                    continue
                span = 1
                if kept.open:
                    span = kept.span
                    held = kept.done()
                    if len(held) > 1 and self._runaway(row, held):
                        yield from self._again(held, n)
                        n += len(held) - 1
                        continue
                article = self._article(row, n, span)
                if article is not None:
                    yield article
        finally:
            self.problems.close()
            if self._unsaid and self.warning:  # no article came after it to carry it
                self.sidecars.warnings.append(f"{self.path}: {self.warning}")
            if close is not None:
                close()

    def _article(self, row: list[str], n: int, span: int = 1) -> Article | None:
        """The article of row n (None, and the reason listed, when it gives none)."""
        if not any(cell.strip() for cell in row):
            return None  # a blank line
        fields = {name: row[i] if i < len(row) else "" for name, i in self.at.items()}
        try:
            article = from_fields(fields, row=n)
        except ValueError as e:
            why = str(e)
            if span > 1:  # a quoted field ran over lines: say so, it may be a stray quote
                why += (
                    f" (a quoted field runs over the {span} lines from here: do its quotes close?)"
                )
            self.problems.add(n, why)
            return None
        if self._unsaid and self.warning:
            article.warnings.append(self.warning)
            self._unsaid = False
        return article

    def _runaway(self, row: list[str], lines: list[str]) -> bool:
        """Whether a row of several lines is a quote that does not close: the row reads
        wrong (not the header's number of fields, or a quote where none may stand) and
        each of its lines reads as a row."""
        if len(row) == self.width:
            try:
                strict = type("Strict", (self.dialect,), {"strict": True})
                for _ in csv.reader(lines, strict):
                    pass
                return False
            except csv.Error:
                pass
        return self._each_a_row(lines)

    def _each_a_row(self, lines: list[str]) -> bool:
        if self.width < 2:  # one column: any line reads as a row
            return False
        full = [line for line in lines if line.strip()]
        return len(full) > 1 and all(len(self._alone(line)) == self.width for line in full)

    def _alone(self, line: str) -> list[str]:
        """The fields of one line read by itself: a quoted field is one that closes on the
        line where the field ends; any other quote is a character."""
        line = line.rstrip("\r\n")
        fields, at, end = [], 0, len(line)
        while True:
            m = self._field.match(line, at)
            assert m is not None  # the second branch matches anywhere
            quoted = m.group(1)
            fields.append(m.group(0) if quoted is None else quoted.replace('""', '"'))
            at = m.end()
            if at >= end:
                return fields
            at += 1  # the delimiter
            if at == end:
                fields.append("")
                return fields

    def _again(self, lines: list[str], n: int) -> Iterator[Article]:
        """The lines of a quote that did not close, read as rows n, n + 1, ..."""
        if self.warning is None:
            last = n + len(lines) - 1
            name = DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
            self.warning = (
                f'a quote (") opens a field on row {n} and does not close where the field '
                f"ends (at a {name} or the line's end): it is read as a character, and rows "
                f"{n}–{last} as rows of their own, not as one (so is any such quote in this file)"
            )
            self._unsaid = True
        for i, line in enumerate(lines):
            article = self._article(self._alone(line), n + i)
            if article is not None:
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
