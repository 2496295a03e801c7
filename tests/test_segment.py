"""The bulk segment writer (segment.py) against Whoosh's own: the same documents give
the same terms, statistics and postings, read back through Whoosh."""

from __future__ import annotations

import datetime as dt
import random
import string
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex
from whoosh.writing import SegmentWriter

from conflictcli.index import SCHEMA, analyse
from conflictcli.readers import Sidecars, read
from conflictcli.segment import BulkSegmentWriter

from conftest import CORPORA, SAMPLE, Run, as_json


def _documents(folder: Path, limit: int) -> list[dict[str, Any]]:
    sidecars = Sidecars()
    docs = []
    for path in sorted(folder.rglob("*.txt"))[:limit]:
        for a in read(path, path.read_bytes(), sidecars):
            doc: dict[str, Any] = {
                "id": a.id,
                "title": a.title,
                "body": a.body,
                "source": a.source or "",
                "undated": 0 if a.date else 1,
            }
            if a.date:
                doc["date"] = dt.datetime(a.date.year, a.date.month, a.date.day)
            docs.append(doc)
    return docs


def _build(folder: Path, docs: list[dict[str, Any]], bulk: bool, limitmb: float) -> Any:
    folder.mkdir()
    ix = windex.create_in(str(folder), SCHEMA)
    w = BulkSegmentWriter(ix, limitmb) if bulk else SegmentWriter(ix, _lk=False, limitmb=128)
    for doc in docs:
        w.add_document(**doc)
    w.commit()
    return windex.open_dir(str(folder))


def _read_back(ix: Any) -> list[tuple[Any, ...]]:
    with ix.reader() as r:
        out = []
        for (fieldname, term), info in r._terms.items():
            stats = {k: v for k, v in vars(info).items() if k not in ("_offset", "_length")}
            out.append((fieldname, term, stats, list(r.postings(fieldname, term).all_items())))
        lengths = [
            (f, d, r.doc_field_length(d, f)) for f in SCHEMA.names() for d in range(r.doc_count())
        ]
        return [*out, lengths, [r.stored_fields(d) for d in range(r.doc_count())]]


def _assert_same(tmp_path: Path, docs: list[dict[str, Any]], limitmb: float) -> None:
    theirs = _read_back(_build(tmp_path / "whoosh", docs, bulk=False, limitmb=128))
    ours = _read_back(_build(tmp_path / "bulk", docs, bulk=True, limitmb=limitmb))
    assert len(ours) == len(theirs)
    assert ours == theirs


@pytest.mark.parametrize("limitmb", [128, 0.05])  # in memory; spilled to many runs
def test_sample_data_reads_back_as_whooshs_own_writer(tmp_path: Path, limitmb: float) -> None:
    _assert_same(tmp_path, _documents(SAMPLE, 1000), limitmb)


def test_long_postings_lists_span_many_blocks(tmp_path: Path) -> None:
    rng = random.Random(7)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(60)]
    docs = [
        {
            "id": f"doc{n}",
            # the first words are in nearly every document: postings of 300+ (3 blocks)
            "body": " ".join(words[:3] + rng.choices(words, k=rng.randint(0, 400))),
            "title": " ".join(rng.choices(words, k=3)),
            "source": rng.choice(["", "Reuters", "TASS"]),
            "undated": 1,
        }
        for n in range(330)
    ]
    _assert_same(
        tmp_path, [dict(d, body="") if n % 50 == 0 else d for n, d in enumerate(docs)], 0.2
    )


@pytest.mark.skipif(not CORPORA.is_dir(), reason="needs ../shared/corpora beside the repository")
def test_real_articles_read_back_as_whooshs_own_writer(tmp_path: Path) -> None:
    docs = _documents(CORPORA / "ukraine-media-2022" / "articles", 300)
    for doc, pre in zip(docs[::2], [analyse_doc(d) for d in docs[::2]], strict=True):
        doc.update(pre)  # half of them analysed ahead, as worker processes do
    _assert_same(tmp_path, docs, 1)


def analyse_doc(doc: dict[str, Any]) -> dict[str, Any]:
    from conflictcli.articles import Article

    return analyse(Article(id=doc["id"], date=None, title=doc["title"], body=doc["body"]))


def test_many_small_ingests_merge_into_the_same_results(run: Run, tmp_path: Path) -> None:
    """Whoosh merges small segments on commit (its add_reader, through the pool's
    one-posting path): eight ingests of a few files find what one ingest finds."""
    files = sorted(SAMPLE.rglob("*.txt"))
    tree = tmp_path / "all"
    for n in range(8):
        (tree / f"step{n}").mkdir(parents=True)
        for f in files[n::8]:
            (tree / f"step{n}" / f"{f.parent.name}-{f.name}").write_bytes(f.read_bytes())
    one, many = tmp_path / "one", tmp_path / "many"
    run("ingest", str(tree), "--index", str(one), "--json")
    for n in range(8):
        run("ingest", str(tree / f"step{n}"), "--index", str(many), "--json")
    assert len(windex.open_dir(str(many / "whoosh"))._segments()) < 8  # some were merged
    for q in ["Belgorod drones", "Kharkiv", '"grain corridor"', "attack OR strike"]:
        a = as_json(run("search", q, "--limit", "0", "--json", "--index", str(one)))
        b = as_json(run("search", q, "--limit", "0", "--json", "--index", str(many)))
        assert a["total"] == b["total"]
        assert {h["snippet"] for h in a["results"]} == {h["snippet"] for h in b["results"]}
