"""A fast command line: each command imports only what it uses. Whoosh loads for
search and ingest, Rich only to draw for a terminal, dateutil only to read a date, numpy
only to find near-duplicate stories at ingest, and datasketch never (tests only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, Run

HEAVY = ("whoosh", "rich", "dateutil", "numpy", "datasketch", "scipy")
PROBE = """
import json, sys
sys.argv = ["conflict", *json.loads(sys.argv[1])]
from conflictcli import cli
try:
    cli.main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


def loaded(*args: str) -> list[str]:
    code = PROBE.format(heavy=repr(HEAVY))
    p = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(args))],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return list(json.loads(p.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args, allowed",
    [
        (["--help"], set()),
        (["search", "--help"], set()),
        (["stats", "--json"], set()),
        (["show", str(SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt")], set()),
        (["show", str(SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt"), "--json"], set()),
        (["search", "Belgorod", "--json"], {"whoosh"}),
        (["search", "Belgorod", "--since", "2024-03", "--jsonl"], {"whoosh", "dateutil"}),
    ],
)
def test_commands_load_only_what_they_use(
    sample_archive: Path, args: list[str], allowed: set[str]
) -> None:
    got = set(
        loaded(*args, "--index", str(sample_archive)) if args[-1] != "--help" else loaded(*args)
    )
    assert got <= allowed, f"{args} loaded {sorted(got - allowed)}"


def test_an_unchanged_reingest_loads_no_engine_and_no_rich(run: Run, tmp_path: Path) -> None:
    archive = str(tmp_path / "archive")
    run("ingest", str(SAMPLE), "--index", archive, "--quiet")
    assert loaded("ingest", str(SAMPLE), "--index", archive, "--json") == []
    assert loaded("ingest", str(SAMPLE), "--index", archive) == []


def test_a_first_ingest_finds_stories_without_datasketch(tmp_path: Path) -> None:
    got = set(loaded("ingest", str(SAMPLE), "--index", str(tmp_path / "a"), "--json"))
    assert "numpy" in got  # the test can see the stories' imports
    assert got <= {"whoosh", "dateutil", "numpy"}, sorted(got)


def test_whoosh_loads_without_urllib_and_asyncio_and_they_still_import_after() -> None:
    code = """
import sys
import conflictcli.engine.whoosh.engine
from whoosh.reading import SegmentReader
print(sorted(m for m in ("urllib.request", "cached_property", "asyncio") if m in sys.modules))
import cached_property, urllib.request
print(callable(urllib.request.urlopen), cached_property.cached_property.__module__)
print(type(SegmentReader.__dict__["deleted_docs_set"]).__name__)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.stdout.split("\n")[:3] == ["[]", "True cached_property", "cached_property"], p.stderr


def test_whoosh_loads_without_its_word_forms_and_they_still_work() -> None:
    code = """
import sys
import conflictcli.engine.whoosh.engine
print("whoosh.lang.morph_en" in sys.modules)
from whoosh.query.terms import variations
print("pulling" in variations("pull"), sys.modules["whoosh.lang.morph_en"].__file__ is not None)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.stdout.split("\n")[:2] == ["False", "True True"], p.stderr
