"""What a user asks for, as typed: the query text and the filters that narrow it.

One record for every command that searches (search, count, timeline, places, export,
watch add): the command line builds it once from its options, a command makes from it
the request of each page, and a watch stores it as it is. The dates stay as typed
(`2024-03`, `March 2024`): they are read when a request is made, so a stored watch
reads its dates as its user wrote them, today's way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from conflictcli.choices import Sort

if TYPE_CHECKING:
    from conflictcli.query import SearchRequest


@dataclass(frozen=True)
class Filters:
    """What narrows a search, as the options give it (a watch stores it as typed)."""

    query: str = ""
    since: str | None = None  # as typed: read by query.build_request
    until: str | None = None
    dayfirst: bool = False  # 02/03/2022 is 2 March, not 3 February
    sources: tuple[str, ...] = ()  # --source: any of these outlets (any case)
    places: tuple[str, ...] = ()  # --place: articles that name any of these places
    langs: tuple[str, ...] = ()  # --lang: articles in any of these languages
    countries: tuple[str, ...] = ()  # --country: articles naming a place in any of these
    any_terms: bool = False  # --any: any of the terms (OR), best first
    exact: bool = False  # --exact: names as typed, no other spellings
    within: str | None = None  # --within sentence|paragraph

    def with_query(self, query: str) -> Filters:
        """The same filters for another query (each of timeline's, each line of a file)."""
        return replace(self, query=query)

    def narrowed(self) -> bool:
        """Whether anything but the query narrows what is found (export --all takes none)."""
        return bool(
            self.since or self.until or self.sources or self.places or self.langs or self.countries
        )

    def request(
        self,
        sort: Sort = Sort.relevance,
        limit: int = 10,
        offset: int = 0,
        collapse: bool = False,
    ) -> SearchRequest:
        """The request for one page: the dates read (a date that cannot be read, or a
        range that holds nothing, is a QueryError here)."""
        from conflictcli.query import build_request  # dates are read only to run

        return build_request(
            self.query,
            self.since,
            self.until,
            self.dayfirst,
            any_terms=self.any_terms,
            exact=self.exact,
            sources=self.sources,
            places=self.places,
            langs=self.langs,
            countries=self.countries,
            within=self.within,
            sort=sort,
            limit=limit,
            offset=offset,
            collapse=collapse,
        )

    def as_stored(self) -> dict[str, Any]:
        """The plain form a watch keeps (JSON in the catalogue), key for key the form
        watches have always been stored in; `within` only when given."""
        stored: dict[str, Any] = {
            "query": self.query,
            "since": self.since,
            "until": self.until,
            "sources": list(self.sources),
            "places": list(self.places),
            "any": self.any_terms,
            "exact": self.exact,
            "dayfirst": self.dayfirst,
        }
        if self.within:
            stored["within"] = self.within
        if self.langs:
            stored["langs"] = list(self.langs)
        if self.countries:
            stored["countries"] = list(self.countries)
        return stored

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Filters:
        """The record again from its stored form; a key left out is its default."""
        return cls(
            query=str(stored.get("query") or ""),
            since=stored.get("since") or None,
            until=stored.get("until") or None,
            dayfirst=bool(stored.get("dayfirst")),
            sources=tuple(stored.get("sources") or ()),
            places=tuple(stored.get("places") or ()),
            langs=tuple(stored.get("langs") or ()),
            countries=tuple(stored.get("countries") or ()),
            any_terms=bool(stored.get("any")),
            exact=bool(stored.get("exact")),
            within=stored.get("within") or None,
        )
