"""The pages people look at: the interactive network map and the report.

Both are single self-contained HTML files that open offline and never treat
anything from the data as markup or script (see :mod:`partnernet.render.network`
and :mod:`partnernet.render.report`).
"""

from partnernet.render.network import render_network_html, write_network
from partnernet.render.report import render_report, write_report

__all__ = ["render_network_html", "render_report", "write_network", "write_report"]
