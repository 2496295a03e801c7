"""Issue "Counts you can trust, and output that survives pipes, files and pasted text":
each case the issue lists, on sample_data or on small archives written here. The exact
counts under every filter are proven in test_counts.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, Run, as_json, only_folder, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def ix(sample_archive: Path) -> list[str]:
    return ["--index", str(sample_archive)]


def full_ids(run: Run, ix: list[str], *args: str) -> list[str]:
    res = as_json(run("search", *args, "--json", "--limit", "0", *ix))
    return [x["id"] for x in res["results"] if not x.get("partial")]


# -- exact counts ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, filters",
    [
        ("Kyiv", ["--since", "2024-01", "--until", "2024-03"]),
        ("Belgorod", ["--since", "2024-03"]),
        ("Kyiv OR (Belgorod NOT drones)", []),
        ("Ukraine NOT Russia", ["--until", "2024-02"]),
        ("drone*", ["--since", "2023-12-01", "--until", "2024-04-30"]),
    ],
)
@pytest.mark.parametrize(
    "page", [["-n", "1"], ["-n", "2", "--offset", "1"], ["-n", "3", "--sort", "newest"]]
)
def test_total_is_the_same_at_every_limit(
    run: Run, ix: list[str], query: str, filters: list[str], page: list[str]
) -> None:
    everything = full_ids(run, ix, query, *filters)
    assert everything, "the case must select something to prove anything"
    r = as_json(run("search", query, *filters, *page, "--json", *ix))
    assert r["total"] == len(everything)


def test_paging_past_the_end_says_how_many_match(run: Run, ix: list[str]) -> None:
    n = len(full_ids(run, ix, "Belgorod"))
    r = run("search", "Belgorod", "--limit", "3", "--offset", "500", *ix)
    assert r.exit_code == 1 and r.stdout == ""
    assert f"{n} articles match 'Belgorod'; --offset 500 is past the last" in r.stderr
    assert "Try fewer words" not in r.stderr
    j = run("search", "Belgorod", "--limit", "3", "--offset", "500", "--json", *ix)
    assert j.exit_code == 1 and json.loads(j.stdout)["total"] == n
    assert json.loads(j.stdout)["results"] == []


# -- pasted text ----------------------------------------------------------------------
def test_a_pasted_headline_with_a_colon_is_searched(run: Run, ix: list[str]) -> None:
    r = run("search", "Kyiv: drones", "--json", *ix)
    assert r.exit_code == 0, r.stderr
    assert as_json(r)["total"] == len(full_ids(run, ix, "Kyiv drones")) > 0
    assert "Read 'Kyiv:' as the word 'Kyiv'" in r.stderr and "title, body" in r.stderr


@pytest.mark.parametrize("query", ["foo:bar", "Breaking: Belgorod", "https://example.com"])
def test_a_word_before_a_colon_is_a_word(run: Run, ix: list[str], query: str) -> None:
    r = run("search", query, "--json", *ix)
    assert r.exit_code in (0, 1) and "not a field" in r.stderr
    json.loads(r.stdout)


def test_a_field_with_a_space_after_its_colon_is_a_word(run: Run, ix: list[str]) -> None:
    r = run("search", "title: Belgorod", "--any", "--json", "--limit", "0", *ix)
    assert r.exit_code == 0 and "write title:Belgorod" in r.stderr
    assert as_json(r)["total"] == len(full_ids(run, ix, "title OR Belgorod")) > 0


def test_a_sentence_with_not_is_searched_as_words(run: Run, ix: list[str]) -> None:
    sentence = "Ukraine says it will NOT give up the fight for Kharkiv"
    r = run("search", sentence, "--json", "--limit", "0", *ix)
    assert "Read NOT as a word" in r.stderr and "sentence" in r.stderr
    lower = as_json(run("search", sentence.replace("NOT", "not"), "--json", "--limit", "0", *ix))
    assert [x["id"] for x in as_json(r)["results"]] == [x["id"] for x in lower["results"]]


def test_operators_between_terms_stay_operators(run: Run, ix: list[str]) -> None:
    r = run("search", "Belgorod NOT drones", "--json", "--limit", "0", *ix)
    assert "Read NOT as an operator" in r.stderr
    with_not = set(full_ids(run, ix, "Belgorod NOT drones"))
    assert with_not and with_not.isdisjoint(full_ids(run, ix, "Belgorod drones"))


@pytest.mark.parametrize(
    "query, why",
    [
        ("Belgorod AND", "no term after it"),
        ("OR Kyiv", "no term before it"),
        ("KYIV AND KHARKIV POWER STATIONS", "upper case"),
    ],
)
def test_operator_words_out_of_place_are_words(
    run: Run, ix: list[str], query: str, why: str
) -> None:
    r = run("search", query, "--json", *ix)
    assert r.exit_code in (0, 1) and why in r.stderr


def test_explain_shows_the_query_as_read(run: Run, ix: list[str]) -> None:
    # --exact: names as typed (their spellings are tests/test_names.py's)
    args = ["Kyiv OR (Belgorod NOT drones)", "--since", "2024-01", "--exact", "--explain"]
    r = run("search", *args, "--json", *ix)
    assert r.exit_code == 0, r.stderr
    e = as_json(r)
    assert e["read_as"] == "operators" and e["operator_words"] == ["OR", "NOT"]
    assert e["total"] == len(full_ids(run, ix, *args[:4]))
    top = e["parsed"]
    assert top["op"] == "all" and top["children"][1] == {
        "op": "dates", "role": "required", "first": "2024-01-01", "last": None,
    }  # fmt: skip
    query = top["children"][0]
    assert query["op"] == "any"
    kyiv, group = query["children"]
    assert kyiv == {"op": "term", "role": "optional", "text": "kyiv", "fields": ["title", "body"]}
    assert [c["op"] for c in group["children"]] == ["term", "not"]
    assert group["children"][1]["children"][0]["text"] == "drone"  # stemmed
    assert group["children"][1]["role"] == "excluded"
    human = run("search", *args, *ix)
    assert "any of" in human.stdout and "drone" in human.stdout and "excluded" in human.stdout


def test_explain_says_a_sentence_was_read_as_words(run: Run, ix: list[str]) -> None:
    e = as_json(
        run(
            "search",
            "Zelensky says Ukraine will NOT give up Donbas",
            "--exact",
            "--explain",
            "--json",
            *ix,
        )
    )
    assert e["read_as"] == "words" and e["operator_words"] == ["NOT"]
    texts = {c["text"] for c in e["parsed"]["children"]}
    assert texts == {"zelenski", "sai", "ukrain", "give", "up", "donba"}
    assert all(c["role"] == "required" for c in e["parsed"]["children"])


# -- dates ----------------------------------------------------------------------------
def test_an_ambiguous_date_is_said_back(run: Run, ix: list[str]) -> None:
    r = run("search", "Kyiv", "--since", "02/03/2024", "--json", *ix)
    assert "read as 2024-02-03, 3 February (month first)" in r.stderr
    d = run("search", "Kyiv", "--since", "02/03/2024", "--dayfirst", "--json", *ix)
    assert "read as 2024-03-02, 2 March (day first" in d.stderr
    assert (
        as_json(d)["total"]
        == as_json(run("search", "Kyiv", "--since", "2024-03-02", "--json", *ix))["total"]
    )
    iso = run("search", "Kyiv", "--since", "2024-02-03", "--dayfirst", "--json", *ix)
    assert "read as" not in iso.stderr  # year first is never read day first
    assert as_json(iso)["total"] == as_json(r)["total"]


def test_since_after_until_is_a_usage_error(run: Run, ix: list[str]) -> None:
    r = run("search", "Kyiv", "--since", "2024-08", "--until", "2024-07", *ix)
    assert r.exit_code == 2 and "is after --until" in r.stderr and "Swap" in r.stderr
    r = run("search", "Kyiv date:[2024-08 to 2024-07]", *ix)
    assert r.exit_code == 2 and "ends" in r.stderr


# -- output into pipes and files ----------------------------------------------------
@pytest.fixture
def long_article(run: Run, tmp_path: Path) -> tuple[list[str], str, Path]:
    """One article far longer than a pipe's buffer, with a long url beside it."""
    folder = tmp_path / "long"
    paras = [f"Paragraph {n} on the shelling of Kharkiv, " + "word " * 60 for n in range(600)]
    write(folder / "a.txt", " date 2024-05-10 " + "\n\n".join(paras) + "\n")
    url = "https://example.org/" + "very-long-path-segment/" * 8 + "kharkiv.html"
    write(folder / "metadata.jsonl", json.dumps({"file": "a.txt", "url": url}) + "\n")
    where = tmp_path / "ix"
    assert run("ingest", str(folder), "--index", str(where), "--quiet").exit_code == 0
    return ["--index", str(where)], url, folder / "a.txt"


