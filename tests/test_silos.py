"""Siloed departments on a place small enough to work out by hand.

The place (``hand_dataset``):

    council C (local_authority) with departments E, H, P, Q, R, S
    NHS body N with one department N1 (one department: not analysed)
    department Z with no parent_id (no known siblings: not analysed)
    departments W1, W2 of "ghost", a parent missing from organisations.csv
    VCSE a b c d e f g h

    partnerships: H-a, b->H, H->C (its own council: not a partner), S-d, E-e, P->g, Q-h
    funding:      H->c, S->c
    boards:       X = {E, P, f} (E and P coordinate through it)
                  Y = {H, N}

Partner sets (own council's units left out):
    E {e, f}   H {a, b, c, N}   P {f, g}   Q {h}   R {}   S {c, d}
Jaccard: H-S = |{c}| / |{a, b, c, N, d}| = 1/5; E-P = |{f}| / |{e, f, g}| = 1/3; every
other pair 0 (R has no partners: 0 with everyone).
Coordination ties: only E-P (board X).
    E: 1 tie, max overlap 1/3, not siloed, duplicated 0 (f is shared with P, coordinated)
    H: 0 ties, max 1/5 >= 0.1, not siloed, duplicated 1 (c, shared with S)
    P: 1 tie, max 1/3, not siloed, duplicated 0
    Q: 0 ties, max 0, siloed, duplicated 0
    R: 0 ties, max 0, siloed, duplicated 0
    S: 0 ties, max 1/5, not siloed, duplicated 1 (c)
    W1, W2 (ghost): no partners, no ties: both siloed.
Duplicated engagement: c, dealt with by H and S (no coordination tie): count 2.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_DIR

# The number checker is shared with the exclusion findings' tests.
from test_exclusion import assert_numbers_backed, replaced

from partnernet import read_dataset
from partnernet.analysis.ei import department_ei, ei_indices, sector_ei
from partnernet.analysis.pipeline import analyse
from partnernet.analysis.records import (
    BodyEI,
    DepartmentEI,
    DepartmentEIRow,
    EIIndices,
    SectorEI,
)
from partnernet.analysis.results import DEPARTMENT_COLUMNS, Results
from partnernet.analysis.silos import (
    DUPLICATION_COLUMNS,
    coordination_ties,
    department_table,
    departments_by_body,
    duplicated_engagement,
    overlap_matrices,
    partner_sets,
    units_of,
)
from partnernet.findings import Finding
from partnernet.findings.silos import silo_findings
from partnernet.graph import org_graph
from partnernet.model import Dataset

ORGS = [
    ("C", "Riverside Council", "local_authority", None),
    ("E", "Education", "department", "C"),
    ("H", "Housing", "department", "C"),
    ("P", "Public Health", "department", "C"),
    ("Q", "Planning", "department", "C"),
    ("R", "Records", "department", "C"),
    ("S", "Social Care", "department", "C"),
    ("N", "Health Trust", "nhs", None),
    ("N1", "Trust Estates", "department", "N"),
    ("Z", "Orphan Unit", "department", None),
    ("W1", "Ghost Unit One", "department", "ghost"),
    ("W2", "Ghost Unit Two", "department", "ghost"),
    *[(x, f"Group {x.upper()}", "vcse", None) for x in "abcdefgh"],
]


def hand_dataset() -> Dataset:
    return Dataset.from_frames(
        organisations=pd.DataFrame(ORGS, columns=["id", "name", "type", "parent_id"]),
        partnerships=pd.DataFrame(
            [("H", "a"), ("b", "H"), ("H", "C"), ("S", "d"), ("E", "e"), ("P", "g"), ("Q", "h")],
            columns=["source_id", "target_id"],
        ),
        funding=pd.DataFrame(
            {
                "id": ["1", "2"],
                "funder_id": ["H", "S"],
                "recipient_id": ["c", "c"],
                "amount": [10.0, 20.0],
                "award_date": ["2024-01-01"] * 2,
            }
        ),
        boards=pd.DataFrame({"id": ["X", "Y"], "name": ["Board X", "Board Y"]}),
        memberships=pd.DataFrame(
            {"board_id": ["X", "X", "X", "Y", "Y"], "org_id": ["E", "P", "f", "H", "N"]}
        ),
    )


@pytest.fixture
def ds() -> Dataset:
    return hand_dataset()


def test_departments_by_body_leaves_out_single_and_orphan_departments(ds: Dataset) -> None:
    assert departments_by_body(ds) == {
        "C": ["E", "H", "P", "Q", "R", "S"],
        "ghost": ["W1", "W2"],
    }
    # A body's units: the body itself and its departments.
    assert units_of("C", departments_by_body(ds)["C"]) == {"C", "E", "H", "P", "Q", "R", "S"}


def test_partner_sets_hand_worked(ds: Dataset) -> None:
    assert partner_sets(ds) == {
        "E": {"e", "f"},
        "H": {"a", "b", "c", "N"},
        "P": {"f", "g"},
        "Q": {"h"},
        "R": set(),
        "S": {"c", "d"},
        "W1": set(),
        "W2": set(),
    }


def test_coordination_ties_hand_worked(ds: Dataset) -> None:
    assert coordination_ties(ds) == {"C": {frozenset({"E", "P"})}, "ghost": set()}


def test_a_partnership_between_siblings_is_a_coordination_tie(ds: Dataset) -> None:
    extra = pd.concat([ds.partnerships, pd.DataFrame({"source_id": ["S"], "target_id": ["H"]})])
    ds2 = Dataset.from_frames(**{**ds.tables(), "partnerships": extra})
    assert frozenset({"H", "S"}) in coordination_ties(ds2)["C"]
    table = department_table(ds2).set_index("department_id")
    assert table.loc["H", "coordination_ties"] == 1
    assert table.loc["H", "duplicated_engagement"] == 0  # c is now shared in coordination
    assert duplicated_engagement(ds2).empty
    # The sibling is coordination, not a partner: partner sets are unchanged.
    assert partner_sets(ds2)["H"] == {"a", "b", "c", "N"}


def test_overlap_matrices_hand_worked(ds: Dataset) -> None:
    matrices = overlap_matrices(ds)
    assert list(matrices) == ["C", "ghost"]
    m = matrices["C"]
    assert list(m.index) == list(m.columns) == ["E", "H", "P", "Q", "R", "S"]
    assert np.diag(m.to_numpy()).tolist() == [1.0] * 6
    assert m.loc["H", "S"] == m.loc["S", "H"] == pytest.approx(1 / 5)
    assert m.loc["E", "P"] == pytest.approx(1 / 3)
    assert m.loc["R", "Q"] == 0.0  # an empty partner set overlaps nothing
    off_diagonal = m.to_numpy()[~np.eye(6, dtype=bool)]
    assert sorted(off_diagonal[off_diagonal > 0].round(6).tolist()) == [0.2, 0.2] + [0.333333] * 2
    # Two departments with no partners at all: Jaccard of two empty sets is 0.
    assert matrices["ghost"].to_numpy().tolist() == [[1.0, 0.0], [0.0, 1.0]]


def jaccard_brute(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def test_overlap_matrix_matches_brute_force_on_a_random_place() -> None:
    rng = np.random.default_rng(4)
    depts = [f"d{i}" for i in range(5)]
    vcse = [f"v{i}" for i in range(30)]
    orgs = [("c", "Council", "local_authority", None)]
    orgs += [(d, d, "department", "c") for d in depts]
    orgs += [(v, v, "vcse", None) for v in vcse]
    pairs = [(d, v) for d in depts for v in vcse if rng.random() < 0.2]
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(orgs, columns=["id", "name", "type", "parent_id"]),
        partnerships=pd.DataFrame(pairs, columns=["source_id", "target_id"]),
    )
    sets = {d: {v for dd, v in pairs if dd == d} for d in depts}
    m = overlap_matrices(ds)["c"]
    for a, b in itertools.product(depts, repeat=2):
        expected = 1.0 if a == b else jaccard_brute(sets[a], sets[b])
        assert m.loc[a, b] == pytest.approx(expected)


def test_department_table_hand_worked(ds: Dataset) -> None:
    table = department_table(ds)
    assert tuple(table.columns) == DEPARTMENT_COLUMNS
    expected = [
        ["E", "C", 1, 1 / 3, False, 0],
        ["H", "C", 0, 1 / 5, False, 1],
        ["P", "C", 1, 1 / 3, False, 0],
        ["Q", "C", 0, 0.0, True, 0],
        ["R", "C", 0, 0.0, True, 0],
        ["S", "C", 0, 1 / 5, False, 1],
        ["W1", "ghost", 0, 0.0, True, 0],
        ["W2", "ghost", 0, 0.0, True, 0],
    ]
    got = table.to_numpy().tolist()
    for row, want in zip(got, expected, strict=True):
        assert row[:3] == want[:3]
        assert row[3] == pytest.approx(want[3])
        assert row[4:6] == want[4:]
        # H and S are dated by one award each, on the same day: concurrent.
        dated = want[0] in ("H", "S")
        assert row[6:8] == (["2024-01-01"] * 2 if dated else [None, None])
        assert row[8] == (5 if want[1] == "C" else 1)


@pytest.mark.parametrize(
    ("overlap_below", "siloed"),
    [
        (0.1, ["Q", "R", "W1", "W2"]),
        (0.25, ["H", "Q", "R", "S", "W1", "W2"]),  # 1/5 is now "low overlap"
        (0.0, []),  # nothing is below 0
    ],
)
def test_silo_threshold(ds: Dataset, overlap_below: float, siloed: list[str]) -> None:
    table = department_table(ds, overlap_below=overlap_below)
    assert table.loc[table["siloed"], "department_id"].tolist() == siloed


def test_duplicated_engagement_hand_worked(ds: Dataset) -> None:
    table = duplicated_engagement(ds)
    assert tuple(table.columns) == DUPLICATION_COLUMNS
    assert table.to_numpy().tolist() == [["c", "Group C", "vcse", "C", "H;S", 2, "H|S", 1]]


def test_duplicated_engagement_lists_only_uncoordinated_departments() -> None:
    # o is dealt with by A, B and D; A and B coordinate (shared board), D coordinates
    # with nobody: all three deal with o without coordinating with D.
    orgs = [("p", "Body", "local_authority", None), ("o", "Org", "vcse", None)]
    orgs += [(d, d, "department", "p") for d in "ABD"]
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(orgs, columns=["id", "name", "type", "parent_id"]),
        partnerships=pd.DataFrame({"source_id": ["A", "B", "D"], "target_id": ["o"] * 3}),
        boards=pd.DataFrame({"id": ["K"], "name": ["K"]}),
        memberships=pd.DataFrame({"board_id": ["K", "K"], "org_id": ["A", "B"]}),
    )
    assert duplicated_engagement(ds)["departments"].tolist() == ["A;B;D"]
    # Once D coordinates with A, the pairs left uncoordinated are B-D only.
    ds2 = Dataset.from_frames(
        **{
            **ds.tables(),
            "partnerships": pd.DataFrame(
                {"source_id": ["A", "B", "D", "D"], "target_id": ["o", "o", "o", "A"]}
            ),
        }
    )
    assert duplicated_engagement(ds2)["departments"].tolist() == ["B;D"]
    table = department_table(ds2).set_index("department_id")
    assert table["duplicated_engagement"].to_dict() == {"A": 0, "B": 1, "D": 1}


def test_no_body_with_two_departments_gives_empty_tables() -> None:
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            [("c", "C", "local_authority", None), ("d", "D", "department", "c")],
            columns=["id", "name", "type", "parent_id"],
        )
    )
    assert department_table(ds).empty
    assert tuple(department_table(ds).columns) == DEPARTMENT_COLUMNS
    assert overlap_matrices(ds) == {}
    assert duplicated_engagement(ds).empty
    findings = silo_findings(analyse(ds, permutations=10, seed=0))
    assert findings[0].id == "silos-not-assessable"
    assert "cannot be assessed" in findings[0].text


# --- E-I ----------------------------------------------------------------------------


def cycle_place() -> tuple[Dataset, nx.Graph]:
    """Council c (departments h, s) and groups a, b; G is the 4-cycle h-a-b-s-h with
    c isolated (5 nodes)."""
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            [
                ("c", "Council", "local_authority", None),
                ("h", "Housing", "department", "c"),
                ("s", "Social Care", "department", "c"),
                ("a", "Group A", "vcse", None),
                ("b", "Group B", "vcse", None),
            ],
            columns=["id", "name", "type", "parent_id"],
        )
    )
    G = nx.Graph([("h", "a"), ("a", "b"), ("b", "s"), ("s", "h")])
    G.add_node("c")
    return ds, G


def test_department_ei_body_hand_worked() -> None:
    # Units {c, h, s}: internal h-s = 1; degree sum 0 + 2 + 2 = 4 -> external 2;
    # E-I = (2 - 1) / 3 = 1/3. The null: all C(5,3) = 10 sets of three nodes. With
    # c: 4 of the 6 pairs of cycle nodes are adjacent (E-I 1/3), 2 are not (E-I 1);
    # without c: the 4 three-node paths of the cycle (I = 2, E = 2, E-I 0).
    # Expected (4 * 0 + 4 * 1/3 + 2 * 1) / 10 = 1/3; P(EI <= 1/3) = 8/10,
    # P(EI >= 1/3) = 6/10, two-sided min(1, 2 * 0.6) = 1.
    ds, G = cycle_place()
    for alternative, p in (("less", 0.8), ("greater", 0.6), ("two-sided", 1.0)):
        r = department_ei(ds, G, n_permutations=20_000, alternative=alternative, seed=2)
        assert isinstance(r, DepartmentEI) and isinstance(r.bodies, tuple)
        assert all(isinstance(d, DepartmentEIRow) for d in r.departments)
        (body,) = r["bodies"]
        assert isinstance(body, BodyEI)
        assert (body["parent_id"], body["units"], body["internal"], body["external"]) == (
            "c",
            3,
            1,
            2,
        )
        assert body["ei"] == pytest.approx(1 / 3)
        assert body["expected"] == pytest.approx(1 / 3, abs=0.01)
        assert body["p_value"] == pytest.approx(p, abs=0.01)


def test_department_ei_department_hand_worked() -> None:
    # h: neighbours a and s; its own-body units among the 4 other nodes are c, s.
    # Internal 1, external 1: E-I 0. Shuffling the others' labels, its own-body
    # neighbours are hypergeometric (2 good, 2 bad, 2 draws): P(0) = 1/6,
    # P(1) = 4/6, P(2) = 1/6; expected E-I = 1 - 2 * 2/4 = 0; P(X >= 1) = 5/6.
    ds, G = cycle_place()
    r = department_ei(ds, G, n_permutations=10, alternative="less", seed=0)
    h = next(d for d in r["departments"] if d["department_id"] == "h")
    assert (h["degree"], h["internal"], h["external"], h["ei"]) == (2, 1, 1, 0.0)
    assert h["expected"] == pytest.approx(0.0)
    assert h["p_value"] == pytest.approx(5 / 6)


def brute_department_p(G: nx.Graph, dept: str, units: set, alternative: str) -> float:
    """Every way of placing the department's own-body labels on the other nodes."""
    others = [n for n in G if n != dept]
    good = len(units) - 1
    observed = sum(1 for n in G[dept] if n in units)
    counts = []
    for chosen in itertools.combinations(others, good):
        counts.append(sum(1 for n in G[dept] if n in chosen))
    counts_arr = np.array(counts)
    less = float(np.mean(counts_arr >= observed))  # more own-body ties = lower E-I
    greater = float(np.mean(counts_arr <= observed))
    return {"less": less, "greater": greater, "two-sided": min(1.0, 2 * min(less, greater))}[
        alternative
    ]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("alternative", ["less", "greater", "two-sided"])
