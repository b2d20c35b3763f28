"""The charity register importer: incomes and size bands by registered number."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import REAL_DATA, TEST_DATA

from partnernet.cli import cli
from partnernet.errors import InputError
from partnernet.io.importers.register import (
    SUGGESTED_ALIASES_FILE,
    import_register,
    name_key,
    read_register,
    register_key,
)
from partnernet.io.merge import read_aliases
from partnernet.io.read import read_dataset

DATA = TEST_DATA / "register"
REGISTER = REAL_DATA / "charities_operating_in_trafford.csv"
TRAFFORD = REAL_DATA / "trafford_council_voluntary_sector_grants.csv"


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output + (f"\n{crash!r}" if crash else "")


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    shutil.copytree(DATA / "dataset", folder)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def orgs_of(folder: Path) -> pd.DataFrame:
    return read_dataset(folder).organisations.set_index("id")


def test_incomes_and_bands_filled(dataset):
    summary = import_register(DATA / "register.csv", dataset)
    orgs = orgs_of(dataset)
    expected = {
        "GB-CHC-1000001": (25_000.0, "small"),  # the linked charity's row is not read
        "GB-CHC-2000002": (2_500_000.0, "large"),  # '£2,500,000' replaces 50,000
        "GB-COH-01234567": (9_999.99, "micro"),  # by company number 1234567
        "GB-SC-SC012345": (150_000.0, "medium"),
        "GB-NIC-100002": (5_000.0, "micro"),  # the register writes NIC100002
    }
    for org_id, (income, band) in expected.items():
        assert orgs.loc[org_id, ["income", "size_band"]].tolist() == [income, band], org_id
    untouched = ["GB-CHC-4000004", "GB-CHC-5000005", "GB-CHC-6000006", "GB-CHC-7000007"]
    assert orgs.loc[untouched, "income"].isna().all()
    assert orgs.loc[untouched, "size_band"].isna().all()
    assert summary.matched == 5
    assert summary.organisations_with_number == 9
    assert summary.unmatched == ["GB-CHC-7000007"]
    assert summary.missing_income == ["GB-CHC-6000006"]
    assert summary.incomes_changed == 1 and summary.bands_changed == 1
    assert summary.size_bands == {"micro": 2, "small": 1, "medium": 1, "large": 1}


def test_conflicts_and_bad_incomes_listed_with_rows(dataset):
    summary = import_register(DATA / "register.csv", dataset)
    listed = [(s.row, s.column, s.reason) for s in summary.skipped]
    assert listed == [
        (
            10,
            "income",
            "charity number 4000004 has two incomes: 1000 in row 9 and 2000 here; left out",
        ),
        (11, "income", "income not a number: 'lots'"),
    ]


def test_other_columns_and_rows_untouched(dataset):
    before = read_dataset(dataset)
    funding_bytes = (dataset / "funding.csv").read_bytes()
    import_register(DATA / "register.csv", dataset)
    after = read_dataset(dataset)
    columns = ["name", "type", "parent_id", "locality", "tags"]
    pd.testing.assert_frame_equal(before.organisations[columns], after.organisations[columns])
    assert (dataset / "funding.csv").read_bytes() == funding_bytes


def test_tab_separated_extract_with_latest_income(dataset):
    summary = import_register(DATA / "register_latest_income.tsv", dataset)
    orgs = orgs_of(dataset)
    assert summary.income_column == "latest_income"
    assert orgs.loc["GB-CHC-1000001", ["income", "size_band"]].tolist() == [123456.78, "medium"]
    assert orgs.loc["GB-CHC-2000002", ["income", "size_band"]].tolist() == [12_000_000.0, "major"]
    # No company column in this file: companies are neither matched nor counted.
    assert summary.company_column is None
    assert "GB-COH-01234567" not in summary.unmatched


def test_cli_reports_matched_and_unmatched(dataset):
    code, output = run("import-register", DATA / "register.csv", "--out", dataset)
    assert code == 0, output
    assert "9 organisations carry a charity or company number; 5 matched" in output
    assert "1 were not in the register and 1 had no income there" in output
    assert f"{DATA / 'register.csv'}, row 11, column 'income': income not a number" in output
    assert f"Wrote {dataset}/organisations.csv" in output


def test_the_real_register_without_incomes_still_suggests_ids_by_name(tmp_path):
    """The real extract has no income column: nothing is filled or rewritten, and the
    local recipients' charity ids are still suggested by name (exit 0, said plainly)."""
    dataset = tmp_path / "trafford"
    code, output = run("import-360giving", TRAFFORD, "--out", dataset, "-q")
    assert code == 0, output
    before = (dataset / "organisations.csv").read_bytes()
    code, output = run("import-register", REGISTER, "--out", dataset)
    assert code == 0, output
    assert (
        f"Read 736 register rows from {REGISTER}: it has no income column ('income' or "
        "'latest_income'), so no income or size band was filled."
    ) in output
    assert "215 organisations with a local 360G- id; 4 share a name with one charity" in output
    assert (dataset / "organisations.csv").read_bytes() == before
    suggested = (dataset / "suggested-aliases-register.csv").read_text(encoding="utf-8")
    assert len(suggested.strip().splitlines()) == 1 + 4


