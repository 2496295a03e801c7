"""Language detectors on short and long texts in ru, uk, en, ar, he, fr: accuracy per
language and length, time per text, import and first-call time, memory, and the
letter rule for ru/uk (README.md, part B).

    python3 bench/stemming/corpora.py                    # the test sets, into /tmp
    /tmp/stem-venv/bin/python bench/stemming/langid_bench.py run     # each detector in its own process
    /tmp/stem-venv/bin/python bench/stemming/langid_bench.py report  # the tables

Every detector reads what ingest gives its detector: conflictcli.language.sample() of
the text (its first 2,000 characters, links, @handles and digits out).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

SETS = Path("/tmp/stem-data/langid")
RESULTS = Path("/tmp/stem-data/results")
LANGS = ("ru", "uk", "en", "ar", "he", "fr")
UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")
# names of places written the Ukrainian way, with a letter Russian has not: what a
# Russian post quoting Ukrainian names holds (the "quoting_uk" set is built with them)
UKRAINIAN_NAMES = (
    "Київ", "Харків", "Запоріжжя", "Миколаїв", "Ізюм", "Чернігів", "Вінниця", "Львів",
    "Івано-Франківськ", "Кремінна", "Сєвєродонецьк", "Костянтинівка", "Мар'їнка",
    "Авдіївка", "Дніпропетровщина", "Слов'янськ", "Куп'янськ", "Ніжин", "Білгород-Дністровський",
    "Кіровоград",
)  # fmt: skip


def _code(raw: str | None) -> str | None:
    """A detector's answer as ISO 639-1: iw is he, a region or script tag goes."""
    if not raw or raw in ("un", "und", "zxx"):
        return None
    code = raw.lower().replace("_", "-").split("-")[0]
    return {"iw": "he", "arz": "ar", "ary": "ar"}.get(code, code)


def detectors() -> dict[str, Callable[[], Callable[[str], str | None]]]:
    """name -> a function that imports the detector and returns its detect(text)."""

    def py3langid() -> Callable[[str], str | None]:
        import py3langid

        return lambda t: _code(py3langid.classify(t)[0])

    def project() -> Callable[[str], str | None]:
        from conflictcli import language

        return language.detect  # py3langid, norm_probs, 0.5, the ≥2-letters rule

    def langdetect() -> Callable[[str], str | None]:
        from langdetect import DetectorFactory, LangDetectException, detect

        DetectorFactory.seed = 0  # its answers are random otherwise

        def one(t: str) -> str | None:
            try:
                return _code(detect(t))
            except LangDetectException:
                return None

        return one

    def cld2() -> Callable[[str], str | None]:
        import pycld2

        def one(t: str) -> str | None:
            try:
                return _code(pycld2.detect(t)[2][0][1])
            except pycld2.error:
                return None

        return one

    def cld3() -> Callable[[str], str | None]:
        import gcld3  # the cld3-py wheel

        det = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=4000)
        return lambda t: _code(det.FindLanguage(text=t).language)

    return {
        "py3langid": py3langid,
        "project": project,
        "lingua-high": lambda: _lingua_detector(low=False),
        "lingua-low": lambda: _lingua_detector(low=True),
        "langdetect": langdetect,
        "cld2": cld2,
        "cld3": cld3,
    }


def _lingua_detector(low: bool) -> Callable[[str], str | None]:
    """lingua over all its languages, in high or low accuracy mode."""
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages()
    det = (builder.with_low_accuracy_mode() if low else builder).build()
    return lambda t: _lingua(det.detect_language_of(t))


def _lingua(lang: object) -> str | None:
    return None if lang is None else lang.iso_code_639_1.name.lower()  # type: ignore[attr-defined]


def test_sets() -> dict[str, list[dict[str, str]]]:
    """set name (ru_short, uk_long, ru_quoting_uk, ...) -> its texts and labels."""
    out = {}
    for path in sorted(SETS.glob("*.jsonl")):
        out[path.stem] = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    out["ru_quoting_uk"] = quoting_uk(out.get("ru_quoting_uk", []), out["ru_short"])
    return out


def quoting_uk(real: list[dict[str, str]], short: list[dict[str, str]]) -> list[dict[str, str]]:
    """Russian posts naming a Ukrainian place the Ukrainian way: the posts of the corpus
    that do (few), and 500 of its short Russian posts each with one Ukrainian spelling put
    in after its first sentence's first word (a built set: README says so)."""
    out = list(real)
    for n, item in enumerate(short[:500]):
        words = item["text"].split(" ", 1)
        name = UKRAINIAN_NAMES[n % len(UKRAINIAN_NAMES)]
        text = f"{words[0]} {name} {words[1]}" if len(words) == 2 else f"{name}: {words[0]}"
        out.append({"lang": "ru", "text": text})
    return out


