"""Whoosh, loaded without the modules it imports and never uses.

- whoosh.compat imports `urllib.request.urlretrieve`, which nothing in Whoosh calls;
  urllib.request brings http.client, ssl, socket and email with it (about 30 ms).
- whoosh.reading takes `cached_property` from the package of that name (a dependency of
  whoosh-reloaded), which imports asyncio for coroutine support (about 40 ms); Whoosh
  uses it on one plain method, where the standard library's functools.cached_property
  does the same: compute once, keep the value in the instance's __dict__.

Together that is a sixth of every search's start-up. While those two Whoosh modules
load, stand-in modules answer for the two names; they are removed right after, so any
later import gets the real modules. Import this module before any `whoosh` import.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types


def _load() -> None:
    if "whoosh.reading" in sys.modules:
        return
    stand_ins: dict[str, dict[str, object]] = {
        "urllib.request": {"urlretrieve": None},
        "cached_property": {"cached_property": functools.cached_property},
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
    finally:
        for name, module in placed:
            if sys.modules.get(name) is module:
                del sys.modules[name]


_load()
