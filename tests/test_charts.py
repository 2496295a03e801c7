"""The pictures (charts.py): `timeline --chart` and `places --map` write SVG and PNG
that hold exactly the CLI's counts, draw hostile text as text, fetch nothing, and fail
with a message rather than a traceback. vl-convert's first drawing in a process takes
a second or two; the tests that check a spec's data capture it instead of drawing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conflictcli import charts
from conflictcli.errors import DataError, UsageError
from conflictcli.records.counts import Bucket, Place, Places, Timeline
from tests.conftest import Run, as_json

HOSTILE = "<script>alert('x')</script> {{datum.id}} \" & ' + sin(1) + '"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The specs the CLI hands to charts.render, which writes nothing here."""
    specs: list[dict[str, Any]] = []

    def render(spec: dict[str, Any], path: Path) -> int:
        specs.append(json.loads(json.dumps(spec)))  # as the page would receive it
        return 0

    monkeypatch.setattr(charts, "render", render)
    return specs


def _layer_values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline rows of a spec's data (the map's places, not its land)."""
    if "values" in spec.get("data", {}) and isinstance(spec["data"]["values"], list):
        return list(spec["data"]["values"])
    return [row for layer in spec.get("layer", []) for row in _layer_values(layer)]


def _walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [
            kv for k, v in node.items() for kv in [(f"{path}/{k}", v), *_walk(v, f"{path}/{k}")]
        ]
    if isinstance(node, list):
        return [kv for n, v in enumerate(node) for kv in _walk(v, f"{path}/{n}")]
    return []


# -- the data: the CLI's counts, exactly ---------------------------------------------
@pytest.mark.parametrize("by", ["week", "month", "day"])
def test_the_timeline_chart_holds_the_timeline_json_counts_which_sum_to_count(
    run: Run, sample_archive: Path, captured: list[dict[str, Any]], tmp_path: Path, by: str
) -> None:
    ix = str(sample_archive)
    queries = ["Kyiv", "Kharkiv", "drone"]
    r = run(
        "timeline",
        *queries,
        "--by",
        by,
        "--json",
        "--chart",
        str(tmp_path / "t.svg"),
        "--index",
        ix,
    )
    assert r.exit_code == 0, r.output
    timelines = json.loads(r.stdout)  # stdout keeps the JSON
    (spec,) = captured
    rows = _layer_values(spec)
    for t in timelines:
        drawn = [(row["period"], row["count"]) for row in rows if row["query"] == t["query"]]
        assert drawn == [(b["period"], b["count"]) for b in t["buckets"]]
        peaks = [row["period"] for row in rows if row["query"] == t["query"] and row["peak"]]
        assert peaks == t["peaks"]
        counted = as_json(run("count", t["query"], "--json", "--index", ix))["count"]
        assert sum(c for _, c in drawn) + t["undated"] == counted
        assert f"undated {t['undated']}" in " ".join(spec["title"]["subtitle"])


def test_the_map_holds_the_places_json(
    run: Run, sample_archive: Path, captured: list[dict[str, Any]], tmp_path: Path
) -> None:
    r = run(
        "places",
        "--json",
        "-n",
        "0",
        "--map",
        str(tmp_path / "m.png"),
        "--index",
        str(sample_archive),
    )
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    located = [p for p in got["places"] if p["lat"] is not None]
    assert located and len(located) < len(got["places"])  # the regions have no point
    (spec,) = captured
    points = _layer_values(spec)
    assert [(p["id"], p["place"], p["articles"], p["lat"], p["lon"]) for p in points] == [
        (p["id"], p["place"], p["articles"], p["lat"], p["lon"]) for p in located
    ]
    regions = len(got["places"]) - len(located)
    assert f"{regions} regions named have no point" in spec["title"]["subtitle"]
    land = spec["layer"][1]["data"]  # inlined: vl-convert draws nothing for a relative url
    assert land["values"]["type"] == "Topology" and land["format"]["feature"] == "land"


def test_the_page_passes_the_outline_as_a_url() -> None:
    places = Places("", 1, [Place("Kyiv", "place:kyiv", "place", 1, "UA", 50.45, 30.52)])
    spec = charts.map_spec(places, "/static/land-110m.json", width="container")
    assert spec["layer"][1]["data"] == {
        "url": "/static/land-110m.json",
        "format": {"type": "topojson", "feature": "land"},
    }
    assert spec["width"] == "container"
    assert charts.map_spec(places, "/x", world=True)["projection"]["fit"] == {"type": "Sphere"}


def test_no_text_of_a_user_or_an_article_goes_into_an_expression() -> None:
    timeline = Timeline(
        HOSTILE, "month", [Bucket("2024-01", 3)], 2, ["2024-01"], "2024-01-02", "2024-01-30"
    )
    places = Places(HOSTILE, 4, [Place(HOSTILE, "place:" + HOSTILE, "place", 4, "UA", 50.0, 30.0)])
    for spec in (
        charts.timeline_spec([timeline, timeline]),
        charts.map_spec(places, charts.land_topology()),
    ):
        for where, value in _walk(spec):
            key = where.rsplit("/", 1)[1]
            assert key not in ("expr", "calculate", "labelExpr", "signal", "test"), where
            if key == "filter":
                assert isinstance(value, dict) and "field" in value, where
            if key == "field":
                assert value in (
                    "query",
                    "period",
                    "count",
                    "peak",
                    "rank",
                    "place",
                    "country",
                    "articles",
                    "lat",
                    "lon",
                ), where


# -- the files ----------------------------------------------------------------------
def test_timeline_and_map_are_written_as_svg_and_png(
    run: Run, sample_archive: Path, tmp_path: Path
) -> None:
    ix = str(sample_archive)
    for args, name in (
        (["timeline", "Kyiv", "Kharkiv", "--by", "month", "--chart"], "t"),
        (["places", "--map"], "m"),
    ):
        for suffix in (".svg", ".png"):
            out = tmp_path / f"{name}{suffix}"
            r = run(*args[:-1], args[-1], str(out), "--index", ix)
            assert r.exit_code == 0, r.output
            assert f"wrote {out} (" in r.stderr
            assert r.stdout.strip(), "stdout keeps the table"
            data = out.read_bytes()
            assert 5_000 < len(data) < 1_500_000
            if suffix == ".png":
                assert data.startswith(PNG_MAGIC)
            else:
                text = data.decode("utf-8")
                assert text.lstrip().startswith("<svg") and text.rstrip().endswith("</svg>")
                assert ("Kharkiv" if name == "t" else "Moscow") in text
    assert "<path" in (tmp_path / "m.svg").read_text("utf-8")  # the land is drawn


def test_hostile_text_is_written_as_text_in_the_svg(
    run: Run, sample_archive: Path, tmp_path: Path
) -> None:
    out = tmp_path / "hostile.svg"
    r = run(
        "timeline",
        "Kyiv",
        HOSTILE,
        "--by",
        "year",
        "--chart",
        str(out),
        "--index",
        str(sample_archive),
    )
    assert r.exit_code == 0, r.output
    svg = out.read_text("utf-8")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "{{datum.id}}" in svg  # as typed, not evaluated
    place = Places("", 1, [Place(HOSTILE, "place:evil", "place", 1, "UA", 50.0, 30.0)])
    svg = charts.draw(charts.map_spec(place, charts.land_topology()), "svg").decode()
    assert "<script" not in svg and "&lt;script&gt;" in svg


def test_nothing_is_fetched() -> None:
    spec = {"data": {"url": "http://127.0.0.1:9/x.json"}, "mark": "bar"}
    with pytest.raises(Exception, match="not allowed"):
        charts.draw(spec, "svg")


def test_render_passes_no_allowed_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[Any] = []

    class Fake:
        @staticmethod
        def vegalite_to_svg(spec: Any, **kw: Any) -> str:
            seen.append(kw["allowed_base_urls"])
            return "<svg></svg>"

        @staticmethod
        def vegalite_to_png(spec: Any, **kw: Any) -> bytes:
            seen.append(kw["allowed_base_urls"])
            return PNG_MAGIC

    monkeypatch.setitem(sys.modules, "vl_convert", Fake)
    assert charts.render({}, tmp_path / "a.svg") == len("<svg></svg>")
    assert charts.render({}, tmp_path / "a.PNG") == len(PNG_MAGIC)
    assert seen == [[], []]


# -- errors: a message and an exit code, never a traceback --------------------------
@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (
            ["timeline", "Kyiv", "--chart", "out.pdf"],
            "out.pdf: a picture is written as .svg or .png, not .pdf",
            2,
        ),
        (["places", "--map", "places"], "places: a picture is written as .svg or .png", 2),
        (
            ["timeline", "Kyiv", "--chart", "/no/such/folder/t.svg"],
            "Cannot write /no/such/folder/t.svg",
            2,
        ),
    ],
)
def test_bad_files_are_refused_with_a_message(
    run: Run, sample_archive: Path, tmp_path: Path, args: list[str], message: str, code: int
) -> None:
    r = run(*args, "--index", str(sample_archive))
    assert r.exit_code == code, r.output
    assert "Error: " + message in r.stderr
    assert "Traceback" not in r.output + r.stderr


def test_a_wrong_suffix_is_refused_before_the_archive_is_opened(run: Run, tmp_path: Path) -> None:
    r = run("timeline", "Kyiv", "--chart", "t.jpg", "--index", str(tmp_path / "none"))
    assert r.exit_code == 2 and "t.jpg" in r.stderr


def test_without_the_chart_extra_the_message_says_what_to_install(
    run: Run, sample_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import fails
    r = run("places", "--map", str(tmp_path / "m.svg"), "--index", str(sample_archive))
    assert r.exit_code == 2, r.output
    assert "pip install 'conflict[chart]'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m.svg").exists()


def test_the_outline_is_read_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    topo = charts.land_topology()
    assert topo["type"] == "Topology" and "land" in topo["objects"]
    charts._land_text.cache_clear()
    monkeypatch.setattr(charts, "LAND_MAX_BYTES", 1000)
    try:
        with pytest.raises(DataError, match="larger than 1,000 bytes"):
            charts.land_topology()
    finally:
        charts._land_text.cache_clear()


def test_chart_format() -> None:
    assert charts.chart_format(Path("a.SVG")) == "svg"
    assert charts.chart_format(Path("b.png")) == "png"
    with pytest.raises(UsageError, match="a file without one"):
        charts.chart_format(Path("noext"))
