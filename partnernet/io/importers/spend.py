"""Import a council's published payments (Local Government Transparency Code) into a
dataset (DESIGN section 2; the rules are in docs/import-rules.md, "Council spending").

Every English council publishes its payments over £500: one row per payment (or
per line of one), naming the service area or organisational unit that paid, the
supplier, the date, the amount (negative for a credit) and usually an expense
category. This turns them into the council (a ``local_authority``), its units as
``department`` organisations (or the departments a ``--departments`` map rolls
them up into), its suppliers as organisations, and one funding row per
department, supplier and financial year (April to March).

The rules, each counted in the :class:`SpendSummary`:

- **Columns by role.** Each role (unit, supplier, supplier id, date, amount,
  category) is found among the headings councils use (:data:`ROLE_HEADINGS`, case,
  spacing and punctuation ignored), or named by an option. A file missing a
  required role is refused, naming the columns it has and the option to use.
- **People are never organisations.** A redacted or withheld beneficiary, a name
  that starts with a personal title (Mr, Mrs, Ms, Miss, Mx, Dr) and carries no sign
  of an organisation, or a category naming private persons or individuals, is
  counted in rows and pounds and left out; no such name is kept or shown anywhere.
- **Summed, netted, dated.** Payments are summed per department, supplier and
  financial year, credits included; a sum that is not above zero is left out and
  counted. The award date is the first payment's date; ``kind`` is ``grant`` when
  at least half the pounds paid (before credits) were under a grant category,
  else ``contract``.
- **Suppliers get ids** that cannot collide with org-ids:
  ``SPEND-<council id>-supplier:<key>``, the key being the supplier id column where
  the file gives one, else the supplier's normalised name. Types come from
  :mod:`partnernet.io.importers.orgtypes`, counted by rule.
- **Many units.** With more than :data:`MANY_UNITS` units and no map, every unit is
  still imported as a department, the summary warns, and a units file
  (:data:`~partnernet.io.folders.SPEND_UNITS`: ``unit,department,payments,pounds``,
  department blank) is written for the user to fill in and pass back with
  ``--departments``.

Merging follows the other importers: the dataset already in the folder wins
(its organisations keep their type, name and parent; a funding row whose id it
already holds is kept as it is), and only ``organisations.csv`` and
``funding.csv`` are rewritten, after the merged dataset validates in full.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from partnernet.errors import InputError
from partnernet.io.folders import SPEND_UNITS
from partnernet.io.importers.orgtypes import OTHER_RULE, name_type, org_type
from partnernet.io.importers.threesixty import normal_name
from partnernet.io.merge import read_existing, write_validated
from partnernet.io.parse import is_bad_id, parse_date, parse_money
from partnernet.io.rows import (
    Progress,
    SkippedRow,
    data_rows,
    next_row,
    open_text,
    open_zip_text,
    pair_rows,
    require_files,
    unreadable,
)
from partnernet.io.writers import atomic_open, neutralise_cell
from partnernet.model import PUBLIC_BODY_TYPES, Dataset

__all__ = [
    "DEFAULT_DATE_FORMAT",
    "MANY_UNITS",
    "ROLE_HEADINGS",
    "ROLE_OPTIONS",
    "SpendSummary",
    "financial_year",
    "import_spend",
    "is_private_person",
    "is_redacted",
    "read_departments_map",
    "read_spend",
    "write_skipped",
    "write_units",
]

DEFAULT_DATE_FORMAT = "%d/%m/%Y"
# More units than this, with no --departments map, are worth rolling up: the
# summary warns and a units file is written to fill in.
MANY_UNITS = 30

# Each role's headings, as compared (case, spaces and punctuation dropped), in the
# order they are preferred when a file has several.
ROLE_HEADINGS: dict[str, tuple[str, ...]] = {
    "unit": (
        "servicearea",
        "directorate",
        "department",
        "organisationalunit",
        "serviceareacategorisation",
        "servicedivision",
        "service",
    ),
    "supplier": ("suppliername", "supplier", "payee", "payeename", "beneficiaryname", "vendorname"),
    "supplier_id": (
        "supplierid",
        "suppliernumber",
        "supplierreference",
        "suppliercode",
        "beneficiaryotherid",
        "beneficiaryid",
        "payeeid",
        "vendorid",
    ),
    "date": ("paiddate", "datepaid", "transactiondate", "paymentdate", "date"),
    "amount": ("amount", "netamount", "amountpaid", "amountexcludingvat", "value"),
    "category": (
        "expensetype",
        "expenditurecategory",
        "proclasslabel",
        "purpose",
        "expensedescription",
        "expenditurecode",
    ),
}
ROLE_OPTIONS: dict[str, str] = {
    "unit": "--unit-column",
    "supplier": "--supplier-column",
    "supplier_id": "--supplier-id-column",
    "date": "--date-column",
    "amount": "--amount-column",
    "category": "--category-column",
}
_REQUIRED = ("unit", "supplier", "date", "amount")
_WHAT = {
    "unit": "service area or organisational unit",
    "supplier": "supplier name",
    "supplier_id": "supplier id",
    "date": "payment date",
    "amount": "amount",
    "category": "expense category",
}
# The council's own name, when the file gives it and --council-name does not.
_COUNCIL_HEADINGS = ("organisationlabel", "organisationname", "bodyname", "body")

_MISSING = frozenset({"", "na", "n/a", "null", "none", "-", "redacted", "withheld"})
_REDACTED = re.compile(
    r"\b(?:redacted|withheld)\b"
    r"|^(?:personal|private) (?:data|information|details)$"
    r"|^(?:individuals?|private individuals?|private persons?|name removed|not disclosed)$"
)
_TITLE = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr)\b\.?\s+\S")
# Words that make a name with a title an organisation's ("Dr Patel Medical Centre").
_ORGANISATION_WORDS = re.compile(
    r"\b(?:t a|trading as|associates|surgery|practice|centre|center|clinic|partnership"
    r"|partners|services|group|trust|medical|nursery|foundation|co|company|llp)\b"
)
_PRIVATE_CATEGORY = re.compile(
    r"\bprivate (?:persons?|individuals?)\b|\bindividuals\b|\bto ind\b|\bto individual\b"
)
_GRANT_CATEGORY = re.compile(r"\bgrants?\b")


def _heading(title: str) -> str:
    return re.sub(r"[^0-9a-z]", "", title.casefold())


def _words(text: str) -> str:
    flat = re.sub(r"[.'\u2019]", "", text.casefold())
    return " ".join(re.findall(r"[^\W_]+", flat))


def is_redacted(name: str) -> bool:
    """Whether a beneficiary cell is redacted or withheld, not a name.

    Examples
    --------
    >>> is_redacted("Redacted"), is_redacted("REDACTED - personal data")
    (True, True)
    >>> is_redacted("Redactive Publishing Ltd")
    False
    """
    return _REDACTED.search(" ".join(name.casefold().split())) is not None


def is_private_person(name: str, categories: Iterable[str] = ()) -> bool:
    """Whether a payment is to a private person: a title, or the category says so.

    A name starting with a personal title is a person's unless it carries a legal
    form or another sign of an organisation (``T/A``, ``Associates``, ``Surgery``,
    ``Centre``, ...).

    Examples
    --------
    >>> is_private_person("Mrs A Example"), is_private_person("Dr Patel Medical Centre")
    (True, False)
    >>> is_private_person("Acme Ltd", ["Payments to private individuals"])
    True
    """
    words = _words(name)
    if (
        _TITLE.search(words)
        and name_type(name) is None
        and _ORGANISATION_WORDS.search(words) is None
    ):
        return True
    return any(_PRIVATE_CATEGORY.search(_words(c)) for c in categories if c)


def financial_year(day: date) -> str:
    """The financial year (April to March) of ``day``, as ``2025-26``.

    Examples
    --------
    >>> financial_year(date(2025, 4, 1)), financial_year(date(2026, 3, 31))
    ('2025-26', '2025-26')
    """
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")


@dataclass
class SpendSummary:
    """What a spending import read, kept and left out, and why."""

    council_id: str = ""
    files: list[str] = field(default_factory=list)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    rows_read: int = 0
    pounds_read: Decimal = Decimal(0)
    redacted_rows: int = 0
    redacted_pounds: Decimal = Decimal(0)
    private_rows: int = 0
    private_pounds: Decimal = Decimal(0)
    skipped: list[SkippedRow] = field(default_factory=list)
    skipped_pounds: Decimal = Decimal(0)
    payments_used: int = 0
    pairs: int = 0
    pairs_not_positive: int = 0
    pounds_not_positive: Decimal = Decimal(0)
    funding_imported: int = 0
    pounds_imported: Decimal = Decimal(0)
    already_in_dataset: int = 0
    units: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    council_rows: int = 0
    departments_added: int = 0
    departments_total: int = 0
    mapped: bool = False
    suppliers: int = 0
    organisations_added: int = 0
    types_by_rule: dict[str, int] = field(default_factory=dict)
    grants: int = 0
    units_file: str | None = None

    @property
    def many_units(self) -> bool:
        """More units than :data:`MANY_UNITS` and no map to roll them up."""
        return not self.mapped and len(self.units) > MANY_UNITS

    def left_out_line(self) -> str | None:
        """The one line that states every payment and pound left out (shown with -q)."""
        out = self.redacted_rows + self.private_rows + len(self.skipped)
        if not out and not self.pairs_not_positive:
            return None
        pounds = self.redacted_pounds + self.private_pounds + self.skipped_pounds
        line = (
            f"Left out {out:,} of {self.rows_read:,} payments worth £{pounds:,.2f} "
            f"({self.redacted_rows:,} redacted or withheld, £{self.redacted_pounds:,.2f}; "
            f"{self.private_rows:,} to private persons, £{self.private_pounds:,.2f}; "
            f"{len(self.skipped):,} unusable)."
        )
        if self.pairs_not_positive:
            line += (
                f" Left out {self.pairs_not_positive:,} department-supplier-year "
                f"totals that net to zero or less (£{self.pounds_not_positive:,.2f})."
            )
        return line

    def units_warning(self) -> str | None:
        """The warning for many units and no map (shown with -q)."""
        if not self.many_units:
            return None
        where = f" written to {self.units_file}" if self.units_file else ""
        return (
            f"Warning: {len(self.units):,} organisational units became "
            f"{self.departments_added:,} departments of {self.council_id}, more than "
            f"{MANY_UNITS} (cost centres, most likely): the silo analysis compares "
            "departments, and this many mostly reads as noise. Fill in the department "
            f"column of the units file{where} (unit,department,payments,pounds) and "
            "import again into a new folder with --departments and that file."
        )

    def lines(self, *, max_listed: int = 20) -> list[str]:
        """The summary as lines of text for a person, lists cut at ``max_listed``."""
        out = [
            f"Read {self.rows_read:,} payments worth £{self.pounds_read:,.2f} from "
            f"{len(self.files):,} file{'' if len(self.files) == 1 else 's'}."
        ]
        for name, roles in self.columns.items():
            placed = ", ".join(f"{role} '{title}'" for role, title in roles.items())
            out.append(f"Columns of {name}: {placed}.")
        out.append(
            f"{self.payments_used:,} payments summed into {self.pairs:,} "
            f"department-supplier-year totals; {self.funding_imported:,} imported as "
            f"funding worth £{self.pounds_imported:,.2f} ({self.grants:,} grants, "
            f"{self.funding_imported - self.grants:,} contracts)"
            + (
                f", {self.already_in_dataset:,} already in the dataset"
                if self.already_in_dataset
                else ""
            )
            + "."
        )
        out.append(
            f"{len(self.units):,} organisational units"
            + (" rolled up by the map" if self.mapped else "")
            + f"; {self.departments_added:,} departments added "
            f"({self.departments_total:,} departments of {self.council_id} in all)"
            + (
                f"; {self.council_rows:,} payments with no unit (blank or NA) are the council's own"
                if self.council_rows
                else ""
            )
            + "."
        )
        out.append(
            f"{self.suppliers:,} suppliers; {self.organisations_added:,} organisations "
            "new to the dataset."
        )
        if self.types_by_rule:
            ranked = sorted(self.types_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
            out.append(
                "Types by rule (docs/import-rules.md): "
                + ", ".join(
                    f"{n:,} {rule}" if rule == OTHER_RULE else f"{n:,} by {rule}"
                    for rule, n in ranked
                )
                + "."
            )
        if self.skipped:
            out.append(f"{len(self.skipped):,} payments could not be used:")
            out.extend(f"  {row}" for row in self.skipped[:max_listed])
            if len(self.skipped) > max_listed:
                out.append(f"  ... and {len(self.skipped) - max_listed:,} more.")
        return out


@dataclass
class _Pair:
    """One department, supplier and financial year: the sums so far."""

    net: Decimal
    paid: Decimal
    grant_paid: Decimal
    first: date
    rows: int


def _sources(
    path: str | os.PathLike[str], encoding: str
) -> Iterator[tuple[str, AbstractContextManager[io.TextIOWrapper], int, float]]:
    """(name, text handle context, uncompressed size, progress scale) of each table."""
    name = str(path)
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xls", ".ods"):
        raise InputError(
            f"{name} is a spreadsheet workbook, not a CSV or zip file.",
            hint="Save the payments sheet as 'CSV UTF-8' and import that file.",
            path=name,
        )
    try:
        with open(path, "rb") as probe:
            head = probe.read(4)
    except OSError as exc:
        raise unreadable(name, exc) from exc
    if head != b"PK\x03\x04" and suffix != ".zip":
        yield name, open_text(path, encoding), os.path.getsize(path), 1.0
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"{name} is not a readable zip file ({exc}).",
            hint="Download it again, or unzip it and give the CSV files inside.",
            path=name,
        ) from exc
    with archive:
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and m.filename.lower().endswith(".csv")
            and not m.filename.startswith("__MACOSX/")
        ]
        if not members:
            if "[Content_Types].xml" in archive.namelist():
                raise InputError(
                    f"{name} is a spreadsheet workbook, not a CSV or zip file.",
                    hint="Save the payments sheet as 'CSV UTF-8' and import that file.",
                    path=name,
                )
            raise InputError(
                f"{name} holds no CSV file (it holds "
                f"{', '.join(archive.namelist()[:10]) or 'nothing'}).",
                hint="Give the council's payments as CSV files, or a zip of them.",
                path=name,
            )
        compressed = os.path.getsize(path)
        uncompressed = sum(m.file_size for m in members) or 1
        for member in members:
            label = f"{name}!{member.filename}"
            yield (
                label,
                open_zip_text(archive, member, encoding, name=label),
                member.file_size,
                compressed / uncompressed,
            )


class _ScaledProgress:
    """Bytes read in a member, reported as the share of the zip's own bytes."""

    def __init__(self, progress: Progress | None, scale: float) -> None:
        self.progress = progress
        self.scale = scale
        self.carry = 0.0

    def __call__(self, n: int) -> None:
        if self.progress is None:
            return
        self.carry += n * self.scale
        whole = int(self.carry)
        if whole:
            self.carry -= whole
            self.progress(whole)


