"""The words around a place's name that tell a reader whether the text speaks of the
place (placing.py): prepositions of place and the cases they take, words of place before
and after a name, what a name after some words names instead (a river, a treaty, a
channel, a person), in Russian, Ukrainian, English, Arabic and Hebrew; and how an Arabic
word's proclitics come off. Written by hand; every word lower case, ё as е, Arabic folded
(placing.fold)."""

from __future__ import annotations

from collections.abc import Container


def _split(words: str) -> frozenset[str]:
    return frozenset(words.split())


ALL_CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct"})
# prepositions of place (Russian, Ukrainian) and the cases of the name they take
PLACE_PREPOSITIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("в", "во"), frozenset({"loct", "accs"})),
    "у": frozenset({"loct", "accs", "gent"}),  # Ukrainian у Щасті; Russian у Счастья (near)
    **dict.fromkeys(("под", "подо", "під", "над", "за"), frozenset({"ablt", "accs"})),
    **dict.fromkeys(("из", "изо", "із", "з", "зі", "от", "від", "до"), frozenset({"gent"})),
    **dict.fromkeys(
        ("около", "біля", "возле", "вблизи", "поблизу", "неподалік"), frozenset({"gent"})
    ),
    "через": frozenset({"accs"}),
    **dict.fromkeys(("к", "ко", "по"), frozenset({"datv"})),
    # English has no cases
    **dict.fromkeys(("in", "near", "outside", "around", "towards", "toward", "into"), ALL_CASES),
}
# before a name (Макаров, Makarov) they may speak of the person: у Макарова (Makarov
# has), до Макарова, по Макарову, к Макарову, за Макарова, от Макарова
NOT_FOR_NAMES = frozenset({"до", "к", "ко", "по", "за", "от", "від", "над"})
NAME_CASES = {"в": frozenset({"loct"}), "во": frozenset({"loct"}), "у": frozenset({"loct"})}
# words of place before a name (город Счастье, жителі Макарова, г. Счастье, town of)
PLACE_BEFORE = _split(
    """город города городе городом городу городка городок городке місто міста місті містом
    місту містечко містечка містечку село села селе селі селом селу сел поселок поселка
    поселке поселком поселения поселение селище селища селищі селищем пгт смт деревня
    деревни деревне станица станицы станице станиці районе района район районі району
    окраине окраинах окраины окраїні окраїнах околицях околиці околицы окрестности
    окрестностях жители жителей жителям жителями жителі жителів мешканці мешканців
    мешканцям направлении направление напрямку напрямі напрямок town city village
    settlement district residents outskirts
    مدينه بمدينه لمدينه ومدينه بلده ببلده وبلده قريه بقريه وقريه مخيم بمخيم ومخيم
    محافظه بمحافظه منطقه بمنطقه سكان اهالي
    העיר בעיר לעיר מהעיר היישוב ביישוב הכפר בכפר"""
)
ABBREVIATIONS = frozenset({"г", "гор", "с", "пгт", "смт", "м", "пос", "дер", "ст"})
OF_PLACE = frozenset(
    {"town", "city", "village", "settlement", "residents", "outskirts", "suburbs", "mayor",
     "centre", "center", "people", "liberation", "capture", "shelling", "outside"}
)  # fmt: skip
# words of place after a name (Счастье района, Rivne region, Rivne Oblast)
PLACE_AFTER = _split(
    """район района районе районі району области область області обл громада громади
    громаді громады отг district region oblast raion province area"""
)
RIVER = _split("""river rivers река реки реке рекой реку річка річки річці річкою річку""")
# after a place's name, what is named after it (the Minsk agreements): no place
NAMED_AFTER = RIVER | _split(
    """agreement agreements accord accords protocol protocols format package process
    platform disaster accident catastrophe tragedy syndrome nuclear power npp
    hydroelectric post tv stadium university gate street forum battalion massacre
    doctrine"""
)
# before a name these make it a person's (Marwan Abu Saada, bin Jassim Al Thani, Umm
# Khalil; ابو عبيدة, بن جاسم): a place's spelling right after one names no place
PATRONYMIC = _split("abu abou bin ibn bint umm ابو بن ابن بنت")
SUBSCRIBE = _split(
    """подписаться подписывайся подписывайтесь подпишись подпишитесь підписатися
    підписуйся підписуйтесь підпишись підпишіться subscribe"""
)
# before a capitalised word these say it is no place (о Золотом мяче, на Покров)
NOT_PLACE = _split(
    """о об обо про с со на для без ради кроме вместо как чем что чтобы ли же про при за
    the a an named called"""
)
# little words after an adjective that do not make it describe a noun (Золотое в ...)
LITTLE = _split(
    """в во на и а но или под над за из с со у к по до от при о об і й та чи з із зі до не
    ни же ли бы уже еще тоже также был была было были есть это этот эта эти"""
)
# after a place named like its oblast (Donetsk and Luhansk regions), or before "of"
REGIONS = _split("regions republics oblasts provinces region republic province oblast regional")
# between a run of such names and the word of region (Sumy, Kharkiv and other regions;
# Krasnodar, a region; Kyiv's regional police); not "the" (west of Kyiv, the regional
# governor said)
BETWEEN = _split("and other a s")
ONE_BETWEEN = _split("a s")  # after one name alone (Kyiv and other regions: the city)
# rivers that towns share their names with: "the Dnipro" is the river
RIVERS = _split("dnipro dnepr dnieper dniepr")
# what a region has, after "regional" (Poltava Regional State Administration)
OF_REGION = _split(
    "state administration council military governor police prosecutor office head court"
)


# Arabic as spellings are compared: the alef forms as ا, ى as ي, ة as ه (posts write
# غزه for غزة), and each vowel mark a tatweel, which _read drops from the words: the
# text stays as long as it was
ARABIC_FOLD = str.maketrans(
    {
        **dict.fromkeys("أإآٱ", "ا"),
        "ى": "ي",
        "ة": "ه",
        **{chr(c): "ـ" for c in range(0x064B, 0x0660)},
        "\u0670": "ـ",
    }
)
# what Arabic writes before a word, joined to it: and, so; in, for, like; and the
# article's للـ (li + al): وبغزة, لغزة, بالفاشر, للفاشر, والفاشر
ARABIC_PROCLITICS = ("وب", "ول", "فب", "فل", "وك", "و", "ف", "ب", "ل", "ك")


def arabic_bare(word: str, known: Container[str]) -> str | None:
    """An Arabic word with the proclitics before a place's name off (وبغزة: غزة; للفاشر:
    الفاشر), when that names a place."""
    for prefix in ARABIC_PROCLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            rest = word[len(prefix) :]
            if rest in known:
                return rest
            if prefix.endswith("ل") and rest.startswith("ل") and "ا" + rest in known:
                return "ا" + rest  # للفاشر: li + al-Fashir
    return None


def uncased(word: str) -> bool:
    """A word of a script with no capitals (Arabic, Hebrew): its capital says nothing."""
    return word[:1].lower() == word[:1].upper()
