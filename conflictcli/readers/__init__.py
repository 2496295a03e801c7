"""Input formats. Each reader turns the bytes of one file into Articles; this module
finds the files and picks the reader by the file's suffix (under a compression suffix:
`x.csv.gz` is a CSV). A new format is one more module and one more entry in READERS."""

from __future__ import annotations

import bz2
import errno
import gzip
import hashlib
import io
import lzma
import os
import stat
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.dates import HOLD_ROWS, settle
from conflictcli.errors import UsageError
from conflictcli.readers import html, table, telegram, text
from conflictcli.readers.base import JsonLines, Problems, SkipFile, encoding_of, shown_path
from conflictcli.readers.base import is_utf8 as _utf8
from conflictcli.readers.sidecar import SIDECAR_NAME, Sidecars

Reader = Callable[[Path, bytes, Sidecars, Problems], list[Article]]

READERS: dict[str, Reader] = {
    ".txt": text.read,
    ".md": text.read,
    ".csv": table.read,
    ".tsv": table.read,
    ".jsonl": telegram.read_lines,  # records.py's, and Telegram's shapes (telegram.py)
    ".ndjson": telegram.read_lines,
    ".json": telegram.read_json,
    ".html": html.read,
    ".htm": html.read,
}
COMPRESSED: dict[str, Callable[[Any], io.BufferedIOBase]] = {
    ".gz": lambda raw: gzip.GzipFile(fileobj=raw),
    ".bz2": lambda raw: bz2.BZ2File(raw),
    ".xz": lambda raw: lzma.LZMAFile(raw),  # noqa: SIM115 (read in a with block)
}
NOT_ARTICLES = {SIDECAR_NAME, "readme.md", "readme.txt", "license.txt", "license.md"}

__all__ = ["READERS", "Found", "Ignored", "Problems", "Sidecars", "SkipFile", "discover", "read"]


@dataclass
class Ignored:
    """Files a folder walk passed over, counted by kind, with the reason."""

    what: str  # "files ending in .pdf", "hidden files or folders"
    files: int
    reason: str


@dataclass
class Found:
    """The files a walk of the given paths found to read, and what it passed over."""

    files: list[str]  # to read: absolute, sorted, each once
    ignored: list[Ignored]  # passed over, counted by kind
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, why), one by one


def suffix_of(name: str) -> str:
    """The suffix that picks the reader: `.csv` for x.csv and x.csv.gz."""
    stem, suffix = os.path.splitext(name.lower())
    if suffix in COMPRESSED:
        suffix = os.path.splitext(stem)[1]
    return suffix


def discover(paths: Iterable[Path]) -> Found:
    """Every readable file named by `paths` (folders walked recursively; hidden files
    and folders, README and metadata files skipped), and what was passed over. Pipes,
    sockets and devices are never opened. Symbolic links met in a walk: a link to a
    folder is not followed (so no loop can hold the walk), nor is a link loop, a broken
    link, or a link to a file outside the folder given; each is listed with the reason.
    A link to a file inside the folder given is read as that file. A path given is the
    user's choice: a link given is followed wherever it leads. Paths are strings:
    building a Path object for each of a million files costs more than the walk."""
    walk = _Walk()
    for given in paths:
        p = Path(given).expanduser()
        try:
            os.stat(p)
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                walk.refused.append((shown_path(str(p.absolute())), f"cannot read: {e.strerror}"))
                continue
            raise UsageError(
                f"Path not found: {given}{_missing(p)}", "Check the path and run the ingest again."
            ) from None
        p = p.resolve()
        if not _utf8(str(p)):
            walk.refused.append((shown_path(str(p)), BAD_NAME))
            continue
        if not p.is_dir():
            why = _not_a_file(p)
            if why:
                walk.refused.append((str(p), why))
            else:  # named explicitly: read it whatever its suffix, or report it
                walk.found.add(str(p))
            continue
        walk.folder(str(p))
    return walk.done()


def _missing(p: Path) -> str:
    """Why a path given is not there, when it is a link."""
    if not os.path.islink(p):
        return ""
    try:
        os.stat(p)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return " (a link loop)"
    try:
        return f" (a link to {shown_path(os.readlink(p))}, which does not exist)"
    except OSError:
        return ""


