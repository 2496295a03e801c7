"""Near-duplicate stories: copies of one report grouped at ingest, shown once in the
table, listed with their story in machine output, and counted as articles always.

Texts are written here from a word list (seeded), so that how much two of them share is
known; an independent oracle (plain Python sets of five-word runs) says which copies
must join a story."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictcli.stories import NUM_PERM, SEED, THRESHOLD, signature

from conftest import UKRAINE_MEDIA, Corpus, Run, as_json, needs_corpus, only_folder, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

WORDS = [
    "drone",
    "strike",
    "city",
    "region",
    "governor",
    "said",
    "forces",
    "army",
    "village",
    "front",
    "shelling",
    "power",
    "station",
    "bridge",
    "convoy",
    "officials",
    "reported",
    "attack",
    "missile",
    "defence",
    "troops",
    "border",
    "night",
    "morning",
    "residents",
    "damage",
    "fire",
    "engineers",
    "supply",
    "hospital",
    "ministry",
    "talks",
    "aid",
    "weapons",
    "artillery",
    "river",
    "port",
    "grain",
    "ship",
    "tanker",
    "rail",
    "depot",
    "fuel",
    "refinery",
    "market",
    "school",
]


def text(seed: int, paragraphs: int = 6, words: int = 45) -> list[str]:
    """Paragraphs of words drawn from WORDS with a seed: two seeds share few 5-word runs."""
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(WORDS) for _ in range(words)) + "." for _ in range(paragraphs)]


def article(date: str, paras: list[str], title: str | None = None) -> str:
    head = f" date {date}\n" + (f"title: {title}\n" if title else "")
    return head + "\n" + "\n\n".join(paras) + "\n"


def oracle(a: str, b: str) -> float:
    """Jaccard similarity of word 5-shingles, written plainly (not stories.py's code):
    words as the index reads them, lower case with accents taken off (U.S. one word)."""

    def runs(t: str) -> set[tuple[str, ...]]:
        plain = unicodedata.normalize("NFKD", t.lower())
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        w = re.findall(r"\w+(?:\.\w+)*", plain)
        return {tuple(w[i : i + 5]) for i in range(max(1, len(w) - 4))}

    x, y = runs(a), runs(b)
    return len(x & y) / len(x | y)


@pytest.fixture
def wire(tmp_path: Path) -> Path:
    """One report, three copies of it as outlets carry them, and two other reports."""
    base = text(1)
    d = tmp_path / "wire"
    write(d / "a-original.txt", article("2024-03-27", base))
    retitled = [*base, "Reporting by the news desk."]  # the same text alone is the same article
    write(d / "b-retitled.txt", article("2024-03-27", retitled, "Drone cuts power, governor says"))
    write(d / "c-trimmed.txt", article("2024-03-27", base[:-1]))
    write(d / "d-byline.txt", article("2024-03-28", ["By our correspondent", *base]))
    write(d / "e-other.txt", article("2024-03-27", text(2)))
    write(d / "f-other.txt", article("2024-03-29", text(3)))
    return d


def _all(run: Run, *args: str) -> list[dict[str, Any]]:
    r = run("search", *args, "--jsonl", "--limit", "0")
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_copies_of_a_report_are_one_story_and_other_reports_stand_alone(
    run: Run, wire: Path
) -> None:
    assert run("ingest", str(wire), "--quiet").exit_code == 0
    got = as_json(run("dupes", "--json"))
    assert got["stories_count"] == 1 and got["articles"] == 4
    assert got["threshold"] == THRESHOLD
    (story,) = got["stories"]
    members = {Path(as_json(run("show", m["id"], "--json"))["path"]).name for m in story["members"]}
    assert members == {"a-original.txt", "b-retitled.txt", "c-trimmed.txt", "d-byline.txt"}
    first = as_json(run("show", story["members"][0]["id"], "--json"))
    assert Path(first["path"]).name == "a-original.txt"  # the one that came first opens it
    assert story["id"] == first["id"] == first["cluster"]
    assert story["first_date"] == "2024-03-27" and story["last_date"] == "2024-03-28"
    for name in ("e-other.txt", "f-other.txt"):
        alone = as_json(run("show", str(wire / name), "--json"))
        assert alone["cluster"] == alone["id"] and alone["similar"] == []


def dupes_as_search_says(run: Run, *args: str) -> dict[str, Any]:
    """`dupes QUERY` held to search: the stories listed are exactly the clusters that two
    or more of the query's articles (search --limit 0) share, each with those articles,
    the largest first; the counts are theirs. Returns the JSON of dupes."""
    found = _all(run, *args) if args and args[0] else _all(run, "*", *args[1:])
    per: dict[str, list[str]] = {}
    for r in found:
        per.setdefault(r["cluster"], []).append(r["id"])
    shared = {c: sorted(ids) for c, ids in per.items() if len(ids) > 1}
    r = run("dupes", *args, "--json", "-n", "100000")
    assert r.exit_code == 0, r.stderr
    got = as_json(r)
    assert (got["query"], got["total"]) == (args[0] if args else "", len(found))
    assert got["stories_count"] == len(shared)
    assert got["articles"] == sum(len(ids) for ids in shared.values())
    listed = {story["id"]: sorted(m["id"] for m in story["members"]) for story in got["stories"]}
    assert listed == shared, args
    for story in got["stories"]:
        assert story["articles"] == len(story["members"]) >= 2
        days = [m["date"] for m in story["members"] if m["date"]]
        assert (story["first_date"], story["last_date"]) == (
            min(days, default=None),
            max(days, default=None),
        )
    sizes = [(-story["articles"], story["id"]) for story in got["stories"]]
    assert sizes == sorted(sizes)  # the largest first, then by id
    return got


def test_dupes_query_lists_the_stories_of_two_or_more_matching_copies(run: Run, wire: Path) -> None:
    assert run("ingest", str(wire), "--quiet").exit_code == 0
    everything = as_json(run("dupes", "--json"))
    assert (everything["query"], everything["total"], everything["articles"]) == ("", 6, 4)
    assert dupes_as_search_says(run, "", "--since", "2024-03-27") == everything | {"total": 6}
    until = dupes_as_search_says(run, "", "--until", "2024-03-27")  # a, b, c: not d
    assert until["articles"] == 3 and until["total"] == 4
    assert dupes_as_search_says(run, "", "--since", "2024-03-28")["stories"] == []  # d, f
    assert dupes_as_search_says(run, "correspondent")["stories"] == []  # d alone says it
    both = dupes_as_search_says(run, "correspondent OR desk")  # d and b
    assert [story["articles"] for story in both["stories"]] == [2]
    assert both["stories"][0]["id"] == everything["stories"][0]["id"]  # the story's own id
    word = text(1)[0].split()[0]
    dupes_as_search_says(run, word, "--any")
    dupes_as_search_says(run, word, "--exact", "--until", "2024-03-28")
    told = run("dupes", "correspondent")
    assert told.exit_code == 0 and "No story holds two of the 1 articles that match" in told.stderr
    told = run("dupes", "correspondent OR desk")
    assert "1 story holds 2 of the 2 articles that match" in told.stderr


@pytest.mark.parametrize("changed", [10, 30, 40, 45, 50, 55, 70, 90])
def test_a_copy_joins_exactly_when_its_similarity_reaches_the_threshold(
    run: Run, tmp_path: Path, changed: int
) -> None:
    """A copy whose last `changed` of 270 words are other words (similarity 0.94 to
    0.49 by the oracle): it joins the story if and only if the oracle's similarity is
    at least THRESHOLD."""
    words, other = " ".join(text(7)).split(), " ".join(text(8)).split()
    base = [" ".join(words)]
    copy = [" ".join(words[: len(words) - changed] + other[:changed])]
    write(tmp_path / "in" / "a.txt", article("2024-01-01", base))
    write(tmp_path / "in" / "b.txt", article("2024-01-02", copy))
    assert run("ingest", str(tmp_path / "in"), "--quiet").exit_code == 0
    a = as_json(run("show", str(tmp_path / "in" / "a.txt"), "--json"))
    b = as_json(run("show", str(tmp_path / "in" / "b.txt"), "--json"))
    joined = b["cluster"] == a["id"]
    assert joined == (oracle(a["body"], b["body"]) >= THRESHOLD), oracle(a["body"], b["body"])


def test_the_table_shows_a_story_once_and_machine_output_lists_every_copy(
    run: Run, wire: Path
) -> None:
    run("ingest", str(wire), "--quiet")
    word = text(1)[0].split()[0]  # in the report and its copies
    table = run("search", f'"{" ".join(text(1)[2].split()[:6])}"')
    assert table.exit_code == 0, table.stderr
    rows = [line for line in table.stdout.splitlines() if re.match(r"\s*\d+\s+\d{4}-", line)]
    assert "+3 similar" in table.stdout and len(rows) == 1  # four copies, one line
    assert "3 similar articles are folded" in table.stderr
    every = run("search", f'"{" ".join(text(1)[2].split()[:6])}"', "--all")
    assert "similar" not in every.stdout and len(every.stdout.strip().splitlines()) >= 6
    listed = _all(run, f'"{" ".join(text(1)[2].split()[:6])}"')
    assert len(listed) == 4 and len({r["cluster"] for r in listed}) == 1
    assert all("similar" not in r for r in listed)
    collapsed = _all(run, f'"{" ".join(text(1)[2].split()[:6])}"', "--collapse")
    assert [r["similar"] for r in collapsed] == [3]
    rows = list(
        csv.DictReader(io.StringIO(run("search", word, "--csv", "--collapse", "-n", "0").stdout))
    )
    assert rows and all(r["similar"].isdigit() for r in rows)
    assert (
        sum(1 + int(r["similar"]) for r in rows) == as_json(run("search", word, "--json"))["total"]
    )


def test_collapsed_pages_put_together_are_the_whole_collapsed_list(
    run: Run, tmp_path: Path
) -> None:
    """Many stories of several copies: every limit and offset page of the collapsed
    list is a slice of the whole, one line a story, and the lines count every match."""
    rnd = random.Random(5)
    d = tmp_path / "many"
    for story in range(12):
        base = text(100 + story, paragraphs=4)
        for copy in range(rnd.randint(1, 4)):
            paras = base if copy == 0 else [f"Reported by desk {copy}.", *base[: 3 + copy % 2]]
            write(d / f"s{story:02d}-{copy}.txt", article(f"2024-02-{1 + story:02d}", paras))
    assert run("ingest", str(d), "--quiet").exit_code == 0
    queries = [
        ("drone", []),
        ("strike OR fire", []),
        ("army NOT grain", []),
        ("port", ["--sort", "newest"]),
        ("drone", ["--since", "2024-02-06"]),
    ]
    for q, extra in queries:
        query = " ".join([q, *extra])
        whole = _all(run, q, *extra, "--collapse")
        total = as_json(run("search", q, *extra, "--json"))["total"]
        assert sum(1 + r["similar"] for r in whole) == total, query
        assert len({r["cluster"] for r in whole}) == len(whole), query
        assert len(_all(run, q, *extra)) == total, query
        ids = [r["id"] for r in whole]
        for limit in (1, 2, 3, 5):
            for offset in (0, 1, 4, 7):
                args = ["--json", "--collapse", "-n", str(limit), "--offset", str(offset)]
                page = as_json(run("search", q, *extra, *args))
                full = [r["id"] for r in page["results"] if not r.get("partial")]
                assert full == ids[offset : offset + limit], (query, limit, offset)
                assert page["total"] == total


def test_a_later_copy_joins_the_story_of_an_earlier_ingest(run: Run, tmp_path: Path) -> None:
    base = text(11)
    write(tmp_path / "day1" / "a.txt", article("2024-05-01", base))
    write(tmp_path / "day1" / "x.txt", article("2024-05-01", text(12)))
    assert run("ingest", str(tmp_path / "day1"), "--quiet").exit_code == 0
    write(tmp_path / "day2" / "b.txt", article("2024-05-02", [*base[:-1], "Updated at noon."]))
    assert run("ingest", str(tmp_path / "day2"), "--quiet").exit_code == 0
    a = as_json(run("show", str(tmp_path / "day1" / "a.txt"), "--json"))
    b = as_json(run("show", str(tmp_path / "day2" / "b.txt"), "--json"))
    assert b["cluster"] == a["id"]
    assert [m["id"] for m in a["similar"]] == [b["id"]]
    assert [m["id"] for m in b["similar"]] == [a["id"]]  # the first article first
    plain = run("show", b["id"])
    assert f"similar {a['id'][:8]}  2024-05-01" in plain.stdout


def test_removing_the_first_article_keeps_the_rest_of_its_story(run: Run, tmp_path: Path) -> None:
    base = text(21)
    d = tmp_path / "in"
    write(d / "a.txt", article("2024-06-01", base))
    write(d / "b.txt", article("2024-06-02", base[:-1]))
    write(d / "c.txt", article("2024-06-03", ["Byline.", *base]))
    run("ingest", str(d), "--quiet")
    (d / "a.txt").unlink()
    assert run("ingest", str(d), "--prune", "--quiet").exit_code == 0
    b = as_json(run("show", str(d / "b.txt"), "--json"))
    c = as_json(run("show", str(d / "c.txt"), "--json"))
    assert b["cluster"] == c["cluster"] and [m["id"] for m in b["similar"]] == [c["id"]]
    assert as_json(run("dupes", "--json"))["articles"] == 2


@needs_corpus(UKRAINE_MEDIA)
def test_every_story_of_a_real_corpus_is_close_to_its_first_article(
    ukraine_media: Corpus,
) -> None:
    """On ukraine-media-2022: stories exist; every member is at least THRESHOLD similar
    to its story's first article by the oracle; a collapsed list counts every match."""
    got = as_json(ukraine_media.run("dupes", "--json", "-n", "1000"))
    assert got["stories_count"] >= 10
    assert got["articles"] == sum(s["articles"] for s in got["stories"])
    for story in got["stories"]:
        ids = [m["id"] for m in story["members"]]
        assert len(ids) == story["articles"] and ids[0] == story["id"]
        first = as_json(ukraine_media.run("show", ids[0], "--json"))["body"]
        for other in ids[1:]:
            body = as_json(ukraine_media.run("show", other, "--json"))["body"]
            assert oracle(first, body) >= THRESHOLD, (story["id"], other)
    for words, extra in [
        ("Kherson", []),
        ("Lysychansk", []),
        ("Dugin OR Darya", []),
        ("drone", ["--since", "2022-10"]),
    ]:
        q = " ".join([words, *extra])
        total = ukraine_media.search(words, *extra)["total"]
        collapsed = ukraine_media.search_all(words, *extra, "--collapse")
        assert sum(1 + r["similar"] for r in collapsed) == total, q
        assert len(ukraine_media.search_all(words, *extra)) == total, q


@needs_corpus(UKRAINE_MEDIA)
@pytest.mark.parametrize(
    "args",
    [
        ("Kherson",),
        ("Kherson", "--since", "2022-03"),
        ("drone", "--source", "Reuters", "--source", "Fox"),
        ("Zelensky Putin", "--any", "--until", "2022-06"),
        ("", "--place", "Mariupol"),
        ("Kiev", "--exact"),
    ],
)
def test_dupes_query_on_a_real_corpus_is_what_search_finds(
    ukraine_media: Corpus, args: tuple[str, ...]
) -> None:
    got = dupes_as_search_says(ukraine_media.run, *args)
    if args[0] == "Kherson":
        assert got["stories_count"] >= 3


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, (1 << 32) - 1), min_size=1, max_size=3000))
def test_signatures_are_datasketchs_affine32_minhash(hashes: set[int]) -> None:
    """stories.signature is datasketch's MinHash (num_perm, seed, affine32) made in one
    numpy pass: the stored bands depend on it, so any difference is a new SCHEME."""
    datasketch = pytest.importorskip("datasketch", reason="datasketch is a test dependency")
    values = sorted(hashes)
    m = datasketch.MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, scheme="affine32")
    m.update_batch(values)
    got = signature(np.array(values, dtype=np.uint64))
    assert got.dtype == np.uint32
    assert got.tolist() == m.hashvalues.tolist()


