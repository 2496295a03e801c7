#!/usr/bin/env python
"""The reading room (`conflict serve`) timed server side, in one process.

The app is conflictcli.web.app.make_app over the archive, driven by Starlette's test
client (no socket, no browser: the guard, routing, the page's work and its template,
the body read whole). For each of bench/queries.py's 30 queries it times the search
page `/search?q=…` (with its facets, as it renders now), the article page of the
query's first result, the timeline and map pages, and an empty search page (the
floor: guard, routing and a template, no archive). Beside each page, measured in the
same pass on the same archive object: the references `archive.search` for the page's
own request (what the page must at least cost), `archive.count` of the query, and
`archive.resolve` of the article; and the search page taken apart with the same
views functions the app calls (views.search_result, views.rows, views.facets,
views.pages_of, the template), with each facet's `archive.count(req, by=…)` alone.

One untimed pass first (the archive opened, caches warm), then --repeat passes; each
pass gives a p50 and p95 over the queries, and each figure is the median of passes
(min–max beside it). See bench/README.md.

    python bench/web.py --index ARCHIVE --repeat 3 --json --out r.json --markdown r.md
    python bench/web.py --articles 2000 --repeat 1        # a generated corpus, ingested
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from corpus import add_corpus_options, generate
from procs import percentile, progress
from queries import QUERIES, Query

TOKEN = "bench-web-token"
HOSTS = {"testserver", "127.0.0.1"}
KINDS = ("source", "place", "country", "lang", "year")  # the facets views.facets counts
PAGES = ("search", "article", "timeline", "map")
# figure -> label; pages first, then references, then the parts of the pages
LABELS = {
    "search_page": "search page /search?q=…",
    "article_page": "article page /article/ID",
    "timeline_page": "timeline page /timeline?q=…",
    "map_page": "map page /map?q=…",
    "empty_page": "empty search page /search (no archive call)",
    "ref_search": "reference: archive.search, the page's request",
    "ref_count": "reference: archive.count of the query",
    "ref_resolve": "reference: archive.resolve of the article",
    "state": "Room.archive (the commit check; the search page asks it twice)",
    "search_result": "views.search_result (the search, snippets)",
    "rows": "views.rows (records, marks)",
    "facets": "views.facets (archive.facets: 5 kinds)",
    "pages_of": "views.pages_of",
    "render": "search.html rendered",
    "rest": "rest: HTTP, guard, routing, Asked (page − parts)",
    **{f"count_by_{k}": f"archive.count(req, by={k!r}) alone" for k in KINDS},
    "article_view": "views.article_page (resolve, mark, story, similar)",
    "similar": "archive.similar(ID, 5) alone",
    "timeline_data": "views.timeline_data (archive.timeline)",
    "places": "archive.places(req, 0)",
}
PARTS = ("state", "search_result", "rows", "facets", "pages_of", "render", "rest")
RATIOS = (  # page, reference
    ("search_page", "ref_search"),
    ("search_page", "ref_count"),
    ("article_page", "ref_resolve"),
    ("timeline_page", "ref_count"),
    ("map_page", "ref_count"),
)
TARGETS = (("search_page", "p50", 150.0), ("search_page", "p95", 600.0))
TARGETS += (("article_page", "p50", 50.0),)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def params_of(q: Query) -> list[tuple[str, str]]:
    """The page's parameters for a bench query (its --limit has no page equivalent)."""
    got = [("q", q.text)]
    got += [("since", q.since)] if q.since else []
    got += [("until", q.until)] if q.until else []
    return got


