"""The compiled path (igraph, numpy) against NetworkX's own results and known answers."""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest

from partnernet.analysis.centrality import (
    betweenness,
    betweenness_error_bound,
    burt_constraint,
    effective_size,
    to_igraph,
)


def random_weighted(seed: int, *, directed: bool = False, n: int = 30, p: float = 0.15):
    """A seeded random graph, disconnected in places, with isolates and weights."""
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    G.add_nodes_from(["isolate-a", "isolate-b"])
    # A separate small part, so the graph is never connected.
    G.add_edges_from([("x", "y"), ("y", "z")])
    rng = random.Random(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = rng.choice([0.5, 1.0, 2.0, 3.0])
    return G


def assert_matches(ours, theirs: dict, tol: float = 1e-9) -> None:
    assert list(ours.index) == list(theirs)
    for node, value in theirs.items():
        if math.isnan(value):
            assert math.isnan(ours[node]), node
        else:
            assert ours[node] == pytest.approx(value, abs=tol), node


# The references name every node: NetworkX 3.6 takes a sparse-matrix path instead
# when scipy is installed and nodes is None, and the two paths disagree on a
# directed graph's node with only incoming ties (NaN on the per-node path, a value
# on the matrix path). Naming the nodes keeps the reference one definition,
# whatever else the environment holds (the bench extra brings scipy).
def nx_constraint(G) -> dict:
    return nx.constraint(G, nodes=list(G), weight="weight")


def nx_effective_size(G) -> dict:
    return nx.effective_size(G, nodes=list(G), weight="weight")


# ----------------------------------------------------------------- betweenness


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_betweenness_equals_networkx(seed, directed):
    G = random_weighted(seed, directed=directed)
    assert_matches(betweenness(G), nx.betweenness_centrality(G, normalized=True))


def test_betweenness_ignores_weights():
    # Tie weights are strengths, not distances: a heavy tie is not a long route.
    G = nx.Graph([("a", "b", {"weight": 100.0}), ("b", "c", {"weight": 1.0}), ("a", "c")])
    assert betweenness(G).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("G", "expected"),
    [
        (nx.star_graph(4), [1.0, 0.0, 0.0, 0.0, 0.0]),
        # Path 0-1-2-3-4: node 2 lies between (0,3), (0,4), (1,3), (1,4): 4 of the
        # 6 pairs not involving it; node 1 between (0,2), (0,3), (0,4): 3 of 6.
        (nx.path_graph(5), [0.0, 0.5, 4 / 6, 0.5, 0.0]),
        (nx.complete_graph(4), [0.0] * 4),
        (nx.path_graph(2), [0.0, 0.0]),
        (nx.empty_graph(0), []),
    ],
)
def test_betweenness_known_answers(G, expected):
    assert betweenness(G).tolist() == pytest.approx(expected)


@pytest.mark.parametrize("directed", [False, True])
def test_sampled_betweenness_equals_networkx_with_the_same_pivots(directed):
    G = random_weighted(3, directed=directed, n=80, p=0.06)
    ours = betweenness(G, sample=20, seed=7)
    assert_matches(ours, nx.betweenness_centrality(G, k=20, seed=7))


def test_sampled_betweenness_is_close_to_exact_within_the_bound():
    G = nx.connected_watts_strogatz_graph(400, 6, 0.1, seed=2)
    exact = betweenness(G)
    estimate = betweenness(G, sample=200, seed=5)
    error = (estimate - exact).abs()
    assert error.max() <= betweenness_error_bound(400, 200)
    # In practice far closer than the worst-case bound, and the main brokers agree.
    assert error.mean() < 0.002
    top_exact = set(exact.nlargest(10).index)
    top_estimate = set(estimate.nlargest(10).index)
    assert len(top_exact & top_estimate) >= 8


def test_sampled_betweenness_is_reproducible():
    G = nx.connected_watts_strogatz_graph(120, 4, 0.2, seed=1)
    first = betweenness(G, sample=30, seed=11)
    assert first.equals(betweenness(G, sample=30, seed=11))
    assert not first.equals(betweenness(G, sample=30, seed=12))


def test_sample_at_least_n_is_exact_and_too_few_pivots_is_refused():
    G = nx.path_graph(6)
    assert betweenness(G, sample=6, seed=1).equals(betweenness(G))
    with pytest.raises(ValueError, match="at least 2"):
        betweenness(G, sample=1, seed=1)