def test_department_ei_p_values_match_brute_force(seed: int, alternative: str) -> None:
    G = nx.gnp_random_graph(14, 0.35, seed=seed)
    G = nx.relabel_nodes(G, {i: f"n{i}" for i in G})
    depts = ["n1", "n2", "n3"]
    orgs = [("n0", "Body", "local_authority", None)]
    orgs += [(d, d, "department", "n0") for d in depts]
    orgs += [(f"n{i}", f"n{i}", "vcse", None) for i in range(4, 14)]
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(orgs, columns=["id", "name", "type", "parent_id"])
    )
    r = department_ei(ds, G, n_permutations=10, alternative=alternative, seed=seed)
    units = {"n0", *depts}
    for d in r["departments"]:
        if d["degree"]:
            expected = brute_department_p(G, d["department_id"], units, alternative)
            assert d["p_value"] == pytest.approx(expected)
        else:
            assert d["ei"] is None and d["p_value"] is None


def test_sector_ei_hand_worked() -> None:
    G = nx.Graph([("v1", "v2"), ("v2", "p1"), ("p1", "p2"), ("v1", "p1")])
    nx.set_node_attributes(
        G, {"v1": "vcse", "v2": "vcse", "p1": "public", "p2": "public"}, "sector"
    )
    r = sector_ei(G, n_permutations=100, seed=0)
    # Internal v1-v2, p1-p2; external v2-p1, v1-p1: (2 - 2) / 4 = 0.
    assert (r["internal"], r["external"], r["ei"]) == (2, 2, 0.0)
    assert "same sector" in r["definition"]


