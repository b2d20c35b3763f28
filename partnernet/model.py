"""The one in-memory model of a place: the Dataset and the vocabularies.

A Dataset holds one pandas DataFrame per table of DESIGN section 2. Every frame has
exactly the columns listed in ``COLUMNS`` for its table, in that order, with these
dtypes (pandas 3 names):

- identifiers and text: ``str`` (missing values are NaN; test with ``pd.isna``);
- ``income``, ``amount``, ``weight``: ``float64``;
- ``duration_months``: ``Int64``;
- ``directed``, ``restricted``: ``boolean`` (nullable for ``restricted``);
- dates (``award_date``, ``start``, ``end``): ``datetime64[ns]`` (missing is NaT);
- ``tags``: ``str``, the tags lower-cased, de-duplicated and joined with ``;`` in
  their first-seen order (use :func:`split_tags` to get a tuple).

Vocabulary columns (``type``, ``size_band``, ``role``, ``kind``) are stored
lower-case. ``affiliations.person_id`` already holds a keyed pseudonym, never a
name. Everything here is plain data: no file paths, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

__all__ = [
    "COLUMNS",
    "DECISION_MAKER_TYPES",
    "FUNDING_KINDS",
    "OPTIONAL_COLUMNS",
    "ORG_TYPES",
    "PARTNERSHIP_KINDS",
    "POUNDS",
    "PUBLIC_BODY_TYPES",
    "REQUIRED_COLUMNS",
    "ROLES",
    "SEAT_ROLES",
    "SECTORS",
    "SIZE_BANDS",
    "SIZE_BAND_LOWER_BOUNDS",
    "TABLES",
    "Dataset",
    "column_rows",
    "empty_frame",
    "frame_records",
    "in_pounds",
    "is_pounds",
    "sector_of",
    "size_band_for_income",
    "split_tags",
]

ORG_TYPES: tuple[str, ...] = (
    "vcse",
    "infrastructure",
    "local_authority",
    "department",
    "nhs",
    "central_government",
    "funder",
    "business",
    "education",
    "other",
)
PUBLIC_BODY_TYPES: frozenset[str] = frozenset(
    {"local_authority", "department", "nhs", "central_government"}
)
# Decision makers are public bodies and boards (DESIGN section 4); boards are not
# organisations, so only the organisation types are listed here.
DECISION_MAKER_TYPES = PUBLIC_BODY_TYPES

# Ordered smallest first; the sector's own income bands (NCVO Almanac).
SIZE_BANDS: tuple[str, ...] = ("micro", "small", "medium", "large", "major", "super_major")
SIZE_BAND_LOWER_BOUNDS: dict[str, float] = {
    "micro": 0.0,
    "small": 10_000.0,
    "medium": 100_000.0,
    "large": 1_000_000.0,
    "major": 10_000_000.0,
    "super_major": 100_000_000.0,
}
ROLES: tuple[str, ...] = ("chair", "co_chair", "member", "observer", "secretariat")
# Roles that hold a seat, i.e. a say in the board's decisions; observers and
# secretariats attend without one.
SEAT_ROLES: tuple[str, ...] = ("chair", "co_chair", "member")
FUNDING_KINDS: tuple[str, ...] = ("grant", "contract", "outcomes_based", "other")
PARTNERSHIP_KINDS: tuple[str, ...] = (
    "collaboration",
    "referral",
    "joint_delivery",
    "consultation",
    "agreement",
)
# The groups of the Gould-Fernandez brokerage analysis (DESIGN section 5).
SECTORS: tuple[str, ...] = ("vcse", "infrastructure", "public", "funder", "private")
_SECTOR_BY_TYPE = {
    "vcse": "vcse",
    "infrastructure": "infrastructure",
    "local_authority": "public",
    "department": "public",
    "nhs": "public",
    "central_government": "public",
    "education": "public",
    "funder": "funder",
    "business": "private",
    "other": "vcse",
}

TABLES: tuple[str, ...] = (
    "organisations",
    "boards",
    "memberships",
    "funding",
    "partnerships",
    "affiliations",
)
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": ("id", "name", "type"),
    "boards": ("id", "name"),
    "memberships": ("board_id", "org_id"),
    "funding": ("id", "funder_id", "recipient_id", "amount", "award_date"),
    "partnerships": ("source_id", "target_id"),
    "affiliations": ("person_id", "org_id"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": ("parent_id", "size_band", "income", "locality", "tags"),
    "boards": ("convener_id", "level", "theme"),
    "memberships": ("role", "start", "end"),
    "funding": ("currency", "duration_months", "kind", "restricted", "programme"),
    "partnerships": ("kind", "directed", "weight", "start", "end"),
    "affiliations": ("role", "start", "end"),
}
COLUMNS: dict[str, tuple[str, ...]] = {t: REQUIRED_COLUMNS[t] + OPTIONAL_COLUMNS[t] for t in TABLES}

_DTYPES: dict[str, str] = {
    "income": "float64",
    "amount": "float64",
    "weight": "float64",
    "duration_months": "Int64",
    "directed": "boolean",
    "restricted": "boolean",
    "award_date": "datetime64[ns]",
    "start": "datetime64[ns]",
    "end": "datetime64[ns]",
}


def column_dtype(column: str) -> str:
    """The dtype every Dataset frame uses for ``column`` (``str`` unless listed)."""
    return _DTYPES.get(column, "str")


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the columns and dtypes of ``table``.

    Examples
    --------
    >>> list(empty_frame("boards").columns)
    ['id', 'name', 'convener_id', 'level', 'theme']
    """
    return pd.DataFrame({c: pd.Series([], dtype=column_dtype(c)) for c in COLUMNS[table]})


