"""Telegram's messages made articles, whichever file they come in (telegram.py reads
the files): a message of Telegram Desktop's export, Telethon's Message.to_dict(), a
scraper's record of a channel's post. One article per message with text (a string, or a
list of strings and entities joined as Telegram shows them; a photo's or a file's
caption is its text): the chat's name as its source (the channel as given, for the
scrapers'), the sender or the post's signature as its author, `https://t.me/<username>/<id>`
as its url where the record names the channel's username (never made up), the time it
was posted (a unix time, as Telegram Desktop writes beside its local time, read as UTC),
and what Telegram says of it beside its text in `meta`. Service messages and messages
with no text (a photo, a sticker, a poll) are not articles: each file's are counted by
kind (Tally), for the ingest's summary."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.readers import records
from conflictcli.readers.base import Listed, Problems, Unread, from_fields

SHORT = 200  # characters kept of a name or a value of meta
# unix times of the years an article may have (dates.FIRST_YEAR..LAST_YEAR)
FIRST_SECOND, LAST_SECOND = -5_364_662_400, 7_258_118_400
# Telegram Desktop's media_type, named as the summary counts them
DESKTOP_MEDIA = {"video_file": "video", "voice_message": "voice", "audio_file": "audio"}
# keys of a Desktop message that hold media other than a file, and their kind
DESKTOP_KEYS = (
    ("photo", "photo"),
    ("poll", "poll"),
    ("location_information", "location"),
    ("place_name", "venue"),
    ("contact_information", "contact"),
    ("game_title", "game"),
    ("invoice_information", "invoice"),
    ("file", "file"),
)
# Telethon's media, by the name of its class (MessageMediaDocument: by its attributes)
TELETHON_MEDIA = {
    f"MessageMedia{name}": kind
    for name, kind in (
        ("Photo", "photo"),
        ("Poll", "poll"),
        ("Geo", "location"),
        ("GeoLive", "location"),
        ("Venue", "venue"),
        ("Contact", "contact"),
        ("Dice", "dice"),
        ("Game", "game"),
        ("Invoice", "invoice"),
        ("Story", "story"),
        ("WebPage", "webpage"),
        ("Unsupported", "unsupported"),
    )
}
TELETHON = {"Message", "MessageService", "MessageEmpty"}
NAMELESS = {"saved_messages": "Saved Messages", "replies": "Replies"}
_DIGITS = re.compile(r"-?[0-9]{1,15}\Z")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,29}\Z")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}\Z")
_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?", re.IGNORECASE)
_POST = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?(\w{4,32})/([0-9]{1,12})"
)


class Tally(str):
    """A file's messages that are not articles, counted by kind ({"service": 2, "photo":
    1}), told as text: it travels with the file's problems (rows that gave nothing), and
    the ingest's summary adds it to `messages_skipped` instead of listing it."""

    kinds: dict[str, int]

    def __new__(cls, kinds: Mapping[str, int]) -> Tally:
        told = ", ".join(
            f"{n:,} {k}" for k, n in sorted(kinds.items(), key=lambda x: (-x[1], x[0]))
        )
        self = super().__new__(cls, f"messages that are not articles: {told or 'none'}")
        self.kinds = dict(kinds)
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # from a worker process, with its counts
        return (Tally, (self.kinds,))


@dataclass
class Chat:
    """The chat whose messages are being read: its name, type and id as the export
    gives them (each checked: an export is a file like any other)."""

    name: str | None = None
    type: str | None = None
    id: str | None = None

    def take(self, key: str, value: object) -> None:
        if key == "name":
            self.name = _short(value)
        elif key == "type" and isinstance(value, str) and _KIND.match(value):
            self.type = value
        elif key == "id":
            self.id = _number(value)

    @property
    def source(self) -> str | None:
        """The chat's name; the name Telegram shows for the chats an export leaves
        unnamed (Saved Messages, Replies)."""
        return self.name or NAMELESS.get(self.type or "")


