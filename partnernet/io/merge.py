"""Merge an import into the dataset folder it names, and write it only when valid.

An import never edits a dataset in place: it reads the dataset already in the
folder (:func:`read_existing`), builds the merged dataset in memory, and hands it
to :func:`write_validated`, which checks the whole of it exactly as ``partnernet
validate`` would before replacing any file. So a failed import leaves the folder
as it was, and a dataset an import wrote always reads.

The files an import replaces are put in place together, under the folder's lock
(:mod:`partnernet.io.staging`): the validation copy is written into the dataset's
own staging folder (never the system's temporary folder, since it holds the
affiliations, which are personal data), and the tables the import changed are
swapped in from there with a manifest. Another run that wrote the folder between
:func:`read_existing` and :func:`write_validated` would be lost by the swap, so
that import is refused instead (the CLI holds the lock across both, so there it
is refused at the start).

Aliases files (``alias,id``), which join one organisation published under two
identifiers, are read here too: any importer that meets identifiers can take one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace as dc_replace
from pathlib import Path

from partnernet.errors import InputError, OutputError, ValidationError
from partnernet.io.read import read_dataset
from partnernet.io.rows import pair_rows
from partnernet.io.staging import consistent_read, folder_lock, stage_run
from partnernet.io.writers import make_dataset_folder, write_dataset
from partnernet.model import TABLES, Dataset

__all__ = ["read_aliases", "read_existing", "write_validated"]


def read_existing(
    folder: str | os.PathLike[str], *, date_format: str | None = None, encoding: str = "utf-8"
) -> Dataset | None:
    """The dataset already in ``folder``, or ``None`` when it holds none.

    A folder with none of the dataset's files is a new dataset; one with any of them
    must read and validate, or the import stops before writing.

    Parameters
    ----------
    folder : path-like
        The dataset folder an import writes to; it need not exist.
    date_format, encoding
        As for :func:`partnernet.io.read.read_dataset`.

    Returns
    -------
    Dataset or None

    Raises
    ------
    OutputError
        When ``folder`` is a file.
    ValidationError
        When the dataset there does not validate.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(read_existing(folder))
    None
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"{target} is a file, not a dataset folder.",
            hint="Give --out a folder (it is created when missing).",
        )
    _read_state[os.path.realpath(target)] = _tables_state(target)
    if not any((target / f"{table}.csv").exists() for table in TABLES):
        return None
    return consistent_read(
        target, lambda: read_dataset(target, date_format=date_format, encoding=encoding)
    )


# What each folder's tables were when read_existing read them, to tell at the write
# whether another run has replaced them since.
_read_state: dict[str, tuple[tuple[str, int, int, int], ...]] = {}


def _tables_state(folder: Path) -> tuple[tuple[str, int, int, int], ...]:
    state = []
    for table in TABLES:
        try:
            st = os.stat(folder / f"{table}.csv")
        except OSError:
            continue
        state.append((table, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(state)


def write_validated(
    dataset: Dataset, folder: str | os.PathLike[str], *, tables: Iterable[str]
) -> list[Path]:
    """Validate ``dataset`` in full, then replace ``tables`` in ``folder``.

    The whole dataset is written to the folder's staging folder in the contract's
    own format and read back with :func:`partnernet.io.read.read_dataset`, so it
    passes exactly the checks ``partnernet validate`` applies. Only then are the
    named tables put in place, together, with a manifest
    (:func:`partnernet.io.staging.stage_run`), under the folder's lock; the other
    files there are left untouched, and the rest of the copy is deleted.

    Parameters
    ----------
    dataset : Dataset
        The whole merged dataset.
    folder : path-like
        The dataset folder; created when missing.
    tables : iterable of str
        The tables whose files are replaced, such as ``("organisations", "funding")``.

    Returns
    -------
    list of Path
        The files written, organisations first.

    Raises
    ------
    ValidationError
        Naming the files in ``folder`` as they would have been; nothing is written.
    OutputError
        (exit 5) When another run holds the folder's lock, or wrote the folder after
        :func:`read_existing` read it; nothing is written.
    """
    target = Path(folder)
    make_dataset_folder(target)
    with folder_lock(target, command="import"):
        before = _read_state.pop(os.path.realpath(target), None)
        if before is not None and before != _tables_state(target):
            raise OutputError(
                f"the dataset in {target} changed while this import was running "
                "(another run wrote it); nothing was written.",
                hint="Run the import again: it merges with the dataset as it is now.",
            )
        with stage_run(target) as run:
            # The staging folder is the validation copy: inside the dataset's own
            # folder, removed on any exit, and found by the next command after a kill.
            write_dataset(dataset, run.path)
            try:
                read_dataset(run.path)
            except ValidationError as exc:
                scratch = str(run.path)
                raise ValidationError(
                    [dc_replace(p, path=p.path.replace(scratch, str(target))) for p in exc.problems]
                ) from None
            chosen = [t for t in TABLES if t in tables and (run.path / f"{t}.csv").exists()]
            run.commit(f"{t}.csv" for t in chosen)
    return [target / f"{t}.csv" for t in chosen]


def read_aliases(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> dict[str, str]:
    """Read an aliases file: a CSV with columns ``alias`` and ``id``.

    Each alias is replaced by its id wherever a grant names an organisation, so one
    organisation published under two identifiers becomes one. Chains (``a -> b``,
    ``b -> c``) are followed to the end.

    Parameters
    ----------
    path : path-like
        The aliases CSV file.
    encoding : str, keyword-only
        Its text encoding (a UTF-8 byte-order mark is always accepted).

    Returns
    -------
    dict
        Alias to final identifier.

    Raises
    ------
    InputError
        When a column is missing, a cell is blank, an alias names two ids, or the
        aliases form a loop.
    """
    name = str(path)
    mapping: dict[str, str] = {}
    where: dict[str, int] = {}
    rows = pair_rows(
        path,
        ("alias", "id"),
        encoding=encoding,
        missing_hint="An aliases file has the header 'alias,id': each row names another "
        "identifier (alias) of the organisation whose identifier is id.",
        blank_hint="Fill it in or delete the row.",
    )
    for row_number, alias, target in rows:
        if alias == target:
            continue
        if alias in mapping and mapping[alias] != target:
            raise InputError(
                f"{name}, row {row_number}, column 'alias': '{alias}' is already an alias "
                f"of '{mapping[alias]}' (row {where[alias]}), so it cannot also mean "
                f"'{target}'.",
                hint="Keep one of the two rows.",
                path=name,
                row=row_number,
                column="alias",
                value=alias,
            )
        mapping[alias] = target
        where[alias] = row_number
    resolved = {}
    for alias in mapping:
        seen = [alias]
        target = mapping[alias]
        while target in mapping:
            if target in seen:
                loop = " -> ".join([*seen, target])
                raise InputError(
                    f"{name}: the aliases form a loop ({loop}).",
                    hint="Each organisation needs one final identifier that is not an alias.",
                    path=name,
                    row=where[alias],
                )
            seen.append(target)
            target = mapping[target]
        resolved[alias] = target
    return resolved
