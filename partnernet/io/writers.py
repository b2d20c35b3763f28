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
from typing import IO

from partnernet.errors import OutputError

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_text", "neutralise_cell"]

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
    path: str | os.PathLike[str], mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO]:
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


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
