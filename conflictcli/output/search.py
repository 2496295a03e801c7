"""The rendering of search and of what gives pages of results like it: --explain,
queries from a file (--from-file), watches and their runs, similar, export."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO, cast

from conflictcli.choices import Format, Layout
from conflictcli.errors import UsageError
from conflictcli.output import console, data
from conflictcli.output.console import (
    cell,
    csv_writer,
    emit,
    emit_json,
    emit_json_rows,
    emit_jsonl,
    flag,
    marked,
    note,
    safe,
)
from conflictcli.output.data import JSON_SCHEMA_VERSION, RESULT_FIELDS

if TYPE_CHECKING:
    from rich.text import Text

    from conflictcli.engine.records import Explanation, Node
    from conflictcli.records.search import Result, SearchResult, Suggestion, Watch


def search_results(
    res: SearchResult,
    fmt: Format,
    fields: list[str] | None = None,
    layout: Layout = Layout.auto,
) -> None:
    """A page of results; with `fields` (search --fields; not for the table) each
    record has only those, in that order; `layout`: the table's on a terminal."""
    for n in res.notes:
        note(n)
    if fmt is Format.csv and fields is None:  # every field but highlights, partial always
        fields = [*RESULT_FIELDS, "partial", *(["similar"] if res.collapsed else [])]
    if fields is not None and fmt is not Format.table:
        _chosen_results(res, fmt, fields)
    elif fmt is Format.json:
        emit_json_rows(data.search_head(res), "results", map(data.result, res.results))
    elif fmt is Format.jsonl:
        emit_jsonl(map(data.result, res.results))
    else:
        search_table(res, layout)
    _search_notes(res, fmt)


def _chosen_results(res: SearchResult, fmt: Format, fields: list[str]) -> None:
    records = (data.chosen(r, fields) for r in res.results)
    if fmt is Format.json:
        emit_json_rows(data.search_head(res), "results", records)
    elif fmt is Format.jsonl:
        emit_jsonl(records)
    else:
        w = csv_writer()
        w.writerow(fields)
        w.writerows(_chosen_cells(rec) for rec in records)


def _chosen_cells(rec: dict[str, Any]) -> list[Any]:
    return [cell(json.dumps(v) if isinstance(v, list) else flag(v)) for v in rec.values()]


def search_table(res: SearchResult, layout: Layout = Layout.auto) -> None:
    """The results as a table; on a terminal narrower than compact.COMPACT_BELOW
    columns (or with --compact), two lines a result instead (output/compact.py)."""
    if not res.results:
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    fitted = console.stdout_is_terminal()
    if fitted:
        from conflictcli.output import compact

        width = console.stdout().width
        if compact.wanted(layout, width):
            emit(*compact.results(res, width))
            return
    with_source = any(r.source for r in res.results)
    table = Table(expand=fitted, box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True, width=10)
    table.add_column("id", no_wrap=True, width=8)
    if with_source:
        table.add_column("source", ratio=1, overflow="ellipsis", no_wrap=True, max_width=16)
    wrap: Literal["fold", "ignore"] = "fold" if fitted else "ignore"
    table.add_column("title", ratio=2 if fitted else None, overflow=wrap, no_wrap=not fitted)
    table.add_column("snippet", ratio=3 if fitted else None, overflow=wrap, no_wrap=not fitted)
    partial_started = False
    for n, r in enumerate(res.results, res.offset + 1):
        if r.partial and not partial_started:
            table.add_section()
            partial_started = True
        cells: list[str | Text] = [str(n), r.date or "—", r.id[:8]]
        if with_source:
            cells.append(Text(safe(r.source or "")))
        title = marked(r.title, r.title_highlights)
        title.stylize("bold")
        if r.similar:
            title.append(f"  +{r.similar} similar", style="not bold dim")
        cells += [title, marked(r.snippet, r.highlights)]
        table.add_row(*cells, style="dim" if r.partial else None)
    emit(table)


