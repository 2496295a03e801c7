"""Telegram ingests with no flags (issue 28): Telegram Desktop's exports (a channel's and
a chat's result.json, a folder of them, the export of all data), Telethon's to_dict()
lines and the scrapers' records. Every message with text is an article with its chat as
source, its date and time, and what Telegram says of it in meta; every other message is
counted by kind, and the counts add up to the messages of the file. Texts written for
the test."""

from __future__ import annotations

import calendar
import json
import pickle
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conflictcli.readers import STREAM_FROM
from conflictcli.readers.body import derive_title
from conflictcli.readers.telegram import escaped, export_articles, is_export
from conflictcli.readers.telegram_messages import Tally
from conflictcli.records.upkeep import IngestSummary, Skipped
from conflictcli.stories import Stories, shingles, similarity, substance

from conftest import as_json, invoke, open_archive, write


def when(local: str, utc: str | None = None) -> dict[str, str]:
    """Telegram Desktop's pair: the date in the exporting machine's local time, and its
    unix time (of `utc`, the same moment in UTC; `local` itself when not given)."""
    moment = datetime.fromisoformat(utc or local)
    return {"date": local, "date_unixtime": str(calendar.timegm(moment.timetuple()))}


def plain(text: str) -> list[dict[str, str]]:
    return [{"type": "plain", "text": text}]


