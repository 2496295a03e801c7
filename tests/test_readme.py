"""The README's promises: the Quickstart, the JSON schemas, the exit codes."""

from __future__ import annotations

import re

from conftest import ROOT

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
    ]:  # fmt: skip
        assert f'"{key}"' in README or f"`{key}`" in README, key


def test_exit_codes_are_documented() -> None:
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in README