def test_show_into_a_file_is_the_body_unwrapped(
    run: Run, long_article: tuple[list[str], str, Path]
) -> None:
    ix, url, path = long_article
    r = run("show", str(path), *ix)
    body = as_json(run("show", str(path), "--json", *ix))["body"]
    assert r.stdout.endswith("\n\n" + body + "\n")  # exactly as stored
    assert all(line == line.rstrip() for line in r.stdout.splitlines())
    assert f"url     {url}" in r.stdout.splitlines()
    assert "\x1b" not in r.stdout


def shell(cmd: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    conflict = f"{sys.executable} -m conflictcli"
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        ["bash", "-c", cmd.replace("conflict ", conflict + " ")],
        capture_output=True, text=True, cwd=ROOT, env=full_env,
    )  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [
        "show {path}",
        "show {path} --json",
        "stats",
        "search Kharkiv --limit 0",
        "search Kharkiv --csv",
    ],
)
@only_folder("runs conflict in a shell on the folder")
def test_every_command_ends_quietly_when_the_reader_goes(
    long_article: tuple[list[str], str, Path], command: str
) -> None:
    ix, _, path = long_article
    cmd = "conflict " + command.format(path=path) + " " + " ".join(ix)
    p = shell(cmd + " | head -c 10 > /dev/null; exit ${PIPESTATUS[0]}")
    assert p.returncode == 0, p.stderr
    assert "Error" not in p.stderr and "Traceback" not in p.stderr


