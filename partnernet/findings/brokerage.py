"""Findings on the third question: who brokers, and what would be lost without them?"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd

from partnernet.analysis.populations import top_liaison_broker
from partnernet.analysis.records import PathShare
from partnernet.analysis.results import Results
from partnernet.findings.finding import Finding
from partnernet.findings.gates import SIZE_FILES, TIE_FILES, cannot_answer, data_gates
from partnernet.findings.thresholds import ALPHA
from partnernet.findings.wording import SECTOR_WORDS, count, integer, p_shown, p_value

__all__ = ["brokerage_findings"]


def _round1(value: float, places: int = 1) -> float:
    return round(float(value), places)


def brokerage_findings(results: Results, *, alpha: float = ALPHA) -> list[Finding]:
    """Plain-English findings on who brokers and what would be lost without them.

    They read the metrics, the role totals against reshuffled sector labels (the
    graph kept as it is: :func:`partnernet.analysis.roles.brokerage_permutation_test`),
    the removal impact, the routes through infrastructure and the cut points of
    ``results``. On an undirected graph each pair of organisations is reported
    once, so the tables' ordered-pair counts are halved.

    When every tie is a grant, brokerage means no more than "has two funders" (or
    "funds two recipients"), and the role findings say the question cannot be
    answered yet; with no organisation of known size, nothing is said about small
    organisations being cut off.

    Returns
    -------
    list[Finding]
        ``question == "brokerage"``; every number in a text is in its
        ``figures``. Ids: ``brokerage-top-liaison`` (or ``brokerage-no-liaison``),
        ``brokerage-role-<role>`` (``brokerage-role-gatekeeper-representative``
        for undirected ties), or ``brokerage-funding-only`` instead of them;
        ``brokerage-removal`` (or ``brokerage-no-infrastructure``),
        ``brokerage-infrastructure-routes``, ``brokerage-cut-points``.
    """
    G = results.graph
    gates = data_gates(results)
    pair_divisor = 1 if G.is_directed() else 2
    findings: list[Finding] = []
    if gates.ties and not gates.brokerage:
        findings.append(
            cannot_answer(
                "brokerage-funding-only",
                "brokerage",
                "Who brokers between sectors",
                f"every one of the {count(gates.ties, 'tie')} in the data is a grant, so an "
                "organisation sits between two others only by sharing a funder with them or "
                "funding both, and its brokerage roles would mean no more than that",
                TIE_FILES,
                {"ties": gates.ties},
            )
        )
    else:
        findings.extend(_top_liaison_finding(results, pair_divisor, alpha, gates.sizes))
        findings.extend(_role_findings(results, pair_divisor, alpha))
    findings.extend(_removal_finding(G, results.removal, gates.sizes))
    findings.extend(_routes_finding(results.summary.infrastructure_path_share))
    findings.extend(_cut_point_finding(results.cut_points))
    return findings


def _against_reshuffling(observed: float, expected: float, p: float, alpha: float) -> str:
    if p >= alpha:
        return "not clearly different from what reshuffling gives"
    return "more than reshuffling gives" if observed > expected else "fewer than reshuffling gives"


def _expected_words(value: float) -> tuple[str, float]:
    """An expected count as written, and the figure it shows."""
    shown = round(value) if value >= 10 else round(value, 1)
    return integer(shown) if value >= 10 else f"{shown:g}", float(shown)


def _top_liaison_finding(
    results: Results, pair_divisor: int, alpha: float, sizes_known: bool
) -> list[Finding]:
    G, metrics, removal = results.graph, results.metrics, results.removal
    indexed = metrics.set_index("id")
    node = top_liaison_broker(indexed["liaison"], indexed["betweenness"])
    if node is None:
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
    top = metrics[metrics["id"] == node].iloc[0]
    sector = G.nodes[node].get("sector")
    pairs = int(top["liaison"]) // pair_divisor
    figures: dict[str, Any] = {
        "id": node,
        "liaison_pairs": pairs,
        "liaison_ordered_pairs": int(top["liaison"]),
    }
    label = SECTOR_WORDS.get(str(sector), str(sector))
    article = "an" if label[:1] in "aeiou" else "a"
    text = (
        f"{top['name']} is the main liaison broker: {article} {label} organisation, it links "
        f"{count(pairs, 'pair')} of organisations from two sectors other than its own that "
        "have no direct tie to each other."
    )
    null = {b.id: b for b in results.summary.brokerage_null.top_brokers}
    tested = null.get(str(node))
    if tested is not None:
        words, shown = _expected_words(tested.reshuffled_expected / pair_divisor)
        verdict = (
            "more than its position alone explains"
            if tested.p_value < alpha
            else "no more than its position alone explains"
        )
        text += (
            f" With the sector labels reshuffled at random and the network kept as it is, "
            f"the organisation in its place would link about {words}: this is {verdict} "
            f"({p_value(tested.p_value, tested.reshuffles)})."
        )
        figures.update(
            reshuffled_expected_pairs=shown,
            p_value=tested.p_value,
            p_shown=p_shown(tested.p_value, tested.reshuffles),
            reshuffles=tested.reshuffles,
            alpha=alpha,
        )
    if pair_divisor == 2:
        # The tables count each pair both ways, as UCINET and sna do; say so, or a
        # reader comparing this sentence with metrics.csv sees two numbers.
        text += (
            f" Its liaison score in the tables is {int(top['liaison']):,}, because they "
            "count each pair in both directions."
        )
    row = removal[removal["id"] == node] if not removal.empty else removal
    if len(row) and sizes_known:
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


# What each role links, in a sentence; gatekeeper and representative are one
# sentence for undirected ties (see _role_findings).
_ROLE_WORDS = {
    "coordinator": "all three in one sector",
    "itinerant": "the two in one sector, the one between them in another",
    "gatekeeper": "the one between them in the sector of the second but not the first",
    "representative": "the one between them in the sector of the first but not the second",
    "gatekeeper-representative": "the one between them in the sector of one of the two only",
    "liaison": "all three in different sectors",
}


def _role_findings(results: Results, pair_divisor: int, alpha: float) -> list[Finding]:
    roles = results.roles
    if roles.empty or "reshuffled_p" not in roles:
        return []
    undirected = pair_divisor == 2
    findings = []
    for r in roles.itertuples(index=False):
        role = str(r.role)
        if undirected and role == "gatekeeper":
            continue  # said with representative: the same pairs seen from each end
        key = "gatekeeper-representative" if undirected and role == "representative" else role
        # Representative counts each unordered pair once already; the others twice.
        divisor = 1 if key == "gatekeeper-representative" else pair_divisor
        observed = int(r.observed) // divisor
        expected_words, expected = _expected_words(float(r.reshuffled_expected) / divisor)
        p, reshuffles = float(r.reshuffled_p), int(r.reshuffles)
        name = "Gatekeeper and representative" if key == "gatekeeper-representative" else role
        text = (
            f"{name[0].upper()}{name[1:]} brokerage (an organisation between two that have no "
            f"direct tie, {_ROLE_WORDS[key]}): {count(observed, 'case')} across the "
            f"network, against about {expected_words} with the sector labels reshuffled at "
            f"random on the same network, so {_against_reshuffling(observed, expected, p, alpha)}"
            f" ({p_value(p, reshuffles)})."
        )
        if key == "gatekeeper-representative":
            text += (
                " The ties here run both ways, so every such pair makes its broker a "
                "gatekeeper seen from one end and a representative seen from the other: the "
                "two counts are always equal, and are given once."
            )
        findings.append(
            Finding(
                id=f"brokerage-role-{key}",
                question="brokerage",
                text=text,
                figures={
                    "role": key,
                    "observed_pairs": observed,
                    "reshuffled_expected_pairs": expected,
                    "p_value": p,
                    "p_shown": p_shown(p, reshuffles),
                    "reshuffles": reshuffles,
                    "alpha": alpha,
                    "random_graph_expected_pairs": float(r.random_graph_expected) / divisor,
                },
            )
        )
    return findings


def _removal_finding(G: nx.Graph, removal: pd.DataFrame, sizes_known: bool) -> list[Finding]:
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
    if not sizes_known:
        findings.append(
            cannot_answer(
                "brokerage-removal",
                "brokerage",
                "Which small organisations would be cut off by losing a broker",
                "no voluntary or infrastructure organisation in the data has a known size",
                SIZE_FILES,
                {"known_size": 0},
            )
        )
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
