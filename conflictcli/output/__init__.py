"""Every rendering: Rich tables for people, JSON, JSON Lines and CSV for scripts.

Data goes to stdout; messages, warnings and progress go to stderr. Machine formats do
not change with the terminal; human ones may. Rich is imported only where something is
drawn with it (a table, a terminal), so JSON, CSV and piped messages never load it.

One module for each family of commands, on two shared ones: `console` (where and how
to write: consoles, colour, messages, safe text, the JSON and CSV writers) and `data`
(each record as JSON holds it). The commands call the functions named here; each
loads its family's module when first asked for (stats loads neither search nor ingest).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names are; at run time each loads with its module
    from conflictcli.output.analyst import count, places, sources, stats, stories, timelines
    from conflictcli.output.article import SHOW_SIMILAR, article
    from conflictcli.output.config import setting_written, settings, where
    from conflictcli.output.console import (
        BAR_ROOM_PIPED,
        MARK,
        WIDE,
        be_quiet,
        colored_pipe,
        emit,
        error,
        marked,
        note,
        quiet,
        reset,
        safe,
        say,
        stderr,
        stdout,
        stdout_is_terminal,
        use_color,
        use_excel_csv,
        warning,
    )
    from conflictcli.output.data import (
        EXPORT_FIELDS,
        JSON_SCHEMA_VERSION,
        PLACE_FIELDS,
        RESULT_FIELDS,
        SEARCH_FIELDS,
    )
    from conflictcli.output.ingest import IngestProgress, check_report, ingest_summary, removal
    from conflictcli.output.search import (
        batch,
        explanation,
        export,
        search_results,
        similar,
        suggestions,
        watch_runs,
        watches,
    )

# each name, and the module that holds it
_HOME = {
    "BAR_ROOM_PIPED": "console",
    "EXPORT_FIELDS": "data",
    "IngestProgress": "ingest",
    "JSON_SCHEMA_VERSION": "data",
    "MARK": "console",
    "PLACE_FIELDS": "data",
    "RESULT_FIELDS": "data",
    "SEARCH_FIELDS": "data",
    "SHOW_SIMILAR": "article",
    "WIDE": "console",
    "article": "article",
    "batch": "search",
    "be_quiet": "console",
    "check_report": "ingest",
    "colored_pipe": "console",
    "count": "analyst",
    "emit": "console",
    "error": "console",
    "explanation": "search",
    "export": "search",
    "ingest_summary": "ingest",
    "marked": "console",
    "note": "console",
    "places": "analyst",
    "removal": "ingest",
    "quiet": "console",
    "reset": "console",
    "safe": "console",
    "say": "console",
    "search_results": "search",
    "setting_written": "config",
    "settings": "config",
    "similar": "search",
    "sources": "analyst",
    "stats": "analyst",
    "stderr": "console",
    "stdout": "console",
    "stdout_is_terminal": "console",
    "stories": "analyst",
    "suggestions": "search",
    "timelines": "analyst",
    "use_color": "console",
    "use_excel_csv": "console",
    "warning": "console",
    "watch_runs": "search",
    "watches": "search",
    "where": "config",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BAR_ROOM_PIPED",
    "EXPORT_FIELDS",
    "JSON_SCHEMA_VERSION",
    "MARK",
    "PLACE_FIELDS",
    "RESULT_FIELDS",
    "SEARCH_FIELDS",
    "SHOW_SIMILAR",
    "WIDE",
    "IngestProgress",
    "article",
    "batch",
    "be_quiet",
    "check_report",
    "colored_pipe",
    "count",
    "emit",
    "error",
    "explanation",
    "export",
    "ingest_summary",
    "marked",
    "note",
    "places",
    "quiet",
    "removal",
    "reset",
    "safe",
    "say",
    "search_results",
    "setting_written",
    "settings",
    "similar",
    "sources",
    "stats",
    "stderr",
    "stdout",
    "stdout_is_terminal",
    "stories",
    "suggestions",
    "timelines",
    "use_color",
    "use_excel_csv",
    "warning",
    "watch_runs",
    "watches",
    "where",
]
