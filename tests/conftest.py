"""Every test runs against a real archive (catalogue + Whoosh index) on disk in a
temporary folder; no test touches the user's data."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from conflictcli.cli import app

# One key for the whole run, outside every test's data folder: archives built once per
# session are opened by many tests, each with its own XDG_DATA_HOME (keys.py's seals)
os.environ["CONFLICT_KEY_FILE"] = str(Path(tempfile.mkdtemp(prefix="conflict-key-")) / "key")
# and no test, session fixtures included, reads the user's config file or settings
os.environ["CONFLICT_CONFIG"] = str(Path(tempfile.mkdtemp(prefix="conflict-config-")) / "none.toml")
SETTINGS_ENV = ("CONFLICT_DAYFIRST", "CONFLICT_COLOR", "CONFLICT_PAGE_SIZE")
for _name in SETTINGS_ENV:
    os.environ.pop(_name, None)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


# CONFLICT_TEST_TEAM=1 (.ci/run): every archive a test names by its folder is a team
# archive instead, in a PostgreSQL schema of its own (team_url), on the test server
TEAM = os.environ.get("CONFLICT_TEST_TEAM", "") not in ("", "0")
_TEAM_BASE: list[str] = []  # the test server's URL, once it is started


def team_url(folder: str | Path) -> str:
    """The team archive that stands for the archive folder `folder` (team mode)."""
    import hashlib
    from urllib.parse import quote

    import psycopg

    assert _TEAM_BASE, "the team mode's server is not started"
    name = "t_" + hashlib.sha1(str(Path(folder).absolute()).encode()).hexdigest()[:20]
    with psycopg.connect(_TEAM_BASE[0], autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {name}")
    return f"{_TEAM_BASE[0]}?options={quote('-csearch_path=' + name)}"


def _team_args(args: tuple[str, ...]) -> list[str]:
    out = list(args)
    for k, a in enumerate(out[:-1]):
        if a in ("--index", "--from", "--to") and "://" not in out[k + 1]:
            out[k + 1] = team_url(out[k + 1])
    return out


@pytest.fixture(scope="session", autouse=TEAM)
def team_mode(request: pytest.FixtureRequest) -> None:
    """In team mode, the test server started once for the session."""
    if TEAM:
        _TEAM_BASE[:] = [request.getfixturevalue("postgres_server")]


def open_archive(folder: str | Path, create: bool = False) -> Any:
    """The archive a test made in `folder` (in team mode, the team archive for it)."""
    from conflictcli import team

    return team.open_archive(team_url(folder) if TEAM else Path(folder), create)


def only_folder(why: str) -> pytest.MarkDecorator:
    """A test of an archive in a folder (its files, its lock), skipped in team mode."""
    return pytest.mark.skipif(TEAM, reason=f"an archive in a folder only: {why}")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default archive, the data dir and the config file at a temporary
    folder (the config file is not there until a test writes it)."""
    archive = tmp_path / "archive"
    monkeypatch.setenv("CONFLICT_INDEX", team_url(archive) if TEAM else str(archive))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("CONFLICT_CONFIG", str(tmp_path / "config" / "conflict" / "config.toml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the last search's ids
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("CONFLICT_DEBUG", raising=False)
    return archive


Run = Callable[..., Result]


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    if TEAM:
        if env and "CONFLICT_INDEX" in env and "://" not in env["CONFLICT_INDEX"]:
            env = {**env, "CONFLICT_INDEX": team_url(env["CONFLICT_INDEX"])}
        return CliRunner().invoke(app, _team_args(args), env=env)
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
def archive(run: Run, tmp_path: Path) -> Path:
    """sample_data ingested into an archive of this test's own (to tamper with)."""
    folder = tmp_path / "archive"
    assert run("ingest", str(SAMPLE), "--index", str(folder), "--quiet").exit_code == 0
    return folder


class Evil:
    """Unpickled, it would create the file `path` (as a hostile archive runs a command)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.path}",))


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


def resolved(path: str | Path) -> str:
    """A path as the archive stores it: absolute, every symlink resolved. Paths compared
    in tests are resolved on both sides (../shared may be a link to elsewhere)."""
    return str(Path(path).resolve())


class ByPath(dict[str, dict[str, Any]]):
    """Metadata keyed by resolved article path; a look-up resolves the path it is given."""

    def __getitem__(self, path: str) -> dict[str, Any]:
        return super().__getitem__(resolved(path))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str | Path) and super().__contains__(resolved(path))

    def get(self, path: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(resolved(path), default)


@dataclass
class Corpus:
    """A real corpus from ../shared/corpora ingested into its own archive."""

    root: Path  # as reached from the repository: through ../shared, a link or not
    ix: str
    summary: dict[str, Any]
    meta: ByPath  # metadata.jsonl, keyed by resolved article path

    @property
    def files(self) -> list[Path]:
        """The corpus's articles, resolved (as the archive stores their paths)."""
        return sorted(p.resolve() for p in (self.root / "articles").glob("*.txt"))

    def run(self, *args: str) -> Result:
        return invoke(*args, "--index", self.ix)

    def search(self, *args: str) -> Any:
        return as_json(self.run("search", *args, "--json"))

    def search_all(self, *args: str) -> list[dict[str, Any]]:
        r = self.run("search", *args, "--jsonl", "--limit", "0")
        return [json.loads(line) for line in r.stdout.splitlines()]


ENGINE = os.environ.get("CONFLICT_ENGINE", "").strip().lower() or "whoosh"  # of new archives


def only_whoosh(why: str) -> pytest.MarkDecorator:
    """A test of the Whoosh engine itself (its files, its scoring), skipped when the
    suite runs on another engine (CONFLICT_ENGINE=tantivy: .ci/run); README says where
    the engines' results differ."""
    return pytest.mark.skipif(ENGINE != "whoosh" or TEAM, reason=f"Whoosh engine only: {why}")


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
    meta = ByPath()
    for line in (root / "metadata.jsonl").open(encoding="utf-8"):
        m = json.loads(line)
        meta[resolved(root / m["file"])] = m
    return Corpus(root, str(where), json.loads(r.stdout), meta)


# -- articles for the differential tests ----------------------------------------------
GENERATED_ARTICLES = 400  # enough for every differential test's counts


@dataclass(frozen=True)
class Articles:
    """A folder of article .txt files: a real corpus, or, where ../shared/corpora is absent,
    a corpus made by the benchmark's generator (bench/corpus.py, synthetic words)."""

    folder: Path
    real: bool

    @property
    def files(self) -> list[Path]:
        return sorted(self.folder.rglob("*.txt"))


def bench_corpus() -> ModuleType:
    """bench/corpus.py, the benchmark's corpus generator, imported from its file."""
    name = "bench_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "corpus.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def differential_articles(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Articles]:
    """differential_articles(REAL): the real folder REAL when it is here, else generated
    articles (GENERATED_ARTICLES of them, made once a session), so that the tests comparing
    conflict's fast paths with Whoosh's own run on every machine. A test adapts its counts
    to `.real`."""
    made: list[Path] = []

    def articles(real: Path) -> Articles:
        if real.is_dir():
            return Articles(real, real=True)
        if not made:
            out = tmp_path_factory.mktemp("differential") / "articles"
            bench_corpus().generate(
                out, GENERATED_ARTICLES, seed=24, source="synthetic", corpora=CORPORA
            )
            made.append(out)
        return Articles(made[0], real=False)

    return articles


# -- a folder the tests' process cannot write to -------------------------------------
def _can_write(folder: Path) -> bool:
    """Whether this process can create a file in FOLDER (os.access says yes to root)."""
    probe = folder / ".write-probe"
    try:
        probe.open("x").close()
    except OSError:
        return False
    probe.unlink()
    return True


def _chmod_tree(folder: Path, dirs: int, files: int) -> None:
    """Folders and files under FOLDER to these modes (symbolic links left alone)."""
    for root, _, names in os.walk(folder):
        for name in names:
            if not os.path.islink(path := os.path.join(root, name)):
                os.chmod(path, files)
        os.chmod(root, dirs)


def _mount(*args: str) -> str | None:
    """mount ARGS: None, or why it was refused."""
    try:
        done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]


ReadonlyDir = Callable[..., Path]


@pytest.fixture
def readonly_dir(tmp_path: Path) -> Iterator[ReadonlyDir]:
    """readonly_dir(content_from=None): a new folder, holding a copy of the folder
    CONTENT_FROM if given, that this process cannot write to: by its modes (folders 0o500,
    files 0o400) where they stop this process, else (root) by a read-only bind mount of
    the folder on itself, undone at teardown. Skips only where root may not mount (no
    CAP_SYS_ADMIN); fails if the folder can still be written to."""
    made: list[tuple[Path, bool]] = []  # (folder, mounted)

    def make(content_from: Path | None = None) -> Path:
        folder = Path(tempfile.mkdtemp(prefix="readonly-", dir=tmp_path))
        if content_from is not None:
            shutil.copytree(content_from, folder, symlinks=True, dirs_exist_ok=True)
        made.append((folder, False))
        _chmod_tree(folder, 0o500, 0o400)
        if _can_write(folder):  # root: modes stop no one with CAP_DAC_OVERRIDE
            _chmod_tree(folder, 0o700, 0o600)
            refused = _mount("--bind", str(folder), str(folder))
            if refused is None:
                made.append((folder, True))
                refused = _mount("-o", "remount,bind,ro", str(folder))
            if refused is not None:
                pytest.skip(f"root may not mount here, so no folder is read-only: {refused}")
            if _can_write(folder):
                pytest.fail(f"{folder} is mounted read-only, yet this process can write to it")
        return folder

    yield make
    for folder, mounted in reversed(made):
        if not mounted:
            _chmod_tree(folder, 0o700, 0o600)
        elif subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], capture_output=True)


