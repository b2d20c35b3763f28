"""The summary's fast paths give the figures of the code they replaced (issue 17)."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from partnernet.analysis import summary
from partnernet.analysis.centrality import to_igraph


def _distance_matrix_total(g: object, sources: list[int]) -> int:
    """The replaced code: igraph's whole distance matrix from the sources, summed
    (unreached vertices, infinite there, left out as the search leaves them out)."""
    distances = np.asarray(g.distances(source=sources, mode="all"), dtype="float64")  # type: ignore[attr-defined]
    return int(distances[np.isfinite(distances)].sum())


@pytest.mark.parametrize("seed", range(40))
def test_the_bitwise_search_sums_the_distances_igraph_gives(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 150)
    G = nx.gnm_random_graph(n, rng.randint(0, 3 * n), seed=seed)
    g, _ = to_igraph(G, weight=None)
    # Up to 150 sources: three 64-bit words, the last one part full.
    sources = rng.sample(range(n), rng.randint(1, n))
    assert summary._distance_total(g, sources) == _distance_matrix_total(g, sources)


def test_a_source_with_no_tie_adds_nothing_and_a_path_adds_each_hop() -> None:
    g, _ = to_igraph(nx.path_graph(5), weight=None)
    assert summary._distance_total(g, [0]) == 1 + 2 + 3 + 4
    assert summary._distance_total(g, [0, 4]) == 2 * (1 + 2 + 3 + 4)
    lone, _ = to_igraph(nx.empty_graph(3), weight=None)
    assert summary._distance_total(lone, [1]) == 0


def test_the_sampled_path_length_is_the_mean_of_the_sampled_rows() -> None:
    G = nx.freeze(nx.connected_watts_strogatz_graph(400, 6, 0.1, seed=3))
    largest = set(G)
    value, method, sources = summary._average_path_length(
        G, largest, seed=5, exact_limit=100, sources=50
    )
    g, _ = to_igraph(G, weight=None)
    picked = random.Random(5).sample(range(400), 50)
    assert (method, sources) == ("sampled", 50)
    assert value == _distance_matrix_total(g, picked) / (50 * 399)


@pytest.mark.parametrize("seed", range(30))
def test_the_exact_path_length_is_igraphs_to_the_last_bit(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exact branch searches from every vertex, a block of sources at a time
    (a few vertices here, so most graphs take several blocks); it gives what it
    replaced, igraph's average_path_length, as the same float."""
    monkeypatch.setattr(summary, "_SOURCES_AT_ONCE", 37)
    rng = random.Random(seed)
    n = rng.randint(2, 200)
    G = nx.freeze(nx.gnm_random_graph(n, rng.randint(n, 4 * n), seed=seed))
    largest = max(nx.connected_components(G), key=len)
    value, method, sources = summary._average_path_length(
        G, largest, seed=0, exact_limit=200, sources=50
    )
    g, nodes = to_igraph(G, weight=None)
    part = g.induced_subgraph([i for i, node in enumerate(nodes) if node in largest])
    assert (method, sources) == ("exact", None)
    assert value == part.average_path_length(directed=False)


def test_a_search_deeper_than_the_bit_search_goes_leaves_the_chain_to_igraph() -> None:
    # A chain of 300 organisations is 299 levels deep: past _DEEPEST_BIT_SEARCH.
    g, _ = to_igraph(nx.path_graph(300), weight=None)
    assert summary._distance_total(g, [0], most_levels=summary._DEEPEST_BIT_SEARCH) is None
    assert summary._distance_total(g, [0], most_levels=299) == sum(range(300))
    assert summary._exact_average_path_length(g) == g.average_path_length(directed=False)