def run_one(name: str) -> None:
    """In this process: import `name`, detect every text of every set, write the results."""
    from conflictcli.language import sample

    sets = test_sets()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    detect = detectors()[name]()
    imported = time.perf_counter() - t0
    t1 = time.perf_counter()
    detect("Это первый текст, который читает детектор.")
    first = time.perf_counter() - t1
    out: dict[str, object] = {"name": name, "import_s": imported, "first_call_s": first}
    preds: dict[str, list[str | None]] = {}
    times: dict[str, list[float]] = {}
    for set_name, items in sets.items():
        preds[set_name], times[set_name] = [], []
        for item in items:
            text = sample(item["text"])
            t = time.perf_counter()
            got = detect(text)
            times[set_name].append(time.perf_counter() - t)
            preds[set_name].append(got)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_added_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    out["preds"], out["times"] = preds, times
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"langid_{name}.json").write_text(json.dumps(out), "utf-8")
    print(name, f"import {imported:.2f}s first {first:.2f}s rss {out['peak_rss_mb']:.0f} MB")


def letters(text: str, lang: str | None, at_least: int = 1) -> str | None:
    """The letter rule: for an answer ru or uk, the letters only one of the two has
    decide where the text has `at_least` of one side's and none of the other's."""
    if lang not in ("ru", "uk"):
        return lang
    uk = sum(c in UKRAINIAN_ONLY for c in text)
    ru = sum(c in RUSSIAN_ONLY for c in text)
    if uk >= at_least and not ru:
        return "uk"
    if ru >= at_least and not uk:
        return "ru"
    return lang


def report() -> None:
    from conflictcli.language import sample

    sets = test_sets()
    rows = []
    for path in sorted(RESULTS.glob("langid_*.json")):
        res = json.loads(path.read_text("utf-8"))
        rows.append(res)
    print("| detector | " + " | ".join(sets) + " | median µs short | median µs long |")
    print("|---" * (len(sets) + 3) + "|")
    for res in rows:
        for rule in ("none", "1", "2"):
            if res["name"] == "project" and rule != "none":
                continue
            cells = []
            for set_name, items in sets.items():
                ok = 0
                for item, got in zip(items, res["preds"][set_name], strict=True):
                    if rule != "none":
                        got = letters(sample(item["text"]), got, int(rule))
                    ok += got == item["lang"]
                cells.append(f"{100 * ok / len(items):.1f}")
            short = [x for k, v in res["times"].items() if k.endswith("short") for x in v]
            long = [x for k, v in res["times"].items() if k.endswith("long") for x in v]
            label = res["name"] + ("" if rule == "none" else f" + letters≥{rule}")
            print(
                f"| {label} | " + " | ".join(cells) + f" | {statistics.median(short) * 1e6:.0f} "
                f"| {statistics.median(long) * 1e6:.0f} |"
            )
    print()
    print("| detector | import s | first call s | peak RSS MB | RSS added MB |")
    print("|---|---|---|---|---|")
    for res in rows:
        print(
            f"| {res['name']} | {res['import_s']:.2f} | {res['first_call_s']:.2f} "
            f"| {res['peak_rss_mb']:.0f} | {res['rss_added_mb']:.0f} |"
        )
    _confusions(rows, sets)
    _by_length(rows, sets)


BINS = ((20, 60), (61, 120), (121, 300))


def _by_length(rows: list[dict], sets: dict[str, list[dict[str, str]]]) -> None:
    """ru and uk short texts by length: accuracy, and how many were read as the other."""
    from conflictcli.language import sample

    names = [f"{lang} {a}–{b}" for lang in ("ru", "uk") for a, b in BINS]
    print()
    print("| detector | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    sizes = []
    for res in rows:
        for rule in (0, 2):
            if res["name"] == "project" and rule:
                continue
            cells = []
            for lang in ("ru", "uk"):
                other = "uk" if lang == "ru" else "ru"
                items, preds = sets[f"{lang}_short"], res["preds"][f"{lang}_short"]
                for a, b in BINS:
                    ok = swapped = n = 0
                    for item, got in zip(items, preds, strict=True):
                        if a <= len(item["text"].strip()) <= b:
                            got = letters(sample(item["text"]), got, rule) if rule else got
                            n, ok, swapped = n + 1, ok + (got == lang), swapped + (got == other)
                    cells.append(f"{100 * ok / n:.1f} ({swapped})")
                    sizes.append(n)
            label = res["name"] + (f" + letters≥{rule}" if rule else "")
            print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"\ntexts per column: {sizes[: len(names)]}; in brackets: read as the other of ru/uk")


def _confusions(rows: list[dict], sets: dict[str, list[dict[str, str]]]) -> None:
    """What each detector said instead, on the short sets (the five most frequent)."""
    print()
    for res in rows:
        wrong: dict[str, Counter[str | None]] = defaultdict(Counter)
        for set_name, items in sets.items():
            for item, got in zip(items, res["preds"][set_name], strict=True):
                if got != item["lang"]:
                    wrong[set_name][got] += 1
        said = "; ".join(
            f"{k}: " + ", ".join(f"{g}×{n}" for g, n in c.most_common(4)) for k, c in wrong.items()
        )
        print(f"- {res['name']}: {said}")


def main() -> None:
    if sys.argv[1:2] == ["run"]:
        names = sys.argv[2:] or list(detectors())
        for name in names:  # each in a fresh process: import time and memory are its own
            subprocess.run([sys.executable, __file__, "one", name], check=True)
    elif sys.argv[1:2] == ["one"]:
        run_one(sys.argv[2])
    else:
        report()


if __name__ == "__main__":
    main()
