"""The fast paths of issue 17 give exactly what the slower ones gave.

Each speed-up keeps the figures: a test here runs the new code beside the code it
replaced (kept in this file, or reachable through a switch in the module) or
beside NetworkX, on the locality sample and on a city-scale sample, and asks for
equal results, not close ones.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from partnernet import graph
from partnernet.analysis import centrality, ei, exclusion, paths, removal, summary
from partnernet.analysis.populations import decision_sources
from partnernet.graph import load_igraph, org_graph
from partnernet.io.read import read_dataset
from partnernet.synthetic.generate import generate_sample

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def locality_graph() -> nx.Graph:
    return org_graph(read_dataset(ROOT / "sample_data"))


@pytest.fixture(scope="module")
def city_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("city")
    generate_sample(folder, scale="city", seed=3)
    return folder


@pytest.fixture(scope="module")
def city_graph(city_folder: Path) -> nx.Graph:
    return org_graph(read_dataset(city_folder))


@pytest.mark.parametrize("graph", ["locality_graph", "city_graph"])
def test_ei_counts_by_group_pass_equal_the_listed_internal_ties(
    graph: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    G = request.getfixturevalue(graph)
    sectors = {n: d["sector"] for n, d in G.nodes(data=True)}
    # Five sectors: the per-group pass is the one taken by default.
    fast = ei.ei_permutation_test(G, sectors, n_permutations=300, seed=5)
    monkeypatch.setattr(ei, "FEW_GROUPS", 0)  # the np.nonzero listing, as before
    slow = ei.ei_permutation_test(G, sectors, n_permutations=300, seed=5)
    assert fast == slow
    assert fast.expected is not None


def test_ei_with_many_groups_takes_the_listing_path(city_graph: nx.Graph) -> None:
    # Communities-like labels: more groups than FEW_GROUPS, int8 codes still.
    labels = {n: i % 40 for i, n in enumerate(city_graph)}
    first = ei.ei_permutation_test(city_graph, labels, n_permutations=50, seed=1)
    assert len(first.groups) == 40
    assert sum(g.internal for g in first.groups) == first.internal


def test_igraph_is_loaded_without_pyplot_or_wcwidth() -> None:
    code = (
        "import sys; import partnernet.analysis.roles, partnernet.render.network, "
        "partnernet.analysis.pipeline, partnernet.export; "
        "print('matplotlib.pyplot' in sys.modules, 'wcwidth' in sys.modules, "
        "'igraph' in sys.modules)"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # Neither is imported with igraph, nor left blocked ("in" a None entry) after it.
    assert out.stdout.split() == ["False", "False", "True"]
    assert load_igraph().Graph(n=3, edges=[(0, 1)]).vcount() == 3


def test_to_igraph_edges_and_weights_match_networkx(city_graph: nx.Graph) -> None:
    g, nodes = centrality.to_igraph(city_graph)
    assert nodes == list(city_graph)
    expected = [
        (nodes.index(u), nodes.index(v), d["weight"])
        for u, v, d in city_graph.edges(data=True)
        if u != v
    ]
    got = [(e.source, e.target, e["weight"]) for e in g.es]
    assert sorted((min(a, b), max(a, b), w) for a, b, w in got) == sorted(
        (min(a, b), max(a, b), w) for a, b, w in expected
    )
    assert np.isclose(g.ecount(), city_graph.number_of_edges())


def _random_weighted(seed: int) -> nx.Graph:
    G = nx.gnm_random_graph(80, 110, seed=seed)
    for k, (u, v) in enumerate(G.edges):
        G[u][v]["weight"] = float(1 + (k * 7 + seed) % 3)
    G.add_node("lonely")
    return G


def test_leiden_modularity_matches_networkx_louvain_on_random_graphs() -> None:
    # Both are heuristics: over 30 random graphs the Leiden communities score
    # higher on average, and none falls more than 0.005 below NetworkX's.
    ours_total = theirs_total = 0.0
    for seed in range(30):
        G = _random_weighted(seed)
        ours = summary.louvain_communities(G, seed=seed)
        theirs = nx.community.louvain_communities(G, weight="weight", seed=seed)
        assert nx.community.is_partition(G, ours)
        q_ours = nx.community.modularity(G, ours, weight="weight")
        q_theirs = nx.community.modularity(G, theirs, weight="weight")
        assert q_ours >= q_theirs - 0.005, seed
        ours_total += q_ours
        theirs_total += q_theirs
        assert summary.louvain_communities(G, seed=seed) == ours  # seeded: the same again
    assert ours_total > theirs_total


@pytest.mark.parametrize("graph", ["locality_graph", "city_graph"])
def test_leiden_modularity_is_at_least_networkx_louvain_on_the_samples(
    graph: str, request: pytest.FixtureRequest
) -> None:
    G = request.getfixturevalue(graph)
    ours = summary.louvain_communities(G, seed=0)
    theirs = nx.community.louvain_communities(G, weight="weight", seed=0)
    assert nx.community.modularity(G, ours, weight="weight") >= nx.community.modularity(
        G, theirs, weight="weight"
    )


def _pairs_by_loop(frame: pd.DataFrame, group: str) -> Counter[tuple[str, str]]:
    """The Python loop graph.shared_people and graph.co_membership used before."""
    pairs: Counter[tuple[str, str]] = Counter()
    rows = frame.drop_duplicates([group, "org_id"])
    for _, orgs in rows.groupby(group)["org_id"]:
        for a, b in itertools.combinations(sorted(orgs), 2):
            pairs[(a, b)] += 1
    return pairs


@pytest.mark.parametrize("folder", ["locality", "city"])
def test_pair_counts_equal_the_loop_in_value_and_order(folder: str, city_folder: Path) -> None:
    ds = read_dataset(ROOT / "sample_data" if folder == "locality" else city_folder)
    for fast, frame, group in [
        (graph.shared_people(ds), ds.affiliations, "person_id"),
        (graph.co_membership(ds), ds.memberships, "board_id"),
    ]:
        slow = _pairs_by_loop(frame, group)
        assert len(slow) > 10
        assert list(fast.items()) == list(slow.items())  # same counts, same order


@pytest.mark.parametrize(("n", "k"), [(500, 1), (500, 37), (500, 249), (500, 250), (30, 29)])
def test_smallest_first_equals_a_full_argsort(n: int, k: int) -> None:
    keys = np.random.default_rng(n + k).random((40, n))
    assert np.array_equal(exclusion._smallest_first(keys, k), np.argsort(keys, axis=1)[:, :k])


def test_ei_on_a_graph_without_labels_or_ties_is_undefined() -> None:
    empty = ei.ei_permutation_test(nx.Graph(), {}, n_permutations=10, seed=0)
    assert (empty.ei, empty.groups) == (None, ())
    lonely = ei.ei_permutation_test(nx.empty_graph(["a", "b"]), {"a": 1, "b": 2}, seed=0)
    assert lonely.ei is None and lonely.internal == 0


@pytest.mark.parametrize("graph", ["locality_graph", "city_graph"])
def test_clustering_equals_networkx_to_the_last_bit(
    graph: str, request: pytest.FixtureRequest
) -> None:
    G = request.getfixturevalue(graph)
    assert summary._clustering(G) == (nx.average_clustering(G), nx.transitivity(G))


@pytest.mark.parametrize("seed", range(5))
def test_clustering_equals_networkx_on_random_graphs(seed: int) -> None:
    G = nx.gnm_random_graph(120, 400 + 50 * seed, seed=seed)
    G.add_node("lonely")
    assert summary._clustering(G) == (nx.average_clustering(G), nx.transitivity(G))
    assert summary._clustering(nx.empty_graph(3)) == (0.0, 0.0)


def _random_starts(G: nx.Graph, seed: int) -> dict[object, int]:
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(G), size=max(1, len(G) // 15), replace=False)
    nodes = list(G)
    return {nodes[i]: int(rng.integers(0, 2)) for i in picked}


@pytest.mark.parametrize("graph", ["locality_graph", "city_graph"])
def test_distance_in_igraph_equals_the_python_search(
    graph: str, request: pytest.FixtureRequest
) -> None:
    G = request.getfixturevalue(graph)
    fast = paths.distance_to_decision(G)
    slow = paths._distance_by_search(G, set(), decision_sources(G))
    pd.testing.assert_series_equal(fast, slow)
    assert np.isinf(fast).any() and (fast == 0).any() and (fast >= 2).any()


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_distance_in_igraph_equals_the_python_search_on_random_graphs(
    seed: int, directed: bool
) -> None:
    G = nx.gnm_random_graph(150, 160, seed=seed, directed=directed)
    starts = _random_starts(G, seed)
    fast = paths.distance_to_decision(G, sources=starts)
    slow = paths._distance_by_search(G, set(), starts)
    pd.testing.assert_series_equal(fast, slow)


def _pieces_by_removal(G: nx.Graph) -> dict[object, tuple[int, int]]:
    """Each cut point's (pieces, separated), by removing it and counting (slow)."""
    out = {}
    for node in nx.articulation_points(G):
        component = nx.node_connected_component(G, node)
        rest = G.subgraph(component - {node})
        sizes = [len(c) for c in nx.connected_components(rest)]
        out[node] = (len(sizes), sum(sizes) - max(sizes))
    return out


def _bridge_sides_by_removal(G: nx.Graph) -> dict[frozenset[object], int]:
    out = {}
    for u, v in nx.bridges(G):
        H = G.copy()
        H.remove_edge(u, v)
        out[frozenset((u, v))] = min(
            len(nx.node_connected_component(H, u)), len(nx.node_connected_component(H, v))
        )
    return out


@pytest.mark.parametrize("graph", ["locality_graph", "city_graph", "random_graph"])
def test_cut_points_and_bridges_equal_removing_each_one(
    graph: str, request: pytest.FixtureRequest
) -> None:
    G = (
        nx.gnm_random_graph(200, 230, seed=4)
        if graph == "random_graph"
        else request.getfixturevalue(graph)
    )
    table = removal.articulation_points(G)
    expected = _pieces_by_removal(G)
    assert len(expected) > 5
    assert {r.id: (r.pieces, r.separated) for r in table.itertuples()} == expected
    sides = removal.bridges(G)
    assert {frozenset((r.source, r.target)): r.separated for r in sides.itertuples()} == (
        _bridge_sides_by_removal(G)
    )