def test_ei_indices_reproducible_on_the_hand_place(ds: Dataset) -> None:
    G = org_graph(ds)
    a = ei_indices(ds, G, n_permutations=300, seed=5)
    assert a == ei_indices(ds, G, n_permutations=300, seed=5)
    council = next(b for b in a["department"]["bodies"] if b["parent_id"] == "C")
    ps = [a["sector"]["p_value"], council["p_value"]]
    ps += [d["p_value"] for d in a["department"]["departments"] if d["p_value"] is not None]
    assert len(ps) == 2 + 5 and all(0 < p <= 1 for p in ps)
    # R, W1 and W2 have no ties in the organisation graph: no index for them.
    no_ties = {d["department_id"] for d in a["department"]["departments"] if d["ei"] is None}
    assert no_ties == {"R", "W1", "W2"}
    ghost = next(b for b in a["department"]["bodies"] if b["parent_id"] == "ghost")
    assert ghost["ei"] is None and ghost["p_value"] is None


def test_department_ei_large_graph_path_draws_distinct_nodes() -> None:
    # Above 20,000 nodes the random sets come from rejection sampling; a body with
    # no ties among its units anywhere gives the same figures either way.
    G = nx.empty_graph(25_000)
    G = nx.relabel_nodes(G, {i: f"n{i}" for i in G})
    G.add_edges_from((f"n{i}", f"n{i + 1}") for i in range(0, 24_999, 2))
    orgs = [("n0", "Body", "local_authority", None), ("n2", "A", "department", "n0")]
    orgs += [("n4", "B", "department", "n0")]
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(orgs, columns=["id", "name", "type", "parent_id"])
    )
    r = department_ei(ds, G, n_permutations=200, alternative="greater", seed=0)
    (body,) = r["bodies"]
    # Each unit has one tie, to a non-unit: E-I 1. Random 3-sets almost never
    # contain a tied pair, so E-I is 1 (or NaN when all three sampled are isolated
    # nodes - impossible here, every node has degree 1).
    assert body["ei"] == 1.0
    assert body["expected"] == pytest.approx(1.0, abs=0.01)
    assert body["p_value"] == pytest.approx(1.0, abs=0.01)


