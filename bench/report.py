"""The benchmark's result (the JSON object of bench/run.py) as Markdown."""

from __future__ import annotations

from typing import Any

REFS = (
    ("naive_whoosh", "naive Whoosh"),
    ("fts5", "FTS5"),
    ("sqlite_utils", "sqlite-utils"),
    ("tantivy", "tantivy alone"),
    ("whoosh_engine", "Whoosh engine"),  # conflict's own, beside --engine postgres
)
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
    # issue 29
    ("ingest_s", "ingest, s"),
    ("ingest_cpu_s", "ingest CPU (with its workers), s"),
    ("bytes_written_mb", "bytes written by the ingest (write_bytes), MB"),
    ("bytes_written_x_archive", "bytes written ÷ archive"),
    ("wchar_mb", "bytes passed to write() (wchar), MB"),
    ("ingest_rate_first_tenth", "ingest rate, first tenth of the run, articles/s"),
    ("ingest_rate_last_tenth", "ingest rate, last tenth, articles/s"),
    ("ingest_rate_last_x_first", "ingest rate, last tenth ÷ first"),
    ("places_ms", "places (no query), ms"),
    ("timeline_ms", "timeline of the common term, ms"),
    ("count_ms", "count of the common term, ms"),
    ("all_ids_ms", "all ids of the common term (--jsonl --fields id -n 0), ms"),
    ("all_ids_inprocess_ms", "all ids of the common term in one process, ms"),
    ("search_inprocess_p50_ms", "search p50 in one process, ms"),
    ("search_inprocess_p95_ms", "search p95 in one process, ms"),
)
# same ratios as another figure, or a ratio already
NO_RATIO = frozenset({"archive_x_raw_text", "bytes_written_x_archive", "ingest_rate_last_x_first"})


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
    tv = res["references"].get("tantivy") or {}
    tools += f", tantivy-py {tv['version']}" if tv.get("available") else ", tantivy-py missing"
    figs = res["figures"]
    engine = res.get("engine") or {"name": "whoosh", "ingest_option": False}
    refs = [(k, t) for k, t in REFS if k != "whoosh_engine" or _has(res, k)]
    lines = [
        f"## conflict benchmark: N = {res['n']:,} articles",
        "",
        f"- **Date**: {res['started']} (the run took {_took(res['took_s'])})",
        f"- **Machine**: {m['platform']}, {m['cpus']} CPUs; {tools}",
        f"- **conflict**: {_git(res.get('git') or {})}; engine **{engine['name']}**"
        + ("" if engine["ingest_option"] else " (no `ingest --engine` in this conflict)"),
        f"- **Corpus**: {_corpus(res['corpus'])}; the archive holds "
        f"{res['archive_articles'] or 0:,} articles",
        f"- **Runs**: each figure is the median [min–max] of {_runs(res['repeat'])}; a ratio is "
        "conflict's median ÷ the reference's median. Times are whole processes except the "
        "naive Whoosh and FTS5 ingests and FTS5 searches (in-process: the engine alone); "
        "tantivy alone: whole processes but for its search in one process.",
        *_scale_notes(res),
        "",
        "| figure | conflict | " + " | ".join(t for _, t in refs) + " | conflict ÷ reference |",
        "|---|---:|" + "---:|" * len(refs) + "---|",
    ]
    for name, label in ROWS:
        fig = figs.get(name) or {}
        if not any(fig.get(ref) for ref in ("conflict", *(r for r, _ in refs))):
            continue  # not measured in this run (null in the JSON)
        cells = [span(fig.get("conflict")), *(span(fig.get(ref)) for ref, _ in refs)]
        rat = res["ratios"][name]
        ratio_text = (
            ""
            if name in NO_RATIO
            else " · ".join(f"{num(rat[ref])}× {title}" for ref, title in refs if rat.get(ref))
        )
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio_text} |")

    lines += ["", "| target | conflict | met |", "|---|---:|---|"]
    for t in res["targets"]:
        if t.get("issue") and t is next(x for x in res["targets"] if x.get("issue")):
            lines.append(f"| *issue {t['issue']}, at the N it names:* | | |")
        if t["value"] is None:
            value = "–"
            met = "n/a (reference missing)" if t["reference"] else "n/a (not measured)"
        else:
            value = f"{num(t['value'])}×" if t["reference"] else num(t["value"])
            met = "met" if t["met"] else "**not met**"
        lines.append(f"| {t['target']} | {value} | {met} |")

    lines += _query_table(res)
    lines.append("")
    if not su["available"]:
        lines.append(f"sqlite-utils reference missing: {su['reason']}.")
    for key, title in refs:
        ref = res["references"].get(key) or {}
        if key != "sqlite_utils" and ref and not ref.get("available"):
            lines.append(f"{title} reference missing: {ref.get('reason')}.")
    if res["checks_failed"]:
        lines += ["**Checks failed:**", *(f"- {msg}" for msg in res["checks_failed"])]
    else:
        lines.append("Checks: all passed.")
    return "\n".join(lines)


