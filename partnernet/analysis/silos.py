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
- A department's **active period** runs from its first to its last dated tie:
  the award dates of the funding it gives or receives, and the start and end dates
  of its partnerships and board memberships (each date present counts; a tie with a
  start and no end counts at its start). A department with no dated tie has an
  unknown period, which is never taken to rule anything out.
- Two siblings are **concurrent** unless their periods are in sequence: they do
  not overlap at all, or the one that starts first has its last dated tie no more
  than ``HANDOVER_DAYS`` (92, a quarter) after the other's first while the other
  goes on after it ends (one period inside the other, or two on the same day, is
  always concurrent). Overlap is
  measured in days, never in calendar years: a department whose last grant is in
  August 2020 and one whose first is in September 2020 are in sequence, and a
  handover of up to a quarter (a few grants of the old name after the new one
  starts) still counts as one replacing the other. Siblings with an unknown period
  are concurrent.
- A **likely renaming**: two siblings in sequence, the later starting no more than
  ``RENAMING_GAP_DAYS`` (365) after the earlier's last dated tie, where the
  organisations both deal with are at least ``RENAMING_SHARED_AT_LEAST`` (0.25) of
  the smaller partner set and at least ``RENAMING_MIN_SHARED`` (2) organisations
  (one department carried on under a new name, keeping many of its partners).
  Each department has at most one successor and one predecessor: the pairs sharing
  the largest share of partners are matched first.
- A department is **siloed** when it has at least one concurrent sibling, no
  coordination tie to any concurrent sibling, and overlap below
  ``SILO_OVERLAP_BELOW`` (0.1) with every concurrent sibling. A department with no
  concurrent sibling had nobody to coordinate with, so is not siloed.
