"""Gould and Fernandez's (1989) brokerage roles and their null model.

- :func:`brokerage_roles`: the five roles per organisation, as R's
  ``sna::brokerage`` counts them (Butts, ``cran/sna``: ``src/gli.c``
  ``brokerage_R``).
- :func:`brokerage_test`: the network totals against a random graph of the same
  density and group sizes (``R/models.R`` ``brokerage``: the moments ``exp.gli``
  and ``sd.gli``).
- :func:`expected_by_broker_group`: the count one broker of each group would have
  in such a random graph (``exp.gli`` per broker).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from partnernet.analysis.centrality import to_igraph
from partnernet.analysis.results import BROKERAGE_ROLES

__all__ = ["brokerage_roles", "brokerage_test", "expected_by_broker_group"]

# Role codes, in the order of BROKERAGE_ROLES.
_COORDINATOR, _ITINERANT, _GATEKEEPER, _REPRESENTATIVE, _LIAISON = range(5)


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


def _group_codes(
    nodes: list[Hashable], groups: Mapping[Hashable, Any]
) -> tuple[np.ndarray, list[Any]]:
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
        matched: np.ndarray = arc_keys[found] == keys
        return matched

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
    G: nx.Graph,
    groups: Mapping[Hashable, Any],
    *,
    directed: bool = False,
    roles: pd.DataFrame | None = None,
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
    roles : :func:`brokerage_roles` of the same graph and groups, when already
        computed (they are the costly part; the moments are cheap).

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
    if roles is None:
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


def expected_by_broker_group(
    G: nx.Graph, groups: Mapping[Hashable, Any], *, directed: bool = False
) -> pd.DataFrame:
    """Each role's expected count for one broker of each group, by chance.

    Under a random graph with ``G``'s density and group sizes, as ``exp.gli`` of
    ``sna::brokerage`` gives per broker (Gould and Fernandez 1989), in ordered
    pairs like :func:`brokerage_roles`.

    Returns
    -------
    pd.DataFrame
        Indexed by group label (in label order), one float column per role in
        ``BROKERAGE_ROLES``.

    Examples
    --------
    >>> G = nx.path_graph(["a", "v", "c"])
    >>> t = expected_by_broker_group(G, {"a": "x", "v": "y", "c": "z"})
    >>> round(float(t.loc["y", "liaison"]), 3)
    0.296
    """
    N, d = _density(G, directed)
    codes, labels = _group_codes(list(G), groups)
    sizes = np.bincount(codes, minlength=len(labels)).astype("float64")
    expected = _expected_for_broker_group(sizes, float(N), d)
    return pd.DataFrame(expected, index=pd.Index(labels), columns=list(BROKERAGE_ROLES))
