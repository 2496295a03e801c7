"""Every test runs against a real archive (catalogue + Whoosh index) on disk in a
temporary folder; no test touches the user's data."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from conflictcli.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default archive and the data dir at a temporary folder."""
    archive = tmp_path / "archive"
    monkeypatch.setenv("CONFLICT_INDEX", str(archive))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("CONFLICT_DEBUG", raising=False)
    return archive


Run = Callable[..., Result]


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def run() -> Run:
    return invoke


def as_json(result: Result) -> Any:
    assert result.stdout, f"no stdout; stderr: {result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sample_data ingested once; tests that only read use it through --index."""
    where = tmp_path_factory.mktemp("sample") / "archive"
    result = invoke("ingest", str(SAMPLE), "--index", str(where), "--quiet")
    assert result.exit_code == 0, result.stderr
    return where


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A writable copy of sample_data."""
    dest = tmp_path / "articles"
    shutil.copytree(SAMPLE, dest)
    return dest


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Corpus:
    """A real corpus from ../shared/corpora ingested into its own archive."""

    root: Path
    ix: str
    summary: dict[str, Any]
    meta: dict[str, dict[str, Any]]  # metadata.jsonl, keyed by absolute article path

    @property
    def files(self) -> list[Path]:
        return sorted((self.root / "articles").glob("*.txt"))

    def run(self, *args: str) -> Result:
        return invoke(*args, "--index", self.ix)

    def search(self, *args: str) -> Any:
        return as_json(self.run("search", *args, "--json"))

    def search_all(self, *args: str) -> list[dict[str, Any]]:
        r = self.run("search", *args, "--jsonl", "--limit", "0")
        return [json.loads(line) for line in r.stdout.splitlines()]


def needs_corpus(name: str) -> pytest.MarkDecorator:
    where = CORPORA / name / "articles"
    return pytest.mark.skipif(
        not where.is_dir(),
        reason=f"real corpus not here: {where} (it lives in ../shared beside the repository)",
    )


def ingest_corpus(factory: pytest.TempPathFactory, name: str) -> Corpus:
    root = CORPORA / name
    where = factory.mktemp(name) / "archive"
    r = invoke("ingest", str(root / "articles"), "--index", str(where), "--json", "--quiet")
    assert r.exit_code == 0, r.stderr
    meta = {}
    for line in (root / "metadata.jsonl").open(encoding="utf-8"):
        m = json.loads(line)
        meta[str((root / m["file"]).resolve())] = m
    return Corpus(root, str(where), json.loads(r.stdout), meta)


UKRAINE_MEDIA = "ukraine-media-2022"


@pytest.fixture(scope="session")
def ukraine_media(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """ukraine-media-2022 (11,081 articles) ingested once for every module that needs it."""
    return ingest_corpus(tmp_path_factory, UKRAINE_MEDIA)


def interrupt_at_read(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Ctrl-C as an ingest in this process starts to read its n-th file."""
    from conflictcli import ingest as ingest_module

    real_read = ingest_module.read
    calls = {"n": 0}

    def read_then_interrupt(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real_read(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "read", read_then_interrupt)
