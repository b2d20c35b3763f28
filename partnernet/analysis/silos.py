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

from collections.abc import Iterable
from itertools import combinations

import pandas as pd

from partnernet.analysis.results import DEPARTMENT_COLUMNS
from partnernet.model import Dataset

__all__ = [
    "DUPLICATION_COLUMNS",
    "SILO_OVERLAP_BELOW",
    "coordination_ties",
    "department_table",
    "departments_by_body",
    "duplicated_engagement",
    "overlap_matrices",
    "partner_sets",
    "units_of",
]

# A department whose partner overlap with every sibling is below this (and that
# has no coordination tie) is siloed.
SILO_OVERLAP_BELOW = 0.1
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


def units_of(body: str, departments: Iterable[str]) -> set[str]:
    """A body's units: the body itself and its departments."""
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
            own[d] = units_of(body, depts)
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
