#!/usr/bin/env python
"""The relevance benchmark's references, run by bench/relevance.py in the benchmark's own
environment (bench/.venv: bm25s, PyStemmer, ir-measures; never the project's).

Reads one JSON object on stdin:

    {"docs": {docid: text}, "queries": {qid: text}, "qrels": {qid: [docid, ...]},
     "runs": {name: {qid: [docid, ...]}}, "depth": 100}

runs bm25s on the documents (two configurations), adds its runs to the given ones, and
prints on stdout, for every run, each measure per query (ir-measures, i.e. trec_eval's
definitions through pytrec_eval) and the mean over the judged queries (a query with no
result counts 0, as trec_eval -c counts it).
"""

from __future__ import annotations

import json
import sys
from typing import Any

MEASURES = ("AP@100", "nDCG@10", "P@10", "R@100")


def bm25s_runs(
    docs: dict[str, str], queries: dict[str, str], depth: int
) -> dict[str, dict[str, list[str]]]:
    import bm25s
    import Stemmer

    ids = list(docs)
    texts = [docs[i] for i in ids]
    qids = list(queries)
    out: dict[str, dict[str, list[str]]] = {}
    configs = {
        "bm25s (Lucene BM25, English stopwords)": None,
        "bm25s (same + Snowball stemming)": Stemmer.Stemmer("english"),
    }
    for name, stemmer in configs.items():
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
        retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        retriever.index(tokens, show_progress=False)
        q_tokens = bm25s.tokenize(
            [queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False
        )
        k = min(depth, len(ids))
        results, scores = retriever.retrieve(q_tokens, k=k, show_progress=False)
        run: dict[str, list[str]] = {}
        for qid, row, row_scores in zip(qids, results, scores, strict=True):
            run[qid] = [ids[int(d)] for d, s in zip(row, row_scores, strict=True) if s > 0]
        out[name] = run
    return out


def measure(
    runs: dict[str, dict[str, list[str]]], qrels: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    import ir_measures

    measures = [ir_measures.parse_measure(m) for m in MEASURES]
    judged = {q: {d: 1 for d in docs} for q, docs in qrels.items() if docs}
    out: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        # scores falling with the rank: the run's order is kept as given
        scored = {
            q: {d: float(len(docs) - i) for i, d in enumerate(docs)}
            for q, docs in run.items()
            if docs
        }
        per: dict[str, dict[str, float]] = {str(m): dict.fromkeys(judged, 0.0) for m in measures}
        for row in ir_measures.iter_calc(measures, judged, scored):
            if row.query_id in judged:
                per[str(row.measure)][row.query_id] = float(row.value)
        means = {m: sum(v.values()) / len(v) for m, v in per.items()}
        out[name] = {"mean": means, "per_query": per}
    return out


def main() -> int:
    given = json.load(sys.stdin)
    runs = dict(given["runs"])
    if given.get("bm25s", True):
        runs.update(bm25s_runs(given["docs"], given["queries"], int(given.get("depth", 100))))
    json.dump({"runs": runs, "measures": measure(runs, given["qrels"])}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