def _search_notes(res: SearchResult, fmt: Format) -> None:
    if not res.results:
        if res.total or res.offset:
            what = "1 article matches" if res.total == 1 else f"{res.total} articles match"
            note(f"{what} {res.query!r}; --offset {res.offset} is past the last.")
        elif fmt is Format.table:
            note(f"No articles match {res.query!r}. Try fewer words, --any, or a wider date range.")
        return
    partial = sum(r.partial for r in res.results)
    if fmt is not Format.table:
        if partial:
            note(_partial_note(res, partial))
        return
    first, last = res.offset + 1, res.offset + len(res.results)
    if partial:
        full = len(res.results) - partial
        shown = f"{first}–{res.offset + full} of {res.total}" if full else f"0 of {res.total}"
        some = "1 partial match" if partial == 1 else f"{partial} partial matches"
        note(f"showing {shown}, then {some} holding some of the terms ({res.took_ms:.0f} ms)")
    else:
        note(f"showing {first}–{last} of {res.total} ({res.took_ms:.0f} ms)")
    folded = sum(r.similar or 0 for r in res.results)
    if folded:
        copies = "1 similar article is" if folded == 1 else f"{folded} similar articles are"
        note(f"{copies} folded into the stories shown (--all shows every copy)")


def _partial_note(res: SearchResult, partial: int) -> str:
    """How many partial matches a list in a format that carries no table holds (with
    --any: they are matches too, and counted)."""
    listed = len(res.results)
    hold = "holds" if partial == 1 else "hold"
    return (
        f'{partial} of the {listed} listed {hold} only some of the terms ("partial": true); '
        "without --any, only the articles that hold every term are listed."
    )


def suggestions(found: list[Suggestion]) -> None:
    """Did you mean, on stderr only (stdout and its JSON stay as they are): each outlet and
    word that holds no article, with the nearest spellings the archive holds. Names from
    the archive are shown on one line, their control characters escaped (note: safe())."""
    for s in found:
        near = ", ".join(f"{_one_line(w)} ({_articles(n)})" for w, n in s.nearest)
        typed = _one_line(s.typed)
        if s.what == "source":
            none = " in this archive ('conflict sources' lists them)."
            note(f'No source "{typed}"' + (f"; did you mean: {near}?" if near else none))
        else:
            note(f'"{typed}" is in no article' + (f"; did you mean: {near}?" if near else "."))


def _one_line(text: str) -> str:
    return " ".join(text.split())  # a newline in a name would start a line of its own


def _articles(n: int) -> str:
    return "1 article" if n == 1 else f"{n:,} articles"


# -- explain ----------------------------------------------------------------------
def explanation(res: Explanation, query: str, fmt: Format) -> None:
    for n in res.notes:
        note(n)
    if fmt is Format.json:
        emit_json(data.explanation(res, query))
        return
    from rich.text import Text

    lines = [
        Text.assemble(("query     ", "dim"), safe(query)),
        Text.assemble(("operators ", "dim"), _operators_line(res)),
        Text.assemble(("matches   ", "dim"), f"{res.total} articles"),
        Text("parsed", style="dim"),
        *_tree_lines(res.tree, 1),
    ]
    emit(*lines)


def _operators_line(res: Explanation) -> str:
    words = ", ".join(res.reading.operator_words)
    if not words:
        return "none in the query"
    return f"{words} read as {data.read_as(res)}"


_GROUP_WORDS = {"all": "all of", "any": "any of", "not": "none of", "name": "any spelling of"}


def _tree_lines(n: Node, depth: int) -> list[Text]:
    from rich.text import Text

    pad = "  " * depth
    if n.children:
        group = _GROUP_WORDS.get(n.op, n.op) + (f" {safe(n.text)}" if n.op == "name" else "")
        head = Text.assemble(pad, (group, "bold"), (f"  {n.role}", "dim"))
        return [head, *(line for c in n.children for line in _tree_lines(c, depth + 1))]
    if n.op == "dates":
        what = f"date {n.first or '…'} to {n.last or '…'} (inclusive)"
    else:
        what = f"{n.op} {safe(n.text)}" if n.op != "term" else safe(n.text)
    where = f"  in {', '.join(n.fields)}" if n.fields and n.op != "dates" else ""
    return [Text.assemble(pad, (what, "bold"), (where, "dim"), (f"  {n.role}", "dim"))]


