"""Findings on the shape of the network."""

from __future__ import annotations

from typing import Any

from partnernet.analysis.records import NetworkSummary
from partnernet.findings.finding import Finding
from partnernet.findings.thresholds import MODULARITY_CLEAR
from partnernet.findings.wording import count, integer, percent

__all__ = ["summary_findings"]


def _round(value: float, places: int) -> float:
    return round(float(value), places)


def _small_percent(value: float) -> float:
    """A percentage to two decimal places, or to two significant figures below 0.01,
    where two places would show a national network's density as 0%."""
    if value == 0 or value >= 0.01:
        return _round(value, 2)
    return float(f"{value:.2g}")


def summary_findings(network: NetworkSummary) -> list[Finding]:
    """Plain-English findings on the shape of the network.

    Parameters
    ----------
    network : the run's network summary
        (:func:`partnernet.analysis.summary.network_summary`).

    Returns
    -------
    list[Finding]
        ``question == "summary"``; every number in a text is in its ``figures``.
        Ids: ``summary-size``, ``summary-parts``, ``summary-path-length``,
        ``summary-communities``, ``summary-centralisation``; or only
        ``summary-too-small`` when there are fewer than three organisations or
        no tie at all.

    Examples
    --------
    >>> import networkx as nx
    >>> from partnernet.analysis.summary import network_summary
    >>> s = network_summary(nx.empty_graph(2), None, seed=0)
    >>> [f.id for f in summary_findings(s)]
    ['summary-too-small']
    """
    n = int(network["organisations"])
    m = int(network["ties"])
    if n < 3 or m == 0:
        return [
            Finding(
                id="summary-too-small",
                question="summary",
                text=(
                    f"With {count(n, 'organisation')} and {count(m, 'tie')} the network is "
                    "too small to describe its shape."
                ),
                figures={"organisations": n, "ties": m},
            )
        ]
    findings = []
    density_percent = _small_percent(100 * network["density"])
    findings.append(
        Finding(
            id="summary-size",
            question="summary",
            text=(
                f"The network has {count(n, 'organisation')} and {count(m, 'tie')} between "
                f"them: {percent(density_percent / 100, digits=2)} of all the ties there "
                "could be."
            ),
            figures={"organisations": n, "ties": m, "density_percent": density_percent},
        )
    )
    parts = int(network["components"])
    largest = int(network["largest_component"])
    largest_percent = _round(100 * largest / n, 1)
    isolates = int(network["isolates"])
    if parts == 1:
        text = "Every organisation is connected to every other through some chain of ties."
        figures: dict[str, Any] = {"components": 1}
    else:
        text = (
            f"The network falls into {integer(parts)} separate parts; the largest holds "
            f"{count(largest, 'organisation')} ({percent(largest_percent / 100, digits=1)}), "
            + (
                f"and {count(isolates, 'organisation has', 'organisations have')} no tie at all."
                if isolates
                else "and every organisation has at least one tie."
            )
        )
        figures = {
            "components": parts,
            "largest_component": largest,
            "largest_component_percent": largest_percent,
            "isolates": isolates,
        }
    findings.append(Finding(id="summary-parts", question="summary", text=text, figures=figures))
    if network.get("average_path_length") is not None:
        apl = _round(network["average_path_length"], 2)
        figures = {"average_path_length": apl}
        text = f"Within the largest part, two organisations are on average {apl:g} steps apart"
        if network.get("average_path_length_method") == "sampled":
            sources = int(network["average_path_length_sources"])
            figures["sampled_sources"] = sources
            text += f" (estimated from {count(sources, 'organisation')} chosen at random)"
        findings.append(
            Finding(id="summary-path-length", question="summary", text=text + ".", figures=figures)
        )
    if network.get("modularity") is not None:
        groups = int(network["communities_of_two_or_more"])
        q = _round(network["modularity"], 2)
        figures = {
            "communities_of_two_or_more": groups,
            "modularity": q,
            "modularity_threshold": MODULARITY_CLEAR,
        }
        side = "above" if q >= MODULARITY_CLEAR else "below"
        text = (
            f"Community detection (Leiden) finds {count(groups, 'group')} of two or more "
            f"organisations more tied among themselves than to others; the modularity of "
            f"{q:g} is {side} the {MODULARITY_CLEAR:g} usually read as clear community "
            "structure."
        )
        findings.append(
            Finding(id="summary-communities", question="summary", text=text, figures=figures)
        )
    if network.get("degree_centralisation") is not None:
        c = _round(network["degree_centralisation"], 2)
        findings.append(
            Finding(
                id="summary-centralisation",
                question="summary",
                text=(
                    f"Degree centralisation is {c:g}, on a scale from zero, when every "
                    "organisation has as many ties as the others, to one, when a single "
                    "organisation holds every tie."
                ),
                figures={"degree_centralisation": c},
            )
        )
    return findings
