"""How one file's text becomes an Article: header, body, noise, title, id."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictcli.articles import content_id
from conflictcli.dates import read_date
from conflictcli.readers.body import derive_title
from conflictcli.readers.text import parse_article

D = dt.date(2024, 3, 27)


@pytest.mark.parametrize(
    "text, date, body_start",
    [
        (" date 2024-03-27 Drones hit Belgorod.", D, "Drones hit"),
        ("date 2024-03-27 Drones hit Belgorod.", D, "Drones hit"),
        ("   Date: 2024-03-27 Drones hit Belgorod.", D, "Drones hit"),
        ("DATE 27 March 2024 Drones hit Belgorod.", D, "Drones hit"),
        (" date March 27, 2024 Drones hit Belgorod.", D, "Drones hit"),
        (" date 27 Mar 2024 In Belgorod, drones hit.", D, "In Belgorod"),
        (" date 2024-03-27T06:30:00Z Drones hit Belgorod.", D, "Drones hit"),
        (" date 2024-03-27 12 drones hit Belgorod.", D, "12 drones"),
        (" date 2024-03-27\nDrones hit Belgorod.", D, "Drones hit"),
        ("\ufeff date 2024-03-27 Drones hit Belgorod.", D, "Drones hit"),
    ],
)
def test_header_variants(text: str, date: dt.date, body_start: str) -> None:
    a = parse_article(text)
    assert a.date == date
    assert a.body.startswith(body_start)
    assert a.warnings == []


@pytest.mark.parametrize(
    "text, warning, body_start",
    [
        ("Drones hit Belgorod overnight.", "no date line", "Drones hit"),
        (" date 2024-13-45 Drones hit Belgorod.", "unreadable date '2024-13-45'", "Drones hit"),
        (" date Drones hit Belgorod.", "date line without a date", "Drones hit"),
    ],
)
def test_unreadable_or_missing_date_is_unknown_with_warning(
    text: str, warning: str, body_start: str
) -> None:
    a = parse_article(text)
    assert a.date is None
    assert a.body.startswith(body_start)
    assert len(a.warnings) == 1 and a.warnings[0].startswith(warning)


def test_noise_lines_are_dropped_and_paragraphs_kept() -> None:
    text = (
        " date 2024-03-27 First paragraph here.\n\nAdvertisment\n\nSecond paragraph.\n"
        "Read more\nStill second.\n\n\n\nADVERTISEMENT\n\nSubheading\n\nThird.\n"
    )
    a = parse_article(text)
    assert a.paragraphs == [
        "First paragraph here.",
        "Second paragraph.\nStill second.",
        "Subheading",
        "Third.",
    ]


def test_noise_words_inside_sentences_stay() -> None:
    a = parse_article(" date 2024-03-27 Read more about the advertisement ban in Kyiv.")
    assert a.body == "Read more about the advertisement ban in Kyiv."


def test_title_is_first_sentence_shortened() -> None:
    assert derive_title("Drones struck Belgorod. Officials said more.") == "Drones struck Belgorod"
    assert derive_title("The U.S. sent aid to Kyiv on Monday. Then more.") == (
        "The U.S. sent aid to Kyiv on Monday"
    )
    long = "word " * 60
    title = derive_title(long)
    assert title.endswith("…") and len(title) <= 91


def test_title_from_metadata_wins() -> None:
    a = parse_article(" date 2024-03-27 Body text.", title="Given title", source="BBC")
    assert (a.title, a.source, a.title_derived) == ("Given title", "BBC", False)


def test_id_depends_on_text_not_whitespace() -> None:
    a = parse_article(" date 2024-03-27 Body  text.\n\nTwo.")
    b = parse_article("Date: 2024-03-27 Body text.\r\n\r\nTwo.\r\n")
    c = parse_article(" date 2024-03-28 Body text.\n\nTwo.")
    assert a.id == b.id != c.id
    assert a.id == content_id(D, "Body text. Two.")
    assert len(a.id) == 16


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
        st.dates().map(dt.date.isoformat),
    )
)
def test_an_iso_day_reads_as_dateutil_reads_it(text: str) -> None:
    """read_date's fast path for YYYY-MM-DD gives what dateutil gives (2024-02-30,
    0000-01-01 and month 13 are no date to either)."""
    from dateutil import parser as dateparser

    try:
        when = dateparser.parse(text, default=dt.datetime(1900, 1, 1)).date()
        expected = None if when.year == 1900 and "1900" not in text else when
    except (ValueError, OverflowError):
        expected = None
    assert read_date(text) == expected
