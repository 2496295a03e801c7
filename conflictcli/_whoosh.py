"""Whoosh, loaded without the modules it imports and never uses.

- whoosh.compat imports `urllib.request.urlretrieve`, which nothing in Whoosh calls;
  urllib.request brings http.client, ssl, socket and email with it (about 30 ms).
- whoosh.reading takes `cached_property` from the package of that name (a dependency of
  whoosh-reloaded), which imports asyncio for coroutine support (about 40 ms); Whoosh
  uses it on one plain method, where the standard library's functools.cached_property
  does the same: compute once, keep the value in the instance's __dict__.
- whoosh.query.terms imports `variations` from whoosh.lang.morph_en (6 ms) for its
  Variations query, which conflict never builds: a stand-in loads it on first call.

Together that is a sixth of every search's start-up. While those two Whoosh modules
load, stand-in modules answer for the two names; they are removed right after, so any
later import gets the real modules. Import this module before any `whoosh` import.

Whoosh also keeps parts of an index as Python pickles (its table of contents, block
headers and blocks of postings, stored fields), and unpickling can call any function it
names: an index folder that someone sent could run code on opening. Every pickle that
Whoosh reads goes through `safe_load`, which builds the plain values and the few Whoosh
classes an index is made of and refuses any other class or function
(pickle.UnpicklingError); the schema is never read from the index (conflict passes its
own), and tables of contents of older Whoosh versions are not read at all.
"""

from __future__ import annotations

import functools
import importlib
import io
import pickle
import sys
import types
import warnings
from typing import IO, Any

from conflictcli.errors import UntestedWhoosh


def _variations(word: str) -> Any:
    """whoosh.lang.morph_en.variations, loaded on first use: the Variations query that
    takes it from there is never built here, and the module's table of English word
    forms (its suffix rules, compiled into regular expressions) costs 6 ms to load."""
    from whoosh.lang.morph_en import variations

    return variations(word)


def _load() -> None:
    if "whoosh.reading" in sys.modules:
        return
    stand_ins: dict[str, dict[str, object]] = {
        "urllib.request": {"urlretrieve": None},
        "cached_property": {"cached_property": functools.cached_property},
        "whoosh.lang.morph_en": {"variations": _variations},
    }
    placed = []
    for name, attrs in stand_ins.items():
        if name in sys.modules:  # already loaded for real: nothing to save
            continue
        module = types.ModuleType(name, "stand-in while Whoosh loads (conflictcli._whoosh)")
        module.__dict__.update(attrs)
        sys.modules[name] = module
        placed.append((name, module))
    try:
        importlib.import_module("whoosh.compat")
        importlib.import_module("whoosh.reading")
        importlib.import_module("whoosh.query")
    finally:
        for name, module in placed:
            if sys.modules.get(name) is module:
                del sys.modules[name]


_PLAIN = "int long float bool str unicode bytes bytearray set frozenset list dict tuple object"
# what an index of ours pickles: its segments (with their field lengths and deleted
# documents), and plain values; protocol 2 writes bytes as _codecs.encode calls
_ALLOWED = {
    ("whoosh.codec.whoosh3", "W3Segment"),
    ("whoosh.codec.whoosh3", "W3Codec"),
    ("collections", "defaultdict"),
    ("collections", "OrderedDict"),
    ("copyreg", "_reconstructor"),
    ("copy_reg", "_reconstructor"),
    ("_codecs", "encode"),
    ("array", "array"),
    ("array", "_array_reconstructor"),
} | {(module, name) for module in ("builtins", "__builtin__") for name in _PLAIN.split()}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"the index holds a pickled {module}.{name}, which conflict never writes "
            "and does not load"
        )


def safe_load(file: IO[bytes]) -> Any:
    """pickle.load, for the classes and values an index of ours holds only."""
    return _Unpickler(file).load()


def safe_loads(data: bytes) -> Any:
    """pickle.loads, for the classes and values an index of ours holds only."""
    return _Unpickler(io.BytesIO(data)).load()


def _restrict() -> None:
    """Every place where Whoosh unpickles what it reads from an index: safe_load."""
    import whoosh.codec.whoosh3
    import whoosh.columns
    import whoosh.filedb.structfile
    import whoosh.index

    whoosh.filedb.structfile.load_pickle = safe_load
    whoosh.codec.whoosh3.loads = safe_loads
    whoosh.columns.loads = safe_loads
    whoosh.index.pickle = types.SimpleNamespace(
        loads=safe_loads, dumps=pickle.dumps, PicklingError=pickle.PicklingError
    )
    whoosh.index.toc_loaders.clear()  # older formats, read by other code paths


# -- the Whoosh conflict is tested on ----------------------------------------------
# conflict reaches into Whoosh's internals for speed: its writer (segment.py, chunks.py:
# SegmentWriter's pools, codec and term index), its posting and column readers
# (evaluate.py: W3LeafMatcher's blocks, the lengths column) and its table of contents.
# tests/test_upstream.py names every such attribute. pyproject.toml bounds
# whoosh-reloaded to the 2.7 series; within it, a release not listed here runs with those
# paths switched off: Whoosh's own writer, and every posting, length and column read
# through Whoosh's public reader and matcher API (the same results, slower).
TESTED = ((2, 7, 5),)


_warned = False


def fast_paths() -> bool:
    """Whether conflict's own writer and readers, which reach into Whoosh's internals,
    may be used: only on a Whoosh release it was tested with. Otherwise one warning
    (UntestedWhoosh) a process, and the slower paths through Whoosh's own API."""
    global _warned
    import whoosh

    version = tuple(getattr(whoosh, "__version__", ()))
    if version in TESTED:
        return True
    if not _warned:
        _warned = True
        shown = ".".join(str(n) for n in version) or "of an unknown version"
        tested = ", ".join(".".join(str(n) for n in v) for v in TESTED)
        warnings.warn(
            UntestedWhoosh(
                f"Whoosh {shown} is installed, and conflict was tested with {tested}: "
                "its fast paths are off (Whoosh's own writer and readers: the same results, "
                "slower). Install a tested version: pip install 'whoosh-reloaded=="
                f"{tested.split(', ')[-1]}'."
            ),
            stacklevel=2,
        )
    return False


_load()
_restrict()