# A channel exported on a machine two hours ahead of UTC: `date` is local, the unix time UTC.
CHANNEL = {
    "name": "Вести Сиверщины",
    "type": "public_channel",
    "id": 1900000001,
    "messages": [
        {
            "id": 1,
            "type": "service",
            **when("2024-11-20T10:00:00", "2024-11-20T08:00:00"),
            "actor": "Вести Сиверщины",
            "action": "create_channel",
            "title": "Вести Сиверщины",
            "text": "",
            "text_entities": [],
        },
        {
            "id": 2,
            "type": "message",
            **when("2024-11-21T11:10:00", "2024-11-21T09:10:00"),
            "from": "Вести Сиверщины",
            "from_id": "channel1900000001",
            "text": "Утром в Конотопе объявили воздушную тревогу, она длилась час.",
            "text_entities": plain("Утром в Конотопе объявили воздушную тревогу, она длилась час."),
        },
        {
            "id": 3,
            "type": "message",
            **when("2024-11-21T16:35:07", "2024-11-21T14:35:07"),
            "from": "Вести Сиверщины",
            "from_id": "channel1900000001",
            "author": "Дежурный редактор",
            "text": [
                "Важно: ",
                {"type": "bold", "text": "в Шостке обесточен район"},
                " — детали позже. ",
                {"type": "hashtag", "text": "#сводка"},
                " ",
                {"type": "text_link", "text": "подробнее", "href": "https://example.org/shostka"},
                " ",
                {"type": "custom_emoji", "text": "⚡", "document_id": "5"},
            ],
            "text_entities": [],
        },
        {
            "id": 4,
            "type": "message",
            **when("2024-11-21T17:00:00", "2024-11-21T15:00:00"),
            "from": "Вести Сиверщины",
            "photo": "photos/photo_4.jpg",
            "width": 800,
            "height": 600,
            "text": "",
            "text_entities": [],
        },
        {
            "id": 5,
            "type": "message",
            **when("2024-11-21T18:20:00", "2024-11-21T16:20:00"),
            "from": "Вести Сиверщины",
            "forwarded_from": "Глуховский вестник",
            "text": "Из Глухова: на трассе восстановили движение после ремонта моста.",
            "text_entities": plain(
                "Из Глухова: на трассе восстановили движение после ремонта моста."
            ),
        },
        {
            "id": 6,
            "type": "message",
            **when("2024-11-21T20:45:00", "2024-11-21T18:45:00"),
            "edited": "2024-11-21T21:02:11",
            "edited_unixtime": str(calendar.timegm(datetime(2024, 11, 21, 19, 2, 11).timetuple())),
            "from": "Вести Сиверщины",
            "text": "Вечером в Бахмаче вернули воду в северные кварталы (обновлено).",
            "text_entities": plain(
                "Вечером в Бахмаче вернули воду в северные кварталы (обновлено)."
            ),
        },
        {
            "id": 7,
            "type": "message",
            **when("2024-11-22T09:05:00", "2024-11-22T07:05:00"),
            "from": "Вести Сиверщины",
            "file": "stickers/sticker.webp",
            "media_type": "sticker",
            "sticker_emoji": "🙏",
            "text": "",
            "text_entities": [],
        },
        {
            "id": 8,
            "type": "service",
            **when("2024-11-22T09:06:00", "2024-11-22T07:06:00"),
            "actor": "Вести Сиверщины",
            "action": "pin_message",
            "message_id": 6,
            "text": "",
            "text_entities": [],
        },
        {
            "id": 9,
            "type": "message",
            **when("2024-11-22T10:30:00", "2024-11-22T08:30:00"),
            "from": "Вести Сиверщины",
            "reply_to_message_id": 6,
            "text": ["В Бахмаче ", {"type": "italic", "text": "и южные"}, " кварталы с водой."],
            "text_entities": [],
        },
        {
            "id": 10,
            "type": "message",
            **when("2024-11-22T11:00:00", "2024-11-22T09:00:00"),
            "from": "Вести Сиверщины",
            "photo": "photos/photo_10.jpg",
            "text": "Фото: мост под Кролевцом после ремонта.",
            "text_entities": [],
        },
        {
            "id": 11,
            "type": "message",
            **when("2024-11-22T12:00:00", "2024-11-22T10:00:00"),
            "from": "Вести Сиверщины",
            "file": "video_files/v.mp4",
            "media_type": "video_file",
            "mime_type": "video/mp4",
            "text": "",
            "text_entities": [],
        },
        {
            "id": 12,
            "type": "message",
            **when("2024-11-22T12:10:00", "2024-11-22T10:10:00"),
            "from": "Вести Сиверщины",
            "poll": {"question": "Есть свет?", "answers": []},
            "text": "",
            "text_entities": [],
        },
    ],
}
CHAT = {
    "name": "Night desk",
    "type": "private_supergroup",
    "id": 700000002,
    "messages": [
        {"id": 201, "type": "message", **when("2024-11-21T22:14:00"), "from": "Olha",
         "from_id": "user11", "text": "Checked: the ferry at Vylkove runs again after the storm.",
         "text_entities": plain("Checked: the ferry at Vylkove runs again after the storm.")},
        {"id": 202, "type": "service", **when("2024-11-21T22:15:00"), "actor": "Olha",
         "action": "invite_members", "members": ["Petro"], "text": "", "text_entities": []},
        {"id": 203, "type": "message", **when("2024-11-21T22:20:00"), "from": "Petro",
         "from_id": "user22", "text": ["Source for Vylkove: ",
                                       {"type": "link", "text": "https://example.org/vylkove"}],
         "text_entities": []},
        {"id": 204, "type": "message", **when("2024-11-21T22:21:00"), "from": "Petro",
         "file": "files/report.pdf", "mime_type": "application/pdf", "text": "", "text_entities": []},
        {"id": 205, "type": "message", **when("2024-11-21T22:22:00"), "from": "Petro",
         "file": "voice_messages/a.ogg", "media_type": "voice_message", "text": "",
         "text_entities": []},
    ],
}  # fmt: skip
SKIPPED = {"service": 3, "photo": 1, "sticker": 1, "video": 1, "poll": 1, "file": 1, "voice": 1}


def _texts(chat: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in chat["messages"] if m["type"] == "message" and m["text"]]


def _export(folder: Path) -> Path:
    for sub, chat in (("ChatExport_2024-11-22", CHANNEL), ("ChatExport_2024-11-22 (1)", CHAT)):
        write(folder / sub / "result.json", json.dumps(chat, ensure_ascii=False, indent=1))
        write(folder / sub / "photos" / "photo_4.jpg", "not read")  # what exports hold beside
    return folder


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """The channel and the chat, as a folder of two exports, ingested with no flags."""
    root = tmp_path_factory.mktemp("telegram")
    ix = str(root / "ix")
    r = invoke("ingest", str(_export(root / "exports")), "--index", ix, "--json")
    assert r.exit_code == 0, r.stderr
    return ix, json.loads(r.stdout)


def _all(ix: str) -> list[dict[str, Any]]:
    r = invoke("search", "*", "--index", ix, "--jsonl", "-n", "0")
    return [json.loads(line) for line in r.stdout.splitlines()]