def read_departments_map(
    path: str | os.PathLike[str], *, encoding: str = "utf-8"
) -> dict[str, str]:
    """Read a ``unit,department`` map: unit (as compared) to department name.

    Units are compared with case and spacing ignored. Other columns (``payments``
    and ``pounds`` of a units file) are ignored.

    Raises
    ------
    InputError
        When a column is missing, a cell is blank, or a unit names two departments.
    """
    name = str(path)
    mapping: dict[str, str] = {}
    where: dict[str, int] = {}
    rows = pair_rows(
        path,
        ("unit", "department"),
        encoding=encoding,
        missing_hint="A departments map has the header 'unit,department': each row names "
        "a unit as the spending file writes it and the department it belongs to.",
        blank_hint="Name the department this unit belongs to, or delete the row "
        "(every unit in the spending files needs a row).",
    )
    for row_number, unit, department in rows:
        key = _unit_key(unit)
        if key in mapping and mapping[key] != department:
            raise InputError(
                f"{name}, row {row_number}, column 'department': unit '{unit}' is "
                f"already mapped to '{mapping[key]}' (row {where[key]}).",
                hint="Keep one of the two rows.",
                path=name,
                row=row_number,
                column="department",
                value=department,
            )
        mapping[key] = department
        where[key] = row_number
    return mapping


