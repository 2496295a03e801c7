"""An archive from someone else is data, and its catalogue is input too (issue 25).

Each attack is built as an attacker would build it: a real archive made by `conflict
ingest sample_data`, its catalogue then changed with sqlite3 (a zlib bomb as a text, a
date that is no day, a title stored as bytes, a NULL where text belongs, a table gone,
a column of another type). Every command that reads it, run as the user runs it (a
process of its own, whose peak memory is measured), says what is damaged and what to do
next, never with a traceback or "This is a bug"; a page of results shows the rest;
`check` names the damage and `check --repair` mends it, losing nothing.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conflictcli import reading
from conflictcli.archive import CATALOGUE
from conflictcli.store import MAX_TEXT_BYTES, MAX_TEXT_CHARS, Store

from conftest import SAMPLE

VICTIM_FILE = SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt"
QUERY = "Belgorod"  # the victim is among its matches, with others
MEMORY_MB = 500
BOMB_BYTES = 2 << 30  # what the bomb inflates to: 2 GiB of zeros


def test_the_text_bound_is_ingests_article_limit() -> None:
    assert MAX_TEXT_CHARS == reading.MAX_ARTICLE_CHARS and MAX_TEXT_BYTES == 4 * MAX_TEXT_CHARS


# -- the attacks ------------------------------------------------------------------------
def zlib_bomb(zdict: bytes | None = None, size: int = BOMB_BYTES) -> bytes:
    """A zlib stream of `size` zero bytes (with the dictionary, if given) of about a
    thousandth of that, made as an attacker makes one: a MiB of zeros deflated after a
    full flush is the same bytes every time, so the stream is that block repeated, then
    the end of the stream with the checksum of all of it (the Adler-32 of n zeros)."""
    c = zlib.compressobj(9) if zdict is None else zlib.compressobj(9, zdict=zdict)
    zeros = bytes(1 << 20)
    head = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH) == block
    adler = ((size % 65521) << 16) | 1
    return head + block * ((size >> 20) - 1) + c.flush()[:-4] + adler.to_bytes(4, "big")


def test_the_bomb_is_a_true_zlib_stream() -> None:
    small = zlib_bomb(size=8 << 20)  # the same, at 8 MiB: read back whole, checksum too
    assert zlib.decompress(small) == bytes(8 << 20)
    zdict = b"drone attack " * 10
    d = zlib.decompressobj(zdict=zdict)
    assert d.decompress(zlib_bomb(zdict, 8 << 20)) + d.flush() == bytes(8 << 20)
    assert 1 << 20 < len(zlib_bomb()) < 3 << 20  # 2 GiB in about 2 MB


@pytest.fixture(scope="module")
def bomb() -> Callable[[bytes | None], bytes]:
    """bomb(zdict): 2 GiB of zeros as a zlib stream of about 2 MB."""
    return zlib_bomb


def _writable_schema(db: sqlite3.Connection, old: str, new: str) -> None:
    """The declaration of the articles table changed in place, as an attacker may."""
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = 'articles'", (old, new)
    )
    db.commit()
    db.execute("PRAGMA writable_schema = RESET")


def _bomb(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    # sample_data makes no dictionary (fewer than Dictionary.SAMPLE articles): plain zlib,
    # which Store.text inflates as it is
    db.execute("UPDATE articles SET body = ? WHERE id = ?", (bomb(), victim))


def _dictionary_bomb(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    # a dictionary of the attacker's, named by its Adler-32 in the stream's header
    # (FDICT), so that Store.text finds it in the catalogue and inflates with it
    zdict = b"drone attack Belgorod region governor said " * 64
    db.execute(
        "CREATE TABLE IF NOT EXISTS dictionaries (id INTEGER PRIMARY KEY, data BLOB NOT NULL)"
    )
    db.execute("INSERT INTO dictionaries VALUES (?, ?)", (zlib.adler32(zdict), zdict))
    body = bomb(zdict)
    assert body[1] & 0x20 and int.from_bytes(body[2:6], "big") == zlib.adler32(zdict)
    db.execute("UPDATE articles SET body = ? WHERE id = ?", (body, victim))


def _date_number(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("UPDATE articles SET date = 12345 WHERE id = ?", (victim,))


def _date_no_day(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("UPDATE articles SET date = '99999-99-99' WHERE id = ?", (victim,))


def _date_far(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    # a day, but of no year an article may be dated in: stats would list 97,000 months
    db.execute("UPDATE articles SET date = '9999-12-31' WHERE id = ?", (victim,))


def _date_blob(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("UPDATE articles SET date = CAST(date AS BLOB) WHERE id = ?", (victim,))


def _title_blob(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("UPDATE articles SET title = CAST(title AS BLOB) WHERE id = ?", (victim,))


def _title_null(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    _writable_schema(db, "title TEXT NOT NULL", "title TEXT")  # its NOT NULL dropped
    db.execute("UPDATE articles SET title = NULL WHERE id = ?", (victim,))


def _title_huge(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    # 40 MB of text: more than SQLite may hand over (store.MAX_VALUE_BYTES)
    db.execute(
        "UPDATE articles SET title = CAST(zeroblob(40000000) AS TEXT) WHERE id = ?", (victim,)
    )


def _title_not_utf8(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("UPDATE articles SET title = CAST(x'4b7976ff' AS TEXT) WHERE id = ?", (victim,))


def _id_null(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("UPDATE articles SET id = NULL WHERE id = ?", (victim,))


def _runs_missing(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("DROP TABLE runs")


def _articles_missing(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    db.execute("DROP TABLE articles")


def _trigger(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    # SQL that the next ingest would run: every article added wipes the archive
    db.execute("CREATE TRIGGER wipe AFTER INSERT ON articles BEGIN DELETE FROM articles; END")


def _date_an_integer_column(db: sqlite3.Connection, victim: str, bomb: Any) -> None:
    _writable_schema(db, "date TEXT,", "date INTEGER,")


@dataclass(frozen=True)
class Attack:
    name: str
    tamper: Callable[[sqlite3.Connection, str, Any], None]
    kind: str  # what check reports it as
    said: str  # what the messages say of it
    moved: bool = False  # --repair moves the row aside (else: mends it in place)
    schema: bool = False  # a table or column: every command refuses the catalogue
    repairable: bool = True
    dated: bool = False  # stats reads dates: it names this one too


ROWS = [
    Attack("bomb", _bomb, "text_too_long", "inflates past", moved=True),
    Attack("dictionary_bomb", _dictionary_bomb, "text_too_long", "inflates past", moved=True),
    Attack("date_number", _date_number, "date_invalid", "'12345'", dated=True),
    Attack("date_no_day", _date_no_day, "date_invalid", "'99999-99-99'", dated=True),
    Attack("date_blob", _date_blob, "date_invalid", "BLOB", dated=True),
    Attack("date_far", _date_far, "date_invalid", "outside the years 1800–2200", dated=True),
    Attack("title_blob", _title_blob, "field_invalid", "its title is a BLOB"),
    Attack("title_null", _title_null, "field_invalid", "its title is empty (NULL)"),
    Attack("title_huge", _title_huge, "field_invalid", "its title is longer than"),
    Attack("title_not_utf8", _title_not_utf8, "field_invalid", "not UTF-8"),
]
SCHEMAS = [
    Attack("runs_missing", _runs_missing, "catalogue_schema", "table runs is missing", schema=True),
    Attack(
        "trigger", _trigger, "catalogue_schema", "trigger 'wipe' is not conflict's", schema=True
    ),
    Attack(
        "articles_missing",
        _articles_missing,
        "catalogue_schema",
        "table articles is missing",
        schema=True,
        repairable=False,
    ),
    Attack(
        "date_an_integer_column",
        _date_an_integer_column,
        "catalogue_schema",
        "articles.date is INTEGER, not TEXT",
        schema=True,
        repairable=False,
    ),
]
ATTACKS = {a.name: a for a in [*ROWS, *SCHEMAS]}


def at_rest(archive: Path, to: Path) -> Path:
    """A copy of an archive as its catalogue holds it at rest: without the -wal and -shm
    files that a reader still open on it (in this test process) keeps beside it, the
    changes of a -wal, if any, checkpointed into the catalogue first."""
    with closing(sqlite3.connect(archive / CATALOGUE)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(
        archive, to, ignore=shutil.ignore_patterns(f"{CATALOGUE}-wal", f"{CATALOGUE}-shm")
    )
    return to


def victim_of(archive: Path) -> str:
    with closing(sqlite3.connect(archive / CATALOGUE)) as db, db:
        row = db.execute(
            "SELECT article_id FROM links WHERE path = ?", (str(VICTIM_FILE.resolve()),)
        ).fetchone()
    assert row is not None
    return str(row[0])


def tamper(source: Path, to: Path, attack: Attack, bomb: Any) -> tuple[Path, str]:
    """A copy of the archive at `source`, attacked; returns it and the victim's id."""
    at_rest(source, to)
    victim = victim_of(to)
    db = sqlite3.connect(to / CATALOGUE)
    try:
        attack.tamper(db, victim, bomb)
        db.commit()
    finally:
        db.close()
    return to, victim


