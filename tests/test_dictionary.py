"""The catalogue's zlib dictionary (store.Dictionary): made from an archive's own first
articles, used for every body after it, read back exactly; archives without one (made
before, or smaller than its sample) keep working, and a missing one is an error with a
message, not a traceback."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest

from conflictcli import store as store_module
from conflictcli.errors import DataError
from conflictcli.store import Dictionary

from conftest import Run, as_json, write

WORDS = [
    "the",
    "regional",
    "governor",
    "said",
    "that",
    "air",
    "defence",
    "units",
    "shot",
    "down",
    "drones",
    "over",
    "the",
    "city",
    "overnight",
    "while",
    "officials",
    "reported",
    "damage",
    "to",
    "a",
    "power",
    "substation",
    "and",
    "several",
    "homes",
]


def _articles(folder: Path, first: int, count: int) -> Path:
    for n in range(first, first + count):
        # each text its own: a number and a rotation of the words
        words = WORDS[n % len(WORDS) :] + WORDS[: n % len(WORDS)]
        body = (
            f"Report {n}. "
            + " ".join(words)
            + f". Figure {n * 7} was given.\n\n"
            + (" ".join(reversed(words)) + ".")
        )
        write(folder / f"a{n:03}.txt", f" date 2024-05-{n % 28 + 1:02}\n{body}\n")
    return folder


def _bodies(ix: Path) -> list[tuple[str, bytes | str]]:
    with sqlite3.connect(ix / "catalogue.sqlite") as conn:
        return conn.execute("SELECT id, body FROM articles ORDER BY id").fetchall()


def _uses_dictionary(body: bytes | str) -> bool:
    return isinstance(body, bytes) and bool(body[1] & 0x20)  # zlib's FDICT flag


def test_the_dictionary_is_its_articles_commonest_word_pairs() -> None:
    bodies = ["a b c a b c", "a b d", "x y"]
    zdict = Dictionary.make(bodies)
    assert zdict == b"b c a b"  # pairs seen more than once; the commonest last
    assert Dictionary.make(bodies) == zdict  # the same articles, the same dictionary
    many = [" ".join(f"w{i} w{i + 1}" for i in range(n, n + 5000)) for n in range(3)]
    assert len(Dictionary.make(many)) <= 32 * 1024


def test_bodies_after_the_sample_use_it_and_read_back_exactly(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _articles(tmp_path / "docs", 0, 40)
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    monkeypatch.setattr(Dictionary, "SAMPLE", 10**9)  # never made
    assert run("ingest", str(docs), "--index", str(plain), "--quiet").exit_code == 0
    monkeypatch.setattr(Dictionary, "SAMPLE", 10)
    assert run("ingest", str(docs), "--index", str(packed), "--quiet").exit_code == 0

    with sqlite3.connect(packed / "catalogue.sqlite") as conn:
        (key, zdict), *others = conn.execute("SELECT id, data FROM dictionaries").fetchall()
    assert not others and key == zlib.adler32(zdict)
    with_it = [b for _, b in _bodies(packed) if _uses_dictionary(b)]
    assert len(with_it) == 30  # the 10 it was made from stay plain zlib
    assert not any(_uses_dictionary(b) for _, b in _bodies(plain))
    # smaller, and every article reads back as the archive without a dictionary has it
    assert sum(map(len, with_it)) < sum(
        len(b)
        for i, b in _bodies(plain)
        if i in {i for i, b in _bodies(packed) if _uses_dictionary(b)}
    )
    for aid, _ in _bodies(plain):
        a = as_json(run("show", aid, "--json", "--index", str(plain)))
        b = as_json(run("show", aid, "--json", "--index", str(packed)))
        assert a["body"] == b["body"] and a["title"] == b["title"]
    for q in ("drones", '"power substation"', "Figure"):
        ra = as_json(run("search", q, "--json", "--limit", "0", "--index", str(plain)))
        rb = as_json(run("search", q, "--json", "--limit", "0", "--index", str(packed)))
        assert [h["snippet"] for h in ra["results"]] == [h["snippet"] for h in rb["results"]]
    assert run("check", "--index", str(packed)).exit_code == 0


def test_an_archive_without_one_gets_one_and_keeps_its_old_bodies(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = tmp_path / "ix"
    docs = _articles(tmp_path / "docs", 0, 8)  # fewer than the sample: no dictionary
    monkeypatch.setattr(Dictionary, "SAMPLE", 12)
    assert run("ingest", str(docs), "--index", str(ix), "--quiet").exit_code == 0
    with sqlite3.connect(ix / "catalogue.sqlite") as conn:  # as a catalogue made before
        assert not conn.execute(
            "SELECT name FROM sqlite_master WHERE name = 'dictionaries'"
        ).fetchall()
    before = dict(_bodies(ix))
    _articles(docs, 8, 20)
    assert run("ingest", str(docs), "--index", str(ix), "--quiet").exit_code == 0
    after = dict(_bodies(ix))
    assert all(after[i] == body for i, body in before.items())  # not rewritten
    # the sample is this run's first 12 new articles; the 8 after them use it
    assert sum(_uses_dictionary(b) for b in after.values()) == 20 - 12
    for aid in after:
        shown = as_json(run("show", aid, "--json", "--index", str(ix)))
        assert shown["body"].startswith("Report ")


def test_a_missing_dictionary_is_a_message_not_a_traceback(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = tmp_path / "ix"
    monkeypatch.setattr(Dictionary, "SAMPLE", 5)
    assert (
        run("ingest", str(_articles(tmp_path / "docs", 0, 12)), "--index", str(ix)).exit_code == 0
    )
    aid = next(i for i, b in _bodies(ix) if _uses_dictionary(b))
    with sqlite3.connect(ix / "catalogue.sqlite") as conn:
        conn.execute("DELETE FROM dictionaries")
    r = run("show", aid, "--index", str(ix))
    assert r.exit_code == DataError("").code
    assert "lacks the dictionary" in r.stderr and "Traceback" not in r.stderr
    # another dictionary under its name (a catalogue tampered with): the same kind of error
    with sqlite3.connect(ix / "catalogue.sqlite") as conn:
        key = int.from_bytes(dict(_bodies(ix))[aid][2:6], "big")  # type: ignore[index]
        conn.execute("INSERT INTO dictionaries VALUES (?, ?)", (key, b"something else " * 50))
    r = run("show", aid, "--index", str(ix))
    assert r.exit_code == DataError("").code
    assert "cannot be read back" in r.stderr and "Traceback" not in r.stderr
    assert store_module.ZLIB_LEVEL == 6
