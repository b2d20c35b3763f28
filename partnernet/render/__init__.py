"""The pages people look at: the interactive network map and the report.

Both are single self-contained HTML files that open offline and never treat
anything from the data as markup or script (see :mod:`partnernet.render.network`
and :mod:`partnernet.render.report`).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["render_network_html", "render_report", "write_network", "write_report"]

_HOME = {
    "render_network_html": "partnernet.render.network",
    "write_network": "partnernet.render.network",
    "render_report": "partnernet.render.report",
    "write_report": "partnernet.render.report",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: the map alone should not pay for the report's imports.
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
