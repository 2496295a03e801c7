"""The bulk segment writer (segment.py) against Whoosh's own: the same documents give
the same terms, statistics and postings, read back through Whoosh."""

from __future__ import annotations

import datetime as dt
import functools
import random
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex
from whoosh.writing import SegmentWriter

from conflictcli.articles import Article
from conflictcli.engine.whoosh.fast import blocks
from conflictcli.engine.whoosh.fast import pool as pools
from conflictcli.engine.whoosh.fast.batch import Batch
from conflictcli.engine.whoosh.fast.segment import BulkSegmentWriter
from conflictcli.engine.whoosh.schema import SCHEMA
from conflictcli.engine.whoosh.writer import analyse
from conflictcli.readers import Sidecars, read
from conflictcli.reading import in_workers

from conftest import CORPORA, SAMPLE, UKRAINE_MEDIA, Articles, Run, as_json


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


def _build(
    folder: Path,
    docs: list[dict[str, Any]],
    bulk: bool,
    limitmb: float,
    mapper: Any = None,
    inline: bool = False,
) -> Any:
    folder.mkdir()
    ix = windex.create_in(str(folder), SCHEMA)
    w = BulkSegmentWriter(ix, limitmb) if bulk else SegmentWriter(ix, _lk=False, limitmb=128)
    if mapper:
        w.mapper = mapper
    if inline:
        w.inline = True
    for doc in docs:
        w.add_document(**doc)
    w.commit()
    return windex.open_dir(str(folder), schema=SCHEMA)


_WHERE = ("_offset", "_length", "_inlined")  # where the postings are: in blocks, or inlined


def _read_back(ix: Any) -> list[tuple[Any, ...]]:
    with ix.reader() as r:
        out = []
        for (fieldname, term), info in r._terms.items():
            stats = {k: v for k, v in vars(info).items() if k not in _WHERE}
            m, postings = r.postings(fieldname, term), []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value() or None))
                m.next()
            out.append((fieldname, term, stats, postings))
        lengths = [
            (f, d, r.doc_field_length(d, f)) for f in SCHEMA.names() for d in range(r.doc_count())
        ]
        return [*out, lengths, [r.stored_fields(d) for d in range(r.doc_count())]]


def _read_back_all(ix: Any) -> list[Any]:
    """_read_back through Whoosh's public reader (one segment or several): each term's
    document frequency, weight and postings, numbered in the whole index; each
    document's lengths and stored fields, in order."""
    with ix.reader() as r:
        out: list[Any] = []
        for fieldname, term in sorted(r.all_terms()):
            m, postings = r.postings(fieldname, term), []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value() or None))
                m.next()
            stats = (r.doc_frequency(fieldname, term), r.frequency(fieldname, term))
            out.append((fieldname, term, stats, postings))
        count = r.doc_count_all()
        lengths = [(f, d, r.doc_field_length(d, f)) for f in SCHEMA.names() for d in range(count)]
        totals = {f: r.field_length(f) for f in SCHEMA.names()}
        return [*out, lengths, totals, [r.stored_fields(d) for d in range(count)]]


def _assert_same(
    tmp_path: Path,
    docs: list[dict[str, Any]],
    limitmb: float,
    ahead: list[dict[str, Any]] | None = None,
    mapper: Any = None,
) -> None:
    """`ahead`: the same documents, some with postings made ahead (index.analyse);
    `mapper`: what encodes the postings at commit (worker processes)."""
    theirs = _read_back(_build(tmp_path / "whoosh", docs, bulk=False, limitmb=128))
    ours = _read_back(
        _build(tmp_path / "bulk", ahead or docs, bulk=True, limitmb=limitmb, mapper=mapper)
    )
    assert len(ours) == len(theirs)
    assert ours == theirs


@pytest.mark.parametrize("limitmb", [128, 0.05])  # in memory; spilled to many runs
def test_sample_data_reads_back_as_whooshs_own_writer(tmp_path: Path, limitmb: float) -> None:
    _assert_same(tmp_path, _documents(SAMPLE, 1000), limitmb)


