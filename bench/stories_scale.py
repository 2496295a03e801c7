#!/usr/bin/env python
"""How the time of near-duplicate detection (stories.py) grows with the archive.

A generated corpus (bench/corpus.py's articles, with copies of earlier ones mixed in:
see COPIES) is put, article after article, into a catalogue of its own as an ingest
files it: each batch analysed as a worker analyses it (reading.analyse_batch; the
engine's part left out), then each article given its story (Stories.story_of, timed)
and written (Store.put_article). The figure is the time of story_of per 1,000
articles over a window of articles just before each checkpoint (10k, 20k, 40k), in
each tree given: the tree's own conflictcli is imported (PYTHONPATH), so a git
worktree of an earlier commit measures the code before. Each tree's stories are
compared: the same partition of the articles into stories, or the differences.

    python bench/stories_scale.py --articles 40000 --at 10000,20000,40000 \\
        --tree before=/tmp/stories-before --tree after=.

The corpus is made in memory and written nowhere; the catalogues go to a temporary
folder, removed at the end. Validated up to 50,000 articles (README: 2 cores shared).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

# Of every 1,000 articles: copies of an earlier article with small edits (most of them
# within the recent ones, some of any age), copies edited past the threshold, and posts
# that end with one of a few long footers (an advert, a subscription box): texts of
# different reports that share a band through the footer, the case that made one
# article cost many comparisons.
COPIES = 120
FAR_COPIES = 30
FOOTERS = 50
_FOOTER_WORDS = 60


# --------------------------------------------------------------------------- corpus


def _footer(k: int) -> str:
    rnd = random.Random(f"footer:{k}")
    words = [
        "subscribe",
        "newsletter",
        "support",
        "independent",
        "journalism",
        "donate",
        "channel",
        "follow",
        "our",
        "latest",
        "updates",
        "read",
        "more",
        "share",
        "this",
        "story",
    ]
    return " ".join(rnd.choice(words) for _ in range(_FOOTER_WORDS)) + "."


def _edited(text: str, rng: random.Random, heavy: bool) -> str:
    """A copy of an article (` date D body`): a byline put first, the last paragraph
    dropped, or words changed here and there (heavy: a third of them)."""
    parts = text.split(" ", 3)  # "", "date", "YYYY-MM-DD", body
    head, body = " ".join(parts[:3]), parts[3] if len(parts) > 3 else ""
    paras = body.strip().split("\n\n")
    kind = rng.randrange(3)
    if heavy:
        words = body.split()
        for n in range(len(words)):
            if rng.random() < 0.35:
                words[n] = f"w{rng.randrange(10_000)}"
        body = " ".join(words)
    elif kind == 0:
        body = "\n\n".join(["By our correspondent", *paras])
    elif kind == 1 and len(paras) > 3:
        body = "\n\n".join(paras[:-1])
    else:
        words = body.split()
        for _ in range(max(1, len(words) // 50)):
            words[rng.randrange(len(words))] = f"w{rng.randrange(10_000)}"
        body = " ".join(words)
    return f"{head} {body}\n"


def texts(n: int, seed: int) -> Iterator[str]:
    """The corpus: article i of bench/corpus.py, or a copy of an earlier one, or one with
    a footer; each depends only on the seed and i (and on the earlier ones it copies)."""
    sys.path.insert(0, str(BENCH))
    from corpus import DEFAULT_CORPORA, article_text, load_real

    pool = load_real(DEFAULT_CORPORA)
    made: list[str] = []
    for i in range(n):
        rng = random.Random(f"stories-scale:{seed}:{i}")
        roll = rng.randrange(1000)
        if made and roll < COPIES + FAR_COPIES:
            recent = roll < COPIES
            j = (
                rng.randrange(max(0, len(made) - 500), len(made))
                if recent
                else rng.randrange(len(made))
            )
            text = _edited(made[j], rng, heavy=rng.random() < 0.15)
        else:
            text = article_text(i, seed, pool)
            if roll >= 1000 - FOOTERS:
                text = text.rstrip("\n") + "\n\n" + _footer(rng.randrange(3)) + "\n"
        made.append(text)
        yield text


# --------------------------------------------------------------------------- child


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One tree's run: the corpus filed in a catalogue, story_of timed."""
    import types

    import conflictcli
    from conflictcli import reading
    from conflictcli.readers import Sidecars, read
    from conflictcli.store import Store
    from conflictcli.stories import Stories

    # the engine's part of the analysis is left out (the same in every tree)
    stub = types.SimpleNamespace(prepare=lambda batch, bodies: [None] * len(batch))
    if hasattr(reading, "kind"):  # reading.py of the engines of issue 29
        reading.kind = lambda name: stub  # type: ignore[attr-defined]
    else:
        reading.ENGINE = stub  # type: ignore[attr-defined]
    folder = Path(args.work)
    store = Store(folder / "catalogue.db", write=True)
    stories = Stories(store)
    sidecars = Sidecars()
    checkpoints = sorted(int(x) for x in args.at.split(","))
    window = args.window
    story_s: list[float] = []  # story_of's time of each article filed
    analyse_s = 0.0
    clusters: dict[str, str] = {}
    order: list[str] = []
    batch: list[Any] = []
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
    store.begin()

    def flush() -> None:
        nonlocal analyse_s
        t0 = time.thread_time()
        done = reading.analyse_batch(batch, None)
        analyse_s += time.thread_time() - t0
        for a, _, packed, found in done:
            if a.id in clusters or store.has_article(a.id):
                continue
            if profile is not None:
                profile.enable()
            t0 = time.thread_time()  # CPU: the machine's other work does not count
            a.cluster = stories.story_of(a.id, a.body, found, a.date)
            story_s.append(time.thread_time() - t0)
            if profile is not None:
                profile.disable()
            store.put_article(a, packed)
            clusters[a.id] = a.cluster
            order.append(a.id)
            if len(order) % 5000 == 0:
                store.commit()
                store.begin()
        batch.clear()

    for i, text in enumerate(texts(args.articles, args.seed)):
        batch.extend(read(folder / "in" / f"{i:07d}.txt", text.encode(), sidecars, []))
        if len(batch) >= 64:
            flush()
    if batch:
        flush()
    store.commit()
    store.close()
    if profile is not None:
        import pstats

        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    at = {}
    for n in checkpoints:
        if n > len(story_s) * 1.05:  # (copies of an article's very text are one article)
            continue
        n = min(n, len(story_s))
        part = story_s[max(0, n - window) : n]
        at[str(n)] = round(1000 * sum(part) / len(part), 4)  # seconds per 1,000 articles
    return {
        "conflictcli": conflictcli.__file__,
        "articles": len(order),
        "story_s_per_1000": at,
        "story_s_total": round(sum(story_s), 3),
        "texts_read_again": getattr(stories, "read_again", None),  # None: not counted
        "analyse_s_per_1000": round(1000 * analyse_s / max(1, len(story_s)), 4),
        "partition": _partition(order, clusters),
        "clusters": [clusters[a] for a in order],
        "ids": order,
    }


