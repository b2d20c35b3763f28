"""The shape of the network (DESIGN section 5, "Summary").

:func:`network_summary` gives the headline figures as a JSON-ready dict,
:func:`communities` the communities (Leiden, Traag et al. 2019) per organisation,
computed once from :func:`louvain_communities`.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, overload

import networkx as nx
import numpy as np
import pandas as pd

from partnernet.analysis.centrality import endpoints_of, to_igraph
from partnernet.analysis.records import NetworkSummary
from partnernet.graph import load_igraph

__all__ = [
    "EXACT_PATH_LENGTH_LIMIT",
    "LEIDEN_RUNS",
    "PATH_LENGTH_SOURCES",
    "communities",
    "community_labels",
    "degree_centralisation",
    "louvain_communities",
    "network_summary",
]

# Up to this many organisations in the largest component the average path length
# is exact (a breadth-first search from every organisation, see
# _exact_average_path_length); above it, it is estimated from PATH_LENGTH_SOURCES
# seeded sources.
EXACT_PATH_LENGTH_LIMIT = 5_000
PATH_LENGTH_SOURCES = 500
# The exact path length searches from this many sources at a time (8 words of bits
# per vertex, as the sampled estimate's 500 sources), so its memory stays that of
# the estimate whatever the number of organisations; a search deeper than
# _DEEPEST_BIT_SEARCH levels leaves the rest to igraph (see there).
_SOURCES_AT_ONCE = 512
_DEEPEST_BIT_SEARCH = 64
# Leiden runs per community detection, the partition of highest modularity kept.
LEIDEN_RUNS = 3


def louvain_communities(G: nx.Graph, *, seed: int | None) -> list[set[Any]]:
    """Communities (Leiden, a refinement of Louvain) on the weighted graph, numbered.

    igraph's Leiden on modularity with the weights (a refinement of Louvain whose
    modularity is at least NetworkX's Louvain's on the samples), seeded, largest
    first (ties: the one holding the node that comes first in ``G``). Computed once
    per run and handed to :func:`community_labels` and :func:`network_summary`.

    Examples
    --------
    >>> [sorted(part) for part in louvain_communities(nx.barbell_graph(3, 0), seed=1)]
    [[0, 1, 2], [3, 4, 5]]
    """
    if G.number_of_nodes() == 0:
        return []
    U = G.to_undirected(as_view=True) if G.is_directed() else G
    return _numbered(G, _leiden(U, seed))


def _leiden(G: nx.Graph, seed: int | None) -> list[set[Any]]:
    # igraph's Leiden (Traag et al. 2019, Louvain with a refinement step) on
    # modularity, run until an iteration no longer improves it. Compiled: 25 times
    # NetworkX's Louvain at region scale, and its modularity was higher on every
    # sample and test graph tried (bench/RESULTS.md, tests/test_fast_paths.py).
    # The best of LEIDEN_RUNS runs is kept: one run fell short of NetworkX on 5 of
    # 60 small random graphs, the best of three on 1 (by 0.005 at most).
    # Its node order comes from igraph's random generator, set to Random(seed) for
    # the call and given back after, so a seed gives the same communities in every
    # process.
    ig = load_igraph()
    g, nodes = to_igraph(G)
    if seed is not None:
        ig.set_random_number_generator(random.Random(seed))
    weights = "weight" if g.ecount() else None
    best: Any = None
    try:
        for _ in range(LEIDEN_RUNS):
            clusters = g.community_leiden(
                objective_function="modularity", weights=weights, n_iterations=-1
            )
            if best is None or clusters.modularity > best.modularity:
                best = clusters
    finally:
        if seed is not None:
            ig.set_random_number_generator(random)
    return [{nodes[i] for i in members} for members in best]


def _numbered(G: nx.Graph, parts: list[set[Any]]) -> list[set[Any]]:
    position = {node: i for i, node in enumerate(G)}
    return sorted(parts, key=lambda part: (-len(part), min(position[n] for n in part)))


def community_labels(G: nx.Graph, parts: list[set[Any]]) -> pd.Series:
    """Each node's community number in ``parts`` (from :func:`louvain_communities`).

    Examples
    --------
    >>> community_labels(nx.path_graph(3), [{0, 1}, {2}]).tolist()
    [0, 0, 1]
    """
    number = {node: i for i, part in enumerate(parts) for node in part}
    return pd.Series(
        [number[n] for n in G], index=pd.Index(list(G)), dtype="int64", name="community"
    )


def communities(G: nx.Graph, *, seed: int | None) -> pd.Series:
    """Communities (Leiden, a refinement of Louvain) on the weighted graph.

    ``community_labels(G, louvain_communities(G, seed=seed))``: the same seed gives
    the same communities, in every process.

    Returns
    -------
    pd.Series
        int64 community number per node, in ``G``'s order; community 0 is the
        largest (ties: the one holding the node that comes first in ``G``). An
        organisation with no tie is a community of its own.

    Examples
    --------
    >>> G = nx.barbell_graph(4, 0)
    >>> communities(G, seed=1).tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """
    return community_labels(G, louvain_communities(G, seed=seed))


def degree_centralisation(G: nx.Graph) -> float | None:
    """Freeman's (1978) degree centralisation, from 0 (all equal) to 1 (a star).

    ``sum over nodes of (max degree - degree) / ((n - 1)(n - 2))``; None below
    three nodes, where it is undefined. Ties are read as undirected.

    Examples
    --------
    >>> degree_centralisation(nx.star_graph(4)), degree_centralisation(nx.cycle_graph(5))
    (1.0, 0.0)
    """
    U = G.to_undirected(as_view=True) if G.is_directed() else G
    n = U.number_of_nodes()
    if n < 3:
        return None
    degrees = np.array([d for _, d in U.degree()], dtype="float64")
    return float(np.sum(degrees.max() - degrees) / ((n - 1) * (n - 2)))


def _average_path_length(
    G: nx.Graph, largest: set[Any], *, seed: int | None, exact_limit: int, sources: int
) -> tuple[float | None, str, int | None]:
    if len(largest) < 2:
        return None, "none", None
    # The largest part cut from the whole graph's igraph copy (made once for a
    # frozen graph): the same vertices in the same order as G.subgraph(largest).
    whole, nodes = to_igraph(G, weight=None)
    g = whole.induced_subgraph([i for i, node in enumerate(nodes) if node in largest])
    if len(largest) <= exact_limit:
        return _exact_average_path_length(g), "exact", None
    picked = random.Random(seed).sample(range(len(largest)), sources)
    total = _distance_total(g, picked)
    # The source's distance to itself is the zero left out of the denominator.
    return total / (len(picked) * (len(largest) - 1)), "sampled", sources


def _exact_average_path_length(g: Any) -> float:
    """The mean hops between two vertices of the connected graph ``g``, exactly.

    The sampled estimate's search (:func:`_distance_total`) from every vertex, a
    block of sources at a time: the same value as igraph's
    ``average_path_length`` (the same integer total over the same count), four to
    five times quicker on partnership networks (city: 26 ms against 122 ms) and in
    numpy, which lets go of the GIL, so the reshuffle tests go on beside it. Its
    work grows with the search's depth, igraph's does not: past
    ``_DEEPEST_BIT_SEARCH`` levels (a long chain of organisations) igraph's is the
    quicker, and is used.
    """
    n = g.vcount()
    total = 0
    for first in range(0, n, _SOURCES_AT_ONCE):
        block = list(range(first, min(n, first + _SOURCES_AT_ONCE)))
        found = _distance_total(g, block, most_levels=_DEEPEST_BIT_SEARCH)
        if found is None:
            return float(g.average_path_length(directed=False))
        total += found
    mean: float = total / (n * (n - 1))
    return mean


@overload
def _distance_total(g: Any, sources: list[int]) -> int: ...
@overload
def _distance_total(g: Any, sources: list[int], *, most_levels: int) -> int | None: ...
def _distance_total(g: Any, sources: list[int], *, most_levels: int | None = None) -> int | None:
    """The sum, over ``sources``, of the hops from each to every vertex it reaches;
    None when the search would go deeper than ``most_levels``.

    One breadth-first search from all sources at once, each source a bit of a row
    of 64-bit words per vertex: a level ORs each vertex's neighbours' new bits,
    and the bits new to a vertex at level d are sources d hops away. The same
    integer as summing igraph's distance matrix, which at national scale is 500
    rows of 200,000 Python integers; here each level is two numpy passes over the
    ties.
    """
    n = g.vcount()
    ends = endpoints_of(g)
    # Every tie both ways, grouped by the vertex it arrives at.
    tails = np.concatenate([ends[:, 0], ends[:, 1]])
    heads = np.concatenate([ends[:, 1], ends[:, 0]])
    order = np.argsort(heads, kind="stable")
    tails, heads = tails[order], heads[order]
    receivers, first_arc = np.unique(heads, return_index=True)
    words = (len(sources) + 63) // 64
    bit = np.arange(len(sources))
    seen = np.zeros((n, words), dtype="uint64")
    np.bitwise_or.at(
        seen,
        (np.asarray(sources, dtype="int64"), bit // 64),
        np.left_shift(np.uint64(1), (bit % 64).astype("uint64")),
    )
    frontier = seen.copy()
    total = 0
    level = 0
    while len(receivers):
        level += 1
        arriving = np.zeros_like(seen)
        arriving[receivers] = np.bitwise_or.reduceat(frontier[tails], first_arc, axis=0)
        new = arriving & ~seen
        found = int(np.bitwise_count(new).sum())
        if found == 0:
            break
        if most_levels is not None and level > most_levels:
            return None
        total += level * found
        seen |= new
        frontier = new
    return total


def _clustering(U: nx.Graph) -> tuple[float, float]:
    """``nx.average_clustering(U)`` and ``nx.transitivity(U)``, to the last bit.

    The triangles at each node come from igraph (NetworkX's Python loop took 1.8 s
    at region scale); the ratios are NetworkX's own: ``2T / (d (d - 1))`` per node
    in float64, summed left to right in node order, and ``sum 2T / sum d (d - 1)``
    from whole numbers.
    """
    g, nodes = to_igraph(U, weight=None)
    n = len(nodes)
    if n == 0:
        return 0.0, 0.0
    triangles = np.asarray(g.list_triangles(), dtype="int64").reshape(-1, 3)
    at_node = 2 * np.bincount(triangles.ravel(), minlength=n)
    # Self-loops are not ties (to_igraph drops them; NetworkX ignores them here).
    degree = np.asarray(g.degree(), dtype="int64")
    pairs = degree * (degree - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        local = np.where(at_node == 0, 0.0, at_node / np.where(pairs == 0, 1, pairs))
    clustering = sum(local.tolist()) / n
    total = int(at_node.sum())
    transitivity = 0.0 if total == 0 else total / int(pairs.sum())
    return float(clustering), float(transitivity)


def network_summary(
    G: nx.Graph,
    multilayer: nx.MultiDiGraph | None,
    *,
    seed: int | None,
    partition: list[set[Any]] | None = None,
    exact_path_limit: int = EXACT_PATH_LENGTH_LIMIT,
    path_sources: int = PATH_LENGTH_SOURCES,
) -> NetworkSummary:
    """The headline figures of the organisation graph.

    Parameters
    ----------
    G : the organisation graph (:func:`partnernet.graph.org_graph`).
    multilayer : the multilayer graph (:func:`partnernet.graph.build_graph`), for
        boards and the facts in each layer; None leaves those out.
    seed : seeds community detection and, on a large graph, the sampled path length.
    partition : the communities, when already found (:func:`louvain_communities`);
        found here with ``seed`` when None.
    exact_path_limit, path_sources : see ``EXACT_PATH_LENGTH_LIMIT``.

    Returns
    -------
    NetworkSummary
        ``organisations``; ``organisations_by_type`` (type -> count, sorted by
        type); ``boards`` (None without ``multilayer``); ``ties``;
        ``ties_by_layer`` (layer -> organisation-graph ties that layer helps form;
        a tie can carry several); ``facts_by_layer`` (layer -> edges of the
        multilayer graph; None without it); ``density``; ``components``;
        ``largest_component`` (organisations in it); ``isolates``;
        ``degree_centralisation`` (Freeman); ``average_clustering`` and
        ``transitivity`` (unweighted); ``average_path_length`` (hops, within the
        largest component), ``average_path_length_method`` (``"exact"``,
        ``"sampled"`` or ``"none"``) and ``average_path_length_sources`` (the
        number of sampled sources, or None); ``communities`` (Leiden, counting
        organisations with no tie as communities of one),
        ``communities_of_two_or_more``, ``community_sizes`` (largest first),
        ``modularity`` (None without ties); ``seed``. Undefined figures are None.

    Examples
    --------
    >>> s = network_summary(nx.barbell_graph(4, 0), None, seed=1)
    >>> s["organisations"], s["ties"], s["components"], s["communities"]
    (8, 13, 1, 2)
    """
    n = G.number_of_nodes()
    m = G.number_of_edges()
    U = G.to_undirected(as_view=True) if G.is_directed() else G
    parts = list(nx.connected_components(U))
    largest = max(parts, key=len) if parts else set()
    types = Counter(str(d.get("type")) for _, d in G.nodes(data=True))
    layers: Counter[str] = Counter()
    for _, _, data in G.edges(data=True):
        layers.update(data.get("layers", ()))
    facts = None
    boards = None
    if multilayer is not None:
        facts = dict(
            sorted(Counter(str(d.get("layer")) for *_, d in multilayer.edges(data=True)).items())
        )
        boards = sum(1 for _, d in multilayer.nodes(data=True) if d.get("node_kind") == "board")
    apl, apl_method, apl_sources = _average_path_length(
        U, largest, seed=seed, exact_limit=exact_path_limit, sources=path_sources
    )
    clustering, transitivity = _clustering(U)
    found = louvain_communities(G, seed=seed) if partition is None else partition
    modularity = float(nx.community.modularity(U, found, weight="weight")) if m and found else None
    return NetworkSummary(
        organisations=n,
        organisations_by_type=dict(sorted(types.items())),
        boards=boards,
        ties=m,
        ties_by_layer=dict(sorted(layers.items())),
        facts_by_layer=facts,
        density=float(nx.density(G)) if n > 1 else None,
        components=len(parts),
        largest_component=len(largest),
        isolates=sum(1 for node in U if U.degree(node) == 0),
        degree_centralisation=degree_centralisation(G),
        average_clustering=clustering if n else None,
        transitivity=transitivity if n else None,
        average_path_length=apl,
        average_path_length_method=apl_method,
        average_path_length_sources=apl_sources,
        communities=len(found),
        communities_of_two_or_more=sum(1 for part in found if len(part) > 1),
        community_sizes=tuple(len(part) for part in found),
        modularity=modularity,
        seed=seed,
    )