# --- findings -----------------------------------------------------------------------


def names_in(ds: Dataset) -> list[str]:
    return [*ds.organisations["name"], *ds.organisations["id"]]


def results_for(ds: Dataset, *, permutations: int = 500) -> Results:
    """One run of the pipeline: its department table, duplicated engagement and E-I
    indices are the ones computed directly."""
    results = analyse(ds, permutations=permutations, seed=0)
    pd.testing.assert_frame_equal(results.departments, department_table(ds))
    pd.testing.assert_frame_equal(results.duplicated, duplicated_engagement(ds))
    assert results.summary.ei == ei_indices(ds, org_graph(ds), n_permutations=permutations, seed=0)
    return results


def findings_for(ds: Dataset, **kwargs) -> list[Finding]:
    return silo_findings(results_for(ds), **kwargs)


def test_silo_findings_hand_worked(ds: Dataset) -> None:
    findings = findings_for(ds)
    by_id = {f.id: f for f in findings}
    assert list(by_id) == [
        "siloed-departments-C",
        "siloed-departments-ghost",
        "duplicated-engagement",
        "ei-sector",
        "ei-body-C",
        "ei-body-ghost",
    ]
    council = by_id["siloed-departments-C"]
    assert council.text.startswith("2 of the 6 departments of Riverside Council are siloed")
    assert (
        "Planning: overlap at most 0.00 with any other department active at the same time; "
        "it shares 0 "
    ) in council.text
    assert "Records: overlap at most 0.00" in council.text
    assert [d["department_id"] for d in council.figures["siloed_departments"]] == ["Q", "R"]
    assert "ghost" in by_id["siloed-departments-ghost"].text  # parent's name unknown: its id
    dup = by_id["duplicated-engagement"]
    assert dup.text.startswith("1 organisation is dealt with separately")
    assert "organisation: Group C (Riverside Council's Housing with Social Care)." in dup.text
    assert by_id["ei-body-ghost"].text.startswith("Too little data")
    for f in findings:
        assert f.question == "silos"
        assert_numbers_backed(f, names_in(ds))


