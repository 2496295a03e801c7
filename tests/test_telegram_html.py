"""Telegram Desktop's HTML export (its default: messages.html, messages2.html, ... beside
css/, js/ and images/) ingests as its JSON export does: one article per message with
text, the chat's name as source, the time in UTC, forwarded_from and reply_to in meta,
and service and media-only messages counted by kind. The markup follows tdesktop's
export_output_html.cpp; texts written for the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conflictcli.readers.telegram_html import _utc, is_export

from conftest import Run, as_json, invoke, write

CHANNEL = "Вести Сиверщины"
PAGE = """<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>
  <link href="css/style.css" rel="stylesheet"/>
  <script src="js/script.js" type="text/javascript"></script>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="page_header">
    <div class="content">
     <div class="text bold">
{name}
     </div>
    </div>
   </div>
   <div class="page_body chat_page">
    <div class="history">
{messages}
    </div>
   </div>
  </div>
 </body>
</html>
"""


def day(n: int, text: str) -> str:
    """The header of a day the page inserts (a service div of a negative id)."""
    return f"""<div class="message service" id="message-{n}">
 <div class="body details">
{text}
 </div>
</div>"""


def service(mid: int, text: str) -> str:
    return f"""<div class="message service" id="message{mid}">
 <div class="body details">
{text}
 </div>
</div>"""


def message(mid: int, title: str, inner: str, sender: str | None = CHANNEL) -> str:
    """A message; without a sender, one joined to the previous (no userpic, no name)."""
    wrap = sender is not None
    name = f'<div class="from_name">\n{sender}\n </div>' if wrap else ""
    pic = '<div class="pull_left userpic_wrap"><div class="userpic">B</div></div>' if wrap else ""
    joined = "" if wrap else " joined"
    return f"""<div class="message default clearfix{joined}" id="message{mid}">
 {pic}
 <div class="body">
  <div class="pull_right date details" title="{title}">
{title[11:16]}
  </div>
  {name}
  {inner}
 </div>
