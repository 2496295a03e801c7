"""The terminal as a person uses it (issue 32): results that fit one screen, `show`
through a pager, shell completion, `conflict open`. The screens are a real terminal's:
tmux (a server of its own, its socket in a folder of its own) runs bash at 80x24 or 200x24, the
keys are typed into it, and what it shows is read back with capture-pane."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, TEAM, as_json, invoke, write

pytestmark = pytest.mark.skipif(TEAM, reason="the terminal runs the archives' folders")
needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (apt-get install tmux; .ci/run installs it): these tests "
    "read the screen of a real terminal",
)
CONFLICT = f"{shlex.quote(sys.executable)} -m conflictcli"
PROMPT = "$ "
LONG_PARAGRAPHS = 60


class Screen:
    """A terminal of `width` x `height` running bash, in a tmux server of its own (its
    socket in a folder of its own, removed with it)."""

    def __init__(self, width: int, height: int = 24, env: dict[str, str] | None = None) -> None:
        self.folder = tempfile.mkdtemp(prefix="conflict-tmux-")  # short: a socket's path
        self.ran = 0
        env = {**os.environ, **(env or {})}
        env.pop("LESS", None)
        env.pop("TMUX", None)
        self._tmux(
            "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
            "bash --norc --noprofile", env=env,
        )  # fmt: skip
        self.type(f"PS1='{PROMPT}'; clear")  # bash sets its own, whatever the environment
        self.wait_for(lambda s: s.strip() == PROMPT.strip())

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-S", f"{self.folder}/socket", "-f", os.devnull, *args],
            capture_output=True, text=True, env=env, timeout=30,
        )  # fmt: skip
        return done.stdout

    def type(self, line: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", line)
        self._tmux("send-keys", "-t", "t", "Enter")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def text(self, escapes: bool = False) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t", *(["-e"] if escapes else []))

    def title(self) -> str:
        return self._tmux("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def wait_for(self, done: Callable[[str], bool], timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while True:
            shown = self.text()
            if done(shown) or time.monotonic() > end:
                return shown
            time.sleep(0.1)

    def run(self, command: str, timeout: float = 60) -> str:
        """Type `command` on a cleared screen; the screen once the prompt is back (its
        exit status on the line above it, with the count of the commands run)."""
        self.ran += 1
        self.type(f"clear; {command}; echo rc=$?.{self.ran}")
        done = re.compile(rf"^rc=\d+\.{self.ran}\s*\n\$\s*$", re.M)
        return self.wait_for(lambda s: bool(done.search(s)), timeout)

    def close(self) -> None:
        self._tmux("kill-server")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def screen() -> Iterator[Callable[..., Screen]]:
    opened: list[Screen] = []

    def make(width: int, height: int = 24, env: dict[str, str] | None = None) -> Screen:
        opened.append(Screen(width, height, env))
        return opened[-1]

    yield make
    for s in opened:
        s.close()


def _lines(shown: str) -> list[str]:
    return [line for line in shown.splitlines() if line.strip()]


README = (ROOT / "README.md").read_text("utf-8")


def _block(after: str, indent: str = "") -> list[str]:
    """The lines of the README's code block that follow the line `after`."""
    at = README.index(after + "\n") + len(after) + 1
    lines = README[at : README.index(f"{indent}```", at)].splitlines()
    return [re.sub(r"\(\d+ ms\)", "(N ms)", line[len(indent) :]) for line in lines]


def _screen_lines(shown: str) -> list[str]:
    return [re.sub(r"\(\d+ ms\)", "(N ms)", line.rstrip()) for line in _lines(shown)]


# -- an archive of our own: outlets, addresses, a long article, hostile text -----------------
def _long_body() -> str:
    return "\n\n".join(
        f"Paragraph {n} of the long report from Kupiansk: the shelling went on through the "
        f"night, and the repair crews worked on the lines at dawn (part {n})."
        for n in range(1, LONG_PARAGRAPHS + 1)
    )


ROWS = [  # date, title, url, source, text
    ("2024-01-02", "Shelling in Kupiansk damages houses", "https://example.org/kupiansk",
     "The Guardian", "Shelling hit Kupiansk overnight and damaged houses."),
    ("2024-01-03", "Drones over Kupiansk", "javascript:alert(document.cookie)",
     "Kyiv Independent", "Drones flew over Kupiansk at night."),
    ("2024-01-04", "Strike near Kupiansk hits a depot", "file:///etc/passwd",
     "Reuters", "A strike near Kupiansk hit a depot."),
    ("2024-01-05", "The long report from Kupiansk", "", "The Guardian", _long_body()),
]  # fmt: skip