def _show(ix: str, query: str) -> dict[str, Any]:
    hits = as_json(invoke("search", query, "--index", ix, "--json"))["results"]
    assert len(hits) == 1, (query, hits)
    return as_json(invoke("show", hits[0]["id"], "--index", ix, "--json"))  # type: ignore[no-any-return]


def test_every_text_message_is_an_article_with_its_chat_date_and_time(exported: Any) -> None:
    ix, summary = exported
    got = _all(ix)
    texts = _texts(CHANNEL) + _texts(CHAT)
    assert len(got) == len(texts) == summary["articles_added"] == 8
    assert summary["skipped"] == [] and summary["warnings"] == []
    by_time = {r["datetime"]: r for r in got}
    for m in texts:  # the unix time, read as UTC, not the exporting machine's local date
        utc = datetime.utcfromtimestamp(int(m["date_unixtime"])).isoformat()
        chat = CHANNEL if m in CHANNEL["messages"] else CHAT
        assert by_time[utc]["source"] == chat["name"], m["id"]
        assert by_time[utc]["date"] == utc[:10]


def test_messages_that_are_not_articles_are_counted_by_kind(exported: Any, tmp_path: Path) -> None:
    _, summary = exported
    assert summary["messages_skipped"] == SKIPPED
    messages = len(CHANNEL["messages"]) + len(CHAT["messages"])
    assert summary["articles_added"] + sum(summary["messages_skipped"].values()) == messages
    r = invoke("ingest", str(_export(tmp_path / "again")), "--index", str(tmp_path / "ix"))
    assert r.exit_code == 0
    line = r.stderr.replace("\n", " ")
    assert "messages that are not articles: 3 service, 1 file, 1 photo," in line
    assert "Traceback" not in r.stderr


def test_an_entity_list_is_joined_as_telegram_shows_it(exported: Any) -> None:
    ix, _ = exported
    post = _show(ix, "Шостке")
    assert post["body"] == ("Важно: в Шостке обесточен район — детали позже. #сводка подробнее ⚡")
    assert post["title"].startswith("Важно: в Шостке обесточен район")
    assert post["datetime"] == "2024-11-21T14:35:07"
    assert post["author"] == "Дежурный редактор"  # the post's signature
    assert _show(ix, "Vylkove ferry")["author"] == "Olha"  # a chat's: the sender
    assert _show(ix, "Конотопе")["author"] == "Вести Сиверщины"  # a channel's: the channel
    body = _show(ix, '"Source for Vylkove"')["body"]
    assert body == "Source for Vylkove: https://example.org/vylkove"


def test_forwarded_edited_and_reply_posts_keep_what_telegram_says(exported: Any) -> None:
    ix, _ = exported
    forwarded = _show(ix, "Глухова")
    assert forwarded["meta"] == {
        "forwarded_from": "Глуховский вестник",
        "message_id": "5",
        "chat_type": "public_channel",
    }
    edited = _show(ix, "северные")["meta"]
    assert edited["edited"] == "2024-11-21T19:02:11"  # its unix time, as UTC
    assert _show(ix, "южные")["meta"]["reply_to"] == "6"  # no username: the id
    assert _show(ix, "Кролевцом")["meta"]["media"] == "photo"  # a caption is a text
    hit = as_json(invoke("search", "Глухова", "--index", ix, "--json"))["results"][0]
    shown = invoke("show", hit["id"], "--index", ix).stdout
    assert "Глуховский вестник" in shown and "forwarded" in shown


def test_times_order_the_posts_of_a_day(exported: Any) -> None:
    ix, _ = exported
    r = invoke("count", "*", "--since", "2024-11-21 12:00", "--until", "2024-11-21 17:00",
               "--index", ix, "--json")  # fmt: skip
    assert as_json(r)["count"] == 2  # 14:35:07 and 16:20 UTC


