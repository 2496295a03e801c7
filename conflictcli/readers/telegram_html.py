"""Telegram Desktop's export as HTML, its default: a chat's messages.html, messages2.html,
... (1,000 messages a page), recognised by its markup (tdesktop's export_output_html.cpp),
not by its name. One article per message with text, as the JSON export's
(telegram_messages.py): the chat's name (the page's header) as its source, the sender or
the post's signature as its author, the time it was posted in UTC (the page writes the
exporting machine's local time and its offset), and `forwarded_from`, `reply_to`,
`message_id` and `media` in meta. Service messages and messages with no text are counted
by kind in the same Tally; the day headers the page inserts are no messages. The page
writes no edit time. Parsed by lxml's HTML parser: no network, no DTD, no entity but
HTML's own."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.readers.base import Problems, SkipFile, from_fields
from conflictcli.readers.telegram_messages import SHORT, Posts

HEAD = 64 << 10  # the start of a page that holds its header and the chat's body
_HEADER = re.compile(r'<div class="page_header"')
_CHAT = re.compile(r'<div class="(?:page_body chat_page|message (?:default|service))')
_ID = re.compile(r"message(-?[0-9]{1,15})\Z")
_REPLY = re.compile(r"go_to_message([0-9]{1,15})")
_HUGE = ", use XML_PARSE_HUGE option"  # libxml2's advice, not the user's to take
_VIA = re.compile(r" via @\w+\Z")
# "21.11.2024 14:35:07 UTC+03:00": the exporting machine's local time and its offset
_WHEN = re.compile(
    r"\s*([0-9]{2})\.([0-9]{2})\.([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?: ?(?:UTC|GMT)(?:([+-])([0-9]{1,2})(?::?([0-9]{2}))?)?)?\s*\Z"
)
# what a media_wrap holds, by its element's class, named as the JSON export's are counted
MEDIA = {
    "photo_wrap": "photo",
    "sticker_wrap": "sticker",
    "animated_wrap": "animation",
    "video_file_wrap": "video",
    "media_photo": "photo",
    "media_video": "video",
    "media_voice_message": "voice",
    "media_audio_file": "audio",
    "media_file": "file",
    "media_contact": "contact",
    "media_location": "location",
    "media_live_location": "location",
    "media_venue": "venue",
    "media_game": "game",
    "media_invoice": "invoice",
    "media_poll": "poll",
    "media_giveaway": "giveaway",
    "media_call": "service",  # a call: a service message in the JSON export
}
# a generic media's title that names it more exactly than its class
TITLES = {"Sticker": "sticker", "Animation": "animation", "Video message": "video_message"}


def is_export(page: str) -> bool:
    """Whether an HTML page is a page of Telegram Desktop's export of a chat: its
    header, then the chat's body or its messages."""
    head = page[:HEAD]
    return bool(_HEADER.search(head) and _CHAT.search(head))


def read(page: str, problems: Problems) -> list[Article]:
    """The articles of one page of an export; the messages that are not articles
    counted by kind in `problems` (a Tally, as the JSON export's)."""
    from lxml import html as lxml_html  # type: ignore[import-untyped]

    parser = lxml_html.HTMLParser(
        no_network=True, remove_comments=True, remove_pis=True, default_doctype=False
    )
    root = lxml_html.document_fromstring(page, parser=parser)
    for junk in list(root.iter("script", "style", "noscript", "template")):
        junk.drop_tree()  # never text
    chat = _Chat(_name(root), Posts(problems))
    articles: list[Article] = []
    try:
        for el in root.iter("div"):
            got = chat.message(el)
            if got is not None:
                articles.append(got)
        fatal = [e for e in parser.error_log if e.level_name == "FATAL"]
        if fatal:  # markup nested past the parser's bound (256): the rest is not read
            why = " ".join(str(fatal[0].message).split())[:200].replace(_HUGE, "")
            chat.posts.listed.add(
                chat.posts.row + 1,
                f"the page is read no further than the file's message #{chat.posts.row:,}: "
                f"{why} (line {fatal[0].line})",
            )
    finally:
        chat.posts.close()
    if not chat.posts.row:
        raise SkipFile("a page of a Telegram export that holds no message")
    return articles


def _classes(el: Any) -> set[str]:
    value = el.get("class")
    return set(value.split()) if isinstance(value, str) else set()


def _name(root: Any) -> str | None:
    """The chat's name, as the page's header writes it."""
    for header in root.iter("div"):
        if "page_header" in _classes(header):
            for el in header.iter("div"):
                if {"text", "bold"} <= _classes(el):
                    return _short(el.text_content())
            return None
    return None