# -- batches of queries -------------------------------------------------------------
def batch(
    got: Iterable[tuple[str, SearchResult | int]],
    fmt: Format,
    count_only: bool,
    fields: list[str] | None = None,
    layout: Layout = Layout.auto,
) -> None:
    """The queries of a file, in turn: one row each with its count (--count), or each
    query's results, a hit of --jsonl and --csv carrying the query it matched; with
    `fields` (not for the table), each result has only those."""
    if count_only:
        _batch_counts([(q, n) for q, n in got if isinstance(n, int)], fmt)
        return
    writer = csv_writer() if fmt is Format.csv else None
    columns = fields or [*RESULT_FIELDS, "partial"]
    if writer is not None:
        writer.writerow(["query", *columns])
    first = True
    for q, res in got:
        if isinstance(res, int):
            continue
        for said in res.notes:
            note(f"{q}: {said}")
        if fmt is Format.jsonl:
            emit_jsonl({"query": q, **_record(r, fields)} for r in res.results)
        elif writer is not None:
            writer.writerows(
                [cell(q), *_chosen_cells(data.chosen(r, columns))] for r in res.results
            )
        elif fmt is Format.json:
            record = json.dumps(data.search(res, fields), ensure_ascii=False)
            sys.stdout.write(("[" if first else ",\n") + record)
        else:
            emit(_heading(q, res))
            search_table(res, layout)
        first = False
    if fmt is Format.json:
        sys.stdout.write(("[" if first else "") + "]\n")


def _record(r: Result, fields: list[str] | None) -> dict[str, Any]:
    return data.chosen(r, fields) if fields else data.result(r)


def _batch_counts(rows: list[tuple[str, int]], fmt: Format) -> None:
    if fmt is Format.json:
        head = {"schema": JSON_SCHEMA_VERSION}
        emit_json_rows(head, "queries", (data.query_count(q, n) for q, n in rows))
    elif fmt is Format.jsonl:
        emit_jsonl(data.query_count(q, n) for q, n in rows)
    elif fmt is Format.csv:
        w = csv_writer()
        w.writerow(["query", "count"])
        w.writerows([cell(q), n] for q, n in rows)
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, header_style="bold", pad_edge=False)
        table.add_column("query")
        table.add_column("count", justify="right")
        for q, n in rows:
            table.add_row(Text(safe(q)), f"{n:,}")
        emit(table)


def _heading(query: str, res: SearchResult) -> Any:
    from rich.text import Text

    return Text(f"{safe(query)}: {res.total:,} articles", style="bold")


# -- watchlists ---------------------------------------------------------------------
def watches(got: list[Watch], fmt: Format) -> None:
    if fmt is not Format.table:
        emit_json_rows({"schema": JSON_SCHEMA_VERSION}, "watches", map(data.plain, got))
        return
    if not got:
        note("No watches yet: 'conflict watch add NAME QUERY' makes one.")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("name", "query", "filters", "last run"):
        table.add_column(column)
    for w in got:
        filters = ", ".join(
            f"{k} {', '.join(v) if isinstance(v, list) else v}"
            for k, v in w.filters.items()
            if k != "query" and v
        )
        table.add_row(
            Text(safe(w.name)), Text(safe(w.query)), Text(safe(filters)), w.last_run or "never"
        )
    emit(table)


def watch_runs(
    ran: list[tuple[str, SearchResult]], fmt: Format, layout: Layout = Layout.auto
) -> None:
    """What each watch found that is new: JSON Lines and CSV rows carry the watch's
    name, --json gives one object per watch, the table one section per watch."""
    if fmt is Format.jsonl:
        emit_jsonl({"watch": name, **data.result(r)} for name, res in ran for r in res.results)
    elif fmt is Format.csv:
        w = csv_writer()
        w.writerow(["watch", *RESULT_FIELDS])
        for name, res in ran:
            rows = (data.result(r) for r in res.results)
            w.writerows([cell(name), *(cell(rec[k]) for k in RESULT_FIELDS)] for rec in rows)
    elif fmt is Format.json:
        runs = (data.watch_run(name, res) for name, res in ran)
        emit_json_rows({"schema": JSON_SCHEMA_VERSION}, "watches", runs)
    else:
        from rich.text import Text

        for name, res in ran:
            emit(Text(f"{safe(name)} ({safe(res.query)}): {res.total:,} new", style="bold"))
            search_table(res, layout)
    for name, res in ran:
        for said in res.notes:
            note(f"{name}: {said}")


