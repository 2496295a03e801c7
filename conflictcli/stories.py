"""Stories: near-duplicate articles (wire copies, the same report with a new headline, a
trimmed last paragraph or an added byline) grouped into one cluster at ingest.

How two texts are compared: as sets of word 5-shingles (every run of five words as the
index reads them: lower case, accents folded, punctuation dropped, stop words kept), by their Jaccard similarity (shared shingles over all
shingles). An article joins a story when its similarity to the story's first article
(the one that opened it) is at least THRESHOLD; otherwise it opens a story of its own.
Comparing with the first article only keeps a story from drifting: every member is
close to the same text, never a chain of small edits away from it.

Candidates are found without comparing every pair: a MinHash signature of each text
(64 permutations, datasketch's affine32 scheme made in numpy) is cut into BANDS bands of ROWS values, and the catalogue
keeps the bands of each story's first article (store/clusters.py, table `bands`). A new text
that shares a band with one is a candidate: with 16 bands of 4, a text of similarity
0.7 to it is one 98.8% of the time, 0.8 99.98%, 0.5 64%, 0.3 12%. Every candidate that
may reach THRESHOLD is then compared exactly, so the bands are cut to miss few true
copies (not datasketch's default for 0.7, 8 of 8, which weighs misses and false
candidates alike and finds a copy of similarity 0.7 only 38% of the time). The
catalogue records SCHEME: bands made another way are made again by the next ingest.

What a comparison needs is kept, so that no stored text is read again as the archive
grows (README: Stories at scale). A worker process makes each article's Fingerprint
where it reads its words: its band keys, its shingles and its sketch (the low byte of
each of its 64 MinHash values). The catalogue keeps the sketch of each story's first
article (table `sketches`, 64 bytes), and this process the shingles of the recent ones
(KEPT_BYTES). A candidate whose sketch agrees with the article's in fewer than
SKETCH_AGREE of 64 bytes is far: a text of similarity 0.7 agrees in fewer than 16
about once in 6 * 10^13 (a binomial tail: each byte agrees with the odds of its
similarity, or 1/256 by chance), so what joins a story is what exact comparison alone
would join. A close candidate is
compared exactly on its shingles; only one whose shingles are no longer kept (an old
story) or that has no sketch (kept by an older version) has its text read and
shingled again, once. The candidates are bounded: at most PER_BAND first articles are
read for each band key (a band shared by thousands of adverts), and CANDIDATES stories
compared, those sharing the most bands first.

Short posts (Telegram's, a few words each) need two more rules, measured on 16,717
Russian news channels' posts (README: Stories of short posts):
- What is compared is what a text says (`substance`): a link counts by its words, not
  its address, and the signature a channel ends each post with (`[Subscribe](https://t.me/…)`,
  `@channel`) is left out. Two short posts of one channel otherwise share most of their
  shingles through it ("Clouds over the capital" and "Rain over the capital" did).
- A short text (fewer than SHORT_WORDS words) joins a story only within WINDOW_DAYS of
  its first article. The same few words on other days are another event ("Air alert
  over the whole of Ukraine", "Explosions in Kyiv" each day), where a long text on
  another day is a copy (a piece republished, a programme aired again).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from conflictcli.articles import Article
    from conflictcli.store import Store

THRESHOLD = 0.7  # Jaccard similarity of word 5-shingles to the story's first article
SHINGLE = 5  # words in a shingle
NUM_PERM = 64  # MinHash permutations
BANDS, ROWS = 16, 4  # LSH: BANDS * ROWS == NUM_PERM
SEED = 1
# what the stored bands depend on: bands of another scheme are made again
SCHEME = (
    f"datasketch affine32 seed {SEED}; {SHINGLE}-word shingles of index words; {BANDS}x{ROWS}; "
    "32-bit; links by their words, no signature"
)
CANDIDATES = 20  # stories compared at most for one article: those sharing the most bands
PER_BAND = 100  # first articles read at most for one band key (in the table's order)
SKETCH_AGREE = 16  # sketch bytes of NUM_PERM that agree at least, for an exact comparison
KEPT_BYTES = 32 << 20  # shingles of the most recent first articles kept in memory
SHORT_WORDS = 20  # a text of fewer words (its substance) joins a story only ...
WINDOW_DAYS = 0  # ... dated within this many days of the story's first article (0: the same day)
SIGNATURE_WORDS = 6  # a post's last line with a link or a @channel, of at most this many words
# a link written in markdown ([its words](its address)), an address, a @channel
_LINKED = re.compile(r"\[([^\]\n]{0,300})\]\((?:https?|tg)://[^()\s]{0,2000}\)")
_ADDRESS = re.compile(r"(?:https?://|www\.|\bt\.me/)\S*")
_HANDLE = re.compile(r"(?<!\w)@\w{3,}")
_WORD = re.compile(r"\w+")


def substance(text: str) -> str:
    """What a text says, as copies of it are compared: a link by its words, without its
    address or a @channel, and without the signature a channel ends its posts with (last
    lines with a link or a @channel and at most SIGNATURE_WORDS words besides, while
    another line stays: `❤ [Subscribe](https://t.me/…) | [Send us news](https://t.me/…)`).
    A text with no link is itself."""
    if "://" not in text and "@" not in text and "t.me/" not in text and "www." not in text:
        return text
    lines = text.rstrip().split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or _signature(lines[-1])):
        lines.pop()
    return _bare("\n".join(lines))


def _bare(text: str) -> str:
    """The text with its links' words, without their addresses or a @channel."""
    return _HANDLE.sub(" ", _ADDRESS.sub(" ", _LINKED.sub(r"\1", text)))


