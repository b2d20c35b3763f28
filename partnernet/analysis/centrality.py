"""Betweenness, Burt's constraint and effective size through a compiled path.

DESIGN section 10: pure-Python betweenness is about 35 times slower than igraph on
a 5,000-organisation graph, so the heavy metrics run in igraph (C) or in
vectorised numpy, and the tests check them equal to NetworkX's own results.

Every function takes a NetworkX graph (the organisation graph of
:func:`partnernet.graph.org_graph`, or any simple ``nx.Graph``/``nx.DiGraph``) and
returns a ``pd.Series`` indexed by node in ``G``'s node order.
"""

from __future__ import annotations

import itertools
import math
import random
import weakref
from collections.abc import Hashable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from partnernet.graph import load_igraph

if TYPE_CHECKING:
    import igraph as ig
else:
    ig = load_igraph()

__all__ = [
    "betweenness",
    "betweenness_error_bound",
    "burt_constraint",
    "edge_endpoints",
    "effective_size",
    "endpoints_of",
    "node_index",
    "node_positions",
    "to_igraph",
]


def to_igraph(G: nx.Graph, *, weight: str | None = "weight") -> tuple[ig.Graph, list[Hashable]]:
    """``G`` as an igraph graph whose vertex ``i`` is ``list(G)[i]``.

    Parameters
    ----------
    G : nx.Graph or nx.DiGraph
        A simple graph. Self-loops are dropped: none of the measures here gives
        them a meaning for a partnership network.
    weight : edge attribute copied to the igraph edge attribute ``"weight"``
        (1.0 where missing, as NetworkX does); None copies no weights.

    Returns
    -------
    (igraph.Graph, list)
        The graph and the node list that maps vertex indices back to nodes. For a
        frozen ``G`` (``nx.freeze``) the igraph graph is made once and shared by
        later calls: read it, never change it.

    Examples
    --------
    >>> g, nodes = to_igraph(nx.path_graph(["a", "b", "c"]))
    >>> g.vcount(), g.ecount(), nodes
    (3, 2, ['a', 'b', 'c'])
    """
    if G.is_multigraph():
        raise ValueError("a simple graph is needed; collapse the multigraph first (nx.Graph(G))")
    # A frozen graph (the pipeline freezes its organisation graph) cannot gain or
    # lose a node or tie, so it is converted once per weight attribute and the
    # igraph graph reused by every measure (it was converted seven times a run).
    # Views are frozen too but follow a graph that may change: never cached.
    cacheable = nx.is_frozen(G) and getattr(G, "_graph", None) is None
    if cacheable:
        cached = _CONVERTED.get(G, {}).get(weight)
        if cached is not None:
            return cached[0], list(cached[1])
    g, nodes = _convert(G, weight)
    if cacheable:
        _CONVERTED.setdefault(G, {})[weight] = (g, nodes)
        return g, list(nodes)
    return g, nodes


# Frozen graph -> {weight attribute: (igraph graph, node list)}; entries go with the graph.
_CONVERTED: weakref.WeakKeyDictionary[
    nx.Graph, dict[str | None, tuple[ig.Graph, list[Hashable]]]
] = weakref.WeakKeyDictionary()


def node_index(G: nx.Graph) -> pd.Index:
    """``pd.Index(list(G))``, the index of every per-node result.

    For a frozen ``G`` the index (and the hash table pandas builds on its first
    lookup) is made once and shared: each call returns a new view of it, so a
    caller renaming its copy changes no other. Building it took longer than the
    compiled search itself for the distance to decision makers at region scale.

    Examples
    --------
    >>> node_index(nx.path_graph(["a", "b"])).tolist()
    ['a', 'b']
    """
    cacheable = nx.is_frozen(G) and getattr(G, "_graph", None) is None
    if not cacheable:
        return pd.Index(list(G))
    index = _INDEXES.get(G)
    if index is None:
        index = _INDEXES[G] = pd.Index(list(G))
    return index._view()


# Frozen graph -> its node index (see node_index); entries go with the graph.
_INDEXES: weakref.WeakKeyDictionary[nx.Graph, pd.Index] = weakref.WeakKeyDictionary()