def test_named_income_column_must_exist(dataset):
    with pytest.raises(InputError, match="has no income column 'turnover'"):
        import_register(DATA / "register.csv", dataset, income_column="turnover")


def test_missing_number_column(dataset):
    code, output = run("import-register", DATA / "register_no_number.csv", "--out", dataset)
    assert code == 3
    assert "has no column 'registered_charity_number' (its columns are charity_number" in output
    assert "--number-column" in output


def test_no_dataset_in_out(tmp_path):
    code, output = run("import-register", DATA / "register.csv", "--out", tmp_path / "none")
    assert code == 3
    assert "holds no dataset" in output and "import-360giving" in output
    assert not (tmp_path / "none").exists()


def test_nothing_matched_writes_nothing(dataset, tmp_path):
    register = tmp_path / "other.csv"
    register.write_text("registered_charity_number,income\n9999999,100\n", encoding="utf-8")
    before = (dataset / "organisations.csv").read_bytes()
    code, output = run("import-register", register, "--out", dataset)
    assert code == 0, output
    assert "nothing was written" in output
    assert (dataset / "organisations.csv").read_bytes() == before


def test_real_register_numbers_match_trafford_recipients(tmp_path):
    """The real extract, given an income column, matches the grants' charity ids."""
    out = tmp_path / "trafford"
    code, output = run("import-360giving", TRAFFORD, "--out", out)
    assert code == 0, output
    with open(REGISTER, encoding="utf-8-sig", newline="") as handle:
        register = list(csv.DictReader(handle))
    with open(TRAFFORD, encoding="utf-8-sig", newline="") as handle:
        recipients = {r["Recipient Org:Identifier"] for r in csv.DictReader(handle)}
    numbers = {r["registered_charity_number"] for r in register}
    companies = {r["charity_company_registration_number"] for r in register} - {"NA"}
    charities = {i for i in recipients if i.startswith("GB-CHC-") and i[7:] in numbers}
    firms = {i for i in recipients if i.startswith("GB-COH-") and i[7:] in companies}
    assert charities and firms

    # The real file has no income; give every charity the same one in a copy.
    with_income = tmp_path / "register.csv"
    with open(with_income, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*register[0].keys(), "income"])
        writer.writeheader()
        writer.writerows({**r, "income": "42000"} for r in register)
    summary = import_register(with_income, out)
    assert summary.matched == len(charities) + len(firms)
    orgs = orgs_of(out)
    filled = set(orgs.index[orgs["income"].notna()])
    assert filled == charities | firms
    assert set(orgs.loc[list(filled), "size_band"]) == {"small"}


def test_read_register_streams_only_wanted_rows():
    incomes, summary = read_register(DATA / "register.csv", ["GB-CHC-1000001", "GB-LAE-AAA"])
    assert incomes == {"GB-CHC-1000001": 25_000.0}
    assert summary.rows_read == 11
    assert summary.organisations_with_number == 1