def _partition(order: list[str], clusters: dict[str, str]) -> dict[str, Any]:
    sizes = Counter(clusters[a] for a in order)
    canon = sorted(sorted(a for a in order if clusters[a] == c) for c in sizes if sizes[c] > 1)
    return {
        "stories": len(sizes),
        "stories_of_2_or_more": sum(1 for s in sizes.values() if s > 1),
        "articles_in_them": sum(s for s in sizes.values() if s > 1),
        "largest": max(sizes.values(), default=0),
        "digest": hashlib.sha256(json.dumps(canon).encode()).hexdigest()[:16],
    }


# --------------------------------------------------------------------------- parent


def run_tree(name: str, tree: Path, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    work = tmp / name
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()), CONFLICT_WORKERS="0")
    cmd = [sys.executable, __file__, "--child", "--work", str(work), "--articles"]
    cmd += [str(args.articles), "--at", args.at, "--window", str(args.window)]
    cmd += ["--seed", str(args.seed)] + (["--profile"] if args.profile else [])
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{name}: the run failed:\n{out.stderr[-3000:]}")
    if args.profile:
        print(f"--- {name}\n{out.stderr}", file=sys.stderr)
    got: dict[str, Any] = json.loads(out.stdout)
    got["wall_s"] = round(time.perf_counter() - t0, 1)
    return got


