"""Dates as they are written: numeric dates day first (ingest --dayfirst, or a file's
own dates deciding, or its separator with one warning), month names in other languages,
ISO weeks and MM.YYYY in --since/--until, and the time of day kept beside the date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictcli.articles import Article, content_id
from conflictcli.dates import HOLD_CHARS, order_of, read_when, settle, time_of
from conflictcli.errors import QueryError
from conflictcli.query import read_days
from conflictcli.readers import Sidecars, read
from conflictcli.readers.text import parse_article

from conftest import Run, as_json, write

T = dt.time


@pytest.mark.parametrize(
    "text, day, time",
    [
        ("2024-11-21T14:35:00", dt.date(2024, 11, 21), T(14, 35)),
        ("2024-11-21 14:35", dt.date(2024, 11, 21), T(14, 35)),
        ("2024-11-21T14:35:07.250+02:00", dt.date(2024, 11, 21), T(14, 35, 7)),
        ("2024-11-21T00:00:00", dt.date(2024, 11, 21), None),  # an export's "no time"
        ("21.11.2024", dt.date(2024, 11, 21), None),
        ("21.11.2024 14:35", dt.date(2024, 11, 21), T(14, 35)),
        ("05.11.2024", dt.date(2024, 5, 11), None),  # month first until its file decides
        ("11/21/2024", dt.date(2024, 11, 21), None),
        ("21 ноября 2024", dt.date(2024, 11, 21), None),
        ("21 листопада 2024", dt.date(2024, 11, 21), None),
        ("3 березня 2023 р.", dt.date(2023, 3, 3), None),
        ("3 mars 2024", dt.date(2024, 3, 3), None),
        ("21. März 2024, 14:35", dt.date(2024, 3, 21), T(14, 35)),
        ("21 листопада 2024 року, 09:15", dt.date(2024, 11, 21), T(9, 15)),
        ("21 בנובמבר 2024", dt.date(2024, 11, 21), None),
        ("21 نوفمبر 2024", dt.date(2024, 11, 21), None),
        ("٢١ نوفمبر ٢٠٢٤", dt.date(2024, 11, 21), None),
        ("Nov 21, 2024 2:35 pm", dt.date(2024, 11, 21), T(14, 35)),
    ],
)
def test_a_date_and_its_time_are_read(text: str, day: dt.date, time: dt.time | None) -> None:
    when = read_when(text)
    assert when is not None and (when.day, when.time) == (day, time)


@pytest.mark.parametrize("text", ["ноября 2024", "21 ноября", "вчера", "сегодня в 14:35", "x"])
def test_a_date_without_a_day_month_and_year_is_none(text: str) -> None:
    assert read_when(text) is None


def test_day_first_when_asked() -> None:
    assert read_when("05.11.2024", dayfirst=True) == (dt.date(2024, 11, 5), None)
    assert read_when("11/21/2024", dayfirst=True) == (dt.date(2024, 11, 21), None)


@pytest.mark.parametrize(
    "written, order",
    [
        ("21.11.2024", "day"),
        ("11/21/2024", "month"),
        ("05.11.2024", "either"),
        ("05-11-24", "either"),
        ("05.05.2024", None),
        ("2024-11-05", None),
        ("21 ноября 2024", None),
    ],
)
def test_the_order_a_numeric_date_reads_in(written: str, order: str | None) -> None:
    assert order_of(written) == order


@pytest.mark.parametrize(
    "written, time, warned",
    [
        ("14:35", T(14, 35), False),
        ("2:35 PM", T(14, 35), False),
        ("00:00", None, False),
        ("2024-11-21T09:05:00", T(9, 5), False),
        ("25:61", None, True),
        ("noon", None, True),
    ],
)
def test_a_time_column(written: str, time: dt.time | None, warned: bool) -> None:
    got, warning = time_of(written)
    assert got == time and (warning is not None) == warned


# -- one order for a file -------------------------------------------------------------
def _articles(*dates: str) -> list[Article]:
    """Articles read from rows, as the readers make them (month first, marked)."""
    out = []
    for n, written in enumerate(dates):
        when = read_when(written)
        assert when is not None
        body = f"Row {n}: the water tower in the village was repaired."
        out.append(
            Article(content_id(when.day, body), when.day, f"t{n}", body, numeric_date=written)
        )
    return out


def test_a_day_above_12_decides_the_whole_file() -> None:
    got = list(settle(_articles("05.11.2024", "03.12.2024", "21.11.2024"), dayfirst=False))
    assert [a.date for a in got] == [
        dt.date(2024, 11, 5),
        dt.date(2024, 12, 3),
        dt.date(2024, 11, 21),
    ]
    assert all(a.warnings == [] for a in got)
    assert all(a.id == content_id(a.date, a.body) for a in got)  # the id of the final date


def test_a_month_above_12_decides_month_first() -> None:
    got = list(settle(_articles("05/11/2024", "11/21/2024"), dayfirst=False))
    assert [a.date for a in got] == [dt.date(2024, 5, 11), dt.date(2024, 11, 21)]
    assert all(a.warnings == [] for a in got)


def test_dotted_dates_that_tell_nothing_are_day_first_with_one_warning() -> None:
    got = list(settle(_articles("05.11.2024", "03.12.2024", "07.04.2024"), dayfirst=False))
    assert [a.date for a in got] == [
        dt.date(2024, 11, 5),
        dt.date(2024, 12, 3),
        dt.date(2024, 4, 7),
    ]
    warnings = [w for a in got for w in a.warnings]
    assert len(warnings) == 1 and "05.11.2024" in warnings[0] and "day first" in warnings[0]


def test_slashed_dates_that_tell_nothing_are_month_first_with_one_warning() -> None:
    got = list(settle(_articles("05/11/2024", "03/12/2024"), dayfirst=False))
    assert [a.date for a in got] == [dt.date(2024, 5, 11), dt.date(2024, 3, 12)]
    warnings = [w for a in got for w in a.warnings]
    assert len(warnings) == 1 and "month first" in warnings[0] and "--dayfirst" in warnings[0]


def test_dayfirst_reads_every_date_day_first_without_a_warning() -> None:
    got = list(settle(_articles("05/11/2024", "03.12.2024"), dayfirst=True))
    assert [a.date for a in got] == [dt.date(2024, 11, 5), dt.date(2024, 12, 3)]
    assert all(a.warnings == [] for a in got)


def test_a_date_against_the_file_is_warned_of_once() -> None:
    got = list(settle(_articles("21.11.2024", "11/21/2024", "11/22/2024"), dayfirst=False))
    assert [a.date for a in got] == [
        dt.date(2024, 11, 21),
        dt.date(2024, 11, 21),
        dt.date(2024, 11, 22),
    ]
    warnings = [w for a in got for w in a.warnings]
    assert len(warnings) == 1 and warnings[0].startswith("11/21/2024 reads only month first")


def test_articles_keep_their_order_and_a_stream_holds_only_so_many() -> None:
    plain = Article("0" * 16, dt.date(2024, 1, 2), "t", "An undated-free row.")
    rows = [plain, *_articles("05.11.2024", "03.12.2024"), *_articles("21.11.2024")]
    got = list(settle(iter(rows), dayfirst=False, hold=1))  # decided by the first held
    assert [a.title for a in got] == ["t", "t0", "t1", "t0"]
    assert got[1].date == dt.date(2024, 11, 5)  # dots: day first, by their separator
    assert sum(len(a.warnings) for a in got) == 1
    assert HOLD_CHARS > 0


def test_a_stream_that_breaks_gives_what_it_held_first() -> None:
    def broken() -> object:
        yield from _articles("05.11.2024")
        raise ValueError("cut short")

    got: list[Article] = []
    with pytest.raises(ValueError):
        for a in settle(broken(), dayfirst=False):  # type: ignore[arg-type]
            got.append(a)
    assert [a.date for a in got] == [dt.date(2024, 11, 5)]


DAYS = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))


def _csv(days: list[dt.date], fmt: str) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["date", "title", "text"])
    for n, d in enumerate(days):
        w.writerow(
            [d.strftime(fmt), f"Report {n}", f"Volunteers in village number {n} fixed a roof."]
        )
    return out.getvalue().encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(DAYS, min_size=1, max_size=12))
def test_a_dotted_file_round_trips_with_and_without_dayfirst(days: list[dt.date]) -> None:
    data = _csv(days, "%d.%m.%Y")
    for dayfirst in (False, True):
        got = read(Path("x.csv"), data, Sidecars(dayfirst=dayfirst), [])
        assert [a.date for a in got] == days
        assert all(a.id == content_id(a.date, a.body) for a in got)
        warned = [w for a in got for w in a.warnings]
        tells = any(d.day > 12 and d.day != d.month for d in days)
        either = any(d.day <= 12 and d.day != d.month for d in days)
        assert len(warned) == (1 if either and not tells and not dayfirst else 0)


@settings(max_examples=100, deadline=None)
@given(st.lists(DAYS, min_size=1, max_size=12))
def test_a_slashed_us_file_round_trips_without_dayfirst(days: list[dt.date]) -> None:
    got = read(Path("x.csv"), _csv(days, "%m/%d/%Y"), Sidecars(), [])
    assert [a.date for a in got] == days


# -- the archive's own files ---------------------------------------------------------
def test_a_date_line_day_first() -> None:
    a = parse_article("date 05.11.2024 14:35\nВолонтёры в Изюме разминировали школьный двор.")
    assert (a.date, a.time, a.numeric_date) == (dt.date(2024, 5, 11), T(14, 35), "05.11.2024")
    assert a.body.startswith("Волонтёры")  # the time is not in the text
    b = parse_article("date 21 листопада 2024 У Херсоні відновили роботу водоканалу.")
    assert b.date == dt.date(2024, 11, 21) and b.body.startswith("У Херсоні")
    c = parse_article("date 2024-03-27 12 drones hit Belgorod.")
    assert c.time is None and c.body.startswith("12 drones")


def test_ingest_dayfirst_and_month_names(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "a.txt", "date 05.11.2024\nСаперы в Лимане расчистили школьный двор от мин.\n")
    write(folder / "b.txt", "Date: 03.12.2024\nВолонтери у Лимані відремонтували дах лікарні.\n")
    write(folder / "c.txt", "date 21 ноября 2024\nIn Kharkiv the power came back to the schools.\n")
    ix = str(tmp_path / "ix")
    s = as_json(run("ingest", str(folder), "--index", ix, "--json", "--dayfirst"))
    assert not [w for w in s["warnings"] if "either way" in w]
    got = as_json(run("search", "*", "--json", "-n", "0", "--sort", "oldest", "--index", ix))
    assert [r["date"] for r in got["results"]] == ["2024-11-05", "2024-11-21", "2024-12-03"]


def test_an_ambiguous_csv_is_read_day_first_with_one_warning_naming_it(
    run: Run, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "amb.csv",
        "date,title,text\n05.11.2024,A,Engineers rebuilt the pumping station.\n"
        "03.12.2024,B,The market in the village reopened.\n",
    )
    ix = str(tmp_path / "ix")
    r = run("ingest", str(path), "--index", ix, "--json")
    said = [w for w in as_json(r)["warnings"] if "amb.csv" in w]
    assert len(said) == 1 and "day first" in said[0], said
    dates = {
        x["title"]: x["date"]
        for x in as_json(run("search", "*", "--json", "-n", "0", "--index", ix))["results"]
    }
    assert dates == {"A": "2024-11-05", "B": "2024-12-03"}


# -- --since and --until ----------------------------------------------------------------
@pytest.mark.parametrize(
    "text, first, last",
    [
        ("2024-W47", dt.date(2024, 11, 18), dt.date(2024, 11, 24)),
        ("2024w01", dt.date(2024, 1, 1), dt.date(2024, 1, 7)),
        ("2020-W53", dt.date(2020, 12, 28), dt.date(2021, 1, 3)),
        ("2024-W47-3", dt.date(2024, 11, 20), dt.date(2024, 11, 20)),
        ("11.2024", dt.date(2024, 11, 1), dt.date(2024, 11, 30)),
        ("2/2024", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ],
)
def test_weeks_and_months_in_date_filters(text: str, first: dt.date, last: dt.date) -> None:
    assert read_days(text, "--since") == (first, last, None)


@pytest.mark.parametrize("text", ["2024-W54", "2023-W53", "13.2024", "00.2024"])
def test_a_week_or_month_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(QueryError) as e:
        read_days(text, "--since")
    assert text in e.value.message


@given(DAYS)
def test_the_iso_week_of_a_day_holds_it(day: dt.date) -> None:
    year, week, weekday = day.isocalendar()
    first, last, _ = read_days(f"{year}-W{week:02d}", "--until")
    assert first <= day <= last and (last - first).days == 6 and first.weekday() == 0
    assert read_days(f"{year}-W{week:02d}-{weekday}", "--until")[:2] == (day, day)
    month = read_days(f"{day.month:02d}.{day.year}", "--since")
    assert month[0] == day.replace(day=1) and month[0] <= day <= month[1]


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.dates(dt.date(2024, 10, 1), dt.date(2024, 12, 31)), min_size=1, max_size=8))
def test_a_count_by_week_or_month_is_the_length_of_the_full_list(
    run: Run, tmp_path_factory: pytest.TempPathFactory, days: list[dt.date]
) -> None:
    folder = tmp_path_factory.mktemp("in")
    (folder / "d.csv").write_bytes(_csv(days, "%d.%m.%Y"))
    ix = str(tmp_path_factory.mktemp("ix") / "archive")
    assert run("ingest", str(folder), "--index", ix, "--quiet").exit_code == 0
    for day in days[:2]:
        year, week, _ = day.isocalendar()
        for period in (f"{year}-W{week:02d}", f"{day.month:02d}.{day.year}"):
            f = ["--since", period, "--until", period, "--index", ix]
            n = as_json(run("count", "*", *f, "--json"))["count"]
            listed = as_json(run("search", "*", *f, "--json", "-n", "0"))["results"]
            first, last, _ = read_days(period, "--since")
            assert n == len(listed) == sum(first <= d <= last for d in days)


# -- the time of day --------------------------------------------------------------------
def test_the_time_of_day_is_kept_and_shown(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    rows = [
        {
            "title": "Night alert",
            "text": "An air alert sounded over the city until dawn.",
            "date": "2024-11-21T14:35:00",
        },
        {
            "title": "Day only",
            "text": "The bridge over the river was reopened to traffic.",
            "date": "2024-11-21",
        },
    ]
    write(folder / "t.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    write(
        folder / "c.csv",
        "date,time,text\n21.11.2024,09:05,Грузовики с помощью прибыли в село утром.\n",
    )
    ix = str(tmp_path / "ix")
    assert run("ingest", str(folder), "--index", ix, "--quiet").exit_code == 0
    got = {
        r["title"][:11]: r["id"]
        for r in as_json(run("search", "*", "--json", "-n", "0", "--index", ix))["results"]
    }
    shown = {k: as_json(run("show", v, "--json", "--index", ix)) for k, v in got.items()}
    assert shown["Night alert"]["datetime"] == "2024-11-21T14:35:00"
    assert shown["Night alert"]["date"] == "2024-11-21"
    assert shown["Day only"]["datetime"] is None
    assert shown["Грузовики с"]["datetime"] == "2024-11-21T09:05:00"
    plain = run("show", got["Night alert"], "--index", ix).stdout
    assert "2024-11-21 14:35" in plain


def test_an_archive_from_before_times_is_read_and_upgraded(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "a.txt", "date 2024-11-20\nThe ferry crossing resumed after a week.\n")
    ix = tmp_path / "ix"
    assert run("ingest", str(folder), "--index", str(ix), "--quiet").exit_code == 0
    db = sqlite3.connect(ix / "catalogue.sqlite")  # the articles as schema 3 made them
    columns = "id, date, title, title_derived, source, url, body, words, added_at, author, cluster"
    db.executescript(
        "CREATE TABLE v3 (id TEXT PRIMARY KEY, date TEXT, title TEXT NOT NULL,"
        " title_derived INTEGER NOT NULL, source TEXT, url TEXT, body TEXT NOT NULL,"
        " words INTEGER NOT NULL, added_at TEXT NOT NULL, author TEXT, cluster TEXT);"
        f"INSERT INTO v3 SELECT {columns} FROM articles; DROP TABLE articles;"
        "ALTER TABLE v3 RENAME TO articles;"
        "UPDATE meta SET value = '3' WHERE key = 'schema_version';"
    )
    db.close()
    old = as_json(run("search", "ferry", "--json", "--index", str(ix)))["results"]
    assert as_json(run("show", old[0]["id"], "--json", "--index", str(ix)))["datetime"] is None
    assert as_json(run("check", "--json", "--index", str(ix)))["ok"]
    write(
        folder / "b.jsonl",
        json.dumps({"text": "Sirens sounded twice in the evening.", "date": "2024-11-21 19:10"})
        + "\n",
    )
    assert run("ingest", str(folder), "--index", str(ix), "--quiet").exit_code == 0
    new = as_json(run("search", "sirens", "--json", "--index", str(ix)))["results"]
    assert (
        as_json(run("show", new[0]["id"], "--json", "--index", str(ix)))["datetime"]
        == "2024-11-21T19:10:00"
    )
    db = sqlite3.connect(ix / "catalogue.sqlite")
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)


def test_a_damaged_time_is_named_and_mended(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    row = {"text": "The night train to the capital left on time.", "date": "2024-11-21 22:40"}
    write(folder / "t.jsonl", json.dumps(row) + "\n")
    ix = tmp_path / "ix"
    assert run("ingest", str(folder), "--index", str(ix), "--quiet").exit_code == 0
    db = sqlite3.connect(ix / "catalogue.sqlite")
    db.execute("UPDATE articles SET time = '99:99'")
    db.commit()
    db.close()
    report = as_json(run("check", "--json", "--index", str(ix)))
    reasons = [r for p in report["problems"] for r in p.get("reasons", [])]
    assert not report["ok"] and any("its time is '99:99'" in r for r in reasons), report
    assert as_json(run("check", "--repair", "--json", "--index", str(ix)))["repaired"]
    got = as_json(run("search", "train", "--json", "--index", str(ix)))["results"]
    assert as_json(run("show", got[0]["id"], "--json", "--index", str(ix)))["datetime"] is None
    assert as_json(run("check", "--json", "--index", str(ix)))["ok"]


def test_a_file_that_streams_settles_its_dates_too(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli import readers

    monkeypatch.setattr(readers, "STREAM_FROM", 1)  # every CSV streams
    monkeypatch.setenv("CONFLICT_WORKERS", "0")
    days = [dt.date(2024, 11, n) for n in range(1, 12)] + [dt.date(2024, 11, 21)]
    (tmp_path / "s.csv").write_bytes(_csv(days, "%d.%m.%Y"))
    us = _csv(days[:3], "%m/%d/%Y").replace(b"Volunteers in village", b"Crews at station")
    (tmp_path / "u.csv").write_bytes(us)
    ix = str(tmp_path / "ix")
    s = as_json(
        run("ingest", str(tmp_path / "s.csv"), str(tmp_path / "u.csv"), "--index", ix, "--json")
    )
    assert [w for w in s["warnings"] if "either way" in w and "s.csv" in w] == []
    assert len([w for w in s["warnings"] if "either way" in w and "u.csv" in w]) == 1
    listed = as_json(run("search", "*", "--json", "-n", "0", "--index", ix))["results"]
    assert sorted(r["date"] for r in listed) == sorted(d.isoformat() for d in days + days[:3])


def test_a_dotted_date_in_a_filter_is_day_first_as_in_files() -> None:
    first, last, note = read_days("05.03.2024", "--since")
    assert first == last == dt.date(2024, 3, 5)
    assert note == (
        "--since 05.03.2024 read as 2024-03-05, 5 March (day first, as a date written with "
        "dots or dashes is); for 3 May write 2024-05-03."
    )
    assert read_days("05/03/2024", "--since")[0] == dt.date(2024, 5, 3)  # slashes: month first
    assert read_days("05/03/2024", "--since", dayfirst=True)[0] == dt.date(2024, 3, 5)
