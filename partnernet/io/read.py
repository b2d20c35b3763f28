"""Read a dataset folder (DESIGN section 2) into a :class:`~partnernet.model.Dataset`.

Every file is checked in full, and every problem in every file is collected, before
anything is returned: a person fixing a dataset should see the whole list at once,
not one complaint per run. Each problem names the file, the spreadsheet row (the
header is row 1), the column, the value and how to fix it.

Cells are read as text with the ``csv`` module, so identifiers stay exactly as
written (``01234567`` keeps its zero) and names such as ``NA`` or ``null`` stay
names. The checks run on whole columns with pandas; only the few rows that fail
are visited one by one to word their messages, so a national-scale dataset (about
a million rows) reads in seconds.

A file is streamed: its text is decoded a block at a time and its rows are turned
into columns :data:`_CHUNK_ROWS` at a time, so reading holds the columns being
built and one chunk of rows, never the whole file as text or as lists of cells.
Only regular files inside the folder are read: a FIFO, a device (a link to
``/dev/zero`` never ends) or a link to a file outside the folder is a problem.

Values follow the rules of :mod:`partnernet.io.parse`, bounds included: ids are
composed (NFC), names and other text lose bidirectional controls, and a cell past
a bound is a problem, never a crash. ``affiliations.csv`` holds personal data, so
its messages never quote a cell (a shifted column would put a person's name in
any of them).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import operator
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from partnernet import model
from partnernet.errors import InputError, Problem, ValidationError
from partnernet.io import parse, pseudonym, rows
from partnernet.io.folders import REGISTER_SUGGESTIONS, SPEND_UNITS, SUGGESTED_ALIASES
from partnernet.io.parse import quote as _quote
from partnernet.io.writers import restore_cell

__all__ = ["read_dataset"]

_NOUNS = {
    "organisations": "organisation",
    "boards": "board",
    "memberships": "membership",
    "funding": "funding award",
    "partnerships": "partnership",
    "affiliations": "affiliation",
}
# Columns holding identifiers: kept exactly as written, so an invisible character
# or a stray space would make two ids that look the same fail to match.
_ID_COLUMNS = {
    "organisations": ("id", "parent_id"),
    "boards": ("id", "convener_id"),
    "memberships": ("board_id", "org_id"),
    "funding": ("id", "funder_id", "recipient_id"),
    "partnerships": ("source_id", "target_id"),
    "affiliations": ("person_id", "org_id"),
}
_SEPARATORS = re.compile(r"[\s\-]+")
# Rows turned into columns at a time, and characters decoded at a time.
_CHUNK_ROWS = 1 << 14
_TEXT_BLOCK = 1 << 20
# Tables whose cells are personal data: never quoted in a message.
_PERSONAL_TABLES = frozenset({"affiliations"})
# Free-text columns, read by the text rule (parse.parse_text).
_TEXT_COLUMNS = {
    "organisations": ("name", "locality", "tags"),
    "boards": ("name", "level", "theme"),
    "funding": ("programme",),
}
_PSEUDONYM_SHAPE = re.compile(pseudonym.PSEUDONYM_PATTERN)


def read_dataset(
    path: str | os.PathLike[str],
    *,
    date_format: str | None = None,
    encoding: str = "utf-8",
    pseudonym_key: str | bytes | None = None,
    delimiter: str | None = None,
    on_note: Callable[[str], None] | None = None,
) -> model.Dataset:
    """Read and validate a dataset folder.

    Parameters
    ----------
    path : str or path-like
        The folder holding ``organisations.csv`` and, optionally, ``boards.csv``,
        ``memberships.csv``, ``funding.csv``, ``partnerships.csv`` and
        ``affiliations.csv`` (DESIGN section 2).
    date_format : str, optional
        ``strftime`` format of the dates when they are not ``YYYY-MM-DD``, for
        example ``"%d/%m/%Y"``.
    encoding : str, default "utf-8"
        Text encoding of the files. A UTF-8 byte-order mark is always accepted.
    pseudonym_key : str or bytes, optional
        Key for the person pseudonyms; by default taken from the environment
        variable ``PARTNERNET_PSEUDONYM_KEY`` or the file named by
        ``PARTNERNET_PSEUDONYM_KEY_FILE``. Needed only when ``affiliations.csv``
        names people.
    delimiter : {",", ";", "tab"}, optional
        The separator of the CSV files (default a comma). A file separated by
        another of these is recognised and refused with a message naming its
        separator, never read as one wide column.
    on_note : callable, optional
        Called with each note about the folder that is not a problem (a file that
        is not one of the tables, so it is left out); notes never stop the read.

    Tables may also be Excel workbooks: ``organisations.xlsx`` and so on (the
    sheet named after the table, or the first sheet), or one workbook of any name
    whose sheets are named after the tables. Cells are read as the values the
    workbook stores: a formula is never evaluated, and one never calculated by a
    spreadsheet program reads as an empty cell.

    Returns
    -------
    Dataset
        Frames with exactly the columns and dtypes of :mod:`partnernet.model`,
        rows in file order, vocabularies lower-case, ``size_band`` derived from
        ``income`` where absent, and every ``person_id`` replaced by its keyed
        pseudonym.

    Raises
    ------
    ValidationError
        Listing every problem found in every file (exit code 3).
    InputError
        When the encoding is unknown, or people are named and no key is set.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     text = 'id,name,type,income\\n01234,NA,VCSE,"£12,500"\\n'
    ...     _ = (pathlib.Path(folder) / "organisations.csv").write_text(text, encoding="utf-8")
    ...     orgs = read_dataset(folder).organisations
    >>> orgs.loc[0, ["id", "name", "type", "size_band"]].tolist(), float(orgs.loc[0, "income"])
    (['01234', 'NA', 'vcse', 'small'], 12500.0)
    """
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown text encoding '{encoding}'.",
            hint="Give an encoding Python knows, such as utf-8, cp1252 or latin-1.",
        ) from None
    separator = _separator(delimiter)
    reader = _Reader(
        os.fspath(path),
        codec=codec,
        encoding=encoding,
        date_format=date_format,
        delimiter=separator,
    )
    frames = reader.read()
    for note in reader.notes:
        if on_note is not None:
            on_note(note)
    if reader.problems:
        raise ValidationError(reader.sorted_problems())
    affiliations = frames["affiliations"]
    if len(affiliations):
        person = affiliations["person_id"]
        needs_key = not person.str.fullmatch(pseudonym.PSEUDONYM_PATTERN).all()
        key = pseudonym.resolve_key(pseudonym_key) if needs_key else None
        if needs_key and key is None:
            raise pseudonym.missing_key_error(reader.file_path("affiliations"), len(affiliations))
        affiliations["person_id"] = pseudonym.pseudonymise_series(person, key)
    return model.Dataset.from_frames(**frames)


@dataclass
class _Table:
    """One file's cells as text, before checking.

    ``cells`` holds the known columns the header has: identifiers exactly as
    written, other cells with surrounding whitespace removed, NaN for empty cells.
    ``rows`` is the spreadsheet row of each record (blank rows are skipped).
    """

    name: str
    path: str
    present: bool
    usable: bool
    cells: dict[str, pd.Series]
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, column: str) -> pd.Series:
        if column in self.cells:
            return self.cells[column]
        return pd.Series([np.nan] * len(self), dtype="object")


def _absent(name: str, path: str, *, usable: bool) -> _Table:
    return _Table(name, path, False, usable, {}, np.zeros(0, dtype=np.int64))


class _Reader:
    def __init__(
        self,
        folder: str,
        *,
        codec: str,
        encoding: str,
        date_format: str | None,
        delimiter: str = ",",
    ):
        self.folder = folder
        self.codec = codec
        self.encoding = encoding
        self.date_format = date_format
        self.delimiter = delimiter
        self.problems: list[tuple[tuple[int, int, int, int], Problem]] = []
        self.notes: list[str] = []
        # While checking a table of personal data, cells are never quoted.
        self.personal = False
        # Where each table is read from, when not its CSV file (found by _find_sources).
        self.sources: dict[str, _Source] = {}

    # -- collecting problems ------------------------------------------------------

    def file_path(self, table: str) -> str:
        source = self.sources.get(table)
        return source.shown if source else os.path.join(self.folder, f"{table}.csv")

    def file_label(self, table: str) -> str:
        """The table's file as a message names it: ``organisations.csv``, or
        ``book.xlsx, sheet 'organisations'``."""
        source = self.sources.get(table)
        return source.label if source else f"{table}.csv"

    def add(
        self,
        table: str | None,
        path: str,
        row: int | None,
        column: str | None,
        value: str | None,
        reason: str,
        hint: str,
    ) -> None:
        table_order = model.TABLES.index(table) if table else -1
        columns = model.COLUMNS[table] if table else ()
        column_order = columns.index(column) if column in columns else len(columns)
        key = (table_order, row or 0, column_order, len(self.problems))
        self.problems.append((key, Problem(path, row, column, value, reason, hint)))

    def flag(
        self,
        t: _Table,
        mask: pd.Series | np.ndarray,
        column: str,
        reason: str | Callable[[str, int], str],
        hint: str | Callable[[str, int], str],
        *,
        values: pd.Series | None = None,
        show_value: bool = True,
    ) -> None:
        """Add a problem for each row where ``mask`` holds.

        ``reason`` and ``hint`` are text with ``{value}`` standing for the quoted
        cell, or functions of the cell's text and its position in the table.
        """
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(positions):
            return
        cells = t.get(column) if values is None else values
        show_value = show_value and not self.personal
        for i in positions.tolist():
            raw: object = cells.iat[i]
            text = raw if isinstance(raw, str) else None
            shown = self.shown(text) if text is not None else "''"
            words = reason(text or "", i) if callable(reason) else reason.replace("{value}", shown)
            fix = hint(text or "", i) if callable(hint) else hint.replace("{value}", shown)
            self.add(
                t.name, t.path, int(t.rows[i]), column, text if show_value else None, words, fix
            )

    def shown(self, value: str) -> str:
        """A cell as a message quotes it; personal data is never quoted."""
        return "the value" if self.personal else _quote(value)

    def sorted_problems(self) -> list[Problem]:
        return [p for _, p in sorted(self.problems, key=lambda item: item[0])]

    # -- reading ------------------------------------------------------------------

    def read(self) -> dict[str, pd.DataFrame]:
        if not os.path.exists(self.folder):
            self.add(
                None,
                self.folder,
                None,
                None,
                None,
                "there is no such folder.",
                "Give the path of a dataset folder (one holding organisations.csv); "
                "'partnernet init DIR' creates one with templates.",
            )
            return {}
        if not os.path.isdir(self.folder):
            self.add(
                None,
                self.folder,
                None,
                None,
                None,
                "this is a file, not a dataset folder.",
                "Give the folder that holds organisations.csv and the other CSV files.",
            )
            return {}
        self._check_file_names()
        self._find_sources()
        tables = {name: self._load(name) for name in model.TABLES}
        frames = {}
        frames["organisations"] = self._organisations(tables["organisations"])
        org_ids = self._known_ids(tables["organisations"])
        frames["boards"] = self._boards(tables["boards"], tables["organisations"])
        board_ids = self._known_ids(tables["boards"])
        frames["memberships"] = self._memberships(tables["memberships"], org_ids, board_ids)
        frames["funding"] = self._funding(tables["funding"], org_ids)
        frames["partnerships"] = self._partnerships(tables["partnerships"], org_ids)
        frames["affiliations"] = self._affiliations(tables["affiliations"], org_ids)
        return frames

    def _check_file_names(self) -> None:
        """A file named ``Funding.csv`` would otherwise be silently left out."""
        try:
            names = set(os.listdir(self.folder))
        except OSError:
            return
        for table in model.TABLES:
            wanted = f"{table}.csv"
            if wanted in names:
                continue
            for name in sorted(names):
                if name.lower() == wanted:
                    self.add(
                        table,
                        os.path.join(self.folder, name),
                        None,
                        None,
                        None,
                        f"the file name must be {wanted}, all lower-case, or it is not read.",
                        f"Rename it to {wanted}.",
                    )

    def _find_sources(self) -> None:
        """Tables given as workbooks, and a note for each file that is not a table.

        ``organisations.xlsx`` gives the organisations table (its sheet named
        ``organisations``, or its first sheet); any other workbook gives the tables
        its sheets are named after. A table given twice is a problem, not a guess.
        """
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return
        csv_names = {f"{table}.csv" for table in model.TABLES}
        lower_csv = {n for n in names if n.lower() in csv_names and n not in csv_names}
        found: dict[str, list[_Source]] = {}
        for name in names:
            path = os.path.join(self.folder, name)
            stem, ext = os.path.splitext(name)
            if (
                name in csv_names
                or name in lower_csv
                or name.startswith(".")
                or name in (SUGGESTED_ALIASES, REGISTER_SUGGESTIONS, SPEND_UNITS)
                or os.path.isdir(path)
            ):
                if name in csv_names:
                    found.setdefault(stem, []).append(_Source(path, path, name, None))
                continue
            if ext.lower() == ".xlsx" and not self._regular(None, path):
                continue
            if ext.lower() != ".xlsx":
                if ext.lower() in _DATA_EXTENSIONS:
                    self.notes.append(
                        f"{path}: not one of the tables partnernet reads ({_TABLE_FILES}), "
                        "so it is left out. Rename it after the table it holds, or move it "
                        "out of the dataset folder."
                    )
                continue
            try:
                with pd.ExcelFile(path, engine="openpyxl") as book:
                    sheets = list(book.sheet_names)
            except Exception as exc:  # openpyxl raises many kinds for a broken file
                self.add(
                    None,
                    path,
                    None,
                    None,
                    None,
                    f"the file cannot be read as an Excel workbook ({type(exc).__name__}).",
                    "Open it in a spreadsheet program and save it again as .xlsx, or save "
                    "each table as a CSV file.",
                )
                continue
            if stem in model.TABLES:
                sheet = stem if stem in sheets else sheets[0]
                found.setdefault(stem, []).append(
                    _Source(path, f"{path}, sheet '{sheet}'", f"{name}, sheet '{sheet}'", sheet)
                )
                continue
            tables = [sheet for sheet in sheets if sheet in model.TABLES]
            for sheet in tables:
                found.setdefault(sheet, []).append(
                    _Source(path, f"{path}, sheet '{sheet}'", f"{name}, sheet '{sheet}'", sheet)
                )
            if not tables:
                self.notes.append(
                    f"{path}: no sheet of this workbook is named after a table "
                    f"({', '.join(model.TABLES)}), so it is left out. Name each sheet after "
                    "the table it holds."
                )
        for table in model.TABLES:
            given = found.get(table, [])
            if len(given) > 1:
                self.add(
                    table,
                    given[1].shown,
                    None,
                    None,
                    None,
                    f"the {table} table is given twice, here and in {given[0].label}.",
                    "Keep one of the two and remove the other.",
                )
            if given and given[0].sheet is not None:
                self.sources[table] = given[0]

    def _load(self, name: str) -> _Table:
        path = self.file_path(name)
        source = self.sources.get(name)
        if source is not None and source.sheet is not None:
            return self._load_sheet(name, source)
        required = model.REQUIRED_COLUMNS[name]
        if not os.path.exists(path):
            if name == "organisations":
                self.add(
                    name,
                    path,
                    None,
                    None,
                    None,
                    "the file is missing; every dataset needs organisations.csv.",
                    "Create it with the columns id, name and type, one row per organisation "
                    "('partnernet init DIR' writes templates).",
                )
                return _absent(name, path, usable=False)
            return _absent(name, path, usable=True)
        unusable = _absent(name, path, usable=False)
        unusable.present = True
        if os.path.isdir(path):
            self.add(
                name,
                path,
                None,
                None,
                None,
                "this is a folder, not a CSV file.",
                f"Put the {name} table in a CSV file named {name}.csv.",
            )
            return unusable
        if not self._regular(name, path):
            return unusable
        try:
            handle = open(path, "rb")  # noqa: SIM115 (closed below, after streaming)
        except OSError as exc:
            self.add(
                name,
                path,
                None,
                None,
                None,
                f"the file cannot be read ({exc.strerror}).",
                "Check that it exists and that you may read it.",
            )
            return unusable
        with handle:
            return self._stream_csv(name, path, handle, required, unusable)

    def _regular(self, name: str | None, path: str) -> bool:
        """Whether ``path`` is a regular file inside the folder; a problem if not.

        A FIFO would wait forever for a writer, a device such as ``/dev/zero``
        never ends, and a link out of the folder reads a file the dataset does not
        hold.
        """
        try:
            linked = os.path.islink(path)
            mode = os.stat(path).st_mode
        except OSError as exc:
            self.add(
                name,
                path,
                None,
                None,
                None,
                f"the file cannot be read ({exc.strerror}).",
                "Check that it exists and that you may read it (a link may point nowhere).",
            )
            return False
        if not stat.S_ISREG(mode):
            kind = (
                "a named pipe (FIFO)"
                if stat.S_ISFIFO(mode)
                else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file"
            )
            self.add(
                name,
                path,
                None,
                None,
                None,
                f"this is {kind}{' (through a symbolic link)' if linked else ''}, not a file; "
                "partnernet reads only regular files.",
                "Replace it by the file itself (copy the data into a regular file).",
            )
            return False
        if linked:
            folder = os.path.realpath(self.folder)
            target = os.path.realpath(path)
            if os.path.commonpath([folder, target]) != folder:
                self.add(
                    name,
                    path,
                    None,
                    None,
                    None,
                    f"this is a symbolic link to {target}, outside the dataset folder.",
                    "Copy the file into the dataset folder instead of linking to it.",
                )
                return False
        return True

    def _stream_csv(
        self,
        name: str,
        path: str,
        handle: io.BufferedReader,
        required: tuple[str, ...],
        unusable: _Table,
    ) -> _Table:
        """A table from an open CSV file, decoded and parsed a block at a time."""
        header_hint = f"Add the header row ({','.join(required)}) and the rows below it"
        head = handle.read(len(codecs.BOM_UTF8))
        if not head:
            fix = (
                f"{header_hint}, one per organisation ('partnernet init DIR' writes templates)."
                if name == "organisations"
                else f"{header_hint}, or delete the file: only organisations.csv is required."
            )
            self.add(name, path, None, None, None, "the file is empty (0 bytes).", fix)
            return unusable
        codec = self.codec
        if head == codecs.BOM_UTF8:
            codec = "utf-8"
        else:
            handle.seek(0)
        # surrogateescape keeps undecodable bytes in place, so the problem can be
        # reported at its own row and column instead of a byte offset.
        with io.TextIOWrapper(handle, encoding=codec, errors="surrogateescape", newline="") as text:
            state = _Decoded()
            blocks = _text_blocks(text, state)
            first = next(blocks, [])
            if first and first[0].startswith("\ufeff"):
                first[0] = first[0][1:]
            line = next((ln for ln in "".join(first[:1000]).splitlines() if ln.strip()), "")
            if self._wrong_delimiter(name, path, line):
                return unusable
            lines = itertools.chain.from_iterable(itertools.chain([first], blocks))
            reader = csv.reader(lines, strict=True, delimiter=self.delimiter)
            return self._records_table(
                name, path, _csv_rows(reader, state), decoded=state, codec=codec
            )

    def _load_sheet(self, name: str, source: _Source) -> _Table:
        """A table from a workbook's sheet: stored values only, as text."""
        unusable = _absent(name, source.shown, usable=False)
        unusable.present = True
        try:
            sheet = pd.read_excel(
                source.path,
                sheet_name=source.sheet,
                header=None,
                dtype=object,
                engine="openpyxl",
                keep_default_na=False,
                na_filter=False,
            )
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            self.add(
                name,
                source.shown,
                None,
                None,
                None,
                f"the sheet cannot be read ({type(exc).__name__}).",
                "Open the workbook in a spreadsheet program and save it again as .xlsx, or "
                f"save the table as {name}.csv.",
            )
            return unusable
        records = [[_cell_text(cell) for cell in row] for row in sheet.itertuples(index=False)]
        while records and not any(records[-1]):
            records.pop()
        return self._records_table(name, source.shown, iter(records), decoded=None, codec=None)

    def _wrong_delimiter(self, name: str, path: str, line: str) -> bool:
        """Refuse a file whose header (its first non-blank ``line``) is split by
        another separator than the one given.

        Read with the wrong separator a semicolon file is one wide column, and every
        required column would be reported missing; one message that names the
        separator says what is really wrong.
        """
        if not line:
            return False
        fields = {sep: _header_fields(line, sep) for sep in _DELIMITER_NAMES}
        required = set(model.REQUIRED_COLUMNS[name])
        found = {sep: len(required & set(columns)) for sep, columns in fields.items()}
        best = max(found, key=lambda sep: (found[sep], len(fields[sep][1:]) > 0))
        if best == self.delimiter or found[best] <= found[self.delimiter]:
            return False
        given = _DELIMITER_NAMES[self.delimiter]
        option = "--delimiter tab" if best == "\t" else f"--delimiter '{best}'"
        if self.delimiter == ",":
            hint = f"Read the dataset with {option}, or save the file as comma-separated CSV."
        else:
            hint = (
                f"Give {option} if every file of the dataset uses {_DELIMITER_NAMES[best]}, "
                f"or save this file separated by {given}."
            )
        self.add(
            name,
            path,
            1,
            None,
            None,
            f"the file is separated by {_DELIMITER_NAMES[best]}, not {given}, so its columns "
            "cannot be told apart.",
            hint,
        )
        return True

    def _records_table(
        self,
        name: str,
        path: str,
        records: Iterator[list[str]],
        *,
        decoded: _Decoded | None,
        codec: str | None,
    ) -> _Table:
        """A table from its rows of cells as text, the header first (row 1).

        The rows are consumed to the end, :data:`_CHUNK_ROWS` at a time. A file
        that turns out not to be CSV, or not text in its encoding, is reported by
        that problem alone (its other problems would be noise), so problems are
        kept aside until the whole file has been read.
        """
        kept_aside = self.problems
        self.problems = []
        try:
            table = self._records_columns(name, path, records)
        finally:
            found, self.problems = self.problems, kept_aside
        if decoded is not None and decoded.error is not None:
            line, error = decoded.error
            self.add(
                name,
                path,
                line,
                None,
                None,
                f"the file cannot be read as CSV ({error}).",
                "Check the quotes on that line: a value holding a comma, quote or line break "
                'must be wrapped in double quotes, with any quote inside written twice ("").',
            )
            return _unusable(name, path)
        if decoded is not None and decoded.first_bad is not None and codec is not None:
            self._not_decodable(name, path, decoded, codec)
            return _unusable(name, path)
        self.problems.extend(found)
        return table

    def _records_columns(self, name: str, path: str, records: Iterator[list[str]]) -> _Table:
        required = model.REQUIRED_COLUMNS[name]
        header_hint = f"Add the header row ({','.join(required)}) and the rows below it"
        unusable = _unusable(name, path)
        first = next(records, None)
        blank = first is None or not any(first)
        # A blank first row with rows below it is a missing header, reported below.
        if first is None or (blank and not any(any(r) for r in records)):
            self.add(
                name,
                path,
                None,
                None,
                None,
                "the file has no header row; it holds only blank lines.",
                f"{header_hint}.",
            )
            return unusable
        header = [_column_name(c) for c in first]
        if not any(header):
            for _ in records:  # read to the end: a CSV error there is the problem to report
                pass
            self.add(
                name,
                path,
                1,
                None,
                None,
                "the first row is empty; it must be the header.",
                f"Put the header ({','.join(required)}) in the first row.",
            )
            return unusable

        usable = self._check_header(name, path, header)
        width = len(header)
        ids = set(_ID_COLUMNS[name])
        wanted: dict[str, int] = {}
        for position, column in enumerate(header):
            if column in model.COLUMNS[name] and column not in wanted:
                wanted[column] = position
        parts: dict[str, list[np.ndarray]] = {column: [] for column in wanted}
        row_parts: list[np.ndarray] = []
        last = 1  # the spreadsheet row of the last record read
        while body := list(itertools.islice(records, _CHUNK_ROWS)):
            kept, rows = self._chunk_rows(name, path, body, width, last + 1)
            last += len(body)
            if not usable or not kept:
                continue
            for column, position in wanted.items():
                # Apostrophes partnernet's writer put before formula starts come off.
                raw = list(map(restore_cell, map(operator.itemgetter(position), kept)))
                stripped = np.array(list(map(str.strip, raw)), dtype="object")
                empty = stripped == ""
                values = np.array(raw, dtype="object") if column in ids else stripped
                values[empty] = None
                parts[column].append(_shared(values))
            row_parts.append(np.asarray(rows, dtype=np.int64))
        if not usable:
            return unusable
        if not row_parts and name == "organisations":
            self.add(
                name,
                path,
                None,
                None,
                None,
                "the file has a header but no organisations.",
                "Add one row per organisation below the header.",
            )
            return unusable
        cells = {}
        for column in list(parts):
            # One column's chunks are joined and let go before the next: the peak is
            # the table plus one column, not the table twice.
            chunks = parts.pop(column)
            joined = np.concatenate(chunks) if chunks else np.empty(0, dtype="object")
            del chunks
            cells[column] = pd.Series(joined, dtype="object")
        rows_all = np.concatenate(row_parts) if row_parts else np.zeros(0, dtype=np.int64)
        return _Table(name, path, True, True, cells, rows_all)

    def _chunk_rows(
        self, name: str, path: str, body: list[list[str]], width: int, first_row: int
    ) -> tuple[list[list[str]], list[int]]:
        """The filled rows of one chunk that fit the header, and their spreadsheet rows;
        a problem for each row with too many or too few fields."""
        lengths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
        if ((lengths == width) | (lengths == 0)).all():
            # The usual case, done without a Python loop over the rows.
            filled = np.fromiter(map(any, body), dtype=bool, count=len(body))
            kept = body if filled.all() else [body[i] for i in np.flatnonzero(filled)]
            return kept, (np.flatnonzero(filled) + first_row).tolist()
        kept, rows = [], []
        for number, record in enumerate(body, start=first_row):
            n = len(record)
            if n == width:
                if any(record):
                    kept.append(record)
                    rows.append(number)
                continue
            if not any(f.strip() for f in record):
                continue
            if n > width and not any(f.strip() for f in record[width:]):
                # Trailing empty cells (a spreadsheet's deleted column) shift nothing.
                kept.append(record[:width])
                rows.append(number)
                continue
            if n > width:
                hint = (
                    "A value probably holds a comma: wrap that value in double quotes, "
                    "or remove the extra field."
                )
            else:
                hint = (
                    "Add the missing values; leave a cell empty (nothing between the commas) "
                    "rather than leaving it out."
                )
            self.add(
                name,
                path,
                number,
                None,
                None,
                f"the row has {n} fields but the header has {width}.",
                hint,
            )
        return kept, rows

    def _not_decodable(self, name: str, path: str, decoded: _Decoded, codec: str) -> None:
        assert decoded.first_bad is not None
        row, position, byte = decoded.first_bad
        header = decoded.header
        column = header[position] if row > 1 and position < len(header) else None
        bad_rows = decoded.bad_rows
        others = (
            f"; {bad_rows - 1} more row{'s' if bad_rows > 2 else ''} "
            f"{'have' if bad_rows > 2 else 'has'} such bytes"
            if bad_rows > 1
            else ""
        )
        if codec == "utf-8":
            reason = (
                f"the file is not UTF-8 text: byte 0x{byte:02x} here is not valid UTF-8{others}."
            )
            hint = (
                "Save it as UTF-8 (in Excel: 'CSV UTF-8'), or give the encoding it was "
                "saved in, e.g. --encoding cp1252."
            )
        else:
            reason = (
                f"the file is not {self.encoding} text: byte 0x{byte:02x} here cannot be read "
                f"as {self.encoding}{others}."
            )
            hint = "Give the encoding the file was saved in with --encoding, or save it as UTF-8."
        self.add(name, path, row, column or None, None, reason, hint)

    def _check_header(self, name: str, path: str, header: list[str]) -> bool:
        usable = True
        seen: dict[str, list[int]] = {}
        for position, column in enumerate(header):
            if column:
                seen.setdefault(column, []).append(position)
        for column, positions in seen.items():
            # Extra columns are ignored, so a repeated one does no harm.
            if len(positions) > 1 and column in model.COLUMNS[name]:
                usable = False
                letters = [_column_letter(p) for p in positions]
                times = "twice" if len(positions) == 2 else f"{len(positions)} times"
                self.add(
                    name,
                    path,
                    1,
                    column,
                    None,
                    f"the column name appears {times} (spreadsheet columns {_and(letters)}).",
                    "Delete or rename the extra column, so that each name appears once.",
                )
        required = model.REQUIRED_COLUMNS[name]
        for column in required:
            if column not in seen:
                usable = False
                self.add(
                    name,
                    path,
                    1,
                    column,
                    None,
                    "the required column is missing.",
                    f"Add a column named '{column}' to the header row; "
                    f"{self.file_label(name)} needs "
                    f"{_and(list(required))}.",
                )
        return usable

    # -- column checks ------------------------------------------------------------

    def _required(self, t: _Table, column: str, hint: str | None = None) -> pd.Series:
        values = t.get(column)
        noun = _NOUNS[t.name]
        self.flag(
            t,
            values.isna(),
            column,
            "the cell is empty, but this column is required.",
            hint or f"Give every {noun} {'an' if column[0] in 'aeiou' else 'a'} {column}.",
        )
        return values

    def _id_column(self, t: _Table, column: str, *, required: bool) -> tuple[pd.Series, pd.Series]:
        """The ids of ``column`` and a mask of those with invisible characters."""
        values = self._required(t, column) if required else t.get(column)
        values = self._composed(t, column, values)
        problem = _per_unique(values, parse.id_problem) if not _short_ascii(values) else None
        if problem is not None:
            self.flag(
                t,
                problem.notna(),
                column,
                lambda v, i: f"the {column} {problem.iat[i]}.",
                "Correct the id: it is likely a shifted column or a pasted paragraph.",
                show_value=False,
            )
            # Such ids are not looked up or checked further.
            values = values.where(problem.isna())
        bad = pd.Series(parse.bad_id_mask(values), index=values.index)
        personal = column == "person_id"
        self.flag(
            t,
            bad,
            column,
            lambda v, _: (
                f"the {column} {parse.describe_bad_id(v)}."
                if personal
                else f"{self.shown(v)} {parse.describe_bad_id(v)}."
            ),
            parse.id_hint,
            show_value=not personal,
        )
        return values, bad

    def _composed(self, t: _Table, column: str, values: pd.Series) -> pd.Series:
        """Ids composed (NFC), so one typed with separate accent marks matches."""
        present = values.dropna()
        if not len(present) or "".join(present.tolist()).isascii():
            return values
        composed = _per_unique(values, lambda v: unicodedata.normalize("NFC", v))
        changed = int((values.notna() & (composed != values)).sum())
        if changed and not self.personal:
            self.notes.append(
                f"{t.path}: {changed:,} {column} value{'s' if changed != 1 else ''} had accents "
                "written as separate marks; they are read composed (Unicode NFC), so they "
                "match the same ids typed the other way."
            )
        composed = composed.where(values.notna(), values)
        # Every later check and lookup (references, duplicates) sees the composed id.
        t.cells[column] = composed
        return composed

    def _confusables(self, t: _Table, ids: pd.Series) -> None:
        """A note for ids that look the same but differ (never merged)."""
        groups = parse.confusable_groups(ids)
        if not groups:
            return
        listed = "; ".join(" and ".join(_quote(i) for i in g) for g in groups[:10])
        more = f" (and {len(groups) - 10:,} more)" if len(groups) > 10 else ""
        self.notes.append(
            f"{t.path}: {len(groups):,} group{'s' if len(groups) != 1 else ''} of ids look the "
            f"same but differ (letters of another script or fullwidth characters): {listed}"
            f"{more}. They are different organisations; correct the ids if they are one."
        )

    def _text_cells(self, t: _Table, column: str, values: pd.Series | None = None) -> pd.Series:
        """A free-text column by the text rule (parse.parse_text): trimmed, composed,
        bidirectional controls removed; a cell that breaks it is a problem."""
        values = t.get(column) if values is None else values
        if not values.notna().any() or _short_ascii(values):
            return values
        parsed = _per_unique(values, parse.parse_text)
        problem = parsed.map(lambda p: p[1] if isinstance(p, tuple) else None)
        self.flag(
            t,
            problem.notna(),
            column,
            lambda v, i: f"the cell {problem.iat[i]}.",
            "Shorten the text, or retype it without the character named.",
            show_value=False,
        )
        cleaned = parsed.map(lambda p: p[0] if isinstance(p, tuple) else np.nan)
        self.flag(
            t,
            values.notna() & problem.isna() & cleaned.isna(),
            column,
            "the cell holds only direction marks or other formatting characters, no text.",
            "Type the text the cell should hold.",
            show_value=False,
        )
        return cleaned

    def _unique(self, t: _Table, values: pd.Series) -> None:
        dup = values.duplicated(keep="first") & values.notna()
        if not dup.any():
            return
        repeated = set(values[dup])
        firsts: dict[str, int] = {}
        for value, row in zip(values, t.rows, strict=True):
            if value in repeated and value not in firsts:
                firsts[value] = int(row)
        self.flag(
            t,
            dup,
            "id",
            lambda v, _: f"{_quote(v)} is also the id in row {firsts[v]}.",
            f"Each {_NOUNS[t.name]} needs its own id: remove the repeated row, or give it "
            "a new id.",
        )

    def _references(
        self,
        t: _Table,
        values: pd.Series,
        bad: pd.Series,
        column: str,
        known: pd.Index | None,
        target: str,
    ) -> None:
        if known is None:
            return
        # Look up each distinct id once: a funder column repeats a few ids a lot.
        codes, uniques = pd.factorize(values)
        found = known.get_indexer(pd.Index(uniques, dtype="object")) >= 0
        unknown = (codes >= 0) & ~np.append(found, True)[codes] & ~bad.to_numpy()
        exists = target in self.sources or os.path.exists(self.file_path(target))
        label = self.file_label(target)
        self.flag(
            t,
            unknown,
            column,
            f"{{value}} is not in {label}.",
            f"Add it to {label}, or correct the id."
            if exists
            else f"Add it to {label} (there is no {label} yet), or correct the id.",
        )

    def _text(self, t: _Table, column: str) -> pd.Series:
        return self._text_cells(t, column)

    def _vocabulary(
        self, t: _Table, column: str, allowed: Iterable[str], *, required: bool = False
    ) -> pd.Series:
        values = self._required(t, column) if required else t.get(column)
        allowed = tuple(allowed)
        if not values.notna().any():
            return values
        normal = _per_unique(values, lambda v: _SEPARATORS.sub("_", v.lower()))
        unknown = normal.notna() & ~_per_unique(normal, lambda v: v in allowed).eq(True)
        self.flag(
            t,
            unknown,
            column,
            f"{{value}} is not a known {column}.",
            f"Use one of: {', '.join(allowed)}.",
        )
        return normal.where(~unknown)

    def _number(
        self,
        t: _Table,
        column: str,
        *,
        money: bool,
        not_a_number: str,
    ) -> tuple[pd.Series, pd.Series]:
        """Parsed numbers (NaN where missing or bad) and the mask of bad cells."""
        values = t.get(column)
        present = values.notna()
        numbers = parse.number_column(values, money=money)
        bad = present & numbers.isna()
        self.flag(t, bad, column, "{value} is not a number.", not_a_number)
        too_large = present & numbers.notna() & (numbers.abs() > float(parse.MAX_AMOUNT))
        largest = f"{'£' if money else ''}{parse.MAX_AMOUNT:,.0f}"
        self.flag(
            t,
            too_large,
            column,
            f"{{value}} is more than the largest {'amount' if money else 'number'} partnernet "
            f"reads ({largest}).",
            "Correct the value: no real one is this large (is a digit repeated, or an exponent "
            "wrong?).",
        )
        bad = bad | too_large
        return numbers.where(~bad), bad

    def _dates(
        self, t: _Table, column: str, *, required: bool = False, open_end: bool = False
    ) -> pd.Series:
        values = self._required(t, column, _DATE_HINTS.get(column)) if required else t.get(column)
        if open_end and values.notna().any():
            # The "no end date" many systems write means what an empty cell means.
            sentinel = _per_unique(
                values,
                lambda v: parse.parse_date(v, date_format=self.date_format) == parse.OPEN_END,
            )
            values = values.where(~sentinel.eq(True))
        present = values.notna()
        parsed = parse.date_column(values, date_format=self.date_format)
        bad = present & parsed.isna()
        self.flag(t, bad, column, self._date_reason, self._date_hint)
        return parsed

    def _date_reason(self, value: str, _: int = 0) -> str:
        shown = self.shown(value)
        if self.date_format is None and not parse.ISO_DATE.fullmatch(value):
            return f"{shown} is not a date in the form YYYY-MM-DD."
        try:
            datetime.strptime(value, self.date_format or "%Y-%m-%d")
        except ValueError as exc:
            # strptime words a day past the month's end differently from a value
            # that does not fit the format at all; the ISO shape was checked above.
            mismatch = "does not match format" in str(exc) or "unconverted data" in str(exc)
            if self.date_format is not None and mismatch:
                return f"{shown} does not match the date format {self.date_format}."
            return f"{shown} is not a real date."
        return f"{shown} is outside the dates partnernet can hold (1678 to 2261)."

    def _date_hint(self, value: str, _: int = 0) -> str:
        if self.date_format is None and not parse.ISO_DATE.fullmatch(value):
            return (
                "Write dates as YYYY-MM-DD (e.g. 2024-03-31), or give the format the file "
                "uses with --date-format (e.g. --date-format %d/%m/%Y)."
            )
        reason = self._date_reason(value)
        if reason.endswith("does not match the date format " + f"{self.date_format}."):
            return "Correct the date, or give the format the file uses with --date-format."
        return "Correct the date."

    def _period(self, t: _Table) -> tuple[pd.Series, pd.Series]:
        start = self._dates(t, "start")
        end = self._dates(t, "end", open_end=True)
        backwards = start.notna() & end.notna() & (start > end)
        ends = t.get("end")
        self.flag(
            t,
            backwards,
            "start",
            lambda v, i: (
                f"the start {self.shown(v)} is after the end {self.shown(str(ends.iat[i]))}."
            ),
            "Swap the two dates, or correct one of them.",
        )
        return start, end

    def _booleans(self, t: _Table, column: str, *, empty_means: str) -> pd.Series:
        values = t.get(column)
        if not values.notna().any():
            return pd.Series(pd.NA, index=values.index, dtype="boolean")
        mapped = _per_unique(values, parse.parse_boolean)
        bad = values.notna() & mapped.isna()
        self.flag(
            t,
            bad,
            column,
            f"{{value}} is not one of {parse.BOOLEAN_WORDS}.",
            f"Write true or false, or leave the cell empty {empty_means}.",
        )
        return mapped.where(~bad).astype("boolean")

    def _known_ids(self, t: _Table) -> pd.Index | None:
        """The ids of a table, or None when its file could not be checked.

        An Index keeps its hash table, so each reference column is looked up
        against it without rebuilding one.
        """
        if not t.usable:
            return None
        return pd.Index(pd.unique(t.get("id").dropna()), dtype="object")

    # -- the tables ---------------------------------------------------------------

    def _organisations(self, t: _Table) -> pd.DataFrame:
        if not t.usable:
            return model.empty_frame("organisations")
        ids, _ = self._id_column(t, "id", required=True)
        self._unique(t, ids)
        parents, bad_parents = self._id_column(t, "parent_id", required=False)
        name = self._text_cells(t, "name", self._required(t, "name"))
        self._confusables(t, ids)
        org_type = self._vocabulary(t, "type", model.ORG_TYPES, required=True)
        band = self._vocabulary(t, "size_band", model.SIZE_BANDS)
        income, _ = self._number(
            t,
            "income",
            money=True,
            not_a_number="Write the annual income in pounds, e.g. 125000 or £125,000, "
            "or leave it empty if unknown.",
        )
        self.flag(
            t,
            income < 0,
            "income",
            "{value} is negative.",
            "An income cannot be below 0: correct it, or leave it empty if unknown.",
        )
        income = income.where(income >= 0)
        implied = _per_unique(income, model.size_band_for_income)
        contradicts = band.notna() & implied.notna() & (band != implied)
        raw_income = t.get("income")
        self.flag(
            t,
            contradicts,
            "size_band",
            lambda v, i: (
                f"{_quote(v)} contradicts the income {_quote(str(raw_income.iat[i]))}, "
                f"which is in the '{implied.iat[i]}' band."
            ),
            "Correct the income or the size_band, or leave size_band empty to derive it "
            "from the income.",
        )
        size_band = band.where(band.notna(), implied)

        self._parents(t, ids, parents, bad_parents, org_type)
        return pd.DataFrame(
            {
                "id": ids,
                "name": name,
                "type": org_type,
                "parent_id": parents,
                "size_band": size_band,
                "income": income,
                "locality": self._text(t, "locality"),
                "tags": _normalise_tags(self._text_cells(t, "tags")),
            }
        )

    def _parents(
        self,
        t: _Table,
        ids: pd.Series,
        parents: pd.Series,
        bad_parents: pd.Series,
        org_type: pd.Series,
    ) -> None:
        known = self._known_ids(t)
        assert known is not None
        self._references(t, parents, bad_parents, "parent_id", known, "organisations")
        departments = org_type == "department"
        self.flag(
            t,
            departments & parents.isna(),
            "parent_id",
            "a department needs a parent_id naming the public body it belongs to.",
            "Give the id of its council, NHS body or government department, or change its type.",
        )
        first = ~ids.duplicated(keep="first") & ids.notna()
        type_of = dict(zip(ids[first], org_type[first], strict=True))
        parent_type = parents.map(type_of)
        public = [ty for ty in model.ORG_TYPES if ty in model.PUBLIC_BODY_TYPES]
        wrong = departments & parent_type.notna() & ~parent_type.isin(model.PUBLIC_BODY_TYPES)
        self.flag(
            t,
            wrong,
            "parent_id",
            lambda v, _: (
                f"{_quote(v)} has type '{type_of[v]}', which is not a public body; a "
                f"department's parent must be a {_or(public)}."
            ),
            "Correct the parent_id, or the type of one of the two organisations.",
        )
        self._cycles(t, ids[first], parents[first], t.rows[first.to_numpy()], known)

    def _cycles(
        self, t: _Table, ids: pd.Series, parents: pd.Series, rows: np.ndarray, known: pd.Index
    ) -> None:
        linked = parents.notna() & (known.get_indexer(pd.Index(parents, dtype="object")) >= 0)
        parent_of = dict(zip(ids[linked], parents[linked], strict=True))
        row_of = dict(zip(ids, rows.tolist(), strict=True))
        state: dict[str, bool] = {}  # False while on the current walk, True when done
        for start in ids[linked]:
            walk = []
            node: str | None = start
            while node is not None and node not in state:
                state[node] = False
                walk.append(node)
                node = parent_of.get(node)
            if node is not None and state[node] is False:
                cycle = walk[walk.index(node) :]
                first = min(range(len(cycle)), key=lambda i: row_of[cycle[i]])
                cycle = cycle[first:] + cycle[:first]
                chain = " -> ".join(_quote(c) for c in [*cycle, cycle[0]])
                self.add(
                    t.name,
                    t.path,
                    row_of[cycle[0]],
                    "parent_id",
                    parent_of[cycle[0]],
                    f"the parent_id chain goes round in a circle: {chain}.",
                    "An organisation cannot be its own parent, directly or through others: "
                    "correct one of these parent_id values.",
                )
            for visited in walk:
                state[visited] = True

    def _boards(self, t: _Table, organisations: _Table) -> pd.DataFrame:
        if not t.usable or not t.present:
            return model.empty_frame("boards")
        ids, _ = self._id_column(t, "id", required=True)
        self._unique(t, ids)
        if organisations.usable:
            org_ids = organisations.get("id")
            org_row: dict[str, int] = {}
            for value, row in zip(org_ids, organisations.rows, strict=True):
                org_row.setdefault(value, int(row))
            clash = ids.notna() & ids.isin(org_row.keys())
            self.flag(
                t,
                clash,
                "id",
                lambda v, _: (
                    f"{_quote(v)} is also an organisation id (organisations.csv row "
                    f"{org_row[v]}); boards and organisations share one id space in the network."
                ),
                lambda v, _: f"Give the board a different id, e.g. {_quote('board-' + v)}.",
            )
        convener, bad_convener = self._id_column(t, "convener_id", required=False)
        self._references(
            t,
            convener,
            bad_convener,
            "convener_id",
            self._known_ids(organisations),
            "organisations",
        )
        return pd.DataFrame(
            {
                "id": ids,
                "name": self._text_cells(t, "name", self._required(t, "name")),
                "convener_id": convener,
                "level": self._text(t, "level"),
                "theme": self._text(t, "theme"),
            }
        )

    def _memberships(
        self, t: _Table, org_ids: pd.Index | None, board_ids: pd.Index | None
    ) -> pd.DataFrame:
        if not t.usable or not t.present:
            return model.empty_frame("memberships")
        boards, bad_boards = self._id_column(t, "board_id", required=True)
        self._references(t, boards, bad_boards, "board_id", board_ids, "boards")
        orgs, bad_orgs = self._id_column(t, "org_id", required=True)
        self._references(t, orgs, bad_orgs, "org_id", org_ids, "organisations")
        role = self._vocabulary(t, "role", model.ROLES)
        start, end = self._period(t)
        return pd.DataFrame(
            {
                "board_id": boards,
                "org_id": orgs,
                "role": role.fillna("member"),
                "start": start,
                "end": end,
            }
        )

    def _funding(self, t: _Table, org_ids: pd.Index | None) -> pd.DataFrame:
        if not t.usable or not t.present:
            return model.empty_frame("funding")
        ids, _ = self._id_column(t, "id", required=True)
        self._unique(t, ids)
        funders, bad_funders = self._id_column(t, "funder_id", required=True)
        self._references(t, funders, bad_funders, "funder_id", org_ids, "organisations")
        recipients, bad_recipients = self._id_column(t, "recipient_id", required=True)
        self._references(t, recipients, bad_recipients, "recipient_id", org_ids, "organisations")
        self.flag(
            t,
            funders.notna() & (funders == recipients),
            "recipient_id",
            "{value} is both the funder and the recipient.",
            "Correct funder_id or recipient_id: funding is money from one organisation to another.",
        )
        self._required(t, "amount", "Give the amount awarded in pounds, e.g. 5000 or £5,000.")
        amount, _ = self._number(
            t,
            "amount",
            money=True,
            not_a_number="Write the amount in pounds, e.g. 5000, 1234.50 or £1,234.50.",
        )
        self.flag(
            t,
            amount == 0,
            "amount",
            "{value} is zero; an amount must be more than 0.",
            "Correct the amount, or remove the row if nothing was awarded.",
        )
        self.flag(
            t,
            amount < 0,
            "amount",
            "{value} is negative; an amount must be more than 0.",
            "Correct the amount; for money paid back, swap funder_id and recipient_id "
            "rather than using a negative amount.",
        )
        award_date = self._dates(t, "award_date", required=True)
        currency = t.get("currency")
        if currency.notna().any():
            currency = _per_unique(currency, str.upper)
            code = _per_unique(currency, lambda v: re.fullmatch("[A-Z]{3}", v) is not None)
            self.flag(
                t,
                currency.notna() & ~code.eq(True),
                "currency",
                "{value} is not a three-letter currency code.",
                "Use a code such as GBP, or leave the cell empty for GBP.",
                values=t.get("currency"),
            )
        duration = t.get("duration_months")
        months = _per_unique(duration, parse.parse_months)
        self.flag(
            t,
            duration.notna() & months.isna(),
            "duration_months",
            f"{{value}} is not a whole number of months from 0 to {parse.MAX_MONTHS:,}.",
            "Write the duration in whole months, e.g. 12, or leave the cell empty.",
        )
        return pd.DataFrame(
            {
                "id": ids,
                "funder_id": funders,
                "recipient_id": recipients,
                "amount": amount.where(amount > 0),
                "award_date": award_date,
                "currency": currency.fillna("GBP"),
                "duration_months": months.astype("Int64"),
                "kind": self._vocabulary(t, "kind", model.FUNDING_KINDS),
                "restricted": self._booleans(t, "restricted", empty_means="if unknown"),
                "programme": self._text(t, "programme"),
            }
        )

    def _partnerships(self, t: _Table, org_ids: pd.Index | None) -> pd.DataFrame:
        if not t.usable or not t.present:
            return model.empty_frame("partnerships")
        sources, bad_sources = self._id_column(t, "source_id", required=True)
        self._references(t, sources, bad_sources, "source_id", org_ids, "organisations")
        targets, bad_targets = self._id_column(t, "target_id", required=True)
        self._references(t, targets, bad_targets, "target_id", org_ids, "organisations")
        self.flag(
            t,
            sources.notna() & (sources == targets),
            "target_id",
            "{value} is both the source and the target; a partnership needs two different "
            "organisations.",
            "Correct source_id or target_id, or remove the row.",
        )
        kind = self._vocabulary(t, "kind", model.PARTNERSHIP_KINDS)
        directed = self._booleans(t, "directed", empty_means="for false")
        weight, _ = self._number(
            t,
            "weight",
            money=False,
            not_a_number="Give a number greater than 0 (e.g. 1 or 2.5), or leave the cell "
            "empty for 1.",
        )
        self.flag(
            t,
            weight <= 0,
            "weight",
            "{value} is not a positive number.",
            "Give a number greater than 0 (e.g. 1 or 2.5), or leave the cell empty for 1.",
        )
        start, end = self._period(t)
        return pd.DataFrame(
            {
                "source_id": sources,
                "target_id": targets,
                "kind": kind,
                "directed": directed.fillna(False),
                "weight": weight.where(weight > 0).fillna(1.0),
                "start": start,
                "end": end,
            }
        )

    def _affiliations(self, t: _Table, org_ids: pd.Index | None) -> pd.DataFrame:
        if not t.usable or not t.present:
            return model.empty_frame("affiliations")
        # Columns shifted by one put a person's name in any column: quote no cell.
        self.personal = True
        try:
            people, _ = self._id_column(t, "person_id", required=True)
            orgs, bad_orgs = self._id_column(t, "org_id", required=True)
            self._references(t, orgs, bad_orgs, "org_id", org_ids, "organisations")
            role = self._vocabulary(t, "role", model.ROLES)
            start, end = self._period(t)
        finally:
            self.personal = False
        return pd.DataFrame(
            {"person_id": people, "org_id": orgs, "role": role, "start": start, "end": end}
        )


