"""The E-I index (Krackhardt and Stern 1988), in one place: of a partition, of
each group, by sector, and of each public body's units and departments, each
against a null model that keeps the graph and shuffles the labels.

``(E - I) / (E + I)``: ``I`` counts ties inside a group, ``E`` ties between
groups; -1 when every tie stays inside its group (closed), +1 when every tie
crosses (open). Permutation p-values use the +1 correction (see
:mod:`partnernet.analysis.stats`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Mapping
from itertools import combinations
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from partnernet.analysis.records import (
    BodyEI,
    DepartmentEI,
    DepartmentEIRow,
    EIGroup,
    EIIndices,
    SectorEI,
)
from partnernet.analysis.silos import departments_by_body, units_of
from partnernet.analysis.stats import (
    ALTERNATIVES,
    FloatArray,
    _batches,
    _check_choice,
    _check_permutations,
    _p_values,
    count_true_by_row,
)
from partnernet.model import Dataset

__all__ = [
    "department_ei",
    "ei_by_group",
    "ei_index",
    "ei_indices",
    "ei_permutation_test",
    "sector_ei",
]

# Up to this many groups the permutation counts take one pass per group.
FEW_GROUPS = 16


def _labelled(G: nx.Graph, groups: Mapping[Hashable, Any] | pd.Series) -> dict[Hashable, Any]:
    """Nodes of ``G`` with a group label; missing labels (None, NaN) are dropped."""
    items = groups.items()
    return {
        n: g for n, g in items if n in G and not (g is None or (isinstance(g, float) and g != g))
    }


def _tie_counts(G: nx.Graph, label: Mapping[Hashable, Any]) -> tuple[int, int]:
    internal = external = 0
    for u, v in G.edges():
        if u in label and v in label and u != v:
            if label[u] == label[v]:
                internal += 1
            else:
                external += 1
    return internal, external


def _ei(external: float, internal: float) -> float:
    total = external + internal
    return (external - internal) / total if total else math.nan


def ei_index(G: nx.Graph, groups: Mapping[Hashable, Any] | pd.Series) -> float:
    """Krackhardt and Stern's E-I index of a graph partitioned into groups.

    ``(E - I) / (E + I)`` over ties between labelled nodes, where ``I`` counts ties
    inside a group and ``E`` ties between groups (Krackhardt and Stern 1988,
    "Informal networks and organizational crises"): -1 when every tie stays inside
    its group (closed), +1 when every tie crosses groups (open). Ties are counted
    once whatever their weight; nodes without a label and their ties are left out.
    NaN when no tie joins two labelled nodes.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> ei_index(G, {"a": 1, "b": 1, "c": 2, "d": 2})  # I = 2, E = 1
    -0.3333333333333333
    """
    internal, external = _tie_counts(G, _labelled(G, groups))
    return _ei(external, internal)


def ei_by_group(G: nx.Graph, groups: Mapping[Hashable, Any] | pd.Series) -> pd.DataFrame:
    """The E-I index of each group (Krackhardt and Stern 1988).

    For group g, ``I`` is the ties between two members of g and ``E`` the ties
    from a member of g to a labelled node outside it.

    Returns
    -------
    pd.DataFrame
        One row per group, sorted by group label: ``group`` (as given), ``n``
        (members), ``internal``, ``external`` (tie counts) and ``ei`` (NaN when the
        group has no tie).

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> ei_by_group(G, {"a": 1, "b": 1, "c": 1, "d": 2})["ei"].tolist()  # 1: I=2, E=1
    [-0.3333333333333333, 1.0]
    """
    label = _labelled(G, groups)
    names = sorted(set(label.values()), key=_sort_key)
    stats = {g: {"n": 0, "internal": 0, "external": 0} for g in names}
    for g in label.values():
        stats[g]["n"] += 1
    for u, v in G.edges():
        if u in label and v in label and u != v:
            if label[u] == label[v]:
                stats[label[u]]["internal"] += 1
            else:
                stats[label[u]]["external"] += 1
                stats[label[v]]["external"] += 1
    return pd.DataFrame(
        {
            "group": names,
            "n": [stats[g]["n"] for g in names],
            "internal": [stats[g]["internal"] for g in names],
            "external": [stats[g]["external"] for g in names],
            "ei": [_ei(stats[g]["external"], stats[g]["internal"]) for g in names],
        }
    ).astype({"n": "int64", "internal": "int64", "external": "int64", "ei": "float64"})


def _sort_key(value: Any) -> tuple[int, Any]:
    # Numbers before strings, each in natural order, so community ids sort 0, 1, 2.
    if isinstance(value, int | float | np.integer | np.floating):
        return (0, float(value))
    return (1, str(value))


def _none_if_nan(value: float) -> float | None:
    return None if value != value else float(value)


def ei_permutation_test(
    G: nx.Graph,
    groups: Mapping[Hashable, Any] | pd.Series,
    *,
    n_permutations: int = 5_000,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> SectorEI:
    """The E-I index, whole and per group, against shuffled group labels.

    The null model keeps the graph and the group sizes and shuffles which node
    carries which label (Krackhardt and Stern 1988 compare the observed index with
    the one expected under random assignment). ``expected`` is the mean over the
    permutations. ``alternative="less"`` asks whether ties stay inside groups more
    than chance would give (more closed), ``"greater"`` whether they cross more.

    Parameters
    ----------
    G : nx.Graph
    groups : node -> group label; unlabelled nodes and their ties are left out.
    n_permutations, alternative, seed : as in :func:`permutation_test`.

    Returns
    -------
    dict
        ``ei``, ``internal``, ``external``, ``expected``, ``p_value``,
        ``alternative``, ``n_permutations``, ``seed`` and ``groups``: a list of
        ``{group, n, internal, external, ei, expected, p_value}``, one per group in
        label order. Undefined figures (a group without ties) are ``None``.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("c", "d"), ("b", "c")])
    >>> r = ei_permutation_test(G, {"a": 1, "b": 1, "c": 2, "d": 2}, n_permutations=200, seed=0)
    >>> r["ei"], r["internal"], r["external"]
    (-0.3333333333333333, 2, 1)
    """
    _check_choice("alternative", alternative, ALTERNATIVES)
    _check_permutations(n_permutations)
    label = _labelled(G, groups)
    nodes = list(label)
    names = sorted(set(label.values()), key=_sort_key)
    code_of = {g: i for i, g in enumerate(names)}
    # The smallest integer type moves the least memory in each shuffle and gather;
    # a shuffle permutes positions whatever the type, so the figures are the same.
    code_type = np.int8 if len(names) < 2**7 else np.int16 if len(names) < 2**15 else np.int64
    codes = np.array([code_of[label[n]] for n in nodes], dtype=code_type)
    position = {n: i for i, n in enumerate(nodes)}
    pairs = [
        (position[u], position[v]) for u, v in G.edges() if u in label and v in label and u != v
    ]
    u_idx = np.array([p[0] for p in pairs], dtype="int64")
    v_idx = np.array([p[1] for p in pairs], dtype="int64")
    n_groups = len(names)
    n_ties = len(pairs)

    # Ties each node has to other labelled nodes: a group's external ties are its
    # members' ties minus twice its internal ones, so only internal ties need a
    # pass over the edges.
    labelled_degree = np.bincount(u_idx, minlength=len(nodes)) + np.bincount(
        v_idx, minlength=len(nodes)
    )
    degree_weights = labelled_degree.astype("float64")

    def counts(labels: npt.NDArray[Any]) -> tuple[Any, Any]:
        """Per-row (internal, external) tie counts per group, shape (rows, n_groups)."""
        rows = labels.shape[0]
        size = rows * n_groups
        if 0 < n_groups <= FEW_GROUPS:
            # A pass over the tie matrix per group beats listing the internal ties
            # (np.nonzero) when there are few groups, as with the five sectors. One
            # code per tie for its pair of labels (u's times n_groups plus v's) leaves
            # one comparison per group: a tie inside group g has code g * (n_groups + 1).
            pair_type = np.int8 if n_groups * n_groups <= 2**7 else np.int16
            pair: npt.NDArray[Any] = labels[:, u_idx].astype(pair_type, copy=False)
            pair *= n_groups
            pair += labels[:, v_idx]
            internal = np.stack(
                [count_true_by_row(pair == g * (n_groups + 1)) for g in range(n_groups)],
                axis=1,
            ).ravel()
        else:
            lab_u = labels[:, u_idx]
            same = lab_u == labels[:, v_idx]
            row, col = np.nonzero(same)
            internal = np.bincount(row * n_groups + lab_u[row, col], minlength=size)
        # Each group's members' degrees summed: with few groups one matrix-vector
        # product per group (2 to 4 times quicker than counting a row at a time on
        # a batch's rows); otherwise one weighted count per row, with no rows x
        # nodes copy of the weights or the offset codes. Sums of whole degrees in
        # float64 are exact, so the same integers either way.
        if 0 < n_groups <= FEW_GROUPS:
            degree_sum = np.stack(
                [(labels == g) @ degree_weights for g in range(n_groups)], axis=1
            ).astype("int64")
        else:
            degree_sum = np.stack(
                [np.bincount(one, weights=degree_weights, minlength=n_groups) for one in labels]
            ).astype("int64")
        degree_sum = degree_sum.reshape(size)
        external = degree_sum - 2 * internal
        return internal.reshape(rows, n_groups), external.reshape(rows, n_groups)

    obs_int, obs_ext = counts(codes[None, :])
    obs_internal_total = int(obs_int.sum())
    observed = _ei(n_ties - obs_internal_total, obs_internal_total)
    with np.errstate(invalid="ignore", divide="ignore"):
        obs_group = (obs_ext[0] - obs_int[0]) / (obs_ext[0] + obs_int[0])

    perm_whole = np.empty(n_permutations, dtype="float64")
    perm_group = np.empty((n_permutations, n_groups), dtype="float64")
    rng = np.random.default_rng(seed)
    done = 0
    if n_ties:
        for size in _batches(n_permutations, max(len(nodes), n_ties)):
            shuffled = rng.permuted(np.tile(codes, (size, 1)), axis=1)
            p_int, p_ext = counts(shuffled)
            internal_total = p_int.sum(axis=1)
            perm_whole[done : done + size] = (n_ties - 2 * internal_total) / n_ties
            with np.errstate(invalid="ignore", divide="ignore"):
                perm_group[done : done + size] = (p_ext - p_int) / (p_ext + p_int)
            done += size

    def test(observed_value: float, permuted: FloatArray) -> tuple[float | None, float | None]:
        if observed_value != observed_value:
            return None, None
        defined = permuted[~np.isnan(permuted)]
        expected = float(defined.mean()) if len(defined) else None
        return expected, _p_values(permuted, observed_value)[alternative]

    whole_expected, whole_p = test(observed, perm_whole) if n_ties else (None, None)
    group_rows = []
    for i, g in enumerate(names):
        expected, p = test(float(obs_group[i]), perm_group[:, i]) if n_ties else (None, None)
        group_rows.append(
            EIGroup(
                group=g.item() if isinstance(g, np.generic) else g,
                n=int((codes == i).sum()),
                internal=int(obs_int[0, i]),
                external=int(obs_ext[0, i]),
                ei=_none_if_nan(float(obs_group[i])),
                expected=expected,
                p_value=p,
            )
        )
    return SectorEI(
        ei=_none_if_nan(observed),
        internal=obs_internal_total,
        external=n_ties - obs_internal_total,
        expected=whole_expected,
        p_value=whole_p,
        alternative=alternative,
        n_permutations=n_permutations,
        seed=seed,
        groups=tuple(group_rows),
    )


def sector_ei(
    G: nx.Graph,
    *,
    n_permutations: int = 5_000,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> SectorEI:
    """The E-I index by sector (Krackhardt and Stern 1988), with permutation p-values.

    Groups are the brokerage sectors of the node attribute ``sector`` (``vcse``,
    ``infrastructure``, ``public``, ``funder``, ``private``). Internal ties join two
    organisations of one sector; external ties join two sectors. See
    :func:`ei_permutation_test` for the output.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": "vcse", "b": "vcse", "c": "public"}, "sector")
    >>> sector_ei(G, n_permutations=50, seed=0)["ei"]
    0.0
    """
    sectors = {n: d.get("sector") for n, d in G.nodes(data=True)}
    result = ei_permutation_test(
        G, sectors, n_permutations=n_permutations, alternative=alternative, seed=seed
    )
    return dataclasses.replace(
        result,
        definition=(
            "internal: a tie between two organisations of the same sector; "
            "external: a tie between organisations of different sectors"
        ),
    )


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _hypergeometric_pmf(good: int, bad: int, draws: int) -> npt.NDArray[np.float64]:
    """P(X = i) for i = 0..draws, X the good items among ``draws`` drawn without
    replacement from ``good + bad`` (exact, via log-gamma)."""
    total = _log_comb(good + bad, draws)
    pmf = np.zeros(draws + 1, dtype="float64")
    for i in range(max(0, draws - bad), min(good, draws) + 1):
        pmf[i] = math.exp(_log_comb(good, i) + _log_comb(bad, draws - i) - total)
    return pmf


def _random_subsets(rng: np.random.Generator, n: int, k: int, rows: int) -> npt.NDArray[np.int64]:
    """``rows`` uniform random k-subsets of range(n), one per row."""
    if k * 4 >= n or n <= 20_000:
        # Shuffling whole rows is cheap at this size and needs no rejection.
        return rng.permuted(np.tile(np.arange(n, dtype="int64"), (rows, 1)), axis=1)[:, :k]
    # Large n, small k: draw with replacement and redraw rows that repeat a node
    # (rare when k is much smaller than n), so each row is a uniform k-subset.
    out = rng.integers(0, n, size=(rows, k))
    while True:
        ordered = np.sort(out, axis=1)
        bad = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not bad.any():
            return out
        out[bad] = rng.integers(0, n, size=(int(bad.sum()), k))


def department_ei(
    ds: Dataset,
    G: nx.Graph,
    *,
    n_permutations: int = 5_000,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> DepartmentEI:
    """The E-I index of each public body's units and of each department.

    Internal and external ties (Krackhardt and Stern 1988) are ties of the
    organisation graph ``G`` (which has no ``PART_OF`` ties, so belonging to a body
    is not itself a tie):

    - for a **body** with two or more departments, internal ties join two of its
      units (the body and its departments), external ties join a unit to any
      other organisation. The p-value compares the observed index with the index
      of random sets of the same number of organisations drawn from ``G`` (the
      null model of shuffling which nodes carry the body's label), from
      ``n_permutations`` seeded draws with the +1 correction;
    - for a **department**, internal ties go to its own body's other units,
      external ties to any other organisation. With the other organisations'
      labels shuffled, its own-body neighbours follow a hypergeometric
      distribution, so its p-value and expected index are exact (no sampling).

    ``alternative="less"`` asks whether units are tied to one another more than
    chance (a lower, more inward index); ``"greater"`` whether less.

    Returns
    -------
    dict
        JSON-ready: ``definition``, ``alternative``, ``n_permutations``, ``seed``,
        ``bodies`` (list of ``{parent_id, units, internal, external, ei, expected,
        p_value}``) and ``departments`` (list of ``{department_id, parent_id,
        degree, internal, external, ei, expected, p_value}``); figures are
        ``None`` when a body or department has no ties.

    Examples
    --------
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["c", "h", "s", "a"], "name": list("CHSA"),
    ...      "type": ["local_authority", "department", "department", "vcse"],
    ...      "parent_id": [None, "c", "c", None]}))
    >>> G = nx.Graph([("h", "a"), ("s", "a"), ("h", "s")])
    >>> G.add_node("c")
    >>> r = department_ei(ds, G, n_permutations=20, seed=0)
    >>> [(b["internal"], b["external"], b["ei"]) for b in r["bodies"]]
    [(1, 2, 0.3333333333333333)]
    """
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}")
    bodies = departments_by_body(ds)
    nodes = list(G.nodes)
    position = {n: i for i, n in enumerate(nodes)}
    n_nodes = len(nodes)
    degree = np.array([G.degree(n) for n in nodes], dtype="int64")
    edge_codes = np.array(
        sorted(
            min(position[u], position[v]) * n_nodes + max(position[u], position[v])
            for u, v in G.edges()
            if u != v
        ),
        dtype="int64",
    )
    rng = np.random.default_rng(seed)
    body_rows: list[BodyEI] = []
    dept_rows: list[DepartmentEIRow] = []
    for body, depts in bodies.items():
        units = sorted(u for u in units_of(body, depts) if u in position)
        unit_set = set(units)
        internal = sum(1 for a, b in combinations(units, 2) if G.has_edge(a, b))
        degree_sum = int(sum(G.degree(u) for u in units))
        external = degree_sum - 2 * internal
        ei = _ei_or_none(external, internal)
        expected = p_value = None
        if ei is not None and len(units) < n_nodes:
            permuted = _subset_ei(rng, degree, edge_codes, n_nodes, len(units), n_permutations)
            defined = permuted[~np.isnan(permuted)]
            expected = float(defined.mean()) if len(defined) else None
            p_value = _p_value(permuted, ei, alternative)
        body_rows.append(
            BodyEI(
                parent_id=body,
                units=len(units),
                internal=internal,
                external=external,
                ei=ei,
                expected=expected,
                p_value=p_value,
            )
        )
        for d in depts:
            if d not in position:
                continue
            k = G.degree(d)
            own = sum(1 for n in G[d] if n in unit_set and n != d)
            good = len(unit_set) - 1
            dept_expected = dept_p = None
            if k:
                pmf = _hypergeometric_pmf(good, n_nodes - 1 - good, k)
                dept_expected = 1.0 - 2.0 * good / (n_nodes - 1)
                # EI falls as own-body neighbours rise: "less" is P(X >= observed).
                p_less = float(min(1.0, pmf[own:].sum()))
                p_greater = float(min(1.0, pmf[: own + 1].sum()))
                dept_p = {
                    "less": p_less,
                    "greater": p_greater,
                    "two-sided": min(1.0, 2 * min(p_less, p_greater)),
                }[alternative]
            dept_rows.append(
                DepartmentEIRow(
                    department_id=d,
                    parent_id=body,
                    degree=int(k),
                    internal=own,
                    external=int(k - own),
                    ei=_ei_or_none(k - own, own),
                    expected=dept_expected,
                    p_value=dept_p,
                )
            )
    return DepartmentEI(
        definition=(
            "body: internal = ties between two of its units (the body and its "
            "departments), external = ties from a unit to any other organisation; "
            "department: internal = ties to its own body's other units, external = "
            "ties to any other organisation"
        ),
        alternative=alternative,
        n_permutations=n_permutations,
        seed=seed,
        bodies=tuple(body_rows),
        departments=tuple(dept_rows),
    )


def _ei_or_none(external: int, internal: int) -> float | None:
    total = external + internal
    return (external - internal) / total if total else None


def _p_value(permuted: npt.NDArray[np.float64], observed: float, alternative: str) -> float:
    n = len(permuted)
    tol = 1e-9 * max(1.0, abs(observed))
    less = (int(np.count_nonzero(permuted <= observed + tol)) + 1) / (n + 1)
    greater = (int(np.count_nonzero(permuted >= observed - tol)) + 1) / (n + 1)
    return {"less": less, "greater": greater, "two-sided": min(1.0, 2 * min(less, greater))}[
        alternative
    ]


def _subset_ei(
    rng: np.random.Generator,
    degree: npt.NDArray[np.int64],
    edge_codes: npt.NDArray[np.int64],
    n_nodes: int,
    k: int,
    n_permutations: int,
    *,
    by_edges: bool | None = None,
) -> npt.NDArray[np.float64]:
    """E-I of ``n_permutations`` random k-sets of nodes (NaN for a set with no tie).

    ``by_edges`` chooses how internal ties are counted (None: the cheaper way);
    either way gives the same figures from the same draws."""
    out = np.empty(n_permutations, dtype="float64")
    # A large set (a body of hundreds of departments) has more pairs of members
    # than the graph has ties: then count, per draw, the ties with both ends in the
    # set instead of looking up every pair. Both count the same ties from the
    # same draws, so the result does not depend on which is used.
    if by_edges is None:
        by_edges = k * (k - 1) // 2 > len(edge_codes)
    pairs = (
        np.empty((0, 2), dtype="int64")
        if by_edges
        else np.array(list(combinations(range(k), 2)), dtype="int64").reshape(-1, 2)
    )
    eu, ev = edge_codes // max(n_nodes, 1), edge_codes % max(n_nodes, 1)
    width = max(n_nodes, len(edge_codes)) if by_edges else max(n_nodes, k * k)
    per_batch = max(1, 2_000_000 // max(width, 1))
    done = 0
    while done < n_permutations:
        rows = min(per_batch, n_permutations - done)
        subsets = _random_subsets(rng, n_nodes, k, rows)
        deg_sum = degree[subsets].sum(axis=1)
        if by_edges and len(edge_codes):
            member = np.zeros((rows, n_nodes), dtype=bool)
            member[np.arange(rows)[:, None], subsets] = True
            internal = (member[:, eu] & member[:, ev]).sum(axis=1)
        elif len(pairs) and len(edge_codes):
            a = subsets[:, pairs[:, 0]]
            b = subsets[:, pairs[:, 1]]
            codes = np.minimum(a, b) * n_nodes + np.maximum(a, b)
            found = np.searchsorted(edge_codes, codes)
            found = np.minimum(found, len(edge_codes) - 1)
            internal = (edge_codes[found] == codes).sum(axis=1)
        else:
            internal = np.zeros(rows, dtype="int64")
        external = deg_sum - 2 * internal
        total = external + internal
        with np.errstate(invalid="ignore", divide="ignore"):
            out[done : done + rows] = np.where(total > 0, (external - internal) / total, np.nan)
        done += rows
    return out


def ei_seeds(seed: int | None) -> tuple[int, int]:
    """The seeds :func:`ei_indices` gives :func:`sector_ei` and
    :func:`department_ei`: two independent streams of one seeded generator, so
    each can be run apart (the pipeline runs them on two threads) with the
    figures ``ei_indices`` gives."""
    rng = np.random.default_rng(seed)
    sector_seed, department_seed = (int(s) for s in rng.integers(0, 2**63 - 1, size=2))
    return sector_seed, department_seed


def ei_indices(
    ds: Dataset,
    G: nx.Graph,
    *,
    n_permutations: int = 5_000,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> EIIndices:
    """The E-I indices by sector and by department, each with permutation p-values.

    The two draw from independent streams of one seeded generator.
    """
    sector_seed, department_seed = ei_seeds(seed)
    return EIIndices(
        sector=sector_ei(
            G, n_permutations=n_permutations, alternative=alternative, seed=sector_seed
        ),
        department=department_ei(
            ds, G, n_permutations=n_permutations, alternative=alternative, seed=department_seed
        ),
    )