def test_many_bodies_are_summed_up_in_one_finding_each(ds: Dataset) -> None:
    # Two bodies with siloed departments (C: Q and R of 6; ghost: W1 and W2 of 2)
    # are more than max_bodies=1, so each question gets one summing-up finding.
    findings = findings_for(ds, max_bodies=1, max_listed=1)
    by_id = {f.id: f for f in findings}
    assert list(by_id) == ["siloed-departments", "duplicated-engagement", "ei-sector", "ei-bodies"]
    siloed = by_id["siloed-departments"]
    assert siloed.text.startswith(
        "4 departments of 2 of the 2 public bodies with two or more departments are siloed"
    )
    # C and ghost both have 2; the tie goes to the smaller id, C.
    assert "Most siloed departments: Riverside Council (2 of 6 departments), and 1 more body." in (
        siloed.text
    )
    assert siloed.figures["examples"] == [{"parent_id": "C", "siloed": 2, "departments": 6}]
    for f in findings:
        assert_numbers_backed(f, names_in(ds))


def test_many_bodies_ei_summary_counts_each_kind(ds: Dataset) -> None:
    def body(parent: str, ei: float | None, expected: float, p: float | None) -> BodyEI:
        return BodyEI(parent_id=parent, units=3, internal=1, external=4, ei=ei,
                      expected=expected, p_value=p)  # fmt: skip

    results = results_for(ds)
    department = dataclasses.replace(
        results.summary.ei.department,
        bodies=(
            body("C", 0.1, 0.5, 0.01),  # inward, significant
            body("ghost", 0.9, 0.5, 0.001),  # outward, significant, furthest out
            body("N", 0.8, 0.5, 0.02),  # outward, significant
            body("Z", 0.6, 0.5, 0.3),  # not significant
            body("W1", None, 0.5, None),  # no ties
        ),
    )
    ei = dataclasses.replace(results.summary.ei, department=department)
    findings = silo_findings(replaced(results, ei=ei), max_bodies=4, max_listed=1)
    # The sector has its own finding; the bodies are summed up in one.
    assert [f.id for f in findings if f.id.startswith("ei-")] == ["ei-sector", "ei-bodies"]
    (summary,) = [f for f in findings if f.id.startswith("ei-bod")]
    assert summary.id == "ei-bodies"
    assert summary.text.startswith(
        "Of the 5 public bodies with two or more departments, 1 have units (the body and its "
        "departments) tied to one another more than chance would give, 2 less than chance "
        "(p below 0.05 for each), and for 1 the difference from chance is not statistically "
        "significant; 1 have no ties in the network"
    )
    assert (
        "Least joined-up: ghost (E-I index 0.90 against about 0.50; p = 0.001, 500 reshuffles)."
        in (summary.text)
    )
    figures = summary.figures
    assert (figures["more_inward"], figures["more_outward"]) == (1, 2)
    assert (figures["not_significant"], figures["no_ties"]) == (1, 1)
    assert_numbers_backed(summary, names_in(ds))