@pytest.fixture(scope="module")
def attacked(
    sample_archive: Path, tmp_path_factory: pytest.TempPathFactory, bomb: Any
) -> Callable[[str], tuple[Path, str]]:
    """attacked(name): the sample archive with that attack made, once for the module
    (the commands that read it change nothing)."""
    made: dict[str, tuple[Path, str]] = {}

    def make(name: str) -> tuple[Path, str]:
        if name not in made:
            where = tmp_path_factory.mktemp(name) / "archive"
            made[name] = tamper(sample_archive, where, ATTACKS[name], bomb)
        return made[name]

    return make


# -- conflict as the user runs it ---------------------------------------------------------
@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    peak_mb: float  # the command's peak resident memory


_MEASURED = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps([done.returncode, done.stdout, done.stderr, kb]))
"""


def conflict(*args: str) -> Ran:
    """`conflict ARGS` in a process of its own, measured by a parent of its own (so that
    RUSAGE_CHILDREN holds this command alone)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, sys.executable, "-m", "conflictcli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, out, err, kb = json.loads(done.stdout)
    mb = kb / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes there, KiB here
    return Ran(code, out, err, mb)


def clean(r: Ran) -> None:
    """No traceback, no "bug", and memory bounded, whatever the catalogue holds."""
    assert "Traceback" not in r.stderr and "This is a bug" not in r.stderr, r.stderr
    assert r.peak_mb < MEMORY_MB, f"{r.peak_mb:.0f} MB"