- **Duplicated engagement**: an organisation dealt with by two or more concurrent
  sibling departments that have no coordination tie between them ("several
  conversations with the same body"). Only the uncoordinated concurrent pairs
  count: an organisation dealt with by four departments, three of which
  coordinate, has three uncoordinated pairs (each of the three with the fourth).
- Coordination can only be seen in partnerships and board memberships
  (:func:`coordination_observable`); with neither in the data every pair looks
  uncoordinated, and the findings say so instead of calling departments siloed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from partnernet.analysis.results import DEPARTMENT_COLUMNS, RENAMING_COLUMNS
from partnernet.model import Dataset, column_rows, sector_of

__all__ = [
    "DUPLICATION_COLUMNS",
    "HANDOVER_DAYS",
    "RENAMING_COLUMNS",
    "RENAMING_GAP_DAYS",
    "RENAMING_MIN_SHARED",
    "RENAMING_SHARED_AT_LEAST",
    "SILO_OVERLAP_BELOW",
    "ActivePeriod",
    "Engagement",
    "active_periods",
    "concurrency_matrix",
    "concurrent",
    "coordination_observable",
    "coordination_ties",
    "department_table",
    "departments_by_body",
    "duplicated_engagement",
    "jaccard_matrix",
    "likely_renamings",
    "overlap_matrices",
    "partner_sets",
    "units_of",
]

# A department whose partner overlap with every concurrent sibling is below this
# (and that has no coordination tie) is siloed.
SILO_OVERLAP_BELOW = 0.1
# Periods in sequence may overlap by up to this many days (a handover).
HANDOVER_DAYS = 92
# A successor must start within this many days of its predecessor's last tie ...
RENAMING_GAP_DAYS = 365
# ... and share at least this share of the smaller partner set with it, and at
# least this many organisations (one shared grantee is a coincidence, not a
# handover).
RENAMING_SHARED_AT_LEAST = 0.25
RENAMING_MIN_SHARED = 2
DUPLICATION_COLUMNS: tuple[str, ...] = (
    "org_id",
    "name",
    "sector",  # the organisation's sector (model.sector_of): "public" for statutory partners
    "parent_id",
    "departments",  # ';'-joined ids of the departments in the uncoordinated pairs
    "count",  # how many departments that is
    "pairs",  # ';'-joined uncoordinated concurrent pairs, each "a|b" (a < b)
    "uncoordinated_pairs",  # how many pairs
)


@dataclass(frozen=True)
class ActivePeriod:
    """A department's first and last dated tie (both None when it has none), and
    how many of its ties carry a date."""

    first: pd.Timestamp | None
    last: pd.Timestamp | None
    dated: int

    @property
    def known(self) -> bool:
        return self.first is not None and self.last is not None


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
    for board, org in column_rows(ds.memberships, "board_id", "org_id"):
        members.setdefault(board, set()).add(org)
    return members


def partner_sets(
    ds: Dataset, *, bodies: Mapping[str, list[str]] | None = None
) -> dict[str, set[str]]:
    """Each analysed department's partners (see the module doc), by department id;
    ``bodies`` is :func:`departments_by_body` of ``ds`` when already known.

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
    bodies = departments_by_body(ds) if bodies is None else bodies
    own: dict[str, set[str]] = {}
    for body, depts in bodies.items():
        for d in depts:
            own[d] = units_of(body, depts)
    partners: dict[str, set[str]] = {d: set() for d in own}

    def add(dept: str, other: str) -> None:
        if dept in partners and other not in own[dept]:
            partners[dept].add(other)

    # Only rows that touch a department can add a partner: the rest are skipped
    # in one vectorised filter (most of a region's rows touch none).
    f = ds.funding
    f = f.loc[f["funder_id"].isin(partners.keys()), ["funder_id", "recipient_id"]]
    for funder, recipient in column_rows(f, "funder_id", "recipient_id"):
        add(funder, recipient)
    p = ds.partnerships
    p = p.loc[
        p["source_id"].isin(partners.keys()) | p["target_id"].isin(partners.keys()),
        ["source_id", "target_id"],
    ]
    for source, target in column_rows(p, "source_id", "target_id"):
        add(source, target)
        add(target, source)
    for members in _board_members(ds).values():
        for dept in members & partners.keys():
            for other in members:
                add(dept, other)
    return partners


def coordination_ties(
    ds: Dataset, *, bodies: Mapping[str, list[str]] | None = None
) -> dict[str, set[frozenset[str]]]:
    """The coordinated pairs of sibling departments, by parent id (``bodies`` as
    for :func:`partner_sets`).

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
    bodies = departments_by_body(ds) if bodies is None else bodies
    parent_of = {d: body for body, depts in bodies.items() for d in depts}
    ties: dict[str, set[frozenset[str]]] = {body: set() for body in bodies}

    def tie(a: str, b: str) -> None:
        if a != b and a in parent_of and parent_of.get(b) == parent_of[a]:
            ties[parent_of[a]].add(frozenset((a, b)))

    for source, target in column_rows(ds.partnerships, "source_id", "target_id"):
        tie(source, target)
    for members in _board_members(ds).values():
        for a, b in combinations(sorted(members & parent_of.keys()), 2):
            tie(a, b)
    return ties


def coordination_observable(ds: Dataset) -> bool:
    """Whether the data could show two departments coordinating: it has
    partnerships or board memberships (a coordination tie is one of those).

    Examples
    --------
    >>> coordination_observable(Dataset.from_frames())
    False
    """
    return len(ds.partnerships) > 0 or len(ds.memberships) > 0


def active_periods(
    ds: Dataset, *, bodies: Mapping[str, list[str]] | None = None
) -> dict[str, ActivePeriod]:
    """Each analysed department's active period (see the module doc), by id
    (``bodies`` as for :func:`partner_sets`).

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "a"], "name": list("CHSA"),
    ...          "type": ["local_authority", "department", "department", "vcse"],
    ...          "parent_id": [None, "c", "c", None]}),
    ...     funding=pd.DataFrame({"id": ["1", "2"], "funder_id": ["h", "h"],
    ...                           "recipient_id": ["a", "a"], "amount": [1.0, 1.0],
    ...                           "award_date": ["2013-01-18", "2020-08-12"]}))
    >>> p = active_periods(ds)
    >>> str(p["h"].first.date()), str(p["h"].last.date()), p["h"].dated, p["s"].known
    ('2013-01-18', '2020-08-12', 2, False)
    """
    bodies = departments_by_body(ds) if bodies is None else bodies
    depts = {d for ds_ in bodies.values() for d in ds_}
    dates: dict[str, list[pd.Timestamp]] = {d: [] for d in depts}
    dated: dict[str, int] = dict.fromkeys(depts, 0)

    def add(org: str, *stamps: object) -> None:
        if org not in dates:
            return
        present = [pd.Timestamp(x) for x in stamps if not pd.isna(x)]
        if present:
            dates[org].extend(present)
            dated[org] += 1

    # Rows that touch no department add nothing: filtered out first, in order.
    f = ds.funding
    f = f[f["funder_id"].isin(depts) | f["recipient_id"].isin(depts)]
    for funder, recipient, when in column_rows(f, "funder_id", "recipient_id", "award_date"):
        add(funder, when)
        add(recipient, when)
    p = ds.partnerships
    p = p[p["source_id"].isin(depts) | p["target_id"].isin(depts)]
    starts = p["start"] if "start" in p else pd.Series([pd.NaT] * len(p), index=p.index)
    ends = p["end"] if "end" in p else pd.Series([pd.NaT] * len(p), index=p.index)
    for source, target, start, end in zip(
        p["source_id"], p["target_id"], starts, ends, strict=True
    ):
        add(source, start, end)
        if target != source:
            add(target, start, end)
    m = ds.memberships
    m = m[m["org_id"].isin(depts)]
    starts = m["start"] if "start" in m else pd.Series([pd.NaT] * len(m), index=m.index)
    ends = m["end"] if "end" in m else pd.Series([pd.NaT] * len(m), index=m.index)
    for org, start, end in zip(m["org_id"], starts, ends, strict=True):
        add(org, start, end)
    return {
        d: ActivePeriod(min(dates[d]), max(dates[d]), dated[d])
        if dates[d]
        else ActivePeriod(None, None, 0)
        for d in sorted(depts)
    }


def _in_sequence(a: ActivePeriod, b: ActivePeriod, handover_days: int) -> bool:
    """True when ``a`` and ``b`` are known and one follows the other."""
    if not (a.known and b.known):
        return False
    earlier, later = sorted((a, b), key=lambda p: (p.first, p.last))
    assert earlier.first is not None and earlier.last is not None
    assert later.first is not None and later.last is not None
    overlap = (earlier.last - later.first).days
    if overlap < 0:
        return True
    # One period inside the other (the same day included) is never a handover.
    within = earlier.first == later.first or later.last <= earlier.last
    return overlap <= handover_days and not within


def concurrency_matrix(
    departments: list[str],
    periods: dict[str, ActivePeriod],
    *,
    handover_days: int = HANDOVER_DAYS,
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """:func:`concurrent` for every pair of ``departments`` at once (a square
    boolean array in their order; the diagonal is True): the same rule, in days,
    fast enough for a body of hundreds of departments.

    Examples
    --------
    >>> T = pd.Timestamp
    >>> periods = {"old": ActivePeriod(T("2013-01-18"), T("2020-08-12"), 1),
    ...            "new": ActivePeriod(T("2020-08-31"), T("2024-06-19"), 1),
    ...            "x": ActivePeriod(None, None, 0)}
    >>> concurrency_matrix(["old", "new", "x"], periods).astype(int).tolist()
    [[1, 0, 1], [0, 1, 1], [1, 1, 1]]
    """
    epoch = pd.Timestamp("1970-01-01")

    def days(stamp: pd.Timestamp | None) -> float:
        return np.nan if stamp is None else float((stamp - epoch).days)

    first = np.array([days(periods[d].first) for d in departments], dtype="float64")
    last = np.array([days(periods[d].last) for d in departments], dtype="float64")
    known = ~np.isnan(first) & ~np.isnan(last)
    fi, fj = first[:, None], first[None, :]
    li, lj = last[:, None], last[None, :]
    i_first = (fi < fj) | ((fi == fj) & (li <= lj))
    first_e, first_l = np.where(i_first, fi, fj), np.where(i_first, fj, fi)
    last_e, last_l = np.where(i_first, li, lj), np.where(i_first, lj, li)
    with np.errstate(invalid="ignore"):
        overlap = last_e - first_l
        within = (first_e == first_l) | (last_l <= last_e)
        sequence = (overlap < 0) | ((overlap <= handover_days) & ~within)
    sequence &= known[:, None] & known[None, :]
    out: np.ndarray[Any, np.dtype[np.bool_]] = ~sequence
    np.fill_diagonal(out, True)
    return out


def concurrent(a: ActivePeriod, b: ActivePeriod, *, handover_days: int = HANDOVER_DAYS) -> bool:
    """Whether two departments were active at the same time (see the module doc).

    Examples
    --------
    >>> T = pd.Timestamp
    >>> old = ActivePeriod(T("2013-01-18"), T("2020-08-12"), 366)
    >>> new = ActivePeriod(T("2020-08-31"), T("2024-06-19"), 189)
    >>> concurrent(old, new), concurrent(old, ActivePeriod(T("2016-01-01"), T("2016-01-01"), 1))
    (False, True)
    >>> concurrent(old, ActivePeriod(None, None, 0))  # an unknown period rules nothing out
    True
    """
    return not _in_sequence(a, b, handover_days)


def likely_renamings(
    ds: Dataset,
    *,
    engagement: Engagement | None = None,
    handover_days: int = HANDOVER_DAYS,
    gap_days: int = RENAMING_GAP_DAYS,
    shared_at_least: float = RENAMING_SHARED_AT_LEAST,
) -> pd.DataFrame:
    """Pairs of sibling departments where one likely replaced the other (a renaming).

    ``engagement`` is :class:`Engagement` of ``ds`` when already made (so is it
    for :func:`department_table`, :func:`overlap_matrices` and
    :func:`duplicated_engagement`).

    Returns
    -------
    pd.DataFrame
        ``RENAMING_COLUMNS``, one row per pair, sorted by parent and the earlier
        department's id: ``earlier_id`` and ``later_id``, each one's first and last
        dated tie (ISO dates), ``gap_days`` (the later's first tie minus the
        earlier's last, in days; negative in a handover), ``shared`` (organisations
        both deal with), ``earlier_partners``, ``later_partners`` and
        ``shared_share`` (``shared`` over the smaller of the two).

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "old", "new", "a", "b"], "name": list("COWAB"),
    ...          "type": ["local_authority", "department", "department", "vcse", "vcse"],
    ...          "parent_id": [None, "c", "c", None, None]}),
    ...     funding=pd.DataFrame({"id": list("1234"), "funder_id": ["old", "old", "new", "new"],
    ...                           "recipient_id": ["a", "b", "a", "b"], "amount": [1.0] * 4,
    ...                           "award_date": ["2015-01-01", "2020-03-01",
    ...                                          "2020-04-01", "2023-01-01"]}))
    >>> likely_renamings(ds)[["earlier_id", "later_id", "gap_days", "shared"]].values.tolist()
    [['old', 'new', 31, 2]]
    """
    seen = Engagement.of(ds) if engagement is None else engagement
    periods, partners = seen.periods, seen.partners
    rows = []
    for body, depts in seen.bodies.items():
        together = concurrency_matrix(depts, periods, handover_days=handover_days)
        for (i, a), (j, b) in combinations(enumerate(depts), 2):
            if together[i, j]:
                continue
            pa, pb = periods[a], periods[b]
            (earlier, pe), (later, pl) = sorted(
                ((a, pa), (b, pb)), key=lambda item: (item[1].first, item[1].last)
            )
            assert pe.last is not None and pl.first is not None
            assert pe.first is not None and pl.last is not None
            gap = int((pl.first - pe.last).days)
            shared = len(partners[earlier] & partners[later])
            smaller = min(len(partners[earlier]), len(partners[later]))
            share = shared / smaller if smaller else 0.0
            if gap > gap_days or share < shared_at_least or shared < RENAMING_MIN_SHARED:
                continue
            rows.append(
                {
                    "parent_id": body,
                    "earlier_id": earlier,
                    "later_id": later,
                    "earlier_first": pe.first.strftime("%Y-%m-%d"),
                    "earlier_last": pe.last.strftime("%Y-%m-%d"),
                    "later_first": pl.first.strftime("%Y-%m-%d"),
                    "later_last": pl.last.strftime("%Y-%m-%d"),
                    "gap_days": gap,
                    "shared": shared,
                    "earlier_partners": len(partners[earlier]),
                    "later_partners": len(partners[later]),
                    "shared_share": share,
                }
            )
    # One successor per department and one predecessor: the best-matched pairs
    # (most partners shared, then the shortest gap) are taken first.
    rows.sort(key=lambda r: (-r["shared_share"], -r["shared"], abs(r["gap_days"]), r["later_id"]))
    taken_earlier: set[str] = set()
    taken_later: set[str] = set()
    matched = []
    for r in rows:
        if r["earlier_id"] in taken_earlier or r["later_id"] in taken_later:
            continue
        taken_earlier.add(r["earlier_id"])
        taken_later.add(r["later_id"])
        matched.append(r)
    table = pd.DataFrame(matched, columns=list(RENAMING_COLUMNS))
    ints = ("gap_days", "shared", "earlier_partners", "later_partners")
    table = table.astype({**{c: "int64" for c in ints}, "shared_share": "float64"})
    return table.sort_values(["parent_id", "earlier_id"], kind="stable").reset_index(drop=True)


def jaccard_matrix(partners: Mapping[str, set[str]], depts: list[str]) -> npt.NDArray[np.float64]:
    """The Jaccard overlap ``|A & B| / |A | B|`` of every pair of ``depts``' partner
    sets at once (0 when both are empty; the diagonal is 1 by convention).

    One sparse-free incidence product instead of a set operation per pair: a body
    publishing hundreds of cost centres has hundreds of thousands of pairs. The
    counts are exact integers, so each overlap is the same float as the set
    formula gives.

    Examples
    --------
    >>> jaccard_matrix({"h": {"a", "b"}, "s": {"a"}, "e": set()}, ["h", "s", "e"]).tolist()
    [[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    universe = sorted(set().union(*(partners.get(d, set()) for d in depts))) if depts else []
    column = {org: j for j, org in enumerate(universe)}
    incidence = np.zeros((len(depts), len(universe)), dtype=np.float64)
    for i, d in enumerate(depts):
        for org in partners.get(d, ()):
            incidence[i, column[org]] = 1.0
    shared = incidence @ incidence.T  # exact: sums of 0/1 far below 2**53
    sizes = incidence.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        overlap = np.where(union > 0, shared / np.where(union > 0, union, 1.0), 0.0)
    np.fill_diagonal(overlap, 1.0)
    return overlap


def overlap_matrices(
    ds: Dataset, *, engagement: Engagement | None = None
) -> dict[str, pd.DataFrame]:
    """The department x department partner overlap (Jaccard) of each body
    (``engagement``: :class:`Engagement` of ``ds`` when already made).

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
    seen = Engagement.of(ds) if engagement is None else engagement
    out: dict[str, pd.DataFrame] = {}
    for body, depts in seen.bodies.items():
        values = jaccard_matrix(seen.partners, depts)
        index = pd.Index(depts, name="department_id")
        out[body] = pd.DataFrame(values, index=index, columns=pd.Index(depts), dtype="float64")
    return out


@dataclass(frozen=True)
class Engagement:
    """What every silo table reads, made once per dataset and handed to each: the
    bodies' departments (:func:`departments_by_body`), each department's partners
    (:func:`partner_sets`), the coordinated pairs (:func:`coordination_ties`) and
    each department's active period (:func:`active_periods`)."""

    bodies: dict[str, list[str]]
    partners: dict[str, set[str]]
    ties: dict[str, set[frozenset[str]]]
    periods: dict[str, ActivePeriod]

    @classmethod
    def of(cls, ds: Dataset) -> Engagement:
        bodies = departments_by_body(ds)
        return cls(
            bodies=bodies,
            partners=partner_sets(ds, bodies=bodies),
            ties=coordination_ties(ds, bodies=bodies),
            periods=active_periods(ds, bodies=bodies),
        )


def _iso(stamp: pd.Timestamp | None) -> str | None:
    return None if stamp is None else stamp.strftime("%Y-%m-%d")


def department_table(
    ds: Dataset,
    *,
    engagement: Engagement | None = None,
    overlap_below: float = SILO_OVERLAP_BELOW,
    handover_days: int = HANDOVER_DAYS,
) -> pd.DataFrame:
    """One row per department of a public body with two or more departments.

    Returns
    -------
    pd.DataFrame
        Exactly ``DEPARTMENT_COLUMNS``, sorted by parent then department id:
        ``coordination_ties`` (int: siblings it has a coordination tie with),
        ``max_partner_overlap`` (float: its largest Jaccard overlap with a
        concurrent sibling, 0 when it has none; a department it replaced or that
        replaced it is in :func:`likely_renamings` instead), ``siloed`` (bool: see
        the module doc, over concurrent siblings), ``duplicated_engagement``
        (int: distinct partners it shares with at least one concurrent sibling
        it has no coordination tie with), ``active_from`` and ``active_to``
        (ISO dates of its first and last dated tie, None when undated) and
        ``concurrent_siblings`` (int).

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "a"], "name": list("CHSA"),
    ...          "type": ["local_authority", "department", "department", "vcse"],
    ...          "parent_id": [None, "c", "c", None]}),
    ...     partnerships=pd.DataFrame({"source_id": ["h", "s"], "target_id": ["a", "a"]}))
    >>> department_table(ds).values.tolist()
    [['h', 'c', 0, 1.0, False, 1, None, None, 1], ['s', 'c', 0, 1.0, False, 1, None, None, 1]]
    """
    seen = Engagement.of(ds) if engagement is None else engagement
    bodies, partners, ties, periods = seen.bodies, seen.partners, seen.ties, seen.periods
    rows = []
    for body, depts in bodies.items():
        together = concurrency_matrix(depts, periods, handover_days=handover_days)
        overlaps = jaccard_matrix(partners, depts)
        for i, d in enumerate(depts):
            siblings = [s for s in depts if s != d]
            alongside = [s for j, s in enumerate(depts) if j != i and together[i, j]]
            coordinated = [s for s in siblings if frozenset((d, s)) in ties[body]]
            beside = [j for j in range(len(depts)) if j != i and together[i, j]]
            overlap = float(overlaps[i, beside].max()) if beside else 0.0
            shared: set[str] = set()
            for s in alongside:
                if s not in coordinated:
                    shared |= partners[d] & partners[s]
            rows.append(
                {
                    "department_id": d,
                    "parent_id": body,
                    "coordination_ties": len(coordinated),
                    "max_partner_overlap": overlap,
                    "siloed": bool(alongside)
                    and not any(s in coordinated for s in alongside)
                    and overlap < overlap_below,
                    "duplicated_engagement": len(shared),
                    "active_from": _iso(periods[d].first),
                    "active_to": _iso(periods[d].last),
                    "concurrent_siblings": len(alongside),
                }
            )
    table = pd.DataFrame(rows, columns=list(DEPARTMENT_COLUMNS))
    table = table.astype(
        {
            "department_id": "str",
            "parent_id": "str",
            "coordination_ties": "int64",
            "max_partner_overlap": "float64",
            "siloed": "bool",
            "duplicated_engagement": "int64",
            "concurrent_siblings": "int64",
        }
    )
    for column in ("active_from", "active_to"):
        dates = table[column].astype("object")
        table[column] = dates.where(dates.notna(), None)
    return table


def duplicated_engagement(
    ds: Dataset, *, engagement: Engagement | None = None, handover_days: int = HANDOVER_DAYS
) -> pd.DataFrame:
    """Organisations dealt with separately by uncoordinated, concurrent sibling
    departments.

    For each organisation and each body, the departments of that body that count
    it as a partner are considered, and every pair of them that was active at the
    same time (:func:`concurrent`) and has no coordination tie is listed. Pairs
    that coordinate, and departments in sequence (one replacing the other), are
    not counted.

    Returns
    -------
    pd.DataFrame
        ``DUPLICATION_COLUMNS``: ``org_id``, ``name``, ``sector`` (of the
        organisation: ``public`` marks a statutory partner), ``parent_id``,
        ``departments`` (the ids of the departments in those pairs, sorted,
        ``;``-joined), ``count`` (how many departments), ``pairs`` (the pairs,
        ``a|b`` joined by ``;``) and ``uncoordinated_pairs`` (how many); one row
        per (organisation, body) with at least one such pair, most pairs first,
        then most departments, then by parent and organisation id.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame(
    ...         {"id": ["c", "h", "s", "a"], "name": ["C", "H", "S", "Age Concern"],
    ...          "type": ["local_authority", "department", "department", "vcse"],
    ...          "parent_id": [None, "c", "c", None]}),
    ...     partnerships=pd.DataFrame({"source_id": ["h", "s"], "target_id": ["a", "a"]}))
    >>> duplicated_engagement(ds).values.tolist()
    [['a', 'Age Concern', 'vcse', 'c', 'h;s', 2, 'h|s', 1]]
    """
    seen = Engagement.of(ds) if engagement is None else engagement
    bodies, partners, ties, periods = seen.bodies, seen.partners, seen.ties, seen.periods
    orgs = ds.organisations.drop_duplicates("id").set_index("id")
    names, types = orgs["name"], orgs["type"]
    rows = []
    for body, depts in bodies.items():
        together = concurrency_matrix(depts, periods, handover_days=handover_days)
        index = {d: i for i, d in enumerate(depts)}
        engaged_by: dict[str, list[str]] = {}
        for d in depts:
            for org in partners[d]:
                engaged_by.setdefault(org, []).append(d)
        for org, engaging in engaged_by.items():
            pairs = [
                (a, b)
                for a, b in combinations(sorted(engaging), 2)
                if frozenset((a, b)) not in ties[body] and together[index[a], index[b]]
            ]
            if not pairs:
                continue
            separate = sorted({d for pair in pairs for d in pair})
            org_type = types.get(org)
            rows.append(
                {
                    "org_id": org,
                    "name": str(names.get(org, org)),
                    "sector": sector_of(str(org_type)) if isinstance(org_type, str) else "vcse",
                    "parent_id": body,
                    "departments": ";".join(separate),
                    "count": len(separate),
                    "pairs": ";".join(f"{a}|{b}" for a, b in pairs),
                    "uncoordinated_pairs": len(pairs),
                }
            )
    table = pd.DataFrame(rows, columns=list(DUPLICATION_COLUMNS))
    table = table.astype(
        {
            "org_id": "str",
            "name": "str",
            "sector": "str",
            "parent_id": "str",
            "departments": "str",
            "count": "int64",
            "pairs": "str",
            "uncoordinated_pairs": "int64",
        }
    )
    table = table.sort_values(
        ["uncoordinated_pairs", "count", "parent_id", "org_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return table.reset_index(drop=True)
