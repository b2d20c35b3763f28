"""What an analysis run produces: the contract between the analyses and every
writer (CSV/JSON export, the HTML map, the report, Neo4j write-back).

All tables are pandas DataFrames with exactly the columns named below, in order.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from partnernet.analysis.records import (
    BrokerageNull,
    Currencies,
    EIIndices,
    FundingConcentration,
    GroupTests,
    NetworkSummary,
    PathShare,
    Period,
    Record,
    RemovalOverlap,
    RunSettings,
    SmallVsLargeTests,
)
from partnernet.model import Dataset

__all__ = [
    "BROKERAGE_ROLES",
    "DEPARTMENT_COLUMNS",
    "GROUP_COLUMNS",
    "GROUP_CSV_COLUMNS",
    "METRIC_COLUMNS",
    "REMOVAL_COLUMNS",
    "RENAMING_COLUMNS",
    "ROLE_TABLE_COLUMNS",
    "ROLE_TEST_COLUMNS",
    "SIZE_BAND_COLUMNS",
    "Results",
    "Summary",
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
    "label",  # how a person reads it: a community is "around" its most central member
    "n",
    "mean_degree_ratio",
    "share_isolated",
    "share_far_from_decision",
    "p_degree",  # float: random groups of its size with as low a mean degree (NaN: untested)
    "p_far",  # float: random groups with as large a share far from decision makers
    "significant",  # bool: a test passes Benjamini-Hochberg over all groups tested
    "flagged",  # bool: significant and past the effect threshold of that test
    "explained_by",  # str: the one organisation most members are tied to alone, or ""
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
    "max_partner_overlap",  # float: largest Jaccard overlap with a concurrent sibling
    "siloed",  # bool
    "duplicated_engagement",  # int: organisations it shares with uncoordinated concurrent siblings
    "active_from",  # str | None: ISO date of its first dated tie
    "active_to",  # str | None: ISO date of its last dated tie
    "concurrent_siblings",  # int: siblings active at the same time (analysis/silos.py)
)

# One row per pair of sibling departments where one likely replaced the other.
RENAMING_COLUMNS: tuple[str, ...] = (
    "parent_id",
    "earlier_id",
    "later_id",
    "earlier_first",  # ISO dates of each one's first and last dated tie
    "earlier_last",
    "later_first",
    "later_last",
    "gap_days",  # int: later_first - earlier_last (negative in a handover)
    "shared",  # int: organisations both deal with
    "earlier_partners",
    "later_partners",
    "shared_share",  # float: shared / the smaller partner set
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
# Results.roles (summary.json's brokerage_roles): the totals against both nulls.
# The random-graph columns are Gould and Fernandez's, as UCINET and sna report
# them, kept for comparison; the findings read the reshuffled columns.
ROLE_TABLE_COLUMNS: tuple[str, ...] = (
    "role",
    "observed",  # int: ordered pairs
    "random_graph_expected",  # float: G-F random graph of the same density
    "random_graph_z",  # float
    "reshuffled_expected",  # float: mean over reshuffled sector labels
    "reshuffled_p",  # float: two-sided, (1 + k) / (reshuffles + 1)
    "reshuffles",  # int
)


@dataclass(frozen=True)
class Summary(Record):
    """The headline figures of a run beside its tables, as typed records.

    The exporter writes them (with the size-band, role and duplicated-engagement
    tables) as ``summary.json``.
    """

    settings: RunSettings
    network: NetworkSummary
    small_vs_large: SmallVsLargeTests
    funding_concentration: FundingConcentration
    ei: EIIndices
    infrastructure_path_share: PathShare
    brokerage_null: BrokerageNull
    group_tests: GroupTests
    removal_overlap: tuple[RemovalOverlap, ...]
    currencies: Currencies
    period: Period


@dataclass(frozen=True)
class Results:
    """Everything one analysis run measured, computed once and handed on.

    Holds the graphs it was computed on beside the tables, so the map, the report,
    the exports, the findings and ``compare`` read them and never rebuild a graph
    or recompute a measure.

    Attributes
    ----------
    dataset : the Dataset analysed.
    graph : the organisation graph (:func:`partnernet.graph.org_graph`) of the
        chosen layers, which every measure is computed on.
    multilayer : the multilayer graph (:func:`partnernet.graph.build_graph`).
    metrics, groups, departments, size_bands, roles, removal, duplicated,
    renamings : likely renamings of departments
        (:func:`partnernet.analysis.silos.likely_renamings`, ``RENAMING_COLUMNS``).
    cut_points : the tables (columns above; ``duplicated`` has
        ``partnernet.analysis.silos.DUPLICATION_COLUMNS``, ``cut_points``
        ``partnernet.analysis.removal.ARTICULATION_COLUMNS``).
    overlap : each public body's id -> its department x department Jaccard matrix.
    roles_expected_by_group : each role's count expected for one broker of each
        sector in a random graph of the same density (Gould and Fernandez 1989).
    top_brokers : ids of the top brokers
        (:func:`partnernet.analysis.populations.top_brokers`), strongest first.
    summary : the headline figures as typed records.
    """

    dataset: Dataset
    graph: nx.Graph
    multilayer: nx.MultiDiGraph
    metrics: pd.DataFrame
    groups: pd.DataFrame
    departments: pd.DataFrame
    size_bands: pd.DataFrame
    overlap: dict[str, pd.DataFrame]
    roles: pd.DataFrame
    roles_expected_by_group: pd.DataFrame
    removal: pd.DataFrame
    duplicated: pd.DataFrame
    cut_points: pd.DataFrame
    top_brokers: tuple[str, ...]
    summary: Summary
    renamings: pd.DataFrame

    @property
    def seed(self) -> int:
        return self.summary.settings.seed

    @property
    def layers(self) -> tuple[str, ...]:
        return self.summary.settings.layers

    def _overview(self) -> list[tuple[str, str]]:
        """What a notebook shows of a run, as (heading, text) pairs: counts,
        headline figures, the tables and graphs. Nothing about any one
        organisation or person: no names, no ids."""
        settings = self.summary.settings
        net = self.summary.network
        boards = f", {net.boards:,} boards" if net.boards else ""
        rows = [
            ("network", f"{net.organisations:,} organisations{boards}, {net.ties:,} ties"),
            ("layers", ", ".join(settings.layers) or "none"),
            ("run", f"seed {settings.seed}, {settings.permutations:,} permutations per test"),
            (
                "shape",
                f"density {_figure(net.density)}; {net.components:,} components "
                f"(largest {net.largest_component:,}); {net.isolates:,} isolates; "
                f"{net.communities:,} communities (modularity {_figure(net.modularity)})",
            ),
            ("top brokers", f"{len(self.top_brokers):,}"),
        ]
        for name in _TABLE_NAMES:
            frame = getattr(self, name)
            rows.append((name, f"DataFrame, {frame.shape[0]:,} rows × {frame.shape[1]:,} columns"))
        matrices = "matrix" if len(self.overlap) == 1 else "matrices"
        rows.append(("overlap", f"{len(self.overlap):,} department × department {matrices}"))
        for name in ("graph", "multilayer"):
            G = getattr(self, name)
            rows.append(
                (
                    name,
                    f"networkx {type(G).__name__}, {G.number_of_nodes():,} nodes, "
                    f"{G.number_of_edges():,} edges",
                )
            )
        return rows

    def __repr__(self) -> str:
        lines = [f"  {heading}: {text}" for heading, text in self._overview()]
        return "<Results\n" + "\n".join(lines) + ">"

    def _repr_html_(self) -> str:
        """The same overview as an HTML table, for Jupyter; every text escaped."""
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(heading)}</th>"
            f"<td style='text-align:left'>{html.escape(text)}</td></tr>"
            for heading, text in self._overview()
        )
        return f"<table><caption>partnernet Results</caption>{body}</table>"


# The DataFrames of a Results, in the order its overview lists them.
_TABLE_NAMES: tuple[str, ...] = (
    "metrics",
    "groups",
    "departments",
    "size_bands",
    "roles",
    "roles_expected_by_group",
    "removal",
    "duplicated",
    "cut_points",
    "renamings",
)


def _figure(value: float | None) -> str:
    return "not defined" if value is None else f"{value:.3g}"