def names_the_damage(r: Ran, attack: Attack, archive: Path, victim: str | None) -> None:
    """The message names the catalogue, the article (for a row), what is wrong and the
    next step."""
    assert str(archive / CATALOGUE) in r.stderr, r.stderr
    assert attack.said in r.stderr, r.stderr
    if victim is not None:
        assert victim in r.stderr, r.stderr
    if attack.repairable:
        assert f"conflict check --repair --index {archive}" in r.stderr, r.stderr
    else:
        assert "restore the catalogue from a copy" in r.stderr, r.stderr


# -- every command on every damaged row ------------------------------------------------------
@pytest.mark.parametrize("name", [a.name for a in ROWS])
def test_show_names_the_damaged_article_and_the_next_step(name: str, attacked: Any) -> None:
    archive, victim = attacked(name)
    r = conflict("show", victim, "--index", str(archive))
    clean(r)
    assert r.code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"Error: Article {victim} in the catalogue")
    names_the_damage(r, ATTACKS[name], archive, victim)


@pytest.mark.parametrize("name", [a.name for a in ROWS])
def test_a_search_shows_the_rest_and_names_the_damaged_one(name: str, attacked: Any) -> None:
    archive, victim = attacked(name)
    r = conflict("search", QUERY, "--json", "--limit", "0", "--all", "--index", str(archive))
    clean(r)
    assert r.code == 0, r.stderr
    found = json.loads(r.stdout)
    ids = [x["id"] for x in found["results"]]
    assert victim not in ids and len(ids) >= 1
    assert found["total"] == len(ids) + 1  # the count stays honest: it is a match
    names_the_damage(r, ATTACKS[name], archive, victim)
    assert "It is left out." in r.stderr