</div>"""


def text(body: str) -> str:
    return f'<div class="text">\n{body}\n  </div>'


PAGE_1 = [
    day(1, "21 November 2024"),
    service(1, "Channel «Вести Сиверщины» created"),
    message(
        2,
        "21.11.2024 11:10:00 UTC+02:00",
        text(
            'Утром в <strong>Конотопе</strong> объявили тревогу.<br>Подробнее: <a href="https://example.org/k">на сайте</a> '
            '<a href="" onclick="return ShowHashtag(&quot;сводка&quot;)">#сводка</a>'
        ),
    ),
    message(3, "21.11.2024 11:12:30 UTC+02:00", text("Тревога в Конотопе длилась час."), None),
    message(
        4,
        "21.11.2024 18:20:00 UTC+02:00",
        '<div class="pull_left forwarded userpic_wrap"><div class="userpic">Г</div></div>'
        '<div class="forwarded body"><div class="from_name">\nГлуховский вестник'
        '<span class="date details" title="20.11.2024 09:00:00 UTC+02:00" inline="">'
        " 20.11.2024 09:00:00</span></div>"
        + text("Из Глухова: на трассе восстановили движение после ремонта моста.")
        + "</div>",
    ),
]
PAGE_2 = [
    day(2, "22 November 2024"),
    message(
        5,
        "22.11.2024 10:30:00 UTC+02:00",
        '<div class="reply_to details">\nIn reply to <a href="messages.html#go_to_message3">'
        "this message</a>\n</div>" + text("В Бахмаче южные кварталы с водой."),
    ),
    message(
        6,
        "22.11.2024 11:00:00 UTC+02:00",
        '<div class="media_wrap clearfix"><a class="photo_wrap clearfix pull_left" '
        'href="photos/photo_6.jpg"><img class="photo" src="photos/photo_6_thumb.jpg"/></a></div>',
    ),
    service(7, "Вести Сиверщины pinned «В Бахмаче»"),
    message(
        8,
        "22.11.2024 12:00:00 UTC+02:00",
        '<div class="media_wrap clearfix"><a class="photo_wrap clearfix pull_left" '
        'href="photos/photo_8.jpg"><img class="photo" src="x.jpg"/></a></div>'
        + text("Фото: мост под Кролевцом после ремонта.")
        + '<div class="signature details">\nДежурный редактор\n</div>',
    ),
]
# message id -> its time in UTC, its meta (the 5 of the 8 messages that have text)
TEXTS = {
    "2": ("2024-11-21T09:10:00", {"message_id": "2"}),
    "3": ("2024-11-21T09:12:30", {"message_id": "3"}),
    "4": (
        "2024-11-21T16:20:00",
        {"forwarded_from": "Глуховский вестник", "message_id": "4"},
    ),
    "5": ("2024-11-22T08:30:00", {"reply_to": "3", "message_id": "5"}),
    "8": ("2024-11-22T10:00:00", {"message_id": "8", "media": "photo"}),
}
SKIPPED = {"service": 2, "photo": 1}


def page(messages: list[str], name: str = CHANNEL) -> str:
    return PAGE.format(name=name, messages="\n".join(messages))


def _export(folder: Path) -> Path:
    """A channel's export as Telegram Desktop writes it by default: two pages of
    messages, and what it keeps beside them (never read)."""
    write(folder / "messages.html", page(PAGE_1))
    write(folder / "messages2.html", page(PAGE_2))
    write(folder / "css" / "style.css", ".page_wrap { color: black; }")
    write(folder / "js" / "script.js", "function CheckLocation() { return true; }")
    return folder


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("telegram_html")
    ix = str(root / "ix")
    r = invoke("ingest", str(_export(root / "ChatExport_2024-11-22")), "--index", ix, "--json")
    assert r.exit_code == 0, r.stderr
    return ix, json.loads(r.stdout)


def _all(ix: str) -> list[dict[str, Any]]:
    r = invoke("search", "*", "--index", ix, "--jsonl", "-n", "0")
    return [json.loads(line) for line in r.stdout.splitlines()]


def _show(ix: str, id_: str) -> dict[str, Any]:
    return as_json(invoke("show", id_, "--index", ix, "--json"))  # type: ignore[no-any-return]


def test_every_text_message_is_an_article_with_its_chat_time_and_meta(exported: Any) -> None:
    ix, summary = exported
    got = _all(ix)
    assert len(got) == len(TEXTS) == summary["articles_added"]
    assert summary["skipped"] == [] and summary["warnings"] == []
    shown = [_show(ix, hit["id"]) for hit in got]
    by_id = {a["meta"]["message_id"]: a for a in shown}
    assert set(by_id) == set(TEXTS)
    for mid, (utc, meta) in TEXTS.items():
        a = by_id[mid]
        assert a["source"] == CHANNEL, mid
        assert a["datetime"] == utc and a["date"] == utc[:10], mid
        assert a["meta"] == meta, mid
    assert by_id["2"]["body"] == (
        "Утром в Конотопе объявили тревогу.\nПодробнее: на сайте #сводка"
    )  # the links' words, <br> a new line, no markup
    assert by_id["3"]["author"] == CHANNEL  # a joined message: the previous sender's
    assert by_id["8"]["author"] == "Дежурный редактор"  # the post's signature


def test_service_and_media_only_messages_are_counted_by_kind(exported: Any) -> None:
    _, summary = exported
    assert summary["messages_skipped"] == SKIPPED
    messages = sum(s.count('id="message') - s.count('id="message-') for s in PAGE_1 + PAGE_2)
    assert messages == 8  # the days' headers are no messages
    assert summary["articles_added"] + sum(summary["messages_skipped"].values()) == messages


def test_the_time_title_read_in_utc() -> None:
    assert _utc("21.11.2024 14:35:07 UTC+03:00") == "2024-11-21T11:35:07"
    assert _utc("01.01.2025 01:00:00 UTC+05:30") == "2024-12-31T19:30:00"
    assert _utc("21.11.2024 20:00:00 UTC-05:00") == "2024-11-22T01:00:00"
    assert _utc("21.11.2024 14:35:07 UTC") == "2024-11-21T14:35:07"
    assert _utc("21.11.2024 14:35:07") == "2024-11-21T14:35:07"  # no zone: as written


def test_an_ordinary_page_is_still_one_article(run: Run, tmp_path: Path) -> None:
    body = " ".join(["Над Херсоном ночью работала противовоздушная оборона."] * 6)
    html = (
        "<html><head><title>Ночь в Херсоне</title></head><body><article><h1>Ночь в Херсоне"
        f'</h1><p>{body}</p><div class="text">{body}</div></article></body></html>'
    )
    write(tmp_path / "in" / "messages.html", html)  # the name alone is not the export
    assert not is_export(html)
    r = run("ingest", str(tmp_path / "in"), "--index", str(tmp_path / "ix"), "--json")
    summary = as_json(r)
    assert summary["articles_added"] == 1 and not summary.get("messages_skipped")


def test_a_hostile_page_gives_no_traceback(run: Run, tmp_path: Path) -> None:
    huge = "slovo " * 850_000  # 5.1 MB of one message: more than an article holds
    nested = "<div><span>" * 3000 + "глубоко" + "</span></div>" * 3000
    messages = [
        message(
            1, "21.11.2024 11:10:00 UTC+02:00", text("<script>alert(1)</script>Текст до скрипта.")
        ),
        message(2, "21.11.2024 11:11:00 UTC+02:00", text(huge)),
        message(3, "31.02.2024 99:00:00 UTC+99:99", text(nested)),
        message(4, "not a date", f'<div class="text">{message(5, "x", text("вложенное"))}</div>'),
        '<div class="message default clearfix" id="message99999999999999999999">x</div>',
    ]
    bomb = '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    hostile = bomb + page(messages).replace("<!DOCTYPE html>", "")
    write(tmp_path / "in" / "messages.html", hostile)
    r = run("ingest", str(tmp_path / "in"), "--index", str(tmp_path / "ix"), "--json")
    assert r.exit_code == 0, r.stderr
    assert "Traceback" not in r.stderr
    summary = as_json(r)
    assert summary["articles_added"] >= 1
    bodies = " ".join(
        _show(str(tmp_path / "ix"), a["id"])["body"] for a in _all(str(tmp_path / "ix"))
    )
    assert "alert" not in bodies and "Текст до скрипта." in bodies
    reasons = [s["reason"] for s in summary["skipped"]]
    assert any("not indexed" in why for why in reasons)  # the huge one
    assert any("read no further" in why and "depth" in why for why in reasons)  # the nesting
