"""A field's postings as two arrays, for counting facets: which term each posting is of
and which document it names. Counting how many of a set of documents hold each term is
then one pass over the postings in NumPy, whatever the number of terms (thousands of
places), instead of one set intersection a term."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np


class Postings:
    """Each term of a field and the documents that hold it (global document numbers)."""

    def __init__(self, docs_of: Mapping[str, Collection[int]]) -> None:
        self.terms = list(docs_of)
        sizes = [len(docs_of[t]) for t in self.terms]
        self._term = np.repeat(np.arange(len(self.terms), dtype=np.int32), sizes)
        self._doc = np.fromiter(
            (d for t in self.terms for d in docs_of[t]), dtype=np.int64, count=sum(sizes)
        )

    def counts(self, chosen: Chosen) -> dict[str, int]:
        """How many of the chosen documents hold each term (the terms none holds left out)."""
        inside = self._doc < len(chosen.mask)
        held = chosen.mask[np.where(inside, self._doc, 0)] & inside
        per = np.bincount(self._term[held], minlength=len(self.terms))
        return {self.terms[i]: int(per[i]) for i in np.flatnonzero(per)}


class Chosen:
    """A set of documents as a mask over document numbers, made once for several counts."""

    def __init__(self, docs: Collection[int], size: int) -> None:
        self.mask = np.zeros(size, dtype=bool)
        if docs:
            self.mask[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
