"""What `conflict places` finds in a corpus, before its hits are drawn and judged: how
many articles and hits (one hit: one article and one place it names, as sample.py counts
them), how many distinct places, the commonest, why each hit counted, and the names the
gazetteer does not know: capitalised names right after a preposition or word of place
(in, near, from, town of, city of) or before a word of place (camp, city, governorate,
state) where placing counts no place. These are candidates for a person to read, not a
list of places: the countries, people and organisations among them are dropped by hand.

    python bench/places_precision/corpus_stats.py /tmp/precision-gs/gaza --missing 80

Nothing of the articles' text is written; the output is counts and names.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

from sample import articles, hits  # type: ignore[import-not-found]  # beside this script

from conflictcli import placing

# a capitalised name of up to four words, with the particles of Arabic names between
# (Khan Younis, Deir el-Balah, Beit Lahiya, al-Shifa, Wad Madani, Umm Ruwaba)
_PARTICLE = r"(?:al|el|ad|ed|ar|as|ash|an|az|ibn|bin|abu|um|umm|wad|bani|beni|de)"
_CAP = r"[A-Z][\w'’]+(?:-[A-Za-z][\w'’]+)*"
_NAME = rf"(?:(?:{_PARTICLE}|{_PARTICLE.title()})[- ])?{_CAP}(?:[- ](?:(?:{_PARTICLE}|{_PARTICLE.title()})[- ])?{_CAP}){{0,3}}"
_BEFORE = r"(?:in|near|from|outside|into|towards|toward|around|across|of|at)"
_LEAD = re.compile(
    rf"\b(?:town|city|village|camp|neighbourhood|neighborhood|area|district|state|region|governorate|suburb|outskirts) of ({_NAME})|\b{_BEFORE} ({_NAME})"
)
_TRAIL = re.compile(
    rf"({_NAME}) (?:refugee camp|camp|city|town|village|governorate|state|neighbourhood|neighborhood|district|crossing|region)\b"
)
_SKIP = frozenset(
    re.findall(
        r"\S+",
        """The A An This That These Those It Its He She They We I His Her Their Our Monday
    Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Mr Mrs Ms Dr President Prime
    Minister General Gen Israeli Palestinian Sudanese Arab Western""",
    )
)


def candidates(text: str) -> set[str]:
    """Names after or before a word of place that no mention of a place covers."""
    covered = [(m.start, m.end) for m in placing.mentions(text)]
    folded = placing.fold(text)
    found = set()
    for rx in (_LEAD, _TRAIL):
        for m in rx.finditer(folded):
            group = next(g for g in range(1, (rx.groups or 0) + 1) if m.group(g))
            start, end = m.span(group)
            name = m.group(group).strip("'’")
            name = re.sub(r"['’]s$", "", name).split("'s ")[-1].split("’s ")[-1]
            if name.split()[0].split("-")[0] in _SKIP:
                continue
            if any(a < end and start < b for a, b in covered):
                continue
            found.add(name)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("roots", type=Path, nargs="+", help="folders of articles (as ingest reads)")
    ap.add_argument("--top", type=int, default=30, help="the commonest places to list")
    ap.add_argument("--missing", type=int, default=60, help="unknown names to list")
    args = ap.parse_args()
    arts = articles(args.roots, None)
    every = hits(arts)
    places = collections.Counter(place for _, place, _, _ in every)
    why = collections.Counter(m.why for _, _, m, _ in every)
    kinds = collections.Counter(place.split(":")[0] for place in places)
    print(f"{len(arts)} articles, {len(every)} hits, {len(places)} distinct places ({dict(kinds)})")
    print(f"articles naming no place: {len(arts) - len({s for s, _, _, _ in every})}")
    print("why:", dict(why.most_common()))
    print(f"\nthe {args.top} commonest places (articles):")
    for place, n in places.most_common(args.top):
        print(f"  {n:6d}  {place}")
    unknown: collections.Counter[str] = collections.Counter()
    for _, title, body in arts:
        unknown.update(candidates(title) | candidates(body))
    print(
        f"\nnames after or before a word of place that count no place ({args.missing} commonest, articles):"
    )
    for name, n in unknown.most_common(args.missing):
        print(f"  {n:6d}  {name}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
