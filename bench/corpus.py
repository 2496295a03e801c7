#!/usr/bin/env python
"""A deterministic corpus of N articles in the project's format, for the benchmark.

Each article is built from paragraphs of the real corpora in ../shared/corpora (relative to
the repository), sampled and recombined; where that folder is absent, from a built-in
generator of synthetic words. Article i depends only on the seed, i and the source, so the
same N and seed give byte-identical corpora, and the first 10,000 articles of a 100,000
corpus are the 10,000 corpus. The texts are written to the folder given, never into the
repository.

    python bench/corpus.py --articles 10000 --out /tmp/c10k          # prints JSON facts
    python bench/corpus.py --articles 60 --source synthetic --out /tmp/tiny
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import math
import os
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
SUFFIXES = frozenset({".txt", ".md"})  # what `conflict ingest` reads from a folder
PER_FOLDER = 1000  # files per subfolder: 1,000,000 articles make 1,000 folders

_DATE_LINE = re.compile(r"\s*date:?\s+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_BLANK = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“‘'(\[A-Z0-9])")
_LONG_PARAGRAPH = 1200  # longer blocks (whole single-paragraph bodies) are cut at sentences
_CHUNK = 600  # ... into chunks of about this many characters
_MIN_FIRST = 80  # the first paragraph (on the date line) is a real sentence, not noise


# --------------------------------------------------------------------------- files


def corpus_files(corpus: Path) -> list[Path]:
    """The files `conflict ingest CORPUS` reads: .txt/.md, hidden files and folders skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(
            Path(root) / name
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in SUFFIXES
        )
    return sorted(found)


