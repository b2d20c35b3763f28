"""Every bad-input case of issue 2: one tests/data/bad_* folder each, the exact
message through ``partnernet validate``, exit code 3, and nothing written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from partnernet import read_dataset
from partnernet.cli import cli
from partnernet.errors import MAX_PROBLEMS_SHOWN, InputError, Problem, ValidationError

TEST_DATA = Path(__file__).resolve().parent / "data"

ONE = "1 problem found; nothing was written."
ADD_ORG = "Add it to organisations.csv, or correct the id."
RETYPE = (
    "Retype the id without it: ids must match exactly, and invisible characters make "
    "ids that look the same differ."
)
TYPES = (
    "vcse, infrastructure, local_authority, department, nhs, central_government, funder, "
    "business, education, other"
)

# folder, options, expected message (without the leading "Error: ").
CASES: list[tuple[str, dict[str, str], str]] = [
    (
        "bad_missing_column",
        {},
        "bad_missing_column/organisations.csv, row 1, column 'type': the required column is "
        "missing.\nAdd a column named 'type' to the header row; organisations.csv needs id, "
        "name and type.\n" + ONE,
    ),
    (
        "bad_header_only",
        {},
        "bad_header_only/organisations.csv: the file has a header but no organisations.\n"
        "Add one row per organisation below the header.\n" + ONE,
    ),
    (
        "bad_duplicate_column",
        {},
        "bad_duplicate_column/organisations.csv, row 1, column 'name': the column name appears "
        "twice (spreadsheet columns B and D).\nDelete or rename the extra column, so that each "
        "name appears once.\n" + ONE,
    ),
    (
        "bad_too_many_fields",
        {},
        "bad_too_many_fields/organisations.csv, row 5: the row has 4 fields but the header has "
        "3.\nA value probably holds a comma: wrap that value in double quotes, or remove the "
        "extra field.\n" + ONE,
    ),
    (
        "bad_too_few_fields",
        {},
        "bad_too_few_fields/organisations.csv, row 5: the row has 2 fields but the header has "
        "3.\nAdd the missing values; leave a cell empty (nothing between the commas) rather "
        "than leaving it out.\n" + ONE,
    ),
    (
        "bad_not_utf8",
        {},
        "bad_not_utf8/organisations.csv, row 5, column 'name': the file is not UTF-8 text: "
        "byte 0xe9 here is not valid UTF-8.\nSave it as UTF-8 (in Excel: 'CSV UTF-8'), or give "
        "the encoding it was saved in, e.g. --encoding cp1252.\n" + ONE,
    ),
    (
        "bad_empty_file",
        {},
        "bad_empty_file/organisations.csv: the file is empty (0 bytes).\nAdd the header row "
        "(id,name,type) and the rows below it, one per organisation ('partnernet init DIR' "
        "writes templates).\n" + ONE,
    ),
    (
        "bad_empty_optional_file",
        {},
        "bad_empty_optional_file/funding.csv: the file is empty (0 bytes).\nAdd the header row "
        "(id,funder_id,recipient_id,amount,award_date) and the rows below it, or delete the "
        "file: only organisations.csv is required.\n" + ONE,
    ),
    (
        "bad_no_organisations",
        {},
        "bad_no_organisations/organisations.csv: the file is missing; every dataset needs "
        "organisations.csv.\nCreate it with the columns id, name and type, one row per "
        "organisation ('partnernet init DIR' writes templates).\n" + ONE,
    ),
    (
        "bad_file_name_case",
        {},
        "bad_file_name_case/Funding.csv: the file name must be funding.csv, all lower-case, or "
        "it is not read.\nRename it to funding.csv.\n" + ONE,
    ),
    (
        "bad_duplicate_id",
        {},
        "bad_duplicate_id/organisations.csv, row 5, column 'id': 'GB-CHC-1' is also the id in "
        "row 3.\nEach organisation needs its own id: remove the repeated row, or give it a new "
        "id.\n" + ONE,
    ),
    (
        "bad_nbsp_id",
        {},
        "bad_nbsp_id/organisations.csv, row 4, column 'id': 'GB-CHC<U+00A0>2' contains a "
        "non-breaking space (U+00A0).\n" + RETYPE + "\n" + ONE,
    ),
    (
        "bad_zero_width_id",
        {},
        "bad_zero_width_id/partnerships.csv, row 2, column 'target_id': 'GB-CHC-2<U+200B>' "
        "contains a zero-width space (U+200B).\n" + RETYPE + "\n" + ONE,
    ),
    (
        "bad_space_in_id",
        {},
        "bad_space_in_id/memberships.csv, row 2, column 'org_id': ' GB-CHC-1' starts with a "
        "space.\nRemove the space: ids must match exactly (in a CSV file, a space after a comma "
        "belongs to the next value).\n" + ONE,
    ),
    (
        "bad_person_id_invisible",
        {},
        "bad_person_id_invisible/affiliations.csv, row 2, column 'person_id': the person_id "
        "contains a non-breaking space (U+00A0).\n" + RETYPE + "\n" + ONE,
    ),
    (
        "bad_unknown_membership_board",
        {},
        "bad_unknown_membership_board/memberships.csv, row 3, column 'board_id': 'B-9' is not "
        "in boards.csv.\nAdd it to boards.csv, or correct the id.\n" + ONE,
    ),
    (
        "bad_unknown_membership_org",
        {},
        "bad_unknown_membership_org/memberships.csv, row 3, column 'org_id': 'GB-CHC-99' is "
        "not in organisations.csv.\n" + ADD_ORG + "\n" + ONE,
    ),
    (
        "bad_unknown_funder",
        {},
        "bad_unknown_funder/funding.csv, row 3, column 'funder_id': 'GB-LAE-Z' is not in "
        "organisations.csv.\n" + ADD_ORG + "\n" + ONE,
    ),
    (
        "bad_unknown_recipient",
        {},
        "bad_unknown_recipient/funding.csv, row 3, column 'recipient_id': 'GB-CHC-99' is not "
        "in organisations.csv.\n" + ADD_ORG + "\n" + ONE,
    ),
    (
        "bad_unknown_partnership_org",
        {},
        "bad_unknown_partnership_org/partnerships.csv, row 3, column 'source_id': 'GB-CHC-77' "
        "is not in organisations.csv.\n" + ADD_ORG + "\n" + ONE,
    ),
    (
        "bad_unknown_affiliation_org",
        {},
        # affiliations.csv is personal data: a shifted column would put a name here.
        "bad_unknown_affiliation_org/affiliations.csv, row 3, column 'org_id': the value is "
        "not in organisations.csv.\n" + ADD_ORG + "\n" + ONE,
    ),
    (
        "bad_unknown_parent",
        {},
        "bad_unknown_parent/organisations.csv, row 3, column 'parent_id': 'GB-LAE-B' is not in "
        "organisations.csv.\n" + ADD_ORG + "\n" + ONE,
    ),
    (
        "bad_unknown_convener",
        {},
        "bad_unknown_convener/boards.csv, row 3, column 'convener_id': 'GB-LAE-X' is not in "
        "organisations.csv.\n" + ADD_ORG + "\n" + ONE,
    ),
    (
        "bad_board_id_clash",
        {},
        "bad_board_id_clash/boards.csv, row 3, column 'id': 'GB-CHC-2' is also an organisation "
        "id (organisations.csv row 4); boards and organisations share one id space in the "
        "network.\nGive the board a different id, e.g. 'board-GB-CHC-2'.\n" + ONE,
    ),
    (
        "bad_department_without_parent",
        {},
        "bad_department_without_parent/organisations.csv, row 3, column 'parent_id': a "
        "department needs a parent_id naming the public body it belongs to.\nGive the id of "
        "its council, NHS body or government department, or change its type.\n" + ONE,
    ),
    (
        "bad_department_parent_not_public",
        {},
        "bad_department_parent_not_public/organisations.csv, row 3, column 'parent_id': "
        "'GB-CHC-1' has type 'vcse', which is not a public body; a department's parent must be "
        "a local_authority, department, nhs or central_government.\nCorrect the parent_id, or "
        "the type of one of the two organisations.\n" + ONE,
    ),
    (
        "bad_parent_cycle",
        {},
        "bad_parent_cycle/organisations.csv, row 3, column 'parent_id': the parent_id chain "
        "goes round in a circle: 'D-1' -> 'D-2' -> 'D-3' -> 'D-1'.\nAn organisation cannot be "
        "its own parent, directly or through others: correct one of these parent_id values.\n"
        + ONE,
    ),
    (
        "bad_unknown_type",
        {},
        "bad_unknown_type/organisations.csv, row 5, column 'type': 'charity' is not a known "
        f"type.\nUse one of: {TYPES}.\n" + ONE,
    ),
    (
        "bad_unknown_role",
        {},
        "bad_unknown_role/memberships.csv, row 3, column 'role': 'treasurer' is not a known "
        "role.\nUse one of: chair, co_chair, member, observer, secretariat.\n" + ONE,
    ),
    (
        "bad_unknown_funding_kind",
        {},
        "bad_unknown_funding_kind/funding.csv, row 2, column 'kind': 'loan' is not a known "
        "kind.\nUse one of: grant, contract, outcomes_based, other.\n" + ONE,
    ),
    (
        "bad_unknown_partnership_kind",
        {},
        "bad_unknown_partnership_kind/partnerships.csv, row 2, column 'kind': 'friendship' is "
        "not a known kind.\nUse one of: collaboration, referral, joint_delivery, consultation, "
        "agreement.\n" + ONE,
    ),
    (
        "bad_unknown_size_band",
        {},
        "bad_unknown_size_band/organisations.csv, row 2, column 'size_band': 'tiny' is not a "
        "known size_band.\nUse one of: micro, small, medium, large, major, super_major.\n" + ONE,
    ),
    (
        "bad_size_band_contradicts_income",
        {},
        "bad_size_band_contradicts_income/organisations.csv, row 2, column 'size_band': "
        "'micro' contradicts the income '£250,000', which is in the 'medium' band.\nCorrect "
        "the income or the size_band, or leave size_band empty to derive it from the income.\n"
        + ONE,
    ),
    (
        "bad_income_not_number",
        {},
        "bad_income_not_number/organisations.csv, row 2, column 'income': 'about 5k' is not a "
        "number.\nWrite the annual income in pounds, e.g. 125000 or £125,000, or leave it "
        "empty if unknown.\n" + ONE,
    ),
    (
        "bad_income_negative",
        {},
        "bad_income_negative/organisations.csv, row 2, column 'income': '-500' is negative.\n"
        "An income cannot be below 0: correct it, or leave it empty if unknown.\n" + ONE,
    ),
    (
        "bad_amount_not_number",
        {},
        "bad_amount_not_number/funding.csv, row 2, column 'amount': 'five hundred' is not a "
        "number.\nWrite the amount in pounds, e.g. 5000, 1234.50 or £1,234.50.\n" + ONE,
    ),
    (
        "bad_amount_zero",
        {},
        "bad_amount_zero/funding.csv, row 2, column 'amount': '0' is zero; an amount must be "
        "more than 0.\nCorrect the amount, or remove the row if nothing was awarded.\n" + ONE,
    ),
    (
        "bad_amount_negative",
        {},
        "bad_amount_negative/funding.csv, row 2, column 'amount': '-£1,000' is negative; an "
        "amount must be more than 0.\nCorrect the amount; for money paid back, swap funder_id "
        "and recipient_id rather than using a negative amount.\n" + ONE,
    ),
    (
        "bad_amount_empty",
        {},
        "bad_amount_empty/funding.csv, row 2, column 'amount': the cell is empty, but this "
        "column is required.\nGive the amount awarded in pounds, e.g. 5000 or £5,000.\n" + ONE,
    ),
    (
        "bad_date_format",
        {},
        "bad_date_format/funding.csv, row 2, column 'award_date': '31/03/2024' is not a date "
        "in the form YYYY-MM-DD.\nWrite dates as YYYY-MM-DD (e.g. 2024-03-31), or give the "
        "format the file uses with --date-format (e.g. --date-format %d/%m/%Y).\n" + ONE,
    ),
    (
        "bad_date_not_real",
        {"date_format": "%d/%m/%Y"},
        "bad_date_not_real/funding.csv, row 3, column 'award_date': '31/02/2024' is not a real "
        "date.\nCorrect the date.\n" + ONE,
    ),
    (
        "bad_start_after_end",
        {},
        "bad_start_after_end/partnerships.csv, row 2, column 'start': the start '2024-06-01' "
        "is after the end '2024-01-01'.\nSwap the two dates, or correct one of them.\n" + ONE,
    ),
    (
        "bad_self_loop_partnership",
        {},
        "bad_self_loop_partnership/partnerships.csv, row 3, column 'target_id': 'GB-CHC-2' is "
        "both the source and the target; a partnership needs two different organisations.\n"
        "Correct source_id or target_id, or remove the row.\n" + ONE,
    ),
    (
        "bad_weight",
        {},
        "bad_weight/partnerships.csv, row 2, column 'weight': '0' is not a positive number.\n"
        "Give a number greater than 0 (e.g. 1 or 2.5), or leave the cell empty for 1.\n" + ONE,
    ),
    (
        "bad_duration",
        {},
        "bad_duration/funding.csv, row 2, column 'duration_months': '18.5' is not a whole "
        "number of months from 0 to 9,999.\nWrite the duration in whole months, e.g. 12, or "
        "leave the cell empty.\n" + ONE,
    ),
    (
        "bad_boolean",
        {},
        "bad_boolean/partnerships.csv, row 2, column 'directed': 'maybe' is not one of true, "
        "false, yes, no, 1, 0.\nWrite true or false, or leave the cell empty for false.\n" + ONE,
    ),
    (
        "bad_funder_is_recipient",
        {},
        "bad_funder_is_recipient/funding.csv, row 2, column 'recipient_id': 'GB-CHC-1' is both "
        "the funder and the recipient.\nCorrect funder_id or recipient_id: funding is money "
        "from one organisation to another.\n" + ONE,
    ),
    (
        "bad_currency",
        {},
        "bad_currency/funding.csv, row 2, column 'currency': 'pounds' is not a three-letter "
        "currency code.\nUse a code such as GBP, or leave the cell empty for GBP.\n" + ONE,
    ),
    (
        "bad_required_empty",
        {},
        "bad_required_empty/organisations.csv, row 5, column 'id': the cell is empty, but this "
        "column is required.\nGive every organisation an id.\n"
        "bad_required_empty/organisations.csv, row 6, column 'name': the cell is empty, but "
        "this column is required.\nGive every organisation a name.\n"
        "2 problems found; nothing was written.",
    ),
    (
        # Problems in every file are all reported, in file order then row order.
        "bad_many_files",
        {},
        "bad_many_files/organisations.csv, row 5, column 'id': 'GB-CHC-1' is also the id in "
        "row 3.\nEach organisation needs its own id: remove the repeated row, or give it a new "
        "id.\n"
        "bad_many_files/boards.csv, row 2, column 'convener_id': 'GB-LAE-Q' is not in "
        "organisations.csv.\n" + ADD_ORG + "\n"
        "bad_many_files/memberships.csv, row 2, column 'role': 'boss' is not a known role.\n"
        "Use one of: chair, co_chair, member, observer, secretariat.\n"
        "bad_many_files/memberships.csv, row 3, column 'board_id': 'B-2' is not in boards.csv.\n"
        "Add it to boards.csv, or correct the id.\n"
        "bad_many_files/memberships.csv, row 3, column 'org_id': 'GB-CHC-9' is not in "
        "organisations.csv.\n" + ADD_ORG + "\n"
        "bad_many_files/funding.csv, row 2, column 'amount': '0' is zero; an amount must be "
        "more than 0.\nCorrect the amount, or remove the row if nothing was awarded.\n"
        "bad_many_files/funding.csv, row 2, column 'award_date': '2024-13-01' is not a real "
        "date.\nCorrect the date.\n"
        "bad_many_files/partnerships.csv, row 2, column 'target_id': 'GB-CHC-1' is both the "
        "source and the target; a partnership needs two different organisations.\nCorrect "
        "source_id or target_id, or remove the row.\n"
        "bad_many_files/partnerships.csv, row 2, column 'weight': '-1' is not a positive "
        "number.\nGive a number greater than 0 (e.g. 1 or 2.5), or leave the cell empty for 1.\n"
        "9 problems found; nothing was written.",
    ),
    # Issue 11: a CSV with another separator is named as such, not 18 missing columns.
    (
        "bad_semicolon_csv",
        {},
        "bad_semicolon_csv/organisations.csv, row 1: the file is separated by semicolons (;), "
        "not commas (,), so its columns cannot be told apart.\nRead the dataset with "
        "--delimiter ';', or save the file as comma-separated CSV.\n" + ONE,
    ),
    (
        "bad_tab_csv",
        {},
        "bad_tab_csv/funding.csv, row 1: the file is separated by tabs, not commas (,), so its "
        "columns cannot be told apart.\nRead the dataset with --delimiter tab, or save the "
        "file as comma-separated CSV.\n" + ONE,
    ),
    (
        "bad_comma_csv_with_semicolon_delimiter",
        {"delimiter": ";"},
        "bad_comma_csv_with_semicolon_delimiter/organisations.csv, row 1: the file is "
        "separated by commas (,), not semicolons (;), so its columns cannot be told apart.\n"
        "Give --delimiter ',' if every file of the dataset uses commas (,), or save this file "
        "separated by semicolons (;).\n" + ONE,
    ),
    # Workbooks: problems name the workbook, its sheet and the spreadsheet row.
    (
        "bad_xlsx_sheet_row",
        {},
        "bad_xlsx_sheet_row/place.xlsx, sheet 'organisations', row 3, column 'type': "
        f"'charity' is not a known type.\nUse one of: {TYPES}.\n" + ONE,
    ),
    # A formula is never evaluated: one no spreadsheet program calculated is empty.
    (
        "bad_xlsx_formula",
        {},
        "bad_xlsx_formula/organisations.xlsx, sheet 'organisations', row 4, column 'name': "
        "the cell is empty, but this column is required.\nGive every organisation a name.\n" + ONE,
    ),
]


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _options(options: dict[str, str]) -> list[str]:
    flags = []
    for name, value in options.items():
        flags += [f"--{name.replace('_', '-')}", value]
    return flags


def test_every_bad_folder_has_a_case() -> None:
    folders = {p.name for p in TEST_DATA.glob("bad_*") if p.is_dir()}
    assert folders == {case[0] for case in CASES}


@pytest.mark.parametrize(("folder", "options", "expected"), CASES, ids=[c[0] for c in CASES])
def test_validate_reports_the_exact_problem_and_writes_nothing(
    folder: str,
    options: dict[str, str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(TEST_DATA / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)

    result = CliRunner().invoke(cli, ["validate", folder, *_options(options)])

    assert result.exit_code == 3, result.output
    assert result.stderr == f"Error: {expected}\n"
    assert result.stdout == ""
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(("folder", "options", "expected"), CASES, ids=[c[0] for c in CASES])
def test_read_dataset_raises_the_same_problems(
    folder: str, options: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(TEST_DATA)
    with pytest.raises(ValidationError) as caught:
        read_dataset(folder, **options)
    assert str(caught.value) == expected
    assert caught.value.exit_code == 3
    # Each problem carries its parts separately, for callers that are not people.
    for problem in caught.value.problems:
        assert problem.path.startswith(folder + "/")
        assert problem.reason and problem.hint


def test_problem_fields_name_file_row_column_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_DATA)
    with pytest.raises(ValidationError) as caught:
        read_dataset("bad_unknown_recipient")
    assert caught.value.problems == [
        Problem(
            path="bad_unknown_recipient/funding.csv",
            row=3,
            column="recipient_id",
            value="GB-CHC-99",
            reason="'GB-CHC-99' is not in organisations.csv.",
            hint=ADD_ORG,
        )
    ]


def test_a_personal_value_is_never_put_in_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_DATA)
    with pytest.raises(ValidationError) as caught:
        read_dataset("bad_person_id_invisible")
    (problem,) = caught.value.problems
    assert problem.value is None
    assert "Jane" not in str(caught.value)


def test_iso_dates_are_accepted_beside_another_date_format(tmp_path: Path) -> None:
    # An import writes ISO dates into a folder whose own files use 31/03/2024.
    (tmp_path / "organisations.csv").write_text(
        "id,name,type\nGB-LAE-A,Council,local_authority\nGB-CHC-1,Group,vcse\n", encoding="utf-8"
    )
    (tmp_path / "funding.csv").write_text(
        "id,funder_id,recipient_id,amount,award_date\n"
        "F-1,GB-LAE-A,GB-CHC-1,500,31/03/2024\n"
        "F-2,GB-LAE-A,GB-CHC-1,500,2024-04-02\n"
        "F-3,GB-LAE-A,GB-CHC-1,500,2024-4-2\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path, date_format="%d/%m/%Y")
    # Only the loose 2024-4-2 is refused: it is neither the format nor strict ISO.
    assert [(p.row, p.value) for p in caught.value.problems] == [(4, "2024-4-2")]
    (tmp_path / "funding.csv").write_text(
        "id,funder_id,recipient_id,amount,award_date\n"
        "F-1,GB-LAE-A,GB-CHC-1,500,31/03/2024\n"
        "F-2,GB-LAE-A,GB-CHC-1,500,2024-04-02\n",
        encoding="utf-8",
    )
    ds = read_dataset(tmp_path, date_format="%d/%m/%Y")
    assert [d.strftime("%Y-%m-%d") for d in ds.funding["award_date"]] == [
        "2024-03-31",
        "2024-04-02",
    ]


def test_the_date_is_accepted_with_its_format_and_rejected_without() -> None:
    ds = read_dataset(TEST_DATA / "valid_date_format", date_format="%d/%m/%Y")
    assert [d.strftime("%Y-%m-%d") for d in ds.funding["award_date"]] == [
        "2024-03-31",
        "2024-02-29",
    ]
    assert ds.memberships.loc[0, "start"].strftime("%Y-%m-%d") == "2023-04-01"
    assert ds.memberships.loc[0, "end"].strftime("%Y-%m-%d") == "2025-03-31"
    with pytest.raises(ValidationError) as caught:
        read_dataset(TEST_DATA / "valid_date_format")
    assert [(p.path.rsplit("/", 1)[1], p.row, p.column) for p in caught.value.problems] == [
        ("memberships.csv", 2, "start"),
        ("memberships.csv", 2, "end"),
        ("funding.csv", 2, "award_date"),
        ("funding.csv", 3, "award_date"),
    ]


def test_iso_dates_must_be_zero_padded_and_real(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text(
        "id,name,type\nA,Council,local_authority\nB,Charity,vcse\n"
    )
    (tmp_path / "funding.csv").write_text(
        "id,funder_id,recipient_id,amount,award_date\n"
        "F1,A,B,1,2024-1-5\nF2,A,B,1,2023-02-29\nF3,A,B,1,2024-02-29\nF4,A,B,1,1500-01-01\n"
    )
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    reasons = [p.reason for p in caught.value.problems]
    assert reasons == [
        "'2024-1-5' is not a date in the form YYYY-MM-DD.",
        "'2023-02-29' is not a real date.",
        "'1500-01-01' is outside the dates partnernet can hold (1678 to 2261).",
    ]


def test_more_than_fifty_problems_are_all_kept_and_fifty_shown(tmp_path: Path) -> None:
    rows = "".join(f"ORG-{i},Org {i},charity\n" for i in range(120))
    (tmp_path / "organisations.csv").write_text("id,name,type\n" + rows)
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    assert len(caught.value.problems) == 120
    assert [p.row for p in caught.value.problems] == list(range(2, 122))
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 * MAX_PROBLEMS_SHOWN + 2
    assert lines[-2:] == ["... and 70 more problems.", "120 problems found; nothing was written."]


def test_row_numbers_count_blank_lines_and_quoted_line_breaks(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text(
        'id,name,type\nA,"Two\nLines",vcse\n\nB,Blank above,vcse\n,,\nC,Bad,unknown\n'
    )
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    # Spreadsheet rows: header 1, A 2 (one row despite the line break), blank 3,
    # B 4, empty cells 5 (skipped as blank), C 6.
    assert [(p.row, p.column) for p in caught.value.problems] == [(6, "type")]


def test_a_missing_folder_and_a_file_are_problems(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path / "nope")
    assert str(caught.value) == (
        f"{tmp_path / 'nope'}: there is no such folder.\nGive the path of a dataset folder "
        "(one holding organisations.csv); 'partnernet init DIR' creates one with templates.\n" + ONE
    )
    a_file = tmp_path / "organisations.csv"
    a_file.write_text("id,name,type\nA,B,vcse\n")
    with pytest.raises(ValidationError) as caught:
        read_dataset(a_file)
    assert caught.value.problems[0].reason == "this is a file, not a dataset folder."


def test_an_unknown_encoding_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        read_dataset(tmp_path, encoding="klingon")


def test_broken_quotes_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text('id,name,type\nA,"Quoted"x,vcse\n')
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, None)
    assert problem.reason.startswith("the file cannot be read as CSV (")


def test_a_file_of_blank_lines_has_no_header(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text("\n\n")
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    assert caught.value.problems[0].reason == (
        "the file has no header row; it holds only blank lines."
    )


def test_header_problems_stop_row_checks_but_not_field_counts(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text("id,name\nA,B,C\nD,not-a-type\n")
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "type"), (2, None)]


def test_references_are_not_checked_against_an_unreadable_organisations_file(
    tmp_path: Path,
) -> None:
    # Every id would look unknown; one problem at the source is what helps.
    (tmp_path / "organisations.csv").write_text("id,nam,type\nA,B,vcse\n")
    (tmp_path / "partnerships.csv").write_text("source_id,target_id\nA,B\n")
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    assert [(p.path.rsplit("/", 1)[1], p.column) for p in caught.value.problems] == [
        ("organisations.csv", "name")
    ]


def test_a_self_parent_is_a_cycle_of_one(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text(
        "id,name,type,parent_id\nA,Council,local_authority,A\n"
    )
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    assert caught.value.problems[0].reason == (
        "the parent_id chain goes round in a circle: 'A' -> 'A'."
    )


def test_two_separate_cycles_are_both_named(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text(
        "id,name,type,parent_id\nA,a,other,B\nB,b,other,A\nC,c,other,\nD,d,other,E\nE,e,other,D\n"
    )
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path)
    assert [(p.row, p.reason.split(": ", 1)[1]) for p in caught.value.problems] == [
        (2, "'A' -> 'B' -> 'A'."),
        (5, "'D' -> 'E' -> 'D'."),
    ]
