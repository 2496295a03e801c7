"""The catalogue's tables: how a new one is made, how one made by an older version is
brought up to date (upgrade), how its tables are compared with these when it is opened
(a catalogue whose tables are not conflict's is Damaged, kind `catalogue_schema`), and
which missing tables `check --repair` makes again (remake_tables)."""

from __future__ import annotations

import re

from conflictcli.store.connection import Connection, writing
from conflictcli.store.damage import Damaged

# 2: links name the row of a CSV or the line of a JSON Lines file; 3: stories (clusters
# of near-duplicate articles) and the bands that find them; 4: the time of day; 5: the
# language and what a source says beside the text (meta)
SCHEMA_VERSION = 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    date TEXT,
    title TEXT NOT NULL,
    title_derived INTEGER NOT NULL,
    source TEXT,
    url TEXT,
    body TEXT NOT NULL,
    words INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    author TEXT,
    cluster TEXT,  -- the story: the id of its first article (stories.py), NULL until made
    time TEXT,  -- the time of day the source wrote (HH:MM:SS, no zone), NULL when none
    lang TEXT,  -- its language as ingest detected it (ISO 639-1), NULL when unknown
    meta TEXT  -- a JSON object of short strings (Telegram: forwarded_from, edited), or NULL
);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    ingested_at TEXT NOT NULL
);
-- which articles a file holds, and where: row 0 for a whole file, row n for row n of a
-- CSV (the header is row 1) or line n of a JSON Lines file; shown as path:n
CREATE TABLE IF NOT EXISTS links (
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
    row INTEGER NOT NULL DEFAULT 0,
    article_id TEXT NOT NULL REFERENCES articles(id),
    PRIMARY KEY (path, row, article_id)
);
CREATE INDEX IF NOT EXISTS links_article ON links(article_id);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    summary TEXT NOT NULL
);
"""


def _tables_of(script: str) -> dict[str, str]:
    """Each CREATE TABLE statement of a script, by its table's name."""
    out = {}
    for statement in script.split(";\n"):
        text = "\n".join(
            line for line in statement.strip().splitlines() if not line.startswith("--")
        )
        if found := re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", text):
            out[found.group(1)] = text
    return out


SCHEMA_STATEMENTS = _tables_of(SCHEMA)  # what check --repair makes again (REMADE)

# the story of each article, and the MinHash bands of each story's first article: how a
# new copy finds its story (stories.py); added to older catalogues by upgrade()
STORIES = [
    "CREATE INDEX IF NOT EXISTS articles_cluster ON articles(cluster)",
    # `article` is the first 8 hex digits of the article's id as a number: a band row
    # takes about 16 bytes (measured on ukraine-media; a text id would add 13 more)
    """CREATE TABLE IF NOT EXISTS bands (
        key INTEGER NOT NULL,
        article INTEGER NOT NULL,
        PRIMARY KEY (key, article)
    ) WITHOUT ROWID""",
]
# the sketch of each story's first article (stories.py: the low byte of each of its
# MinHash values), by which a far candidate is passed over without its text; `article`
# is the article's id (16 hex digits) as a signed 64-bit number. Made by upgrade() in
# catalogues of before (their first articles get theirs when next compared)
SKETCHES = """CREATE TABLE IF NOT EXISTS sketches (
    article INTEGER PRIMARY KEY,
    sketch BLOB NOT NULL
)"""

# The tables conflict makes, each column with the type it declares. The first five are
# in every catalogue; the others are made as they are needed (by an upgrade, the first
# dictionary, the first watch, ...) and compared when they are there.
TABLES: dict[str, dict[str, str]] = {
    "meta": {"key": "TEXT", "value": "TEXT"},
    "articles": {
        "id": "TEXT",
        "date": "TEXT",
        "title": "TEXT",
        "title_derived": "INTEGER",
        "source": "TEXT",
        "url": "TEXT",
        "body": "TEXT",
        "words": "INTEGER",
        "added_at": "TEXT",
        "author": "TEXT",
        "cluster": "TEXT",
        "time": "TEXT",
        "lang": "TEXT",
        "meta": "TEXT",
    },
    "files": {
        "path": "TEXT",
        "sha256": "TEXT",
        "size": "INTEGER",
        "mtime": "REAL",
        "ingested_at": "TEXT",
    },
    "links": {"path": "TEXT", "row": "INTEGER", "article_id": "TEXT"},
    "runs": {"id": "INTEGER", "started_at": "TEXT", "finished_at": "TEXT", "summary": "TEXT"},
    "bands": {"key": "INTEGER", "article": "INTEGER"},
    "sketches": {"article": "INTEGER", "sketch": "BLOB"},
    "dictionaries": {"id": "INTEGER", "data": "BLOB"},
    "name_keys": {"key": "TEXT", "record": "TEXT"},
    "name_entries": {"id": "TEXT", "record": "TEXT"},
    "watches": {
        "name": "TEXT",
        "query": "TEXT",
        "filters": "TEXT",
        "created": "TEXT",
        "last_run": "TEXT",
    },
    "watch_seen": {"name": "TEXT", "article_id": "TEXT"},
    "watch_notes": {"name": "TEXT", "note": "TEXT"},
    "damaged": {  # see mend.DAMAGED
        **{c: "" for c in ("id", "date", "title", "title_derived", "source", "url", "body")},
        **{c: "" for c in ("words", "added_at", "author", "cluster")},
        "row": "INTEGER",
        "problem": "TEXT",
        "action": "TEXT",
        "at": "TEXT",
        "time": "",
        "lang": "",
        "meta": "",
    },
}
REQUIRED = ("meta", "articles", "files", "links", "runs")
# columns that catalogues of older schemas lack (Store.upgrade adds them)
OPTIONAL_COLUMNS = {
    ("articles", "author"),
    ("articles", "cluster"),
    ("articles", "time"),
    ("damaged", "time"),
    ("articles", "lang"),
    ("articles", "meta"),
    ("damaged", "lang"),
    ("damaged", "meta"),
    ("links", "row"),
}
# tables that `check --repair` makes again, empty, when they are missing: they hold no
# text (the files and links are read again by the next ingest; bands are made again)
REMADE = ("meta", "files", "links", "runs", "bands")