@pytest.mark.parametrize("name", [a.name for a in ROWS])
def test_an_export_writes_the_rest_and_names_the_damaged_one(name: str, attacked: Any) -> None:
    archive, victim = attacked(name)
    r = conflict("export", "--all", "--index", str(archive))
    clean(r)
    assert r.code == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 49 and victim not in {x["id"] for x in rows}
    assert all(x["body"] for x in rows)
    names_the_damage(r, ATTACKS[name], archive, victim)


@pytest.mark.parametrize("name", [a.name for a in ROWS])
def test_stats_counts_every_article_and_leaves_a_damaged_date_out(name: str, attacked: Any) -> None:
    archive, victim = attacked(name)
    r = conflict("stats", "--json", "--index", str(archive))
    clean(r)
    assert r.code == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["articles"] == 50
    assert s["first_date"] == "2023-09-18" and s["last_date"] == "2024-08-14"
    attack = ATTACKS[name]
    if attack.dated:  # stats reads dates, not texts or titles
        assert sum(s["by_month"].values()) + s["undated"] == 49
        names_the_damage(r, attack, archive, victim)
    else:
        assert r.stderr == ""


@pytest.mark.parametrize("name", [a.name for a in ROWS])
def test_check_reports_the_damage_by_kind(name: str, attacked: Any) -> None:
    archive, victim = attacked(name)
    r = conflict("check", "--json", "--index", str(archive))
    clean(r)
    assert r.code == 1
    report = json.loads(r.stdout)
    attack = ATTACKS[name]
    assert report["ok"] is False and report["articles"] == 50
    problem = next(p for p in report["problems"] if p["kind"] == attack.kind)
    assert problem["count"] == 1 and problem["examples"] == [victim]
    assert any(attack.said in reason for reason in problem["reasons"])
    assert problem["repaired"] is False
    others = {p["kind"] for p in report["problems"]} - {attack.kind}
    assert not others, others  # the index agrees with the catalogue on all the rest


def test_a_bomb_costs_no_more_memory_than_a_healthy_show(
    attacked: Any, sample_archive: Path
) -> None:
    archive, victim = attacked("bomb")
    healthy = conflict("show", victim, "--index", str(sample_archive))
    bombed = conflict("show", victim, "--index", str(archive))
    assert healthy.code == 0 and bombed.code == 1
    # the text is inflated to 16 MB and no further: not to its 2 GiB
    assert bombed.peak_mb < healthy.peak_mb + 4 * MAX_TEXT_BYTES / 2**20


# -- a damaged id: the row is named by its place ---------------------------------------------
def test_a_null_id_is_named_by_its_row(sample_archive: Path, tmp_path: Path, bomb: Any) -> None:
    archive, victim = tamper(sample_archive, tmp_path / "a", Attack("id", _id_null, "", ""), bomb)
    r = conflict("check", "--json", "--index", str(archive))
    clean(r)
    report = json.loads(r.stdout)
    kinds = {p["kind"]: p for p in report["problems"]}
    assert kinds["id_invalid"]["examples"][0].startswith("row ")
    assert "its id is empty (NULL)" in kinds["id_invalid"]["reasons"][0]
    assert kinds["not_in_catalogue"]["examples"] == [victim]  # the index still holds it
    # its file names an article the catalogue does not hold: said so, not a KeyError
    shown = conflict("show", str(VICTIM_FILE), "--index", str(archive))
    clean(shown)
    assert shown.code == 1 and "does not hold it" in shown.stderr
    assert f"conflict check --repair --index {archive}" in shown.stderr
    search = conflict("search", QUERY, "--json", "--index", str(archive))
    assert search.code == 0 and victim not in search.stdout
    fixed = conflict("check", "--repair", "--json", "--index", str(archive))
    clean(fixed)
    assert fixed.code == 0 and json.loads(fixed.stdout)["ok"], fixed.stdout
    again = conflict("ingest", str(SAMPLE), "--json", "--index", str(archive))
    assert again.code == 0 and json.loads(again.stdout)["articles"] == 50
    assert conflict("show", victim, "--index", str(archive)).code == 0


