"""The benchmark (bench/run.py) cannot rot: a tiny run end to end in a subprocess (and
one with --engine tantivy where this conflict has it), the corpus generator's determinism
and format, the rate curve, and the /proc io accounting bytes written rely on. No
network: sqlite-utils is skipped."""

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
measure = _load("measure")


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


def test_corpus_files_stream_in_the_order_of_the_list(tmp_path: Path) -> None:
    """iter_corpus_files (what a million-file corpus is walked with) gives corpus_files'
    list, in its order, with files beside folders, hidden ones and other suffixes."""
    for name in ("b/2.txt", "b/1.md", "a.txt", "c.txt", "b0/x.txt", "b/.hidden.txt", "d.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(" date 2024-01-01 x\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "y.txt").write_text("x", encoding="utf-8")
    listed = corpus.corpus_files(tmp_path)
    assert list(corpus.iter_corpus_files(tmp_path)) == listed
    assert [p.relative_to(tmp_path).as_posix() for p in listed] == [
        "a.txt",
        "b/1.md",
        "b/2.txt",
        "b0/x.txt",
        "c.txt",
    ]


def test_rate_curve_per_minute_and_tenths() -> None:
    """Counts of the catalogue (t, articles) make rates a minute and the tenths' rates;
    the articles of the minutes add up to the final count."""
    samples = [(30.0, 3000), (60.0, 6000), (90.0, 8000), (120.0, 10000)]
    curve = measure.rate_curve(samples, wall=150.0, final=12000)
    minutes = curve["per_minute"]
    assert [m["start_s"] for m in minutes] == [0.0, 60.0, 120.0]
    assert minutes[0]["articles_per_s"] == pytest.approx(100.0)
    assert minutes[1]["articles_per_s"] == pytest.approx(4000 / 60)
    assert minutes[2]["articles_per_s"] == pytest.approx(2000 / 30)
    total = sum(m["articles_per_s"] * (m["end_s"] - m["start_s"]) for m in minutes)
    assert total == pytest.approx(12000)
    assert curve["first_tenth"] == pytest.approx(100.0)  # 1,500 articles in 15 s
    assert curve["last_tenth"] == pytest.approx(2000 / 30)
    assert curve["last_x_first"] == pytest.approx(2 / 3)
    assert measure.rate_curve([], wall=0.0, final=0) is None
    # a count that stays flat between two commits: linear from one commit to the next
    flat = [(10.0, 0), (20.0, 1000), (30.0, 1000), (40.0, 1000), (50.0, 1000)]
    curve = measure.rate_curve(flat, wall=60.0, final=3000)
    assert curve["commits_seen"] == 1
    assert curve["first_tenth"] == pytest.approx(50.0)  # 300 of the first 1,000 in 6 s
    assert curve["last_tenth"] == pytest.approx(50.0)  # 2,000 in the 40 s after


@pytest.mark.skipif(not Path("/proc/self/io").is_file(), reason="no /proc io accounting")
def test_proc_io_counts_what_waited_for_children_wrote() -> None:
    """bench/measure.py's premise: a parent that waited for a child reads, in its own
    /proc/self/io, what the child, its thread, its child and its pool's workers wrote."""
    facts = measure.selftest(n=1_000_000)
    assert facts["holds"], facts
    assert facts["write_bytes"] >= facts["expected_bytes"] == 5_000_000


def _conflict_has_engine_option() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "conflictcli", "ingest", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode == 0 and "--engine" in done.stdout


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
    _assert_issue_29_figures(res)

    targets = {t["target"]: t for t in res["targets"]}
    assert len(targets) == 9 + 4  # the speed issue's, then issue 29's for Whoosh
    assert [t["issue"] for t in res["targets"]] == [None] * 9 + [29] * 4
    for t in targets.values():
        if t["reference"] == "sqlite_utils":
            assert t["met"] is None and t["value"] is None
        elif t["figure"] == "ingest_rate_last_x_first":  # 40 articles: no first tenth
            continue
        else:
            assert isinstance(t["met"], bool) and t["value"] > 0

    assert len(res["queries"]) == 8
    assert all(isinstance(q["total"], int) for q in res["queries"])
    assert any(q["total"] > 0 for q in res["queries"])

    table = md.read_text(encoding="utf-8")
    assert "N = 40 articles" in table
    assert "| ingest, articles/s |" in table and "| --help ≤ 150 ms |" in table
    assert "| places (no query), ms |" in table and "Ingest rate, round 1" in table
    assert "sqlite-utils reference missing" in table


