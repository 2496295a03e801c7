"""Every rendering: Rich tables for people, JSON, JSON Lines and CSV for scripts.

Data goes to stdout; messages, warnings and progress go to stderr. Machine formats do
not change with the terminal; human ones may. Rich is imported only where something is
drawn with it (a table, a terminal), so JSON, CSV and piped messages never load it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any, Literal

from conflictcli.choices import Color, Format
from conflictcli.errors import ConflictError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table
    from rich.text import Text

    from conflictcli.articles import Article
    from conflictcli.engine.records import Explanation, Node
    from conflictcli.records import (
        CheckReport,
        Count,
        IngestSummary,
        Member,
        Places,
        Result,
        SearchResult,
        Source,
        Stats,
        Stories,
        Timeline,
        Watch,
    )

JSON_SCHEMA_VERSION = 1
MARK = "bold black on yellow"
RESULT_FIELDS = ["id", "date", "title", "source", "url", "path", "cluster", "score", "snippet"]


_color = Color.auto
WIDE = 100_000  # a pipe or a file has no width: nothing is cut or wrapped
BAR_ROOM_PIPED = 50
_MARK_SGR = ("\x1b[1;30;43m", "\x1b[0m")  # MARK, for text written without Rich
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.M)


def use_color(mode: Color) -> None:
    """--color for this run: auto, always or never (NO_COLOR is honoured under auto)."""
    global _color
    _color = mode


def _console(**kw: Any) -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # Rich would exit 1; a reader that went away (| head) is not an error
            raise BrokenPipeError

    if _color is Color.always:
        kw.update(force_terminal=True, no_color=False)
    elif _color is Color.never:
        kw.update(color_system=None, no_color=True)
    return _Console(highlight=False, **kw)


def _styled_stderr() -> bool:
    """Messages are drawn with Rich only where styles can show."""
    return _color is Color.always or (_color is Color.auto and sys.stderr.isatty())


def say(*parts: tuple[str, str | None]) -> None:
    """One message line on stderr from (text, style) parts: styled on a terminal,
    plain text (no Rich) into a pipe or a file. Parts are escaped with safe()."""
    if not _styled_stderr():
        sys.stderr.write("".join(safe(text) for text, _ in parts) + "\n")
        return
    from rich.text import Text

    line = Text()
    for text, style in parts:
        line.append(safe(text), style=style)
    stderr().print(line)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def stdout() -> Console:
    return _console(soft_wrap=False)


def stderr() -> Console:
    # soft_wrap: a message is one line however narrow the terminal or pipe, so it greps
    return _console(stderr=True, soft_wrap=True)


def emit(*renderables: RenderableType) -> None:
    """Print to stdout: fitted to a terminal; into a pipe or a file at full width, lines
    never cut or wrapped, no trailing spaces, colour only with --color always."""
    if stdout_is_terminal():
        out = stdout()
        for r in renderables:
            out.print(r)
        return
    buf = io.StringIO()
    kw: dict[str, Any] = {"color_system": "standard"} if _color is Color.always else {}
    wide = _console(file=buf, width=WIDE, soft_wrap=False, **kw)
    for r in renderables:
        wide.print(r)
    sys.stdout.write(_TRAILING.sub(r"\1", buf.getvalue()))


def colored_pipe() -> bool:
    return _color is Color.always


def safe(text: str) -> str:
    """Text from outside never drives the terminal: control characters (ESC, CR, BEL,
    bidirectional overrides) are shown as escapes; newlines and tabs stay."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


# control characters, bidirectional marks and overrides, and the invisible ones (zero
# width spaces and joiners, word joiner, BOM) that hide what a line really says
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


# -- messages ---------------------------------------------------------------------
def error(e: ConflictError) -> None:
    say(("Error: ", "bold red"), (e.message, None), (" " + e.hint if e.hint else "", None))


def note(message: str) -> None:
    say((message, "dim"))