@pytest.fixture(scope="module")
def outlets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An archive of four CSV rows with outlets and urls and a text file with escape
    sequences; the ids by the first word of their titles, and the archive as 'index'."""
    base = tmp_path_factory.mktemp("outlets")
    (base / "in").mkdir()
    with (base / "in" / "rows.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "title", "url", "source", "text"])
        w.writerows(ROWS)
    write(
        base / "in" / "evil.txt",
        " date 2024-01-06 Kupiansk \x1b]0;OWNED\x07 report \x1b[2J cleared \u202e reversed.\n",
    )
    index = str(base / "archive")
    r = invoke("ingest", str(base / "in"), "--index", index, "--quiet")
    assert r.exit_code == 0, r.stderr
    r = invoke("watch", "add", "kupiansk-watch", "Kupiansk", "--index", index)
    assert r.exit_code == 0, r.stderr
    found = as_json(invoke("search", "Kupiansk", "--json", "--all", "--index", index))
    ids = {h["title"].split()[0]: h["id"] for h in found["results"]}
    return {"index": index, **ids}


# -- one screen of results ---------------------------------------------------------------
@needs_tmux
def test_ten_results_fit_an_80_by_24_terminal(
    sample_archive: Path, screen: Callable[..., Screen]
) -> None:
    """The top ten (stories, as the terminal lists them) all on one screen, each with its
    id's first eight characters, the query's word marked, no line wrapped."""
    top = as_json(
        invoke(
            "search", "drone", "-n", "10", "--json", "--collapse", "--index", str(sample_archive)
        )
    )["results"]
    assert len(top) == 10
    s = screen(80, env={"CONFLICT_INDEX": str(sample_archive)})
    shown = s.run(f"{CONFLICT} search drone --limit 10")
    flat = " ".join(shown.split())
    seen = [h for h in top if " ".join(h["title"][:18].split()) in flat]
    assert len(seen) >= 8, shown
    assert all(h["id"][:8] in shown for h in top), shown
    assert "showing 1–10 of" in shown
    assert "\x1b[43m" in s.text(escapes=True) or "43m" in s.text(escapes=True)  # marked
    assert len(_lines(shown)) <= 24 and "snippet" not in shown  # no table header


@needs_tmux
def test_a_wide_terminal_gets_the_full_table(
    sample_archive: Path, screen: Callable[..., Screen]
) -> None:
    s = screen(200, env={"CONFLICT_INDEX": str(sample_archive)})
    shown = s.run(f"{CONFLICT} search drone --limit 5")
    assert max(len(line) for line in shown.splitlines()) > 120, shown
    header = next(line for line in shown.splitlines() if "snippet" in line)
    assert header.split() == ["#", "date", "id", "title", "snippet"]
    compact = s.run(f"{CONFLICT} search drone --limit 5 --compact")
    assert "snippet" not in compact and max(len(x) for x in compact.splitlines()) <= 200
    heads = [
        line for line in compact.splitlines() if re.match(r"\d \d{4}-\d\d-\d\d [0-9a-f]{8} ", line)
    ]
    assert len(heads) == 5 and len(_lines(compact)) <= 2 * 5 + 4  # the notes, rc, prompt


@needs_tmux
def test_wide_asks_for_the_full_table_on_a_narrow_terminal(
    sample_archive: Path, screen: Callable[..., Screen]
) -> None:
    s = screen(80, 60, env={"CONFLICT_INDEX": str(sample_archive)})
    shown = s.run(f"{CONFLICT} search drone --limit 2 --wide")
    assert "snippet" in shown and "title" in shown
    r = invoke("search", "drone", "--wide", "--compact", "--index", str(sample_archive))
    assert r.exit_code == 2 and "--wide or --compact" in r.stderr


@needs_tmux
def test_compact_results_keep_escape_sequences_off_the_terminal(
    outlets: dict[str, str], screen: Callable[..., Screen]
) -> None:
    """A title with OSC and CSI sequences and a bidirectional override: shown as
    escapes; the terminal's title and screen stay as they were."""
    s = screen(80, env={"CONFLICT_INDEX": outlets["index"]})
    s.type("echo still-here")
    shown = s.run(f"{CONFLICT} search Kupiansk --all")
    assert "\\x1b]0;OWNED\\x07" in shown and "\\u202e" in shown, shown
    assert s.title() != "OWNED"
    assert "1 2024-01-02" in " ".join(shown.split()) or "2024-01-02" in shown