# -- messages into articles ---------------------------------------------------------------
class Posts:
    """One file's messages made articles; those that are not articles are counted by
    kind, the count going to `problems` as one Tally (its place taken at the first)."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.listed = Listed(problems)  # for messages walked here (an export's)
        self.kinds: Counter[str] = Counter()
        self.row = 0  # the last message read
        self._place = -1  # where the Tally is in `problems`

    def count(self, kind: str, row: int) -> None:
        if self._place < 0:
            self._place = len(self.problems)
            self.problems.append((row, Tally({})))
        self.kinds[kind] += 1

    def close(self) -> None:
        self.listed.close()
        if self._place >= 0:
            self.problems[self._place] = (self.problems[self._place][0], Tally(self.kinds))

    def closing(self, articles: Iterator[Article]) -> Iterator[Article]:
        try:
            yield from articles
        finally:
            self.close()

    def add(
        self, obj: Any, n: int, out: list[Article], listed: Listed, given: dict[str, str]
    ) -> None:
        """records' reading of an object (a line, an item): a Telegram message read as
        one (not with --map, `given`), anything else as records.py reads it."""
        shape = _shape(obj) if isinstance(obj, Mapping) and not given else None
        got = None
        if shape == "desktop":
            got = self.desktop(obj, Chat(), n, listed)
        elif shape is not None:
            got = self.post(obj, n, listed)
        else:
            records.add_object(obj, n, out, listed, given)
        if got is not None:
            out.append(got)

    def desktop(self, item: Any, chat: Chat, row: int, listed: Listed) -> Article | None:
        """A message of a Telegram Desktop export, the `row`th of its file."""
        self.row = row
        if isinstance(item, Unread) or not isinstance(item, Mapping):
            why = (
                item.why
                if isinstance(item, Unread)
                else f"a JSON {type(item).__name__}, not a message"
            )
            listed.add(row, f"{_where(None, row, chat.source)}: {why}")
            return None
        mid = _number(item.get("id"))
        kind = item.get("type", "message")
        if kind != "message":  # service, unsupported
            self.count(kind if isinstance(kind, str) and _KIND.match(kind) else "other", row)
            return None
        text, dropped = joined(item.get("text"))
        if not text.strip():  # the other form of the same text
            other, more = joined(item.get("text_entities"))
            text, dropped = (other, more) if other.strip() else (text, dropped or more)
        media = _desktop_media(item)
        fields = {
            "date": _when(item.get("date_unixtime"), item.get("date")),
            "source": chat.source,
            "author": _short(item.get("author")) or _short(item.get("from")),
        }
        meta = _meta(item, mid, None, chat.type, media)
        where = _where(mid, row, chat.source)
        return self._article(text, row, where, fields, meta, dropped, media, listed)

    def post(self, obj: Mapping[str, Any], n: int, listed: Listed) -> Article | None:
        """A Telethon message (Message.to_dict()) or a scraper's record of a post."""
        self.row = n
        if obj.get("_") in ("MessageService", "MessageEmpty") or obj.get("type") == "service":
            self.count("service" if obj.get("_") != "MessageEmpty" else "empty", n)
            return None
        telethon = obj.get("_") == "Message"
        post = _POST.match(str(obj.get("url")))
        mid = _number(obj.get("id") if telethon else obj.get("message_id"))
        mid = mid or (post[2] if post else None)
        source, username = _channel(obj)
        text, dropped = joined(obj.get("message") if "message" in obj else obj.get("text"))
        media = _telethon_media(obj.get("media")) if telethon else _desktop_media(obj)
        url = _short(obj.get("url")) if post else None
        fields = {
            "date": _when(obj.get("date"), obj.get("date")),
            "source": source,
            "author": _short(obj.get("post_author")) or _short(obj.get("author")),
            "url": url or (f"https://t.me/{username}/{mid}" if username and mid else None),
        }
        meta = _meta(obj, mid, username, _chat_type(obj), media)
        where = _where(mid, n, source)
        return self._article(text, n, where, fields, meta, dropped, media, listed)

    def _article(
        self,
        text: str,
        row: int,
        where: str,
        fields: dict[str, str | None],
        meta: dict[str, str],
        dropped: int,
        media: str,
        listed: Listed,
    ) -> Article | None:
        if len(text) > MAX_ARTICLE_CHARS:
            listed.add(
                row,
                f"{where}: {len(text):,} characters of text, more than the "
                f"{MAX_ARTICLE_CHARS:,} an article may hold: not indexed",
            )
            return None
        if dropped and not text.strip():
            listed.add(row, f"{where}: no text that reads ({_parts(dropped)} of it not text)")
            return None
        try:
            a = from_fields({"text": text, **fields}, row=row)
        except (ValueError, RecursionError):  # no text: what the message was instead
            self.count(media if media != "webpage" else "empty", row)
            return None
        a.meta = meta
        if dropped:
            a.warnings.append(f"{where}: {_parts(dropped)} of its text not text, left out")
        return a


