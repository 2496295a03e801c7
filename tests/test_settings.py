"""Settings, `conflict config` and `conflict where`, --quiet, and the notes a watch
says once: a value comes from the command line, else the environment, else the config
file, else conflict's default; a config file that cannot be read is named with its line
and key (exit 2, no traceback); --quiet leaves stderr empty of notes on every command
that prints them; a watch run from cron shows a note once.

The settings are read before any engine is asked, so the tests of them are not marked
`engine`; those that search (the notes, --quiet, watches) are, and run again on tantivy
and on PostgreSQL (.ci/run)."""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, TEAM, Run, as_json, only_folder, team_url, write

SENTENCE = "Zelensky says Ukraine will NOT give up Donbas"  # read as words, with a note


def config_path() -> Path:
    return Path(os.environ["CONFLICT_CONFIG"])


def setting(run: Run, key: str, **env: str | None) -> dict[str, object]:
    got = as_json(run("config", key, "--json", env=env or None))["settings"]
    assert len(got) == 1
    return dict(got[0])


# -- where each value comes from --------------------------------------------------------
@pytest.mark.parametrize(
    "cli, env, file", list(itertools.product([None, "cli"], [None, "env"], [None, "file"]))
)
def test_the_archive_comes_from_the_option_the_environment_the_file_the_default(
    run: Run, tmp_path: Path, cli: str | None, env: str | None, file: str | None
) -> None:
    if file:
        assert run("config", "archive", str(tmp_path / file)).exit_code == 0
    args = ["--index", str(tmp_path / cli)] if cli else []
    r = run("where", "archive", *args, env={"CONFLICT_INDEX": str(tmp_path / env) if env else None})
    assert r.exit_code == 0, r.stderr
    default = tmp_path / "data" / "conflict"  # XDG_DATA_HOME
    chosen = next((tmp_path / v for v in (cli, env, file) if v), default)
    assert r.stdout == f"{chosen}\n"