def _signature(line: str) -> bool:
    if not (_ADDRESS.search(line) or _HANDLE.search(line)):
        return False
    return len(_WORD.findall(_bare(line))) <= SIGNATURE_WORDS


def shingles(text: str, words: list[str] | None = None) -> NDArray[np.uint64]:
    """The word shingles of the text's substance, each as a 32-bit hash, sorted and
    unique (a text shorter than a shingle is one shingle of all its words). `words`, the
    text's words as the index reads them (analysis.words), when they are at hand (a text
    with links is read again without them)."""
    import numpy as np

    said = substance(text)
    if said != text:
        text, words = said, None
    if words is None:
        from conflictcli.analysis import words as index_words  # Whoosh: only when needed

        words = index_words(text)
    distinct = list(set(words))  # each word hashed once, in loops that run in C
    hashes = dict(zip(distinct, map(zlib.crc32, map(str.encode, distinct)), strict=True))
    hashed = np.fromiter(map(hashes.__getitem__, words), dtype=np.uint64, count=len(words))
    if not len(hashed):
        return hashed
    n = max(1, len(hashed) - SHINGLE + 1)
    h = np.zeros(n, dtype=np.uint64)
    for i in range(min(SHINGLE, len(hashed))):  # FNV-style, wrapping at 64 bits
        h = h * np.uint64(0x100000001B3) + hashed[i : i + n]
    # MurmurHash3's finaliser: every word moves the top bits, which are kept
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    h = np.sort(h >> np.uint64(32))
    return h[np.concatenate(([True], h[1:] != h[:-1]))]  # unique (np.unique is slower)


def similarity(a: NDArray[Any], b: NDArray[Any]) -> float:
    """Jaccard similarity of two shingle sets (0 when either is empty)."""
    import numpy as np

    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What finds an article's story, made where its words are read (a worker process):
    its band keys (BANDS signed 32-bit integers: SQLite keeps them in 4 bytes, and a key
    shared by chance only adds a candidate), its shingles (sorted, unique 32-bit hashes,
    as bytes) and its sketch (the low byte of each MinHash value). A text with no words
    has none of them."""

    keys: list[int]
    shingles: bytes
    sketch: bytes

    def hashes(self) -> NDArray[np.uint32]:
        import numpy as np

        return np.frombuffer(self.shingles, dtype=np.uint32)


def fingerprints(
    texts: Iterable[str], words: Iterable[list[str]] | None = None
) -> list[Fingerprint]:
    """The Fingerprint of each text, from its shingles and their MinHash signature.
    `words`: each text's, when at hand."""
    import numpy as np

    texts = list(texts)
    given = list(words) if words is not None else [None] * len(texts)
    out: list[Fingerprint] = []
    for text, w in zip(texts, given, strict=True):
        got = shingles(text, w)
        if not len(got):
            out.append(Fingerprint([], b"", b""))
            continue
        values = signature(got)
        keys = []
        for band in range(BANDS):
            raw = bytes([band]) + values[band * ROWS : (band + 1) * ROWS].tobytes()
            digest = hashlib.blake2b(raw, digest_size=8).digest()
            keys.append(int.from_bytes(digest[:4], "big", signed=True))
        out.append(Fingerprint(keys, got.astype(np.uint32).tobytes(), sketch_of(values)))
    return out


