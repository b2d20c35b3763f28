"""Findings on the third question: who brokers, and what would be lost without them?"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

from partnernet.analysis.records import PathShare
from partnernet.analysis.results import Results
from partnernet.findings.finding import Finding
from partnernet.findings.thresholds import Z_CLEAR
from partnernet.findings.wording import SECTOR_WORDS, count, integer

__all__ = ["brokerage_findings"]


def _round1(value: float, places: int = 1) -> float:
    return round(float(value), places)


def brokerage_findings(results: Results) -> list[Finding]:
    """Plain-English findings on who brokers and what would be lost without them.

    They read the metrics, the role totals against chance, the removal impact, the
    routes through infrastructure and the cut points of ``results``. On an
    undirected graph each pair of organisations is reported once, so the tables'
    ordered-pair counts are halved.

    Returns
    -------
    list[Finding]
        ``question == "brokerage"``; every number in a text is in its
        ``figures``. Ids: ``brokerage-top-liaison`` (or ``brokerage-no-liaison``),
        ``brokerage-roles-vs-chance``, ``brokerage-removal`` (or
        ``brokerage-no-infrastructure``), ``brokerage-infrastructure-routes``,
        ``brokerage-cut-points``.
    """
    G = results.graph
    pair_divisor = 1 if G.is_directed() else 2
    findings: list[Finding] = []
    findings.extend(_top_liaison_finding(results, pair_divisor))
    findings.extend(_roles_vs_chance_finding(results.roles, pair_divisor))
    findings.extend(_removal_finding(G, results.removal))
    findings.extend(_routes_finding(results.summary.infrastructure_path_share))
    findings.extend(_cut_point_finding(results.cut_points))
    return findings


def _top_liaison_finding(results: Results, pair_divisor: int) -> list[Finding]:
    G, metrics, removal = results.graph, results.metrics, results.removal
    if metrics.empty or int(metrics["liaison"].max()) == 0:
        return [
            Finding(
                id="brokerage-no-liaison",
                question="brokerage",
                text=(
                    "No organisation links two organisations from two other sectors that "
                    "have no direct tie, so there is no liaison broker in this data."
                ),
                figures={"max_liaison": 0},
            )
        ]
    ranked = metrics.assign(_order=range(len(metrics))).sort_values(
        ["liaison", "betweenness", "_order"], ascending=[False, False, True], kind="stable"
    )
    top = ranked.iloc[0]
    node = top["id"]
    sector = G.nodes[node].get("sector")
    pairs = int(top["liaison"]) // pair_divisor
    by_group = results.roles_expected_by_group
    expected = _round1(float(by_group.loc[sector, "liaison"]) / pair_divisor)
    figures: dict[str, Any] = {
        "id": node,
        "liaison_pairs": pairs,
        "liaison_ordered_pairs": int(top["liaison"]),
        "expected_pairs_by_chance": expected,
    }
    label = SECTOR_WORDS.get(str(sector), str(sector))
    article = "an" if label[:1] in "aeiou" else "a"
    text = (
        f"{top['name']} is the main liaison broker: it links {count(pairs, 'pair')} of "
        "organisations from two sectors other than its own that have no direct tie to "
        f"each other ({article} {label} organisation in a random network of the same "
        f"density would link about {expected:g})."
    )
    if pair_divisor == 2:
        # The tables count each pair both ways, as UCINET and sna do; say so, or a
        # reader comparing this sentence with metrics.csv sees two numbers.
        text += (
            f" Its liaison score in the tables is {int(top['liaison']):,}, because they "
            "count each pair in both directions."
        )
    row = removal[removal["id"] == node] if not removal.empty else removal
    if len(row):
        lost = int(row.iloc[0]["small_cut_off"])
        figures["small_cut_off_without_it"] = lost
        if lost:
            text += (
                f" Without it, {count(lost, 'small organisation')} would have no path to "
                "any decision maker."
            )
        else:
            text += (
                " Without it, every small organisation would still have a path to a decision maker."
            )
    return [Finding(id="brokerage-top-liaison", question="brokerage", text=text, figures=figures)]


def _roles_vs_chance_finding(roles: pd.DataFrame, pair_divisor: int) -> list[Finding]:
    row = roles[roles["role"] == "liaison"]
    if row.empty:
        return []
    observed = int(row.iloc[0]["observed"]) // pair_divisor
    expected = _round1(float(row.iloc[0]["expected"]) / pair_divisor)
    z = float(row.iloc[0]["z"])
    if not math.isfinite(z):
        return [
            Finding(
                id="brokerage-roles-vs-chance",
                question="brokerage",
                text=(
                    "The network is too small, empty or complete to compare its brokerage "
                    "with chance."
                ),
                figures={"liaison_pairs": observed},
            )
        ]
    z = _round1(z)
    if z >= Z_CLEAR:
        verdict = "clearly more than chance would give"
    elif z <= -Z_CLEAR:
        verdict = "clearly fewer than chance would give"
    else:
        verdict = "not clearly different from chance"
    text = (
        f"Across the network there are {count(observed, 'case')} of an organisation "
        "linking two organisations from two other sectors that have no direct tie (a pair "
        "linked by several organisations counts once for each); a random network of the "
        f"same density and sector sizes would give about {expected:g}, so this is "
        f"{verdict} (z = {z:g})."
    )
    return [
        Finding(
            id="brokerage-roles-vs-chance",
            question="brokerage",
            text=text,
            figures={
                "liaison_pairs": observed,
                "expected_pairs": expected,
                "z": z,
                "z_threshold": Z_CLEAR,
            },
        )
    ]


def _removal_finding(G: nx.Graph, removal: pd.DataFrame) -> list[Finding]:
    infrastructure = [n for n, d in G.nodes(data=True) if d.get("sector") == "infrastructure"]
    findings: list[Finding] = []
    if not infrastructure:
        findings.append(
            Finding(
                id="brokerage-no-infrastructure",
                question="brokerage",
                text=(
                    "There is no infrastructure organisation in the data, so what the "
                    "sector's infrastructure bodies add cannot be measured."
                ),
                figures={"infrastructure_organisations": 0},
            )
        )
    if removal.empty:
        return findings
    top = removal.iloc[0]
    tested = len(removal)
    lost = int(top["small_cut_off"])
    if lost:
        before, after = int(top["components_before"]), int(top["components_after"])
        text = (
            f"Of the {count(tested, 'organisation')} whose loss was tested one at a time, "
            f"losing {top['name']} would cut off the most: {count(lost, 'small organisation')} "
            f"would have no path to any decision maker, and the network would go from "
            f"{count(before, 'separate part')} to {integer(after)}."
        )
        figures = {
            "tested": tested,
            "id": top["id"],
            "small_cut_off": lost,
            "components_before": before,
            "components_after": after,
        }
    else:
        text = (
            f"Losing any one of the {count(tested, 'organisation')} tested one at a time "
            "would not leave any small organisation without a path to a decision maker."
        )
        figures = {"tested": tested, "small_cut_off": 0}
    findings.append(
        Finding(id="brokerage-removal", question="brokerage", text=text, figures=figures)
    )
    return findings


def _routes_finding(path_share: PathShare) -> list[Finding]:
    if not path_share.get("infrastructure_organisations"):
        return []  # said once, by brokerage-no-infrastructure
    if not path_share.get("pairs"):
        return [
            Finding(
                id="brokerage-infrastructure-routes",
                question="brokerage",
                text=(
                    "No small organisation has a path to a decision maker in this data, so "
                    "the routes through infrastructure organisations cannot be measured."
                ),
                figures={"pairs": 0},
            )
        ]
    percent = _round1(100 * float(path_share["share"]))
    pair_percent = _round1(100 * float(path_share["mean_pair_share"]))
    text = (
        f"{percent:g}% of the shortest routes from small organisations to decision makers "
        "pass through an infrastructure organisation "
        f"({integer(path_share['through_infrastructure'])} of "
        f"{integer(path_share['shortest_paths'])} routes over "
        f"{integer(path_share['pairs'])} organisation and decision-maker pairs; "
        f"{pair_percent:g}% when each pair counts equally)."
    )
    return [
        Finding(
            id="brokerage-infrastructure-routes",
            question="brokerage",
            text=text,
            figures={
                "share_percent": percent,
                "mean_pair_share_percent": pair_percent,
                "through_infrastructure": int(path_share["through_infrastructure"]),
                "shortest_paths": int(path_share["shortest_paths"]),
                "pairs": int(path_share["pairs"]),
            },
        )
    ]


def _cut_point_finding(table: pd.DataFrame) -> list[Finding]:
    if table.empty:
        return []
    top = table.iloc[0]
    cut_points = len(table)
    separated = int(top["separated"])
    if cut_points == 1:
        subject = "1 organisation holds part of the network together (without it, that part"
    else:
        subject = (
            f"{integer(cut_points)} organisations each hold part of the network together "
            "(without any one of them, its part"
        )
    text = (
        f"{subject} falls apart); losing {top['name']} would separate the most, "
        f"{count(separated, 'organisation')}, from the rest of its part."
    )
    return [
        Finding(
            id="brokerage-cut-points",
            question="brokerage",
            text=text,
            figures={"articulation_points": cut_points, "id": top["id"], "separated": separated},
        )
    ]
