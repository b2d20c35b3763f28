"""The one rule per value of io/parse.py: known answers, and the reader's column
forms agreeing with the importers' cell-by-cell forms on random text."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from partnernet.io.parse import (
    MAX_AMOUNT,
    OPEN_END,
    confusable_groups,
    date_column,
    is_bad_id,
    money_problem,
    normalise_org_id,
    number_column,
    parse_boolean,
    parse_date,
    parse_money,
    parse_months,
    parse_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000", Decimal("5000")),
        ("£1,234.50", Decimal("1234.50")),
        ("- £50", Decimal("-50")),
        ("£-50", Decimal("-50")),
        ("1e3", Decimal("1000")),
        (".5", Decimal("0.5")),
        ("1,23", None),
        ("1 500", None),
        ("1_000", None),
        ("1,000e3", None),
        ("five", None),
        ("inf", None),
        ("1e999", None),
        ("+.9E 90", None),
        ("NaN", None),
        ("", None),
    ],
)
def test_money(text: str, expected: Decimal | None) -> None:
    assert parse_money(text) == expected


def test_money_from_json_numbers() -> None:
    assert parse_money(Decimal("1500.50")) == Decimal("1500.50")
    assert parse_money(12) == Decimal(12)
    assert parse_money(True) is None and parse_money(None) is None


def test_the_money_column_agrees_with_the_cell_rule() -> None:
    rng = random.Random(10)
    alphabet = ["1", "2", "0", "9", ",", ".", "£", "-", "+", " ", "e", "E"]
    texts = {
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))).strip() for _ in range(4000)
    }
    texts.discard("")
    cells = pd.Series(sorted(texts), dtype="object")
    column = number_column(cells, money=True)
    for text, value in zip(cells, column, strict=True):
        money = parse_money(text)
        if money is None:
            # Left in place above the bound, for the reader to name as too large.
            assert np.isnan(value) or abs(value) > MAX_AMOUNT, text
        else:
            assert float(money) == value, text


@pytest.mark.parametrize(
    ("text", "date_format", "expected"),
    [
        ("2024-03-31", None, date(2024, 3, 31)),
        ("2024-02-30", None, None),
        ("2024-3-31", None, None),
        ("31/03/2024", None, None),
        ("31/03/2024", "%d/%m/%Y", date(2024, 3, 31)),
        ("2024-03-31", "%d/%m/%Y", date(2024, 3, 31)),
        ("2023-05-01T09:30:00Z", None, None),
    ],
)
def test_dates(text: str, date_format: str | None, expected: date | None) -> None:
    assert parse_date(text, date_format=date_format) == expected


def test_date_times_only_where_asked() -> None:
    assert parse_date("2023-05-01T09:30:00Z", date_times=True) == date(2023, 5, 1)
    assert parse_date("2023-05-01 09:30", date_times=True) == date(2023, 5, 1)
    assert parse_date("2023-05-01T25:00", date_times=True) is None


@pytest.mark.parametrize("date_format", [None, "%d/%m/%Y"])
def test_the_date_column_agrees_with_the_cell_rule(date_format: str | None) -> None:
    rng = random.Random(11)
    texts = set()
    for _ in range(1500):
        y, m, d = rng.randint(1990, 2030), rng.randint(0, 13), rng.randint(0, 32)
        texts.add(f"{y}-{m:02d}-{d:02d}")
        texts.add(f"{d:02d}/{m:02d}/{y}")
        texts.add(f"{y}-{m}-{d}")
    cells = pd.Series(sorted(texts), dtype="object")
    column = date_column(cells, date_format=date_format)
    for text, value in zip(cells, column, strict=True):
        expected = parse_date(text, date_format=date_format)
        got = None if pd.isna(value) else value.date()
        assert got == expected, text


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("0", 0), ("12.0", 12), ("18.5", None), ("-3", None), ("1e1", None),
     (36, 36), (Decimal("12.0"), 12), (Decimal("6.5"), None), (True, None)],
)  # fmt: skip
def test_months(value: object, expected: int | None) -> None:
    assert parse_months(value) == expected


def test_booleans() -> None:
    assert [parse_boolean(v) for v in ("TRUE", "no", "1", "maybe")] == [True, False, True, None]


def test_ids() -> None:
    assert not is_bad_id("GB-CHC-1146179")
    for bad in ("GB-CHC-1\x01", "GB\x7f", "A\u200bB", " A", "A ", "A\nB", "A\u00a0B"):
        assert is_bad_id(bad), repr(bad)


@pytest.mark.parametrize(
    ("value", "numbers", "expected"),
    [
        ("GB-CHC-1146179", {}, ("GB-CHC-1146179", ())),
        ("GB-CHC-\u00a0295701", {}, ("GB-CHC-295701", ("invisible character removed",))),
        (
            "GB-COH-7597525",
            {},
            ("GB-COH-07597525", ("company number zero-padded to eight characters",)),
        ),
        (
            "GB-COH-SC12345",
            {},
            ("GB-COH-SC012345", ("company number zero-padded to eight characters",)),
        ),
        ("GB-COH-RS007220", {}, ("GB-COH-RS007220", ())),
        (
            "GB-NIC-NIC101036",
            {},
            ("GB-NIC-101036", ("registry prefix repeated in the number removed",)),
        ),
        ("GB-CHC-GB-CHC-1", {}, ("GB-CHC-1", ("registry prefix repeated in the number removed",))),
        ("GB-SC-012345", {}, ("GB-SC-SC012345", ("Scottish charity number written with its SC",))),
        ("GB-SC-SC012345", {}, ("GB-SC-SC012345", ())),
        (
            "GB-COH-",
            {"charity_number": "276892"},
            ("GB-CHC-276892", ("bare prefix completed from the charity number",)),
        ),
        (
            "GB-COH-",
            {"charity_number": "SC012345", "company_number": "123"},
            (
                "GB-COH-00000123",
                (
                    "bare prefix completed from the company number",
                    "company number zero-padded to eight characters",
                ),
            ),
        ),
        (
            "GB-CHC-",
            {"charity_number": "SC012345"},
            ("GB-SC-SC012345", ("bare prefix completed from the charity number",)),
        ),
        (
            "360G-esmeefairbairn-org:food-climate-research-network-",
            {},
            ("360G-esmeefairbairn-org:food-climate-research-network-", ()),
        ),
        ("360G-epsilon", {}, ("360G-epsilon", ())),
        ("E08000009", {}, ("E08000009", ())),
        ("", {}, (None, ())),
        ("\u200b", {}, (None, ("invisible character removed",))),
    ],
)
def test_normalise_org_id_makes_ids_whole(value, numbers, expected):
    made = normalise_org_id(value, **numbers)
    assert (made.id, made.fixes) == expected
    assert made.problem is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("DUMMY", "placeholder identifier: 'DUMMY' names no real organisation"),
        ("DUMMY01", "placeholder identifier: 'DUMMY01' names no real organisation"),
        ("360G-x-Dummy36", "placeholder identifier: '360G-x-Dummy36' names no real organisation"),
        ("GB-CHC-0000000", "placeholder identifier: 'GB-CHC-0000000' names no real organisation"),
        (
            "360G-aville-NULL",
            "placeholder identifier: '360G-aville-NULL' names no real organisation",
        ),
        (
            "GB-COH-",
            "placeholder identifier: 'GB-COH-' is a prefix with no number, and the record "
            "gives no charity or company number to complete it",
        ),
        (
            "360G-aville-",
            "placeholder identifier: '360G-aville-' is a prefix with no number, and the "
            "record gives no charity or company number to complete it",
        ),
        (
            "LSOA",
            "not an identifier: 'LSOA' has no registry prefix and no number (a word or a "
            "place name: are the columns shifted?)",
        ),
        (
            "Blackbird Leys",
            "not an identifier: 'Blackbird Leys' has no registry prefix and no number (a "
            "word or a place name: are the columns shifted?)",
        ),
        ("http://a.org/1", "not an identifier: 'http://a.org/1' is a web address"),
        ("www.a.org", "not an identifier: 'www.a.org' is a web address"),
        ("see the notes 1", "not an identifier: 'see the notes 1' is a sentence"),
        ("GB-COH-unknown", "placeholder identifier: 'GB-COH-unknown' names no real organisation"),
        ("GB-COH-ABC", "not an identifier: 'GB-COH-ABC' has no number after GB-COH-"),
    ],
)
def test_normalise_org_id_refuses_what_is_no_identifier(value, problem):
    assert normalise_org_id(value) == (None, (), problem)


# -- bounds (issue 18) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "problem"),
    [
        ("1e1000000", None, "more than the largest amount partnernet reads (£10,000,000,000,000)"),
        (
            Decimal("1e1000000"),
            None,
            "more than the largest amount partnernet reads (£10,000,000,000,000)",
        ),
        ("1e400", None, "more than the largest amount partnernet reads (£10,000,000,000,000)"),
        ("1e308", None, "more than the largest amount partnernet reads (£10,000,000,000,000)"),
        pytest.param(
            10**4301,
            None,
            "more than the largest amount partnernet reads (£10,000,000,000,000)",
            id="int-of-4302-digits",
        ),
        ("7" * 4301, None, "not a number"),
        ("\u09ea00", None, "not a number"),
        ("\uff15\uff10\uff10", None, "not a number"),
        ("10000000000000", Decimal("10000000000000"), None),
        (
            "£10,000,000,000,001",
            None,
            "more than the largest amount partnernet reads (£10,000,000,000,000)",
        ),
    ],
)
def test_money_is_bounded_and_ascii(
    value: object, expected: Decimal | None, problem: str | None
) -> None:
    assert parse_money(value) == expected
    if problem is not None:
        assert money_problem(value) == problem


def test_the_number_column_reads_no_other_scripts_digits() -> None:
    cells = pd.Series(["\u09ea00", "\u0664\u0660", "400", "1e400"], dtype="object")
    values = number_column(cells, money=True).tolist()
    assert np.isnan(values[0]) and np.isnan(values[1])
    assert values[2] == 400.0 and values[3] == float("inf")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9223372036854775808", None),
        (9223372036854775808, None),
        (Decimal("1e1000000"), None),
        (float("inf"), None),
        ("\u09ea", None),
        ("9999", 9999),
        ("10000", None),
    ],
)
def test_months_are_bounded(value: object, expected: int | None) -> None:
    assert parse_months(value) == expected


def test_dates_read_no_other_scripts_digits() -> None:
    assert parse_date("\u09e8\u09e6\u09e8\u09ea-01-01") is None
    assert parse_date("\u09e9\u09e7/03/2024", date_format="%d/%m/%Y") is None
    cells = pd.Series(["\u09e8\u09e6\u09e8\u09ea-01-01", "2024-01-01"], dtype="object")
    assert date_column(cells, date_format=None).isna().tolist() == [True, False]
    assert parse_date("9999-12-31") == OPEN_END


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Friends \u202e61\u202c Trust ", ("Friends 61 Trust", None)),
        ("\u2067Alif\u2069 \u200fBaa", ("Alif Baa", None)),
        ("Cafe\u0301", ("Caf\u00e9", None)),
        (
            "A\ud800",
            (None, "holds a character that is not valid Unicode (a lone surrogate, U+D800)"),
        ),
        ("n" * 10_001, (None, "holds 10,001 characters; at most 10,000 are read")),
        ("n" * 10_000, ("n" * 10_000, None)),
        ("   ", (None, None)),
    ],
)
def test_the_text_rule(value: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_text(value) == expected


def test_ids_are_composed_bounded_and_look_alikes_grouped() -> None:
    assert normalise_org_id("360G-cafe\u0301").id == "360G-caf\u00e9"
    assert normalise_org_id("360G-cafe\u0301").fixes == ("accents composed (Unicode NFC)",)
    assert normalise_org_id("GB-CHC-" + "1" * 300).problem == (
        f"not an identifier: 'GB-CHC-{'1' * 73}...' is 307 characters long; an identifier "
        "has at most 256"
    )
    assert normalise_org_id("GB-CHC-1\ud800").id is None
    assert confusable_groups(["GB-CHC-1", "GB-\u0421HC-1", "GB-CHC-\uff11", "GB-CHC-2", None]) == [
        ["GB-CHC-1", "GB-CHC-\uff11", "GB-\u0421HC-1"]
    ]
    # Composed and decomposed are one id once composed; ASCII ids never look alike.
    assert confusable_groups(["caf\u00e9", "GB-CHC-1", "gb-chc-1"]) == []