def test_piped_results_are_the_full_table_whatever_the_layout(
    sample_archive: Path,
) -> None:
    """Into a pipe the table is as it was, with --compact or --wide alike."""
    env = {**os.environ, "COLUMNS": "80", "CONFLICT_INDEX": str(sample_archive)}
    outs = [
        subprocess.run(
            [sys.executable, "-m", "conflictcli", "search", "drone", "-n", "3", *extra],
            capture_output=True, text=True, env=env, cwd=ROOT,
        ).stdout
        for extra in ([], ["--compact"], ["--wide"])
    ]  # fmt: skip
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].split("\n")[1].split() == ["#", "date", "id", "title", "snippet"]


def test_a_snippet_cut_to_the_width_keeps_the_first_mark() -> None:
    from conflictcli.output import compact
    from conflictcli.records.search import Result, SearchResult

    text = "word " * 40 + "Kherson at the end of a long snippet"
    at = text.index("Kherson")
    r = Result("ab" * 8, "2024-01-02", "A title", "Reuters", None, None, 1.0, text,
               highlights=[(at, at + 7)], similar=3)  # fmt: skip
    res = SearchResult("Kherson", 1, 0, 10, 1.0, [r])
    first, second = compact.results(res, 60)
    assert first.plain.startswith("1 2024-01-02 abababab Reuters A title  +3 similar")
    assert "Kherson" in second.plain and second.cell_len <= 60
    assert any(second.plain[s.start : s.end] == "Kherson" for s in second.spans)


@needs_tmux
def test_readme_compact_screen_is_real(sample_archive: Path, screen: Callable[..., Screen]) -> None:
    s = screen(80, env={"CONFLICT_INDEX": str(sample_archive)})
    compact = _block("  $ conflict search drone --limit 4", "  ")
    assert _screen_lines(s.run(f"{CONFLICT} search drone --limit 4"))[:-2] == compact


# -- show through a pager ----------------------------------------------------------------
def _recording_pager(folder: Path) -> Path:
    """A pager that keeps what it is given, and LESS as it sees it."""
    script = folder / "pager.sh"
    script.write_text(f'#!/bin/sh\necho "LESS=$LESS" > {folder}/less\ncat > {folder}/paged\n')
    script.chmod(0o755)
    return script


@needs_tmux
def test_a_long_article_stops_in_less(
    outlets: dict[str, str], screen: Callable[..., Screen]
) -> None:
    s = screen(80, env={"CONFLICT_INDEX": outlets["index"]})
    s.type(f"clear; PAGER='less -R' {CONFLICT} show {outlets['The']}")
    shown = s.wait_for(lambda t: bool(_lines(t)) and _lines(t)[-1].startswith(":"))
    last = _lines(shown)[-1]
    assert last.startswith(":") or "(END)" in last, shown
    assert "Paragraph 1 of the long report" in shown and "(part 60)" not in shown
    s.keys("q")
    back = s.wait_for(lambda t: t.rstrip().endswith("$"))
    assert back.rstrip().endswith("$")


@needs_tmux
def test_the_pager_gets_the_text_and_git_s_less_options(
    outlets: dict[str, str], screen: Callable[..., Screen], tmp_path: Path
) -> None:
    pager = _recording_pager(tmp_path)
    s = screen(80, env={"CONFLICT_INDEX": outlets["index"], "PAGER": str(pager)})
    assert "rc=0" in s.run(f"{CONFLICT} show {outlets['The']}")
    paged = (tmp_path / "paged").read_text("utf-8")
    assert "(part 1)" in paged and "(part 60)" in paged and "The Guardian" in paged
    assert (tmp_path / "less").read_text().strip() == "LESS=FRX"
    s.run(f"LESS=-i {CONFLICT} show {outlets['The']}")
    assert (tmp_path / "less").read_text().strip() == "LESS=-i"  # the user's own kept


@needs_tmux
def test_no_pager_when_asked_piped_short_or_missing(
    outlets: dict[str, str], screen: Callable[..., Screen], tmp_path: Path
) -> None:
    pager = _recording_pager(tmp_path)
    s = screen(80, env={"CONFLICT_INDEX": outlets["index"], "PAGER": str(pager)})
    shown = s.run(f"{CONFLICT} show {outlets['The']} --no-pager")
    assert "(part 60)" in shown and "rc=0" in shown
    s.run(f"{CONFLICT} show {outlets['The']} | tail -1")
    s.run(f"{CONFLICT} show {outlets['Shelling']}")  # shorter than the screen
    assert not (tmp_path / "paged").exists()
    shown = s.run(f"PAGER=no-such-pager {CONFLICT} show {outlets['The']}")
    assert "rc=0" in shown and "(part 60)" in shown


