"""Blank dataset templates for ``partnernet init``: the six CSV files of DESIGN
section 2 with their headers and an example row that shows the format.

The examples form a dataset that validates and analyses as it stands, with no
pseudonym key set: the example person in affiliations.csv is already a pseudonym
(``psn-`` and 20 hex digits, as in the sample and in every dataset partnernet
writes), which the reader keeps as it is. A user who writes real names or payroll
numbers there needs a key (:data:`KEY_HELP`); the reader then replaces each one by
its keyed pseudonym.
"""

from __future__ import annotations

import io
import os
import shlex
from pathlib import Path

from partnernet import model
from partnernet.errors import OutputError
from partnernet.io.pseudonym import KEY_ENV, KEY_FILE_ENV
from partnernet.io.staging import stage_run
from partnernet.io.writers import SafeCsvWriter

__all__ = ["KEY_HELP", "TEMPLATE_ROWS", "next_commands", "write_templates"]

# What init tells a user about people: the example needs no key, their own rows will.
KEY_HELP = (
    "The example person in affiliations.csv is already a pseudonym, so no key is needed "
    "yet. Before you write people's names or ids there, set "
    f"{KEY_ENV} to a long random secret (or {KEY_FILE_ENV} to a file holding one); "
    "partnernet then replaces each by its keyed pseudonym on reading."
)

# Two organisations, not one: a funding award and a partnership each need two
# different organisations, and the examples must pass validation.
TEMPLATE_ROWS: dict[str, tuple[dict[str, str], ...]] = {
    "organisations": (
        {
            "id": "GB-LAE-EXA",
            "name": "Example Borough Council",
            "type": "local_authority",
            "locality": "Example Town",
        },
        {
            "id": "GB-CHC-1234567",
            "name": "Example Community Trust",
            "type": "vcse",
            "size_band": "small",
            "income": "45000",
            "locality": "Example Town",
            "tags": "youth;ethnic-minority-led",
        },
    ),
    "boards": (
        {
            "id": "board-hwb",
            "name": "Example Health and Wellbeing Board",
            "convener_id": "GB-LAE-EXA",
            "level": "place",
            "theme": "health",
        },
    ),
    "memberships": (
        {
            "board_id": "board-hwb",
            "org_id": "GB-CHC-1234567",
            "role": "member",
            "start": "2024-04-01",
        },
    ),
    "funding": (
        {
            "id": "grant-0001",
            "funder_id": "GB-LAE-EXA",
            "recipient_id": "GB-CHC-1234567",
            "amount": "5000",
            "award_date": "2024-06-01",
            "currency": "GBP",
            "duration_months": "12",
            "kind": "grant",
            "restricted": "true",
            "programme": "Community Grants",
        },
    ),
    "partnerships": (
        {
            "source_id": "GB-CHC-1234567",
            "target_id": "GB-LAE-EXA",
            "kind": "consultation",
            "directed": "false",
            "weight": "1",
            "start": "2024-01-01",
            "end": "2024-12-31",
        },
    ),
    "affiliations": (
        {
            # Already a pseudonym, so the templates need no key (see KEY_HELP).
            "person_id": "psn-0123456789abcdef0123",
            "org_id": "GB-CHC-1234567",
            "role": "chair",
            "start": "2023-09-01",
        },
    ),
}


def write_templates(folder: str | os.PathLike[str]) -> list[Path]:
    """Write the six template CSV files into ``folder``; return the files written.

    Each file has the table's required columns, then its optional ones (as in
    :data:`partnernet.model.COLUMNS`), and example rows. The folder is created when
    missing. Nothing is overwritten: when any of the six files already exists, no
    file is written at all.

    Parameters
    ----------
    folder : str or path-like
        Where to put the templates.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of :data:`partnernet.model.TABLES`.

    Raises
    ------
    OutputError
        When a template file already exists or the folder cannot be written.
    """
    target = Path(folder)
    paths = [target / f"{table}.csv" for table in model.TABLES]
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"cannot write templates to {target}: it is a file, not a folder.",
            hint="Choose a folder path.",
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the folder {target}: {exc.strerror or exc}.",
            hint="Check the path and its permissions, or choose another folder.",
        ) from exc
    # One whole run (io.staging): the six templates arrive together, under the lock.
    with stage_run(target, command="init") as run:
        existing = [p for p in paths if p.exists()]  # under the lock, once settled
        if existing:
            names = ", ".join(p.name for p in existing)
            raise OutputError(
                f"{target} already has {names}; partnernet init never overwrites a file.",
                hint="Choose an empty or new folder, or move those files away first.",
            )
        for table in model.TABLES:
            run.write_text(f"{table}.csv", template_text(table))
    return paths


def next_commands(folder: str) -> tuple[str, ...]:
    """The three commands ``partnernet init`` suggests next, each of which works on
    the templates as written.

    Examples
    --------
    >>> next_commands("my_place")[1]
    'partnernet analyse my_place --out my_place-results/'
    >>> next_commands("my place")[0]  # quoted for the shell: pasted, it works
    "partnernet validate 'my place'"
    """
    name = folder.rstrip("/\\") or folder
    data, results = shlex.quote(name), shlex.quote(f"{name}-results/")
    maps = shlex.quote(f"{name}-results/map.html")
    return (
        f"partnernet validate {data}",
        f"partnernet analyse {data} --out {results}",
        f"partnernet render {data} --out {maps} --colour-by size_band",
    )


def template_text(table: str) -> str:
    """The CSV text of one table's template.

    Examples
    --------
    >>> print(template_text("boards"), end="")
    id,name,convener_id,level,theme
    board-hwb,Example Health and Wellbeing Board,GB-LAE-EXA,place,health
    """
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, lineterminator="\n")
    columns = model.COLUMNS[table]
    writer.writerow(columns)
    for row in TEMPLATE_ROWS[table]:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()