# an article's row as it is read (articles.Article), the columns an older schema lacks NULL
ARTICLE_COLUMNS = (
    "id, date, title, title_derived, source, url, body, {author}, {cluster}, {time}, {lang}, {meta}"
)


class Schema(Connection):
    """The tables of the catalogue: `schema_problems` lists what is wrong with them;
    `_row` and `_columns` read links and articles as far as the schema has them."""

    schema_problems: list[str]
    _row: str  # the row of a link ("0" where a catalogue of schema 1 has none)
    _columns: str  # ARTICLE_COLUMNS as this catalogue has them

    def _make(self) -> None:
        """The tables of a new catalogue (or one that a crash left empty)."""
        if not self.writable:
            self.open_for_writing()
        # pages of 16 KiB hold compressed bodies of 1-3 KB with less left unused
        # than 4 KiB ones: the catalogue of ukraine-media-2022 35 -> 31 MB
        self.conn.execute("PRAGMA page_size = 16384")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.executescript(SCHEMA + ";\n".join([*STORIES, SKETCHES]))
        self.conn.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    def _read_schema(self, tables: dict[str, dict[str, str]]) -> None:
        self.schema_problems = _schema_problems(tables)
        # a catalogue of schema 1 has no rows in its links until an ingest upgrades it
        self._row = "row" if "row" in tables.get("links", {}) else "0"
        self._columns = _article_columns(tables.get("articles", {}))

    def _tables(self) -> dict[str, dict[str, str]]:
        """Every table with its columns and their declared types (upper case)."""
        out: dict[str, dict[str, str]] = {}
        rows = self.conn.execute(
            "SELECT m.name, p.name, upper(p.type) FROM sqlite_master AS m,"
            " pragma_table_info(m.name) AS p WHERE m.type = 'table'"
            " UNION ALL SELECT ' ' || type, name, '' FROM sqlite_master"
            " WHERE type IN ('trigger', 'view')"
        )
        for table, column, kind in rows:
            out.setdefault(table, {})[column] = kind
        return out

    def _has_column(self, table: str, column: str) -> bool:
        return any(r[1] == column for r in self.conn.execute(f"PRAGMA table_info({table})"))

    def _has_table(self, table: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.conn.execute(sql, (table,)).fetchone() is not None

    def _make_table(self, table: str, statement: str) -> bool:
        """A table made when first needed (`statement`: CREATE TABLE IF NOT EXISTS), in
        the caller's write transaction; whether it is there to write. (A team archive
        has every table from the start; one made before a table was added gets it at
        its next ingest, TeamStore.upgrade, and until then this is False.)"""
        self.conn.execute(statement)
        return self._has_table(table)

    def schema_damaged(self) -> Damaged:
        problems = self.schema_problems
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        if schema_repairable(problems):
            hint = (
                f"Run 'conflict check --repair --index {self.folder}': it makes the "
                "missing tables again, empty (the next ingest reads the files again), "
                "and drops triggers and views."
            )
        else:
            hint = (
                "conflict cannot mend that: restore the catalogue from a copy, or ingest "
                f"the files again into a new archive ('conflict check --index {self.folder}' "
                "lists what is wrong)."
            )
        e = Damaged(
            f"The catalogue {self.path} is not as conflict makes it: {shown}.",
            hint,
            "catalogue_schema",
        )
        e.problems = list(problems)
        return e

    @writing
    def remake_tables(self) -> list[str]:
        """The tables of REMADE that are missing, made again (empty), and the triggers
        and views dropped (conflict makes none), in the caller's write transaction;
        returns the tables made."""
        tables = self._tables()
        for kind in ("trigger", "view"):
            for name in tables.get(f" {kind}", {}):
                self.conn.execute(
                    f'DROP {kind.upper()} IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"'
                )
        statements = {
            "meta": SCHEMA_STATEMENTS["meta"],
            "files": SCHEMA_STATEMENTS["files"],
            "links": SCHEMA_STATEMENTS["links"],
            "runs": SCHEMA_STATEMENTS["runs"],
            "bands": STORIES[1],
        }
        made = []
        for name in REMADE:
            if name in tables or (name == "bands" and "cluster" not in tables.get("articles", {})):
                continue
            self.conn.execute(statements[name])
            made.append(name)
        if "links" in made:
            self.conn.execute("CREATE INDEX IF NOT EXISTS links_article ON links(article_id)")
            self._row = "row"
        if "meta" in made:
            self._set_schema_version("OR IGNORE")
        if "bands" in made:  # made again from the stories' first articles by the next ingest
            self.conn.execute("DELETE FROM meta WHERE key = 'stories'")
        self.schema_problems = _schema_problems(self._tables())
        return made

    def upgrade(self) -> None:
        """Bring a catalogue made by an older version to SCHEMA_VERSION, inside the
        caller's write transaction."""
        if not self._has_column("articles", "author"):
            self.conn.execute("ALTER TABLE articles ADD COLUMN author TEXT")
        if not self._has_column("articles", "cluster"):  # stories are made by the ingest
            self.conn.execute("ALTER TABLE articles ADD COLUMN cluster TEXT")
            for statement in STORIES:
                self.conn.execute(statement)
        self.conn.execute(SKETCHES)
        if not self._has_column("articles", "time"):  # NULL: the time was not kept before
            self.conn.execute("ALTER TABLE articles ADD COLUMN time TEXT")
        for column in ("lang", "meta"):  # NULL: not detected, nothing kept beside the text
            if not self._has_column("articles", column):
                self.conn.execute(f"ALTER TABLE articles ADD COLUMN {column} TEXT")
        self._columns = _article_columns(self._tables().get("articles", {}))
        self._set_schema_version()
        if self._has_column("links", "row"):
            return
        # one statement at a time: executescript() would commit the caller's transaction
        for statement in [
            """CREATE TABLE links_2 (
                path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
                row INTEGER NOT NULL DEFAULT 0,
                article_id TEXT NOT NULL REFERENCES articles(id),
                PRIMARY KEY (path, row, article_id))""",
            "INSERT INTO links_2 (path, row, article_id) SELECT path, 0, article_id FROM links",
            "DROP TABLE links",
            "ALTER TABLE links_2 RENAME TO links",
            "CREATE INDEX IF NOT EXISTS links_article ON links(article_id)",
        ]:
            self.conn.execute(statement)
        self._row = "row"

    def _set_schema_version(self, conflict: str = "OR REPLACE") -> None:
        self.conn.execute(
            f"INSERT {conflict} INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )


def _article_columns(has: dict[str, str]) -> str:
    return ARTICLE_COLUMNS.format(
        author="author" if "author" in has else "NULL",
        cluster="cluster" if "cluster" in has else "NULL",
        time="time" if "time" in has else "NULL",
        lang="lang" if "lang" in has else "NULL",
        meta="meta" if "meta" in has else "NULL",
    )


def schema_repairable(problems: list[str]) -> bool:
    """Whether check --repair mends every one of these problems of the schema: tables of
    REMADE missing, triggers and views."""
    return all(
        (p.endswith(" is missing") and p.split()[:1] == ["table"] and p.split()[1] in REMADE)
        or p.split()[:1] in (["trigger"], ["view"])
        for p in problems
    )


def _schema_problems(tables: dict[str, dict[str, str]]) -> list[str]:
    """What is wrong with a catalogue's tables: each one missing, each column missing
    or of another type ([] for a new catalogue, which has none)."""
    if not tables:
        return []
    problems = [  # SQL the catalogue would run when read or written: conflict makes none
        f"{kind.strip()} {name!r} is not conflict's"
        for kind, names in tables.items()
        if kind in (" trigger", " view")
        for name in names
    ]
    for table, columns in TABLES.items():
        has = tables.get(table)
        if has is None:
            if table in REQUIRED or (table == "bands" and "cluster" in tables.get("articles", {})):
                problems.append(f"table {table} is missing")
            continue
        for column, kind in columns.items():
            if column not in has:
                if (table, column) not in OPTIONAL_COLUMNS:
                    problems.append(f"{table}.{column} is missing")
            elif has[column] != kind:
                problems.append(f"{table}.{column} is {has[column] or 'of no type'}, not {kind}")
    return problems
