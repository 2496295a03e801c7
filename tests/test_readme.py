"""The README's promises: the Quickstart, the JSON schemas, the exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, Run, as_json

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_lines() -> list[str]:
    m = re.search(r"^## Quickstart\s*\n+```\w*\n(.*?)```", README, re.S | re.M)
    assert m, "README needs a Quickstart heading followed by a code block"
    return [line for line in m.group(1).splitlines() if line.strip()]


def test_quickstart_has_two_commands_and_ci_runs_the_second() -> None:
    lines = quickstart_lines()
    assert len(lines) == 2
    assert "sample_data" in lines[0] and 'conflict search "Belgorod drones"' in lines[0]
    assert "pytest" in lines[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines[1] in ci


def test_json_fields_are_documented() -> None:
    for key in [
        "added", "updated", "unchanged", "removed", "skipped", "warnings", "took_s",
        "query", "total", "offset", "limit", "took_ms", "results", "id", "date", "title",
        "source", "url", "path", "score", "snippet", "highlights", "partial", "paths", "body",
        "articles", "first_date", "last_date", "by_month", "index_bytes", "last_ingest",
        "ignored", "what", "files", "reason", "operator_words", "read_as", "notes", "parsed",
        "op", "role", "children", "text", "fields", "first", "last", "cluster", "similar",
        "stories_count", "threshold", "stories", "members", "count", "by", "groups", "key",
        "buckets", "period", "undated", "peaks", "places", "place", "kind",
        "dry_run", "removed", "read_again", "kept", "regrouped", "not_found", "ref",
    ]:  # fmt: skip
        assert f'"{key}"' in README or f"`{key}`" in README, key


def test_exit_codes_are_documented() -> None:
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in README


def readme_json() -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", README, re.S)]


def test_readme_json_examples_match_real_output(run: Run, sample_archive: Path) -> None:
    ix = ["--index", str(sample_archive)]
    real = {
        "ingest": as_json(run("ingest", str(SAMPLE), "--json", *ix)),
        "search": as_json(run("search", "Belgorod drones", "--any", "--json", "-n", "7", *ix)),
        "stats": as_json(run("stats", "--json", *ix)),
        "show": as_json(
            run("show", str(SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt"), "--json", *ix)
        ),
        "dupes": as_json(run("dupes", "--json", *ix)),
    }
    examples = {
        "ingest": next(x for x in readme_json() if "added" in x),
        "search": next(x for x in readme_json() if "results" in x),
        "stats": next(x for x in readme_json() if "by_month" in x),
        "show": next(x for x in readme_json() if "body" in x),
        "dupes": next(x for x in readme_json() if "stories_count" in x),
    }
    for name, example in examples.items():
        assert set(example) == set(real[name]), name
    full, partial = examples["search"]["results"]
    real_results = real["search"]["results"]
    assert set(full) == set(real_results[0]) and "partial" not in full
    some = next(x for x in real_results if x.get("partial"))
    assert set(partial) == set(some) and partial["partial"] is True
    assert examples["dupes"] == real["dupes"]  # the sample's one story, as it is
    assert set(examples["ingest"]["skipped"][0]) == {"path", "reason"}
    assert set(examples["ingest"]["ignored"][0]) == set(real["ingest"]["ignored"][0])


def test_readme_explain_example_is_real_output(run: Run, sample_archive: Path) -> None:
    example = next(x for x in readme_json() if "parsed" in x)
    args = ["--since", "2024-01", "--explain", "--json", "--index", str(sample_archive)]
    assert as_json(run("search", example["query"], *args)) == example


def test_readme_exit_codes_name_what_this_tool_does() -> None:
    for case in ("a page past the last result", "an ingest that read nothing", "--since` after"):
        assert case in README


def test_readme_count_timeline_and_places_examples_are_real_output(
    run: Run, sample_archive: Path
) -> None:
    ix = ["--index", str(sample_archive)]
    real = [
        as_json(run("count", "Kyiv", "--by", "year", "--json", *ix)),
        as_json(run("timeline", "Kyiv", "--by", "year", "--json", *ix)),
        as_json(run("places", "drone", "-n", "2", "--json", *ix)),
    ]
    for example in real:
        assert example in readme_json(), example
    assert {"query": "Kyiv", "count": real[0]["count"]} == as_json(
        run("count", "Kyiv", "--json", *ix)
    )
    assert f'{{"query": "Kyiv", "count": {real[0]["count"]}}}' in README


def test_readme_export_example_is_real_output(
    run: Run, sample_archive: Path, tmp_path: Path
) -> None:
    ix = ["--index", str(sample_archive)]
    r = run(
        "export", "drone", "--since", "2024-03", "-f", "csv", "-o", str(tmp_path / "d.csv"), *ix
    )
    assert f"wrote {r.stderr.split()[1]} articles to drone.csv" in README
    dates = [
        json.loads(x)["date"]
        for x in run("export", "drone", "--fields", "id,date,title", *ix).stdout.splitlines()
    ]
    assert "jq -r .date | head -3\n" + "\n".join(dates[:3]) + "\n```" in README


def test_readme_excel_examples_are_real_output(
    run: Run, sample_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = ["--index", str(sample_archive)]
    for args, name in ((["-f", "xlsx"], "drone.xlsx"), (["-f", "csv", "--excel"], "drone.csv")):
        target = tmp_path / name
        r = run("export", "drone", "--since", "2024-03", *args, "-o", str(target), *ix)
        assert r.exit_code == 0
        assert f"$ conflict export drone --since 2024-03 {' '.join(args)} -o {name}" in README
        assert f"\nwrote {r.stderr.split()[1]} articles to {name}\n" in README
    head = (tmp_path / "drone.csv").read_bytes()[:16]
    octal = " ".join(f"{b:3o}" if b > 127 else f"  {chr(b)}" for b in head)
    assert f"| od -c\n0000000 {octal}\n0000020\n" in README
    from conflictcli.output import console

    monkeypatch.setattr(console, "stdout_is_terminal", lambda: True)
    refused = run("export", "drone", "-f", "xlsx", *ix)
    assert refused.exit_code == 2
    assert f"$ conflict export drone -f xlsx\n{refused.stderr}```" in README


def test_readme_similar_within_batch_and_watch_examples_are_real_output(
    run: Run, sample_archive: Path, tmp_path: Path
) -> None:
    ix = ["--index", str(sample_archive)]
    titles = [
        json.loads(x)["title"]
        for x in run("similar", "be705dc1", "-n", "3", "--jsonl", *ix).stdout.splitlines()
    ]
    assert "jq -r .title     # on sample_data\n" + "\n".join(titles) + "\n```" in README
    snippets = [
        json.loads(x)["snippet"]
        for x in run(
            "search", "Belgorod drones", "--within", "sentence", "--jsonl", *ix
        ).stdout.splitlines()
    ]
    assert "jq -r .snippet | head -1\n" + snippets[0] + "\n```" in README
    queries = tmp_path / "q.txt"
    queries.write_text("Kyiv\n# a comment\ndrone\n", "utf-8")
    table = run("search", "--from-file", str(queries), "--count", *ix).stdout
    assert "--from-file - --count\n" + table + "```" in README
    copy = tmp_path / "ix"
    import shutil

    shutil.copytree(sample_archive, copy)
    added = run("watch", "add", "kyiv", "Kyiv", "--since", "2024-01", "--index", str(copy))
    assert "conflict watch add kyiv Kyiv --since 2024-01\n" + added.stderr in README


def _as_in_readme(text: str) -> str:
    """Output as README shows it: the repository's folder as /home/me/conflict."""
    return text.replace(str(ROOT), "/home/me/conflict")


