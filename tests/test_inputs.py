"""Real-world inputs: CSV and TSV, JSON Lines and JSON, compressed files, other
encodings, metadata lines, and what is not a file. Every file here is written by the
test; the original CSVs of ../shared/corpora are ingested by test_large_corpus.py and
the acceptance script."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import Run, as_json, write

KYIV = "Air defence units shot down drones over Kyiv overnight, the city administration said."
KURSK = "Eleven drones were shot down over the Kursk region, the regional governor said on Sunday."


def ingest(run: Run, *paths: Path) -> dict[str, Any]:
    r = run("ingest", *map(str, paths), "--json")
    assert r.exit_code in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    return as_json(r)  # type: ignore[no-any-return]


def show(run: Run, ref: str) -> dict[str, Any]:
    r = run("show", ref, "--json")
    assert r.exit_code == 0, r.stderr
    return as_json(r)  # type: ignore[no-any-return]


def only(run: Run, query: str) -> dict[str, Any]:
    res = as_json(run("search", query, "--json"))
    assert res["total"] == 1, (query, res["total"])
    return show(run, res["results"][0]["id"])


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


# -- CSV and TSV -------------------------------------------------------------------------
def test_a_csv_is_one_article_per_row_with_its_fields(run: Run, tmp_path: Path) -> None:
    long_text = "Kharkiv power plant repairs went on. " * 5000  # past csv's default field limit
    f = write(
        tmp_path / "scrape.csv",
        csv_text(
            [
                ["Date", "URL", "Title", "Text"],
                ["2022-08-01T16:23:25Z", "https://www.example.com/kyiv", "Drones over Kyiv", KYIV],
                [
                    "June 23, 2022",
                    "https://news.example.org/kursk",
                    "Kursk",
                    KURSK + "\n\nA second paragraph.",
                ],
                ["2022/06/24", "", "Kharkiv", long_text],
            ]
        ),
    )
    s = ingest(run, f)
    assert s["added"] == 1 and s["articles"] == 3 and not s["skipped"]
    kyiv = only(run, "Kyiv drones")
    assert (kyiv["title"], kyiv["date"], kyiv["url"]) == (
        "Drones over Kyiv",
        "2022-08-01",
        "https://www.example.com/kyiv",
    )
    assert kyiv["source"] == "example.com"  # taken from the url
    assert kyiv["paths"] == [f"{f}:2"]  # the header is row 1
    kursk = only(run, "Kursk governor")
    assert kursk["date"] == "2022-06-23" and kursk["body"].endswith("A second paragraph.")
    assert show(run, f"{f}:3")["id"] == kursk["id"]
    assert only(run, "Kharkiv")["date"] == "2022-06-24"
    missing = run("show", f"{f}:9")
    assert missing.exit_code != 0 and "Row 9" in missing.stderr


def test_delimiters_tsv_and_other_column_names(run: Run, tmp_path: Path) -> None:
    semi = write(
        tmp_path / "a.csv",
        csv_text([["published", "headlines", "articles"], ["2022-03-01", "Kyiv", KYIV]], ";"),
    )
    tsv = write(
        tmp_path / "b.tsv",
        csv_text([["pubdate", "outlet", "maintext"], ["2022-03-02", "Reuters", KURSK]], "\t"),
    )
    s = ingest(run, semi, tsv)
    assert s["articles"] == 2
    assert only(run, "Kyiv")["title"] == "Kyiv"
    kursk = only(run, "Kursk")
    assert kursk["source"] == "Reuters" and kursk["date"] == "2022-03-02"


def test_quoted_quotes_and_commas_in_fields(run: Run, tmp_path: Path) -> None:
    """The sniffer's guess of doublequote is not trusted (it broke the Guardian's CSV)."""
    quoted = 'The governor said "eleven drones, maybe twelve" were downed near "Kursk"'
    plain = "Shelling was reported near Kharkiv overnight. " * 50  # 2 KB, no quotes
    rows = [["published", "headlines", "articles"]]
    rows += [[f"2022-03-{n % 28 + 1:02d}", f"Plain {n}", f"{plain} {n}"] for n in range(40)]
    # quoted quotes, one right before a line end, after the 64 KB the sniffer reads
    rows += [[f"2022-04-{n:02d}", f'"Quoted", {n}', f"{quoted}\n\nRow {n}."] for n in range(1, 6)]
    f = write(tmp_path / "q.csv", csv_text(rows))
    s = ingest(run, f)
    assert s["articles"] == 45 and not s["skipped"] and not s["warnings"]
    a = show(run, f"{f}:45")
    assert a["body"] == f"{quoted}\n\nRow 4." and a["title"] == '"Quoted", 4'


def test_bad_rows_are_listed_and_the_rest_goes_on(run: Run, tmp_path: Path) -> None:
    f = write(
        tmp_path / "rows.csv",
        csv_text(
            [
                ["date", "title", "text"],
                ["2022-03-01", "Kyiv", KYIV],
                ["2022-03-02", "empty", "   "],
                ["not a date", "Kursk", KURSK],
            ]
        ),
    )
    s = ingest(run, f)
    assert s["articles"] == 2
    assert {"path": f"{f}:3", "reason": "no text"} in s["skipped"]
    assert any(f"{f}:4" in w and "unreadable date" in w for w in s["warnings"])
    assert only(run, "Kursk")["date"] is None
    none = write(tmp_path / "other" / "x.csv", "name,value\na,b\n")
    s = ingest(run, none)
    assert "no text column" in s["skipped"][0]["reason"] and "'name'" in s["skipped"][0]["reason"]


def test_the_same_text_as_a_file_and_as_a_row_is_one_article(run: Run, tmp_path: Path) -> None:
    txt = write(tmp_path / "in" / "a.txt", f" date 2024-08-11 {KURSK}\n")
    rows = write(
        tmp_path / "in" / "b.csv",
        csv_text([["date", "title", "text"], ["2024-08-11", "Kursk", KURSK]]),
    )
    s = ingest(run, tmp_path / "in")
    assert s["articles"] == 1
    assert set(only(run, "Kursk")["paths"]) == {str(txt), f"{rows}:2"}


# -- JSON Lines and JSON ------------------------------------------------------------------
def news_please(i: int) -> dict[str, Any]:
    return {
        "title": f"Power cut in Zhytomyr, day {i}",
        "maintext": f"Engineers in Zhytomyr restored power to {100 + i} homes after a strike.",
        "date_publish": f"2023-10-{i + 1:02d} 07:15:00",
        "url": f"https://example.net/zhytomyr/{i}",
        "source_domain": "example.net",
        "authors": ["A. Writer"],
        "language": "en",
    }


def test_json_lines_with_a_broken_line_and_its_gzip_copy(run: Run, tmp_path: Path) -> None:
    lines = [json.dumps(news_please(i)) for i in range(5)]
    lines.insert(3, '{"title": "cut off mid-line')
    f = write(tmp_path / "in" / "crawl.jsonl", "\n".join(lines) + "\n")
    (tmp_path / "in" / "copy.jsonl.gz").write_bytes(gzip.compress(f.read_bytes()))
    s = ingest(run, tmp_path / "in")
    assert s["articles"] == 5 and s["added"] == 2
    broken = [x for x in s["skipped"] if x["path"].endswith("crawl.jsonl:4")]
    assert broken and "not a JSON line" in broken[0]["reason"]
    day2 = only(run, '"homes" 102')
    assert day2["author"] == "A. Writer"
    assert (day2["source"], day2["date"], day2["url"]) == (
        "example.net",
        "2023-10-03",
        "https://example.net/zhytomyr/2",
    )
    assert sorted(day2["paths"]) == [
        f"{tmp_path}/in/copy.jsonl.gz:3",
        f"{tmp_path}/in/crawl.jsonl:3",
    ]


def test_a_line_nested_too_deep_is_one_bad_line(run: Run, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    f = write(
        tmp_path / "d.jsonl",
        "\n".join([json.dumps(news_please(1)), deep, json.dumps(news_please(2))]),
    )
    s = ingest(run, f)
    assert s["articles"] == 2
    assert s["skipped"] == [{"path": f"{f}:2", "reason": "JSON nested too deep to read"}]


def test_a_json_array(run: Run, tmp_path: Path) -> None:
    f = write(tmp_path / "a.json", json.dumps([news_please(0), {"title": "no text"}, "junk"]))
    s = ingest(run, f)
    assert s["articles"] == 1
    assert {x["path"] for x in s["skipped"]} == {f"{f}:2", f"{f}:3"}


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_files_are_read_as_what_they_hold(run: Run, tmp_path: Path, suffix: str) -> None:
    pack = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix]
    (tmp_path / f"a.txt{suffix}").write_bytes(pack(f" date 2024-08-11 {KURSK}\n".encode()))
    (tmp_path / f"b.csv{suffix}").write_bytes(
        pack(csv_text([["date", "text"], ["2022-03-01", KYIV]]).encode())
    )
    (tmp_path / f"broken.txt{suffix}").write_bytes(b"not compressed at all")
    s = ingest(run, tmp_path)
    assert s["articles"] == 2
    assert [x["path"] for x in s["skipped"]] == [str(tmp_path / f"broken.txt{suffix}")]
    assert "decompress" in s["skipped"][0]["reason"]


# -- encodings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        (
            "cp1252",
            "Le maire de Kramatorsk a déclaré que l'école numéro 3 était fermée après la frappe.",
        ),
        (
            "latin-1",
            "Le café près de la gare de Kramatorsk était resté ouvert, selon la préfecture.",
        ),
        (
            "koi8-r",
            "Власти Белгородской области сообщили об обстреле села Головчино, пострадали двое.",
        ),
        ("utf-16", "Officials in Sloviansk said the café on Vokzalna street reopened on Monday."),
        (
            "utf-16-le",
            "Officials in Sloviansk said the café on Vokzalna street reopened on Monday.",
        ),
        ("utf-32", "Officials in Sloviansk said the café on Vokzalna street reopened on Monday."),
        (
            "utf-8-sig",
            "Officials in Sloviansk said the café on Vokzalna street reopened on Monday.",
        ),
    ],
)
def test_encodings_are_detected(run: Run, tmp_path: Path, encoding: str, text: str) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(f" date 2023-06-11 {text}\n".encode(encoding))
    s = ingest(run, f)
    assert s["articles"] == 1, s
    assert show(run, str(f))["body"] == text


# -- metadata lines ----------------------------------------------------------------------
def test_title_source_and_url_lines_after_the_date_are_fields(run: Run, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.txt",
        f" date 2024-08-11\ntitle: Drones over Kursk\nurl: https://www.bbc.co.uk/news/1\n"
        f"author: C. Correspondent\n\n{KURSK}\n",
    )
    ingest(run, f)
    a = show(run, str(f))
    assert (a["title"], a["url"], a["source"]) == (
        "Drones over Kursk",
        "https://www.bbc.co.uk/news/1",
        "bbc.co.uk",
    )
    assert a["body"] == KURSK and a["author"] == "C. Correspondent"
    g = write(
        tmp_path / "b.txt",
        f" date 2024-08-12\nsource: Reuters\n\nTitle: not a field here. {KYIV}\n",
    )
    ingest(run, g)
    b = show(run, str(g))
    assert b["source"] == "Reuters" and b["body"].startswith("Title: not a field here.")


# -- what is not a file ------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_is_skipped_never_opened(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "a.txt", f" date 2024-08-11 {KURSK}\n")
    os.mkfifo(src / "pipe.txt")
    env = {**os.environ, "CONFLICT_INDEX": str(tmp_path / "ix")}
    cmd = [sys.executable, "-m", "conflictcli", "ingest", str(src), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout)
    assert s["articles"] == 1
    assert {"path": str(src / "pipe.txt"), "reason": "a named pipe (FIFO): never opened"} in s[
        "skipped"
    ]
    named = subprocess.run(
        [*cmd[:-2], str(src / "pipe.txt"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert "never opened" in named.stdout


def test_a_link_loop_and_readme_files(run: Run, tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "a.txt", f" date 2024-08-11 {KURSK}\n")
    write(src / "README.md", "# About these articles\n")
    (src / "loop").symlink_to(src)
    s = ingest(run, src)
    assert s["articles"] == 1
    assert any(
        x["path"] == str(src / "loop") and "not followed" in x["reason"] for x in s["skipped"]
    )
    assert any("README" in x["what"] for x in s["ignored"])


# -- web pages ---------------------------------------------------------------------------
PAGE = """<!doctype html><html><head><title>Ferry resumes on the Dnipro | Example News</title>
<meta property="article:published_time" content="2023-07-04T09:00:00Z">
<meta name="author" content="B. Reporter"></head>
<body><nav>Home | World | Sport | Subscribe</nav><article><h1>Ferry resumes on the Dnipro</h1>
<p>A river ferry between Nikopol and the opposite bank resumed service on Tuesday.</p>
<p>The crossing had been closed for weeks because of shelling near the power plant.</p>
<p>Passengers said the trip took forty minutes and that the boat was full.</p></article>
<footer>Cookie settings. Advertise with us. All rights reserved.</footer></body></html>"""


def test_a_web_page_gives_its_main_text_title_and_date(run: Run, tmp_path: Path) -> None:
    f = write(tmp_path / "page.html", PAGE)
    write(tmp_path / "nav.htm", "<html><head><title>Nothing</title></head><body></body></html>")
    s = ingest(run, tmp_path)
    assert s["articles"] == 1
    assert [x["path"] for x in s["skipped"]] == [str(tmp_path / "nav.htm")]
    page = show(run, str(f))
    assert page["title"] == "Ferry resumes on the Dnipro" and page["date"] == "2023-07-04"
    assert page["author"] == "B Reporter"  # as trafilatura reads the meta tag
    assert page["body"].startswith("A river ferry") and page["body"].count("\n\n") == 2
    assert "Cookie" not in page["body"] and "Subscribe" not in page["body"]


# -- sources -----------------------------------------------------------------------------
def test_source_filter_and_the_sources_list(run: Run, tmp_path: Path) -> None:
    outlets = ["Reuters", "reuters ", "BBC", "", "Fox News", "Reuters", "", "ТАСС", "тасс"]
    rows = [["date", "source", "url", "text"]]
    for n, outlet in enumerate(outlets):
        url = f"https://en.example.com/{n}" if n == 3 else ""
        rows.append(
            [f"2022-03-{n + 1:02d}", outlet, url, f"Drones hit a depot near Kyiv, report {n}."]
        )
    f = write(tmp_path / "s.csv", csv_text(rows))
    assert ingest(run, f)["articles"] == 9
    everything = as_json(run("search", "drones", "--json", "--limit", "0"))
    scores = {x["id"]: x["score"] for x in everything["results"]}

    def ids(*args: str) -> list[str]:
        res = as_json(run("search", "drones", *args, "--json", "--limit", "0"))
        assert res["total"] == len(res["results"])
        assert all(scores[x["id"]] == x["score"] for x in res["results"])  # same ranking
        return [x["id"] for x in res["results"]]

    assert len(ids("--source", "REUTERS")) == 3  # any case, spaces folded
    assert len(ids("--source", "reuters", "--source", "bbc")) == 4
    assert len(ids("--source", "fox news")) == 1 and ids("--source", "fox") == []
    assert len(ids("--source", "en.example.com")) == 1  # taken from the url
    assert len(ids("--source", "example.com")) == 1  # a domain finds its subdomains
    assert ids("--source", "ample.com") == []
    assert len(ids("--source", "reuters", "--since", "2022-03-02")) == 2
    count = as_json(run("search", "drones", "--source", "reuters", "--json", "--limit", "1"))
    assert count["total"] == 3 and len(count["results"]) == 1
    listed = as_json(run("sources", "--json"))
    got = {x["source"]: (x["articles"], x["first_date"], x["last_date"]) for x in listed["sources"]}
    assert sum(n for n, _, _ in got.values()) == 9 and listed["sources_count"] == 6
    assert got["ТАСС"][0] == 2 and len(ids("--source", "Тасс")) == 2  # any case, any script
    assert got["Reuters"] == (3, "2022-03-01", "2022-03-06")  # "reuters " is the same outlet
    assert got[None] == (1, "2022-03-07", "2022-03-07") and got["en.example.com"][0] == 1
    table = run("sources").stdout
    assert "(none named)" in table and "Fox News" in table
    explained = as_json(run("search", "drones", "--source", "reuters", "--explain", "--json"))
    assert explained["total"] == 3
    assert {"op": "sources", "role": "required", "text": "reuters", "fields": ["source"]} in (
        explained["parsed"]["children"]
    )


def test_map_names_unusual_columns_and_keys(run: Run, tmp_path: Path) -> None:
    f = write(
        tmp_path / "odd.csv",
        csv_text([["when", "story", "site"], ["2022-03-01", KYIV, "Kyiv Independent"]]),
    )
    s = ingest(run, f)
    assert s["articles"] == 0 and "no text column" in s["skipped"][0]["reason"]
    s = as_json(run("ingest", str(f), "--map", "text=story,date=when,source=site", "--json"))
    assert s["articles"] == 1
    a = only(run, "Kyiv")
    assert (a["date"], a["source"]) == ("2022-03-01", "Kyiv Independent")
    g = write(tmp_path / "odd.jsonl", json.dumps({"story": KURSK, "when": "2022-03-02"}) + "\n")
    assert (
        as_json(run("ingest", str(g), "--map", "TEXT=Story, date=when", "--json"))["articles"] == 2
    )
    assert only(run, "Kursk")["date"] == "2022-03-02"
    bad = run("ingest", str(f), "--map", "body=story")
    assert bad.exit_code == 2 and "FIELD=COLUMN" in bad.stderr and "Traceback" not in bad.stderr
    h = write(tmp_path / "other.csv", csv_text([["text"], [KYIV + " Again."]]))
    s = as_json(run("ingest", str(h), "--map", "text=story", "--json"))
    assert "--map text=story: no such column" in s["skipped"][0]["reason"]


def test_a_reader_that_fails_skips_its_file_not_the_batch(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli import readers

    def choke(path: Path, data: bytes, sidecars: Any, problems: Any) -> list[Any]:
        raise RecursionError("maximum recursion depth exceeded")  # as lxml on a deep page

    monkeypatch.setitem(readers.READERS, ".html", choke)
    write(tmp_path / "in" / "a.txt", f" date 2024-08-11 {KURSK}\n")
    write(tmp_path / "in" / "deep.html", "<div>" * 10 + "text")
    s = ingest(run, tmp_path / "in")
    assert s["articles"] == 1
    assert s["skipped"] == [
        {
            "path": str(tmp_path / "in" / "deep.html"),
            "reason": "could not be read (RecursionError: maximum recursion depth exceeded); "
            "CONFLICT_DEBUG=1 shows where",
        }
    ]
    monkeypatch.setenv("CONFLICT_DEBUG", "1")
    write(tmp_path / "in" / "deep2.html", "<div>" * 10 + "text")
    assert isinstance(run("ingest", str(tmp_path / "in")).exception, RecursionError)


def test_a_file_too_large_to_read_whole_is_skipped_with_the_reason(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli import reading

    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    write(tmp_path / "in" / "a.txt", f" date 2024-08-11 {KURSK}\n")
    big = write(
        tmp_path / "in" / "big.json", json.dumps([{"date": "2022-03-01", "text": KYIV}] * 40)
    )
    s = ingest(run, tmp_path / "in")
    assert s["articles"] == 1
    assert s["skipped"][0]["path"] == str(big)
    assert "read whole; split it, or make it CSV or JSON Lines" in s["skipped"][0]["reason"]


# -- large files stream ---------------------------------------------------------------------
@pytest.fixture
def streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CSV, TSV and JSON Lines file is read as a large one is: a row at a time."""
    from conflictcli import readers

    monkeypatch.setattr(readers, "STREAM_FROM", 0)


