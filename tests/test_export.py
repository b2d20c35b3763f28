"""The tables and JSON files: formulas neutralised, numbers kept, atomic writes,
exit 5 for a folder that cannot be written."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from partnernet.analysis.pipeline import analyse
from partnernet.analysis.results import GROUP_COLUMNS, METRIC_COLUMNS, Results
from partnernet.errors import OutputError
from partnernet.export import json_ready, table_files, write_outputs
from partnernet.findings import Finding
from partnernet.model import Dataset

FINDINGS = [Finding("f1", "summary", "One finding: 3 ties.", {"ties": 3})]


def _metrics_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {c: 0 for c in METRIC_COLUMNS}
    row.update(
        id="GB-CHC-1",
        name="Good Group",
        type="vcse",
        size_band="micro",
        weighted_degree=1.0,
        betweenness=0.25,
        constraint=float("nan"),
        effective_size=float("nan"),
        funding_received=0.0,
        funding_from_public=0.0,
        distance_to_decision=math.inf,
        under_connected=False,
    )
    row.update(overrides)
    return row


def _results(metrics: list[dict[str, object]]) -> Results:
    """The run of an empty place, with hand-made metrics and one undefined figure."""
    empty = analyse(Dataset.from_frames(), permutations=100)
    network = dataclasses.replace(empty.summary.network, density=float("nan"))
    return dataclasses.replace(
        empty,
        metrics=pd.DataFrame(metrics, columns=list(METRIC_COLUMNS)),
        summary=dataclasses.replace(empty.summary, network=network),
    )


@pytest.mark.parametrize("payload", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_text_that_starts_a_formula_is_neutralised(payload: str) -> None:
    files = table_files(_results([_metrics_row(name=payload, degree=-0)]), FINDINGS)
    rows = list(csv.DictReader(io.StringIO(files["metrics.csv"], newline="")))
    assert rows[0]["name"] == "'" + payload
    assert rows[0]["degree"] == "0"


def test_numbers_stay_numbers_and_missing_stays_empty() -> None:
    files = table_files(_results([_metrics_row(funding_received=-0.0, degree=3)]), FINDINGS)
    frame = pd.read_csv(io.StringIO(files["metrics.csv"]))
    assert frame.loc[0, "degree"] == 3
    assert frame.loc[0, "betweenness"] == 0.25
    # no path to a decision maker and no ties: empty cells, never the text 'inf'
    assert pd.isna(frame.loc[0, "distance_to_decision"])
    assert pd.isna(frame.loc[0, "constraint"])
    assert "inf" not in files["metrics.csv"]


def test_json_files_have_no_nan_or_infinity() -> None:
    files = table_files(_results([_metrics_row()]), FINDINGS)
    metrics = json.loads(files["metrics.json"])
    assert metrics[0]["distance_to_decision"] is None
    summary = json.loads(files["summary.json"])
    assert summary["network"]["density"] is None  # NaN in the record, null in the file
    assert summary["funding_concentration"]["recipients"] == 0
    assert json.loads(files["findings.json"]) == [
        {"id": "f1", "question": "summary", "text": "One finding: 3 ties.", "figures": {"ties": 3}}
    ]


def test_json_ready_converts_tables_and_dates() -> None:
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-01-02"]), "x": [float("nan")]})
    assert json_ready({"t": frame}) == {"t": [{"d": "2024-01-02", "x": None}]}


def test_a_missing_output_folder_is_created(tmp_path: Path) -> None:
    written = write_outputs(tmp_path / "a" / "new", _results([]), FINDINGS, html=False)
    assert (tmp_path / "a" / "new" / "metrics.csv") in written


def test_an_output_folder_that_is_a_file_is_exit_5_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path / "taken", _results([]), FINDINGS, html=False)
    assert caught.value.exit_code == 5
    assert "it is a file" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_failed_write_leaves_existing_files_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "metrics.csv").write_text("old", encoding="utf-8")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("partnernet.io.writers.os.replace", refuse)
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path, _results([]), FINDINGS, html=False)
    assert caught.value.exit_code == 5
    assert "Permission denied" in str(caught.value)
    assert (tmp_path / "metrics.csv").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv"]  # no temp files left


def test_carriage_return_in_a_name_does_not_split_the_row() -> None:
    files = table_files(_results([_metrics_row(name="two\rlines\nhere", degree=2)]), FINDINGS)
    rows = list(csv.DictReader(io.StringIO(files["metrics.csv"], newline="")))
    assert len(rows) == 1
    assert rows[0]["name"] == "two\rlines\nhere"
    assert rows[0]["degree"] == "2"


def test_outputs_get_the_umask_permissions_not_private_temp_ones(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        write_outputs(tmp_path, _results([]), FINDINGS, html=False)
    finally:
        os.umask(old)
    assert (tmp_path / "metrics.csv").stat().st_mode & 0o777 == 0o644


def test_groups_csv_has_the_contract_columns_without_member_lists() -> None:
    groups = pd.DataFrame(
        [
            (
                "size_band",
                "micro",
                "micro",
                1,
                1.0,
                0.0,
                0.0,
                float("nan"),
                float("nan"),
                False,
                False,
                "",
                "GB-CHC-1",
            )
        ],
        columns=list(GROUP_COLUMNS),
    )
    results = dataclasses.replace(_results([_metrics_row()]), groups=groups)
    header, row = list(csv.reader(io.StringIO(table_files(results, FINDINGS)["groups.csv"])))
    assert header == [
        "grouping",
        "group",
        "label",
        "n",
        "mean_degree_ratio",
        "share_isolated",
        "share_far_from_decision",
        "p_degree",
        "p_far",
        "significant",
        "flagged",
        "explained_by",
    ]
    assert row == [
        "size_band", "micro", "micro", "1", "1.0", "0.0", "0.0", "", "", "False", "False", ""
    ]  # fmt: skip
