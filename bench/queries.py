"""The benchmark's fixed queries, each as `conflict search` takes it and translated to FTS5.

Words were picked to occur both in news about the Russia–Ukraine war (the real corpora) and
in the synthetic fallback of corpus.py. The first eight cover every kind (words, AND, a
phrase, a date range, --limit 0, OR, NOT, a prefix), so `--queries 8` still tries them all.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    """One search. `text` is conflict's query, `fts` the same in FTS5 MATCH syntax.

    since/until are as given to conflict (`2022-06`, `2023`); limit 0 means every match.
    """

    text: str
    fts: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = 10

    @property
    def match(self) -> str:
        return self.fts if self.fts is not None else self.text

    @property
    def label(self) -> str:
        return " ".join(self.conflict_args())

    def conflict_args(self) -> list[str]:
        """Arguments after `conflict search` (without --json and --index)."""
        args = [self.text]
        if self.since:
            args += ["--since", self.since]
        if self.until:
            args += ["--until", self.until]
        if self.limit != 10:
            args += ["--limit", str(self.limit)]
        return args

    @property
    def first_day(self) -> str | None:
        """--since as the first day it includes (YYYY-MM-DD)."""
        if self.since is None:
            return None
        parts = self.since.split("-")
        return "-".join([*parts, *["01"] * (3 - len(parts))])

    @property
    def last_day(self) -> str | None:
        """--until as the last day it includes (YYYY-MM-DD)."""
        if self.until is None:
            return None
        parts = [int(p) for p in self.until.split("-")]
        year = parts[0]
        month = parts[1] if len(parts) > 1 else 12
        day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-{day:02d}"

    @property
    def sql_limit(self) -> int | None:
        """The row limit for SQL; None for every match (conflict's --limit 0)."""
        return None if self.limit == 0 else self.limit


QUERIES: tuple[Query, ...] = (
    Query("Belgorod drones"),
    Query("Zelensky AND Putin"),
    Query('"grain deal"'),
    Query("sanctions", since="2022-06", until="2022-08"),
    Query("Ukraine", limit=0),
    Query("Kyiv OR Kiev"),
    Query("Ukraine NOT NATO"),
    Query("drone* attack"),
    Query("Kyiv"),
    Query("Kharkiv counteroffensive"),
    Query("Mariupol steel plant"),
    Query('"nuclear power plant"'),
    Query("Zaporizhzhia"),
    Query("missile strike Odesa"),
    Query("Russian troops Donbas"),
    Query("Bakhmut", since="2023-01"),
    Query("Crimea bridge"),
    Query("gas prices Europe"),
    Query("HIMARS"),
    Query("Wagner Prigozhin"),
    Query("refugees Poland", limit=0),
    Query('"peace talks"'),
    Query("Kherson", since="2022-09", until="2022-12"),
    Query("Lavrov", limit=0),
    Query("Biden weapons Ukraine"),
    Query('"Black Sea" grain'),
    Query("Putin", until="2022-03", limit=0),
    Query("energy infrastructure", since="2022-10", until="2023-03"),
    Query("mobilisation OR mobilization"),
    Query("NATO", since="2023"),
)
