"""Brokerage: Gould-Fernandez roles and their chance model, cut points and bridges,
removal impact, routes through infrastructure, and the findings."""

from __future__ import annotations

import itertools
import math
import random
import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import partnernet
from partnernet.analysis import routes as routes_module
from partnernet.analysis.centrality import betweenness
from partnernet.analysis.pipeline import analyse
from partnernet.analysis.populations import (
    TOP_BROKERS,
    infrastructure_organisations,
    small_organisations,
    top_brokers,
)
from partnernet.analysis.records import PathShare
from partnernet.analysis.removal import (
    ARTICULATION_COLUMNS,
    BRIDGE_COLUMNS,
    _removal_by_cut_vertices,
    _removal_by_search,
    articulation_points,
    bridges,
    removal_impact,
)
from partnernet.analysis.results import (
    BROKERAGE_ROLES,
    REMOVAL_COLUMNS,
    ROLE_TEST_COLUMNS,
    Results,
)
from partnernet.analysis.roles import brokerage_roles, brokerage_test
from partnernet.analysis.routes import (
    _BOARDS,
    _count_from,
    _RouteCounter,
    infrastructure_path_share,
)
from partnernet.findings.brokerage import brokerage_findings
from partnernet.graph import org_graph
from partnernet.model import PUBLIC_BODY_TYPES, Dataset, sector_of

ROLE_INDEX = {role: i for i, role in enumerate(BROKERAGE_ROLES)}


# ------------------------------------------------------------------ references


def brute_force_roles(G: nx.Graph, groups: dict, *, directed: bool) -> dict:
    """Every ordered triple (a, v, c), classified as Gould and Fernandez define it."""
    arcs = set()
    for u, v in G.edges():
        if u == v:
            continue
        arcs.add((u, v))
        if not (directed and G.is_directed()):
            arcs.add((v, u))
    counts = {node: [0] * 5 for node in G}
    for a, v, c in itertools.permutations(G, 3):
        if (a, v) in arcs and (v, c) in arcs and (a, c) not in arcs:
            ga, gv, gc = groups[a], groups[v], groups[c]
            if ga == gv == gc:
                role = "coordinator"
            elif ga == gc:
                role = "itinerant"
            elif gv == gc:
                role = "gatekeeper"
            elif ga == gv:
                role = "representative"
            else:
                role = "liaison"
            counts[v][ROLE_INDEX[role]] += 1
    return counts


def ordered_triples_by_role(groups: dict) -> list[int]:
    """How many ordered triples of distinct nodes each role's groups allow."""
    counts = [0] * 5
    for a, v, c in itertools.permutations(groups, 3):
        ga, gv, gc = groups[a], groups[v], groups[c]
        if ga == gv == gc:
            counts[0] += 1
        elif ga == gc:
            counts[1] += 1
        elif gv == gc:
            counts[2] += 1
        elif ga == gv:
            counts[3] += 1
        else:
            counts[4] += 1
    return counts


def org(G: nx.Graph, node: str, org_type: str, size_band: str | None = None, seats: int = 0):
    G.add_node(
        node,
        name=node.replace("_", " ").title(),
        type=org_type,
        sector=sector_of(org_type),
        size_band=size_band,
        board_seats=seats,
        public_body=org_type in PUBLIC_BODY_TYPES,
    )


