"""The 360Giving importer: the real Trafford file, and hand-made files for every rule."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import REAL_DATA, TEST_DATA

from partnernet.cli import cli
from partnernet.errors import InputError, OutputError, ValidationError
from partnernet.io import rows
from partnernet.io.importers.threesixty import (
    import_360giving,
    org_type_from_id,
    read_360giving,
)
from partnernet.io.merge import read_aliases
from partnernet.io.parse import ORG_ID_FIXES, is_bad_id
from partnernet.io.read import read_dataset
from partnernet.io.staging import MANIFEST_NAME

DATA = TEST_DATA / "threesixty"
TRAFFORD = REAL_DATA / "trafford_council_voluntary_sector_grants.csv"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output + (f"\n{crash!r}" if crash else "")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` by name, with its bytes (empty when no folder); the
    run manifest by its list of files, since its run id and time change each run."""
    if not folder.exists():
        return {}
    return {p.name: _content(p) for p in sorted(folder.iterdir())}


def _content(path: Path) -> bytes:
    if path.name != MANIFEST_NAME:
        return path.read_bytes()
    return json.dumps(json.loads(path.read_text(encoding="utf-8"))["files"]).encode()


# ----------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def trafford_rows() -> list[dict[str, str]]:
    if not TRAFFORD.exists():
        pytest.fail(f"the real test file {TRAFFORD} is missing")
    with open(TRAFFORD, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def trafford_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("trafford") / "dataset"
    code, output = run("import-360giving", TRAFFORD, "--out", out)
    assert code == 0, output
    return out, output


def test_trafford_counts_and_total(trafford_rows, trafford_dir):
    out, output = trafford_dir
    # Worked out from the file itself, with the csv module, not from the importer.
    grant_ids = {r["Identifier"] for r in trafford_rows}
    recipients = {r["Recipient Org:Identifier"] for r in trafford_rows}
    funders = {r["Funding Org:Identifier"] for r in trafford_rows}
    departments = {r["Funding Org:Department"] for r in trafford_rows}
    total = sum(Decimal(r["Amount Awarded"]) for r in trafford_rows)
    assert len(grant_ids) == len(trafford_rows)
    assert len(trafford_rows) == 555 and len(recipients) == 323 and funders == {"GB-LAE-TRF"}

    with open(out / "funding.csv", encoding="utf-8", newline="") as handle:
        funding = list(csv.DictReader(handle))
    with open(out / "organisations.csv", encoding="utf-8", newline="") as handle:
        organisations = list(csv.DictReader(handle))
    assert {f["id"] for f in funding} == grant_ids
    assert len(funding) == len(trafford_rows)
    assert sum(Decimal(f["amount"]) for f in funding) == total
    assert len(organisations) == len(recipients) + len(funders) + len(departments)
    assert {o["id"] for o in organisations} >= recipients | funders

    assert f"Imported {len(trafford_rows)} grants worth £{total:,.2f}" in output
    added = f"added {len(organisations)} organisations (of which {len(departments)} departments)"
    assert added in output
    assert "left out" not in output


def test_trafford_identifier_rules_and_suggested_aliases(trafford_rows, trafford_dir):
    """Trafford publishes its ids whole: no identifier rule changes one of them."""
    out, output = trafford_dir
    ds, summary = read_360giving([TRAFFORD])
    assert (summary.grants_imported, summary.pounds) == (555, Decimal("1291436.54"))
    assert summary.skipped == [] and summary.left_out == 0
    assert {fix: summary.id_fix_counts().get(fix, 0) for fix in ORG_ID_FIXES} == {
        "invisible character removed": 0,
        "accents composed (Unicode NFC)": 0,
        "company number zero-padded to eight characters": 0,
        "registry prefix repeated in the number removed": 0,
        "Scottish charity number written with its SC": 0,
        "bare prefix completed from the charity number": 0,
        "bare prefix completed from the company number": 0,
    }
    published = {r["Recipient Org:Identifier"] for r in trafford_rows}
    assert set(ds.funding["recipient_id"]) == published
    # One name under two company numbers: suggested for a person to check, not merged.
    assert summary.suggested_aliases == [
        ("GB-COH-07363900", "GB-COH-06447020", "same name as GB-COH-06447020: 'Footlights'")
    ]
    assert read_aliases(out / "suggested-aliases.csv") == {"GB-COH-07363900": "GB-COH-06447020"}
    assert "1 identifier may name the same organisation as another (not merged)" in output


def test_trafford_departments_and_types(trafford_rows, trafford_dir):
    out, _ = trafford_dir
    ds = read_dataset(out)
    orgs = ds.organisations.set_index("id")
    assert orgs.loc["GB-LAE-TRF", "type"] == "local_authority"
    depts = orgs[orgs["type"] == "department"]
    assert sorted(depts["name"]) == sorted({r["Funding Org:Department"] for r in trafford_rows})
    assert set(depts["parent_id"]) == {"GB-LAE-TRF"}
    # Each grant is funded by its own department, which is part of the council.
    dept_by_name = dict(zip(depts["name"], depts.index, strict=True))
    expected = {r["Identifier"]: dept_by_name[r["Funding Org:Department"]] for r in trafford_rows}
    assert dict(zip(ds.funding["id"], ds.funding["funder_id"], strict=True)) == expected
    # Registered charities, and companies with a charity number, are VCSE; so are
    # CICs, CIOs and friends' groups by name (tested below, by rule).
    charities = {
        r["Recipient Org:Identifier"]
        for r in trafford_rows
        if r["Recipient Org:Identifier"].startswith("GB-CHC-") or r["Recipient Org:Charity Number"]
    }
    assert charities < set(orgs.index[orgs["type"] == "vcse"])
    assert ds.funding["duration_months"].eq(12).all()
    assert set(ds.funding["programme"]) == {r["Grant Programme:Title"] for r in trafford_rows}


def test_trafford_reimport_changes_nothing(trafford_dir, tmp_path):
    out, _ = trafford_dir
    copy = tmp_path / "again"
    shutil.copytree(out, copy)
    before = snapshot(copy)
    code, output = run("import-360giving", TRAFFORD, "--out", copy)
    assert code == 0, output
    assert "555 grants already in the dataset were left as they were" in output
    assert snapshot(copy) == before


def test_analyse_runs_on_the_imported_trafford_data(trafford_dir, tmp_path):
    out, _ = trafford_dir
    results = tmp_path / "analysis"
    results.mkdir()
    code, output = run("analyse", out, "--out", results, "--permutations", "200", "--quiet")
    assert code == 0, output
    with open(results / "metrics.csv", encoding="utf-8", newline="") as handle:
        metrics = list(csv.DictReader(handle))
    with open(out / "organisations.csv", encoding="utf-8", newline="") as handle:
        organisations = list(csv.DictReader(handle))
    assert len(metrics) == len(organisations)


# ----------------------------------------------------- every rule, CSV and JSON alike


@pytest.fixture(params=["grants.csv", "grants.json"])
def rules(request: pytest.FixtureRequest):
    return request.param, *read_360giving([DATA / request.param])


def test_grants_kept(rules):
    _, ds, summary = rules
    funding = ds.funding.set_index("id")
    assert list(funding.index) == ["G-1", "G-2", "G-3", "G-4", "G-5", "G-14"]
    assert funding["amount"].tolist() == [1000.0, 1500.5, 2500.0, 800.0, 300.0, 5000.0]
    assert summary.grants_imported == 6
    assert summary.pounds == Decimal("11100.50")
    assert summary.rows_read == 18
    assert set(funding["kind"]) == {"grant"}
    # An ISO date-time is the date as written; durations only when whole months.
    assert funding.loc["G-2", "award_date"] == pd.Timestamp("2023-05-01")
    assert pd.isna(funding.loc["G-2", "duration_months"])
    assert funding.loc["G-14", "duration_months"] == 36
    assert funding.loc["G-3", "programme"] == "Community Fund"


def test_types_from_identifiers(rules):
    _, ds, summary = rules
    types = dict(zip(ds.organisations["id"], ds.organisations["type"], strict=True))
    assert types == {
        "GB-LAE-AAA": "local_authority",
        "GB-CHC-1000001": "vcse",
        "GB-COH-01234567": "vcse",  # a company, but it gave a charity number
        "360G-aville-gamma": "other",
        "GB-CHC-2000002": "vcse",
        "360G-epsilon": "funder",  # an unclear id that only ever funds
        "GB-GOV-1": "central_government",
        "GB-NHS-RAX": "nhs",
        "GB-LAE-AAA:adult-services": "department",
        "GB-LAE-AAA:children-s-services": "department",
        "GB-GOV-1:public-health": "department",
    }
    assert summary.inferred_other == [("360G-aville-gamma", "Gamma Group")]
    assert summary.inferred_funder == [("360G-epsilon", "Epsilon Fund")]


def test_departments_fund_the_grants_and_belong_to_the_funder(rules):
    _, ds, summary = rules
    orgs = ds.organisations.set_index("id")
    funders = dict(zip(ds.funding["id"], ds.funding["funder_id"], strict=True))
    assert funders["G-1"] == funders["G-3"] == "GB-LAE-AAA:adult-services"
    assert funders["G-2"] == "GB-LAE-AAA:children-s-services"
    assert orgs.loc["GB-LAE-AAA:adult-services", "parent_id"] == "GB-LAE-AAA"
    assert orgs.loc["GB-LAE-AAA:children-s-services", "name"] == "Children's Services"
    assert orgs.loc["GB-GOV-1:public-health", "parent_id"] == "GB-GOV-1"
    # A charity is no public body: its "Grants Team" is not made a department.
    assert funders["G-4"] == "GB-CHC-2000002"
    assert summary.departments_ignored == {"GB-CHC-2000002": 1}
    assert summary.departments_added == 3


def test_regranting_keeps_one_organisation(rules):
    _, ds, _ = rules
    funding = ds.funding
    assert (funding["recipient_id"] == "GB-CHC-2000002").sum() == 1
    assert (funding["funder_id"] == "GB-CHC-2000002").sum() == 1
    assert (ds.organisations["id"] == "GB-CHC-2000002").sum() == 1
    # Names: the first one seen wins.
    names = dict(zip(ds.organisations["id"], ds.organisations["name"], strict=True))
    assert names["GB-CHC-1000001"] == "Alpha Trust"


def test_individuals_counted_and_left_out(rules):
    _, ds, summary = rules
    assert summary.individual_grants == 2
    assert "G-6" not in set(ds.funding["id"]) and "G-15" not in set(ds.funding["id"])
    assert not ds.organisations["id"].str.contains("IND").any()


def test_duplicates_kept_once(rules):
    name, ds, summary = rules
    assert summary.duplicates == 2
    assert ds.funding.loc[ds.funding["id"] == "G-3", "amount"].tolist() == [2500.0]
    (conflict,) = summary.conflicting_duplicates
    assert conflict.grant_id == "G-3"
    assert conflict.row == (16 if name.endswith(".csv") else 15)


CSV_SKIPS = [
    (8, "Recipient Org:Identifier", "no recipient organisation"),
    (9, "Recipient Org:Identifier", "placeholder identifier"),
    (10, "Recipient Org:Identifier", "placeholder identifier"),
    (11, "Amount Awarded", "amount not a number"),
    (12, "Amount Awarded", "amount not above zero"),
    (13, "Amount Awarded", "amount not above zero"),
    (14, "Award Date", "unknown date format"),
    (19, "Amount Awarded", "amount not a number"),
]
JSON_SKIPS = [
    (7, "recipientOrganization/0/id", "no recipient organisation"),
    (8, "recipientOrganization/0/id", "placeholder identifier"),
    (9, "recipientOrganization/0/id", "placeholder identifier"),
    (10, "amountAwarded", "amount not a number"),
    (11, "amountAwarded", "amount not above zero"),
    (12, "amountAwarded", "amount not above zero"),
    (13, "awardDate", "unknown date format"),
    (18, "amountAwarded", "amount not a number"),
]


def test_unusable_rows_listed_with_file_and_row(rules):
    name, ds, summary = rules
    expected = CSV_SKIPS if name.endswith(".csv") else JSON_SKIPS
    got = [(s.row, s.column, s.reason.split(":")[0]) for s in summary.skipped]
    assert got == expected
    assert all(s.path == str(DATA / name) for s in summary.skipped)
    unit = "row" if name.endswith(".csv") else "grant"
    assert str(summary.skipped[0]).startswith(f"{DATA / name}, {unit} {expected[0][0]}, column")
    kept = set(ds.funding["id"])
    assert not kept & {"G-7", "G-8", "G-9", "G-10", "G-11", "G-12", "G-13", "G-16"}
    assert "DUMMY" not in set(ds.organisations["id"])


def test_edge_cases_left_out_or_kept():
    ds, summary = read_360giving([DATA / "edge_cases.csv"])
    got = [(s.row, s.column, s.reason.split(":")[0]) for s in summary.skipped]
    assert got == [
        (3, "Identifier", "no grant identifier"),
        (4, "Funding Org:Identifier", "placeholder identifier"),
        (5, "Recipient Org:Identifier", "placeholder identifier"),
        (7, "Currency", "currency not a three-letter code"),
        (8, "Recipient Org:Identifier", "recipient is the funder"),
        (9, "Award Date", "date out of range"),
        (10, "Award Date", "no award date"),
        (11, "Amount Awarded", "no amount"),
        (13, "Funding Org:Identifier", "no funding organisation"),
    ]
    funding = ds.funding.set_index("id")
    # An empty currency is pounds, as in the dataset contract; others are kept apart.
    assert funding["currency"].to_dict() == {"E-1": "GBP", "E-5": "GBP", "E-11": "EUR"}
    # E-5's recipient id held a zero-width space: removed, the grant is Alpha Trust's.
    assert funding.loc["E-5", "recipient_id"] == "GB-CHC-1000001"
    assert summary.pounds == Decimal("200")
    assert summary.other_currencies == {"EUR": Decimal("250.75")}
    # An organisation published without a name is named by its identifier, and said so.
    names = dict(zip(ds.organisations["id"], ds.organisations["name"], strict=True))
    assert names["GB-CHC-3000003"] == "GB-CHC-3000003"
    assert summary.names_missing == ["GB-CHC-3000003"]


def test_a_control_character_in_an_id_is_removed_and_reported(tmp_path):
    """The reader rejects control characters in ids; the import removes them.

    Before the importer shared the reader's rule, this grant was kept with the
    character, and the whole import failed (exit 3) naming a row of an
    organisations.csv never written; then it was left out. Now the id is made whole.
    """
    path = DATA / "control_character_id.csv"
    out = tmp_path / "out"
    code, output = run("import-360giving", path, "--out", out)
    assert code == 0, output
    assert (
        "Identifiers made whole: 1 invisible character removed "
        "(e.g. 'GB-CHC-100<U+0007>0002' -> 'GB-CHC-1000002')."
    ) in output
    ds = read_dataset(out)
    assert ds.funding["id"].tolist() == ["C-1", "C-2", "C-3"]
    assert "GB-CHC-1000002" in set(ds.organisations["id"])


def test_every_id_the_reader_rejects_is_made_whole_by_the_import(tmp_path):
    bad = [chr(c) for c in [*range(0x3001), 0xFEFF] if is_bad_id(f"A{chr(c)}B")]
    assert "\x01" in bad and "\x7f" in bad and "\u200b" in bad
    path = tmp_path / "grants.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Identifier",
                "Amount Awarded",
                "Award Date",
                "Recipient Org:Identifier",
                "Funding Org:Identifier",
            ]
        )
        writer.writerow(["G-0", "100", "2024-01-01", "GB-CHC-12", "GB-LAE-AAA"])
        for i, ch in enumerate(bad, start=1):
            writer.writerow([f"G-{i}", "100", "2024-01-01", f"GB-CHC-1{ch}2", "GB-LAE-AAA"])
    ds, summary = read_360giving([path])
    assert summary.skipped == []
    assert summary.id_fix_counts() == {"invisible character removed": len(bad)}
    assert set(ds.funding["recipient_id"]) == {"GB-CHC-12"}
    assert len(ds.funding) == len(bad) + 1


