"""An archive from someone else is data (issue 25): its index is never read unless this
user sealed it, no value of an index is ever unpickled into a class or function, and
nothing inside an archive is followed out of it. Each attack is built as an attacker
would build it."""

from __future__ import annotations

import importlib
import io
import json
import pickle
import pkgutil
import shutil
from pathlib import Path
from typing import Any

import pytest

import conflictcli.engine.whoosh.loading  # noqa: F401  (the guard, before Whoosh)

from conftest import Evil, Run, as_json, write


def _another_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from conflictcli import keys

    monkeypatch.setenv(keys.KEY_ENV, str(tmp_path / "another-user" / "key"))


def test_an_archive_sealed_by_another_user_is_refused_until_reindexed(
    run: Run, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = as_json(run("search", "Belgorod", "--json", "--index", str(archive)))["total"]
    sent = tmp_path / "from-a-colleague"
    shutil.copytree(archive, sent)
    _another_user(monkeypatch, tmp_path)
    for cmd in (["search", "Belgorod"], ["count", "Belgorod"], ["timeline", "Belgorod"]):
        r = run(*cmd, "--index", str(sent))
        assert r.exit_code == 1 and "Traceback" not in r.stderr, cmd
        assert "not built by this user" in r.stderr and "conflict reindex" in r.stderr
    assert as_json(run("stats", "--json", "--index", str(sent)))["articles"] == 50
    r = run("reindex", "--index", str(sent), "--json")
    assert r.exit_code == 0, r.stderr
    aside = [p for p in sent.iterdir() if p.name.startswith("whoosh-set-aside-")]
    assert len(aside) == 1 and any(aside[0].glob("_MAIN_*.toc"))  # kept, unread
    assert any(str(aside[0]) in w for w in as_json(r)["warnings"])  # and said where
    assert as_json(run("search", "Belgorod", "--json", "--index", str(sent)))["total"] == want
    # and this user's own archive still opens for them under their key only
    monkeypatch.undo()
    assert run("search", "Belgorod", "--index", str(archive)).exit_code == 0


def test_a_segment_file_changed_or_added_breaks_the_seal(run: Run, archive: Path) -> None:
    folder = archive / "whoosh"
    pst = next(folder.glob("MAIN_*.pst"))
    with pst.open("ab") as f:
        f.write(b"\x00")
    r = run("search", "Belgorod", "--index", str(archive))
    assert r.exit_code == 1 and "changed" in r.stderr and "Traceback" not in r.stderr
    assert run("reindex", "--index", str(archive), "--quiet").exit_code == 0
    (folder / f"{next(folder.glob('MAIN_*.pst')).stem}.extra").write_bytes(b"x")
    r = run("search", "Belgorod", "--index", str(archive))
    assert r.exit_code == 1 and "added" in r.stderr


def test_reindex_never_reads_a_foreign_index(
    run: Run, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their table of contents pickles a command; reindex under another user's key
    moves it aside without unpickling anything."""
    from whoosh import fields
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    pwned = tmp_path / "PWNED"
    folder = archive / "whoosh"
    for toc in folder.glob("_MAIN_*.toc"):
        toc.unlink()
    TOC(fields.Schema(id=fields.ID), [Evil(pwned)], 7).write(FileStorage(str(folder)), "MAIN")
    seal = {"generation": 7, "index_layout": 9, "toc": "0" * 64, "files": {}, "tag": "f" * 64}
    (folder / "conflict-seal-7.json").write_text(json.dumps(seal))  # forged
    _another_user(monkeypatch, tmp_path)
    for cmd in (["search", "x"], ["check", "--json"], ["reindex", "--json"]):
        run(*cmd, "--index", str(archive))
        assert not pwned.exists(), cmd
    assert as_json(run("search", "Belgorod", "--json", "--index", str(archive)))["total"] > 0


def test_no_value_of_the_index_is_a_pickle(archive: Path) -> None:
    """The source field's positions are packed (Whoosh's Positions format pickles
    them, and a crafted one ran a command on `search 'source:"evil corp"'`)."""
    from conflictcli.engine.whoosh.schema import SCHEMA

    for name in SCHEMA.names():
        fmt = SCHEMA[name].format
        if fmt is not None and type(fmt).__name__ in ("Positions", "Characters"):
            pytest.fail(f"{name} stores its positions as pickles ({type(fmt).__name__})")


def test_a_source_phrase_is_found_from_packed_positions(run: Run, tmp_path: Path) -> None:
    rows = [
        {"title": "Port strike", "text": "A strike on the port of Izmail.", "source": "Evil Corp"},
        {"title": "Grain", "text": "Grain ships left Odesa on Sunday.", "source": "Corp Evil"},
    ]
    write(tmp_path / "in" / "feed.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    run("ingest", str(tmp_path / "in"), "--quiet")
    res = as_json(run("search", 'source:"evil corp"', "--json"))
    assert res["total"] == 1 and res["results"][0]["title"] == "Port strike"


def _every_whoosh_module() -> list[Any]:
    import whoosh

    out = [whoosh]
    for info in pkgutil.walk_packages(whoosh.__path__, "whoosh."):
        try:
            out.append(importlib.import_module(info.name))
        except Exception:  # modules of Whoosh 1 that no longer import: nothing to reach
            continue
    return out


_LOADERS = {"loads", "load", "load_pickle", "depickle", "mloads", "demarshal"}


def test_every_way_whoosh_unpickles_refuses_a_crafted_pickle(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    crafted = pickle.dumps([(1, 2.0, b"x"), Evil(pwned)], 2)
    found = []
    for module in _every_whoosh_module():
        for name, value in vars(module).items():
            if name in ("pickle", "marshal", "cPickle") and hasattr(value, "loads"):
                callables = [(f"{name}.loads", value.loads, False)]
                if hasattr(value, "load"):
                    callables.append((f"{name}.load", value.load, True))
            elif name in _LOADERS and callable(value):
                callables = [(name, value, name in ("load", "load_pickle"))]
            elif isinstance(value, type) and issubclass(value, pickle.Unpickler):
                callables = [(name, lambda f, cls=value: cls(f, {}).load(), True)]
            else:
                continue
            for label, fn, takes_file in callables:
                found.append(f"{module.__name__}.{label}")
                with pytest.raises((pickle.UnpicklingError, ValueError)):  # refused, not broken
                    fn(io.BytesIO(crafted) if takes_file else crafted)
                assert not pwned.exists(), f"{module.__name__}.{label} ran the pickle"
    names = set(found)
    for must in (
        "whoosh.util.loading.RenamingUnpickler",
        "whoosh.compat.loads",
        "whoosh.formats.loads",
        "whoosh.codec.whoosh3.loads",
        "whoosh.columns.loads",
        "whoosh.filedb.structfile.load_pickle",
        "whoosh.index.pickle.loads",
    ):
        assert must in names, must
    # and a Positions value crafted as an attacker would, decoded as Whoosh decodes it
    from whoosh.formats import Positions

    with pytest.raises(pickle.UnpicklingError):
        Positions().decode_positions(b"\x00\x00\x00\x01" + crafted)
    assert not pwned.exists()


def test_links_inside_an_archive_are_refused_and_never_written_through(
    run: Run, archive: Path, tmp_path: Path
) -> None:
    victim = write(tmp_path / "notes.txt", "my notes\n")
    more = write(tmp_path / "more" / "a.txt", " date 2024-04-01 Shelling in Vovchansk.\n").parent
    for name in ("writer.lock", "catalogue.sqlite-wal", "whoosh/MAIN_WRITELOCK"):
        target = archive / name
        kept = tmp_path / "kept"
        if target.exists():
            shutil.move(str(target), kept)
        target.symlink_to(victim)
        for args in (["ingest", str(more)], ["reindex"]):
            r = run(*args, "--index", str(archive))
            assert "Traceback" not in r.stderr and "This is a bug" not in r.stderr
            if r.exit_code == 0:  # reindex may set the index holding the link aside
                assert args == ["reindex"] and any(archive.glob("whoosh-set-aside-*"))
                assert (archive / "whoosh").is_dir() and not target.is_symlink()
                break
            assert r.exit_code == 1 and "symbolic link" in r.stderr, (name, args, r.stderr)
        assert victim.read_text() == "my notes\n", name
        if target.is_symlink():
            target.unlink()
        if kept.exists() and not target.exists():
            shutil.move(str(kept), target)
    assert run("ingest", str(more), "--index", str(archive), "--quiet").exit_code == 0


def test_the_seal_and_temporary_files_get_random_names(run: Run, archive: Path) -> None:
    folder = archive / "whoosh"
    assert not list(folder.glob("*.part")) and not list(folder.glob("MAIN.tmp*"))
    assert not (folder / "conflict-index.json").exists()  # the old marker: no defence
    seals = sorted(folder.glob("conflict-seal-*.json"))
    assert seals and json.loads(seals[-1].read_text())["tag"]


def test_invisible_characters_are_shown_as_escapes(run: Run, tmp_path: Path) -> None:
    write(
        tmp_path / "in" / "a.txt", " date 2024-01-02 Pay\u200bment to Kup\u2060iansk\ufeff units.\n"
    )
    run("ingest", str(tmp_path / "in"), "--quiet")
    shown = run("search", "Kupiansk OR units", "--color", "never").stdout
    assert "\\u200b" in shown or "\\u2060" in shown
    assert not any(c in shown for c in "\u200b\u2060\ufeff")
    assert "\u200b" in as_json(run("search", "units", "--json"))["results"][0]["title"]


def test_a_killed_export_leaves_no_part_file(run: Run, archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "all.csv"
    out.parent.mkdir()

    def die(f: Any) -> int:
        f.write("half a row")
        raise KeyboardInterrupt

    from conflictcli.keys import write_file

    with pytest.raises(KeyboardInterrupt):
        write_file(out, die)
    assert list(out.parent.iterdir()) == []
    r = run("export", "Belgorod", "-o", str(out), "--format", "csv", "--index", str(archive))
    assert r.exit_code == 0 and [p.name for p in out.parent.iterdir()] == ["all.csv"]
