"""Known answers for the null models the findings use: brokerage roles against
reshuffled sector labels, random groups of the same size with the
Benjamini-Hochberg step, p-values as bounds, and questions gated by the data."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from test_exclusion import assert_numbers_backed

from partnernet.analysis.exclusion import under_connected_groups
from partnernet.analysis.pipeline import analyse
from partnernet.analysis.roles import (
    _group_codes,
    _ReshuffleArrays,
    brokerage_permutation_test,
    brokerage_roles,
)
from partnernet.analysis.stats import benjamini_hochberg
from partnernet.findings import explain
from partnernet.findings.wording import p_shown, p_value
from partnernet.model import Dataset

# --- brokerage against reshuffled labels --------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_reshuffled_counts_equal_brokerage_roles_on_the_same_labels(seed: int) -> None:
    """The vectorised counts of a block of label rows equal brokerage_roles run on
    each row's labels (a brute reference), totals and brokers' liaison alike."""
    G = nx.gnp_random_graph(25, 0.2, seed=seed)
    G.add_edge(100, 0)  # a leaf, which brokers nothing
    rng = np.random.default_rng(seed)
    groups = {n: int(rng.integers(0, 4)) for n in G}
    nodes = list(G)
    codes, labels = _group_codes(nodes, groups)
    brokers = np.array([0, 3, nodes.index(100)])
    arrays = _ReshuffleArrays.of(G, nodes, brokers)
    rows = np.stack([rng.permutation(codes) for _ in range(5)])
    totals, liaison = arrays.counts(rows, len(labels))
    for r in range(len(rows)):
        reference = brokerage_roles(G, {nodes[i]: int(rows[r, i]) for i in range(len(nodes))})
        assert reference.sum().tolist() == totals[r].tolist()
        assert reference["liaison"].to_numpy()[brokers].tolist() == liaison[r].tolist()


def test_a_star_of_exchangeable_labels_brokers_exactly_what_its_position_gives() -> None:
    # Every node in a group of its own: any reshuffle gives the centre every pair of
    # leaves as liaison (6 * 5 ordered pairs), so the observed count is the only one.
    G = nx.star_graph(6)
    table, top = brokerage_permutation_test(
        G, {n: f"g{n}" for n in G}, brokers=[0], n_permutations=500, seed=3
    )
    liaison = table.set_index("role").loc["liaison"]
    assert (liaison["observed"], liaison["reshuffled_expected"]) == (30, 30.0)
    assert liaison["reshuffled_p"] == 1.0
    assert top.iloc[0]["liaison"] == 30 and top.iloc[0]["reshuffled_p"] == 1.0


def test_a_star_whose_centre_label_is_arbitrary_is_not_a_broker_beyond_its_position() -> None:
    # Centre and leaves in two groups of equal standing: the centre's roles are what
    # any node in the middle of a star gets, so the totals are typical of reshuffling.
    G = nx.star_graph(9)
    groups = {n: ("a" if n % 2 else "b") for n in G}
    table, _ = brokerage_permutation_test(G, groups, brokers=[0], n_permutations=2000, seed=1)
    assert (table["reshuffled_p"] > 0.3).all()


def test_a_planted_broker_gets_a_small_p() -> None:
    # A hub of its own sector joins two cliques of two other sectors that have no
    # tie between them: 2 * 10 * 10 ordered liaison pairs, which a reshuffle gives
    # only when the hub keeps its label and the cliques stay sorted (1 in 21 * C(20, 10)).
    G = nx.Graph()
    xs, ys = [f"x{i}" for i in range(10)], [f"y{i}" for i in range(10)]
    G.add_edges_from(itertools.combinations(xs, 2))
    G.add_edges_from(itertools.combinations(ys, 2))
    G.add_edges_from(("hub", v) for v in xs + ys)
    groups = {"hub": "infrastructure", **dict.fromkeys(xs, "vcse"), **dict.fromkeys(ys, "public")}
    table, top = brokerage_permutation_test(G, groups, brokers=["hub"], n_permutations=2000, seed=0)
    assert top.iloc[0]["liaison"] == 200
    assert top.iloc[0]["reshuffled_p"] == pytest.approx(1 / 2001)
    liaison = table.set_index("role").loc["liaison"]
    assert liaison["observed"] == 200 and liaison["reshuffled_p"] == pytest.approx(2 / 2001)


def test_reshuffles_are_seeded_and_a_budget_keeps_at_least_the_minimum() -> None:
    G = nx.karate_club_graph()
    groups = {n: n % 3 for n in G}
    first = brokerage_permutation_test(G, groups, brokers=[0, 33], n_permutations=300, seed=5)
    again = brokerage_permutation_test(G, groups, brokers=[0, 33], n_permutations=300, seed=5)
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    capped, _ = brokerage_permutation_test(G, groups, n_permutations=5000, seed=5, work_budget=1)
    assert set(capped["reshuffles"]) == {1000}


def test_the_run_tests_the_top_brokers_and_the_table_says_which_null_is_which() -> None:
    from test_brokerage import dataset_of, findings_graph

    results = analyse(dataset_of(findings_graph()), permutations=200, seed=0)
    assert list(results.roles.columns) == [
        "role",
        "observed",
        "random_graph_expected",
        "random_graph_z",
        "reshuffled_expected",
        "reshuffled_p",
        "reshuffles",
    ]
    tested = {b.id for b in results.summary.brokerage_null.top_brokers}
    assert set(results.top_brokers) <= tested and "marshford_cvs" in tested


# --- Benjamini-Hochberg ----------------------------------------------------------------


def test_benjamini_hochberg_by_hand() -> None:
    # m = 6, alpha 0.05: thresholds 0.0083, 0.0167, 0.025, 0.0333, 0.0417, 0.05.
    # Sorted: 0.001, 0.008, 0.039, 0.041, 0.042, 0.6: the largest k with
    # p_(k) <= k alpha / m is 5 (0.042 <= 0.0417? no) -> 4 (0.041 <= 0.0333? no)
    # -> 3 (0.039 <= 0.025? no) -> 2 (0.008 <= 0.0167): the two smallest.
    p = [0.039, 0.001, 0.6, 0.041, 0.008, 0.042]
    assert benjamini_hochberg(p).tolist() == [False, True, False, False, True, False]
    # A later pass carries earlier failures with it (step-up): 0.02 fails its own
    # threshold (0.0125) but 0.04 <= 4 * 0.05 / 4 takes all four.
    assert benjamini_hochberg([0.02, 0.03, 0.035, 0.04]).all()
    # NaN is a test not made: it does not count in m.
    assert benjamini_hochberg([0.03, math.nan]).tolist() == [True, False]
    assert not benjamini_hochberg([]).any()


def _bh_reference(p: list[float], alpha: float) -> list[bool]:
    """Adjusted p-values q_(i) = min over j >= i of m p_(j) / j; reject q <= alpha."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, m * p[i] / rank)
        q[i] = running
    return [value <= alpha + 1e-15 for value in q]


