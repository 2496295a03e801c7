"""The PostgreSQL engine's tables, in the schema the connection's search_path names
first (a database may hold several archives, one schema each):

  docs        one row per article (unique, whoever sends it): partitioned by month of its day (declarative
              partitioning; the undated in the default partition), a GIN index on its
              tsvector, on its source's words, on its places and countries
  words       each term of the title, body and source fields (what wildcards, fuzzy
              words and ranges expand against, as on the other engines)
  engine_meta the layout of these tables and the number of the latest commit

Month partitions are made before the rows that need them, each in a transaction of its
own (making one locks the whole table), under an advisory lock so that two writers do
not race to make the same one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

LAYOUT = 1  # how these tables are made: another layout is rebuilt from the catalogue
PARTITION_LOCK = 0x636F6E666C696374  # "conflict": the advisory lock of making partitions

TABLES = (
    """CREATE TABLE IF NOT EXISTS engine_meta (
        key text PRIMARY KEY,
        value text NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS docs (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        id text NOT NULL,
        day date,
        moment timestamp,
        story bigint NOT NULL,
        outlet text,
        lang text,
        places text[] NOT NULL DEFAULT '{}',
        countries text[] NOT NULL DEFAULT '{}',
        src tsvector NOT NULL,
        tsv tsvector NOT NULL
    ) PARTITION BY RANGE (day)""",
    "CREATE TABLE IF NOT EXISTS docs_undated PARTITION OF docs DEFAULT",
    "CREATE INDEX IF NOT EXISTS docs_tsv ON docs USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS docs_src ON docs USING gin (src)",
    "CREATE INDEX IF NOT EXISTS docs_places ON docs USING gin (places)",
    "CREATE INDEX IF NOT EXISTS docs_countries ON docs USING gin (countries)",
    # one row per article, whoever sends it (an id holds its day: the partition key)
    "CREATE UNIQUE INDEX IF NOT EXISTS docs_id ON docs (id, day) NULLS NOT DISTINCT",
    "CREATE INDEX IF NOT EXISTS docs_moment ON docs (moment)",
    "CREATE INDEX IF NOT EXISTS docs_seq ON docs (seq)",
    """CREATE TABLE IF NOT EXISTS words (
        field text NOT NULL,
        term text COLLATE "C" NOT NULL,
        PRIMARY KEY (field, term)
    )""",
)


def made(conn: Any) -> bool:
    """Whether the engine's tables are in the connection's schema."""
    row = conn.execute("SELECT to_regclass('engine_meta') IS NOT NULL").fetchone()
    return bool(row[0])


def make(conn: Any) -> None:
    """The engine's tables, made where they are missing (one transaction)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
        for statement in TABLES:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO engine_meta VALUES ('layout', %s), ('generation', '0') "
            "ON CONFLICT (key) DO NOTHING",
            (str(LAYOUT),),
        )


def months_needed(conn: Any, days: set[dt.date]) -> None:
    """The month partitions of these days, made where missing, each committed at once."""
    want = sorted({d.replace(day=1) for d in days})
    if not want:
        return
    have = {
        r[0]
        for r in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'docs'::regclass"
        )
    }
    for first in want:
        name = f"docs_{first:%Y_%m}"
        if name in have:
            continue
        last = first.year == dt.MAXYEAR and first.month == 12
        after = "MAXVALUE" if last else f"'{(first + dt.timedelta(days=32)).replace(day=1)}'"
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
            # the name is made from a date, never from text: no quoting needed
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF docs "
                f"FOR VALUES FROM ('{first.isoformat()}') TO ({after})"
            )


def generation(conn: Any) -> int:
    row = conn.execute("SELECT value FROM engine_meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def commit_key(conn: Any) -> tuple[object, ...]:
    """Which archive and which of its commits a connection sees: the server, the
    database, the engine's table (its oid, new whenever the tables are made again, so
    two archives in one process never share what was counted) and the latest commit."""
    row = conn.execute(
        "SELECT 'engine_meta'::regclass::oid, current_database(), "
        "(SELECT value FROM engine_meta WHERE key = 'generation')"
    ).fetchone()
    return (conn.info.host, conn.info.port, *row)


def next_generation(conn: Any) -> None:
    """The commit counted (in the committing transaction)."""
    conn.execute(
        "UPDATE engine_meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"
    )