def warning(message: str) -> None:
    say(("Warning: ", "yellow"), (message, None))


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _emit_json_rows(head: dict[str, Any], key: str, rows: Iterable[Any]) -> None:
    """One JSON object: the `head` fields on the first line, then `key`, a list with one
    row per line (as sqlite-utils prints rows). Python's JSON encoder is written in C
    only without indent=: with it, a --limit 0 of 20,000 results spent a third of its
    time indenting."""
    first = json.dumps({**head, key: []}, ensure_ascii=False)
    out = sys.stdout
    out.write(first[: -len("[]}")] + "[")
    sep = "\n"
    for row in rows:
        out.write(sep + json.dumps(row, ensure_ascii=False))
        sep = ",\n"
    out.write("\n]}\n" if sep != "\n" else "]}\n")


# -- ingest -----------------------------------------------------------------------
class IngestProgress:
    """A progress bar on stderr, shown only when stderr is a terminal (Rich is not
    even loaded otherwise)."""

    def __init__(self, enabled: bool, what: str = "ingesting") -> None:
        self._bar: Any = None
        self._task: Any = None
        self._what = what
        if not (enabled and sys.stderr.isatty()):
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr(),
            transient=True,
        )

    def __enter__(self) -> IngestProgress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def start(self, total: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(self._what, total=total)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._what)

    def rows(self, name: str, rows: int, done: int, size: int) -> None:
        """A large file read a batch of rows at a time: the rows so far, and how far
        into the file they reach."""
        if self._bar is not None:
            share = f" ({done * 100 // size}% of the file)" if size > 0 else ""
            self._bar.update(
                self._task, description=f"ingesting {safe(name)}: {rows:,} rows{share}"
            )


def ingest_summary(s: IngestSummary, fmt: Format, quiet: bool = False) -> None:
    if fmt is Format.json:
        _emit_json({"schema": JSON_SCHEMA_VERSION, **dataclasses.asdict(s)})
    if s.nothing_read:
        _nothing_read(s)
    elif fmt is not Format.json:
        line = (
            f"added {s.added}, updated {s.updated}, unchanged {s.unchanged}, "
            f"removed {s.removed}, skipped {len(s.skipped)} in {s.took_s:.1f} s"
            f" — {s.articles} articles in the archive"
        )
        if s.duplicates:
            texts = "1 text read was" if s.duplicates == 1 else f"{s.duplicates} texts read were"
            line += f" ({texts} already there: one article, one more place)"
        say((line, None))
    if fmt is Format.json:
        return
    for sk in s.skipped:
        say(("skipped ", "yellow"), (sk.path, None), (": " + sk.reason, None))
    if quiet:
        return
    for ig in s.ignored if not s.nothing_read else []:
        say((f"passed over {_files(ig.files, ig.what)}: {ig.reason}", "dim"))
    for w in s.warnings[:20]:
        say(("warning ", "yellow"), (w, None))
    if len(s.warnings) > 20:
        say((f"… {len(s.warnings) - 20} more warnings (see them all with --json)", None))


def _files(n: int, what: str = "files") -> str:
    """`1 file ending in .csv`, `12 files ending in .csv`."""
    return f"{n} {what.replace('files', 'file').replace('folders', 'folder') if n == 1 else what}"


def _nothing_read(s: IngestSummary) -> None:
    seen = [f"{_files(len(s.skipped))} could not be read (listed below)"] if s.skipped else []
    seen += [f"{_files(ig.files, ig.what)}: {ig.reason}" for ig in s.ignored]
    what = "; ".join(seen) if seen else "no files at all"
    error(
        ConflictError(
            f"Nothing was ingested: {what}.",
            "Give folders of articles: .txt or .md files that start with a date line, "
            "CSV, JSON Lines or web pages (README: Input formats).",
        )
    )


# -- search -----------------------------------------------------------------------
def result_record(r: Result) -> dict[str, Any]:
    rec = {k: getattr(r, k) for k in RESULT_FIELDS}
    rec["highlights"] = [list(span) for span in r.highlights]
    if r.partial:
        rec["partial"] = True
    if r.similar is not None:  # collapsed: one result per story
        rec["similar"] = r.similar
    return rec


def _search_head(res: SearchResult) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA_VERSION,
        "query": res.query,
        "total": res.total,
        "offset": res.offset,
        "limit": res.limit,
        "took_ms": res.took_ms,
    }


def _search_record(res: SearchResult) -> dict[str, Any]:
    return {**_search_head(res), "results": [result_record(r) for r in res.results]}