# -- similar ----------------------------------------------------------------------
def similar(article_id: str, res: SearchResult, fmt: Format, layout: Layout = Layout.auto) -> None:
    if fmt is Format.json:
        head = {"schema": JSON_SCHEMA_VERSION, "id": article_id}
        emit_json_rows(head, "results", map(data.result, res.results))
    elif fmt is Format.table:
        search_table(res, layout)
        if not res.results:
            note(f"No other article shares the key terms of {article_id}.")
    else:
        search_results(res, fmt)


# -- export -----------------------------------------------------------------------
def export(
    total: int,
    rows: Iterable[tuple[Result, str]],
    fmt: str,
    fields: list[str],
    out: IO[str],
    excel: bool = False,
) -> int:
    """Write every row to `out` as JSON Lines, CSV (with a header) or Markdown, with a
    progress bar on stderr (a terminal only); returns how many were written. Text meant
    for a terminal, and Markdown anywhere, has its control characters escaped; JSON
    escapes them itself. `excel`: CSV as Excel opens it (console.csv_writer). xlsx goes
    to the binary stream beneath `out` (stdout's, a file's: output.excel)."""
    if fmt == "xlsx":
        from conflictcli.output.excel import workbook

        if out is sys.stdout and console.stdout_is_terminal():
            raise UsageError(
                "--format xlsx writes a binary file, not text for a terminal.",
                "Write it to a file: -o FILE, or redirect stdout (> FILE).",
            )
        out.flush()
        return workbook(total, rows, fields, cast("TextIO", out).buffer)
    to_terminal = out is sys.stdout and console.stdout_is_terminal()
    # Markdown is for reading, wherever it goes; CSV into a file keeps the text as it is
    clean = safe if to_terminal or fmt == "md" else str
    writer = csv_writer(out, excel) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(fields)
    n = 0
    from conflictcli.output.ingest import IngestProgress  # export's own bar

    with IngestProgress(not console.quiet(), "exporting") as bar:
        bar.start(total)
        for r, body in rows:
            rec = data.exported(r, body, fields)
            if fmt == "jsonl":
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            elif writer is not None:
                writer.writerow([_csv_value(rec[k], clean, excel) for k in fields])
            else:
                out.write(_markdown(rec, clean))
            n += 1
            bar.advance()
    return n


def _csv_value(value: Any, clean: Any, excel: bool = False) -> Any:
    if isinstance(value, (list, dict)):  # highlights, meta: as JSON text
        value = cell(json.dumps(value, ensure_ascii=False), terminal=False)
    else:
        value = cell(clean(value) if isinstance(value, str) else value, terminal=False)
    if excel and isinstance(value, str):  # a CR in a cell shows in Excel as a box
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _markdown(rec: dict[str, Any], clean: Any) -> str:
    """One article as Markdown: its title as a heading, the other fields as a list,
    the body as its paragraphs."""
    parts = [f"## {clean(rec['title'])}\n\n"] if "title" in rec else []
    facts = [
        f"- {k}: {clean(str(v))}"
        for k, v in rec.items()
        if k not in ("title", "body", "snippet", "highlights", "meta") and v is not None
    ]
    facts += [f"- {clean(k.replace('_', ' '))}: {clean(v)}" for k, v in rec.get("meta", {}).items()]
    if facts:
        parts.append("\n".join(facts) + "\n\n")
    if rec.get("snippet"):
        parts.append(f"> {clean(rec['snippet'])}\n\n")
    if "body" in rec:
        parts.append(clean(rec["body"]).rstrip() + "\n\n")
    return "".join(parts) + "---\n\n"
