"""An ingest's memory is bounded whatever the file (issue 25: peak under 500 MB): a JSON
array streams an item at a time as JSON Lines do, a CSV, JSON Lines or JSON file of
STREAM_FROM bytes or more streams a row at a time, a file read whole is analysed a
bounded batch at a time, the files streamed share one set of worker processes, and a
web page too large to be an article's is not read. Each measured ingest runs in a
process of its own, its peak taken by getrusage (the largest process it started)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from test_hostile_inputs import PEAK_MB, _peak

from conftest import Run, as_json, write

MB = 1 << 20
WORDS = [f"w{n}" for n in range(3000)]


def _body(rnd: random.Random, n: int) -> str:
    # with one character beyond U+FFFF (an emoji, as posts have), Python holds the text
    # at 4 bytes a character: this 100 MB array, read whole, took 643 MB
    return f"Report {n} from Kharkiv \U0001f33b: " + " ".join(rnd.choices(WORDS, k=600)) + "."


def _texts(distinct: int) -> list[str]:
    """`distinct` article texts of some 4 KB: a file of many MB repeats them (each copy
    is one more place of its article, not analysed again), so that the test reads and
    parses the whole file in seconds."""
    rnd = random.Random(5)
    return [_body(rnd, n) for n in range(distinct)]


def _json_array(path: Path, mb: int, distinct: int = 400) -> int:
    """A JSON array of `mb` MB of small articles, written a chunk at a time; its items."""
    texts = _texts(distinct)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("[\n")
        while f.tell() < mb * MB:
            chunk = []
            for _ in range(200):
                item = {"title": f"Item {n}", "date": "2022-03-01", "text": texts[n % distinct]}
                chunk.append(json.dumps(item))
                n += 1
            f.write((",\n" if n > 200 else "") + ",\n".join(chunk))
        f.write("\n]\n")
    return n


def _csv(path: Path, mb: float, distinct: int = 400) -> int:
    """A CSV of `mb` MB of small articles, written a chunk at a time; its rows."""
    texts = _texts(distinct)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "title", "text"])
        while f.tell() < mb * MB:
            buf = io.StringIO()
            rows = csv.writer(buf)
            for _ in range(200):
                rows.writerow(["2022-04-01", f"Row {n}", texts[n % distinct]])
                n += 1
            f.write(buf.getvalue())
    return n


def _ingest_measured(src: Path, ix: Path) -> tuple[dict[str, Any], int]:
    env = {**os.environ, "CONFLICT_INDEX": str(ix)}
    done, peak_mb = _peak(["ingest", str(src), "--json"], env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "This is a bug" not in done.stderr
    return json.loads(done.stdout), peak_mb


def test_a_100_mb_json_array_streams_an_item_at_a_time_in_bounded_memory(
    run: Run, tmp_path: Path
) -> None:
    src = tmp_path / "feed.json"
    items = _json_array(src, 100)
    assert src.stat().st_size >= 100 * MB
    s, peak_mb = _ingest_measured(src, tmp_path / "ix")
    assert s["added"] == 1 and not s["skipped"], s
    assert s["articles"] == 400 and s["duplicates"] == items - 400
    assert peak_mb < PEAK_MB, f"{peak_mb} MB"
    shown = as_json(run("show", f"{src}:{items}", "--json", "--index", str(tmp_path / "ix")))
    assert shown["body"].startswith(f"Report {(items - 1) % 400} from Kharkiv \U0001f33b")


@pytest.mark.parametrize("mb", [64.0, 3.9], ids=["streamed", "read-whole"])
def test_a_large_csv_is_ingested_in_bounded_memory(tmp_path: Path, mb: float) -> None:
    """64 MB streams; 3.9 MB, under STREAM_FROM, is read whole and analysed a batch of
    ANALYSE_CHARS at a time."""
    src = tmp_path / "rows.csv"
    rows = _csv(src, mb, distinct=400 if mb > 10 else 1000)
    s, peak_mb = _ingest_measured(src, tmp_path / "ix")
    assert s["added"] == 1 and not s["skipped"], s
    assert s["articles"] == min(rows, 400 if mb > 10 else 1000)
    assert peak_mb < PEAK_MB, f"{peak_mb} MB"


# -- a JSON array, streamed or read whole, gives the same archive ------------------------
def _feed(folder: Path) -> Path:
    items = [json.dumps({"date": "2022-03-01", "text": "Strike on Izmail port."})]
    items += ['{"text": "x", "n": ' + "7" * 100_000 + "}", "[" * 50_000 + "]" * 50_000]
    items += [json.dumps({"title": "No text"}), '"a string"']
    items += [json.dumps({"text": f"Strike on Reni port, report {n}."}) for n in range(300)]
    return write(folder / "feed.json", "[\n" + ",\n".join(items) + "\n]\n")


def test_a_json_array_streamed_gives_what_it_gives_read_whole(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli import readers

    f = _feed(tmp_path / "in")
    whole = as_json(run("ingest", str(f), "--json", "--index", str(tmp_path / "whole")))
    monkeypatch.setattr(readers, "STREAM_FROM", 1)
    assert readers.streams(str(f))
    streamed = as_json(run("ingest", str(f), "--json", "--index", str(tmp_path / "streamed")))
    for s in (whole, streamed):
        s.pop("took_s")
    assert streamed == whole and whole["articles"] == 301
    assert {x["path"]: x["reason"] for x in whole["skipped"]} == {
        f"{f}:2": "JSON holding a number of more than 4,300 digits: not read",
        f"{f}:3": "JSON nested too deep to read",
        f"{f}:4": "no text: name it text, body, content, article or maintext",
        f"{f}:5": "a JSON str, not an object",
    }
    shown = as_json(run("show", f"{f}:305", "--json", "--index", str(tmp_path / "streamed")))
    assert shown["body"] == "Strike on Reni port, report 299."


def test_a_streamed_json_file_of_objects_one_after_another_is_read(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON Lines named .json, or objects written one after another, stream as a
    sequence of objects."""
    from conflictcli import readers

    monkeypatch.setattr(readers, "STREAM_FROM", 1)
    lines = [json.dumps({"text": f"Strike on Izmail port, report {n}."}) for n in range(5)]
    f = write(tmp_path / "lines.json", "\n".join(lines) + '\n{"text": \n "Reni"}\n')
    s = as_json(run("ingest", str(f), "--json"))
    assert s["articles"] == 6 and not s["skipped"]
    # a file that is no JSON is skipped before any article, as it is read whole
    bad = write(tmp_path / "bad.json", "hello world\n" * 100)
    s = as_json(run("ingest", str(bad), "--json"))
    assert s["skipped"] == [
        {"path": str(bad), "reason": "not a JSON array or object (it starts with 'h')"}
    ]


