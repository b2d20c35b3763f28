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

import dataclasses
from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from partnernet.analysis.centrality import to_igraph
from partnernet.analysis.results import BROKERAGE_ROLES
from partnernet.analysis.stats import count_true_by_row
from partnernet.graph import load_igraph

if TYPE_CHECKING:
    import igraph as ig
else:
    ig = load_igraph()  # without igraph's drawing module and matplotlib.pyplot

__all__ = [
    "MIN_RESHUFFLES",
    "RESHUFFLE_WORK_BUDGET",
    "brokerage_permutation_test",
    "brokerage_roles",
    "brokerage_test",
    "expected_by_broker_group",
]

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
    role = np.full(broker.shape, _LIAISON, dtype="int64")
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


# ------------------------------------------------------------ label reshuffling

# Elements (permutations x arcs) handled at once: bounds memory at any scale.
_CHUNK_ELEMENTS = 4_000_000
# The fewest reshuffles a work budget may leave: 1 / 1,001 is below 0.001, so a
# clear result still reads "p < 0.001".
MIN_RESHUFFLES = 1_000
# reshuffles x (arcs + 3 x triangles) the analysis spends on the brokerage null:
# 5,000 reshuffles up to a city (about 50,000 such elements), fewer above it.
RESHUFFLE_WORK_BUDGET = 300_000_000