_DATE_HINTS = {"award_date": "Give the date of the award, e.g. 2024-03-31."}


@dataclass(frozen=True)
class _Source:
    """Where a table is read from: ``path`` the file, ``shown`` as problems name it,
    ``label`` as other messages name it, ``sheet`` the workbook's sheet (None for CSV)."""

    path: str
    shown: str
    label: str
    sheet: str | None


# The separators a CSV file may use, with --delimiter, by the words a message uses.
_DELIMITER_NAMES = {",": "commas (,)", ";": "semicolons (;)", "\t": "tabs"}
# Files a person may have meant as a table: named in a note when they are not one.
_DATA_EXTENSIONS = frozenset(
    {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".json", ".xml"}
)
_TABLE_FILES = ", ".join(model.TABLES) + ", each a .csv or .xlsx file or a sheet"


def _separator(delimiter: str | None) -> str:
    """The separator ``--delimiter`` names: a comma by default, ``tab`` for a tab."""
    if delimiter is None:
        return ","
    chosen = "\t" if delimiter.lower() in ("tab", "\\t") else delimiter
    if chosen not in _DELIMITER_NAMES:
        raise InputError(
            f"unknown delimiter {_quote(delimiter)}.",
            hint="Give --delimiter ',' (the default), --delimiter ';' or --delimiter tab.",
        )
    return chosen


