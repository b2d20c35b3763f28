"""Comparison over time: ties, organisations, board seats, departments, brokers and
headline figures, checked on a hand-made before/after pair, on the sample against
itself, and through the CLI."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from partnernet.analysis.compare import (
    CHANGE_COLUMNS,
    apply_aliases,
    compare,
    headline_figures,
)
from partnernet.analysis.pipeline import analyse
from partnernet.cli import cli
from partnernet.findings.compare import headline_table, key_changes, no_change, terminal_lines
from partnernet.findings.thresholds import ALPHA
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


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


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
    # small: a, b (and d after); larger: c. Seats before: none of a, b; c has one.
    assert headline.loc["board seat gap (small minus larger)", "before"] == pytest.approx(-1.0)
    assert headline.loc["board seat gap (small minus larger)", "after"] == pytest.approx(1 / 3)
    assert terminal_lines(result) == [
        "2 new ties and 1 lost tie.",
        "1 organisation joined the data and 0 left it.",
        "1 organisation gained board seats and 1 lost them.",
    ]

    changes = result.changes()
    assert list(changes.columns) == list(CHANGE_COLUMNS)
    kinds = sorted(k for k in changes["kind"] if "brokerage" not in k)
    assert kinds == sorted(
        ["new tie", "new tie", "lost tie", "joined", "gained board seats", "lost board seats"]
    )
    seat_rows = changes[changes["kind"].str.endswith("board seats")].set_index("id")
    assert seat_rows.loc["a", ["before", "after"]].tolist() == [0, 1]
    assert seat_rows.loc["c", ["before", "after"]].tolist() == [1, 0]
    # the top brokers' role counts: b brokers between c and the council after
    brokers = result.brokers.set_index(["id", "role"])["change"].to_dict()
    assert set(brokers) <= {
        (o, r)
        for o in ("council", "b", "a", "c", "d")
        for r in ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")
    }
    assert all(v != 0 for v in brokers.values())
    lines = key_changes(result)
    assert "1 organisation gained board seats (1 of them micro or small): A." in lines
    assert "1 organisation lost board seats: C." in lines
    assert "1 organisation joined: D." in lines


def test_headline_figures_name_every_figure() -> None:
    figures = headline_figures(analyse(_place([("a", "council")], seats=[]), permutations=100))
    assert figures["organisations"] == 4
    assert figures["siloed departments"] == 0
    assert figures["orgs with a known size band"] == 1.0
    assert "funding Gini" in figures


def test_a_dataset_compared_with_itself_reports_no_change(sample_results: Any) -> None:
    result = compare(sample_results, sample_results)
    assert result.changes().empty
    for table in (result.ties, result.organisations, result.board_seats, result.departments):
        assert table.empty
    assert result.brokers.empty
    numeric = result.headline.dropna(subset=["change"])
    assert len(numeric) >= len(result.headline) - 1  # only an undefined figure has no change
    assert (numeric["change"] == 0).all()
    assert len(result.tests) == 4
    for test in result.tests:
        assert test.observed_change == 0
        assert test.p_value == 1.0
        assert test.p_value >= ALPHA
    assert no_change(result)
    assert key_changes(result)[0].startswith("Nothing changed")
    table = headline_table(result)
    assert (table["change_text"].isin(["no change", "–"])).all()


def test_renamed_ids_are_joined_by_an_aliases_map() -> None:
    renamed = ORGS.assign(id=["council", "old-a", "b", "c"])
    before = _place([("old-a", "council")], seats=["old-a"], orgs=renamed)
    after = _place([("a", "council")], seats=["a"])
    aliased = apply_aliases(before, {"old-a": "a"})
    assert set(aliased.organisations["id"]) == {"council", "a", "b", "c"}
    assert aliased.memberships["org_id"].tolist() == ["a"]
    result = compare(analyse(aliased, permutations=50), analyse(after, permutations=50))
    assert result.changes().empty
    plain = compare(analyse(before, permutations=50), analyse(after, permutations=50))
    assert sorted(plain.organisations["change"]) == ["joined", "left"]


def test_an_alias_and_its_id_in_one_year_become_one_organisation() -> None:
    # A year that spans a renaming lists both ids: they become one, under the id.
    both = pd.concat(
        [ORGS, pd.DataFrame({"id": ["old-a"], "name": ["A (old name)"], "type": ["vcse"]})],
        ignore_index=True,
    )
    merged = apply_aliases(
        _place([("old-a", "b"), ("a", "council")], seats=["old-a"], orgs=both), {"old-a": "a"}
    )
    assert sorted(merged.organisations["id"]) == ["a", "b", "c", "council"]
    assert merged.organisations.set_index("id").at["a", "name"] == "A"
    assert merged.partnerships[["source_id", "target_id"]].values.tolist() == [
        ["a", "b"],
        ["a", "council"],
    ]
    assert merged.memberships["org_id"].tolist() == ["a"]


def _compare(tmp_path: Path, old: Path, new: Path, *extra: str) -> Any:
    out = tmp_path / "out"
    return out, CliRunner().invoke(
        cli,
        ["compare", str(old), str(new), "--out", str(out), "-q", "--permutations", "200", *extra],
    )


def test_compare_command_writes_the_page_the_map_and_the_tables(tmp_path: Path) -> None:
    write_dataset(_place([("a", "council")], seats=["council"]), tmp_path / "y2024")
    write_dataset(
        _place([("a", "council"), ("b", "a")], seats=["council", "b"]), tmp_path / "y2025"
    )
    out, result = _compare(tmp_path, tmp_path / "y2024", tmp_path / "y2025")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "changes.csv",
        "compare.html",
        "compare.md",
        "difference.html",
        "headline_changes.csv",
    ]
    rows = _rows(out / "changes.csv")
    assert {(r["kind"], r["id"], r["other_id"]) for r in rows if r["kind"].endswith("tie")} == {
        ("new tie", "a", "b"),
        ("new tie", "b", "council"),  # b now sits on the board with the council
    }
    (seat,) = [r for r in rows if r["kind"] == "gained board seats"]
    assert (seat["id"], seat["name"], seat["before"], seat["after"]) == ("b", "B", "0", "1")
    headline = {r["figure"]: r for r in _rows(out / "headline_changes.csv")}
    # Numbers stay numbers, counts whole: never 209.0 or 0.025028112449799196.
    assert (headline["ties"]["before"], headline["ties"]["after"], headline["ties"]["change"]) == (
        "1",
        "3",
        "2",
    )
    assert headline["small orgs: share with a board seat"]["after"] == "0.5"
    assert headline["small orgs: share with a board seat"]["after_text"] == "50%"
    assert headline["density"]["before"] == str(round(1 / 6, 4))
    page = (out / "compare.md").read_text(encoding="utf-8")
    assert "- **Before:** y2024" in page
    assert "1 organisation gained board seats (1 of them micro or small): B." in page


def test_compare_with_itself_writes_only_headers(tmp_path: Path, sample_dir: Path) -> None:
    out, result = _compare(tmp_path, sample_dir, sample_dir)
    assert result.exit_code == 0, result.output
    assert _header(out / "changes.csv") == list(CHANGE_COLUMNS)
    assert _rows(out / "changes.csv") == []
    assert all(r["change_text"] in ("no change", "–") for r in _rows(out / "headline_changes.csv"))
    assert "Nothing changed" in (out / "compare.md").read_text(encoding="utf-8")


def test_compare_reads_an_aliases_file(tmp_path: Path) -> None:
    renamed = ORGS.assign(id=["council", "old-a", "b", "c"])
    write_dataset(_place([("old-a", "council")], seats=[], orgs=renamed), tmp_path / "old")
    write_dataset(_place([("a", "council")], seats=[]), tmp_path / "new")
    (tmp_path / "aliases.csv").write_text("alias,id\nold-a,a\n", encoding="utf-8")
    out, result = _compare(
        tmp_path, tmp_path / "old", tmp_path / "new", "--aliases", str(tmp_path / "aliases.csv")
    )
    assert result.exit_code == 0, result.output
    assert _rows(out / "changes.csv") == []
    assert "after 1 alias from the aliases file" in (out / "compare.md").read_text(encoding="utf-8")


def test_a_bad_aliases_file_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    write_dataset(_place([], seats=[]), tmp_path / "old")
    (tmp_path / "aliases.csv").write_text("alias,target\nold-a,a\n", encoding="utf-8")
    out, result = _compare(
        tmp_path, tmp_path / "old", tmp_path / "old", "--aliases", str(tmp_path / "aliases.csv")
    )
    assert result.exit_code == 3
    assert "aliases.csv" in result.output and "'id'" in result.output
    assert list(out.iterdir()) == []


def test_compare_creates_a_missing_output_folder(tmp_path: Path) -> None:
    write_dataset(_place([("a", "council")], seats=[]), tmp_path / "y")
    out = tmp_path / "no" / "such"
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(tmp_path / "y"),
            str(tmp_path / "y"),
            "--out",
            str(out),
            "--permutations",
            "100",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "headline_changes.csv").is_file()
