"""The plain-English findings: every sentence partnernet writes about a place.

:func:`explain` turns the measures of one run (:class:`partnernet.analysis.results.
Results`) into :class:`Finding` records, one module per question. Measures never
import this package; the report, the exports and the CLI read its findings.
Every figure is worded by :mod:`partnernet.findings.wording`, and every threshold
a finding judges by is a constant of :mod:`partnernet.findings.thresholds`.
"""

from __future__ import annotations

from partnernet.analysis.results import Results
from partnernet.findings import brokerage, coverage, exclusion, silos, summary
from partnernet.findings.finding import Finding

__all__ = ["Finding", "explain"]


def explain(results: Results) -> list[Finding]:
    """Every finding of one run, in the order the report tells them.

    Coverage first (what the data can and cannot show), then the three questions
    (exclusion, silos, brokerage), then the shape of the network.

    Examples
    --------
    >>> import pandas as pd
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["a"], "name": ["A"], "type": ["vcse"], "size_band": ["micro"]}))
    >>> explain(analyse(ds, permutations=100))[0].id
    'coverage-ties'
    """
    return [
        *coverage.coverage_findings(results),
        *exclusion.exclusion_findings(results),
        *silos.silo_findings(results),
        *brokerage.brokerage_findings(results),
        *summary.summary_findings(results.summary.network),
    ]