def node_positions(G: nx.Graph) -> Mapping[Hashable, int]:
    """Each node's position in ``list(G)`` (its igraph vertex), read-only.

    Made once for a frozen ``G`` (a dict of every node cost more per call than the
    search it served); a new dict otherwise.

    Examples
    --------
    >>> dict(node_positions(nx.path_graph(["a", "b"])))
    {'a': 0, 'b': 1}
    """
    cacheable = nx.is_frozen(G) and getattr(G, "_graph", None) is None
    if not cacheable:
        return {node: i for i, node in enumerate(G)}
    positions = _POSITIONS.get(G)
    if positions is None:
        positions = _POSITIONS[G] = MappingProxyType({node: i for i, node in enumerate(G)})
    return positions


# Frozen graph -> its nodes' positions (see node_positions); entries go with the graph.
_POSITIONS: weakref.WeakKeyDictionary[nx.Graph, Mapping[Hashable, int]] = (
    weakref.WeakKeyDictionary()
)


def edge_endpoints(G: nx.Graph) -> np.ndarray:
    """The ends of every edge of ``to_igraph(G)``, as an ``(m, 2)`` int64 array.

    Row ``e`` holds edge ``e``'s two vertices (igraph returns edge ids, and some
    measures need their ends in arrays). Made once for a frozen ``G``.

    Examples
    --------
    >>> edge_endpoints(nx.path_graph(["a", "b", "c"])).tolist()
    [[0, 1], [1, 2]]
    """
    cacheable = nx.is_frozen(G) and getattr(G, "_graph", None) is None
    cached = _ENDPOINTS.get(G) if cacheable else None
    if cached is not None:
        return cached
    g, _ = to_igraph(G, weight=None)
    ends = endpoints_of(g)
    if cacheable:
        ends.flags.writeable = False  # shared: read it, never change it
        _ENDPOINTS[G] = ends
    return ends


def endpoints_of(g: ig.Graph) -> np.ndarray:
    """The ends of every edge of the igraph graph ``g``, as an ``(m, 2)`` int64 array."""
    return np.fromiter(
        itertools.chain.from_iterable(g.get_edgelist()), dtype="int64", count=2 * g.ecount()
    ).reshape(-1, 2)


# Frozen graph -> its edges' ends (see edge_endpoints); entries go with the graph.
_ENDPOINTS: weakref.WeakKeyDictionary[nx.Graph, np.ndarray] = weakref.WeakKeyDictionary()


def _convert(G: nx.Graph, weight: str | None) -> tuple[ig.Graph, list[Hashable]]:
    nodes = list(G)
    index = {node: i for i, node in enumerate(nodes)}
    edges = []
    weights = []
    for u, v, data in G.edges(data=True):
        if u == v:
            continue
        edges.append((index[u], index[v]))
        if weight is not None:
            weights.append(float(data.get(weight, 1.0)))
    g = ig.Graph(n=len(nodes), edges=edges, directed=G.is_directed())
    if weight is not None:
        g.es["weight"] = weights
    return g, nodes


def _series(values: Any, G: nx.Graph, name: str) -> pd.Series:
    # The values are each measure's own new array: no copy needed.
    return pd.Series(
        np.asarray(values, dtype="float64"), index=node_index(G), name=name, copy=False
    )


