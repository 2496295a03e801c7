"""bench/web.py (the reading room timed server side) cannot rot: a tiny run end to end
in a subprocess, on a generated archive of 40 articles, and the shape of its report.
No timing is asserted: speed is a benchmark figure, not a test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
pytest.importorskip("httpx2", reason="the test extra (httpx2) is not installed")

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "bench" / "web.py"
QUERIES = 8  # the first eight cover every kind of query (bench/queries.py)
PAGES = ("search_page", "article_page", "timeline_page", "map_page", "empty_page")
REFERENCES = ("ref_search", "ref_count", "ref_resolve")
PARTS = ("state", "search_result", "rows", "facets", "pages_of", "render", "rest")
KINDS = ("source", "place", "country", "lang", "year")


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(WEB), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)


def _assert_figure(fig: dict, repeat: int) -> None:
    for stat in ("p50_ms", "p95_ms"):
        s = fig[stat]
        assert len(s["runs"]) == repeat
        assert 0 <= s["min"] <= s["median"] <= s["max"] or fig["label"].startswith("rest")


def test_a_tiny_run_reports_every_page_reference_and_part(tmp_path: Path) -> None:
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    args = ["--articles", "40", "--source", "synthetic", "--repeat", "2"]
    args += ["--queries", str(QUERIES), "--out", str(out), "--markdown", str(md), "--json"]
    done = _bench(*args)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert json.loads(out.read_text(encoding="utf-8")) == result
    assert result["bench"] == "web" and result["repeat"] == 2
    assert result["archive"]["articles"] == 40 and result["archive"]["engine"] == "whoosh"
    assert len(result["queries"]) == QUERIES and result["checks_failed"] == []
    assert result["git"]["commit"]
    figures = result["figures"]
    expected = {*PAGES, *REFERENCES, *PARTS, *(f"count_by_{k}" for k in KINDS)}
    expected |= {"article_view", "similar", "timeline_data", "places"}
    assert expected == set(figures)
    for fig in figures.values():
        _assert_figure(fig, repeat=2)
    assert figures["search_page"]["n"] == QUERIES
    assert 1 <= figures["article_page"]["n"] <= QUERIES
    assert all(v is None or v > 0 for v in result["ratios"].values())
    assert {"search_page/ref_search p50", "search_page/ref_count p95"} <= set(result["ratios"])
    assert [(t["figure"], t["stat"]) for t in result["targets"]] == [
        ("search_page", "p50"),
        ("search_page", "p95"),
        ("article_page", "p50"),
    ]
    shares = result["breakdown"]["share_of_page"]
    assert set(shares) == set(PARTS)
    assert set(result["breakdown"]["count_by_share_of_page"]) == set(KINDS)
    rows = result["per_query"]
    assert [r["query"] for r in rows] == result["queries"]
    assert all(r["total"] >= 0 and r["search_page"] > 0 for r in rows)
    text = md.read_text(encoding="utf-8")
    assert text.startswith("## Reading room, 40 articles") and "Search page taken apart" in text
    assert "| search_page p50 ≤ 150 |" in text


def test_pages_can_be_left_out_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    done = _bench("--index", str(tmp_path / "missing"))
    assert done.returncode == 2 and "no such folder" in done.stderr
    done = _bench("--articles", "5", "--pages", "search,nothing")
    assert done.returncode == 2 and "--pages" in done.stderr