class WebBench:
    """The app, its Room and a client, and one pass's measurements of every query."""

    def __init__(self, index: str, pages: Sequence[str]) -> None:
        from starlette.testclient import TestClient

        from conflictcli import team
        from conflictcli.web import app as web_app

        self.app = web_app.make_app(lambda: team.open_archive(index), TOKEN, HOSTS)
        self.room = self._room(web_app)
        self.pages = tuple(pages)
        # one event loop in one thread for every request (the archive's SQLite
        # connection belongs to the thread that opened it), as under uvicorn
        self.client = TestClient(self.app).__enter__()
        self.failed: list[str] = []
        first = self.client.get("/", params={"token": TOKEN})  # the cookie, once
        self.expect(first.status_code == 200, f"/?token=…: HTTP {first.status_code}")

    def _room(self, web_app: Any) -> Any:
        """The Room the app's routes are bound to: the same archive object, the same
        templates (views are timed on it), else a Room of our own."""
        for route in self.app.routes:
            owner = getattr(getattr(route, "endpoint", None), "__self__", None)
            if isinstance(owner, web_app.Room):
                return owner
        raise RuntimeError("make_app's routes are bound to no Room: bench/web.py needs it")

    def expect(self, ok: bool, message: str) -> None:
        if not ok and message not in self.failed:
            self.failed.append(message)
            progress(f"  CHECK FAILED: {message}")

    def t(self, fn: Callable[[], Any]) -> tuple[float, Any]:
        """fn timed in the app's event loop thread, where its pages run."""
        return self.client.portal.call(timed, fn)

    def get(self, url: str) -> float:
        ms, r = timed(lambda: self.client.get(url))
        self.expect(r.status_code == 200, f"{url}: HTTP {r.status_code}")
        return ms

    def close(self) -> None:
        if self.room._archive is not None:
            self.client.portal.call(self.room._archive.close)
        self.client.__exit__(None, None, None)

    def one_pass(self, queries: Sequence[Query]) -> list[dict[str, Any]]:
        """Every figure of every query once (ms), and the query's total and article."""
        out = []
        for q in queries:
            got = self.search_figures(q)
            if "article" in self.pages and got["article"] is not None:
                got |= self.article_figures(q, got["article"])
            if "timeline" in self.pages or "map" in self.pages:
                got |= self.chart_figures(q)
            got["empty_page"] = self.get("/search")
            out.append(got)
        return out

    def search_figures(self, q: Query) -> dict[str, Any]:
        from starlette.datastructures import QueryParams

        from conflictcli.web import asked as asking
        from conflictcli.web import views

        room, params = self.room, params_of(q)
        got: dict[str, Any] = {}
        if "search" in self.pages:
            got["search_page"] = self.get("/search?" + urlencode(params))
        got["state"], archive = self.t(lambda: room.archive)
        asked = asking.read(QueryParams(params))
        req = asked.filters.request(asked.sort, asking.PER_PAGE, asked.offset, collapse=True)
        got["ref_search"], ref = self.t(lambda: archive.search(req))
        counted = asked.filters.request()
        got["ref_count"], _ = self.t(lambda: archive.count(counted))
        got["total"] = ref.total
        got["article"] = ref.results[0].id if ref.results else None
        if "search" not in self.pages:
            return got
        got["search_result"], res = self.t(lambda: views.search_result(room.archive, asked))
        got["rows"], rows = self.t(lambda: views.rows(res))
        got["facets"], facets = self.t(lambda: views.facets(room.archive, asked))
        got["pages_of"], pages = self.t(lambda: views.pages_of(res, asked))
        context = {"asked": asked, "query": asked.filters.query, "result": res}
        context |= {"rows": rows, "facets": facets, "pages": pages}
        template = room.templates.get_template("search.html")
        got["render"], _ = self.t(lambda: template.render(context))
        parts = 2 * got["state"] + sum(got[k] for k in PARTS if k not in ("state", "rest"))
        got["rest"] = got["search_page"] - parts
        for kind in KINDS:
            got[f"count_by_{kind}"], _ = self.t(lambda kind=kind: archive.count(counted, kind))
        return got

    def article_figures(self, q: Query, ident: str) -> dict[str, Any]:
        from conflictcli.web import views

        _, archive = self.t(lambda: self.room.archive)
        got: dict[str, Any] = {}
        got["article_page"] = self.get(f"/article/{quote(ident)}?" + urlencode(params_of(q)))
        got["ref_resolve"], _ = self.t(lambda: archive.resolve(ident))
        got["article_view"], _ = self.t(lambda: views.article_page(archive, ident, q.text))
        got["similar"], _ = self.t(lambda: archive.similar(ident, 5))
        return got

    def chart_figures(self, q: Query) -> dict[str, Any]:
        from starlette.datastructures import QueryParams

        from conflictcli.web import asked as asking
        from conflictcli.web import views

        _, archive = self.t(lambda: self.room.archive)
        params = params_of(q)
        asked = asking.read(QueryParams(params))
        got: dict[str, Any] = {}
        if "timeline" in self.pages:
            got["timeline_page"] = self.get("/timeline?" + urlencode(params))
            data = lambda: views.timeline_data(archive, [q.text], asked, None)  # noqa: E731
            got["timeline_data"], _ = self.t(data)
        if "map" in self.pages:
            got["map_page"] = self.get("/map?" + urlencode(params))
            req = asked.filters.request()
            got["places"], _ = self.t(lambda: archive.places(req, 0))
        return got


# --------------------------------------------------------------------------- numbers


def summary(values: Sequence[float]) -> dict[str, Any] | None:
    """{median, min, max, runs} of the passes' values, or None when none."""
    if not values:
        return None
    runs = [round(v, 3) for v in values]
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": runs,
    }


