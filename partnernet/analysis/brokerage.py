"""Who brokers, and what would be lost without them (DESIGN section 5, "Brokerage").

- :func:`brokerage_roles` and :func:`brokerage_test`: Gould and Fernandez's (1989)
  five brokerage roles per organisation, and the network totals against a random
  graph of the same density and group sizes, as R's ``sna::brokerage`` computes
  them (Butts, ``cran/sna``: ``src/gli.c`` ``brokerage_R`` for the counts,
  ``R/models.R`` ``brokerage`` for the moments ``exp.gli`` and ``sd.gli``).
- :func:`articulation_points` and :func:`bridges`: the organisations and ties whose
  loss splits the network.
- :func:`removal_impact`: the small organisations that would lose every path to a
  decision maker if one organisation went.
- :func:`infrastructure_path_share`: how many of the shortest routes from small
  organisations to decision makers pass through an infrastructure organisation.
- :func:`brokerage_findings`: the plain-English findings.

Throughout, **small organisations** are voluntary and infrastructure
organisations (sector ``vcse`` or ``infrastructure``, the population of the
exclusion analysis) whose ``size_band`` is in ``small_bands`` (micro and small by
default). **Decision makers** follow DESIGN section 4 and
:mod:`partnernet.analysis.paths`: public bodies, and boards, which sit one hop
beyond the organisations holding a seat on them.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from partnernet.analysis.centrality import to_igraph
from partnernet.analysis.exclusion import SMALL_BANDS
from partnernet.analysis.paths import decision_sources, distance_to_decision
from partnernet.analysis.results import BROKERAGE_ROLES, REMOVAL_COLUMNS, Finding

__all__ = [
    "ARTICULATION_COLUMNS",
    "BRIDGE_COLUMNS",
    "SMALL_BANDS",
    "articulation_points",
    "bridges",
    "brokerage_findings",
    "brokerage_roles",
    "brokerage_test",
    "infrastructure_path_share",
    "removal_impact",
    "small_organisations",
]

ARTICULATION_COLUMNS: tuple[str, ...] = ("id", "name", "type", "pieces", "separated")
BRIDGE_COLUMNS: tuple[str, ...] = (
    "source",
    "source_name",
    "source_type",
    "target",
    "target_name",
    "target_type",
    "weight",
    "layers",
    "separated",
)
# Role codes, in the order of BROKERAGE_ROLES.
_COORDINATOR, _ITINERANT, _GATEKEEPER, _REPRESENTATIVE, _LIAISON = range(5)
# A network-level z beyond this is reported as more (or fewer) than chance. sna's
# variance treats the two directions of an undirected tie as independent, which
# understates it by about half, so z is read with a wide margin (3 / sqrt(2) > 2).
_Z_CLEAR = 3.0


# --------------------------------------------------------------------------- roles


def _arcs(G: nx.Graph, nodes: list[Hashable], directed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Distinct arcs ``a -> c`` (indices, no self-loops); undirected ties both ways."""
    g, _ = to_igraph(G, weight=None)
    edges = np.asarray(g.get_edgelist(), dtype="int64").reshape(-1, 2)
    src, dst = edges[:, 0], edges[:, 1]
    if not (directed and G.is_directed()):
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    n = len(nodes)
    keys = np.unique(src * n + dst)
    return keys // n, keys % n


def _group_codes(nodes: list[Hashable], groups: Mapping[Hashable, Any]) -> tuple[np.ndarray, list]:
    missing = [node for node in nodes if node not in groups]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        raise ValueError(
            f"{len(missing)} node(s) have no group: {shown}. "
            "Give every node of the graph a group label."
        )
    labels: dict[Any, int] = {}
    codes = np.fromiter(
        (labels.setdefault(groups[node], len(labels)) for node in nodes),
        dtype="int64",
        count=len(nodes),
    )
    return codes, list(labels)