def sketch_of(values: NDArray[np.uint32]) -> bytes:
    """A MinHash signature's sketch: the low byte of each value. Two texts' sketches
    agree in a place with odds of their similarity, or 1/256 by chance."""
    import numpy as np

    return (values & np.uint32(0xFF)).astype(np.uint8).tobytes()


def bands(texts: Iterable[str], words: Iterable[list[str]] | None = None) -> list[list[int]]:
    """The LSH band keys of each text (Fingerprint.keys)."""
    return [f.keys for f in fingerprints(texts, words)]


def signature(hashed: NDArray[np.uint64]) -> NDArray[np.uint32]:
    """The MinHash signature of a set of 32-bit hashes: NUM_PERM values, each the least
    of one affine permutation of the set. The same values as datasketch's MinHash with
    num_perm=NUM_PERM, seed=SEED, scheme="affine32" and hashfunc=int (the test holds
    them to it), made in one pass over a set by numpy: datasketch made two MinHash
    objects an article and takes over a second to import (scipy) in every process."""
    import numpy as np

    a, b = _permutations()
    with np.errstate(over="ignore"):  # the wrap-around is the modulo 2^32
        h = hashed.astype(np.uint32)
        h ^= h >> np.uint32(16)  # MurmurHash3's 32-bit finaliser: datasketch's pre-mix
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
        permuted: NDArray[np.uint32] = h[:, None] * a + b
    return permuted.min(axis=0)


@functools.cache
def _permutations() -> tuple[NDArray[np.uint32], NDArray[np.uint32]]:
    """datasketch's affine32 permutations for SEED: odd multipliers a and offsets b,
    drawn from numpy's RandomState (whose stream numpy keeps stable)."""
    import numpy as np

    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


