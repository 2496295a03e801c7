"""The benchmark (bench/run.py) cannot rot: a tiny run end to end in a subprocess, and
the corpus generator's determinism and format. No network: sqlite-utils is skipped."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CORPORA = ROOT.parent / "shared" / "corpora"
SMALL_REAL = CORPORA / "guardian-nyt-ukraine-2022"
FIRST_LINE = re.compile(r" date \d{4}-\d{2}-\d{2} \S")


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


corpus = _load("corpus")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in corpus.corpus_files(folder)}


def _assert_seed_format(files: dict[str, bytes]) -> None:
    for name, data in files.items():
        text = data.decode("utf-8")
        assert FIRST_LINE.match(text), f"{name}: {text[:40]!r}"
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        for paragraph in text.split("\n\n"):
            assert paragraph.strip(), f"{name}: an empty paragraph"


def test_synthetic_corpus_is_deterministic_and_in_the_seed_format(tmp_path: Path) -> None:
    a = corpus.generate(tmp_path / "a", 25, seed=7, source="synthetic")
    b = corpus.generate(tmp_path / "b", 25, seed=7, source="synthetic")
    other = corpus.generate(tmp_path / "c", 25, seed=8, source="synthetic")
    prefix = corpus.generate(tmp_path / "d", 10, seed=7, source="synthetic")

    files_a, files_b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(files_a) == 25
    assert files_a == files_b
    assert a["sha256"] == b["sha256"] and a["bytes"] == sum(map(len, files_a.values()))
    assert other["sha256"] != a["sha256"]
    assert _files(tmp_path / "d") == {k: files_a[k] for k in sorted(files_a)[:10]}
    assert prefix["source"] == a["source"] == "synthetic"
    _assert_seed_format(files_a)
    words = b" ".join(files_a.values())
    for word in (b"Ukraine", b"Kyiv", b"Putin"):  # the benchmark's queries find something
        assert word in words


def test_without_shared_corpora_auto_falls_back_to_synthetic(tmp_path: Path) -> None:
    missing = tmp_path / "no-shared"
    facts = corpus.generate(tmp_path / "out", 3, seed=1, source="auto", corpora=missing)
    assert facts["source"] == "synthetic"
    with pytest.raises(FileNotFoundError):
        corpus.generate(tmp_path / "out2", 3, seed=1, source="real", corpora=missing)


@pytest.mark.skipif(not SMALL_REAL.is_dir(), reason="../shared/corpora is absent")
def test_real_corpus_is_deterministic_and_in_the_seed_format(tmp_path: Path) -> None:
    corpora = tmp_path / "corpora"  # one small real corpus, linked: nothing copied
    corpora.mkdir()
    (corpora / SMALL_REAL.name).symlink_to(SMALL_REAL, target_is_directory=True)
    a = corpus.generate(tmp_path / "a", 30, seed=3, source="real", corpora=corpora)
    b = corpus.generate(tmp_path / "b", 30, seed=3, source="real", corpora=corpora)
    assert a["source"] == "real" and a["source_files"] > 0
    files = _files(tmp_path / "a")
    assert files == _files(tmp_path / "b") and a["sha256"] == b["sha256"]
    _assert_seed_format(files)


def test_missing_corpus_folder_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--corpus", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Corpus not found" in done.stderr


def test_a_tiny_run_reports_every_figure(tmp_path: Path) -> None:
    out, md = tmp_path / "bench.json", tmp_path / "bench.md"
    args = ["--articles", "40", "--repeat", "1", "--queries", "8", "--source", "synthetic"]
    args += ["--no-sqlite-utils", "--json", "--out", str(out), "--markdown", str(md)]
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    res = json.loads(done.stdout)
    assert res == json.loads(out.read_text(encoding="utf-8"))
    assert res["n"] == 40 and res["repeat"] == 1 and res["checks_failed"] == []
    assert res["corpus"]["source"] == "synthetic" and len(res["corpus"]["sha256"]) == 64
    assert res["archive_articles"] == 40
    assert {"platform", "cpus", "python", "sqlite"} <= set(res["machine"])
    assert res["references"]["sqlite_utils"]["available"] is False

    figs = res["figures"]
    for name in (
        "ingest_articles_per_s",
        "ingest_mb_per_s",
        "peak_ingest_memory_mb",
        "archive_mb",
        "archive_x_raw_text",
        "reingest_articles_per_s",
        "search_p50_ms",
        "search_p95_ms",
        "search_snippets_p50_ms",
        "search_snippets_p95_ms",
        "show_ms",
        "stats_ms",
        "help_ms",
    ):
        c = figs[name]["conflict"]
        assert c["min"] <= c["median"] <= c["max"] and c["median"] > 0, name
        assert len(c["runs"]) == (5 if name == "help_ms" else 1), name  # HELP_SAMPLES a round
        assert figs[name]["sqlite_utils"] is None, name
    for ref in ("naive_whoosh", "fts5"):
        assert figs["ingest_articles_per_s"][ref]["median"] > 0
        assert res["ratios"]["ingest_articles_per_s"][ref] > 0
    assert figs["search_p50_ms"]["fts5"]["median"] > 0
    assert (
        figs["search_p95_ms"]["conflict"]["median"] >= figs["search_p50_ms"]["conflict"]["median"]
    )

    targets = {t["target"]: t for t in res["targets"]}
    assert len(targets) == 9
    for t in targets.values():
        if t["reference"] == "sqlite_utils":
            assert t["met"] is None and t["value"] is None
        else:
            assert isinstance(t["met"], bool) and t["value"] > 0

    assert len(res["queries"]) == 8
    assert all(isinstance(q["total"], int) for q in res["queries"])
    assert any(q["total"] > 0 for q in res["queries"])

    table = md.read_text(encoding="utf-8")
    assert "N = 40 articles" in table
    assert "| ingest, articles/s |" in table and "| --help ≤ 150 ms |" in table
    assert "sqlite-utils reference missing" in table