def _header_fields(line: str, delimiter: str) -> list[str]:
    try:
        row = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []
    return [_column_name(c) for c in row]


def _cell_text(cell: object) -> str:
    """A workbook cell as the text a CSV file would hold.

    Whole numbers lose the ``.0`` a spreadsheet stores them with, dates are
    ``YYYY-MM-DD``, true and false are words. A leading zero a spreadsheet dropped
    cannot be recovered: store such ids as text in the workbook.
    """
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime):
        if (cell.hour, cell.minute, cell.second, cell.microsecond) == (0, 0, 0, 0):
            return cell.strftime("%Y-%m-%d")
        return cell.isoformat(sep=" ")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


@dataclass
class _Decoded:
    """What streaming a CSV file found besides its rows: whether any text block held
    an undecodable byte, the first cell holding one (record, position, byte) and
    how many records do, the header's column names, and a CSV error (line, text)."""

    undecoded: bool = False
    first_bad: tuple[int, int, int] | None = None
    bad_rows: int = 0
    header: list[str] = field(default_factory=list)
    error: tuple[int, str] | None = None


def _shared(values: np.ndarray) -> np.ndarray:
    """The cells with one string object per distinct value (None kept).

    The csv module makes a new string for every cell; ids, dates and vocabularies
    repeat, so sharing one object per value (one pass in C) keeps a column near
    eight bytes a row instead of fifty or more.
    """
    codes, uniques = pd.factorize(values)
    shared = np.empty(len(values), dtype="object")
    present = codes >= 0
    shared[present] = np.asarray(uniques, dtype="object")[codes[present]]
    return shared


