"""The rendering of the analyst's commands: count, timeline, places, dupes (the largest
stories), sources and stats."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from conflictcli.choices import Format
from conflictcli.output import console, data
from conflictcli.output.console import (
    BAR_ROOM_PIPED,
    cell,
    csv_writer,
    emit,
    emit_json,
    emit_json_rows,
    emit_jsonl,
    note,
    safe,
    stdout,
)
from conflictcli.output.data import PLACE_FIELDS

if TYPE_CHECKING:
    from rich.table import Table

    from conflictcli.records.counts import Count, Places, Timeline
    from conflictcli.records.holdings import Source, Stats, Stories


# -- count and timeline -----------------------------------------------------------
def count(got: Count, fmt: Format) -> None:
    for n in got.notes:
        note(n)
    record = data.count(got)
    if fmt is Format.json:
        emit_json(record)
    elif fmt is Format.jsonl:
        emit_jsonl(record["groups"] if got.by else [record])
    elif fmt is Format.csv:
        w = csv_writer()
        if got.by:
            w.writerow([got.by, "count"])
            w.writerows([cell(g.key), g.count] for g in got.groups)
        else:
            w.writerows([["query", "count"], [cell(got.query), got.count]])
    elif not got.by:
        sys.stdout.write(f"{got.count}\n")  # the number alone, as wc -l and rg -c print it
    else:
        _count_table(got, got.by)


def _count_table(got: Count, by: str) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column(by)
    table.add_column("articles", justify="right")
    table.add_column("share", justify="right", style="dim")
    none = "(none named)" if by == "source" else "(no date)"
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
    records = [data.timeline(t) for t in got]
    if fmt is Format.json:
        emit_json(records[0] if len(records) == 1 else records)
    elif fmt is Format.jsonl:
        emit_jsonl(records)
    elif fmt is Format.csv:
        w = csv_writer()
        w.writerow(["period", *(cell(t.query) for t in got)])
        for i, b in enumerate(got[0].buckets):
            w.writerow([b.period, *(t.buckets[i].count for t in got)])
        w.writerow(["undated", *(t.undated for t in got)])
        if got[0].by == "hour":
            w.writerow(["untimed", *(t.untimed for t in got)])
    else:
        _timeline_table(got)


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
    room = max(10, (stdout().width - 30) if console.stdout_is_terminal() else BAR_ROOM_PIPED)
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
    if got[0].by == "hour":  # dated, with no time of day: in no hour
        table.add_row(
            Text("untimed", "dim"), *(f"{t.untimed:,}  " for t in got), *([""] if one else [])
        )
    if got[0].buckets:
        emit(table)
    for t in got:
        span = f"first mention {t.first}, last {t.last}" if t.first else "no dated mention"
        peaks_said = f"; peaks (▲): {', '.join(t.peaks)}" if t.peaks else ""
        note(
            f"{t.query}: {sum(b.count for b in t.buckets) + t.undated + t.untimed:,} articles, "
            f"{span}{peaks_said}"
        )


# -- places -----------------------------------------------------------------------
def places(got: Places, fmt: Format) -> None:
    for n in got.notes:
        note(n)
    rows = [data.plain(p) for p in got.places]
    if fmt is Format.json:
        emit_json_rows(data.places_head(got), "places", rows)
    elif fmt is Format.jsonl:
        emit_jsonl(rows)
    elif fmt is Format.csv:
        w = csv_writer()
        w.writerow(PLACE_FIELDS)
        w.writerows([cell(row[k]) for k in PLACE_FIELDS] for row in rows)
    else:
        _places_table(got)
    if not got.places:
        note("These articles name no place of the gazetteer.")


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


# -- stories ----------------------------------------------------------------------
def stories(got: Stories, fmt: Format) -> None:
    if fmt is not Format.table:
        emit_json_rows(data.stories_head(got), "stories", map(data.plain, got.largest))
        return
    if not got.largest:
        if got.narrowed:
            note(f"No story holds two of the {got.total:,} articles that match: each stands alone.")
        else:
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
        more = f" +{len(outlets) - 3}" if len(outlets) > 3 else ""
        table.add_row(
            st.id[:8],
            f"{st.articles:,}",
            st.first_date or "—",
            st.last_date or "—",
            Text(safe(", ".join(outlets[:3]) + more)),
            Text(safe(st.members[0].title if st.members else "")),
        )
    emit(table)
    held = "1 story holds" if got.stories == 1 else f"{got.stories:,} stories hold"
    of = f" of the {got.total:,} articles that match:" if got.narrowed else " articles that are"
    note(
        f"{held} {got.articles:,}{of} near-duplicates "
        f"(word 5-shingle similarity ≥ {got.threshold} to the story's first article); "
        "'conflict show ID' lists a story's articles"
    )


# -- sources and stats --------------------------------------------------------------
def sources(rows: list[Source], fmt: Format) -> None:
    if fmt is not Format.table:
        emit_json_rows(data.sources_head(rows), "sources", map(data.plain, rows))
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


def stats(s: Stats, fmt: Format) -> None:
    if fmt is not Format.table:
        emit_json(data.with_schema(s))
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
    room = stdout().width - 20 if console.stdout_is_terminal() else BAR_ROOM_PIPED
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