class _Walk:
    """The files found in folders, and what was passed over."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.suffixes: Counter[str] = Counter()
        self.hidden = self.not_articles = 0
        self.refused: list[tuple[str, str]] = []

    def folder(self, root: str) -> None:
        """Walk the folder `root` (absolute, its links resolved)."""
        folders = [root]
        while folders:
            folder = folders.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError as e:
                self.refused.append((shown_path(folder), f"cannot list this folder: {e.strerror}"))
                continue
            for entry in entries:
                try:
                    self._entry(entry, root, folders)
                except OSError as e:  # gone, or unreadable, since the folder was listed
                    self.refused.append((shown_path(entry.path), f"cannot read: {e.strerror}"))

    def _entry(self, entry: os.DirEntry[str], root: str, folders: list[str]) -> None:
        name = entry.name
        if name.startswith("."):
            self.hidden += 1
        elif not _utf8(name):  # the catalogue and every output keep names as text
            self.refused.append((shown_path(entry.path), BAD_NAME))
        elif entry.is_dir(follow_symlinks=False):
            folders.append(entry.path)
        elif entry.is_symlink():
            self._link(entry.path, root)
        elif name.lower() in NOT_ARTICLES:
            self.not_articles += 1
        elif suffix_of(name) not in READERS:
            self.suffixes[os.path.splitext(name.lower())[1]] += 1
        elif not entry.is_file(follow_symlinks=False):  # a pipe, socket or device
            self.refused.append((entry.path, _not_a_file(Path(entry.path)) or "not a file"))
        else:
            self.found.add(entry.path)

    def _link(self, path: str, root: str) -> None:
        """A symbolic link met in the walk of `root`."""
        name = os.path.basename(path)
        try:
            mode = os.stat(path).st_mode  # what it leads to
        except OSError as e:
            if e.errno == errno.ELOOP:
                self.refused.append((path, "a link loop: not followed"))
            elif not self._counted(name):
                if e.errno in (errno.ENOENT, errno.ENOTDIR):
                    to = shown_path(os.readlink(path))
                    self.refused.append((path, f"a broken link (to {to}, which does not exist)"))
                else:
                    self.refused.append((path, f"cannot read: {e.strerror}"))
            return
        if stat.S_ISDIR(mode):
            self.refused.append((path, "a link to a folder: not followed"))
            return
        if self._counted(name):
            return
        target = os.path.realpath(path)
        if not _inside(target, root):
            self.refused.append(
                (
                    path,
                    f"links outside the folder given (to {shown_path(target)}): not followed; "
                    "name that file itself to read it",
                )
            )
        elif not stat.S_ISREG(mode):
            self.refused.append((path, _not_a_file(Path(path)) or "not a file"))
        else:
            self.found.add(path)

    def _counted(self, name: str) -> bool:
        """Whether a name is passed over whatever it is (a note, a format not read), and
        counted as such."""
        if name.lower() in NOT_ARTICLES:
            self.not_articles += 1
        elif suffix_of(name) not in READERS:
            self.suffixes[os.path.splitext(name.lower())[1]] += 1
        else:
            return False
        return True

    def done(self) -> Found:
        ignored = [
            Ignored(f"files ending in {s}" if s else "files without a suffix", n, _unsupported())
            for s, n in sorted(self.suffixes.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        if self.hidden:
            ignored.append(Ignored("hidden files or folders", self.hidden, "hidden: skipped"))
        if self.not_articles:
            reason = "notes about the articles, not articles (name one to read it)"
            ignored.append(Ignored("README, LICENSE and metadata files", self.not_articles, reason))
        return Found(sorted(self.found), ignored, self.refused)


def _inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or under it (both absolute, links resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


BAD_NAME = "its name is not valid UTF-8 (shown with \\x escapes): rename it to read it"


def _not_a_file(p: Path) -> str | None:
    """Why `p` is not read as a file (never opened to find out), or None."""
    try:
        mode = os.stat(p).st_mode
    except OSError as e:
        return f"cannot read: {e.strerror}"
    return not_regular(mode)


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read (a pipe, a socket, a device), or None."""
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    return f"{kind}: never opened"


def _unsupported() -> str:
    return f"not a supported format (reads {', '.join(sorted(READERS))}, also compressed)"


