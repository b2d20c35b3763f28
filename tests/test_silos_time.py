"""Time-aware silos: known answers on small hand-made places, one tests/data folder each.

Every folder has council C with two departments OLD and NEW (silos_four_departments
has four) and a few voluntary groups:

- silos_renaming: OLD gives grants 18 Jan 2013 to 12 Aug 2020, NEW 31 Aug 2020 to
  19 Jun 2024 (no overlap, 19 days apart); OLD funds {a, b, c, d}, NEW {a, b, e}:
  2 shared, 2/3 of the smaller set. In sequence, a likely renaming, and a and b are
  not duplicated engagement.
- silos_handover: as above but OLD's last award is 14 Oct 2020, 44 days after NEW's
  first: a handover within HANDOVER_DAYS (92), still in sequence and a renaming.
- silos_concurrent: the same partners, both active 2019 to 2022: concurrent, no
  coordination tie, so a and b are duplicated engagement; no renaming.
- silos_sequence_unrelated: OLD 2013 to 2016, NEW from Aug 2019 (three years later),
  sharing a: in sequence (no duplicated engagement) but too far apart to be a
  renaming.
- silos_four_departments: A, B and K sit on one board; D coordinates with none; all
  four work with Riverside Carers (vcse) and Riverside ICB (nhs). Each has 3
  uncoordinated pairs (A|D, B|D, D|K), never "4 departments".
- silos_no_coordination_data: silos_concurrent without partnerships or boards:
  coordination cannot be seen, so no department is called siloed or not.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import REAL_DATA, TEST_DATA
from test_exclusion import assert_numbers_backed

from partnernet import read_dataset
from partnernet.analysis.pipeline import analyse
from partnernet.analysis.silos import (
    HANDOVER_DAYS,
    ActivePeriod,
    active_periods,
    concurrent,
    department_table,
    duplicated_engagement,
    likely_renamings,
)
from partnernet.cli import cli
from partnernet.findings import explain
from partnernet.findings.silos import silo_findings

TRAFFORD = REAL_DATA / "trafford_council_voluntary_sector_grants.csv"
T = pd.Timestamp


def place(name: str):
    return read_dataset(TEST_DATA / name)


def silo_texts(name: str) -> dict[str, str]:
    ds = place(name)
    findings = silo_findings(analyse(ds, permutations=200))
    names = [*ds.organisations["name"], *ds.boards["name"]]
    for f in findings:
        assert_numbers_backed(f, names)
    return {f.id: f.text for f in findings}


def test_active_periods_come_from_every_dated_tie() -> None:
    periods = active_periods(place("silos_renaming"))
    assert periods["OLD"] == ActivePeriod(T("2013-01-18"), T("2020-08-12"), 4)
    assert periods["NEW"] == ActivePeriod(T("2020-08-31"), T("2024-06-19"), 3)
    # Partnership and membership start and end dates count too.
    four = active_periods(place("silos_four_departments"))
    assert four["A"] == ActivePeriod(T("2021-01-01"), T("2024-01-01"), 3)
    assert four["D"] == ActivePeriod(T("2021-01-01"), T("2024-01-01"), 2)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Disjoint by 19 days, both in 2020: in sequence (overlap is in days, not years).
        (("2013-01-18", "2020-08-12"), ("2020-08-31", "2024-06-19"), False),
        # A handover of 44 days, and of exactly HANDOVER_DAYS: in sequence.
        (("2013-01-18", "2020-10-14"), ("2020-08-31", "2024-06-19"), False),
        (("2013-01-18", "2020-12-01"), ("2020-08-31", "2024-06-19"), False),
        # One day past the handover: concurrent.
        (("2013-01-18", "2020-12-02"), ("2020-08-31", "2024-06-19"), True),
        # One period inside the other, and two on the same day: concurrent.
        (("2013-01-18", "2024-06-19"), ("2020-08-31", "2020-09-30"), True),
        (("2024-01-01", "2024-01-01"), ("2024-01-01", "2024-01-01"), True),
        (("2013-01-18", "2020-08-12"), ("2020-08-12", "2020-08-12"), True),
    ],
)
def test_concurrent_known_answers(a, b, expected) -> None:
    pa = ActivePeriod(T(a[0]), T(a[1]), 1)
    pb = ActivePeriod(T(b[0]), T(b[1]), 1)
    assert HANDOVER_DAYS == 92
    assert concurrent(pa, pb) is expected
    assert concurrent(pb, pa) is expected


def test_an_undated_department_rules_nothing_out() -> None:
    dated = ActivePeriod(T("2013-01-18"), T("2020-08-12"), 4)
    assert concurrent(dated, ActivePeriod(None, None, 0))


@pytest.mark.parametrize(("folder", "gap_days"), [("silos_renaming", 19), ("silos_handover", -44)])
def test_a_department_in_sequence_sharing_partners_is_a_likely_renaming(
    folder: str, gap_days: int
) -> None:
    ds = place(folder)
    renamings = likely_renamings(ds)
    assert renamings[["earlier_id", "later_id", "gap_days", "shared"]].values.tolist() == [
        ["OLD", "NEW", gap_days, 2]
    ]
    assert renamings["shared_share"].tolist() == [pytest.approx(2 / 3)]
    assert duplicated_engagement(ds).empty
    table = department_table(ds).set_index("department_id")
    assert table["concurrent_siblings"].to_dict() == {"NEW": 0, "OLD": 0}
    assert table["duplicated_engagement"].to_dict() == {"NEW": 0, "OLD": 0}
    assert not table["siloed"].any()  # nobody to coordinate with


def test_the_renaming_is_named_and_no_conversation_is_claimed() -> None:
    texts = silo_texts("silos_renaming")
    renaming = texts["likely-renamings"]
    assert "Partnerships Team (dated ties January 2013 to August 2020)" in renaming
    assert "Inclusive Communities (August 2020 to June 2024)" in renaming
    assert texts["duplicated-engagement"].startswith("No organisation is dealt with")
    assert "several conversations" not in " ".join(texts.values())


def test_concurrent_uncoordinated_departments_are_duplicated_engagement() -> None:
    ds = place("silos_concurrent")
    assert likely_renamings(ds).empty
    dup = duplicated_engagement(ds)
    assert dup[["org_id", "pairs", "uncoordinated_pairs"]].values.tolist() == [
        ["a", "NEW|OLD", 1],
        ["b", "NEW|OLD", 1],
    ]
    texts = silo_texts("silos_concurrent")
    assert "likely-renamings" not in texts
    assert texts["duplicated-engagement"].startswith("2 organisations are dealt with")


def test_departments_far_apart_in_time_are_neither_renamed_nor_duplicated() -> None:
    ds = place("silos_sequence_unrelated")
    assert likely_renamings(ds).empty  # three years apart
    assert duplicated_engagement(ds).empty
    assert "likely-renamings" not in silo_texts("silos_sequence_unrelated")


def test_only_uncoordinated_pairs_count_and_public_bodies_are_apart() -> None:
    ds = place("silos_four_departments")
    dup = duplicated_engagement(ds).set_index("org_id")
    for org in ("o", "icb"):
        assert dup.loc[org, "pairs"] == "A|D;B|D;D|K"
        assert dup.loc[org, "uncoordinated_pairs"] == 3
    assert dup["sector"].to_dict() == {"icb": "public", "o": "vcse"}
    text = silo_texts("silos_four_departments")["duplicated-engagement"]
    assert "4 departments" not in text
    assert (
        "1 is a voluntary or other organisation: Riverside Carers (3 pairs of Riverside "
        "Council's departments: Adults with Parks; Housing with Parks; and 1 more)."
    ) in text
    assert "1 is a public body (a statutory partner" in text
    assert text.index("Riverside Carers") < text.index("Riverside ICB")


def test_without_partnerships_or_boards_coordination_is_not_assessed() -> None:
    texts = silo_texts("silos_no_coordination_data")
    assert "no-siloed-departments" not in texts
    assert not any(k.startswith("siloed-departments") for k in texts)
    said = texts["coordination-not-assessable"]
    assert said.startswith("Whether departments are siloed cannot be assessed yet")
    assert "partnerships.csv" in said and "boards.csv with memberships.csv" in said
    dup = texts["duplicated-engagement"]
    assert "whether those departments coordinate cannot be seen in this data" in dup
    assert "no partnership or shared board between them" not in dup


def test_trafford_names_the_renaming_and_claims_no_duplicated_engagement(
    tmp_path: Path,
) -> None:
    dataset = tmp_path / "trafford"
    imported = CliRunner().invoke(cli, ["import-360giving", str(TRAFFORD), "--out", str(dataset)])
    assert imported.exit_code == 0, imported.output
    ds = read_dataset(dataset)
    old = "GB-LAE-TRF:partnerships-and-communities"
    new = "GB-LAE-TRF:inclusive-economy-communities"
    renamings = likely_renamings(ds)
    assert renamings[
        ["earlier_id", "later_id", "earlier_first", "earlier_last", "later_first", "later_last"]
    ].values.tolist() == [[old, new, "2013-01-18", "2020-08-12", "2020-08-31", "2024-06-19"]]
    assert renamings["shared"].tolist() == [53]
    results = analyse(ds, permutations=200)
    assert results.duplicated.empty
    texts = {f.id: f.text for f in explain(results)}
    assert (
        "Partnerships and Communities (dated ties January 2013 to August 2020) and "
        "Inclusive Economy & Communities (August 2020 to June 2024)"
    ) in texts["likely-renamings"]
    assert texts["duplicated-engagement"].startswith("No organisation is dealt with")
    assert "coordination-not-assessable" in texts  # grants only: no partnerships or boards
    assert "no-siloed-departments" not in texts
    assert "several conversations" not in " ".join(texts.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_concurrency_matrix_agrees_with_the_pairwise_rule(seed: int) -> None:
    import numpy as np

    from partnernet.analysis.silos import concurrency_matrix

    rng = np.random.default_rng(seed)
    periods = {}
    for i in range(40):
        if i % 9 == 0:
            periods[f"d{i}"] = ActivePeriod(None, None, 0)
            continue
        start = T("2015-01-01") + pd.Timedelta(days=int(rng.integers(0, 2000)))
        # Many short and same-day periods, so every branch of the rule is met.
        span = int(rng.choice([0, 0, 30, 90, 92, 93, 400, 2000]))
        periods[f"d{i}"] = ActivePeriod(start, start + pd.Timedelta(days=span), 1)
    names = list(periods)
    matrix = concurrency_matrix(names, periods)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                assert matrix[i, j] == concurrent(periods[a], periods[b]), (a, b)