class _Chat:
    """A page's messages read in order: a joined message's sender, and a forwarded
    one's origin, are the previous message's (the page writes them once)."""

    def __init__(self, source: str | None, posts: Posts) -> None:
        self.source, self.posts = source, posts
        self.sender: str | None = None
        self.forwarded: str | None = None

    def message(self, el: Any) -> Article | None:
        classes = _classes(el)
        found = _ID.match(el.get("id") or "")
        if "message" not in classes or not found or found[1].startswith("-"):
            return None  # not a message, or the page's header of a day
        mid = str(int(found[1]))
        row = self.posts.row = self.posts.row + 1
        if "default" not in classes:
            self.posts.count("service", row)
            self.sender = self.forwarded = None
            return None
        parts = _Parts(el)
        if parts.sender is not None:
            self.sender = parts.sender
        if parts.forwarded:
            self.forwarded = parts.origin or self.forwarded or "(unknown)"
        else:
            self.forwarded = None
        meta: dict[str, str] = {}
        if self.forwarded:
            meta["forwarded_from"] = self.forwarded
        if parts.reply_to:
            meta["reply_to"] = parts.reply_to
        meta["message_id"] = mid
        if parts.media not in ("empty", "service"):
            meta["media"] = parts.media
        text = "\n".join(parts.texts)
        where = f"message {mid}" + (f" in {self.source[:60]!r}" if self.source else "")
        if len(text) > MAX_ARTICLE_CHARS:
            why = f"{len(text):,} characters of text, more than the {MAX_ARTICLE_CHARS:,}"
            self.posts.listed.add(row, f"{where}: {why} an article may hold: not indexed")
            return None
        fields = {
            "text": text,
            "date": _utc(parts.date),
            "source": self.source,
            "author": parts.signature or self.sender,
        }
        try:
            article = from_fields(fields, row=row)
        except (ValueError, RecursionError):  # no text: what the message was instead
            self.posts.count(parts.media, row)
            return None
        article.meta = meta
        return article


class _Parts:
    """What one message's markup says, walked without recursion and without entering a
    message nested in it (markup is a file like any other)."""

    def __init__(self, message: Any) -> None:
        self.date = ""
        self.sender: str | None = None
        self.signature: str | None = None
        self.forwarded = False
        self.origin: str | None = None
        self.reply_to: str | None = None
        self.media = "empty"
        self.texts: list[str] = []
        stack = [(child, False) for child in reversed(message)]
        while stack:
            el, inside = stack.pop()
            if not isinstance(el.tag, str):
                continue
            if self._take(el, _classes(el), inside):
                continue
            if "forwarded" in _classes(el) and "body" in _classes(el):
                self.forwarded, inside = True, True
            stack.extend((child, inside) for child in reversed(el))

    def _take(self, el: Any, classes: set[str], forwarded: bool) -> bool:
        """Take what `el` says; True when its inside is read (or never is)."""
        if "message" in classes:
            return True  # another message's
        if {"pull_right", "date"} <= classes and not self.date:
            self.date = str(el.get("title") or "")
        elif "from_name" in classes:
            name = _sender(el)
            if forwarded:
                self.origin = self.origin or name
            elif self.sender is None:
                self.sender = name
        elif "reply_to" in classes:
            for link in el.iter("a"):
                to = _REPLY.search(link.get("href") or "")
                self.reply_to = self.reply_to or (str(int(to[1])) if to else None)
        elif "media_wrap" in classes:
            self.media = _media(el)
        elif "signature" in classes:
            self.signature = _short(el.text_content())
        elif classes == {"text"}:
            self.texts.append(_text(el))
        else:
            return False
        return True


def _sender(el: Any) -> str | None:
    """A from_name's name: without its " via @bot" and the date a forward's carries."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and "date" not in _classes(child):
            parts.append(child.text_content())
        parts.append(child.tail or "")
    name = _short("".join(parts))
    return _VIA.sub("", name) or None if name else None


def _media(wrap: Any) -> str:
    for el in wrap.iter():
        for name in _classes(el):
            if name in MEDIA:
                if MEDIA[name] in ("photo", "video"):
                    for title in el.iter("div"):
                        if {"title", "bold"} <= _classes(title):
                            return TITLES.get(title.text_content().strip(), MEDIA[name])
                return MEDIA[name]
    return "other"


def _text(el: Any) -> str:
    """A message's text as Telegram shows it: its links' words, <br> a new line."""
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return str(el.text_content()).strip()


def _utc(title: str) -> str:
    """A message's time from its date's title, in UTC where the title gives the offset
    (as the JSON export's unix time is read); else the local time as written."""
    m = _WHEN.match(title)
    if not m:
        return title[:100]
    day, month, year, hour, minute, second = (int(m[i]) for i in range(1, 7))
    try:
        stamp = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return title[:100]
    if "UTC" in title or "GMT" in title:
        offset = dt.timedelta(hours=int(m[8] or 0), minutes=int(m[9] or 0))
        stamp = stamp - offset if m[7] != "-" else stamp + offset
    return stamp.isoformat()


def _short(value: object) -> str | None:
    """A name or a value of meta: its spaces made one, cut to SHORT characters."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return (text[: SHORT - 1] + "…" if len(text) > SHORT else text) or None
