"""Exports for Excel (issue 32): `export --format xlsx` writes a workbook whose rows are
the articles `count` counts, every cell from an article a string (never a formula, a
link or a guessed number), cut to Excel's limit with a note; `--format csv --excel`
starts with a byte-order mark and ends its lines with CRLF. The workbooks are read back
as what they are, a zip of XML, with the standard library."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from conflictcli.output.excel import MAX_CELL, cell_text

from conftest import (
    ROOT,
    TEAM,
    UKRAINE_MEDIA,
    Corpus,
    Run,
    as_json,
    invoke,
    needs_corpus,
    team_url,
    write,
)

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
LONG = 40_000
HOSTILE_TITLES = [
    '=HYPERLINK("http://evil.example/x","click") shelling',
    "+7 shelling near the bridge",
    "-1 shelling casualties revised",
    "@SUM(A1:A9) shelling",
    "0042",  # a number to a guesser, and its zeros gone
    "2024-03-01",  # a date to a guesser
]
URL = "https://example.org/report?id=7&x=<b>"
CYRILLIC = "Обстріл Харкова: пошкоджено житлові будинки, повідомила міська рада."
ARABIC = "قصف مدفعي على أطراف المدينة، وانقطاع الكهرباء عن عدة أحياء."


def _records() -> list[dict[str, Any]]:
    """The test's articles, written for it: hostile titles, a link, Cyrillic, Arabic,
    control characters, a body longer than an Excel cell holds."""
    out = [
        {"title": t, "text": f"Shelling report {k}: the town was shelled overnight.",
         "date": f"2024-03-0{k + 1}", "source": "=cmd|' /C calc'!A0", "url": URL}
        for k, t in enumerate(HOSTILE_TITLES)
    ]  # fmt: skip
    out += [
        {"title": "Харків", "text": f"{CYRILLIC}\n\n{CYRILLIC}", "date": "2024-04-01"},
        {"title": "حلب", "text": f"{ARABIC}\n\n{ARABIC}", "date": "2024-04-02"},
        {"title": "controls", "text": "Shelling\x01 and\x0b more \x1b[31mred _x0041_ text.", "date": "2024-04-03"},
        {"title": "long one", "text": ("shelling went on " * (LONG // 17 + 1))[:LONG], "date": "2024-04-04"},
    ]  # fmt: skip
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An archive of _records(), ingested once for the module."""
    folder = tmp_path_factory.mktemp("excel")
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records())
    write(folder / "in" / "posts.jsonl", lines)
    r = invoke("ingest", str(folder / "in"), "--index", str(folder / "ix"), "--quiet")
    assert r.exit_code == 0, r.stderr
    return str(folder / "ix")


def outside(ix: str) -> str:
    """The archive as a command run in another process names it (in team mode, a URL)."""
    return team_url(ix) if TEAM else ix


# -- the workbook read back --------------------------------------------------------
def _unescape(text: str) -> str:
    """OOXML's _xHHHH_ escapes, as Excel reads them (_x005F_ is a literal underscore)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def cells(book: bytes) -> list[list[tuple[str, Any]]]:
    """Each row of the workbook's one sheet: each cell as (kind, value), kind "str" (an
    inline or shared string), "num" or "formula"; an empty cell as ("", None)."""
    z = zipfile.ZipFile(io.BytesIO(book))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in z.namelist():
        root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
    sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind("m:sheetData/m:row", NS):
        got: list[tuple[str, Any]] = []
        for c in row.iterfind("m:c", NS):
            col = _column(c.get("r", ""))
            got += [("", None)] * (col - len(got))
            got.append(_cell(c, shared))
        rows.append(got)
    return rows


def _column(ref: str) -> int:
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group():  # type: ignore[union-attr]
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cell(c: ElementTree.Element, shared: list[str]) -> tuple[str, Any]:
    if c.find("m:f", NS) is not None:
        return "formula", c.findtext("m:f", namespaces=NS)
    kind = c.get("t")
    if kind == "inlineStr":
        return "str", _unescape("".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")))
    if kind == "s":
        return "str", _unescape(shared[int(c.findtext("m:v", namespaces=NS) or "")])
    assert kind in (None, "n"), kind  # no booleans, errors or formula strings
    return "num", float(c.findtext("m:v", namespaces=NS) or "nan")


def table(book: bytes) -> list[dict[str, Any]]:
    """The sheet's rows below its header as records, their values only."""
    head, *rows = cells(book)
    names = [v for _, v in head]
    return [{k: v for k, (_, v) in zip(names, row, strict=False)} for row in rows]


def xlsx(run: Run, ix: str, *args: str) -> Any:
    r = run("export", *args, "-f", "xlsx", "--index", ix)
    assert r.exit_code == 0, r.stderr
    return r


