"""What the data covers, and what it cannot show."""

from __future__ import annotations

from partnernet.analysis.populations import EXCLUSION_TYPES
from partnernet.analysis.results import Results
from partnernet.findings.finding import Finding
from partnernet.findings.wording import count, integer, percent

__all__ = ["coverage_findings"]


def coverage_findings(results: Results) -> list[Finding]:
    """What the data covers and what it cannot show (DESIGN section 6's limits).

    Examples
    --------
    >>> import pandas as pd
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["a", "b"], "name": ["A", "B"], "type": ["vcse", "vcse"],
    ...      "size_band": ["micro", None]}))
    >>> print(coverage_findings(analyse(ds, permutations=100))[0].text)
    The data covers 2 organisations and 0 ties between them; 2 organisations (100%) \
have no tie at all, so nothing can be said about their connections.
    """
    ds, G = results.dataset, results.graph
    n = G.number_of_nodes()
    isolated = sum(1 for node in G.nodes if G.degree(node) == 0)
    vcse = ds.organisations[ds.organisations["type"].isin(EXCLUSION_TYPES)]
    unknown_band = int(vcse["size_band"].isna().sum())
    findings = [
        Finding(
            id="coverage-ties",
            question="coverage",
            text=(
                f"The data covers {count(n, 'organisation')} and "
                f"{count(G.number_of_edges(), 'tie')} between them; "
                f"{count(isolated, 'organisation')} ({percent(isolated / n) if n else 'n/a'}) "
                "have no tie at all, so nothing can be said about their connections."
            ),
            figures={
                "organisations": n,
                "ties": G.number_of_edges(),
                "isolated": isolated,
                "isolated_share": isolated / n if n else None,
                "isolated_percent": round(100 * isolated / n, 1) if n else None,
            },
        )
    ]
    if len(vcse):
        findings.append(
            Finding(
                id="coverage-size-bands",
                question="coverage",
                text=(
                    f"{integer(unknown_band)} of "
                    f"{count(len(vcse), 'voluntary and infrastructure organisation')} "
                    f"({percent(unknown_band / len(vcse))}) have no size band or income, so "
                    "they are left out of the comparisons by size."
                ),
                figures={
                    "unknown_size_band": unknown_band,
                    "vcse_and_infrastructure": len(vcse),
                    "unknown_size_band_percent": round(100 * unknown_band / len(vcse), 1),
                },
            )
        )
    findings.append(
        Finding(
            id="coverage-completeness",
            question="coverage",
            text=(
                "Ties are only as complete as the data: a partnership, grant or board seat "
                "missing from the files is missing from every figure in this report."
            ),
            figures={},
        )
    )
    return findings