def test_postings_encoded_by_worker_processes_read_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At commit, worker processes encode the postings a chunk of terms at a time
    (blocks.encode); written in order, they read back as Whoosh's own writer's."""
    monkeypatch.setattr(blocks, "PARALLEL_FROM", 0)
    monkeypatch.setattr(blocks, "JOB_POSTINGS", 500)  # many chunks, in every field,
    monkeypatch.setattr(blocks, "JOB_TERMS", 40)  # cut by postings or by terms
    mapper = functools.partial(in_workers, n=2)
    _assert_same(tmp_path, _documents(SAMPLE, 1000), 128, mapper=mapper)


@pytest.mark.parametrize("limitmb", [128, 0.05])
def test_inlined_postings_read_back_as_whooshs_own_writer(tmp_path: Path, limitmb: float) -> None:
    """A checkpoint's segment keeps each term's postings in the term index itself
    (TermPool.write_inline): the same terms, statistics, postings and weights."""
    docs = _documents(SAMPLE, 1000)
    theirs = _read_back(_build(tmp_path / "whoosh", docs, bulk=False, limitmb=128))
    ours = _read_back(_build(tmp_path / "inline", docs, bulk=True, limitmb=limitmb, inline=True))
    assert ours == theirs


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


@pytest.mark.parametrize("limitmb", [128, 1])
def test_real_articles_read_back_as_whooshs_own_writer(
    tmp_path: Path, limitmb: float, differential_articles: Callable[[Path], Articles]
) -> None:
    """Postings made ahead in batches of 8, as worker processes make them: most
    documents are given so; every third is given as text between them; every eleventh
    was analysed but is not added (an article already in the archive). Real articles,
    or generated ones where the corpora are absent."""
    docs = _documents(differential_articles(CORPORA / UKRAINE_MEDIA / "articles").folder, 300)
    assert len(docs) == 300
    ahead: list[dict[str, Any]] = []
    for at in range(0, len(docs), 8):
        batch = Batch()
        made = [analyse(batch, _article(d)) for d in docs[at : at + 8]]
        batch.freeze()
        for n, (doc, pre) in enumerate(zip(docs[at : at + 8], made, strict=True), at):
            if n % 3 == 0:
                ahead.append(doc)
            elif n % 11 != 5:
                ahead.append(dict(doc, title=pre, body=pre))
    kept = [d for n, d in enumerate(docs) if n % 3 == 0 or n % 11 != 5]
    assert len(kept) == len(ahead) < len(docs)
    _assert_same(tmp_path, kept, limitmb, ahead)


def _article(doc: dict[str, Any]) -> Article:
    return Article(id=doc["id"], date=None, title=doc["title"], body=doc["body"])


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
    assert (
        len(windex.open_dir(str(many / "whoosh"), schema=SCHEMA)._segments()) < 8
    )  # some were merged
    for q in ["Belgorod drones", "Kharkiv", '"grain corridor"', "attack OR strike"]:
        a = as_json(run("search", q, "--limit", "0", "--json", "--index", str(one)))
        b = as_json(run("search", q, "--limit", "0", "--json", "--index", str(many)))
        assert a["total"] == b["total"]
        assert {h["snippet"] for h in a["results"]} == {h["snippet"] for h in b["results"]}


def test_term_index_hashes_keys_with_crc32_and_finds_every_term(tmp_path: Path) -> None:
    """The bulk writer's term index names hash type 1 (CRC-32) in its header, which
    Whoosh's reader follows: every term is found by a look-up, as in Whoosh's own
    (MD5) index, in blocked and in inlined segments."""
    docs = _documents(SAMPLE, 1000)
    theirs = _build(tmp_path / "whoosh", docs, bulk=False, limitmb=128)
    with theirs.reader() as r:
        terms = list(r.all_terms())
    for name, inline in (("blocked", False), ("inline", True)):
        ix = _build(tmp_path / name, docs, bulk=True, limitmb=128, inline=inline)
        headers = [p.read_bytes()[:5] for p in (tmp_path / name).glob("*.trm")]
        assert headers and all(h == b"HSH3\x01" for h in headers)
        with ix.reader() as r:
            assert all(r.frequency(f, t) > 0 for f, t in terms)
            assert (("body", b"no-such-word") in r) is False


def _articles(folder: Path, limit: int) -> list[Article]:
    sidecars = Sidecars()
    paths = sorted(folder.rglob("*.txt"))[:limit]
    return [a for p in paths for a in read(p, p.read_bytes(), sidecars)]


def _checkpointed(
    folder: Path, articles: list[Article], every: int, batch: int, mapper: Any = None
) -> Any:
    """An index written as an ingest writes it: batches of postings made ahead, a
    checkpoint every `every` articles (its segment from a chunk of the batches), the checkpoints' segments merged (merge.py), and at the end the
    last ones."""
    from conflictcli.engine.whoosh.writer import IndexWriter

    folder.mkdir()
    ix = windex.create_in(str(folder), SCHEMA)
    w = IndexWriter(ix, checkpoints=True)
    w.mapper = mapper
    for at in range(0, len(articles), batch):
        made = Batch()
        given = [(a, analyse(made, a)) for a in articles[at : at + batch]]
        made.freeze()
        for a, analysed in given:
            w.add(a, analysed)
            if w.pending >= every:
                w.checkpoint()
    w.finish(commit=True)
    return windex.open_dir(str(folder), schema=SCHEMA)


def _plain(folder: Path, articles: list[Article]) -> Any:
    """The same articles given as text to one writer without checkpoints."""
    from conflictcli.engine.whoosh.writer import IndexWriter

    folder.mkdir()
    ix = windex.create_in(str(folder), SCHEMA)
    w = IndexWriter(ix)
    for a in articles:
        w.add(a)
    w.finish(commit=True)
    return windex.open_dir(str(folder), schema=SCHEMA)


@pytest.mark.parametrize("workers", [False, True], ids=["here", "workers"])
def test_checkpoints_merged_read_back_as_one_plain_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: bool
) -> None:
    """Checkpoints commit small segments (from a chunk of their batches); at the end they
    are merged into one, a range of terms at a time read back from them and written again (by worker processes, or here): it reads
    back as that of a writer given the same articles as text."""
    from conflictcli.engine.whoosh.fast import reread

    monkeypatch.setattr(blocks, "JOB_POSTINGS", 700)  # many ranges of terms in each field
    monkeypatch.setattr(blocks, "JOB_TERMS", 60)
    mapper = functools.partial(in_workers, n=2) if workers else None
    seen = {"ranges": 0}
    cuts = reread.cuts

    def counted_cuts(*args: Any) -> list[bytes | None]:
        got = cuts(*args)
        seen["ranges"] += len(got) - 1
        return got

    monkeypatch.setattr(reread, "cuts", counted_cuts)
    articles = _articles(SAMPLE, 1000)
    assert len(articles) > 40
    theirs = _read_back(_plain(tmp_path / "plain", articles))
    ix = _checkpointed(tmp_path / "chunks", articles, every=7, batch=5, mapper=mapper)
    assert len(ix._segments()) == 1
    assert not list((tmp_path / "chunks").glob("*.inlined"))
    assert _read_back(ix) == theirs
    assert seen["ranges"] > 10  # the body in many ranges, and each other field


def test_tiers_merge_in_place_and_keep_every_document_in_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments merged in tiers as an ingest goes (the checkpoints' segments once they
    hold FLUSH_DOCS documents, then FACTOR segments of a tier into one of the next):
    several merges, each of segments next to each other, into their place; the index
    holds every document in the order it was added, with the postings, lengths and
    stored fields a writer given the same articles makes."""
    from conflictcli.engine.whoosh.fast import merge

    monkeypatch.setattr(merge, "FLUSH_DOCS", 9)
    monkeypatch.setattr(merge, "FACTOR", 2)
    monkeypatch.setattr(merge, "UNIT", 1)  # tiers of a few bytes: sizes alone decide
    # each merge written at once, not in a thread: done by the next checkpoint
    monkeypatch.setattr(merge.Merge, "start", merge.Merge.write)
    plans: list[tuple[int, int]] = []
    plan = merge.plan

    def watched(held: Any, final: bool) -> Any:
        got = plan(held, final)
        if got is not None:
            plans.append(got)
            assert got[1] == len(held)  # the segments at the end, next to each other
        return got

    monkeypatch.setattr(merge, "plan", watched)
    articles = _articles(SAMPLE, 1000)
    theirs = _read_back_all(_plain(tmp_path / "plain", articles))
    ix = _checkpointed(tmp_path / "tiers", articles, every=4, batch=3)
    assert len(plans) > 4
    assert any(b - a > 2 for a, b in plans)  # a tier of merged segments merged again
    assert 1 <= len(ix._segments()) < len(articles) / 9
    assert _read_back_all(ix) == theirs


