"""An ingest's summary counts articles beside files, and metadata given anew (`--map` on a
second ingest, a title line added) revises the articles already in the archive."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from conftest import Run, as_json, write


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _ingest(run: Run, ix: Path, *args: str) -> dict[str, Any]:
    r = run("ingest", *args, "--index", str(ix), "--json")
    assert r.exit_code in (0, 1), r.stderr
    return as_json(r)  # type: ignore[no-any-return]


def _balanced(before: int, s: dict[str, Any]) -> None:
    """What a run did to the articles adds up to the archive after it."""
    assert s["articles"] == before + s["articles_added"] - s["articles_removed"], s
    held = s["articles_unchanged"] + s["articles_updated"] + s["articles_removed"]
    assert held == before, s


def test_the_summary_counts_articles_not_only_files(run: Run, tmp_path: Path) -> None:
    ix, src = tmp_path / "ix", tmp_path / "src"
    write(src / "in" / "base.txt", "date 2024-11-01\nRepairs to the bridge were finished.\n")
    zero = _csv(src / "zero.csv", ["date", "title", "text"], [["2024-11-02", "empty", ""]])
    rows = [
        [f"2024-11-{i + 4:02d}", f"barge {i}", f"Grain barge number {i} left the port on time."]
        for i in range(6)
    ]
    six = _csv(src / "six.csv", ["date", "title", "text"], rows)
    s = _ingest(run, ix, str(src / "in"))
    assert (s["added"], s["articles_added"]) == (1, 1)
    _balanced(0, s)
    s = _ingest(run, ix, str(zero))  # a file that gave no article: no article added
    assert s["articles_added"] == 0 and s["articles"] == 1
    _balanced(1, s)
    s = _ingest(run, ix, str(six))
    assert (s["added"], s["articles_added"], s["articles_unchanged"]) == (1, 6, 1)
    _balanced(1, s)
    again = [[*r[:2], r[2] + " Again."] for r in rows[:5]]
    five = _csv(src / "five.csv", ["date", "title", "text"], again)
    human = run("ingest", str(five), "--index", str(ix))
    assert "articles: 5 added" in human.stderr and "12 in the archive" in human.stderr
    six.unlink()
    s = _ingest(run, ix, str(src), "--prune")
    assert (s["removed"], s["articles_removed"], s["articles"]) == (1, 6, 6)
    _balanced(12, s)


def test_map_on_a_second_ingest_names_the_sources(run: Run, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    f = _csv(
        tmp_path / "f.csv",
        ["date", "channel", "text"],
        [
            ["2024-11-20", "Южный фронт", "Над Николаевом ночью сбили восемь беспилотников."],
            ["2024-11-20", "Северный вестник", "В Сумах после обстрела повреждены два дома."],
            ["2024-11-21", "Южный фронт", "В Одессе ограничили подачу электроэнергии."],
        ],
    )
    _ingest(run, ix, str(f))
    before = as_json(run("sources", "--json", "--index", str(ix)))["sources"]
    assert [x["source"] for x in before] == [None]
    s = _ingest(run, ix, str(f), "--map", "source=channel")
    assert (s["unchanged"], s["articles_updated"], s["articles_added"]) == (1, 3, 0)
    _balanced(3, s)
    sources = as_json(run("sources", "--json", "--index", str(ix)))["sources"]
    got = {x["source"]: x["articles"] for x in sources}
    assert got == {"Южный фронт": 2, "Северный вестник": 1}
    # the index holds each article once, under its new source
    every = as_json(run("search", "*", "--json", "-n", "0", "--index", str(ix)))
    assert every["total"] == len(every["results"]) == 3
    south = as_json(run("count", "*", "--source", "Южный фронт", "--json", "--index", str(ix)))
    assert south["count"] == 2
    check = run("check", "--json", "--index", str(ix))
    assert check.exit_code == 0 and as_json(check)["problems"] == [], check.stdout
    again = _ingest(run, ix, str(f), "--map", "source=channel")  # nothing new to say
    assert again["articles_updated"] == 0 and again["articles_unchanged"] == 3


def test_a_title_line_added_retitles_the_article(run: Run, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    body = "Volunteers in Lyman repaired the roof of the district hospital. Work took a week."
    path = write(tmp_path / "in" / "a.txt", f"date 2024-12-03\n{body}\n")
    first = _ingest(run, ix, str(tmp_path / "in"))
    article = as_json(run("search", "Lyman", "--json", "--index", str(ix)))["results"][0]
    assert article["title"].startswith("Volunteers in Lyman")
    write(path, f"date 2024-12-03\ntitle: Hospital roof mended\n\n{body}\n")
    s = _ingest(run, ix, str(tmp_path / "in"))
    assert (s["updated"], s["articles_updated"], s["articles"]) == (1, 1, first["articles"])
    found = as_json(run("search", "mended", "--json", "--index", str(ix)))
    assert found["total"] == 1 and found["results"][0]["id"] == article["id"]
    assert found["results"][0]["title"] == "Hospital roof mended"


def test_dayfirst_on_a_second_ingest_dates_the_articles_anew(run: Run, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    f = _csv(
        tmp_path / "uk.csv",
        ["date", "text"],
        [["05/11/2024", "Sappers in Izium cleared a school yard of mines."]],
    )
    first = _ingest(run, ix, str(f))
    assert first["articles_added"] == 1
    hit = as_json(run("search", "Izium", "--json", "--index", str(ix)))["results"][0]
    assert hit["date"] == "2024-05-11"  # slashes: month first, as US exports write them
    s = _ingest(run, ix, str(f), "--dayfirst")  # the same bytes, read day first
    assert (s["articles_added"], s["articles_removed"], s["articles"]) == (1, 1, 1), s
    _balanced(1, s)
    again = as_json(run("search", "Izium", "--json", "--index", str(ix)))
    assert again["total"] == 1 and again["results"][0]["date"] == "2024-11-05"


def test_a_damaged_row_is_not_revised_and_stops_nothing(run: Run, tmp_path: Path) -> None:
    import sqlite3

    ix = tmp_path / "ix"
    rows = [
        ["2024-11-20", f"Канал {i}", f"В Сумах после обстрела повреждены дома, номер {i}."]
        for i in range(3)
    ]
    f = _csv(tmp_path / "f.csv", ["date", "channel", "text"], rows)
    _ingest(run, ix, str(f))
    db = sqlite3.connect(ix / "catalogue.sqlite")
    with db:  # a title SQLite cannot hand over as text (not UTF-8)
        db.execute("UPDATE articles SET title = CAST(x'ff' AS TEXT) WHERE rowid = 1")
    db.close()
    r = run("ingest", str(f), "--map", "source=channel", "--json", "--index", str(ix))
    assert r.exit_code == 0 and "Traceback" not in r.stderr, r.stderr
    assert as_json(r)["articles_updated"] == 2