def numbers_in(text: str) -> list[float]:
    return [float(t.replace(",", "")) for t in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


def assert_numbers_in_figures(finding) -> None:
    values = [
        float(v)
        for v in finding.figures.values()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    for number in numbers_in(finding.text):
        assert any(math.isclose(number, v) for v in values), (number, finding)


# ---------------------------------------------------------------------- roles

# Groups: A = {a1, a2, a3}, B = {b1, b2}, C = {c1, c2}. Ties:
#   a1-a2, a2-a3, a2-b1, b1-b2, b1-c1, c1-a3, c2-a1, c2-a3
# Each broker's neighbour pairs with no tie between them, counted both ways
# (columns: coordinator, itinerant, gatekeeper, representative, liaison):
#   a1 {a2, c2}: a2 (A, own) and c2 (C): a2->a1->c2 representative,
#       c2->a1->a2 gatekeeper                                       [0, 0, 1, 1, 0]
#   a2 {a1, a3, b1}: {a1, a3} both A like a2: coordinator twice;
#       {a1, b1} and {a3, b1}: one representative and one gatekeeper each
#                                                                   [2, 0, 2, 2, 0]
#   a3 {a2, c1, c2}: {a2, c1}, {a2, c2}: representative + gatekeeper each;
#       {c1, c2} both C, a3 is A: itinerant twice                   [0, 2, 2, 2, 0]
#   b1 {a2, b2, c1}: {a2, b2}, {b2, c1}: b2 is B like b1: gatekeeper +
#       representative each; {a2, c1}: A and C, b1 is B: liaison twice
#                                                                   [0, 0, 2, 2, 2]
#   b2 {b1}: no pair                                                [0, 0, 0, 0, 0]
#   c1 {b1, a3}: B and A, c1 is C: liaison twice                    [0, 0, 0, 0, 2]
#   c2 {a1, a3}: both A, c2 is C: itinerant twice                   [0, 2, 0, 0, 0]
THREE_GROUPS = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C"}
THREE_GROUP_TIES = [
    ("a1", "a2"),
    ("a2", "a3"),
    ("a2", "b1"),
    ("b1", "b2"),
    ("b1", "c1"),
    ("c1", "a3"),
    ("c2", "a1"),
    ("c2", "a3"),
]
THREE_GROUP_ROLES = {
    "a1": [0, 0, 1, 1, 0],
    "a2": [2, 0, 2, 2, 0],
    "a3": [0, 2, 2, 2, 0],
    "b1": [0, 0, 2, 2, 2],
    "b2": [0, 0, 0, 0, 0],
    "c1": [0, 0, 0, 0, 2],
    "c2": [0, 2, 0, 0, 0],
}


def three_group_graph() -> nx.Graph:
    G = nx.Graph()
    G.add_nodes_from(THREE_GROUPS)
    G.add_edges_from(THREE_GROUP_TIES)
    return G


def test_three_group_example_every_role_by_hand():
    roles = brokerage_roles(three_group_graph(), THREE_GROUPS)
    assert list(roles.columns) == list(BROKERAGE_ROLES)
    assert list(roles.index) == list(THREE_GROUPS)
    assert all(dtype == np.dtype("int64") for dtype in roles.dtypes)
    assert {node: roles.loc[node].tolist() for node in roles.index} == THREE_GROUP_ROLES
    # Every role occurs, and an undirected tie counts both ways.
    assert (roles.sum() > 0).all()
    assert (roles["gatekeeper"] == roles["representative"]).all()


def test_directed_arcs_separate_gatekeeper_from_representative():
    # a1 (A) -> b1 (B) -> b2 (B), and b1 -> c1 (C): b1 gatekeeps a1's access to b2
    # (source outside, target in b1's group) and is a liaison from a1 to c1.
    G = nx.DiGraph([("a1", "b1"), ("b1", "b2"), ("b1", "c1")])
    groups = {"a1": "A", "b1": "B", "b2": "B", "c1": "C"}
    directed = brokerage_roles(G, groups, directed=True)
    assert directed.loc["b1"].tolist() == [0, 0, 1, 0, 1]
    assert directed.drop(index="b1").to_numpy().sum() == 0
    # Read as undirected every tie runs both ways: {a1, b2} and {b2, c1} give a
    # gatekeeper and a representative each, {a1, c1} a liaison each way.
    assert brokerage_roles(G, groups).loc["b1"].tolist() == [0, 0, 2, 2, 2]


@pytest.mark.parametrize(("leaf_group", "role"), [("hub", "coordinator"), ("leaf", "itinerant")])
@pytest.mark.parametrize("leaves", [2, 3, 5])
def test_star(leaves, leaf_group, role):
    G = nx.star_graph(leaves)  # 0 is the hub
    groups = {0: "hub", **{i: leaf_group for i in range(1, leaves + 1)}}
    roles = brokerage_roles(G, groups)
    # Every ordered pair of distinct leaves is an open two-path through the hub.
    assert roles.loc[0, role] == leaves * (leaves - 1)
    assert roles.to_numpy().sum() == leaves * (leaves - 1)


def test_star_of_other_groups_is_all_liaison():
    G = nx.star_graph(3)
    roles = brokerage_roles(G, {0: "hub", 1: "x", 2: "y", 3: "z"})
    assert roles.loc[0].tolist() == [0, 0, 0, 0, 6]


def test_path():
    # a - b - c - d, one group: b brokers (a, c) and c brokers (b, d), both ways.
    G = nx.path_graph(["a", "b", "c", "d"])
    roles = brokerage_roles(G, dict.fromkeys("abcd", "g"))
    assert roles["coordinator"].tolist() == [0, 2, 2, 0]
    assert roles.drop(columns="coordinator").to_numpy().sum() == 0


def test_closed_triangle_brokers_nothing():
    G = nx.complete_graph(3)
    assert brokerage_roles(G, {0: "x", 1: "y", 2: "z"}).to_numpy().sum() == 0


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_brute_force_on_random_graphs(seed, directed):
    G = nx.gnp_random_graph(22, 0.2, seed=seed, directed=directed)
    G.add_nodes_from(["lonely", "alone"])
    rng = random.Random(seed)
    groups = {n: rng.choice("pqr") for n in G}
    roles = brokerage_roles(G, groups, directed=directed)
    expected = brute_force_roles(G, groups, directed=directed)
    assert {n: roles.loc[n].tolist() for n in G} == expected


def test_directed_graph_read_undirected_matches_brute_force():
    G = nx.gnp_random_graph(18, 0.2, seed=11, directed=True)
    groups = {n: n % 3 for n in G}
    roles = brokerage_roles(G, groups, directed=False)
    assert {n: roles.loc[n].tolist() for n in G} == brute_force_roles(G, groups, directed=False)


def test_organisation_graph_by_sector():
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            {
                "id": ["cvs", "club", "council", "trust"],
                "name": ["CVS", "Club", "Council", "Trust"],
                "type": ["infrastructure", "vcse", "local_authority", "funder"],
            }
        ),
        partnerships=pd.DataFrame(
            {"source_id": ["cvs", "cvs", "cvs"], "target_id": ["club", "council", "trust"]}
        ),
    )
    G = org_graph(ds)
    sectors = {n: d["sector"] for n, d in G.nodes(data=True)}
    roles = partnernet.brokerage_roles(G, sectors)
    # The CVS links three sectors other than its own pairwise: 3 pairs, both ways.
    assert roles.loc["cvs", "liaison"] == 6
    assert roles.to_numpy().sum() == 6


