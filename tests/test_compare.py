"""Comparison over time: ties, organisations, board seats and headline figures,
checked on a hand-made before/after pair and through the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from partnernet.analysis.compare import compare, headline_figures
from partnernet.analysis.pipeline import analyse
from partnernet.cli import cli
from partnernet.io.writers import write_dataset
from partnernet.model import Dataset

ORGS = pd.DataFrame(
    {
        "id": ["council", "a", "b", "c"],
        "name": ["Council", "A", "B", "C"],
        "type": ["local_authority", "vcse", "vcse", "vcse"],
        "size_band": [None, "micro", "small", "medium"],
    }
)


def _place(partners: list[tuple[str, str]], seats: list[str], orgs: pd.DataFrame = ORGS) -> Dataset:
    return Dataset.from_frames(
        organisations=orgs,
        boards=pd.DataFrame({"id": ["hwb"], "name": ["Health and Wellbeing Board"]}),
        memberships=pd.DataFrame({"board_id": ["hwb"] * len(seats), "org_id": seats}),
        partnerships=pd.DataFrame(partners, columns=["source_id", "target_id"]),
    )


def test_hand_made_before_and_after() -> None:
    before = _place([("a", "council"), ("b", "council")], seats=["council", "c"])
    # a's partnership ends, c partners with b, d joins, a gains a seat and c loses one
    orgs_after = pd.concat(
        [ORGS, pd.DataFrame({"id": ["d"], "name": ["D"], "type": ["vcse"], "size_band": ["micro"]})]
    )
    after = _place(
        [("b", "council"), ("c", "b"), ("d", "council")], seats=["council", "a"], orgs=orgs_after
    )
    old_run, new_run = analyse(before, permutations=100), analyse(after, permutations=100)
    result = compare(old_run, new_run)

    ties = {(r.source, r.target, r.change) for r in result.ties.itertuples()}
    # before: a-council, b-council, council-c (shared board)
    # after:  b-council, b-c, council-d, a-council (shared board)
    assert ties == {("b", "c", "new"), ("council", "d", "new"), ("c", "council", "lost")}
    assert result.organisations[["id", "change"]].values.tolist() == [["d", "joined"]]
    seats = result.board_seats.set_index("id")["change"].to_dict()
    assert seats == {"a": 1, "c": -1}
    headline = result.headline.set_index("figure")
    assert headline.loc["organisations", "before"] == 4
    assert headline.loc["organisations", "after"] == 5
    assert headline.loc["organisations", "change"] == 1
    assert headline.loc["ties", "change"] == 1
    assert result.summary_lines()[0] == "2 new ties and 1 lost ties."


def test_headline_figures_name_every_figure() -> None:
    figures = headline_figures(analyse(_place([("a", "council")], seats=[]), permutations=100))
    assert figures["organisations"] == 4
    assert figures["siloed departments"] == 0
    assert "funding Gini" in figures


def test_compare_command_writes_its_tables(tmp_path: Path) -> None:
    write_dataset(_place([("a", "council")], seats=["council"]), tmp_path / "y2024")
    write_dataset(
        _place([("a", "council"), ("b", "a")], seats=["council", "b"]), tmp_path / "y2025"
    )
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(tmp_path / "y2024"),
            str(tmp_path / "y2025"),
            "--out",
            str(out),
            "-q",
            "--permutations",
            "100",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".partnernet-run.json",  # the manifest, written last (io.staging)
        "board_seats_changed.csv",
        "headline_changes.csv",
        "organisations_changed.csv",
        "ties_changed.csv",
    ]
    with open(out / "ties_changed.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["source"], r["target"], r["change"]) for r in rows} == {
        ("a", "b", "new"),
        ("b", "council", "new"),  # b now sits on the board with the council
    }


def test_compare_creates_a_missing_output_folder(tmp_path: Path) -> None:
    write_dataset(_place([("a", "council")], seats=[]), tmp_path / "y")
    out = tmp_path / "no" / "such"
    result = CliRunner().invoke(
        cli, ["compare", str(tmp_path / "y"), str(tmp_path / "y"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "headline_changes.csv").is_file()
