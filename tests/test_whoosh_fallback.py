"""On a Whoosh release conflict was not tested with (simulated here by the version Whoosh
reports), the fast paths that reach into Whoosh's internals are off: Whoosh's own writer
and every read through its public API. Ingest and search give the same results, with one
warning."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import whoosh

from conflictcli.engine.whoosh import loading as _whoosh

from conftest import SAMPLE, Run, as_json

QUERIES = [
    "Belgorod drones",
    "Kharkiv",
    '"grain corridor"',
    "attack OR strike",
    "Kyiv NOT Russia",
    "drone*",
    "Zelensky",
    "title:Belgorod",
]


@pytest.fixture
def untested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 99))
    monkeypatch.setattr(_whoosh, "_warned", False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """sample_data twice over (the second copy edited, so every article is new) and a
    file changed by a second ingest: enough for several checkpoints at 20 articles."""
    out = tmp_path / "in"
    shutil.copytree(SAMPLE, out / "a")
    for p in sorted(SAMPLE.rglob("*.txt")):
        dest = out / "b" / p.relative_to(SAMPLE)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(p.read_text(encoding="utf-8") + "\n\nKharkiv grain corridor.\n")
    return out


def _everything(run: Run, ix: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"stats": as_json(run("stats", "--json", "--index", str(ix)))}
    for volatile in ("location", "index_bytes", "last_ingest"):
        out["stats"].pop(volatile, None)
    for q in QUERIES:
        r = run("search", q, "--json", "--limit", "0", "--index", str(ix))
        res = json.loads(r.stdout) if r.stdout else {"total": 0, "results": []}
        out[q] = (
            res["total"],
            sorted((h["id"], round(h["score"] or 0, 9), h["snippet"]) for h in res["results"]),
        )
        count = run("count", q, "--json", "--index", str(ix))
        assert json.loads(count.stdout)["count"] == res["total"], q
    return out


def test_a_whoosh_not_tested_gives_the_same_results_with_one_warning(
    run: Run, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICT_CHECKPOINT", "20")
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    r = run("ingest", str(tree), "--index", str(fast), "--json")
    assert r.exit_code == 0 and "Warning" not in r.stderr
    want = _everything(run, fast)
    assert want["stats"]["articles"] == 100

    monkeypatch.setattr(whoosh, "__version__", (2, 7, 99))
    monkeypatch.setattr(_whoosh, "_warned", False)
    r = run("ingest", str(tree), "--index", str(slow), "--json")
    assert r.exit_code == 0, r.stderr
    warned = [line for line in r.stderr.splitlines() if line.startswith("Warning: Whoosh")]
    assert len(warned) == 1 and "2.7.99" in warned[0] and "2.7.5" in warned[0]
    assert "fast paths are off" in warned[0]
    # Whoosh's own writer committed a segment at each checkpoint
    assert (
        len(list((slow / "whoosh").glob("*.seg"))) + len(list((slow / "whoosh").glob("*.trm"))) > 1
    )
    assert _everything(run, slow) == want
    assert _everything(run, fast) == want  # an archive written fast, read the slow way
    # a second ingest that changes an article: deletes and adds through Whoosh's writer
    changed = next(iter(sorted((tree / "a").rglob("*.txt"))))
    changed.write_text(changed.read_text(encoding="utf-8") + "\nMariupol theatre.\n")
    monkeypatch.setattr(whoosh, "__version__", whoosh.__version__)
    for ix in (slow, fast):
        assert run("ingest", str(tree), "--index", str(ix), "--quiet").exit_code == 0
    assert _everything(run, slow) == _everything(run, fast)
    assert run("check", "--json", "--index", str(slow)).exit_code == 0


def test_the_warning_is_shown_once_a_process(untested: None, run: Run) -> None:
    r = run("ingest", str(SAMPLE))
    assert r.exit_code == 0
    assert sum(line.startswith("Warning: Whoosh") for line in r.stderr.splitlines()) == 1
    assert not _whoosh.fast_paths()


def test_the_tested_whoosh_has_its_fast_paths() -> None:
    assert _whoosh.fast_paths()
    assert tuple(whoosh.__version__) in _whoosh.TESTED
