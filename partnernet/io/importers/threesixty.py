"""Import 360Giving grant files (flat CSV and JSON) into a dataset (DESIGN section 2).

360Giving is the UK open standard for publishing grants. A flat CSV file has one
grant per row under the standard's column titles (``Identifier``, ``Amount
Awarded``, ``Award Date``, ``Recipient Org:Identifier``, ``Funding Org:Identifier``,
...); a JSON file is ``{"grants": [...]}`` with ``recipientOrganization`` and
``fundingOrganization`` lists. Both are read a record at a time, so a file of a
million grants imports in bounded memory: organisations are aggregated in a dict
and the funding rows held as compact columns.

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
- A row that cannot be used -- no grant identifier, no recipient or funding
  organisation, a placeholder identifier such as ``DUMMY``, an amount that is not a
  number or not above zero, an award date in an unknown format -- is listed with
  its file and row and left out, never guessed.
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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from partnernet.errors import InputError
from partnernet.io.importers.orgtypes import (
    FUNDER_RULE,
    ORG_ID_PREFIX_TYPES,
    OTHER_RULE,
    org_type,
    org_type_from_id,
    type_from_id,
)
from partnernet.io.merge import read_aliases, read_existing, write_validated
from partnernet.io.parse import is_bad_id, parse_date, parse_money, parse_months
from partnernet.io.rows import (
    JsonList,
    Progress,
    SkippedRow,
    csv_records,
    file_kind,
    json_records,
)
from partnernet.io.writers import atomic_open, neutralise_cell
from partnernet.model import PUBLIC_BODY_TYPES, Dataset

__all__ = [
    "ORG_ID_PREFIX_TYPES",
    "ImportSummary",
    "import_360giving",
    "org_type_from_id",
    "read_360giving",
    "write_skipped",
]

# Identifiers publishers use when they have no real one; the last '-' part of an id
# in this set (or made only of zeros) marks a placeholder, not an organisation.
_PLACEHOLDER_WORDS = frozenset(
    {"dummy", "none", "null", "na", "n/a", "nan", "unknown", "tbc", "tbd", "test", "x", "xx"}
)
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
    "individual_id": ("Recipient Ind:Identifier", "recipientIndividual/id"),
    "individual_name": ("Recipient Ind:Name", "recipientIndividual/name"),
    "funder_id": ("Funding Org:Identifier", "fundingOrganization/0/id"),
    "funder_name": ("Funding Org:Name", "fundingOrganization/0/name"),
    "funder_department": ("Funding Org:Department", "fundingOrganization/0/department"),
    "funder_charity": ("Funding Org:Charity Number", "fundingOrganization/0/charityNumber"),
}
_NAMES = tuple(_FIELDS)
_IDX = {name: i for i, name in enumerate(_NAMES)}
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
    for path in paths:
        name = str(path)
        importer.summary.files.append(name)
        for row, values, unit in _records(path, encoding, progress):
            importer.add(name, row, values, unit=unit)
    return importer.finish()


def import_360giving(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    aliases: str | os.PathLike[str] | None = None,
    date_format: str | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
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

    Returns
    -------
    ImportSummary
    """
    alias_map = read_aliases(aliases, encoding=encoding) if aliases is not None else None
    existing = read_existing(out, date_format=date_format, encoding=encoding)
    dataset, summary = read_360giving(
        paths,
        existing=existing,
        aliases=alias_map,
        date_format=date_format,
        encoding=encoding,
        progress=progress,
    )
    write_validated(dataset, out, tables=("organisations", "funding"))
    return summary


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

    __slots__ = ("charity", "funder", "name", "recipient")

    def __init__(self, name: str) -> None:
        self.name = name
        self.charity = False
        self.funder = False
        self.recipient = False


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

    # -- one record ---------------------------------------------------------------

    def add(self, path: str, row: int, values: list[Any], *, unit: str = "row") -> None:
        """Take one grant record: keep it, count it or list why it was left out."""
        self.summary.rows_read += 1
        (
            grant_id,
            _,
            currency,
            raw_date,
            _,
            programme,
            recipient,
            recipient_name,
            recipient_charity,
            individual_id,
            individual_name,
            funder,
            funder_name,
            department,
            funder_charity,
        ) = (_text(x) for x in values)
        raw_amount, raw_duration = values[_IDX["amount"]], values[_IDX["duration"]]

        def skip(name: str | None, value: object, reason: str) -> None:
            column = _FIELDS[name][1 if unit == "grant" else 0] if name else None
            shown = None if value is None else str(value)
            self.summary.skipped.append(
                SkippedRow(path, row, column, shown, reason, grant_id, unit)
            )

        if (recipient_name or "").casefold() in _INDIVIDUAL_NAMES or (
            not recipient and (individual_id or individual_name)
        ):
            self.summary.individual_grants += 1
            return
        if not grant_id:
            skip("id", None, "no grant identifier: the grant cannot be told apart from others")
            return
        for name, value, what in (
            ("recipient_id", recipient, "recipient"),
            ("funder_id", funder, "funding"),
        ):
            if not value:
                skip(name, None, f"no {what} organisation")
                return
            if _is_placeholder(value):
                skip(name, value, f"placeholder identifier: '{value}' names no real organisation")
                return
            if is_bad_id(value):
                skip(name, value, f"invisible character in identifier: {value!r}")
                return
        assert recipient is not None and funder is not None
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
                        _FIELDS["id"][1 if unit == "grant" else 0],
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
        recipient_org = self._org(recipient, recipient_name)
        recipient_org.recipient = True
        if recipient_charity:
            recipient_org.charity = True

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
        usable = len(self.ids) + s.duplicates + s.already_in_dataset
        if usable == 0:
            reasons = "; ".join(f"{n} {r}" for r, n in s.skipped_by_reason().items())
            first = "\n".join(str(r) for r in s.skipped[:10])
            detail = f" ({reasons})" if reasons else ""
            if s.individual_grants and not s.skipped:
                detail = f" (all {s.individual_grants} are grants to individuals)"
            raise InputError(
                f"no grant to an organisation could be imported from "
                f"{', '.join(s.files)}{detail}.\n{first}".rstrip(),
                hint="Check that the files are 360Giving grant data and correct the rows "
                "listed; nothing was written.",
            )
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
        return dataset, s

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


