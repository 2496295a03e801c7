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
import importlib.abc
import io
import os
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
        module = types.ModuleType(
            name, "stand-in while Whoosh loads (conflictcli.engine.whoosh.loading)"
        )
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
    ("array", "array"),
    ("array", "_array_reconstructor"),
} | {(module, name) for module in ("builtins", "__builtin__") for name in _PLAIN.split()}


def _find_allowed(self: pickle.Unpickler, module: str, name: str) -> Any:
    """find_class for a table of contents: the classes and values it is made of (bytes
    and sets by our own functions, as for values), nothing else. Also given to any
    Unpickler class of Whoosh's own (whoosh.util.loading)."""
    made = _PLAIN_VALUES.get((module, name))
    if made is not None:
        return made
    if (module, name) in _ALLOWED:
        return pickle.Unpickler.find_class(self, module, name)
    raise pickle.UnpicklingError(
        f"the index holds a pickled {module}.{name}, which conflict never writes and does not load"
    )


class _Unpickler(pickle.Unpickler):
    find_class = _find_allowed


def safe_load(file: IO[bytes]) -> Any:
    """pickle.load, for the classes and values an index of ours holds only (a table of
    contents: its segments, read once its seal holds, see storage.py)."""
    return _Unpickler(file).load()


def _latin1(text: object, encoding: object = "utf-8", errors: object = "strict") -> bytes:
    """What protocol 2 pickles bytes as (_codecs.encode(text, "latin1")), and nothing
    else _codecs.encode could be asked to do."""
    if type(text) is not str or encoding not in ("latin1", "latin-1") or errors != "strict":
        raise pickle.UnpicklingError("a pickled _codecs.encode call that is not bytes")
    return text.encode("latin1")


_PLAIN_VALUES: dict[tuple[str, str], Any] = {
    ("_codecs", "encode"): _latin1,
    **{(m, "set"): set for m in ("builtins", "__builtin__")},
    **{(m, "frozenset"): frozenset for m in ("builtins", "__builtin__")},
}


class _ValuesUnpickler(pickle.Unpickler):
    """Plain values only: no global is looked up. Three names that pickles of plain
    values use (bytes at protocol 2, sets) get functions that build those values."""

    def find_class(self, module: str, name: str) -> Any:
        made = _PLAIN_VALUES.get((module, name))
        if made is not None:
            return made
        raise pickle.UnpicklingError(
            f"the index holds a pickled {module}.{name}: a value of an index holds no "
            "class or function, and none is loaded"
        )


def safe_loads(data: bytes) -> Any:
    """pickle.loads for what Whoosh keeps as values (postings, stored fields, columns,
    block headers): plain values, no class or function."""
    return _ValuesUnpickler(io.BytesIO(data)).load()


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise ValueError("conflict reads no marshal data from an index (Whoosh 1's formats)")


_STAND_INS: dict[int, Any] = {}  # id(the real function) -> the guarded one


def _guard(module: types.ModuleType) -> None:
    """Every way `module` (of Whoosh) could unpickle or unmarshal: replaced. Names bound
    to pickle's or marshal's load functions, and the modules themselves."""
    import marshal

    if not _STAND_INS:
        _STAND_INS.update(
            {
                id(pickle.loads): safe_loads,
                id(pickle.load): safe_load,
                id(marshal.loads): _refused,
                id(marshal.load): _refused,
            }
        )
        try:
            import _pickle

            _STAND_INS.update({id(_pickle.loads): safe_loads, id(_pickle.load): safe_load})
        except ImportError:
            pass
    for name, value in list(vars(module).items()):
        if id(value) in _STAND_INS:
            setattr(module, name, _STAND_INS[id(value)])
        elif value is pickle:
            setattr(module, name, _PICKLE)
        elif value is marshal:
            setattr(module, name, types.SimpleNamespace(loads=_refused, load=_refused))
        elif (
            isinstance(value, type)
            and issubclass(value, pickle.Unpickler)
            and value.__module__ == module.__name__
        ):
            value.find_class = _find_allowed  # type: ignore[method-assign]


_PICKLE = types.SimpleNamespace(
    loads=safe_loads,
    load=safe_load,
    dumps=pickle.dumps,
    dump=pickle.dump,
    Unpickler=_Unpickler,
    Pickler=pickle.Pickler,
    PicklingError=pickle.PicklingError,
    UnpicklingError=pickle.UnpicklingError,
    HIGHEST_PROTOCOL=pickle.HIGHEST_PROTOCOL,
)


class _GuardingLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self.loader.exec_module(module)
        _guard(module)


class _GuardingFinder(importlib.abc.MetaPathFinder):
    """Each Whoosh module, as it loads, has its ways to unpickle guarded (_guard):
    whoosh.compat's before any other module takes its `loads` by name."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "whoosh" and not name.startswith("whoosh."):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _GuardingLoader(spec.loader)
                return spec
        return None


def _install_guard() -> None:
    """Whoosh's modules that load from now on are guarded as they load (_guard)."""
    if not any(isinstance(f, _GuardingFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _GuardingFinder())


def _restrict() -> None:
    """Every place where Whoosh unpickles what it reads from an index: guarded, in the
    modules loaded (those loaded before the guard was installed too) and in those that
    load later."""
    _install_guard()
    for name, module in list(sys.modules.items()):
        if (name == "whoosh" or name.startswith("whoosh.")) and module is not None:
            _guard(module)
    import whoosh.index

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


FAST_SETTING = "CONFLICT_WHOOSH_FAST"  # 0: the fast path off, whatever Whoosh is installed


def fast_paths() -> bool:
    """Whether conflict's own writer and readers (engine/whoosh/fast/), which reach into
    Whoosh's internals, may be used: only on a Whoosh release it was tested with, and
    unless CONFLICT_WHOOSH_FAST=0. On another release, one warning (UntestedWhoosh) a
    process, and the slower paths through Whoosh's own API."""
    global _warned
    import whoosh

    if os.environ.get(FAST_SETTING) == "0":
        return False

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


_install_guard()  # first: whoosh.compat is guarded as it loads, before any module binds it
_load()
_restrict()
