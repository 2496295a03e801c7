"""The command line as a whole: help, archive location, errors, exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conflictcli import __version__
from conflictcli.archive import Archive
from conflictcli.errors import ExitCode

from conftest import ROOT, SAMPLE, Run, as_json, interrupt_at_read, write

COMMANDS = ["ingest", "search", "show", "stats"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(run: Run, command: str) -> None:
    for flag in ("--help", "-h"):
        r = run(command, flag)
        assert r.exit_code == 0
        assert "Example: conflict " + command in r.stdout
        assert "--index" in r.stdout


def test_no_arguments_shows_help(run: Run) -> None:
    r = run()
    assert "ingest" in r.stdout + r.stderr and "search" in r.stdout + r.stderr


def test_python_m_conflictcli() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "conflictcli", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 0 and "search" in r.stdout


def test_the_console_script_builds_the_command_run_and_still_knows_them_all(
    sample_archive: Path,
) -> None:
    """main() gives Typer only the command named first (the rest cost start-up); any
    other start lists, suggests and runs as before, and the app is whole after."""

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "conflictcli", *args],
            capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "CONFLICT_INDEX": str(sample_archive)},
        )  # fmt: skip

    top = cli("--help").stdout
    assert all(c in top for c in ("ingest", "search", "export", "watch", "places"))
    assert "--any" in cli("search", "--help").stdout
    assert cli("search", "drone", "--json", "--fields", "id").returncode == 0
    assert cli("watch", "list", "--json").returncode == 0
    typo = cli("serch", "drone")
    assert typo.returncode == 2 and "Did you mean 'search'" in typo.stderr
    assert cli("--version").stdout.startswith("conflict ")
    probe = (  # how many commands Typer was given to build, and how many the app has after
        "import sys, typer.main\nfrom conflictcli import cli\nbuilt = []\n"
        "whole = typer.main.get_group\n"
        "def spy(t):\n    built.append(len(t.registered_commands))\n    return whole(t)\n"
        "typer.main.get_group = spy\nsys.argv = ['conflict', 'stats', '--json']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print(built[0], len(cli.app.registered_commands), len(cli.app.registered_groups))"
    )
    whole = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "CONFLICT_INDEX": str(sample_archive)},
    )  # fmt: skip
    from conflictcli.cli import app

    assert whole.stdout.split()[-3:] == ["1", str(len(app.registered_commands)), "1"], whole.stderr


@pytest.mark.parametrize("command", [["search", "Kyiv"], ["show", "abcdef"], ["stats"]])
def test_missing_archive(run: Run, tmp_path: Path, command: list[str]) -> None:
    where = tmp_path / "nowhere"
    r = run(*command, "--index", str(where))
    assert r.exit_code == 1
    assert r.stderr == f"Error: No archive at {where}. Run 'conflict ingest <folder>' first.\n"
    assert not where.exists()


def test_archive_location_env_option_and_default(run: Run, tmp_path: Path, isolated: Path) -> None:
    run("ingest", str(SAMPLE / "other"), "--quiet")  # CONFLICT_INDEX
    assert (isolated / "catalogue.sqlite").exists()
    other = tmp_path / "other-archive"
    run("ingest", str(SAMPLE / "ukraine"), "--quiet", "--index", str(other))
    assert as_json(run("stats", "--json", "--index", str(other)))["articles"] == 7
    env_less = {"CONFLICT_INDEX": None}
    r = run("ingest", str(SAMPLE / "ukraine"), "--quiet", env=env_less)
    assert r.exit_code == 0
    assert (tmp_path / "data" / "conflict" / "catalogue.sqlite").exists()  # XDG_DATA_HOME


def test_debug_shows_the_traceback(run: Run, tmp_path: Path) -> None:
    quiet = run("search", "Kyiv", "--index", str(tmp_path / "none"))
    assert "Traceback" not in quiet.stderr
    loud = run("search", "Kyiv", "--index", str(tmp_path / "none"), env={"CONFLICT_DEBUG": "1"})
    assert loud.exit_code == 1 and "Traceback" in loud.stderr


def test_interrupted_ingest_leaves_the_archive_as_it_was(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("ingest", str(SAMPLE / "other"), "--quiet")
    before = as_json(run("stats", "--json"))
    with monkeypatch.context() as m:
        interrupt_at_read(m, 3)
        r = run("ingest", str(SAMPLE), "--quiet")
    assert r.exit_code == 130 and "Interrupted" in r.stderr
    after = as_json(run("stats", "--json"))
    assert after["articles"] == before["articles"] == 5
    s = as_json(run("ingest", str(SAMPLE), "--json"))
    assert s["added"] == len(list(SAMPLE.rglob("*.txt"))) - 5 and s["unchanged"] == 5
    assert as_json(run("search", "*", "--json", "--limit", "0"))["total"] == s["articles"]


def test_unexpected_errors_are_reported_as_bugs(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "in" / "a.txt", " date 2024-01-01 Text.\n")
    from conflictcli import reading

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(reading, "read", broken)
    r = run("ingest", str(tmp_path / "in"))
    assert r.exit_code == 1 and "boom" in r.stderr and "CONFLICT_DEBUG=1" in r.stderr
    assert "Traceback" not in r.stderr


def test_search_reads_while_an_ingest_writes(run: Run, isolated: Path) -> None:
    run("ingest", str(SAMPLE), "--quiet")
    writer = Archive.open(isolated)
    with writer.writing(wait=0), writer.engine.writer():
        writer.store.begin()  # an ingest in the middle of its batch holds every lock
        found = run("search", "Belgorod", "--json")
        assert found.exit_code == 0 and as_json(found)["total"] > 0
        t0 = time.monotonic()
        second = run("ingest", str(SAMPLE), "--wait", "0.5")
        assert time.monotonic() - t0 >= 0.5  # it waited, then gave up
        assert second.exit_code == 1 and "Traceback" not in second.stderr
        assert f"archive is busy: ingest by PID {os.getpid()} since " in second.stderr
        assert "--wait SECONDS" in second.stderr
        writer.store.rollback()
    writer.close()


def test_a_second_ingest_waits_for_the_first(run: Run, isolated: Path) -> None:
    run("ingest", str(SAMPLE), "--quiet")
    writer = Archive.open(isolated)
    held = threading.Event()

    def first() -> None:
        with writer.writing(wait=0):
            held.set()
            time.sleep(1.5)

    thread = threading.Thread(target=first)
    thread.start()
    held.wait()
    t0 = time.monotonic()
    second = run("ingest", str(SAMPLE), "--wait", "30", "--json")
    thread.join()
    writer.close()
    assert second.exit_code == 0 and time.monotonic() - t0 >= 1.0
    assert as_json(second)["unchanged"] == 50


def test_a_lock_left_by_a_killed_ingest_is_not_waited_for(run: Run, isolated: Path) -> None:
    run("ingest", str(SAMPLE), "--quiet")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from conflictcli.archive import Archive\n"
            "a = Archive.open(Path(sys.argv[1]))\n"
            "with a.writing(wait=0):\n    print('held', flush=True); time.sleep(60)",
            str(isolated),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    busy = run("ingest", str(SAMPLE), "--wait", "0")
    assert busy.exit_code == 1 and f"ingest by PID {holder.pid}" in busy.stderr
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    t0 = time.monotonic()
    after = run("ingest", str(SAMPLE), "--wait", "0", "--json")
    assert after.exit_code == 0 and time.monotonic() - t0 < 30


def test_version(run: Run) -> None:
    r = run("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"conflict {__version__}"


@pytest.mark.parametrize("fmt", ["--jsonl", "--csv", "--json"])
def test_a_closed_pipe_ends_quietly(sample_archive: Path, fmt: str) -> None:
    cmd = [sys.executable, "-m", "conflictcli", "search", "*", fmt, "--limit", "0"]
    p = subprocess.Popen(
        [*cmd, "--index", str(sample_archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader is gone before anything is written
    err = p.stderr.read().decode()
    assert p.wait() == 0, err
    assert "Error" not in err and "Traceback" not in err


def test_a_crash_has_its_own_exit_code_and_a_traceback_only_when_asked(
    run: Run, sample_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (an exception that is no ConflictError) exits 70, apart from 'nothing
    found' (1): one Error line without CONFLICT_DEBUG, the traceback with it."""

    def broken(self: Archive) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Archive, "stats", broken)
    r = run("stats", "--index", str(sample_archive))
    assert r.exit_code == ExitCode.BUG == 70
    assert r.stderr.startswith("Error: Unexpected RuntimeError: boom")
    assert "CONFLICT_DEBUG=1" in r.stderr and "Traceback" not in r.stderr
    probe = (  # the console script, as a user runs it
        "import sys\nfrom conflictcli.archive import Archive\nfrom conflictcli import cli\n"
        "def broken(self):\n    raise RuntimeError('boom')\n"
        "Archive.stats = broken\nsys.argv = ['conflict', 'stats']\ncli.main()\n"
    )
    for debug in ("", "1"):
        p = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "CONFLICT_INDEX": str(sample_archive), "CONFLICT_DEBUG": debug},
        )  # fmt: skip
        assert p.returncode == 70, p.stderr
        assert ("Traceback" in p.stderr) is bool(debug) and "boom" in p.stderr, p.stderr


def test_every_exit_code_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {code.value} |" in readme, code