@pytest.mark.parametrize("seed", range(20))
def test_benjamini_hochberg_agrees_with_adjusted_p_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 40))
    p = np.round(rng.beta(0.4, 2.0, size=m), 3).tolist()  # rounded: ties happen
    alpha = float(rng.choice([0.01, 0.05, 0.1]))
    assert benjamini_hochberg(p, alpha=alpha).tolist() == _bh_reference(p, alpha)


# --- groups against random groups of the same size -----------------------------------


def planted_groups() -> tuple[nx.Graph, pd.Series]:
    """100 organisations on a ring (4 ties each), 15 leaves hanging off it (tag
    'few'), 15 ring members far from decision makers (tag 'far'), 15 ordinary ones
    (tag 'ordinary') and 12 grantees tied to one funder alone (tag 'grantees')."""
    G = nx.circulant_graph(100, [1, 2])
    G = nx.relabel_nodes(G, {i: f"r{i}" for i in range(100)})
    tags: dict[str, tuple[str, ...]] = {n: () for n in G}
    for i in range(15):
        G.add_edge(f"leaf{i}", f"r{i * 6}")
        tags[f"leaf{i}"] = ("few",)
        tags[f"r{i * 6 + 1}"] = ("far",)
        tags[f"r{i * 6 + 3}"] = ("ordinary",)
    for i in range(12):
        G.add_edge(f"grantee{i}", "funder")
        tags[f"grantee{i}"] = ("grantees",)
    for n in G:
        G.nodes[n].update(type="funder" if n == "funder" else "vcse", name=n, size_band=None)
        G.nodes[n]["tags"] = tags.get(n, ())
    distance = pd.Series(
        {n: (5.0 if "far" in G.nodes[n]["tags"] else 1.0) for n in G}, dtype="float64"
    )
    return G, distance


