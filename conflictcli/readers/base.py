"""What every reader shares."""

from __future__ import annotations


class SkipFile(Exception):
    """This file cannot be read as articles; the message says why. The batch goes on."""


def decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file (has NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SkipFile(f"not UTF-8 text (bad byte at offset {e.start}); convert it to UTF-8") from e
