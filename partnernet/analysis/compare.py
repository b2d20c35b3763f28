"""Comparison over time (DESIGN section 5): two datasets of the same place, say 2024
and 2025, give the ties that are new and lost, the organisations that joined or
left, those that gained or lost board seats, and the change in every headline
figure — the evidence a Covenant monitor needs year on year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from partnernet.analysis.records import Record
from partnernet.analysis.results import Results

__all__ = [
    "BOARD_SEAT_CHANGE_COLUMNS",
    "HEADLINE_COLUMNS",
    "ORGANISATION_CHANGE_COLUMNS",
    "TIE_CHANGE_COLUMNS",
    "Comparison",
    "compare",
    "headline_figures",
]

TIE_CHANGE_COLUMNS = ("source", "source_name", "target", "target_name", "change", "layers")
ORGANISATION_CHANGE_COLUMNS = ("id", "name", "type", "change")
BOARD_SEAT_CHANGE_COLUMNS = ("id", "name", "size_band", "before", "after", "change")
HEADLINE_COLUMNS = ("figure", "before", "after", "change")


def _get(*path: str) -> Callable[[Results], Any]:
    def read(results: Results) -> Any:
        value: Any = results.summary
        for key in path:
            value = value.get(key) if isinstance(value, Record) else None
        return value

    return read


# The headline figures of a run, in the order a reader meets them in the report.
_HEADLINES: dict[str, Callable[[Results], Any]] = {
    "organisations": _get("network", "organisations"),
    "ties": _get("network", "ties"),
    "density": _get("network", "density"),
    "components": _get("network", "components"),
    "isolated organisations": _get("network", "isolates"),
    "degree centralisation": _get("network", "degree_centralisation"),
    "average clustering": _get("network", "average_clustering"),
    "average path length (largest part)": _get("network", "average_path_length"),
    "modularity": _get("network", "modularity"),
    "small orgs: share with a board seat": _get(
        "small_vs_large", "board_seat_share", "group_value"
    ),
    "larger orgs: share with a board seat": _get(
        "small_vs_large", "board_seat_share", "rest_value"
    ),
    "board seat gap: p-value": _get("small_vs_large", "board_seat_share", "p_value"),
    "small orgs: mean ties": _get("small_vs_large", "degree", "group_value"),
    "larger orgs: mean ties": _get("small_vs_large", "degree", "rest_value"),
    "funding Gini": _get("funding_concentration", "gini"),
    "funding share of top 10%": _get("funding_concentration", "top_share"),
    "E-I index by sector": _get("ei", "sector", "ei"),
    "routes via infrastructure (share)": _get("infrastructure_path_share", "share"),
    "siloed departments": lambda r: int(r.departments["siloed"].astype(bool).sum()),
    "organisations with duplicated engagement": lambda r: len(r.duplicated),
    "under-connected groups": lambda r: int(r.groups["flagged"].astype(bool).sum()),
}


def headline_figures(results: Results) -> dict[str, float | int | None]:
    """The figures a year-on-year comparison tracks, by plain-English name."""
    return {name: read(results) for name, read in _HEADLINES.items()}


@dataclass(frozen=True)
class Comparison:
    """What changed between two runs; each table has the columns named in this module."""

    ties: pd.DataFrame
    organisations: pd.DataFrame
    board_seats: pd.DataFrame
    headline: pd.DataFrame

    def summary_lines(self) -> list[str]:
        """Plain-English lines naming the counts behind them."""
        ties = self.ties["change"].value_counts()
        orgs = self.organisations["change"].value_counts()
        seats = self.board_seats["change"]
        return [
            f"{int(ties.get('new', 0))} new ties and {int(ties.get('lost', 0))} lost ties.",
            f"{int(orgs.get('joined', 0))} organisations joined the data and "
            f"{int(orgs.get('left', 0))} left it.",
            f"{int((seats > 0).sum())} organisations gained board seats and "
            f"{int((seats < 0).sum())} lost them.",
        ]


def compare(old: Results, new: Results) -> Comparison:
    """Compare two runs of the same place, from the graphs and figures they carry.

    Parameters
    ----------
    old, new : the two runs' results (analysed with the same layers, or the tie
        changes mix layer choice with real change).

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
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
    return Comparison(
        ties=_tie_changes(old.graph, new.graph),
        organisations=_organisation_changes(old.graph, new.graph),
        board_seats=_board_seat_changes(old.metrics, new.metrics),
        headline=_headline_changes(old, new),
    )


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


def _headline_changes(old: Results, new: Results) -> pd.DataFrame:
    before = headline_figures(old)
    after = headline_figures(new)
    rows = []
    for name in _HEADLINES:
        a, b = before[name], after[name]
        change = b - a if isinstance(a, int | float) and isinstance(b, int | float) else None
        rows.append({"figure": name, "before": a, "after": b, "change": change})
    return pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))