def betweenness(G: nx.Graph, *, sample: int | None = None, seed: int | None = None) -> pd.Series:
    """Normalised betweenness centrality (Freeman 1977), exact or estimated.

    Equal to ``nx.betweenness_centrality(G, normalized=True)``: the share of
    shortest paths between other pairs of nodes that pass through each node,
    divided by the ``(n-1)(n-2)`` ordered pairs (so 1 is the centre of a star).
    Paths are counted in hops, **unweighted**: a tie's weight in the organisation
    graph is its strength (shared boards, grants, people), not a distance, and
    reading it as a length would make the strongest ties the longest routes.

    Computed by igraph (Brandes' algorithm in C).

    Parameters
    ----------
    G : nx.Graph or nx.DiGraph
    sample : estimate from this many source pivots instead of all nodes
        (Brandes and Pich 2007); None (or ``sample >= n``) computes it exactly.
        Must be at least 2.
    seed : seeds the choice of pivots, which are
        ``random.Random(seed).sample(list(G), sample)`` — the pivots
        ``nx.betweenness_centrality(G, k=sample, seed=seed)`` draws, so the two
        estimates agree exactly.

    Returns
    -------
    pd.Series
        float, indexed by node in ``G``'s order.

    Notes
    -----
    The estimate, as NetworkX 3.6 computes it: for a node that is not a pivot,
    the mean over the ``k`` pivots ``s`` of ``X_s = (sum over targets t of the
    share of shortest s-t paths through the node) / (n - 2)``; for a pivot, the
    mean over the other ``k - 1`` pivots (its own term is 0 by definition). The
    exact value is the mean of ``X_s`` over all ``s`` other than the node, each
    ``X_s`` lies in [0, 1], and the pivots are a uniform sample without
    replacement, so Hoeffding's inequality (which holds for sampling without
    replacement, Hoeffding 1963 section 6) and a union bound over the ``n``
    nodes give: with probability at least ``1 - delta``, every node's estimate
    is within ``sqrt(ln(2 n / delta) / (2 (k - 1)))`` of its exact value
    (:func:`betweenness_error_bound`). For 200,000 organisations and 1,000
    pivots that is 0.09 at ``delta = 0.05``: enough to rank the main brokers,
    not to compare small values.

    Examples
    --------
    >>> betweenness(nx.star_graph(3)).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """
    n = G.number_of_nodes()
    g, nodes = to_igraph(G, weight=None)
    if n <= 2:
        return _series(np.zeros(n), G, "betweenness")
    directed = G.is_directed()
    # igraph counts each unordered pair once in an undirected graph; NetworkX's
    # normalisation is over ordered pairs, hence the factor 2.
    pair_factor = 1.0 if directed else 2.0
    if sample is None or sample >= n:
        raw = np.asarray(g.betweenness(directed=directed), dtype="float64")
        return _series(raw * pair_factor / ((n - 1) * (n - 2)), G, "betweenness")
    if sample < 2:
        raise ValueError(f"sample must be at least 2 pivots (got {sample})")
    pivots = random.Random(seed).sample(nodes, sample)
    index = {node: i for i, node in enumerate(nodes)}
    sources = sorted(index[p] for p in pivots)
    raw = np.asarray(g.betweenness(directed=directed, sources=sources), dtype="float64")
    per_pivot = np.full(n, float(sample))
    per_pivot[sources] = sample - 1
    return _series(raw * pair_factor / (per_pivot * (n - 2)), G, "betweenness")


def betweenness_error_bound(n: int, sample: int, *, delta: float = 0.05) -> float:
    """The largest error of a sampled betweenness, with probability ``1 - delta``.

    ``sqrt(ln(2 n / delta) / (2 (sample - 1)))``, holding for every node at once
    (see the Notes of :func:`betweenness`); 0 when ``sample >= n`` (exact).

    Examples
    --------
    >>> round(betweenness_error_bound(200_000, 1_000), 3)
    0.089
    >>> betweenness_error_bound(50, 50)
    0.0
    """
    if sample >= n:
        return 0.0
    if sample < 2:
        raise ValueError(f"sample must be at least 2 pivots (got {sample})")
    return math.sqrt(math.log(2 * n / delta) / (2 * (sample - 1)))


def burt_constraint(G: nx.Graph) -> pd.Series:
    """Burt's constraint (Burt 1992, *Structural Holes*), weighted.

    ``c(i) = sum over neighbours j of (p_ij + sum over q of p_iq p_qj)^2`` where
    ``p_ij`` is the share of ``i``'s tie weight (``weight``, in both directions)
    that goes to ``j``. High constraint: an organisation whose partners all know
    each other; low: one that spans structural holes. Equal to NetworkX's
    per-node ``nx.constraint(G, nodes=list(G), weight="weight")`` (NaN for an
    organisation with no tie and, in a directed graph, with no out-going tie: its
    sparse-matrix path, taken with scipy when ``nodes`` is None, gives the latter a
    value); computed by igraph, which the tests check against NetworkX.

    Examples
    --------
    >>> burt_constraint(nx.star_graph(2)).round(3).tolist()
    [0.5, 1.0, 1.0]
    """
    g, nodes = to_igraph(G)
    values = np.asarray(g.constraint(weights="weight"), dtype="float64")
    # NetworkX leaves a node with no out-going tie undefined (it looks at G[v]).
    # Only a node igraph sees with no out-going tie can be one (a self-loop, which
    # igraph does not hold, still counts in G[v]), so only those are looked up.
    for i in np.flatnonzero(np.asarray(g.outdegree() if g.is_directed() else g.degree()) == 0):
        if len(G[nodes[i]]) == 0:
            values[i] = np.nan
    return _series(values, G, "constraint")


