"""What a source says of a post beside its text (Article.meta: a Telegram post's
forwarded_from, edited, reply_to): kept by the catalogue, shown by show (forwarded
from above the title), carried by show --json and by every format of export, text
from outside never a formula or a terminal control. Exports written for the test."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import Run, as_json, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

HOSTILE = "=cmd|' /C calc'!A0 \x1b[31mred"


@pytest.fixture
def posts(run: Run, tmp_path: Path) -> list[str]:
    chan = {
        "name": "Test Channel",
        "type": "public_channel",
        "id": 42,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2024-11-21T16:20:00",
                "date_unixtime": "1732206000",
                "from": "Test Channel",
                "forwarded_from": HOSTILE,
                "text": "Evening report: two substations lost power, repairs under way.",
            },
            {
                "id": 2,
                "type": "message",
                "date": "2024-11-21T18:45:00",
                "date_unixtime": "1732214700",
                "edited": "2024-11-21T19:02:11",
                "edited_unixtime": "1732215731",
                "from": "Test Channel",
                "text": "Night report: water restored in the southern districts.",
            },
        ],
    }
    write(tmp_path / "in" / "result.json", json.dumps(chan))
    ix = ["--index", str(tmp_path / "ix")]
    assert run("ingest", str(tmp_path / "in"), *ix, "--quiet").exit_code == 0
    return ix


def test_show_carries_what_the_source_says_beside_the_text(run: Run, posts: list[str]) -> None:
    found = as_json(run("search", "substations", "--json", *posts))["results"]
    shown = as_json(run("show", found[0]["id"], "--json", *posts))
    assert shown["meta"]["forwarded_from"] == HOSTILE and shown["lang"] == "en"
    plain = run("show", found[0]["id"], *posts).stdout
    first, title = plain.splitlines()[:2]
    assert first.startswith("forwarded from =cmd") and title.startswith("Evening report")
    assert "\x1b" not in plain  # the escape written out, never sent to the terminal
    night = as_json(run("search", "water", "--json", *posts))["results"][0]
    assert as_json(run("show", night["id"], "--json", *posts))["meta"]["edited"].startswith(
        "2024-11-21T19:02"
    )


def test_every_export_format_carries_meta(run: Run, posts: list[str]) -> None:
    lines = [json.loads(x) for x in run("export", "report", *posts).stdout.splitlines()]
    assert len(lines) == 2 and {"forwarded_from", "edited"} <= {k for x in lines for k in x["meta"]}
    rows = list(csv.DictReader(io.StringIO(run("export", "report", "-f", "csv", *posts).stdout)))
    assert len(rows) == 2
    metas = [json.loads(r["meta"]) for r in rows]  # JSON text: never a formula
    assert any(m.get("forwarded_from") == HOSTILE for m in metas)
    md = run("export", "report", "-f", "md", *posts).stdout
    assert "- forwarded from: =cmd" in md and "\x1b" not in md and "- edited: 2024-11-21" in md
    picked = run("export", "report", "--fields", "id,meta", *posts).stdout.splitlines()
    assert all(set(json.loads(x)) == {"id", "meta"} for x in picked)


def test_a_short_post_joins_a_story_only_on_its_day(run: Run, tmp_path: Path) -> None:
    """The same few words on another day are another event (stories.WINDOW_DAYS): an
    ingest passes each article's date to its story, the same day's copies join it."""
    text = "Air raid alert declared across the whole country, take shelter now."
    rows = [
        {"date": "2024-11-21T08:00:00", "text": text, "source": "Channel A"},
        {"date": "2024-11-21T08:01:00", "text": text + " @channel_b", "source": "Channel B"},
        {"date": "2024-11-24T22:00:00", "text": text, "source": "Channel A"},
    ]
    write(tmp_path / "in" / "posts.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    ix = ["--index", str(tmp_path / "ix")]
    assert run("ingest", str(tmp_path / "in"), *ix, "--quiet").exit_code == 0
    found = as_json(run("search", "alert", "--json", "-n", "0", *ix))["results"]
    assert len(found) == 3
    stories = {r["datetime"][:10]: set() for r in found}
    for r in found:
        stories[r["datetime"][:10]].add(r["cluster"])
    assert len(stories["2024-11-21"]) == 1 and stories["2024-11-21"] != stories["2024-11-24"]
    collapsed = as_json(run("search", "alert", "--collapse", "--json", "-n", "0", *ix))
    assert collapsed["total"] == 3 and len(collapsed["results"]) == 2