def jsonl(run: Run, ix: str, *args: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in run("export", *args, "--index", ix).stdout.splitlines()]


# -- rows: the articles count counts --------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [["drone"], ["drone", "--since", "2024-03"], ["Russia NOT Kyiv"], ["Kyiv", "--place", "Kyiv"]],
)
def test_the_rows_of_a_workbook_are_the_articles_count_counts(
    run: Run, sample_archive: Path, args: list[str]
) -> None:
    ix = str(sample_archive)
    n = as_json(run("count", *args, "--json", "--index", ix))["count"]
    rows = table(xlsx(run, ix, *args).stdout_bytes)
    assert len(rows) == n > 0
    assert [r["id"] for r in rows] == [x["id"] for x in jsonl(run, ix, *args)]


@needs_corpus(UKRAINE_MEDIA)
def test_a_workbook_and_an_excel_csv_of_a_real_corpus(
    run: Run, ukraine_media: Corpus, tmp_path: Path
) -> None:
    ix, args = ukraine_media.ix, ["Kherson", "--since", "2022-11"]
    n = as_json(run("count", *args, "--json", "--index", ix))["count"]
    target = tmp_path / "k.xlsx"
    r = run("export", *args, "-f", "xlsx", "-o", str(target), "--index", ix)
    assert r.exit_code == 0 and not r.stdout_bytes and f"wrote {n:,} articles" in r.stderr
    rows = table(target.read_bytes())
    assert len(rows) == n > 100
    exported = jsonl(run, ix, *args, "--fields", "id,title,body")
    # the texts as they are, a body longer than a cell holds cut (this corpus has one)
    want = [(x["id"], cell_text(x["title"]), cell_text(x["body"])) for x in exported]
    assert [(x["id"], x["title"], x["body"]) for x in rows] == [
        (i, title, body) for i, (title, _), (body, _) in want
    ]
    cut = sum(was for _, (_, was), _ in want) + sum(was for _, _, (_, was) in want)
    said = "1 cell was" if cut == 1 else f"{cut:,} cells were"
    assert (said in r.stderr) == bool(cut)
    assert not list(tmp_path.glob("*.part"))
    plain = tmp_path / "k.csv"
    r = run("export", *args, "-f", "csv", "--excel", "-o", str(plain), "--index", ix)
    assert r.exit_code == 0
    raw = plain.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,date,title,") and raw.endswith(b"\r\n")
    table_rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [x["id"] for x in table_rows] == [x["id"] for x in exported]