def _unit_key(unit: str) -> str:
    return " ".join(unit.casefold().split())


class _Importer:
    """Accumulates payments a row at a time; ``finish`` builds the Dataset."""

    def __init__(
        self,
        existing: Dataset | None,
        *,
        council_id: str,
        council_name: str | None,
        departments: dict[str, str] | None,
        date_format: str | None,
        overrides: dict[str, str | None],
    ) -> None:
        if not council_id.strip() or is_bad_id(council_id):
            raise InputError(
                f"--council-id {council_id!r} is not an identifier: it is blank or holds "
                "a space at either end or an invisible character.",
                hint="Give the council's org-id, e.g. --council-id GB-LAE-TRF.",
            )
        self.existing = existing
        self.council_id = council_id
        self.council_name = council_name
        self.departments_map = departments
        self.date_format = date_format
        self.overrides = overrides
        self.summary = SpendSummary(council_id=council_id, mapped=departments is not None)
        orgs = existing.organisations if existing is not None else None
        self.existing_types: dict[str, str] = (
            dict(zip(orgs["id"], orgs["type"], strict=True)) if orgs is not None else {}
        )
        council_type = self.existing_types.get(council_id)
        if council_type is not None and council_type not in PUBLIC_BODY_TYPES:
            raise InputError(
                f"--council-id '{council_id}' is a '{council_type}' in the dataset, not a "
                "public body, so it cannot have departments.",
                hint="Set its type to local_authority in organisations.csv, or give the "
                "council's own id with --council-id.",
            )
        self.existing_departments: dict[str, str] = {}
        if orgs is not None:
            depts = orgs[(orgs["type"] == "department") & (orgs["parent_id"] == council_id)]
            for dept_id, dept_name in zip(depts["id"], depts["name"], strict=True):
                self.existing_departments.setdefault(_slug(str(dept_name)), str(dept_id))
        self.existing_funding: set[str] = (
            set(existing.funding["id"]) if existing is not None else set()
        )
        self.departments: dict[str, tuple[str, str]] = {}
        self.unit_departments: dict[str, str] = {}
        self.suppliers: dict[str, str] = {}
        self.pairs: dict[tuple[str, str, str], _Pair] = {}
        self.file_label: str | None = None
        self.unmapped: dict[str, int] = {}

    # -- reading ----------------------------------------------------------------------

    def read(self, path: str | os.PathLike[str], encoding: str, progress: Progress | None) -> None:
        name = str(path)
        self.summary.files.append(name)
        reported = 0
        for label, opener, size, scale in _sources(path, encoding):
            scaled = _ScaledProgress(progress, scale)
            with opener as handle:
                reader = csv.reader(handle)
                header = next_row(reader, label, encoding)
                if header is None or not any(h.strip() for h in header):
                    raise InputError(
                        f"{label} is empty.",
                        hint="Give the council's payments file with its header row.",
                        path=label,
                    )
                columns = self._columns(label, header)
                before = self.summary.payments_used
                try:
                    for row_number, row in data_rows(reader, handle, label, encoding, size, scaled):
                        self._add(label, row_number, row, columns)
                except zipfile.BadZipFile as exc:
                    raise InputError(
                        f"{label} is damaged ({exc}).",
                        hint="Download the zip file again, or unzip it and give the CSV.",
                        path=label,
                    ) from exc
                if self.summary.payments_used == before and not self.unmapped:
                    self._nothing_from(label)
            reported += int(size * scale)
        if progress is not None and os.path.isfile(path):
            progress(max(os.path.getsize(path) - reported, 0))

    def _columns(self, name: str, header: list[str]) -> dict[str, int | list[int]]:
        """The position of each role's column in ``header`` (category: every one)."""
        by_heading: dict[str, int] = {}
        for i, title in enumerate(header):
            by_heading.setdefault(_heading(title), i)
        placed: dict[str, int | list[int]] = {}
        shown: dict[str, str] = {}
        for role, headings in ROLE_HEADINGS.items():
            option = self.overrides.get(role)
            if option:
                at = by_heading.get(_heading(option))
                if at is None:
                    raise InputError(
                        f"{name} has no column '{option}' (named by {ROLE_OPTIONS[role]}); "
                        f"its columns are {_shown(header)}.",
                        hint=f"Give {ROLE_OPTIONS[role]} one of the file's own column titles.",
                        path=name,
                        column=option,
                    )
                found = [at]
            else:
                found = [by_heading[h] for h in headings if h in by_heading]
            if not found:
                continue
            placed[role] = found if role == "category" else found[0]
            shown[role] = " + ".join(
                header[i].strip() for i in found[: None if role == "category" else 1]
            )
        missing = [r for r in _REQUIRED if r not in placed]
        if missing:
            wanted = "; ".join(
                f"the {_WHAT[r]} (looked for "
                + ", ".join(f"'{h}'" for h in ROLE_HEADINGS[r][:4])
                + f"; name it with {ROLE_OPTIONS[r]})"
                for r in missing
            )
            raise InputError(
                f"{name}: cannot place {wanted}. Its columns are {_shown(header)}.",
                hint="Name each column with its option, e.g. "
                f"{ROLE_OPTIONS[missing[0]]} '{header[0].strip()}'; nothing was written.",
                path=name,
                column=missing[0],
            )
        council_at = next((by_heading[h] for h in _COUNCIL_HEADINGS if h in by_heading), None)
        if council_at is not None:
            placed["council"] = council_at
        self.summary.columns[name] = shown
        return placed

    def _add(
        self, name: str, row_number: int, row: list[str], columns: dict[str, int | list[int]]
    ) -> None:
        s = self.summary
        s.rows_read += 1
        width = len(row)

        def cell(role: str) -> str:
            at = columns.get(role)
            return row[at].strip() if isinstance(at, int) and at < width else ""

        unit, supplier, supplier_key = cell("unit"), cell("supplier"), cell("supplier_id")
        raw_amount, raw_date = cell("amount"), cell("date")
        cat_at = columns.get("category")
        categories = (
            [row[i].strip() for i in cat_at if i < width] if isinstance(cat_at, list) else []
        )
        amount = parse_money(raw_amount)
        if amount is not None:
            s.pounds_read += amount
        if is_redacted(supplier) or is_redacted(supplier_key):
            s.redacted_rows += 1
            s.redacted_pounds += amount or 0
            self._unit(unit, amount)
            return
        if is_private_person(supplier, categories):
            s.private_rows += 1
            s.private_pounds += amount or 0
            self._unit(unit, amount)
            return

        def skip(role: str, value: str | None, reason: str) -> None:
            at = columns.get(role)
            title = None
            if isinstance(at, int):
                title = self._title(name, role)
            s.skipped.append(SkippedRow(name, row_number, title, value, reason))
            s.skipped_pounds += amount or 0

        if amount is None:
            skip(
                "amount",
                raw_amount or None,
                f"amount not a number: '{raw_amount}'" if raw_amount else "no amount",
            )
            return
        if unit.casefold() in _MISSING:
            unit = ""
        self._unit(unit, amount)
        if not supplier:
            skip("supplier", None, "no supplier name")
            return
        if not raw_date:
            skip("date", None, "no payment date")
            return
        paid = parse_date(raw_date, date_format=self.date_format, date_times=True)
        if paid is None:
            skip(
                "date",
                raw_date,
                f"unknown date format: '{raw_date}' (dates must be DD/MM/YYYY or "
                "YYYY-MM-DD, or give the format with --date-format, e.g. %m/%d/%Y)",
            )
            return
        key = supplier_key if supplier_key.casefold() not in _MISSING else ""
        slug = _slug(key) if key else _slug(normal_name(supplier))
        if not slug:
            skip("supplier", None, "supplier name has no letter or digit")
            return
        department = self._department(unit, cell("council"))
        if department is None:
            return
        supplier_id = self.suppliers_id(slug)
        if supplier_id not in self.suppliers:
            self.suppliers[supplier_id] = supplier
        s.payments_used += 1
        year = financial_year(paid)
        pair = self.pairs.get((department, supplier_id, year))
        grant = (
            amount
            if amount > 0 and any(_GRANT_CATEGORY.search(c.casefold()) for c in categories)
            else 0
        )
        positive = amount if amount > 0 else 0
        if pair is None:
            self.pairs[(department, supplier_id, year)] = _Pair(
                amount, Decimal(positive), Decimal(grant), paid, 1
            )
        else:
            pair.net += amount
            pair.paid += positive
            pair.grant_paid += grant
            pair.rows += 1
            if paid < pair.first:
                pair.first = paid

    def suppliers_id(self, slug: str) -> str:
        return sys.intern(f"SPEND-{self.council_id}-supplier:{slug}")

    def _title(self, name: str, role: str) -> str | None:
        titles = self.summary.columns.get(name, {})
        return titles.get(role)

    def _unit(self, unit: str, amount: Decimal | None) -> None:
        if not unit or unit.casefold() in _MISSING:
            return
        count, pounds = self.summary.units.get(unit, (0, Decimal(0)))
        self.summary.units[unit] = (count + 1, pounds + (amount or 0))

    def _department(self, unit: str, council_name: str) -> str | None:
        """The department paying for ``unit``: the council itself when there is none."""
        if not self.council_name and council_name:
            self.council_name = council_name
        if not unit:
            self.summary.council_rows += 1
            return self.council_id
        dept = self.unit_departments.get(unit)
        if dept is not None:
            return dept
        if self.departments_map is not None:
            named = self.departments_map.get(_unit_key(unit))
            if named is None:
                self.unmapped[unit] = self.unmapped.get(unit, 0) + 1
                return None
        else:
            named = unit
        slug = _slug(named) or "department"
        dept = self.existing_departments.get(slug)
        if dept is None:
            if slug not in self.departments:
                self.departments[slug] = (sys.intern(f"{self.council_id}:{slug}"), named)
            dept = self.departments[slug][0]
        self.unit_departments[unit] = dept
        return dept

    def _nothing_from(self, name: str) -> None:
        s = self.summary
        listed = [str(r) for r in s.skipped if r.path == name][:10]
        raise InputError(
            f"no payment to an organisation could be imported from {name}: every row was "
            "redacted, to a private person, or unusable.\n" + "\n".join(listed),
            hint="Check that this is the council's payments file and correct the rows "
            "listed (--skipped FILE lists them all), or leave the file out; nothing was "
            "written.",
            path=name,
        )

    # -- the result -------------------------------------------------------------------

    def finish(self) -> Dataset:
        s = self.summary
        if self.unmapped:
            ranked = sorted(self.unmapped, key=lambda u: (-self.unmapped[u], u))
            shown = ", ".join(f"'{u}'" for u in ranked[:20])
            more = len(ranked) - 20
            raise InputError(
                f"the departments map names no department for {len(ranked):,} unit"
                f"{'' if len(ranked) == 1 else 's'} of the spending files: {shown}"
                + (f", ... and {more:,} more" if more > 0 else "")
                + ".",
                hint="Add a row 'unit,department' for each to the map; nothing was written.",
                column="unit",
            )
        ids: list[str] = []
        names: list[str] = []
        types: list[str] = []
        parents: list[str | None] = []
        if self.council_id not in self.existing_types:
            ids.append(self.council_id)
            names.append(self.council_name or self.council_id)
            types.append("local_authority")
            parents.append(None)
        for dept_id, dept_name in self.departments.values():
            if dept_id in self.existing_types:
                continue
            ids.append(dept_id)
            names.append(dept_name)
            types.append("department")
            parents.append(self.council_id)
        s.departments_added = len(self.departments)
        funding_ids: list[str] = []
        funders: list[str] = []
        recipients: list[str] = []
        amounts: list[float] = []
        dates: list[date] = []
        kinds: list[str] = []
        paid_suppliers: set[str] = set()
        s.pairs = len(self.pairs)
        for (dept, supplier, year), pair in self.pairs.items():
            if pair.net <= 0:
                s.pairs_not_positive += 1
                s.pounds_not_positive += pair.net
                continue
            grant_id = f"SPEND-{dept}:{year}:{supplier.rsplit(':', 1)[1]}"
            if grant_id in self.existing_funding:
                s.already_in_dataset += 1
                continue
            kind = "grant" if pair.paid and pair.grant_paid * 2 >= pair.paid else "contract"
            s.grants += kind == "grant"
            funding_ids.append(grant_id)
            funders.append(dept)
            recipients.append(supplier)
            amounts.append(float(pair.net))
            dates.append(pair.first)
            kinds.append(kind)
            s.pounds_imported += pair.net
            paid_suppliers.add(supplier)
        s.funding_imported = len(funding_ids)
        s.suppliers = len(paid_suppliers)
        for supplier_id in self.suppliers:
            if supplier_id not in paid_suppliers or supplier_id in self.existing_types:
                continue
            name = self.suppliers[supplier_id]
            kind, rule = org_type(supplier_id, name, gives=False, receives=True)
            s.types_by_rule[rule] = s.types_by_rule.get(rule, 0) + 1
            ids.append(supplier_id)
            names.append(name)
            types.append(kind)
            parents.append(None)
        s.organisations_added = len(ids)
        new_orgs = pd.DataFrame(
            {"id": ids, "name": names, "type": types, "parent_id": parents}, dtype="object"
        )
        new_funding = pd.DataFrame(
            {
                "id": pd.Series(funding_ids, dtype="object"),
                "funder_id": pd.Series(funders, dtype="object"),
                "recipient_id": pd.Series(recipients, dtype="object"),
                "amount": pd.Series(amounts, dtype="float64"),
                "award_date": pd.to_datetime(pd.Series(dates, dtype="object")),
                "currency": pd.Series(["GBP"] * len(funding_ids), dtype="object"),
                "kind": pd.Series(kinds, dtype="object"),
            }
        )
        new = Dataset.from_frames(organisations=new_orgs, funding=new_funding)
        tables = self.existing.tables() if self.existing is not None else {}
        tables = {
            **tables,
            "organisations": _concat(tables.get("organisations"), new.organisations),
            "funding": _concat(tables.get("funding"), new.funding),
        }
        dataset = Dataset.from_frames(**tables)
        orgs = dataset.organisations
        s.departments_total = int(
            ((orgs["type"] == "department") & (orgs["parent_id"] == self.council_id)).sum()
        )
        return dataset


