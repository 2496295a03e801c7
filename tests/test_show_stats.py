"""conflict show and conflict stats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conflictcli.articles import content_id

from conftest import SAMPLE, Run, as_json, open_archive, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

GLADKOV = SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt"
NOISE = re.compile(r"^\s*(advertis(e)?ment|read more)\s*$", re.I | re.M)


def body_of(path: Path) -> str:
    """The file's text minus the date header and the noise lines, whitespace folded."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^\s*date \S+\s*", "", text, flags=re.I)
    return " ".join(NOISE.sub("", text).split())


@pytest.fixture
def ix(sample_archive: Path) -> list[str]:
    return ["--index", str(sample_archive)]


def test_show_by_path_returns_the_body_intact(run: Run, ix: list[str]) -> None:
    r = run("show", str(GLADKOV), "--json", *ix)
    assert r.exit_code == 0, r.stderr
    a = as_json(r)
    assert {
        "id",
        "date",
        "title",
        "source",
        "url",
        "path",
        "score",
        "snippet",
        "paths",
        "body",
    } <= set(a)
    assert a["paths"] == [str(GLADKOV)] and a["path"] == str(GLADKOV)
    assert a["date"] == "2024-03-27"
    assert " ".join(a["body"].split()) == body_of(GLADKOV)
    assert "\n\n" in a["body"]  # paragraphs kept


@pytest.mark.parametrize("path", sorted(SAMPLE.rglob("*.txt"))[::7])
def test_show_body_of_sample_files(run: Run, ix: list[str], path: Path) -> None:
    a = as_json(run("show", str(path), "--json", *ix))
    assert " ".join(a["body"].split()) in body_of(path)
    assert not NOISE.search(a["body"])


def test_show_by_id_and_prefix(run: Run, ix: list[str]) -> None:
    a = as_json(run("show", str(GLADKOV), "--json", *ix))
    for ref in (a["id"], a["id"][:4], a["id"][:8].upper()):
        assert as_json(run("show", ref, "--json", *ix))["id"] == a["id"]


def test_show_table_has_header_and_highlight(run: Run, ix: list[str]) -> None:
    r = run("show", str(GLADKOV), "--highlight", "Belgorod drones", *ix)
    assert r.exit_code == 0
    assert "2024-03-27" in r.stdout and str(GLADKOV.name) in r.stdout.replace("\n", "")
    assert "words" in r.stdout and "Belgorod" in r.stdout


def test_highlight_spans_cover_the_terms(tmp_path: Path) -> None:
    # the spans come from the engine's analyzer: stems, case and accents folded
    archive = open_archive(tmp_path / "archive", create=True)
    text = "Drones over BELGOROD; a drone fell near the café."
    spans = archive.engine.mark(text, "belgorod drone cafe")
    assert [text[a:b] for a, b in spans] == ["Drones", "BELGOROD", "drone", "café"]
    archive.close()


@pytest.mark.parametrize(
    "ref, message",
    [
        ("ffffffffffff", "No article with id"),
        ("abc", "too short"),
        ("/no/such/file.txt", "No article with id"),
    ],
)
def test_show_unknown_exits_1(run: Run, ix: list[str], ref: str, message: str) -> None:
    r = run("show", ref, *ix)
    assert r.exit_code == 1 and message in r.stderr
    assert "Traceback" not in r.stderr


def test_show_file_not_in_archive(run: Run, ix: list[str], tmp_path: Path) -> None:
    f = write(tmp_path / "new.txt", " date 2024-01-01 Not ingested.\n")
    r = run("show", str(f), *ix)
    assert r.exit_code == 1 and "not in the archive" in r.stderr and "conflict ingest" in r.stderr


def test_ambiguous_prefix_lists_candidates(run: Run, tmp_path: Path) -> None:
    seen: dict[str, str] = {}
    n = 0
    while True:  # find two texts whose ids share their first four characters
        body = f"Report number {n} from Kramatorsk."
        prefix = content_id(None, body)[:4]
        if prefix in seen:
            break
        seen[prefix] = body
        n += 1
    write(tmp_path / "in" / "a.txt", seen[prefix] + "\n")
    write(tmp_path / "in" / "b.txt", body + "\n")
    run("ingest", str(tmp_path / "in"), "--quiet")
    r = run("show", prefix)
    assert r.exit_code == 1 and "several ids" in r.stderr
    assert content_id(None, body) in r.stderr and content_id(None, seen[prefix]) in r.stderr


def test_stats_json(run: Run, ix: list[str]) -> None:
    r = run("stats", "--json", *ix)
    assert r.exit_code == 0
    s = as_json(r)
    assert {"articles", "first_date", "last_date", "by_month", "index_bytes", "last_ingest"} <= set(
        s
    )
    files = list(SAMPLE.rglob("*.txt"))
    assert s["articles"] == len(files)
    dated = sorted(m.group(1) for p in files if (m := re.match(r"(\d{4}-\d{2}-\d{2})-", p.name)))
    assert (s["first_date"], s["last_date"]) == (dated[0], dated[-1])
    months: dict[str, int] = {}
    for d in dated:
        months[d[:7]] = months.get(d[:7], 0) + 1
    assert s["by_month"] == months
    assert s["undated"] == len(files) - len(dated)
    assert s["index_bytes"] > 10_000
    assert re.match(r"\d{4}-\d{2}-\d{2}T", s["last_ingest"])


def test_stats_table(run: Run, ix: list[str]) -> None:
    r = run("stats", *ix)
    assert r.exit_code == 0
    assert "articles" in r.stdout and "2024-03" in r.stdout and "█" in r.stdout


def test_text_with_brackets_is_shown_literally(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "in[1]"
    write(folder / "a.txt", " date 2024-03-27 The [bold]Belgorod[/bold] report [/x].\n")
    write(folder / "metadata.jsonl", '{"file": "a.txt", "source": "[/red] Wire [AP]"}\n')
    run("ingest", str(folder), "--quiet")
    shown = run("show", str(folder / "a.txt"))
    assert shown.exit_code == 0, shown.stderr
    flat = shown.stdout.replace("\n", "")
    assert "[/red] Wire [AP]" in flat and "in[1]" in flat and "[bold]Belgorod[/bold]" in flat
    found = run("search", "Belgorod")
    assert found.exit_code == 0 and "[bold]Belgorod" in found.stdout.replace("\n", "")