def test_non_significant_ei_is_not_claimed(ds: Dataset) -> None:
    results = results_for(ds)
    sector_record = SectorEI(
        ei=0.2,
        internal=4,
        external=6,
        expected=0.3,
        p_value=0.4,
        alternative="two-sided",
        n_permutations=5000,
        seed=0,
        groups=(),
    )
    no_bodies = dataclasses.replace(results.summary.ei.department, bodies=(), departments=())
    ei = EIIndices(sector=sector_record, department=no_bodies)
    findings = silo_findings(replaced(results, ei=ei))
    sector = next(f for f in findings if f.id == "ei-sector")
    assert "not statistically significant (p = 0.400" in sector.text
    assert "more than chance" not in sector.text
    assert_numbers_backed(sector)
    ei = dataclasses.replace(ei, sector=dataclasses.replace(sector_record, p_value=0.001))
    sector = next(f for f in silo_findings(replaced(results, ei=ei)) if f.id == "ei-sector")
    assert "Ties stay within sectors more than chance would give (p = 0.001" in sector.text
    assert_numbers_backed(sector)


def test_no_siloed_departments_is_said() -> None:
    # Two departments partnering directly: coordinated, so neither is siloed.
    orgs = [("p", "Body", "local_authority", None)]
    orgs += [(d, d, "department", "p") for d in "AB"]
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(orgs, columns=["id", "name", "type", "parent_id"]),
        partnerships=pd.DataFrame({"source_id": ["A"], "target_id": ["B"]}),
    )
    findings = findings_for(ds)
    assert findings[0].id == "no-siloed-departments"
    assert findings[0].text.startswith("No department is siloed: each of the 2 departments")
    assert not math.isnan(findings[0].figures["overlap_threshold"])


