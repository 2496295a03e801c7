"""The pictures: a timeline and a map as Vega-Lite specs (plain dicts), one definition
for the terminal (`timeline --chart`, `places --map`: drawn to SVG or PNG by vl-convert,
offline) and for the reading room (drawn in the page by the vendored vega-embed).

Every text that comes from a user or an article (queries, place names) goes into the
specs as data or as a plain title string, never into an expression (`expr`,
`calculate`, `labelExpr`, a filter's string): Vega draws it as text, in the page and in
the SVG alike. The data is inline (`values`); the world outline is a URL the page
serves or the topology itself, since vl-convert draws nothing for a relative URL.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conflictcli.errors import DataError, UsageError
from conflictcli.records.counts import Places, Timeline

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an id, never fetched
VL_VERSION = "6.4"  # vl-convert's Vega-Lite, the one tools/vendor_js.py vendors
FORMATS = (".svg", ".png")
LAND = Path(__file__).parent / "data" / "land-110m.json"  # world-atlas (tools/vendor_js.py)
LAND_MAX_BYTES = 2_000_000  # the file is 55 KB: a larger one is not ours
AREA = 1400  # the most named place's circle, in square pixels
PNG_SCALE = 2.0  # a PNG twice the spec's pixels, sharp on a dense screen or in print
COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d"]
PEAK_COLOR = "#c0392b"
POINT_COLOR = "#c0392b"
LAND_FILL, LAND_STROKE, SEA = "#e8e4da", "#b9b2a3", "#dfe9f1"
BY_WORD = {"hour": "hour", "day": "day", "week": "week", "month": "month", "year": "year"}


# -- timeline -----------------------------------------------------------------------
def timeline_spec(
    timelines: Sequence[Timeline], *, width: int | str = 720, height: int = 260
) -> dict[str, Any]:
    """One query's timeline, or several side by side (a colour each), as `conflict
    timeline` counts them: a bar per period (the same buckets as its JSON), the peaks
    marked ▲ (the terminal's), the undated (and by hour the untimed) said in the
    subtitle, not drawn. `width` may be "container" in a page."""
    names = _series_names([t.query for t in timelines])
    by = timelines[0].by if timelines else "day"
    rows = [
        {"query": name, "period": b.period, "count": b.count, "peak": b.period in t.peaks}
        for name, t in zip(names, timelines, strict=True)
        for b in t.buckets
    ]
    shown = ", ".join(names) if names else "no query"
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "title": {
            "text": f"Articles per {BY_WORD.get(by, by)}: {shown}",
            "subtitle": [
                _timeline_line(n, t, len(names) > 1) for n, t in zip(names, timelines, strict=True)
            ],
            "anchor": "start",
        },
        "width": width,
        "height": height,
        "data": {"values": rows},
        "encoding": _timeline_encoding(names, by),
        "layer": [
            {"mark": {"type": "bar", "tooltip": True}},
            {
                "transform": [{"filter": {"field": "peak", "equal": True}}],
                "mark": {"type": "text", "text": "▲", "dy": -8, "color": PEAK_COLOR},
            },
        ],
        "config": _config(),
    }
    return spec


def _timeline_encoding(names: list[str], by: str) -> dict[str, Any]:
    """Periods across in the order counted (ISO weeks and hours are not dates Vega
    reads), articles up, a colour and an offset per query."""
    several = len(names) > 1
    color: dict[str, Any] = {
        "field": "query",
        "type": "nominal",
        "scale": {"domain": names, "range": COLORS},
        "title": None,
        "legend": {"orient": "top"} if several else None,
    }
    encoding: dict[str, Any] = {
        "x": {
            "field": "period",
            "type": "ordinal",
            "sort": None,
            "title": None,
            "axis": {"labelAngle": -45 if by in ("day", "week", "hour") else 0},
        },
        "y": {"field": "count", "type": "quantitative", "title": "articles"},
        "color": color,
        "tooltip": [
            {"field": "query", "type": "nominal", "title": "query"},
            {"field": "period", "type": "ordinal", "title": BY_WORD.get(by, by)},
            {"field": "count", "type": "quantitative", "title": "articles"},
        ],
    }
    if several:
        encoding["xOffset"] = {"field": "query", "type": "nominal", "sort": names}
    return encoding


def _timeline_line(name: str, t: Timeline, several: bool) -> str:
    """The terminal's summary line: articles, first and last mention, peaks, and the
    articles no bar holds (undated; by hour, untimed)."""
    dated = sum(b.count for b in t.buckets)
    total = dated + t.undated + t.untimed
    parts = [f"{total:,} article{'s' if total != 1 else ''}"]
    if t.first and t.last:
        parts.append(f"first {t.first}, last {t.last}")
    if t.peaks:
        parts.append(f"peaks ▲ {', '.join(t.peaks)}")
    apart = f"undated {t.undated:,}"
    if t.by == "hour":
        apart += f", untimed {t.untimed:,}"
    parts.append(f"{apart} (counted apart, not drawn)")
    line = "; ".join(parts)
    return f"{name}: {line}" if several else line


def _series_names(queries: Sequence[str]) -> list[str]:
    """A name per series, told apart when a query is given twice (a colour is keyed by
    its name, and no name goes into an expression)."""
    out: list[str] = []
    for q in queries:
        name, n = q or "all articles", 1
        while name in out:
            n += 1
            name = f"{q} ({n})"
        out.append(name)
    return out


# -- map ----------------------------------------------------------------------------
def map_spec(
    places: Places,
    land: str | Mapping[str, Any],
    *,
    width: int | str = 720,
    height: int = 440,
    labels: int = 6,
    world: bool = False,
) -> dict[str, Any]:
    """The places the selected articles name (what `conflict places` lists) as circles
    sized by articles, on the world's land: `land` is the outline's URL (a page's
    "/static/land-110m.json") or its TopoJSON itself (land_topology(), for vl-convert).
    Each circle's datum holds the place's `id`, `place`, `country` and `articles` (a
    page filters by `id` on a click). The view fits the places (world=True: the whole
    world); the `labels` most named are named on the map. Regions, which have no
    coordinates, are said in the subtitle."""
    rows = _place_rows(places)
    _label_places(rows, labels, (width if isinstance(width, int) else 720, height), world)
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "title": {
            "text": _map_title(places),
            "subtitle": _map_subtitle(places, rows),
            "anchor": "start",
        },
        "width": width,
        "height": height,
        "projection": _projection(rows, world),
        "layer": [
            {"data": {"sphere": True}, "mark": {"type": "geoshape", "fill": SEA, "clip": True}},
            {
                "data": _land_data(land),
                "mark": {
                    "type": "geoshape",
                    "fill": LAND_FILL,
                    "stroke": LAND_STROKE,
                    "strokeWidth": 0.5,
                    "clip": True,
                },
            },
            {
                "data": {"values": rows},
                "layer": [_circles(rows), *_labels(rows)],
            },
        ],
        "config": {**_config(), "view": {"stroke": None}},
    }
    if isinstance(width, int):
        _clip_to_view(spec, width, height)
    return spec


def _clip_to_view(spec: dict[str, Any], width: int, height: int) -> None:
    """Cut the shapes at the view's edge in the projection, not with a clip path on
    each mark: vl-convert draws the land's clip path into a PNG six times slower, and
    the SVG holds only what shows (a page's "container" width keeps the marks' clips)."""
    spec["projection"]["clipExtent"] = [[0, 0], [width, height]]
    todo = [spec]
    while todo:
        node = todo.pop()
        if isinstance(node.get("mark"), dict):
            node["mark"].pop("clip", None)
        todo += node.get("layer", [])


def _place_rows(places: Places) -> list[dict[str, Any]]:
    """The places that have coordinates, the most named first, each with its rank."""
    located = [p for p in places.places if p.lat is not None and p.lon is not None]
    return [
        {
            "id": p.id,
            "place": p.place,
            "kind": p.kind,
            "country": p.country,
            "articles": p.articles,
            "lat": p.lat,
            "lon": p.lon,
            "rank": n,
        }
        for n, p in enumerate(located, 1)
    ]


def _label_places(
    rows: list[dict[str, Any]], most: int, size: tuple[float, float], world: bool
) -> None:
    """Mark the places named on the map (`dx`: the offset of a name right or left of
    its circle): the most named first, up to `most`, each where its name covers no
    circle and no name already placed (positions read as on a local flat map of the
    view's size, near enough for 11-pixel names)."""
    if not rows:
        return
    (west, south), (east, north) = ((-180.0, -85.0), (180.0, 85.0)) if world else _extent(rows)
    shrink = math.cos(math.radians((north + south) / 2))
    k = min(size[0] / ((east - west) * shrink), size[1] / (north - south))
    top = max(r["articles"] for r in rows)
    circles = []
    for r in rows:
        x, y = (r["lon"] - west) * shrink * k, (north - r["lat"]) * k
        circles.append((x, y, math.sqrt(r["articles"] / top * AREA / math.pi)))
    boxes = [(x - d, y - d, x + d, y + d) for x, y, d in circles]
    taken: list[tuple[float, ...]] = []
    for n, r in enumerate(rows[:most]):
        x, y, d = circles[n]
        others = taken + boxes[:n] + boxes[n + 1 :]
        wide = 6.5 * len(r["place"]) + 4
        for dx in (d + 3, -(d + 3)):
            left = x + dx if dx > 0 else x + dx - wide
            box = (left, y - 8, left + wide, y + 8)
            if box[0] >= 0 and box[2] <= size[0] and not any(_overlap(box, o) for o in others):
                r["dx"] = round(dx, 1)
                taken.append(box)
                break


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _circles(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A circle per place, its area proportional to its articles."""
    most = max((r["articles"] for r in rows), default=1)
    steps = sorted({max(1, round(most / 4)), max(1, round(most / 2)), most})
    return {
        "mark": {
            "type": "circle",
            "color": POINT_COLOR,
            "opacity": 0.65,
            "stroke": "white",
            "strokeWidth": 1,
            "clip": True,
            "tooltip": True,
            "cursor": "pointer",
        },
        "encoding": {
            "longitude": {"field": "lon", "type": "quantitative"},
            "latitude": {"field": "lat", "type": "quantitative"},
            "size": {
                "field": "articles",
                "type": "quantitative",
                "scale": {"domain": [0, most], "range": [0, AREA]},
                "legend": {
                    "orient": "bottom",
                    "title": "articles naming the place",
                    "values": steps,
                },
            },
            "order": {"field": "articles", "sort": "descending"},
            "tooltip": [
                {"field": "place", "type": "nominal", "title": "place"},
                {"field": "country", "type": "nominal", "title": "country"},
                {"field": "articles", "type": "quantitative", "title": "articles"},
            ],
        },
    }


def _labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A layer per name written on the map, beside its circle (a mark's offset is a
    constant: a layer each keeps data out of expressions)."""
    return [
        {
            "transform": [{"filter": {"field": "rank", "equal": r["rank"]}}],
            "mark": {
                "type": "text",
                "align": "left" if r["dx"] > 0 else "right",
                "dx": r["dx"],
                "fontSize": 11,
                "clip": True,
            },
            "encoding": {
                "longitude": {"field": "lon", "type": "quantitative"},
                "latitude": {"field": "lat", "type": "quantitative"},
                "text": {"field": "place", "type": "nominal"},
            },
        }
        for r in rows
        if "dx" in r
    ]


def _land_data(land: str | Mapping[str, Any]) -> dict[str, Any]:
    fmt = {"type": "topojson", "feature": "land"}
    if isinstance(land, str):
        return {"url": land, "format": fmt}
    return {"values": dict(land), "format": fmt}


def _projection(rows: list[dict[str, Any]], world: bool) -> dict[str, Any]:
    """Equal Earth, fitted to the places with a margin, or to the world. The extent is
    two corner points, which no polygon's winding can turn into the whole globe."""
    if world or not rows:
        return {"type": "equalEarth", "fit": {"type": "Sphere"}}
    corners = [list(c) for c in _extent(rows)]
    fit = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": corners},
    }
    return {"type": "equalEarth", "fit": fit}


def _extent(rows: list[dict[str, Any]]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The places' south-west and north-east corners with a margin, at least 16° of
    longitude by 8° of latitude (a single place is not drawn at street level)."""
    lons = [r["lon"] for r in rows]
    lats = [r["lat"] for r in rows]
    half_lon = max(max(lons) - min(lons), 16.0) * 0.6
    half_lat = max(max(lats) - min(lats), 8.0) * 0.6
    mid_lon, mid_lat = (max(lons) + min(lons)) / 2, (max(lats) + min(lats)) / 2
    return (
        (max(mid_lon - half_lon, -180.0), max(mid_lat - half_lat, -85.0)),
        (min(mid_lon + half_lon, 180.0), min(mid_lat + half_lat, 85.0)),
    )


def _map_title(places: Places) -> str:
    if places.query:
        return f"Places named in articles matching {places.query}"
    return "Places named in the archive"


def _map_subtitle(places: Places, rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{places.total:,} article{'s' if places.total != 1 else ''}; "
        f"{len(rows):,} place{'s' if len(rows) != 1 else ''}, "
        "each sized by the articles that name it"
    ]
    unplaced = len(places.places) - len(rows)
    if unplaced:
        lines.append(f"{unplaced:,} region{'s' if unplaced != 1 else ''} named have no point")
    return lines


def _config() -> dict[str, Any]:
    return {
        "font": "sans-serif",
        "title": {"fontSize": 15, "subtitleFontSize": 11, "subtitleColor": "#555"},
        "axis": {"labelFontSize": 10, "titleFontSize": 11, "labelOverlap": True},
        "legend": {"labelFontSize": 11, "titleFontSize": 11},
    }


# -- the outline and the files ------------------------------------------------------
def land_topology() -> dict[str, Any]:
    """The world's land (Natural Earth 1:110m, TopoJSON from world-atlas), read from the
    package with a bounded read."""
    import json

    return dict(json.loads(_land_text()))


@functools.lru_cache(maxsize=1)
def _land_text() -> str:
    try:
        with LAND.open("rb") as f:
            data = f.read(LAND_MAX_BYTES + 1)
    except OSError as e:
        raise DataError(
            f"The world outline {LAND} cannot be read: {e.strerror or e}.",
            "Reinstall conflict: the file ships with it.",
        ) from e
    if len(data) > LAND_MAX_BYTES:
        raise DataError(
            f"The world outline {LAND} is larger than {LAND_MAX_BYTES:,} bytes: not ours.",
            "Reinstall conflict, or run tools/vendor_js.py in a checkout.",
        )
    return data.decode("utf-8")


def chart_format(path: Path) -> str:
    """The picture a file's name asks for, "svg" or "png"; any other is a usage error,
    raised before anything is counted."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"{path}: a picture is written as .svg or .png, not {suffix or 'a file without one'}.",
            f"Give a file name ending in .svg or .png, e.g. {path.with_suffix('.svg').name}.",
        )
    return suffix[1:]


def draw(spec: Mapping[str, Any], fmt: str) -> bytes:
    """The spec drawn as an SVG (UTF-8) or PNG by vl-convert, which fetches nothing
    (allowed_base_urls=[]: a URL in the spec is an error, not a request)."""
    vlc = _vl_convert()
    if fmt == "svg":
        svg = vlc.vegalite_to_svg(dict(spec), vl_version=VL_VERSION, allowed_base_urls=[])
        return str(svg).encode("utf-8")
    png = vlc.vegalite_to_png(
        dict(spec), vl_version=VL_VERSION, scale=PNG_SCALE, allowed_base_urls=[]
    )
    return bytes(png)


def render(spec: Mapping[str, Any], path: Path) -> int:
    """Write the spec to `path` as SVG or PNG by its suffix; the file appears only once
    complete. Returns the bytes written."""
    from conflictcli.errors import fault
    from conflictcli.keys import write_file

    data = draw(spec, chart_format(path))
    path = path.expanduser()
    try:
        write_file(path, lambda f: f.buffer.write(data))
    except OSError as e:
        raise fault(e) or UsageError(
            f"Cannot write {path}: {e.strerror or e}.", "Choose another file."
        ) from e
    return len(data)


def _vl_convert() -> Any:
    try:
        import vl_convert
    except ImportError as e:
        raise UsageError(
            "Pictures need vl-convert, which is not installed.",
            "Install it with: pip install 'conflict[chart]'",
        ) from e
    return vl_convert
