"""Reading other people's files a row at a time, for the importers.

An importer's input can be a national file of a million rows, so nothing here
reads a whole file: CSV rows and the items of a JSON list stream past with their
spreadsheet row (or place in the list), and the bytes read are reported to a
progress callback as they go. Text is decoded with the encoding a person gives
(a UTF-8 byte-order mark is always accepted); a byte that does not decode is
reported at the row that holds it.

Every problem is an :class:`~partnernet.errors.InputError` naming the file; a row
an importer leaves out is a :class:`SkippedRow`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NoReturn

from partnernet.errors import InputError
from partnernet.io.parse import UNDECODED

__all__ = [
    "JsonList",
    "Progress",
    "SkippedRow",
    "csv_records",
    "data_rows",
    "file_kind",
    "json_items",
    "json_path",
    "json_records",
    "next_row",
    "not_text",
    "open_text",
    "open_zip_text",
    "pair_rows",
    "require_files",
    "unreadable",
]

Progress = Callable[[int], None]

_PROGRESS_EVERY = 5000
_JSON_CHUNK = 1 << 16


@dataclass(frozen=True)
class SkippedRow:
    """A row left out of an import, located for a person to find.

    ``row`` is the spreadsheet row of a CSV file (the header is row 1; ``unit`` is
    ``"row"``) or the position of the item in a JSON file's list (the first is 1;
    ``unit`` is ``"grant"`` for a 360Giving file). ``column`` is the CSV column
    title or the JSON path of the field at fault.
    """

    path: str
    row: int
    column: str | None
    value: str | None
    reason: str
    grant_id: str | None = None
    unit: str = "row"

    def __str__(self) -> str:
        where = f"{self.path}, {self.unit} {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.reason}"


# -- opening and decoding ----------------------------------------------------------


def unreadable(name: str, exc: OSError) -> InputError:
    """The error for a file the system will not let us read."""
    return InputError(
        f"cannot read {name}: {exc.strerror or exc}.",
        hint="Check the path and that the file can be read.",
        path=name,
    )


def require_files(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Fail on the first input file that is missing, before anything else is read.

    An importer reads the dataset it merges into first; without this check a
    mistyped file name would be reported as whatever is wrong with that dataset.
    """
    for path in paths:
        name = os.fspath(path)
        if not os.path.exists(name):
            raise InputError(
                f"{name} does not exist.",
                hint="Check the file name and the folder you are in.",
                path=name,
            )
        if os.path.isdir(name):
            raise InputError(
                f"{name} is a folder, not a file.",
                hint="Give the file itself, not its folder.",
                path=name,
            )


def not_text(name: str, encoding: str, row: int | None) -> InputError:
    """The error for a file (or a row of it) that is not text in ``encoding``."""
    where = f" (row {row})" if row else ""
    return InputError(
        f"{name} is not {encoding} text{where}.",
        hint="Save it as 'CSV UTF-8', or give its encoding with --encoding (e.g. cp1252).",
        path=name,
        row=row,
    )


@contextlib.contextmanager
def open_text(
    path: str | os.PathLike[str],
    encoding: str,
    *,
    newline: str | None = "",
    errors: str = "surrogateescape",
) -> Iterator[io.TextIOWrapper]:
    """Open a text file; by default undecodable bytes are kept as surrogates.

    The decoder reads ahead in chunks, so a decoding error would be raised rows
    before the row at fault; :func:`next_row` finds the surrogates in the row
    itself and names that row. A UTF-8 byte-order mark is dropped.

    Raises
    ------
    InputError
        When the encoding is unknown or the file cannot be opened.
    """
    codec = _codec(encoding)
    try:
        handle = open(path, encoding=codec, newline=newline, errors=errors)  # noqa: SIM115
    except OSError as exc:
        raise unreadable(str(path), exc) from exc
    with handle:
        yield handle


def _codec(encoding: str) -> str:
    """The codec to decode with (a UTF-8 byte-order mark dropped); an unknown
    encoding is input the user can correct."""
    try:
        return _with_bom(codecs.lookup(encoding).name)
    except LookupError:
        raise InputError(
            f"unknown text encoding '{encoding}'.",
            hint="Give an encoding Python knows, such as utf-8, cp1252 or latin-1.",
        ) from None