def test_the_export_of_all_data(tmp_path: Path) -> None:
    everything = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Test", "phone_number": "+0"},
        "contacts": {"about": "Contacts.", "list": [{"first_name": "A", "date": "2020-01-01"}]},
        "chats": {"about": "Chats.", "list": [
            CHAT,
            {"type": "saved_messages", "id": 3, "messages": [
                {"id": 1, "type": "message", **when("2024-05-02T11:00:00"),
                 "text": "A note kept for later about the bridge at Zatoka."}]},
        ]},
        "left_chats": {"about": "Left.", "list": [CHANNEL]},
        "other_data": {"about": "Other.", "changes_log": [{"x": [1, 2, {"y": None}]}]},
    }  # fmt: skip
    write(tmp_path / "DataExport" / "result.json", json.dumps(everything, ensure_ascii=False))
    r = invoke("ingest", str(tmp_path / "DataExport"), "--index", str(tmp_path / "ix"), "--json")
    summary = as_json(r)
    assert summary["articles_added"] == 9 and summary["skipped"] == []
    assert summary["messages_skipped"] == SKIPPED
    sources = {x["source"] for x in _all(str(tmp_path / "ix"))}
    assert sources == {"Вести Сиверщины", "Night desk", "Saved Messages"}


TELETHON = [
    {"_": "Message", "id": 100, "peer_id": {"_": "PeerChannel", "channel_id": 1900000001},
     "date": "2024-11-21T09:10:00+00:00", "message": "Телетон: ранок у Сумах минув спокійно.",
     "post": True, "views": 1200, "post_author": "Олена",
     "fwd_from": {"_": "MessageFwdHeader", "from_id": {"_": "PeerChannel", "channel_id": 42},
                  "date": "2024-11-21T08:00:00+00:00"},
     "edit_date": "2024-11-21T12:00:00+02:00",
     "reply_to": {"_": "MessageReplyHeader", "reply_to_msg_id": 99}, "media": None},
    {"_": "Message", "id": 101, "peer_id": {"_": "PeerChannel", "channel_id": 1900000001},
     "date": "2024-11-21T09:20:00+00:00", "message": "", "post": True,
     "media": {"_": "MessageMediaDocument", "document": {"_": "Document", "attributes": [
         {"_": "DocumentAttributeAudio", "duration": 3, "voice": True}]}}},
    {"_": "Message", "id": 102, "peer_id": {"_": "PeerChannel", "channel_id": 1900000001},
     "date": "2024-11-21T09:21:00+00:00", "message": "",
     "media": {"_": "MessageMediaDocument", "document": {"_": "Document", "attributes": [
         {"_": "DocumentAttributeImageSize"}, {"_": "DocumentAttributeSticker", "alt": "👍"}]}}},
    {"_": "Message", "id": 103, "peer_id": {"_": "PeerChannel", "channel_id": 1900000001},
     "date": "2024-11-21T09:22:00+00:00", "message": "Фото з Охтирки: нове укриття відкрито.",
     "post": True, "media": {"_": "MessageMediaPhoto", "photo": {"_": "Photo", "id": 1}}},
    {"_": "MessageService", "id": 104, "peer_id": {"_": "PeerChannel", "channel_id": 1900000001},
     "date": 1732180800, "action": {"_": "MessageActionPinMessage"}},
    {"_": "Message", "id": 105, "peer_id": {"_": "PeerChat", "chat_id": 77},
     "date": 1732181400, "message": "Group: a message in a small group about Izium.",
     "from_id": {"_": "PeerUser", "user_id": 5}},
]  # fmt: skip


def test_telethon_lines(tmp_path: Path) -> None:
    lines = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in TELETHON)
    write(tmp_path / "in" / "channel.jsonl", lines)
    r = invoke("ingest", str(tmp_path / "in"), "--index", str(tmp_path / "ix"), "--json")
    summary = as_json(r)
    assert summary["articles_added"] == 3 and summary["skipped"] == []
    assert summary["messages_skipped"] == {"service": 1, "sticker": 1, "voice": 1}
    ix = str(tmp_path / "ix")
    post = _show(ix, "Сумах")
    assert (post["source"], post["url"], post["author"]) == ("channel 1900000001", None, "Олена")
    assert post["datetime"] == "2024-11-21T09:10:00"
    assert post["meta"] == {
        "forwarded_from": "channel 42",
        "edited": "2024-11-21T10:00:00",  # in UTC, as the post's own time
        "reply_to": "99",
        "views": "1200",
        "message_id": "100",
        "chat_type": "channel",
    }
    assert _show(ix, "Охтирки")["meta"]["media"] == "photo"
    group = _show(ix, "Izium")
    assert (group["source"], group["datetime"]) == ("chat 77", "2024-11-21T09:30:00")
    assert group["meta"]["chat_type"] == "group"


