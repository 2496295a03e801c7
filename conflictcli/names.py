"""Names across spellings and scripts: the gazetteer shipped with the package
(data/gazetteer.jsonl, built by hand with tools/gazetteer/), each spelling read as a
query reads it, and the expansion of the names in a parsed query into every spelling
of them (Kiev -> Kyiv, Київ, Киеве, ...). The index stays literal: `--exact` searches
for the spelling typed alone.

A spelling that two entries share (Pokrovsk: the Donetsk Oblast city, and Engels's old
name) follows the more prominent entry, the first of KINDS whose canonical name holds
the spelling, else one whose own name it is over one that only yields it (the
gazetteer's `yields`: Engels yields Покровск, its name until 1931), else the first of
KINDS; a spelling marked ambiguous in the gazetteer (Antonov: the aircraft maker, and
a surname) is expanded too. Either way the search says so in a note, and `--explain`
shows what it was read as."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from conflictcli.analysis import cyrillic_key, cyrillic_prefixes, query_terms, query_terms_of
from conflictcli.errors import QueryError
from conflictcli.gazetteer import DATA, entries
from conflictcli.query import tree as t
from conflictcli.spelling import place_hint


class NameRecords(Protocol):
    """Where StoredNames reads the gazetteer as an ingest stored it (the catalogue)."""

    def name_records(self, table: str, keys: list[str]) -> dict[str, str]: ...


# which entry a spelling that several share follows, when no canonical name holds it
KINDS = ("person", "org", "place", "region", "designation")
FIELDS = ("title", "body")  # where names are expanded: the words of the text
RECORDS = 3  # how StoredNames' records are written (Gazetteer.records)
DESIGNATION_ID = "weapon:"  # the ids of designations start so (tools/gazetteer/README.md)


Key = tuple[str, ...]  # a spelling as the index terms a query looks for


@dataclass(frozen=True)
class Name:
    """An entry of the gazetteer: its canonical name and the spellings that find it."""

    id: str
    kind: str
    name: str  # canonical
    note: str | None
    forms: tuple[Key, ...]  # every spelling, as few as find them all
    # the spellings that are also ordinary words or names (счастье, Makarov): they find
    # the place only where placing.py read them as it (the `place` field), not as words
    words: tuple[Key, ...] = ()


@dataclass(frozen=True)
class Match:
    """How a spelling in a query was read."""

    typed: str  # the spelling, as index terms joined by spaces
    name: Name
    ambiguous: bool  # the gazetteer marks it: it also names something else
    others: tuple[str, ...] = ()  # the canonical names of other entries it spells

    def note(self) -> str | None:
        if self.others:
            also = ", ".join(self.others)
            return (
                f"'{self.typed}' is read as {self.name.name}; it is also a spelling of "
                f"{also}. Use --exact to search for the spelling alone."
            )
        if self.ambiguous:
            why = f" ({self.name.note})" if self.name.note else ""
            return (
                f"'{self.typed}' is read as {self.name.name}, whose spelling it also is{why}; "
                "use --exact to search for the spelling alone."
            )
        return None


class Gazetteer:
    """Each spelling of the gazetteer, read as a query reads it, and its entries."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        from conflictcli.name_forms import with_clitics

        rows = [with_clitics(row) for row in rows]
        self._names: dict[str, Name] = {}
        self._by_key: dict[Key, list[str]] = {}
        self._ambiguous: set[tuple[Key, str]] = set()
        self._yields: set[tuple[Key, str]] = set()  # another entry's own name (Покровск)
        read = iter(query_terms_of([v for row in rows for v in row["variants"]]))
        for row in rows:
            keys: list[Key] = []
            ambiguous = set(row.get("ambiguous", []))
            yields = set(row.get("yields", []))
            as_words = set(row.get("words", {})) if row["kind"] in PLACE_KINDS else set()
            word_keys: list[Key] = []
            plain = {v.lower() for v in row["variants"] if "'" not in v}
            for variant in row["variants"]:
                key = next(read)
                if "'" in variant and variant.replace("'", "").lower() in plain:
                    continue  # Khar'kov: two words to the index, and Kharkov is there
                if variant in ambiguous:
                    self._ambiguous.add((key, row["id"]))
                if variant in yields:
                    self._yields.add((key, row["id"]))
                if variant in as_words and key and key not in word_keys:
                    word_keys.append(key)
                if key and key not in keys:
                    keys.append(key)
                    self._by_key.setdefault(key, []).append(row["id"])
            singles = {k[0] for k in keys if len(k) == 1}
            forms = [k for k in keys if len(k) == 1 or not singles.intersection(k)]
            if row["kind"] == "designation":  # Shahed-136 is also written Shahed 136
                spaced = [_LETTERS_DIGITS.sub(r"\1 \2", v) for v in row["variants"]]
                for parts in query_terms_of(spaced):
                    if len(parts) > 1 and parts not in forms and not singles.intersection(parts):
                        forms.append(parts)
            words = tuple(k for k in word_keys if k in forms)
            self._names[row["id"]] = Name(
                row["id"], row["kind"], row["name"], row.get("note"), tuple(forms), words
            )
        for key, ids in self._by_key.items():
            if len(ids) > 1:  # a spelling of several names: the most prominent first
                ids.sort(key=lambda i: self._prominence(key, self._names[i]))

    def _prominence(self, key: Key, name: Name) -> tuple[int, int, int, str]:
        holds = set(key) <= set(query_terms(name.name))
        rank = KINDS.index(name.kind) if name.kind in KINDS else len(KINDS)
        return (0 if holds else 1, 1 if (key, name.id) in self._yields else 0, rank, name.id)

    def records(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """Each spelling and each entry as a JSON record, for the catalogue (StoredNames)."""
        keys = [
            (" ".join(key), " ".join(("!" if (key, i) in self._ambiguous else "") + i for i in ids))
            for key, ids in self._by_key.items()
        ]  # the ids the spelling names, the most prominent first; "!": marked ambiguous
        names = [
            (
                n.id,
                json.dumps(
                    {
                        "kind": n.kind,
                        "name": n.name,
                        "note": n.note,
                        "forms": n.forms,
                        "words": n.words,
                    },
                    ensure_ascii=False,
                ),
            )
            for n in self._names.values()
        ]
        return keys, names

    def names(self) -> list[Name]:
        return list(self._names.values())

    def lookup(self, key: Key) -> Match | None:
        ids = self._by_key.get(key)
        if not ids:
            return None
        first = self._names[ids[0]]
        others = tuple(self._names[i].name for i in ids[1:])
        return Match(" ".join(key), first, (key, first.id) in self._ambiguous, others)

    def lookup_many(self, keys: list[Key]) -> dict[Key, Match]:
        return {k: m for k in keys if (m := self.lookup(k)) is not None}

    def designation(self, words: str) -> bool:
        """Whether `words` (letters, then a number: "Su 34") spell a designation."""
        key = query_terms(re.sub(r"\s+", "-", words.strip()))
        return any(self._names[i].kind == "designation" for i in self._by_key.get(key, []))


@functools.cache
def gazetteer() -> Gazetteer:
    """The gazetteer read whole (about 0.15 s: every spelling through the analyzer)."""
    return Gazetteer(entries())


@functools.cache
def signature(analyzer: str) -> str:
    """What the stored spellings depend on: the data file and the analyzer's version."""
    return f"{hashlib.sha256(DATA.read_bytes()).hexdigest()[:16]} {analyzer} records {RECORDS}"


class StoredNames:
    """The gazetteer as an ingest stored it in the catalogue (Gazetteer.records()): a
    search looks up the few spellings its query holds, in a millisecond."""

    def __init__(self, store: NameRecords) -> None:
        self._store = store

    def lookup_many(self, keys: list[Key]) -> dict[Key, Match]:
        """The names of these spellings, in two queries whatever their number."""
        typed = {" ".join(k): k for k in keys}
        found = {
            typed[t]: r.split()
            for t, r in self._store.name_records("name_keys", list(typed)).items()
        }
        try:
            ids = sorted({i.lstrip("!") for record in found.values() for i in record})
            entries = {
                i: json.loads(r) for i, r in self._store.name_records("name_entries", ids).items()
            }
            out = {}
            for key, record in found.items():
                first, *more = (i.lstrip("!") for i in record)
                others = tuple(entries[i]["name"] for i in more if i in entries)
                ambiguous = record[0].startswith("!")
                out[key] = Match(" ".join(key), _name(first, entries[first]), ambiguous, others)
        except (ValueError, RecursionError, KeyError, TypeError, IndexError, AttributeError) as e:
            from conflictcli.errors import DataError

            raise DataError(
                f"The place names stored in the catalogue are damaged ({type(e).__name__}).",
                "Run 'conflict check --repair' (it drops them; the next ingest stores them "
                "again from the gazetteer).",
            ) from e
        return out

    def designation(self, words: str) -> bool:
        typed = " ".join(query_terms(re.sub(r"\s+", "-", words.strip())))
        got = self._store.name_records("name_keys", [typed]).get(typed, "")
        return any(i.lstrip("!").startswith(DESIGNATION_ID) for i in got.split())


def _name(id_: str, record: dict[str, Any]) -> Name:
    forms = tuple(tuple(f) for f in record["forms"])
    words = tuple(tuple(w) for w in record.get("words", ()))
    return Name(id_, record["kind"], record["name"], record["note"], forms, words)


class Names(Protocol):
    """Where spellings are looked up: the gazetteer read whole, or as stored."""

    def lookup_many(self, keys: list[Key]) -> dict[Key, Match]: ...

    def designation(self, words: str) -> bool: ...


@dataclass
class Expanded:
    """A query tree with its names expanded, and which names were matched."""

    tree: t.Part  # the query tree, names expanded
    matches: list[Match] = field(default_factory=list)  # one per name, in query order
    joined: list[str] = field(default_factory=list)  # names typed as words (Match.typed)

    def notes(self) -> list[str]:
        said = [
            f"Read the words '{m.typed}' as one name, {m.name.name}, in any spelling of it "
            "(as in quotes); use --exact to search for the words as typed."
            for m in self.matches
            if m.typed in self.joined
        ]
        return said + [n for m in self.matches if (n := m.note()) is not None]


def expand(q: t.Part, names: Names | None = None) -> Expanded:
    """`q` with each word and phrase of the text fields that is a known name replaced by
    the name's every spelling, in the same field with the same boost; words side by
    side that spell a name of several words (Kryvyi Rih, unquoted) are read as it, as
    the phrase of them would be."""
    gaz = names if names is not None else gazetteer()
    keys = [k for leaf in t.leaves(q) if (k := _key(leaf)) is not None]
    keys += _word_keys(q)
    if not keys:
        return Expanded(q)
    known = gaz.lookup_many(keys)
    found: dict[str, Match] = {}
    joined: list[str] = []

    def one(leaf: t.Leaf) -> t.Part:
        key = _key(leaf)
        match = known.get(key) if key is not None else None
        if match is None:
            return leaf
        found.setdefault(match.typed, match)
        field = leaf.field or FIELDS[-1]  # a name is a word of the text fields (_key)
        spelled = _spelled_name(field, match.name, leaf.boost, key)
        return t.Spellings(spelled, match.name.name)

    def name_of(words: list[t.Word], match: Match) -> t.Part:
        found.setdefault(match.typed, match)
        joined.append(match.typed)
        return _name_part(words[0], match.name)

    tree = _join_words(q, known, name_of)
    return Expanded(t.rewrite(tree, one, keep=t.Spellings), list(found.values()), joined)


# -- words side by side that spell a name (Kryvyi Rih) ----------------------------------
MAX_NAME_WORDS = 6  # a run of words is read as a name of at most this many words


def _word_keys(q: t.Part) -> list[Key]:
    """Every run of two to MAX_NAME_WORDS words side by side in a conjunction of `q`."""
    keys: list[Key] = []
    for group in t.conjunctions(q):
        for words in t.word_runs(group).values():
            texts = tuple(w.text for w in words[:MAX_NAME_WORDS])
            keys += [texts[:size] for size in range(2, len(texts) + 1)]
    return keys


def _join_words(
    q: t.Part, known: dict[Key, Match], name_of: Callable[[list[t.Word], Match], t.Part]
) -> t.Part:
    """`q` with each run of words in a conjunction that spells a known name, the longest
    first from the left, replaced by name_of(the words, the name)."""
    if isinstance(q, t.Not):
        return replace(q, part=_join_words(q.part, known, name_of))
    if isinstance(q, (t.Any, t.Spellings)):
        return replace(q, parts=tuple(_join_words(c, known, name_of) for c in q.parts))
    if not isinstance(q, t.All):
        return q
    runs = t.word_runs(q)
    parts: list[t.Part] = []
    n = 0
    while n < len(q.parts):
        got = _longest_name(runs.get(n, []), known)
        if got is not None:
            size, match = got
            parts.append(name_of(runs[n][:size], match))
            n += size
            continue
        parts.append(_join_words(q.parts[n], known, name_of))
        n += 1
    if len(parts) == 1:  # the whole conjunction was one name: as the phrase of it reads
        return parts[0] if q.boost == 1.0 else t.boosted(parts[0], parts[0].boost * q.boost)
    return replace(q, parts=tuple(parts))


def _longest_name(words: list[t.Word], known: dict[Key, Match]) -> tuple[int, Match] | None:
    """How many of `words`, two or more from the first, spell a name (the most), and it."""
    for size in range(min(len(words), MAX_NAME_WORDS), 1, -1):
        match = known.get(tuple(w.text for w in words[:size]))
        if match is not None:
            return size, match
    return None


def _name_part(word: t.Word, name: Name) -> t.Part:
    """A name's every spelling in the fields of `word`, as a phrase of it there reads."""
    if len(word.fields) == 1:
        return t.Spellings(_spelled_name(word.fields[0], name, word.boost), name.name)
    spelled = tuple(t.Spellings(_spelled_name(f, name), name.name) for f in word.fields)
    return t.Any(spelled, word.boost)


PLACE_FIELD = "place"  # the ids of the places placing.py found in an article


def _spelled_name(
    field: str, name: Name, boost: float = 1.0, typed: Key | None = None
) -> tuple[t.Part, ...]:
    """A name's spellings in `field`; those that are also ordinary words or names
    (счастье, Макаров) stand for the articles where placing.py read them as the place,
    so that a search for Shchastia finds no text about happiness. The spelling typed
    is searched as written whatever it is (счастье finds happiness too, as asked)."""
    if not name.words:
        return _spelled(field, name.forms, boost)
    plain = [f for f in name.forms if f not in name.words or f == typed]
    return (*_spelled(field, plain, boost), t.Term(PLACE_FIELD, name.id, boost))


def _spelled(
    field: str, forms: list[Key] | tuple[Key, ...], boost: float = 1.0
) -> tuple[t.Part, ...]:
    """Each spelling in `field`: a word, or a phrase of several."""
    return tuple(
        t.Term(field, form[0], boost) if len(form) == 1 else t.Phrase(field, form, boost=boost)
        for form in forms
    )


PLACE_KINDS = ("place", "region")  # the entries the places facet counts


@functools.cache
def _countries() -> dict[str, str]:
    """Each place's and region's country (ISO 3166 alpha-2), as the gazetteer gives it."""
    from conflictcli.gazetteer import entries

    return {
        e["id"]: code
        for e in entries()
        if e.get("kind") in PLACE_KINDS and isinstance(code := e.get("country"), str)
    }


def countries_of(ids: list[str]) -> list[str]:
    """The countries of these places and regions, each once, in the order first named."""
    known = _countries()
    return list(dict.fromkeys(known[i] for i in ids if i in known))


def place(typed: str, names: Names | None = None) -> Match:
    """The place (or region) that --place `typed` names, in any of its spellings."""
    gaz = names if names is not None else gazetteer()
    key = query_terms(typed)
    match = gaz.lookup_many([key]).get(key) if key else None
    if match is None:
        raise QueryError(  # the nearest places named, in the script typed (spelling.py)
            f"No place called {typed!r} in the gazetteer.", place_hint(typed, gaz, PLACE_KINDS)
        )
    if match.name.kind not in PLACE_KINDS:
        raise QueryError(
            f"{typed!r} is {match.name.name}, a {match.name.kind}, not a place.",
            f"Search for it instead: conflict search {typed!r}",
        )
    return match


def places() -> list[Name]:
    """Every place and region of the gazetteer, in its order."""
    return [n for n in gazetteer().names() if n.kind in PLACE_KINDS]


@functools.cache
def place_forms() -> list[tuple[Name, list[Key]]]:
    """Every place and region of the gazetteer with the spellings read as it."""
    return [(n, own_forms(n)) for n in places()]


def own_forms(name: Name, names: Names | None = None) -> list[Key]:
    """The spellings of `name` that are read as it: one it shares with a more prominent
    entry (Pokrovsk: the Donetsk Oblast city, not Engels) belongs to that entry, so that
    no article counts for two places by one word."""
    gaz = names if names is not None else gazetteer()
    known = gaz.lookup_many(list(name.forms))
    return [f for f in name.forms if (m := known.get(f)) is None or m.name.id == name.id]


def mentions(forms: list[Key]) -> t.Any:
    """A query for the articles that write any of these spellings, in title or body."""
    return t.Any(tuple(p for form in forms for f in FIELDS for p in _spelled(f, [form])))


class Lexicon(Protocol):
    """The words an index holds in a field that start with a prefix."""

    def __call__(self, fieldname: str, prefix: str) -> list[str]: ...


def inflect(q: t.Part, words: Lexicon) -> t.Part:
    """`q` with each Cyrillic word of the text fields that is not a name replaced by
    every form of it the index holds (обстрел: обстрелы, обстрелов, обстрелами; the
    forms share analysis.cyrillic_key), scored as one word, as a name's spellings are."""

    def one(leaf: t.Leaf) -> t.Part:
        if not isinstance(leaf, t.Term) or leaf.field not in FIELDS:
            return leaf
        key = cyrillic_key(leaf.text)
        if key is None:
            return leaf
        held = (w for start in cyrillic_prefixes(key) for w in words(leaf.field, start))
        forms = sorted({leaf.text, *(w for w in held if cyrillic_key(w) == key)})
        if len(forms) == 1:
            return leaf
        parts = tuple(t.Term(leaf.field, w, leaf.boost) for w in forms)
        return t.Spellings(parts, f"{leaf.text} (its forms)")

    return t.rewrite(q, one, keep=t.Spellings)  # a name's spellings are its forms already


def _key(leaf: t.Leaf) -> Key | None:
    """A word or phrase of the text fields, as the spelling it may be."""
    if isinstance(leaf, t.Term) and leaf.field in FIELDS:
        return (leaf.text,)
    if isinstance(leaf, t.Phrase) and leaf.field in FIELDS:
        return leaf.words
    return None


_LETTERS_DIGITS = re.compile(r"(?<![\w\-])([^\W\d_]+)-(\d)")
_SPACED_NUMBER = re.compile(r"(?<![\w\-'])([^\W\d_]+)\s+(\d[\w\-]*)(?![\w\-])")


def join_designations(text: str, names: Names | None = None) -> str:
    """A query's designations written with a space (Su 34, Shahed 136) joined with a
    hyphen, as the analyzer reads one name (su34)."""

    def joined(m: re.Match[str]) -> str:
        gaz = names if names is not None else gazetteer()  # read only when needed
        words = f"{m.group(1)} {m.group(2)}"
        return f"{m.group(1)}-{m.group(2)}" if gaz.designation(words) else m.group(0)

    return _SPACED_NUMBER.sub(joined, text)
