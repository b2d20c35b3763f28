"""import-spend: council payments (Local Government Transparency Code) into a dataset.

Each hand-made file in tests/data/spend/ checks one layout or rule
(docs/import-rules.md, "Council spending"); the real Trafford file is checked
against sums computed here with the csv module alone.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import TEST_DATA

from partnernet.cli import cli
from partnernet.io.importers.spend import financial_year, import_spend, is_private_person
from partnernet.io.read import read_dataset

SPEND = TEST_DATA / "spend"
TRAFFORD = TEST_DATA / "real" / "trafford-supplier-spend-2025-26.zip"


def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["import-spend", *args])
    return result.exit_code, result.output


def _funding(out: Path) -> pd.DataFrame:
    return read_dataset(out).funding


def test_lgtc_layout_credits_redaction_and_private_persons(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    skipped = tmp_path / "skipped.csv"
    code, output = _run(
        tmp_path,
        str(SPEND / "lgtc.csv"),
        "--out",
        str(out),
        "--council-id",
        "GB-LAE-EXA",
        "--skipped",
        str(skipped),
    )
    assert code == 0, output
    ds = read_dataset(out)
    orgs = ds.organisations.set_index("id")
    assert orgs.loc["GB-LAE-EXA", "name"] == "Exampleton Council"
    assert orgs.loc["GB-LAE-EXA", "type"] == "local_authority"
    assert orgs.loc["GB-LAE-EXA:adult-care", "parent_id"] == "GB-LAE-EXA"
    f = ds.funding.set_index("id")
    sunrise = "SPEND-GB-LAE-EXA-supplier:1001"
    # Credits netted within the year; the next financial year is its own row.
    first = f.loc["SPEND-GB-LAE-EXA:adult-care:2025-26:1001"]
    assert first["amount"] == pytest.approx(2000.00)
    assert str(first["award_date"].date()) == "2025-04-10"
    assert first["kind"] == "contract"
    assert f.loc["SPEND-GB-LAE-EXA:adult-care:2026-27:1001", "amount"] == pytest.approx(900)
    # A pair netting to zero is left out and counted.
    assert "SPEND-GB-LAE-EXA-supplier:1002" not in set(ds.funding["recipient_id"])
    assert "1 department-supplier-year totals that net to zero or less" in output
    # Grant category; the same supplier paid by two departments; no unit is the council.
    assert f.loc["SPEND-GB-LAE-EXA:communities:2025-26:2004", "kind"] == "grant"
    assert set(ds.funding.loc[ds.funding["recipient_id"] == sunrise, "funder_id"]) == {
        "GB-LAE-EXA:adult-care",
        "GB-LAE-EXA:communities",
    }
    assert f.loc["SPEND-GB-LAE-EXA:2025-26:3001", "funder_id"] == "GB-LAE-EXA"
    # "Dr ... Medical Centre" is an organisation; Mrs Jane Example and a payment
    # under a private-individuals category are not, and no name of theirs is kept.
    assert "SPEND-GB-LAE-EXA-supplier:2003" in orgs.index
    assert "2 redacted or withheld, £2,000.25" in output
    assert "2 to private persons, £1,200.00" in output
    everything = output + "".join(p.read_text() for p in out.iterdir()) + skipped.read_text()
    for secret in ("Jane", "Acme Lodgings", "Redacted"):
        assert secret not in everything


def test_service_area_layout_dd_mm_yyyy_and_public_bodies(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path, str(SPEND / "service_area.csv"), "--out", str(out), "--council-id", "GB-LAE-EXA"
    )
    assert code == 0, output
    ds = read_dataset(out)
    orgs = ds.organisations.set_index("id")
    gmca = "SPEND-GB-LAE-EXA-supplier:greater-manchester-combined-authority"
    assert orgs.loc[gmca, "type"] == "local_authority"
    assert orgs.loc["SPEND-GB-LAE-EXA-supplier:roadworks-plc", "type"] == "business"
    assert "1 by name (combined authority)" in output
    f = ds.funding.set_index("id")
    row = f.loc["SPEND-GB-LAE-EXA:highways:2025-26:roadworks-plc"]
    assert row["amount"] == pytest.approx(12000)
    assert str(row["award_date"].date()) == "2025-07-01"
    grant = f.loc["SPEND-GB-LAE-EXA:children-s-services:2025-26:elm-park-youth-club-cic"]
    assert grant["kind"] == "grant"


def test_directorate_layout_supplier_id_column(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path, str(SPEND / "directorate.csv"), "--out", str(out), "--council-id", "GB-LAE-EXA"
    )
    assert code == 0, output
    ds = read_dataset(out)
    f = ds.funding.set_index("id")
    # Two spellings under one supplier id are one supplier; an 'NA' id falls back to the name.
    assert f.loc["SPEND-GB-LAE-EXA:place:2025-26:s-77", "amount"] == pytest.approx(1200)
    assert f.loc["SPEND-GB-LAE-EXA:place:2025-26:green-spaces-cic", "amount"] == pytest.approx(100)
    orgs = ds.organisations.set_index("id")
    assert orgs.loc["SPEND-GB-LAE-EXA-supplier:s-90", "type"] == "central_government"


def test_department_layout_bad_date_left_out_and_listed(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    skipped = tmp_path / "skipped.csv"
    code, output = _run(
        tmp_path,
        str(SPEND / "department.csv"),
        "--out",
        str(out),
        "--council-id",
        "GB-LAE-EXA",
        "--skipped",
        str(skipped),
    )
    assert code == 0, output
    # ISO and DD/MM/YYYY dates both read; an impossible date is listed with its row.
    assert _funding(out)["amount"].tolist() == [4000.0]
    rows = list(csv.DictReader(io.StringIO(skipped.read_text(encoding="utf-8"))))
    assert [(r["row"], r["column"], r["value"]) for r in rows] == [
        ("4", "Transaction Date", "31/31/2025")
    ]
    assert "department.csv, row 4, column 'Transaction Date'" in output


def test_unplaceable_columns_refused_naming_columns_and_option(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path, str(SPEND / "renamed.csv"), "--out", str(out), "--council-id", "GB-LAE-EXA"
    )
    assert code == 3
    assert "'Cost Centre Name', 'Creditor', 'Posted On', 'Value Paid', 'Spend Type'" in output
    for option in ("--unit-column", "--supplier-column", "--date-column", "--amount-column"):
        assert option in output
    assert not out.exists() or not any(out.iterdir())
    code, output = _run(
        tmp_path,
        str(SPEND / "renamed.csv"),
        "--out",
        str(out),
        "--council-id",
        "GB-LAE-EXA",
        "--unit-column",
        "cost centre name",
        "--supplier-column",
        "Creditor",
        "--date-column",
        "Posted On",
        "--amount-column",
        "Value Paid",
        "--category-column",
        "Spend Type",
    )
    assert code == 0, output
    assert _funding(out)["funder_id"].tolist() == ["GB-LAE-EXA:libraries"]


def test_zip_of_several_csv_files(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path, str(SPEND / "quarters.zip"), "--out", str(out), "--council-id", "GB-LAE-EXA"
    )
    assert code == 0, output
    f = _funding(out).set_index("id")
    assert f.loc["SPEND-GB-LAE-EXA:libraries:2025-26:book-suppliers-ltd", "amount"] == 1500
    assert f.loc["SPEND-GB-LAE-EXA:parks:2025-26:green-spaces-cic", "amount"] == 700
    assert "from 1 file" in output and "quarters.zip!q2.csv" in output


def test_rollup_map(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path,
        str(SPEND / "service_area.csv"),
        "--out",
        str(out),
        "--council-id",
        "GB-LAE-EXA",
        "--departments",
        str(SPEND / "map.csv"),
    )
    assert code == 0, output
    ds = read_dataset(out)
    depts = ds.organisations[ds.organisations["type"] == "department"]
    assert sorted(depts["name"]) == ["Children and Families", "Place"]
    f = ds.funding.set_index("id")
    # Two units rolled into one department: their payments to one supplier add up.
    elm = f.loc["SPEND-GB-LAE-EXA:children-and-families:2025-26:elm-park-youth-club-cic"]
    assert elm["amount"] == pytest.approx(1480)


def test_map_missing_a_unit_writes_nothing(tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    short.write_text("unit,department\nHighways,Place\n")
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path,
        str(SPEND / "service_area.csv"),
        "--out",
        str(out),
        "--council-id",
        "GB-LAE-EXA",
        "--departments",
        str(short),
    )
    assert code == 3
    assert "'Children's Services'" in output and "Highways Lighting" in output
    assert not (out / "organisations.csv").exists()


def test_merge_with_360giving_import_of_the_same_council(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["import-360giving", str(SPEND / "council-grants.csv"), "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    code, output = _run(
        tmp_path, str(SPEND / "service_area.csv"), "--out", str(out), "--council-id", "GB-LAE-EXA"
    )
    assert code == 0, output
    ds = read_dataset(out)
    orgs = ds.organisations
    assert (orgs["id"] == "GB-LAE-EXA").sum() == 1
    # One department for the grants and the payments of the same service area.
    children = orgs[orgs["name"] == "Children's Services"]
    assert len(children) == 1
    paid_by = ds.funding[ds.funding["funder_id"] == children["id"].iloc[0]]
    assert sorted(paid_by["kind"]) == ["contract", "grant", "grant"]
    assert set(ds.funding["id"]) >= {"360G-exampleton-1", "360G-exampleton-2"}
    # Importing the payments again changes nothing.
    before = (out / "funding.csv").read_text()
    code, output = _run(
        tmp_path, str(SPEND / "service_area.csv"), "--out", str(out), "--council-id", "GB-LAE-EXA"
    )
    assert code == 0 and "already in the dataset" in output
    assert (out / "funding.csv").read_text() == before


def test_private_person_rules() -> None:
    assert is_private_person("Mr J Smith")
    assert is_private_person("DR KATIE EXAMPLE")
    assert not is_private_person("Dr A K Sahal T/A The Family Surgery")
    assert not is_private_person("MRS Sharief Health Ltd")
    assert not is_private_person("Misses Cakes Ltd")
    assert is_private_person("Acme", ["CAP GRANTS TO IND"])


def test_financial_year() -> None:
    from datetime import date

    assert financial_year(date(2025, 3, 31)) == "2024-25"
    assert financial_year(date(1999, 4, 1)) == "1999-00"


# -- the real Trafford file ---------------------------------------------------------


# Suppliers of the Trafford file whose names start with a personal title and carry
# no sign of an organisation (their names are not written here either).
_TRAFFORD_TITLED_PERSONS = frozenset({"168927", "166941"})


def _trafford_expected(mapping: dict[str, str] | None = None) -> dict[str, object]:
    """Sums over the published file with the csv module alone.

    A pair is (department id, supplier id): the unit's slug under the council (a
    blank, NA or Redacted unit is the council itself) and the BeneficiaryOtherID. Every
    payment falls in financial year 2025-26.
    """
    nets: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    redacted_rows, redacted = 0, Decimal(0)
    private_rows = 0
    departments = set()
    unit_rows, unit_names = 0, set()
    with zipfile.ZipFile(TRAFFORD) as z, z.open(z.namelist()[0]) as raw:
        for r in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")):
            amount = Decimal(r["Amount"])
            if r["OrganisationalUnit"].strip() not in ("", "NA", "Redacted"):
                unit_rows += 1
                unit_names.add(r["OrganisationalUnit"].strip())
            assert r["PaymentDate"] >= "2025-04-01" and r["PaymentDate"] <= "2026-03-31"
            if r["BeneficiaryName"].strip() == "Redacted":
                redacted_rows += 1
                redacted += amount
                continue
            supplier = r["BeneficiaryOtherID"].strip()
            if supplier in _TRAFFORD_TITLED_PERSONS or "TO IND" in r["Purpose"].upper():
                private_rows += 1
                continue
            unit = r["OrganisationalUnit"].strip()
            if unit in ("", "NA", "Redacted"):
                dept = "GB-LAE-TRF"
            else:
                named = mapping[" ".join(unit.casefold().split())] if mapping else unit
                dept = "GB-LAE-TRF:" + re.sub(r"[^0-9a-z]+", "-", named.casefold()).strip("-")
                departments.add(dept)
            nets[(dept, f"SPEND-GB-LAE-TRF-supplier:{supplier}")] += amount
    return {
        "nets": nets,
        "redacted_rows": redacted_rows,
        "redacted": redacted,
        "private_rows": private_rows,
        "departments": departments,
        "unit_rows": unit_rows,
        "units": unit_names,
    }


@pytest.fixture(scope="module")
def trafford(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("trafford") / "ds"
    result = CliRunner().invoke(
        cli, ["import-spend", str(TRAFFORD), "--out", str(out), "--council-id", "GB-LAE-TRF"]
    )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_trafford_totals_per_department_and_supplier(trafford: tuple[Path, str]) -> None:
    out, output = trafford
    expected = _trafford_expected()
    nets = expected["nets"]
    assert isinstance(nets, dict)
    ds = read_dataset(out)
    funding = ds.funding
    assert expected["redacted_rows"] == 36_616
    assert expected["redacted"] == Decimal("108870420.86")
    assert expected["private_rows"] == 27
    assert "36,616 redacted or withheld, £108,870,420.86; 27 to private persons" in output
    positive = {k: v for k, v in nets.items() if v > 0}
    assert len(positive) == 5_780
    assert sum(positive.values()) == Decimal("513065476.70")
    assert len(nets) - len(positive) == 147
    # Every positive pair, one funding row each, to the penny.
    imported = {
        (f, r): round(Decimal(repr(a)), 2)
        for f, r, a in zip(
            funding["funder_id"], funding["recipient_id"], funding["amount"], strict=True
        )
    }
    assert imported == positive
    assert positive[("GB-LAE-TRF:lift-repairs-mtce", "SPEND-GB-LAE-TRF-supplier:3536")] == Decimal(
        "133077.13"
    )
    top = max(positive, key=lambda k: positive[k])
    assert imported[top] == positive[top]
    orgs = ds.organisations
    depts = orgs[(orgs["type"] == "department") & (orgs["parent_id"] == "GB-LAE-TRF")]
    assert set(depts["id"]) == expected["departments"]
    assert len(depts) == 848
    assert "881 organisational units became 848 departments" in output
    units = list(csv.DictReader(io.StringIO((out / "spend-units.csv").read_text("utf-8"))))
    assert {u["unit"] for u in units} == expected["units"]
    assert len(units) == 881 and units[0]["department"] == ""
    assert sum(int(u["payments"]) for u in units) == expected["unit_rows"]


def test_trafford_analyse_with_and_without_rollup_map(
    trafford: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = trafford
    runner = CliRunner()
    result = runner.invoke(
        cli, ["analyse", str(out), "--out", str(tmp_path / "a"), "-q", "--permutations", "200"]
    )
    assert result.exit_code == 0, result.output
    report = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert "has 848 departments: more than the 30 a heatmap can show legibly" in report
    mapped = tmp_path / "mapped"
    result = runner.invoke(
        cli,
        [
            "import-spend",
            str(TRAFFORD),
            "--out",
            str(mapped),
            "--council-id",
            "GB-LAE-TRF",
            "--departments",
            str(SPEND / "trafford-departments.csv"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    ds = read_dataset(mapped)
    depts = ds.organisations[ds.organisations["type"] == "department"]
    with (SPEND / "trafford-departments.csv").open(encoding="utf-8") as handle:
        mapping = {
            " ".join(row["unit"].casefold().split()): row["department"]
            for row in csv.DictReader(handle)
        }
    assert sorted(depts["name"]) == sorted(set(mapping.values()))
    assert len(depts) == 37
    nets = _trafford_expected(mapping)["nets"]
    assert isinstance(nets, dict)
    positive = {k: v for k, v in nets.items() if v > 0}
    imported = {
        (f, r): round(Decimal(repr(a)), 2)
        for f, r, a in zip(
            ds.funding["funder_id"], ds.funding["recipient_id"], ds.funding["amount"], strict=True
        )
    }
    assert imported == positive
    result = runner.invoke(
        cli, ["analyse", str(mapped), "--out", str(tmp_path / "b"), "-q", "--permutations", "200"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "report.html").is_file()
    assert (tmp_path / "b" / "departments.csv").is_file()


def test_import_spend_python_api_refuses_non_public_council(tmp_path: Path) -> None:
    from partnernet.errors import InputError

    out = tmp_path / "ds"
    out.mkdir()
    (out / "organisations.csv").write_text("id,name,type\nGB-LAE-EXA,Exampleton,vcse\n")
    with pytest.raises(InputError, match="not a public body"):
        import_spend([SPEND / "service_area.csv"], out, council_id="GB-LAE-EXA")


def test_subset_ei_counts_ties_the_same_by_pairs_and_by_ties() -> None:
    """The E-I null for a body with many units counts a random set's internal ties
    over the graph's ties; the count is the one over the set's pairs."""
    import networkx as nx
    import numpy as np

    from partnernet.analysis.ei import _random_subsets, _subset_ei

    G = nx.gnm_random_graph(60, 90, seed=4)
    n = G.number_of_nodes()
    codes = np.array(sorted(min(u, v) * n + max(u, v) for u, v in G.edges()), dtype="int64")
    degree = np.array([G.degree(i) for i in range(n)], dtype="int64")
    for k in (5, 40):  # 10 pairs < 90 ties: by pairs; 780 pairs > 90 ties: by ties
        got = _subset_ei(np.random.default_rng(3), degree, codes, n, k, 300)
        subsets = _random_subsets(np.random.default_rng(3), n, k, 300)
        want = []
        for row in subsets:
            members = set(row.tolist())
            internal = G.subgraph(members).number_of_edges()
            external = int(degree[row].sum()) - 2 * internal
            total = internal + external
            want.append((external - internal) / total if total else np.nan)
        np.testing.assert_allclose(got, np.array(want))


def test_many_units_warn_and_write_a_formula_safe_units_file(tmp_path: Path) -> None:
    payments = tmp_path / "many.csv"
    lines = ["Service Area,Supplier Name,Paid Date,Amount"]
    lines += [f"Unit {i},Acme Ltd,01/04/2025,{500 + i}.00" for i in range(30)]
    lines.append('=HYPERLINK("http://x"),Acme Ltd,01/04/2025,600.00')
    payments.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path, str(payments), "--out", str(out), "--council-id", "GB-LAE-EXA", "-q"
    )
    assert code == 0, output
    assert "Warning: 31 organisational units became 31 departments" in output
    rows = list(csv.reader(io.StringIO((out / "spend-units.csv").read_text("utf-8"))))
    assert rows[0] == ["unit", "department", "payments", "pounds"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "", "1", "600.00"]
    assert len(rows) == 32
    # The dataset still reads: the units file is no unknown table.
    assert len(read_dataset(out).funding) == 31


def test_blank_council_id_refused(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, output = _run(tmp_path, str(SPEND / "lgtc.csv"), "--out", str(out), "--council-id", " ")
    assert code == 3 and "--council-id" in output
    assert not (out / "organisations.csv").exists()


def test_file_of_only_people_gives_nothing_and_fails_without_names(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "Service Area,Supplier Name,Paid Date,Amount\n"
        "Care,Redacted,01/04/2025,900.00\n"
        "Care,Mr John Example,02/04/2025,700.00\n",
        encoding="utf-8",
    )
    out = tmp_path / "ds"
    skipped = tmp_path / "skipped.csv"
    code, output = _run(
        tmp_path,
        str(SPEND / "service_area.csv"),
        str(people),
        "--out",
        str(out),
        "--council-id",
        "GB-LAE-EXA",
        "--skipped",
        str(skipped),
    )
    assert code == 3
    assert "no payment to an organisation could be imported from" in output
    assert "people.csv" in output and "John" not in output
    assert not (out / "organisations.csv").exists()
    assert "John" not in skipped.read_text(encoding="utf-8")


def test_a_bad_amount_or_name_is_a_left_out_row_not_a_failed_import(tmp_path: Path) -> None:
    source = tmp_path / "spend.csv"
    source.write_text(
        "Service Area,Supplier Name,Amount,Payment Date,Expense Type\n"
        "Care,Friends Trust,750,01/04/2024,Grants\n"
        "Care,Big Trust,1e400,01/04/2024,Grants\n"
        f"Care,{'n' * 20_000},750,01/04/2024,Grants\n"
        "Care \u202eerac,Plain Trust,\u09ea00,01/04/2024,Grants\n",
        encoding="utf-8",
    )
    out = tmp_path / "ds"
    code, output = _run(
        tmp_path,
        str(source),
        "--out",
        str(out),
        "--council-id",
        "GB-LAE-ABC",
        "--council-name",
        "Council",
    )
    assert code == 0, output
    assert (
        f"{source}, row 3, column 'Amount': amount too large: '1e400' is more than the largest "
        "amount partnernet reads (£10,000,000,000,000)"
    ) in output
    assert (
        f"{source}, row 4, column 'Supplier Name': text not usable: the supplier cell holds "
        "20,000 characters; at most 10,000 are read"
    ) in output
    assert f"{source}, row 5, column 'Amount': amount not a number: '\u09ea00'" in output
    assert _funding(out)["amount"].tolist() == [750.0]
