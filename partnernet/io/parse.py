"""One rule per value: how partnernet reads money, dates, booleans, durations and
identifiers, for the dataset reader and every importer alike.

A value a person writes in a dataset file and the same value in a 360Giving file or
a register extract are read by the same function here, so an importer can never
keep a value the reader would then reject (or reject one it would keep). The
reader works on whole columns and uses the vectorised forms (:func:`number_column`,
:func:`date_column`, :func:`bad_id_mask`); the importers stream rows and use the
scalar ones. Each vectorised form is a fast path of the scalar rule, and the tests
check that they agree.

The rules (DESIGN section 2):

- Money and incomes: pounds with an optional ``£``, an optional sign and optional
  thousands separators (``5000``, ``£1,234.50``, ``-£50``); an exponent only
  without separators (``1e3``).
- Dates: ``YYYY-MM-DD``; another format only when one is given (``--date-format``),
  and ``YYYY-MM-DD`` still read then.
- Booleans: ``true``/``false``, ``yes``/``no``, ``1``/``0`` in any case.
- Durations: a whole number of months, ``12`` or ``12.0``.
- Identifiers: kept exactly as written, so an invisible character or a space at
  either end would make two ids that look the same fail to match; such ids are
  refused with a message that makes the character visible.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

__all__ = [
    "BAD_ID",
    "BOOLEANS",
    "BOOLEAN_WORDS",
    "INVISIBLE_NAMES",
    "ISO_DATE",
    "UNDECODED",
    "bad_id_mask",
    "date_column",
    "describe_bad_id",
    "id_hint",
    "is_bad_id",
    "number_column",
    "parse_boolean",
    "parse_date",
    "parse_money",
    "parse_months",
    "quote",
]

# -- identifiers -------------------------------------------------------------------

# Characters that cannot be seen, or look like a plain space, named for the message.
INVISIBLE_NAMES = {
    "\u00a0": "a non-breaking space",
    "\u00ad": "a soft hyphen",
    "\u180e": "a Mongolian vowel separator",
    "\u200b": "a zero-width space",
    "\u200c": "a zero-width non-joiner",
    "\u200d": "a zero-width joiner",
    "\u200e": "a left-to-right mark",
    "\u200f": "a right-to-left mark",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
    "\u202f": "a narrow non-breaking space",
    "\u2060": "a word joiner",
    "\ufeff": "a zero-width no-break space (byte-order mark)",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
}
# Every whitespace character but the plain space and the line break (which is
# handled on its own below), control characters, and the invisible format ones.
_HIDDEN = (
    "\x00-\x09\x0b-\x1f\x7f-\xa0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f"
    "\u205f-\u2064\u3000\ufeff"
)
BAD_ID = re.compile(f"[\n{_HIDDEN}]|^ | $")
# A character class alone scans a whole column in one fast pass (see bad_id_mask).
_HIDDEN_CHARS = re.compile(f"[{_HIDDEN}]")
# A byte that did not decode, kept in place by the 'surrogateescape' error handler
# so that it can be reported at its own row instead of at a byte offset.
UNDECODED = re.compile("[\udc80-\udcff]")


def is_bad_id(value: str) -> bool:
    """Whether an identifier holds an invisible character or a space at either end.

    Examples
    --------
    >>> is_bad_id("GB-CHC-1146179"), is_bad_id("GB-CHC-11\\u200b46179"), is_bad_id(" A")
    (False, True, True)
    >>> is_bad_id("GB-CHC-\\x01")
    True
    """
    return BAD_ID.search(value) is not None


def bad_id_mask(values: pd.Series) -> np.ndarray:
    """Which ids of a column fail :func:`is_bad_id` (missing values never do).

    Clean columns are cleared by one regex scan of the whole column joined by line
    breaks; only a column with a hit is looked at cell by cell.

    Examples
    --------
    >>> bad_id_mask(pd.Series(["A", "B\\u00a0", None], dtype="object")).tolist()
    [False, True, False]
    """
    present = values.dropna().tolist()
    joined = "\n".join(present)
    clean = (
        joined.count("\n") == max(len(present) - 1, 0)
        and not joined.startswith(" ")
        and not joined.endswith(" ")
        and " \n" not in joined
        and "\n " not in joined
        and _HIDDEN_CHARS.search(joined) is None
    )
    if clean:
        return np.zeros(len(values), dtype=bool)
    return np.fromiter(
        (isinstance(v, str) and BAD_ID.search(v) is not None for v in values),
        dtype=bool,
        count=len(values),
    )


def describe_bad_id(value: str) -> str:
    """What is wrong with an identifier, in words: ``'contains a tab (U+0009)'``.

    Examples
    --------
    >>> describe_bad_id(" GB-CHC-1\\u200b")
    'starts with a space and contains a zero-width space (U+200B)'
    """
    parts: list[str] = []
    if value.startswith(" "):
        parts.append("starts with a space")
    if value.endswith(" "):
        parts.append("ends with a space")
    names: list[str] = []
    for ch in value:
        if ch == " ":
            continue
        if ch in INVISIBLE_NAMES:
            label = f"{INVISIBLE_NAMES[ch]} (U+{ord(ch):04X})"
        elif ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            label = f"an invisible character (U+{ord(ch):04X})"
        else:
            continue
        if label not in names:
            names.append(label)
    if names:
        parts.append(f"contains {_and(names)}")
    return _and(parts)


def id_hint(value: str, _: int = 0) -> str:
    """How to fix an identifier that fails :func:`is_bad_id`.

    The unused second argument lets the reader pass it as a per-row hint.

    Examples
    --------
    >>> id_hint("GB-CHC-1 ").startswith("Remove the space")
    True
    """
    if BAD_ID.search(value.strip(" ")) is None:
        return (
            "Remove the space: ids must match exactly (in a CSV file, a space after a comma "
            "belongs to the next value)."
        )
    return (
        "Retype the id without it: ids must match exactly, and invisible characters make "
        "ids that look the same differ."
    )


def quote(value: str, limit: int = 80) -> str:
    """A cell as shown in a message: quoted, invisible characters made visible.

    Examples
    --------
    >>> quote("GB-CHC-1\\u200b")
    "'GB-CHC-1<U+200B>'"
    """
    shown = "".join(
        f"<U+{ord(ch):04X}>"
        if ch in INVISIBLE_NAMES or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")
        else ch
        for ch in value[: limit + 1]
    )
    if len(value) > limit:
        shown = shown[:limit] + "..."
    return f"'{shown}'"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# -- money and other numbers -------------------------------------------------------

_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
_MONEY = r"(?:[-+]\s*)?£?\s*" + _NUMBER
_NUMBER_RE = re.compile(_NUMBER)
_MONEY_RE = re.compile(_MONEY)
_NUMBER_NOISE = re.compile(r"[£,\s]")


def parse_money(value: object) -> Decimal | None:
    """An amount or income in pounds, exactly, or ``None`` when it is not one.

    Text follows the money rule of the module documentation. A number already
    parsed (from JSON) is taken as it is; ``True`` and ``False`` are not amounts.
    Whether the amount may be zero or negative is the caller's rule.

    Examples
    --------
    >>> parse_money("£1,234.50"), parse_money(" -£50 "), parse_money(2500)
    (Decimal('1234.50'), Decimal('-50'), Decimal('2500'))
    >>> parse_money("1,23"), parse_money("abc"), parse_money("NaN")
    (None, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    else:
        text = str(value).strip()
        if _MONEY_RE.fullmatch(text) is None:
            return None
        try:
            amount = Decimal(_NUMBER_NOISE.sub("", text))
        except InvalidOperation:
            return None
    # An amount too large for a float would be infinite in the dataset.
    return amount if amount.is_finite() and math.isfinite(float(amount)) else None


def _parse_float(text: str) -> float:
    try:
        value = float(_NUMBER_NOISE.sub("", text))
    except ValueError:
        return np.nan
    return value if np.isfinite(value) else np.nan


def number_column(values: pd.Series, *, money: bool) -> pd.Series:
    """A column of text as float64: NaN where a cell is missing or not a number.

    ``money=True`` reads each cell as :func:`parse_money` does; ``money=False``
    accepts plain numbers only (no ``£``, no space after a sign).

    Examples
    --------
    >>> cells = pd.Series(["£1,500", "2.5", "five", None], dtype="object")
    >>> number_column(cells, money=True).tolist()
    [1500.0, 2.5, nan, nan]
    """
    if not values.notna().any():
        return pd.Series(np.nan, index=values.index, dtype="float64")
    # Each distinct text once, checked against the pattern (pandas alone would also
    # take '1e 5'); plain numbers convert in C, and only the rest (pounds signs,
    # thousands separators) one by one.
    codes, uniques = pd.factorize(values)
    pattern = _MONEY_RE if money else _NUMBER_RE
    fits = np.fromiter(
        (pattern.fullmatch(text) is not None for text in uniques), dtype=bool, count=len(uniques)
    )
    as_text = pd.Series(uniques, dtype="object")
    parsed = pd.to_numeric(as_text, errors="coerce").astype("float64").to_numpy(copy=True)
    parsed[~fits] = np.nan
    for i in np.flatnonzero(fits & ~np.isfinite(parsed)).tolist():
        parsed[i] = _parse_float(str(as_text.iat[i]))
    return pd.Series(np.append(parsed, np.nan)[codes], index=values.index)


_MONTHS_RE = re.compile(r"\d+(?:\.0*)?")


def parse_months(value: object) -> int | None:
    """A duration as a whole number of months (0 or more), or ``None``.

    Spreadsheets and JSON write whole numbers as ``12.0``; that is 12 months.

    Examples
    --------
    >>> parse_months("12"), parse_months("12.0"), parse_months(36), parse_months("18.5")
    (12, 12, 36, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, Decimal | float):
        # A number parsed from JSON: whole and not negative, written any way.
        with contextlib.suppress(ValueError, ArithmeticError):
            if value >= 0 and value == int(value):
                return int(value)
        return None
    text = str(value).strip()
    if _MONTHS_RE.fullmatch(text) is None:
        return None
    return int(text.split(".")[0])


# -- booleans ----------------------------------------------------------------------

BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
BOOLEAN_WORDS = "true, false, yes, no, 1, 0"


def parse_boolean(text: str) -> bool | None:
    """``True`` or ``False`` for one of :data:`BOOLEAN_WORDS` in any case, else ``None``.

    Examples
    --------
    >>> parse_boolean("Yes"), parse_boolean("0"), parse_boolean("maybe")
    (True, False, None)
    """
    return BOOLEANS.get(text.strip().lower())


# -- dates -------------------------------------------------------------------------

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(
    text: str, *, date_format: str | None = None, date_times: bool = False
) -> date | None:
    """A date by the module's rule, or ``None``.

    Parameters
    ----------
    text : str
        The cell, stripped.
    date_format : str, optional
        A ``strptime`` format tried first; ``YYYY-MM-DD`` is read whatever it is.
    date_times : bool
        Also read an ISO 8601 date-time (``2023-05-01T09:30:00Z``) as its date, as
        360Giving files write award dates.

    Examples
    --------
    >>> parse_date("2024-03-31"), parse_date("31/03/2024", date_format="%d/%m/%Y")
    (datetime.date(2024, 3, 31), datetime.date(2024, 3, 31))
    >>> parse_date("2024-02-30"), parse_date("2024-3-31"), parse_date("31/03/2024")
    (None, None, None)
    >>> parse_date("2023-05-01T09:30:00Z", date_times=True)
    datetime.date(2023, 5, 1)
    """
    if date_format:
        with contextlib.suppress(ValueError):
            return datetime.strptime(text, date_format).date()
    # YYYY-MM-DD is the contract's own form and cannot be mistaken for another, so a
    # date that does not fit the given format but is strictly ISO is taken as ISO: a
    # dataset partnernet wrote (an import, say) still reads with the --date-format
    # its other files need.
    with contextlib.suppress(ValueError):
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        if date_times and len(text) > 10 and text[10] in "T " and ISO_DATE.fullmatch(text[:10]):
            return datetime.fromisoformat(text).date()
    return None


def date_column(values: pd.Series, *, date_format: str | None) -> pd.Series:
    """A column of text as datetime64[ns]: NaT where missing or not a date.

    The rule of :func:`parse_date` (without date-times), for a whole column; dates
    outside what pandas can hold (1678 to 2261) are NaT too.

    Examples
    --------
    >>> cells = pd.Series(["2024-03-31", "31/03/2024", None], dtype="object")
    >>> date_column(cells, date_format=None).isna().tolist()
    [False, True, True]
    """
    if not values.notna().any():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    # Dates repeat a lot: parse each distinct text once.
    codes, uniques = pd.factorize(values)
    texts = pd.Series(uniques, dtype="object")
    if date_format is None:
        # pandas would also take 2024-1-5; the rule says YYYY-MM-DD.
        iso = [ISO_DATE.fullmatch(v) is not None for v in texts]
        texts = texts.where(np.array(iso, dtype=bool))
    dates = pd.to_datetime(texts, format=date_format or "%Y-%m-%d", errors="coerce")
    if date_format is not None:
        unparsed = dates.isna() & texts.map(
            lambda v: isinstance(v, str) and ISO_DATE.fullmatch(v) is not None
        )
        iso_dates = pd.to_datetime(texts.where(unparsed), format="%Y-%m-%d", errors="coerce")
        dates = dates.where(~unparsed, iso_dates)
    dates = dates.where((dates >= pd.Timestamp.min) & (dates <= pd.Timestamp.max))
    table = np.append(dates.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    return pd.Series(table[codes], index=values.index)