# -- a catalogue whose tables are not conflict's ----------------------------------------------
@pytest.mark.parametrize("name", [a.name for a in SCHEMAS])
@pytest.mark.parametrize("command", ["show", "search", "export", "stats"])
def test_a_wrong_schema_is_named_by_every_command(name: str, command: str, attacked: Any) -> None:
    archive, victim = attacked(name)
    args = {
        "show": ["show", victim],
        "search": ["search", QUERY],
        "export": ["export", "--all"],
        "stats": ["stats"],
    }[command]
    r = conflict(*args, "--index", str(archive))
    clean(r)
    assert r.code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"Error: The catalogue {archive / CATALOGUE} is not as conflict")
    names_the_damage(r, ATTACKS[name], archive, None)


@pytest.mark.parametrize("name", [a.name for a in SCHEMAS])
def test_check_reports_a_wrong_schema(name: str, attacked: Any) -> None:
    archive, _ = attacked(name)
    r = conflict("check", "--json", "--index", str(archive))
    clean(r)
    assert r.code == 1
    report = json.loads(r.stdout)
    assert report["ok"] is False
    assert [p["kind"] for p in report["problems"]] == ["catalogue_schema"]
    assert report["problems"][0]["examples"] == [ATTACKS[name].said]


# -- check --repair mends what it can, and loses nothing ------------------------------------
def _damaged_rows(archive: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(archive / CATALOGUE)) as db, db:
        return db.execute("SELECT id, problem, action, length(body) FROM damaged").fetchall()


@pytest.mark.parametrize("name", [a.name for a in ROWS])
def test_repair_mends_or_moves_the_row_aside_and_keeps_it(
    name: str, sample_archive: Path, tmp_path: Path, bomb: Any
) -> None:
    attack = ATTACKS[name]
    archive, victim = tamper(sample_archive, tmp_path / "archive", attack, bomb)
    r = conflict("check", "--repair", "--json", "--index", str(archive))
    clean(r)
    assert r.code == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] and report["repaired"]
    assert any(p["kind"] == attack.kind and p["repaired"] for p in report["problems"])
    kept = _damaged_rows(archive)  # the row as it was, whatever --repair did with it
    assert len(kept) == 1 and kept[0][0] == victim and attack.said in kept[0][1]
    after = conflict("check", "--json", "--index", str(archive))
    assert after.code == 0 and json.loads(after.stdout)["problems"] == []
    shown = conflict("show", victim, "--json", "--index", str(archive))
    clean(shown)
    if attack.moved:  # its text could not be read: moved aside, its file read again
        assert kept[0][2] == "moved aside" and kept[0][3] > 1_000_000  # the bomb, whole
        assert shown.code == 1 and "No article" in shown.stderr
        again = conflict("ingest", str(SAMPLE), "--json", "--index", str(archive))
        assert again.code == 0 and json.loads(again.stdout)["added"] == 1
        shown = conflict("show", victim, "--json", "--index", str(archive))
    else:
        assert kept[0][2] == "mended"
    assert shown.code == 0, shown.stderr
    article = json.loads(shown.stdout)
    assert article["body"] and article["title"]
    if attack.dated:
        assert article["date"] is None  # made undated: the value is no day
    found = conflict("search", QUERY, "--json", "--limit", "0", "--index", str(archive))
    assert found.code == 0 and victim in found.stdout and found.stderr == ""


@pytest.mark.parametrize("name", ["runs_missing", "trigger"])
def test_repair_makes_a_missing_table_again_and_drops_a_trigger(
    name: str, sample_archive: Path, tmp_path: Path, bomb: Any
) -> None:
    archive, victim = tamper(sample_archive, tmp_path / "a", ATTACKS[name], bomb)
    r = conflict("check", "--repair", "--json", "--index", str(archive))
    clean(r)
    assert r.code == 0 and json.loads(r.stdout)["ok"], r.stdout
    assert json.loads(r.stdout)["problems"][0] == {
        "kind": "catalogue_schema",
        "count": 1,
        "examples": [ATTACKS[name].said],
        "repair": "make the missing tables again, empty; drop triggers and views",
        "repaired": True,
        "reasons": [],
    }
    assert conflict("show", victim, "--index", str(archive)).code == 0
    assert conflict("stats", "--json", "--index", str(archive)).code == 0
    new = tmp_path / "new" / "kupiansk.txt"
    new.parent.mkdir()
    new.write_text(" date 2024-09-01 Shelling in Kupiansk, officials said.", encoding="utf-8")
    more = conflict("ingest", str(new.parent), "--json", "--index", str(archive))
    assert more.code == 0 and json.loads(more.stdout)["articles"] == 51  # none wiped


