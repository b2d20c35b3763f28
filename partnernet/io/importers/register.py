"""Fill organisations' ``income`` and ``size_band`` from a charity register extract.

A register extract is a CSV (or tab-separated) file with a registered number and an
annual income per charity, such as the Charity Commission's public extract. Each
organisation in the dataset whose identifier carries a registered number is matched:

- ``GB-CHC-<n>`` (England and Wales), ``GB-SC-<n>`` (Scotland, numbers such as
  ``SC012345``) and ``GB-NIC-<n>`` (Northern Ireland) against the number column;
  a ``NIC`` or ``NI`` in front of a Northern Ireland number and leading zeros are
  ignored, since spreadsheets and registers write them differently;
- ``GB-COH-<n>`` against the company number column, when the extract has one
  (charitable companies are often published under their company number); leading
  zeros dropped by a spreadsheet are restored to the usual eight digits.

The register's income replaces the dataset's (a register is the record of a
charity's income; importing next year's extract updates it) and the size band is
derived from it with :func:`partnernet.model.size_band_for_income`. Cells reading
``NA``, ``N/A``, ``null`` or nothing are missing incomes and change nothing; an
income that is not a number, or a number that appears twice with two different
incomes, is listed with its row and left out, never guessed. When the extract has a
``linked_charity_number`` column only the main charity's rows (linked number 0 or
empty) are read, since linked charities share the main charity's number.

The extract also gives local recipients their charity id. A publisher's own
identifier (``360G-...``) says nothing about the organisation, but its name often
is a registered charity's: the dataset's ``360G-`` organisations are matched by
:func:`name_key` (case, punctuation, ``the``, ``ltd``/``limited`` and ``&``/``and``
ignored) against the register's name column, and each one whose name is that of
exactly one charity is *suggested* as an alias of ``GB-CHC-<number>`` (``GB-SC-`` for
a Scottish number) in ``suggested-aliases-register.csv`` beside the dataset's files
(columns ``alias,id,reason``, the aliases format :func:`read_aliases` reads). Nothing
is merged: a person checks the file and imports the grants again with ``--aliases``.
A name shared by two or more charities suggests nothing and is counted.

The file is read a row at a time and only rows for the dataset's own organisations
are kept, so a national register imports in bounded memory.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

import pandas as pd

from partnernet.errors import InputError
from partnernet.io.folders import REGISTER_SUGGESTIONS
from partnernet.io.merge import read_existing, write_validated
from partnernet.io.parse import normalise_org_id, parse_money
from partnernet.io.rows import (
    Progress,
    SkippedRow,
    data_rows,
    next_row,
    open_text,
    require_files,
)
from partnernet.io.writers import atomic_open, neutralise_cell
from partnernet.model import Dataset, size_band_for_income

__all__ = [
    "DEFAULT_COMPANY_COLUMN",
    "DEFAULT_INCOME_COLUMNS",
    "DEFAULT_NAME_COLUMN",
    "DEFAULT_NUMBER_COLUMN",
    "SUGGESTED_ALIASES_FILE",
    "AliasSuggestion",
    "RegisterSummary",
    "import_register",
    "name_key",
    "read_register",
    "register_key",
    "suggest_charity_ids",
    "with_incomes",
    "write_suggestions",
]

DEFAULT_NUMBER_COLUMN = "registered_charity_number"
# 'latest_income' is the Charity Commission extract's name for the same thing.
DEFAULT_INCOME_COLUMNS = ("income", "latest_income")
DEFAULT_COMPANY_COLUMN = "charity_company_registration_number"
DEFAULT_NAME_COLUMN = "charity_name"
SUGGESTED_ALIASES_FILE = REGISTER_SUGGESTIONS
# Publisher-local identifiers: the ones a register can give a charity id to.
_LOCAL_PREFIX = "360G-"
_NAME_NOISE = frozenset({"the", "ltd", "limited"})
_LINKED_COLUMN = "linked_charity_number"
_MISSING = frozenset({"", "na", "n/a", "null", "none", "-"})


def register_key(org_id: str) -> tuple[str, str] | None:
    """The register number an organisation identifier carries, or ``None``.

    Returns ``("charity", number)`` for ``GB-CHC-``, ``GB-SC-`` and ``GB-NIC-`` ids
    and ``("company", number)`` for ``GB-COH-`` ids, normalised as the register's
    cells are (see the module documentation).

    Examples
    --------
    >>> register_key("GB-CHC-1146179"), register_key("GB-NIC-NIC100002")
    (('charity', '1146179'), ('charity', '100002'))
    >>> register_key("GB-COH-738693"), register_key("GB-LAE-TRF")
    (('company', '00738693'), None)
    """
    # The same rule as every importer's (io/parse.py), so an id the 360Giving import
    # made whole and one typed by hand match the register alike.
    made = normalise_org_id(org_id)
    if made.id is None:
        return None
    parts = made.id.split("-", 2)
    if len(parts) != 3 or parts[0].upper() != "GB" or not parts[2].strip():
        return None
    scheme, number = parts[1].upper(), parts[2]
    if scheme in ("CHC", "NIC"):
        return "charity", _charity_number(number)
    if scheme == "SC":
        number = number.strip().upper()
        return "charity", _charity_number(number if number.startswith("SC") else "SC" + number)
    if scheme == "COH":
        return "company", _company_number(number)
    return None


def _charity_number(cell: str) -> str:
    text = cell.strip().upper().replace(" ", "")
    for prefix in ("NIC", "NI"):
        if text.startswith(prefix) and text[len(prefix) :].isdigit():
            text = text[len(prefix) :]
            break
    if text.isdigit():
        return text.lstrip("0") or "0"
    return text


def _company_number(cell: str) -> str:
    text = cell.strip().upper().replace(" ", "")
    return text.zfill(8) if text.isdigit() else text


def name_key(name: str) -> str:
    """A name as compared with the register: case, punctuation and filler ignored.

    Examples
    --------
    >>> name_key("The Friends of Longford Park Ltd.") == name_key("FRIENDS OF LONGFORD PARK")
    True
    >>> name_key("Age UK Trafford & Sale"), name_key("Children's Choir (Limited)")
    ('age uk trafford and sale', 'childrens choir')
    """
    flat = re.sub(r"[.'\u2019]", "", name.casefold().replace("&", " and "))
    return " ".join(w for w in re.findall(r"[^\W_]+", flat) if w not in _NAME_NOISE)


@dataclass(frozen=True)
class AliasSuggestion:
    """A local identifier that may be the registered charity ``id``, and why."""

    alias: str
    id: str
    reason: str


@dataclass
class RegisterSummary:
    """What a register import matched, changed and left out."""

    path: str = ""
    number_column: str = DEFAULT_NUMBER_COLUMN
    # None when the extract has no income column: numbers and names are still
    # matched, but no income or size band can be filled.
    income_column: str | None = DEFAULT_INCOME_COLUMNS[0]
    income_looked_for: str = ""
    company_column: str | None = None
    rows_read: int = 0
    organisations_with_number: int = 0
    matched: int = 0
    incomes_changed: int = 0
    bands_changed: int = 0
    unmatched: list[str] = field(default_factory=list)
    missing_income: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    size_bands: dict[str, int] = field(default_factory=dict)
    name_column: str | None = None
    local_organisations: int = 0
    suggestions: list[AliasSuggestion] = field(default_factory=list)
    ambiguous_names: list[str] = field(default_factory=list)
    suggestions_file: str | None = None
    name_column_missing: str | None = None

    def lines(self, *, max_listed: int = 20) -> list[str]:
        """The summary as lines of text for a person, lists cut at ``max_listed``."""
        matched_by = f"'{self.number_column}'" + (
            f" or '{self.company_column}'" if self.company_column else ""
        )
        if self.income_column is None:
            return [
                f"Read {self.rows_read:,} register rows from {self.path}: it has no income "
                f"column ({self.income_looked_for}), so no income or size band was filled. "
                "Name the column of annual incomes with --income-column if it has one.",
                *self._name_lines(max_listed),
            ]
        out = [
            f"Read {self.rows_read:,} register rows from {self.path} "
            f"(income from '{self.income_column}').",
            f"{self.organisations_with_number:,} organisations carry a charity or company "
            f"number; {self.matched:,} matched by {matched_by} and were given an income, "
            f"{len(self.unmatched):,} were not in the register"
            + (
                f" and {len(self.missing_income):,} had no income there"
                if self.missing_income
                else ""
            )
            + ".",
        ]
        if self.size_bands:
            out.append(
                "Size bands now set from the register: "
                + ", ".join(f"{b} {n}" for b, n in self.size_bands.items())
                + "."
            )
        if self.incomes_changed:
            out.append(
                f"{self.incomes_changed:,} income{'s' if self.incomes_changed != 1 else ''} "
                f"already in the dataset were replaced ({self.bands_changed:,} changed size band)."
            )
        if self.unmatched:
            shown = ", ".join(self.unmatched[:max_listed])
            more = len(self.unmatched) - max_listed
            out.append(
                "Not in the register: " + shown + (f", ... and {more:,} more." if more > 0 else ".")
            )
        return out + self._name_lines(max_listed)

    def _name_lines(self, max_listed: int) -> list[str]:
        out: list[str] = []
        if self.name_column is not None:
            out.append(
                f"{self.local_organisations:,} organisation"
                f"{'' if self.local_organisations == 1 else 's'} with a local {_LOCAL_PREFIX} "
                f"id; {len(self.suggestions):,} share a name with one charity in "
                f"'{self.name_column}'"
                + (
                    f" and {len(self.ambiguous_names):,} with more than one (no suggestion)"
                    if self.ambiguous_names
                    else ""
                )
                + "."
            )
        if self.ambiguous_names:
            shown = ", ".join(self.ambiguous_names[:max_listed])
            more = len(self.ambiguous_names) - max_listed
            out.append(
                "Named like more than one charity (check by hand): "
                + shown
                + (f", ... and {more:,} more." if more > 0 else ".")
            )
        if self.name_column_missing is not None and self.local_organisations:
            out.append(
                f"The register has no column '{self.name_column_missing}': no charity id was "
                f"suggested by name for the {self.local_organisations:,} organisation"
                f"{'' if self.local_organisations == 1 else 's'} with a local "
                f"{_LOCAL_PREFIX} id. Name the column of charity names with --name-column."
            )
        if self.suggestions_file is not None:
            out.append(
                f"Suggested charity ids written to {self.suggestions_file} (alias,id,reason); "
                "nothing was merged. Check them, then import the grant files again into a new "
                "dataset folder with --aliases and that file."
            )
        if self.skipped:
            out.append(f"{len(self.skipped):,} register rows left out:")
            out.extend(f"  {row}" for row in self.skipped[:max_listed])
            if len(self.skipped) > max_listed:
                out.append(f"  ... and {len(self.skipped) - max_listed:,} more.")
        return out


def read_register(
    path: str | os.PathLike[str],
    org_ids: Iterable[str],
    *,
    number_column: str = DEFAULT_NUMBER_COLUMN,
    income_column: str | None = None,
    company_column: str | None = DEFAULT_COMPANY_COLUMN,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> tuple[dict[str, float], RegisterSummary]:
    """The incomes a register extract gives for the organisations ``org_ids``.

    Parameters
    ----------
    path : path-like
        The register extract: CSV, or tab-separated when its header has tabs.
    org_ids : iterable of str
        The identifiers to look up; those carrying no register number are ignored.
    number_column : str, keyword-only
        The column of registered charity numbers.
    income_column : str, optional
        The column of annual incomes in pounds; by default ``income``, or
        ``latest_income`` when the file has no ``income`` column.
    company_column : str or None
        The column of company numbers, used for ``GB-COH-`` ids when the file has it;
        ``None`` never matches company numbers.
    encoding : str
        Text encoding (a UTF-8 byte-order mark is always accepted).
    progress : callable, optional
        Called with the number of bytes read since the last call.

    Returns
    -------
    (dict, RegisterSummary)
        Income by organisation id, for the organisations matched; and the summary.

    Raises
    ------
    InputError
        When the file cannot be read, has no number column, or lacks the income
        column --income-column names (with none named, an extract without incomes
        fills nothing and still gives its names).
    """
    name = str(path)
    wanted: dict[tuple[str, str], list[str]] = {}
    for org_id in org_ids:
        key = register_key(org_id)
        if key is not None:
            wanted.setdefault(key, []).append(org_id)
    summary = RegisterSummary(path=name, number_column=number_column)
    found: dict[tuple[str, str], tuple[Decimal | None, int]] = {}
    conflicted: set[tuple[str, str]] = set()
    # Numbers whose row was left out for a bad income: listed there, not as unmatched.
    unusable: set[tuple[str, str]] = set()
    size = os.path.getsize(path) if os.path.isfile(path) else 0
    with open_text(path, encoding) as handle:
        reader, header = _reader(handle, name, encoding)
        columns = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
        number_at = _column(columns, name, header, number_column, "--number-column")
        income_name, income_at = _income_column(columns, name, header, income_column)
        summary.income_column = income_name
        if income_at is None:
            summary.income_looked_for = " or ".join(f"'{c}'" for c in DEFAULT_INCOME_COLUMNS)
            summary.rows_read = sum(
                1 for _ in data_rows(reader, handle, name, encoding, size, progress)
            )
            return {}, summary
        company_at = columns.get(company_column.lower()) if company_column else None
        summary.company_column = company_column if company_at is not None else None
        if company_at is None:
            wanted = {key: ids for key, ids in wanted.items() if key[0] != "company"}
        summary.organisations_with_number = sum(len(ids) for ids in wanted.values())
        linked_at = columns.get(_LINKED_COLUMN)
        for row_number, row in data_rows(reader, handle, name, encoding, size, progress):
            summary.rows_read += 1
            if linked_at is not None and _cell(row, linked_at).casefold() not in ("", "0", "na"):
                continue
            keys = []
            number = _cell(row, number_at)
            if number and number.casefold() not in _MISSING:
                keys.append(("charity", _charity_number(number)))
            if company_at is not None:
                company = _cell(row, company_at)
                if company and company.casefold() not in _MISSING:
                    keys.append(("company", _company_number(company)))
            keys = [k for k in keys if k in wanted]
            if not keys:
                continue
            raw = _cell(row, income_at)
            income = _parse_income(raw)
            problem = None
            if income is None and raw.casefold() not in _MISSING:
                problem = f"income not a number: '{raw}'"
            elif income is not None and income < 0:
                problem = f"income below zero: '{raw}'"
            if problem is not None:
                summary.skipped.append(SkippedRow(name, row_number, income_name, raw, problem))
                unusable.update(keys)
                continue
            for key in keys:
                if key in conflicted:
                    continue
                earlier = found.get(key)
                if earlier is None or earlier[0] is None:
                    found[key] = (income, row_number)
                elif income is not None and income != earlier[0]:
                    conflicted.add(key)
                    del found[key]
                    summary.skipped.append(
                        SkippedRow(
                            name,
                            row_number,
                            income_name,
                            raw,
                            f"{key[0]} number {key[1]} has two incomes: {earlier[0]} in row "
                            f"{earlier[1]} and {income} here; left out",
                        )
                    )

    incomes: dict[str, float] = {}
    for key, ids in wanted.items():
        value = found.get(key)
        for org_id in ids:
            if value is not None and value[0] is not None:
                incomes[org_id] = float(value[0])
            elif value is not None:
                summary.missing_income.append(org_id)
            elif key not in conflicted and key not in unusable:
                summary.unmatched.append(org_id)
    summary.matched = len(incomes)
    return incomes, summary


def suggest_charity_ids(
    path: str | os.PathLike[str],
    names: Mapping[str, str],
    *,
    number_column: str = DEFAULT_NUMBER_COLUMN,
    name_column: str = DEFAULT_NAME_COLUMN,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> tuple[list[AliasSuggestion], list[str]]:
    """Charity ids for local ``360G-`` organisations whose name is a charity's.

    Parameters
    ----------
    path : path-like
        The register extract: CSV, or tab-separated when its header has tabs.
    names : mapping
        Name by organisation id; only ``360G-`` ids are matched.
    number_column, name_column : str, keyword-only
        The register's columns of charity numbers and charity names.
    encoding : str
        Text encoding (a UTF-8 byte-order mark is always accepted).
    progress : callable, optional
        Called with the number of bytes read since the last call.

    Returns
    -------
    (list of AliasSuggestion, list of str)
        One suggestion per organisation whose :func:`name_key` is that of exactly
        one charity, in the order of ``names``; and the ids whose name is shared by
        two or more charities, which get no suggestion.

    Raises
    ------
    InputError
        When the file cannot be read, or has no number or name column.
    """
    file_name = str(path)
    wanted: dict[str, list[str]] = {}
    for org_id, org_name in names.items():
        if org_id.upper().startswith(_LOCAL_PREFIX.upper()) and name_key(org_name or ""):
            wanted.setdefault(name_key(org_name), []).append(org_id)
    # Every charity (number and register name) found under each wanted name key.
    found: dict[str, dict[str, str]] = {}
    size = os.path.getsize(path) if os.path.isfile(path) else 0
    with open_text(path, encoding) as handle:
        reader, header = _reader(handle, file_name, encoding)
        columns = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
        number_at = _column(columns, file_name, header, number_column, "--number-column")
        name_at = columns.get(name_column.strip().lower())
        if name_at is None:
            raise InputError(
                f"{file_name} has no column '{name_column}' (its columns are {_shown(header)}).",
                hint="Name the column of charity names with --name-column.",
                path=file_name,
                column=name_column,
            )
        linked_at = columns.get(_LINKED_COLUMN)
        for _, row in data_rows(reader, handle, file_name, encoding, size, progress):
            if linked_at is not None and _cell(row, linked_at).casefold() not in ("", "0", "na"):
                continue
            key = name_key(_cell(row, name_at))
            number = _cell(row, number_at)
            if key in wanted and number.casefold() not in _MISSING:
                found.setdefault(key, {}).setdefault(_charity_number(number), _cell(row, name_at))
    suggestions: list[AliasSuggestion] = []
    ambiguous: list[str] = []
    local = {org_id for ids in wanted.values() for org_id in ids}
    for org_id, org_name in names.items():
        charities = found.get(name_key(org_name or "")) if org_id in local else None
        if not charities:
            continue
        if len(charities) > 1:
            ambiguous.append(org_id)
            continue
        [(number, register_name)] = charities.items()
        scheme = "GB-SC" if number.startswith("SC") else "GB-CHC"
        suggestions.append(
            AliasSuggestion(
                org_id,
                f"{scheme}-{number}",
                f"name '{org_name}' is that of registered charity {number} "
                f"'{register_name}' in {file_name}",
            )
        )
    return suggestions, ambiguous


def write_suggestions(suggestions: Iterable[AliasSuggestion], path: str | os.PathLike[str]) -> None:
    """Write suggested aliases as an aliases file (``alias,id,reason``), atomically.

    Cells that a spreadsheet would run as a formula are neutralised.
    """
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["alias", "id", "reason"])
        for item in suggestions:
            writer.writerow([neutralise_cell(c) for c in (item.alias, item.id, item.reason)])


def with_incomes(dataset: Dataset, incomes: dict[str, float]) -> Dataset:
    """``dataset`` with the given organisations' income and size band replaced.

    Parameters
    ----------
    dataset : Dataset
        The dataset; it is not modified.
    incomes : dict
        Annual income in pounds by organisation id.

    Returns
    -------
    Dataset
        A new dataset; every other table is shared with ``dataset``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["GB-CHC-1"], "name": ["A"], "type": ["vcse"]}))
    >>> with_incomes(ds, {"GB-CHC-1": 25_000.0}).organisations.loc[0, "size_band"]
    'small'
    """
    orgs = dataset.organisations.copy()
    new_income = orgs["id"].map(incomes)
    hit = new_income.notna()
    orgs["income"] = orgs["income"].where(~hit, new_income)
    bands = new_income[hit].map(size_band_for_income)
    orgs["size_band"] = orgs["size_band"].astype("object")
    orgs.loc[hit, "size_band"] = bands
    return Dataset.from_frames(**{**dataset.tables(), "organisations": orgs})


def import_register(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    number_column: str = DEFAULT_NUMBER_COLUMN,
    income_column: str | None = None,
    company_column: str | None = DEFAULT_COMPANY_COLUMN,
    name_column: str | None = DEFAULT_NAME_COLUMN,
    date_format: str | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> RegisterSummary:
    """Fill income and size band in the dataset folder ``out`` from a register.

    The dataset is validated in full before ``organisations.csv`` is replaced
    (atomically); when no number matches it is not written. Charity ids suggested
    by name for local ``360G-`` organisations (see the module documentation) are
    written to :data:`SUGGESTED_ALIASES_FILE` in ``out`` when there are any; no other
    file in ``out`` is touched.

    Parameters
    ----------
    path : path-like
        The register extract.
    out : path-like
        An existing dataset folder.
    number_column, income_column, company_column, encoding, progress
        As for :func:`read_register`; ``encoding`` also applies to the dataset.
    name_column : str or None
        The register's column of charity names, for suggestions by name when the file
        has it; ``None`` suggests nothing.
    date_format : str, optional
        The date format of the dataset's files, when not ``YYYY-MM-DD``.

    Returns
    -------
    RegisterSummary
    """
    require_files([path])  # a missing file is named before anything about the dataset
    existing = read_existing(out, date_format=date_format, encoding=encoding)
    if existing is None:
        raise InputError(
            f"{out} holds no dataset (there is no organisations.csv).",
            hint="Import grants into it first with 'partnernet import-360giving FILE --out "
            f"{out}', or create it with 'partnernet init {out}'.",
            path=str(out),
        )
    orgs = existing.organisations
    incomes, summary = read_register(
        path,
        orgs["id"],
        number_column=number_column,
        income_column=income_column,
        company_column=company_column,
        encoding=encoding,
        progress=progress,
    )
    _suggest(summary, path, out, orgs, number_column, name_column, encoding)
    if not incomes:
        return summary
    updated = with_incomes(existing, incomes)
    before = orgs.set_index("id")
    after = updated.organisations.set_index("id")
    touched = list(incomes)
    old_income, new_income = before.loc[touched, "income"], after.loc[touched, "income"]
    summary.incomes_changed = int((old_income.notna() & (old_income != new_income)).sum())
    old_band, new_band = before.loc[touched, "size_band"], after.loc[touched, "size_band"]
    summary.bands_changed = int((old_band.notna() & (old_band != new_band)).sum())
    counts = new_band.value_counts()
    summary.size_bands = {
        band: int(counts[band])
        for band in ("micro", "small", "medium", "large", "major", "super_major")
        if band in counts
    }
    write_validated(updated, out, tables=("organisations",))
    return summary


def _suggest(
    summary: RegisterSummary,
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    orgs: pd.DataFrame,
    number_column: str,
    name_column: str | None,
    encoding: str,
) -> None:
    if name_column is None:
        return
    with open_text(path, encoding) as handle:
        _, header = _reader(handle, str(path), encoding)
    names = dict(zip(orgs["id"], orgs["name"], strict=True))
    summary.local_organisations = sum(
        1 for org_id in names if org_id.upper().startswith(_LOCAL_PREFIX.upper())
    )
    if name_column.strip().lower() not in {h.strip().lower() for h in header}:
        summary.name_column_missing = name_column
        return
    summary.name_column = name_column
    # The register is read a second time without a progress bar: the bar over the
    # file's size was filled by the first reading.
    summary.suggestions, summary.ambiguous_names = suggest_charity_ids(
        path, names, number_column=number_column, name_column=name_column, encoding=encoding
    )
    if summary.suggestions:
        target = Path(out) / SUGGESTED_ALIASES_FILE
        write_suggestions(summary.suggestions, target)
        summary.suggestions_file = str(target)


def _reader(handle: IO[str], name: str, encoding: str) -> tuple[Iterator[list[str]], list[str]]:
    """A CSV reader over the extract (tab-separated when its header has more tabs)."""
    first_line = handle.readline()
    handle.seek(0)
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(handle, delimiter=delimiter)
    header = next_row(reader, name, encoding)
    if header is None or not any(h.strip() for h in header):
        raise InputError(
            f"{name} is empty.",
            hint="Give a register extract with a header row and one charity per row.",
            path=name,
        )
    return reader, header


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _column(columns: dict[str, int], name: str, header: list[str], wanted: str, option: str) -> int:
    position = columns.get(wanted.strip().lower())
    if position is None:
        raise InputError(
            f"{name} has no column '{wanted}' (its columns are {_shown(header)}).",
            hint=f"Name the column of registered charity numbers with {option}.",
            path=name,
            column=wanted,
        )
    return position


def _income_column(
    columns: dict[str, int], name: str, header: list[str], wanted: str | None
) -> tuple[str | None, int | None]:
    """The income column: the one named by --income-column (an error when missing),
    else the first default present, else none (the extract gives names only)."""
    candidates = (wanted,) if wanted else DEFAULT_INCOME_COLUMNS
    for candidate in candidates:
        position = columns.get(candidate.strip().lower())
        if position is not None:
            return header[position].strip(), position
    if not wanted:
        return None, None
    looked_for = " or ".join(f"'{c}'" for c in candidates)
    raise InputError(
        f"{name} has no income column {looked_for} (its columns are {_shown(header)}).",
        hint="Name the column of annual incomes with --income-column, or use a register "
        "extract that has incomes (the Charity Commission's register extract has "
        "'latest_income').",
        path=name,
        column=candidates[0],
    )


def _shown(header: list[str], limit: int = 12) -> str:
    names = ", ".join(h.strip() for h in header[:limit])
    return names + (", ..." if len(header) > limit else "")


def _parse_income(text: str) -> Decimal | None:
    # The register's own words for a missing income are not numbers, but not
    # mistakes either: the caller tells the two apart.
    if text.strip().casefold() in _MISSING:
        return None
    return parse_money(text)
