"""Reliability: archives from elsewhere (an index folder conflict did not make, pickles
that would run code), and rebuilding the index from the catalogue alone."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

import conflictcli._whoosh as guarded
from conflictcli.index import MARKER

from conftest import SAMPLE, Run, as_json, write


class _Evil:
    """Unpickled, it would create the file `path` (as a hostile archive runs a command)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.path}",))


@pytest.fixture
def archive(run: Run, tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    assert run("ingest", str(SAMPLE), "--index", str(folder), "--quiet").exit_code == 0
    return folder


def test_the_guard_refuses_what_an_index_of_ours_never_holds(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    for protocol in (2, 5):
        evil = pickle.dumps([(1, 2.0, b"x"), _Evil(pwned)], protocol)
        with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system"):
            guarded.safe_loads(evil)
        # what an index holds reads back as pickle.loads reads it
        plain = (tuple(range(5)), None, (b"\x00\x01", b"\x00\x07"), {"id": "abc"})
        assert guarded.safe_loads(pickle.dumps(plain, protocol)) == plain
    assert not pwned.exists()
    import whoosh.codec.whoosh3
    import whoosh.columns
    import whoosh.filedb.structfile

    # every place where Whoosh unpickles what it reads goes through the guard
    assert whoosh.codec.whoosh3.loads is guarded.safe_loads
    assert whoosh.columns.loads is guarded.safe_loads
    assert whoosh.filedb.structfile.load_pickle is guarded.safe_load


def test_an_index_folder_without_the_marker_is_refused_until_reindexed(
    run: Run, archive: Path
) -> None:
    (archive / "whoosh" / MARKER).unlink()
    r = run("search", "Belgorod", "--index", str(archive))
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert f"has no {MARKER}" in r.stderr and f"conflict reindex --index {archive}" in r.stderr
    assert as_json(run("stats", "--json", "--index", str(archive)))["articles"] == 50
    r = run("reindex", "--index", str(archive), "--json")
    assert r.exit_code == 0 and as_json(r)["articles"] == 50
    assert as_json(run("search", "Belgorod", "--json", "--index", str(archive)))["total"] > 0


def test_a_hostile_index_runs_no_code(run: Run, archive: Path, tmp_path: Path) -> None:
    """An archive someone sent: ours, with Whoosh's table of contents replaced by one
    whose pickled schema runs a command, then by one whose segments do."""
    from whoosh import fields
    from whoosh import index as windex
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    pwned = tmp_path / "PWNED"
    want = as_json(run("search", "Belgorod", "--json", "--index", str(archive)))["total"]
    vov = as_json(run("search", "Vovchansk", "--json", "--index", str(archive)))["total"]
    folder = archive / "whoosh"

    class EvilField(fields.ID):
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {pwned}",))

    for toc in folder.glob("_MAIN_*.toc"):
        toc.unlink()
    windex.create_in(str(folder), fields.Schema(id=EvilField(stored=True), body=fields.TEXT))
    for cmd in (["search", "Belgorod", "--json"], ["stats", "--json"], ["show", "1"]):
        r = run(*cmd, "--index", str(archive))
        assert not pwned.exists(), cmd
        assert "Traceback" not in r.stderr, cmd

    for toc in folder.glob("_MAIN_*.toc"):
        toc.unlink()
    TOC(fields.Schema(id=fields.ID), [_Evil(pwned)], 0).write(FileStorage(str(folder)), "MAIN")
    r = run("search", "Belgorod", "--index", str(archive))
    assert not pwned.exists()
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "cannot be read" in r.stderr and "conflict reindex" in r.stderr
    # an ingest with something to add builds the index again from the catalogue,
    # without reading the old one
    write(tmp_path / "new" / "a.txt", " date 2024-05-01\n\nA report from Vovchansk.")
    r = run("ingest", str(tmp_path / "new"), "--index", str(archive), "--json")
    assert not pwned.exists()
    assert r.exit_code == 0 and any("cannot be read" in w for w in as_json(r)["warnings"])
    assert as_json(run("search", "Belgorod", "--json", "--index", str(archive)))["total"] == want
    assert (
        as_json(run("search", "Vovchansk", "--json", "--index", str(archive)))["total"] == vov + 1
    )


def test_reindex_needs_an_archive(run: Run, tmp_path: Path) -> None:
    r = run("reindex", "--index", str(tmp_path / "none"))
    assert r.exit_code == 1 and "No archive" in r.stderr
    assert not (tmp_path / "none").exists()


def test_reindex_gives_the_same_results(run: Run, archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    assert run("reindex", "--index", str(copy), "--quiet").exit_code == 0
    for q in ["Belgorod drones", '"grain corridor"', "Kharkiv OR Kherson", "shelling"]:
        a = as_json(run("search", q, "--limit", "0", "--json", "--index", str(archive)))
        b = as_json(run("search", q, "--limit", "0", "--json", "--index", str(copy)))
        assert a["total"] == b["total"] > 0
        assert [h["id"] for h in a["results"]] == [h["id"] for h in b["results"]]


HOSTILE_QUERIES = [
    '"unclosed',
    "))((",
    "AND",
    "title:",
    "*",
    "?*?*?*",
    "a~~~~",
    "\x01\x1b[31m",
    "\u202egnirts",
    "x" * 10_000,
    "date:[x TO y]",
    "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((Kyiv",
    "NOT",
    "OR OR OR",
    'title:"',
    "source:",
    "*:*",
    "date:",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: repr(q[:16]))
def test_a_hostile_query_gets_results_or_a_hint(run: Run, archive: Path, query: str) -> None:
    for fmt in ([], ["--json"]):
        r = run("search", query, *fmt, "--index", str(archive))
        assert r.exit_code in (0, 1, 2), r.stderr
        assert "Traceback" not in r.stderr and "This is a bug" not in r.stderr
        assert "\x1b" not in r.stderr and "\x1b" not in r.stdout  # the query, echoed, is escaped
        if r.exit_code == 2:
            assert r.stderr.startswith("Error: ") and r.stderr.count(". ") >= 1  # and a hint


def test_a_wildcard_that_stands_for_too_many_words_is_refused(run: Run, archive: Path) -> None:
    r = run("search", "?*", "--index", str(archive))
    assert r.exit_code == 2 and "matches more than 1,000 different words" in r.stderr
    ok = as_json(run("search", "drone*", "--json", "--limit", "0", "--index", str(archive)))
    assert ok["total"] == len(ok["results"]) > 0


def _damage(folder: Path) -> dict[str, str]:
    """Break the agreement of catalogue and index in each way `check` looks for."""
    import datetime as dt

    from conflictcli.archive import Archive
    from conflictcli.articles import Article

    a = Archive.open(folder)
    ids = [i for (i,) in a.store.conn.execute("SELECT id FROM articles ORDER BY id")]
    gone, twice, redated = ids[0], ids[1], ids[2]
    with a.engine.writer() as w:
        w.delete(gone)  # in the catalogue, not in the index
        w.add(Article(id="feedfacefeedface", date=None, title="Stray", body="A stray text."))
        extra = a.store.articles([twice])[twice]
        w._w.add_document(  # a second document for an id (add, not update)
            id=twice, title=extra.title, body=extra.body, source="", undated=1
        )
    a.store.conn.execute("PRAGMA foreign_keys = OFF")  # as another tool may have it
    a.store.begin()
    a.store.conn.execute("UPDATE articles SET date = '1999-01-01' WHERE id = ?", (redated,))
    a.store.conn.execute(
        "INSERT INTO links (path, row, article_id) SELECT path, 0, 'deadbeefdeadbeef' FROM files LIMIT 1"
    )
    a.store.commit()
    a.close()
    assert dt.date(1999, 1, 1)
    return {
        "not_indexed": gone,
        "not_in_catalogue": "feedfacefeedface",
        "indexed_twice": twice,
        "dates_differ": redated,
    }


def test_check_finds_each_disagreement_and_repair_mends_it(run: Run, archive: Path) -> None:
    r = run("check", "--json", "--index", str(archive))
    assert r.exit_code == 0 and as_json(r)["ok"] and as_json(r)["problems"] == []
    assert as_json(r)["articles"] == as_json(r)["indexed"] == 50
    before = {
        q: as_json(run("search", q, "--limit", "0", "--json", "--index", str(archive)))
        for q in ["Belgorod", "drones", "Kharkiv OR Kherson"]
    }
    damaged = _damage(archive)
    r = run("check", "--json", "--index", str(archive))
    report = as_json(r)
    assert r.exit_code == 1 and not report["ok"]
    found = {p["kind"]: p for p in report["problems"]}
    assert set(found) == {*damaged, "links_to_missing_articles"}
    for kind, article_id in damaged.items():
        assert found[kind]["count"] == 1 and found[kind]["examples"] == [article_id]
    human = run("check", "--index", str(archive))
    assert human.exit_code == 1 and "indexed_twice" in human.stdout
    r = run("check", "--repair", "--json", "--index", str(archive))
    assert r.exit_code == 0 and as_json(r)["repaired"]
    assert all(p["repaired"] for p in as_json(r)["problems"])
    r = run("check", "--json", "--index", str(archive))
    assert r.exit_code == 0 and as_json(r)["problems"] == [] and as_json(r)["indexed"] == 50
    for q, was in before.items():
        now = as_json(run("search", q, "--limit", "0", "--json", "--index", str(archive)))
        assert now["total"] == len(now["results"]) == was["total"]


def test_check_repairs_an_index_it_cannot_read(run: Run, archive: Path) -> None:
    (archive / "whoosh" / MARKER).unlink()
    r = run("check", "--json", "--index", str(archive))
    assert r.exit_code == 1
    assert [p["kind"] for p in as_json(r)["problems"]] == ["index_unreadable"]
    r = run("check", "--repair", "--json", "--index", str(archive))
    assert r.exit_code == 0 and as_json(r)["indexed"] == 50
    assert run("check", "--index", str(archive)).exit_code == 0