def _assert_issue_29_figures(res: dict) -> None:
    """Bytes written, the rate curve, places, timeline, all ids and search in one process."""
    figs = res["figures"]
    for name in (
        "bytes_written_mb",
        "bytes_written_x_archive",
        "wchar_mb",
        "ingest_cpu_s",
        "places_ms",
        "timeline_ms",
        "all_ids_ms",
        "search_inprocess_p50_ms",
        "search_inprocess_p95_ms",
    ):
        c = figs[name]["conflict"]
        assert c is not None and c["median"] > 0, name
    if res["io_accounting"]["holds"]:
        assert figs["bytes_written_mb"]["fts5"]["median"] > 0
    assert figs["all_ids_ms"]["fts5"]["median"] > 0
    assert figs["all_ids_inprocess_ms"]["fts5"]["median"] >= 0
    term = res["common_term"]
    assert term["term"] == "Ukraine" and 0 < term["hits"] <= res["archive_articles"]
    assert 0 < term["fts5_hits"] <= res["archive_articles"]
    (curve,) = res["rate_curves"]
    assert curve["round"] == 1 and curve["per_minute"]
    assert res["engine"]["name"] in ("whoosh", "tantivy")


@pytest.mark.skipif(importlib.util.find_spec("tantivy") is None, reason="tantivy-py missing")
def test_a_tiny_run_on_the_tantivy_engine(tmp_path: Path) -> None:
    """--engine tantivy: conflict's archives made by tantivy, beside tantivy alone; the
    naive Whoosh reference left out with --skip."""
    if not _conflict_has_engine_option():
        pytest.skip("this conflict's ingest has no --engine")
    args = ["--articles", "40", "--repeat", "1", "--queries", "8", "--source", "synthetic"]
    args += ["--no-sqlite-utils", "--skip", "naive-whoosh", "--engine", "tantivy", "--json"]
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    res = json.loads(done.stdout)
    assert res["engine"] == {"name": "tantivy", "ingest_option": True}
    assert res["checks_failed"] == [] and res["archive_articles"] == 40
    assert res["references"]["naive_whoosh"]["available"] is False
    assert res["references"]["tantivy"]["available"] is True
    figs = res["figures"]
    assert figs["ingest_articles_per_s"]["naive_whoosh"] is None
    for name in ("ingest_s", "search_p50_ms", "search_inprocess_p50_ms", "archive_mb"):
        assert figs[name]["tantivy"]["median"] > 0, name
    _assert_issue_29_figures(res)
    targets = [t for t in res["targets"] if t["issue"] == 29]
    assert len(targets) == 10 and targets[0]["reference"] == "tantivy"
    assert all(isinstance(q["tantivy_total"], int) for q in res["queries"])


def test_tantivy_engine_without_the_option_is_a_usage_error(tmp_path: Path) -> None:
    """Until conflict's ingest takes --engine, --engine tantivy stops at once (exit 2)."""
    if _conflict_has_engine_option():
        pytest.skip("this conflict's ingest has --engine")
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--articles", "5", "--engine", "tantivy"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "has no `ingest --engine` option" in done.stderr
    assert "--engine whoosh" in done.stderr


def test_a_tiny_run_on_postgres_beside_the_whoosh_engine(
    tmp_path: Path, postgres_server: str
) -> None:
    """--engine postgres: conflict's archive a team archive (a schema on the server), and
    conflict's own archive on the Whoosh engine beside it in the same run: ingest rate,
    search p50/p95, count, timeline and places of both with ratios, the 2× target, and
    every query's total the same in both."""
    md = tmp_path / "bench.md"
    args = ["--articles", "40", "--repeat", "1", "--queries", "8", "--source", "synthetic"]
    args += ["--no-sqlite-utils", "--skip", "naive-whoosh", "--skip", "tantivy"]
    args += ["--engine", "postgres", "--postgres", postgres_server]
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), *args, "--json", "--markdown", str(md)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    res = json.loads(done.stdout)
    assert res["engine"]["name"] == "postgres" and res["checks_failed"] == []
    assert res["archive_articles"] == 40 and res["postgres"]["server"] == "given (--postgres)"
    assert res["references"]["whoosh_engine"]["available"] is True
    assert res["references"]["naive_whoosh"]["available"] is False
    figs, ratios = res["figures"], res["ratios"]
    for name in (
        "ingest_articles_per_s",
        "search_p50_ms",
        "search_p95_ms",
        "count_ms",
        "timeline_ms",
        "places_ms",
        "archive_mb",
        "reingest_articles_per_s",
    ):
        for who in ("conflict", "whoosh_engine"):
            assert figs[name][who]["median"] > 0, (name, who)
        assert ratios[name]["whoosh_engine"] > 0, name
    assert figs["bytes_written_mb"]["conflict"] is None  # the server writes the archive
    (curve,) = res["rate_curves"]
    assert curve["poll_errors"] == 0 and curve["points"][-1][1] == 40

    (target,) = [t for t in res["targets"] if t["issue"] == 30]
    assert target["reference"] == "whoosh_engine" and target["limit"] == 2.0
    assert target["value"] == ratios["ingest_articles_per_s"]["whoosh_engine"]
    assert isinstance(target["met"], bool)
    assert len(res["queries"]) == 8
    assert all(q["total"] == q["whoosh_engine_total"] for q in res["queries"])
    assert any(q["total"] > 0 for q in res["queries"])

    table = md.read_text(encoding="utf-8")
    assert "| Whoosh engine |" in table and "| count of the common term, ms |" in table
    assert "| PostgreSQL (100k): ingest ≥ 2× the Whoosh engine's rate |" in table
