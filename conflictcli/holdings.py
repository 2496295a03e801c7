"""What an archive holds, told by the catalogue alone (the engine never loads): an
article by any name a user gives it, its story, the largest stories, the sources, the
archive's figures (stats)."""

from __future__ import annotations

from pathlib import Path

from conflictcli.articles import Article
from conflictcli.errors import NotFound
from conflictcli.records.holdings import Member, Source, Stats, Stories, Story
from conflictcli.store import Store

MIN_PREFIX = 4  # characters of an id that name an article


def resolve(store: Store, ref: str) -> Article:
    """An article by full id, unique id prefix (MIN_PREFIX characters or more), file
    path, or path:ROW for a row of a CSV or a line of a JSON Lines file."""
    file, _, row = ref.rpartition(":")
    if file and row.isdigit() and Path(file).expanduser().is_file():
        where = str(Path(file).expanduser().resolve())
        for aid in store.article_ids_of(where, int(row)):
            return store.articles([aid])[aid]
        raise NotFound(
            f"Row {row} of {file} is not in the archive.",
            f"Run 'conflict show {file}' for its first article, or ingest it again.",
        )
    as_path = Path(ref).expanduser()
    if as_path.exists():
        for aid in store.article_ids_of(str(as_path.resolve())):
            return store.articles([aid])[aid]
        raise NotFound(
            f"The file {ref} is not in the archive.", f"Run 'conflict ingest {ref}' to add it."
        )
    aid = article_id(store, ref)
    return store.articles([aid])[aid]


def article_id(store: Store, ref: str) -> str:
    """The id of the article a full id or a unique prefix (MIN_PREFIX characters or
    more) names; NotFound, with the next step, when it names none or several."""
    key = ref.lower()
    if len(key) < MIN_PREFIX:
        raise NotFound(
            f"{ref!r} is too short to name an article.",
            f"Give at least {MIN_PREFIX} characters of its id, or its file's path.",
        )
    ids = store.ids_with_prefix(key)
    if not ids:
        raise NotFound(f"No article with id {ref!r}.", "Find ids with 'conflict search <words>'.")
    if len(ids) > 1:
        raise NotFound(
            f"{ref!r} is the start of several ids: {', '.join(ids[:10])}.",
            "Give more characters of the id.",
        )
    return ids[0]


def story(store: Store, a: Article) -> list[Member]:
    """The other articles of the article's story, the first one first."""
    if not a.cluster:
        return []
    return [Member(*m) for m in store.story(a.cluster) if m[0] != a.id]


def stories(store: Store, limit: int, among: list[str] | None = None, query: str = "") -> Stories:
    """The largest stories (more than one article), each with its members; with `among`
    (the articles a query selects: dupes QUERY), the stories with more than one article
    among them, each with those articles alone."""
    from conflictcli.stories import THRESHOLD

    if among is not None:
        return _stories_among(store, limit, among, query)
    count, held = store.story_counts()
    largest = [
        Story(cid, n, first, last, [Member(*m) for m in store.story(cid)])
        for cid, n, first, last in store.largest_stories(limit)
    ]
    return Stories(count, held, THRESHOLD, largest, query, store.article_count())


def _stories_among(store: Store, limit: int, among: list[str], query: str) -> Stories:
    """The stories with two or more of the articles `among`, the largest first (as
    many of them, then by id), each with those articles, the first one first."""
    from conflictcli.stories import THRESHOLD

    per: dict[str, list[str]] = {}
    for aid, cluster in store.clusters_of(among).items():
        per.setdefault(cluster, []).append(aid)
    shared = {c: ids for c, ids in per.items() if len(ids) > 1}
    largest = []
    for c in sorted(shared, key=lambda c: (-len(shared[c]), c))[:limit]:
        wanted = set(shared[c])
        members = [Member(*m) for m in store.story(c) if m[0] in wanted]
        days = [m.date for m in members if m.date]
        largest.append(
            Story(c, len(wanted), min(days, default=None), max(days, default=None), members)
        )
    held = sum(len(ids) for ids in shared.values())
    return Stories(len(shared), held, THRESHOLD, largest, query, len(among), narrowed=True)


def sources(store: Store) -> list[Source]:
    return [Source(*row) for row in store.sources()]


def stats(store: Store, location: str, size: int) -> Stats:
    """What the archive at `location` (shown as it is) holds; `size`: its bytes."""
    first, last = store.date_range()
    return Stats(
        articles=store.article_count(),
        first_date=first,
        last_date=last,
        undated=store.undated_count(),
        by_month=_every_month(store.by_month()),
        index_bytes=size,
        last_ingest=store.last_run(),
        location=location,
    )


def _every_month(counts: dict[str, int]) -> dict[str, int]:
    """Every month from the first to the last, with zeros: a gap in coverage shows."""
    if not counts:
        return {}
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    out: dict[str, int] = {}
    while (key := f"{year:04d}-{month:02d}") <= last:
        out[key] = counts.get(key, 0)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