# -- what the comparison keeps (README: Stories at scale) ---------------------------

CYRILLIC = [
    "дрон",
    "удар",
    "місто",
    "область",
    "губернатор",
    "сказав",
    "сили",
    "армія",
    "село",
    "фронт",
    "обстріл",
    "станція",
    "міст",
    "колона",
    "посадовці",
    "ракета",
    "оборона",
    "війська",
    "кордон",
    "ніч",
    "ранок",
    "мешканці",
    "пожежа",
]
FOOTER = " ".join(random.Random("footer").choice(WORDS) for _ in range(40)) + "."


def _stream(seed: int, n: int) -> list[str]:
    """Articles in the project's format, in the order they come: reports (English or
    Ukrainian), copies of recent and old ones edited a little or a lot (similarity on
    both sides of THRESHOLD), short posts repeated on the same day and the next, posts
    ending with a channel's link, and reports that share a long footer."""
    rnd = random.Random(seed)
    made: list[tuple[str, list[str]]] = []  # (date, paragraphs)
    out = []
    for i in range(n):
        roll = rnd.random()
        day = f"2024-04-{1 + i * 20 // n:02d}"
        if made and roll < 0.35:  # a copy, of a recent article mostly
            j = rnd.randrange(max(0, len(made) - 15), len(made)) if rnd.random() < 0.8 else 0
            date, paras = made[rnd.randrange(len(made))] if j == 0 else made[j]
            words = " ".join(paras).split()
            n = len(words)  # a word changed breaks up to five shingles: n // 30 of them, 0.7
            changed = rnd.choice([0, 1, 2, n // 60, n // 40, n // 30, n // 25, n // 20])
            for _ in range(changed):
                words[rnd.randrange(len(words))] = rnd.choice(WORDS + CYRILLIC)
            paras = [" ".join(words)]
            if rnd.random() < 0.3:
                paras = ["By our correspondent.", *paras]
            date = date if rnd.random() < 0.6 else day
        elif roll < 0.45:  # a short post
            paras = [" ".join(rnd.choice(WORDS[:12]) for _ in range(rnd.randint(3, 9)))]
            date = day
        else:
            lex = CYRILLIC if rnd.random() < 0.2 else WORDS
            paras = [
                " ".join(rnd.choice(lex) for _ in range(rnd.randint(15, 45))) + "."
                for _ in range(rnd.randint(1, 5))
            ]
            if roll > 0.9:
                paras.append(FOOTER)
            elif roll > 0.85:
                paras.append("[Subscribe](https://t.me/news_channel) | @news_channel")
            date = day
        made.append((date, paras))
        out.append(article(date, paras))
    return out


class TextsCompared:
    """The reference: stories as they were found before anything was kept, written
    plainly: the candidates by one query on the bands (the stories sharing the most
    first, 20 at most), each candidate's text read from the catalogue and shingled
    again, the first that is most similar at THRESHOLD or more joined."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.compared: list[float] = []  # every similarity computed

    def story_of(self, aid: str, body: str, day: Any) -> str:
        from conflictcli.stories import (
            SHINGLE,
            SHORT_WORDS,
            WINDOW_DAYS,
            bands,
            shingles,
            similarity,
        )

        keys = bands([body])[0]
        candidates = []
        if keys:
            rows = self.store.conn.execute(
                f"SELECT article FROM bands WHERE key IN ({','.join('?' * len(keys))})"
                " GROUP BY article ORDER BY count(*) DESC, article LIMIT 20",
                keys,
            ).fetchall()
            for (p,) in rows:
                low = f"{p & 0xFFFFFFFF:08x}"
                sql = "SELECT id FROM articles WHERE id >= ? AND id < ? AND cluster = id"
                candidates += [r[0] for r in self.store.conn.execute(sql, (low, low + "g"))]
        candidates = [c for c in candidates if c != aid]
        best, best_sim = None, THRESHOLD
        mine = shingles(body)
        if candidates and day is not None and len(mine) <= SHORT_WORDS - SHINGLE:
            firsts = self.store.articles(candidates, texts=False)
            candidates = [
                c
                for c in candidates
                if (d := firsts[c].date) is None or abs((d - day).days) <= WINDOW_DAYS
            ]
        texts = self.store.bodies(candidates)
        for c in candidates:
            sim = similarity(mine, shingles(texts[c]))
            self.compared.append(sim)
            if sim >= best_sim and (best is None or sim > best_sim):
                best, best_sim = c, sim
        if best is not None:
            return best
        self.store.put_bands(aid, keys)
        return aid


def _reference(folders: list[Path], where: Path) -> tuple[dict[str, str], TextsCompared]:
    """Each article's story by TextsCompared, the files read as ingest reads them (each
    folder's in name order, one folder after the other)."""
    from conflictcli.readers import Sidecars, read
    from conflictcli.store import Store

    where.mkdir()
    store = Store(where / "catalogue.sqlite", write=True)
    ref = TextsCompared(store)
    got: dict[str, str] = {}
    store.begin()
    for folder in folders:
        for path in sorted(folder.iterdir()):
            for a in read(path, path.read_bytes(), Sidecars(), []):
                if a.id not in got:
                    a.cluster = got[a.id] = ref.story_of(a.id, a.body, a.date)
                    store.put_article(a)
    store.commit()
    store.close()
    return got, ref


def _catalogue(archive: Path) -> sqlite3.Connection:
    return sqlite3.connect(archive / "catalogue.sqlite")


def _leaders(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT id FROM articles WHERE cluster = id")}


def _sketched(db: sqlite3.Connection) -> set[str]:
    """The ids whose sketch the catalogue keeps (kept as signed 64-bit numbers)."""
    return {f"{n & (1 << 64) - 1:016x}" for (n,) in db.execute("SELECT article FROM sketches")}


@only_folder("reads the catalogue file with sqlite3")
def test_stories_from_kept_fingerprints_are_those_of_comparing_texts(
    run: Run, tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Differential: generated near-duplicates ingested (the first part by worker
    processes, which make the fingerprints; then the sketches dropped, as a catalogue
    of the version before has none; then a second part read here), with few shingles
    kept in memory so that old first articles are read again: every article is in the
    story that comparing every candidate's text gives."""
    from conflictcli import stories

    monkeypatch.setattr(stories, "KEPT_BYTES", 12_000)  # a few dozen first articles
    monkeypatch.setenv("CONFLICT_WORKERS", "2")
    texts = _stream(29, 330)
    first, second = tmp_path / "in" / "1", tmp_path / "in" / "2"
    for n, t in enumerate(texts):
        write((first if n < 220 else second) / f"{n:04d}.txt", t)
    assert run("ingest", str(first), "--quiet").exit_code == 0
    with _catalogue(isolated) as db:
        before = _leaders(db)
        assert _sketched(db) == before  # each story's first article, and no other
        db.execute("DROP TABLE sketches")
    assert run("ingest", str(second), "--quiet").exit_code == 0
    expected, ref = _reference([first, second], tmp_path / "ref")
    with _catalogue(isolated) as db:
        got = dict(db.execute("SELECT id, cluster FROM articles").fetchall())
        sketched, leaders = _sketched(db), _leaders(db)
    assert got == expected
    assert sketched <= leaders and sketched & before  # made again when they were compared
    sizes = [list(expected.values()).count(c) for c in set(expected.values())]
    assert sum(s > 1 for s in sizes) >= 30 and max(sizes) >= 3, sizes  # not vacuous
    assert any(0.55 <= s < THRESHOLD for s in ref.compared)  # near misses stay apart ...
    assert any(THRESHOLD <= s < 0.8 for s in ref.compared)  # ... near copies join


def test_a_band_shared_by_many_stories_costs_a_bounded_number_of_them(tmp_path: Path) -> None:
    """Hundreds of stories share one band (an advert's): an article with that band reads
    at most PER_BAND of them and compares at most CANDIDATES; the story that shares a
    second band with it comes first all the same, though the first PER_BAND read of
    the crowded band do not reach it."""
    from conflictcli.articles import Article
    from conflictcli.store import Store
    from conflictcli.stories import CANDIDATES, PER_BAND

    store = Store(tmp_path / "catalogue.sqlite", write=True)
    store.begin()
    # in the order the bands table keeps them (by the first 8 hex digits, signed)
    ids = sorted(
        (f"{random.Random(n).getrandbits(64):016x}" for n in range(3 * PER_BAND)),
        key=lambda i: int(i[:8], 16) ^ 1 << 31,
    )
    last = ids[-1]  # past the first PER_BAND of the crowded band
    for n, aid in enumerate(ids):
        store.put_article(Article(aid, None, f"advert {n}", f"advert number {n}", cluster=aid))
        store.put_bands(aid, [7, 8] if aid == last else [7])
    got = store.story_candidates([7, 8], CANDIDATES, PER_BAND)
    assert got == [last, *ids[: CANDIDATES - 1]]
    assert len(store.story_candidates([7], 10**6, 10**6)) == len(ids)  # all, unbounded
    store.rollback()
    store.close()


@settings(max_examples=80, deadline=None)
@given(
    st.integers(20, 3000),
    st.floats(0.0, 0.36),
    st.integers(0, (1 << 32) - 1),
)
def test_a_text_similar_enough_to_join_is_never_passed_over_by_its_sketch(
    size: int, away: float, seed: int
) -> None:
    """Two shingle sets of Jaccard similarity at least THRESHOLD: their sketches (the low
    byte of each MinHash value) agree in at least SKETCH_AGREE places, so the exact
    comparison is never skipped for a copy that joins."""
    from conflictcli.stories import SKETCH_AGREE, sketch_of

    rnd = np.random.default_rng(seed)
    a = np.unique(rnd.integers(0, 1 << 32, size, dtype=np.uint64))
    keep = a[rnd.random(len(a)) >= away / 2]  # some taken away, as many others put in
    b = np.unique(
        np.concatenate([keep, rnd.integers(0, 1 << 32, len(a) - len(keep), dtype=np.uint64)])
    )
    shared = len(np.intersect1d(a, b))
    if shared / (len(a) + len(b) - shared) < THRESHOLD:
        return
    x, y = sketch_of(signature(a)), sketch_of(signature(b))
    assert sum(p == q for p, q in zip(x, y, strict=True)) >= SKETCH_AGREE


@only_folder("damages the catalogue file with sqlite3")
def test_a_damaged_sketch_is_passed_over_for_the_text(
    run: Run, tmp_path: Path, isolated: Path
) -> None:
    """A sketch that is not 64 bytes (text, a short blob: a catalogue from elsewhere)
    is none: the first article's text is compared, the copy joins, and its sketch is
    made again."""
    base = text(31)
    write(tmp_path / "a" / "a.txt", article("2024-07-01", base))
    assert run("ingest", str(tmp_path / "a"), "--quiet").exit_code == 0
    for damage in ("'not a sketch'", "x'00ff'"):
        with _catalogue(isolated) as db:
            db.execute(f"UPDATE sketches SET sketch = {damage}")
        name = f"b{len(damage)}.txt"
        write(tmp_path / "b" / name, article("2024-07-02", [*base[:-1], f"Updated {damage}."]))
        assert run("ingest", str(tmp_path / "b"), "--quiet").exit_code == 0
        a = as_json(run("show", str(tmp_path / "a" / "a.txt"), "--json"))
        b = as_json(run("show", str(tmp_path / "b" / name), "--json"))
        assert b["cluster"] == a["id"]
        with _catalogue(isolated) as db:
            (kind, size), *_ = db.execute("SELECT typeof(sketch), length(sketch) FROM sketches")
        assert (kind, size) == ("blob", 64)
