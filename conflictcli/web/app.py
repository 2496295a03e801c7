"""The reading room's app: routes, and the guard every request passes.

The guard: the Host header must name this machine (or the host given with
--allow-remote), against DNS rebinding; every page and every bit of data wants the
token (from the URL `serve` printed, then an HttpOnly, SameSite=Strict cookie); a
request that changes something (POST) must come from this origin too. Every answer
carries a Content-Security-Policy with no inline script and nothing from elsewhere, and
sends no Referer (the token never leaves in one)."""

from __future__ import annotations

import functools
import hmac
import os
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from conflictcli.errors import ConflictError, UsageError
from conflictcli.web import asked as asking
from conflictcli.web import views

if TYPE_CHECKING:
    from conflictcli.archive import Archive

HERE = Path(__file__).resolve().parent
COOKIE = "conflict_token"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
OPEN = ("/static/", "/favicon.ico")  # the package's own files: no token needed


class Guard(BaseHTTPMiddleware):
    def __init__(self, app: Any, token: str, hosts: set[str] | None) -> None:
        super().__init__(app)
        self.token, self.hosts = token, hosts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
        if self.hosts is not None and host not in self.hosts:
            return _headed(PlainTextResponse("This host is not served here.", 400))
        given = request.query_params.get("token") or ""
        held = request.cookies.get(COOKIE) or ""
        ok = any(hmac.compare_digest(t.encode(), self.token.encode()) for t in (given, held))
        if not ok and not request.url.path.startswith(OPEN):
            return _headed(PlainTextResponse("Open the address `conflict serve` printed.", 403))
        if request.method not in ("GET", "HEAD") and not _same_origin(request):
            return _headed(PlainTextResponse("A change must come from this page.", 403))
        response = await call_next(request)
        if given and ok:
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
        return _headed(response)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == f"{request.url.scheme}://{request.headers.get('host', '')}"
    return request.headers.get("sec-fetch-site") == "same-origin"


def _headed(response: Response) -> Response:
    for k, v in HEADERS.items():
        response.headers.setdefault(k, v)
    return response


def make_app(opener: Callable[[], Archive], token: str, hosts: set[str] | None) -> Starlette:
    """The app over the archive `opener` opens (once, on the first request); `hosts`
    the names the Host header may give (None: any, with --allow-remote)."""
    room = Room(opener)
    routes = [
        Route("/", room.search_page),
        Route("/search", room.search_page),
        Route("/article/{ref:path}", room.article_page),
        Route("/timeline", room.timeline_page),
        Route("/map", room.map_page),
        Route("/watches", room.watches_page),
        Route("/watches/{name}/seen", room.watch_seen, methods=["POST"]),
        Route("/export.{fmt:str}", room.export),
        Route("/api/{what:str}", room.api),
        Route("/static/land-110m.json", room.land),
        Route("/favicon.ico", room.favicon),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    guard = Middleware(Guard, token=token, hosts=hosts)
    return Starlette(routes=routes, middleware=[guard])


def _state(archive: Archive) -> object:
    """What changes when an ingest commits: the engine's commit number, and in a folder
    the times its files (the catalogue, its journal, the index's folder) last changed."""
    folder = getattr(archive, "folder", None)
    files: list[tuple[str, int]] = []
    if isinstance(folder, Path) and folder.is_dir():
        files = sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())
    return archive.engine.generation(), files


Handler = Callable[["Room", Request], Awaitable[Response]]


def answered(handler: Handler) -> Handler:
    """A page handler whose errors become a page (or, under /api, JSON) saying what went
    wrong: every handler's, in one place."""

    @functools.wraps(handler)
    async def wrapped(room: Room, request: Request) -> Response:
        try:
            return await handler(room, request)
        except Exception as e:
            return room.failed(request, e)

    return wrapped