def test_csv_and_json_give_the_same_dataset():
    from_csv, _ = read_360giving([DATA / "grants.csv"])
    from_json, _ = read_360giving([DATA / "grants.json"])
    assert from_csv.equals(from_json)


def test_date_format_accepts_another_format():
    ds, summary = read_360giving([DATA / "grants.csv"], date_format="%d/%m/%Y")
    funding = ds.funding.set_index("id")
    assert funding.loc["G-13", "award_date"] == pd.Timestamp("2023-12-31")
    assert funding.loc["G-1", "award_date"] == pd.Timestamp("2023-04-01")  # ISO still read
    assert "unknown date format" not in [s.reason.split(":")[0] for s in summary.skipped]


def test_same_grant_in_two_files_is_one_grant():
    ds, summary = read_360giving([DATA / "grants.csv", DATA / "grants.json"])
    assert summary.grants_imported == 6
    assert len(ds.funding) == 6
    # 2 repeats inside each file, and the 6 usable grants of the JSON file again.
    assert summary.duplicates == 2 + 2 + 6
    assert [c.path for c in summary.conflicting_duplicates] == [
        str(DATA / "grants.csv"),
        str(DATA / "grants.json"),
    ]


def test_bom_windows_line_endings_and_extra_columns():
    path = DATA / "bom_crlf_extra_columns.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the file is what it claims
    ds, summary = read_360giving([path])
    funding = ds.funding.set_index("id")
    assert list(funding.index) == ["W-1", "W-2"]
    assert funding["amount"].tolist() == [1200.0, 1300.25]
    assert funding["currency"].tolist() == ["GBP", "GBP"]
    # The quoted line break inside a description does not shift the row numbers.
    (bad,) = summary.skipped
    assert (bad.row, bad.column, bad.grant_id) == (4, "Amount Awarded", "W-3")