def effective_size(G: nx.Graph) -> pd.Series:
    """Burt's effective size (Burt 1992), weighted: non-redundant partners.

    ``e(i) = sum over neighbours j of (1 - sum over q of p_iq m_jq)``, where
    ``p_iq`` is the share of ``i``'s tie weight going to ``q`` and ``m_jq`` is
    ``j``'s tie weight to ``q`` divided by ``j``'s strongest tie. An organisation
    whose partners do not know each other has an effective size equal to its
    number of partners. Equal to NetworkX's per-node
    ``nx.effective_size(G, nodes=list(G), weight="weight")`` (NaN for an
    organisation with no tie, as for :func:`burt_constraint`). Vectorised with
    numpy over the triangles igraph lists, since only triangles ``i, j, q``
    contribute redundancy.

    Examples
    --------
    >>> effective_size(nx.star_graph(2)).tolist()
    [2.0, 1.0, 1.0]
    >>> effective_size(nx.complete_graph(3)).tolist()
    [1.0, 1.0, 1.0]
    """
    nodes = list(G)
    n = len(nodes)
    u, v, w = _mutual_ties(G, nodes)
    degree = np.bincount(np.concatenate([u, v]), minlength=n).astype("float64")
    total = np.bincount(np.concatenate([u, v]), weights=np.concatenate([w, w]), minlength=n)
    strongest = np.zeros(n)
    np.maximum.at(strongest, np.concatenate([u, v]), np.concatenate([w, w]))
    redundancy = np.zeros(n)
    if len(u):
        tie_weight = _tie_lookup(u, v, w, n)
        triangles = _triangles(u, v, n)
        if len(triangles):
            for i, j, q in _permutations(triangles):
                # p_iq * m_jq: i's share to q times j's tie to q relative to j's strongest.
                p_iq = _ratio(tie_weight(i, q), total[i])
                m_jq = _ratio(tie_weight(j, q), strongest[j])
                redundancy += np.bincount(i, weights=p_iq * m_jq, minlength=n)
    values = degree - redundancy
    no_ties = np.array([len(G[x]) == 0 for x in nodes], dtype=bool)
    values[no_ties] = np.nan
    return _series(values, G, "effective_size")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    # NetworkX gives 0, not NaN, when a node's ties all weigh 0.
    out = np.zeros_like(num, dtype="float64")
    nonzero = den != 0
    out[nonzero] = num[nonzero] / den[nonzero]
    return out


def _mutual_ties(G: nx.Graph, nodes: list[Hashable]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected ties ``u < v`` with Burt's mutual weight ``w_uv + w_vu``.

    In an undirected graph the mutual weight is ``2 w``; every measure here
    divides it by a sum or a maximum of the same node's weights, so ``w`` is used.
    """
    index = {node: i for i, node in enumerate(nodes)}
    mutual: dict[tuple[int, int], float] = {}
    for a, b, data in G.edges(data=True):
        if a == b:
            continue
        i, j = index[a], index[b]
        key = (i, j) if i < j else (j, i)
        mutual[key] = mutual.get(key, 0.0) + float(data.get("weight", 1.0))
    if not mutual:
        empty = np.zeros(0, dtype="int64")
        return empty, empty, np.zeros(0)
    pairs = np.array(list(mutual.keys()), dtype="int64")
    return pairs[:, 0], pairs[:, 1], np.fromiter(mutual.values(), dtype="float64")


def _tie_lookup(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> Any:
    """A vectorised ``weight(a, b)`` for undirected ties (both orders)."""
    keys = np.concatenate([u * n + v, v * n + u])
    order = np.argsort(keys)
    sorted_keys = keys[order]
    sorted_weights = np.concatenate([w, w])[order]

    def weight(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        found: np.ndarray = sorted_weights[np.searchsorted(sorted_keys, a * n + b)]
        return found

    return weight


def _triangles(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Every triangle of the undirected graph on ties ``(u, v)``, as rows of 3 indices."""
    g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=False)
    return np.asarray(g.list_triangles(), dtype="int64").reshape(-1, 3)


def _permutations(triangles: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The six orderings of each triangle's corners, as column triples."""
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    return [(a, b, c), (a, c, b), (b, a, c), (b, c, a), (c, a, b), (c, b, a)]