@pytest.mark.parametrize("name", ["articles_missing", "date_an_integer_column"])
def test_repair_says_what_it_cannot_mend(
    name: str, sample_archive: Path, tmp_path: Path, bomb: Any
) -> None:
    archive, _ = tamper(sample_archive, tmp_path / "a", ATTACKS[name], bomb)
    before = (archive / CATALOGUE).read_bytes()
    r = conflict("check", "--repair", "--json", "--index", str(archive))
    clean(r)
    assert r.code == 1
    problem = json.loads(r.stdout)["problems"][0]
    assert problem["repair"].startswith("none:") and not problem["repaired"]
    assert (archive / CATALOGUE).read_bytes() == before  # nothing changed


def test_reindex_leaves_a_damaged_article_out_and_names_it(
    sample_archive: Path, tmp_path: Path, bomb: Any
) -> None:
    archive, victim = tamper(sample_archive, tmp_path / "a", ATTACKS["bomb"], bomb)
    r = conflict("reindex", "--json", "--index", str(archive))
    clean(r)
    assert r.code == 0 and json.loads(r.stdout)["reindexed"] == 49, r.stdout + r.stderr
    assert victim in r.stderr and "conflict check --repair" in r.stderr
    report = json.loads(conflict("check", "--json", "--index", str(archive)).stdout)
    kinds = {p["kind"] for p in report["problems"]}
    assert kinds == {"text_too_long", "not_indexed"}


# -- the rest of the catalogue: links, file records, meta -------------------------------------
def test_damaged_links_files_and_meta_are_found_and_mended(
    sample_archive: Path, tmp_path: Path
) -> None:
    archive = at_rest(sample_archive, tmp_path / "a")
    victim = victim_of(archive)
    with closing(sqlite3.connect(archive / CATALOGUE)) as db, db:
        db.execute("UPDATE links SET row = 'x' WHERE article_id = ?", (victim,))
        db.execute("UPDATE files SET size = 'big' WHERE path LIKE '%kyiv-morning-barrage%'")
        db.execute("UPDATE files SET mtime = x'00' WHERE path LIKE '%kharkiv-border%'")
        db.execute("UPDATE meta SET value = 'eight' WHERE key = 'index_layout'")
    shown = conflict("show", victim, "--json", "--index", str(archive))
    clean(shown)
    assert shown.code == 0 and json.loads(shown.stdout)["paths"] == []  # the link left out
    assert "a link's row is 'x'" in shown.stderr and victim in shown.stderr
    search = conflict("search", QUERY, "--index", str(archive))
    clean(search)
    assert search.code == 1 and "index_layout is 'eight'" in search.stderr
    assert f"conflict check --repair --index {archive}" in search.stderr
    r = conflict("check", "--json", "--index", str(archive))
    clean(r)
    kinds = {p["kind"]: p for p in json.loads(r.stdout)["problems"]}
    assert {"links_invalid", "files_invalid", "meta_invalid"} <= set(kinds)
    assert kinds["links_invalid"]["examples"] == [victim]
    fixed = conflict("check", "--repair", "--json", "--index", str(archive))
    clean(fixed)
    assert fixed.code == 0 and json.loads(fixed.stdout)["ok"], fixed.stdout
    again = conflict("ingest", str(SAMPLE), "--json", "--index", str(archive))
    assert again.code == 0 and json.loads(again.stdout)["articles"] == 50
    assert json.loads(conflict("check", "--json", "--index", str(archive)).stdout)["ok"]
    article = json.loads(conflict("show", victim, "--json", "--index", str(archive)).stdout)
    assert article["paths"] == [str(VICTIM_FILE.resolve())]  # read again: linked again


def test_a_store_reads_a_healthy_catalogue_with_no_damage(sample_archive: Path) -> None:
    store = Store(sample_archive / CATALOGUE)
    try:
        assert store.schema_problems == [] and not store.writable
        assert store.survey().flaws == []
        assert len(list(store.iter_articles())) == 50
    finally:
        store.close()