def _unusable(name: str, path: str) -> _Table:
    table = _absent(name, path, usable=False)
    table.present = True
    return table


def _text_blocks(text: io.TextIOWrapper, state: _Decoded) -> Iterator[list[str]]:
    """The file's lines, about a megabyte at a time; each block is scanned once (in
    C) for bytes that did not decode, so clean files pay no per-cell check."""
    while lines := text.readlines(_TEXT_BLOCK):
        if not state.undecoded:
            joined = "".join(lines)
            if not joined.isascii() and parse.UNDECODED.search(joined):
                state.undecoded = True
        yield lines


def _csv_rows(reader: Any, state: _Decoded) -> Iterator[list[str]]:
    """The records of a CSV reader; a CSV error ends them and is kept in ``state``.

    Once a block with an undecodable byte has been read, each record is searched
    for it, to name the first cell holding one and count the records that do.
    """
    number = 0
    try:
        for record in reader:
            number += 1
            if number == 1:
                state.header = [_column_name(c) for c in record]
            if state.undecoded:
                for position, cell in enumerate(record):
                    match = parse.UNDECODED.search(cell)
                    if match:
                        state.bad_rows += 1
                        if state.first_bad is None:
                            state.first_bad = (number, position, ord(match.group()) - 0xDC00)
                        break
            yield record
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            message = (
                f"a cell holds more than {rows.CSV_FIELD_LIMIT:,} characters, far more than "
                "any value; is a quote left open?"
            )
        state.error = (reader.line_num or 1, message)