@needs_tmux
def test_readme_pager_screen_is_real(sample_archive: Path, screen: Callable[..., Screen]) -> None:
    s = screen(80, env={"CONFLICT_INDEX": str(sample_archive)})
    s.type(f"clear; {CONFLICT} show 65aaeb0c")
    paged = s.wait_for(lambda t: bool(_lines(t)) and _lines(t)[-1].startswith(":"))
    tail = _block("screen ending:\n\n```")
    assert paged.rstrip().splitlines()[-len(tail) :] == tail
    s.keys("q")


# -- completion --------------------------------------------------------------------------
def complete(line: str, index: str | None = None, shell: str = "bash") -> list[str]:
    """What the shell gets at a Tab after `line`, asked as its script asks it."""
    env = {**os.environ, "_CONFLICT_COMPLETE": f"complete_{shell}"}
    if index is not None:
        env["CONFLICT_INDEX"] = index
    words = line.split()
    if shell == "bash":
        env.update(COMP_WORDS=line, COMP_CWORD=str(len(words) - (not line.endswith(" "))))
    else:
        env.update(_TYPER_COMPLETE_ARGS=line, _TYPER_COMPLETE_FISH_ACTION="get-args")
    done = subprocess.run(
        [sys.executable, "-m", "conflictcli"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_conflict_help_offers_completion_and_the_scripts_print() -> None:
    help_text = invoke("--help").stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text
    assert "completion" in help_text and "open" in help_text
    bash = invoke("completion", "bash").stdout
    assert "_CONFLICT_COMPLETE=complete_bash" in bash and "complete -o default" in bash
    assert "compdef _conflict_completion conflict" in invoke("completion", "zsh").stdout
    assert "complete --command conflict" in invoke("completion", "fish").stdout


def test_install_completion_writes_the_script_for_bash(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "conflictcli", "--install-completion", "bash"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "_CONFLICT_COMPLETE" in (tmp_path / ".bash_completions" / "conflict.sh").read_text()
    assert ".bash_completions/conflict.sh" in (tmp_path / ".bashrc").read_text()


def test_commands_options_sources_places_and_watches_complete(outlets: dict[str, str]) -> None:
    ix = outlets["index"]
    assert complete("conflict se", ix) == ["search", "serve"]
    assert {"--source", "--sort"} <= set(complete("conflict search x --so", ix))
    assert complete("conflict search x --source ", ix) == [
        "The Guardian", "Kyiv Independent", "Reuters",
    ]  # fmt: skip
    assert complete("conflict count x --source Re", ix) == ["Reuters"]
    assert complete("conflict search x --index " + ix + " --source Ky", None) == [
        "Kyiv Independent"
    ]
    places = complete("conflict search x --place Khar", ix)
    assert "Kharkiv" in places and all(p.startswith("Khar") for p in places)
    assert complete("conflict watch run ", ix) == ["kupiansk-watch"]
    assert complete("conflict watch rm kup", ix) == ["kupiansk-watch"]
    zsh = "\n".join(complete("conflict search x --source Re", ix, shell="zsh"))
    assert zsh.startswith("_arguments") and '"Reuters"' in zsh
    assert complete("conflict search x --source Re", ix, shell="fish") == ["Reuters"]


def test_no_archive_or_a_damaged_one_completes_nothing_quietly(tmp_path: Path) -> None:
    assert complete("conflict search x --source ", str(tmp_path / "none")) == []
    broken = tmp_path / "broken"
    write(broken / "catalogue.sqlite", "not a database at all")
    assert complete("conflict search x --source ", str(broken)) == []
    assert complete("conflict watch run ", str(broken)) == []


def test_the_last_search_s_ids_complete_show_open_and_similar(
    outlets: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from conflictcli import completing
    from conflictcli.output import console

    ix = outlets["index"]
    assert complete("conflict show ", ix) == []  # no search yet
    invoke("search", "Kupiansk", "--index", ix, "--json")  # not shown on a terminal
    assert complete("conflict show ", ix) == []
    # the output package keeps what it handed out once (its __getattr__): patch both
    import conflictcli.output as output

    monkeypatch.setattr(console, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True, raising=False)
    assert invoke("search", "Kupiansk", "--index", ix).exit_code == 0
    ids = complete("conflict show ", ix)
    assert outlets["Shelling"] in ids and len(ids) == 5
    assert complete(f"conflict open {outlets['Shelling'][:3]}", ix) == [outlets["Shelling"]]
    assert outlets["Shelling"] in complete("conflict similar ", ix)
    assert complete("conflict show ./", ix) == []  # a path: the shell's file names
    assert complete("conflict show ", str(tmp_path / "other")) == []  # another archive's
    zsh = "\n".join(complete("conflict show ", ix, shell="zsh"))
    assert f'"{outlets["Shelling"]}":"Shelling in Kupiansk damages houses"' in zsh
    # the file is read as untrusted: too large, or not what it should be, offers nothing
    path = completing.recent_path()
    key = json.loads(path.read_text())["archive"]
    for hostile in (
        "x" * (completing.RECENT_BYTES + 1),
        "[[[[" * 10_000,
        json.dumps(
            {"archive": key, "ids": [["../../etc", "t"], [1, 2], "x", ["abcdef0123456789"]]}
        ),
        json.dumps({"archive": key, "ids": {"a": 1}}),
    ):
        path.write_text(hostile)
        assert complete("conflict show ", ix) == []
    path.write_text(json.dumps({"archive": key, "ids": [["abcdef0123456789", "a\x1b[2Jb"]]}))
    assert completing.recent(ix) == [("abcdef0123456789", "a [2Jb")]  # no ESC


def test_readme_completion_example_is_real(sample_archive: Path) -> None:
    line = "conflict search drone --place Zaporizhzhia"
    example = _block(
        f'$ COMP_WORDS="{line}" COMP_CWORD=4 _CONFLICT_COMPLETE=complete_bash conflict'
    )
    assert complete(line, str(sample_archive)) == example


@needs_tmux
def test_readme_last_search_example_is_real(
    sample_archive: Path, screen: Callable[..., Screen]
) -> None:
    s = screen(80, env={"CONFLICT_INDEX": str(sample_archive)})
    belgorod = _block("$ conflict search Belgorod --limit 3")
    assert _screen_lines(s.run(f"{CONFLICT} search Belgorod --limit 3"))[:-2] == belgorod[:-2]
    assert belgorod[-1].split() == complete("conflict show ", str(sample_archive))


# -- conflict open -----------------------------------------------------------------------
def _open(ref: str, index: str, browser: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFLICT_INDEX": index, "BROWSER": browser, "DISPLAY": ""}
    return subprocess.run(
        [sys.executable, "-m", "conflictcli", "open", ref],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip


@pytest.fixture
def browser(tmp_path: Path) -> Callable[[], list[str]]:
    """BROWSER: a script that writes down each address it is given."""
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/opened\n')
    script.chmod(0o755)
    opened = tmp_path / "opened"

    def got() -> list[str]:
        return opened.read_text().splitlines() if opened.exists() else []

    got.path = str(script)  # type: ignore[attr-defined]
    return got


def test_open_hands_the_browser_the_url_or_the_file(
    outlets: dict[str, str], sample_archive: Path, browser: Callable[[], list[str]]
) -> None:
    script = browser.path  # type: ignore[attr-defined]
    r = _open(outlets["Shelling"][:8], outlets["index"], script)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert browser() == ["https://example.org/kupiansk"]
    assert "opening https://example.org/kupiansk" in r.stderr
    path = SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt"
    article = as_json(invoke("show", str(path), "--json", "--index", str(sample_archive)))["id"]
    r = _open(article[:8], str(sample_archive), script)  # sample_data has no urls: the file
    assert r.returncode == 0, r.stderr
    assert browser()[-1] == path.resolve().as_uri()


@pytest.mark.parametrize("title", ["Drones", "Strike"])
def test_open_refuses_what_is_not_a_web_address(
    outlets: dict[str, str], browser: Callable[[], list[str]], title: str
) -> None:
    """javascript: and file: from a source's metadata are never handed on: exit 1."""
    r = _open(outlets[title], outlets["index"], browser.path)  # type: ignore[attr-defined]
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "is not a web address (http or https)" in r.stderr and "not opened" in r.stderr
    assert browser() == []


def test_open_without_a_browser_says_what_to_do(outlets: dict[str, str], tmp_path: Path) -> None:
    r = _open(outlets["Shelling"], outlets["index"], str(tmp_path / "no-such-browser"))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "No web browser could be started" in r.stderr and "BROWSER" in r.stderr
