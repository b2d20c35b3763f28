"""Organisation types by stated rules (docs/import-rules.md, "Types")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REAL_DATA, TEST_DATA

from partnernet.cli import cli
from partnernet.io.importers.orgtypes import (
    FUNDER_RULE,
    area_code_type,
    name_type,
    org_type,
    type_from_id,
)
from partnernet.io.importers.threesixty import import_360giving, read_360giving
from partnernet.io.read import read_dataset

DATA = TEST_DATA / "threesixty"
TRAFFORD = REAL_DATA / "trafford_council_voluntary_sector_grants.csv"


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output + (f"\n{crash!r}" if crash else "")


# ------------------------------------------------------------- one rule at a time


@pytest.mark.parametrize(
    ("org_id", "name", "gives", "receives", "charity", "expected"),
    [
        # 1. public-body prefixes win, even for a body that only gives.
        (
            "GB-LAE-TRF",
            "Trafford Council",
            True,
            False,
            False,
            ("local_authority", "prefix GB-LAE"),
        ),
        ("GB-NHS-RAX", "A Hospital", True, False, False, ("nhs", "prefix GB-NHS")),
        ("GB-GOR-D1", "A Department", True, False, False, ("central_government", "prefix GB-GOR")),
        # 2. a council's GSS area code.
        ("E08000009", "Trafford", True, False, False, ("local_authority", "area code")),
        ("W06000015", None, False, True, False, ("local_authority", "area code")),
        # 3. public bodies by name, when the id leaves the type open.
        (
            "360G-x-1",
            "Bville Town Council",
            True,
            False,
            False,
            ("local_authority", "name (council)"),
        ),
        (
            "360G-x-2",
            "Aville Parish Council",
            False,
            True,
            False,
            ("local_authority", "name (council)"),
        ),
        ("GB-COH-1", "Aville NHS Foundation Trust", True, False, False, ("nhs", "name (NHS)")),
        ("360G-x-3", "Aville ICB", False, True, False, ("nhs", "name (NHS)")),
        ("GB-CHC-1", "Aville Town Council Trust", False, True, False, ("vcse", "prefix GB-CHC")),
        # 4. gives and receives none: a funder whatever its id.
        ("GB-CHC-200051", "Esmée Fairbairn Foundation", True, False, True, ("funder", FUNDER_RULE)),
        ("GB-COH-2", "Aville Widgets Ltd", True, False, False, ("funder", FUNDER_RULE)),
        ("GB-CHC-3", "Regranting Trust", True, True, False, ("vcse", "prefix GB-CHC")),
        # 5. the other prefixes of one type.
        (
            "GB-UKPRN-10007774",
            "Aville College",
            False,
            True,
            False,
            ("education", "prefix GB-UKPRN"),
        ),
        ("GB-CASC-1", "Aville Ltd", False, True, False, ("vcse", "prefix GB-CASC")),
        # 6. the record's charity number.
        ("GB-COH-3", "Aville Trust Limited", False, True, True, ("vcse", "charity number")),
        # 7. a legal form or kind in the name.
        ("GB-COH-4", "Kids in Space CIC", False, True, False, ("vcse", "name (CIC)")),
        ("GB-COH-5", "The Sport Business C.I.C", False, True, False, ("vcse", "name (CIC)")),
        (
            "GB-MPR-1",
            "Meet & Eat Community Interest Company",
            False,
            True,
            False,
            ("vcse", "name (CIC)"),
        ),
        ("GB-COH-6", "Dance Academy CIC Ltd", False, True, False, ("vcse", "name (CIC)")),
        ("360G-x-4", "Hope Trust CIO (Hub)", False, True, False, ("vcse", "name (CIO)")),
        (
            "360G-x-5",
            "Hope Charitable Incorporated Organisation",
            False,
            True,
            False,
            ("vcse", "name (CIO)"),
        ),
        (
            "GB-MPR-2",
            "Aville Community Benefit Society",
            False,
            True,
            False,
            ("vcse", "name (community benefit society)"),
        ),
        ("360G-x-6", "Aville Cancer Charity", False, True, False, ("vcse", "name (charity)")),
        (
            "360G-x-7",
            "Friends of Lime Tree Primary Academy",
            False,
            True,
            False,
            ("vcse", "name (friends or PTA)"),
        ),
        (
            "360G-x-8",
            "Willows Primary School PTA",
            False,
            True,
            False,
            ("vcse", "name (friends or PTA)"),
        ),
        (
            "XI-GRID-grid.1",
            "University of Aville",
            False,
            True,
            False,
            ("education", "name (university)"),
        ),
        ("360G-x-9", "Aville College", False, True, False, ("education", "name (college)")),
        ("360G-x-10", "Aville Primary School", False, True, False, ("education", "name (school)")),
        ("360G-x-11", "Aville Academy", False, True, False, ("education", "name (academy)")),
        ("GB-COH-7", "Community Revival UK(LTD)", False, True, False, ("business", "name (Ltd)")),
        ("GB-COH-8", "Aville Holdings PLC", False, True, False, ("business", "name (PLC)")),
        # 8. nothing applies.
        ("GB-COH-9", "Aville Care Limited by Guarantee", False, True, False, ("other", "other")),
        ("360G-x-12", "Aville University of the Third Age", False, True, False, ("other", "other")),
        ("360G-x-13", "Aville Youth Council", False, True, False, ("other", "other")),
        ("360G-x-14", None, False, True, False, ("other", "other")),
    ],
)
def test_org_type_rules_in_order(org_id, name, gives, receives, charity, expected):
    assert (
        org_type(org_id, name, gives=gives, receives=receives, charity_number=charity) == expected
    )


@pytest.mark.parametrize(
    ("org_id", "expected"),
    [
        ("E06000001", "local_authority"),
        ("E07000001", "local_authority"),
        ("E08000009", "local_authority"),
        ("e09000033", "local_authority"),
        ("E10000002", "local_authority"),
        ("S12000033", "local_authority"),
        ("N09000001", "local_authority"),
        ("E05000819", None),  # an electoral ward, not a council
        ("E0800009", None),  # one digit short
        ("E08000009X", None),
        ("GB-LAE-E08000009", None),  # an org-id: its prefix decides
    ],
)
def test_area_codes(org_id, expected):
    assert area_code_type(org_id) == expected


def test_type_from_id_names_its_rule():
    assert type_from_id("GB-SC-SC012345") == ("vcse", "prefix GB-SC")
    assert type_from_id("N09000001") == ("local_authority", "area code")
    assert type_from_id("GB-COH-01234567") is None


def test_name_type_public_only_skips_legal_forms():
    assert name_type("Kids in Space CIC", public_only=True) is None
    assert name_type("Aville Town Council", public_only=True) == (
        "local_authority",
        "name (council)",
    )


# ------------------------------------------------------- a hand-made grants file

EXPECTED_TYPES = {
    "GB-CHC-200051": "funder",  # a charity id, but it only gives
    "GB-CHC-300003": "vcse",  # it gives and receives: its prefix decides
    "GB-COH-00000001": "vcse",
    "GB-LAE-AAA": "local_authority",
    "360G-a-cio": "vcse",
    "360G-a-cbs": "vcse",
    "E08000009": "local_authority",
    "E08000009:adult-services": "department",  # an area code is a public body
    "360G-a-charity": "vcse",
    "360G-a-friends": "vcse",
    "360G-town": "local_authority",
    "GB-COH-00000002": "vcse",
    "360G-a-uni": "education",
    "360G-icb": "nhs",
    "360G-a-u3a": "other",
    "360G-a-college": "education",
    "360G-a-school": "education",
    "360G-a-academy": "education",
    "GB-COH-00000003": "business",
    "GB-COH-00000004": "business",
    "GB-COH-00000005": "other",
    "GB-COH-00000006": "vcse",
    "GB-EDU-100": "education",
    "360G-a-gamma": "other",
    "GB-NHS-RAX": "nhs",
    "GB-CHC-400004": "vcse",
}
EXPECTED_RULES = {
    FUNDER_RULE: 1,
    "prefix GB-LAE": 1,
    "area code": 1,
    "name (council)": 1,
    "name (NHS)": 1,
    "prefix GB-CHC": 2,
    "prefix GB-EDU": 1,
    "prefix GB-NHS": 1,
    "charity number": 1,
    "name (CIC)": 2,
    "name (CIO)": 1,
    "name (community benefit society)": 1,
    "name (charity)": 1,
    "name (friends or PTA)": 1,
    "name (university)": 1,
    "name (college)": 1,
    "name (school)": 1,
    "name (academy)": 1,
    "name (Ltd)": 1,
    "name (PLC)": 1,
    "other": 3,
}


@pytest.mark.parametrize("name", ["types.csv", "types.json"])
def test_every_rule_on_a_hand_made_file(name):
    ds, summary = read_360giving([DATA / name])
    assert dict(zip(ds.organisations["id"], ds.organisations["type"], strict=True)) == (
        EXPECTED_TYPES
    )
    assert summary.types_by_rule == EXPECTED_RULES
    assert sum(summary.types_by_rule.values()) == len(EXPECTED_TYPES) - 1  # not the department
    assert summary.inferred_funder == [("GB-CHC-200051", "Esmée Fairbairn Foundation")]
    assert [i for i, _ in summary.inferred_other] == [
        "360G-a-u3a",
        "GB-COH-00000005",
        "360G-a-gamma",
    ]
    assert summary.departments_ignored == {}


def test_summary_counts_types_by_rule(tmp_path):
    code, output = run("import-360giving", DATA / "types.csv", "--out", tmp_path / "out")
    assert code == 0, output
    assert (
        "Types by rule (docs/import-rules.md): 3 other, 2 by name (CIC), 2 by prefix GB-CHC, "
        "1 by area code, 1 by charity number, 1 by funding only (gives grants, receives none), "
    ) in output
    assert (
        "1 funding organisation typed 'funder' because they give grants and receive none: "
        "GB-CHC-200051."
    ) in output
    assert (
        "3 organisations typed 'other' because no rule says what they are; set the type in "
        "organisations.csv (an import never overwrites it): 360G-a-u3a, GB-COH-00000005, "
        "360G-a-gamma."
    ) in output


def test_a_type_set_by_the_user_is_never_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "organisations.csv").write_text(
        "id,name,type\n"
        "GB-CHC-200051,Esmée Fairbairn Foundation,vcse\n"
        "360G-a-cio,Hope CIO,business\n"
        "E08000009,Trafford Council,funder\n",
        encoding="utf-8",
    )
    summary = import_360giving([DATA / "types.csv"], out)
    types = read_dataset(out).organisations.set_index("id")["type"]
    assert types[["GB-CHC-200051", "360G-a-cio", "E08000009"]].tolist() == [
        "vcse",
        "business",
        "funder",
    ]
    # Only new organisations are typed, and counted.
    assert FUNDER_RULE not in summary.types_by_rule
    assert "name (CIO)" not in summary.types_by_rule
    assert "area code" not in summary.types_by_rule
    assert sum(summary.types_by_rule.values()) == len(EXPECTED_TYPES) - 1 - 3
    # The user's 'funder' is no public body, so its department is ignored as before.
    assert summary.departments_ignored == {"E08000009": 2}


# ------------------------------------------------------------------ the real file


def test_trafford_types_by_rule(tmp_path):
    out = tmp_path / "trafford"
    code, output = run("import-360giving", TRAFFORD, "--out", out)
    assert code == 0, output
    orgs = read_dataset(out).organisations.set_index("id")
    # Counted once from the file with the rules of docs/import-rules.md, then fixed
    # here: 323 recipients, the council and its two departments.
    assert (
        "Types by rule (docs/import-rules.md): 195 other, 39 by name (friends or PTA), "
        "30 by prefix GB-CHC, 26 by charity number, 23 by name (CIC), 8 by name (Ltd), "
        "2 by name (school), 1 by prefix GB-LAE."
    ) in output
    assert orgs["type"].value_counts().to_dict() == {
        "other": 195,
        "vcse": 118,
        "business": 8,
        "department": 2,
        "education": 2,
        "local_authority": 1,
    }
    assert orgs.loc["GB-LAE-TRF", "type"] == "local_authority"  # it only gives
    examples = {
        "GB-COH-11386705": "vcse",  # Billy and Andy's Music School CIC: a CIC first
        "GB-COH-08313107": "vcse",  # 4 Cheeky Monkeys CIC
        "360G-trafford-friends_of_lime_tree_primary_academy": "vcse",
        "360G-trafford-parents_teachers_and_friends_of_gorse_hill_primary_school": "vcse",
        "GB-COH-04831397": "vcse",  # Prevent Breast Cancer Limited gave its charity number
        "GB-COH-12598216": "business",  # Trafford Handball Club Ltd
        "360G-trafford-strike_soccer_school": "education",
    }
    assert {i: orgs.loc[i, "type"] for i in examples} == examples
    assert "195 organisations typed 'other' because no rule says what they are" in output


def test_reimport_types_nothing_again(tmp_path):
    out = tmp_path / "out"
    import_360giving([DATA / "types.csv"], out)
    again = tmp_path / "again"
    shutil.copytree(out, again)
    summary = import_360giving([DATA / "types.csv"], again)
    assert summary.types_by_rule == {}
    assert (again / "organisations.csv").read_bytes() == (out / "organisations.csv").read_bytes()


def test_every_rule_is_written_in_the_docs():
    from partnernet.io.importers import orgtypes

    text = (Path(__file__).parent.parent / "docs" / "import-rules.md").read_text(encoding="utf-8")
    types_section = text.split("## Types", 1)[1]
    rules = [r for r, _, _ in orgtypes._PUBLIC_NAMES + orgtypes._FORM_NAMES]
    rules += [f"prefix {p}" for p in orgtypes.ORG_ID_PREFIX_TYPES]
    rules += ["area code", "charity number", FUNDER_RULE, "other"]
    missing = [r for r in rules if f"`{r}`" not in types_section]
    assert missing == [], f"rules not in docs/import-rules.md under 'Types': {missing}"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Trafford Council", ("local_authority", "name (council)")),
        ("Stockport Metropolitan Borough Council", ("local_authority", "name (council)")),
        ("Greater Manchester Combined Authority", ("local_authority", "name (combined authority)")),
        (
            "Greater Manchester Fire and Rescue Service",
            ("local_authority", "name (fire and rescue)"),
        ),
        ("Greater Manchester Police", ("central_government", "name (police)")),
        ("HM Revenue & Customs", ("central_government", "name (government)")),
        ("Department for Work and Pensions", ("central_government", "name (government)")),
        ("NHS Greater Manchester", ("nhs", "name (NHS)")),
        ("Trafford Youth Council", None),
        ("Parochial Church Council of St Mary", None),
        ("Police Community Clubs of Great Britain", None),
    ],
)
def test_public_bodies_by_name_for_spending_suppliers(name, expected):
    assert name_type(name, public_only=True) == expected
