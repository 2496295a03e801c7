"""The records the commands give back and the rendering shows: plain data, no archive,
store or engine object in them, so that any front end reads them the same way. One
module per family, so that a command loads only the records it gives back:

- search.py: Result, SearchResult, Watch (searching.py, watching.py, pages.py)
- holdings.py: Member, Story, Stories, Source, Stats (holdings.py)
- counts.py: Place, Places, Group, Count, Bucket, Timeline (counting.py)
- upkeep.py: Problem, CheckReport, Skipped, IngestSummary (ingest.py, check.py)

output/ renders them. The engine's own records (Hit, Explanation, Node) are in
engine/records.py.
"""
