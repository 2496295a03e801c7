"""A quote that opens a CSV or TSV field and does not close where the field ends (a
straight " closed by a curly ”): every row is still its own article, one warning names
the file and its quote, and a file whose quotes are good reads as it always did. Every
file here is written by the test."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from conflictcli.readers import table

from conftest import Run, as_json, write

# a headline that opens with a straight quote and closes with a curly one, then rows in
# Russian and English, one of them with a quotation in straight quotes
ROWS = [
    ("2024-01-01", '"Спорное” голосование о помощи', "Депутаты проголосовали поздно вечером."),
    ("2024-01-02", "Convoy", "An aid convoy reached Rafah at dawn."),
    ("2024-01-03", "Удар", 'Удар пришёлся по лагерю "Хан-Юнис" на юге.'),
    ("2024-01-04", "Shelling", "Shelling went on through the night."),
]


def ingest(run: Run, *paths: Path, index: Path | None = None) -> dict[str, Any]:
    where = ["--index", str(index)] if index else []
    r = run("ingest", *map(str, paths), "--json", *where)
    assert r.exit_code in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    return as_json(r)  # type: ignore[no-any-return]


def count(run: Run, query: str, index: Path | None = None) -> int:
    where = ["--index", str(index)] if index else []
    return int(as_json(run("count", query, "--json", *where))["count"])


def lines(rows: list[tuple[str, ...]], delimiter: str, header: str = "date title text") -> str:
    """Rows joined by the delimiter as they are, no quoting: the file a careless export
    writes."""
    return "".join(delimiter.join(r) + "\n" for r in [tuple(header.split()), *rows])


def quote_warnings(s: dict[str, Any], name: str) -> list[str]:
    return [w for w in s["warnings"] if name in w and 'a quote (")' in w]


@pytest.mark.parametrize(
    "name, delimiter",
    [("h.tsv", "\t"), ("h.csv", ","), ("semi.csv", ";"), ("tab.csv", "\t")],
)
def test_a_quote_that_does_not_close_swallows_no_row(
    run: Run, tmp_path: Path, name: str, delimiter: str
) -> None:
    f = write(tmp_path / "in" / name, lines(ROWS, delimiter))
    s = ingest(run, f)
    assert s["articles"] == 4 and not s["skipped"], s
    said = quote_warnings(s, name)
    assert len(said) == 1 and f"{f}:2:" in said[0] and "rows 2–4" in said[0], s["warnings"]
    for word in ("голосование", "Rafah", "Хан-Юнис", "Shelling"):
        assert count(run, word) == 1, word
    first = as_json(run("show", f"{f}:2", "--json"))
    assert first["title"] == ROWS[0][1] and first["body"] == ROWS[0][2]  # the quote kept
    third = as_json(run("show", f"{f}:4", "--json"))
    assert third["body"] == ROWS[2][2] and third["date"] == "2024-01-03"


def test_the_issue_s_file_gives_four_articles(run: Run, tmp_path: Path) -> None:
    f = write(
        tmp_path / "h2.tsv",
        'date\ttitle\ttext\n2024-01-01\t"Challenging\u201d aid vote\tHouse voted.\n'
        "2024-01-02\tB\tAid entered Rafah.\n"
        '2024-01-03\tC\tStrike hit "Khan Younis" camp.\n2024-01-04\tD\tShelling.\n',
    )
    s = ingest(run, f)
    assert s["articles"] == 4 and not s["skipped"] and quote_warnings(s, "h2.tsv")
    assert count(run, "Rafah") == count(run, "Shelling") == count(run, '"Khan Younis"') == 1


def test_a_quote_in_the_text_column_and_one_never_closed(run: Run, tmp_path: Path) -> None:
    rows = [
        ("2024-02-01", "Обстрел", '"Снаряды легли у моста” — рассказали жители.'),
        ("2024-02-02", "Water", "Water was restored in Mykolaiv."),
        ("2024-02-03", "Свет", 'Энергетики назвали ремонт "сложным", но успешным.'),
    ]
    closed = write(tmp_path / "a" / "closed.tsv", lines(rows, "\t"))
    never = write(tmp_path / "b" / "never.tsv", lines(rows[:2], "\t"))  # no quote after it
    for f, n in ((closed, 3), (never, 2)):
        s = ingest(run, f, index=tmp_path / f"ix-{f.stem}")
        assert s["articles"] == n and not s["skipped"] and quote_warnings(s, f.name), s
        assert count(run, "Mykolaiv", tmp_path / f"ix-{f.stem}") == 1


def test_rows_that_still_give_no_article_are_listed_with_their_reason(
    run: Run, tmp_path: Path
) -> None:
    rows = [*ROWS[:2], ("2024-01-05", "Пусто", "  "), *ROWS[2:]]
    f = write(tmp_path / "gaps.tsv", lines(rows, "\t"))
    s = ingest(run, f)
    assert s["articles"] == 4 and s["skipped"] == [{"path": f"{f}:4", "reason": "no text"}]
    assert quote_warnings(s, "gaps.tsv")


def test_quoted_fields_that_span_lines_are_still_one_field(run: Run, tmp_path: Path) -> None:
    """Good files read as before: a quoted field of paragraphs (commas and all), a
    quoted quote, a field that closes on the next line of a two-column file."""
    body = 'Первый абзац, с запятой.\n\nВторой абзац, тоже с запятой, и "цитатой".'
    good = [
        ["date", "title", "text"],
        ["2024-03-01", "Two paragraphs", body],
        ["2024-03-02", 'He said "no", twice', "One line, with a comma."],
        ["2024-03-03", "Tab\tinside", "Line one\tof three\nline two\nline three, last."],
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(good)
    two = 'title,text\nFirst,"Para one\nPara two, with one comma."\nSecond,Plain text here.\n'
    tsv = io.StringIO()  # the same rows, other days: other articles
    rows = [good[0], *([r[0].replace("2024-03", "2024-05"), *r[1:]] for r in good[1:])]
    csv.writer(tsv, delimiter="\t", lineterminator="\n").writerows(rows)
    files = [
        write(tmp_path / "in" / "good.csv", buf.getvalue()),
        write(tmp_path / "in" / "two.csv", two),
        write(tmp_path / "in" / "good.tsv", tsv.getvalue()),
    ]
    s = ingest(run, *files)
    assert s["articles"] == 3 + 2 + 3 and not s["skipped"], s
    assert not [w for w in s["warnings"] if 'a quote (")' in w]
    shown = as_json(run("show", f"{files[0]}:2", "--json"))
    assert shown["body"] == body
    assert as_json(run("show", f"{files[1]}:2", "--json"))["body"] == (
        "Para one\nPara two, with one comma."
    )
    assert as_json(run("show", f"{files[0]}:3", "--json"))["title"] == 'He said "no", twice'


def _long(n: int) -> str:
    """A TSV whose second row opens a quote that never closes, then n plain rows."""
    rows = [("2024-04-01", '"Открытая” кавычка', "Текст первой строки.")]
    rows += [
        (f"2024-04-{i % 28 + 1:02d}", f"Row {i}", f"Convoy number {i} reached Kherson.")
        for i in range(n)
    ]
    return lines(rows, "\t")


def test_a_quote_open_for_hundreds_of_lines_reads_the_same_streamed_or_whole(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 3 * table.RUNAWAY_LINES + 7
    f = write(tmp_path / "in" / "long.tsv", _long(n))
    whole = ingest(run, f, index=tmp_path / "whole")
    from conflictcli import readers

    monkeypatch.setattr(readers, "STREAM_FROM", 0)
    streamed = ingest(run, f, index=tmp_path / "streamed")
    for s in (whole, streamed):
        s.pop("took_s")
    assert streamed == whole and whole["articles"] == n + 1 and not whole["skipped"]
    assert len(quote_warnings(whole, "long.tsv")) == 1
    assert count(run, "Kherson", tmp_path / "streamed") == n
    last = as_json(run("show", f"{f}:{n + 2}", "--json", "--index", str(tmp_path / "whole")))
    assert last["title"] == f"Row {n - 1}"


def test_a_row_too_long_to_hold_is_read_as_the_csv_module_reads_it(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is held of a row to be read again is bounded: past RUNAWAY_CHARS, the row
    is what the csv module makes of it, and when that gives no article the reason says
    where its quoted field ran."""
    monkeypatch.setattr(table, "RUNAWAY_CHARS", 200)
    f = write(tmp_path / "bounded.tsv", _long(20))
    s = ingest(run, f)
    assert s["articles"] == 0 and not quote_warnings(s, "bounded.tsv")
    assert s["skipped"] == [
        {
            "path": f"{f}:2",
            "reason": "no text (a quoted field runs over the 21 lines from here: do its "
            "quotes close?)",
        }
    ]


@pytest.mark.parametrize(
    "line, fields",
    [
        ('a,"b, c",d\n', ["a", "b, c", "d"]),
        ('a,"b" c,d\n', ["a", '"b" c', "d"]),
        ('"a"""\r\n', ['a"']),
        ('"open\u201d,b,', ['"open\u201d', "b", ""]),
        (",,", ["", "", ""]),
        ('x,"never', ["x", '"never']),
    ],
)
def test_a_line_read_by_itself(line: str, fields: list[str]) -> None:
    t = table._Table(Path("x.csv"), csv.excel, 3, {}, None, None)  # type: ignore[arg-type]
    assert t._alone(line) == fields
