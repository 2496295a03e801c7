"""Whoosh, the default engine: the archive's search index in a folder beside its catalogue."""