# ------------------------------------------------------------------------ aliases


def test_aliases_join_two_identifiers():
    aliases = read_aliases(DATA / "aliases.csv")
    assert aliases == {"E06000099": "GB-LAE-AAA", "GB-COH-01234567": "GB-CHC-1000002"}
    ds, _ = read_360giving([DATA / "grants.csv", DATA / "aliased.csv"], aliases=aliases)
    ids = set(ds.organisations["id"])
    assert "E06000099" not in ids and "GB-COH-01234567" not in ids
    funding = ds.funding.set_index("id")
    # The aliased council's department is the same department as before.
    assert funding.loc["K-1", "funder_id"] == "GB-LAE-AAA:adult-services"
    assert funding.loc["K-2", "funder_id"] == "GB-LAE-AAA"
    assert funding.loc["G-2", "recipient_id"] == "GB-CHC-1000002"
    orgs = ds.organisations.set_index("id")
    assert orgs.loc["GB-CHC-1000002", "name"] == "Beta CIC"
    assert orgs.loc["GB-CHC-1000002", "type"] == "vcse"
    assert (ds.organisations["type"] == "local_authority").sum() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("aliases_loop.csv", "the aliases form a loop (A-1 -> A-2 -> A-3 -> A-1)"),
        ("aliases_two_targets.csv", "row 3, column 'alias': 'E06000099' is already an alias"),
        ("aliases_no_id_column.csv", "has no column 'id'"),
    ],
)
def test_bad_aliases_file(name, message, tmp_path):
    out = tmp_path / "out"
    code, output = run(
        "import-360giving", DATA / "grants.csv", "--out", out, "--aliases", DATA / name
    )
    assert code == 3
    assert f"Error: {DATA / name}" in output and message in output
    assert not out.exists()


# ------------------------------------------------------------------ merging


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    folder = tmp_path / "existing"
    shutil.copytree(DATA / "existing", folder)
    return folder


def test_merge_keeps_existing_rows(existing):
    boards_before = (existing / "boards.csv").read_bytes()
    memberships_before = (existing / "memberships.csv").read_bytes()
    summary = import_360giving([DATA / "grants.csv"], existing)
    ds = read_dataset(existing)
    orgs = ds.organisations.set_index("id")
    # Existing organisation rows win: name, type, band, locality and tags kept.
    assert orgs.loc["GB-LAE-AAA", "name"] == "Aville Council (our name)"
    assert orgs.loc["360G-aville-gamma", ["type", "size_band", "locality", "tags"]].tolist() == [
        "vcse",
        "micro",
        "Northside",
        "youth",
    ]
    assert orgs.loc["GB-CHC-2000002", "type"] == "funder"
    # The existing department with the same name is reused, not duplicated.
    funding = ds.funding.set_index("id")
    assert funding.loc["G-1", "funder_id"] == "AAA-ADULTS"
    assert not orgs.index.str.startswith("GB-LAE-AAA:adult").any()
    # An existing grant wins over the imported one with the same id.
    assert funding.loc["G-2", "amount"] == 99.0
    assert summary.already_in_dataset == 1
    assert sorted(funding.index) == sorted(["G-1", "G-2", "G-3", "G-4", "G-5", "G-14"])
    new = {"GB-CHC-1000001", "360G-epsilon", "GB-GOV-1", "GB-NHS-RAX", "GB-GOV-1:public-health"}
    kept = {"GB-LAE-AAA", "AAA-ADULTS", "360G-aville-gamma", "GB-CHC-2000002"}
    assert set(orgs.index) == kept | new
    assert summary.organisations_added == len(new)
    # Tables the import does not produce are left byte for byte.
    assert (existing / "boards.csv").read_bytes() == boards_before
    assert (existing / "memberships.csv").read_bytes() == memberships_before