MAX_EXPANDED = 1 << 30  # 1 GiB: a compressed file read whole that grows past it is refused
# A .txt or .md file of more bytes than this holds more characters than an article may
# (4 bytes a character at most, and a byte-order mark): it is not read, nor decompressed
# further than this.
TEXT_BYTES = 4 * (MAX_ARTICLE_CHARS + 2)
# A saved web page of more bytes than this is not read (nor decompressed further): no
# article's page is this large, and parsing one takes tens of times its size in memory.
HTML_BYTES = 8 << 20
_BROKEN = (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError)  # from decompressors


def open_regular(path: str | Path) -> io.BufferedReader:
    """A file opened to be read: never a pipe, socket or device (one that became such
    since it was found raises SkipFile, without blocking on it)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        why = not_regular(os.fstat(fd).st_mode)
        if why:
            raise SkipFile(why.replace("never opened", "not read"))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def read(
    path: Path, data: bytes, sidecars: Sidecars, problems: Problems | None = None
) -> list[Article]:
    """The articles in one file's bytes; rows or lines that give none are added to
    `problems` (row, reason), and a file that gives none raises SkipFile. A compressed
    file is decompressed no further than its format is read whole (expanded_limit)."""
    name = path.name.lower()
    reader = READERS.get(suffix_of(name))
    if reader is None:
        raise SkipFile(_unsupported())
    opener = COMPRESSED.get(os.path.splitext(name)[1])
    if opener is not None:
        limit = expanded_limit(name)
        try:
            # past a few MiB, told first without keeping what it expands to: a
            # compression bomb never reaches memory
            if limit > HEAD and _expands_past(io.BytesIO(data), opener, limit + 1):
                raise SkipFile(_expands(name, limit))
            with opener(io.BytesIO(data)) as f:
                data = f.read(limit + 1)
        except _BROKEN as e:
            raise SkipFile(f"cannot decompress: {e}") from e
        if len(data) > limit:
            raise SkipFile(_expands(name, limit))
    got = reader(path, data, sidecars, problems if problems is not None else [])
    return list(settle(got, sidecars.dayfirst))  # the file's numeric dates in one order


def expanded_limit(name: str) -> int:
    """The most bytes a compressed file of this name is decompressed to, read whole: as
    much as an article may hold for .txt and .md, HTML_BYTES for .html and .htm, what is
    read whole of CSV, JSON Lines and JSON (more streams, see streams())."""
    suffix = suffix_of(name.lower())
    if suffix in (".txt", ".md"):
        return TEXT_BYTES
    if suffix in (".html", ".htm"):
        return HTML_BYTES
    if suffix in STREAMED:
        return max(STREAM_FROM, 1)
    return MAX_EXPANDED


def _expands(name: str, limit: int) -> str:
    if suffix_of(name) in (".txt", ".md"):
        return (
            f"expands to more than {limit:,} bytes: more text than the "
            f"{MAX_ARTICLE_CHARS:,} characters an article may hold; not read (split it into articles)"
        )
    if suffix_of(name) in STREAMED:
        return f"expands past {limit:,} bytes, more than when this ingest began; run it again"
    if suffix_of(name) in (".html", ".htm"):
        return f"expands past {limit >> 20} MiB, more than any article's page: not read"
    return f"expands past {limit >> 30} GiB: not read"


# -- large files, read as a stream -------------------------------------------------------
# formats read a row, a line or an item at a time
STREAMED = {".csv", ".tsv", ".jsonl", ".ndjson", ".json"}
# files this large (on disk, or decompressed) stream: memory stays flat. Smaller ones are
# read whole (analysing a text takes tens of times its size in memory).
STREAM_FROM = 4 << 20
HEAD = 256 << 10  # the start of a streamed file, which tells its encoding and delimiter


def streams(name: str) -> bool:
    """Whether a file is read as a stream (a row at a time) rather than whole: CSV, TSV,
    JSON Lines and JSON files of STREAM_FROM bytes or more, on disk or decompressed (a
    compressed one is decompressed this far to know; a compression bomb never reaches
    memory whole)."""
    lower = name.lower()
    if suffix_of(lower) not in STREAMED:
        return False
    try:
        if os.stat(name).st_size >= STREAM_FROM:
            return True
    except OSError:
        return False  # read_file says why
    opener = COMPRESSED.get(os.path.splitext(lower)[1])
    return opener is not None and _expands_past(name, opener, STREAM_FROM)


def _expands_past(
    file: str | IO[bytes], opener: Callable[[Any], io.BufferedIOBase], limit: int
) -> bool:
    """Whether a compressed file (a name, or its bytes as a file) holds `limit` bytes or
    more, read and dropped a MiB at a time. A broken one does not: read whole, it is
    reported."""
    try:
        with open_regular(file) if isinstance(file, str) else file as raw, opener(raw) as f:
            held = 0
            while held < limit:
                got = f.read(min(1 << 20, limit - held))
                if not got:
                    return False
                held += len(got)
            return True
    except (*_BROKEN, SkipFile):
        return False


class _Hashing(io.RawIOBase):
    """A file read through a SHA-256 of its bytes."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self.sha = hashlib.sha256()
        self.done = 0  # bytes read so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = self._f.readinto(buffer)  # type: ignore[attr-defined]
        if got:
            self.sha.update(memoryview(buffer)[:got])
            self.done += got
        return got or 0

    def close(self) -> None:
        try:
            self._f.close()
        finally:
            super().close()