def _catalogue(ix: Path) -> tuple[list[Any], list[Any], list[Any]]:
    import sqlite3

    db = sqlite3.connect(ix / "catalogue.sqlite")
    arts = db.execute(
        "SELECT id, date, title, source, url, author, cluster FROM articles ORDER BY id"
    ).fetchall()
    links = db.execute("SELECT path, row, article_id FROM links ORDER BY 1, 2, 3").fetchall()
    files = db.execute("SELECT path, sha256, size FROM files ORDER BY path").fetchall()
    db.close()
    return arts, links, files


def _inputs(folder: Path) -> Path:
    rows = [["date", "title", "text", "url"]]
    rows += [
        [f"2022-03-{1 + i % 28:02d}", f"Day {i}", f"{KYIV} Report {i}.", f"https://e.x/{i}"]
        for i in range(600)
    ]
    rows[5] = ["2022-03-05", "empty", "  ", ""]  # no text: a problem at row 6
    rows.insert(9, [])  # a blank line
    write(folder / "a.csv", csv_text(rows))
    (folder / "b.csv.gz").write_bytes(gzip.compress(csv_text(rows[:300]).encode()))
    write(folder / "c.tsv", csv_text([["date", "text"], ["2022-04-01", KURSK]], "\t"))
    lines = [json.dumps(news_please(i)) for i in range(20)]
    lines.insert(7, '{"broken": ')
    write(folder / "d.jsonl", "\n".join(lines) + "\n")
    write(folder / "e.csv", "name,value\na,b\n")  # no text column
    return folder