# what search --fields may choose: a record's fields, with partial and similar always
SEARCH_FIELDS = [*RESULT_FIELDS, "highlights", "partial", "similar"]


def _chosen_record(r: Result, fields: list[str]) -> dict[str, Any]:
    rec = {**result_record(r), "partial": r.partial, "similar": r.similar}
    return {k: rec[k] for k in fields}


def search_results(res: SearchResult, fmt: Format, fields: list[str] | None = None) -> None:
    """A page of results; with `fields` (search --fields; not for the table) each
    record has only those, in that order."""
    for n in res.notes:
        note(n)
    if fmt is Format.csv and fields is None:  # every field but highlights, partial always
        fields = [*RESULT_FIELDS, "partial", *(["similar"] if res.collapsed else [])]
    if fields is not None and fmt is not Format.table:
        _chosen_results(res, fmt, fields)
    elif fmt is Format.json:
        _emit_json_rows(_search_head(res), "results", (result_record(r) for r in res.results))
    elif fmt is Format.jsonl:
        for r in res.results:
            sys.stdout.write(json.dumps(result_record(r), ensure_ascii=False) + "\n")
    else:
        _search_table(res)
    _search_notes(res, fmt)


def _chosen_results(res: SearchResult, fmt: Format, fields: list[str]) -> None:
    records = (_chosen_record(r, fields) for r in res.results)
    if fmt is Format.json:
        _emit_json_rows(_search_head(res), "results", records)
    elif fmt is Format.jsonl:
        for rec in records:
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    else:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(fields)
        w.writerows(_chosen_cells(rec) for rec in records)


def _chosen_cells(rec: dict[str, Any]) -> list[Any]:
    return [_cell(json.dumps(v) if isinstance(v, list) else _flag(v)) for v in rec.values()]


def _flag(value: Any) -> Any:
    """A bool as the search CSV writes partial: true or false."""
    return ("true" if value else "false") if isinstance(value, bool) else value


