"""Safe writers: every output goes to a temporary file that is renamed into place.

An interrupted run therefore never leaves a half-written or empty output, and an
output that cannot be written raises :class:`OutputError` (exit code 5) while any
file already at that path is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from partnernet.errors import OutputError
from partnernet.io.folders import prepare_output_folder
from partnernet.model import Dataset

__all__ = [
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "dataset_to_csv_text",
    "make_dataset_folder",
    "neutralise_cell",
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
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(series):
            out[column] = series.map(lambda v: "" if pd.isna(v) else ("true" if v else "false"))
        elif pd.api.types.is_float_dtype(series):
            out[column] = series.map(_format_number)
    # CRLF (RFC 4180) because the csv writer quotes a field only when it holds a
    # character of the line terminator: with "\n" alone, a stray "\r" in a name
    # would go out unquoted and split the row in every reader.
    text: str = out.to_csv(index=False, lineterminator="\r\n")
    return text


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


def _format_number(value: float) -> str:
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