def test_only_groups_unlike_random_ones_are_flagged() -> None:
    G, distance = planted_groups()
    table = under_connected_groups(G, distance=distance, n_permutations=2000, seed=4)
    rows = table.set_index("group")
    assert set(table.loc[table["flagged"], "group"]) == {"few", "far", "grantees"}
    # 'few': 15 organisations with one tie each are the 15 lowest degree sums; no
    # random group of 15 reaches a sum as low except all the leaves and grantees.
    assert rows.loc["few", "p_degree"] == pytest.approx(1 / 2001)
    # 'far' has ordinary degrees: flagged on distance alone.
    assert rows.loc["far", "mean_degree_ratio"] > 0.75
    assert rows.loc["far", "p_far"] == pytest.approx(1 / 2001)
    assert not rows.loc["ordinary", "flagged"] and rows.loc["ordinary", "p_degree"] > 0.05
    assert rows.loc["grantees", "explained_by"] == "funder"
    assert rows.loc["few", "explained_by"] == ""


def test_without_enough_decision_makers_groups_are_compared_on_ties_alone() -> None:
    G, distance = planted_groups()
    table = under_connected_groups(
        G, distance=distance, n_permutations=500, seed=4, use_distance=False
    )
    assert table["p_far"].isna().all()
    assert set(table.loc[table["flagged"], "group"]) == {"few", "grantees"}


def test_group_p_values_match_every_subset_of_a_small_population() -> None:
    """On 8 organisations, the share of all C(8, m) subsets with as low a degree sum
    (a brute reference) is what 20,000 random groups estimate."""
    G = nx.Graph([("a", "b"), ("b", "c"), ("c", "d"), ("b", "d"), ("e", "f")])
    G.add_nodes_from(["g", "h"])
    tags = {"a": ("t",), "g": ("t",), "h": ("t",), "e": ("u",), "b": ("u",), "c": ("u",)}
    for n in G:
        G.nodes[n].update(type="vcse", name=n, size_band=None, tags=tags.get(n, ()))
    distance = pd.Series(1.0, index=list(G))
    table = under_connected_groups(
        G, distance=distance, min_size=3, n_permutations=20_000, seed=2
    ).set_index("group")
    degree = dict(G.degree())
    for tag, members in (("t", ["a", "g", "h"]), ("u", ["b", "c", "e"])):
        observed = sum(degree[m] for m in members)
        subsets = list(itertools.combinations(degree.values(), 3))
        exact = sum(sum(s) <= observed for s in subsets) / len(subsets)
        assert table.loc[tag, "p_degree"] == pytest.approx(exact, abs=0.01)
    # By hand: t = {a (1 tie), g (0), h (0)} sums to 1. Degrees a1 b3 c2 d2 e1 f1 g0 h0:
    # a sum of at most 1 needs both zeros (g, h) and one of a, e, f: 3 of C(8, 3) = 56.
    assert table.loc["t", "p_degree"] == pytest.approx(3 / 56, abs=0.01)


def test_communities_are_named_after_their_most_central_member() -> None:
    G, distance = planted_groups()
    community = pd.Series({n: (1 if n.startswith("grantee") or n == "funder" else 0) for n in G})
    centrality = pd.Series({n: (1.0 if n == "funder" else 0.0) for n in G})
    table = under_connected_groups(
        G, distance=distance, community=community, centrality=centrality, n_permutations=100
    )
    labels = table[table["grouping"] == "community"].set_index("group")["label"]
    assert labels["1"] == "around funder"
    assert table.attrs["tests"]["centrality"] == "betweenness"


# --- p-values as bounds --------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "n", "text", "shown"),
    [
        (1 / 5001, 5000, "p < 0.001, 5,000 reshuffles", 0.001),
        (0.0002, 5000, "p < 0.001, 5,000 reshuffles", 0.001),
        (1 / 1001, 1000, "p < 0.001, 1,000 reshuffles", 0.001),
        (1 / 201, 200, "p < 0.01, 200 reshuffles", 0.01),
        (1 / 101, 100, "p < 0.01, 100 reshuffles", 0.01),
        (3 / 101, 100, "p = 0.030, 100 reshuffles", 0.03),
        (0.0012, 5000, "p = 0.0012, 5,000 reshuffles", 0.0012),
        (0.04321, 5000, "p = 0.043, 5,000 reshuffles", 0.043),
        (1.0, 5000, "p = 1.000, 5,000 reshuffles", 1.0),
    ],
)
def test_p_values_are_bounds_at_the_floor_and_name_their_reshuffles(
    p: float, n: int, text: str, shown: float
) -> None:
    assert p_value(p, n) == text
    assert p_shown(p, n) == shown
    assert "0.0002" not in p_value(p, n)