@contextlib.contextmanager
def open_zip_text(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, encoding: str, *, name: str
) -> Iterator[io.TextIOWrapper]:
    """Open a member of a zip file as text, streamed, as :func:`open_text` opens a file.

    The member is decompressed as it is read, never whole; ``handle.buffer.tell()``
    is its position in the uncompressed bytes. ``name`` (``archive.zip!member.csv``)
    names it in errors.

    Raises
    ------
    InputError
        When the encoding is unknown or the member cannot be read.
    """
    codec = _codec(encoding)
    try:
        raw = archive.open(member)
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
        raise InputError(
            f"cannot read {name}: {exc}.",
            hint="Unzip the file and give the CSV file inside instead.",
            path=name,
        ) from exc
    with io.TextIOWrapper(raw, encoding=codec, newline="", errors="surrogateescape") as handle:
        yield handle


def _with_bom(codec: str) -> str:
    # The UTF-8 codec that drops a leading byte-order mark, so the first column
    # title is 'Identifier' and not '\ufeffIdentifier'.
    return "utf-8-sig" if codec == "utf-8" else codec


def file_kind(
    path: str | os.PathLike[str],
    *,
    csv_marker: bytes,
    workbook_hint: str,
    unknown: Callable[[str], InputError],
) -> str:
    """``"csv"`` or ``"json"``: by the file's suffix, else by its first bytes.

    Parameters
    ----------
    path : path-like
        The file.
    csv_marker : bytes
        Lower-case bytes whose presence (with a comma) in the first 4 KiB marks an
        unnamed file as CSV, such as a column title the format requires.
    workbook_hint : str
        How to fix a spreadsheet workbook given in place of the file.
    unknown : callable
        Makes the error for a file that is neither, given the file's name.

    Raises
    ------
    InputError
        When the file cannot be read, is a spreadsheet workbook, or is neither.
    """
    name = str(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise unreadable(name, exc) from exc
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputError(
            f"{name} is a spreadsheet workbook, not a CSV or JSON file.",
            hint=workbook_hint,
            path=name,
        )
    suffix = Path(name).suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix[1:]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "json"
    if csv_marker in head.lower() and b"," in head:
        return "csv"
    raise unknown(name)


# -- CSV ---------------------------------------------------------------------------


def next_row(reader: Any, name: str, encoding: str, row: int = 0) -> list[str] | None:
    """The next CSV record, with read errors turned into an :class:`InputError`.

    ``row`` is the spreadsheet row of the record before, so errors name this one.
    """
    try:
        record: list[str] = next(reader)
    except StopIteration:
        return None
    except UnicodeDecodeError as exc:
        raise not_text(name, encoding, row + 1) from exc
    except csv.Error as exc:
        raise InputError(
            f"{name}, row {row + 1}: not readable as CSV ({exc}).",
            hint="Check the quoting on that row, or save the file again as CSV.",
            path=name,
            row=row + 1,
        ) from exc
    for cell in record:
        if not cell.isascii() and UNDECODED.search(cell):
            raise not_text(name, encoding, row + 1)
    return record


def data_rows(
    reader: Iterator[list[str]],
    handle: IO[str],
    name: str,
    encoding: str,
    size: int,
    progress: Progress | None,
) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows after the header, with their spreadsheet row numbers.

    Reports the bytes read to ``progress`` as it goes and the rest of ``size`` at the
    end, so a progress bar over the file's size ends full.
    """
    reported = 0
    row_number = 1
    while (row := next_row(reader, name, encoding, row_number)) is not None:
        row_number += 1
        if progress is not None and row_number % _PROGRESS_EVERY == 0:
            position = handle.buffer.tell()  # type: ignore[attr-defined]
            progress(position - reported)
            reported = position
        if any(cell.strip() for cell in row):
            yield row_number, row
    if progress is not None:
        progress(max(size - reported, 0))


def csv_records(
    path: str | os.PathLike[str],
    encoding: str,
    progress: Progress | None,
    *,
    columns: Callable[[str, list[str]], Sequence[int]],
    empty_hint: str,
) -> Iterator[tuple[int, list[str | None]]]:
    """(spreadsheet row, cells) for every non-blank row of a CSV file.

    ``columns(name, header)`` gives the position in the header of each cell wanted
    (-1 for one the file lacks, which reads as ``None``); it raises the importer's
    own error for a header that will not do. ``empty_hint`` says what a file with
    no header should have held.
    """
    name = str(path)
    size = os.path.getsize(path)
    with open_text(path, encoding) as handle:
        reader = csv.reader(handle)
        header = next_row(reader, name, encoding)
        if header is None or not any(h.strip() for h in header):
            raise InputError(f"{name} is empty.", hint=empty_hint, path=name)
        index = columns(name, header)
        for row_number, row in data_rows(reader, handle, name, encoding, size, progress):
            width = len(row)
            yield row_number, [row[i] if 0 <= i < width else None for i in index]


# -- JSON --------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonList:
    """The shape of a JSON file that is an object holding one list of records.

    ``key`` names the list (``"grants"``), ``item`` one record (``"grant"``),
    ``standard`` the format in messages (``"360Giving"``) and ``missing_hint`` what
    to check when the list is not there.
    """

    key: str
    item: str
    standard: str
    missing_hint: str


def json_path(record: dict[str, Any], path: str) -> Any:
    """The value at ``path`` (``a/0/b``) in one record, or ``None``.

    Examples
    --------
    >>> json_path({"recipientOrganization": [{"id": "GB-CHC-1"}]}, "recipientOrganization/0/id")
    'GB-CHC-1'
    """
    value: Any = record
    for part in path.split("/"):
        # The standard's lists hold one item in practice; take the first, and read a
        # lone object where a list is expected as that item.
        if isinstance(value, list):
            value = value[0] if value else None
        if part == "0":
            continue
        value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return None
    return None if isinstance(value, dict | list) else value


def json_records(
    path: str | os.PathLike[str],
    encoding: str,
    progress: Progress | None,
    *,
    shape: JsonList,
    paths: Sequence[str],
) -> Iterator[tuple[int, list[Any]]]:
    """(place in the list, values at ``paths``) for every record of a JSON file.

    A record that is not an object gives ``None`` for every path.
    """
    for number, record in enumerate(json_items(path, encoding, progress, shape=shape), start=1):
        if isinstance(record, dict):
            yield number, [json_path(record, p) for p in paths]
        else:
            yield number, [None] * len(paths)


def json_items(
    path: str | os.PathLike[str], encoding: str, progress: Progress | None, *, shape: JsonList
) -> Iterator[Any]:
    """The items of the top-level list ``shape.key``, parsed one at a time.

    The standard library has no streaming JSON parser, so this walks the top-level
    object itself and hands each value to ``raw_decode``, reading more of the file
    whenever a value runs past the end of what has been read. Numbers are
    :class:`~decimal.Decimal`, so amounts keep their pennies exactly.
    """
    name = str(path)
    decoder = json.JSONDecoder(parse_float=Decimal)
    found = False
    key_text, item = shape.key, shape.item
    with open_text(path, encoding, newline=None, errors="strict") as handle:
        buf = _JsonBuffer(handle, name, encoding, progress, shape)
        buf.expect("{", f'a JSON object {{"{key_text}": [...]}}')
        count = 0
        if not buf.take("}"):
            while True:
                key = buf.value(decoder, count)
                if not isinstance(key, str):
                    buf.fail(count, "expected a quoted key")
                buf.expect(":", "':'")
                if key == key_text:
                    found = True
                    buf.expect("[", f'a list of {key_text} after "{key_text}":')
                    if not buf.take("]"):
                        while True:
                            count += 1
                            yield buf.value(decoder, count)
                            if buf.take("]"):
                                break
                            buf.expect(",", f"',' or ']' after a {item}")
                else:
                    buf.value(decoder, count)
                if buf.take("}"):
                    break
                buf.expect(",", "',' or '}'")
        buf.finish()
    if not found:
        raise InputError(f'{name} has no "{key_text}" list.', hint=shape.missing_hint, path=name)


class _JsonBuffer:
    """The unparsed part of a JSON file, refilled a chunk at a time."""

    def __init__(
        self,
        handle: io.TextIOWrapper,
        name: str,
        encoding: str,
        progress: Progress | None,
        shape: JsonList,
    ) -> None:
        self.handle = handle
        self.name = name
        self.encoding = encoding
        self.progress = progress
        self.shape = shape
        self.text = ""
        self.pos = 0
        self.eof = False
        self.reported = 0

    def fill(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self.handle.read(_JSON_CHUNK)
        except UnicodeDecodeError as exc:
            raise not_text(self.name, self.encoding, None) from exc
        if self.progress is not None:
            position = self.handle.buffer.tell()  # type: ignore[attr-defined]
            self.progress(position - self.reported)
            self.reported = position
        if not chunk:
            self.eof = True
            return False
        # Drop what has been parsed, so the buffer holds about one record.
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True

    def skip_space(self) -> None:
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.text) or not self.fill():
                return

    def take(self, char: str) -> bool:
        self.skip_space()
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return True
        return False

    def expect(self, char: str, what: str) -> None:
        if not self.take(char):
            self.fail(None, f"expected {what}")

    def value(self, decoder: json.JSONDecoder, count: int) -> Any:
        self.skip_space()
        while True:
            try:
                result, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self.fill():
                    continue
                self.fail(count, exc.msg)
            # A number cut off by the end of the buffer parses as a shorter number.
            if end == len(self.text) and self.fill():
                continue
            self.pos = end
            return result

    def finish(self) -> None:
        self.skip_space()
        if self.pos < len(self.text):
            self.fail(None, "unexpected text after the end of the JSON object")

    def fail(self, count: int | None, message: str) -> NoReturn:
        where = f" near {self.shape.item} {count}" if count else ""
        raise InputError(
            f"{self.name} is not valid {self.shape.standard} JSON{where}: {message}.",
            hint=f'Check that the file is complete JSON of the form {{"{self.shape.key}": '
            "[...]}, or use the publisher's CSV file instead.",
            path=self.name,
        )


def pair_rows(
    path: str | os.PathLike[str],
    columns: tuple[str, str],
    *,
    encoding: str = "utf-8",
    missing_hint: str,
    blank_hint: str,
) -> Iterator[tuple[int, str, str]]:
    """The rows of a small two-column CSV the user writes (aliases, a departments map).

    Yields ``(spreadsheet row, first, second)`` for each row that is not empty, the
    two cells stripped; other columns are ignored. An empty file, a missing column
    or a blank cell raises :class:`partnernet.errors.InputError` naming the file,
    row and column, with ``missing_hint`` (what the file's header and rows mean) or
    ``blank_hint`` (how to mend a blank cell) as the fix.
    """
    name = str(path)
    header_words = ",".join(columns)
    with open_text(path, encoding) as handle:
        reader = csv.reader(handle)
        header = next_row(reader, name, encoding)
        if header is None:
            raise InputError(
                f"{name} is empty.",
                hint=f"Write a header '{header_words}' and one row per {columns[0]}.",
                path=name,
            )
        # The first of two equal headings counts, as a spreadsheet user would read it.
        cols = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
        missing = [c for c in columns if c not in cols]
        if missing:
            raise InputError(
                f"{name} has no column {', '.join(repr(c) for c in missing)}.",
                hint=missing_hint,
                path=name,
            )
        row_number = 1
        while (row := next_row(reader, name, encoding, row_number)) is not None:
            row_number += 1
            if not any(c.strip() for c in row):
                continue
            first, second = (row[cols[c]].strip() if cols[c] < len(row) else "" for c in columns)
            for column, value in zip(columns, (first, second), strict=True):
                if not value:
                    raise InputError(
                        f"{name}, row {row_number}, column '{column}': the cell is blank.",
                        hint=blank_hint,
                        path=name,
                        row=row_number,
                        column=column,
                    )
            yield row_number, first, second
