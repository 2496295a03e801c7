"""The time of day a source gives: carried by search's JSON, JSON Lines, CSV and export
(`datetime`), and used by --sort newest|oldest to order the articles of one day; date
filters still take whole days."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import Run, as_json, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

ROWS = [
    ("2024-11-21T09:05:00", "Morning: an air alert over Sumy lasted an hour."),
    ("2024-11-21T23:40:00", "Night: a second air alert over Sumy, drones shot down."),
    ("2024-11-21T14:35:00", "Afternoon: the air alert over Sumy was lifted."),
    ("2024-11-21", "Sumy: the day's air alerts, in a summary with no time given."),
    ("2024-11-22T00:30:00", "After midnight the air alert over Sumy sounded again."),
]


@pytest.fixture
def timed(run: Run, tmp_path: Path) -> Path:
    lines = "".join(json.dumps({"date": d, "text": t}) + "\n" for d, t in ROWS)
    write(tmp_path / "in" / "posts.jsonl", lines)
    ix = tmp_path / "ix"
    r = run("ingest", str(tmp_path / "in"), "--index", str(ix), "--quiet")
    assert r.exit_code == 0, r.stderr
    return ix


def _search(run: Run, ix: Path, *args: str) -> dict:  # type: ignore[type-arg]
    return as_json(run("search", "alert", *args, "--json", "-n", "0", "--index", str(ix)))  # type: ignore[no-any-return]


def test_sort_orders_a_days_articles_by_their_time(run: Run, timed: Path) -> None:
    newest = [
        r["datetime"] or r["date"] for r in _search(run, timed, "--sort", "newest")["results"]
    ]
    assert newest == [
        "2024-11-22T00:30:00",
        "2024-11-21T23:40:00",
        "2024-11-21T14:35:00",
        "2024-11-21T09:05:00",
        "2024-11-21",  # no time: as midnight, the day's first
    ]
    oldest = [
        r["datetime"] or r["date"] for r in _search(run, timed, "--sort", "oldest")["results"]
    ]
    assert oldest == newest[::-1]


def test_a_day_filter_holds_every_time_of_that_day(run: Run, timed: Path) -> None:
    day = _search(run, timed, "--since", "2024-11-21", "--until", "2024-11-21")
    assert day["total"] == len(day["results"]) == 4
    count = as_json(run("count", "alert", "--since", "21.11.2024", "--until", "21.11.2024",
                        "--json", "--index", str(timed)))  # fmt: skip
    assert count["count"] == 4
    check = run("check", "--json", "--index", str(timed))  # the index's days = the catalogue's
    assert check.exit_code == 0 and as_json(check)["problems"] == []


def test_every_format_carries_the_time(run: Run, timed: Path) -> None:
    ix = ["--index", str(timed)]
    res = _search(run, timed)["results"]
    assert {r["datetime"] for r in res} == {d for d, _ in ROWS if "T" in d} | {None}
    assert all(r["date"] == (r["datetime"] or r["date"])[:10] for r in res)
    lines = run("search", "alert", "--jsonl", "-n", "0", *ix).stdout.splitlines()
    assert {json.loads(x)["datetime"] for x in lines} == {r["datetime"] for r in res}
    rows = list(csv.DictReader(io.StringIO(run("search", "alert", "--csv", "-n", "0", *ix).stdout)))
    assert {r["datetime"] for r in rows} == {r["datetime"] or "" for r in res}
    exported = [json.loads(x) for x in run("export", "alert", *ix).stdout.splitlines()]
    assert {x["datetime"] for x in exported} == {r["datetime"] for r in res}