def figures_of(passes: list[list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each figure's p50 and p95 over the queries of each pass, as the median of passes."""
    out: dict[str, dict[str, Any]] = {}
    for name in LABELS:
        per_pass = [[r[name] for r in rows if name in r] for rows in passes]
        per_pass = [v for v in per_pass if v]
        if not per_pass:
            continue
        out[name] = {
            "label": LABELS[name],
            "n": len(per_pass[0]),
            "p50_ms": summary([percentile(v, 50) for v in per_pass]),
            "p95_ms": summary([percentile(v, 95) for v in per_pass]),
        }
    return out


def per_query(passes: list[list[dict[str, Any]]], queries: Sequence[Query]) -> list[dict[str, Any]]:
    """Each query's figures, the median of passes (ms), its total and its article."""
    out = []
    for k, q in enumerate(queries):
        runs = [rows[k] for rows in passes]
        row: dict[str, Any] = {"query": q.label, "total": runs[0]["total"]}
        row["article"] = runs[0]["article"]
        for name in LABELS:
            if name in runs[0]:
                row[name] = statistics.median(r[name] for r in runs)
        out.append(row)
    return out


def breakdown(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the search page's time goes: each part's sum over the queries (medians of
    passes) as a share of the page's, and the facet kinds' own counts likewise."""
    page = sum(r.get("search_page", 0.0) for r in rows)
    if not page:
        return {}
    share = {k: sum(r[k] * (2 if k == "state" else 1) for r in rows) / page for k in PARTS}
    kinds = {k: sum(r[f"count_by_{k}"] for r in rows) / page for k in KINDS}
    return {"page_ms_sum": page, "share_of_page": share, "count_by_share_of_page": kinds}


def ratios(figures: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for page, ref in RATIOS:
        for p in ("p50_ms", "p95_ms"):
            a, b = figures.get(page, {}).get(p), figures.get(ref, {}).get(p)
            key = f"{page}/{ref} {p[:3]}"
            out[key] = a["median"] / b["median"] if a and b and b["median"] else None
    return out


def targets(figures: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name, p, limit in TARGETS:
        got = figures.get(name, {}).get(f"{p}_ms")
        value = got["median"] if got else None
        met = None if value is None else value <= limit
        out.append({"figure": name, "stat": p, "target_ms": limit, "ms": value, "met": met})
    return out


# --------------------------------------------------------------------------- report


def fmt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def spread(s: dict[str, Any] | None) -> str:
    if s is None:
        return "–"
    return f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})"


def markdown(result: dict[str, Any]) -> str:
    a, f = result["archive"], result["figures"]
    git = result["git"]
    lines = [
        f"## Reading room, {a['articles']:,} articles ({a['engine']})",
        "",
        f"{result['date']}, commit {(git['commit'] or '?')[:10]}"
        + (" (conflictcli/ modified)" if git["conflictcli_modified"] else "")
        + f", {len(result['queries'])} queries, median of {result['repeat']} passes"
        + " (min–max), ms, server side in one process (Starlette's test client).",
        "",
        "| figure | p50 | p95 |",
        "| --- | --- | --- |",
    ]
    for name, fig in f.items():
        if name in PARTS or name.startswith("count_by_"):
            continue
        lines.append(f"| {fig['label']} | {spread(fig['p50_ms'])} | {spread(fig['p95_ms'])} |")
    lines += ["", "| ratio (page ÷ reference, medians) | value |", "| --- | --- |"]
    lines += [f"| {k} | {fmt(v, 2)} |" for k, v in result["ratios"].items()]
    lines += ["", "| target | ms | met |", "| --- | --- | --- |"]
    for t in result["targets"]:
        met = "–" if t["met"] is None else ("met" if t["met"] else "**not met**")
        lines.append(
            f"| {t['figure']} {t['stat']} ≤ {t['target_ms']:.0f} | {fmt(t['ms'])} | {met} |"
        )
    lines += breakdown_lines(result)
    if result["checks_failed"]:
        lines += ["", "Checks failed:", *[f"- {m}" for m in result["checks_failed"]]]
    return "\n".join(lines) + "\n"


def breakdown_lines(result: dict[str, Any]) -> list[str]:
    b, f = result["breakdown"], result["figures"]
    if not b:
        return []
    lines = ["", "Search page taken apart (share: sum over the queries ÷ the page's):", ""]
    lines += ["| part | p50 | p95 | share of page |", "| --- | --- | --- | --- |"]
    for k in PARTS:
        lines.append(
            f"| {LABELS[k]} | {spread(f[k]['p50_ms'])} | {spread(f[k]['p95_ms'])} "
            f"| {b['share_of_page'][k]:.0%} |"
        )
    for k in KINDS:
        fig = f[f"count_by_{k}"]
        lines.append(
            f"| {fig['label']} | {spread(fig['p50_ms'])} | {spread(fig['p95_ms'])} "
            f"| {b['count_by_share_of_page'][k]:.0%} |"
        )
    cols = ("search_page", "search_result", "facets", "render", *(f"count_by_{k}" for k in KINDS))
    head = ["query", "total", "page", "search", "facets", "render", *KINDS]
    lines += ["", "Per query (ms, median of passes):", ""]
    lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in result["per_query"]:
        cells = [fmt(r.get(c)) for c in cols]
        lines.append(f"| `{r['query']}` | {r['total']:,} | " + " | ".join(cells) + " |")
    return lines


# --------------------------------------------------------------------------- main


def git_state() -> dict[str, Any]:
    """The commit of the conflictcli imported (a snapshot's with PYTHONPATH), whether its
    files differ from it, and PYTHONPATH."""
    import conflictcli

    tree = Path(conflictcli.__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        done = subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--", "conflictcli")
    return {
        "package": str(tree / "conflictcli"),
        "commit": git("rev-parse", "HEAD"),
        "conflictcli_modified": None if status is None else bool(status),
        "pythonpath": os.environ.get("PYTHONPATH"),
    }


def build_archive(args: argparse.Namespace, tmp: Path) -> str:
    """A generated corpus of --articles, ingested with `conflict ingest` (the entry
    point beside this interpreter, else the module)."""
    corpus = tmp / "corpus"
    facts = generate(corpus, args.articles, args.seed, args.source, args.corpora)
    progress(f"corpus: {facts['articles']:,} articles ({facts['source']}); ingesting …")
    exe = Path(sys.executable).parent / "conflict"
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "conflictcli"]
    index = tmp / "archive"
    subprocess.run([*cmd, "ingest", str(corpus), "--index", str(index), "-q"], check=True)
    return str(index)


def run(index: str, args: argparse.Namespace) -> dict[str, Any]:
    queries = QUERIES[: args.queries]
    bench = WebBench(index, args.pages)
    try:
        _, archive = bench.t(lambda: bench.room.archive)
        _, stats = bench.t(archive.stats)
        kind = getattr(archive, "kind", None)
        facts = {"location": index, "articles": stats.articles}
        facts["engine"] = kind.NAME if kind is not None else "whoosh"
        progress(f"warm-up: {len(queries)} queries on {stats.articles:,} articles …")
        warm_s, _ = timed(lambda: bench.one_pass(queries))
        passes = []
        for i in range(1, args.repeat + 1):
            ms, rows = timed(lambda: bench.one_pass(queries))
            passes.append(rows)
            page = [r["search_page"] for r in rows if "search_page" in r]
            p50 = f", search page p50 {percentile(page, 50):.0f} ms" if page else ""
            progress(f"pass {i}/{args.repeat}: {ms / 1000:.1f} s{p50}")
    finally:
        bench.close()
    figures = figures_of(passes)
    rows = per_query(passes, queries)
    return {
        "bench": "web",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "git": git_state(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "archive": facts,
        "repeat": args.repeat,
        "pages": list(args.pages),
        "warmup_s": warm_s / 1000,
        "queries": [q.label for q in queries],
        "figures": figures,
        "ratios": ratios(figures),
        "targets": targets(figures),
        "breakdown": breakdown(rows),
        "per_query": rows,
        "checks_failed": bench.failed,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python bench/web.py", description=__doc__.split("\n")[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", metavar="DIR", help="an archive (a folder, or a team URL)")
    where.add_argument("--articles", type=int, metavar="N", help="generate and ingest N")
    add_corpus_options(p)
    p.add_argument("--repeat", type=int, default=3, metavar="R", help="timed passes (default 3)")
    p.add_argument("--queries", type=int, default=len(QUERIES), metavar="K")
    p.add_argument(
        "--pages",
        type=lambda s: tuple(x for x in s.split(",") if x),
        default=PAGES,
        help="pages to time, of search,article,timeline,map (default: all)",
    )
    p.add_argument("--json", action="store_true", help="JSON on stdout instead of Markdown")
    p.add_argument("--out", type=Path, metavar="FILE", help="also save the JSON here")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also save the Markdown here")
    args = p.parse_args(argv)
    if args.repeat < 1 or not 1 <= args.queries <= len(QUERIES):
        p.error("--repeat must be ≥ 1 and --queries from 1 to 30")
    if not set(args.pages) <= set(PAGES):
        p.error(f"--pages: choose among {','.join(PAGES)}")
    from conflictcli.team import is_team

    if args.index and not is_team(args.index) and not Path(args.index).is_dir():
        p.error(f"--index {args.index}: no such folder")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="conflict-web-bench-") as tmp:
        index = args.index or build_archive(args, Path(tmp))
        result = run(index, args)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    table = markdown(result)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    print(text if args.json else table)
    return 1 if result["checks_failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