def test_every_node_needs_a_group():
    with pytest.raises(ValueError, match="have no group"):
        brokerage_roles(nx.path_graph(3), {0: "a", 1: "a"})


def test_empty_and_tieless_graphs():
    assert brokerage_roles(nx.Graph(), {}).empty
    roles = brokerage_roles(nx.empty_graph(3), {0: 1, 1: 1, 2: 2})
    assert roles.to_numpy().sum() == 0
    test = brokerage_test(nx.empty_graph(3), {0: 1, 1: 1, 2: 2})
    assert test["expected"].tolist() == [0.0] * 5
    assert test["z"].isna().all()


# --------------------------------------------------------------- chance model


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_expected_counts_are_density_times_possible_triples(seed, directed):
    G = nx.gnp_random_graph(15, 0.25, seed=seed, directed=directed)
    groups = {n: "xyzw"[n % 4] if n < 10 else "x" for n in G}
    test = brokerage_test(G, groups, directed=directed)
    assert list(test.columns) == list(ROLE_TEST_COLUMNS)
    assert test["role"].tolist() == list(BROKERAGE_ROLES)
    arcs = G.number_of_edges() * (1 if directed else 2)
    d = arcs / (15 * 14)
    # An ordered triple is an open two-path with probability d^2 (1 - d).
    expected = [d * d * (1 - d) * t for t in ordered_triples_by_role(groups)]
    assert np.allclose(test["expected"], expected, rtol=1e-12)
    observed = brute_force_roles(G, groups, directed=directed)
    totals = np.array(list(observed.values())).sum(axis=0)
    assert test["observed"].tolist() == totals.tolist()