def _query_table(res: dict[str, Any]) -> list[str]:
    """Each query's totals and times; the Whoosh engine's where it ran (--engine postgres)."""
    whoosh = _has(res, "whoosh_engine")
    lines = [
        "",
        "conflict ms: `--json --fields id,date,title,path`, the columns sqlite-utils prints; "
        "with snippets: the default `--json`.",
        "",
        "| query (`conflict search`) | FTS5 MATCH | total | FTS5 total | tantivy total "
        + ("| Whoosh engine total " if whoosh else "")
        + "| conflict ms | with snippets ms | sqlite-utils ms | ÷ | FTS5 in-process ms "
        "| tantivy ms |" + (" Whoosh engine ms |" if whoosh else ""),
        "|---|---|" + "---:|" * (11 if whoosh else 9),
    ]
    for q in res["queries"]:
        args = " ".join(q["conflict_args"])
        ratio = q["ratio_to_sqlite_utils"]
        lines.append(
            f"| `{args}` | `{q['fts5_match']}` | {num(q['total'])} | {num(q['fts5_total'])} "
            f"| {num(q.get('tantivy_total'))} "
            + (f"| {num(q.get('whoosh_engine_total'))} " if whoosh else "")
            + f"| {span(q['conflict_ms'])} | {span(q.get('conflict_snippets_ms'))} "
            f"| {span(q['sqlite_utils_ms'])} "
            f"| {num(ratio) + '×' if ratio else '–'} | {span(q['fts5_ms'])} "
            f"| {span(q.get('tantivy_ms'))} |"
            + (f" {span(q.get('whoosh_engine_ms'))} |" if whoosh else "")
        )
    return lines


def _has(res: dict[str, Any], ref: str) -> bool:
    return bool((res["references"].get(ref) or {}).get("available"))


def _team_notes(res: dict[str, Any]) -> list[str]:
    """--engine postgres: the server, and what the Whoosh engine's column is."""
    server = res.get("postgres")
    if not server:
        return []
    return [
        f"- **PostgreSQL**: {server['version']}, {server['server']}; conflict's archive of "
        "each round is a team archive (`--index postgresql://…`), a fresh schema; its size "
        "is what `conflict stats` gives (the schema's tables and indexes); bytes written and "
        "peak memory are the client's alone (the server writes the archive)",
        "- **Whoosh engine**: conflict's own archive on the Whoosh engine (a folder), "
        "ingested and queried with the same commands in the same run; "
        "a ratio to it is postgres ÷ Whoosh engine",
    ]


def _scale_notes(res: dict[str, Any]) -> list[str]:
    """Issue 29's lines under the header: the common term, bytes written, the rate curve."""
    out = _team_notes(res)
    term = res.get("common_term") or {}
    if term.get("hits") is not None:
        share = f" ({term['share']:.0%} of the archive)" if term.get("share") else ""
        out.append(
            f"- **Common term**: `{term['term']}` in {term['hits']:,} articles{share}; "
            f"FTS5 (porter) matches {num(term.get('fts5_hits'))}"
        )
    io = res.get("io_accounting") or {}
    if io:
        verdict = (
            "a parent that waited for a child counts what it and its threads, children and "
            "workers wrote (checked on this machine)"
            if io.get("holds")
            else f"**not trustworthy here**: {io.get('reason')}"
        )
        out.append(f"- **Bytes written**: /proc io accounting; {verdict}")
    for curve in res.get("rate_curves") or []:
        rates = " · ".join(f"{m['articles_per_s']:,.0f}" for m in curve["per_minute"])
        ratio = curve.get("last_x_first")
        out.append(
            f"- **Ingest rate, round {curve['round']}** (articles/s, a minute each; the "
            f"catalogue counted every {res.get('poll_s', 2):g} s): {rates}; first tenth "
            f"{curve['first_tenth']:,.0f}, last tenth {curve['last_tenth']:,.0f}"
            + (f" ({ratio:.2f}×)" if ratio else "")
        )
    return out
