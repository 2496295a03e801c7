"""The texts the stemming and language-detection measurements read: public material
brought into /tmp (never into the repository), each set labelled by its source.

Run once to lay the test sets out:

    python3 bench/stemming/corpora.py            # writes /tmp/stem-data/langid/*.jsonl

Where each set comes from (README.md, "Sources", has the licences):
- ru: /tmp/ru-telegram/*.jsonl, Russian news channels' posts (field `text`)
- uk: brown-uk/corpus (BRUK) press texts (data/good|so-so/A_*) in /tmp/stem-data/uk-bruk,
      and museum-of-war/web's war timeline (DescriptionUkrainian) in /tmp/stem-data/uk-museum
- en: /work/shared/corpora (guardian-nyt-ukraine-2022, fakes-syria-war, ukraine-media-2022)
- ar: inparallel/SaudiNewsNet (dataset/*.zip) in /tmp/stem-data/ar-saudi
- he: UniversalDependencies/UD_Hebrew-HTB (dev, test: Haaretz news sentences, in order)
- fr: UniversalDependencies/UD_French-GSD (dev, test: news, blogs, wiki sentences, shuffled)
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

DATA = Path("/tmp/stem-data")
RU_TELEGRAM = Path("/tmp/ru-telegram")
SHARED = Path("/work/shared/corpora")
MIRROR = Path("/work/.mirror")
OUT = DATA / "langid"
SHORT = (20, 300)  # characters: a post, a paragraph
LONG = 2_000  # the start of an article, as ingest reads it
PER_SET = 1_500  # texts a set keeps at most (a fixed random sample)
SEED = 28


def ukrainian_texts() -> list[str]:
    """Whole Ukrainian texts: BRUK's press files, then the war timeline's entries."""
    out = [p.read_text("utf-8") for p in sorted((DATA / "uk-bruk").glob("*.txt"))]
    out += [json.loads(line)["text"] for line in _lines(DATA / "uk-museum" / "ukrainian.jsonl")]
    return out


def war_texts() -> list[str]:
    """The war timeline's Ukrainian entries alone (2022: the vocabulary of this war)."""
    return [json.loads(line)["text"] for line in _lines(DATA / "uk-museum" / "ukrainian.jsonl")]


def russian_texts() -> list[str]:
    """The Russian Telegram posts, every channel, in file order."""
    return [
        json.loads(line).get("text") or ""
        for path in sorted(RU_TELEGRAM.glob("*.jsonl"))
        for line in _lines(path)
    ]


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as f:
        yield from (line for line in f if line.strip())


def _git_show(repo: str, path: str) -> str:
    git = MIRROR / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", "--git-dir", str(git), "show", f"HEAD:{path}"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def _conllu_sentences(repo: str, files: list[str]) -> list[str]:
    out = []
    for name in files:
        out += re.findall(r"^# text = (.*)$", _git_show(repo, name), flags=re.M)
    return out


def _joined(sentences: list[str], size: int = LONG) -> list[str]:
    """Consecutive sentences joined into texts of about `size` characters."""
    out, cur = [], ""
    for s in sentences:
        cur = f"{cur} {s}".strip()
        if len(cur) >= size:
            out.append(cur[:size])
            cur = ""
    return out


def _paragraphs(texts: list[str]) -> list[str]:
    return [p.strip() for t in texts for p in re.split(r"\n\s*\n|\n", t) if p.strip()]


def _short(items: list[str]) -> list[str]:
    low, high = SHORT
    return [t for t in items if low <= len(t.strip()) <= high]


def _shared_articles(corpus: str) -> list[str]:
    out = []
    for line in _lines(SHARED / corpus / "metadata.jsonl"):
        meta = json.loads(line)
        body = (SHARED / corpus / meta["file"]).read_text("utf-8")
        out.append(re.sub(r"^\s*date \d{4}-\d\d-\d\d\s*", "", body))
    return out


def _saudi() -> list[dict[str, str]]:
    out = []
    for z in sorted((DATA / "ar-saudi").glob("*.zip")):
        with zipfile.ZipFile(z) as f:
            for name in f.namelist():
                out += json.loads(f.read(name))
    return out


def langid_sets() -> dict[str, dict[str, list[str]]]:
    """language -> {"short": [...], "long": [...], and for ru "quoting_uk"}."""
    ru = [t for t in russian_texts() if t.strip()]
    uk = ukrainian_texts()
    bruk = [p.read_text("utf-8") for p in sorted((DATA / "uk-bruk").glob("*.txt"))]
    museum = [json.loads(x)["text"] for x in _lines(DATA / "uk-museum" / "ukrainian.jsonl")]
    en_articles = [
        a for c in ("guardian-nyt-ukraine-2022", "fakes-syria-war") for a in _shared_articles(c)
    ]
    en_media = _shared_articles("ukraine-media-2022")
    saudi = _saudi()
    he = _conllu_sentences(
        "UniversalDependencies/UD_Hebrew-HTB", ["he_htb-ud-dev.conllu", "he_htb-ud-test.conllu"]
    )
    fr = _conllu_sentences(
        "UniversalDependencies/UD_French-GSD", ["fr_gsd-ud-dev.conllu", "fr_gsd-ud-test.conllu"]
    )
    ukrainian_letter = re.compile("[іїєґІЇЄҐ]")
    sets = {
        "ru": {
            "short": _short(ru),
            "long": [t[:LONG] for t in ru if len(t) > 1_000],
            "quoting_uk": [t for t in ru if ukrainian_letter.search(t)],
        },
        "uk": {
            "short": _short(museum) + _short(_paragraphs(bruk)),
            "long": [t[:LONG] for t in uk if len(t) > 1_000],
        },
        "en": {
            "short": _short(_paragraphs(en_articles)) + _short([a[:300] for a in en_media]),
            "long": [t[:LONG] for t in en_articles + en_media if len(t) > 1_000],
        },
        "ar": {
            "short": _short(
                [a["title"] for a in saudi] + _paragraphs([a["content"] for a in saudi])
            ),
            "long": [a["content"][:LONG] for a in saudi if len(a["content"]) > 1_000],
        },
        "he": {"short": _short(he), "long": _joined(he)},
        "fr": {"short": _short(fr), "long": _joined(fr)},
    }
    rng = random.Random(SEED)
    for kinds in sets.values():
        for kind, items in kinds.items():
            unique = sorted(set(items))
            rng.shuffle(unique)
            kinds[kind] = unique[:PER_SET]
    return sets


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for lang, kinds in langid_sets().items():
        for kind, items in kinds.items():
            with (OUT / f"{lang}_{kind}.jsonl").open("w", encoding="utf-8") as f:
                for t in items:
                    f.write(json.dumps({"lang": lang, "text": t}, ensure_ascii=False) + "\n")
            print(lang, kind, len(items))


if __name__ == "__main__":
    main()
