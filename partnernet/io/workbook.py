"""Tables as an Excel workbook whose every cell is a value, never a formula.

Names come from untrusted files. openpyxl stores any text that starts with ``=``
as a formula, so text goes through :func:`partnernet.io.writers.neutralise_cell`
first (which also covers ``+``, ``-``, ``@``, tab and carriage return, as in the CSV
files); characters XML cannot hold are replaced by U+FFFD rather than failing the
run. Numbers and booleans stay numbers and booleans; missing values are empty cells.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from partnernet.io.writers import neutralise_cell

__all__ = ["cell_value", "workbook_bytes"]


def cell_value(value: Any) -> Any:
    """``value`` as a workbook cell holds it: text made inert, numbers as numbers.

    Examples
    --------
    >>> cell_value("=1+1"), cell_value(np.int64(3)), cell_value(float("nan"))
    ("'=1+1", 3, None)
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bool, int, float)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    return neutralise_cell(text)


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An ``.xlsx`` file with one sheet per frame (header row, then the rows).

    Parameters
    ----------
    sheets : mapping of sheet name to DataFrame, in the order the sheets appear.

    Returns
    -------
    bytes
        The workbook, ready for :func:`partnernet.io.writers.atomic_write_bytes`.
    """
    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=name)
        sheet.append([cell_value(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([cell_value(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