# -- every cell a string ----------------------------------------------------------------
def test_excel_itself_reads_the_workbook_as_written(run: Run, hostile: str, tmp_path: Path) -> None:
    """openpyxl (what Excel files are read with in Python) finds the same rows and cells
    as the sheet's XML: no formula, every article's text a string (openpyxl leaves the
    format's _xHHHH_ escapes as written: they are read as Excel reads them)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "all.xlsx"
    book.write_bytes(xlsx(run, hostile, "--all").stdout_bytes)
    sheet = openpyxl.load_workbook(book, read_only=True).active
    got = [list(row) for row in sheet.iter_rows()]
    want = table(book.read_bytes())
    assert len(got) - 1 == len(want) > 0
    header = [c.value for c in got[0]]
    for row, expected in zip(got[1:], want, strict=True):
        for name, cell in zip(header, row, strict=True):
            value = _unescape(cell.value) if isinstance(cell.value, str) else cell.value
            assert value == expected[name], (name, cell.value, expected[name])
            if cell.value is not None:  # text a string, the score a number, no formula
                assert cell.data_type == ("n" if name == "score" else "s"), name


def test_cyrillic_and_arabic_come_back_as_they_were(run: Run, hostile: str) -> None:
    rows = {x["title"]: x for x in table(xlsx(run, hostile, "--all").stdout_bytes)}
    assert rows["Харків"]["body"] == f"{CYRILLIC}\n\n{CYRILLIC}"
    assert rows["حلب"]["body"] == f"{ARABIC}\n\n{ARABIC}"
    by_id = {x["id"]: x for x in jsonl(run, hostile, "--all")}
    for x in rows.values():  # every text as export's JSON Lines has it, made fit
        want = by_id[x["id"]]
        for k in ("title", "body", "source", "url"):
            assert x[k] == (cell_text(want[k])[0] if want[k] else None), (x["title"], k)


def test_a_cell_that_looks_like_a_formula_a_link_or_a_number_stays_text(
    run: Run, hostile: str
) -> None:
    book = xlsx(run, hostile, "--all").stdout_bytes
    head, *rows = cells(book)
    names = [v for _, v in head]
    kinds = {k for row in rows for k, _ in row}
    assert "formula" not in kinds and b"<f>" not in _sheet_xml(book)
    got = {row[names.index("title")][1]: dict(zip(names, row, strict=False)) for row in rows}
    for title in HOSTILE_TITLES:  # written as they are: no apostrophe, no formula
        assert got[title]["title"] == ("str", title)
        assert got[title]["source"] == ("str", "=cmd|' /C calc'!A0")
        assert got[title]["url"] == ("str", URL)
        assert got[title]["date"][0] == "str" and got[title]["id"][0] == "str"
    found = cells(xlsx(run, hostile, "shelling").stdout_bytes)[1:]
    assert all(row[names.index("score")][0] == "num" for row in found)  # the one number
    assert len(found) == len(HOSTILE_TITLES) + 2
    z = zipfile.ZipFile(io.BytesIO(book))
    assert not [n for n in z.namelist() if n.endswith(".rels") and "worksheets" in n]
    assert b"<hyperlink" not in _sheet_xml(book)
    # CSV keeps its own rule, as it was: a leading apostrophe
    for fmt in (["-f", "csv"], ["-f", "csv", "--excel"]):
        out = run("export", "--all", *fmt, "--index", hostile).stdout.lstrip("\ufeff")
        titles = {x["title"] for x in csv.DictReader(io.StringIO(out))}
        assert {"'" + t for t in HOSTILE_TITLES[:4]} | {"0042"} <= titles


def _sheet_xml(book: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(book)).read("xl/worksheets/sheet1.xml")


def test_a_body_longer_than_a_cell_is_cut_and_said_once(run: Run, hostile: str) -> None:
    r = xlsx(run, hostile, "--all")
    rows = {x["title"]: x for x in table(r.stdout_bytes)}
    full = next(x for x in jsonl(run, hostile, "--all") if x["title"] == "long one")["body"]
    assert len(full) >= LONG and len(rows["long one"]["body"]) == 32_767
    assert full.startswith(rows["long one"]["body"])
    assert r.stderr.count("1 cell was longer than an Excel cell holds") == 1
    assert "32,767" in r.stderr and "--format csv" in r.stderr
    quiet = run("export", "--all", "--fields", "id,title", "-f", "xlsx", "--index", hostile)
    assert quiet.exit_code == 0 and "cut" not in quiet.stderr


def test_what_xml_cannot_hold_is_dropped_and_cells_fit_excel() -> None:
    assert cell_text("a\x00b\x01c\x0bd\x0ce\x1ff\x1b[0m\ufffeg\ud800h") == ("abcdef[0mgh", False)
    assert cell_text("tab\there\r\nCR\rLF\n") == ("tab\there\nCR\nLF\n", False)
    assert cell_text("_x0041_") == ("_x0041_", False)  # the writer escapes it, not us
    assert cell_text(0.5) == ("0.5", False) and cell_text(True) == ("true", False)
    assert cell_text({"k": "вода"}) == ('{"k": "вода"}', False)
    emoji = "🙂" * MAX_CELL  # two UTF-16 units each, as Excel counts
    text, cut = cell_text(emoji)
    assert cut and text == "🙂" * (MAX_CELL // 2)
    fits = "ж" * MAX_CELL
    assert cell_text(fits) == (fits, False) and cell_text(fits + "ж") == (fits, True)


def test_control_characters_leave_the_workbook_and_underscores_stay(run: Run, hostile: str) -> None:
    book = xlsx(run, hostile, "--all").stdout_bytes
    rows = {x["title"]: x for x in table(book)}
    assert rows["controls"]["body"] == "Shelling and more [31mred _x0041_ text."
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", _sheet_xml(book))


# -- where a workbook may go, and what is refused ---------------------------------------
def test_a_workbook_is_never_written_to_a_terminal(hostile: str) -> None:
    """stdout a real terminal (a pty): refused before anything is written, exit 2."""
    main, side = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "conflictcli", "export", "--all", "-f", "xlsx",
             "--index", outside(hostile)],
            stdout=side, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
    finally:
        os.close(side)
    written = _drain(main)
    assert done.returncode == 2, done.stderr
    assert "binary" in done.stderr and "-o FILE" in done.stderr and "> FILE" in done.stderr
    assert not written


def _drain(fd: int) -> bytes:
    got = b""
    try:
        while chunk := os.read(fd, 4096):
            got += chunk
    except OSError:  # a pty whose other side is closed
        pass
    finally:
        os.close(fd)
    return got


def test_a_terminal_takes_a_workbook_through_a_file(
    run: Run, hostile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli.output import console

    monkeypatch.setattr(console, "stdout_is_terminal", lambda: True)
    assert run("export", "--all", "-f", "xlsx", "--index", hostile).exit_code == 2
    target = tmp_path / "all.xlsx"
    r = run("export", "--all", "-f", "xlsx", "-o", str(target), "--index", hostile)
    assert r.exit_code == 0 and len(table(target.read_bytes())) == len(_records())


@pytest.mark.parametrize("fmt", ["jsonl", "md", "xlsx"])
def test_excel_is_for_csv_only(run: Run, hostile: str, fmt: str) -> None:
    r = run("export", "--all", "-f", fmt, "--excel", "--index", hostile)
    assert r.exit_code == 2 and not r.stdout_bytes
    assert "--excel is for --format csv" in r.stderr and "Traceback" not in r.stderr


def test_an_excel_csv_starts_with_a_mark_and_ends_lines_with_crlf(
    run: Run, sample_archive: Path
) -> None:
    ix = ["--index", str(sample_archive)]
    n = as_json(run("count", "drone", "--json", *ix))["count"]
    raw = run("export", "drone", "-f", "csv", "--excel", *ix).stdout_bytes
    plain = run("export", "drone", "-f", "csv", *ix).stdout_bytes
    assert raw.startswith("\ufeffid,".encode()) and not plain.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) - 1 == n > 0
    assert rows == list(csv.reader(io.StringIO(plain.decode(), newline="")))  # same cells
    bodies = rows[0].index("body")
    breaks = sum(r[bodies].count("\n") for r in rows[1:])
    assert raw.count(b"\r\n") == n + 1 and breaks > 0  # a break in a cell stays LF


@pytest.mark.parametrize(
    "args",
    [
        ["search", "drone", "--limit", "0"],
        ["count", "drone", "--by", "month"],
        ["timeline", "drone", "Kyiv"],
        ["places", "drone"],
    ],
)
def test_every_csv_opens_in_excel_with_excel(
    run: Run, sample_archive: Path, args: list[str]
) -> None:
    """--excel on any command's --csv: the mark, CRLF, and the same cells as --csv."""
    ix = ["--index", str(sample_archive)]
    raw = run(*args, "--csv", "--excel", *ix)
    plain = run(*args, "--csv", *ix)
    assert raw.exit_code == plain.exit_code == 0, raw.stderr
    assert raw.stdout_bytes.startswith("\ufeff".encode())
    assert not plain.stdout_bytes.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert rows == list(csv.reader(io.StringIO(plain.stdout, newline=""))) and len(rows) > 1
    assert raw.stdout_bytes.count(b"\r\n") >= len(rows)


