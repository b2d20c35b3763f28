"""Are departments siloed? (DESIGN section 5, "Siloed departments").

Definitions used throughout:

- A **department** is an organisation of type ``department`` with a ``parent_id``;
  its **siblings** are the other departments with the same ``parent_id``. Only
  bodies with two or more departments are analysed; a department without a
  ``parent_id`` has no known siblings and is left out. A parent that is not itself
  listed in ``organisations.csv`` still groups its departments (its name is then
  its id).
- A body's **units** are the body itself and its departments.
- A department's **partners** are the organisations it funds (as funder),
  partners with (a partnership in either direction) or sits on a board with (any
  role, its own included). Units of its own body are left out: a tie to a sibling
  is coordination, measured separately, not engagement with the outside world.
- **Overlap** of two departments is the Jaccard index of their partner sets,
  ``|A & B| / |A | B|``; two empty sets have overlap 0 (nothing shared), and the
  matrix diagonal is 1 by convention.
- Two sibling departments have a **coordination tie** when there is a partnership
  between them (either direction) or both are members of the same board (any
  role). Funding between them is not coordination.
- A department is **siloed** when it has no coordination tie to any sibling and
  its overlap with every sibling is below ``SILO_OVERLAP_BELOW`` (0.1).
- **Duplicated engagement**: an organisation dealt with by two or more sibling
  departments that have no coordination tie between them ("several conversations
  with the same body").
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from itertools import combinations
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from partnernet.analysis.results import DEPARTMENT_COLUMNS, Finding
from partnernet.analysis.stats import ALTERNATIVES, ei_permutation_test
from partnernet.model import Dataset

__all__ = [
    "DUPLICATION_COLUMNS",
    "SILO_OVERLAP_BELOW",
    "coordination_ties",
    "department_ei",
    "department_table",
    "departments_by_body",
    "duplicated_engagement",
    "ei_indices",
    "overlap_matrices",
    "partner_sets",
    "sector_ei",
    "silo_findings",
]

SILO_OVERLAP_BELOW = 0.1
ALPHA = 0.05
# Up to this many public bodies get a finding each; beyond it (a region or the
# whole country) one finding sums them up and names the few that matter most, so
# the report stays readable. departments.csv and summary.json keep every body.
MAX_BODY_FINDINGS = 5
DUPLICATION_COLUMNS: tuple[str, ...] = ("org_id", "name", "parent_id", "departments", "count")


def departments_by_body(ds: Dataset) -> dict[str, list[str]]:
    """The departments of each public body that has two or more, by parent id.

    Bodies and their departments are sorted by id, so every table built on them
    has a stable order.

    Examples
    --------
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["c", "h", "s", "n", "x"], "name": list("CHSNX"),
    ...      "type": ["local_authority", "department", "department", "nhs", "department"],
    ...      "parent_id": [None, "c", "c", None, "n"]}))
    >>> departments_by_body(ds)
    {'c': ['h', 's']}
    """
    orgs = ds.organisations
    depts = orgs[(orgs["type"] == "department") & orgs["parent_id"].notna()]
    out: dict[str, list[str]] = {}
    for parent, ids in depts.groupby("parent_id")["id"]:
        unique = sorted(set(ids))
        if len(unique) >= 2:
            out[str(parent)] = unique
    return dict(sorted(out.items()))


def _units(body: str, departments: Iterable[str]) -> set[str]:
    return {body, *departments}


def _board_members(ds: Dataset) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for board, org in ds.memberships[["board_id", "org_id"]].itertuples(index=False):
        members.setdefault(board, set()).add(org)
    return members


def partner_sets(ds: Dataset) -> dict[str, set[str]]:
    """Each analysed department's partners (see the module doc), by department id.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "a", "b"], "name": list("CHSAB"),
    ...          "type": ["local_authority", "department", "department", "vcse", "vcse"],
    ...          "parent_id": [None, "c", "c", None, None]}),
    ...     partnerships=pd.DataFrame({"source_id": ["a", "h"], "target_id": ["h", "s"]}),
    ...     funding=pd.DataFrame({"id": ["1"], "funder_id": ["s"], "recipient_id": ["b"],
    ...                           "amount": [1.0], "award_date": ["2024-01-01"]}))
    >>> {d: sorted(p) for d, p in partner_sets(ds).items()}
    {'h': ['a'], 's': ['b']}
    """
    bodies = departments_by_body(ds)
    own: dict[str, set[str]] = {}
    for body, depts in bodies.items():
        for d in depts:
            own[d] = _units(body, depts)
    partners: dict[str, set[str]] = {d: set() for d in own}

    def add(dept: str, other: str) -> None:
        if dept in partners and other not in own[dept]:
            partners[dept].add(other)

    for funder, recipient in ds.funding[["funder_id", "recipient_id"]].itertuples(index=False):
        add(funder, recipient)
    for source, target in ds.partnerships[["source_id", "target_id"]].itertuples(index=False):
        add(source, target)
        add(target, source)
    for members in _board_members(ds).values():
        for dept in members & partners.keys():
            for other in members:
                add(dept, other)
    return partners


def coordination_ties(ds: Dataset) -> dict[str, set[frozenset[str]]]:
    """The coordinated pairs of sibling departments, by parent id.

    A pair is coordinated by a partnership between the two (either direction) or a
    board both are members of (any role).

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "e"], "name": list("CHSE"),
    ...          "type": ["local_authority"] + ["department"] * 3,
    ...          "parent_id": [None, "c", "c", "c"]}),
    ...     boards=pd.DataFrame({"id": ["B"], "name": ["Board"]}),
    ...     memberships=pd.DataFrame({"board_id": ["B", "B"], "org_id": ["h", "e"],
    ...                               "role": ["member", "observer"]}))
    >>> [sorted(p) for p in coordination_ties(ds)["c"]]
    [['e', 'h']]
    """
    bodies = departments_by_body(ds)
    parent_of = {d: body for body, depts in bodies.items() for d in depts}
    ties: dict[str, set[frozenset[str]]] = {body: set() for body in bodies}

    def tie(a: str, b: str) -> None:
        if a != b and a in parent_of and parent_of.get(b) == parent_of[a]:
            ties[parent_of[a]].add(frozenset((a, b)))

    for source, target in ds.partnerships[["source_id", "target_id"]].itertuples(index=False):
        tie(source, target)
    for members in _board_members(ds).values():
        for a, b in combinations(sorted(members & parent_of.keys()), 2):
            tie(a, b)
    return ties


def _jaccard(a: set[str], b: set[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def overlap_matrices(ds: Dataset) -> dict[str, pd.DataFrame]:
    """The department x department partner overlap (Jaccard) of each body.

    Returns
    -------
    dict[str, pd.DataFrame]
        Keyed by parent id, for each body with two or more departments: a square
        float frame indexed and columned by department id (sorted), symmetric,
        diagonal 1; two departments with no partners at all have overlap 0.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "a", "b"], "name": list("CHSAB"),
    ...          "type": ["local_authority", "department", "department", "vcse", "vcse"],
    ...          "parent_id": [None, "c", "c", None, None]}),
    ...     partnerships=pd.DataFrame({"source_id": ["h", "h", "s"], "target_id": ["a", "b", "a"]}))
    >>> overlap_matrices(ds)["c"].values.tolist()  # {a, b} and {a}: 1 / 2
    [[1.0, 0.5], [0.5, 1.0]]
    """
    partners = partner_sets(ds)
    out: dict[str, pd.DataFrame] = {}
    for body, depts in departments_by_body(ds).items():
        values = [
            [1.0 if a == b else _jaccard(partners[a], partners[b]) for b in depts] for a in depts
        ]
        index = pd.Index(depts, name="department_id")
        out[body] = pd.DataFrame(values, index=index, columns=pd.Index(depts), dtype="float64")
    return out


def _engagement(
    ds: Dataset,
) -> tuple[dict[str, list[str]], dict[str, set[str]], dict[str, set[frozenset[str]]]]:
    return departments_by_body(ds), partner_sets(ds), coordination_ties(ds)


def department_table(ds: Dataset, *, overlap_below: float = SILO_OVERLAP_BELOW) -> pd.DataFrame:
    """One row per department of a public body with two or more departments.

    Returns
    -------
    pd.DataFrame
        Exactly ``DEPARTMENT_COLUMNS``, sorted by parent then department id:
        ``coordination_ties`` (int: siblings it has a coordination tie with),
        ``max_partner_overlap`` (float: its largest Jaccard overlap with a
        sibling), ``siloed`` (bool: no coordination tie and every overlap below
        ``overlap_below``), ``duplicated_engagement`` (int: distinct partners it
        shares with at least one sibling it has no coordination tie with).

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "a"], "name": list("CHSA"),
    ...          "type": ["local_authority", "department", "department", "vcse"],
    ...          "parent_id": [None, "c", "c", None]}),
    ...     partnerships=pd.DataFrame({"source_id": ["h", "s"], "target_id": ["a", "a"]}))
    >>> department_table(ds).values.tolist()
    [['h', 'c', 0, 1.0, False, 1], ['s', 'c', 0, 1.0, False, 1]]
    """
    bodies, partners, ties = _engagement(ds)
    rows = []
    for body, depts in bodies.items():
        for d in depts:
            siblings = [s for s in depts if s != d]
            coordinated = [s for s in siblings if frozenset((d, s)) in ties[body]]
            overlap = max(_jaccard(partners[d], partners[s]) for s in siblings)
            shared: set[str] = set()
            for s in siblings:
                if s not in coordinated:
                    shared |= partners[d] & partners[s]
            rows.append(
                {
                    "department_id": d,
                    "parent_id": body,
                    "coordination_ties": len(coordinated),
                    "max_partner_overlap": overlap,
                    "siloed": not coordinated and overlap < overlap_below,
                    "duplicated_engagement": len(shared),
                }
            )
    table = pd.DataFrame(rows, columns=list(DEPARTMENT_COLUMNS))
    return table.astype(
        {
            "department_id": "str",
            "parent_id": "str",
            "coordination_ties": "int64",
            "max_partner_overlap": "float64",
            "siloed": "bool",
            "duplicated_engagement": "int64",
        }
    )


def duplicated_engagement(ds: Dataset) -> pd.DataFrame:
    """Organisations dealt with separately by uncoordinated sibling departments.

    For each organisation and each body, the departments of that body that count
    it as a partner are considered; those with at least one such sibling they
    have no coordination tie with are listed.

    Returns
    -------
    pd.DataFrame
        ``DUPLICATION_COLUMNS``: ``org_id``, ``name``, ``parent_id``,
        ``departments`` (the department ids, sorted, ``;``-joined) and ``count``
        (how many), one row per (organisation, body) with ``count`` >= 2, most
        departments first, then by parent and organisation id.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "a"], "name": ["C", "H", "S", "Age Concern"],
    ...          "type": ["local_authority", "department", "department", "vcse"],
    ...          "parent_id": [None, "c", "c", None]}),
    ...     partnerships=pd.DataFrame({"source_id": ["h", "s"], "target_id": ["a", "a"]}))
    >>> duplicated_engagement(ds).values.tolist()
    [['a', 'Age Concern', 'c', 'h;s', 2]]
    """
    bodies, partners, ties = _engagement(ds)
    names = ds.organisations.drop_duplicates("id").set_index("id")["name"]
    rows = []
    for body, depts in bodies.items():
        engaged_by: dict[str, list[str]] = {}
        for d in depts:
            for org in partners[d]:
                engaged_by.setdefault(org, []).append(d)
        for org, engaging in engaged_by.items():
            separate = {
                d
                for a, b in combinations(engaging, 2)
                if frozenset((a, b)) not in ties[body]
                for d in (a, b)
            }
            if len(separate) >= 2:
                rows.append(
                    {
                        "org_id": org,
                        "name": str(names.get(org, org)),
                        "parent_id": body,
                        "departments": ";".join(sorted(separate)),
                        "count": len(separate),
                    }
                )
    table = pd.DataFrame(rows, columns=list(DUPLICATION_COLUMNS))
    table = table.astype(
        {"org_id": "str", "name": "str", "parent_id": "str", "departments": "str", "count": "int64"}
    )
    table = table.sort_values(
        ["count", "parent_id", "org_id"], ascending=[False, True, True], kind="stable"
    )
    return table.reset_index(drop=True)


# --- E-I indices --------------------------------------------------------------------


def sector_ei(
    G: nx.Graph,
    *,
    n_permutations: int = 5_000,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> dict[str, Any]:
    """The E-I index by sector (Krackhardt and Stern 1988), with permutation p-values.

    Groups are the brokerage sectors of the node attribute ``sector`` (``vcse``,
    ``infrastructure``, ``public``, ``funder``, ``private``). Internal ties join two
    organisations of one sector; external ties join two sectors. See
    :func:`partnernet.analysis.stats.ei_permutation_test` for the output.

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
    result["definition"] = (
        "internal: a tie between two organisations of the same sector; "
        "external: a tie between organisations of different sectors"
    )
    return result


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
) -> dict[str, Any]:
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
    body_rows: list[dict[str, Any]] = []
    dept_rows: list[dict[str, Any]] = []
    for body, depts in bodies.items():
        units = sorted(u for u in _units(body, depts) if u in position)
        unit_set = set(units)
        internal = sum(1 for a, b in combinations(units, 2) if G.has_edge(a, b))
        degree_sum = int(sum(G.degree(u) for u in units))
        external = degree_sum - 2 * internal
        ei = _ei(external, internal)
        expected = p_value = None
        if ei is not None and len(units) < n_nodes:
            permuted = _subset_ei(rng, degree, edge_codes, n_nodes, len(units), n_permutations)
            defined = permuted[~np.isnan(permuted)]
            expected = float(defined.mean()) if len(defined) else None
            p_value = _p_value(permuted, ei, alternative)
        body_rows.append(
            {
                "parent_id": body,
                "units": len(units),
                "internal": internal,
                "external": external,
                "ei": ei,
                "expected": expected,
                "p_value": p_value,
            }
        )
        for d in depts:
            if d not in position:
                continue
            k = G.degree(d)
            own = sum(1 for n in G[d] if n in unit_set and n != d)
            good = len(unit_set) - 1
            dept = {
                "department_id": d,
                "parent_id": body,
                "degree": int(k),
                "internal": own,
                "external": int(k - own),
                "ei": _ei(k - own, own),
                "expected": None,
                "p_value": None,
            }
            if k:
                pmf = _hypergeometric_pmf(good, n_nodes - 1 - good, k)
                dept["expected"] = 1.0 - 2.0 * good / (n_nodes - 1)
                # EI falls as own-body neighbours rise: "less" is P(X >= observed).
                p_less = float(min(1.0, pmf[own:].sum()))
                p_greater = float(min(1.0, pmf[: own + 1].sum()))
                dept["p_value"] = {
                    "less": p_less,
                    "greater": p_greater,
                    "two-sided": min(1.0, 2 * min(p_less, p_greater)),
                }[alternative]
            dept_rows.append(dept)
    return {
        "definition": (
            "body: internal = ties between two of its units (the body and its "
            "departments), external = ties from a unit to any other organisation; "
            "department: internal = ties to its own body's other units, external = "
            "ties to any other organisation"
        ),
        "alternative": alternative,
        "n_permutations": n_permutations,
        "seed": seed,
        "bodies": body_rows,
        "departments": dept_rows,
    }


