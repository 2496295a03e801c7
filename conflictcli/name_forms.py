"""Forms of a name the gazetteer's data does not list, made when it is read: Arabic and
Hebrew spellings with the conjunctions and prepositions these languages write onto the
word after them."""

from __future__ import annotations

import re
from typing import Any

# Arabic and Hebrew write a conjunction or a preposition as one word with the name after
# it (وغزة, بغزة, لخان يونس; בעזה, ומעזה). Snowball cuts them only off longer Arabic
# words, and Hebrew has no stemmer: each Arabic or Hebrew spelling of a name is also
# looked for with them (Arabic's article ال Snowball cuts itself; בירות is no ב + ירות)
CLITICS = {
    re.compile("[\u0620-\u064a]"): ("و", "ب", "ل", "ف", "ك", "وب", "ول", "فب", "فل"),
    re.compile("[\u05d0-\u05ea]"): (
        *("ו", "ב", "ל", "מ", "ה", "ש", "כ"),
        *("וב", "ול", "ומ", "וה", "וש", "שב", "של", "שמ", "מה", "לה", "בה", "כש"),
    ),
}


def with_clitics(row: dict[str, Any]) -> dict[str, Any]:
    """A gazetteer entry with the clitic forms of its Arabic and Hebrew spellings (not
    of those that start with ال: بالمدينة is cut to مدين), marked as the spelling they
    come from is."""
    forms: dict[str, list[str]] = {}  # a spelling -> its clitic forms
    for v in row["variants"]:
        for script, clitics in CLITICS.items():
            if script.match(v) and not v.startswith("ال"):
                forms[v] = [c + v for c in clitics]
    if not forms:
        return row
    out = {**row, "variants": [*row["variants"], *(f for v in forms for f in forms[v])]}
    for mark in ("ambiguous", "yields"):
        if marked := [v for v in row.get(mark, []) if v in forms]:
            out[mark] = [*row[mark], *(f for v in marked for f in forms[v])]
    if (words := row.get("words")) and (marked := [v for v in words if v in forms]):
        out["words"] = {**words, **{f: words[v] for v in marked for f in forms[v]}}
    return out
