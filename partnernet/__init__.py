"""partnernet: map the partnership network of a place and answer three questions —
are small organisations shut out, are departments siloed, and who brokers?

    >>> import partnernet
    >>> ds = partnernet.read_dataset("sample_data")  # doctest: +SKIP
    >>> results = partnernet.analyse(ds, seed=1)  # doctest: +SKIP
    >>> findings = partnernet.explain(results)  # doctest: +SKIP
    >>> partnernet.write_outputs("out", results, findings)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from partnernet.errors import (
    InputError,
    OutputError,
    PartnernetError,
    StoreError,
    ValidationError,
)

if TYPE_CHECKING:
    from partnernet.analysis.compare import Comparison, compare
    from partnernet.analysis.pipeline import analyse
    from partnernet.analysis.results import Results
    from partnernet.analysis.roles import brokerage_roles
    from partnernet.export import write_comparison, write_outputs
    from partnernet.findings import Finding, explain
    from partnernet.graph import build_graph, org_graph
    from partnernet.io.read import read_dataset
    from partnernet.model import Dataset
    from partnernet.render.network import render_network_html
    from partnernet.render.report import render_report

from partnernet.version import __version__

__all__ = [
    "Comparison",
    "Dataset",
    "Finding",
    "InputError",
    "OutputError",
    "PartnernetError",
    "Results",
    "StoreError",
    "ValidationError",
    "__version__",
    "analyse",
    "brokerage_roles",
    "build_graph",
    "compare",
    "explain",
    "org_graph",
    "read_dataset",
    "render_network_html",
    "render_report",
    "write_comparison",
    "write_outputs",
]

# Imported on first use: pandas, NetworkX and igraph take over a second to load,
# which `partnernet --version` and `--help` should not pay.
_LAZY = {
    "Comparison": "partnernet.analysis.compare",
    "Dataset": "partnernet.model",
    "Finding": "partnernet.findings",
    "Results": "partnernet.analysis.results",
    "analyse": "partnernet.analysis.pipeline",
    "brokerage_roles": "partnernet.analysis.roles",
    "build_graph": "partnernet.graph",
    "compare": "partnernet.analysis.compare",
    "explain": "partnernet.findings",
    "org_graph": "partnernet.graph",
    "read_dataset": "partnernet.io.read",
    "render_network_html": "partnernet.render.network",
    "render_report": "partnernet.render.report",
    "write_comparison": "partnernet.export",
    "write_outputs": "partnernet.export",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'partnernet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