# The currency every total, share and concentration figure is in. Awards in other
# currencies are counted and stated beside those figures, never added to them:
# partnernet converts nothing (issue 11).
POUNDS = "GBP"


def column_rows(frame: pd.DataFrame, *columns: str) -> Iterator[tuple[Any, ...]]:
    """The values of ``columns``, row by row: the values ``itertuples`` gives.

    Each column becomes one array of Python objects first, where ``itertuples``
    boxes each text cell through the column's array type (a million calls to
    build a region's graphs). Missing values stay as the column holds them; a
    value of a nullable integer or boolean column comes as Python's ``int`` or
    ``bool`` where ``itertuples`` gives numpy's (equal, and equally hashed).

    Examples
    --------
    >>> frame = pd.DataFrame({"a": ["x", None], "b": [1.5, 2.0]}, dtype=object)
    >>> list(column_rows(frame, "b", "a"))
    [(1.5, 'x'), (2.0, None)]
    """
    return zip(*(frame[column].to_numpy(dtype=object) for column in columns), strict=True)


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict(orient="records")``, built a column at a time, for frames of
    text and numpy columns with distinct names (as the metrics table is).

    The same dicts of Python values (text, floats, ints, bools, NaN where the
    column holds it), in the frame's column order; ``to_dict`` boxes each cell on
    its own (a quarter of a region's map). A nullable (``boolean``, ``Int64``)
    column's missing value comes as ``pd.NA``, where ``to_dict`` gives None.

    Examples
    --------
    >>> frame_records(pd.DataFrame({"id": ["a"], "n": [2]}))
    [{'id': 'a', 'n': 2}]
    """
    columns = list(frame.columns)
    return [dict(zip(columns, row, strict=True)) for row in column_rows(frame, *columns)]


def is_pounds(funding: pd.DataFrame) -> pd.Series:
    """Which funding rows are in pounds: currency ``GBP`` or no currency given.

    Examples
    --------
    >>> frame = pd.DataFrame({"currency": ["GBP", None, "USD", "gbp"]})
    >>> is_pounds(frame).tolist()
    [True, True, False, True]
    """
    if "currency" not in funding:
        return pd.Series(True, index=funding.index, dtype=bool)
    currency = funding["currency"]
    upper = currency.where(currency.isna(), currency.astype("str").str.strip().str.upper())
    return (upper.isna() | (upper == POUNDS) | (upper == "")).astype(bool)


def in_pounds(funding: pd.DataFrame) -> pd.DataFrame:
    """The funding rows in pounds (see :func:`is_pounds`), the ones money is added from."""
    return funding[is_pounds(funding)]


def size_band_for_income(income: float) -> str:
    """The size band of an annual income in pounds.

    Bands are half-open: £10,000 exactly is ``small``, £9,999.99 is ``micro``.

    Examples
    --------
    >>> size_band_for_income(9_999.99), size_band_for_income(10_000)
    ('micro', 'small')
    """
    band = SIZE_BANDS[0]
    for name in SIZE_BANDS:
        if income >= SIZE_BAND_LOWER_BOUNDS[name]:
            band = name
    return band


def sector_of(org_type: str) -> str:
    """The brokerage sector of an organisation type.

    ``other`` counts as ``vcse`` and ``education`` as ``public``: the five sectors of
    DESIGN section 5 must cover every type.

    Examples
    --------
    >>> sector_of("department"), sector_of("business")
    ('public', 'private')
    """
    return _SECTOR_BY_TYPE[org_type]


def split_tags(tags: object) -> tuple[str, ...]:
    """The tags of an organisation as a tuple (empty when missing).

    Examples
    --------
    >>> split_tags("youth;ethnic-minority-led"), split_tags(float("nan"))
    (('youth', 'ethnic-minority-led'), ())
    """
    if not isinstance(tags, str) or not tags:
        return ()
    return tuple(t for t in tags.split(";") if t)


@dataclass(frozen=True)
class Dataset:
    """A place's partnership data: one DataFrame per table (see the module doc).

    Build one with :func:`partnernet.read_dataset` or :meth:`Dataset.from_frames`;
    frames are never modified in place by the library.
    """

    organisations: pd.DataFrame
    boards: pd.DataFrame
    memberships: pd.DataFrame
    funding: pd.DataFrame
    partnerships: pd.DataFrame
    affiliations: pd.DataFrame

    @classmethod
    def from_frames(cls, **frames: pd.DataFrame) -> Dataset:
        """A Dataset from any subset of tables; missing tables are empty.

        Each frame is conformed to the table's columns (missing optional columns
        added as empty) and dtypes, so callers may pass loosely typed frames.
        """
        unknown = set(frames) - set(TABLES)
        if unknown:
            raise ValueError(f"unknown tables: {sorted(unknown)}")
        return cls(**{t: conform(t, frames.get(t)) for t in TABLES})

    def tables(self) -> dict[str, pd.DataFrame]:
        """The frames by table name, in the order of ``TABLES``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def equals(self, other: Dataset) -> bool:
        """True when every table holds the same rows (order of rows ignored)."""
        for table in TABLES:
            a = _sorted_rows(getattr(self, table))
            b = _sorted_rows(getattr(other, table))
            if not a.equals(b):
                return False
        return True


def conform(table: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with exactly the columns and dtypes of ``table``."""
    if frame is None:
        return empty_frame(table)
    out = pd.DataFrame(index=range(len(frame)))
    for column in COLUMNS[table]:
        values = (
            frame[column].reset_index(drop=True)
            if column in frame.columns
            else pd.Series([None] * len(frame), dtype="object")
        )
        dtype = column_dtype(column)
        if dtype == "datetime64[ns]":
            out[column] = pd.to_datetime(values).astype("datetime64[ns]")
        elif dtype == "str":
            out[column] = values.astype("object").where(values.notna(), None).astype("str")
        else:
            out[column] = values.astype(dtype)
    if table == "partnerships":
        out["directed"] = out["directed"].fillna(False)
        out["weight"] = out["weight"].fillna(1.0)
    if table == "memberships":
        out["role"] = out["role"].fillna("member")
    return out


def _sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    keys = list(frame.columns)
    return frame.sort_values(keys, na_position="last", kind="stable").reset_index(drop=True)
