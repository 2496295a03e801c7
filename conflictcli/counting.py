"""What an analyst counts in an archive: how many articles a request selects, grouped by
source, period or place (count), per period over one span for several requests
(timeline), and the places they name (places). The engine selects the articles; the
catalogue gives each one's date and source."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from typing import TYPE_CHECKING

from conflictcli.articles import outlet_key
from conflictcli.records.counts import Bucket, Count, Group, Place, Places, Timeline
from conflictcli.store import Store

if TYPE_CHECKING:
    from conflictcli.query import SearchRequest

if TYPE_CHECKING:  # the search engine loads only for the commands that search
    from conflictcli.engine.base import Engine
    from conflictcli.engine.records import Tally

# each article's date (ISO), source, time of day (HH:MM:SS) and language
Facts = list[tuple[str | None, str | None, str | None, str | None]]


def count(engine: Engine, store: Store, req: SearchRequest, by: str | None = None) -> Count:
    """How many articles the request selects, grouped `by` source, month or year
    (the largest source first; periods in order, the undated last), or by the
    places they name (the most named first; an article counts for each of its
    places, and not at all without one)."""
    if by is None:
        return Count(req.text, engine.count(req), notes=list(req.notes))
    if by == "place":  # an article names any number of places: these groups overlap
        named = places(engine, req)
        groups = [Group(p.place, p.articles) for p in named.places]
        return Count(req.text, named.total, by, groups, named.notes)
    if by == "country":  # as places: an article counts for each country it names
        total, per, notes = engine.countries(req)
        order = sorted(per, key=lambda k: (-per[k], k))
        return Count(req.text, total, by, [Group(k, per[k]) for k in order if per[k]], notes)
    counted = engine.days(req) if by in ("month", "year") else None
    if counted is not None:  # from the index's date column
        total, on_day, said = counted
        days = {d.isoformat(): n for d, n in on_day.items()}
        return Count(req.text, total, by, _periods(total, days, by), [*req.notes, *said])
    if by in ("source", "lang") and (tally := engine.tally(req, (by,))) is not None:
        return _from_tally(req, store, tally, by)
    facts, notes = _facts(engine, store, req)
    return _from_facts(req, facts, notes, by, store)


def _periods(total: int, days: dict[str, int], by: str) -> list[Group]:
    """Articles per day (ISO) as groups by month or year, in order, the undated last."""
    size = 7 if by == "month" else 4
    periods: Counter[str | None] = Counter()
    for day, n in days.items():
        periods[day[:size]] += n
    if total - sum(days.values()):
        periods[None] = total - sum(days.values())
    keys: list[str | None] = sorted(periods, key=lambda k: (k is None, k or ""))
    return [Group(k, periods[k]) for k in keys]


_TALLIED = {"source": "source", "lang": "lang", "place": "place", "country": "country"}
_TALLIED |= {"year": "day", "month": "day"}


def _from_tally(req: SearchRequest, store: Store, tally: Tally, by: str) -> Count:
    """A count --by from an engine's tally: the same groups, in the same order, as
    count() gives from the engine's other answers or the catalogue's rows."""
    counts, total = tally.counts[_TALLIED[by]], tally.total
    notes = [*req.notes, *tally.notes]
    if by == "place":
        from conflictcli.engine.asked import gazetteer_places

        per = sorted(gazetteer_places(counts), key=lambda name: (-counts[name.id], name.name))
        return Count(req.text, total, by, [Group(n.name, counts[n.id]) for n in per], notes)
    if by in ("year", "month"):
        return Count(req.text, total, by, _periods(total, counts, by), notes)
    keyed: dict[str | None, int] = {k: n for k, n in counts.items()}
    if by != "country" and total - sum(counts.values()):
        keyed[None] = total - sum(counts.values())  # no outlet, no language detected
    order = sorted(keyed, key=lambda k: (-keyed[k], k is None, k or ""))
    if by == "lang":
        order.sort(key=lambda k: k is None)
    if by == "source":  # each outlet under its most common spelling in the archive
        spelled = store.spellings()
        return Count(
            req.text,
            total,
            by,
            [Group(spelled.get(k, k) if k else None, keyed[k]) for k in order],
            notes,
        )
    return Count(req.text, total, by, [Group(k, keyed[k]) for k in order], notes)


def _from_facts(req: SearchRequest, facts: Facts, notes: list[str], by: str, store: Store) -> Count:
    """The articles of `facts` grouped by source, language, month or year."""
    if by == "source":
        groups = _by_source(facts, store.spellings())
    elif by == "lang":  # the largest first, the undetected (None) last
        langs: dict[str | None, int] = {}
        for *_, lang in facts:
            langs[lang] = langs.get(lang, 0) + 1
        groups = [
            Group(k, langs[k]) for k in sorted(langs, key=lambda k: (k is None, -langs[k], k or ""))
        ]
    else:
        size = 7 if by == "month" else 4
        tally: dict[str | None, int] = {}
        for date, *_ in facts:
            key = date[:size] if date else None
            tally[key] = tally.get(key, 0) + 1
        groups = [Group(k, tally[k]) for k in sorted(tally, key=lambda k: (k is None, k or ""))]
    return Count(req.text, len(facts), by, groups, notes)


def facets(
    engine: Engine, store: Store, req: SearchRequest, kinds: tuple[str, ...]
) -> dict[str, Count]:
    """The request's articles grouped each of these ways (source, lang, place, country,
    year, month), as `count --by` groups them: from one tally of the engine's where it
    makes one, else the sources and languages from one read of the matches' rows."""
    if all(k in _TALLIED for k in kinds):
        wanted = tuple(dict.fromkeys(_TALLIED[k] for k in kinds))
        tally = engine.tally(req, wanted)
        if tally is not None:
            return {k: _from_tally(req, store, tally, k) for k in kinds}
    out: dict[str, Count] = {}
    shared = [k for k in kinds if k in ("source", "lang")]
    if shared:
        facts, notes = _facts(engine, store, req)
        for k in shared:
            out[k] = _from_facts(req, facts, notes, k, store)
    for k in kinds:
        if k not in out:
            out[k] = count(engine, store, req, k)
    return out


