"""What a request asks of every engine beyond its words, read the same way by each: the
places --place names, the outlets --source names, the filters as --explain shows them,
and the gazetteer's places by id (what `places` counts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from conflictcli import names
from conflictcli.articles import outlet_key
from conflictcli.engine.records import Node
from conflictcli.query import SearchRequest

TEXT_FIELDS = ["title", "body"]  # where a place is named


@dataclass
class Places:
    """What --place names: the places, by their canonical names and their ids."""

    places: list[str] = field(default_factory=list)  # their canonical names
    ids: list[str] = field(default_factory=list)  # as the indexes' place fields hold them
    notes: list[str] = field(default_factory=list)


def places_named(req: SearchRequest, where: names.Names | None) -> Places:
    """The places of req.places, looked up among `where`'s names (None: the gazetteer)."""
    found = Places()
    for typed in req.places:
        match = names.place(typed, where)
        found.places.append(match.name.name)
        if match.name.id not in found.ids:
            found.ids.append(match.name.id)
        if match.others or match.ambiguous:
            found.notes.append(f"--place {typed!r} is read as {match.name.name}.")
    return found


def outlets_named(known: Iterable[str], wanted_names: tuple[str, ...]) -> list[str]:
    """Of the outlets an index holds, those --source names: the same name in any case,
    and for a domain its subdomains too (kremlin.ru: en.kremlin.ru, as urls name outlets)."""
    wanted = {outlet_key(n) for n in wanted_names}
    domains = tuple("." + w for w in wanted if "." in w and " " not in w)
    return [o for o in known if o in wanted or (domains and o.endswith(domains))]


def filter_nodes(req: SearchRequest, places: Places) -> list[Node]:
    """The request's filters as --explain shows them."""
    made = []
    if req.since or req.until:
        first = req.since.isoformat() if req.since else None
        last = req.until.isoformat() if req.until else None
        made.append(Node("dates", fields=["date"], first=first, last=last))
    if req.sources:  # whole outlet names, any case; a domain finds its subdomains
        made.append(Node("sources", ", ".join(req.sources), ["source"]))
    if req.places:  # any spelling of any of them, in title or body
        made.append(Node("places", ", ".join(places.places), list(TEXT_FIELDS)))
    if req.langs:
        made.append(Node("langs", ", ".join(req.langs), ["lang"]))
    if req.countries:
        made.append(Node("countries", ", ".join(req.countries), ["country"]))
    return made


def gazetteer_places(ids: Iterable[str]) -> list[names.Name]:
    """The places and regions of the gazetteer with these ids (those an index holds)."""
    from conflictcli.gazetteer import entries

    wanted = set(ids)
    return [
        names.Name(e["id"], e["kind"], e["name"], e.get("note"), ())
        for e in entries()
        if e["id"] in wanted and e["kind"] in names.PLACE_KINDS
    ]
