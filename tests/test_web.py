"""The reading room (conflict serve) through Starlette's test client, on a real archive
of sample_data and one hostile article: the guard (token, host, same origin), the
security headers, every count on a page equal to `conflict count`, exports identical to
`conflict export`, the CLI's JSON under /api, hostile text kept text, bad input told."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import as_json, invoke, sample_and_hostile

pytest.importorskip("starlette", reason="the web extra is not installed")
pytest.importorskip("httpx2", reason="the test extra (httpx2) is not installed")

from starlette.testclient import TestClient

from conflictcli import team
from conflictcli.web.app import make_app

TOKEN = "t0ken-for-tests-only"
QUERIES = ["Kherson", "drones", "Kyiv OR Kharkiv", '"air defence"', "drone*"]
FILTERS: list[dict[str, Any]] = [
    {},
    {"since": "2024-01-01", "until": "2024-06-30"},
    {"place": "Kharkiv"},
    {"lang": "en"},
    {"any": "1"},
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_and_hostile(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(archive: Path) -> Iterator[TestClient]:
    app = make_app(lambda: team.open_archive(archive), TOKEN, {"127.0.0.1", "localhost"})
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        c.get("/", params={"token": TOKEN})  # the cookie, as a browser gets it
        yield c


def _cli(archive: Path, *args: str) -> Any:
    return as_json(invoke(*args, "--json", "--index", str(archive)))


def _args(params: dict[str, Any]) -> list[str]:
    out = []
    for k, v in params.items():
        out += ["--any"] if k == "any" else [f"--{k}", v]
    return out


def test_no_page_without_the_token(archive: Path) -> None:
    app = make_app(lambda: team.open_archive(archive), TOKEN, {"127.0.0.1"})
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        for path in ("/", "/search?q=Kherson", "/api/count?q=Kherson", "/export.csv?q=Kherson"):
            assert c.get(path).status_code == 403
            assert c.get(path, params={"token": "wrong"}).status_code == 403
        first = c.get("/search", params={"q": "Kherson", "token": TOKEN})
        assert first.status_code == 200
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert c.get("/search", params={"q": "Kherson"}).status_code == 200  # the cookie
        assert c.get("/static/app.css").status_code == 200  # the package's own files


def test_another_host_is_refused(client: TestClient) -> None:
    """DNS rebinding: a page of evil.example resolving to 127.0.0.1 is not answered."""
    r = client.get("/search", params={"q": "Kherson"}, headers={"host": "evil.example:8765"})
    assert r.status_code == 400


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/search?q=Kherson", "/api/count?q=Kherson", "/nowhere", "/search?page=x"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        script = csp.split("script-src", 1)[1].split(";", 1)[0]
        assert "'self'" in script and "unsafe" not in script, csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-content-type-options"] == "nosniff"


def test_a_watch_shows_what_is_new_and_a_change_must_come_from_this_origin(
    client: TestClient, archive: Path, tmp_path: Path
) -> None:
    assert invoke("watch", "add", "kh", "Kherson", "--index", str(archive)).exit_code == 0
    (tmp_path / "new.txt").write_text(" date 2024-05-02\nKherson was shelled again.\n", "utf-8")
    assert invoke("ingest", str(tmp_path), "--index", str(archive), "-q").exit_code == 0
    page = client.get("/watches").text
    assert re.search(r"kh\b.*1 new", page, re.S), page
    url = "/watches/kh/seen"
    assert client.post(url).status_code == 403  # no Origin: a form of another site
    assert client.post(url, headers={"origin": "http://evil.example"}).status_code == 403
    assert _cli(archive, "watch", "run", "kh", "--peek")["watches"][0]["new"] == 1
    r = client.post(url, headers={"origin": "http://127.0.0.1:8765"}, follow_redirects=False)
    assert r.status_code == 303
    assert _cli(archive, "watch", "run", "kh", "--peek")["watches"][0]["new"] == 0


def _total(page: str) -> int:
    m = re.search(r'id="total">([\d,]+)<', page)
    assert m, page[:500]
    return int(m.group(1).replace(",", ""))


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: ",".join(p) or "none")
@pytest.mark.parametrize("query", QUERIES)
def test_the_page_total_and_every_facet_equal_conflict_count(
    client: TestClient, archive: Path, query: str, params: dict[str, Any]
) -> None:
    page = client.get("/search", params={"q": query, **params})
    assert page.status_code == 200
    want = _cli(archive, "count", query, *_args(params))["count"]
    assert _total(page.text) == want
    api = client.get("/api/count", params={"q": query, **params}).json()
    assert api["count"] == want
    listed = client.get("/api/search", params={"q": query, "limit": 0, **params}).json()
    cli = _cli(archive, "search", query, "--limit", "0", *_args(params))
    assert listed["total"] == cli["total"] == want
    assert [x["id"] for x in listed["results"]] == [x["id"] for x in cli["results"]]
    checked = 0
    for by in ("source", "lang", "country", "place", "year"):
        groups = _cli(archive, "count", query, "--by", by, *_args(params)).get("groups", [])
        for g in groups:
            if g["key"] is None or not g["count"]:
                continue
            shown = re.search(
                rf'>{re.escape(str(g["key"]))}</a> <span class="n">([\d,]+)<', page.text
            )
            if shown:  # the facet lists the largest few
                assert int(shown.group(1).replace(",", "")) == g["count"], (by, g)
                checked += 1
    assert checked >= 2 or want == 0  # the languages and the years at least


def test_a_facet_narrows_to_what_it_said(client: TestClient, archive: Path) -> None:
    page = client.get("/search", params={"q": "Kyiv OR Kharkiv"}).text
    links = re.findall(
        r'href="/search\?([^"]*place=[^"]*)">([^<]+)</a> <span class="n">([\d,]+)<', page
    )
    assert links, "no place facet"
    for query, _name, n in links[:4]:
        narrowed = client.get("/search?" + query.replace("&amp;", "&")).text
        assert _total(narrowed) == int(n.replace(",", ""))


def test_hostile_text_stays_text(client: TestClient, archive: Path) -> None:
    pages = [client.get("/search", params={"q": "Kherson"}).text]
    evil = next(
        x["id"]
        for x in _cli(archive, "search", "Kherson", "--limit", "0")["results"]
        if "evil.jsonl" in str(x["path"])
    )
    assert f"/article/{evil}" in pages[0]
    pages.append(client.get(f"/article/{evil}", params={"q": "Kherson"}).text)
    for body in pages:
        assert "<script>alert" not in body and "<b>bold</b>" not in body
        assert "<i>Evil</i>" not in body
        assert not re.search(r"<img[^>]*onerror", body, re.I)
        assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", body, re.I)
        assert "&lt;script&gt;" in body
    assert "javascript:alert(3)" in pages[1]  # the url shown, as text


def test_exports_are_conflict_exports(client: TestClient, archive: Path) -> None:
    for fmt in ("csv", "jsonl"):
        got = client.get(f"/export.{fmt}", params={"q": "Kherson"})
        assert got.status_code == 200
        want = invoke("export", "Kherson", "-f", fmt, "--index", str(archive)).stdout
        assert got.text == want
        assert "attachment" in got.headers["content-disposition"]
    rows = client.get("/export.csv", params={"q": "Kherson"}).text.splitlines()
    assert not any(line.startswith(("=", "+", "@")) for line in rows)


def test_article_page_shows_the_article_and_marks_the_query(
    client: TestClient, archive: Path
) -> None:
    hit = _cli(archive, "search", "Belgorod")["results"][0]
    page = client.get(f"/article/{hit['id']}", params={"q": "Belgorod"}).text
    assert "<mark>Belgorod</mark>" in page
    assert hit["id"] in page and Path(hit["path"]).name in page


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        ("/search?page=abc", 400, "is not a page"),
        ("/search?q=Kherson&sort=sideways", 400, "is not an order"),
        ("/search?q=" + "x" * 3000, 400, "longer than"),
        ("/search?q=Kherson&since=notadate", 400, "notadate"),
        ("/article/ffffffffffff", 404, "ffffffffffff"),
        ("/export.xls?q=Kherson", 400, "export.csv"),
        ("/api/nothing?q=Kherson", 400, "No /api/nothing"),
        ("/api/search?q=Kherson&limit=many", 400, "is not a number"),
        ("/api/similar?id=x&limit=0", 400, "is not a number"),
        ("/timeline?q=Kyiv&by=fortnight", 400, "is not a period"),
    ],
)
def test_bad_input_is_told_not_a_traceback(
    client: TestClient, path: str, status: int, said: str
) -> None:
    r = client.get(path)
    assert r.status_code == status, r.text[:300]
    assert said in r.text and "Traceback" not in r.text


def test_serve_refuses_another_host_without_allow_remote() -> None:
    r = invoke("serve", "--host", "0.0.0.0", "--no-browser")
    assert r.exit_code == 2
    assert "--allow-remote" in r.stderr and "Traceback" not in r.stderr


def test_timeline_and_map_pages_count_as_the_cli_does(client: TestClient, archive: Path) -> None:
    page = client.get("/timeline", params=[("q", "Kyiv"), ("q", "Kharkiv")])
    assert page.status_code == 200, page.text[:500]
    for query in ("Kyiv", "Kharkiv"):
        want = _cli(archive, "count", query)["count"]
        assert re.search(rf"<td>{query}</td><td class=\"n\">{want:,}</td>", page.text)
    assert 'data-spec="' in page.text and "<script>" not in page.text.split("<main>")[1]
    places = client.get("/map", params={"q": "Ukraine"})
    assert places.status_code == 200
    want = _cli(archive, "count", "Ukraine")["count"]
    assert f"<strong>{want:,}</strong> articles" in places.text


def test_similar_is_conflict_similar(client: TestClient, archive: Path) -> None:
    hit = _cli(archive, "search", "Belgorod")["results"][0]
    got = client.get("/api/similar", params={"id": hit["id"], "limit": 5}).json()
    want = _cli(archive, "similar", hit["id"], "-n", "5")
    assert got["id"] == want["id"] == hit["id"]
    assert [r["id"] for r in got["results"]] == [r["id"] for r in want["results"]]
    page = client.get(f"/article/{hit['id']}").text
    assert f'data-src="/api/similar?id={hit["id"]}"' in page
    assert client.get("/api/similar", params={"id": "ffffffffffff"}).status_code == 404