UKRAINE_MEDIA = "ukraine-media-2022"


@pytest.fixture(scope="session")
def ukraine_media(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """ukraine-media-2022 (11,081 articles) ingested once for every module that needs it."""
    return ingest_corpus(tmp_path_factory, UKRAINE_MEDIA)


def interrupt_at_read(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Ctrl-C as an ingest in this process starts to read its n-th file."""
    from conflictcli import reading

    real_read = reading.read
    calls = {"n": 0}

    def read_then_interrupt(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real_read(*args, **kwargs)

    monkeypatch.setattr(reading, "read", read_then_interrupt)


# -- a real PostgreSQL server -------------------------------------------------------
POSTGRES_ENV = "CONFLICT_TEST_POSTGRES"  # a server's URL to test against (.ci/run sets it)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real PostgreSQL server's database: the one $CONFLICT_TEST_POSTGRES
    names, else one started for the session (tests/pgserver.py) with this machine's
    server binaries; without either, the test is skipped, saying so."""
    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    given = os.environ.get(POSTGRES_ENV)
    if given:
        yield given
        return
    sys.path.insert(0, str(ROOT / "tests"))
    import pgserver

    if pgserver.binaries() is None:
        pytest.skip(
            f"no PostgreSQL server: set {POSTGRES_ENV} to a database's URL, or install "
            "the server (apt-get install postgresql-15) and the tests start one"
        )
    folder = Path(tempfile.mkdtemp(prefix="conflict-pg-"))
    try:
        urls = pgserver.start(folder)
        yield urls[POSTGRES_ENV]
    finally:
        pgserver.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_schema(postgres_server: str) -> Iterator[Any]:
    """A connection to the test server whose search_path is a new, empty schema of its
    own (dropped after the test)."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = psycopg.connect(postgres_server, autocommit=True)
    conn.execute(f"CREATE SCHEMA {name}")
    conn.execute(f"SET search_path TO {name}")
    try:
        yield conn
    finally:
        conn.execute(f"DROP SCHEMA {name} CASCADE")
        conn.close()


# an article whose every field is an attack on a page (the reading room's tests)
HOSTILE = {
    "title": "Kherson <script>alert('pwn')</script> <b>bold</b> <img src=x onerror=alert(1)>",
    "text": "Kherson shelling <img src=x onerror=alert(2)> reported. "
    '<a href="javascript:alert(4)">click</a>',
    "url": "javascript:alert(3)",
    "source": "<i>Evil</i>",
    "date": "2024-03-01",
}


def sample_and_hostile(base: Path) -> Path:
    """An archive of sample_data and the HOSTILE article (evil.jsonl), in `base`."""
    (base / "in").mkdir()
    (base / "in" / "evil.jsonl").write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    where = base / "archive"
    for folder in (SAMPLE, base / "in"):
        r = invoke("ingest", str(folder), "--index", str(where), "--quiet")
        assert r.exit_code == 0, r.stderr
    return where
