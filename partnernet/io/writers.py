"""Safe writers: every output goes to a temporary file that is renamed into place,
and every CSV cell is written so that no spreadsheet runs or splits it.

An interrupted write therefore never leaves a half-written or empty output, and an
output that cannot be written raises :class:`OutputError` (exit code 5) while any
file already at that path is left untouched. A run's several files are put in
place together by :mod:`partnernet.io.staging`.

Every CSV file partnernet writes goes through :func:`csv_cell` (or its column-wise
twin inside :func:`csv_text`, which follows the same rule): text that starts a
formula is neutralised (:func:`neutralise_cell`), as is a formula start right
after a separator inside the text, and a cell holding a separator any spreadsheet
might use (``,`` ``;`` tab ``|``), a quote or a line break is quoted. So a
spreadsheet that reads the file with ``;``, tab or ``|`` as its separator (``;``
is the default in much of Europe) still never starts a cell with a formula.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from partnernet.errors import OutputError
from partnernet.io.folders import prepare_output_folder
from partnernet.io.staging import stage_run
from partnernet.model import TABLES, Dataset

__all__ = [
    "SafeCsvWriter",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "csv_cell",
    "csv_line",
    "csv_text",
    "dataset_to_csv_text",
    "make_dataset_folder",
    "neutralise_cell",
    "replace_dataset",
    "restore_cell",
    "write_dataset",
]

# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV
# injection"); a leading apostrophe makes them show it as text instead.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``value`` made inert for spreadsheets when it is text that starts a formula.

    Numbers stay numbers; only ``str`` values are changed.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(\\"x\\")"), neutralise_cell(-3), neutralise_cell("ok")
    ('\\'=HYPERLINK("x")', -3, 'ok')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


# Python's csv writer quotes only cells holding its own separator, a quote or a line
# break; a spreadsheet that splits on ";", tab or "|" would split the others.
_QUOTE_WHEN = r'[,;\t|"\r\n]'
_NEEDS_QUOTES = re.compile(_QUOTE_WHEN)


# Quoting alone does not protect a cell in the middle of a row: a spreadsheet that
# splits "GB-1,\"Friends;=cmd|...\"" on ";" starts a cell at "=cmd|...", the quote
# being inside its first cell. So a formula start right after a separator inside
# a cell (after any quotes) gets the apostrophe too.
_INNER_FORMULA = r'([,;\t|]"*)([=+\-@])'
_INNER = re.compile(_INNER_FORMULA)


def _text_cell(text: str) -> str:
    text = str(neutralise_cell(text))
    if _NEEDS_QUOTES.search(text) is None:
        return text
    # Only a cell holding a separator can hide a formula start inside it.
    return '"' + _INNER.sub(r"\1'\2", text).replace('"', '""') + '"'


# The inverse, for the reader: the apostrophes put before formula starts, at the start
# and after a separator inside a cell, as a spreadsheet takes its own off on reading.
_NEUTRALISED_START = re.compile(r"^'(?=[=+\-@\t\r])")
_NEUTRALISED_INNER = re.compile(r"""([,;\t|]"*)'([=+\-@])""")


def restore_cell(text: str) -> str:
    """A cell's text as it was before :func:`csv_cell` neutralised it, so a dataset
    partnernet rewrites (an import) reads back as its files were written.

    Examples
    --------
    >>> [restore_cell(t) for t in ["'=SUM(A1)", "'@Home Trust", "Friends;'=cmd", "O'Neil"]]
    ['=SUM(A1)', '@Home Trust', 'Friends;=cmd', "O'Neil"]
    >>> all(restore_cell(csv_cell(t).strip('"').replace('""', '"')) == t
    ...     for t in ["=1+1", "@x", 'a;"=b', "a,-1", "plain"])
    True
    """
    if "'" not in text:
        return text
    return _NEUTRALISED_INNER.sub(r"\1\2", _NEUTRALISED_START.sub("", text, count=1))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def csv_cell(value: object) -> str:
    """One cell as partnernet writes it in a CSV file.

    Missing values (``None``, NaN) are empty; text that starts a formula is
    neutralised, and so is a formula start right after a separator inside the text
    (where a spreadsheet splitting on that separator would start a cell); a cell
    holding ``,`` ``;`` tab ``|``, a quote or a line break is quoted (inner quotes
    doubled); numbers are written as Python writes them.

    Examples
    --------
    >>> [csv_cell(v) for v in ("ok", "a;b", "=1+1", 'say "hi", then', -3, None)]
    ['ok', '"a;b"', "'=1+1", '"say ""hi"", then"', '-3', '']
    >>> print(csv_cell("Friends;=cmd|' /C calc'!A0;"))
    "Friends;'=cmd|' /C calc'!A0;"
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, str):
        return _text_cell(value)
    return _quoted(str(value))


def csv_line(cells: Iterable[object], *, lineterminator: str = "\r\n") -> str:
    """One CSV row of :func:`csv_cell` cells, with its line terminator.

    Examples
    --------
    >>> print(csv_line(["a|b", 2]).rstrip())
    "a|b",2
    """
    values = [csv_cell(c) for c in cells]
    if values == [""]:
        values = ['""']  # a lone empty cell, not a blank line a reader skips
    return ",".join(values) + lineterminator


class SafeCsvWriter:
    """``csv.writer``'s ``writerow`` for a text handle, with :func:`csv_cell` cells."""

    def __init__(self, handle: IO[str], *, lineterminator: str = "\r\n") -> None:
        self._handle = handle
        self._end = lineterminator

    def writerow(self, cells: Iterable[object]) -> None:
        self._handle.write(csv_line(cells, lineterminator=self._end))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        self._handle.write("".join(csv_line(r, lineterminator=self._end) for r in rows))


