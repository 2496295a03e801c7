"""Draw a reproducible random sample of the place hits that `conflict places` counts, to be
read and judged by hand (verdicts_en.tsv, verdicts_ru.tsv beside this script).

A hit is one article and one place it names, as ingest decides it (placing.places_of,
the `place` field that `places`, `--place` and `count --by place` read). The articles are
read as `conflict ingest` reads them (conflictcli.readers), so the hits are those of an
archive of the same files. For each hit drawn the script prints, for the reader's eyes
only, the first mention that counts with the words around it; what it writes is the
source (file and row), the place, the spelling as written and at most two words on
each side of it: no article text is kept.

    python bench/places_precision/sample.py ../shared/corpora/ukraine-media-2022/articles \\
        --n 110 --seed 27 --out bench/places_precision/sample_en.tsv
    python bench/places_precision/sample.py /tmp/ru-telegram --n 110 --seed 27 \\
        --out bench/places_precision/sample_ru.tsv

Then copy the rows into the verdicts file and give each a verdict (`yes`: the place is
meant; `no`: it is not) and a short reason; `score.py` (below, --score) counts them.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

from conflictcli import placing
from conflictcli.readers import Sidecars, read

NEIGHBOURS = 2  # words kept on each side of the spelling
SHOWN = 110  # characters around the mention shown on screen (not written)


def articles(roots: list[Path], limit: int | None) -> list[tuple[str, str, str]]:
    """(source, title, body) of each article under the roots, as ingest reads them; the
    source is the file (from its corpus folder) and the row or line in it."""
    out = []
    sidecars = Sidecars()
    for root in roots:
        files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
        for path in files:
            problems: list[tuple[int, str]] = []
            try:
                got = list(read(path, path.read_bytes(), sidecars, problems))
            except Exception:  # a file ingest would skip
                continue
            folder = root.resolve()
            folder = folder.parent if folder.name == "articles" else folder
            name = f"{folder.name}/{path.relative_to(root)}"
            for a in got:
                out.append((f"{name}:{a.row}" if a.row else name, a.title, a.body))
                if limit and len(out) >= limit:
                    return out
    return out


def hits(arts: list[tuple[str, str, str]]) -> list[tuple[str, str, placing.Mention, str]]:
    """Every (article, place) pair counted, with the first mention that makes it count."""
    out = []
    for source, title, body in arts:
        seen: set[str] = set()
        for text in (title, body):
            for m in placing.mentions(text):
                if m.place not in seen:
                    seen.add(m.place)
                    out.append((source, m.place, m, placing.fold(text)))
    return out


_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def beside(text: str, m: placing.Mention) -> tuple[str, str]:
    before = _WORDS.findall(text[max(0, m.start - 80) : m.start])[-NEIGHBOURS:]
    after = _WORDS.findall(text[m.end : m.end + 80])[:NEIGHBOURS]
    return " ".join(before), " ".join(after)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("roots", type=Path, nargs="+", help="folders of articles (as ingest reads)")
    ap.add_argument("--n", type=int, default=110, help="hits to draw")
    ap.add_argument("--seed", type=int, default=27)
    ap.add_argument("--limit", type=int, default=None, help="read only the first N articles")
    ap.add_argument("--out", type=Path, help="the sample as TSV (no article text)")
    ap.add_argument("--quiet", action="store_true", help="do not show the contexts")
    args = ap.parse_args()
    arts = articles(args.roots, args.limit)
    every = hits(arts)
    drawn = random.Random(args.seed).sample(every, min(args.n, len(every)))
    print(f"{len(arts)} articles, {len(every)} hits, {len(drawn)} drawn", file=sys.stderr)
    rows = []
    for n, (source, place, m, text) in enumerate(drawn, 1):
        left, right = beside(text, m)
        rows.append([n, source, place, m.spelled, left, right, m.why])
        if not args.quiet:
            a, b = max(0, m.start - SHOWN), m.end + SHOWN
            shown = " ".join(f"{text[a : m.start]}[[{m.spelled}]]{text[m.end : b]}".split())
            print(f"\n#{n} {source} {place} ({m.why})\n  {shown}")
    if args.out:
        with args.out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            w.writerow(["n", "source", "place", "spelled", "before", "after", "why"])
            w.writerows(rows)


if __name__ == "__main__":
    main()