@pytest.mark.parametrize("fmt", [[], ["--json"], ["--jsonl"]])
def test_excel_without_csv_is_a_usage_error(run: Run, sample_archive: Path, fmt: list[str]) -> None:
    r = run("search", "drone", *fmt, "--excel", "--index", str(sample_archive))
    assert r.exit_code == 2 and "--excel is for --csv" in r.stderr and not r.stdout


def test_more_rows_than_a_sheet_holds_is_a_usage_error(
    run: Run, hostile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli.output import excel

    monkeypatch.setattr(excel, "MAX_ROWS", 5)  # a sheet of a header and 4 rows
    target = tmp_path / "x.xlsx"
    r = run("export", "--all", "-f", "xlsx", "-o", str(target), "--index", hostile)
    assert r.exit_code == 2 and "at most 4 below its header" in r.stderr
    assert "--format csv" in r.stderr and "Narrow the query" in r.stderr
    assert not target.exists() and not list(tmp_path.glob(".*part"))
    r = run("export", "--all", "-f", "xlsx", "--index", hostile)
    assert r.exit_code == 2 and not r.stdout_bytes


def test_exit_codes_of_a_workbook(run: Run, hostile: str, tmp_path: Path) -> None:
    none = tmp_path / "none.xlsx"
    r = run("export", "zzyzxq", "-f", "xlsx", "-o", str(none), "--index", hostile)
    assert r.exit_code == 1 and cells(none.read_bytes())[0][0] == ("str", "id")  # a header
    assert run("export", "-f", "xlsx", "--index", hostile).exit_code == 2  # no query
    bad = run("export", "--all", "-f", "xlsx", "--fields", "id,nope", "--index", hostile)
    assert bad.exit_code == 2 and "nope" in bad.stderr


def test_only_a_workbook_loads_xlsxwriter(hostile: str) -> None:
    probe = (
        "import sys\n"
        "from conflictcli import cli\n"
        "sys.argv = ['conflict', *sys.argv[1:]]\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print('xlsxwriter' in sys.modules, file=sys.stderr)\n"
    )
    for fmt, loads in (("csv", False), ("xlsx", True)):
        done = subprocess.run(
            [sys.executable, "-c", probe, "export", "--all", "-f", fmt, "--index", outside(hostile)],
            capture_output=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        assert done.stderr.decode().strip().endswith(str(loads)), done.stderr
