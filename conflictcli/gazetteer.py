"""The gazetteer's data as the package ships it (data/gazetteer.jsonl, built by hand
with tools/gazetteer/): read by names.py, and by analysis.py for the designations
written with a space (Leopard 2)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "gazetteer.jsonl"  # package data (pyproject.toml)


@functools.cache
def entries() -> list[dict[str, Any]]:
    """The gazetteer's entries, as the data file holds them."""
    text = DATA.read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