def test_error_bound():
    # sqrt(ln(2 * 1000 / 0.05) / (2 * 99))
    assert betweenness_error_bound(1000, 100) == pytest.approx(math.sqrt(math.log(40_000) / 198))
    assert betweenness_error_bound(10, 10) == 0.0
    assert betweenness_error_bound(10_000, 500, delta=0.01) < betweenness_error_bound(
        10_000, 100, delta=0.01
    )


# ------------------------------------------------------ constraint, effective size


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_constraint_equals_networkx(seed, directed):
    G = random_weighted(seed, directed=directed)
    assert_matches(burt_constraint(G), nx_constraint(G))


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_effective_size_equals_networkx(seed, directed):
    G = random_weighted(seed, directed=directed)
    assert_matches(effective_size(G), nx_effective_size(G))


def test_unweighted_ties_count_as_weight_one():
    G = nx.karate_club_graph()
    for _, _, data in G.edges(data=True):
        data.pop("weight", None)
    assert_matches(effective_size(G), nx_effective_size(G))
    assert_matches(burt_constraint(G), nx_constraint(G))


def test_dense_weighted_graph_with_many_triangles():
    G = nx.gnp_random_graph(18, 0.5, seed=9)
    rng = random.Random(9)
    for u, v in G.edges:
        G[u][v]["weight"] = rng.uniform(0.1, 5.0)
    assert_matches(effective_size(G), nx_effective_size(G))
    assert_matches(burt_constraint(G), nx_constraint(G))


def test_directed_node_with_only_incoming_ties_is_undefined_as_in_networkx():
    G = nx.DiGraph([("a", "b"), ("c", "b"), ("a", "c")])
    assert_matches(effective_size(G), nx_effective_size(G))
    assert_matches(burt_constraint(G), nx_constraint(G))
    assert math.isnan(burt_constraint(G)["b"])


@pytest.mark.parametrize("leaves", [2, 3, 6])
def test_star_known_answers(leaves):
    G = nx.star_graph(leaves)
    # The hub gives 1/k of its ties to each unconnected leaf: constraint k (1/k)^2.
    assert burt_constraint(G)[0] == pytest.approx(1 / leaves)
    assert burt_constraint(G)[1] == pytest.approx(1.0)
    # None of the hub's partners know each other: every one is non-redundant.
    assert effective_size(G)[0] == pytest.approx(leaves)
    assert effective_size(G)[1] == pytest.approx(1.0)


@pytest.mark.parametrize("n", [3, 4, 7])
def test_complete_graph_known_answers(n):
    G = nx.complete_graph(n)
    # Each partner is redundant with the n-2 others: (n-1) - (n-1)(n-2)/(n-1) = 1.
    assert effective_size(G).tolist() == pytest.approx([1.0] * n)
    # p = 1/(n-1) to each, indirect (n-2)/(n-1)^2: (n-1) * (1/(n-1) + (n-2)/(n-1)^2)^2.
    per_tie = 1 / (n - 1) + (n - 2) / (n - 1) ** 2
    assert burt_constraint(G).tolist() == pytest.approx([(n - 1) * per_tie**2] * n)


def test_isolates_are_nan():
    G = nx.Graph()
    G.add_nodes_from(["a", "b"])
    G.add_edge("b", "c")
    assert math.isnan(burt_constraint(G)["a"])
    assert math.isnan(effective_size(G)["a"])
    assert effective_size(G)["b"] == 1.0


def test_series_follow_the_graph_order():
    G = nx.Graph([("z", "a"), ("a", "m")])
    for series in (betweenness(G), burt_constraint(G), effective_size(G)):
        assert list(series.index) == ["z", "a", "m"]
        assert series.dtype == np.dtype("float64")


def test_to_igraph_refuses_a_multigraph_and_drops_self_loops():
    with pytest.raises(ValueError, match="simple graph"):
        to_igraph(nx.MultiGraph([(1, 2), (1, 2)]))
    g, nodes = to_igraph(nx.Graph([(1, 1), (1, 2)]))
    assert (g.ecount(), nodes, g.es["weight"]) == (1, [1, 2], [1.0])