def test_color_only_when_asked_for_in_a_pipe(run: Run, ix: list[str]) -> None:
    path = str(SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt")
    plain = run("show", path, "--highlight", "drones", *ix)
    assert "\x1b" not in plain.stdout
    colored = run("show", path, "--highlight", "drones", "--color", "always", *ix)
    marked = re.findall(r"\x1b\[1;30;43m(.*?)\x1b\[0m", colored.stdout)
    assert marked and {m.lower() for m in marked} <= {"drone", "drones"}
    assert ANSI.sub("", colored.stdout) == plain.stdout
    table = run("search", "Belgorod drones", "--color", "always", *ix)
    assert "\x1b[" in table.stdout
    assert "\x1b" not in run("search", "Belgorod drones", "--color", "never", *ix).stdout


def test_no_color_is_honoured_on_a_terminal() -> None:
    code = (
        "from conflictcli.output import console\n"
        "from rich.text import Text\n"
        "c = console._console(force_terminal=True)\n"
        "print(c.no_color, c.color_system is not None)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
    assert p.stdout.split() == ["True", "True"]  # colour off, bold and dim kept


@only_folder("shows the folder's long path")
def test_stats_and_tables_are_not_cut_into_a_pipe(run: Run, ix: list[str], tmp_path: Path) -> None:
    long_name = tmp_path / ("a-folder-with-a-very-long-name-" * 4) / "ix"
    assert run("ingest", str(SAMPLE / "other"), "--index", str(long_name), "--quiet").exit_code == 0
    out = run("stats", "--index", str(long_name), env={"COLUMNS": "40"}).stdout
    assert str(long_name) in out.splitlines()[-1] or str(long_name) in out
    table = run("search", "Belgorod", "--limit", "20", "--all", *ix, env={"COLUMNS": "40"}).stdout
    rows = [line for line in table.splitlines() if re.match(r"\s*\d+\s+\d{4}-", line)]
    assert len(rows) == as_json(run("search", "Belgorod", "--limit", "20", "--json", *ix))["total"]


def test_control_characters_never_reach_the_terminal(run: Run, tmp_path: Path) -> None:
    evil = " date 2024-01-01 Kharkiv \x1b[2J\x1b]0;owned\x07 cleared \u202e reversed.\n"
    write(tmp_path / "in" / "evil.txt", evil)
    ix = ["--index", str(tmp_path / "ix")]
    run("ingest", str(tmp_path / "in"), *ix, "--quiet")
    for args in (["show", str(tmp_path / "in" / "evil.txt")], ["search", "Kharkiv"]):
        out = run(*args, *ix, "--color", "always").stdout
        assert "\x1b[2J" not in out and "\x07" not in out and "\u202e" not in out
        assert "\\x1b[2J" in out
    assert "\x1b" in as_json(run("show", str(tmp_path / "in" / "evil.txt"), "--json", *ix))["body"]


def test_csv_cells_never_run_as_formulas(run: Run, tmp_path: Path) -> None:
    write(tmp_path / "in" / "f.txt", ' date 2024-01-01 =HYPERLINK("http://x") Kharkiv strike.\n')
    ix = ["--index", str(tmp_path / "ix")]
    run("ingest", str(tmp_path / "in"), *ix, "--quiet")
    out = run("search", "Kharkiv", "--csv", *ix).stdout
    row = out.splitlines()[1]
    assert ",'=HYPERLINK" in row.replace('"', "") and ",=HYPERLINK" not in row.replace('"', "")


# -- ingest that reads nothing, stats that shows every month ------------------------
def test_an_ingest_that_read_nothing_says_so_and_leaves_no_archive(
    run: Run, tmp_path: Path
) -> None:
    src = tmp_path / "junk"
    for i in range(3):
        (src / f"x{i}.bin.txt").parent.mkdir(parents=True, exist_ok=True)
        (src / f"x{i}.bin.txt").write_bytes(b"\x00\x01\x02" * 50)
    for i in range(12):
        write(src / f"table{i}.pdf", "a,b\n1,2\n")
    write(src / ".hidden.txt", " date 2024-01-01 hidden\n")
    where = tmp_path / "new" / "archive"
    r = run("ingest", str(src), "--index", str(where))
    assert r.exit_code == 1 and r.stdout == ""
    assert not (tmp_path / "new").exists()
    assert "Nothing was ingested" in r.stderr
    assert "3 files could not be read" in r.stderr and "binary" in r.stderr
    assert "12 files ending in .pdf: not a supported format" in r.stderr
    assert "1 hidden file or folder: hidden: skipped" in r.stderr
    j = run("ingest", str(src), "--index", str(where), "--json")
    assert j.exit_code == 1 and not where.exists()
    s = as_json(j)
    assert s["articles"] == 0 and len(s["skipped"]) == 3
    assert {"what": "files ending in .pdf", "files": 12, "reason": s["ignored"][0]["reason"]} in s[
        "ignored"
    ]


def test_an_empty_folder_given_as_archive_is_left_empty(run: Run, tmp_path: Path) -> None:
    (tmp_path / "empty-src").mkdir()
    (tmp_path / "mine").mkdir()
    r = run("ingest", str(tmp_path / "empty-src"), "--index", str(tmp_path / "mine"))
    assert r.exit_code == 1 and "no files at all" in r.stderr
    assert (tmp_path / "mine").is_dir() and not any((tmp_path / "mine").iterdir())


def test_an_ingest_into_an_existing_archive_that_reads_nothing_keeps_it(
    run: Run, tmp_path: Path, sample_archive: Path
) -> None:
    write(tmp_path / "junk" / "a.csv", "a,b\n")
    ix = ["--index", str(tmp_path / "ix")]
    assert run("ingest", str(SAMPLE / "other"), *ix, "--quiet").exit_code == 0
    r = run("ingest", str(tmp_path / "junk"), *ix)
    assert r.exit_code == 1 and "Nothing was ingested" in r.stderr
    assert as_json(run("stats", "--json", *ix))["articles"] == 5


def test_ignored_files_are_listed_after_a_normal_ingest(run: Run, tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", " date 2024-01-01 Article on Sumy.\n")
    write(tmp_path / "in" / "b.pdf", "a,b\n")
    r = run("ingest", str(tmp_path / "in"))
    assert r.exit_code == 0 and "passed over 1 file ending in .pdf" in r.stderr


def test_stats_shows_every_month_with_zeros(run: Run, tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", " date 2023-11-20 Article on Sumy.\n")
    write(tmp_path / "in" / "b.txt", " date 2024-02-03 Article on Kherson.\n")
    write(tmp_path / "in" / "c.txt", " date 2024-02-09 Article on Odesa.\n")
    run("ingest", str(tmp_path / "in"), "--quiet")
    st = as_json(run("stats", "--json"))
    assert st["by_month"] == {"2023-11": 1, "2023-12": 0, "2024-01": 0, "2024-02": 2}
    table = run("stats").stdout
    assert re.search(r"^2024-01\s+0$", table, re.M) and re.search(r"^2024-02\s+2 █+$", table, re.M)
