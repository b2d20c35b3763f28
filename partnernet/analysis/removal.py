"""The organisations and ties whose loss splits the network, and what each
candidate's loss would cut off (DESIGN section 5, "Brokerage").

- :func:`articulation_points` and :func:`bridges`: the organisations and ties whose
  loss splits the network.
- :func:`removal_impact`: the small organisations (see
  :mod:`partnernet.analysis.populations`) that would lose every path to a
  decision maker if one organisation went.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from itertools import chain
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

from partnernet.analysis.centrality import edge_endpoints, endpoints_of, to_igraph
from partnernet.analysis.paths import distance_to_decision
from partnernet.analysis.populations import SMALL_BANDS, decision_sources, small_organisations
from partnernet.analysis.results import REMOVAL_COLUMNS
from partnernet.graph import load_igraph

__all__ = [
    "ARTICULATION_COLUMNS",
    "BRIDGE_COLUMNS",
    "articulation_points",
    "bridges",
    "removal_impact",
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


def _attr(G: nx.Graph, node: Hashable, key: str) -> Any:
    value = G.nodes[node].get(key)
    if key == "name" and value is None:
        return str(node)
    return value


class _CutTree(NamedTuple):
    """Every cut point's pieces and every bridge's smaller side, as arrays."""

    cut_points: np.ndarray  # vertex positions in G's order, ascending
    pieces: np.ndarray  # parts its part of the network falls into without it
    separated: np.ndarray  # organisations cut off from the largest remaining part
    bridge_sides: dict[frozenset[Any], int]  # bridge's two ends -> its smaller side (if asked)


def _block_cut_tree(G: nx.Graph, *, with_bridges: bool = False) -> _CutTree:
    """Piece sizes on removing each cut point, and each bridge's smaller side.

    The blocks (biconnected components) and cut points come from igraph
    (compiled); :func:`_cut_tree` walks the block-cut tree. Ties read as
    undirected, self-loops dropped.
    """
    ig = load_igraph()
    g, nodes = to_igraph(G, weight=None)
    n = len(nodes)
    if g.is_directed():
        g = g.as_undirected()
        ends = endpoints_of(g)
    else:
        ends = edge_endpoints(G)
    # igraph gives each block as the edge ids of a spanning tree of it: its
    # members are the ends of those edges, each once.
    spanning, cut_vertices = ig.GraphBase.biconnected_components(g, True)
    n_blocks = len(spanning)
    spanning_size = np.fromiter(map(len, spanning), dtype="int64", count=n_blocks)
    tree_edge = np.fromiter(
        chain.from_iterable(spanning), dtype="int64", count=int(spanning_size.sum())
    )
    block_of = np.repeat(np.arange(n_blocks, dtype="int64"), 2 * spanning_size)
    member = ends[tree_edge].ravel()
    return _cut_tree(n, block_of, member, cut_vertices, nodes if with_bridges else None)


def _cut_tree(
    n: int,
    block_of: np.ndarray,
    member: np.ndarray,
    cut_vertices: Iterable[int],
    nodes: list[Hashable] | None,
) -> _CutTree:
    """The block-cut tree's walk, from ``n`` vertices' blocks and cut points.

    ``block_of[k]`` and ``member[k]`` say that vertex ``member[k]`` is in block
    ``block_of[k]`` (repeats allowed; blocks numbered from 0 without a gap). The
    tree of every component (blocks and cut points as its nodes) is rooted at a
    block, with each vertex counted once (a cut point at its own tree node, any
    other vertex in its only block), so one pass gives every subtree's size,
    walked in arrays one level of the tree at a time (deepest first): a cut
    point's pieces are its child subtrees and the rest of its component. Which
    block roots a tree changes no piece size. With ``nodes`` (the vertices' names)
    each bridge's smaller side is found too.
    """
    ig = load_igraph()
    n_blocks = int(block_of.max()) + 1 if len(block_of) else 0
    # Each (block, member) pair once, sorted by block then vertex.
    keys = np.sort(block_of * max(n, 1) + member)
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    block_of, member = np.divmod(keys, max(n, 1))
    block_size = np.bincount(block_of, minlength=n_blocks)
    is_cut = np.zeros(n, dtype=bool)
    is_cut[np.fromiter(cut_vertices, dtype="int64")] = True
    cut_points = np.flatnonzero(is_cut)
    n_cut = len(cut_points)
    rank = np.full(n, -1, dtype="int64")
    rank[cut_points] = np.arange(n_cut)
    # Tree vertices: blocks 0..n_blocks-1, cut points after them, then one root
    # tied to the first block of every tree (one per component with a tie), so one
    # search walks them all.
    at_cut = is_cut[member]
    root = n_blocks + n_cut
    weight = np.ones(root + 1, dtype="int64")  # each node once: a block, its others
    weight[:n_blocks] = np.bincount(block_of[~at_cut], minlength=n_blocks)
    weight[root] = 0
    tree = ig.Graph(
        n=root + 1,
        edges=np.column_stack([block_of[at_cut], n_blocks + rank[member[at_cut]]]).tolist(),
    )
    which_tree = np.asarray(ig.GraphBase.connected_components(tree), dtype="int64")
    part_size = np.bincount(which_tree, weights=weight).astype("int64")  # per tree: its component
    _, first_blocks = np.unique(which_tree[:n_blocks], return_index=True)
    tree.add_edges([(root, b) for b in first_blocks.tolist()])
    order, layer_starts, parents = tree.bfs(root)
    order_at = np.asarray(order, dtype="int64")
    parent = np.asarray(parents, dtype="int64")
    starts = np.asarray(layer_starts, dtype="int64")
    subtree = weight.copy()
    for level in range(len(starts) - 2, 0, -1):  # deepest level first
        here = order_at[starts[level] : starts[level + 1]]
        np.add.at(subtree, parent[here], subtree[here])
    # A cut point is never a root, so its pieces are its child blocks' subtrees
    # and the rest of its component; there is one piece per block holding it.
    cut_tree_ids = n_blocks + np.arange(n_cut)
    pieces = np.bincount(rank[member[at_cut]], minlength=n_cut)
    block_ids = np.arange(n_blocks)
    under_cut = (parent[block_ids] >= n_blocks) & (parent[block_ids] != root)
    largest = np.zeros(n_cut, dtype="int64")
    np.maximum.at(largest, parent[block_ids[under_cut]] - n_blocks, subtree[block_ids[under_cut]])
    whole = part_size[which_tree[cut_tree_ids]]
    rest = whole - subtree[cut_tree_ids]
    separated = whole - 1 - np.maximum(largest, rest)
    bridge_sides: dict[frozenset[Any], int] = {}
    if nodes is None:
        return _CutTree(cut_points, pieces, separated, bridge_sides)
    first_member = np.cumsum(block_size) - block_size
    for b in np.flatnonzero(block_size == 2).tolist():
        u, v = member[first_member[b]], member[first_member[b] + 1]
        # A non-root bridge block's subtree is the side away from its parent cut
        # point; at the root, measure the side hanging from one end.
        if parent[b] != root:
            side = int(subtree[b])
        elif is_cut[u]:
            side = int(subtree[n_blocks + rank[u]])
        else:
            side = 1
        whole_size = int(part_size[which_tree[b]])
        bridge_sides[frozenset((nodes[u], nodes[v]))] = min(side, whole_size - side)
    return _CutTree(cut_points, pieces, separated, bridge_sides)


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
    return _cut_point_table(G, _block_cut_tree(G))


def _cut_point_table(G: nx.Graph, cut: _CutTree) -> pd.DataFrame:
    if not len(cut.cut_points):
        frame = pd.DataFrame([], columns=list(ARTICULATION_COLUMNS))
        return frame.astype({"pieces": "int64", "separated": "int64"})
    nodes = list(G)
    ids = [nodes[i] for i in cut.cut_points.tolist()]
    frame = pd.DataFrame(
        {
            "id": ids,
            "name": [_attr(G, node, "name") for node in ids],
            "type": [_attr(G, node, "type") for node in ids],
            "pieces": cut.pieces.astype("int64"),
            "separated": cut.separated.astype("int64"),
        },
        columns=list(ARTICULATION_COLUMNS),
    )
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
    sides = _block_cut_tree(G, with_bridges=True).bridge_sides
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


def _components(G: nx.Graph, removed: Hashable | None = None) -> int:
    view = G if removed is None else nx.restricted_view(G, [removed], [])
    if G.is_directed():
        return int(nx.number_weakly_connected_components(view))
    return int(nx.number_connected_components(view))


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


def _removal_row(
    G: nx.Graph, node: Hashable, lost: list[Any], before: int, after: int
) -> dict[Any, Any]:
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
    G: nx.Graph, chosen: list[Any], small: list[Any], progress: Callable[[int, int], None] | None
) -> list[dict[str, Any]]:
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
    G: nx.Graph, chosen: list[Any], small: list[Any], progress: Callable[[int, int], None] | None
) -> list[dict[str, Any]]:
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
    separated: dict[Hashable, list[Any]] = defaultdict(list)  # children cut off with the node
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

    def small_between(lo: int, hi: int) -> list[Any]:
        """Small organisations discovered in ``[lo, hi)``."""
        first, last = bisect_left(small_discs, lo), bisect_left(small_discs, hi)
        return [by_disc[d] for d in small_discs[first:last]]

    rows = []
    for c in chosen:
        root = root_of[c]
        pieces = [(disc[v], disc[v] + size[v], held[v]) for v in separated[c]]
        lost: list[Any] = []
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