def test_scrapers_records_name_their_channel(tmp_path: Path) -> None:
    posts = [
        {"message_id": 7, "channel": "@vesti_siver", "date": "2024-11-22 08:00",
         "text": "**Терміново:** у Прилуках повернули світло.", "views": "300",
         "reply_to_msg_id": 3},
        {"message_id": 8, "channel": "Вести Сиверщины", "date": "2024-11-22",
         "text": "A channel named by its title, about water in Bakhmach."},
        {"url": "https://t.me/vesti_siver/77", "date": "2024-11-23T07:00:00Z",
         "text": "A post known by its [link](https://t.me/vesti_siver/77) only, about Kupiansk."},
        {"message_id": 9, "channel": "vesti_siver", "date": "2024-11-22", "text": "",
         "photo": "photo_9.jpg"},
        {"id": 10, "channel": "news", "date": "2024-11-22",
         "text": "A broadcaster's record, not a Telegram post: no t.me url is made up for it."},
    ]  # fmt: skip
    write(tmp_path / "in" / "posts.json", json.dumps(posts, ensure_ascii=False))
    ix = str(tmp_path / "ix")
    summary = as_json(invoke("ingest", str(tmp_path / "in"), "--index", ix, "--json"))
    assert summary["articles_added"] == 4 and summary["messages_skipped"] == {"photo": 1}
    assert _show(ix, "broadcaster")["url"] is None
    first = _show(ix, "Прилуках")
    assert (first["source"], first["url"]) == ("vesti_siver", "https://t.me/vesti_siver/7")
    assert first["title"] == "Терміново: у Прилуках повернули світло"  # no markdown
    assert first["meta"]["reply_to"] == "https://t.me/vesti_siver/3"
    titled = _show(ix, "Bakhmach")
    assert (titled["source"], titled["url"]) == ("Вести Сиверщины", None)  # no username
    linked = _show(ix, "Kupiansk")
    assert (linked["source"], linked["datetime"]) == ("vesti_siver", "2024-11-23T07:00:00")
    assert "link" in linked["title"] and "](" not in linked["title"]


def test_hostile_exports_cost_only_their_bad_messages(tmp_path: Path) -> None:
    chat = {"name": "Hostile", "type": "public_channel", "id": 5, "messages": [
        {"id": 1, "type": "message", **when("2024-11-21T09:00:00"),
         "text": ["Часть первая, ", 5, None, ["вложено"], {"type": "bold", "text": 7},
                  {"type": "bold", "text": "часть вторая про Ромны."}]},
        {"id": 2, "type": "message", **when("2024-11-21T09:01:00"), "text": "щ" * 4_000_001},
        "NESTED",
        {"id": 4, "type": "message", **when("2024-11-21T09:02:00"), "text": {"not": "text"}},
        {"id": 5, "type": ["service"], "date": 3},
        {"id": 6, "type": "message", "date": "not a date", "date_unixtime": "99999999999999",
         "text": "A date that does not read, about Sumy."},
        {"id": 7, "type": "message", **when("2024-11-21T09:05:00"),
         "text": "Control VTAB written as Telegram Desktop escapes it, in Konotop."},
        {"id": 8, "type": "message", **when("2024-11-21T09:06:00"),
         "text": "The last message, from Nizhyn."},
    ]}  # fmt: skip
    text = json.dumps(chat, ensure_ascii=False).replace('"NESTED"', "[" * 100_000 + "]" * 100_000)
    write(tmp_path / "in" / "hostile" / "result.json", text.replace("VTAB", "\\x0B"))
    cut = {"name": "Cut short", "type": "private_group", "id": 6, "messages": [
        {"id": 1, "type": "message", **when("2024-11-21T10:00:00"), "text": "Before the cut: Chernihiv."},
        {"id": 2, "type": "message", **when("2024-11-21T10:01:00"), "text": "After it."}]}  # fmt: skip
    raw = json.dumps(cut)
    write(tmp_path / "in" / "cut" / "result.json", raw[: raw.rindex("After")])
    write(tmp_path / "in" / "other" / "result.json", json.dumps({"name": "config", "version": 3}))
    write(tmp_path / "in" / "empty" / "result.json", json.dumps({**cut, "messages": []}))
    ix = str(tmp_path / "ix")
    r = invoke("ingest", str(tmp_path / "in"), "--index", ix, "--json")
    assert r.exit_code == 0 and "Traceback" not in r.stderr
    s = as_json(r)
    why = {
        Path(k["path"]).parent.name + Path(k["path"]).name[11:]: k["reason"] for k in s["skipped"]
    }
    assert why.keys() == {"hostile:2", "hostile:3", "hostile:4", "cut:2", "other:1", "empty"}
    assert why["hostile:2"].startswith("message 2 in 'Hostile': 4,000,001 characters of text")
    assert why["hostile:3"].startswith("the file's message #3 in 'Hostile': JSON nested too deep")
    assert why["hostile:4"].startswith("message 4 in 'Hostile': no text that reads")
    assert why["cut:2"].startswith("not JSON from the file's message #2 on")
    assert why["other:1"].startswith("no text")  # not Telegram: read as any JSON object
    assert why["empty"] == "a Telegram export that holds no message"
    assert s["articles_added"] == 5 and s["messages_skipped"] == {"other": 1}
    assert any("message 1 in 'Hostile': 4 parts of its text not text" in w for w in s["warnings"])
    assert _show(ix, "Ромны")["body"] == "Часть первая, часть вторая про Ромны."
    assert "\x0b" in _show(ix, "Konotop")["body"]
    assert _show(ix, "Sumy")["date"] is None  # its date_unixtime and date do not read