# --- questions gated by the data -------------------------------------------------------


def grants_only() -> Dataset:
    """One council funding 12 groups of unknown size, and one trust with one grant."""
    ids = [f"g{i}" for i in range(12)]
    organisations = pd.DataFrame(
        {
            "id": ["council", "trust", *ids],
            "name": ["Council", "Trust", *[f"Group {chr(65 + i)}" for i in range(12)]],
            "type": ["local_authority", "funder", *["vcse"] * 12],
        }
    )
    funding = pd.DataFrame(
        {
            "id": [f"a{i}" for i in range(13)],
            "funder_id": ["council"] * 12 + ["trust"],
            "recipient_id": [*ids, "g0"],
            "amount": [1000.0] * 13,
            "award_date": ["2024-01-01"] * 13,
        }
    )
    return Dataset.from_frames(organisations=organisations, funding=funding)


def test_grants_only_data_answers_no_question_it_cannot() -> None:
    results = analyse(grants_only(), permutations=200, seed=0)
    findings = {f.id: f for f in explain(results)}
    text = " ".join(f.text for f in findings.values())
    assert "would not leave any small organisation" not in text
    assert "Ties cross sectors more than chance" not in text
    assert "main liaison broker" not in text
    for fid in ("small-orgs-size-unknown", "brokerage-funding-only", "brokerage-removal"):
        assert "cannot be answered yet" in findings[fid].text, fid
        assert findings[fid].figures["answerable"] is False
    assert "crosses sectors by construction" in findings["ei-sector"].text
    assert "partnerships.csv" in findings["brokerage-funding-only"].text
    assert "small-orgs-board-seats" not in findings and "small-orgs-no-path" not in findings
    names = list(results.dataset.organisations["name"])
    for finding in findings.values():
        assert_numbers_backed(finding, names)


def test_one_decision_maker_with_one_tie_is_too_few_to_measure_distance_and_no_boards() -> None:
    organisations = pd.DataFrame(
        {
            "id": ["trust", "cvs", *[f"g{i}" for i in range(10)]],
            "name": ["NHS Trust", "CVS", *[f"Group {chr(65 + i)}" for i in range(10)]],
            "type": ["nhs", "infrastructure", *["vcse"] * 10],
            "size_band": [None, "medium", *["micro"] * 10],
        }
    )
    partnerships = pd.DataFrame(
        {
            "source_id": ["cvs"] * 9 + ["trust"],
            "target_id": [*[f"g{i}" for i in range(9)], "g9"],
        }
    )
    results = analyse(
        Dataset.from_frames(organisations=organisations, partnerships=partnerships),
        permutations=200,
        seed=0,
    )
    tests = results.summary.group_tests
    assert (tests.decision_makers, tests.decision_maker_ties, tests.use_distance) == (1, 1, False)
    by_id = {f.id: f for f in explain(results)}
    # Sizes are known here but no board memberships: board seats cannot be compared.
    seats = by_id["small-orgs-board-seats"]
    assert "cannot be answered yet" in seats.text and "memberships.csv" in seats.text
    groups = by_id["under-connected-groups"]
    assert "1 decision maker (public bodies and boards) with 1 tie" in groups.text
    assert "% far from decision makers" not in groups.text
    assert_numbers_backed(groups)


def test_summary_json_carries_the_null_models_and_the_group_tests() -> None:
    from partnernet.export import summary_json

    plain = summary_json(analyse(grants_only(), permutations=200, seed=0))
    assert plain["brokerage_null"]["reshuffles"] == 200
    assert plain["brokerage_null"]["undirected"] is True
    assert {"reshuffles", "fdr", "tests", "use_distance", "decision_makers"} <= set(
        plain["group_tests"]
    )
    assert plain["removal_overlap"] == []
    assert {"random_graph_z", "reshuffled_p", "reshuffles"} <= set(plain["brokerage_roles"][0])