def _column_name(cell: str) -> str:
    """A header cell as a column name: ``' Board ID'`` is ``board_id``."""
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _short_ascii(values: pd.Series) -> bool:
    """Whether every cell is ASCII and short enough for every bound (one C pass)."""
    present = values.dropna().tolist()
    if not present:
        return True
    longest = max(map(len, present))
    return longest <= parse.MAX_ID_CHARS and "".join(present).isascii()


def _per_unique(values: pd.Series, func: Callable[[Any], object]) -> pd.Series:
    """``func`` applied to each distinct non-missing value; NaN where missing.

    Without pyarrow, pandas' ``.str`` methods call Python once per cell anyway;
    columns such as dates, vocabularies and amounts repeat a lot, so working on
    the distinct values is many times faster.
    """
    codes, uniques = pd.factorize(values)
    results = np.empty(len(uniques) + 1, dtype="object")
    results[:-1] = [func(u) for u in uniques]
    results[-1] = np.nan
    return pd.Series(results[codes], index=values.index, dtype="object")


def _normalise_tags(tags: pd.Series) -> pd.Series:
    """Tags trimmed, lower-cased, de-duplicated in first-seen order, joined with ``;``."""

    def normal(cell: object) -> object:
        if not isinstance(cell, str):
            return np.nan
        seen: dict[str, None] = {}
        for tag in cell.split(";"):
            tag = tag.strip().lower()
            if tag:
                seen.setdefault(tag, None)
        return ";".join(seen) if seen else np.nan

    return _per_unique(tags, normal)