def test_merges_written_while_the_ingest_goes_on_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merges whose postings are written in a thread while checkpoints go on (each
    committed at the first checkpoint after it is done, whenever that is): the index
    holds what one writer given the same articles makes, in the same order."""
    from conflictcli.engine.whoosh.fast import merge

    monkeypatch.setattr(merge, "FLUSH_DOCS", 12)
    monkeypatch.setattr(merge, "FACTOR", 3)
    monkeypatch.setattr(merge, "UNIT", 1)
    started: list[int] = []
    start = merge.Merge.start

    def counted(self: Any) -> None:
        started.append(len(self.chosen))
        start(self)

    monkeypatch.setattr(merge.Merge, "start", counted)
    articles = _articles(SAMPLE, 1000)
    theirs = _read_back_all(_plain(tmp_path / "plain", articles))
    ix = _checkpointed(tmp_path / "threads", articles, every=3, batch=2)
    assert started
    assert not list((tmp_path / "threads").glob("*.inlined"))
    assert _read_back_all(ix) == theirs


def test_a_merge_leaves_deleted_documents_out(tmp_path: Path) -> None:
    """Segments with deleted documents, merged: those documents are gone, those after
    them moved up, the rest as a writer given only the documents kept makes them."""
    from conflictcli.engine.whoosh.fast import merge
    from conflictcli.engine.whoosh.writer import IndexWriter

    articles = _articles(SAMPLE, 1000)[:40]
    gone = {a.id for a in articles[3:40:6]}
    folder = tmp_path / "deleted"
    ix, w = _checkpoints_of_nine(folder, articles)
    w.finish(commit=True)
    w = IndexWriter(ix, checkpoints=True)
    for aid in sorted(gone):
        w.delete(aid)
    w.checkpoint()
    w.finish(commit=True)
    ix = windex.open_dir(str(folder), schema=SCHEMA)
    segments = merge.upstream.committed_segments(ix)
    assert sum(s.deleted_count() for s in segments) == len(gone)
    _merge_all(ix)
    kept = [a for a in articles if a.id not in gone]
    theirs = _read_back(_plain(tmp_path / "plain", kept))
    ix = windex.open_dir(str(folder), schema=SCHEMA)
    assert len(ix._segments()) == 1
    assert _read_back(ix) == theirs


def _checkpoints_of_nine(folder: Path, articles: list[Any]) -> tuple[Any, Any]:
    """A new index in `folder` and its writer, the articles added with a checkpoint
    after every ninth (left open: the caller ends it)."""
    from conflictcli.engine.whoosh.writer import IndexWriter

    folder.mkdir()
    ix = windex.create_in(str(folder), SCHEMA)
    w = IndexWriter(ix, checkpoints=True)
    for n, a in enumerate(articles):
        w.add(a)
        if n % 9 == 8:
            w.checkpoint()
    return ix, w


def _merge_all(ix: Any) -> Any:
    """Every segment of the index merged into one, committed."""
    from conflictcli.engine.whoosh.fast import merge

    segments = merge.upstream.committed_segments(ix)
    m = merge.Merge(ix, segments, (0, len(segments)), None, keep=False)
    m.write()
    assert m.commit()
    return m


def test_deletions_made_while_a_merge_is_written_are_moved_to_its_segment(
    tmp_path: Path,
) -> None:
    """A merge's postings are written while the ingest goes on (Merge.start); articles
    deleted meanwhile from the segments it merges are deleted from the new one when it
    is committed, and a later merge leaves them out."""
    from conflictcli.engine.whoosh.fast import merge
    from conflictcli.engine.whoosh.fast.segment import BulkSegmentWriter

    articles = _articles(SAMPLE, 1000)[:40]
    gone = {a.id for a in articles[2:40:5]}
    folder = tmp_path / "meanwhile"
    ix, w = _checkpoints_of_nine(folder, articles)
    w._recent.commit(merge=False)  # the last checkpoint, no merge at the end
    segments = merge.upstream.committed_segments(ix)
    assert len(segments) > 3
    m = merge.Merge(ix, segments, (1, len(segments)), None, keep=True)
    m.start()
    deleting = BulkSegmentWriter(ix, limitmb=1)
    deleting.keep = [m.segment]  # as a checkpoint's writer keeps the merge's files
    for aid in sorted(gone):
        deleting.delete_by_term("id", aid)
    deleting.commit(merge=False)
    assert m.commit()
    ix = windex.open_dir(str(folder), schema=SCHEMA)
    assert len(ix._segments()) == 2
    with ix.reader() as r:
        assert r.doc_count() == len(articles) - len(gone)
        found = {stored["id"] for _, stored in r.iter_docs()}
    assert found == {a.id for a in articles} - gone
    _merge_all(ix)
    theirs = _read_back(_plain(tmp_path / "plain", [a for a in articles if a.id not in gone]))
    assert _read_back(windex.open_dir(str(folder), schema=SCHEMA)) == theirs


def test_the_tiers_plan() -> None:
    """What merge.plan asks for: the checkpoints' segments at the end once they hold
    FLUSH_DOCS documents (or at the end of an ingest), else FACTOR segments of a tier
    at the end, with any smaller ones after them."""
    from conflictcli.engine.whoosh.fast.merge import FACTOR, FLUSH_DOCS, UNIT, Held, plan

    big = Held(50_000, UNIT * FACTOR**2, False)
    mid = Held(6_000, UNIT * FACTOR, False)
    small = Held(1_000, UNIT, False)
    inl = Held(1_000, UNIT, True)
    assert plan([], final=True) is None
    assert plan([big, inl, inl], final=False) is None
    assert plan([big, inl, inl], final=True) == (1, 3)
    assert plan([big, inl], final=True) == (1, 2)  # alone: into blocks all the same
    many = [inl] * (FLUSH_DOCS // 1_000)
    assert plan([big, *many], final=False) == (1, 1 + len(many))
    assert plan([big, *[mid] * (FACTOR - 1)], final=False) is None
    assert plan([big, *[mid] * FACTOR], final=False) == (1, 1 + FACTOR)
    assert plan([big, *[mid] * FACTOR, small], final=False) == (1, 2 + FACTOR)
    assert plan([*[big] * (FACTOR - 1), *[mid] * 3], final=False) is None


def test_a_long_stretch_between_checkpoints_reads_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches held for a checkpoint beyond CHUNKS_HELD (a long stretch, as with
    CONFLICT_CHECKPOINT set high) are taken into per-term arrays as they come, not
    merged all at once at the end: the same segment."""
    monkeypatch.setattr(pools, "CHUNKS_HELD", 20_000)
    held = {"most": 0}
    unpart = pools.TermPool._unpart

    def watched(self: pools.TermPool, fieldname: str | None = None) -> None:
        held["most"] = max(held["most"], self._parts_size)
        unpart(self, fieldname)

    monkeypatch.setattr(pools.TermPool, "_unpart", watched)
    articles = _articles(SAMPLE, 1000)
    theirs = _read_back(_plain(tmp_path / "plain", articles))
    ix = _checkpointed(tmp_path / "chunks", articles, every=10_000, batch=5)
    assert _read_back(ix) == theirs
    assert 20_000 < held["most"] < 200_000  # taken in once past the bound


def test_a_checkpoints_segment_reads_back_as_its_articles(tmp_path: Path) -> None:
    """The segment a checkpoint commits (from a chunk of its batches) holds what a
    plain writer makes of the same articles."""
    from conflictcli.engine.whoosh.writer import IndexWriter

    articles = _articles(SAMPLE, 1000)[:23]
    theirs = _read_back(_plain(tmp_path / "plain", articles))
    (tmp_path / "chunks").mkdir()
    ix = windex.create_in(str(tmp_path / "chunks"), SCHEMA)
    w = IndexWriter(ix, checkpoints=True)
    made = Batch()
    given = [(a, analyse(made, a)) for a in articles]
    made.freeze()
    for a, analysed in given:
        w.add(a, analysed)
    w.checkpoint()
    ix = windex.open_dir(str(tmp_path / "chunks"), schema=SCHEMA)
    assert len(ix._segments()) == 1
    assert _read_back(ix) == theirs
    w.finish(commit=False)