@pytest.mark.parametrize(
    ("org_id", "key"),
    [
        ("GB-CHC-1146179", ("charity", "1146179")),
        ("GB-CHC-01146179", ("charity", "1146179")),
        ("GB-SC-SC012345", ("charity", "SC012345")),
        ("GB-SC-012345", ("charity", "SC012345")),
        ("GB-NIC-100002", ("charity", "100002")),
        ("GB-NIC-NIC100002", ("charity", "100002")),
        ("GB-COH-07962245", ("company", "07962245")),
        ("GB-COH-7962245", ("company", "07962245")),
        ("GB-COH-CE008889", ("company", "CE008889")),
        ("GB-LAE-TRF", None),
        ("360G-trafford-be_active", None),
        ("GB-CHC-", None),
        # The importers' identifier rule (io/parse.normalise_org_id) applies here too.
        ("GB-CHC-CHC1146179", ("charity", "1146179")),
        ("GB-COH-GB-COH-7962245", ("company", "07962245")),
        ("GB-COH-SC12345", ("company", "SC012345")),
        ("DUMMY01", None),
    ],
)
def test_register_key(org_id, key):
    assert register_key(org_id) == key


# ------------------------------------------------- charity ids suggested by name

NAMES = DATA / "names"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("The Alpha Trust", "ALPHA TRUST"),
        ("Beta & Sons Ltd", "beta and sons limited"),
        ("St. Mary's Club", "ST MARYS CLUB"),
        ("Community Revival UK(LTD)", "Community Revival UK"),
        ("  Age   UK -- Trafford ", "age uk trafford"),
    ],
)
def test_name_key_ignores_case_punctuation_and_filler(first, second):
    assert name_key(first) == name_key(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [("Alpha Trust", "Alpha Trust Fund"), ("Age UK Trafford", "Age UK Stockport")],
)
def test_name_key_keeps_words_that_matter(first, second):
    assert name_key(first) != name_key(second)


@pytest.fixture
def local_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    shutil.copytree(NAMES / "dataset", folder)
    return folder


def test_local_ids_get_suggested_charity_ids_by_name(local_dataset):
    before = snapshot(local_dataset)
    summary = import_register(NAMES / "register.csv", local_dataset)
    suggested = local_dataset / SUGGESTED_ALIASES_FILE
    with open(suggested, encoding="utf-8", newline="") as handle:
        rows = [(r["alias"], r["id"]) for r in csv.DictReader(handle)]
    assert rows == [
        ("360G-aville-alpha", "GB-CHC-1000001"),  # 'The' ignored
        ("360G-aville-beta", "GB-CHC-1000002"),  # '&' and 'Ltd' ignored
        ("360G-aville-mary", "GB-CHC-1000003"),  # punctuation ignored
        ("360G-aville-zeta", "GB-SC-SC012345"),  # a Scottish number
        ("360G-aville-delta", "GB-CHC-1000006"),  # one charity on two rows
    ]
    # Two charities share 'Twin Group'; a linked charity's row is not read; a
    # company id is not a local id; 'Gamma Group' is in no register row.
    assert summary.ambiguous_names == ["360G-aville-twin"]
    assert summary.local_organisations == 8
    assert summary.suggestions[0].reason == (
        f"name 'The Alpha Trust' is that of registered charity 1000001 'ALPHA TRUST' in "
        f"{NAMES / 'register.csv'}"
    )
    # Suggested, never merged: the dataset itself is unchanged.
    assert snapshot(local_dataset) == {**before, SUGGESTED_ALIASES_FILE: suggested.read_bytes()}


def test_suggested_aliases_file_is_an_aliases_file(local_dataset, tmp_path):
    import_register(NAMES / "register.csv", local_dataset)
    suggested = local_dataset / SUGGESTED_ALIASES_FILE
    assert read_aliases(suggested)["360G-aville-alpha"] == "GB-CHC-1000001"
    grants = tmp_path / "grants.csv"
    grants.write_text(
        "Identifier,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Funding Org:Identifier,Funding Org:Name\n"
        "G-1,100,2023-01-01,360G-aville-alpha,The Alpha Trust,GB-LAE-AAA,Aville Council\n"
        "G-2,200,2023-02-01,360G-aville-gamma,Gamma Group,GB-LAE-AAA,Aville Council\n",
        encoding="utf-8",
    )
    fresh = tmp_path / "fresh"
    code, output = run("import-360giving", grants, "--out", fresh, "--aliases", suggested)
    assert code == 0, output
    funding = read_dataset(fresh).funding
    assert funding["recipient_id"].tolist() == ["GB-CHC-1000001", "360G-aville-gamma"]
    assert orgs_of(fresh).loc["GB-CHC-1000001", "type"] == "vcse"