def _parts(n: int) -> str:
    return "1 part" if n == 1 else f"{n:,} parts"


def _where(mid: str | None, row: int, chat: str | None) -> str:
    """A message as a problem or a warning names it: by its id, else its place."""
    said = f"message {mid}" if mid else f"the file's message #{row:,}"
    return said + (f" in {chat[:60]!r}" if chat else "")


def _shape(obj: Mapping[str, Any]) -> str | None:
    """Which Telegram message an object is: "desktop" (a message of Telegram Desktop's
    export), "post" (Telethon's Message.to_dict(), a scraper's record of a channel's
    post), or None (not one: records.py reads it)."""
    if obj.get("_") in TELETHON:
        return "post"
    if "date_unixtime" in obj or "text_entities" in obj:
        return "desktop"
    has_text = "text" in obj or "message" in obj
    if isinstance(obj.get("channel"), str) and has_text and "message_id" in obj:
        return "post"
    if has_text and "source" not in obj and _POST.match(str(obj.get("url"))):
        return "post"
    return None


def joined(value: object) -> tuple[str, int]:
    """A message's text as Telegram shows it: a string, or a list of strings and entity
    objects ({"type": "bold", "text": ...}: links, hashtags, mentions, custom emoji)
    joined; and how many parts of the list were not text (left out)."""
    if isinstance(value, str):
        return value, 0
    if not isinstance(value, list):
        return "", int(value is not None and value != "")
    parts, dropped = [], 0
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            dropped += 1
    return "".join(parts), dropped


def _desktop_media(m: Mapping[str, Any]) -> str:
    """What a message of Telegram Desktop's export holds besides text: "empty" if nothing."""
    kind = m.get("media_type")
    if isinstance(kind, str) and _KIND.match(kind):
        return DESKTOP_MEDIA.get(kind, kind)
    return next((name for key, name in DESKTOP_KEYS if m.get(key) is not None), "empty")


def _telethon_media(media: object) -> str:
    """What a Telethon message's media is: "empty" if none."""
    if not isinstance(media, Mapping):
        return "empty"
    name = media.get("_")
    if name != "MessageMediaDocument":
        return TELETHON_MEDIA.get(name, "other") if isinstance(name, str) else "other"
    document = media.get("document")
    attributes = document.get("attributes") if isinstance(document, Mapping) else None
    kinds = {
        a.get("_"): a
        for a in attributes or []
        if isinstance(a, Mapping) and isinstance(a.get("_"), str)
    }
    if "DocumentAttributeSticker" in kinds:
        return "sticker"
    if "DocumentAttributeAnimated" in kinds:
        return "animation"
    if "DocumentAttributeAudio" in kinds:
        return "voice" if kinds["DocumentAttributeAudio"].get("voice") else "audio"
    if "DocumentAttributeVideo" in kinds:
        return "video_message" if kinds["DocumentAttributeVideo"].get("round_message") else "video"
    return "file"


