"""Reading valid datasets: exact values and dtypes, pseudonyms, round trips, templates."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partnernet import Dataset, read_dataset
from partnernet.errors import InputError, OutputError
from partnernet.io import pseudonym
from partnernet.io.parse import BAD_ID, bad_id_mask
from partnernet.io.templates import write_templates
from partnernet.io.writers import write_dataset
from partnernet.model import COLUMNS, TABLES, column_dtype

TEST_DATA = Path(__file__).resolve().parent / "data"

FULL = TEST_DATA / "valid_full"
KEY = "test-key-not-secret"  # the autouse fixture's key


def _psn(person: str, key: str = KEY) -> str:
    digest = hmac.new(key.encode(), person.encode(), hashlib.sha256).hexdigest()
    return "psn-" + digest[:20]


def _dates(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in values]


def _cells(values: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in values]


@pytest.fixture(scope="module")
def full() -> Dataset:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PARTNERNET_PSEUDONYM_KEY", KEY)
        return read_dataset(FULL)


def test_every_frame_has_the_model_columns_and_dtypes(full: Dataset) -> None:
    for table in TABLES:
        frame = getattr(full, table)
        assert list(frame.columns) == list(COLUMNS[table])
        for column in frame.columns:
            expected = column_dtype(column)
            assert frame[column].dtype == expected, (table, column)
        assert isinstance(frame.index, pd.RangeIndex)


def test_organisations_are_read_exactly(full: Dataset) -> None:
    orgs = full.organisations
    assert orgs["id"].tolist() == [
        "GB-LAE-EXA",
        "GB-LAE-EXA-ASC",
        "GB-LAE-EXA-CHI",
        "GB-CHC-01234567",  # leading zero kept; the file starts with a byte-order mark
        "GB-CHC-1000002",
        "GB-CHC-1000003",
        "GB-COH-00012345",
        "GB-FUN-1",
        "GB-NHS-X1",
    ]
    # NA, None and null are names, not missing values.
    assert orgs["name"].tolist()[3:7] == ["NA", "None", "null", "Smith, Jones & Co"]
    assert orgs["type"].tolist() == [
        "local_authority",
        "department",
        "department",
        "vcse",
        "vcse",
        "infrastructure",
        "business",
        "funder",
        "nhs",
    ]
    assert _cells(orgs["parent_id"]) == [None, "GB-LAE-EXA", "GB-LAE-EXA"] + [None] * 6
    # £9,999.99 is micro (derived); 10,000 is small (given, agrees); 0 is micro.
    assert _cells(orgs["income"]) == [
        None,
        None,
        None,
        9999.99,
        10000.0,
        250000.0,
        0.0,
        1500000.0,
        None,
    ]
    assert _cells(orgs["size_band"]) == [
        None,
        None,
        None,
        "micro",
        "small",
        "medium",
        "micro",
        "large",
        "super_major",
    ]
    assert _cells(orgs["tags"]) == [None] * 3 + [
        "youth;ethnic-minority-led",
        None,
        "infrastructure",
        None,
        None,
        None,
    ]
    assert _cells(orgs["locality"])[:5] == [
        "Central",
        "Central",
        "Central",
        "North Ward",
        "South Ward",
    ]


def test_boards_keep_a_quoted_line_break(full: Dataset) -> None:
    assert full.boards["name"].tolist() == ["Health and Wellbeing Board", "VCSE\nAssembly"]
    assert full.boards["convener_id"].tolist() == ["GB-LAE-EXA", "GB-CHC-1000003"]
    assert _cells(full.boards["level"]) == ["place", None]


def test_memberships_default_role_and_dates(full: Dataset) -> None:
    m = full.memberships  # this file has Windows line endings
    assert m["role"].tolist() == ["chair", "co_chair", "member", "observer"]
    assert _dates(m["start"]) == ["2023-04-01", "2023-04-01", None, "2024-01-15"]
    assert _dates(m["end"]) == [None, "2025-03-31", None, "2024-01-15"]


def test_funding_amounts_currency_and_flags(full: Dataset) -> None:
    f = full.funding
    assert f["id"].tolist() == ["F-001", "F-002", "F-003", "F-004"]
    assert f["amount"].tolist() == [1234.5, 1234.5, 50000.0, 0.5]  # £1,234.50 and 1,234.50
    assert _dates(f["award_date"]) == ["2024-03-31", "2024-04-01", "2023-11-30", "2024-02-29"]
    assert f["currency"].tolist() == ["GBP", "GBP", "GBP", "EUR"]
    assert _cells(f["duration_months"]) == [12, None, 36, 0]
    assert f["kind"].tolist() == ["grant", "contract", "outcomes_based", "other"]
    assert _cells(f["restricted"]) == [True, False, None, True]
    # A formula is kept as text: nothing from a file is ever run.
    assert _cells(f["programme"]) == ["Small Grants", None, "=SUM(A1)", None]


def test_partnerships_defaults_and_normalised_kind(full: Dataset) -> None:
    p = full.partnerships  # its extra 'notes' column is ignored
    assert p["kind"].tolist() == ["collaboration", "referral", "joint_delivery"]
    assert p["directed"].tolist() == [False, True, False]
    assert p["weight"].tolist() == [1.0, 2.5, 1.0]
    assert _dates(p["end"]) == [None, None, "2024-12-31"]


def test_affiliations_are_pseudonymised(full: Dataset) -> None:
    a = full.affiliations
    assert a["person_id"].tolist() == [
        _psn("Jane Smith"),
        _psn("Jane Smith"),  # the same person links both organisations
        "psn-0123456789abcdef0123",  # already a pseudonym: kept
        _psn("Bob Jones"),
    ]
    assert _cells(a["role"]) == ["chair", "member", None, None]


def test_raw_person_ids_appear_nowhere_in_the_dataset(full: Dataset) -> None:
    for table in TABLES:
        frame = getattr(full, table)
        for column in frame.columns:
            text = " ".join(str(v) for v in frame[column].tolist())
            assert "Jane" not in text and "Bob" not in text, (table, column)


def test_the_minimal_dataset_has_empty_tables() -> None:
    ds = read_dataset(TEST_DATA / "valid_minimal")
    assert ds.organisations["id"].tolist() == ["GB-LAE-MIN", "GB-CHC-0001"]
    assert ds.organisations["size_band"].isna().all()
    for table in TABLES[1:]:
        frame = getattr(ds, table)
        assert frame.empty
        assert list(frame.columns) == list(COLUMNS[table])


def test_a_cp1252_file_reads_with_its_encoding() -> None:
    ds = read_dataset(TEST_DATA / "bad_not_utf8", encoding="cp1252")
    assert ds.organisations["name"].tolist()[-1] == "Café Community"


def test_headers_are_matched_loosely_and_trailing_empty_cells_ignored(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text(
        " ID ,Name,TYPE,Size Band,\nA,Alpha,VCSE,Small,\nB,Beta,Central Government,,,\n"
    )
    ds = read_dataset(tmp_path)
    assert ds.organisations["type"].tolist() == ["vcse", "central_government"]
    assert _cells(ds.organisations["size_band"]) == ["small", None]


def test_ordinary_cells_are_trimmed_but_ids_are_not_changed(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text(
        "id,name,type,tags\n007,  Spaced Name  , vcse ,Youth; youth ;;FAITH\n"
    )
    ds = read_dataset(tmp_path)
    assert ds.organisations.loc[0, "id"] == "007"
    assert ds.organisations.loc[0, "name"] == "Spaced Name"
    assert ds.organisations.loc[0, "type"] == "vcse"
    assert ds.organisations.loc[0, "tags"] == "youth;faith"


def test_a_dataset_written_by_partnernet_reads_back_equal(full: Dataset, tmp_path: Path) -> None:
    """Text that starts a formula is written neutralised (a spreadsheet must not run
    '=SUM(A1)' from a file partnernet wrote) and read back as it was."""
    write_dataset(full, tmp_path / "copy")
    written = (tmp_path / "copy" / "funding.csv").read_text(encoding="utf-8")
    assert "'=SUM(A1)" in written
    again = read_dataset(tmp_path / "copy", pseudonym_key="a different key")
    assert again.funding["programme"].tolist()[2] == "=SUM(A1)"
    for table, frame in full.tables().items():
        assert getattr(again, table).equals(frame), table


def test_names_that_start_or_hide_a_formula_read_back_as_written(tmp_path: Path) -> None:
    names = ["@Home Trust", "+44 Club", "Friends;=cmd|' /C calc'!A0;", 'A "quoted";-1', "O'Neil"]
    organisations = pd.DataFrame(
        {"id": [f"GB-CHC-{i}" for i in range(len(names))], "name": names, "type": "vcse"}
    )
    write_dataset(Dataset.from_frames(organisations=organisations), tmp_path / "d")
    text = (tmp_path / "d" / "organisations.csv").read_text(encoding="utf-8")
    assert ";=cmd" not in text and ",@Home" not in text  # inert for a spreadsheet
    assert read_dataset(tmp_path / "d").organisations["name"].tolist() == names


# -- pseudonym keys ---------------------------------------------------------------------


def test_people_without_a_key_stop_with_how_to_set_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.raises(InputError) as caught:
        read_dataset(FULL)
    assert caught.value.exit_code == 3
    message = str(caught.value)
    assert message.startswith(
        f"{FULL / 'affiliations.csv'} names people (4 rows) but no pseudonym key is set"
    )
    assert "PARTNERNET_PSEUDONYM_KEY" in message and "PARTNERNET_PSEUDONYM_KEY_FILE" in message
    assert "Keep the key secret and never share it with the outputs" in message


def test_a_dataset_without_people_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    assert len(read_dataset(TEST_DATA / "valid_minimal").organisations) == 2


def test_the_key_comes_from_argument_then_environment_then_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def jane() -> str:
        return str(read_dataset(FULL, pseudonym_key=argument).affiliations.loc[0, "person_id"])

    key_file = tmp_path / "key"
    key_file.write_text("  from-the-key-file\n")
    monkeypatch.setenv("PARTNERNET_PSEUDONYM_KEY_FILE", str(key_file))
    monkeypatch.setenv("PARTNERNET_PSEUDONYM_KEY", "from-the-environment")
    argument: str | None = "from-the-argument"
    assert jane() == _psn("Jane Smith", "from-the-argument")
    argument = None
    assert jane() == _psn("Jane Smith", "from-the-environment")
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    assert jane() == _psn("Jane Smith", "from-the-key-file")  # contents stripped


def test_an_unreadable_or_empty_key_file_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    monkeypatch.setenv("PARTNERNET_PSEUDONYM_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(InputError, match="cannot read the pseudonym key file"):
        read_dataset(FULL)
    (tmp_path / "empty").write_text(" \n")
    monkeypatch.setenv("PARTNERNET_PSEUDONYM_KEY_FILE", str(tmp_path / "empty"))
    with pytest.raises(InputError, match="is empty"):
        read_dataset(FULL)


def test_the_key_never_appears_in_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "s3cret-value-that-must-not-leak"
    shutil.copytree(TEST_DATA / "bad_unknown_affiliation_org", tmp_path / "d")
    with pytest.raises(InputError) as caught:
        read_dataset(tmp_path / "d", pseudonym_key=secret)
    assert secret not in str(caught.value)
    (tmp_path / "keyfile").write_text(secret)
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    monkeypatch.setenv("PARTNERNET_PSEUDONYM_KEY_FILE", str(tmp_path / "keyfile"))
    ds = read_dataset(FULL)
    assert secret not in ds.affiliations.to_csv()


def test_pseudonymise_matches_hmac_sha256() -> None:
    assert pseudonym.pseudonymise("Jane Smith", b"k") == _psn("Jane Smith", "k")
    assert pseudonym.pseudonymise("Zoë", b"k") == _psn("Zoë", "k")  # UTF-8 bytes
    assert re.fullmatch(pseudonym.PSEUDONYM_PATTERN, pseudonym.pseudonymise("x", b"k"))
    assert pseudonym.is_pseudonym("psn-0123456789abcdef0123")
    assert not pseudonym.is_pseudonym("psn-0123456789ABCDEF0123")
    assert not pseudonym.is_pseudonym("psn-0123456789abcdef012")


# -- templates --------------------------------------------------------------------------


def test_templates_have_headers_in_model_order_and_validate(tmp_path: Path) -> None:
    written = write_templates(tmp_path / "new")
    assert [p.name for p in written] == [f"{t}.csv" for t in TABLES]
    for table, path in zip(TABLES, written, strict=True):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header == ",".join(COLUMNS[table])
    ds = read_dataset(tmp_path / "new")
    assert [len(getattr(ds, t)) for t in TABLES] == [2, 1, 1, 1, 1, 1]
    # the example person is already a pseudonym: kept as written, whatever the key
    assert ds.affiliations.loc[0, "person_id"] == "psn-0123456789abcdef0123"
    assert pseudonym.is_pseudonym(ds.affiliations.loc[0, "person_id"])


def test_templates_never_overwrite_and_write_nothing_when_one_exists(tmp_path: Path) -> None:
    (tmp_path / "funding.csv").write_text("mine\n")
    with pytest.raises(OutputError) as caught:
        write_templates(tmp_path)
    assert caught.value.exit_code == 5
    assert str(caught.value) == (
        f"{tmp_path} already has funding.csv; partnernet init never overwrites a file.\n"
        "Choose an empty or new folder, or move those files away first."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["funding.csv"]
    assert (tmp_path / "funding.csv").read_text() == "mine\n"


# -- the fast paths agree with the plain definitions -----------------------------------


def test_the_column_scan_for_bad_ids_agrees_with_the_cell_by_cell_test() -> None:
    rng = random.Random(7)
    alphabet = ["A", "b", "1", "-", " ", "\u00a0", "\u200b", "\t", "\n", "é", "\u2003", "\x01"]
    for _ in range(300):
        cells: list[object] = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
            if rng.random() < 0.9
            else None
            for _ in range(rng.randint(0, 6))
        ]
        # Mostly clean columns, so the fast path is taken as often as the slow one.
        if rng.random() < 0.5:
            cells = [c if c is None else re.sub(r"[^Ab1\-é]", "x", str(c)) for c in cells]
        values = pd.Series(cells, dtype="object")
        expected = np.array([isinstance(c, str) and BAD_ID.search(c) is not None for c in cells])
        assert (bad_id_mask(values) == expected).all(), cells


def test_every_unicode_whitespace_character_is_caught_in_an_id() -> None:
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace() and chr(c) != " "]
    for ch in spaces:
        assert BAD_ID.search(f"A{ch}B"), hex(ord(ch))


def test_repeated_extra_columns_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text("id,notes,name,notes,type\nA,x,Alpha,y,vcse\n")
    assert read_dataset(tmp_path).organisations["name"].tolist() == ["Alpha"]


def test_a_header_only_optional_file_is_an_empty_table(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text("id,name,type\nA,Alpha,vcse\n")
    (tmp_path / "boards.csv").write_text("id,name\n")
    (tmp_path / "funding.csv").write_text("id,funder_id,recipient_id,amount,award_date\n")
    ds = read_dataset(tmp_path)
    assert ds.boards.empty and ds.funding.empty
    assert list(ds.funding.columns) == list(COLUMNS["funding"])


def test_a_utf8_byte_order_mark_wins_over_another_encoding(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_bytes(b"\xef\xbb\xbfid,name,type\nA,Caf\xc3\xa9,vcse\n")
    ds = read_dataset(tmp_path, encoding="cp1252")
    assert ds.organisations["name"].tolist() == ["Café"]


# ------------------------------------------ bounds: no cell crashes a command (issue 18)


def _validate(folder: Path) -> tuple[int, str]:
    from click.testing import CliRunner

    from partnernet.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(folder)])
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output + (f"\n{crash!r}" if crash else "")


def _dataset(tmp_path: Path, funding_rows: list[str], orgs: str = "") -> Path:
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "organisations.csv").write_text(
        "id,name,type\nA,Alpha,vcse\nB,Beta,funder\n" + orgs, encoding="utf-8"
    )
    (folder / "funding.csv").write_text(
        "id,funder_id,recipient_id,amount,award_date,duration_months\n"
        + "".join(f"{row}\n" for row in funding_rows),
        encoding="utf-8",
    )
    return folder


LARGEST = "more than the largest amount partnernet reads (£10,000,000,000,000)"
TOO_LARGE_HINT = (
    "Correct the value: no real one is this large (is a digit repeated, or an exponent wrong?)."
)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1e1000000", f"'1e1000000' is {LARGEST}.\n{TOO_LARGE_HINT}"),
        ("1e400", f"'1e400' is {LARGEST}.\n{TOO_LARGE_HINT}"),
        (
            "7" * 4301,
            f"'{'7' * 80}...' is not a number.\n"
            "Write the amount in pounds, e.g. 5000, 1234.50 or £1,234.50.",
        ),
        (
            "\u09ea00",
            "'\u09ea00' is not a number.\n"
            "Write the amount in pounds, e.g. 5000, 1234.50 or £1,234.50.",
        ),
    ],
    ids=["1e1000000", "1e400", "4301-digits", "bengali-digit"],
)
def test_an_amount_past_the_bounds_is_a_problem_not_a_crash(
    tmp_path: Path, cell: str, message: str
) -> None:
    folder = _dataset(tmp_path, [f"G1,B,A,{cell},2024-01-01,"])
    code, output = _validate(folder)
    assert code == 3, output
    assert output == (
        f"Error: {folder}/funding.csv, row 2, column 'amount': {message}\n"
        "1 problem found; nothing was written.\n"
    )


def test_two_amounts_of_1e308_are_refused_before_analyse_can_overflow(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from partnernet.cli import cli

    folder = _dataset(tmp_path, ["G1,B,A,1e308,2024-01-01,", "G2,B,A,1e308,2024-01-01,"])
    result = CliRunner().invoke(cli, ["analyse", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert f"{folder}/funding.csv, row 3, column 'amount': '1e308' is {LARGEST}." in result.output
    assert "2 problems found; nothing was written." in result.output


def test_a_duration_past_the_bound_is_a_problem(tmp_path: Path) -> None:
    folder = _dataset(tmp_path, ["G1,B,A,5,2024-01-01,9223372036854775808"])
    code, output = _validate(folder)
    assert code == 3, output
    assert output == (
        f"Error: {folder}/funding.csv, row 2, column 'duration_months': "
        "'9223372036854775808' is not a whole number of months from 0 to 9,999.\n"
        "Write the duration in whole months, e.g. 12, or leave the cell empty.\n"
        "1 problem found; nothing was written.\n"
    )


def test_9999_12_31_as_an_end_means_no_end_date(tmp_path: Path) -> None:
    folder = _dataset(tmp_path, [])
    (folder / "partnerships.csv").write_text(
        "source_id,target_id,start,end\nA,B,2020-01-01,9999-12-31\nB,A,2021-01-01,2022-01-01\n",
        encoding="utf-8",
    )
    ds = read_dataset(folder)
    assert _dates(ds.partnerships["end"]) == [None, "2022-01-01"]
    # As a start it is still a date partnernet cannot hold.
    (folder / "partnerships.csv").write_text(
        "source_id,target_id,start\nA,B,9999-12-31\n", encoding="utf-8"
    )
    code, output = _validate(folder)
    assert code == 3
    assert "'9999-12-31' is outside the dates partnernet can hold (1678 to 2261)." in output


def test_names_lose_bidi_controls_and_ids_are_composed(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    decomposed, composed = "cafe\u0301", "caf\u00e9"
    (folder / "organisations.csv").write_text(
        f"id,name,type\n{decomposed},Friends \u202e61\u202c Trust,vcse\nB,Beta,funder\n",
        encoding="utf-8",
    )
    (folder / "funding.csv").write_text(
        f"id,funder_id,recipient_id,amount,award_date\nG1,B,{composed},5,2024-01-01\n",
        encoding="utf-8",
    )
    notes: list[str] = []
    ds = read_dataset(folder, on_note=notes.append)
    assert ds.organisations["id"].tolist() == [composed, "B"]
    assert ds.organisations["name"].tolist() == ["Friends 61 Trust", "Beta"]
    assert notes == [
        f"{folder}/organisations.csv: 1 id value had accents written as separate marks; they "
        "are read composed (Unicode NFC), so they match the same ids typed the other way."
    ]


def test_look_alike_ids_are_noted_and_kept_apart(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "organisations.csv").write_text(
        "id,name,type\nGB-CHC-1,Latin,vcse\nGB-\u0421HC-1,Cyrillic,vcse\nGB-CHC-\uff11,Wide,vcse\n",
        encoding="utf-8",
    )
    notes: list[str] = []
    ds = read_dataset(folder, on_note=notes.append)
    assert len(ds.organisations) == 3
    assert notes == [
        f"{folder}/organisations.csv: 1 group of ids look the same but differ (letters of "
        "another script or fullwidth characters): 'GB-CHC-1' and 'GB-CHC-\uff11' and "
        "'GB-\u0421HC-1'. They are different organisations; correct the ids if they are one."
    ]


def test_an_oversized_name_and_an_oversized_cell_are_problems(tmp_path: Path) -> None:
    folder = _dataset(tmp_path, [], orgs=f"C,{'n' * 200_000},vcse\n")
    code, output = _validate(folder)
    assert code == 3, output
    assert output == (
        f"Error: {folder}/organisations.csv, row 4, column 'name': the cell holds 200,000 "
        "characters; at most 10,000 are read.\n"
        "Shorten the text, or retype it without the character named.\n"
        "1 problem found; nothing was written.\n"
    )
    (folder / "organisations.csv").write_text(
        f'id,name,type\nA,"{"n" * 2_000_000}",vcse\n', encoding="utf-8"
    )
    code, output = _validate(folder)
    assert code == 3, output
    assert (
        "the file cannot be read as CSV (a cell holds more than 1,048,576 characters, far "
        "more than any value; is a quote left open?)."
    ) in output


def test_misaligned_affiliations_never_show_a_persons_name(tmp_path: Path) -> None:
    folder = _dataset(tmp_path, [])
    (folder / "affiliations.csv").write_text(
        "person_id,org_id,role,start,end\n"
        "GB-CHC-1,Jane Smith,A,member,2020-01-01\n"
        "A,Jane Smith,GB-CHC-1,John Doe,Mary Major\n",
        encoding="utf-8",
    )
    code, output = _validate(folder)
    assert code == 3, output
    for name in ("Jane", "John", "Mary", "Smith"):
        assert name not in output
    assert (
        f"{folder}/affiliations.csv, row 2, column 'org_id': the value is not in organisations.csv."
    ) in output
    assert "row 2, column 'role': the value is not a known role." in output
    assert "row 3, column 'start': the value is not a date in the form YYYY-MM-DD." in output


def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    folder = _dataset(tmp_path, [])
    (folder / "funding.csv").unlink()
    os.mkfifo(folder / "funding.csv")
    code, output = _validate(folder)
    assert code == 3, output
    assert output == (
        f"Error: {folder}/funding.csv: this is a named pipe (FIFO), not a file; partnernet "
        "reads only regular files.\n"
        "Replace it by the file itself (copy the data into a regular file).\n"
        "1 problem found; nothing was written.\n"
    )


def test_a_link_to_a_device_or_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = _dataset(tmp_path, [])
    (folder / "funding.csv").unlink()
    (folder / "funding.csv").symlink_to("/dev/zero")
    code, output = _validate(folder)
    assert code == 3, output
    assert (
        f"{folder}/funding.csv: this is a device (through a symbolic link), not a file"
    ) in output
    (folder / "funding.csv").unlink()
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("id,funder_id,recipient_id,amount,award_date\n", encoding="utf-8")
    (folder / "funding.csv").symlink_to(outside)
    code, output = _validate(folder)
    assert code == 3, output
    assert (
        f"{folder}/funding.csv: this is a symbolic link to {outside}, outside the dataset folder."
    ) in output
    # A link to a file inside the folder is read.
    (folder / "funding.csv").unlink()
    (folder / "grants-2024.txt").write_text(
        "id,funder_id,recipient_id,amount,award_date\nG1,B,A,5,2024-01-01\n", encoding="utf-8"
    )
    (folder / "funding.csv").symlink_to(folder / "grants-2024.txt")
    assert len(read_dataset(folder).funding) == 1


def test_reading_in_chunks_gives_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnernet.io import read as reader_module

    folder = _dataset(
        tmp_path,
        [f"G{i},B,A,{i + 1},2024-01-01," for i in range(50)]
        + ["bad,row"]
        + [f"H{i},B,A,{i + 1},2024-01-01," for i in range(7)],
    )
    code, whole = _validate(folder)
    monkeypatch.setattr(reader_module, "_CHUNK_ROWS", 4)
    monkeypatch.setattr(reader_module, "_TEXT_BLOCK", 64)
    code_chunked, chunked = _validate(folder)
    assert (code, code_chunked) == (3, 3)
    assert chunked == whole
    assert f"{folder}/funding.csv, row 52: the row has 2 fields but the header has 6." in whole
    (folder / "funding.csv").write_bytes(
        (folder / "funding.csv").read_bytes().replace(b"H6,B", b"H6,\xff")
    )
    code, output = _validate(folder)
    assert code == 3
    assert f"{folder}/funding.csv, row 59, column 'funder_id': the file is not UTF-8" in output


def test_a_name_of_only_direction_marks_is_a_problem_not_an_empty_name(tmp_path: Path) -> None:
    folder = _dataset(tmp_path, [], orgs="C,\u202e\u202c,vcse\n")
    code, output = _validate(folder)
    assert code == 3, output
    assert output == (
        f"Error: {folder}/organisations.csv, row 4, column 'name': the cell holds only "
        "direction marks or other formatting characters, no text.\n"
        "Type the text the cell should hold.\n"
        "1 problem found; nothing was written.\n"
    )