def brokerage_permutation_test(
    G: nx.Graph,
    groups: Mapping[Hashable, Any],
    *,
    brokers: Iterable[Hashable] = (),
    n_permutations: int = 5_000,
    seed: int | None = None,
    roles: pd.DataFrame | None = None,
    work_budget: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Brokerage role totals, and top brokers' liaison, against reshuffled sector labels.

    The graph is kept as it is (so every organisation keeps its position and its
    number of ties) and the group labels are reshuffled among the nodes
    ``n_permutations`` times; each reshuffle's role counts are computed exactly as
    :func:`brokerage_roles` counts them (ties both ways). This is the null the
    findings use: unlike the random-graph null of :func:`brokerage_test` it does
    not credit a hub with brokerage that any node in its place would have.

    Vectorised over a block of reshuffles at a time: each node's neighbours per
    group come from one ``bincount`` over the arcs, and the closed two-paths (on
    triangles) are taken away by role, so no loop runs per reshuffle.

    Parameters
    ----------
    G, groups : as for :func:`brokerage_roles` (ties read undirected).
    brokers : nodes whose own liaison count is tested too.
    n_permutations : reshuffles (each p-value's floor is ``1 / (n + 1)``).
    seed : seeds the reshuffles.
    roles : :func:`brokerage_roles` of ``G`` and ``groups`` when already computed.
    work_budget : at most this many reshuffles x (arcs + 3 x triangles), so a
        national network stays within minutes: fewer reshuffles are made when
        ``n_permutations`` would pass it, but never fewer than
        ``MIN_RESHUFFLES`` (whose floor, 1/1,001, is still below 0.001). The
        number made is in the ``reshuffles`` columns.

    Returns
    -------
    (roles_table, brokers_table)
        ``roles_table``: one row per role in ``BROKERAGE_ROLES`` order, columns
        ``role``, ``observed`` (int, ordered pairs), ``reshuffled_expected`` (the
        mean over reshuffles), ``reshuffled_p`` (two-sided, ``(1 + k) / (n + 1)``
        with ``k`` the reshuffles at least as far from the mean on either side,
        counted one side at a time and doubled, at most 1) and ``reshuffles``.
        ``brokers_table``: one row per broker, columns ``id``, ``liaison``
        (ordered pairs), ``reshuffled_expected``, ``reshuffled_p`` (one-sided: a
        count at least as large, ``(1 + k) / (n + 1)``), ``reshuffles``.

    Examples
    --------
    A star whose five nodes are each in a group of their own: whichever labels the
    centre and the leaves get, the centre links every pair of leaves, so its
    liaison count is exactly what its position gives.

    >>> G = nx.star_graph(4)
    >>> table, top = brokerage_permutation_test(G, {i: i for i in G}, brokers=[0],
    ...                                         n_permutations=99, seed=1)
    >>> top[["liaison", "reshuffled_expected", "reshuffled_p"]].values.tolist()
    [[12.0, 12.0, 1.0]]
    """
    if n_permutations < 1:
        raise ValueError("n_permutations must be at least 1")
    nodes = list(G)
    n = len(nodes)
    codes, labels = _group_codes(nodes, groups)
    k = max(len(labels), 1)
    if roles is None:
        roles = brokerage_roles(G, groups)
    broker_ids = [b for b in dict.fromkeys(brokers) if b in G]
    position = {node: i for i, node in enumerate(nodes)}
    broker_index = np.asarray([position[b] for b in broker_ids], dtype="int64")

    arrays = _ReshuffleArrays.of(G, nodes, broker_index)
    if work_budget is not None:
        affordable = work_budget // max(arrays.work, 1)
        n_permutations = int(
            max(min(n_permutations, MIN_RESHUFFLES), min(n_permutations, affordable))
        )
    # Narrow codes halve the memory traffic of the gathers, the bulk of the work.
    small_codes = codes.astype("int8" if k < 128 else "int64")
    rng = np.random.default_rng(seed)
    totals = np.zeros((n_permutations, 5), dtype="int64")
    broker_liaison = np.zeros((n_permutations, len(broker_index)), dtype="int64")
    chunk = int(max(1, min(n_permutations, _CHUNK_ELEMENTS // max(arrays.work, n * 5, 1))))
    for start in range(0, n_permutations, chunk):
        size = min(chunk, n_permutations - start)
        shuffled = rng.permuted(np.broadcast_to(small_codes, (size, n)), axis=1)
        block, block_brokers = arrays.counts(shuffled, k)
        totals[start : start + size] = block
        broker_liaison[start : start + size] = block_brokers

    observed = roles.reindex(nodes).sum(axis=0).to_numpy(dtype="int64")
    expected = totals.mean(axis=0)
    upper = (1 + (totals >= observed).sum(axis=0)) / (n_permutations + 1)
    lower = (1 + (totals <= observed).sum(axis=0)) / (n_permutations + 1)
    roles_table = pd.DataFrame(
        {
            "role": pd.Series(list(BROKERAGE_ROLES), dtype="str"),
            "observed": observed,
            "reshuffled_expected": expected.astype("float64"),
            "reshuffled_p": np.minimum(1.0, 2 * np.minimum(upper, lower)),
            "reshuffles": np.full(5, n_permutations, dtype="int64"),
        }
    )
    own = roles["liaison"].reindex(broker_ids).to_numpy(dtype="int64")
    brokers_table = pd.DataFrame(
        {
            "id": pd.Series(broker_ids, dtype="object"),
            "liaison": own.astype("float64"),
            "reshuffled_expected": broker_liaison.mean(axis=0).astype("float64"),
            "reshuffled_p": (1 + (broker_liaison >= own).sum(axis=0)) / (n_permutations + 1),
            "reshuffles": np.full(len(broker_ids), n_permutations, dtype="int64"),
        }
    )
    return roles_table, brokers_table


@dataclasses.dataclass(frozen=True)
class _ReshuffleArrays:
    """What every reshuffle reuses: the arcs, degrees and triangles."""

    src: np.ndarray
    dst: np.ndarray
    degree: np.ndarray
    # (t, 3): every triangle once. In an undirected graph each gives the six
    # closed two-paths around it.
    triangles: np.ndarray
    broker_index: np.ndarray
    # The triangles at each broker: the broker's slot and the other two corners.
    at_broker: tuple[np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def of(cls, G: nx.Graph, nodes: list[Hashable], broker_index: np.ndarray) -> _ReshuffleArrays:
        n = len(nodes)
        src, dst = _arcs(G, nodes, directed=False)
        triangles = _triangles(src, dst, n)
        slots, others_a, others_c = [], [], []
        for j, b in enumerate(broker_index.tolist()):
            for corner in range(3):
                rows = triangles[triangles[:, corner] == b]
                rest = np.delete(rows, corner, axis=1)
                slots.append(np.full(len(rows), j, dtype="int64"))
                others_a.append(rest[:, 0])
                others_c.append(rest[:, 1])
        empty = np.zeros(0, dtype="int64")
        at_broker = (
            np.concatenate(slots) if slots else empty,
            np.concatenate(others_a) if others_a else empty,
            np.concatenate(others_c) if others_c else empty,
        )
        degree = np.bincount(src, minlength=n).astype("int64")
        return cls(src, dst, degree, triangles, broker_index, at_broker)

    @property
    def work(self) -> int:
        return len(self.src) + 3 * len(self.triangles)

    def counts(self, shuffled: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Role totals (reshuffles x 5) and the brokers' liaison (reshuffles x
        brokers) under each row of group codes in ``shuffled``."""
        size = shuffled.shape[0]
        totals, brokers = _open_counts(
            shuffled, self.src, self.dst, self.degree, k, self.broker_index
        )
        if len(self.triangles):
            # Around a triangle with all three corners in one group the six closed
            # two-paths are coordinator; with all three in different groups,
            # liaison; with two in one group, two each of itinerant, gatekeeper
            # and representative.
            x, y, z = (shuffled[:, self.triangles[:, i]] for i in range(3))
            xy, yz, xz = x == y, y == z, x == z
            same = count_true_by_row(xy & yz)
            distinct = count_true_by_row(~(xy | yz | xz))
            two = len(self.triangles) - same - distinct
            totals[:, _COORDINATOR] -= 6 * same
            totals[:, _LIAISON] -= 6 * distinct
            for role in (_ITINERANT, _GATEKEEPER, _REPRESENTATIVE):
                totals[:, role] -= 2 * two
        slot, ta, tc = self.at_broker
        if len(slot):
            v = shuffled[:, self.broker_index[slot]]
            a, c = shuffled[:, ta], shuffled[:, tc]
            distinct_at = (a != v) & (c != v) & (a != c)
            m = len(self.broker_index)
            rows = np.arange(size)[:, None]
            brokers = brokers - 2 * np.bincount(
                np.broadcast_to(rows * m + slot[None, :], distinct_at.shape)[distinct_at],
                minlength=size * m,
            ).reshape(size, m)
        return totals, brokers


def _triangles(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Every triangle of the undirected graph on the arcs, once, as (t, 3) indices."""
    if len(src) == 0:
        return np.zeros((0, 3), dtype="int64")
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(lo * n + hi)
    g = ig.Graph(n=n, edges=np.column_stack([pairs // n, pairs % n]).tolist())
    return np.asarray(g.list_triangles(), dtype="int64").reshape(-1, 3)


def _open_counts(
    shuffled: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    degree: np.ndarray,
    k: int,
    broker_index: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Role totals (reshuffles x 5) and the brokers' liaison counts (reshuffles x
    brokers) under each row of group codes, closed two-paths included.

    For an undirected graph a node with ``D`` ties, ``N_g`` of them into group
    ``g`` and ``o`` its own group, pairs ``a != c`` in ordered pairs: coordinator
    ``N_o (N_o - 1)``, itinerant ``sum_{g != o} N_g (N_g - 1)``, gatekeeper =
    representative ``N_o (D - N_o)``, liaison ``(D - N_o)^2 - sum_{g != o} N_g^2``
    (the formulas of :func:`brokerage_roles` with in = out). Summed over nodes
    they need only four sums per reshuffle: of ``N_o``, ``N_o^2``, ``N_o D`` and
    ``sum_g N_g^2``. Nodes with fewer than two ties broker nothing and are skipped.
    """
    size, n = shuffled.shape
    brokers_at = np.flatnonzero(degree >= 2)
    keep = np.isin(src, brokers_at)
    local = np.full(n, -1, dtype="int64")
    local[brokers_at] = np.arange(len(brokers_at))
    b_src, b_dst = local[src[keep]], dst[keep]
    m = len(brokers_at)
    rows = np.arange(size)[:, None]
    flat = np.bincount(
        ((rows * m + b_src[None, :]) * k + shuffled[:, b_dst]).ravel(), minlength=size * m * k
    )
    neighbours = flat.reshape(size, m, k)
    # Each node's neighbours in its own group, read from the flat counts by the
    # same bin arithmetic: a third of the time of take_along_axis on the 3-d view.
    own = flat[(rows * m + np.arange(m)[None, :]) * k + shuffled[:, brokers_at]]
    squares = np.einsum("smk,smk->s", neighbours, neighbours)
    d = degree[brokers_at]
    sum_own = own.sum(axis=1)
    sum_own2 = np.einsum("sm,sm->s", own, own)
    sum_own_d = own @ d
    sum_d, sum_d2 = int(d.sum()), int(d @ d)
    totals = np.empty((size, 5), dtype="int64")
    totals[:, _COORDINATOR] = sum_own2 - sum_own
    totals[:, _ITINERANT] = squares - sum_own2 - (sum_d - sum_own)
    totals[:, _REPRESENTATIVE] = sum_own_d - sum_own2
    totals[:, _GATEKEEPER] = totals[:, _REPRESENTATIVE]
    totals[:, _LIAISON] = sum_d2 - 2 * sum_own_d + 2 * sum_own2 - squares
    b_local = local[broker_index]
    brokers = np.zeros((size, len(broker_index)), dtype="int64")
    present = b_local >= 0
    if present.any():
        nb = neighbours[:, b_local[present], :]
        nb_own = own[:, b_local[present]]
        outside = d[b_local[present]][None, :] - nb_own
        brokers[:, present] = outside * outside - ((nb * nb).sum(axis=2) - nb_own * nb_own)
    return totals, brokers
