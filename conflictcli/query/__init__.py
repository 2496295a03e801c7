"""What a user asks for, engine-neutral: the request and its filters (request.py),
the query text as a person wrote it (reading.py), and the tree it means (tree.py,
read by parse.py), which every engine translates into its own query."""

from conflictcli.choices import Sort
from conflictcli.query.reading import FIELDS, MAX_QUERY_CHARS, OPERATORS, Reading, read_query
from conflictcli.query.request import SearchRequest, build_request, read_days

__all__ = [
    "FIELDS",
    "MAX_QUERY_CHARS",
    "OPERATORS",
    "Reading",
    "SearchRequest",
    "Sort",
    "build_request",
    "read_days",
    "read_query",
]
