"""The catalogue: every article with its text and metadata, the files it came from
(with their content hashes), and the ingest runs. SQLite from the standard library.

The catalogue lets `show`, `stats` and the "has this file changed?" check of an
incremental ingest run without opening the search engine, and gives ingest a
transaction to lean on. The search engine holds only what it needs to find and rank;
the catalogue is the record of what the archive contains.

A catalogue from someone else is data like any other input, so nothing read from one
is trusted. Its tables and their columns are compared with the schema when it is
opened (Damaged, kind `catalogue_schema`); every value of an article is checked for
type and range as it is read, its text inflated no further than any article can be
(MAX_TEXT_BYTES), and SQLite hands over no value longer than MAX_VALUE_BYTES, so a
hostile row costs a bounded amount of memory and is named, by id, as damage with the
next step. A page of results leaves a damaged article out with a warning
(DamagedWarning); `show` of that article is the error. `conflict check` finds every
damaged row (`survey`) and `--repair` mends or moves it aside (`mend`): the table
`damaged` keeps each row as it was, so nothing is deleted.

Store is made of one class for each part of the catalogue, each in its own module:
  connection    opening (read-only until the first write), transactions, errors
  schema        the tables: made, compared, upgraded, remade by check --repair
  damage        what a value may be, and how damage is named (Damaged, Flaw)
  dictionary    the bodies, compressed with the archive's zlib dictionary
  meta          single values (schema version, index layout, ...) and ingest runs
  files         the files read, and the links from each to its articles
  article_rows  the articles: written, read back checked
  stats         counts, dates, months, outlets
  clusters      stories: each article's cluster, the bands of each story's first
  place_names   the gazetteer as the search reads it
  watches       saved searches and what each has shown
  mend          what check finds (survey) and what --repair does (mend)
  core          Store, all of them together
"""

from conflictcli.store.clusters import BandsOf
from conflictcli.store.connection import BUSY_MS, now_iso
from conflictcli.store.core import Store
from conflictcli.store.damage import (
    MAX_PATH_CHARS,
    MAX_TEXT_BYTES,
    MAX_TEXT_CHARS,
    MAX_VALUE_BYTES,
    MOVED,
    REPAIRS,
    Damaged,
    DamagedWarning,
    Flaw,
    warn,
)
from conflictcli.store.dictionary import ZLIB_LEVEL, Dictionary, Packed, pack
from conflictcli.store.files import FileRecord
from conflictcli.store.mend import ARTICLE_KINDS, META_KEYS, SYNCED_KEY, Survey
from conflictcli.store.schema import SCHEMA_VERSION, TABLES, schema_repairable

__all__ = [
    "ARTICLE_KINDS",
    "BUSY_MS",
    "MAX_PATH_CHARS",
    "MAX_TEXT_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_VALUE_BYTES",
    "META_KEYS",
    "MOVED",
    "REPAIRS",
    "SCHEMA_VERSION",
    "SYNCED_KEY",
    "TABLES",
    "ZLIB_LEVEL",
    "BandsOf",
    "Damaged",
    "DamagedWarning",
    "Dictionary",
    "FileRecord",
    "Flaw",
    "Packed",
    "Store",
    "Survey",
    "now_iso",
    "pack",
    "schema_repairable",
    "warn",
]