class Room:
    """The pages over one archive, opened on the first request and kept while no ingest
    commits (then opened again: a page always reads the latest commit)."""

    def __init__(self, opener: Callable[[], Archive]) -> None:
        self._opener = opener
        self._archive: Archive | None = None
        self._seen: object = None
        import jinja2

        env = jinja2.Environment(  # every text escaped, in every template
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True
        )
        self.templates = Jinja2Templates(env=env)

    @property
    def archive(self) -> Archive:
        if self._archive is not None and _state(self._archive) != self._seen:
            self._archive.close()
            self._archive = None
        if self._archive is None:
            self._archive = self._opener()
            self._seen = _state(self._archive)
        return self._archive

    def page(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def failed(self, request: Request, e: Exception) -> Response:
        """A page that says what went wrong (a traceback only with CONFLICT_DEBUG=1)."""
        if isinstance(e, ConflictError):
            status = 400 if isinstance(e, UsageError) else 404
            said = {"message": str(e), "hint": getattr(e, "hint", None)}
        else:
            status, said = 500, {"message": "Something went wrong on this page.", "hint": None}
            if os.environ.get("CONFLICT_DEBUG"):
                said["hint"] = traceback.format_exc()
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": said["message"], "hint": said["hint"]}, status)
        return self.page(request, "error.html", said, status)

    @answered
    async def search_page(self, request: Request) -> Response:
        asked = asking.read(request.query_params)
        context: dict[str, Any] = {"asked": asked, "query": asked.filters.query}
        if asked.filters.query.strip():
            res = views.search_result(self.archive, asked)
            context |= {
                "result": res,
                "rows": views.rows(res),
                "facets": views.facets(self.archive, asked),
                "pages": views.pages_of(res, asked),
            }
        return self.page(request, "search.html", context)

    @answered
    async def article_page(self, request: Request) -> Response:
        query = asking.read(request.query_params).filters.query
        got = views.article_page(self.archive, request.path_params["ref"], query)
        return self.page(request, "article.html", {"query": query, **got})

    @answered
    async def timeline_page(self, request: Request) -> Response:
        from conflictcli import charts

        asked = asking.read(request.query_params)
        queries = asking.queries(request.query_params)
        by = asking.period(request.query_params)
        got = views.timeline_data(self.archive, queries, asked, by)
        spec = charts.timeline_spec(got, width="container")
        if isinstance(spec.get("title"), dict):  # its lines are the table below it:
            spec["title"] = spec["title"].get("text", "")  # a phone's width is the chart's
        records = [views.data.timeline(t) for t in got]
        totals = [sum(b.count for b in t.buckets) + t.undated for t in got]
        context = {
            "asked": asked,
            "query": queries[0],
            "queries": queries,
            "timelines": list(zip(records, totals, strict=True)),
            "spec": views.as_json(spec),
            "by": by,
        }
        return self.page(request, "timeline.html", context)

    @answered
    async def map_page(self, request: Request) -> Response:
        from conflictcli import charts

        asked = asking.read(request.query_params)
        got = self.archive.places(asked.filters.request(), 0)
        spec = charts.map_spec(got, land="/static/land-110m.json", width="container")
        context = {
            "asked": asked,
            "query": asked.filters.query,
            "places": got,
            "spec": views.as_json(spec),
        }
        return self.page(request, "map.html", context)

    @answered
    async def watches_page(self, request: Request) -> Response:
        return self.page(request, "watches.html", {"watches": views.watches_page(self.archive)})

    @answered
    async def watch_seen(self, request: Request) -> Response:
        name = request.path_params["name"]
        watch = next((w for w in self.archive.watches() if w.name == name), None)
        if watch is None:
            raise UsageError(f"No watch named {name!r}.")
        self.archive.watch_run(watch, peek=False)
        return Response(status_code=303, headers={"Location": "/watches"})

    @answered
    async def export(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "jsonl"):
            raise UsageError(f"No export as {fmt!r}.", "Choose export.csv or export.jsonl.")
        asked = asking.read(request.query_params)
        body = views.export_body(self.archive, asked, fmt)
        kind = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        head = {"Content-Disposition": f'attachment; filename="conflict-export.{fmt}"'}
        return Response(body, media_type=kind, headers=head)

    @answered
    async def api(self, request: Request) -> Response:
        asked = asking.read(request.query_params)
        what = request.path_params["what"]
        archive = self.archive
        record: Any
        if what == "search":
            limit = asking.number(request.query_params, "limit", asking.PER_PAGE, 0, 10**9)
            record = views.search_record(archive, asked, limit)
        elif what == "count":
            record = views.count_record(archive, asked)
        elif what == "timeline":
            got = views.timeline_data(
                archive,
                asking.queries(request.query_params),
                asked,
                asking.period(request.query_params),
            )
            records = [views.data.timeline(t) for t in got]
            record = records[0] if len(records) == 1 else records
        elif what == "similar":
            limit = asking.number(request.query_params, "limit", 5, 1, 100)
            ref = request.query_params.get("id") or ""
            record = views.similar_record(archive, ref, limit)
        elif what == "places":
            got_places = archive.places(asked.filters.request(), 0)
            record = {
                **views.data.places_head(got_places),
                "places": [views.data.plain(p) for p in got_places.places],
            }
        else:
            raise UsageError(
                f"No /api/{what}.", "Choose search, count, timeline, places or similar."
            )
        return JSONResponse(record)

    async def land(self, request: Request) -> Response:
        from conflictcli.charts import LAND  # the one the terminal's maps read

        return FileResponse(LAND, media_type="application/json")

    async def favicon(self, request: Request) -> Response:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")