# --- the sample place (DESIGN section 9: planted findings) --------------------------

# Adult Social Care and Housing of Marshford Council are planted as siloed, both
# funding the same few providers; the other three departments coordinate.
SILOED = ["GB-LAE-MSF-ASC", "GB-LAE-MSF-HSG"]
COUNCIL = "GB-LAE-MSF"


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return read_dataset(SAMPLE_DIR, pseudonym_key="test-key-not-secret")


def test_sample_planted_siloed_departments_are_flagged(sample: Dataset) -> None:
    table = department_table(sample)
    assert table.loc[table["siloed"], "department_id"].tolist() == SILOED
    council = table[table["parent_id"] == COUNCIL].set_index("department_id")
    assert len(council) == 5
    assert (council.loc[SILOED, "coordination_ties"] == 0).all()
    assert (council.loc[SILOED, "max_partner_overlap"] < 0.1).all()
    assert (council.loc[SILOED, "duplicated_engagement"] > 0).all()
    # Every other department coordinates with a sibling.
    others = council.drop(index=SILOED)
    assert (others["coordination_ties"] > 0).all()


def test_sample_duplicated_engagement_names_the_siloed_pair(sample: Dataset) -> None:
    dup = duplicated_engagement(sample)
    pair = dup[dup["departments"] == ";".join(SILOED)]
    assert len(pair) >= 3  # the providers both fund
    assert (pair["parent_id"] == COUNCIL).all()
    # Each of those organisations really is a partner of both departments.
    sets = partner_sets(sample)
    for org in pair["org_id"]:
        assert org in sets[SILOED[0]] and org in sets[SILOED[1]]
    results = results_for(sample, permutations=1000)
    pd.testing.assert_frame_equal(results.duplicated, dup)
    findings = silo_findings(results)
    siloed = next(f for f in findings if f.id == f"siloed-departments-{COUNCIL}")
    assert siloed.text.startswith("2 of the 5 departments of Marshford Council are siloed")
    assert "Adult Social Care" in siloed.text and "Housing" in siloed.text
    names = [*sample.organisations["name"], *sample.organisations["id"]]
    for f in findings:
        assert_numbers_backed(f, names)