@dataclass
class Stream:
    """A large file's articles as they are read; `sha256()` and `done` are the file's
    hash and the bytes read so far (the whole file's once the articles are all out)."""

    articles: Iterator[Article]
    raw: _Hashing

    def sha256(self) -> str:
        return self.raw.sha.hexdigest()


def stream(path: Path, sidecars: Sidecars, problems: Problems) -> Stream:
    """Open a large CSV/TSV, JSON Lines or JSON file (compressed too) to read it a row,
    a line or an item at a time. Raises SkipFile when it cannot be read (before any article); a row that
    gives none is added to `problems`. No line is held past its bound (CsvLines,
    JsonLines). A byte that does not decode becomes U+FFFD in a CSV; a JSON line that
    is not UTF-8 is reported. The caller closes nothing: the file closes when the
    articles are all read, or when the Stream is dropped."""
    name = path.name.lower()
    raw = _Hashing(open_regular(path))
    opener = COMPRESSED.get(os.path.splitext(name)[1])
    binary: Any = opener(raw) if opener else raw
    buffered = io.BufferedReader(binary, HEAD)
    try:
        try:
            head = buffered.peek(HEAD)[:HEAD]
        except _BROKEN as e:
            raise SkipFile(f"cannot decompress: {e}") from e
        if not head.strip():
            raise SkipFile("empty file")
        encoding = encoding_of(head)
        suffix = suffix_of(name)
        tabular = suffix in (".csv", ".tsv")
        lined = suffix in (".jsonl", ".ndjson")
        # a large file is not read twice: a CSV's bad bytes become U+FFFD, and a JSON
        # line that is not UTF-8 is one bad line
        errors = "surrogateescape" if encoding == "utf-8" and not tabular else "replace"
        lines = io.TextIOWrapper(
            buffered, encoding=encoding, errors=errors, newline="\n" if lined else ""
        )
        # a JSON file is read a piece at a time, whatever its lines
        readline = _guarded(lines.read if suffix == ".json" else lines.readline, opener is not None)

        def close() -> None:
            lines.close()
            raw.close()  # a decompressor leaves the file it read open

        if tabular:
            sample = head.decode(encoding, errors="replace").lstrip("\ufeff")
            got = table.articles(path, readline, sample, sidecars, problems, close=close)
        elif suffix == ".json":
            sample = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
            if sample[:1] not in ("[", "{"):  # told before any article, as a file read whole is
                raise SkipFile(f"not a JSON array or object (it starts with {sample[:1]!r})")
            got = telegram.stream_json(readline, sample, sidecars, problems, close=close)
        else:
            got = telegram.stream_lines(JsonLines(readline), sidecars, problems, close=close)
    except BaseException:
        buffered.close()
        raw.close()
        raise
    return Stream(settle(got, sidecars.dayfirst, HOLD_ROWS), raw)  # dates in one order


def _guarded(readline: Callable[[int], str], compressed: bool) -> Callable[[int], str]:
    """readline(limit) whose failures (a truncated .gz, a disk error) are SkipFile: the
    rows read before are kept."""

    def read(limit: int) -> str:
        try:
            return readline(limit)
        except _BROKEN as e:
            raise SkipFile(f"cannot decompress: {e}" if compressed else f"cannot read: {e}") from e

    return read