def _concat(first: pd.DataFrame | None, second: pd.DataFrame) -> pd.DataFrame:
    if first is None or first.empty:
        return second
    if second.empty:
        return first
    return pd.concat([first, second], ignore_index=True)


def _shown(header: list[str], limit: int = 20) -> str:
    names = ", ".join(f"'{h.strip()}'" for h in header[:limit])
    return names + (", ..." if len(header) > limit else "")


def read_spend(
    paths: Iterable[str | os.PathLike[str]],
    *,
    council_id: str,
    council_name: str | None = None,
    existing: Dataset | None = None,
    departments: dict[str, str] | None = None,
    date_format: str | None = DEFAULT_DATE_FORMAT,
    encoding: str = "utf-8",
    progress: Progress | None = None,
    columns: dict[str, str | None] | None = None,
) -> tuple[Dataset, SpendSummary]:
    """Read council payment files into a Dataset, merged with ``existing``.

    See the module documentation for every rule.

    Parameters
    ----------
    paths : iterable of path-like
        CSV files, or zip files of CSV files, read in order.
    council_id : str, keyword-only
        The council's identifier (``GB-LAE-TRF``); a ``local_authority``.
    council_name : str, optional
        Its name when new to the dataset; by default the file's organisation column
        (``OrganisationLabel``), else the id.
    existing : Dataset, optional
        A dataset to merge into; its organisations and funding rows win.
    departments : dict, optional
        Unit (as compared by :func:`read_departments_map`) to department name.
    date_format : str, optional
        A ``strptime`` format for payment dates; ``YYYY-MM-DD`` is always read.
    encoding : str
        Text encoding of the files (a UTF-8 byte-order mark is always accepted).
    progress : callable, optional
        Called with the number of bytes read (of the files as given) since the
        last call.
    columns : dict, optional
        Role (``unit``, ``supplier``, ``supplier_id``, ``date``, ``amount``,
        ``category``) to the column title to use instead of the usual headings.

    Returns
    -------
    (Dataset, SpendSummary)

    Raises
    ------
    InputError
        When a file cannot be read or its columns placed, a file gives no payment,
        or the map leaves a unit out. Nothing is returned in part.
    """
    importer = _Importer(
        existing,
        council_id=council_id,
        council_name=council_name,
        departments=departments,
        date_format=date_format,
        overrides=dict(columns or {}),
    )
    for path in paths:
        importer.read(path, encoding, progress)
    return importer.finish(), importer.summary