def _by_source(facts: Facts, spelled: dict[str, str]) -> list[Group]:
    """The articles counted by outlet, the largest first, each outlet under the
    spelling of its name that most of its articles in the archive give (`spelled`,
    as `conflict sources` shows it)."""
    tally: dict[str | None, int] = {}
    for _, source, *_ in facts:
        key = outlet_key(source) if source is not None else None
        tally[key] = tally.get(key, 0) + 1
    order = sorted(tally, key=lambda k: (-tally[k], k is None, k or ""))
    return [Group(spelled.get(k, k) if k is not None else None, tally[k]) for k in order]


def timeline(
    engine: Engine, store: Store, reqs: list[SearchRequest], by: str | None = None
) -> list[Timeline]:
    """Each request's articles counted per period, over one span of periods for
    all (from the first to the last matching day of any), empty periods as 0."""
    from conflictcli import timeline as tl

    days: list[Counter[dt.date]] = []  # each request's articles on each day (or hour)
    undated: list[int] = []
    untimed: list[int] = []  # by hour: dated articles with no time of day, in no hour
    notes: list[list[str]] = []
    for req in reqs:
        total, dated, no_time, said = _dated(engine, store, req, by)
        days.append(dated)
        untimed.append(no_time)
        undated.append(total - dated.total() - no_time)
        notes.append(said)
    every = [d for dated in days for d in dated]
    if not every:
        by = by or "month"
        return [
            Timeline(r.text, by, [], u, [], None, None, n, w)
            for r, u, n, w in zip(reqs, undated, notes, untimed, strict=True)
        ]
    first, last = min(every), max(every)
    by = by or tl.default_by(first, last)
    span = tl.periods(first, last, by)
    out = []
    for req, dated, u, said, w in zip(reqs, days, undated, notes, untimed, strict=True):
        tally = dict.fromkeys(span, 0)
        for d, n in dated.items():
            tally[tl.period_of(d, by)] += n
        counts = list(tally.values())
        out.append(
            Timeline(
                req.text,
                by,
                [Bucket(p, n) for p, n in tally.items()],
                u,
                [span[i] for i in tl.peaks(counts)],
                min(dated).isoformat() if dated else None,
                max(dated).isoformat() if dated else None,
                said,
                w,
            )
        )
    return out


def _dated(
    engine: Engine, store: Store, req: SearchRequest, by: str | None
) -> tuple[int, Counter[dt.date], int, list[str]]:
    """How many articles a request selects, how many fall on each day (by hour: each
    moment), how many have a date and no time (by hour), and notes: from the index's
    date column where the engine counts it (no catalogue row read), else from the
    catalogue's dates."""
    counted = engine.days(req) if by != "hour" else None
    if counted is not None:
        total, per, said = counted
        return total, Counter(per), 0, [*req.notes, *said]
    facts, said = _facts(engine, store, req)
    if by == "hour":
        moments = Counter(dt.datetime.fromisoformat(f"{d}T{t}") for d, _, t, _ in facts if d and t)
        no_time = sum(1 for d, _, t, _ in facts if d and not t)
        return len(facts), moments, no_time, said  # type: ignore[return-value]
    return len(facts), Counter(dt.date.fromisoformat(d) for d, *_ in facts if d), 0, said


def places(engine: Engine, req: SearchRequest, limit: int = 0) -> Places:
    """The places the articles of a request name most (`limit` 0: every one named)."""
    total, counts, notes = engine.places(req)
    where = _located()
    named = [
        Place(name.name, name.id, name.kind, n, *where.get(name.id, (None, None, None)))
        for name, n in sorted(counts, key=lambda c: (-c[1], c[0].name))
        if n
    ]
    return Places(req.text, total, named[:limit] if limit else named, [*req.notes, *notes])


@functools.cache
def _located() -> dict[str, tuple[str | None, float | None, float | None]]:
    """Each place's and region's country and coordinates, as the gazetteer gives them."""
    from conflictcli.gazetteer import entries

    def number(value: object) -> float | None:
        return float(value) if isinstance(value, (int, float)) else None

    return {
        e["id"]: (
            e["country"] if isinstance(e.get("country"), str) else None,
            number(e.get("lat")),
            number(e.get("lon")),
        )
        for e in entries()
        if e.get("kind") in ("place", "region")
    }


def _facts(engine: Engine, store: Store, req: SearchRequest) -> tuple[Facts, list[str]]:
    """The date and the source of every article the request selects (an article
    the catalogue lacks, after an ingest that stopped between the two, as neither)."""
    ids, notes = engine.matching(req)
    held = store.dates_and_sources(ids)
    return [held.get(i, (None, None, None, None)) for i in ids], [*req.notes, *notes]
