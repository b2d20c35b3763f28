"""Comparison over time (DESIGN section 5): two datasets of the same place, say 2024
and 2025, give the ties that are new and lost, the organisations that joined or
left, those that gained or lost board seats, the departments that started or
stopped being siloed, the brokers whose roles grew or shrank, the change in every
headline figure, and permutation tests of the changes the findings test within
one year (:mod:`partnernet.analysis.change_tests`) — the evidence a Covenant
monitor needs year on year.

Organisations are matched across the years by id; :func:`apply_aliases` first
maps renamed ids to one id (an aliases file, ``alias,id``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from partnernet.analysis.change_tests import ChangeTest, change_tests
from partnernet.analysis.populations import EXCLUSION_TYPES, SMALL_BANDS, band_of
from partnernet.analysis.records import Record
from partnernet.analysis.results import BROKERAGE_ROLES, Results
from partnernet.model import Dataset

__all__ = [
    "BOARD_SEAT_CHANGE_COLUMNS",
    "BROKER_CHANGE_COLUMNS",
    "CHANGE_COLUMNS",
    "DEPARTMENT_CHANGE_COLUMNS",
    "HEADLINE_COLUMNS",
    "HEADLINE_FIGURES",
    "ORGANISATION_CHANGE_COLUMNS",
    "TIE_CHANGE_COLUMNS",
    "Comparison",
    "apply_aliases",
    "compare",
    "headline_figures",
    "matched",
]

TIE_CHANGE_COLUMNS = ("source", "source_name", "target", "target_name", "change", "layers")
ORGANISATION_CHANGE_COLUMNS = ("id", "name", "type", "size_band", "change")
BOARD_SEAT_CHANGE_COLUMNS = ("id", "name", "size_band", "before", "after", "change")
DEPARTMENT_CHANGE_COLUMNS = ("id", "name", "parent_id", "before", "after", "change")
BROKER_CHANGE_COLUMNS = ("id", "name", "role", "before", "after", "change")
HEADLINE_COLUMNS = ("figure", "before", "after", "change")
# changes.csv: one row per change, whatever its kind.
CHANGE_COLUMNS = ("kind", "id", "name", "other_id", "other_name", "layer", "before", "after")


def _get(*path: str) -> Callable[[Results], Any]:
    def read(results: Results) -> Any:
        value: Any = results.summary
        for key in path:
            value = value.get(key) if isinstance(value, Record) else None
        return value

    return read


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _small_funding_share(results: Results) -> float | None:
    rows = results.metrics[results.metrics["type"].isin(EXCLUSION_TYPES)]
    known = rows[rows["size_band"].map(band_of) != "unknown"]
    total = float(known["funding_received"].sum())
    small = float(known.loc[known["size_band"].isin(SMALL_BANDS), "funding_received"].sum())
    return small / total if total > 0 else None


def _known_band_share(results: Results) -> float | None:
    rows = results.metrics[results.metrics["type"].isin(EXCLUSION_TYPES)]
    return _ratio(int((rows["size_band"].map(band_of) != "unknown").sum()), len(rows))


def _small_reaching_decision(results: Results) -> float | None:
    rows = results.metrics[
        results.metrics["type"].isin(EXCLUSION_TYPES)
        & results.metrics["size_band"].isin(SMALL_BANDS)
    ]
    reach = rows["distance_to_decision"].astype(float).map(lambda d: d != float("inf"))
    return _ratio(int(reach.sum()), len(rows))


def _coordinating_departments(results: Results) -> int:
    return int((results.departments["coordination_ties"] > 0).sum())


def _ties_dated(results: Results) -> float | None:
    period = results.summary.period
    dated = period.awards_dated + period.memberships.dated + period.partnerships.dated
    rows = period.awards + period.memberships.rows + period.partnerships.rows
    return _ratio(dated, rows)


def _gap(test: str) -> Callable[[Results], Any]:
    def read(results: Results) -> Any:
        record = results.summary.small_vs_large[test]
        if record.group_value is None or record.rest_value is None:
            return None
        return record.group_value - record.rest_value

    return read


# The headline figures of a run, in the order a reader meets them in the report:
# name -> (how it is read from a run, its kind: "count", "share" or "index").
HEADLINE_FIGURES: dict[str, tuple[Callable[[Results], Any], str]] = {
    "organisations": (_get("network", "organisations"), "count"),
    "ties": (_get("network", "ties"), "count"),
    "density": (_get("network", "density"), "index"),
    "components": (_get("network", "components"), "count"),
    "isolated organisations": (_get("network", "isolates"), "count"),
    "degree centralisation": (_get("network", "degree_centralisation"), "index"),
    "average clustering": (_get("network", "average_clustering"), "index"),
    "average path length (largest part)": (_get("network", "average_path_length"), "index"),
    "modularity": (_get("network", "modularity"), "index"),
    "small orgs: share with a board seat": (
        _get("small_vs_large", "board_seat_share", "group_value"),
        "share",
    ),
    "larger orgs: share with a board seat": (
        _get("small_vs_large", "board_seat_share", "rest_value"),
        "share",
    ),
    "board seat gap (small minus larger)": (_gap("board_seat_share"), "share"),
    "small orgs: mean ties": (_get("small_vs_large", "degree", "group_value"), "index"),
    "larger orgs: mean ties": (_get("small_vs_large", "degree", "rest_value"), "index"),
    "ties gap (small minus larger)": (_gap("degree"), "index"),
    "funding share of small orgs": (_small_funding_share, "share"),
    "funding Gini": (_get("funding_concentration", "gini"), "index"),
    "funding share of top 10%": (_get("funding_concentration", "top_share"), "share"),
    "E-I index by sector": (_get("ei", "sector", "ei"), "index"),
    "routes via infrastructure (share)": (_get("infrastructure_path_share", "share"), "share"),
    "small orgs with a route to a decision maker": (_small_reaching_decision, "share"),
    "departments coordinating with a sibling": (_coordinating_departments, "count"),
    "siloed departments": (
        lambda r: int(r.departments["siloed"].astype(bool).sum()),
        "count",
    ),
    "organisations with duplicated engagement": (lambda r: len(r.duplicated), "count"),
    "under-connected groups": (lambda r: int(r.groups["flagged"].astype(bool).sum()), "count"),
    "orgs with a known size band": (_known_band_share, "share"),
    "ties dated": (_ties_dated, "share"),
}


def headline_figures(results: Results) -> dict[str, float | int | None]:
    """The figures a year-on-year comparison tracks, by plain-English name."""
    out: dict[str, float | int | None] = {}
    for name, (read, _kind) in HEADLINE_FIGURES.items():
        value = read(results)
        out[name] = None if value is None else value
    return out


@dataclass(frozen=True)
class Comparison:
    """What changed between two runs; each table has the columns named in this module.

    ``before`` and ``after`` are the two runs themselves (ids already matched), so
    the page and the difference map read them and recompute nothing.
    """

    ties: pd.DataFrame
    organisations: pd.DataFrame
    board_seats: pd.DataFrame
    departments: pd.DataFrame
    brokers: pd.DataFrame
    headline: pd.DataFrame
    tests: tuple[ChangeTest, ...]
    before: Results
    after: Results

    def changes(self) -> pd.DataFrame:
        """Every change as one row of ``CHANGE_COLUMNS`` (changes.csv)."""
        rows: list[dict[str, Any]] = []
        for t in self.ties.itertuples(index=False):
            rows.append(
                {
                    "kind": f"{t.change} tie",
                    "id": t.source,
                    "name": t.source_name,
                    "other_id": t.target,
                    "other_name": t.target_name,
                    "layer": t.layers,
                }
            )
        for o in self.organisations.itertuples(index=False):
            rows.append({"kind": str(o.change), "id": o.id, "name": o.name, "layer": ""})
        for s in self.board_seats.itertuples(index=False):
            kind = "gained board seats" if s.change > 0 else "lost board seats"
            rows.append(
                {"kind": kind, "id": s.id, "name": s.name, "before": s.before, "after": s.after}
            )
        for d in self.departments.itertuples(index=False):
            rows.append(
                {
                    "kind": str(d.change),
                    "id": d.id,
                    "name": d.name,
                    "other_id": d.parent_id,
                    "before": d.before,
                    "after": d.after,
                }
            )
        for b in self.brokers.itertuples(index=False):
            grew = "grew" if b.change > 0 else "shrank"
            rows.append(
                {
                    "kind": f"{b.role} brokerage {grew}",
                    "id": b.id,
                    "name": b.name,
                    "before": b.before,
                    "after": b.after,
                }
            )
        frame = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
        for column in ("before", "after"):
            frame[column] = frame[column].astype("Int64")
        return frame


def compare(
    old: Results, new: Results, *, n_permutations: int | None = None, seed: int | None = None
) -> Comparison:
    """Compare two runs of the same place, from the graphs and figures they carry.

    Parameters
    ----------
    old, new : the two runs' results (analysed with the same layers, or the tie
        changes mix layer choice with real change), ids matched across the years
        (:func:`apply_aliases` before analysing).
    n_permutations, seed : for the change tests; by default the new run's.

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> orgs = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...                      "type": ["vcse", "vcse", "local_authority"]})
    >>> before = Dataset.from_frames(organisations=orgs, partnerships=pd.DataFrame(
    ...     {"source_id": ["a"], "target_id": ["c"]}))
    >>> after = Dataset.from_frames(organisations=orgs, partnerships=pd.DataFrame(
    ...     {"source_id": ["b"], "target_id": ["c"]}))
    >>> result = compare(analyse(before, permutations=100), analyse(after, permutations=100))
    >>> result.ties[["source", "target", "change"]].values.tolist()
    [['b', 'c', 'new'], ['a', 'c', 'lost']]
    """
    settings = new.summary.settings
    return Comparison(
        ties=_tie_changes(old.graph, new.graph),
        organisations=_organisation_changes(old.graph, new.graph),
        board_seats=_board_seat_changes(old.metrics, new.metrics),
        departments=_department_changes(old, new),
        brokers=_broker_changes(old, new),
        headline=_headline_changes(old, new),
        tests=change_tests(
            old.metrics,
            new.metrics,
            old.graph,
            new.graph,
            n_permutations=settings.permutations if n_permutations is None else n_permutations,
            seed=settings.seed if seed is None else seed,
        ),
        before=old,
        after=new,
    )


# Where each table names an organisation, by table and column.
_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": ("id", "parent_id"),
    "boards": ("convener_id",),
    "memberships": ("org_id",),
    "funding": ("funder_id", "recipient_id"),
    "partnerships": ("source_id", "target_id"),
    "affiliations": ("org_id",),
}


def apply_aliases(ds: Dataset, aliases: Mapping[str, str]) -> Dataset:
    """``ds`` with every organisation id that is an alias replaced by its id.

    An organisation renamed between the years is then one organisation. When a
    year lists both the alias and its id (a year that spans the renaming), the
    two become one organisation under its id, keeping the id's own row.

    Examples
    --------
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["old-id", "new-id"], "name": ["A", "A (new)"], "type": ["vcse", "vcse"]}))
    >>> apply_aliases(ds, {"old-id": "new-id"}).organisations[["id", "name"]].values.tolist()
    [['new-id', 'A (new)']]
    >>> two = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["x1", "x2"], "name": ["X", "X too"], "type": ["vcse", "vcse"]}))
    >>> apply_aliases(two, {"x1": "X", "x2": "X"}).organisations[["id", "name"]].values.tolist()
    [['X', 'X']]
    """
    if not aliases:
        return ds
    ids = set(ds.organisations["id"])
    merged = {alias for alias, target in aliases.items() if alias in ids and target in ids}
    tables = {}
    for table, frame in ds.tables().items():
        out = frame[~frame["id"].isin(merged)] if table == "organisations" else frame.copy()
        out = out.copy()
        for column in _ID_COLUMNS.get(table, ()):
            out[column] = out[column].map(lambda v: aliases.get(v, v) if isinstance(v, str) else v)
        if table == "organisations":
            # Two aliases of one id that this year lacks: one organisation, the first
            # row kept (as a year listing the id itself keeps the id's own row).
            out = out.drop_duplicates("id", keep="first")
        tables[table] = out
    return Dataset.from_frames(**tables)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _tie_changes(old: nx.Graph, new: nx.Graph) -> pd.DataFrame:
    old_ties = {_pair(a, b): d for a, b, d in old.edges(data=True)}
    new_ties = {_pair(a, b): d for a, b, d in new.edges(data=True)}
    rows = []
    for change, here, there, graph in (
        ("new", new_ties, old_ties, new),
        ("lost", old_ties, new_ties, old),
    ):
        for pair in sorted(set(here) - set(there)):
            a, b = pair
            rows.append(
                {
                    "source": a,
                    "source_name": graph.nodes[a].get("name"),
                    "target": b,
                    "target_name": graph.nodes[b].get("name"),
                    "change": change,
                    "layers": ";".join(here[pair].get("layers", ())),
                }
            )
    return pd.DataFrame(rows, columns=list(TIE_CHANGE_COLUMNS))


def _organisation_changes(old: nx.Graph, new: nx.Graph) -> pd.DataFrame:
    rows = [
        {
            "id": n,
            "name": graph.nodes[n].get("name"),
            "type": graph.nodes[n].get("type"),
            "size_band": graph.nodes[n].get("size_band"),
            "change": c,
        }
        for c, graph, other in (("joined", new, old), ("left", old, new))
        for n in sorted(set(graph) - set(other))
    ]
    return pd.DataFrame(rows, columns=list(ORGANISATION_CHANGE_COLUMNS))


def _board_seat_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    before = old.set_index("id")
    after = new.set_index("id")
    ids = sorted(set(before.index) | set(after.index))
    rows = []
    for org in ids:
        seats_before = int(before["board_seats"].get(org, 0))
        seats_after = int(after["board_seats"].get(org, 0))
        if seats_before == seats_after:
            continue
        source = after if org in after.index else before
        rows.append(
            {
                "id": org,
                "name": source.at[org, "name"],
                "size_band": source.at[org, "size_band"],
                "before": seats_before,
                "after": seats_after,
                "change": seats_after - seats_before,
            }
        )
    return pd.DataFrame(rows, columns=list(BOARD_SEAT_CHANGE_COLUMNS))


def _department_changes(old: Results, new: Results) -> pd.DataFrame:
    """Departments in both years whose siloed status changed."""
    before = old.departments.set_index("department_id")
    after = new.departments.set_index("department_id")
    rows = []
    for dept in sorted(set(before.index) & set(after.index)):
        was, now = bool(before.at[dept, "siloed"]), bool(after.at[dept, "siloed"])
        if was == now:
            continue
        rows.append(
            {
                "id": dept,
                "name": new.graph.nodes[dept].get("name") if dept in new.graph else dept,
                "parent_id": after.at[dept, "parent_id"],
                "before": int(was),
                "after": int(now),
                "change": "started being siloed" if now else "stopped being siloed",
            }
        )
    return pd.DataFrame(rows, columns=list(DEPARTMENT_CHANGE_COLUMNS))


def _broker_changes(old: Results, new: Results) -> pd.DataFrame:
    """Brokerage role counts that changed, for the top brokers of either year."""
    before = old.metrics.set_index("id")
    after = new.metrics.set_index("id")
    brokers = list(dict.fromkeys(new.top_brokers + old.top_brokers))
    rows = []
    for org in brokers:
        source = after if org in after.index else before
        for role in BROKERAGE_ROLES:
            was = int(before[role].get(org, 0)) if org in before.index else 0
            now = int(after[role].get(org, 0)) if org in after.index else 0
            if was != now:
                rows.append(
                    {
                        "id": org,
                        "name": source.at[org, "name"],
                        "role": role,
                        "before": was,
                        "after": now,
                        "change": now - was,
                    }
                )
    return pd.DataFrame(rows, columns=list(BROKER_CHANGE_COLUMNS))


def _headline_changes(old: Results, new: Results) -> pd.DataFrame:
    before = headline_figures(old)
    after = headline_figures(new)
    rows = []
    for name in HEADLINE_FIGURES:
        a, b = before[name], after[name]
        change = b - a if isinstance(a, int | float) and isinstance(b, int | float) else None
        rows.append({"figure": name, "before": a, "after": b, "change": change})
    return pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))


def matched(old: Dataset, new: Dataset, aliases: Mapping[str, str]) -> tuple[Dataset, Dataset]:
    """Both datasets with ``aliases`` applied (ids matched across the years)."""
    return apply_aliases(old, aliases), apply_aliases(new, aliases)