def test_an_array_item_past_the_line_limit_is_dropped_as_read_never_held(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli import readers
    from conflictcli.readers import records

    monkeypatch.setattr(readers, "STREAM_FROM", 1)
    held: list[int] = []
    real = records.JsonItems._more

    def more(self: records.JsonItems) -> bool:
        got = real(self)
        held.append(len(self._buf))
        return got

    monkeypatch.setattr(records.JsonItems, "_more", more)
    f = tmp_path / "big.json"
    with f.open("w", encoding="utf-8") as out:
        out.write('[{"text": "Strike on Izmail port."},\n{"text": "')
        for _ in range(30):
            out.write('ab\\"c' * (MB // 5))
        out.write('"},\n{"text": "Strike on Reni port."}]\n')
    s = as_json(run("ingest", str(f), "--json"))
    assert {x["path"]: x["reason"] for x in s["skipped"]} == {
        f"{f}:2": "an item of more than 24,000,000 characters (an article may hold "
        "4,000,000): not read"
    }
    assert s["articles"] == 2
    assert max(held) < 26 * MB  # the limit and a piece, never the 30 MB item


def _pieces(text: str, size: int) -> Any:
    """read(n) of `text`, `size` characters at most at a time."""
    pos = 0

    def read(n: int) -> str:
        nonlocal pos
        got = text[pos : pos + min(n, size)]
        pos += len(got)
        return got

    return read


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 64])
def test_json_items_read_in_pieces_of_any_size_are_the_array(piece: int) -> None:
    from conflictcli.readers.base import Unread
    from conflictcli.readers.records import JsonItems

    rnd = random.Random(piece)
    for _ in range(40):
        values: list[Any] = []
        for n in range(rnd.randint(0, 8)):
            values.append(
                rnd.choice(
                    [
                        {"text": 'a "quoted" \\ word\n', "n": -12.5e3, "l": [None, True]},
                        {"k": {"deep": [1, [2, [3]]]}, "s": "\u00e9\u4e2d"},
                        12345678,
                        3.25,
                        "a \\ string",
                        None,
                        [],
                        {},
                        n,
                    ]
                )
            )
        text = json.dumps(values, indent=rnd.choice([None, 1]))
        got = [v for _, v in JsonItems(_pieces(text, piece))]
        assert not any(isinstance(v, Unread) for v in got)
        assert got == values, text


# -- one set of workers for the run; analysis a bounded batch at a time ------------------
def test_files_streamed_share_one_set_of_worker_processes(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli import readers, reading

    monkeypatch.setattr(readers, "STREAM_FROM", 1)
    monkeypatch.setenv("CONFLICT_WORKERS", "2")
    started: list[int] = []
    real = reading.ProcessPoolExecutor

    def counted(*args: Any, **kwargs: Any) -> Any:
        started.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(reading, "ProcessPoolExecutor", counted)
    src = tmp_path / "in"
    for i in range(4):
        rows = "".join(
            f"2022-03-0{1 + r % 9},Report {r} of file {i} from Kherson.\n" for r in range(80)
        )
        write(src / f"f{i}.csv", "date,text\n" + rows)
    write(src / "g.json", json.dumps([{"text": f"Item {r} from Sumy."} for r in range(70)]))
    s = as_json(run("ingest", str(src), "--json"))
    assert s["added"] == 5 and s["articles"] == 4 * 80 + 70
    assert len(started) == 1


def test_articles_are_analysed_in_batches_of_bounded_size() -> None:
    from conflictcli.articles import Article
    from conflictcli.reading import ANALYSE_CHARS, batched

    def article(chars: int) -> Article:
        return Article(id=str(chars), date=None, title="", body="x" * chars)

    sizes = [10] * 100 + [ANALYSE_CHARS // 2] * 3 + [ANALYSE_CHARS + 5] + [10] * 3
    batches = list(batched((article(n) for n in sizes), 64))
    assert [len(b) for b in batches] == [64, 37, 2, 1, 3]
    assert sum(len(b) for b in batches) == len(sizes)
    for b in batches:
        assert len(b) == 1 or sum(len(a.body) for a in b) <= ANALYSE_CHARS


# -- a page too large to be an article's -----------------------------------------------
def test_an_html_page_over_8_mib_is_not_read(run: Run, tmp_path: Path) -> None:
    """Parsing a page takes some 40 times its size: one of 16 MiB peaked at 618 MB."""
    src = tmp_path / "in"
    write(
        src / "good.html",
        "<html><head><title>Kyiv</title></head><body><article><p>"
        + "Air defence units shot down drones over Vinnytsia overnight. " * 5
        + "</p></article></body></html>",
    )
    with (src / "huge.html").open("w", encoding="utf-8") as f:
        f.write("<html><body>")
        for _ in range(9):
            f.write("<p>" + "x " * (MB // 2 - 4) + "</p>")
        f.write("</body></html>")
    s = as_json(run("ingest", str(src), "--json"))
    reasons = {x["path"]: x["reason"] for x in s["skipped"]}
    assert reasons == {
        str(src / "huge.html"): "an HTML page of 9.0 MiB, more than the 8 MiB of any "
        "article's page: not read"
    }
    assert s["articles"] == 1
