"""The gazetteer (conflictcli/data/gazetteer.jsonl, built by tools/gazetteer/build.py)
holds what issue 8 asks of it and is sound: every line an entry, no empty or repeated
variant, and a variant that two entries share is marked ambiguous in both."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from conftest import ROOT

GAZETTEER = ROOT / "conflictcli" / "data" / "gazetteer.jsonl"


def entries() -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in GAZETTEER.read_text(encoding="utf-8").splitlines()]


def test_every_line_is_an_entry_with_the_fields_and_ids_are_unique() -> None:
    got = entries()
    assert all(set(e) >= {"id", "kind", "name", "variants", "ambiguous"} for e in got)
    ids = [e["id"] for e in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(e["kind"] in {"place", "region", "person", "org", "designation"} for e in got)


def test_it_holds_the_counts_the_issue_asks_for() -> None:
    kinds = Counter(e["kind"] for e in entries())
    assert kinds["place"] + kinds["region"] >= 300
    assert kinds["person"] + kinds["org"] >= 80
    assert kinds["designation"] >= 60


def test_no_variant_is_empty_or_repeated_and_shared_ones_are_marked() -> None:
    owners: defaultdict[str, set[str]] = defaultdict(set)
    for e in entries():
        folded = [v.casefold() for v in e["variants"]]
        assert all(v.strip() == v and v for v in e["variants"]), e["id"]
        assert len(set(folded)) == len(folded), e["id"]
        assert set(e["ambiguous"]) <= set(e["variants"]), e["id"]
        assert e["name"] in e["variants"], e["id"]
        for v in folded:
            owners[v].add(e["id"])
    marked = {(e["id"], v.casefold()) for e in entries() for v in e["ambiguous"]}
    for variant, ids in owners.items():
        if len(ids) > 1:
            assert all((i, variant) in marked for i in ids), (variant, sorted(ids))


def test_the_names_of_the_issue_are_there_with_their_spellings() -> None:
    by_variant = {v.casefold(): e for e in entries() for v in e["variants"]}
    for spellings in [
        ("Kyiv", "Kiev", "Київ", "Києві", "Киев"),
        ("Kharkiv", "Kharkov"),
        ("Bakhmut", "Artemivsk", "Artemovsk"),
        ("Odesa", "Odessa"),
        ("Zelensky", "Zelenskyy", "Zelenskiy", "Зеленський", "Зеленский"),
        ("Belgorod", "Белгороде"),
        ("Su-34", "Су-34"),
        ("Kh-101", "Х-101"),
    ]:
        found = {by_variant[s.casefold()]["id"] for s in spellings if s.casefold() in by_variant}
        assert len(found) == 1 and all(s.casefold() in by_variant for s in spellings), spellings


def test_the_package_ships_it() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"data/*.jsonl"' in pyproject and Path(GAZETTEER).stat().st_size < 5 << 20


def test_every_place_has_coordinates_and_a_country() -> None:
    """Issue 28: each place is on the map (GeoNames' WGS84 degrees) and in a country
    (ISO 3166 alpha-2; XZ for seas); regions carry their country too."""
    import re

    for e in entries():
        if e["kind"] == "place":
            assert isinstance(e["lat"], float) and -90 <= e["lat"] <= 90, e["id"]
            assert isinstance(e["lon"], float) and -180 <= e["lon"] <= 180, e["id"]
        if e["kind"] in ("place", "region"):
            assert re.fullmatch(r"[A-Z]{2}", e["country"]), e["id"]


def test_todays_conflicts_are_there_in_their_spellings() -> None:
    got = entries()
    assert len(got) >= 2000
    by_variant = {v.casefold(): e for e in got for v in e["variants"]}
    for spellings, country in [
        (("Khan Younis", "Khan Yunis", "خان يونس"), "PS"),
        (("Hezbollah", "Hizballah", "Hizbollah", "حزب الله", "Хезболла"), None),
        (("El Fasher", "Al-Fashir", "الفاشر"), "SD"),
        (("Stepanakert", "Khankendi", "Степанакерт"), "AZ"),
        (("Goma",), "CD"),
        (("Myitkyina",), "MM"),
        (("Shahed-136", "Geran-2", "Герань-2"), None),
    ]:
        found = {by_variant[s.casefold()]["id"] for s in spellings if s.casefold() in by_variant}
        assert len(found) == 1 and all(s.casefold() in by_variant for s in spellings), spellings
        if country:
            assert by_variant[spellings[0].casefold()]["country"] == country, spellings