def _ei(external: int, internal: int) -> float | None:
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
) -> npt.NDArray[np.float64]:
    """E-I of ``n_permutations`` random k-sets of nodes (NaN for a set with no tie)."""
    out = np.empty(n_permutations, dtype="float64")
    pairs = np.array(list(combinations(range(k), 2)), dtype="int64").reshape(-1, 2)
    per_batch = max(1, 2_000_000 // max(n_nodes, k * k, 1))
    done = 0
    while done < n_permutations:
        rows = min(per_batch, n_permutations - done)
        subsets = _random_subsets(rng, n_nodes, k, rows)
        deg_sum = degree[subsets].sum(axis=1)
        if len(pairs) and len(edge_codes):
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


def ei_indices(
    ds: Dataset,
    G: nx.Graph,
    *,
    n_permutations: int = 5_000,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> dict[str, Any]:
    """The E-I indices by sector and by department, each with permutation p-values.

    Returns ``{"sector": sector_ei(...), "department": department_ei(...)}``; the
    two draw from independent streams of one seeded generator.
    """
    rng = np.random.default_rng(seed)
    sector_seed, department_seed = (int(s) for s in rng.integers(0, 2**63 - 1, size=2))
    return {
        "sector": sector_ei(
            G, n_permutations=n_permutations, alternative=alternative, seed=sector_seed
        ),
        "department": department_ei(
            ds, G, n_permutations=n_permutations, alternative=alternative, seed=department_seed
        ),
    }


# --- findings -----------------------------------------------------------------------


def _p(p: float) -> str:
    return f"{p:.4f}" if p < 0.001 else f"{p:.3f}"


def _names(ds: Dataset) -> Mapping[Hashable, str]:
    names = ds.organisations.drop_duplicates("id").set_index("id")["name"]
    return {k: str(v) for k, v in names.items()}


def _count_word(n: int, singular: str) -> str:
    return f"{n:,} {singular if n == 1 else singular + 's'}"


def _body_word(n: int) -> str:
    return "body" if n == 1 else "bodies"


def _list_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def silo_findings(
    ds: Dataset,
    *,
    departments: pd.DataFrame,
    duplicated: pd.DataFrame,
    ei: Mapping[str, Any],
    alpha: float = ALPHA,
    overlap_below: float = SILO_OVERLAP_BELOW,
    max_listed: int = 3,
    max_bodies: int = MAX_BODY_FINDINGS,
) -> list[Finding]:
    """Plain-English findings on siloed departments.

    Each finding names the figures it rests on (every number in the text is in
    ``figures``); p-values of ``alpha`` or more are reported as not statistically
    significant; with no body of two or more departments the finding says siloing
    cannot be assessed. Up to ``max_bodies`` bodies get findings of their own;
    with more, one finding sums them up and names the ``max_listed`` that matter
    most.

    Parameters
    ----------
    ds : for organisation names.
    departments : from :func:`department_table`.
    duplicated : from :func:`duplicated_engagement`.
    ei : from :func:`ei_indices`.

    Returns
    -------
    list[Finding]
        Ids: ``silos-not-assessable`` or ``siloed-departments-<parent id>`` per body
        with a siloed department (``siloed-departments`` when more than
        ``max_bodies`` have one; ``no-siloed-departments`` when none has),
        ``duplicated-engagement``, ``ei-sector``, ``ei-body-<parent id>`` per body
        (``ei-bodies`` when there are more than ``max_bodies``).
    """
    names = _names(ds)

    def name(i: str) -> str:
        return names.get(i, i)

    findings: list[Finding] = []
    if departments.empty:
        findings.append(
            Finding(
                id="silos-not-assessable",
                question="silos",
                text=(
                    "No public body in the data has two or more departments listed (a "
                    "department needs a parent_id naming its body), so siloed working "
                    "cannot be assessed."
                ),
                figures={"bodies_with_departments": 0},
            )
        )
    else:
        siloed_bodies = departments.loc[departments["siloed"].astype(bool), "parent_id"]
        if siloed_bodies.nunique() > max_bodies:
            findings.append(_siloed_summary(departments, name, overlap_below, max_listed))
        else:
            findings.extend(_siloed_findings(departments, name, overlap_below))
        findings.append(_duplication_finding(duplicated, name, max_listed))
    sector = ei.get("sector") if ei else None
    if sector:
        findings.append(_sector_finding(sector, alpha))
    department = ei.get("department") if ei else None
    if department:
        if len(department.get("bodies", [])) > max_bodies:
            findings.append(_body_ei_summary(department, name, alpha, max_listed))
        else:
            findings.extend(_body_ei_findings(department, name, alpha))
    return findings


def _siloed_findings(departments: pd.DataFrame, name: Any, overlap_below: float) -> list[Finding]:
    findings = []
    siloed = departments[departments["siloed"].astype(bool)]
    if siloed.empty:
        n_bodies = int(departments["parent_id"].nunique())
        return [
            Finding(
                id="no-siloed-departments",
                question="silos",
                text=(
                    f"No department is siloed: each of the {len(departments):,} departments of "
                    f"the {n_bodies:,} public bodies with two or more departments has a "
                    "partnership or shared board with another department of its body, or "
                    f"shares at least {overlap_below * 100:.0f}% of its partners with one."
                ),
                figures={
                    "departments": len(departments),
                    "bodies": n_bodies,
                    "overlap_threshold": overlap_below,
                },
            )
        ]
    for body, part in siloed.groupby("parent_id", sort=True):
        all_depts = departments[departments["parent_id"] == body]
        rows: list[dict[str, Any]] = [
            {
                "department_id": str(r["department_id"]),
                "max_partner_overlap": float(r["max_partner_overlap"]),
                "duplicated_engagement": int(r["duplicated_engagement"]),
            }
            for r in part.to_dict("records")
        ]
        listed = [
            f"{name(r['department_id'])}: overlap at most {r['max_partner_overlap']:.2f} with "
            f"any other department; it shares "
            f"{_count_word(r['duplicated_engagement'], 'organisation')} with a department it "
            "does not coordinate with."
            for r in rows
        ]
        k = len(rows)
        body_name = name(str(body))
        whose = "its" if k == 1 else "each one's"
        text = (
            f"{k} of the {len(all_depts)} departments of {body_name} "
            f"{'is' if k == 1 else 'are'} siloed: {'it has' if k == 1 else 'none of them has'} "
            f"a partnership or shared board with any other department of {body_name}, and "
            f"{whose} partner overlap with every other department is "
            f"below {overlap_below:g} (overlap: the share of two departments' combined partners "
            f"that both deal with). {' '.join(listed)}"
        )
        findings.append(
            Finding(
                id=f"siloed-departments-{body}",
                question="silos",
                text=text,
                figures={
                    "parent_id": str(body),
                    "siloed": k,
                    "departments": len(all_depts),
                    "overlap_threshold": overlap_below,
                    "siloed_departments": rows,
                },
            )
        )
    return findings


def _siloed_summary(
    departments: pd.DataFrame, name: Any, overlap_below: float, max_listed: int
) -> Finding:
    """One finding for many bodies with siloed departments: how many, and the
    bodies with the most siloed departments (ties broken by id)."""
    table = departments.assign(siloed=departments["siloed"].astype(bool))
    per_body = (
        table.groupby("parent_id", sort=True)
        .agg(siloed=("siloed", "sum"), departments=("siloed", "size"))
        .astype("int64")
    )
    affected = per_body[per_body["siloed"] > 0]
    affected = affected.reset_index().sort_values(
        ["siloed", "parent_id"], ascending=[False, True], kind="stable"
    )
    top = affected.head(max_listed).to_dict("records")
    k = int(affected["siloed"].sum())
    b = len(affected)
    more = b - len(top)
    examples = [
        f"{name(str(r['parent_id']))} ({r['siloed']} of {r['departments']} departments)"
        for r in top
    ]
    text = (
        f"{k:,} departments of {b:,} of the {len(per_body):,} public bodies with two or more "
        "departments are siloed: none of them has a partnership or shared board with any "
        "other department of its body, and each one's partner overlap with every other "
        f"department of its body is below {overlap_below:g} (overlap: the share of two "
        "departments' combined partners that both deal with). Most siloed departments: "
        f"{_list_words(examples)}"
        f"{f', and {more} more {_body_word(more)}' if more else ''}. departments.csv lists every "
        "department."
    )
    return Finding(
        id="siloed-departments",
        question="silos",
        text=text,
        figures={
            "siloed": k,
            "bodies": b,
            "bodies_with_departments": len(per_body),
            "overlap_threshold": overlap_below,
            "bodies_not_listed": more,
            "examples": [
                {
                    "parent_id": str(r["parent_id"]),
                    "siloed": int(r["siloed"]),
                    "departments": int(r["departments"]),
                }
                for r in top
            ],
        },
    )


def _duplication_finding(duplicated: pd.DataFrame, name: Any, max_listed: int) -> Finding:
    n = len(duplicated)
    if n == 0:
        return Finding(
            id="duplicated-engagement",
            question="silos",
            text=(
                "No organisation is dealt with by two or more departments of the same body "
                "that lack a partnership or shared board between them."
            ),
            figures={"organisations": 0},
        )
    top = duplicated.head(max_listed).to_dict("records")
    examples = [
        f"{r['name']} ({int(r['count'])} departments of {name(str(r['parent_id']))})" for r in top
    ]
    distinct = int(duplicated["org_id"].nunique())
    return Finding(
        id="duplicated-engagement",
        question="silos",
        text=(
            f"{distinct:,} {'organisation is' if distinct == 1 else 'organisations are'} dealt "
            "with separately by two or more departments of the same public body that have no "
            "partnership or shared board between them: several conversations with the same "
            f"organisation. For example: {_list_words(examples)}."
        ),
        figures={
            "organisations": distinct,
            "rows": n,
            "examples": [
                {
                    "org_id": str(r["org_id"]),
                    "parent_id": str(r["parent_id"]),
                    "count": int(r["count"]),
                }
                for r in top
            ],
        },
    )


def _significance(
    ei: float, expected: float, p: float, alpha: float, *, lower: str, higher: str
) -> str:
    """A sentence on the permutation test: ``lower`` says what an index below the
    expected one means, ``higher`` what one above it means."""
    if p < alpha:
        return f"{lower if ei < expected else higher} (p = {_p(p)}, below {alpha:g})."
    return (
        f"The difference from chance is not statistically significant (p = {_p(p)}; "
        f"{alpha:g} or less would be needed)."
    )


def _sector_finding(sector: Mapping[str, Any], alpha: float) -> Finding:
    figures = {
        "ei": sector.get("ei"),
        "expected": sector.get("expected"),
        "p_value": sector.get("p_value"),
        "internal": sector.get("internal"),
        "external": sector.get("external"),
        "n_permutations": sector.get("n_permutations"),
        "ei_closed": -1,
        "ei_open": 1,
        "alpha": alpha,
    }
    if sector.get("ei") is None or sector.get("p_value") is None:
        return Finding(
            "ei-sector",
            "silos",
            "Too little data to say whether ties stay within sectors: no tie joins two "
            "organisations.",
            figures,
        )
    ei, expected, p = float(sector["ei"]), float(sector["expected"]), float(sector["p_value"])
    text = (
        f"Of {int(sector['internal']) + int(sector['external']):,} ties, "
        f"{int(sector['internal']):,} stay within a sector and {int(sector['external']):,} cross "
        f"sectors: an E-I index of {ei:.2f} (-1 would mean every tie stays within its sector, "
        f"+1 that every tie crosses). With sectors shuffled at random "
        f"({int(sector['n_permutations']):,} times) it would be about {expected:.2f}. "
        + _significance(
            ei,
            expected,
            p,
            alpha,
            lower="Ties stay within sectors more than chance would give",
            higher="Ties cross sectors more than chance would give",
        )
    )
    figures["total_ties"] = int(sector["internal"]) + int(sector["external"])
    return Finding("ei-sector", "silos", text, figures)


def _body_ei_findings(department: Mapping[str, Any], name: Any, alpha: float) -> list[Finding]:
    findings = []
    for body in department.get("bodies", []):
        parent = str(body["parent_id"])
        figures = {k: body.get(k) for k in ("units", "internal", "external", "ei", "expected")}
        figures.update(p_value=body.get("p_value"), alpha=alpha, parent_id=parent)
        if body.get("ei") is None or body.get("p_value") is None:
            text = (
                f"Too little data for {name(parent)}: its {body['units']} units (the body and "
                "its departments) have no ties in the network, so how far they work together "
                "cannot be measured."
            )
        else:
            ei, expected, p = float(body["ei"]), float(body["expected"]), float(body["p_value"])
            text = (
                f"The {body['units']} units of {name(parent)} (the body and its departments) "
                f"have {body['internal']:,} ties among themselves and {body['external']:,} with "
                f"other organisations: an E-I index of {ei:.2f}, against about {expected:.2f} "
                "for a random set of as many organisations. "
                + _significance(
                    ei,
                    expected,
                    p,
                    alpha,
                    lower="Its units are tied to one another more than chance would give",
                    higher="Its units are tied to one another less than chance would give",
                )
            )
            if p >= alpha and ei >= expected:
                text += " There is no sign that its units work together more than chance."
        findings.append(Finding(f"ei-body-{parent}", "silos", text, figures))
    return findings


def _body_ei_summary(
    department: Mapping[str, Any], name: Any, alpha: float, max_listed: int
) -> Finding:
    """One finding for many bodies' E-I indices: how many are more inward, more
    outward or no different from chance, naming the most outward (the least
    joined-up) bodies whose difference is significant."""
    bodies = list(department.get("bodies", []))
    measured = [b for b in bodies if b.get("ei") is not None and b.get("p_value") is not None]
    significant = [b for b in measured if float(b["p_value"]) < alpha]
    inward = [b for b in significant if float(b["ei"]) < float(b["expected"])]
    outward = sorted(
        (b for b in significant if float(b["ei"]) >= float(b["expected"])),
        key=lambda b: (-(float(b["ei"]) - float(b["expected"])), str(b["parent_id"])),
    )
    unclear = len(measured) - len(significant)
    no_ties = len(bodies) - len(measured)
    text = (
        f"Of the {len(bodies):,} public bodies with two or more departments, "
        f"{len(inward):,} have units (the body and its departments) tied to one another more "
        f"than chance would give, {len(outward):,} less than chance (p below {alpha:g} for "
        f"each), and for {unclear:,} the difference from chance is not statistically "
        "significant"
        + (f"; {no_ties:,} have no ties in the network, so cannot be measured" if no_ties else "")
        + ". Chance here is a random set of as many organisations."
    )
    top = outward[:max_listed]
    if top:
        listed = [
            f"{name(str(b['parent_id']))} (E-I index {float(b['ei']):.2f} against about "
            f"{float(b['expected']):.2f}, p = {_p(float(b['p_value']))})"
            for b in top
        ]
        text += f" Least joined-up: {_list_words(listed)}."
    text += " summary.json holds every body's figures."
    return Finding(
        id="ei-bodies",
        question="silos",
        text=text,
        figures={
            "bodies": len(bodies),
            "more_inward": len(inward),
            "more_outward": len(outward),
            "not_significant": unclear,
            "no_ties": no_ties,
            "alpha": alpha,
            "least_joined_up": [
                {k: b.get(k) for k in ("parent_id", "ei", "expected", "p_value")} for b in top
            ],
        },
    )
