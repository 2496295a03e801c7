"""The fixed choices of command-line options, apart from the modules that act on them:
the command line reads them at start-up without loading rendering or query reading."""

from __future__ import annotations

from enum import Enum


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class Color(str, Enum):
    auto = "auto"  # colour on a terminal, unless NO_COLOR is set
    always = "always"
    never = "never"


class Sort(str, Enum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


class CountBy(str, Enum):
    source = "source"
    month = "month"
    year = "year"
    place = "place"
    lang = "lang"
    country = "country"


class Period(str, Enum):
    hour = "hour"
    day = "day"
    week = "week"
    month = "month"
    year = "year"


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    md = "md"
    xlsx = "xlsx"


class Within(str, Enum):
    sentence = "sentence"
    paragraph = "paragraph"


class Layout(str, Enum):
    """How search results are drawn on a terminal (into a pipe: always the full table)."""

    auto = "auto"  # compact below output.compact.COMPACT_BELOW columns, else wide
    compact = "compact"  # two lines a result
    wide = "wide"  # the full table, title and snippet wrapped in their columns


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
