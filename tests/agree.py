"""What the engines' differential tests share: the queries of the benchmark and of the
query language, the filters each is run under, and the request made of them."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

from conflictcli.query import SearchRequest, build_request

from conftest import ROOT

OWN_QUERIES = [
    "Kyiv",
    "Kiev",
    "Київ",
    "Киев",
    "обстрел",
    "T-72",
    "Su-34",
    "HIMARS",
    "Zelensky",
    '"air defence"',
    '"Russian forces"~3',
    "drone*",
    "kh?rkiv",
    "kharkiv~",
    "kharkiv~2/1",
    "Bakhmut NOT Soledar",
    "NOT Ukraine",
    "title:Ukraine",
    "source:reuters",
    "date:2022-03",
    "date:[2022-02-24 TO 2022-03-10]",
    "ceasefire OR truce",
    "(grain OR wheat) AND Odesa",
    "Mariupol steel",
    "Putin Zelensky talks",
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"since": "2022-03-01", "until": "2022-06-30"},
    {"places": ("Kharkiv",)},
    {"countries": ("RU",)},
    {"langs": ("en",)},
]


def module(name: str) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def queries() -> list[tuple[str, dict[str, Any]]]:
    bench = [(q.text, {"since": q.since, "until": q.until}) for q in module("queries").QUERIES]
    return bench + [(q, {}) for q in OWN_QUERIES]


def request(text: str, **given: Any) -> SearchRequest:
    since, until = given.pop("since", None), given.pop("until", None)
    return build_request(text, since, until, **given)
