"""Inputs built the way an attacker (or a broken scraper) builds them: link loops and
links out of the folder, a field or a line of 300 MB, a gzip bomb, a number of 100,000
digits, JSON nested 100,000 deep, bytes that are not UTF-8, dates of the year 1 and
99999, pipes, and files that vanish while an ingest runs (issue 25, "Bounded inputs").
In each, the good files of the same run go in and can be searched, the bad one is named
(with its row or line), and no traceback or "This is a bug" is shown."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import socket
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Run, as_json, write

GOOD = " date 2024-05-01 Air defence units shot down drones over Vinnytsia overnight.\n"
MB = 1 << 20
PEAK_MB = 500  # the most memory a whole ingest may take, whatever one input holds


def ingest(run: Run, *args: str) -> dict[str, Any]:
    r = run("ingest", *args, "--json")
    assert r.exit_code == 0, r.stderr
    assert "Traceback" not in r.stderr and "This is a bug" not in r.stderr
    return as_json(r)  # type: ignore[no-any-return]


def count(run: Run, query: str) -> int:
    return int(as_json(run("count", query, "--json"))["count"])


def reasons(summary: dict[str, Any]) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in summary["skipped"]}


# -- links ----------------------------------------------------------------------------
def test_link_loops_broken_links_and_links_out_of_the_folder_are_skipped(
    run: Run, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    write(src / "good.txt", GOOD)
    write(tmp_path / "elsewhere" / "private.txt", " date 2024-05-02 Notes about Kherson.\n")
    (src / "loop").symlink_to("loop")  # ln -s loop loop
    (src / "a.txt").symlink_to("b.txt")  # a 2-cycle
    (src / "b.txt").symlink_to("a.txt")
    (src / "gone.txt").symlink_to("nothing-here.txt")  # dangling
    (src / "out.txt").symlink_to(tmp_path / "elsewhere" / "private.txt")  # out of the tree
    (src / "same.txt").symlink_to("good.txt")  # inside the tree: read
    s = ingest(run, str(src))
    why = reasons(s)
    assert why[str(src / "loop")] == "a link loop: not followed"
    assert why[str(src / "a.txt")] == why[str(src / "b.txt")] == "a link loop: not followed"
    assert why[str(src / "gone.txt")] == "a broken link (to nothing-here.txt, which does not exist)"
    assert why[str(src / "out.txt")].startswith("links outside the folder given (to ")
    assert str(tmp_path / "elsewhere" / "private.txt") in why[str(src / "out.txt")]
    assert len(s["skipped"]) == 5
    assert s["articles"] == 1 and count(run, "Vinnytsia") == 1 and count(run, "Kherson") == 0
    shown = as_json(run("show", str(src / "good.txt"), "--json"))
    assert sorted(shown["paths"]) == [str(src / "good.txt"), str(src / "same.txt")]
    # a link named on the command line is the user's choice: followed, wherever it leads
    s = ingest(run, str(src / "out.txt"))
    assert s["added"] == 1 and count(run, "Kherson") == 1
    # a link loop named on the command line is a path that is not there
    r = run("ingest", str(src / "loop"))
    assert r.exit_code == 2 and "Path not found" in r.stderr and "a link loop" in r.stderr
    assert "Traceback" not in r.stderr


def test_folder_link_cycles_do_not_hold_the_walk(run: Run, tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "a" / "b" / "good.txt", GOOD)
    (src / "a" / "b" / "up").symlink_to("../..")  # a -> b -> up -> a ...
    (src / "a" / "here").symlink_to(".")
    (src / "a" / "x").symlink_to("y")  # x -> y -> x, no suffix
    (src / "a" / "y").symlink_to("x")
    s = ingest(run, str(src))
    why = reasons(s)
    assert why[str(src / "a" / "b" / "up")] == "a link to a folder: not followed"
    assert why[str(src / "a" / "here")] == "a link to a folder: not followed"
    assert why[str(src / "a" / "x")] == why[str(src / "a" / "y")] == "a link loop: not followed"
    assert s["articles"] == 1 and count(run, "Vinnytsia") == 1


# -- what is not a file, and files that change under the ingest ------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes or sockets here")
def test_pipes_sockets_and_files_that_go_away_are_skipped(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli import ingest as ingest_module

    src = tmp_path / "in"
    write(src / "good.txt", GOOD)
    os.mkfifo(src / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(src / "sock.txt"))
    except OSError as e:  # a path too long for a socket's address
        pytest.skip(f"no socket here: {e}")
    for name in ("vanishes.txt", "turns-into-a-pipe.txt", "locked.txt"):
        write(src / name, f" date 2024-05-03 A report from Uman, {name}.\n")
    real_discover = ingest_module.discover

    def discover_then_change(paths: Any) -> Any:
        found = real_discover(paths)
        (src / "vanishes.txt").unlink()
        (src / "turns-into-a-pipe.txt").unlink()
        os.mkfifo(src / "turns-into-a-pipe.txt")
        return found

    real_read_bytes = Path.read_bytes

    def read_bytes(p: Path) -> bytes:
        if p.name == "locked.txt":  # root reads a file of mode 000: the error is made here
            raise PermissionError(13, "Permission denied", str(p))
        return real_read_bytes(p)

    monkeypatch.setattr(ingest_module, "discover", discover_then_change)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    try:
        s = ingest(run, str(src))
    finally:
        sock.close()
    why = reasons(s)
    assert why[str(src / "pipe.txt")] == "a named pipe (FIFO): never opened"
    assert why[str(src / "sock.txt")] == "a socket: never opened"
    assert why[str(src / "vanishes.txt")] == "cannot read: No such file or directory"
    assert why[str(src / "turns-into-a-pipe.txt")] == "a named pipe (FIFO): never opened"
    assert why[str(src / "locked.txt")] == "cannot read: Permission denied"
    assert s["articles"] == 1 and count(run, "Vinnytsia") == 1


# -- a field, a line, a decompressed file past every bound: memory stays bounded ------
def _fill(f: Any, total_mb: int, newlines: bool) -> None:
    """TOTAL_MB of article-like text written a MiB at a time (no 300 MB string is built)."""
    block = ("Shelling was reported near Kharkiv overnight, " * 23_000)[:MB]
    for n in range(total_mb):
        f.write(block)
        if newlines and n % 50 == 0:
            f.write("\n\n")


def _huge_csv(folder: Path) -> tuple[Path, str]:
    path = folder / "huge.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write('date,text\n2024-05-02,"Strike on Izmail port, officials said."\n')
        f.write('2024-05-03,"')  # row 3: one quoted field of 300 MB, paragraphs and all
        _fill(f, 300, newlines=True)
        f.write('"\n2024-05-04,"Strike on Reni port, officials said."\n')
    return path, f"{path}:3"


def _huge_unquoted_csv(folder: Path) -> tuple[Path, str]:
    path = folder / "plain.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("date,text\n2024-05-02,Strike on Izmail port\n2024-05-03,")
        block = "Kharkiv" * (MB // 7)  # no comma, no quote: one unquoted field
        for _ in range(300):
            f.write(block)
        f.write("\n2024-05-04,Strike on Reni port\n")
    return path, f"{path}:3"


def _huge_jsonl(folder: Path) -> tuple[Path, str]:
    path = folder / "huge.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"text": "Strike on Izmail port.", "date": "2024-05-02"}) + "\n")
        f.write('{"date": "2024-05-03", "text": "')  # line 2: 300 MB
        _fill(f, 300, newlines=False)
        f.write('"}\n' + json.dumps({"text": "Strike on Reni port.", "date": "2024-05-04"}) + "\n")
    return path, f"{path}:2"


def _huge_json_item(folder: Path) -> tuple[Path, str]:
    """A JSON array whose second item holds 300 MB: it streams, an item at a time."""
    path = folder / "huge.json"
    with path.open("w", encoding="utf-8") as f:
        f.write("[" + json.dumps({"text": "Strike on Izmail port.", "date": "2024-05-02"}))
        f.write(',\n{"date": "2024-05-03", "text": "')  # item 2: 300 MB
        _fill(f, 300, newlines=False)
        f.write('"},\n' + json.dumps({"text": "Strike on Reni port.", "date": "2024-05-04"}))
        f.write("]\n")
    return path, f"{path}:2"


def _gzip_bomb(folder: Path) -> tuple[Path, str]:
    """500 KB on disk, 512 MiB of one CSV field once decompressed."""
    path = folder / "bomb.csv.gz"
    pack = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    with path.open("wb") as f:
        f.write(pack.compress(b'date,text\n2024-05-02,"Strike on Izmail port."\n2024-05-03,"'))
        block = b"a" * MB
        for _ in range(512):
            f.write(pack.compress(block))
        f.write(pack.compress(b'"\n2024-05-04,"Strike on Reni port."\n'))
        f.write(pack.flush())
    return path, f"{path}:3"


def _peak(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], int]:
    """`python -m conflictcli ARGS` run in a process of its own, and the peak memory in
    MB of the largest process it started (itself, or a worker)."""
    resource = pytest.importorskip("resource")
    del resource
    probe = (
        "import json, resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "peak = peak / 1024 if sys.platform == 'darwin' else peak  # bytes there, KiB here\n"
        "print(json.dumps([done.returncode, done.stdout, done.stderr, peak]))\n"
    )
    cmd = [sys.executable, "-c", probe, sys.executable, "-m", "conflictcli", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, check=True)
    rc, stdout, stderr, peak_kb = json.loads(out.stdout)
    return subprocess.CompletedProcess(args, rc, stdout, stderr), int(peak_kb) >> 10


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_huge_csv, "a field of more than the 4,000,000 characters an article may hold"),
        (_huge_unquoted_csv, "a field of more than the 4,000,000 characters an article may hold"),
        (_huge_jsonl, "a line of more than 24,000,000 characters (an article may hold 4,000,000)"),
        (_gzip_bomb, "a field of more than the 4,000,000 characters an article may hold"),
        (
            _huge_json_item,
            "an item of more than 24,000,000 characters (an article may hold 4,000,000)",
        ),
    ],
    ids=["csv-field", "unquoted-csv-field", "jsonl-line", "csv-gzip-bomb", "json-array-item"],
)
def test_a_300_mb_field_or_line_is_skipped_while_read_in_bounded_memory(
    run: Run, tmp_path: Path, make: Any, why: str
) -> None:
    src = tmp_path / "in"
    write(src / "good.txt", GOOD)
    write(src / "small.csv", "date,text\n2024-05-05,A report from Ochakiv.\n")
    _, bad = make(src)
    ix = tmp_path / "ix"
    env = {**os.environ, "CONFLICT_INDEX": str(ix)}
    done, peak_mb = _peak(["ingest", str(src), "--json"], env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "This is a bug" not in done.stderr
    s = json.loads(done.stdout)
    assert [(x["path"], x["reason"].split(": not read")[0]) for x in s["skipped"]] == [(bad, why)]
    assert s["articles"] == 4, s  # good.txt, small.csv, the rows before and after
    assert peak_mb < PEAK_MB, f"{peak_mb} MB"
    for q in ("Vinnytsia", "Ochakiv", "Izmail", "Reni"):
        assert as_json(run("count", q, "--json", "--index", str(ix)))["count"] == 1, q


def test_a_text_file_or_gzip_past_an_article_is_not_read(run: Run, tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "good.txt", GOOD)
    with (src / "book.txt").open("w", encoding="utf-8") as f:
        f.write(" date 2024-05-02 ")
        _fill(f, 17, newlines=True)  # 17 MB: more than 4,000,000 characters in any encoding
    (src / "bomb.txt.gz").write_bytes(gzip.compress(b" date 2024-05-02 " + b"a" * (64 * MB)))
    s = ingest(run, str(src))
    why = reasons(s)
    assert (
        "more text than the 4,000,000 characters an article may hold" in why[str(src / "book.txt")]
    )
    assert why[str(src / "bomb.txt.gz")].startswith("expands to more than 16,000,008 bytes")
    assert s["articles"] == 1 and count(run, "Vinnytsia") == 1


def test_a_json_line_of_a_million_values_is_not_parsed(run: Run, tmp_path: Path) -> None:
    """2 MB of "[]," would be a million lists: some 70 MB of memory for one line."""
    f = tmp_path / "a.jsonl"
    f.write_text(
        json.dumps({"text": "Strike on Izmail port."})
        + '\n{"text": "x", "junk": ['
        + "[]," * 1_100_000
        + "[]]}\n"
        + json.dumps({"text": "Strike on Reni port."})
        + "\n",
        encoding="utf-8",
    )
    s = ingest(run, str(f))
    assert reasons(s) == {f"{f}:2": "JSON of more than 1,000,000 values: not read"}
    assert s["articles"] == 2


# -- one bad JSON line or item costs only itself --------------------------------------
def _news(n: int, place: str) -> str:
    return json.dumps({"text": f"Strike on {place} port, report {n}.", "date": "2024-05-02"})


BAD_JSON = {
    "number": '{"text": "A report.", "n": ' + "7" * 100_000 + "}",
    "nesting": "[" * 100_000 + "]" * 100_000,
    "surrogate": '{"text": "Strike on Mykolaiv \\ud800 port.", "title": "x\\udc80y"}',
}


def test_a_huge_number_deep_nesting_or_bad_bytes_cost_only_their_line(
    run: Run, tmp_path: Path
) -> None:
    f = tmp_path / "feed.jsonl"
    lines = [
        _news(1, "Izmail").encode(),
        BAD_JSON["number"].encode(),
        BAD_JSON["nesting"].encode(),
        b'{"text": "Strike on Odesa \xff\xfe port."}',  # not UTF-8
        BAD_JSON["surrogate"].encode(),  # JSON escapes of lone surrogates: U+FFFD
        _news(6, "Reni").encode(),
    ]
    f.write_bytes(b"\n".join(lines) + b"\n")
    write(tmp_path / "good.txt", GOOD)
    s = ingest(run, str(tmp_path))
    assert reasons(s) == {
        f"{f}:2": "JSON holding a number of more than 4,300 digits: not read",
        f"{f}:3": "JSON nested too deep to read",
        f"{f}:4": "not UTF-8 (a byte that is no text at column 27)",
    }
    assert s["articles"] == 4
    for q in ("Izmail", "Reni", "Mykolaiv", "Vinnytsia"):
        assert count(run, q) == 1, q
    assert count(run, "Odesa") == 0
    shown = as_json(run("show", f"{f}:5", "--json"))
    assert shown["title"] == "x\ufffdy" and "\ufffd" in shown["body"]


def test_one_bad_item_of_a_json_array_costs_only_itself(run: Run, tmp_path: Path) -> None:
    f = tmp_path / "feed.json"
    items = [_news(1, "Izmail"), BAD_JSON["number"], BAD_JSON["nesting"], _news(4, "Reni")]
    f.write_text("[\n" + ",\n".join(items) + "\n]\n", encoding="utf-8")
    s = ingest(run, str(f))
    assert reasons(s) == {
        f"{f}:2": "JSON holding a number of more than 4,300 digits: not read",
        f"{f}:3": "JSON nested too deep to read",
    }
    assert s["articles"] == 2 and count(run, "Izmail") == count(run, "Reni") == 1
    # a syntax error keeps the items before it
    g = tmp_path / "cut.json"
    g.write_text("[" + _news(7, "Kherson") + ", " + _news(8, "Sumy")[:30], encoding="utf-8")
    s = ingest(run, str(g))
    assert list(reasons(s)) == [f"{g}:2"] and "not JSON from here on" in reasons(s)[f"{g}:2"]
    assert count(run, "Kherson") == 1
    # a document that is one object with a huge number is one bad file
    h = tmp_path / "one.json"
    h.write_text(BAD_JSON["number"], encoding="utf-8")
    s = as_json(run("ingest", str(h), "--json"))
    assert reasons(s) == {str(h): "JSON holding a number of more than 4,300 digits: not read"}


# -- dates out of every range ---------------------------------------------------------
def test_dates_outside_1800_to_2200_are_kept_as_written_but_undated(
    run: Run, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    write(src / "good.txt", GOOD)
    written = {"old.txt": "0001-01-01", "far.txt": "9999-12-31", "farther.txt": "99999-01-01"}
    for name, day in written.items():
        write(src / name, f" date {day} A report from Vinnytsia, {name}.\n")
    rows = [["date", "text"], ["0001-01-01", "A row from Vinnytsia."], ["2024-05-03", "Kyiv."]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    write(src / "rows.csv", buf.getvalue())
    write(src / "meta" / "undated.txt", "A report from Vinnytsia without a date line.\n")
    write(src / "meta" / "metadata.jsonl", '{"file": "undated.txt", "date": "0001-01-01"}\n')
    s = ingest(run, str(src))
    assert s["articles"] == 7 and not s["skipped"]
    warned = "\n".join(s["warnings"])
    for name, day in written.items():
        assert f"{src / name}: unreadable date '{day}' (outside the years 1800–2200)" in warned
        a = as_json(run("show", str(src / name), "--json"))
        assert a["date"] is None and a["body"].startswith(f"{day} A report from Vinnytsia")
    assert f"{src}/rows.csv:2: unreadable date '0001-01-01' (outside the years 1800–2200)" in (
        warned
    )
    assert f"{src}/meta/metadata.jsonl:1: date 0001-01-01 is outside the years 1800–2200" in (
        warned
    )
    stats = as_json(run("stats", "--json"))
    assert stats["undated"] == 5
    assert (stats["first_date"], stats["last_date"]) == ("2024-05-01", "2024-05-03")
    assert list(stats["by_month"]) == ["2024-05"]
    res = as_json(run("search", "Vinnytsia", "--since", "1900-01-01", "--json"))
    assert res["total"] == 1  # only good.txt is dated
    timeline = as_json(run("timeline", "Vinnytsia", "--by", "month", "--json"))
    assert timeline["undated"] == 5 and [b["period"] for b in timeline["buckets"]] == ["2024-05"]


# -- the line readers themselves ------------------------------------------------------
CSV_TEXT = st.lists(st.sampled_from(list('ab,;"\r\n xé😀')), max_size=80).map("".join)


@settings(max_examples=400, deadline=None)
@given(CSV_TEXT, st.integers(2, 9), st.integers(1, 6))
def test_csv_lines_give_the_rows_csv_gives_and_skip_a_long_field_to_its_row_end(
    text: str, chunk: int, field_limit: int
) -> None:
    """Cut into pieces of a few characters, a CSV gives the csv module's rows; a row
    with a field past the limit is skipped to its end, and the rows after it are the
    csv module's own (as read with no limit)."""
    from conflictcli.readers import base

    old_chunk, old_limit = base.CHUNK, csv.field_size_limit(1 << 30)
    try:
        want = [
            r if all(len(f) <= field_limit for f in r) else "skipped"
            for r in csv.reader(io.StringIO(text, newline=""))
        ]
        base.CHUNK = chunk
        csv.field_size_limit(field_limit)
        wrapper = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline="")
        for readline in (base.TextLines(text).readline, wrapper.readline):
            lines = base.CsvLines(readline, ",", field_limit)
            rows = csv.reader(lines)
            got: list[Any] = []
            while True:
                try:
                    got.append(next(rows))
                except StopIteration:
                    break
                except csv.Error:
                    lines.skip_row()
                    got.append("skipped")
            assert got == want
    finally:
        base.CHUNK = old_chunk
        csv.field_size_limit(old_limit)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(list("ab\r x")), max_size=12), max_size=8), st.integers(2, 5)
)
def test_json_lines_come_whole_or_unread(lines: list[str], chunk: int) -> None:
    """Lines (ended by \n only) come whole; one past the limit comes as an Unread."""
    from conflictcli.readers import base

    text = "\n".join(lines)
    old = base.CHUNK
    base.CHUNK = chunk
    try:
        got = list(base.JsonLines(base.TextLines(text, crlf=False).readline, limit=8))
    finally:
        base.CHUNK = old
    shown = [g if isinstance(g, str) else None for g in got]
    assert shown == [line if len(line) <= 8 else None for line in io.StringIO(text)]