def test_standard_deviations_follow_sna_by_hand():
    # Groups of sizes 2, 1, 1 (N = 4) and 3 of 6 possible ties: d = 1/2, so
    # p = d^2 (1 - d) = 1/8 and every q term of sna's variances is d^3 (1 - d)^3 =
    # d^4 (1 - d)^2 = d^5 (1 - d) = 1/64. With n = (2, 1, 1), by sna's formulas
    # (R/models.R, brokerage):
    # - coordinator: E = p * sum n(n-1)(n-2) = 0, variance 0, z undefined;
    # - itinerant: E = p * sum n(N-n)(n-1) = p * 2*2*1 = 1/2; variance =
    #   E(1-p) + [sum over group pairs (x, y) of x y (x-1)((2x+2y-6) + (N-x-1)) q
    #   - sum n^2 (n-1)((4n-6) + (N-n-1)) q]: only x = 2 counts, giving
    #   (4*3 + 2*1 + 2*1) q - 4*3 q = 4q, so 7/16 + 1/16 = 1/2;
    # - representative (= gatekeeper): E = 1/2; variance = 7/16 +
    #   sum n(N-n)(n-1)((N-3) + (n-2)) q = 7/16 + 4q = 1/2;
    # - liaison: E = p * (sum x y (N-x-y) - sum n^2 (N-2n)) = (16 - 4)/8 = 3/2;
    #   variance = (3/2)(7/8) + sum over ordered distinct groups (i, j, k) of
    #   n_i n_j n_k (N - 1 - n_i - 2 n_j + n_k) q = 21/16 + 2 * (0+0-1+2-1+2) q
    #   = 21/16 + 4/64 = 11/8.
    G = nx.Graph([("p1", "r"), ("r", "s"), ("s", "p2")])
    groups = {"p1": "P", "p2": "P", "r": "R", "s": "S"}
    test = brokerage_test(G, groups).set_index("role")
    assert np.allclose(test["expected"], [0, 0.5, 0.5, 0.5, 1.5])
    sd = {"itinerant": 0.5**0.5, "gatekeeper": 0.5**0.5, "representative": 0.5**0.5}
    sd["liaison"] = (11 / 8) ** 0.5
    observed = brokerage_roles(G, groups).sum()
    for role, s in sd.items():
        assert test.loc[role, "z"] == pytest.approx(
            (observed[role] - test.loc[role, "expected"]) / s
        )
    assert math.isnan(test.loc["coordinator", "z"])


def test_liaison_expectation_of_a_three_node_path():
    # N = 3, 4 of 6 arcs: d = 2/3, p = (4/9)(1/3) = 4/27; the 6 ordered triples
    # of three singleton groups are all liaison, so E = 24/27.
    test = brokerage_test(nx.path_graph(["a", "v", "c"]), {"a": 1, "v": 2, "c": 3})
    row = test.set_index("role").loc["liaison"]
    assert row["observed"] == 2
    assert row["expected"] == pytest.approx(24 / 27)


# --------------------------------------------------------- cut points, bridges


def test_two_cliques_joined_by_a_bridge():
    G = nx.barbell_graph(4, 0)  # cliques {0..3} and {4..7}, bridge 3-4
    cut = articulation_points(G)
    assert list(cut.columns) == list(ARTICULATION_COLUMNS)
    assert sorted(cut["id"]) == [3, 4]
    assert cut["pieces"].tolist() == [2, 2]
    assert cut["separated"].tolist() == [3, 3]
    table = bridges(G)
    assert list(table.columns) == list(BRIDGE_COLUMNS)
    assert [(r.source, r.target) for r in table.itertuples()] == [(3, 4)]
    assert table["separated"].tolist() == [4]


def test_bridge_table_carries_names_types_and_layers():
    G = nx.Graph()
    org(G, "cvs", "infrastructure")
    org(G, "club", "vcse", "micro")
    G.add_edge("cvs", "club", weight=2.0, layers=("FUNDS", "PARTNERS_WITH"))
    row = bridges(G).iloc[0]
    assert (row["source_name"], row["target_type"]) == ("Cvs", "vcse")
    assert (row["weight"], row["layers"], row["separated"]) == (2.0, "FUNDS;PARTNERS_WITH", 1)


def _pieces_by_removal(G: nx.Graph, node) -> list[int]:
    component = nx.node_connected_component(G, node)
    H = G.subgraph(component - {node})
    return sorted(len(c) for c in nx.connected_components(H))


@pytest.mark.parametrize("seed", range(5))
def test_cut_points_and_bridges_agree_with_removing_them(seed):
    G = nx.gnm_random_graph(40, 45, seed=seed)
    table = articulation_points(G)
    assert set(table["id"]) == set(nx.articulation_points(G))
    for row in table.itertuples():
        pieces = _pieces_by_removal(G, row.id)
        assert row.pieces == len(pieces)
        assert row.separated == sum(pieces) - max(pieces)
    bridge_table = bridges(G)
    assert {frozenset((r.source, r.target)) for r in bridge_table.itertuples()} == {
        frozenset(e) for e in nx.bridges(G)
    }
    for r in bridge_table.itertuples():
        H = G.copy()
        H.remove_edge(r.source, r.target)
        sides = [
            len(nx.node_connected_component(H, r.source)),
            len(nx.node_connected_component(H, r.target)),
        ]
        assert r.separated == min(sides)
    assert table["separated"].is_monotonic_decreasing