class Stories:
    """Gives each new article its story, in the order articles come in, against the
    bands and sketches the catalogue keeps (one write transaction: the caller's)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # the shingles of the most recent first articles, KEPT_BYTES at most
        self._kept: OrderedDict[str, NDArray[np.uint32]] = OrderedDict()
        self._kept_bytes = 0
        self.read_again = 0  # texts read and shingled again (bench/stories_scale.py)

    def prepare(self) -> int:
        """Bands made another way (another SCHEME) are made again, with the sketches;
        articles held from before stories existed get theirs, oldest first. Returns how
        many got one."""
        if self.store.meta("stories") != SCHEME:
            self.store.clear_bands()
            for chunk in _chunks(self.store.story_leaders()):
                texts = self.store.bodies(chunk)
                for aid, found in zip(chunk, fingerprints(texts[i] for i in chunk), strict=True):
                    self.store.put_bands(aid, found.keys)
                    if found.keys:
                        self.store.put_sketch(aid, found.sketch)
            self.store.set_meta("stories", SCHEME)
        made = 0
        for chunk in _chunks(self.store.unclustered()):
            texts = self.store.bodies(chunk)
            days = self.store.articles(chunk, texts=False)
            for aid, found in zip(chunk, fingerprints(texts[i] for i in chunk), strict=True):
                first = days.get(aid)
                day = first.date if first is not None else None
                self.store.set_cluster(aid, self.story_of(aid, texts[aid], found, day))
                made += 1
        return made

    def regroup(self, ids: list[str]) -> list[Article]:
        """Articles whose story's first article is gone (conflict rm), each given a story
        again in the order given (the order they came), as if each came anew: it joins
        the story of a first article it is close to (one regrouped before it, too), or
        opens its own. Returns them as the catalogue now holds them, each with its story."""
        held = self.store.articles(ids)
        out = []
        for aid in ids:
            a = held.get(aid)
            if a is None:  # damaged: named by the catalogue's warning, left as it is
                continue
            a.cluster = self.story_of(aid, a.body, None, a.date)
            self.store.set_cluster(aid, a.cluster)
            out.append(a)
        return out

    def story_of(
        self,
        article_id: str,
        body: str,
        found: Fingerprint | None = None,
        day: dt.date | None = None,
    ) -> str:
        """The story the article joins (the id of its first article), or its own id when
        it opens one: then its bands and sketch are kept for the copies to come. `found`:
        its Fingerprint, made from `body` here when not given. A short text (`day`: its
        date) joins only a story whose first article is dated near it."""
        if found is None:
            found = fingerprints([body])[0]
        candidates = self.store.story_candidates(found.keys, CANDIDATES, PER_BAND)
        candidates = [c for c in candidates if c != article_id]
        best, best_sim = None, THRESHOLD
        if candidates:
            mine = found.hashes()
            if day is not None and len(mine) <= SHORT_WORDS - SHINGLE:
                candidates = self._near(candidates, day)
            for c, theirs in self._close(candidates, found):
                sim = similarity(mine, theirs)
                if sim >= best_sim and (best is None or sim > best_sim):
                    best, best_sim = c, sim
        if best is not None:
            return best
        self.store.put_bands(article_id, found.keys)
        if found.keys:
            self.store.put_sketch(article_id, found.sketch)
            self._keep(article_id, found.hashes())
        return article_id

    def _close(
        self, candidates: list[str], found: Fingerprint
    ) -> list[tuple[str, NDArray[np.uint32]]]:
        """The candidates that may reach THRESHOLD (those whose sketch agrees with the
        article's in SKETCH_AGREE bytes or more, or that have none), in their order,
        each with its shingles: kept, else made from its text (and its sketch kept)."""
        import numpy as np

        sketches = self.store.sketches(candidates, NUM_PERM)
        mine = np.frombuffer(found.sketch, dtype=np.uint8)
        close = []
        for c in candidates:
            theirs = sketches.get(c)  # none (or not one of ours): the text tells
            if theirs is not None and _agree(theirs, mine) < SKETCH_AGREE:
                continue
            close.append(c)
        got = {c: self._kept[c] for c in close if c in self._kept}
        missing = [c for c in close if c not in got]
        if missing:
            texts = self.store.bodies(missing)
            for c in missing:
                text = texts.get(c)
                if text is None:  # gone, or damaged: nothing to compare
                    continue
                again = fingerprints([text])[0]
                self.read_again += 1
                if c not in sketches and again.keys:
                    self.store.put_sketch(c, again.sketch)
                got[c] = again.hashes()
        for c, hashes in got.items():
            self._keep(c, hashes)
        return [(c, got[c]) for c in close if c in got]

    def _keep(self, article_id: str, hashes: NDArray[np.uint32]) -> None:
        """A first article's shingles kept, the least recently used let go past KEPT_BYTES."""
        kept = self._kept
        old = kept.pop(article_id, None)
        if old is not None:
            self._kept_bytes -= old.nbytes
        kept[article_id] = hashes
        self._kept_bytes += hashes.nbytes
        while self._kept_bytes > KEPT_BYTES and len(kept) > 1:
            _, gone = kept.popitem(last=False)
            self._kept_bytes -= gone.nbytes

    def _near(self, candidates: list[str], day: dt.date) -> list[str]:
        """The stories whose first article is dated within WINDOW_DAYS of `day` (or
        undated)."""
        firsts = self.store.articles(candidates, texts=False)
        return [
            c
            for c in candidates
            if (first := firsts.get(c)) is not None
            and (first.date is None or abs((first.date - day).days) <= WINDOW_DAYS)
        ]


def _agree(sketch: bytes, mine: NDArray[np.uint8]) -> int:
    """In how many places two sketches agree."""
    import numpy as np

    return int(np.count_nonzero(np.frombuffer(sketch, dtype=np.uint8) == mine))


def _chunks(ids: list[str], size: int = 256) -> Iterator[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]
