"""Import 360Giving grant files (flat CSV and JSON) into a dataset (DESIGN section 2).

360Giving is the UK open standard for publishing grants. A flat CSV file has one
grant per row under the standard's column titles (``Identifier``, ``Amount
Awarded``, ``Award Date``, ``Recipient Org:Identifier``, ``Funding Org:Identifier``,
...); a JSON file is ``{"grants": [...]}`` with ``recipientOrganization`` and
``fundingOrganization`` lists, or, in early files, flat records keyed by the
titles run together (``RecipientOrgIdentifier``, ``amountAwarded``, ...). All are
read a record at a time, so a file of a million grants imports in bounded memory:
organisations are aggregated in a dict and the funding rows held as compact
columns.

The rules, each reported in the :class:`ImportSummary`:

- A grant is kept once: the same ``Identifier`` seen again (in the same or another
  file) is a duplicate and the first one is kept; a grant whose id is already in
  the dataset being merged into is left as the dataset has it.
- Organisations are keyed by identifier. An aliases file (``alias,id``) joins one
  organisation known by two identifiers. The name is the first one seen.
- ``Funding Org:Department`` becomes a ``department`` organisation whose parent is
  the funder, and the department funds the grant. Departments belong to public
  bodies (DESIGN section 2), so when the funder is not a public body the department
  is ignored, the funder itself funds the grant and the summary says so.
- The type of a new organisation comes from the stated rules of
  :mod:`partnernet.io.importers.orgtypes` (public-body prefixes and area codes, then
  "gives grants and receives none" is a ``funder``, then other prefixes, a charity
  number, a legal form in the name, else ``other``); the summary counts each rule
  and lists the ``other`` ones so a person can correct them.
- Grants to individuals (``Recipient Ind:*``, ``recipientIndividual``) are counted
  and left out: individuals are not organisations and are never linked.
- Organisation identifiers are made whole by
  :func:`partnernet.io.parse.normalise_org_id` (docs/import-rules.md,
  "Identifiers"), each fix counted; likely duplicates (same name, or a record's own
  charity or company number naming another organisation) are suggested in
  ``suggested-aliases.csv``, never merged.
- A row that cannot be used -- no grant identifier, no recipient or funding
  organisation, a placeholder identifier such as ``DUMMY01``, a value that is no
  identifier (a web address, a place name), an amount that is not a number or not
  above zero, an award date in an unknown format -- is listed with its file and
  row and left out, never guessed. A file that gives no grant fails the import.
- A funder that is also a recipient stays one organisation, so chains of
  re-granted money stay visible in the graph.

Merging with an existing dataset: its organisation rows win (their type, name and
parent are kept, so a type corrected by hand survives the next import) and its
grants win over grants with the same id. Only ``organisations.csv`` and
``funding.csv`` are rewritten; the other tables are left untouched.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from partnernet.errors import InputError
from partnernet.io.folders import SUGGESTED_ALIASES
from partnernet.io.importers.orgtypes import (
    FUNDER_RULE,
    ORG_ID_PREFIX_TYPES,
    OTHER_RULE,
    org_type,
    org_type_from_id,
    type_from_id,
)
from partnernet.io.merge import read_aliases, read_existing, write_validated
from partnernet.io.parse import (
    ORG_ID_FIXES,
    OrgId,
    normalise_org_id,
    parse_date,
    parse_money,
    parse_months,
    quote,
)
from partnernet.io.rows import (
    JsonList,
    Progress,
    SkippedRow,
    csv_records,
    file_kind,
    json_items,
    json_path,
    require_files,
)
from partnernet.io.writers import atomic_open, neutralise_cell
from partnernet.model import PUBLIC_BODY_TYPES, Dataset

__all__ = [
    "ORG_ID_PREFIX_TYPES",
    "SUGGESTED_ALIASES",
    "ImportSummary",
    "import_360giving",
    "normal_name",
    "org_type_from_id",
    "read_360giving",
    "write_skipped",
    "write_suggested_aliases",
]

# 360Giving's convention for an anonymised grant to a person published as an org.
_INDIVIDUAL_NAMES = frozenset({"individual recipient"})
_FIRST_YEAR, _LAST_YEAR = 1900, 2100
_CURRENCY = re.compile(r"[A-Z]{3}")

# The fields read from each grant: (flat CSV column title, JSON path).
_FIELDS: dict[str, tuple[str, str]] = {
    "id": ("Identifier", "id"),
    "amount": ("Amount Awarded", "amountAwarded"),
    "currency": ("Currency", "currency"),
    "award_date": ("Award Date", "awardDate"),
    "duration": ("Planned Dates:Duration (months)", "plannedDates/0/duration"),
    "programme": ("Grant Programme:Title", "grantProgramme/0/title"),
    "recipient_id": ("Recipient Org:Identifier", "recipientOrganization/0/id"),
    "recipient_name": ("Recipient Org:Name", "recipientOrganization/0/name"),
    "recipient_charity": (
        "Recipient Org:Charity Number",
        "recipientOrganization/0/charityNumber",
    ),
    "recipient_company": (
        "Recipient Org:Company Number",
        "recipientOrganization/0/companyNumber",
    ),
    "individual_id": ("Recipient Ind:Identifier", "recipientIndividual/id"),
    "individual_name": ("Recipient Ind:Name", "recipientIndividual/name"),
    "funder_id": ("Funding Org:Identifier", "fundingOrganization/0/id"),
    "funder_name": ("Funding Org:Name", "fundingOrganization/0/name"),
    "funder_department": ("Funding Org:Department", "fundingOrganization/0/department"),
    "funder_charity": ("Funding Org:Charity Number", "fundingOrganization/0/charityNumber"),
    "funder_company": ("Funding Org:Company Number", "fundingOrganization/0/companyNumber"),
}
# The keys of a nested JSON grant; a grant with none of them is a flat record.
_NESTED_KEYS = ("recipientOrganization", "fundingOrganization", "recipientIndividual")
# Keys early flat JSON files used besides the CSV titles run together (a flat key is
# matched whatever its case and punctuation: 'RecipientOrgIdentifier', 'Recipient
# Org:Identifier' and 'recipient_org_identifier' are one key).
_FLAT_EXTRA_KEYS: dict[str, tuple[str, ...]] = {
    "id": ("id", "grantidentifier", "grantid"),
    "duration": ("planneddatesduration", "plannedduration", "duration", "durationmonths"),
    "programme": ("grantprogramme", "grantprogrammename", "programme"),
    "recipient_charity": ("recipientorgcharityno", "recipientcharitynumber"),
    "recipient_company": ("recipientorgcompanyno", "recipientcompanynumber"),
    "funder_department": ("fundingorgdepartmentname",),
}
_NAMES = tuple(_FIELDS)
_IDX = {name: i for i, name in enumerate(_NAMES)}
_CSV_COLUMNS = tuple(_FIELDS[n][0] for n in _NAMES)
_JSON_PATHS = tuple(_FIELDS[n][1] for n in _NAMES)
_REQUIRED_CSV = ("id", "amount", "award_date", "funder_id")


@dataclass
class ImportSummary:
    """What an import read, kept and left out, and why.

    ``pounds`` totals the imported grants in GBP; grants in other currencies are
    totalled in ``other_currencies`` (a blank currency under ``""``).
    """

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    grants_imported: int = 0
    pounds: Decimal = Decimal(0)
    other_currencies: dict[str, Decimal] = field(default_factory=dict)
    duplicates: int = 0
    conflicting_duplicates: list[SkippedRow] = field(default_factory=list)
    already_in_dataset: int = 0
    individual_grants: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    organisations_added: int = 0
    departments_added: int = 0
    organisations_total: int = 0
    grants_total: int = 0
    types_added: dict[str, int] = field(default_factory=dict)
    types_by_rule: dict[str, int] = field(default_factory=dict)
    inferred_other: list[tuple[str, str]] = field(default_factory=list)
    inferred_funder: list[tuple[str, str]] = field(default_factory=list)
    names_missing: list[str] = field(default_factory=list)
    departments_ignored: dict[str, int] = field(default_factory=dict)
    # Fix name -> {identifier as published: identifier made whole}.
    id_fixes: dict[str, dict[str, str]] = field(default_factory=dict)
    left_out_pounds: Decimal = Decimal(0)
    left_out_other: dict[str, Decimal] = field(default_factory=dict)
    # (alias, id, why): likely one organisation under two ids, never merged here.
    suggested_aliases: list[tuple[str, str, str]] = field(default_factory=list)
    suggested_aliases_file: str | None = None

    @property
    def left_out(self) -> int:
        """Grants read but not imported: unusable rows and grants to individuals."""
        return len(self.skipped) + self.individual_grants

    def left_out_line(self) -> str | None:
        """The grants and pounds left out, in one line (shown even under --quiet)."""
        if not self.left_out:
            return None
        other = "".join(
            f" and {cur or 'no currency'} {v:,.2f}"
            for cur, v in sorted(self.left_out_other.items())
        )
        return (
            f"Left out {self.left_out:,} of {self.rows_read:,} grant{_s(self.rows_read)} "
            f"worth £{self.left_out_pounds:,.2f}{other} ({len(self.skipped):,} unusable, "
            f"{self.individual_grants:,} to individuals)."
        )

    def id_fix_counts(self) -> dict[str, int]:
        """How many distinct published identifiers each identifier rule fixed."""
        return {fix: len(self.id_fixes[fix]) for fix in ORG_ID_FIXES if fix in self.id_fixes}

    def skipped_by_reason(self) -> dict[str, int]:
        """How many rows were left out for each kind of reason."""
        counts: dict[str, int] = {}
        for row in self.skipped:
            kind = row.reason.split(":")[0]
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def lines(self, *, max_listed: int = 20) -> list[str]:
        """The summary as lines of text for a person, lists cut at ``max_listed``."""
        out = [
            f"Read {self.rows_read:,} grant{_s(self.rows_read)} from "
            f"{len(self.files)} file{_s(len(self.files))}.",
            f"Imported {self.grants_imported:,} grant{_s(self.grants_imported)} "
            f"worth £{self.pounds:,.2f}"
            + "".join(
                f" and {cur or 'no currency'} {v:,.2f}"
                for cur, v in sorted(self.other_currencies.items())
            )
            + f"; added {self.organisations_added:,} organisation"
            f"{_s(self.organisations_added)} (of which {self.departments_added} "
            f"department{_s(self.departments_added)}).",
            f"The dataset now holds {self.organisations_total:,} organisations and "
            f"{self.grants_total:,} grants.",
        ]
        for fix, n in self.id_fix_counts().items():
            raw, made = next(iter(self.id_fixes[fix].items()))
            out.append(f"Identifiers made whole: {n:,} {fix} (e.g. {quote(raw)} -> {quote(made)}).")
        if self.suggested_aliases:
            n = len(self.suggested_aliases)
            where = self.suggested_aliases_file or "an aliases file"
            out.append(
                f"{n:,} identifier{_s(n)} may name the same organisation as another (not "
                f"merged): check {where} and import again into a new folder with --aliases "
                f"{where} to join them."
            )
            out.extend(
                f"  {alias} -> {target}: {why}"
                for alias, target, why in self.suggested_aliases[:max_listed]
            )
            if n > max_listed:
                out.append(f"  ... and {n - max_listed:,} more.")
        if self.types_added:
            out.append(
                "New organisations by type: "
                + ", ".join(f"{t} {n}" for t, n in sorted(self.types_added.items()))
                + "."
            )
        if self.types_by_rule:
            out.append(
                "Types by rule (docs/import-rules.md): "
                + ", ".join(
                    f"{n:,} other" if rule == OTHER_RULE else f"{n:,} by {rule}"
                    for rule, n in sorted(
                        self.types_by_rule.items(), key=lambda kv: (-kv[1], kv[0])
                    )
                )
                + "."
            )
        if self.duplicates:
            out.append(
                f"{self.duplicates:,} grant{_s(self.duplicates)} appeared more than once "
                "(same Identifier); the first was kept."
            )
            out.extend(
                f"  differs from the first: {row}"
                for row in self.conflicting_duplicates[:max_listed]
            )
        if self.already_in_dataset:
            out.append(
                f"{self.already_in_dataset:,} grant{_s(self.already_in_dataset)} already in "
                "the dataset were left as they were."
            )
        if self.individual_grants:
            out.append(
                f"{self.individual_grants:,} grant{_s(self.individual_grants)} to individuals "
                "left out (individuals are not organisations)."
            )
        if self.skipped:
            reasons = "; ".join(f"{n} {r}" for r, n in self.skipped_by_reason().items())
            out.append(
                f"{len(self.skipped):,} grant{_s(len(self.skipped))} left out as unusable: "
                f"{reasons}."
            )
            out.extend(f"  {row}" for row in self.skipped[:max_listed])
            if len(self.skipped) > max_listed:
                out.append(f"  ... and {len(self.skipped) - max_listed:,} more.")
        for funder, n in sorted(self.departments_ignored.items()):
            out.append(
                f"{n:,} grant{_s(n)} from {funder} name{'s' if n == 1 else ''} a department, "
                f"but {funder} is not a public body: the department was ignored and "
                f"{funder} funds the grant{_s(n)}. Set its type in organisations.csv and "
                "import again to keep its departments."
            )
        if self.names_missing:
            out.append(
                f"{len(self.names_missing)} organisation{_s(len(self.names_missing))} had no "
                "name; the identifier is used as the name: "
                + _listing(self.names_missing, max_listed)
            )
        if self.inferred_funder:
            out.append(
                f"{len(self.inferred_funder)} funding organisation"
                f"{_s(len(self.inferred_funder))} typed 'funder' because they give grants "
                "and receive none: " + _listing([i for i, _ in self.inferred_funder], max_listed)
            )
        if self.inferred_other:
            out.append(
                f"{len(self.inferred_other)} organisation{_s(len(self.inferred_other))} "
                "typed 'other' because no rule says what they are; set the type in "
                "organisations.csv (an import never overwrites it): "
                + _listing([i for i, _ in self.inferred_other], max_listed)
            )
        return out


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _listing(items: list[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    rest = len(items) - limit
    return shown + (f", ... and {rest:,} more." if rest > 0 else ".")


# ---------------------------------------------------------------------- the import


def read_360giving(
    paths: Iterable[str | os.PathLike[str]],
    *,
    existing: Dataset | None = None,
    aliases: Mapping[str, str] | None = None,
    date_format: str | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> tuple[Dataset, ImportSummary]:
    """Read 360Giving grant files into a Dataset, merged with ``existing``.

    See the module documentation for every rule.

    Parameters
    ----------
    paths : iterable of path-like
        360Giving flat CSV (``.csv``) or JSON (``.json``) files, read in order.
    existing : Dataset, optional
        A dataset to merge into; its organisations and grants win on conflicts.
    aliases : mapping, optional
        Alias to identifier (see :func:`read_aliases`).
    date_format : str, optional
        A ``strptime`` format accepted for award dates besides ISO 8601.
    encoding : str
        Text encoding of the files (a UTF-8 byte-order mark is always accepted).
    progress : callable, optional
        Called with the number of bytes read since the last call.

    Returns
    -------
    (Dataset, ImportSummary)
        The merged dataset and what happened.

    Raises
    ------
    InputError
        When a file cannot be read as 360Giving data, or no grant in any file can
        be used. Nothing is returned in part.
    """
    importer = _Importer(existing, dict(aliases or {}), date_format)
    return _run(importer, paths, encoding, progress)


def _run(
    importer: _Importer,
    paths: Iterable[str | os.PathLike[str]],
    encoding: str,
    progress: Progress | None,
) -> tuple[Dataset, ImportSummary]:
    for path in paths:
        name = str(path)
        importer.summary.files.append(name)
        for row, values, unit, columns in _records(path, encoding, progress):
            importer.add(name, row, values, unit=unit, columns=columns)
    return importer.finish()


def import_360giving(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    aliases: str | os.PathLike[str] | None = None,
    date_format: str | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
    skipped: str | os.PathLike[str] | None = None,
) -> ImportSummary:
    """Import 360Giving files into the dataset folder ``out``, merging with it.

    The merged dataset is validated in full before ``organisations.csv`` and
    ``funding.csv`` are replaced (each atomically); when anything fails nothing in
    ``out`` changes. The two files are written in the contract's own format, so
    their dates are ``YYYY-MM-DD`` even when the dataset's other files use the
    format given by ``date_format``.

    Parameters
    ----------
    paths : iterable of path-like
        360Giving flat CSV or JSON files.
    out : path-like
        The dataset folder; created when missing.
    aliases : path-like, optional
        An aliases file (see :func:`read_aliases`).
    date_format, encoding, progress
        As for :func:`read_360giving`; ``date_format`` and ``encoding`` also apply to
        the dataset already in ``out``.
    skipped : path-like, optional
        Where to write every grant left out (see :func:`write_skipped`); written
        whether the import succeeds or fails, with the rows read until then.

    Returns
    -------
    ImportSummary
        Likely duplicate organisations are written to ``out/suggested-aliases.csv``
        (``alias,id,reason``; see :func:`write_suggested_aliases`), never merged.
    """
    paths = list(paths)
    require_files(paths)  # a missing file is named before anything about the dataset
    alias_map = read_aliases(aliases, encoding=encoding) if aliases is not None else None
    existing = read_existing(out, date_format=date_format, encoding=encoding)
    importer = _Importer(existing, dict(alias_map or {}), date_format)
    try:
        dataset, summary = _run(importer, paths, encoding, progress)
        write_validated(dataset, out, tables=("organisations", "funding"))
    finally:
        if skipped is not None:
            write_skipped(importer.summary, skipped)
    if summary.suggested_aliases:
        target = Path(out) / SUGGESTED_ALIASES
        write_suggested_aliases(summary, target)
        summary.suggested_aliases_file = str(target)
    return summary


def write_suggested_aliases(summary: ImportSummary, path: str | os.PathLike[str]) -> None:
    """Write the likely duplicate organisations as an aliases file (atomically).

    Columns ``alias``, ``id`` (what :func:`~partnernet.io.merge.read_aliases` reads)
    and ``reason``; a person checks each row, deletes the wrong ones and passes the
    file back with ``--aliases``.
    """
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["alias", "id", "reason"])
        for row in summary.suggested_aliases:
            writer.writerow([neutralise_cell(c) for c in row])


def write_skipped(summary: ImportSummary, path: str | os.PathLike[str]) -> None:
    """Write every grant an import left out, and why, as a CSV file (atomically).

    Columns: ``file``, ``row`` (a CSV file's spreadsheet row, or the grant's place
    in a JSON file), ``column``, ``value``, ``reason``, ``grant_id``. Duplicates that
    differ from the grant kept are included. Cells that a spreadsheet would run as a
    formula are neutralised.
    """
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "row", "column", "value", "reason", "grant_id"])
        for item in [*summary.skipped, *summary.conflicting_duplicates]:
            cells = [item.path, item.row, item.column, item.value, item.reason, item.grant_id]
            writer.writerow(["" if c is None else neutralise_cell(c) for c in cells])


class _Org:
    """What the grants say about one organisation, gathered as they stream past."""

    __slots__ = ("charity", "funder", "name", "numbers", "recipient")

    def __init__(self, name: str) -> None:
        self.name = name
        self.charity = False
        self.funder = False
        self.recipient = False
        # Its own charity and company numbers as the grants give them.
        self.numbers: set[tuple[str, str]] | None = None

    def note_numbers(self, charity: str | None, company: str | None) -> None:
        for kind, number in (("charity", charity), ("company", company)):
            if number:
                if self.numbers is None:
                    self.numbers = set()
                self.numbers.add((kind, number))


class _FileCounts:
    """How one input file's grants went, to fail a file that gives none."""

    __slots__ = ("individuals", "read", "reasons", "usable")

    def __init__(self) -> None:
        self.read = 0
        self.usable = 0
        self.individuals = 0
        self.reasons: dict[str, int] = {}

    def describe(self) -> str:
        """Why the file gave no grant, the main reason first."""
        if self.read == 0:
            return "it holds no grants."
        parts = [
            f"{n:,} {reason}"
            for reason, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        if self.individuals:
            parts.append(f"{self.individuals:,} to individuals")
        return f"none of its {self.read:,} grant{_s(self.read)} could be used: {'; '.join(parts)}."


class _Importer:
    """Accumulates grants a record at a time; ``finish`` builds the Dataset."""

    def __init__(
        self, existing: Dataset | None, aliases: dict[str, str], date_format: str | None
    ) -> None:
        self.existing = existing
        self.aliases = aliases
        self.date_format = date_format
        self.summary = ImportSummary()
        orgs = existing.organisations if existing is not None else None
        self.existing_types: dict[str, str] = (
            dict(zip(orgs["id"], orgs["type"], strict=True)) if orgs is not None else {}
        )
        clash = sorted(a for a in aliases if a in self.existing_types)
        if clash:
            raise InputError(
                f"the aliases file renames {', '.join(repr(a) for a in clash[:5])}, which "
                "the dataset already holds as an organisation.",
                hint="Aliases only rename identifiers in grant files: replace the alias by "
                "its id in the dataset's files first, or remove the alias.",
            )
        self.existing_grants: set[str] = (
            set(existing.funding["id"]) if existing is not None else set()
        )
        self.existing_departments: dict[tuple[str, str], str] = {}
        if orgs is not None:
            depts = orgs[(orgs["type"] == "department") & orgs["parent_id"].notna()]
            for dept_id, name, parent in zip(
                depts["id"], depts["name"], depts["parent_id"], strict=True
            ):
                self.existing_departments.setdefault((parent, _slug(name)), dept_id)
        self.orgs: dict[str, _Org] = {}
        self.departments: dict[tuple[str, str], tuple[str, str]] = {}
        self.grant_index: dict[str, int] = {}
        # The funding rows as compact columns: a million grants fit in memory.
        self.ids: list[str] = []
        self.funders: list[str] = []
        self.recipients: list[str] = []
        self.amounts = array("d")
        self.days = array("q")
        self.durations = array("q")
        self.programmes: list[str | None] = []
        self.currencies: list[str | None] = []
        self.where: list[tuple[str, int, str]] = []
        self.per_file: dict[str, _FileCounts] = {}
        # Ids repeat from grant to grant: each spelling is made whole once.
        self.id_cache: dict[tuple[str | None, str | None, str | None], OrgId] = {}

    # -- one record ---------------------------------------------------------------

    def add(
        self,
        path: str,
        row: int,
        values: list[Any],
        *,
        unit: str = "row",
        columns: Sequence[str] = _CSV_COLUMNS,
    ) -> None:
        """Take one grant record: keep it, count it or list why it was left out."""
        s = self.summary
        s.rows_read += 1
        per_file = self.per_file.setdefault(path, _FileCounts())
        per_file.read += 1
        (
            grant_id,
            _,
            currency,
            raw_date,
            _,
            programme,
            raw_recipient,
            recipient_name,
            recipient_charity,
            recipient_company,
            individual_id,
            individual_name,
            raw_funder,
            funder_name,
            department,
            funder_charity,
            funder_company,
        ) = (_text(x) for x in values)
        raw_amount, raw_duration = values[_IDX["amount"]], values[_IDX["duration"]]
        # What a left-out grant was worth, so no pound leaves the import unstated.
        worth = parse_money(raw_amount)

        def skip(name: str | None, value: object, reason: str) -> None:
            column = columns[_IDX[name]] if name else None
            shown = None if value is None else str(value)
            s.skipped.append(SkippedRow(path, row, column, shown, reason, grant_id, unit))
            kind = reason.split(":")[0]
            per_file.reasons[kind] = per_file.reasons.get(kind, 0) + 1
            self._left_out(worth, currency)

        if (recipient_name or "").casefold() in _INDIVIDUAL_NAMES or (
            not raw_recipient and (individual_id or individual_name)
        ):
            s.individual_grants += 1
            per_file.individuals += 1
            self._left_out(worth, currency)
            return
        if not grant_id:
            skip("id", None, "no grant identifier: the grant cannot be told apart from others")
            return
        org_ids: list[str] = []
        for name, value, what, charity, company in (
            ("recipient_id", raw_recipient, "recipient", recipient_charity, recipient_company),
            ("funder_id", raw_funder, "funding", funder_charity, funder_company),
        ):
            key = (value, charity, company)
            made = self.id_cache.get(key)
            if made is None:
                made = self.id_cache[key] = normalise_org_id(
                    value, charity_number=charity, company_number=company
                )
            if made.problem is not None:
                skip(name, value, made.problem)
                return
            if made.id is None:
                skip(name, None, f"no {what} organisation")
                return
            for fix in made.fixes:
                s.id_fixes.setdefault(fix, {})[value or ""] = made.id
            org_ids.append(made.id)
        recipient, funder = org_ids
        recipient = sys.intern(self.aliases.get(recipient, recipient))
        funder = sys.intern(self.aliases.get(funder, funder))
        if recipient == funder:
            skip("recipient_id", recipient, "recipient is the funder: a grant to itself is no tie")
            return

        amount = parse_money(raw_amount)
        if amount is None:
            shown = "" if raw_amount is None else str(raw_amount).strip()
            if shown:
                skip("amount", shown, f"amount not a number: '{shown}'")
            else:
                skip("amount", None, "no amount")
            return
        if amount <= 0:
            skip("amount", raw_amount, f"amount not above zero: {raw_amount}")
            return
        # The dataset contract reads an empty currency as pounds.
        currency = (currency or "GBP").upper()
        if not _CURRENCY.fullmatch(currency):
            skip("currency", currency, f"currency not a three-letter code: '{currency}'")
            return
        if not raw_date:
            skip("award_date", None, "no award date")
            return
        award = parse_date(raw_date, date_format=self.date_format, date_times=True)
        if award is None:
            skip(
                "award_date",
                raw_date,
                f"unknown date format: '{raw_date}' (dates must be YYYY-MM-DD or an ISO "
                "date-time, or give the format with --date-format, e.g. %d/%m/%Y)",
            )
            return
        if not _FIRST_YEAR <= award.year <= _LAST_YEAR:
            skip(
                "award_date",
                raw_date,
                f"date out of range: '{raw_date}' is not a plausible award date",
            )
            return

        per_file.usable += 1
        seen = self.grant_index.get(grant_id)
        if seen is not None:
            self.summary.duplicates += 1
            first = (self.recipients[seen], self.amounts[seen], self.days[seen])
            if first != (recipient, float(amount), award.toordinal()):
                first_path, first_row, first_unit = self.where[seen]
                self.summary.conflicting_duplicates.append(
                    SkippedRow(
                        path,
                        row,
                        columns[_IDX["id"]],
                        grant_id,
                        f"duplicate grant '{grant_id}' differs from the one kept "
                        f"({first_path}, {first_unit} {first_row})",
                        grant_id,
                        unit,
                    )
                )
            return
        if grant_id in self.existing_grants:
            self.summary.already_in_dataset += 1
            return

        funding_org = self._funding_org(funder, department)
        funder_org = self._org(funder, funder_name)
        funder_org.funder = True
        if funder_charity:
            funder_org.charity = True
        funder_org.note_numbers(funder_charity, funder_company)
        recipient_org = self._org(recipient, recipient_name)
        recipient_org.recipient = True
        if recipient_charity:
            recipient_org.charity = True
        recipient_org.note_numbers(recipient_charity, recipient_company)

        self.grant_index[grant_id] = len(self.ids)
        self.ids.append(grant_id)
        self.funders.append(funding_org)
        self.recipients.append(recipient)
        self.amounts.append(float(amount))
        self.days.append(award.toordinal())
        self.durations.append(_months(raw_duration))
        self.programmes.append(sys.intern(programme) if programme else None)
        self.currencies.append(sys.intern(currency))
        self.where.append((path, row, unit))
        if currency == "GBP":
            self.summary.pounds += amount
        else:
            totals = self.summary.other_currencies
            totals[currency] = totals.get(currency, Decimal(0)) + amount

    def _left_out(self, worth: Decimal | None, currency: str | None) -> None:
        if worth is None or worth <= 0:
            return
        code = (currency or "GBP").upper()
        if code == "GBP":
            self.summary.left_out_pounds += worth
        else:
            other = self.summary.left_out_other
            other[code] = other.get(code, Decimal(0)) + worth

    def _org(self, org_id: str, name: str | None) -> _Org:
        org = self.orgs.get(org_id)
        if org is None:
            org = self.orgs[org_id] = _Org(name or "")
        elif not org.name and name:
            org.name = name
        return org

    def _funding_org(self, funder: str, department: str | None) -> str:
        """The department of ``funder`` named by the grant, or the funder itself."""
        if not department:
            return funder
        by_id = type_from_id(funder)
        funder_type = self.existing_types.get(funder) or (by_id[0] if by_id else None)
        if funder_type not in PUBLIC_BODY_TYPES:
            ignored = self.summary.departments_ignored
            ignored[funder] = ignored.get(funder, 0) + 1
            return funder
        key = (funder, _slug(department))
        existing = self.existing_departments.get(key)
        if existing is not None:
            return existing
        if key not in self.departments:
            self.departments[key] = (sys.intern(f"{funder}:{key[1]}"), department)
        return self.departments[key][0]

    # -- the result ---------------------------------------------------------------

    def finish(self) -> tuple[Dataset, ImportSummary]:
        s = self.summary
        self._fail_files_that_gave_nothing()
        new = Dataset.from_frames(
            organisations=self._new_organisations(), funding=self._funding_frame()
        )
        tables = self.existing.tables() if self.existing is not None else {}
        tables = {
            **tables,
            "organisations": _concat(tables.get("organisations"), new.organisations),
            "funding": _concat(tables.get("funding"), new.funding),
        }
        dataset = Dataset.from_frames(**tables)
        s.grants_imported = len(self.ids)
        s.organisations_added = len(new.organisations)
        s.departments_added = int((new.organisations["type"] == "department").sum())
        s.organisations_total = len(dataset.organisations)
        s.grants_total = len(dataset.funding)
        s.types_added = {
            str(t): int(n) for t, n in new.organisations["type"].value_counts().items()
        }
        s.suggested_aliases = self._suggest_aliases(dataset.organisations)
        return dataset, s

    def _fail_files_that_gave_nothing(self) -> None:
        """Stop the import when any file gives no grant, whatever the others give."""
        s = self.summary
        empty = [
            (name, self.per_file.get(name, _FileCounts()))
            for name in dict.fromkeys(s.files)
            if self.per_file.get(name, _FileCounts()).usable == 0
        ]
        if not empty:
            return
        lines = [f"{name}: {counts.describe()}" for name, counts in empty]
        given = sum(c.usable for c in self.per_file.values())
        if given:
            lines.append(
                f"The other file{_s(len(s.files) - len(empty))} gave {given:,} grant"
                f"{_s(given)}, but none was imported: a file that gives nothing is not "
                "left out in silence."
            )
        names = {name for name, _ in empty}
        listed = [str(r) for r in s.skipped if r.path in names][:10]
        noun = "this file gives" if len(empty) == 1 else "these files give"
        raise InputError(
            f"no grant to an organisation could be imported from "
            f"{', '.join(n for n, _ in empty)}: {noun} no grant.\n" + "\n".join([*lines, *listed]),
            hint="Check that the file is 360Giving grant data and correct the rows listed "
            "(--skipped FILE lists them all), or leave the file out; nothing was written.",
            path=empty[0][0],
        )

    def _suggest_aliases(self, organisations: pd.DataFrame) -> list[tuple[str, str, str]]:
        """Ids that likely name one organisation: same name, or its own numbers."""
        orgs = organisations[organisations["type"] != "department"]
        ids = [str(i) for i in orgs["id"]]
        names = dict(zip(ids, (str(n) for n in orgs["name"]), strict=True))
        parent = {i: i for i in ids}
        by_number: dict[str, list[str]] = {}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def join(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        by_name: dict[str, str] = {}
        for org_id in ids:
            key = normal_name(names[org_id])
            if not key or key == normal_name(org_id):
                continue
            join(org_id, by_name.setdefault(key, org_id))
        for org_id, org in self.orgs.items():
            for kind, number in sorted(org.numbers or ()):
                other = normalise_org_id(
                    "GB-CHC-" if kind == "charity" else "GB-COH-",
                    charity_number=number if kind == "charity" else None,
                    company_number=number if kind == "company" else None,
                ).id
                if other is not None and other != org_id and other in parent and org_id in parent:
                    join(org_id, other)
                    reason = f"grants to {org_id} give its number as {other}"
                    by_number.setdefault(org_id, []).append(reason)
                    by_number.setdefault(other, []).append(reason)
        groups: dict[str, list[str]] = {}
        for org_id in ids:
            groups.setdefault(find(org_id), []).append(org_id)
        out: list[tuple[str, str, str]] = []
        for members in groups.values():
            if len(members) < 2:
                continue
            target = min(members, key=_id_preference)
            for m in sorted(members):
                if m == target:
                    continue
                if normal_name(names[m]) == normal_name(names[target]):
                    why = f"same name as {target}: '{names[m]}'"
                else:
                    why = (
                        "; ".join(by_number.get(m, [])) or f"linked to {target} through the others"
                    )
                out.append((m, target, why))
        return sorted(out, key=lambda t: (t[1], t[0]))

    def _new_organisations(self) -> pd.DataFrame:
        ids: list[str] = []
        names: list[str] = []
        types: list[str] = []
        parents: list[str | None] = []
        s = self.summary
        for org_id, org in self.orgs.items():
            if org_id in self.existing_types:
                continue
            kind, rule = org_type(
                org_id,
                org.name,
                gives=org.funder,
                receives=org.recipient,
                charity_number=org.charity,
            )
            s.types_by_rule[rule] = s.types_by_rule.get(rule, 0) + 1
            if rule == FUNDER_RULE:
                s.inferred_funder.append((org_id, org.name or org_id))
            elif rule == OTHER_RULE:
                s.inferred_other.append((org_id, org.name or org_id))
            if not org.name:
                s.names_missing.append(org_id)
            ids.append(org_id)
            names.append(org.name or org_id)
            types.append(kind)
            parents.append(None)
        for (funder, _), (dept_id, dept_name) in self.departments.items():
            if dept_id in self.existing_types:
                continue
            ids.append(dept_id)
            names.append(dept_name)
            types.append("department")
            parents.append(funder)
        return pd.DataFrame(
            {"id": ids, "name": names, "type": types, "parent_id": parents},
            dtype="object",
        )

    def _funding_frame(self) -> pd.DataFrame:
        # Ordinal day numbers to datetime64 without a Python object per grant.
        epoch = date(1970, 1, 1).toordinal()
        days = np.array(self.days, dtype=np.int64) - epoch
        months = np.array(self.durations, dtype=np.int64)
        # 0 stands for a duration that was missing or not a whole number of months.
        durations = pd.Series(months, dtype="Int64").where(months > 0)
        return pd.DataFrame(
            {
                "id": pd.Series(self.ids, dtype="object"),
                "funder_id": pd.Series(self.funders, dtype="object"),
                "recipient_id": pd.Series(self.recipients, dtype="object"),
                "amount": np.array(self.amounts, dtype=np.float64),
                "award_date": days.astype("datetime64[D]").astype("datetime64[ns]"),
                "currency": pd.Series(self.currencies, dtype="object"),
                "duration_months": durations,
                "kind": pd.Series(["grant"] * len(self.ids), dtype="object"),
                "programme": pd.Series(self.programmes, dtype="object"),
            }
        )


def _concat(first: pd.DataFrame | None, second: pd.DataFrame) -> pd.DataFrame:
    """Two frames of one table, both already conformed to the table's dtypes."""
    # pandas warns when an empty frame takes part in a concatenation.
    if first is None or first.empty:
        return second
    if second.empty:
        return first
    return pd.concat([first, second], ignore_index=True)


# ------------------------------------------------------------------- parsing values


def _months(value: object) -> int:
    """Months above zero (and below 10,000, so not a typo), else 0 (stored as missing)."""
    months = parse_months(value)
    return months if months is not None and 0 < months < 10_000 else 0


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def normal_name(name: str) -> str:
    """An organisation's name folded for comparison: case, '&', punctuation, 'The'.

    Examples
    --------
    >>> normal_name("The Age UK (Trafford)"), normal_name("age uk  trafford")
    ('age uk trafford', 'age uk trafford')
    """
    text = re.sub(r"[^0-9a-z]+", " ", name.casefold().replace("&", " and ")).strip()
    return text.removeprefix("the ")


# Which of two ids of one organisation to keep: a charity number, then a company
# number, then other registers, then a publisher's local id.
_ID_RANK = {"GB-CHC": 0, "GB-SC": 0, "GB-NIC": 0, "GB-COH": 1}


def _id_preference(org_id: str) -> tuple[int, str]:
    prefix = "-".join(org_id.upper().split("-")[:2])
    if prefix in _ID_RANK:
        return _ID_RANK[prefix], org_id
    return (3 if org_id.upper().startswith("360G") else 2), org_id


def _slug(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-") or "department"


# ---------------------------------------------------------------- reading records

_JSON = JsonList(
    key="grants",
    item="grant",
    standard="360Giving",
    missing_hint='A 360Giving JSON file is an object {"grants": [...]}; check that this is '
    "grant data and not a description of a dataset.",
)


def _flat_record(record: dict[str, Any]) -> tuple[list[Any], tuple[str, ...]]:
    """The values of a flat JSON grant (early 360Giving files) and their keys."""
    keys = {_flat_key(k): k for k in record}
    values: list[Any] = []
    names: list[str] = []
    for i, n in enumerate(_NAMES):
        key = next((keys[k] for k in _FLAT_KEYS[n] if k in keys), None)
        value = record.get(key) if key is not None else None
        values.append(None if isinstance(value, dict | list) else value)
        names.append(key if key is not None else _FLAT_NAMES[i])
    return values, tuple(names)


def _records(
    path: str | os.PathLike[str], encoding: str, progress: Progress | None
) -> Iterator[tuple[int, list[Any], str, tuple[str, ...]]]:
    """(position, values in ``_NAMES`` order, unit, column names) for every grant."""
    kind = file_kind(
        path,
        csv_marker=b"identifier",
        workbook_hint="Open it and save the grants sheet as 'CSV UTF-8', or download the "
        "publisher's CSV or JSON file instead.",
        unknown=_not_360giving,
    )
    if kind == "json":
        for number, record in enumerate(json_items(path, encoding, progress, shape=_JSON), 1):
            if not isinstance(record, dict):
                yield number, [None] * len(_NAMES), "grant", _JSON_PATHS
            elif any(k in record for k in _NESTED_KEYS):
                yield number, [json_path(record, p) for p in _JSON_PATHS], "grant", _JSON_PATHS
            else:
                values, names = _flat_record(record)
                yield number, values, "grant", names
    else:
        for row, cells in csv_records(
            path,
            encoding,
            progress,
            columns=_column_index,
            empty_hint="Give a 360Giving flat CSV file with a header row and one grant per row.",
        ):
            yield row, cells, "row", _CSV_COLUMNS


def _not_360giving(name: str) -> InputError:
    return InputError(
        f"{name} is neither a 360Giving CSV nor a JSON file.",
        hint="Give a flat CSV file (first row: Identifier, Amount Awarded, ...) or a JSON "
        'file holding {"grants": [...]}, named .csv or .json.',
        path=name,
    )


def _normal_title(title: str) -> str:
    # Flatten-tool titles may number the first list item ("Recipient Org:0:Name").
    parts = [p.strip().casefold() for p in title.split(":")]
    return ":".join(p for p in parts if p != "0")


def _column_index(name: str, header: list[str]) -> list[int]:
    """The position of each field's column in ``header`` (-1 when absent)."""
    titles: dict[str, int] = {}
    for i, title in enumerate(header):
        titles.setdefault(_normal_title(title), i)
    index = [titles.get(_normal_title(_FIELDS[n][0]), -1) for n in _NAMES]
    missing = [_FIELDS[n][0] for n in _REQUIRED_CSV if index[_IDX[n]] < 0]
    if index[_IDX["recipient_id"]] < 0 and index[_IDX["individual_id"]] < 0:
        missing.append(_FIELDS["recipient_id"][0])
    if missing:
        found = ", ".join(repr(h) for h in header[:6]) + (", ..." if len(header) > 6 else "")
        raise InputError(
            f"{name} has no 360Giving column{_s(len(missing))} "
            f"{', '.join(repr(m) for m in missing)} (its header starts {found}).",
            hint="A 360Giving flat CSV names its columns with the standard's titles "
            "(Identifier, Amount Awarded, Award Date, Recipient Org:Identifier, "
            "Funding Org:Identifier): rename the columns, or export the file again.",
            path=name,
        )
    return index


def _flat_key(key: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _normal_title(key))


# Each field's flat keys, the first being the name a message gives when it is absent.
_FLAT_KEYS: dict[str, tuple[str, ...]] = {
    n: (_flat_key(_FIELDS[n][0]), *_FLAT_EXTRA_KEYS.get(n, ())) for n in _NAMES
}
_FLAT_NAMES = tuple(re.sub(r"[^0-9A-Za-z]", "", _FIELDS[n][0]) for n in _NAMES)