def import_spend(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    council_id: str,
    council_name: str | None = None,
    departments: str | os.PathLike[str] | None = None,
    date_format: str | None = DEFAULT_DATE_FORMAT,
    encoding: str = "utf-8",
    progress: Progress | None = None,
    columns: dict[str, str | None] | None = None,
    skipped: str | os.PathLike[str] | None = None,
    dataset_date_format: str | None = None,
) -> SpendSummary:
    """Import council payment files into the dataset folder ``out``, merging with it.

    The merged dataset is validated in full before ``organisations.csv`` and
    ``funding.csv`` are replaced (each atomically); when anything fails nothing in
    ``out`` changes. With more than :data:`MANY_UNITS` units and no map, the units
    file (:data:`~partnernet.io.folders.SPEND_UNITS`) is written beside them.

    Parameters
    ----------
    paths, council_id, council_name, date_format, encoding, progress, columns
        As for :func:`read_spend`.
    out : path-like
        The dataset folder; created when missing.
    departments : path-like, optional
        A ``unit,department`` map (see :func:`read_departments_map`).
    skipped : path-like, optional
        Where to write every unusable payment row (see :func:`write_skipped`);
        written whether the import succeeds or fails. Redacted rows and payments to
        private persons are counted only, never listed.
    dataset_date_format : str, optional
        The date format of the dataset already in ``out``, when not ``YYYY-MM-DD``.

    Returns
    -------
    SpendSummary
    """
    paths = list(paths)
    require_files(paths)  # a missing file is named before anything about the dataset
    mapping = read_departments_map(departments, encoding=encoding) if departments else None
    existing = read_existing(out, date_format=dataset_date_format, encoding=encoding)
    importer = _Importer(
        existing,
        council_id=council_id,
        council_name=council_name,
        departments=mapping,
        date_format=date_format,
        overrides=dict(columns or {}),
    )
    try:
        for path in paths:
            importer.read(path, encoding, progress)
        dataset = importer.finish()
        write_validated(dataset, out, tables=("organisations", "funding"))
    finally:
        if skipped is not None:
            write_skipped(importer.summary, skipped)
    summary = importer.summary
    if summary.many_units:
        target = Path(out) / SPEND_UNITS
        write_units(summary, target)
        summary.units_file = str(target)
    return summary


def write_skipped(summary: SpendSummary, path: str | os.PathLike[str]) -> None:
    """Write every unusable payment row, and why, as a CSV file (atomically).

    Columns: ``file``, ``row``, ``column``, ``value``, ``reason``. The value is the
    cell at fault (an amount, a date), never a beneficiary's name. Cells a
    spreadsheet would run as a formula are neutralised.
    """
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "row", "column", "value", "reason"])
        for item in summary.skipped:
            cells = [item.path, item.row, item.column, item.value, item.reason]
            writer.writerow(["" if c is None else neutralise_cell(c) for c in cells])


def write_units(summary: SpendSummary, path: str | os.PathLike[str]) -> None:
    """Write the units file: ``unit,department,payments,pounds``, most pounds first.

    The department column is blank, for a person to fill in and pass back with
    ``--departments``. Cells a spreadsheet would run as a formula are neutralised.
    """
    ranked = sorted(summary.units.items(), key=lambda kv: (-kv[1][1], kv[0]))
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["unit", "department", "payments", "pounds"])
        for unit, (count, pounds) in ranked:
            writer.writerow([neutralise_cell(unit), "", count, f"{pounds:.2f}"])
