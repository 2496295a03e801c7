"""Text with spans marked, for a page: each piece escaped on its own and the marks
added around them, so that no text of an article ever becomes markup."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

MAX_MARKS = 2000  # marks in one text: a page stays readable and cheap to make


def marked(text: str, spans: Sequence[Sequence[int]]) -> Markup:
    """`text` escaped, with each (start, end) span in <mark>; spans out of order,
    overlapping or outside the text are left out."""
    out: list[str] = []
    at = 0
    for start, end in sorted((int(a), int(b)) for a, b in spans[:MAX_MARKS]):
        if start < at or end <= start or end > len(text):
            continue
        out.append(str(escape(text[at:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def link_of(url: str | None) -> str | None:
    """An article's url when a page may link to it (http or https only: a javascript:
    or data: url stays text)."""
    if not url:
        return None
    plain = url.strip()
    low = plain.lower()
    if low.startswith(("http://", "https://")) and not any(c in plain for c in "\r\n\t\x00"):
        return plain
    return None
