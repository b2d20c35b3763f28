"""How many of the shortest routes from small organisations to decision makers
pass through an infrastructure organisation (DESIGN section 5, "Brokerage").
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx
import numpy as np

from partnernet.analysis.populations import SMALL_BANDS, small_organisations
from partnernet.analysis.records import PathShare

__all__ = ["infrastructure_path_share"]

_BOARDS = object()  # the boards, as one decision point beyond every seat-holder


def _count_from(
    G: nx.Graph, root: Any, infrastructure: set[Any], seat_holders: list[Any]
) -> tuple[dict[Any, Any], dict[Any, Any], dict[Any, Any]]:
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

    def __init__(self, U: nx.Graph, infrastructure: set[Any], seat_holders: list[Any]) -> None:
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
            # The nodes first reached now, in index order (as np.unique of the
            # neighbours gives them): one pass over the distances costs less than
            # hashing the neighbours, which repeat.
            frontier = np.flatnonzero(dist == level)
        return dist, paths, avoiding


def _sum_of_shares(parts: list[int], wholes: list[int]) -> float:
    """``sum(p / w for p, w in zip(parts, wholes))``, the same float.

    The quotients come from numpy when every count is below 2**53: each count
    then converts to a float exactly, so each quotient is the same correctly
    rounded one. Python's own ``sum`` adds them, as before (its way of adding
    floats changed in Python 3.12; this follows it on every version).
    """
    if wholes and max(wholes) < _EXACT_IN_FLOAT:
        shares = np.asarray(parts, dtype="float64") / np.asarray(wholes, dtype="float64")
        quotients: list[float] = shares.tolist()
        return sum(quotients)
    return sum(p / w for p, w in zip(parts, wholes, strict=True))


# Whole numbers below this convert to float64 exactly.
_EXACT_IN_FLOAT = 2**53


def infrastructure_path_share(
    G: nx.Graph,
    *,
    small_bands: Iterable[str] = SMALL_BANDS,
    progress: Callable[[int, int], None] | None = None,
) -> PathShare:
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
        pair_share_sum += _sum_of_shares(via_infrastructure, routes)
        if progress is not None:
            progress(done, len(roots))
    answerable = bool(infrastructure) and pairs > 0
    return PathShare(
        small_bands=tuple(bands),
        small_organisations=len(small),
        infrastructure_organisations=len(infrastructure),
        decision_makers=len(roots),
        pairs=pairs,
        shortest_paths=total,
        through_infrastructure=through,
        share=through / total if answerable else None,
        mean_pair_share=pair_share_sum / pairs if answerable else None,
    )
