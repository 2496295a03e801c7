"""How well each way of keying Cyrillic words joins a word's forms (README.md, part A).

    /tmp/stem-venv/bin/python bench/stemming/stemming.py uk   # BRUK press + war timeline
    /tmp/stem-venv/bin/python bench/stemming/stemming.py uk-war  # the war timeline alone
    /tmp/stem-venv/bin/python bench/stemming/stemming.py ru   # the Russian Telegram posts
    /tmp/stem-venv/bin/python bench/stemming/stemming.py uk "cyrillic_key (today)"  # its errors

The words are the index's (conflictcli.analysis.words: lower case, folded, an apostrophe
inside a word dropped), Cyrillic only. The gold is pymorphy3's first reading of the word
as the text writes it (pymorphy3-dicts-uk or -ru); a word the dictionary does not know
(a name, a typo, a word it has not) is left out of every figure. Each method maps a word
to a key; two words are joined when their keys are equal (a word with no key is joined to
nothing), which is how names.inflect() expands a query word today.

Figures, each weighted by the words' frequencies in the text:
- recall: of the pairs of distinct forms of one lemma, the share that share a key;
- precision: of the pairs of distinct forms that share a key, the share that are one lemma;
- search: for each of the 200 most frequent lemmas (content words: no stop word, no
  pronoun, preposition, conjunction, particle or numeral), a query for its dictionary
  form finds the words whose key is its key: the share of the lemma's occurrences found,
  and the share of what it finds that is another lemma's.
"""

from __future__ import annotations

import functools
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import Stemmer

sys.path.insert(0, str(Path(__file__).parent))

from corpora import russian_texts, ukrainian_texts, war_texts
from ukrainian import ukrainian_key

from conflictcli import analysis

CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+(?:['’ʼ`][\u0400-\u04ff]+)*")
SKIP_POS = {"NPRO", "PREP", "CONJ", "PRCL", "NUMR", "INTJ", "PRED"}
TOP_LEMMAS = 200
TREE_STEM = Path("/tmp/stem-data/ext/tree_stem.py")  # amakukha/stemmers_ukrainian, BSD-2

_RUSSIAN = Stemmer.Stemmer("russian")
Key = Callable[[str], "str | None"]


def methods(lang: str) -> dict[str, Key]:
    """name -> key of an index word (None: the word is joined to no other)."""
    out: dict[str, Key] = {
        "none": lambda w: w,
        "russian-snowball": _RUSSIAN.stemWord,
        "cyrillic_key (today)": analysis.cyrillic_key,
        "ukrainian_key (bench)": ukrainian_key,
        "ukrainian_key, every word": functools.partial(ukrainian_key, everywhere=True),
        "Russian or Ukrainian stem equal": _either,
    }
    if TREE_STEM.exists() and lang == "uk":
        sys.path.insert(0, str(TREE_STEM.parent))
        import tree_stem

        out["tree_stem"] = tree_stem.stem_word
    return out


def _either(word: str) -> tuple[str | None, str | None]:
    """Both keys: two words are joined where their Russian stems are equal or their
    Ukrainian stems are (a query analysed as Russian and as Ukrainian)."""
    ru = _RUSSIAN.stemWord(word)
    return (ru if len(ru) >= 3 else None), ukrainian_key(word, everywhere=True)


def vocabulary(texts: list[str]) -> Counter[tuple[str, str]]:
    """(the word as the index holds it, the word as written, lower case) -> occurrences."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for m in CYRILLIC_WORD.finditer(text):
            written = re.sub("[’ʼ`]", "'", m.group().lower())
            held = analysis.words(m.group())
            if len(held) == 1 and len(held[0]) >= analysis.MIN_LENGTH:
                counts[(held[0], written)] += 1
    return counts


def gold(counts: Counter[tuple[str, str]], lang: str) -> dict[str, tuple[str, str]]:
    """index word -> (lemma, part of speech) for the words the dictionary knows, read as
    their most frequent written form is. Of a word's readings, the lemma taken is the one
    whose forms occur most in the text (pymorphy3-dicts-uk gives every reading the same
    score, and lists війни's verb війнути first): війни is війна's, нова новий's."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer(lang=lang)
    best: dict[str, tuple[int, str]] = {}
    for (held, written), n in counts.items():
        if n > best.get(held, (0, ""))[0]:
            best[held] = (n, written)
    readings: dict[str, list[tuple[str, str]]] = {}
    support: Counter[str] = Counter()
    for held, (n, written) in best.items():
        parses = [p for p in morph.parse(written) if p.is_known]
        if not parses:
            continue
        seen = {}
        for p in parses:
            lem = analysis.folded(p.normal_form.replace("'", ""))
            # a pronoun that declines as an adjective (этот, весь: Apro) is a pronoun, as
            # pymorphy3-dicts-uk reads цей and весь
            seen.setdefault(lem, "NPRO" if "Apro" in str(p.tag) else str(p.tag.POS))
        readings[held] = list(seen.items())
        for lem in seen:
            support[lem] += n
    return {w: max(r, key=lambda lp: support[lp[0]]) for w, r in readings.items()}


def _pairs(groups: dict[object, list[int]]) -> int:
    return sum((sum(v) ** 2 - sum(x * x for x in v)) // 2 for v in groups.values())


def measure(freq: dict[str, int], lemma: dict[str, str], key: Key) -> dict[str, float]:
    """Recall and precision of the pairs; a key that is a tuple joins two words when any
    of its parts is equal (two parts at most: the pairs are counted by inclusion-exclusion)."""
    keys = {w: _parts(key, w) for w in freq}
    width = len(next(iter(keys.values())))

    def pairs(part: Callable[[str], object]) -> int:
        groups: dict[object, list[int]] = defaultdict(list)
        for w, n in freq.items():
            groups[part(w)].append(n)
        return _pairs(groups)

    if width == 1:
        joined = pairs(lambda w: keys[w])
        both = pairs(lambda w: (lemma[w], keys[w]))
    else:
        joined = pairs(lambda w: keys[w][0]) + pairs(lambda w: keys[w][1]) - pairs(keys.get)
        both = (
            pairs(lambda w: (lemma[w], keys[w][0]))
            + pairs(lambda w: (lemma[w], keys[w][1]))
            - pairs(lambda w: (lemma[w], keys[w]))
        )
    return {
        "recall": both / max(1, pairs(lemma.get)),
        "precision": both / max(1, joined),
        "keys": len({keys[w] for w in freq}),
    }


def _parts(key: Key, w: str) -> tuple[str, ...]:
    got = key(w)
    if isinstance(got, tuple):
        return tuple(k or f"\0{w}" for k in got)
    return (got or f"\0{w}",)


def search(
    freq: dict[str, int], lemma: dict[str, str], pos: dict[str, str], key: Key
) -> dict[str, float]:
    """The 200 most frequent content lemmas, each queried by its dictionary form."""
    total: Counter[str] = Counter()
    for w, n in freq.items():
        if pos[w] not in SKIP_POS and w not in analysis.STOP_WORDS and len(lemma[w]) > 2:
            total[lemma[w]] += n
    keys = {w: _parts(key, w) for w in freq}
    by_key: dict[tuple[int, str], list[str]] = defaultdict(list)
    for w, ks in keys.items():
        for n, k in enumerate(ks):
            by_key[(n, k)].append(w)
    found, pulled = [], []
    own_all = found_all = other_all = 0
    for lem, n in total.most_common(TOP_LEMMAS):
        hits = {lem} & freq.keys()
        for i, k in enumerate(_parts(key, lem)):
            hits.update(by_key.get((i, k), []))
        own = sum(freq[w] for w in hits if lemma[w] == lem)
        other = sum(freq[w] for w in hits if lemma[w] != lem)
        found.append(own / n)
        pulled.append(other / max(1, own + other))
        own_all, found_all, other_all = own_all + n, found_all + own, other_all + other
    return {
        "found_median": statistics.median(found),
        "found_all": found_all / own_all,
        "pulled_median": statistics.median(pulled),
        "pulled_all": other_all / max(1, found_all + other_all),
    }


def errors(freq: dict[str, int], lemma: dict[str, str], key: Key, n: int = 25) -> None:
    """The lemmas whose forms a key splits most, and the keys that join most other
    lemmas' forms, by the weight of the pairs lost."""
    keys = {w: key(w) or f"\0{w}" for w in freq}
    forms: dict[str, list[str]] = defaultdict(list)
    joined: dict[str, list[str]] = defaultdict(list)
    for w in freq:
        forms[lemma[w]].append(w)
        joined[keys[w]].append(w)

    def lost(words: list[str], part: Callable[[str], object]) -> int:
        groups: dict[object, list[int]] = defaultdict(list)
        for w in words:
            groups[part(w)].append(freq[w])
        return _pairs({0: [freq[w] for w in words]}) - _pairs(groups)

    split = sorted(forms, key=lambda lem: -lost(forms[lem], keys.__getitem__))[:n]
    for lem in split:
        by = defaultdict(list)
        for w in sorted(forms[lem], key=lambda w: -freq[w]):
            by[keys[w]].append(w)
        print("split", lem, dict(by))
    merged = sorted(joined, key=lambda k: -lost(joined[k], lemma.__getitem__))[:n]
    for k in merged:
        by = defaultdict(list)
        for w in sorted(joined[k], key=lambda w: -freq[w]):
            by[lemma[w]].append(w)
        print("joined", k, dict(by))


def run(lang: str, show: str | None = None) -> None:
    texts = {"uk": ukrainian_texts, "ru": russian_texts, "uk-war": war_texts}[lang]()
    lang = lang[:2]
    counts = vocabulary(texts)
    freq: Counter[str] = Counter()
    for (held, _), n in counts.items():
        freq[held] += n
    t = time.perf_counter()
    known = gold(counts, lang)
    lemmatize_s = time.perf_counter() - t
    kept = {w: n for w, n in freq.items() if w in known}
    lemma = {w: known[w][0] for w in kept}
    pos = {w: known[w][1] for w in kept}
    content = {w: n for w, n in kept.items() if pos[w] not in SKIP_POS}
    if show:
        errors(content, lemma, methods(lang)[show])
        return
    print(
        f"{lang}: {len(texts)} texts, {sum(freq.values())} Cyrillic words, {len(freq)} distinct;"
        f" the dictionary knows {len(kept)} ({100 * sum(kept.values()) / sum(freq.values()):.1f}%"
        f" of occurrences), {len(set(lemma.values()))} lemmas; pymorphy3 read them in"
        f" {lemmatize_s:.1f} s"
    )
    print(
        "| method | recall | precision | recall, all words | precision, all words | keys "
        "| query finds (median / all) | other lemmas in what it finds (median / all) "
        "| µs a word |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, key in methods(lang).items():
        t = time.perf_counter()
        for w in kept:
            key(w)
        per_word = (time.perf_counter() - t) / len(kept) * 1e6
        m = measure(content, lemma, key)
        a = measure(kept, lemma, key)
        s = search(kept, lemma, pos, key)
        print(
            f"| {name} | {m['recall']:.3f} | {_p(m)} | {a['recall']:.3f} | {_p(a)} | {m['keys']} "
            f"| {s['found_median']:.3f} / {s['found_all']:.3f} "
            f"| {s['pulled_median']:.3f} / {s['pulled_all']:.3f} | {per_word:.1f} |"
        )
    print(f"| pymorphy3 lemma (the gold itself: the bound) | 1 | 1 | 1 | 1 "
          f"| {len({lemma[w] for w in content})} | 1 / 1 | 0 / 0 | |")  # fmt: skip


def _p(m: dict[str, float]) -> str:
    """Precision, or a dash where no two words share a key."""
    return "–" if m["recall"] == 0 and m["precision"] == 0 else f"{m['precision']:.3f}"


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "uk", sys.argv[2] if len(sys.argv) > 2 else None)