def _cell(value: Any, terminal: bool | None = None) -> Any:
    """A CSV cell never runs as a formula in a spreadsheet: text that starts with
    = + - @ (or a tab or carriage return) gets a leading apostrophe. On a terminal
    (`terminal`, or stdout when None) its control characters are escaped (safe());
    into a pipe or file it is the text as it is."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if terminal if terminal is not None else stdout_is_terminal():
        value = safe(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def marked(text: str, spans: list[tuple[int, int]]) -> Text:
    """`text` with the spans marked, its control characters escaped (spans kept)."""
    from rich.text import Text

    t, at = Text(), 0
    for start, end in sorted(spans):
        if start < at:
            continue
        t.append(safe(text[at:start]))
        t.append(safe(text[start:end]), style=MARK)
        at = end
    t.append(safe(text[at:]))
    return t


def _search_table(res: SearchResult) -> None:
    if not res.results:
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    fitted = stdout_is_terminal()
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
    full = len(res.results) - partial
    if fmt is not Format.table:
        if partial:
            some = "1 partial match" if partial == 1 else f"{partial} partial matches"
            if res.total == 0:
                full_ones = "no full one (no article holds every term)"
            else:
                full_ones = "the 1 full one" if res.total == 1 else f"the {res.total} full ones"
            verb = "follows" if partial == 1 else "follow"
            note(f"{some} (holding some of the terms) {verb} {full_ones}.")
        return
    first, last = res.offset + 1, res.offset + len(res.results)
    if partial:
        shown = f"{first}–{res.offset + full} of {res.total}" if full else f"0 of {res.total}"
        some = "1 partial match" if partial == 1 else f"{partial} partial matches"
        note(f"showing {shown}, then {some} holding some of the terms ({res.took_ms:.0f} ms)")
    else:
        note(f"showing {first}–{last} of {res.total} ({res.took_ms:.0f} ms)")
    folded = sum(r.similar or 0 for r in res.results)
    if folded:
        copies = "1 similar article is" if folded == 1 else f"{folded} similar articles are"
        note(f"{copies} folded into the stories shown (--all shows every copy)")


# -- explain ----------------------------------------------------------------------
def explanation(res: Explanation, query: str, fmt: Format) -> None:
    for n in res.notes:
        note(n)
    if fmt is Format.json:
        _emit_json(
            {
                "schema": JSON_SCHEMA_VERSION,
                "query": query,
                "operator_words": list(res.reading.operator_words),
                "read_as": _read_as(res),
                "total": res.total,
                "notes": res.notes,
                "parsed": node_record(res.tree),
            }
        )
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


def _read_as(res: Explanation) -> str | None:
    if not res.reading.operator_words:
        return None
    return "operators" if res.reading.operators else "words"


def _operators_line(res: Explanation) -> str:
    words = ", ".join(res.reading.operator_words)
    if not words:
        return "none in the query"
    return f"{words} read as {_read_as(res)}"


def node_record(n: Node) -> dict[str, Any]:
    rec: dict[str, Any] = {"op": n.op, "role": n.role}
    if n.op == "dates":
        rec.update(first=n.first, last=n.last)
    elif n.children:
        if n.op == "name":
            rec["name"] = n.text
        rec["children"] = [node_record(c) for c in n.children]
    else:
        rec.update(text=n.text, fields=n.fields)
    return rec


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


# -- show -------------------------------------------------------------------------
def article_record(a: Article, story: list[Member] | None = None) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA_VERSION,
        "id": a.id,
        "date": a.date.isoformat() if a.date else None,
        "title": a.title,
        "source": a.source,
        "url": a.url,
        "author": a.author,
        "path": a.paths[0] if a.paths else None,
        "score": None,
        "snippet": " ".join(a.body.split())[:220],
        "paths": a.paths,
        "words": a.words,
        "cluster": a.cluster,
        "similar": [dataclasses.asdict(m) for m in story or []],
        "body": a.body,
    }


SHOW_SIMILAR = 10  # the other articles of a story that `show` lists


def _header(a: Article, story: list[Member]) -> list[tuple[str, str]]:
    rows = [("date", a.date.isoformat() if a.date else "unknown")]
    rows += [("source", a.source)] if a.source else []
    rows += [("author", a.author)] if a.author else []
    rows += [("url", a.url)] if a.url else []
    rows += [("path", p) for p in a.paths]
    rows += [("id", a.id), ("words", str(a.words))]
    rows += [("similar", _member(m)) for m in story[:SHOW_SIMILAR]]
    if len(story) > SHOW_SIMILAR:
        rows.append(("similar", f"… {len(story) - SHOW_SIMILAR} more (show --json lists all)"))
    return rows


def _member(m: Member) -> str:
    return "  ".join(part for part in (m.id[:8], m.date or "undated", m.source, m.title) if part)


def article(a: Article, fmt: Format, spans: list[tuple[int, int]], story: list[Member]) -> None:
    if fmt is not Format.table:
        _emit_json(article_record(a, story))
        return
    if not stdout_is_terminal():
        _plain_article(a, spans, story)
        return
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim", no_wrap=True)
    head.add_column(overflow="fold")
    for label, value in _header(a, story):
        head.add_row(label, Text(safe(value)))
    emit(Text(safe(a.title), style="bold"), head, Text(), Group(*_paragraphs(a.body, spans)))


def _plain_article(a: Article, spans: list[tuple[int, int]], story: list[Member]) -> None:
    """Into a pipe or a file: the header, then the body exactly as stored (control
    characters escaped), never wrapped or padded; marks only with --color always."""
    out = [safe(a.title)]
    out += [f"{label:<7} {safe(value)}" for label, value in _header(a, story)]
    body, at = [], 0
    if colored_pipe():
        for start, end in sorted(spans):
            if start >= at:
                body += [
                    safe(a.body[at:start]),
                    _MARK_SGR[0],
                    safe(a.body[start:end]),
                    _MARK_SGR[1],
                ]
                at = end
    body.append(safe(a.body[at:]))
    sys.stdout.write("\n".join(out) + "\n\n" + "".join(body) + "\n")


def _paragraphs(body: str, spans: list[tuple[int, int]]) -> list[Text]:
    from rich.text import Text

    parts, start = [], 0
    for para in body.split("\n\n"):
        end = start + len(para)
        local = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        parts += [marked(para, local), Text()]
        start = end + 2
    return parts[:-1]


# -- stories ----------------------------------------------------------------------
def stories(got: Stories, fmt: Format) -> None:
    if fmt is not Format.table:
        _emit_json_rows(
            {
                "schema": JSON_SCHEMA_VERSION,
                "stories_count": got.stories,
                "articles": got.articles,
                "threshold": got.threshold,
            },
            "stories",
            (dataclasses.asdict(st) for st in got.largest),
        )
        return
    if not got.largest:
        note("No near-duplicate stories: every article stands alone.")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("story", no_wrap=True)
    table.add_column("articles", justify="right")
    table.add_column("first", no_wrap=True)
    table.add_column("last", no_wrap=True)
    table.add_column("sources", overflow="fold", max_width=30)
    table.add_column("title (of the first article)", overflow="fold")
    for st in got.largest:
        outlets = list(dict.fromkeys(m.source for m in st.members if m.source))
        table.add_row(
            st.id[:8],
            f"{st.articles:,}",
            st.first_date or "—",
            st.last_date or "—",
            Text(
                safe(", ".join(outlets[:3]) + (f" +{len(outlets) - 3}" if len(outlets) > 3 else ""))
            ),
            Text(safe(st.members[0].title if st.members else "")),
        )
    emit(table)
    held = "1 story holds" if got.stories == 1 else f"{got.stories:,} stories hold"
    note(
        f"{held} {got.articles:,} articles that are near-duplicates "
        f"(word 5-shingle similarity ≥ {got.threshold} to the story's first article); "
        "'conflict show ID' lists a story's articles"
    )


# -- batches of queries -------------------------------------------------------------
def batch(
    got: Iterable[tuple[str, SearchResult | int]],
    fmt: Format,
    count_only: bool,
    fields: list[str] | None = None,
) -> None:
    """The queries of a file, in turn: one row each with its count (--count), or each
    query's results, a hit of --jsonl and --csv carrying the query it matched; with
    `fields` (not for the table), each result has only those."""
    if count_only:
        rows = [(q, n) for q, n in got if isinstance(n, int)]
        if fmt is Format.json:
            _emit_json_rows(
                {"schema": JSON_SCHEMA_VERSION},
                "queries",
                ({"query": q, "count": n} for q, n in rows),
            )
        elif fmt is Format.jsonl:
            for q, n in rows:
                sys.stdout.write(json.dumps({"query": q, "count": n}, ensure_ascii=False) + "\n")
        elif fmt is Format.csv:
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow(["query", "count"])
            w.writerows([_cell(q), n] for q, n in rows)
        else:
            from rich.table import Table
            from rich.text import Text

            table = Table(box=None, header_style="bold", pad_edge=False)
            table.add_column("query")
            table.add_column("count", justify="right")
            for q, n in rows:
                table.add_row(Text(safe(q)), f"{n:,}")
            emit(table)
        return
    writer = csv.writer(sys.stdout, lineterminator="\n") if fmt is Format.csv else None
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
            for r in res.results:
                rec = _chosen_record(r, fields) if fields else result_record(r)
                sys.stdout.write(json.dumps({"query": q, **rec}, ensure_ascii=False) + "\n")
        elif writer is not None:
            writer.writerows(
                [_cell(q), *_chosen_cells(_chosen_record(r, columns))] for r in res.results
            )
        elif fmt is Format.json:
            record = (
                {**_search_head(res), "results": [_chosen_record(r, fields) for r in res.results]}
                if fields
                else _search_record(res)
            )
            sys.stdout.write(("[" if first else ",\n") + json.dumps(record, ensure_ascii=False))
        else:
            emit(_heading(q, res))
            _search_table(res)
        first = False
    if fmt is Format.json:
        sys.stdout.write(("[" if first else "") + "]\n")


def _heading(query: str, res: SearchResult) -> Any:
    from rich.text import Text

    return Text(f"{safe(query)}: {res.total:,} articles", style="bold")


# -- watchlists ---------------------------------------------------------------------
def watches(got: list[Watch], fmt: Format) -> None:
    if fmt is not Format.table:
        _emit_json_rows(
            {"schema": JSON_SCHEMA_VERSION}, "watches", (dataclasses.asdict(w) for w in got)
        )
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


def watch_runs(ran: list[tuple[str, SearchResult]], fmt: Format) -> None:
    """What each watch found that is new: JSON Lines and CSV rows carry the watch's
    name, --json gives one object per watch, the table one section per watch."""
    if fmt is Format.jsonl:
        for name, res in ran:
            for r in res.results:
                sys.stdout.write(
                    json.dumps({"watch": name, **result_record(r)}, ensure_ascii=False) + "\n"
                )
    elif fmt is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["watch", *RESULT_FIELDS])
        for name, res in ran:
            w.writerows(
                [_cell(name), *(_cell(getattr(r, k)) for k in RESULT_FIELDS)] for r in res.results
            )
    elif fmt is Format.json:
        _emit_json_rows(
            {"schema": JSON_SCHEMA_VERSION},
            "watches",
            (
                {
                    "watch": name,
                    "query": res.query,
                    "new": res.total,
                    "results": [result_record(r) for r in res.results],
                }
                for name, res in ran
            ),
        )
    else:
        from rich.text import Text

        for name, res in ran:
            emit(Text(f"{safe(name)} ({safe(res.query)}): {res.total:,} new", style="bold"))
            _search_table(res)
    for name, res in ran:
        for said in res.notes:
            note(f"{name}: {said}")


# -- similar ----------------------------------------------------------------------
def similar(article_id: str, res: SearchResult, fmt: Format) -> None:
    if fmt is Format.json:
        records = (result_record(r) for r in res.results)
        _emit_json_rows({"schema": JSON_SCHEMA_VERSION, "id": article_id}, "results", records)
    elif fmt is Format.table:
        _search_table(res)
        if not res.results:
            note(f"No other article shares the key terms of {article_id}.")
    else:
        search_results(res, fmt)


# -- export -----------------------------------------------------------------------
EXPORT_FIELDS = [*RESULT_FIELDS, "highlights", "body"]


def export(
    total: int, rows: Iterable[tuple[Result, str]], fmt: str, fields: list[str], out: IO[str]
) -> int:
    """Write every row to `out` as JSON Lines, CSV (with a header) or Markdown, with a
    progress bar on stderr (a terminal only); returns how many were written. Text meant
    for a terminal, and Markdown anywhere, has its control characters escaped; JSON
    escapes them itself."""
    to_terminal = out is sys.stdout and stdout_is_terminal()
    # Markdown is for reading, wherever it goes; CSV into a file keeps the text as it is
    clean = safe if to_terminal or fmt == "md" else str
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(fields)
    n = 0
    with IngestProgress(True, "exporting") as bar:
        bar.start(total)
        for r, body in rows:
            rec = {**result_record(r), "body": body}
            if fmt == "jsonl":
                out.write(json.dumps({k: rec[k] for k in fields}, ensure_ascii=False) + "\n")
            elif writer is not None:
                writer.writerow([_csv_value(rec[k], clean) for k in fields])
            else:
                out.write(_markdown(rec, fields, clean))
            n += 1
            bar.advance()
    return n


def _csv_value(value: Any, clean: Any) -> Any:
    if isinstance(value, list):
        return json.dumps(value)
    return _cell(clean(value) if isinstance(value, str) else value, terminal=False)


def _markdown(rec: dict[str, Any], fields: list[str], clean: Any) -> str:
    """One article as Markdown: its title as a heading, the other fields as a list,
    the body as its paragraphs."""
    parts = [f"## {clean(rec['title'])}\n\n"] if "title" in fields else []
    facts = [
        f"- {k}: {clean(str(rec[k]))}"
        for k in fields
        if k not in ("title", "body", "snippet", "highlights") and rec[k] is not None
    ]
    if facts:
        parts.append("\n".join(facts) + "\n\n")
    if "snippet" in fields and rec["snippet"]:
        parts.append(f"> {clean(rec['snippet'])}\n\n")
    if "body" in fields:
        parts.append(clean(rec["body"]).rstrip() + "\n\n")
    return "".join(parts) + "---\n\n"


# -- count and timeline -----------------------------------------------------------
def count(got: Count, fmt: Format) -> None:
    for n in got.notes:
        note(n)
    rows = [dataclasses.asdict(g) for g in got.groups]
    if fmt is Format.json:
        head = {"query": got.query, "count": got.count}
        _emit_json({**head, "by": got.by, "groups": rows} if got.by else head)
    elif fmt is Format.jsonl:
        for row in rows if got.by else [{"query": got.query, "count": got.count}]:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        if got.by:
            w.writerow([got.by, "count"])
            w.writerows([_cell(g.key), g.count] for g in got.groups)
        else:
            w.writerows([["query", "count"], [_cell(got.query), got.count]])
    elif not got.by:
        sys.stdout.write(f"{got.count}\n")  # the number alone, as wc -l and rg -c print it
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, header_style="bold", pad_edge=False)
        table.add_column(got.by)
        table.add_column("articles", justify="right")
        table.add_column("share", justify="right", style="dim")
        none = "(none named)" if got.by == "source" else "(no date)"
        for g in got.groups:
            key = Text(safe(g.key)) if g.key is not None else Text(none, "dim")
            share = f"{g.count / got.count:.0%}" if got.count else ""
            table.add_row(key, f"{g.count:,}", share)
        emit(table)
        note(f"{got.count:,} articles match {got.query!r}")


def timelines(got: list[Timeline], fmt: Format) -> None:
    for t in got:
        for n in t.notes:
            note(f"{t.query}: {n}" if len(got) > 1 else n)
    records = [_timeline_record(t) for t in got]
    if fmt is Format.json:
        _emit_json(records[0] if len(records) == 1 else records)
    elif fmt is Format.jsonl:
        for r in records:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["period", *(_cell(t.query) for t in got)])
        for i, b in enumerate(got[0].buckets):
            w.writerow([b.period, *(t.buckets[i].count for t in got)])
        w.writerow(["undated", *(t.undated for t in got)])
    else:
        _timeline_table(got)


def _timeline_record(t: Timeline) -> dict[str, Any]:
    return {
        "query": t.query,
        "by": t.by,
        "buckets": [dataclasses.asdict(b) for b in t.buckets],
        "undated": t.undated,
        "peaks": t.peaks,
        "first": t.first,
        "last": t.last,
    }


def _timeline_table(got: list[Timeline]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column(got[0].by)
    for t in got:
        table.add_column(Text(safe(t.query)), justify="right")
    top = max((b.count for t in got for b in t.buckets), default=0) or 1
    one = len(got) == 1
    if one:
        table.add_column("")
    room = max(10, (stdout().width - 30) if stdout_is_terminal() else BAR_ROOM_PIPED)
    peaks = [set(t.peaks) for t in got]
    for i, b in enumerate(got[0].buckets):
        cells: list[Any] = []
        for t, marked in zip(got, peaks, strict=True):
            n = t.buckets[i].count
            cells.append(
                Text(
                    f"{n:,}" + (" ▲" if b.period in marked else "  "),
                    "bold" if b.period in marked else "",
                )
            )
        if one:
            n = b.count
            cells.append(Text("█" * max(1, round(n / top * room)) if n else "", style="cyan"))
        table.add_row(b.period, *cells)
    table.add_row(
        Text("undated", "dim"), *(f"{t.undated:,}  " for t in got), *([""] if one else [])
    )
    if got[0].buckets:
        emit(table)
    for t in got:
        span = f"first mention {t.first}, last {t.last}" if t.first else "no dated mention"
        peaks_said = f"; peaks (▲): {', '.join(t.peaks)}" if t.peaks else ""
        note(
            f"{t.query}: {sum(b.count for b in t.buckets) + t.undated:,} articles, {span}{peaks_said}"
        )


# -- places -----------------------------------------------------------------------
def places(got: Places, fmt: Format) -> None:
    for n in got.notes:
        note(n)
    rows = [dataclasses.asdict(p) for p in got.places]
    if fmt is Format.json:
        head = {"schema": JSON_SCHEMA_VERSION, "query": got.query, "total": got.total}
        _emit_json_rows(head, "places", rows)
    elif fmt is Format.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(PLACE_FIELDS)
        w.writerows([_cell(row[k]) for k in PLACE_FIELDS] for row in rows)
    else:
        _places_table(got)
    if not got.places:
        note("These articles name no place of the gazetteer.")


PLACE_FIELDS = ("place", "id", "kind", "articles")


def _places_table(got: Places) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("place")
    table.add_column("kind", style="dim")
    table.add_column("articles", justify="right")
    table.add_column("share", justify="right", style="dim")
    for p in got.places:
        share = f"{p.articles / got.total:.0%}" if got.total else ""
        table.add_row(Text(safe(p.place)), p.kind, f"{p.articles:,}", share)
    if got.places:
        emit(table)
    of = (
        f"the {got.total:,} articles that match"
        if got.query.strip()
        else f"all {got.total:,} articles"
    )
    note(f"Places named in {of}: an article counts once for each place it names, in any spelling.")


# -- stats ------------------------------------------------------------------------
def sources(rows: list[Source], fmt: Format) -> None:
    if fmt is not Format.table:
        _emit_json_rows(
            {"schema": JSON_SCHEMA_VERSION, "sources_count": len(rows)},
            "sources",
            (dataclasses.asdict(r) for r in rows),
        )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("source")
    table.add_column("articles", justify="right")
    table.add_column("first")
    table.add_column("last")
    for r in rows:
        name = Text(safe(r.source)) if r.source is not None else Text("(none named)", "dim")
        table.add_row(name, f"{r.articles:,}", r.first_date or "—", r.last_date or "—")
    emit(table)


def _check_record(report: CheckReport) -> dict[str, Any]:
    return {
        "location": report.location,
        "ok": report.ok,
        "articles": report.articles,
        "indexed": report.indexed,
        "catalogue_schema": report.catalogue_schema,
        "index_layout": report.index_layout,
        "repaired": report.repaired,
        "problems": [vars(p) for p in report.problems],
    }


def check_report(report: CheckReport, fmt: Format) -> None:
    if fmt is not Format.table:
        _emit_json({"schema": JSON_SCHEMA_VERSION, **_check_record(report)})
        return
    from rich.table import Table
    from rich.text import Text

    indexed = f"{report.indexed:,}" if report.indexed >= 0 else "cannot be read"
    head = Text(
        f"{report.articles:,} articles in the catalogue, {indexed} in the search index "
        f"(catalogue schema {report.catalogue_schema}, index layout {report.index_layout})"
    )
    if not report.problems:
        emit(head, Text("catalogue and index agree", style="green"))
        return
    table = Table(box=None, pad_edge=False)
    for name in ("problem", "count", "first of them", "repair" if report.repaired else "--repair"):
        table.add_column(name, overflow="fold")
    for p in report.problems:
        done = "done" if p.repaired else ("not done" if report.repaired else p.repair)
        table.add_row(p.kind, f"{p.count:,}", safe(", ".join(p.examples)), done)
    emit(head, table)


def stats(s: Stats, fmt: Format) -> None:
    if fmt is not Format.table:
        _emit_json({"schema": JSON_SCHEMA_VERSION, **dataclasses.asdict(s)})
        return
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("articles", f"{s.articles:,}")
    grid.add_row("dates", f"{s.first_date or '—'} … {s.last_date or '—'}")
    grid.add_row("undated", f"{s.undated:,}")
    grid.add_row("index size", _size(s.index_bytes))
    grid.add_row("last ingest", s.last_ingest or "never")
    grid.add_row("location", Text(safe(s.location)))
    if not s.by_month:
        emit(grid)
        return
    room = stdout().width - 20 if stdout_is_terminal() else BAR_ROOM_PIPED
    emit(grid, Text(), _month_bars(s.by_month, room))


def _month_bars(by_month: dict[str, int], room: int) -> Table:
    from rich.table import Table
    from rich.text import Text

    top = max(by_month.values()) or 1
    room = max(10, room)
    bars = Table.grid(padding=(0, 1))
    bars.add_column(style="dim", no_wrap=True)
    bars.add_column(justify="right", no_wrap=True)
    bars.add_column(no_wrap=True)
    for month, n in by_month.items():
        bar = "█" * max(1, round(n / top * room)) if n else ""
        bars.add_row(month, str(n), Text(bar, style="cyan"))
    return bars


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
