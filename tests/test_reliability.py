"""Reliability: archives from elsewhere (an index folder conflict did not make, pickles
that would run code), and rebuilding the index from the catalogue alone."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

import conflictcli.engine.whoosh.loading as guarded

from conftest import Evil, Run, as_json, write


def test_the_guard_refuses_what_an_index_of_ours_never_holds(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    for protocol in (2, 5):
        evil = pickle.dumps([(1, 2.0, b"x"), Evil(pwned)], protocol)
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


def _unseal(archive: Path) -> None:
    for seal in (archive / "whoosh").glob("conflict-seal-*.json"):
        seal.unlink()


def test_an_index_without_its_seal_is_refused_until_reindexed(run: Run, archive: Path) -> None:
    _unseal(archive)
    r = run("search", "Belgorod", "--index", str(archive))
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "has no seal" in r.stderr and f"conflict reindex --index {archive}" in r.stderr
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
    TOC(fields.Schema(id=fields.ID), [Evil(pwned)], 0).write(FileStorage(str(folder)), "MAIN")
    r = run("search", "Belgorod", "--index", str(archive))
    assert not pwned.exists()
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "it is not opened" in r.stderr and "conflict reindex" in r.stderr
    # an ingest with something to add builds the index again from the catalogue,
    # without reading the old one
    write(tmp_path / "new" / "a.txt", " date 2024-05-01\n\nA report from Vovchansk.")
    r = run("ingest", str(tmp_path / "new"), "--index", str(archive), "--json")
    assert not pwned.exists()
    assert r.exit_code == 0 and any("table of contents" in w for w in as_json(r)["warnings"])
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
    _unseal(archive)
    r = run("check", "--json", "--index", str(archive))
    assert r.exit_code == 1
    assert [p["kind"] for p in as_json(r)["problems"]] == ["index_unreadable"]
    r = run("check", "--repair", "--json", "--index", str(archive))
    assert r.exit_code == 0 and as_json(r)["indexed"] == 50
    assert run("check", "--index", str(archive)).exit_code == 0


def _hostile_files(h: Path) -> dict[str, str]:
    """A folder of the files a scrape or a stranger leaves behind; each bad one with a
    word its reason must hold."""
    import gzip

    def w(name: str | bytes, data: bytes) -> None:
        path = os.path.join(os.fsencode(h), os.fsencode(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    w("good-1.txt", b" date 2023-04-02 Shelling hit a school in Vovchansk, officials said.")
    w("good-2.txt", b" date 2023-04-03 Ferry traffic resumed in Izmail after the strikes.")
    w("zero.txt", b"")
    w("spaces.txt", b"   \n\n   \n")
    w("nul.txt", b" date 2023-04-07 A report\x00 with NUL bytes from Avdiivka.")
    w("binary.txt", bytes(range(256)) * 64)
    w("feb30.txt", b" date 2024-02-30 A report from Huliaipole about the front.")
    w("y99999.txt", b" date 99999-01-01 A report from Orikhiv.")
    w("zeros.txt", b" date 0000-00-00 A report from Marinka.")
    w(
        "mid-invalid.txt",
        b" date 2023-04-04 Text about Vuhledar"
        + b" and more text." * 10_000
        + b" \xff\xfe\xfa"  # in the middle of 300 KB
        + b" and more text." * 10_000,
    )
    w("too-long.txt", b" date 2023-04-05 " + b"Chasiv Yar " * 1_600_000)  # 17.6 MB
    w(
        "long-row.csv",
        b"text,date\n" + b"Siversk " * 600_000 + b",2023-05-01\nA report from Siversk,2023-05-02\n",
    )
    rows = b"".join(b'{"text": "Report %d from Bakhmut"}\n' % n for n in range(2000))
    whole = gzip.compress(rows)
    w("truncated.jsonl.gz", whole[: len(whole) // 2])
    w(
        "ragged.csv",
        b"title,text,date\nOne,Report from Toretsk one,2023-05-01\nTwo\n"
        b"Three,Report from Toretsk three,2023-05-03,extra,cols\n",
    )
    w("header-only.csv", b"title,text,date\n")
    w("broken.jsonl", b'{"text": "Report from Lysychansk", "date": "2023-05-05"}\n{broken\n')
    w(
        "nested.html",
        b"<html><body>" + b"<div>" * 5000 + b"<p>Lyman.</p>" + b"</div>" * 5000 + b"</body></html>",
    )
    w("d/" * 60 + "deep.txt", b" date 2023-04-08 A deep report from Bilohorivka.")
    w("new\nline.txt", b" date 2023-04-09 A report from Pokrovsk.")
    w(b"bad-\xff-name.txt", b" date 2023-04-10 A report from Kurakhove.")
    os.symlink(".", h / "loop")
    for n in range(300):  # many tiny files (the harness takes 100,000)
        w(
            f"tiny/{n:04d}.txt",
            f" date 2023-07-01 Tiny report number {n} from Kostiantynivka.".encode(),
        )
    return {
        "zero.txt": "empty",
        "spaces.txt": "empty",
        "nul.txt": "NUL",
        "binary.txt": "binary",
        "too-long.txt": "an article may hold",
        "long-row.csv:2": "an article may hold",
        "truncated.jsonl.gz": "decompress",
        "ragged.csv:3": "no text",
        "broken.jsonl:2": "JSON",
        "bad-\\xff-name.txt": "UTF-8",
        "loop": "not followed",
    }


def test_hostile_files_each_get_a_reason_and_the_rest_goes_in(run: Run, tmp_path: Path) -> None:
    h = tmp_path / "hostile"
    h.mkdir()
    bad = _hostile_files(h)
    r = run("ingest", str(h), "--index", str(tmp_path / "ix"), "--json")
    assert r.exit_code == 0 and "Traceback" not in r.stderr
    summary = as_json(r)
    reasons = {s["path"].removeprefix(f"{h}/"): s["reason"] for s in summary["skipped"]}
    for name, word in bad.items():
        assert word.lower() in reasons.get(name, "").lower(), (name, reasons.get(name))
    warned = " ".join(summary["warnings"])
    for date in ("2024-02-30", "99999-01-01", "0000-00-00"):
        assert f"unreadable date '{date}'" in warned
    ix = str(tmp_path / "ix")
    for q, n in [
        ("Vovchansk", 1), ("Izmail", 1), ("Toretsk", 2), ("Siversk", 1), ("Lysychansk", 1),
        ("Bilohorivka", 1), ("Pokrovsk", 1), ("Vuhledar", 1), ("Kostiantynivka", 300),
    ]:  # fmt: skip
        got = as_json(run("search", q, "--json", "--limit", "0", "--index", ix))
        assert got["total"] == len(got["results"]) == n, q
    # what was kept of a file: the same text back
    show = as_json(run("show", str(h / "mid-invalid.txt"), "--json", "--index", ix))
    assert (
        show["body"].startswith("Text about Vuhledar") and show["body"].count("more text") == 20_000
    )


def test_text_from_articles_never_drives_the_terminal(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io

    from conflictcli.output import console

    t = tmp_path / "t"
    write(t / "a.txt", " date 2023-06-01 Report from Kupiansk [link=file:///etc/passwd]click[/link]"
          " \x1b]0;TITLE\x07 \x1b[2J \x9b31m \u202egnirts end.")  # fmt: skip
    write(t / "b.txt", ' date 2023-06-02 =HYPERLINK("http://example.org","open") from Kupiansk.')
    ix = str(tmp_path / "ix")
    run("ingest", str(t), "--index", ix, "--quiet")
    commands = [
        ["search", "Kupiansk"],
        ["show", str(t / "a.txt")],
        ["export", "Kupiansk", "--format", "md"],
        ["export", "Kupiansk", "--format", "csv"],
        ["search", "Kupiansk", "--csv"],
        ["similar", str(t / "b.txt")],
        ["timeline", "Kupiansk"],
    ]
    for terminal in (False, True):  # into a pipe, and onto a terminal
        monkeypatch.setattr(console, "stdout_is_terminal", lambda terminal=terminal: terminal)
        for cmd in commands:
            out = run(*cmd, "--index", ix).stdout
            human = cmd[-1] not in ("csv",) and cmd[-1] != "--csv"
            if human or terminal:
                for c in ("\x1b", "\x07", "\x9b", "\u202e"):
                    assert c not in out, (cmd, terminal, repr(c))
    monkeypatch.setattr(console, "stdout_is_terminal", lambda: False)
    # JSON and CSV into a pipe carry the text as it is
    got = as_json(run("show", str(t / "a.txt"), "--json", "--index", ix))
    assert "\x1b]0;TITLE\x07" in got["body"] and "[link=file:///etc/passwd]" in got["body"]
    rows = list(csv.reader(io.StringIO(run("search", "Kupiansk", "--csv", "--index", ix).stdout)))
    assert any("\x1b[2J" in cell for row in rows for cell in row)
    cells = [cell for row in rows for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_crash_harness_loses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/crash.py in small: ingests killed with SIGKILL mid-way, in every input
    format; each archive opens and agrees with itself, and the ingest run again gets
    what an uninterrupted one gets. (The harness itself runs 50 trials.)"""
    import sys

    from conftest import ROOT

    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CONFLICT_CHECKPOINT", "20")  # kills land between checkpoints
    import crash

    report = crash.run(trials=2, n=180, seed=3, corpora=crash.DEFAULT_CORPORA, keep=False)
    shutil.rmtree(report["work"], ignore_errors=True)
    assert report["trials"] == 2 and report["articles"] == 180
    assert report["trials_with_losses"] == 0, report["rows"]