def test_a_large_export_streams_a_message_at_a_time(tmp_path: Path) -> None:
    """Past STREAM_FROM an export is read a piece at a time; every message is seen."""
    photo = "photos/" + "p" * 2_000 + ".jpg"  # media-only messages make the file large
    messages: list[dict[str, Any]] = []
    for i in range(1, 2_401):
        if i % 40 == 0:
            text = f"Сообщение номер {i} о ремонте дороги у села {i * 7}."
            messages.append(
                {"id": i, "type": "message", **when("2024-11-21T09:00:00"), "text": text}
            )
        else:
            messages.append({"id": i, "type": "message", **when("2024-11-21T09:00:00"),
                             "photo": photo, "text": ""})  # fmt: skip
    everything = {"about": "All.", "chats": {"about": "Chats.", "list": [
        {"name": "Large", "type": "public_channel", "id": 1, "messages": messages}]}}  # fmt: skip
    path = write(tmp_path / "in" / "result.json", json.dumps(everything, ensure_ascii=False))
    assert path.stat().st_size >= STREAM_FROM
    s = as_json(invoke("ingest", str(path), "--index", str(tmp_path / "ix"), "--json"))
    assert s["skipped"] == [] and s["articles_added"] == 60
    assert s["messages_skipped"] == {"photo": 2_340}
    assert s["articles_added"] + s["messages_skipped"]["photo"] == len(messages)


def test_the_walk_reads_any_cut_of_the_file() -> None:
    """The same articles whatever pieces the file comes in (escapes cut in two too)."""
    text = json.dumps({**CHANNEL, "messages": CHANNEL["messages"][:4]}, ensure_ascii=False)
    text = text.replace("Утром", "\\x0BУтром")
    whole = [(a.title, a.date, a.time) for a in export_articles(_reads(text, 1 << 20), [])]
    for size in (1, 2, 3, 7):
        got = [(a.title, a.date, a.time) for a in export_articles(_reads(text, size), [])]
        assert got == whole
    assert len(whole) == 2  # without the escape made JSON's, the file reads as none
    src = r'"a\\x0B \x41 \\\x42"'  # a backslash and x0B; Desktop's \x41; a backslash and \x42
    for size in (1, 2, 3, 100):
        read, got = escaped(_reads(src, size)), []
        while piece := read(4):
            got.append(piece)
        assert json.loads("".join(got)) == "a\\x0B A \\B"


def _reads(text: str, size: int) -> Any:
    at = 0

    def read(n: int) -> str:
        nonlocal at
        piece = text[at : at + min(n, size)]
        at += len(piece)
        return piece

    return read


