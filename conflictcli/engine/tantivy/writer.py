"""Writing the tantivy index: a batch of changes committed whole, or at checkpoints,
each commit sealed (storage.py). tantivy merges its segments in background threads by
its log merge policy (segments of like size merged together, in tiers), so each byte
is rewritten a few times, not at every commit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from conflictcli.articles import Article
from conflictcli.engine.tantivy import storage
from conflictcli.engine.tantivy.documents import Prepared, document
from conflictcli.errors import ArchiveBusy

HEAP_BYTES = 256 << 20  # tantivy's indexing memory, shared by its threads
THREADS = max(1, min(2, os.cpu_count() or 1))


class TantivyWriter:
    def __init__(self, index: Any, folder: Path) -> None:
        self._ix = index
        self._folder = folder
        self._w: Any = None
        self.pending = 0

    def _writer(self) -> Any:
        if self._w is None:  # the caller holds our lock: tantivy's is free but for a crash
            try:
                self._w = self._ix.writer(heap_size=HEAP_BYTES, num_threads=THREADS)
            except ValueError as e:
                raise ArchiveBusy() from e
        return self._w

    def use_workers(self, mapper: Any) -> None:
        """tantivy's own threads write the segments: no worker processes needed."""

    def add(self, a: Article, prepared: Prepared | None = None) -> None:
        self._writer().add_document(document(a, prepared))
        self.pending += 1

    def delete(self, article_id: str) -> None:
        self._writer().delete_documents_by_term("id", article_id)
        self.pending += 1

    def checkpoint(self) -> bool:
        if not self.pending:
            return False
        self._w.commit()
        storage.seal(self._folder)
        self.pending = 0
        return True

    def finish(self, commit: bool) -> None:
        w, self._w = self._w, None
        if w is None:
            return
        if commit:
            w.commit()
        else:
            w.rollback()
        w.wait_merging_threads()  # the merges end, the writer and its lock are dropped
        storage.seal(self._folder)  # the last commit, as the merges left it
