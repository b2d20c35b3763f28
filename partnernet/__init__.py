"""partnernet: map the partnership network of a place and answer three questions —
are small organisations shut out, are departments siloed, and who brokers?

    >>> import partnernet
    >>> ds = partnernet.read_dataset("sample_data")  # doctest: +SKIP
    >>> results = partnernet.analyse(ds, seed=1)  # doctest: +SKIP
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
    from partnernet.analysis.brokerage import brokerage_roles
    from partnernet.analysis.pipeline import analyse
    from partnernet.graph import build_graph, org_graph
    from partnernet.io.read import read_dataset
    from partnernet.model import Dataset

__version__ = "0.1.0"

__all__ = [
    "Dataset",
    "InputError",
    "OutputError",
    "PartnernetError",
    "StoreError",
    "ValidationError",
    "__version__",
    "analyse",
    "brokerage_roles",
    "build_graph",
    "org_graph",
    "read_dataset",
]

# Imported on first use: pandas, NetworkX and igraph take over a second to load,
# which `partnernet --version` and `--help` should not pay.
_LAZY = {
    "Dataset": "partnernet.model",
    "analyse": "partnernet.analysis.pipeline",
    "brokerage_roles": "partnernet.analysis.brokerage",
    "build_graph": "partnernet.graph",
    "org_graph": "partnernet.graph",
    "read_dataset": "partnernet.io.read",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'partnernet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