def _role_of(source: np.ndarray, broker: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The Gould-Fernandez role of each two-path source -> broker -> target (group codes)."""
    role = np.full(len(broker), _LIAISON, dtype="int64")
    same_st = source == target
    role[same_st & (broker != source)] = _ITINERANT
    role[(broker == source) & ~same_st] = _REPRESENTATIVE
    role[(broker == target) & ~same_st] = _GATEKEEPER
    role[same_st & (broker == source)] = _COORDINATOR
    return role


def brokerage_roles(
    G: nx.Graph, groups: Mapping[Hashable, Any], *, directed: bool = False
) -> pd.DataFrame:
    """Gould-Fernandez brokerage role counts for every node (Gould and Fernandez 1989).

    For every two-path ``a -> v -> c`` with ``a != c`` and no tie ``a -> c``, the
    broker ``v`` scores one in the role given by the groups of ``a``, ``v`` and
    ``c``:

    - **coordinator**: ``a``, ``v`` and ``c`` all in one group;
    - **itinerant**: ``a`` and ``c`` in one group, ``v`` outside it;
    - **gatekeeper**: ``v`` and ``c`` in one group, ``a`` outside it;
    - **representative**: ``a`` and ``v`` in one group, ``c`` outside it;
    - **liaison**: all three in different groups.

    Pairs are ordered, as R's ``sna::brokerage`` and UCINET count them (the counts
    match sna's ``raw.nli``). An undirected tie counts in both directions, so in
    an undirected graph each unordered pair is counted twice for coordinator,
    itinerant and liaison, and a node's gatekeeper count equals its
    representative count.

    Parameters
    ----------
    G : nx.Graph or nx.DiGraph
        Self-loops are ignored.
    groups : the group label of every node (for the organisation graph, its
        ``sector``).
    directed : use a DiGraph's arcs as they are. With False (the default) every
        tie counts in both directions, as for the undirected organisation graph.

    Returns
    -------
    pd.DataFrame
        Indexed by node in ``G``'s order, int64 columns ``coordinator``,
        ``itinerant``, ``gatekeeper``, ``representative``, ``liaison``.

    Notes
    -----
    Vectorised: the two-paths through ``v`` from group ``g`` to group ``h`` number
    ``in_g(v) * out_h(v)`` (less the ``a == c`` pairs), and the closed ones (with a
    tie ``a -> c``) all lie on triangles, which igraph lists; so the cost is that
    of listing triangles, not of enumerating two-paths.

    Examples
    --------
    >>> G = nx.path_graph(["a", "v", "c"])
    >>> brokerage_roles(G, {"a": "x", "v": "y", "c": "z"}).loc["v"].tolist()
    [0, 0, 0, 0, 2]
    """
    nodes = list(G)
    n = len(nodes)
    codes, labels = _group_codes(nodes, groups)
    k = len(labels)
    src, dst = _arcs(G, nodes, directed)
    counts = np.zeros((n, 5), dtype="int64")
    if n == 0 or len(src) == 0:
        return _roles_frame(counts, nodes)

    # in_counts[v, g]: arcs a -> v from group g; out_counts[v, h]: arcs v -> c into h.
    in_counts = np.bincount(dst * k + codes[src], minlength=n * k).reshape(n, k)
    out_counts = np.bincount(src * k + codes[dst], minlength=n * k).reshape(n, k)
    # Mutual neighbours (a -> v and v -> a) would pair with themselves (a == c).
    arc_keys = src * n + dst
    reverse_present = np.isin(dst * n + src, arc_keys)
    mutual = np.bincount(
        dst[reverse_present] * k + codes[src[reverse_present]], minlength=n * k
    ).reshape(n, k)

    own = codes
    rows = np.arange(n)
    in_own, out_own = in_counts[rows, own], out_counts[rows, own]
    in_all, out_all = in_counts.sum(axis=1), out_counts.sum(axis=1)
    same_group_pairs = (in_counts * out_counts - mutual).sum(axis=1)
    coordinator = in_own * out_own - mutual[rows, own]
    counts[:, _COORDINATOR] = coordinator
    counts[:, _ITINERANT] = same_group_pairs - coordinator
    counts[:, _REPRESENTATIVE] = in_own * (out_all - out_own)
    counts[:, _GATEKEEPER] = (in_all - in_own) * out_own
    # Pairs from two outside groups, less those where both are in the same one
    # (including a == c, which is not a pair at all).
    counts[:, _LIAISON] = (in_all - in_own) * (out_all - out_own) - (
        (in_counts * out_counts).sum(axis=1) - in_own * out_own
    )

    # Take away the closed two-paths: a -> v -> c with a tie a -> c. Each lies on a
    # triangle of the underlying undirected graph.
    closed = _closed_two_paths(src, dst, n)
    if closed is not None:
        a, v, c = closed
        role = _role_of(codes[a], codes[v], codes[c])
        counts -= np.bincount(v * 5 + role, minlength=n * 5).reshape(n, 5)
    return _roles_frame(counts, nodes)


def _closed_two_paths(
    src: np.ndarray, dst: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Every ``(a, v, c)`` with arcs a->v, v->c and a->c, from the triangles."""
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(lo * n + hi)
    g = ig.Graph(n=n, edges=np.column_stack([pairs // n, pairs % n]).tolist())
    triangles = np.asarray(g.list_triangles(), dtype="int64").reshape(-1, 3)
    if len(triangles) == 0:
        return None
    arc_keys = np.sort(src * n + dst)

    def present(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        keys = x * n + y
        found = np.searchsorted(arc_keys, keys)
        found[found == len(arc_keys)] = 0
        return arc_keys[found] == keys

    t0, t1, t2 = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    parts_a, parts_v, parts_c = [], [], []
    for a, v, c in (
        (t0, t1, t2),
        (t0, t2, t1),
        (t1, t0, t2),
        (t1, t2, t0),
        (t2, t0, t1),
        (t2, t1, t0),
    ):
        keep = present(a, v) & present(v, c) & present(a, c)
        parts_a.append(a[keep])
        parts_v.append(v[keep])
        parts_c.append(c[keep])
    return np.concatenate(parts_a), np.concatenate(parts_v), np.concatenate(parts_c)


def _roles_frame(counts: np.ndarray, nodes: list[Hashable]) -> pd.DataFrame:
    return pd.DataFrame(
        counts.astype("int64"), index=pd.Index(nodes), columns=list(BROKERAGE_ROLES)
    )


def _density(G: nx.Graph, directed: bool) -> tuple[int, float]:
    n = G.number_of_nodes()
    src, _ = _arcs(G, list(G), directed)
    return n, (len(src) / (n * (n - 1)) if n > 1 else 0.0)


def _group_sizes(G: nx.Graph, groups: Mapping[Hashable, Any]) -> np.ndarray:
    codes, labels = _group_codes(list(G), groups)
    return np.bincount(codes, minlength=len(labels)).astype("float64")


def _expected_for_broker_group(sizes: np.ndarray, N: float, d: float) -> np.ndarray:
    """sna's ``exp.grp``: expected role counts of one broker, by the broker's group.

    Rows are groups, columns the roles in ``BROKERAGE_ROLES`` order.
    """
    p = d * d * (1 - d)
    out = np.zeros((len(sizes), 5))
    for i, ni in enumerate(sizes):
        others = np.delete(sizes, i)
        out[i, _COORDINATOR] = p * (ni - 1) * (ni - 2)
        out[i, _ITINERANT] = p * float(np.sum(others * (others - 1)))
        out[i, _REPRESENTATIVE] = p * (N - ni) * (ni - 1)
        out[i, _GATEKEEPER] = out[i, _REPRESENTATIVE]
        out[i, _LIAISON] = p * (float(np.sum(np.outer(others, others))) - float(np.sum(others**2)))
    return out


def _network_moments(sizes: np.ndarray, N: float, d: float) -> tuple[np.ndarray, np.ndarray]:
    """sna's ``exp.gli`` and ``sd.gli`` squared: network-total expectations and variances.

    A transcription of ``brokerage()`` in ``cran/sna`` ``R/models.R`` (types 1-5;
    sna orders them coordinator, itinerant, representative, gatekeeper, liaison).
    """
    n = sizes
    p = d * d * (1 - d)
    q3 = d**3 * (1 - d) ** 3
    q4 = d**4 * (1 - d) ** 2
    q5 = d**5 * (1 - d)
    exp = np.zeros(5)
    var = np.zeros(5)
    exp[_COORDINATOR] = p * np.sum(n * (n - 1) * (n - 2))
    var[_COORDINATOR] = exp[_COORDINATOR] * (1 - p) + np.sum(
        n * (n - 1) * (n - 2) * ((4 * n - 10) * q3 - 4 * (n - 3) * q4 + (n - 3) * q5)
    )
    exp[_ITINERANT] = p * np.sum(n * (N - n) * (n - 1))
    x, y = np.meshgrid(n, n, indexing="ij")
    var[_ITINERANT] = exp[_ITINERANT] * (1 - p) + (
        np.sum(x * y * (x - 1) * ((2 * x + 2 * y - 6) * q3 + (N - x - 1) * q5))
        - np.sum(n * n * (n - 1) * ((4 * n - 6) * q3 + (N - n - 1) * q5))
    )
    exp[_REPRESENTATIVE] = p * np.sum(n * (N - n) * (n - 1))
    var[_REPRESENTATIVE] = exp[_REPRESENTATIVE] * (1 - p) + np.sum(
        n * (N - n) * (n - 1) * ((N - 3) * q3 + (n - 2) * q5)
    )
    exp[_GATEKEEPER] = exp[_REPRESENTATIVE]
    var[_GATEKEEPER] = var[_REPRESENTATIVE]
    exp[_LIAISON] = p * (np.sum(x * y * (N - x - y)) - np.sum(n * n * (N - 2 * n)))
    liaison_var = exp[_LIAISON] * (1 - p)
    k = len(n)
    for i in range(k):
        for j in range(k):
            for m in range(k):
                if i != j and j != m and i != m:
                    liaison_var += (
                        n[i]
                        * n[j]
                        * n[m]
                        * (
                            (4 * (N - n[j]) - 2 * (n[i] + n[m] + 1)) * q3
                            - (4 * (N - n[m]) - 2 * (n[i] + n[j] + 1)) * q4
                            + (N - (n[i] + n[m] + 1)) * q5
                        )
                    )
    var[_LIAISON] = liaison_var
    return exp, var


def brokerage_test(
    G: nx.Graph, groups: Mapping[Hashable, Any], *, directed: bool = False
) -> pd.DataFrame:
    """Network totals of each brokerage role against chance (Gould and Fernandez 1989).

    The expectation and standard deviation of each total under a random graph with
    the same number of nodes, the same density ``d`` (arcs over ``n (n - 1)``; an
    undirected tie is two arcs) and the same group sizes, exactly as
    ``sna::brokerage`` computes ``exp.gli`` and ``sd.gli`` (``cran/sna``,
    ``R/models.R``); ``z = (observed - expected) / sd``.

    The expectations are exact for an undirected random graph too (each ordered
    triple is an open two-path with probability ``d^2 (1 - d)`` either way), but
    sna's variances assume the two directions of a tie are independent; for an
    undirected graph the true variance is about twice as large, so ``z`` is
    overstated by about ``sqrt(2)``. Read it with that margin (the findings call a
    total more than chance only when ``z >= 3``).

    Parameters
    ----------
    G, groups, directed : as for :func:`brokerage_roles`.

    Returns
    -------
    pd.DataFrame
        Columns ``role, observed, expected, z`` (``ROLE_TEST_COLUMNS``), one row
        per role in ``BROKERAGE_ROLES`` order; ``observed`` is int64 (ordered
        pairs), ``expected`` and ``z`` float (``z`` is NaN when the variance is 0,
        as in an empty or complete graph).

    Examples
    --------
    >>> G = nx.path_graph(["a", "v", "c"])
    >>> t = brokerage_test(G, {"a": "x", "v": "y", "c": "z"})
    >>> row = t.set_index("role").loc["liaison"]
    >>> int(row["observed"]), round(float(row["expected"]), 3)
    (2, 0.889)
    """
    roles = brokerage_roles(G, groups, directed=directed)
    N, d = _density(G, directed)
    sizes = _group_sizes(G, groups)
    exp, var = _network_moments(sizes, float(N), d)
    observed = roles.sum(axis=0).to_numpy(dtype="int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (observed - exp) / np.sqrt(np.where(var > 0, var, 1.0)), np.nan)
    return pd.DataFrame(
        {
            "role": pd.Series(list(BROKERAGE_ROLES), dtype="str"),
            "observed": observed,
            "expected": exp.astype("float64"),
            "z": z.astype("float64"),
        }
    )


# ---------------------------------------------------------------- cut points, bridges


def _attr(G: nx.Graph, node: Hashable, key: str) -> Any:
    value = G.nodes[node].get(key)
    if key == "name" and value is None:
        return str(node)
    return value


def _block_cut_tree(G: nx.Graph) -> tuple[dict, dict, list[set]]:
    """Piece sizes on removing each articulation point, and each bridge's smaller side.

    From the block-cut tree of every component (blocks = biconnected components),
    rooted at a block, with each node counted once (an articulation point at its
    own tree node, any other node in its only block), so one pass gives every
    subtree's size.
    """
    U = nx.Graph(G) if not G.is_directed() else G.to_undirected()
    U.remove_edges_from(list(nx.selfloop_edges(U)))
    cut = set(nx.articulation_points(U))
    pieces: dict[Hashable, list[int]] = {}
    bridge_sides: dict[frozenset, int] = {}
    blocks_all: list[set] = []
    for component in nx.connected_components(U):
        if len(component) < 2:
            continue
        comp_size = len(component)
        blocks = [set(b) for b in nx.biconnected_components(U.subgraph(component))]
        blocks_all.extend(blocks)
        # Tree: ("B", i) block nodes and ("C", v) articulation nodes.
        adj: dict[tuple, list[tuple]] = {}
        weight: dict[tuple, int] = {}
        for i, block in enumerate(blocks):
            b = ("B", i)
            weight[b] = sum(1 for x in block if x not in cut)
            adj.setdefault(b, [])
            for x in block:
                if x in cut:
                    c = ("C", x)
                    weight[c] = 1
                    adj[b].append(c)
                    adj.setdefault(c, []).append(b)
        root = ("B", 0)
        parent: dict[tuple, tuple | None] = {root: None}
        order = [root]
        stack = [root]
        while stack:
            t = stack.pop()
            for nb in adj[t]:
                if nb not in parent:
                    parent[nb] = t
                    order.append(nb)
                    stack.append(nb)
        subtree = dict(weight)
        for t in reversed(order):
            p = parent[t]
            if p is not None:
                subtree[p] += subtree[t]
        children: dict[tuple, list[tuple]] = {t: [] for t in order}
        for t in order:
            p = parent[t]
            if p is not None:
                children[p].append(t)
        for t in order:
            if t[0] == "C":
                sizes = [subtree[ch] for ch in children[t]]
                sizes.append(comp_size - subtree[t])
                pieces[t[1]] = sizes
        for i, block in enumerate(blocks):
            if len(block) != 2:
                continue
            u = next(iter(block))
            b = ("B", i)
            # A non-root bridge block's subtree is the side away from its parent
            # cut point; at the root, measure the side hanging from one end.
            if parent[b] is not None:
                side = subtree[b]
            elif u in cut:
                side = subtree[("C", u)]
            else:
                side = 1
            bridge_sides[frozenset(block)] = min(side, comp_size - side)
    return pieces, bridge_sides, blocks_all


def articulation_points(G: nx.Graph) -> pd.DataFrame:
    """Organisations whose removal splits their part of the network.

    Returns
    -------
    pd.DataFrame
        Columns ``ARTICULATION_COLUMNS``: ``id``, ``name``, ``type``, ``pieces``
        (int: how many parts its part of the network falls into without it) and
        ``separated`` (int: organisations cut off from the largest remaining part).
        Sorted by ``separated`` then ``pieces``, largest first (ties in ``G``'s
        order). Ties are read as undirected.

    Examples
    --------
    >>> articulation_points(nx.path_graph(["a", "b", "c", "d"]))[["id", "pieces", "separated"]]
      id  pieces  separated
    0  b       2          1
    1  c       2          1
    """
    pieces, _, _ = _block_cut_tree(G)
    rows = []
    for node in G:
        if node in pieces:
            sizes = pieces[node]
            rows.append(
                {
                    "id": node,
                    "name": _attr(G, node, "name"),
                    "type": _attr(G, node, "type"),
                    "pieces": len(sizes),
                    "separated": sum(sizes) - max(sizes),
                }
            )
    frame = pd.DataFrame(rows, columns=list(ARTICULATION_COLUMNS))
    frame = frame.astype({"pieces": "int64", "separated": "int64"})
    return frame.sort_values(["separated", "pieces"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def bridges(G: nx.Graph) -> pd.DataFrame:
    """Ties whose loss splits the network (ties read as undirected).

    Returns
    -------
    pd.DataFrame
        Columns ``BRIDGE_COLUMNS``: ``source``, ``source_name``, ``source_type``,
        ``target``, ``target_name``, ``target_type``, ``weight`` (float, 1.0 where
        missing), ``layers`` (``;``-joined, empty where unknown) and ``separated``
        (int: organisations on the smaller side). Sorted by ``separated``, largest
        first (ties in ``G``'s edge order).

    Examples
    --------
    >>> bridges(nx.path_graph(["a", "b", "c"]))[["source", "target", "separated"]]
      source target  separated
    0      a      b          1
    1      b      c          1
    """
    _, sides, _ = _block_cut_tree(G)
    rows = []
    for u, v, data in G.edges(data=True):
        key = frozenset((u, v))
        if u == v or key not in sides:
            continue
        rows.append(
            {
                "source": u,
                "source_name": _attr(G, u, "name"),
                "source_type": _attr(G, u, "type"),
                "target": v,
                "target_name": _attr(G, v, "name"),
                "target_type": _attr(G, v, "type"),
                "weight": float(data.get("weight", 1.0)),
                "layers": ";".join(data.get("layers", ())),
                "separated": sides[key],
            }
        )
    frame = pd.DataFrame(rows, columns=list(BRIDGE_COLUMNS))
    frame = frame.astype({"weight": "float64", "separated": "int64"})
    return frame.sort_values("separated", ascending=False, kind="stable").reset_index(drop=True)


# ------------------------------------------------------------- removal, path share


def small_organisations(G: nx.Graph, *, small_bands: Iterable[str] = SMALL_BANDS) -> list:
    """Voluntary and infrastructure organisations in ``small_bands``, in ``G``'s order.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_node("a", sector="vcse", size_band="micro")
    >>> G.add_node("b", sector="vcse", size_band="large")
    >>> G.add_node("c", sector="public", size_band="small")
    >>> small_organisations(G)
    ['a']
    """
    bands = set(small_bands)
    return [
        node
        for node, data in G.nodes(data=True)
        if data.get("sector") in ("vcse", "infrastructure") and data.get("size_band") in bands
    ]


def _components(G: nx.Graph, removed: Hashable | None = None) -> int:
    view = G if removed is None else nx.restricted_view(G, [removed], [])
    if G.is_directed():
        return nx.number_weakly_connected_components(view)
    return nx.number_connected_components(view)


def removal_impact(
    G: nx.Graph,
    candidates: Iterable[Hashable],
    *,
    small_bands: Iterable[str] = SMALL_BANDS,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """What each candidate's disappearance would cut off.

    For each candidate, removed alone: the small organisations (see the module
    doc) that have a path to a decision maker now and would have none without it
    (by :func:`partnernet.analysis.paths.distance_to_decision`), and the number of
    separate parts (connected components) of the network before and after.

    Parameters
    ----------
    G : the organisation graph (nodes carry ``name``, ``type``, ``sector``,
        ``size_band``, ``public_body``, ``board_seats``).
    candidates : nodes of ``G`` to remove one at a time (DESIGN: every
        infrastructure organisation and the top brokers); duplicates are dropped.
    small_bands : the size bands that count as small.
    progress : called as ``progress(done, total)`` after each candidate.

    Returns
    -------
    pd.DataFrame
        Columns ``REMOVAL_COLUMNS``: ``id``, ``name``, ``type``, ``small_cut_off``
        (int), ``cut_off_ids`` (their ids ``;``-joined in ``G``'s order, empty
        when none), ``components_before``, ``components_after`` (int). Sorted by
        ``small_cut_off``, largest first (ties in candidate order).

    Examples
    --------
    >>> G = nx.path_graph(["council", "cvs", "group"])
    >>> nx.set_node_attributes(G, {"council": True}, "public_body")
    >>> nx.set_node_attributes(G, {"group": "vcse"}, "sector")
    >>> nx.set_node_attributes(G, {"group": "micro"}, "size_band")
    >>> removal_impact(G, ["cvs"])[["id", "small_cut_off", "cut_off_ids", "components_after"]]
        id  small_cut_off cut_off_ids  components_after
    0  cvs              1       group                 2
    """
    chosen = list(dict.fromkeys(candidates))
    unknown = [c for c in chosen if c not in G]
    if unknown:
        raise ValueError(f"candidate(s) not in the graph: {', '.join(map(repr, unknown[:5]))}")
    small = small_organisations(G, small_bands=small_bands)
    if G.is_directed():
        rows = _removal_by_search(G, chosen, small, progress)
    else:
        rows = _removal_by_cut_vertices(G, chosen, small, progress)
    frame = pd.DataFrame(rows, columns=list(REMOVAL_COLUMNS))
    frame = frame.astype(
        {
            "id": "str",
            "name": "str",
            "type": "str",
            "small_cut_off": "int64",
            "cut_off_ids": "str",
            "components_before": "int64",
            "components_after": "int64",
        }
    )
    return frame.sort_values("small_cut_off", ascending=False, kind="stable").reset_index(drop=True)


def _removal_row(G: nx.Graph, node: Hashable, lost: list, before: int, after: int) -> dict:
    return {
        "id": node,
        "name": _attr(G, node, "name"),
        "type": _attr(G, node, "type"),
        "small_cut_off": len(lost),
        "cut_off_ids": ";".join(str(s) for s in lost),
        "components_before": before,
        "components_after": after,
    }


def _removal_by_search(
    G: nx.Graph, chosen: list, small: list, progress: Callable[[int, int], None] | None
) -> list[dict]:
    """Remove each candidate and search the whole graph again: two passes over the
    graph per candidate. The definition itself; the reference the linear method
    below is tested against, and the method for directed graphs."""
    before = distance_to_decision(G)
    reaching = [s for s in small if math.isfinite(before[s])]
    components_before = _components(G)
    rows = []
    for node in chosen:
        after = distance_to_decision(G, removed=[node])
        lost = [s for s in reaching if s != node and not math.isfinite(after[s])]
        rows.append(_removal_row(G, node, lost, components_before, _components(G, node)))
        if progress is not None:
            progress(len(rows), len(chosen))
    return rows


def _removal_by_cut_vertices(
    G: nx.Graph, chosen: list, small: list, progress: Callable[[int, int], None] | None
) -> list[dict]:
    """Every candidate's removal impact from one depth-first search (Hopcroft and
    Tarjan 1973), instead of a search of the whole graph per candidate.

    An organisation reaches a decision maker exactly when its connected part holds
    a decision source (a public body or a seat-holder: see
    :func:`partnernet.analysis.paths.decision_sources`). Removing ``c`` changes
    only the part holding ``c``, which falls into pieces: the subtree of each
    depth-first child ``v`` with ``low[v] >= disc[c]``, and the rest of the part
    when ``c`` is not the search's root. A piece is cut off when it holds no
    source while the part did. Subtrees are ranges of discovery numbers, so their
    sources and small organisations are counted once, bottom-up, and listed by
    bisecting the sorted discovery numbers of the small organisations.
    """
    sources = decision_sources(G)
    disc: dict[Hashable, int] = {}
    low: dict[Hashable, int] = {}
    size: dict[Hashable, int] = {}
    held: dict[Hashable, int] = {}  # decision sources in the subtree
    separated: dict[Hashable, list] = defaultdict(list)  # children cut off with the node
    root_of: dict[Hashable, Hashable] = {}
    components = 0
    for root in G:
        if root in disc:
            continue
        components += 1
        disc[root] = low[root] = len(disc)
        stack = [(root, None, iter(G[root]))]
        while stack:
            v, parent, neighbours = stack[-1]
            for w in neighbours:
                if w == v:
                    continue
                if w not in disc:
                    disc[w] = low[w] = len(disc)
                    stack.append((w, v, iter(G[w])))
                    break
                if w != parent:
                    low[v] = min(low[v], disc[w])
            else:
                stack.pop()
                root_of[v] = root
                size[v] = size.get(v, 0) + 1
                held[v] = held.get(v, 0) + (v in sources)
                if parent is not None:
                    low[parent] = min(low[parent], low[v])
                    size[parent] = size.get(parent, 0) + size[v]
                    held[parent] = held.get(parent, 0) + held[v]
                    if low[v] >= disc[parent]:
                        separated[parent].append(v)

    by_disc = {disc[s]: s for s in small}
    small_discs = sorted(by_disc)
    position = {node: i for i, node in enumerate(G)}

    def small_between(lo: int, hi: int) -> list:
        """Small organisations discovered in ``[lo, hi)``."""
        first, last = bisect_left(small_discs, lo), bisect_left(small_discs, hi)
        return [by_disc[d] for d in small_discs[first:last]]

    rows = []
    for c in chosen:
        root = root_of[c]
        pieces = [(disc[v], disc[v] + size[v], held[v]) for v in separated[c]]
        lost: list = []
        if held[root]:  # the part reached a decision maker before
            for lo, hi, count in pieces:
                if count == 0:
                    lost += small_between(lo, hi)
            rest = held[root] - (c in sources) - sum(count for _, _, count in pieces)
            if c != root and rest == 0:
                # The rest: the part's range less c and the separated subtrees
                # (disjoint ranges, in order of discovery).
                bounds = sorted((lo, hi) for lo, hi, _ in pieces)
                starts = [lo for lo, _ in bounds]
                for s in small_between(disc[root], disc[root] + size[root]):
                    i = bisect_right(starts, disc[s]) - 1
                    if s != c and not (i >= 0 and disc[s] < bounds[i][1]):
                        lost.append(s)
        lost.sort(key=position.__getitem__)
        after = components - 1 + len(pieces) + (c != root)
        rows.append(_removal_row(G, c, lost, components, after))
        if progress is not None:
            progress(len(rows), len(chosen))
    return rows


_BOARDS = object()  # the boards, as one decision point beyond every seat-holder


def _count_from(
    G: nx.Graph, root: Any, infrastructure: set, seat_holders: list
) -> tuple[dict, dict, dict]:
    """BFS path counting from ``root``: distance, all shortest paths, and those
    whose intermediate nodes avoid infrastructure organisations.

    ``root`` is a node, or ``_BOARDS``, a virtual node next to every seat-holder
    (a board seat counts as one hop, DESIGN section 4).
    """
    dist: dict[Any, int] = {root: 0}
    paths: dict[Any, int] = {root: 1}
    avoiding: dict[Any, int] = {root: 1}
    queue: deque[Any] = deque([root])
    while queue:
        x = queue.popleft()
        # An endpoint never counts as passing through; an intermediate
        # infrastructure organisation stops the avoiding count.
        passed = avoiding[x] if (x is root or x not in infrastructure) else 0
        for y in seat_holders if x is _BOARDS else G[x]:
            if y not in dist:
                dist[y] = dist[x] + 1
                paths[y] = 0
                avoiding[y] = 0
                queue.append(y)
            if dist[y] == dist[x] + 1:
                paths[y] += paths[x]
                avoiding[y] += passed
    return dist, paths, avoiding


# Route counts are held in int64 while no count can pass this bound.
_COUNT_LIMIT = 2**62


class _RouteCounter:
    """:func:`_count_from` over index arrays: the graph as compressed rows
    (``indptr``, ``indices``), each breadth-first level expanded at once with
    numpy. The same counts, some fifty times faster on a national graph, where
    routes are counted from hundreds of decision makers."""

    def __init__(self, U: nx.Graph, infrastructure: set, seat_holders: list) -> None:
        nodes = list(U)
        self.position = {node: i for i, node in enumerate(nodes)}
        n = len(nodes)
        ends = np.array(
            [(self.position[u], self.position[v]) for u, v in U.edges()], dtype=np.int64
        ).reshape(-1, 2)
        tails = np.concatenate([ends[:, 0], ends[:, 1]])
        heads = np.concatenate([ends[:, 1], ends[:, 0]])
        self.indices = heads[np.argsort(tails, kind="stable")]
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(tails, minlength=n), out=self.indptr[1:])
        self.infrastructure = np.zeros(n, dtype=bool)
        self.infrastructure[[self.position[x] for x in infrastructure]] = True
        self.seats = np.unique(np.array([self.position[x] for x in seat_holders], dtype=np.int64))
        self.max_degree = int(np.diff(self.indptr).max()) if n else 0

    def count(self, root: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Distance, shortest routes and routes avoiding infrastructure, per node
        index (distance -1: not reached); None when a count could pass int64."""
        n = len(self.position)
        dist = np.full(n, -1, dtype=np.int64)
        paths = np.zeros(n, dtype=np.int64)
        avoiding = np.zeros(n, dtype=np.int64)
        if root is _BOARDS:
            root_index, level, frontier = -1, 1, self.seats
        else:
            root_index, level = self.position[root], 0
            frontier = np.array([root_index], dtype=np.int64)
        dist[frontier], paths[frontier], avoiding[frontier] = level, 1, 1
        while frontier.size:
            # A node's count is at most its degree times the frontier's largest.
            if int(paths[frontier].max()) * max(self.max_degree, 1) >= _COUNT_LIMIT:
                return None
            passed = np.where(
                self.infrastructure[frontier] & (frontier != root_index), 0, avoiding[frontier]
            )
            starts = self.indptr[frontier]
            degrees = self.indptr[frontier + 1] - starts
            edges = int(degrees.sum())
            # Every (frontier node, neighbour) pair, as offsets into indices.
            offsets = np.repeat(starts - np.cumsum(degrees) + degrees, degrees) + np.arange(edges)
            neighbours = self.indices[offsets]
            tails = np.repeat(np.arange(frontier.size), degrees)
            new = dist[neighbours] == -1
            neighbours, tails = neighbours[new], tails[new]
            level += 1
            dist[neighbours] = level
            np.add.at(paths, neighbours, paths[frontier][tails])
            np.add.at(avoiding, neighbours, passed[tails])
            frontier = np.unique(neighbours)
        return dist, paths, avoiding


def infrastructure_path_share(
    G: nx.Graph,
    *,
    small_bands: Iterable[str] = SMALL_BANDS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The share of shortest routes from small organisations to decision makers
    that pass through an infrastructure organisation.

    Pairs are (small organisation, decision maker) with at least one path, where
    the decision makers are each public body, and the boards taken together: a
    board is reached through any organisation holding a seat on it, one hop
    beyond that seat-holder (DESIGN section 4; the organisation graph does not say
    which board a seat is on). A route passes through an infrastructure
    organisation when one lies strictly between its ends; a seat-holder on the way
    to the boards is between the ends, so a small organisation reaching the
    boards through a CVS's seat counts. Shortest routes are counted in hops by
    breadth-first path counting from each decision maker (Brandes 2001), ties read
    as undirected. ``progress(done, total)`` is called after each decision maker.

    Returns
    -------
    dict
        JSON-ready: ``small_organisations``, ``infrastructure_organisations``,
        ``decision_makers`` (public bodies, plus one for the boards when any seat
        is held), ``pairs`` (connected pairs), ``shortest_paths`` and
        ``through_infrastructure`` (counts of routes, pooled over pairs),
        ``share`` (``through_infrastructure / shortest_paths``), ``mean_pair_share``
        (the share within each pair, averaged over pairs, so a pair with many
        equal routes does not dominate). Both shares are None when there is no
        infrastructure organisation or no connected pair. Also ``small_bands``.

    Examples
    --------
    >>> G = nx.Graph([("group", "cvs"), ("cvs", "council"), ("group", "club"),
    ...               ("club", "council")])
    >>> nx.set_node_attributes(G, {n: "vcse" for n in G}, "sector")
    >>> G.nodes["cvs"]["sector"] = "infrastructure"
    >>> G.nodes["council"].update(sector="public", public_body=True)
    >>> G.nodes["group"]["size_band"] = "micro"
    >>> r = infrastructure_path_share(G)
    >>> r["shortest_paths"], r["through_infrastructure"], r["share"]
    (2, 1, 0.5)
    """
    U = G.to_undirected(as_view=True) if G.is_directed() else G
    bands = list(small_bands)
    small = small_organisations(U, small_bands=bands)
    infrastructure = {n for n, d in U.nodes(data=True) if d.get("sector") == "infrastructure"}
    public = [n for n, d in U.nodes(data=True) if d.get("public_body")]
    seat_holders = [n for n, d in U.nodes(data=True) if d.get("board_seats", 0) > 0]
    roots: list[Any] = [*public, *([_BOARDS] if seat_holders else [])]
    counter = _RouteCounter(U, infrastructure, seat_holders)
    small_index = np.array([counter.position[s] for s in small], dtype=np.int64)
    pairs = total = through = 0
    pair_share_sum = 0.0
    for done, root in enumerate(roots, start=1):
        counted = counter.count(root)
        if counted is None:  # counts that could pass int64: Python's exact integers
            _, found, clear = _count_from(U, root, infrastructure, seat_holders)
            reached = [s for s in small if s in found and s is not root]
            routes = [found[s] for s in reached]
            via_infrastructure = [found[s] - clear[s] for s in reached]
        else:
            dist, found_array, clear_array = counted
            at = small_index[dist[small_index] >= 0]
            if root is not _BOARDS:
                at = at[at != counter.position[root]]
            routes = found_array[at].tolist()
            via_infrastructure = (found_array[at] - clear_array[at]).tolist()
        pairs += len(routes)
        total += sum(routes)
        through += sum(via_infrastructure)
        pair_share_sum += sum(v / r for v, r in zip(via_infrastructure, routes, strict=True))
        if progress is not None:
            progress(done, len(roots))
    answerable = bool(infrastructure) and pairs > 0
    return {
        "small_bands": bands,
        "small_organisations": len(small),
        "infrastructure_organisations": len(infrastructure),
        "decision_makers": len(roots),
        "pairs": pairs,
        "shortest_paths": total,
        "through_infrastructure": through,
        "share": through / total if answerable else None,
        "mean_pair_share": pair_share_sum / pairs if answerable else None,
    }


# ------------------------------------------------------------------------ findings


def _fmt_int(value: float) -> str:
    return f"{int(value):,}"


def _count(value: int, noun: str, plural: str | None = None) -> str:
    """``"1 organisation"``, ``"3 organisations"``, with thousands separators."""
    return f"{_fmt_int(value)} {noun if value == 1 else (plural or noun + 's')}"


def _round1(value: float, places: int = 1) -> float:
    return round(float(value), places)


def _sector_label(sector: Any) -> str:
    return {
        "vcse": "voluntary",
        "infrastructure": "infrastructure",
        "public": "public",
        "funder": "funder",
        "private": "private",
    }.get(str(sector), str(sector))


def brokerage_findings(
    G: nx.Graph,
    *,
    metrics: pd.DataFrame,
    roles: pd.DataFrame,
    removal: pd.DataFrame,
    path_share: Mapping[str, Any],
) -> list[Finding]:
    """Plain-English findings on who brokers and what would be lost without them.

    Parameters
    ----------
    G : the organisation graph the figures came from (undirected: each pair of
        organisations is reported once, so ordered-pair counts are halved).
    metrics : one row per organisation with at least ``id``, ``name``, ``type``,
        ``betweenness`` and the role columns (``METRIC_COLUMNS``).
    roles : :func:`brokerage_test` of the same graph by sector.
    removal : :func:`removal_impact` of the same graph.
    path_share : :func:`infrastructure_path_share` of the same graph.

    Returns
    -------
    list[Finding]
        ``question == "brokerage"``; every number in a text is in its
        ``figures``. Ids: ``brokerage-top-liaison`` (or ``brokerage-no-liaison``),
        ``brokerage-roles-vs-chance``, ``brokerage-removal`` (or
        ``brokerage-no-infrastructure``), ``brokerage-infrastructure-routes``,
        ``brokerage-cut-points``.
    """
    pair_divisor = 1 if G.is_directed() else 2
    findings: list[Finding] = []
    findings.extend(_top_liaison_finding(G, metrics, removal, pair_divisor))
    findings.extend(_roles_vs_chance_finding(roles, pair_divisor))
    findings.extend(_removal_finding(G, removal))
    findings.extend(_routes_finding(path_share))
    findings.extend(_cut_point_finding(G))
    return findings


def _top_liaison_finding(
    G: nx.Graph, metrics: pd.DataFrame, removal: pd.DataFrame, pair_divisor: int
) -> list[Finding]:
    if metrics.empty or int(metrics["liaison"].max()) == 0:
        return [
            Finding(
                id="brokerage-no-liaison",
                question="brokerage",
                text=(
                    "No organisation links two organisations from two other sectors that "
                    "have no direct tie, so there is no liaison broker in this data."
                ),
                figures={"max_liaison": 0},
            )
        ]
    ranked = metrics.assign(_order=range(len(metrics))).sort_values(
        ["liaison", "betweenness", "_order"], ascending=[False, False, True], kind="stable"
    )
    top = ranked.iloc[0]
    node = top["id"]
    sector = G.nodes[node].get("sector")
    pairs = int(top["liaison"]) // pair_divisor
    sectors = {n: d.get("sector") for n, d in G.nodes(data=True)}
    N, d = _density(G, directed=G.is_directed())
    codes, labels = _group_codes(list(G), sectors)
    sizes = np.bincount(codes, minlength=len(labels)).astype("float64")
    expected_all = _expected_for_broker_group(sizes, float(N), d)
    expected = _round1(expected_all[labels.index(sector), _LIAISON] / pair_divisor)
    figures: dict[str, Any] = {
        "id": node,
        "liaison_pairs": pairs,
        "liaison_ordered_pairs": int(top["liaison"]),
        "expected_pairs_by_chance": expected,
    }
    label = _sector_label(sector)
    article = "an" if label[:1] in "aeiou" else "a"
    text = (
        f"{top['name']} is the main liaison broker: it links {_count(pairs, 'pair')} of "
        "organisations from two sectors other than its own that have no direct tie to "
        f"each other ({article} {label} organisation in a random network of the same "
        f"density would link about {expected:g})."
    )
    if pair_divisor == 2:
        # The tables count each pair both ways, as UCINET and sna do; say so, or a
        # reader comparing this sentence with metrics.csv sees two numbers.
        text += (
            f" Its liaison score in the tables is {int(top['liaison']):,}, because they "
            "count each pair in both directions."
        )
    row = removal[removal["id"] == node] if not removal.empty else removal
    if len(row):
        lost = int(row.iloc[0]["small_cut_off"])
        figures["small_cut_off_without_it"] = lost
        if lost:
            text += (
                f" Without it, {_count(lost, 'small organisation')} would have no path to "
                "any decision maker."
            )
        else:
            text += (
                " Without it, every small organisation would still have a path to a decision maker."
            )
    return [Finding(id="brokerage-top-liaison", question="brokerage", text=text, figures=figures)]


def _roles_vs_chance_finding(roles: pd.DataFrame, pair_divisor: int) -> list[Finding]:
    row = roles[roles["role"] == "liaison"]
    if row.empty:
        return []
    observed = int(row.iloc[0]["observed"]) // pair_divisor
    expected = _round1(float(row.iloc[0]["expected"]) / pair_divisor)
    z = float(row.iloc[0]["z"])
    if not math.isfinite(z):
        return [
            Finding(
                id="brokerage-roles-vs-chance",
                question="brokerage",
                text=(
                    "The network is too small, empty or complete to compare its brokerage "
                    "with chance."
                ),
                figures={"liaison_pairs": observed},
            )
        ]
    z = _round1(z)
    if z >= _Z_CLEAR:
        verdict = "clearly more than chance would give"
    elif z <= -_Z_CLEAR:
        verdict = "clearly fewer than chance would give"
    else:
        verdict = "not clearly different from chance"
    text = (
        f"Across the network there are {_count(observed, 'case')} of an organisation "
        "linking two organisations from two other sectors that have no direct tie (a pair "
        "linked by several organisations counts once for each); a random network of the "
        f"same density and sector sizes would give about {expected:g}, so this is "
        f"{verdict} (z = {z:g})."
    )
    return [
        Finding(
            id="brokerage-roles-vs-chance",
            question="brokerage",
            text=text,
            figures={
                "liaison_pairs": observed,
                "expected_pairs": expected,
                "z": z,
                "z_threshold": _Z_CLEAR,
            },
        )
    ]


def _removal_finding(G: nx.Graph, removal: pd.DataFrame) -> list[Finding]:
    infrastructure = [n for n, d in G.nodes(data=True) if d.get("sector") == "infrastructure"]
    findings: list[Finding] = []
    if not infrastructure:
        findings.append(
            Finding(
                id="brokerage-no-infrastructure",
                question="brokerage",
                text=(
                    "There is no infrastructure organisation in the data, so what the "
                    "sector's infrastructure bodies add cannot be measured."
                ),
                figures={"infrastructure_organisations": 0},
            )
        )
    if removal.empty:
        return findings
    top = removal.iloc[0]
    tested = len(removal)
    lost = int(top["small_cut_off"])
    if lost:
        before, after = int(top["components_before"]), int(top["components_after"])
        text = (
            f"Of the {_count(tested, 'organisation')} whose loss was tested one at a time, "
            f"losing {top['name']} would cut off the most: {_count(lost, 'small organisation')} "
            f"would have no path to any decision maker, and the network would go from "
            f"{_count(before, 'separate part')} to {_fmt_int(after)}."
        )
        figures = {
            "tested": tested,
            "id": top["id"],
            "small_cut_off": lost,
            "components_before": before,
            "components_after": after,
        }
    else:
        text = (
            f"Losing any one of the {_count(tested, 'organisation')} tested one at a time "
            "would not leave any small organisation without a path to a decision maker."
        )
        figures = {"tested": tested, "small_cut_off": 0}
    findings.append(
        Finding(id="brokerage-removal", question="brokerage", text=text, figures=figures)
    )
    return findings


def _routes_finding(path_share: Mapping[str, Any]) -> list[Finding]:
    if not path_share.get("infrastructure_organisations"):
        return []  # said once, by brokerage-no-infrastructure
    if not path_share.get("pairs"):
        return [
            Finding(
                id="brokerage-infrastructure-routes",
                question="brokerage",
                text=(
                    "No small organisation has a path to a decision maker in this data, so "
                    "the routes through infrastructure organisations cannot be measured."
                ),
                figures={"pairs": 0},
            )
        ]
    percent = _round1(100 * float(path_share["share"]))
    pair_percent = _round1(100 * float(path_share["mean_pair_share"]))
    text = (
        f"{percent:g}% of the shortest routes from small organisations to decision makers "
        "pass through an infrastructure organisation "
        f"({_fmt_int(path_share['through_infrastructure'])} of "
        f"{_fmt_int(path_share['shortest_paths'])} routes over "
        f"{_fmt_int(path_share['pairs'])} organisation and decision-maker pairs; "
        f"{pair_percent:g}% when each pair counts equally)."
    )
    return [
        Finding(
            id="brokerage-infrastructure-routes",
            question="brokerage",
            text=text,
            figures={
                "share_percent": percent,
                "mean_pair_share_percent": pair_percent,
                "through_infrastructure": int(path_share["through_infrastructure"]),
                "shortest_paths": int(path_share["shortest_paths"]),
                "pairs": int(path_share["pairs"]),
            },
        )
    ]


def _cut_point_finding(G: nx.Graph) -> list[Finding]:
    table = articulation_points(G)
    if table.empty:
        return []
    top = table.iloc[0]
    count = len(table)
    separated = int(top["separated"])
    if count == 1:
        subject = "1 organisation holds part of the network together (without it, that part"
    else:
        subject = (
            f"{_fmt_int(count)} organisations each hold part of the network together "
            "(without any one of them, its part"
        )
    text = (
        f"{subject} falls apart); losing {top['name']} would separate the most, "
        f"{_count(separated, 'organisation')}, from the rest of its part."
    )
    return [
        Finding(
            id="brokerage-cut-points",
            question="brokerage",
            text=text,
            figures={"articulation_points": count, "id": top["id"], "separated": separated},
        )
    ]
