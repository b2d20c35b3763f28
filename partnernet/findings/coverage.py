"""What the data covers, and what it cannot show."""

from __future__ import annotations

from partnernet.analysis.populations import EXCLUSION_TYPES
from partnernet.analysis.results import Results
from partnernet.findings.finding import Finding
from partnernet.findings.wording import count, integer, money_in, other_currencies, percent, period

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
    findings += _period_findings(results) + _currency_findings(results)
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


def _period_findings(results: Results) -> list[Finding]:
    """When the grants were awarded (and the board and partnership dates, if any)."""
    p = results.summary.period
    if p.first_award is None or p.last_award is None:
        return []
    years = period(p.first_award, p.last_award)
    undated = p.awards - p.awards_dated
    text = f"Grants awarded {years} ({count(p.awards_dated, 'dated award')}"
    text += f", {integer(undated)} without a date)" if undated else ")"
    text += ": the network shown is the one those years saw, not necessarily today's."
    figures: dict[str, object] = {
        "first_award": p.first_award,
        "last_award": p.last_award,
        "first_year": int(p.first_award[:4]),
        "last_year": int(p.last_award[:4]),
        "awards_dated": p.awards_dated,
        "awards_undated": undated,
    }
    return [Finding(id="coverage-period", question="coverage", text=text, figures=figures)]


def _currency_findings(results: Results) -> list[Finding]:
    """Awards in currencies other than pounds: counted, never added to the pounds."""
    c = results.summary.currencies
    if not c.other_awards:
        return []
    text = (
        f"Every total, share and concentration figure in this report is in pounds: "
        f"{count(c.pounds_awards, 'award')} adding up to "
        f"{money_in(c.pounds_amount, c.currency, exact=True)}. Not added to them, since "
        f"partnernet converts no currency: {other_currencies(c.other, exact=True)}."
    )
    figures: dict[str, object] = {
        "pounds_awards": c.pounds_awards,
        "pounds_amount": round(c.pounds_amount),
        "other_awards": c.other_awards,
        "other": [
            {"currency": t.currency, "awards": t.awards, "amount": round(t.amount)} for t in c.other
        ],
    }
    return [Finding(id="coverage-currencies", question="coverage", text=text, figures=figures)]
