"""The one output-folder policy of every command that writes.

Kept free of pandas and NetworkX so a command can check its ``--out`` folder in
milliseconds, before it imports the analysis or reads any data.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from partnernet.errors import OutputError

__all__ = ["REGISTER_SUGGESTIONS", "SPEND_UNITS", "SUGGESTED_ALIASES", "prepare_output_folder"]

# Files the importers write beside a dataset's tables for the user to check (likely
# duplicates, charity ids found by name). The reader knows them, so it never calls
# them unknown files.
SUGGESTED_ALIASES = "suggested-aliases.csv"
REGISTER_SUGGESTIONS = "suggested-aliases-register.csv"
# The units of a spending import with many of them, for a person to map to departments.
SPEND_UNITS = "spend-units.csv"


def prepare_output_folder(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` (and its parents) when missing and prove it can be written.

    The one output-folder policy of every command that writes: called before
    anything is read or analysed, so a folder that cannot be written fails at once
    (exit 5), not after minutes of analysis. Writability is tested by creating and
    removing a file, which also holds for read-only file systems and for root,
    where permission bits alone would say yes.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     prepare_output_folder(Path(tmp) / "a" / "new").is_dir()
    True
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"cannot write to {target}: it is a file, not a folder.",
            hint="Choose a folder with --out.",
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=target, prefix=".partnernet-probe-")
        os.close(fd)
        # Another run that holds the folder's lock removes probe files it finds
        # (io.staging settles leftovers), perhaps this one already: that is fine.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"cannot write to {target}: {exc.strerror or exc}.",
            hint="Check the path and its permissions, or choose another folder with --out.",
        ) from exc
    return target