# ------------------------------------------------------------- removal impact


def removal_graph() -> nx.Graph:
    G = nx.Graph()
    org(G, "council", "local_authority")
    org(G, "cvs", "infrastructure", "medium")
    org(G, "group_one", "vcse", "micro")
    org(G, "group_two", "vcse", "micro")
    org(G, "group_three", "vcse", "small")
    org(G, "big_charity", "vcse", "large")
    org(G, "seated_group", "vcse", "micro", seats=1)  # a board seat: never cut off
    G.add_edges_from(
        [
            ("council", "cvs"),
            ("cvs", "group_one"),
            ("cvs", "group_two"),
            ("group_two", "group_three"),
            ("cvs", "big_charity"),
        ]
    )
    return G


def test_removal_impact_by_hand():
    table = removal_impact(removal_graph(), ["group_two", "cvs", "council", "cvs"])
    assert list(table.columns) == list(REMOVAL_COLUMNS)
    assert table["id"].tolist() == ["cvs", "council", "group_two"]
    cvs = table.iloc[0]
    # Without the CVS, the three small groups behind it lose the council (the large
    # charity does too, but it is not small; the seated group keeps its seat).
    assert cvs["small_cut_off"] == 3
    assert cvs["cut_off_ids"] == "group_one;group_two;group_three"
    # Before: the main part and the seated group. After: council, group one,
    # {group two, group three}, big charity, seated group.
    assert (cvs["components_before"], cvs["components_after"]) == (2, 5)
    assert (cvs["name"], cvs["type"]) == ("Cvs", "infrastructure")
    council = table.iloc[1]
    assert council["small_cut_off"] == 3
    assert council["components_after"] == 2
    two = table.iloc[2]
    # Removing group two cuts off group three; group two itself is not counted.
    assert (two["small_cut_off"], two["cut_off_ids"], two["components_after"]) == (
        1,
        "group_three",
        3,
    )
    assert table["small_cut_off"].dtype == np.dtype("int64")


def test_removal_impact_rejects_unknown_candidates():
    with pytest.raises(ValueError, match="not in the graph"):
        removal_impact(removal_graph(), ["nobody"])


def test_removal_impact_with_no_candidates():
    table = removal_impact(removal_graph(), [])
    assert table.empty and list(table.columns) == list(REMOVAL_COLUMNS)


def test_removal_impact_on_an_organisation_graph():
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            {
                "id": ["c", "cvs", "g1", "g2"],
                "name": ["Council", "CVS", "G1", "G2"],
                "type": ["local_authority", "infrastructure", "vcse", "vcse"],
                "size_band": [None, "medium", "micro", "large"],
            }
        ),
        partnerships=pd.DataFrame(
            {"source_id": ["c", "cvs", "cvs"], "target_id": ["cvs", "g1", "g2"]}
        ),
    )
    table = removal_impact(org_graph(ds), ["cvs"])
    assert table.loc[0, "cut_off_ids"] == "g1"


def test_removal_cuts_off_the_searchs_root_side_when_the_only_source_is_below():
    # Nodes in this order make the small group the depth-first root: removing the
    # CVS leaves the council's subtree (which holds the only decision maker) and
    # the rest, the small group, which is cut off.
    G = nx.Graph()
    G.add_node("group", sector="vcse", size_band="micro")
    G.add_node("cvs", sector="infrastructure", size_band="small")
    G.add_node("council", sector="public", public_body=True)
    G.add_edges_from([("group", "cvs"), ("cvs", "council")])
    table = removal_impact(G, ["cvs", "council", "group"]).set_index("id")
    assert table.loc["cvs", "cut_off_ids"] == "group"
    assert table.loc["cvs", "components_after"] == 2
    # Removing the council cuts off both small organisations; removing the group
    # cuts off nobody (and the group itself never counts).
    assert table.loc["council", "cut_off_ids"] == "group;cvs"
    assert table.loc["group", "small_cut_off"] == 0