def test_alias_of_an_existing_organisation_is_refused(existing):
    before = snapshot(existing)
    aliases = existing.parent / "aliases.csv"
    aliases.write_text("alias,id\nAAA-ADULTS,GB-LAE-AAA\n", encoding="utf-8")
    code, output = run(
        "import-360giving", DATA / "grants.csv", "--out", existing, "--aliases", aliases
    )
    assert code == 3
    assert "'AAA-ADULTS', which the dataset already holds" in output
    assert snapshot(existing) == before


def test_invalid_existing_dataset_stops_the_import(existing):
    with open(existing / "funding.csv", "a", encoding="utf-8") as handle:
        handle.write("X-1,NOBODY,GB-LAE-AAA,10,2022-01-01,GBP,,grant,,\n")
    before = snapshot(existing)
    with pytest.raises(ValidationError, match=r"'NOBODY' is not in organisations\.csv"):
        import_360giving([DATA / "grants.csv"], existing)
    assert snapshot(existing) == before


# ----------------------------------------------------------- files that cannot be used


def _latin1(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.csv"
    text = (DATA / "aliased.csv").read_text(encoding="utf-8").replace("Alpha", "Café")
    path.write_bytes(text.encode("latin-1"))
    return path


def _workbook(tmp_path: Path) -> Path:
    path = tmp_path / "grants.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    return path


BAD_FILES = [
    (
        lambda tmp: DATA / "missing_columns.csv",
        "has no 360Giving column 'Amount Awarded'",
        "rename the columns",
    ),
    (lambda tmp: DATA / "not_grants.json", 'has no "grants" list', '{"grants": [...]}'),
    (lambda tmp: DATA / "truncated.json", "is not valid 360Giving JSON", "complete JSON"),
    (_workbook, "is a spreadsheet workbook", "save the grants sheet as 'CSV UTF-8'"),
    (_latin1, "is not utf-8 text (row 3)", "--encoding"),
    (lambda tmp: tmp / "nowhere.csv", "nowhere.csv does not exist.", "Check the file name"),
]


@pytest.mark.parametrize(("make", "message", "hint"), BAD_FILES)
def test_unreadable_file_exits_3_and_writes_nothing(make, message, hint, tmp_path):
    path = make(tmp_path)
    out = tmp_path / "out"
    code, output = run("import-360giving", path, "--out", out)
    assert code == 3, output
    assert f"Error: {path}" in output or f"Error: cannot read {path}" in output
    assert message in output and hint in output
    assert not out.exists()


@pytest.mark.parametrize(("make", "message", "hint"), BAD_FILES)
def test_one_bad_file_fails_the_whole_import(make, message, hint, existing):
    before = snapshot(existing)
    path = make(existing.parent)
    code, output = run("import-360giving", DATA / "grants.csv", path, "--out", existing)
    assert code == 3, output
    assert message in output
    assert snapshot(existing) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "all_unusable.csv",
            "none of its 2 grants could be used: 1 amount not a number; 1 placeholder identifier.",
        ),
        ("individuals_only.csv", "none of its 1 grant could be used: 1 to individuals."),
    ],
)
def test_file_with_no_usable_grant_exits_3(name, message, tmp_path):
    out = tmp_path / "out"
    code, output = run("import-360giving", DATA / name, "--out", out)
    assert code == 3, output
    assert (
        f"Error: no grant to an organisation could be imported from {DATA / name}: this "
        f"file gives no grant.\n{DATA / name}: {message}"
    ) in output
    assert "nothing was written" in output
    assert not out.exists()


def test_encoding_option_reads_other_encodings(tmp_path):
    ds, _ = read_360giving([_latin1(tmp_path)], encoding="latin-1")
    assert "Café Trust" in set(ds.organisations["name"])


def test_out_that_is_a_file(tmp_path):
    out = tmp_path / "taken"
    out.write_text("not a folder", encoding="utf-8")
    code, output = run("import-360giving", DATA / "grants.csv", "--out", out)
    assert code == 2  # click refuses a file for a folder option: a usage error
    assert "is a file" in output
    with pytest.raises(OutputError, match="is a file, not a dataset folder"):
        import_360giving([DATA / "grants.csv"], out)
    assert out.read_text(encoding="utf-8") == "not a folder"


def test_unknown_encoding_is_an_input_error():
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        read_360giving([DATA / "grants.csv"], encoding="klingon")


# ---------------------------------------------------------------- the command line


def test_cli_date_format_applies_to_new_grants_not_to_an_earlier_import(tmp_path):
    # The first import writes ISO dates; the second needs --date-format for its
    # own file (row 14 reads 31/12/2023) and must still read the folder back.
    out = tmp_path / "out"
    code, output = run("import-360giving", DATA / "grants.csv", "--out", out)
    assert code == 0, output
    assert "unknown date format" in output
    code, output = run(
        "import-360giving", DATA / "grants.csv", "--out", out, "--date-format", "%d/%m/%Y"
    )
    assert code == 0, output
    assert "unknown date format" not in output
    funding = pd.read_csv(out / "funding.csv", dtype=str)
    assert funding["award_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert len(funding) == 7  # the 6 grants of the first import, plus row 14's


def test_cli_summary_and_skipped_report(tmp_path):
    out = tmp_path / "out"
    skipped = tmp_path / "skipped.csv"
    code, output = run("import-360giving", DATA / "grants.csv", "--out", out, "--skipped", skipped)
    assert code == 0, output
    assert "Imported 6 grants worth £11,100.50; added 11 organisations" in output
    assert "2 grants to individuals left out" in output
    assert "8 grants left out as unusable: 2 amount not a number; 2 amount not above zero" in output
    assert f"{DATA / 'grants.csv'}, row 14, column 'Award Date': unknown date format" in output
    with open(skipped, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["row"]) for r in rows] == [row for row, _, _ in CSV_SKIPS] + [16]
    # A cell that would run as a spreadsheet formula is neutralised.
    formula = next(r for r in rows if r["grant_id"] == "G-16")
    assert formula["value"] == "'=1+2"
    assert read_dataset(out).funding.shape[0] == 6