def test_cli_counts_suggestions_and_names_the_file(local_dataset):
    code, output = run("import-register", NAMES / "register.csv", "--out", local_dataset)
    assert code == 0, output
    assert (
        "8 organisations with a local 360G- id; 5 share a name with one charity in "
        "'charity_name' and 1 with more than one (no suggestion)."
    ) in output
    assert "Named like more than one charity (check by hand): 360G-aville-twin." in output
    assert (
        f"Suggested charity ids written to {local_dataset / SUGGESTED_ALIASES_FILE} "
        "(alias,id,reason); nothing was merged."
    ) in output
    assert "No organisation matched by number; organisations.csv was not written." in output


def test_no_name_column_is_said(local_dataset, tmp_path):
    register = tmp_path / "numbers_only.csv"
    register.write_text("registered_charity_number,income\n1000001,100\n", encoding="utf-8")
    code, output = run("import-register", register, "--out", local_dataset)
    assert code == 0, output
    assert (
        "The register has no column 'charity_name': no charity id was suggested by name for "
        "the 8 organisations with a local 360G- id. Name the column of charity names with "
        "--name-column."
    ) in output
    assert not (local_dataset / SUGGESTED_ALIASES_FILE).exists()


def test_name_column_option(local_dataset, tmp_path):
    register = tmp_path / "renamed.csv"
    register.write_text(
        "registered_charity_number,title,income\n1000001,ALPHA TRUST,NA\n", encoding="utf-8"
    )
    code, output = run(
        "import-register", register, "--out", local_dataset, "--name-column", "title"
    )
    assert code == 0, output
    assert "1 share a name with one charity in 'title'." in output
    assert read_aliases(local_dataset / SUGGESTED_ALIASES_FILE) == {
        "360G-aville-alpha": "GB-CHC-1000001"
    }


def test_real_register_suggests_charity_ids_for_trafford_recipients(tmp_path):
    """The real extract names four of Trafford's 360G- recipients' charities."""
    out = tmp_path / "trafford"
    code, output = run("import-360giving", TRAFFORD, "--out", out)
    assert code == 0, output
    with open(REGISTER, encoding="utf-8-sig", newline="") as handle:
        register = list(csv.DictReader(handle))
    # The real file has no income column; give every charity one in a copy.
    with_income = tmp_path / "register.csv"
    with open(with_income, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*register[0].keys(), "income"])
        writer.writeheader()
        writer.writerows({**r, "income": "42000"} for r in register)
    summary = import_register(with_income, out)
    assert summary.local_organisations == 215
    assert summary.ambiguous_names == []
    assert {(s.alias, s.id) for s in summary.suggestions} == {
        ("360G-trafford-trafford_hard_of_hearing_group", "GB-CHC-1177183"),
        ("360G-trafford-communities_united_project", "GB-CHC-1072970"),
        ("360G-trafford-african_caribbean_care_group", "GB-CHC-1028464"),
        ("360G-trafford-the_manchester_deaf_centre", "GB-CHC-1110373"),
    }
    assert len(read_aliases(out / SUGGESTED_ALIASES_FILE)) == 4


def test_an_income_past_the_bound_is_a_left_out_row(dataset, tmp_path):
    rows = (DATA / "register.csv").read_text(encoding="utf-8").splitlines()
    header, first = rows[0], rows[1].split(",")
    first[-1] = "1e400"
    register = tmp_path / "register.csv"
    register.write_text("\n".join([header, ",".join(first), *rows[2:]]) + "\n", encoding="utf-8")
    summary = import_register(register, dataset)
    assert (
        2,
        "income",
        "income too large: '1e400' is more than the largest amount "
        "partnernet reads (£10,000,000,000,000)",
    ) in [(s.row, s.column, s.reason) for s in summary.skipped]