def _random_place(seed: int) -> nx.Graph:
    """A sparse random place with many cut vertices and few decision makers."""
    rng = random.Random(seed)
    n = rng.randint(30, 90)
    G = nx.Graph()
    for i in range(n):
        G.add_node(
            i,
            sector=rng.choice(["vcse", "vcse", "infrastructure", "public", "other"]),
            size_band=rng.choice(["micro", "small", "medium", None]),
            public_body=rng.random() < 0.04,
            board_seats=int(rng.random() < 0.04),
        )
        if i and rng.random() < 0.9:  # a forest, so most nodes are cut vertices
            G.add_edge(i, rng.randrange(i))
    for _ in range(rng.randint(0, n // 5)):  # a few cycles
        G.add_edge(rng.randrange(n), rng.randrange(n))
    return G


def test_top_brokers_are_the_highest_betweenness_above_zero():
    # In the removal graph the CVS lies on 9 of the 15 pairs of the other
    # organisations' shortest paths (every pair of council, group one, group two,
    # group three and the big charity but group two - group three) and group two on
    # 4 (group three to each of the others); every other organisation on none.
    G = removal_graph()
    between = betweenness(G)
    assert between["cvs"] == pytest.approx(9 / 15)
    assert between["group_two"] == pytest.approx(4 / 15)
    assert top_brokers(between) == ["cvs", "group_two"]  # zeros are never brokers
    # At most TOP_BROKERS, strongest first, ties in the graph's order.
    ties = pd.Series(0.5, index=[f"o{i}" for i in range(TOP_BROKERS + 2)])
    assert top_brokers(ties) == [f"o{i}" for i in range(TOP_BROKERS)]
    assert top_brokers(pd.Series(0.0, index=["a", "b"])) == []


def test_the_run_tests_removing_infrastructure_and_the_top_brokers():
    G = removal_graph()
    results = results_of(G)
    assert results.top_brokers == ("cvs", "group_two")
    candidates = dict.fromkeys(infrastructure_organisations(G) + list(results.top_brokers))
    assert results.removal["id"].tolist() == ["cvs", "group_two"]
    pd.testing.assert_frame_equal(results.removal, removal_impact(G, candidates))
    pd.testing.assert_frame_equal(results.cut_points, articulation_points(G))


@pytest.mark.parametrize("seed", range(40))
def test_removal_by_cut_vertices_agrees_with_searching_again(seed):
    G = _random_place(seed)
    small = small_organisations(G)
    nodes = list(G)
    random.Random(seed).shuffle(nodes)
    assert _removal_by_cut_vertices(G, nodes, small, None) == _removal_by_search(
        G, nodes, small, None
    )


# ---------------------------------------------------- routes through infrastructure


def test_path_share_by_hand():
    # group - cvs - council and group - club - council: two shortest routes, one
    # through the CVS. The boards: the group sits on none, the club holds a seat,
    # so group - club - (board) is the one route, not through infrastructure.
    G = nx.Graph()
    org(G, "council", "local_authority")
    org(G, "cvs", "infrastructure", "medium")
    org(G, "club", "vcse", "large", seats=1)
    org(G, "group", "vcse", "micro")
    G.add_edges_from([("group", "cvs"), ("cvs", "council"), ("group", "club"), ("club", "council")])
    share = infrastructure_path_share(G)
    assert isinstance(share, PathShare) and share.small_bands == ("micro", "small")
    assert share["pairs"] == 2
    assert (share["shortest_paths"], share["through_infrastructure"]) == (3, 1)
    assert share["share"] == pytest.approx(1 / 3)
    assert share["mean_pair_share"] == pytest.approx((1 / 2 + 0) / 2)
    assert share["decision_makers"] == 2


def test_path_share_counts_an_infrastructure_seat_holder_on_the_way_to_the_boards():
    G = nx.Graph()
    org(G, "cvs", "infrastructure", "medium", seats=2)
    org(G, "club", "vcse", "medium", seats=1)
    org(G, "group", "vcse", "small")
    org(G, "seated", "vcse", "micro", seats=1)
    G.add_edges_from([("group", "cvs"), ("group", "club"), ("seated", "cvs")])
    share = infrastructure_path_share(G)
    # group reaches the boards through the CVS's seat or the club's: 2 routes,
    # 1 through infrastructure. The seated group holds its own seat: 1 route, none.
    assert (share["pairs"], share["shortest_paths"], share["through_infrastructure"]) == (2, 3, 1)


def test_path_share_says_when_it_cannot_be_answered():
    G = nx.Graph()
    org(G, "council", "local_authority")
    org(G, "group", "vcse", "micro")
    G.add_edge("council", "group")
    share = infrastructure_path_share(G)
    assert share["infrastructure_organisations"] == 0
    assert share["pairs"] == 1
    assert share["share"] is None and share["mean_pair_share"] is None


def brute_force_path_share(G: nx.Graph) -> tuple[int, int, int, float]:
    small = [
        n
        for n, d in G.nodes(data=True)
        if d["sector"] in ("vcse", "infrastructure") and d["size_band"] in ("micro", "small")
    ]
    infra = {n for n, d in G.nodes(data=True) if d["sector"] == "infrastructure"}
    public = [n for n, d in G.nodes(data=True) if d["public_body"]]
    boards = G.copy()
    seat_holders = [n for n, d in G.nodes(data=True) if d["board_seats"] > 0]
    boards.add_node("BOARDS")
    boards.add_edges_from(("BOARDS", h) for h in seat_holders)
    pairs = total = through = 0
    pair_shares = 0.0
    targets = [(G, t) for t in public] + ([(boards, "BOARDS")] if seat_holders else [])
    for graph, t in targets:
        for s in small:
            if not nx.has_path(graph, s, t):
                continue
            paths = list(nx.all_shortest_paths(graph, s, t))
            via = sum(1 for p in paths if any(x in infra for x in p[1:-1]))
            pairs += 1
            total += len(paths)
            through += via
            pair_shares += via / len(paths)
    return pairs, total, through, pair_shares


@pytest.mark.parametrize("seed", range(20))
def test_path_share_agrees_with_all_shortest_paths(seed):
    rng = random.Random(seed)
    G0 = nx.gnm_random_graph(26, 34, seed=seed)
    G = nx.Graph()
    for n in G0:
        org_type = rng.choice(
            ["vcse"] * 5 + ["infrastructure"] * 2 + ["local_authority", "nhs", "funder"]
        )
        org(
            G,
            f"o{n}",
            org_type,
            rng.choice(["micro", "small", "medium", None]),
            seats=rng.random() < 0.15,
        )
    G.add_edges_from((f"o{u}", f"o{v}") for u, v in G0.edges)
    share = infrastructure_path_share(G)
    pairs, total, through, pair_shares = brute_force_path_share(G)
    assert (share["pairs"], share["shortest_paths"], share["through_infrastructure"]) == (
        pairs,
        total,
        through,
    )
    if share["share"] is not None:
        assert share["share"] == pytest.approx(through / total)
        assert share["mean_pair_share"] == pytest.approx(pair_shares / pairs)


@pytest.mark.parametrize("seed", range(10))
def test_array_route_counts_equal_the_breadth_first_search_from_every_root(seed):
    G = _random_place(seed)
    infrastructure = {n for n, d in G.nodes(data=True) if d["sector"] == "infrastructure"}
    seats = [n for n, d in G.nodes(data=True) if d["board_seats"] > 0]
    counter = _RouteCounter(G, infrastructure, seats)
    for root in [*G, *([_BOARDS] if seats else [])]:
        dist, paths, avoiding = counter.count(root)
        want_dist, want_paths, want_avoiding = _count_from(G, root, infrastructure, seats)
        reached = {n for n in G if dist[counter.position[n]] >= 0}
        assert reached == set(want_dist) - {_BOARDS}
        for n in reached:
            i = counter.position[n]
            assert (dist[i], paths[i], avoiding[i]) == (
                want_dist[n],
                want_paths[n],
                want_avoiding[n],
            )


def test_route_counts_too_large_for_int64_fall_back_to_exact_integers(monkeypatch):
    # A ladder of 40 diamonds doubles the routes at each: 2**40 routes end to end.
    # With the int64 bound lowered, every root takes the exact Python search.
    G = nx.Graph()
    org(G, "council", "local_authority", None)
    previous = "council"
    for i in range(40):
        org(G, f"u{i}", "vcse", "medium")
        org(G, f"d{i}", "infrastructure" if i == 7 else "vcse", "medium")
        org(G, f"m{i}", "vcse", "medium")
        G.add_edges_from([(previous, f"u{i}"), (previous, f"d{i}"), (f"u{i}", f"m{i}")])
        G.add_edge(f"d{i}", f"m{i}")
        previous = f"m{i}"
    org(G, "end", "vcse", "micro")
    G.add_edge(previous, "end")
    exact = infrastructure_path_share(G)
    assert exact["shortest_paths"] == 2**40
    assert exact["through_infrastructure"] == 2**39  # half the routes take d7
    monkeypatch.setattr(routes_module, "_COUNT_LIMIT", 1000)
    assert _RouteCounter(G, {"d7"}, []).count("council") is None
    assert infrastructure_path_share(G) == exact


# ------------------------------------------------------------------ findings


def findings_graph(with_infrastructure: bool = True) -> nx.Graph:
    """A CVS linking council, funder and voluntary groups that have no direct ties."""
    G = nx.Graph()
    hub_type = "infrastructure" if with_infrastructure else "vcse"
    org(G, "marshford_cvs", hub_type, "medium")
    org(G, "council", "local_authority")
    org(G, "trust", "funder")
    org(G, "shop", "business")
    for name in ("group_a", "group_b", "group_c"):
        org(G, name, "vcse", "micro")
        G.add_edge("marshford_cvs", name)
    G.add_edges_from([("marshford_cvs", "council"), ("marshford_cvs", "trust"), ("shop", "trust")])
    return G


def dataset_of(G: nx.Graph) -> Dataset:
    """The place a graph built with ``org`` draws: its organisations, a partnership
    per tie and, for each seat it holds, a board of its own (so seats add no tie)."""
    organisations = pd.DataFrame(
        {
            "id": list(G),
            "name": [G.nodes[n]["name"] for n in G],
            "type": [G.nodes[n]["type"] for n in G],
            "size_band": [G.nodes[n]["size_band"] for n in G],
        }
    )
    seats = [(f"board-{n}-{i}", n) for n in G for i in range(int(G.nodes[n]["board_seats"]))]
    return Dataset.from_frames(
        organisations=organisations,
        partnerships=pd.DataFrame(list(G.edges), columns=["source_id", "target_id"]),
        boards=pd.DataFrame({"id": [b for b, _ in seats], "name": [b for b, _ in seats]}),
        memberships=pd.DataFrame(seats, columns=["board_id", "org_id"]),
    )


def results_of(G: nx.Graph) -> Results:
    """The pipeline's run on the place ``G`` draws, whose organisation graph is ``G``."""
    results = analyse(dataset_of(G), permutations=100, seed=0)
    assert list(results.graph) == list(G)
    assert {frozenset(e) for e in results.graph.edges} == {frozenset(e) for e in G.edges}
    return results


def run_findings(G: nx.Graph):
    return brokerage_findings(results_of(G))


def test_findings_name_the_liaison_broker_and_what_its_loss_would_cut_off():
    G = findings_graph()
    findings = {f.id: f for f in run_findings(G)}
    top = findings["brokerage-top-liaison"]
    assert top.text.startswith("Marshford Cvs is the main liaison broker")
    # Liaison pairs around the CVS (infrastructure): council-trust (public,
    # funder) and each of the 3 groups with the council and with the trust
    # (vcse-public, vcse-funder) = 1 + 6 = 7 pairs; the trust-shop tie does not
    # pass through it.
    assert top.figures["liaison_pairs"] == 7
    assert top.figures["small_cut_off_without_it"] == 3
    assert "3 small organisations would have no path" in top.text
    removal = findings["brokerage-removal"]
    assert removal.figures["small_cut_off"] == 3
    routes = findings["brokerage-infrastructure-routes"]
    assert routes.figures["share_percent"] == 100.0
    assert "brokerage-no-infrastructure" not in findings
    for finding in findings.values():
        assert finding.question == "brokerage"
        assert_numbers_in_figures(finding)


def test_findings_say_when_there_is_no_infrastructure_organisation():
    findings = {f.id: f for f in run_findings(findings_graph(with_infrastructure=False))}
    assert "no infrastructure organisation" in findings["brokerage-no-infrastructure"].text
    assert "brokerage-infrastructure-routes" not in findings
    for finding in findings.values():
        assert_numbers_in_figures(finding)


def test_findings_when_nobody_brokers():
    G = nx.Graph()
    org(G, "council", "local_authority")
    org(G, "group", "vcse", "micro")
    G.add_edge("council", "group")
    findings = {f.id: f for f in run_findings(G)}
    assert findings["brokerage-no-liaison"].figures == {"max_liaison": 0}
    assert "no liaison broker" in findings["brokerage-no-liaison"].text
    for finding in findings.values():
        assert_numbers_in_figures(finding)


@pytest.mark.parametrize("seed", range(20))
def test_the_summed_pair_shares_are_pythons_sum_to_the_last_bit(seed):
    rng = random.Random(seed)
    size = rng.randint(0, 3_000)
    # Counts up to 2**40 take numpy's path; one above 2**53 takes Python's.
    top = 2**60 if seed % 5 == 0 else 2**40
    wholes = [rng.randint(1, top) for _ in range(size)]
    parts = [rng.randint(0, w) for w in wholes]
    want = sum(p / w for p, w in zip(parts, wholes, strict=True))
    got = routes_module._sum_of_shares(parts, wholes)
    assert got == want and type(got) is type(want)
