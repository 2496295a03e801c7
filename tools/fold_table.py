"""Writes conflictcli/data/fold.json: the accent folding table and the stop words that
the index has always used (Whoosh's `accent_map` and `STOP_WORDS`, BSD licence), as
data, so that reading text (analysis.py) needs no search engine, with the characters of
DROPPED folded to nothing. Run by hand when the table should change;
tests/test_analysis.py checks it against Whoosh's."""

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh)

# isort: split

import json
from pathlib import Path

from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

# U+02BC, the modifier letter apostrophe: a letter to regular expressions, as which
# analysis.join_apostrophes() writes any apostrophe inside a Cyrillic word (Куп'янськ),
# dropped so that the word reads as the one written without it (Купянськ)
DROPPED = {0x02BC: ""}
OUT = Path(__file__).resolve().parent.parent / "conflictcli" / "data" / "fold.json"
fold = {**accent_map, **DROPPED}
table = {"fold": {str(k): v for k, v in sorted(fold.items())}, "stop": sorted(STOP_WORDS)}
OUT.write_text(json.dumps(table, ensure_ascii=False, indent=0) + "\n", "utf-8")
print(f"wrote {OUT}: {len(table['fold'])} characters, {len(table['stop'])} stop words")