def iter_corpus_files(corpus: Path) -> Iterator[Path]:
    """corpus_files(CORPUS) one at a time, in the same order, holding one folder's listing
    at a time (a million files need not be held at once): names sorted at each level,
    a folder walked where its name sorts; links to folders are not walked, as os.walk."""
    try:
        entries = sorted(os.scandir(corpus), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if not entry.is_symlink():
                yield from iter_corpus_files(Path(entry.path))
        elif Path(entry.name).suffix.lower() in SUFFIXES:
            yield Path(entry.path)


def split_article(text: str) -> tuple[str | None, str]:
    """(date, body) of a file in the project's format; date is None when not ISO."""
    m = _DATE_LINE.match(text)
    if not m:
        return None, text.strip()
    return m.group(1), text[m.end() :].strip()


# --------------------------------------------------------------------------- dates

# Articles per day, relative: a background before the full-scale invasion, its peak in
# spring 2022, then a slow decline. Every article gets a date in this span.
_DATE_SPANS: tuple[tuple[dt.date, dt.date, float], ...] = (
    (dt.date(2014, 1, 1), dt.date(2022, 2, 23), 0.25),
    (dt.date(2022, 2, 24), dt.date(2022, 4, 30), 6.0),
    (dt.date(2022, 5, 1), dt.date(2022, 12, 31), 3.0),
    (dt.date(2023, 1, 1), dt.date(2023, 12, 31), 1.5),
    (dt.date(2024, 1, 1), dt.date(2024, 12, 31), 1.0),
    (dt.date(2025, 1, 1), dt.date(2025, 6, 30), 0.8),
)
_SPAN_DAYS = [(b - a).days + 1 for a, b, _ in _DATE_SPANS]
_SPAN_CUM: list[float] = []
for _days, (_a, _b, _w) in zip(_SPAN_DAYS, _DATE_SPANS, strict=True):
    _SPAN_CUM.append((_SPAN_CUM[-1] if _SPAN_CUM else 0.0) + _days * _w)


def _date(rng: random.Random) -> str:
    k = bisect.bisect_right(_SPAN_CUM, rng.random() * _SPAN_CUM[-1])
    k = min(k, len(_DATE_SPANS) - 1)
    day = _DATE_SPANS[k][0] + dt.timedelta(days=rng.randrange(_SPAN_DAYS[k]))
    return day.isoformat()


# --------------------------------------------------------------------------- sources


@dataclass
class RealPool:
    """Paragraphs of the real corpora, and the lengths of their articles' bodies."""

    paragraphs: list[str]
    firsts: list[int]  # indexes of paragraphs long enough to open an article
    lengths: list[int]
    folders: list[str]
    files: int


def _chunks(block: str) -> list[str]:
    if len(block) <= _LONG_PARAGRAPH:
        return [block]
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(block):
        current = f"{current} {sentence}" if current else sentence
        if len(current) >= _CHUNK:
            out.append(current)
            current = ""
    if current:
        if out and len(current) < _CHUNK // 3:
            out[-1] = f"{out[-1]} {current}"
        else:
            out.append(current)
    return out


def real_folders(corpora: Path) -> list[Path]:
    """The `articles` folders under CORPORA, in name order."""
    if not corpora.is_dir():
        return []
    return [d / "articles" for d in sorted(corpora.iterdir()) if (d / "articles").is_dir()]


def load_real(corpora: Path) -> RealPool | None:
    """Every paragraph of every article under CORPORA/*/articles, deduplicated, in order."""
    folders = real_folders(corpora)
    seen: set[str] = set()
    paragraphs: list[str] = []
    lengths: list[int] = []
    files = 0
    for folder in folders:
        for path in corpus_files(folder):
            text = path.read_text(encoding="utf-8", errors="replace")
            _, body = split_article(text)
            if not body:
                continue
            files += 1
            lengths.append(len(body))
            for block in _BLANK.split(body):
                block = block.strip()
                if not block:
                    continue
                for chunk in _chunks(block):
                    if chunk not in seen:
                        seen.add(chunk)
                        paragraphs.append(chunk)
    if not paragraphs:
        return None
    firsts = [i for i, p in enumerate(paragraphs) if len(p) >= _MIN_FIRST]
    if not firsts:
        return None
    return RealPool(paragraphs, firsts, lengths, [str(f) for f in folders], files)


def _real_body(pool: RealPool, rng: random.Random) -> str:
    """Paragraphs up to the length of a real article: runs of consecutive paragraphs (as in
    their source) with jumps to random ones."""
    target = min(max(rng.choice(pool.lengths), 200), 30_000)
    n = len(pool.paragraphs)
    k = rng.choice(pool.firsts)
    parts = [pool.paragraphs[k]]
    size = len(parts[0])
    while size < target:
        k = k + 1 if rng.random() < 0.5 and k + 1 < n else rng.randrange(n)
        parts.append(pool.paragraphs[k])
        size += len(parts[-1]) + 2
    return "\n\n".join(parts)


def _words(text: str) -> list[str]:
    return text.split()


# Synthetic news: words of war reporting (every word the benchmark's queries use), common
# English words, and made-up words, drawn with Zipf frequencies; a few fixed phrases.
_COMMON = _words(
    "the of and to in a on said that for was with by is it as at from has have were "
    "its their after had be not been an but they which this who are will more than also "
    "over two one would about there new into against during since could people last"
)
_NEWS = _words(
    "Ukraine Russia Russian Ukrainian Kyiv war forces military troops attack attacks "
    "president government officials minister region city Moscow Putin Zelensky NATO "
    "Europe European sanctions drones drone missile missiles strike strikes killed "
    "civilians shelling front line offensive counteroffensive Kharkiv Donbas Donetsk "
    "Luhansk Mariupol Kherson Zaporizhzhia Odesa Bakhmut Crimea Belgorod Kursk Kiev "
    "Biden Washington weapons HIMARS artillery tanks aid Poland refugees border Lavrov "
    "Wagner Prigozhin mobilisation mobilization energy infrastructure power grain "
    "ports talks ceasefire invasion occupied territory soldiers army defence defense "
    "ministry statement reported according official governor air strikes Kremlin "
    "Shoigu Germany Britain France Turkey Erdogan Black Sea fleet ship bridge "
    "explosion explosions residents evacuation humanitarian UN nuclear plant "
    "prices gas oil exports economy inflation ruble hryvnia Stoltenberg Blinken "
    "Macron Scholz Johnson Sunak Mykolaiv Sumy Chernihiv Irpin Bucha Lviv Dnipro "
    "Kramatorsk Sloviansk Avdiivka Severodonetsk Lysychansk Izium Melitopol Enerhodar"
)
_PHRASES = (
    "grain deal",
    "nuclear power plant",
    "peace talks",
    "Black Sea",
    "steel plant",
    "gas prices",
    "missile strike",
    "Russian troops",
    "energy infrastructure",
    "Crimea bridge",
    "air defence",
    "prisoner exchange",
)
_SYLLABLES = _words(
    "ka ro vi ne mo ta li sa de po ru ve chi lo ma ni ko re da tu mi be sho zo "
    "ga pe hu ly ar en ol is um ov sk ev yn"
)
_SYNTHETIC_WORDS = 20_000


def _vocabulary() -> tuple[list[str], list[float]]:
    """Words by frequency rank, fixed (independent of the corpus seed), and cum. weights."""
    rng = random.Random("conflict-bench-vocabulary")
    made: list[str] = []
    seen: set[str] = set()
    while len(made) < _SYNTHETIC_WORDS:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            made.append(word)
    words = list(_COMMON)
    news = [*_NEWS, *_PHRASES]
    # news words at ranks 50..~1000, interleaved with made-up words; the rest after them
    stride = max(1, 950 // len(news))
    made_iter = iter(made)
    for item in news:
        words.append(item)
        words.extend(next(made_iter) for _ in range(stride - 1))
    words.extend(made_iter)
    cum: list[float] = []
    total = 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 2.7)
        cum.append(total)
    return words, cum


_VOCAB: tuple[list[str], list[float]] | None = None


def _synthetic_body(rng: random.Random) -> str:
    global _VOCAB
    if _VOCAB is None:
        _VOCAB = _vocabulary()
    words, cum = _VOCAB
    target = int(min(max(math.exp(rng.gauss(math.log(3000), 0.6)), 300), 30_000))
    paragraphs: list[str] = []
    size = 0
    while size < target:
        if paragraphs and rng.random() < 0.01:
            paragraphs.append("Advertisement")  # scraped noise, dropped by `conflict`
            continue
        sentences = []
        for _ in range(rng.randint(1, 5)):
            picked = rng.choices(words, cum_weights=cum, k=rng.randint(6, 28))
            sentence = " ".join(picked)
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        paragraphs.append(" ".join(sentences))
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------- writing


def article_path(out: Path, i: int) -> Path:
    return out / f"{i // PER_FOLDER:04d}" / f"{i:07d}.txt"


def article_text(i: int, seed: int, pool: RealPool | None) -> str:
    """Article i of the corpus for SEED: ` date YYYY-MM-DD ` and the body, then a newline."""
    rng = random.Random(f"conflict-bench:{seed}:{i}")  # str seeds are hashed: stable
    date = _date(rng)
    body = _real_body(pool, rng) if pool is not None else _synthetic_body(rng)
    return f" date {date} {body}\n"


def generate(
    out: Path,
    articles: int,
    seed: int = 1,
    source: str = "auto",
    corpora: Path = DEFAULT_CORPORA,
) -> dict[str, Any]:
    """Write the corpus into OUT (created; must be empty) and return facts about it.

    source: "real" (paragraphs of CORPORA; an error when it has none), "synthetic", or
    "auto" (real when CORPORA has articles, else synthetic).
    """
    if source not in ("auto", "real", "synthetic"):
        raise ValueError(f"unknown source {source!r}")
    if articles < 1:
        raise ValueError("articles must be at least 1")
    t0 = time.perf_counter()
    pool = None if source == "synthetic" else load_real(corpora)
    if pool is None and source == "real":
        raise FileNotFoundError(f"no articles under {corpora}/*/articles")
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    digest = hashlib.sha256()
    total = 0
    for i in range(articles):
        path = article_path(out, i)
        if i % PER_FOLDER == 0:
            path.parent.mkdir()
        data = article_text(i, seed, pool).encode("utf-8")
        path.write_bytes(data)
        digest.update(path.relative_to(out).as_posix().encode() + b"\0")
        digest.update(data)
        total += len(data)
    facts: dict[str, Any] = {
        "path": str(out),
        "articles": articles,
        "bytes": total,
        "seed": seed,
        "source": "synthetic" if pool is None else "real",
        "sha256": digest.hexdigest(),
        "generate_s": round(time.perf_counter() - t0, 3),
    }
    if pool is not None:
        facts["source_folders"] = pool.folders
        facts["source_files"] = pool.files
        facts["source_paragraphs"] = len(pool.paragraphs)
    return facts


def add_corpus_options(p: argparse.ArgumentParser) -> None:
    """--seed, --source and --corpora, shared with bench/run.py."""
    p.add_argument("--seed", type=int, default=1, help="seed of the generated corpus (default: 1)")
    p.add_argument(
        "--source",
        choices=("auto", "real", "synthetic"),
        default="auto",
        help="paragraphs of the real corpora, synthetic words, or real when found (default)",
    )
    p.add_argument(
        "--corpora",
        type=Path,
        default=DEFAULT_CORPORA,
        metavar="DIR",
        help=f"real corpora to sample (default: {DEFAULT_CORPORA})",
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python bench/corpus.py",
        description="Write a deterministic benchmark corpus and print facts about it as JSON.",
    )
    p.add_argument("--articles", type=int, required=True, metavar="N")
    add_corpus_options(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="an empty folder")
    args = p.parse_args(argv)
    try:
        facts = generate(args.out, args.articles, args.seed, args.source, args.corpora)
    except (ValueError, FileNotFoundError, FileExistsError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(facts, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
