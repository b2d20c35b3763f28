"""Dataset tables as workbooks, CSV files with another separator, and notes about
files that are not tables (issue 11). The bad-input cases, one folder each, are in
``test_validation.CASES``."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from partnernet import read_dataset
from partnernet.cli import cli
from partnernet.errors import InputError, ValidationError

DATA = Path(__file__).resolve().parent / "data"

NOTE = (
    "Note: note_unknown_file/grants.csv: not one of the tables partnernet reads "
    "(organisations, boards, memberships, funding, partnerships, affiliations, each a .csv "
    "or .xlsx file or a sheet), so it is left out. Rename it after the table it holds, or "
    "move it out of the dataset folder.\n"
)


@pytest.mark.parametrize("folder", ["sheets_workbook", "sheets_per_table"])
def test_tables_are_read_from_workbook_sheets(folder: str) -> None:
    ds = read_dataset(DATA / folder)
    orgs = ds.organisations
    assert orgs["id"].tolist() == ["GB-LAE-A", "GB-CHC-1", "GB-CHC-2"]
    assert orgs["size_band"].tolist()[1:] == ["micro", "small"]
    assert pd.isna(orgs["size_band"].iat[0])
    funding = ds.funding
    assert funding["amount"].tolist() == [1500.0, 2500.5]
    assert funding["award_date"].dt.strftime("%Y-%m-%d").tolist() == ["2019-04-01", "2023-03-31"]
    assert funding["currency"].tolist() == ["GBP", "GBP"]


def test_a_workbook_dataset_is_analysed_like_a_csv_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["analyse", str(DATA / "sheets_workbook"), "--out", str(out), "--permutations", "200"],
    )
    assert result.exit_code == 0, result.output
    assert "Grants awarded 2019–2023." in (out / "report.md").read_text(encoding="utf-8")
    # Nothing is ever written to a workbook.
    assert not list(out.glob("*.xlsx"))


def test_a_semicolon_dataset_is_read_with_delimiter(monkeypatch: pytest.MonkeyPatch) -> None:
    ds = read_dataset(DATA / "semicolon_dataset", delimiter=";")
    assert ds.organisations["name"].tolist() == ["Council A", "Charity; One"]
    assert ds.funding["amount"].tolist() == [1500.0]
    monkeypatch.chdir(DATA)
    result = CliRunner().invoke(cli, ["validate", "semicolon_dataset", "--delimiter", ";"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "semicolon_dataset is valid: 2 organisations, 0 boards, 0 memberships, 1 funding "
        "award, 0 partnerships, 0 affiliations.\n"
    )


def test_a_tab_separated_file_is_read_with_delimiter_tab(tmp_path: Path) -> None:
    folder = tmp_path / "tabs"
    folder.mkdir()
    (folder / "organisations.csv").write_text(
        "id\tname\ttype\nGB-CHC-1\tCharity, One\tvcse\n", encoding="utf-8"
    )
    ds = read_dataset(folder, delimiter="tab")
    assert ds.organisations["name"].tolist() == ["Charity, One"]


def test_an_unknown_delimiter_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        read_dataset(DATA / "semicolon_dataset", delimiter="|")
    assert str(caught.value) == (
        "unknown delimiter '|'.\nGive --delimiter ',' (the default), --delimiter ';' or "
        "--delimiter tab."
    )


def test_an_unknown_file_is_named_in_a_note_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notes: list[str] = []
    monkeypatch.chdir(DATA)
    read_dataset("note_unknown_file", on_note=notes.append)
    assert [f"Note: {n}\n" for n in notes] == [NOTE]  # README.md is not a table candidate
    result = CliRunner().invoke(cli, ["validate", "note_unknown_file"])
    assert result.exit_code == 0, result.output
    assert result.stderr == NOTE


def test_a_table_given_twice_is_a_problem(tmp_path: Path) -> None:
    folder = tmp_path / "twice"
    shutil.copytree(DATA / "sheets_per_table", folder)
    (folder / "organisations.csv").write_text("id,name,type\nGB-CHC-1,One,vcse\n", "utf-8")
    with pytest.raises(ValidationError) as caught:
        read_dataset(folder)
    problem = caught.value.problems[0]  # then funding's ids missing from the CSV
    assert problem.path == f"{folder}/organisations.xlsx, sheet 'Sheet1'"
    assert problem.reason == (
        "the organisations table is given twice, here and in organisations.csv."
    )


def test_a_workbook_with_no_table_sheet_is_named_in_a_note(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "organisations.csv").write_text("id,name,type\nGB-CHC-1,One,vcse\n", "utf-8")
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "Grants 2024"
    book.save(folder / "grants.xlsx")
    notes: list[str] = []
    read_dataset(folder, on_note=notes.append)
    assert notes == [
        f"{folder}/grants.xlsx: no sheet of this workbook is named after a table "
        "(organisations, boards, memberships, funding, partnerships, affiliations), so it is "
        "left out. Name each sheet after the table it holds."
    ]


def test_a_broken_workbook_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "organisations.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(ValidationError) as caught:
        read_dataset(folder)
    messages = [str(p) for p in caught.value.problems]
    assert messages[0] == (
        f"{folder}/organisations.xlsx: the file cannot be read as an Excel workbook "
        "(BadZipFile).\nOpen it in a spreadsheet program and save it again as .xlsx, or save "
        "each table as a CSV file."
    )


def test_the_importers_own_suggestion_files_get_no_note(tmp_path: Path) -> None:
    """An import writes suggested-aliases.csv beside the tables; reading the folder
    again must not call partnernet's own file unknown."""
    from partnernet.io.folders import REGISTER_SUGGESTIONS, SUGGESTED_ALIASES

    folder = tmp_path / "place"
    shutil.copytree(DATA / "note_unknown_file", folder)
    for name in (SUGGESTED_ALIASES, REGISTER_SUGGESTIONS):
        (folder / name).write_text("alias,id,reason\n", encoding="utf-8")
    notes: list[str] = []
    read_dataset(folder, on_note=notes.append)
    assert len(notes) == 1 and "grants.csv" in notes[0]