@pytest.mark.parametrize("k", [2, 5, 30])
def test_subset_ei_counts_the_same_ties_by_pairs_and_by_edges(k: int) -> None:
    # A body of hundreds of departments is counted edge by edge (issue 12: 600
    # departments took 27 s pair by pair); both ways must give the same figures.
    from partnernet.analysis.ei import _subset_ei

    G = nx.gnm_random_graph(60, 150, seed=k)
    n = G.number_of_nodes()
    codes = np.array(sorted(min(u, v) * n + max(u, v) for u, v in G.edges()), dtype="int64")
    degree = np.array([G.degree(i) for i in range(n)], dtype="int64")
    pairs = _subset_ei(np.random.default_rng(3), degree, codes, n, k, 400, by_edges=False)
    edges = _subset_ei(np.random.default_rng(3), degree, codes, n, k, 400, by_edges=True)
    np.testing.assert_array_equal(pairs, edges)
    assert not np.isnan(edges).all()


def test_a_bodys_e_i_index_is_given_only_when_its_units_could_show_a_tie() -> None:
    from partnernet.analysis.pipeline import analyse
    from partnernet.findings import explain

    organisations = pd.DataFrame(
        {
            "id": ["C", "C:a", "C:b", "v1", "v2", "v3"],
            "name": ["Council", "Care", "Housing", "V1", "V2", "V3"],
            "type": ["local_authority", "department", "department", "vcse", "vcse", "vcse"],
            "parent_id": [None, "C", "C", None, None, None],
        }
    )
    funding = pd.DataFrame(
        {
            "id": ["g1", "g2", "g3", "g4", "g5"],
            "funder_id": ["C:a", "C:a", "C:b", "C:b", "C"],
            "recipient_id": ["v1", "v2", "v2", "v3", "v1"],
            "amount": [100.0, 200.0, 300.0, 400.0, 500.0],
        }
    )
    grants_only = Dataset.from_frames(organisations=organisations, funding=funding)
    ids = [f.id for f in explain(analyse(grants_only, permutations=100))]
    assert "coordination-not-assessable" in ids
    assert not [i for i in ids if i.startswith("ei-body-")]
    partnered = Dataset.from_frames(
        organisations=organisations,
        funding=funding,
        partnerships=pd.DataFrame({"source_id": ["C:a"], "target_id": ["v3"]}),
    )
    ids = [f.id for f in explain(analyse(partnered, permutations=100))]
    assert "ei-body-C" in ids
