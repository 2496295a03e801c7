"""An article's id and its story's as signed 64-bit numbers: how every engine keeps
them in a column (a long page reads its ids in one pass, results fold by story)."""

from __future__ import annotations

import hashlib

NO_KEY = -(1 << 63)  # the number of an id that is not 16 hex digits: read its stored id
_HEX = "0123456789abcdef"


def story_number(cluster: str) -> int:
    """A story's id (16 hex digits: the id of its first article) as a signed 64-bit
    number; any other id is hashed to one."""
    try:
        if len(cluster) == 16:
            return int(cluster, 16) - (1 << 63)
    except ValueError:
        pass
    digest = hashlib.blake2b(cluster.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def id_number(article_id: str) -> int:
    """An article's id (16 hex digits) as a signed 64-bit number, NO_KEY for any other."""
    if len(article_id) == 16 and not article_id.strip(_HEX):  # int() takes "0x", "_", " "
        return int(article_id, 16) - (1 << 63)
    return NO_KEY


def id_of(number: int) -> str | None:
    """The id whose number this is (None: NO_KEY, the id is stored apart)."""
    return None if number == NO_KEY else f"{number + (1 << 63):016x}"
