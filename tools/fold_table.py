"""Writes conflictcli/data/fold.json: the accent folding table and the stop words that
the index has always used (Whoosh's `accent_map` and `STOP_WORDS`, BSD licence), as
data, so that reading text (analysis.py) needs no search engine. Run by hand when the
table should change; tests/test_analysis.py checks it against Whoosh's."""

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh)

# isort: split

import json
from pathlib import Path

from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

OUT = Path(__file__).resolve().parent.parent / "conflictcli" / "data" / "fold.json"
table = {"fold": {str(k): v for k, v in sorted(accent_map.items())}, "stop": sorted(STOP_WORDS)}
OUT.write_text(json.dumps(table, ensure_ascii=False, indent=0) + "\n", "utf-8")
print(f"wrote {OUT}: {len(table['fold'])} characters, {len(table['stop'])} stop words")