def _slug(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-") or "department"


def _is_placeholder(org_id: str) -> bool:
    last = org_id.rsplit("-", 1)[-1].strip().casefold()
    if org_id.endswith("-") or last in _PLACEHOLDER_WORDS:
        return True
    return bool(last) and set(last) == {"0"}


# ---------------------------------------------------------------- reading records

_JSON = JsonList(
    key="grants",
    item="grant",
    standard="360Giving",
    missing_hint='A 360Giving JSON file is an object {"grants": [...]}; check that this is '
    "grant data and not a description of a dataset.",
)


def _records(
    path: str | os.PathLike[str], encoding: str, progress: Progress | None
) -> Iterator[tuple[int, list[Any], str]]:
    """(position, values in ``_NAMES`` order, unit) for every grant in one file."""
    kind = file_kind(
        path,
        csv_marker=b"identifier",
        workbook_hint="Open it and save the grants sheet as 'CSV UTF-8', or download the "
        "publisher's CSV or JSON file instead.",
        unknown=_not_360giving,
    )
    if kind == "json":
        paths = [_FIELDS[n][1] for n in _NAMES]
        for number, values in json_records(path, encoding, progress, shape=_JSON, paths=paths):
            yield number, values, "grant"
    else:
        for row, cells in csv_records(
            path,
            encoding,
            progress,
            columns=_column_index,
            empty_hint="Give a 360Giving flat CSV file with a header row and one grant per row.",
        ):
            yield row, cells, "row"


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