def _channel(obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The source of a post that is not in an export (the channel as the record names
    it, or the username of its t.me url, or its peer's id), and the channel's username
    where one is named."""
    given = obj.get("channel")
    if isinstance(given, str) and given.strip():
        name = _LINK.sub("", given.strip()).lstrip("@")
        username = name if _USERNAME.match(name) else None
        return username or _short(given), username
    post = _POST.match(str(obj.get("url")))
    if post:
        return post[1], post[1]
    peer = _peer(obj.get("peer_id"))
    return peer, None


def _peer(peer: object) -> str | None:
    """A Telethon peer as a name: channel 1987654321, chat 55, user 111."""
    if not isinstance(peer, Mapping):
        return None
    for key, name in (("channel_id", "channel"), ("chat_id", "chat"), ("user_id", "user")):
        number = _number(peer.get(key))
        if number:
            return f"{name} {number}"
    return None


def _chat_type(obj: Mapping[str, Any]) -> str | None:
    """A Telethon message's chat, as Telegram Desktop names its types."""
    peer = obj.get("peer_id")
    kind = peer.get("_") if isinstance(peer, Mapping) else None
    if kind == "PeerChannel":
        return "channel" if obj.get("post") is True else "supergroup"
    return (
        {"PeerChat": "group", "PeerUser": "personal_chat"}.get(kind)
        if isinstance(kind, str)
        else None
    )


def _meta(
    m: Mapping[str, Any], mid: str | None, username: str | None, chat: str | None, media: str
) -> dict[str, str]:
    """What Telegram says of a message beside its text, in the order show lists it:
    Telegram Desktop's keys, Telethon's, or a scraper's (which take either)."""
    meta: dict[str, str] = {}
    forwarded = _forwarded(m)
    if forwarded:
        meta["forwarded_from"] = forwarded
    edited = _when(m.get("edited_unixtime"), m.get("edited")) or _when(
        m.get("edit_date"), m.get("edit_date")
    )
    if edited:
        meta["edited"] = edited
    reply = m.get("reply_to")
    to = _number(reply.get("reply_to_msg_id") if isinstance(reply, Mapping) else reply)
    to = to or _number(m.get("reply_to_message_id")) or _number(m.get("reply_to_msg_id"))
    elsewhere = m.get("reply_to_peer_id") or (
        isinstance(reply, Mapping) and reply.get("reply_to_peer_id")
    )
    if to:
        meta["reply_to"] = f"https://t.me/{username}/{to}" if username and not elsewhere else to
    for key, value in (
        ("views", _number(m.get("views"))),
        ("message_id", mid),
        ("chat_type", chat),
    ):
        if value:
            meta[key] = value
    if media not in ("empty", "webpage"):
        meta["media"] = media
    return meta


def _forwarded(m: Mapping[str, Any]) -> str | None:
    """Whom a message was forwarded from: Desktop's forwarded_from (null: a name it
    could not give), Telethon's fwd_from (a name, or the peer's id)."""
    if "forwarded_from" in m:
        return _short(m["forwarded_from"]) or "(unknown)"
    header = m.get("fwd_from")
    if not isinstance(header, Mapping):
        return None
    return _short(header.get("from_name")) or _peer(header.get("from_id")) or "(unknown)"


def _when(unix: object, written: object) -> str:
    """A message's date and time as from_fields reads them: a unix time (Telegram
    Desktop's date_unixtime, a raw API's date) as UTC; a date written with its zone
    (Telethon's +00:00) in UTC too; else the date as written (Desktop's `date`, in the
    exporting machine's local time); "" if none."""
    seconds = _number(unix)
    if seconds is not None and FIRST_SECOND <= int(seconds) <= LAST_SECOND:
        moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds))
        return moment.isoformat()
    if not isinstance(written, str):
        return ""
    try:  # a time with its zone (Telethon's +00:00, a scraper's Z) is told in UTC
        stamp = dt.datetime.fromisoformat(written.strip())
    except ValueError:
        return written[:100]
    if stamp.tzinfo is None:
        return written[:100]
    return stamp.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()


def _number(value: object) -> str | None:
    """An id, a count or a unix time, as text: an integer, or a string of its digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and -(10**15) < value < 10**15:
        return str(value)
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        return str(int(value))
    return None


def _short(value: object) -> str | None:
    """A name or a value of meta: text, its spaces made one, cut to SHORT characters."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return (text[: SHORT - 1] + "…" if len(text) > SHORT else text) or None