def test_readme_rm_examples_are_real_output(run: Run, archive: Path, tmp_path: Path) -> None:
    dry = run("rm", str(SAMPLE / "other"), "--dry-run")
    assert dry.exit_code == 0
    assert "$ conflict rm sample_data/other --dry-run\n" + _as_in_readme(dry.stderr) in README
    one = str(SAMPLE / "2024-03-27-belgorod-power-lines-drone.txt")
    done = run("rm", one, "0123abcd")
    assert done.exit_code == 1
    told = _as_in_readme(done.stderr)
    assert f"$ conflict rm sample_data/{Path(one).name} 0123abcd\n{told}```" in README
    other = tmp_path / "other-archive"
    assert run("ingest", str(SAMPLE), "--index", str(other), "--quiet").exit_code == 0
    real = json.loads(
        _as_in_readme(run("rm", one, "0123abcd", "--json", "--index", str(other)).stdout)
    )
    example = next(x for x in readme_json() if "dry_run" in x)
    assert example | {"took_s": real["took_s"]} == real


def test_readme_dupes_query_examples_are_real_output(run: Run, sample_archive: Path) -> None:
    ix = ["--index", str(sample_archive)]
    table = run("dupes", "drone", "--since", "2024-03", *ix)
    assert f"$ conflict dupes drone --since 2024-03\n{table.stdout}{table.stderr}```" in README
    real = as_json(run("dupes", "drone", "--since", "2024-03", "--json", *ix))
    assert real in readme_json() and real["query"] == "drone"


def test_the_sample_articles_come_out_in_one_command(run: Run, archive: Path) -> None:
    after_quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert "`conflict rm sample_data/`" in after_quickstart
    r = run("rm", str(SAMPLE) + "/", "--json")
    assert r.exit_code == 0 and as_json(r)["removed"] == 50
    assert as_json(run("stats", "--json"))["articles"] == 0
    assert run("check").exit_code == 0


def test_readme_config_and_where_examples_are_real_output(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The examples of Settings, run as a user whose home is /home/ana (here a folder
    of the test's, named so once run; the columns of `conflict config` line up again)."""
    home = tmp_path / "ana"
    for name in ("CONFLICT_INDEX", "CONFLICT_CONFIG", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONFLICT_KEY_FILE", str(home / ".local" / "share" / "conflict-key"))
    monkeypatch.setenv("HOME", str(home))

    def shown(line: str, *args: str, env: dict[str, str] | None = None) -> str:
        r = run(*args, env=env)
        out = (r.stdout + r.stderr).replace(str(home), "/home/ana")
        return f"$ {line}\n" + re.sub(r" +#", "  #", out)

    said = [
        shown("conflict config page_size 25", "config", "page_size", "25"),
        shown("conflict config dayfirst yes", "config", "dayfirst", "yes"),
        shown("conflict config", "config"),
        shown(
            "CONFLICT_PAGE_SIZE=5 conflict config page_size",
            *("config", "page_size"),
            env={"CONFLICT_PAGE_SIZE": "5"},
        ),
        shown("conflict config --unset dayfirst", "config", "--unset", "dayfirst"),
    ]
    readme = re.sub(r" +#", "  #", README)  # the columns of `conflict config`
    assert "```\n" + "".join(said) + "```" in readme
    config = home / ".config" / "conflict" / "config.toml"
    config.write_text('page_size = 25\ncolour = "never"\n', "utf-8")
    assert "```\n" + shown("conflict search Kyiv", "search", "Kyiv") + "```" in readme
    config.unlink()
    assert "```\n" + shown("conflict where", "where") + "$ du -sh" in readme
