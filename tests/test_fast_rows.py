"""``model.column_rows`` gives the values ``itertuples`` gave, on every table and
every column type (issue 17: it replaced itertuples in building the graphs and the
silo tables): the same objects for text, dates and floats, and for nullable
integers and booleans Python's int and bool in place of numpy's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_DIR

from partnernet.io.read import read_dataset
from partnernet.model import TABLES, column_rows, conform, frame_records


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new):
        return True
    if isinstance(old, np.bool_ | np.integer):
        return type(new) is type(old.item()) and new == old and hash(new) == hash(old)
    return type(old) is type(new) and (old is new or old == new)


def _assert_rows_match(frame: pd.DataFrame) -> None:
    columns = list(frame.columns)
    expected = list(frame.itertuples(index=False))
    got = list(column_rows(frame, *columns))
    assert len(got) == len(expected)
    for old, new in zip(expected, got, strict=True):
        assert all(_same(a, b) for a, b in zip(old, new, strict=True)), (old, new)


@pytest.mark.parametrize("table", TABLES)
def test_every_sample_table_reads_the_same_row_by_row(table: str) -> None:
    ds = read_dataset(SAMPLE_DIR)
    _assert_rows_match(getattr(ds, table))


def test_missing_values_of_every_column_type_come_out_as_itertuples_gave_them() -> None:
    funding = conform(
        "funding",
        pd.DataFrame(
            {
                "id": ["g1", "g2", "g3"],
                "funder_id": ["f", "f", None],
                "recipient_id": ["a", "b", "c"],
                "amount": [1.5, float("nan"), 3.0],
                "award_date": ["2024-01-01", None, "2024-03-01"],
                "duration_months": [12, None, 3],
                "restricted": [True, None, False],
            }
        ),
    )
    _assert_rows_match(funding)
    # And a subset of columns, in another order.
    assert [r[0] for r in column_rows(funding, "recipient_id", "id")] == ["a", "b", "c"]


def test_frame_records_are_to_dicts_records_on_the_metrics_table(sample_results: Any) -> None:
    metrics = sample_results.metrics
    expected = metrics.to_dict(orient="records")
    got = frame_records(metrics)
    assert len(got) == len(expected) == len(metrics)
    for old, new in zip(expected, got, strict=True):
        assert list(old) == list(new)
        assert all(_same(old[k], new[k]) for k in old), (old, new)


def test_frame_records_keep_missing_text_and_numbers_as_to_dict_does() -> None:
    frame = pd.DataFrame(
        {
            "name": pd.Series(["a", None], dtype="str"),
            "x": [1.5, float("nan")],
            "n": np.array([3, 4], dtype="int64"),
            "flag": [True, False],
        }
    )
    for old, new in zip(frame.to_dict(orient="records"), frame_records(frame), strict=True):
        assert all(_same(old[k], new[k]) for k in old), (old, new)