def csv_text(
    frame: pd.DataFrame, *, verbatim: Collection[str] = (), lineterminator: str = "\r\n"
) -> str:
    """A whole table as CSV text, every cell by the rule of :func:`csv_cell`.

    Numbers are written as pandas writes them (``3.0`` for a float three, ``True``
    for a boolean); columns named in ``verbatim`` hold text the caller formatted
    from numbers or dates (``-3.5`` is a number there, not a formula) and are
    quoted when needed but not neutralised.

    Examples
    --------
    >>> csv_text(pd.DataFrame({"name": ["a|b", "@x"], "n": [1.5, float("nan")]})).splitlines()
    ['name,n', '"a|b",1.5', "'@x,"]
    """
    header = ",".join(csv_cell(str(c)) for c in frame.columns) + lineterminator
    if frame.empty:
        return header
    columns = [
        _column_cells(frame.iloc[:, i], neutralise=frame.columns[i] not in verbatim)
        for i in range(frame.shape[1])
    ]
    if len(columns) == 1:
        rows = [cell or '""' for cell in columns[0]]  # not a blank line a reader skips
    else:
        rows = [",".join(cells) for cells in zip(*columns, strict=True)]
    return header + lineterminator.join(rows) + lineterminator


def _column_cells(series: pd.Series, *, neutralise: bool) -> list[str]:
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series):
        times = series.dt
        midnight = bool(((times.hour == 0) & (times.minute == 0) & (times.second == 0)).all())
        text = series.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
        cells: list[str] = text.astype(object).tolist()
    elif pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        # A number's text holds no separator, quote or formula start but "-",
        # which a spreadsheet reads as the number it is.
        cells = series.astype(str).tolist()
    else:
        cell = _text_cell if neutralise else _quoted
        plain, search = _FORMULA_PREFIXES if neutralise else (), _NEEDS_QUOTES.search
        # Most cells need nothing: tested inline, for tables of millions of rows.
        cells = [
            v
            if type(v) is str and not v.startswith(plain) and search(v) is None
            else _any_cell(v, cell)
            for v in series.tolist()
        ]
    if missing.any():
        for i in missing.nonzero()[0].tolist():
            cells[i] = ""
    return cells


def _any_cell(value: object, cell: Callable[[str], str]) -> str:
    if isinstance(value, str):
        return cell(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    return _quoted(str(value))


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    The folder must exist: creating it silently would hide a mistyped ``--out``.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {target}: the folder {folder} does not exist.",
            hint="Create it first, or choose another output path.",
        )
    binary = "b" in mode
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: {exc.strerror or exc}.",
            hint="Check the folder's permissions and free space, or choose another output path.",
        ) from exc
    try:
        with os.fdopen(
            fd, mode, encoding=None if binary else encoding, newline=None if binary else newline
        ) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); outputs are ordinary files that
        # should get the permissions the user's umask gives any new file.
        os.chmod(tmp_name, 0o666 & ~_current_umask())
        os.replace(tmp_name, target)
    except OSError as exc:
        _remove_quietly(tmp_name)
        raise OutputError(
            f"cannot write {target}: {exc.strerror or exc}.",
            hint="Check the folder's permissions and free space, or choose another output path.",
        ) from exc
    except BaseException:
        _remove_quietly(tmp_name)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def dataset_to_csv_text(frame: pd.DataFrame) -> str:
    """One table as CSV text in the dataset contract's own format.

    Dates are written ``YYYY-MM-DD``, booleans ``true``/``false``, missing values as
    empty cells, so that :func:`partnernet.read_dataset` reads the file back equal.
    """
    out = frame.copy()
    formatted = []
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(series):
            out[column] = series.map(lambda v: "" if pd.isna(v) else ("true" if v else "false"))
        elif pd.api.types.is_float_dtype(series):
            out[column] = series.map(_format_number)
        else:
            continue
        formatted.append(column)
    # CRLF (RFC 4180), as every table partnernet writes.
    return csv_text(out, verbatim=formatted)


def make_dataset_folder(target: Path) -> None:
    """Create a dataset folder and its parents; exit 5 with the reason when it cannot be."""
    prepare_output_folder(target)


def write_dataset(dataset: Dataset, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``dataset`` as a dataset folder; return the files written.

    ``organisations.csv`` is always written; other tables only when they have rows.
    Each file is written atomically. The folder is created when missing (a dataset
    folder is the product here, unlike an analysis output folder).
    """
    target = Path(folder)
    make_dataset_folder(target)
    written = []
    for table, frame in dataset.tables().items():
        if table != "organisations" and frame.empty:
            continue
        path = target / f"{table}.csv"
        atomic_write_text(path, dataset_to_csv_text(frame))
        written.append(path)
    return written


def replace_dataset(
    dataset: Dataset, folder: str | os.PathLike[str], *, command: str
) -> list[Path]:
    """Write ``dataset`` as the dataset folder ``folder``, replacing the one there
    whole: its files are staged and swapped in together under the folder's lock
    (:func:`partnernet.io.staging.stage_run`), and a table file of the old dataset
    that this one has no rows for is removed at the same swap, so the folder never
    holds a mix of two datasets. Other files in the folder are left alone.

    Returns the files written, as :func:`write_dataset` does.
    """
    target = Path(folder)
    make_dataset_folder(target)
    with stage_run(target, command=command, retire=[f"{t}.csv" for t in TABLES]) as run:
        staged = write_dataset(dataset, run.path)
    return [target / path.name for path in staged]


def _format_number(value: float) -> str:
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