def test_large_files_stream_into_the_same_archive_as_files_read_whole(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _inputs(tmp_path / "in")
    whole = ingest(run, src, "--index", str(tmp_path / "whole"))
    from conflictcli import readers

    monkeypatch.setattr(readers, "STREAM_FROM", 0)
    streamed = ingest(run, src, "--index", str(tmp_path / "streamed"))
    for s in (whole, streamed):
        s.pop("took_s")
    assert streamed == whole and whole["articles"] == 1 + 600 - 1 + 20
    assert {"path": f"{src}/a.csv:6", "reason": "no text"} in streamed["skipped"]
    assert any(x["path"] == f"{src}/d.jsonl:8" for x in streamed["skipped"])
    assert any("no text column" in x["reason"] for x in streamed["skipped"])
    assert _catalogue(tmp_path / "whole") == _catalogue(tmp_path / "streamed")
    again = ingest(run, src, "--index", str(tmp_path / "streamed"))
    assert again["unchanged"] == 4 and again["articles"] == whole["articles"]  # not e.csv


def test_a_stream_that_breaks_keeps_the_rows_before_and_is_read_again(
    run: Run, tmp_path: Path, streaming: None
) -> None:
    import random

    rnd = random.Random(3)
    words = [f"w{n}" for n in range(5000)]
    rows = [["date", "text"]] + [
        [f"2022-05-{1 + i % 28:02d}", f"{KURSK} {' '.join(rnd.choices(words, k=150))}."]
        for i in range(2000)
    ]  # 1.8 MB: the stream breaks after its start (which tells the encoding) is read
    whole = gzip.compress(csv_text(rows).encode())
    f = tmp_path / "in" / "feed.csv.gz"
    f.parent.mkdir()
    f.write_bytes(whole[: len(whole) * 2 // 3])  # cut off: the stream ends part way
    s = ingest(run, f)
    stop = [x for x in s["skipped"] if "stopped reading" in x["reason"]]
    assert len(stop) == 1 and stop[0]["path"].startswith(f"{f}:")
    kept = s["articles"]
    assert 256 <= kept < 2000 and f"the {kept:,} articles before it are in" in stop[0]["reason"]
    assert as_json(run("search", "Kursk", "--json"))["total"] == kept
    f.write_bytes(whole)  # the whole file now: read again, not taken as unchanged
    s = ingest(run, f)
    assert s["articles"] == 2000 and s["updated"] == 1 and not s["skipped"]
    assert ingest(run, f)["unchanged"] == 1


def test_the_progress_of_a_large_file_moves_by_rows(tmp_path: Path, streaming: None) -> None:
    from conflictcli.ingest import ingest as ingest_paths

    rows = [["date", "text"]] + [["2022-06-01", f"{KYIV} Line {i}."] for i in range(700)]
    f = write(tmp_path / "in" / "big.csv", csv_text(rows))

    class Seen:
        def __init__(self) -> None:
            self.seen: list[tuple[int, int]] = []

        def start(self, total: int) -> None:
            pass

        def advance(self) -> None:
            pass

        def rows(self, name: str, rows: int, done: int, size: int) -> None:
            assert name == "big.csv" and size == f.stat().st_size
            self.seen.append((rows, done))

    seen = Seen()
    ingest_paths(tmp_path / "ix", [f], progress=seen)
    counts = [r for r, _ in seen.seen]
    assert counts == sorted(counts) and counts[-1] == 700 and len(counts) >= 3
    assert seen.seen[-1][1] == f.stat().st_size
