"""The relevance yardstick (bench/relevance.py) cannot rot: a run on a handful of TIME
questions and two known items, end to end in a subprocess; its measures by hand; and its
measures against ir-measures', installed into the benchmark's own environment (bench/.venv)
on first use."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SHARED = ROOT.parent / "shared"
TIME = SHARED / "irtest" / "time"
CORPORA = SHARED / "corpora"
VENV = BENCH / ".venv"  # the benchmark's own environment (bench/run.py's DEFAULT_VENV)

needs_time = pytest.mark.skipif(
    not (TIME / "queries.tsv").is_file(),
    reason=f"the TIME test collection is not here: {TIME} (it lives in ../shared)",
)


def _relevance() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # relevance.py imports run.py and references.py
    spec = importlib.util.spec_from_file_location("bench_relevance", BENCH / "relevance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_measures_by_hand() -> None:
    rel = _relevance()
    m = rel.measures_of(["a", "x", "b", "y"], ["a", "b", "c"])
    assert m["AP@100"] == pytest.approx((1 / 1 + 2 / 3) / 3)
    assert m["P@10"] == pytest.approx(2 / 10)
    assert m["R@100"] == pytest.approx(2 / 3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["nDCG@10"] == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    assert rel.measures_of([], ["a"]) == {"AP@100": 0, "nDCG@10": 0, "P@10": 0, "R@100": 0}


@needs_time
@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"the real corpora are not here: {CORPORA}")
def test_a_small_run_reports_every_system(tmp_path: Path) -> None:
    items = tmp_path / "items.tsv"
    items.write_text(  # two known items of our own words
        "corpus\tfile\tquery\talso\n"
        "fakes-syria-war\tarticles/000780.txt\twhite helmets rescuers and children die\t\n"
        "fakes-syria-war\tarticles/000021.txt\tarmy ambush near adra kills rebels\t\n",
        encoding="utf-8",
    )
    out = tmp_path / "rel.json"
    done = subprocess.run(
        [
            *(sys.executable, str(BENCH / "relevance.py"), "--queries", "5", "--no-references"),
            *("--items-file", str(items), "--json", "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    res = json.loads(done.stdout)
    assert res == json.loads(out.read_text(encoding="utf-8"))
    assert res["time"]["queries"] == 5 and res["time"]["documents"] == 423
    measures = res["time"]["measures"]
    assert set(measures) == {
        "conflict --any",
        "conflict (default)",
        "plain Whoosh (BM25F, stemming, OR)",
    }
    for name, m in measures.items():
        for measure, per in m["per_query"].items():
            assert len(per) == 5
            assert all(0 <= v <= 1 for v in per.values())
            assert m["mean"][measure] == pytest.approx(sum(per.values()) / 5), (name, measure)
    assert measures["conflict --any"]["mean"]["R@100"] > 0.5  # it finds what it should
    known = res["known_items"]
    assert known["items"] == 2
    assert set(known["systems"]) == {
        "conflict (default)",
        "conflict --any",
        "FTS5 bm25 (words ORed)",
    }
    for kinds in known["systems"].values():
        for figures in kinds.values():
            assert 0 <= figures["MRR@10"] <= figures["success@10"] <= 1
    # a headline finds its own article first, in every system
    assert all(k["headline"]["MRR@10"] == 1.0 for k in known["systems"].values())


@pytest.fixture(scope="module")
def refs_python() -> Path:
    """The python of the benchmark's own environment (bench/.venv) with ir-measures, which
    is installed there on first use as bench/relevance.py installs its references (from
    PyPI; about 10 s). Skips only if it cannot be installed (no network)."""
    rel = _relevance()
    python = rel._venv_exe(VENV, "python")
    probe = [str(python), "-c", "import ir_measures"]
    if python.is_file() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    wanted = [p for p in rel.REFERENCE_PACKAGES if p.startswith("ir-measures")]
    failed = rel.install_into(VENV, wanted)
    if failed:
        pytest.skip(f"ir-measures is not in the benchmark's own environment {VENV}: {failed}")
    assert subprocess.run(probe, capture_output=True).returncode == 0, f"{wanted} not importable"
    return python


@needs_time
def test_the_measures_are_ir_measures(tmp_path: Path, refs_python: Path) -> None:
    rel = _relevance()
    col = rel.read_collection(TIME, 12)
    runs = {"plain": rel.plain_whoosh_run(col, tmp_path)}
    given = {"docs": {}, "queries": col.queries, "qrels": col.qrels, "runs": runs, "bm25s": False}
    done = subprocess.run(
        [str(refs_python), str(BENCH / "relevance_refs.py")],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout)["measures"]["plain"]["per_query"]
    ours = rel.measure_runs(runs, col.qrels)["plain"]["per_query"]
    for measure in rel.MEASURES:
        assert ours[measure] == pytest.approx(theirs[measure], abs=1e-9), measure
