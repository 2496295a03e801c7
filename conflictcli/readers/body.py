"""The body of an article as the archive keeps it, whatever format it came in:
scraped noise lines dropped, paragraphs separated by one blank line, and a title made
from its first sentence where none is given."""

from __future__ import annotations

import re

TITLE_MAX = 90

# Lines that scrapers leave in and no reader wants: matched against a whole line.
NOISE_LINE = re.compile(
    r"""^(?:
        advert(?:is(?:e)?ment|isment|orial)s?
      | sponsored(?:\ content)?
      | read\ more(?:\ ?[:>].{0,80})?
      | read\ next(?:\ ?[:>].{0,80})?
      | continue\ reading
      | skip\ (?:advertisement|ad)
      | story\ continues\ below(?:\ advertisement)?
      | share\ this\ (?:article|story)
      | (?:share|tweet|print|email)
      | click\ here\ to\ (?:get|download|subscribe|sign\ up).{0,60}
      | sign\ up\ (?:to|for)\ our\ newsletter.{0,40}
    )[.!:]?$""",
    re.IGNORECASE | re.VERBOSE,
)


def clean_body(text: str) -> str:
    """Paragraphs separated by one blank line, noise lines dropped, line ends trimmed."""
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [ln.rstrip() for ln in block.split("\n")]
        kept = [ln for ln in lines if ln.strip() and not NOISE_LINE.match(ln.strip())]
        if kept:
            paragraphs.append("\n".join(kept).strip("\n"))
    return "\n\n".join(p.lstrip() if i == 0 else p for i, p in enumerate(paragraphs))


SENTENCE_END = re.compile(r"(?<=[a-z0-9\)\"'”’])[.!?](?=[\"'”’]?\s+[A-Z\"“‘(]|$)")


# Telegram's markdown as Telethon's message.text and the scrapers leave it in a post:
# **bold**, __italic__, ~~struck~~, ||spoiler||, [a link's text](its url). A title shows
# the words, not the marks (the body keeps them as written).
MARKED = re.compile(r"(?<!\w)(\*\*|__|~~|\|\|)(?=\S)(.+?)(?<=\S)\1(?!\w)")
LINKED = re.compile(r"\[([^\]\n]{1,300})\]\((?:https?|tg)://[^()\s]{1,2000}\)")


def derive_title(body: str) -> str:
    """The first sentence of the first paragraph, cut at a word near TITLE_MAX; the
    marks of Telegram's markdown are not kept."""
    first = body.split("\n\n", 1)[0].split("\n", 1)[0].strip()
    if "](" in first:
        first = LINKED.sub(r"\1", first)
    if any(mark in first for mark in ("**", "__", "~~", "||")):
        first = MARKED.sub(r"\2", first)
    m = SENTENCE_END.search(first)
    sentence = first[: m.start() + 1] if m else first
    sentence = " ".join(sentence.split())
    if len(sentence) <= TITLE_MAX:
        return sentence.rstrip(".")
    cut = sentence[:TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"
