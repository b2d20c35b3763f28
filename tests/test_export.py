"""The tables and JSON files: formulas neutralised, numbers kept, atomic writes,
exit 5 for a folder that cannot be written."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partnernet.analysis.pipeline import analyse
from partnernet.analysis.results import GROUP_COLUMNS, METRIC_COLUMNS, Results
from partnernet.errors import OutputError
from partnernet.export import json_ready, rounded, table_files, write_outputs
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
        "explained_by_name",
    ]
    assert row == [
        "size_band", "micro", "micro", "1", "1.0", "0.0", "0.0", "", "", "False", "False", "", ""
    ]  # fmt: skip


def _place_results() -> Results:
    """A council with two departments and two groups, analysed, for names and figures."""
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            {
                "id": ["GB-LAE-X", "GB-LAE-X-A", "GB-LAE-X-B", "GB-CHC-1", "GB-CHC-2"],
                "name": ["X Council", "Adults", "=Housing", "Good Group", "Other Group"],
                "type": ["local_authority", "department", "department", "vcse", "vcse"],
                "parent_id": [None, "GB-LAE-X", "GB-LAE-X", None, None],
                "size_band": [None, None, None, "micro", "small"],
                "locality": [None, None, None, "North", "South"],
                "tags": [None, None, None, "youth;faith", None],
            }
        ),
        funding=pd.DataFrame(
            {
                "id": ["g1", "g2", "g3"],
                "funder_id": ["GB-LAE-X-A", "GB-LAE-X-B", "GB-LAE-X-A"],
                "recipient_id": ["GB-CHC-1", "GB-CHC-1", "GB-CHC-2"],
                "amount": [1000.0 / 3, 250.0, 99.999],
                "award_date": ["2024-01-01", "2024-02-01", "2024-03-01"],
            }
        ),
    )
    return analyse(ds, permutations=100)


def test_departments_csv_names_the_department_and_its_body() -> None:
    files = table_files(_place_results(), FINDINGS)
    rows = list(csv.DictReader(io.StringIO(files["departments.csv"], newline="")))
    named = {
        r["department_id"]: (r["department_name"], r["parent_id"], r["parent_name"]) for r in rows
    }
    assert named == {
        "GB-LAE-X-A": ("Adults", "GB-LAE-X", "X Council"),
        "GB-LAE-X-B": ("'=Housing", "GB-LAE-X", "X Council"),  # a name is never a formula
    }
    # Jaccard of {CHC-1, CHC-2} and {CHC-1}: 1/2 exactly; counts are whole numbers
    assert {r["max_partner_overlap"] for r in rows} == {"0.5"}
    assert {r["concurrent_siblings"] for r in rows} == {"1"}


def test_metrics_csv_carries_locality_tags_community_name_and_rounded_money() -> None:
    results = _place_results()
    files = table_files(results, FINDINGS)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(files["metrics.csv"], newline=""))}
    good = rows["GB-CHC-1"]
    assert (good["locality"], good["tags"]) == ("North", "youth;faith")
    assert rows["GB-LAE-X"]["locality"] == ""
    # 1000/3 + 250 = 583.3333... pounds, to the penny; 99.999 to 100.0
    assert good["funding_received"] == "583.33"
    assert rows["GB-CHC-2"]["funding_received"] == "100.0"
    assert good["degree"] == "2"  # a count, never "2.0"
    # the community's name is the label groups.csv gives the same community; a
    # community of public bodies only is in no group, and is named all the same
    groups = list(csv.DictReader(io.StringIO(files["groups.csv"], newline="")))
    labels = {g["group"]: g["label"] for g in groups if g["grouping"] == "community"}
    for row in rows.values():
        assert row["community_label"] == labels.get(row["community"], row["community_label"])
        assert row["community_label"].startswith("around ")
    assert {r["community"] for r in rows.values()} - set(labels)  # the case is exercised
    # metrics.json keeps full precision, for programs
    by_id = {m["id"]: m for m in json.loads(files["metrics.json"])}
    assert by_id["GB-CHC-1"]["funding_received"] == pytest.approx(1000.0 / 3 + 250.0, abs=1e-12)
    assert by_id["GB-CHC-1"]["tags"] == "youth;faith"


def test_the_sample_metrics_name_every_community_as_groups_csv_does(
    sample_results: Results,
) -> None:
    files = table_files(sample_results, FINDINGS)
    rows = list(csv.DictReader(io.StringIO(files["metrics.csv"], newline="")))
    groups = list(csv.DictReader(io.StringIO(files["groups.csv"], newline="")))
    labels = {g["group"]: g["label"] for g in groups if g["grouping"] == "community"}
    assert labels and all(r["community_label"] for r in rows)
    for row in rows:
        if row["community"] in labels:
            assert row["community_label"] == labels[row["community"]]


@pytest.mark.parametrize(
    ("file_name", "column", "value", "expected"),
    [
        ("groups.csv", "share_isolated", 0.025028112449799196, 0.02503),
        ("groups.csv", "mean_degree_ratio", 2.6259774109470024, 2.626),
        ("groups.csv", "p_degree", 0.00019996000799840033, 0.0002),
        ("groups.csv", "n", 209.0, 209),
        ("metrics.csv", "funding_received", 2360000.004, 2360000.0),
        ("metrics.csv", "funding_received", 12.345678, 12.35),
        ("metrics.csv", "weighted_degree", 123456.7, 123457.0),  # past 10,000: whole units
        ("metrics.csv", "distance_to_decision", 3.0, 3),
        ("departments.csv", "max_partner_overlap", 0.07462686567164178, 0.07463),
    ],
)
def test_rounding_follows_the_unit(
    file_name: str, column: str, value: float, expected: float
) -> None:
    rounded_value = rounded(pd.DataFrame({column: [value]}), file_name).loc[0, column]
    assert rounded_value == expected
    assert isinstance(rounded_value, (int, float, np.integer, np.floating))


def test_missing_and_infinite_counts_are_empty_not_nan_text() -> None:
    frame = rounded(pd.DataFrame({"distance_to_decision": [math.inf, 1.0]}), "metrics.csv")
    assert str(frame["distance_to_decision"].dtype) == "Int64"
    assert frame["distance_to_decision"].isna().tolist() == [True, False]


def test_the_workbook_has_every_table_and_the_dictionary_and_no_formula(tmp_path: Path) -> None:
    import openpyxl

    results = _place_results()
    written = write_outputs(tmp_path, results, FINDINGS, html=False, xlsx=True)
    assert tmp_path / "tables.xlsx" in written
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    assert book.sheetnames == ["metrics", "groups", "departments", "dictionary"]
    for sheet in ("metrics", "groups", "departments"):
        with (tmp_path / f"{sheet}.csv").open(encoding="utf-8", newline="") as handle:
            csv_rows = list(csv.reader(handle))
        cells = [list(row) for row in book[sheet].iter_rows()]
        assert [c.value for c in cells[0]] == csv_rows[0]
        assert len(cells) == len(csv_rows)
        for row in cells:
            for cell in row:
                assert cell.data_type != "f", (sheet, cell.coordinate, cell.value)
    departments = {r[0].value: r for r in book["departments"].iter_rows(min_row=2)}
    assert departments["GB-LAE-X-B"][1].value == "'=Housing"
    assert departments["GB-LAE-X-B"][1].data_type == "s"
    assert departments["GB-LAE-X-B"][4].value == 0  # a number, not the text "0"
    metrics = {r[0].value: r for r in book["metrics"].iter_rows(min_row=2)}
    header = [c.value for c in next(book["metrics"].iter_rows())]
    assert metrics["GB-CHC-1"][header.index("funding_received")].value == 583.33
    dictionary = [[c.value for c in r] for r in book["dictionary"].iter_rows()]
    assert dictionary[0] == ["file", "column", "unit", "meaning"]
    assert ["metrics.csv, metrics.json", "funding_received"] in [r[:2] for r in dictionary]


def test_hostile_text_in_the_workbook_stays_text() -> None:
    from partnernet.io.workbook import cell_value

    assert cell_value('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell_value("bell\x07") == "bell\ufffd"  # XML cannot hold it; never a crash
    assert cell_value(pd.NA) is None and cell_value(np.float64("inf")) is None
    assert cell_value(np.int64(7)) == 7 and cell_value(True) is True


def test_analyse_xlsx_on_hostile_names_writes_values_only(tmp_path: Path) -> None:
    import openpyxl
    from click.testing import CliRunner

    from partnernet.cli import cli

    hostile = Path(__file__).parent / "data" / "hostile"
    result = CliRunner().invoke(
        cli,
        ["analyse", str(hostile), "--out", str(tmp_path), "--xlsx", "-q", "--permutations", "100"],
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    texts = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    # the names are all there, as text, each formula start behind an apostrophe
    names = pd.read_csv(hostile / "organisations.csv", dtype=str)["name"]
    for name in names:
        expected = "'" + name if name.startswith(("=", "+", "-", "@", "\t", "\r")) else name
        assert expected in texts, name