@pytest.mark.parametrize(
    "cli, env, file",
    list(itertools.product([None, "1"], [None, "2"], [None, "3"])),
)
def test_a_search_lists_a_page_of_the_option_the_environment_the_file_the_default(
    run: Run, sample_archive: Path, cli: str | None, env: str | None, file: str | None
) -> None:
    if file:
        assert run("config", "page_size", file).exit_code == 0
    args = ["-n", cli] if cli else []
    r = run(
        "search", "drone", "--jsonl", "--fields", "id", *args, "--index", str(sample_archive),
        env={"CONFLICT_PAGE_SIZE": env},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert len(r.stdout.splitlines()) == int(next((v for v in (cli, env, file) if v), "10"))


DAYFIRST = {None: [], True: ["--dayfirst"], False: ["--no-dayfirst"]}


@pytest.mark.parametrize(
    "cli, env, file", list(itertools.product([None, True, False], [None, "1", "0"], [None, True]))
)
def test_dates_are_read_day_first_as_the_option_the_environment_the_file_say(
    run: Run, sample_archive: Path, cli: bool | None, env: str | None, file: bool | None
) -> None:
    if file is not None:
        assert run("config", "dayfirst", str(file).lower()).exit_code == 0
    r = run(
        "count", "Kyiv", "--since", "03/04/2024", *DAYFIRST[cli], "--index", str(sample_archive),
        env={"CONFLICT_DAYFIRST": env},
    )  # fmt: skip
    first = next((v for v in (cli, env == "1" if env else None, file) if v is not None), False)
    read = "2024-04-03, 3 April (day first)" if first else "2024-03-04, 4 March (month first)"
    assert f"--since 03/04/2024 read as {read}" in r.stderr


@pytest.mark.parametrize(
    "file, env, no_color, cli, escapes",
    [
        ("always", None, None, None, True),
        ("always", "never", None, None, False),  # the environment wins over the file
        ("never", "always", None, None, True),
        ("always", None, "1", None, False),  # NO_COLOR wins over the file
        ("always", "always", "1", None, False),  # and over CONFLICT_COLOR
        ("never", None, "1", "always", True),  # the command line wins over everything
        (None, None, None, None, False),  # auto: no colour into a pipe
    ],
)
def test_colour_comes_from_the_option_no_color_the_environment_the_file(
    run: Run,
    sample_archive: Path,
    file: str | None,
    env: str | None,
    no_color: str | None,
    cli: str | None,
    escapes: bool,
) -> None:
    if file:
        assert run("config", "color", file).exit_code == 0
    args = ["--color", cli] if cli else []
    r = run(
        "search", "drone", "-n", "1", *args, "--index", str(sample_archive),
        env={"CONFLICT_COLOR": env, "NO_COLOR": no_color},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert ("\x1b[" in r.stdout) is escapes


def test_config_says_where_each_value_comes_from(run: Run, tmp_path: Path) -> None:
    write(config_path(), "# mine\npage_size = 25\ncolor = 'never'\n")
    r = run("config", env={"CONFLICT_DAYFIRST": "yes", "NO_COLOR": None})
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"# {config_path()}"
    assert [re.sub(r"\s+#", "  #", line) for line in lines[1:]] == [
        f'archive = "{tmp_path / "archive"}"  # environment: CONFLICT_INDEX',
        "dayfirst = true  # environment: CONFLICT_DAYFIRST",
        'color = "never"  # config file, line 3',
        "page_size = 25  # config file, line 2",
    ]
    assert len({line.index("#") for line in lines[1:]}) == 1  # the sources in a column
    rows = as_json(run("config", "--json"))
    assert rows["config_file"] == str(config_path())
    assert [(s["key"], s["value"], s["source"], s["variable"], s["line"]) for s in rows["settings"]] == [
        ("archive", str(tmp_path / "archive"), "environment", "CONFLICT_INDEX", None),
        ("dayfirst", False, "default", None, None),
        ("color", "never", "config", None, 3),
        ("page_size", 25, "config", None, 2),
    ]  # fmt: skip


def test_config_set_get_and_unset_round_trip_keeping_the_file_s_other_lines(run: Run) -> None:
    write(config_path(), '# my settings\ncolor = "never"  # for the logs\n')
    assert run("config", "page_size", "25").stderr == f"page_size = 25 written to {config_path()}\n"
    assert run("config", "page_size").stdout == "25\n"
    assert run("config", "dayfirst", "YES").exit_code == 0
    assert run("config", "dayfirst").stdout == "true\n"
    assert setting(run, "page_size") == {
        "key": "page_size", "value": 25, "source": "config", "variable": None, "line": 3,
    }  # fmt: skip
    assert run("config", "page_size", "30").exit_code == 0  # the same line, changed
    assert config_path().read_text("utf-8") == (
        '# my settings\ncolor = "never"  # for the logs\npage_size = 30\ndayfirst = true\n'
    )
    r = run("config", "--unset", "page_size")
    assert r.exit_code == 0 and r.stderr == f"page_size removed from {config_path()}\n"
    assert setting(run, "page_size")["source"] == "default"
    assert run("config", "page_size").stdout == "10\n"
    again = run("config", "--unset", "page_size")
    assert again.exit_code == 0 and again.stderr == f"page_size is not set in {config_path()}\n"
    assert config_path().read_text("utf-8") == (
        '# my settings\ncolor = "never"  # for the logs\ndayfirst = true\n'
    )
    assert run("config", "--unset", "color", "-q").stderr == ""


def test_a_new_config_file_is_made_for_this_user_alone_and_a_link_stays_a_link(
    run: Run, tmp_path: Path
) -> None:
    assert not config_path().exists()
    assert run("config", "color", "never").exit_code == 0
    assert config_path().stat().st_mode & 0o777 == 0o600  # a team URL may hold a password
    assert config_path().read_text("utf-8").endswith('\ncolor = "never"\n')
    dotfiles = write(tmp_path / "dotfiles" / "conflict.toml", "page_size = 5\n")
    config_path().unlink()
    config_path().symlink_to(dotfiles)
    assert run("config", "page_size", "6").exit_code == 0
    assert config_path().is_symlink() and dotfiles.read_text("utf-8") == "page_size = 6\n"


def test_a_relative_archive_typed_is_kept_whole_and_a_team_url_without_its_password(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("config", "archive", "news").exit_code == 0
    assert setting(run, "archive", CONFLICT_INDEX=None)["value"] == str(tmp_path / "news")
    url = "postgresql://ana:s3cret@db.example/desk"
    r = run("config", "archive", url)
    assert r.exit_code == 0 and "s3cret" not in r.stderr
    assert "s3cret" in config_path().read_text("utf-8")
    for shown in (
        run("config", env={"CONFLICT_INDEX": None}),
        run("where", "--json", env={"CONFLICT_INDEX": url}),
    ):
        assert shown.exit_code == 0, shown.stderr
        assert "s3cret" not in shown.stdout and "postgresql://ana" in shown.stdout


# -- a config file is input from outside ----------------------------------------------------
BAD_FILES = [
    ("page_size = 25\ncolour = 'never'\n", "line 2: 'colour' is not a setting (did you mean color?)."),
    ("page_size = '25'\n", 'line 1: page_size = "25" is not a whole number from 0 to 1,000,000.'),
    ("page_size = -1\n", "line 1: page_size = -1 is not a whole number"),
    ("dayfirst = 'yes'\n", 'line 1: dayfirst = "yes" is not true or false.'),
    ("color = 'blue'\n", 'line 1: color = "blue" is not auto, always or never.'),
    ("archive = 'news'\n", "line 1: archive = \"news\" is a relative folder"),
    ("archive = ''\n", "line 1: archive = \"\" is not a folder or a team archive's URL."),
    ("\n\npage_size = = 3\n", "line 3: the config file is not TOML (invalid value)."),
    ("page_size = 3\npage_size = 4\n", "line 2: the config file is not TOML (cannot overwrite a value)."),
    ("[search]\nlimit = 3\n", "line 1: search is a table or a list: conflict's settings are key = value lines of one value each."),
    ("color = 'never\n", "line 1: the config file is not TOML"),
    ("color = ['never']\n", "line 1: color is a table or a list"),
    ("a.b = 1\n", "line 1: a is a table or a list"),
    ("page_size = 3\ncolor = \xff\n", "line 2: the config file is not UTF-8 text."),
]  # fmt: skip


@pytest.mark.parametrize("text, said", BAD_FILES)
def test_a_config_file_that_cannot_be_read_is_named_with_its_line_and_key(
    run: Run, sample_archive: Path, text: str, said: str
) -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_bytes(
        text.encode("utf-8") if "\xff" not in text else text.encode("latin-1")
    )
    for r in (run("config"), run("search", "drone", "--index", str(sample_archive))):
        assert r.exit_code == 2, r.stdout
        assert r.stdout == "" and "Traceback" not in r.stderr
        assert r.stderr.startswith(f"Error: {config_path()}, {said}"), r.stderr
        assert r.stderr.count("\n") == 1


def test_config_mends_what_it_can_and_refuses_the_rest(run: Run) -> None:
    write(config_path(), "page_size = 25\ncolour = 'never'\n")
    assert run("config", "--unset", "colour").exit_code == 0  # an unknown key can go
    assert config_path().read_text("utf-8") == "page_size = 25\n"
    assert run("config").exit_code == 0
    write(config_path(), "x = = 1\n")
    r = run("config", "page_size", "3")  # a file that is not TOML is not written over
    assert r.exit_code == 2 and "line 1: the config file is not TOML" in r.stderr
    assert config_path().read_text("utf-8") == "x = = 1\n"


def test_a_config_file_too_large_or_no_file_is_refused(run: Run) -> None:
    write(config_path(), "# " + "x" * 70_000 + "\n")
    r = run("config")
    assert r.exit_code == 2 and "more than 65,536" in r.stderr and "Traceback" not in r.stderr
    config_path().unlink()
    config_path().mkdir()
    r = run("where")
    assert r.exit_code == 2 and "is not a regular file" in r.stderr


@pytest.mark.parametrize(
    "args, said",
    [
        (["page_size", "many"], "Error: page_size 'many' is not a whole number from 0 to 1,000,000. Example: conflict config page_size 25"),
        (["colour", "never"], "Error: 'colour' is not a setting (did you mean color?). The settings: archive, dayfirst, color, page_size."),
        (["dayfirst", "sometimes"], "Error: dayfirst 'sometimes' is not true or false."),
        (["pagesize"], "Error: 'pagesize' is not a setting (did you mean page_size?)."),
        (["page_size", "--unset", "color"], "Error: Give --unset KEY alone."),
    ],
)  # fmt: skip
def test_a_bad_value_given_to_config_is_refused_and_nothing_written(
    run: Run, args: list[str], said: str
) -> None:
    r = run("config", *args)
    assert r.exit_code == 2 and r.stderr.startswith(said), r.stderr
    assert not config_path().exists()


@pytest.mark.parametrize(
    "variable, value, said",
    [
        ("CONFLICT_PAGE_SIZE", "lots", "Error: CONFLICT_PAGE_SIZE='lots' is not a whole number from 0 to 1,000,000. Give it a value such as 25, or unset it."),
        ("CONFLICT_COLOR", "blue", "Error: CONFLICT_COLOR='blue' is not auto, always or never."),
        ("CONFLICT_DAYFIRST", "maybe", "Error: CONFLICT_DAYFIRST='maybe' is not true or false."),
    ],
)  # fmt: skip
def test_a_bad_environment_variable_is_named(
    run: Run, sample_archive: Path, variable: str, value: str, said: str
) -> None:
    for r in (
        run("config", env={variable: value}),
        run("count", "drone", "--index", str(sample_archive), env={variable: value}),
    ):
        assert r.exit_code == 2 and r.stderr.startswith(said), r.stderr


def test_help_runs_with_a_config_file_that_cannot_be_read(run: Run) -> None:
    write(config_path(), "x = = 1\n")
    assert run("--help").exit_code == 0
    assert run("config", "--help").exit_code == 0


# -- where --------------------------------------------------------------------------------
def test_where_names_the_archive_the_config_file_and_the_key(run: Run, tmp_path: Path) -> None:
    key = os.environ["CONFLICT_KEY_FILE"]
    archive = tmp_path / "archive"
    r = run("where", env={"CONFLICT_INDEX": str(archive)})
    assert r.exit_code == 0
    assert r.stdout == f"archive: {archive}\nconfig: {config_path()}\nkey: {key}\n"
    assert as_json(run("where", "--json", env={"CONFLICT_INDEX": str(archive)})) == {
        "schema": 1, "archive": str(archive), "config": str(config_path()), "key": key,
    }  # fmt: skip
    assert run("where", "config").stdout == f"{config_path()}\n"
    assert (
        run("where", "key", "--json").stdout
        == json.dumps({"schema": 1, "key": key}, indent=2) + "\n"
    )
    wrong = run("where", "index")
    assert wrong.exit_code == 2 and "'index' is not one of archive, config, key" in wrong.stderr
    assert not archive.exists() and not config_path().exists()  # where makes nothing


def test_where_follows_the_platform_s_folders(run: Run, tmp_path: Path) -> None:
    r = run("where", env={"CONFLICT_INDEX": None, "CONFLICT_CONFIG": None})
    assert r.stdout.splitlines()[:2] == [
        f"archive: {tmp_path / 'data' / 'conflict'}",  # XDG_DATA_HOME
        f"config: {tmp_path / 'config' / 'conflict' / 'config.toml'}",  # XDG_CONFIG_HOME
    ]


def test_the_console_script_prints_where_the_archive_is_and_config_exits_0(tmp_path: Path) -> None:
    env = {**os.environ, "CONFLICT_INDEX": str(tmp_path / "my archive")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "conflictcli", *args],
            capture_output=True, text=True, cwd=ROOT, env=env,
        )  # fmt: skip

    where = cli("where")
    assert where.returncode == 0 and str(tmp_path / "my archive") in where.stdout
    assert cli("config").returncode == 0


# -- the config's archive -------------------------------------------------------------------
def test_the_config_s_archive_is_the_one_searched(
    run: Run, sample_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONFLICT_INDEX")
    archive = team_url(sample_archive) if TEAM else str(sample_archive)
    assert run("search", "drone").exit_code == 1  # the default archive: none yet
    assert run("config", "archive", archive).exit_code == 0
    r = run("search", "drone", "--json", "-n", "2")
    assert r.exit_code == 0, r.stderr
    assert as_json(r)["total"] > 2 and len(as_json(r)["results"]) == 2
    assert run("stats", "--json").exit_code == 0


# -- --quiet ------------------------------------------------------------------------------
def _an_id(run: Run, ix: str) -> str:
    return str(
        as_json(run("search", "drone", "--json", "-n", "1", "--index", ix))["results"][0]["id"]
    )


@pytest.mark.engine
def test_quiet_leaves_stderr_empty_on_every_command_that_prints_notes(
    run: Run, archive: Path, tmp_path: Path
) -> None:
    ix = str(archive)
    one = _an_id(run, ix)
    assert run("watch", "add", "z", SENTENCE, "--index", ix).exit_code == 0
    commands: dict[str, tuple[list[str], bool | None]] = {  # and whether it says a note
        "search": (["search", SENTENCE], True),
        "search --json": (["search", SENTENCE, "--json"], True),
        "count": (["count", SENTENCE, "--since", "03/04/2024"], True),
        "timeline": (["timeline", SENTENCE, "--since", "03/04/2024"], True),
        "places": (["places", "Kyiv", "--since", "03/04/2024"], True),
        "count --by": (["count", "Kyiv", "--by", "source"], True),
        "export": (["export", SENTENCE, "-o", str(tmp_path / "out.jsonl")], True),
        "show": (["show", one], False),
        "similar": (["similar", one], None),
        "dupes": (["dupes"], True),
        "watch run": (["watch", "run", "--peek"], True),
        "watch list": (["watch", "list"], False),
    }
    for name, (args, notes) in commands.items():
        loud = run(*args, "--index", ix)
        assert notes is None or bool(loud.stderr) is notes, (name, loud.stderr)
        quiet = run(*args, "--quiet", "--index", ix)
        assert quiet.stderr == "", (name, quiet.stderr)
        assert quiet.stdout == loud.stdout or name == "search --json", name  # the data as it was
        assert quiet.exit_code == loud.exit_code, name
    assert run("watch", "add", "y", "drone", "-q", "--index", ix).stderr == ""


@pytest.mark.engine
def test_quiet_keeps_errors(run: Run, sample_archive: Path) -> None:
    r = run("search", "NOT", "-q", "--index", str(sample_archive))
    assert r.exit_code == 2 and r.stderr.startswith("Error: ")


@only_folder("the console script on an archive of sample_data in a folder")
def test_the_console_script_s_quiet_search_writes_nothing_on_stderr(sample_archive: Path) -> None:
    env = {**os.environ, "CONFLICT_INDEX": str(sample_archive)}
    args = [sys.executable, "-m", "conflictcli", "search", SENTENCE]
    loud = subprocess.run(args, capture_output=True, text=True, env=env)
    assert "NOT as a word" in loud.stderr
    quiet = subprocess.run([*args, "--quiet"], capture_output=True, text=True, env=env)
    assert quiet.stderr == "" and quiet.returncode == loud.returncode


# -- a watch's notes, once ------------------------------------------------------------------
@pytest.mark.engine
def test_a_watch_run_shows_a_note_once_and_a_new_note_again(run: Run, archive: Path) -> None:
    ix = str(archive)
    assert run("watch", "add", "z", SENTENCE, "--index", ix).exit_code == 0
    note = "z: Read NOT as a word"
    assert run("watch", "run", "--peek", "--index", ix).stderr.startswith(note)  # not marked
    assert run("watch", "run", "-q", "--index", ix).stderr == ""  # not shown: not marked
    first = run("watch", "run", "--index", ix)
    assert first.exit_code == 0 and first.stderr.startswith(note)
    assert first.stderr.count("\n") == 1
    assert run("watch", "run", "--index", ix).stderr == ""
    assert run("watch", "run", "z", "--json", "--index", ix).stderr == ""
    other = "Residents say the army will NOT leave Kharkiv"
    assert run("watch", "add", "k", other, "--index", ix).exit_code == 0
    second = run("watch", "run", "--index", ix)  # another watch, its own note: once
    assert second.stderr.startswith("k: Read NOT as a word") and second.stderr.count("\n") == 1
    assert run("watch", "run", "--index", ix).stderr == ""
    _catalogue(archive, "UPDATE watch_notes SET note = 'a note of before' WHERE name = 'z'")
    assert run("watch", "run", "--index", ix).stderr.startswith(note)  # a note not shown yet
    assert run("watch", "rm", "z", "--index", ix).exit_code == 0  # its notes go with it
    assert run("watch", "add", "z", SENTENCE, "--index", ix).exit_code == 0
    assert run("watch", "run", "z", "--index", ix).stderr.startswith(note)


@pytest.mark.engine
def test_an_archive_made_before_notes_were_kept_keeps_them_from_its_next_run_or_ingest(
    run: Run, archive: Path
) -> None:
    """A catalogue whose watches have no table of notes (made by an older conflict): a
    folder's makes it at the next run that shows one; a team archive's at its next
    ingest (until then its notes show as before)."""
    ix = str(archive)
    assert run("watch", "add", "z", SENTENCE, "--index", ix).exit_code == 0
    _catalogue(archive, "DROP TABLE IF EXISTS watch_notes")
    assert run("watch", "list", "--index", ix).exit_code == 0
    assert run("watch", "run", "--index", ix).stderr.startswith("z: Read NOT as a word")
    if TEAM:
        assert run("watch", "run", "--index", ix).stderr.startswith("z: Read NOT as a word")
        assert run("ingest", str(SAMPLE), "-q", "--index", ix).exit_code == 0  # upgrades
        assert run("watch", "run", "--index", ix).stderr.startswith("z: Read NOT as a word")
    assert run("watch", "run", "--index", ix).stderr == ""
    assert run("check", "--index", ix).exit_code == 0
    assert run("watch", "rm", "z", "--index", ix).exit_code == 0


def _catalogue(folder: Path, sql: str) -> None:
    """SQL run on the catalogue of the archive a test made in `folder`."""
    if TEAM:
        import psycopg

        with psycopg.connect(team_url(folder), autocommit=True) as conn:
            conn.execute(sql)
        return
    conn = sqlite3.connect(folder / "catalogue.sqlite")
    conn.execute(sql)
    conn.commit()
    conn.close()
