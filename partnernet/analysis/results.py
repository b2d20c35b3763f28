"""What an analysis run produces: the contract between the analyses and every
writer (CSV/JSON export, the HTML map, the report, Neo4j write-back).

All tables are pandas DataFrames with exactly the columns named below, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "BROKERAGE_ROLES",
    "DEPARTMENT_COLUMNS",
    "GROUP_COLUMNS",
    "GROUP_CSV_COLUMNS",
    "METRIC_COLUMNS",
    "REMOVAL_COLUMNS",
    "ROLE_TEST_COLUMNS",
    "SIZE_BAND_COLUMNS",
    "Finding",
    "Results",
]

BROKERAGE_ROLES: tuple[str, ...] = (
    "coordinator",
    "itinerant",
    "gatekeeper",
    "representative",
    "liaison",
)

# One row per organisation (metrics.csv).
METRIC_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "type",
    "size_band",
    "degree",  # int: distinct neighbours in the organisation graph
    "weighted_degree",  # float: sum of tie weights
    "betweenness",  # float: normalised betweenness centrality
    "constraint",  # float: Burt's constraint (NaN for isolates)
    "effective_size",  # float: Burt's effective size (NaN for isolates)
    *BROKERAGE_ROLES,  # int: Gould-Fernandez role counts
    "board_seats",  # int: boards the organisation sits on
    "funding_received",  # float: pounds received
    "funding_from_public",  # float: pounds received from public bodies
    "distance_to_decision",  # float: hops to nearest decision maker (inf: no path; 0: is one)
    "community",  # int: detected community
    "under_connected",  # bool: in at least one flagged group
)

# One row per (grouping, group) (groups.csv). ``members`` is ';'-joined org ids.
GROUP_COLUMNS: tuple[str, ...] = (
    "grouping",  # "size_band", "tag", "locality", "community"
    "group",
    "n",
    "mean_degree_ratio",
    "share_isolated",
    "share_far_from_decision",
    "flagged",
    "members",
)
# groups.csv leaves ``members`` out: a national size band has ~100,000 members, a
# cell far past a spreadsheet's limit (32,767 characters), and who belongs to
# which group is already in metrics.csv (size_band, community, under_connected)
# and organisations.csv (tags, locality).
GROUP_CSV_COLUMNS: tuple[str, ...] = tuple(c for c in GROUP_COLUMNS if c != "members")

# One row per department of a public body with two or more departments.
DEPARTMENT_COLUMNS: tuple[str, ...] = (
    "department_id",
    "parent_id",
    "coordination_ties",  # int: siblings with a direct partnership or shared board
    "max_partner_overlap",  # float: largest Jaccard overlap with a sibling
    "siloed",  # bool
    "duplicated_engagement",  # int: organisations it shares with uncoordinated siblings
)

# One row per size band present among VCSE and infrastructure organisations.
SIZE_BAND_COLUMNS: tuple[str, ...] = (
    "size_band",  # a SIZE_BANDS value or "unknown"
    "count",
    "share",
    "median_degree",
    "share_with_board_seat",
    "share_public_funded",
    "share_of_funding",
    "median_betweenness",
    "median_distance_to_decision",
    "share_no_path",
)

# One row per removed organisation (infrastructure organisations and top brokers).
REMOVAL_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "type",
    "small_cut_off",  # int: small/micro orgs that lose every path to a decision maker
    "cut_off_ids",  # str: their ids, ';'-joined
    "components_before",
    "components_after",
)

# One row per Gould-Fernandez role, summed over the network.
ROLE_TEST_COLUMNS: tuple[str, ...] = ("role", "observed", "expected", "z")


@dataclass(frozen=True)
class Finding:
    """One plain-English finding and the figures it rests on.

    ``question`` is one of ``"exclusion"``, ``"silos"``, ``"brokerage"``,
    ``"summary"``, ``"coverage"``; ``id`` is a stable slug such as
    ``"small-orgs-board-seats"``; every number in ``text`` is in ``figures``.
    """

    id: str
    question: str
    text: str
    figures: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "text": self.text,
            "figures": self.figures,
        }


@dataclass(frozen=True)
class Results:
    """Everything one analysis run found.

    ``summary`` is JSON-ready (plain Python numbers, strings, lists, dicts): network
    figures, the permutation tests, Gini and top-10 % share, E-I indices with
    p-values, modularity. ``overlap`` maps each public body's id to its department x
    department Jaccard matrix (index and columns are department ids).
    """

    metrics: pd.DataFrame
    groups: pd.DataFrame
    departments: pd.DataFrame
    size_bands: pd.DataFrame
    overlap: dict[str, pd.DataFrame]
    roles: pd.DataFrame
    removal: pd.DataFrame
    summary: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    seed: int = 0
    layers: tuple[str, ...] = ()