def ingested(name: str, tree: Path, folder: Path, tmp: Path) -> dict[str, Any]:
    """`conflict ingest FOLDER` by a tree, into an archive of its own: each article's story
    as its catalogue keeps it, in the order the articles were added."""
    import sqlite3

    index = tmp / f"{name}-{folder.parent.name}-{folder.name}"
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()))
    # run from the temporary folder: `python -m` puts the working folder first on the path
    where = [sys.executable, "-c", "import conflictcli; print(conflictcli.__file__)"]
    package = subprocess.run(where, env=env, cwd=tmp, capture_output=True, text=True).stdout
    cmd = [sys.executable, "-m", "conflictcli", "ingest", str(folder), "--index", str(index)]
    t0 = time.perf_counter()
    out = subprocess.run(
        [*cmd, "--quiet"], env=env, cwd=tmp, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{name}: the ingest of {folder} failed:\n{out.stderr[-3000:]}")
    took = time.perf_counter() - t0
    db = sqlite3.connect(index / "catalogue.sqlite")
    rows = db.execute("SELECT id, cluster FROM articles ORDER BY added_at, rowid").fetchall()
    db.close()
    order = [r[0] for r in rows]
    clusters = dict(rows)
    return {
        "conflictcli": package.strip(),
        "ingest_s": round(took, 1),
        "partition": _partition(order, clusters),
        "ids": order,
        "clusters": [clusters[a] for a in order],
    }


def on_folders(args: argparse.Namespace, trees: list[list[str]]) -> dict[str, Any]:
    """Each folder ingested by each tree; their stories compared."""
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="stories-scale-") as tmp:
        for folder in args.on:
            got = {name: ingested(name, Path(path), folder, Path(tmp)) for name, path in trees}
            names = list(got)
            entry: dict[str, Any] = {
                n: {k: got[n][k] for k in ("conflictcli", "ingest_s")} | got[n]["partition"]
                for n in names
            }
            for n in names[1:]:
                a, b = got[names[0]], got[n]
                same_ids = sorted(a["ids"]) == sorted(b["ids"])
                mine = dict(zip(b["ids"], b["clusters"], strict=True))
                moved = [
                    (i, c, mine.get(i))
                    for i, c in zip(a["ids"], a["clusters"], strict=True)
                    if mine.get(i) != c
                ]
                entry[f"{names[0]} vs {n}"] = {
                    "same_articles": same_ids,
                    "articles_in_another_story": len(moved),
                    "first": moved[:10],
                }
            report[str(folder)] = entry
            print(f"{folder}: {json.dumps(entry)}", file=sys.stderr)
    return report


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Where two runs' stories differ: articles given another story's first article."""
    if a["ids"] != b["ids"]:
        return {"same_articles": False}
    moved = [
        (i, x, y) for i, x, y in zip(a["ids"], a["clusters"], b["clusters"], strict=True) if x != y
    ]
    return {"same_articles": True, "articles_in_another_story": len(moved), "first": moved[:10]}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/stories_scale.py", description=__doc__)
    p.add_argument("--articles", type=int, default=40_000, metavar="N")
    p.add_argument("--at", default="10000,20000,40000", help="checkpoints (articles filed)")
    p.add_argument("--window", type=int, default=2000, help="articles timed before each")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a tree whose conflictcli is measured (default: this one)",
    )
    p.add_argument(
        "--on",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="instead: ingest each folder (a real corpus) with each tree, compare the stories",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="write every figure here")
    p.add_argument("--profile", action="store_true", help="profile story_of (to stderr)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return 0
    trees = [t.split("=", 1) for t in args.tree] or [["this", str(REPO)]]
    if args.on:
        found = on_folders(args, trees)
        if args.json:
            args.json.write_text(json.dumps(found, indent=2) + "\n")
        print(json.dumps(found, indent=2))
        return 0
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="stories-scale-") as tmp:
        for name, path in trees:
            results[name] = run_tree(name, Path(path), args, Path(tmp))
            r = results[name]
            print(
                f"{name:>8}: story_of s/1000 articles at "
                + ", ".join(f"{k}: {v:.3f}" for k, v in r["story_s_per_1000"].items())
                + f"; analyse {r['analyse_s_per_1000']:.3f} s/1000; stories {r['partition']}"
                + f"; {r['wall_s']} s",
                file=sys.stderr,
            )
    names = list(results)
    report: dict[str, Any] = {
        "articles": args.articles,
        "window": args.window,
        "trees": {
            n: {k: v for k, v in results[n].items() if k not in ("ids", "clusters")} for n in names
        },
    }
    if len(names) > 1:
        report["differences"] = {n: compare(results[names[0]], results[n]) for n in names[1:]}
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    for n in names:
        growth = list(results[n]["story_s_per_1000"].values())
        if len(growth) > 1 and growth[0] > 0:
            print(f"{n}: last / first checkpoint {growth[-1] / growth[0]:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
