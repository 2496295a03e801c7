"""The benchmark's result (the JSON object of bench/run.py) as Markdown."""

from __future__ import annotations

from typing import Any

REFS = (("naive_whoosh", "naive Whoosh"), ("fts5", "FTS5"), ("sqlite_utils", "sqlite-utils"))
ROWS = (  # figure, label; every figure is in the JSON, these are in the table
    ("ingest_articles_per_s", "ingest, articles/s"),
    ("ingest_mb_per_s", "ingest, MB/s"),
    ("peak_ingest_memory_mb", "peak ingest memory, MB"),
    ("archive_mb", "archive on disk, MB"),
    ("archive_x_raw_text", "archive ÷ raw text"),
    ("reingest_articles_per_s", "re-ingest unchanged, articles/s"),
    ("search_p50_ms", "search p50, ms"),
    ("search_p95_ms", "search p95, ms"),
    ("search_snippets_p50_ms", "search p50 with snippets (default JSON), ms"),
    ("search_snippets_p95_ms", "search p95 with snippets (default JSON), ms"),
    ("show_ms", "show, ms"),
    ("stats_ms", "stats, ms"),
    ("help_ms", "--help, ms"),
)
NO_RATIO = frozenset({"archive_x_raw_text"})  # same ratios as archive_mb


def num(x: float | None) -> str:
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def span(s: dict[str, Any] | None) -> str:
    if s is None:
        return "–"
    if len(s["runs"]) == 1:
        return num(s["median"])
    return f"{num(s['median'])} [{num(s['min'])}–{num(s['max'])}]"


def _runs(n: int) -> str:
    return "1 run" if n == 1 else f"{n} runs"


def _git(g: dict[str, Any]) -> str:
    if not g.get("commit"):
        return "not in a git checkout"
    text = f"commit `{g['commit'][:12]}`"
    if g.get("pythonpath"):
        text += f", with PYTHONPATH={g['pythonpath']}"
    elif g.get("conflictcli_modified"):
        text += ", conflictcli/ modified in the working tree"
    return text


def _took(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s} s" if m else f"{s} s"


def _corpus(c: dict[str, Any]) -> str:
    size = f"{c['articles']:,} files, {c['bytes'] / 1e6:.1f} MB of raw text"
    if c["kind"] != "generated":
        return f"the folder `{c['path']}`, {size}"
    if c["source"] == "real":
        origin = (
            f"paragraphs of {c['source_files']:,} real articles "
            f"({len(c['source_folders'])} corpora under ../shared/corpora)"
        )
    else:
        origin = "the built-in synthetic generator"
    return f"generated from {origin}, seed {c['seed']}, sha256 `{c['sha256'][:16]}…`; {size}"


def markdown(res: dict[str, Any]) -> str:
    m = res["machine"]
    su = res["references"]["sqlite_utils"]
    tools = f"Python {m['python']}, SQLite {m['sqlite']}, Whoosh-Reloaded {m['whoosh']}, "
    tools += f"sqlite-utils {su['version']}" if su["available"] else "sqlite-utils missing"
    figs = res["figures"]
    lines = [
        f"## conflict benchmark: N = {res['n']:,} articles",
        "",
        f"- **Date**: {res['started']} (the run took {_took(res['took_s'])})",
        f"- **Machine**: {m['platform']}, {m['cpus']} CPUs; {tools}",
        f"- **conflict**: {_git(res.get('git') or {})}",
        f"- **Corpus**: {_corpus(res['corpus'])}; the archive holds "
        f"{res['archive_articles'] or 0:,} articles",
        f"- **Runs**: each figure is the median [min–max] of {_runs(res['repeat'])}; a ratio is "
        "conflict's median ÷ the reference's median. Times are whole processes except the "
        "naive Whoosh and FTS5 ingests and FTS5 searches (in-process: the engine alone).",
        "",
        "| figure | conflict | naive Whoosh | FTS5 | sqlite-utils | conflict ÷ reference |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, label in ROWS:
        fig = figs[name]
        cells = [span(fig.get("conflict")), *(span(fig.get(ref)) for ref, _ in REFS)]
        rat = res["ratios"][name]
        ratio_text = (
            ""
            if name in NO_RATIO
            else " · ".join(f"{num(rat[ref])}× {title}" for ref, title in REFS if rat.get(ref))
        )
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio_text} |")

    lines += ["", "| target | conflict | met |", "|---|---:|---|"]
    for t in res["targets"]:
        if t["value"] is None:
            value, met = "–", "n/a (reference missing)"
        else:
            value = f"{num(t['value'])}×" if t["reference"] else num(t["value"])
            met = "met" if t["met"] else "**not met**"
        lines.append(f"| {t['target']} | {value} | {met} |")

    lines += [
        "",
        "conflict ms: `--json --fields id,date,title,path`, the columns sqlite-utils prints; "
        "with snippets: the default `--json`.",
        "",
        "| query (`conflict search`) | FTS5 MATCH | total | FTS5 total "
        "| conflict ms | with snippets ms | sqlite-utils ms | ÷ | FTS5 in-process ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for q in res["queries"]:
        args = " ".join(q["conflict_args"])
        ratio = q["ratio_to_sqlite_utils"]
        lines.append(
            f"| `{args}` | `{q['fts5_match']}` | {num(q['total'])} | {num(q['fts5_total'])} "
            f"| {span(q['conflict_ms'])} | {span(q.get('conflict_snippets_ms'))} "
            f"| {span(q['sqlite_utils_ms'])} "
            f"| {num(ratio) + '×' if ratio else '–'} | {span(q['fts5_ms'])} |"
        )
    lines.append("")
    if not su["available"]:
        lines.append(f"sqlite-utils reference missing: {su['reason']}.")
    if res["checks_failed"]:
        lines += ["**Checks failed:**", *(f"- {msg}" for msg in res["checks_failed"])]
    else:
        lines.append("Checks: all passed.")
    return "\n".join(lines)