def test_cli_quiet_prints_only_what_was_left_out(tmp_path):
    result = CliRunner().invoke(
        cli, ["import-360giving", str(DATA / "grants.csv"), "--out", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 0
    # No progress and no notes, but never silence about grants and pounds left out.
    assert result.output == (
        "Left out 10 of 18 grants worth £2,250.00 (8 unusable, 2 to individuals).\n"
    )


def test_cli_quiet_prints_nothing_when_nothing_is_left_out(tmp_path):
    result = CliRunner().invoke(
        cli, ["import-360giving", str(TRAFFORD), "--out", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 0
    assert result.output == ""


# ------------------------------------------------------------------ streaming


def test_progress_reports_every_byte():
    seen: list[int] = []
    files = [DATA / "grants.csv", DATA / "grants.json"]
    read_360giving(files, progress=seen.append)
    assert sum(seen) == sum(p.stat().st_size for p in files)


def test_json_is_parsed_across_chunk_boundaries(monkeypatch):
    whole, _ = read_360giving([DATA / "grants.json"])
    # Seven characters at a time cuts every key, string and number somewhere.
    monkeypatch.setattr(rows, "_JSON_CHUNK", 7)
    chunked, summary = read_360giving([DATA / "grants.json"])
    assert chunked.equals(whole)
    assert summary.rows_read == 18


def test_json_grants_key_anywhere_and_numbers_at_chunk_ends(tmp_path, monkeypatch):
    doc = {"version": 12345, "grants": [], "more": [1.25, 2]}
    doc["grants"] = json.loads((DATA / "grants.json").read_text(encoding="utf-8"))["grants"][:1]
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    for size in (1, 2, 3, 5, 11):
        monkeypatch.setattr(rows, "_JSON_CHUNK", size)
        ds, _ = read_360giving([path])
        assert ds.funding["id"].tolist() == ["G-1"]


# ------------------------------------------------------------------ identifiers


@pytest.mark.parametrize(
    ("org_id", "expected"),
    [
        ("GB-CHC-1146179", "vcse"),
        ("GB-SC-SC012345", "vcse"),
        ("GB-NIC-100002", "vcse"),
        ("GB-LAE-TRF", "local_authority"),
        ("GB-LAS-ABE", "local_authority"),
        ("GB-PLA-W06000015", "local_authority"),
        ("GB-NHS-RAX", "nhs"),
        ("GB-GOR-D1198", "central_government"),
        ("GB-GOV-1", "central_government"),
        ("GB-UKPRN-10007774", "education"),
        ("gb-chc-1146179", "vcse"),
        ("GB-COH-07962245", None),
        ("360G-trafford-be_active", None),
        ("GB-CHC", None),
    ],
)
def test_org_type_from_id(org_id, expected):
    assert org_type_from_id(org_id) == expected


# ------------------------------------------- every layout, and nothing lost in silence


def test_flat_json_with_the_early_key_names():
    """Early flat JSON files ({"grants": [{"RecipientOrgIdentifier": ...}]}) import.

    Before, every grant of such a file was left out as 'no recipient organisation'.
    """
    path = DATA / "flat_early_keys.json"
    ds, summary = read_360giving([path])
    funding = ds.funding.set_index("id")
    assert funding["amount"].to_dict() == {"F-1": 1000.0, "F-2": 2500.5}
    assert funding["recipient_id"].to_dict() == {"F-1": "GB-CHC-1000001", "F-2": "GB-COH-01234567"}
    assert set(funding["funder_id"]) == {"GB-CHC-2000002"}
    assert funding.loc["F-1", "programme"] == "Small Grants"
    assert funding.loc["F-1", "duration_months"] == 12
    assert summary.pounds == Decimal("3500.50")
    # Left-out rows name the file's own key, or the early key the grant lacks.
    assert [str(r) for r in summary.skipped] == [
        f"{path}, grant 3, column 'amountAwarded': amount not a number: 'lots'",
        f"{path}, grant 4, column 'RecipientOrgIdentifier': no recipient organisation",
    ]
    names = dict(zip(ds.organisations["id"], ds.organisations["name"], strict=True))
    assert names["GB-COH-01234567"] == "Beta CIC"
    # A record's charity number is read under its early key too.
    types = dict(zip(ds.organisations["id"], ds.organisations["type"], strict=True))
    assert types["GB-CHC-1000001"] == "vcse"


def test_three_layouts_in_one_import(tmp_path):
    out = tmp_path / "out"
    files = [DATA / "grants.csv", DATA / "flat_early_keys.json", DATA / "ids_rules.json"]
    code, output = run("import-360giving", *files, "--out", out)
    assert code == 0, output
    assert "Read 30 grants from 3 files." in output
    assert "Imported 14 grants worth £16,901.00" in output
    assert len(read_dataset(out).funding) == 14


@pytest.mark.parametrize("quiet", [False, True])
def test_a_file_that_gives_nothing_fails_beside_good_ones(quiet, existing, tmp_path):
    """`import-360giving A B C` where B yields nothing exits 3 naming B, even under -q.

    Before, B's grants were dropped and the import exited 0 (printing nothing at all
    under -q), and --skipped was not written.
    """
    before = snapshot(existing)
    b = DATA / "all_unusable.csv"
    skipped = tmp_path / "skipped.csv"
    args = [DATA / "grants.csv", b, DATA / "flat_early_keys.json", "--out", existing]
    code, output = run("import-360giving", *args, "--skipped", skipped, *(["-q"] if quiet else []))
    assert code == 3, output
    assert (
        f"Error: no grant to an organisation could be imported from {b}: this file gives no "
        f"grant.\n{b}: none of its 2 grants could be used: 1 amount not a number; 1 "
        "placeholder identifier.\nThe other files gave 10 grants, but none was imported: a "
        "file that gives nothing is not left out in silence.\n"
        f"{b}, row 2, column 'Amount Awarded': amount not a number: 'ten pounds'\n"
        f"{b}, row 3, column 'Recipient Org:Identifier': placeholder identifier: 'DUMMY' "
        "names no real organisation\n"
    ) in output
    assert "nothing was written" in output
    assert snapshot(existing) == before
    # --skipped is written when the import fails: every file's left-out rows.
    with open(skipped, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [Path(r["file"]).name for r in rows].count("all_unusable.csv") == 2
    assert [Path(r["file"]).name for r in rows].count("grants.csv") == 9
    assert [Path(r["file"]).name for r in rows].count("flat_early_keys.json") == 2


def test_two_files_that_give_nothing_are_both_named(tmp_path):
    a, b = DATA / "all_unusable.csv", DATA / "individuals_only.csv"
    code, output = run("import-360giving", DATA / "grants.csv", a, b, "--out", tmp_path / "o")
    assert code == 3, output
    assert f"could be imported from {a}, {b}: these files give no grant." in output
    assert f"{b}: none of its 1 grant could be used: 1 to individuals." in output
    assert not (tmp_path / "o").exists()


def test_a_file_with_no_grants_fails(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text('{"grants": []}', encoding="utf-8")
    code, output = run("import-360giving", DATA / "grants.csv", path, "--out", tmp_path / "o")
    assert code == 3, output
    assert f"{path}: it holds no grants." in output


def test_reimporting_a_file_is_not_a_file_that_gives_nothing(existing):
    code, output = run("import-360giving", DATA / "grants.csv", "--out", existing)
    assert code == 0, output
    code, output = run("import-360giving", DATA / "grants.csv", "--out", existing)
    assert code == 0, output
    # The first time grants.csv gave 6 grants (and 2 repeats); now all 8 are there.
    assert "8 grants already in the dataset were left as they were." in output


def test_skipped_report_written_when_the_import_fails(tmp_path):
    skipped = tmp_path / "skipped.csv"
    path = DATA / "all_unusable.csv"
    code, _ = run("import-360giving", path, "--out", tmp_path / "o", "--skipped", skipped)
    assert code == 3
    with open(skipped, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["column"], r["value"]) for r in rows] == [
        ("2", "Amount Awarded", "ten pounds"),
        ("3", "Recipient Org:Identifier", "DUMMY"),
    ]


def test_left_out_pounds_counted_in_every_currency(tmp_path):
    _, summary = read_360giving([DATA / "grants.csv"])
    # G-7, G-8, G-9 (£400 each), G-13 (£700) unusable; G-6 (£200), G-15 (£150) to
    # individuals; amounts that are not a number or not above zero are worth nothing.
    assert summary.left_out_pounds == Decimal("2250")
    assert summary.left_out_line() == (
        "Left out 10 of 18 grants worth £2,250.00 (8 unusable, 2 to individuals)."
    )


# ------------------------------------------------------------- identifiers made whole


def _imported_ids(ds) -> set[str]:
    return set(ds.funding["recipient_id"]) | set(ds.funding["funder_id"])


def test_invisible_characters_inside_an_id_are_removed():
    ds, summary = read_360giving([DATA / "ids_invisible.csv"])
    assert summary.skipped == []
    assert _imported_ids(ds) == {"GB-CHC-295701", "GB-CHC-1000003", "GB-LAE-AAA"}
    assert summary.id_fixes == {
        "invisible character removed": {
            "GB-CHC-\u00a0295701": "GB-CHC-295701",
            "GB-LAE-AAA\u200b": "GB-LAE-AAA",
        }
    }
    assert (
        "Identifiers made whole: 2 invisible character removed "
        "(e.g. 'GB-CHC-<U+00A0>295701' -> 'GB-CHC-295701')."
    ) in summary.lines()


def test_company_numbers_zero_padded_to_eight_characters():
    ds, summary = read_360giving([DATA / "ids_company_padding.csv"])
    # GB-COH-7597525 and GB-COH-07597525 are one organisation; RS007220 is whole.
    assert _imported_ids(ds) == {
        "GB-COH-07597525",
        "GB-COH-SC012345",
        "GB-COH-RS007220",
        "GB-LAE-AAA",
    }
    assert summary.id_fix_counts() == {"company number zero-padded to eight characters": 2}
    assert len(ds.organisations) == 4


def test_registry_prefix_repeated_in_the_number_is_removed():
    ds, summary = read_360giving([DATA / "ids_prefix_repeated.csv"])
    assert _imported_ids(ds) == {"GB-NIC-101036", "GB-SC-SC012345", "GB-CHC-1000005", "GB-LAE-AAA"}
    assert summary.id_fix_counts() == {
        "registry prefix repeated in the number removed": 2,
        "Scottish charity number written with its SC": 1,
    }


def test_a_bare_prefix_is_completed_from_the_records_numbers():
    path = DATA / "ids_bare_prefix.csv"
    ds, summary = read_360giving([path])
    recipients = ds.funding.set_index("id")["recipient_id"].to_dict()
    assert recipients == {
        "B-1": "GB-CHC-276892",  # GB-COH- with only a charity number
        "B-2": "GB-COH-07597525",  # GB-CHC- with only a company number, padded
        "B-3": "GB-COH-01000013",  # GB-COH- with both: the company number
    }
    assert summary.id_fix_counts() == {
        "company number zero-padded to eight characters": 1,
        "bare prefix completed from the charity number": 1,
        "bare prefix completed from the company number": 2,
    }
    assert [str(r) for r in summary.skipped] == [
        f"{path}, row 5, column 'Recipient Org:Identifier': placeholder identifier: "
        "'GB-COH-' is a prefix with no number, and the record gives no charity or company "
        "number to complete it",
        f"{path}, row 6, column 'Recipient Org:Identifier': placeholder identifier: "
        "'GB-CHC' is a prefix with no number, and the record gives no charity or company "
        "number to complete it",
    ]


def test_placeholders_recognised_precisely():
    path = DATA / "ids_placeholders.csv"
    ds, summary = read_360giving([path])
    # An id merely ending in '-' after its local part is a real id.
    assert ds.funding["recipient_id"].tolist() == [
        "360G-esmeefairbairn-org:food-climate-research-network-"
    ]
    assert [(r.row, r.value) for r in summary.skipped] == [
        (2, "DUMMY01"),
        (3, "DUMMY36"),
        (4, "360G-aville-dummy_7"),
        (6, "360G-aville-"),
    ]
    assert summary.skipped_by_reason() == {"placeholder identifier": 4}
    assert str(summary.skipped[0]) == (
        f"{path}, row 2, column 'Recipient Org:Identifier': placeholder identifier: "
        "'DUMMY01' names no real organisation"
    )


def test_values_that_cannot_be_identifiers_leave_the_row_out(tmp_path):
    path = DATA / "ids_not_identifiers.csv"
    out = tmp_path / "out"
    code, output = run("import-360giving", path, "--out", out)
    assert code == 0, output
    assert (
        "5 grants left out as unusable: 5 not an identifier.\n"
        f"  {path}, row 2, column 'Funding Org:Identifier': not an identifier: 'LSOA' has "
        "no registry prefix and no number (a word or a place name: are the columns "
        "shifted?)\n"
        f"  {path}, row 3, column 'Funding Org:Identifier': not an identifier: 'Blackbird "
        "Leys' has no registry prefix and no number (a word or a place name: are the "
        "columns shifted?)\n"
        f"  {path}, row 4, column 'Recipient Org:Identifier': not an identifier: "
        "'https://example.org/pi' is a web address\n"
        f"  {path}, row 5, column 'Recipient Org:Identifier': not an identifier: 'A "
        "community group in the north' is a sentence\n"
        f"  {path}, row 6, column 'Recipient Org:Identifier': not an identifier: "
        "'GB-CHC-Blackbird Leys' has no number after GB-CHC-\n"
    ) in output
    ds = read_dataset(out)
    assert set(ds.organisations["id"]) == {"GB-CHC-1000001", "GB-LAE-AAA"}


def test_json_identifiers_follow_the_same_rules():
    path = DATA / "ids_rules.json"
    ds, summary = read_360giving([path])
    assert ds.funding.set_index("id")["recipient_id"].to_dict() == {
        "J-1": "GB-CHC-295701",
        "J-2": "GB-COH-07597525",
        "J-3": "GB-COH-07597525",
        "J-4": "GB-NIC-101036",
        "J-5": "GB-CHC-276892",
        "J-8": "360G-esmeefairbairn-org:food-climate-research-network-",
    }
    assert summary.id_fix_counts() == {
        "invisible character removed": 1,
        "company number zero-padded to eight characters": 1,
        "registry prefix repeated in the number removed": 1,
        "bare prefix completed from the charity number": 1,
    }
    assert [str(r) for r in summary.skipped] == [
        f"{path}, grant 6, column 'recipientOrganization/0/id': placeholder identifier: "
        "'DUMMY01' names no real organisation",
        f"{path}, grant 7, column 'fundingOrganization/0/id': not an identifier: 'LSOA' has "
        "no registry prefix and no number (a word or a place name: are the columns shifted?)",
    ]


# ------------------------------------------ one organisation under two ids: suggested


def test_likely_duplicates_are_suggested_never_merged(tmp_path):
    out = tmp_path / "out"
    code, output = run("import-360giving", DATA / "duplicates.csv", "--out", out)
    assert code == 0, output
    suggested = out / "suggested-aliases.csv"
    assert (
        f"3 identifiers may name the same organisation as another (not merged): check "
        f"{suggested} and import again into a new folder with --aliases {suggested} to join "
        "them.\n"
        "  GB-COH-05555555 -> GB-CHC-1000002: grants to GB-COH-05555555 give its number as "
        "GB-CHC-1000002\n"
        "  360G-aville-age-uk -> GB-CHC-1098765: same name as GB-CHC-1098765: 'The Age UK "
        "Trafford'\n"
        "  GB-COH-04321098 -> GB-CHC-1098765: same name as GB-CHC-1098765: 'Age UK Trafford'\n"
    ) in output
    # Nothing was merged: seven organisations, as published.
    assert len(read_dataset(out).organisations) == 7
    with open(suggested, encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == ["alias", "id", "reason"]
    # The file is ready to pass back with --aliases.
    assert read_aliases(suggested) == {
        "GB-COH-05555555": "GB-CHC-1000002",
        "360G-aville-age-uk": "GB-CHC-1098765",
        "GB-COH-04321098": "GB-CHC-1098765",
    }
    again = tmp_path / "again"
    code, output = run(
        "import-360giving", DATA / "duplicates.csv", "--out", again, "--aliases", suggested
    )
    assert code == 0, output
    ds = read_dataset(again)
    assert set(ds.organisations["id"]) == {
        "GB-CHC-1000002",
        "GB-CHC-1098765",
        "GB-CHC-1000006",
        "GB-LAE-AAA",
    }
    assert "may name the same organisation" not in output
    assert not (again / "suggested-aliases.csv").exists()


def test_no_suggestions_no_aliases_file(tmp_path):
    out = tmp_path / "out"
    code, output = run("import-360giving", DATA / "ids_invisible.csv", "--out", out)
    assert code == 0, output
    assert not (out / "suggested-aliases.csv").exists()


# ------------------------------------------------- one bad cell never stops an import


JSON_SHAPE = rows.JsonList("grants", "grant", "360Giving", "a test file")


def _grant(number: int, **fields: object) -> dict[str, object]:
    grant: dict[str, object] = {
        "id": f"G{number}",
        "amountAwarded": 500,
        "awardDate": "2024-01-01",
        "recipientOrganization": [{"id": "GB-CHC-1", "name": "Alpha"}],
        "fundingOrganization": [{"id": "GB-CHC-2", "name": "Fund"}],
    }
    grant.update(fields)
    return grant


def _import_json(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    source = tmp_path / "grants.json"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, output = run("import-360giving", str(source), "--out", str(out))
    return code, output, out


def _one_good_one_bad(tmp_path: Path, bad: str) -> tuple[int, str, Path]:
    good = json.dumps(_grant(1))
    return _import_json(tmp_path, '{"grants": [' + good + "," + bad + "]}")


@pytest.mark.parametrize(
    ("bad", "line"),
    [
        (
            json.dumps(_grant(2)).replace('"amountAwarded": 500', '"amountAwarded": 1e1000000'),
            "grants.json, grant 2, column 'amountAwarded': amount too large: '1E+1000000' is "
            "more than the largest amount partnernet reads (£10,000,000,000,000)",
        ),
        (
            json.dumps(_grant(2)).replace('"amountAwarded": 500', '"amountAwarded": 1e400'),
            "grants.json, grant 2, column 'amountAwarded': amount too large: '1E+400' is more "
            "than the largest amount partnernet reads (£10,000,000,000,000)",
        ),
        (
            json.dumps(_grant(2)).replace('"amountAwarded": 500', '"amountAwarded": ' + "7" * 4301),
            "grants.json, grant 2, column 'amountAwarded': amount too large: '" + "7" * 80 + "...' "
            "is more than the largest amount partnernet reads (£10,000,000,000,000)",
        ),
        (
            json.dumps(_grant(2, id="G\x012")),
            "grants.json, grant 2, column 'id': grant identifier not usable: 'G<U+0001>2' "
            "contains an invisible character (U+0001)",
        ),
        (
            json.dumps(_grant(2, recipientOrganization=[{"id": "GB-CHC-1", "name": "A\ud800"}])),
            "grants.json, grant 2, column 'recipientOrganization/0/name': text not usable: the "
            "cell holds a character that is not valid Unicode (a lone surrogate, U+D800)",
        ),
        (
            json.dumps(_grant(2, grantProgramme=[{"title": "t" * 200_000}])),
            "grants.json, grant 2, column 'grantProgramme/0/title': text not usable: the cell "
            "holds 200,000 characters; at most 10,000 are read",
        ),
        (
            '{"id": "G2", "x": ' + "[" * 5000 + "]" * 5000 + "}",
            "grants.json, grant 2: grant not readable: values nested more than 64 deep",
        ),
    ],
    ids=["1e1000000", "1e400", "4301-digits", "control-in-id", "surrogate", "200KB", "nested"],
)
def test_a_bad_cell_leaves_its_grant_out_and_the_import_goes_on(
    tmp_path: Path, bad: str, line: str
) -> None:
    code, output, out = _one_good_one_bad(tmp_path, bad)
    assert code == 0, output
    assert "Imported 1 grant worth £500.00" in output
    assert f"  {tmp_path / line}" in output.splitlines()
    funding = read_dataset(out).funding
    assert funding["id"].tolist() == ["G1"]


def test_a_huge_duration_is_no_duration(tmp_path: Path) -> None:
    bad = json.dumps(_grant(2, plannedDates=[{"duration": 9223372036854775808}]))
    code, output, out = _one_good_one_bad(tmp_path, bad)
    assert code == 0, output
    funding = read_dataset(out).funding
    assert funding["id"].tolist() == ["G1", "G2"]
    assert funding["duration_months"].isna().all()


def test_an_id_a_department_was_given_is_left_out(tmp_path: Path) -> None:
    council = [{"id": "GB-LAE-ABC", "name": "Council", "department": "Care"}]
    grants = [
        _grant(1, fundingOrganization=council),
        _grant(2, recipientOrganization=[{"id": "GB-LAE-ABC:care", "name": "Care Ltd"}]),
    ]
    code, output, out = _import_json(tmp_path, json.dumps({"grants": grants}))
    assert code == 0, output
    assert (
        f"  {tmp_path / 'grants.json'}, grant 2, column 'recipientOrganization/0/id': "
        "identifier taken by a department: 'GB-LAE-ABC:care' is the id this import gave the "
        "department 'Care' of GB-LAE-ABC"
    ) in output.splitlines()
    orgs = read_dataset(out).organisations.set_index("id")
    assert orgs.loc["GB-LAE-ABC:care", "type"] == "department"


def test_a_department_never_takes_an_id_a_file_used(tmp_path: Path) -> None:
    council = [{"id": "GB-LAE-ABC", "name": "Council", "department": "Care"}]
    grants = [
        _grant(1, recipientOrganization=[{"id": "GB-LAE-ABC:care", "name": "Care Ltd"}]),
        _grant(2, fundingOrganization=council),
    ]
    code, output, out = _import_json(tmp_path, json.dumps({"grants": grants}))
    assert code == 0, output
    orgs = read_dataset(out).organisations.set_index("id")
    assert orgs.loc["GB-LAE-ABC:care", "type"] != "department"
    assert orgs.loc["GB-LAE-ABC:care-2", "type"] == "department"
    funding = read_dataset(out).funding.set_index("id")
    assert funding.loc["G2", "funder_id"] == "GB-LAE-ABC:care-2"


def test_a_200kb_cell_in_a_csv_is_read_and_a_200kb_name_left_out(tmp_path: Path) -> None:
    source = tmp_path / "grants.csv"
    header = (
        "Identifier,Title,Amount Awarded,Award Date,Recipient Org:Identifier,"
        "Recipient Org:Name,Funding Org:Identifier,Funding Org:Name\n"
    )
    source.write_text(
        header
        + f"G1,{'t' * 200_000},5,2024-01-01,GB-CHC-1,A,GB-CHC-2,F\n"
        + f"G2,x,5,2024-01-01,GB-CHC-1,{'n' * 200_000},GB-CHC-2,F\n",
        encoding="utf-8",
    )
    code, output = run("import-360giving", str(source), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert (
        f"  {source}, row 3, column 'Recipient Org:Name': text not usable: the cell holds "
        "200,000 characters; at most 10,000 are read"
    ) in output.splitlines()


def test_bidi_controls_are_removed_from_names_and_accents_composed(tmp_path: Path) -> None:
    name = "Caf\u0065\u0301 \u202e61 Trust"
    grants = [_grant(1, recipientOrganization=[{"id": "GB-CHC-1", "name": name}])]
    code, output, out = _import_json(tmp_path, json.dumps({"grants": grants}))
    assert code == 0, output
    names = dict(read_dataset(out).organisations[["id", "name"]].itertuples(index=False))
    assert names["GB-CHC-1"] == "Caf\u00e9 61 Trust"


def test_look_alike_ids_are_listed_not_merged_and_nfc_equal_ids_are_one(tmp_path: Path) -> None:
    grants = [
        _grant(1, recipientOrganization=[{"id": "360G-caf\u00e9", "name": "A"}]),
        _grant(2, recipientOrganization=[{"id": "360G-cafe\u0301", "name": "A"}]),
        _grant(3, recipientOrganization=[{"id": "GB-\u0421HC-1", "name": "B"}]),
        _grant(4, recipientOrganization=[{"id": "GB-CHC-\uff11", "name": "C"}]),
    ]
    code, output, out = _import_json(tmp_path, json.dumps({"grants": grants}))
    assert code == 0, output
    ids = set(read_dataset(out).organisations["id"])
    assert ids == {"360G-caf\u00e9", "GB-\u0421HC-1", "GB-CHC-\uff11", "GB-CHC-2"}
    assert (
        "1 group of organisation identifiers look the same but differ (letters of another "
        "script or fullwidth characters); they were not merged: correct the files, or join "
        "them with --aliases if they are one organisation."
    ) in output
    assert "  'GB-CHC-１' and 'GB-СHC-1'" in output.splitlines()
    assert "Identifiers made whole: 1 accents composed (Unicode NFC)" in output


def test_a_large_value_before_the_grants_is_passed_over_without_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Re-parsing a value from its start on every 64 KB refill (a 40 MB value took 76 s)
    # hands the decoder the text again and again; now each value's end is found by one
    # forward scan, a value other than the grants is never decoded, and the decoder
    # sees each grant's text once.
    big = '"' + ("x" * 1000 + '\\"') * 2000 + '"'
    text = '{"description": ' + big + ', "grants": [' + json.dumps(_grant(1)) + "]}"
    source = tmp_path / "grants.json"
    source.write_text(text, encoding="utf-8")
    handed: list[int] = []
    original = json.JSONDecoder.raw_decode

    def counting(self: json.JSONDecoder, s: str, idx: int = 0) -> tuple[object, int]:
        result, end = original(self, s, idx)
        handed.append(end - idx)
        return result, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    items = list(rows.json_items(source, "utf-8", None, shape=JSON_SHAPE))
    assert [i["id"] for i in items] == ["G1"]
    # The two keys and the one grant: nothing of the 2 MB description.
    assert sum(handed) == len('"description"') + len('"grants"') + len(json.dumps(_grant(1)))


@pytest.mark.parametrize("escape_at_boundary", range(0, 6))
def test_values_cut_at_every_refill_boundary_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, escape_at_boundary: int
) -> None:
    monkeypatch.setattr(rows, "_JSON_CHUNK", 7 + escape_at_boundary)
    grants = [
        _grant(1, title='a "quoted" \\ back\\slash', amountAwarded=12345.67),
        _grant(2, extra=[[{"k": [1, 2, {"z": "]}"}]}]], amountAwarded=10**20),
    ]
    text = json.dumps({"note": 'x\\"y' * 5, "grants": grants, "after": [1, {"a": "}"}]})
    source = tmp_path / "grants.json"
    source.write_text(text, encoding="utf-8")
    items = list(rows.json_items(source, "utf-8", None, shape=JSON_SHAPE))
    assert items == json.loads(text, parse_float=Decimal, parse_int=Decimal)["grants"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_an_input_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    import os

    source = tmp_path / "grants.json"
    if kind == "fifo":
        os.mkfifo(source)
        what = "a named pipe (FIFO)"
    else:
        source.symlink_to("/dev/zero")
        what = "a device"
    code, output = run("import-360giving", str(source), "--out", str(tmp_path / "out"))
    assert code == 3, output
    assert output == (
        "Reading grants\n"
        f"Error: {source} is {what}, not a file; partnernet reads only regular files.\n"
        "Give the path of the file itself (copy the data into a file first).\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_control_character_in_an_organisation_id_is_taken_out_and_said(
    tmp_path: Path,
) -> None:
    grants = tmp_path / "grants.csv"
    grants.write_text(
        "Identifier,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Funding Org:Identifier,Funding Org:Name\n"
        "A-1,1000,2024-01-01,GB-CHC-1\x01234,Age UK,GB-LAE-AAA,Aville Council\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["import-360giving", str(grants), "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "Identifiers made whole: 1 invisible character removed "
        "(e.g. 'GB-CHC-1<U+0001>234' -> 'GB-CHC-1234')."
    ) in result.stderr
    ds = read_dataset(tmp_path / "d")
    assert sorted(ds.organisations["id"]) == ["GB-CHC-1234", "GB-LAE-AAA"]
    assert ds.funding["recipient_id"].tolist() == ["GB-CHC-1234"]