def test_what_is_an_export_is_told_by_its_keys() -> None:
    assert is_export(json.dumps(CHANNEL)[:300])
    assert is_export('{"about": "x", "personal_information": {"a": {"b": 1}}, "contacts"')
    assert not is_export('{"about": "Kyiv", "text": "an article"}')
    assert not is_export('{"messages": ["no chat"]}')
    assert not is_export('[{"name": "a", "messages": []}]')


def test_the_count_of_messages_travels_with_a_files_problems() -> None:
    tally = Tally({"photo": 2, "service": 1})
    assert pickle.loads(pickle.dumps(tally)).kinds == {"photo": 2, "service": 1}
    assert tally == "messages that are not articles: 2 photo, 1 service"
    s = IngestSummary()
    s.skipped += [Skipped("a.json:3", tally), Skipped("a.json:4", "not JSON")]
    s.skipped.append(Skipped("b.json:1", Tally({"photo": 1})))
    assert [k.path for k in s.skipped] == ["a.json:4"]
    assert s.messages_skipped == {"photo": 3, "service": 1}


def test_titles_show_no_telegram_markdown() -> None:
    assert derive_title("**Срочно:** взрывы в __Нежине__") == "Срочно: взрывы в Нежине"
    assert derive_title("Начали [отмечать](https://t.me/x/1) день") == "Начали отмечать день"
    assert derive_title("~~old~~ and ||hidden|| words") == "old and hidden words"
    assert derive_title("snake__case__name and 2 ** 3") == "snake__case__name and 2 ** 3"


# -- stories of short posts ---------------------------------------------------------------
SIGNED = "\n\n❤ [Subscribe](https://t.me/night_desk) | [Send us news](https://t.me/night_bot)"


def test_a_channels_signature_and_links_do_not_make_posts_alike() -> None:
    a, b = "Clouds over Kharkiv this evening." + SIGNED, "Rain over Kharkiv this evening." + SIGNED
    assert substance(a).split() == ["Clouds", "over", "Kharkiv", "this", "evening."]
    assert similarity(shingles(a), shingles(b)) == 0.0  # only the signature was shared
    copy = "Clouds over Kharkiv this evening.\n\n🔴 [Subscribe to Kharkiv Today](https://t.me/kh)"
    assert similarity(shingles(a), shingles(copy)) == 1.0  # the same post, signed otherwise
    said = "Officials confirmed the strike on the depot near the river port. @night_desk"
    assert substance(said).split()[-1] == "port."  # a line that says something stays
    linked = "Ferries [resumed](https://example.org/f) at Vylkove on Monday."
    assert substance(linked).split() == ["Ferries", "resumed", "at", "Vylkove", "on", "Monday."]
    assert substance("No link here.") == "No link here."


def test_a_short_post_joins_a_story_of_its_own_day_only(tmp_path: Path) -> None:
    """The same few words on another day are another event (an air alert, explosions),
    where a long text on another day is a copy."""
    alert = "Air alert over the whole of Ukraine, the air force said."
    long = " ".join(
        f"Paragraph {n} of the long report on the repairs of the dam." for n in range(5)
    )
    posts = [{"message_id": 1, "channel": "night_desk", "text": alert, "date": "2024-11-21T09:00:00"},
             {"message_id": 2, "channel": "night_desk", "text": long, "date": "2024-11-21T10:00:00"}]  # fmt: skip
    write(tmp_path / "in" / "posts.json", json.dumps(posts))
    ix = tmp_path / "ix"
    assert invoke("ingest", str(tmp_path / "in"), "--index", str(ix), "--quiet").exit_code == 0
    archive = open_archive(ix)
    leaders = {a.body: a.id for a in archive.store.articles(
        [r[0] for r in archive.store.conn.execute("SELECT id FROM articles")]).values()}  # fmt: skip
    day = datetime(2024, 11, 21).date()
    with archive.store.batch():
        stories = Stories(archive.store)
        same_day = stories.story_of("0" * 16, alert, day=day)
        days_later = stories.story_of("1" * 16, alert, day=day.replace(day=24))
        undated = stories.story_of("2" * 16, alert)
        long_later = stories.story_of("3" * 16, long, day=day.replace(day=30))
        archive.store.rollback()
    assert same_day == leaders[alert] == undated
    assert days_later == "1" * 16  # a story of its own
    assert long_later == leaders[long]
    archive.close()
