"""The report's charts, drawn with matplotlib's Agg renderer into PNG bytes.

No pyplot and no display: each chart is a :class:`matplotlib.figure.Figure` of its
own, so drawing touches no global state and works on a server. Labels that come
from the data are drawn as plain text (mathtext off, so a ``$`` in a name is a
dollar sign), and PNGs carry no timestamp, so the same data gives the same bytes.
"""

from __future__ import annotations

import base64
import io
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd

from partnernet.findings.wording import plain_text


def _figure_without_3d() -> Any:
    """matplotlib's ``Figure``, imported without the 3D axes.

    ``matplotlib.figure`` imports ``matplotlib.projections``, which imports
    ``mpl_toolkits.mplot3d`` to register the 3D projection (about 0.06 s of every
    run) and, when that fails, warns and does without it. The charts draw no 3D,
    so while the figure module is imported the 3D toolkit is made to fail, its
    warning silenced, and the toolkit put back untouched afterwards (as
    :func:`partnernet.graph.load_igraph` does with igraph's matplotlib). The
    charts are drawn exactly as before.
    """
    toolkit = "mpl_toolkits.mplot3d"
    if "matplotlib.projections" not in sys.modules:
        had, saved = toolkit in sys.modules, sys.modules.get(toolkit)
        sys.modules[toolkit] = None  # type: ignore[assignment]  # makes the import fail
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Unable to import Axes3D")
                import matplotlib.figure
        finally:
            if had:
                sys.modules[toolkit] = saved  # type: ignore[assignment]
            else:
                del sys.modules[toolkit]
    import matplotlib.figure

    return matplotlib.figure.Figure


if TYPE_CHECKING:
    from matplotlib.figure import Figure
else:
    Figure = _figure_without_3d()

__all__ = [
    "group_chart",
    "lorenz_chart",
    "overlap_heatmap",
    "png_data_uri",
    "removal_chart",
    "size_band_chart",
]

DPI = 110
INK = "#1f2933"
MUTED = "#7b8794"
ORGANISATIONS_COLOUR = "#9aa5b1"
SEATS_COLOUR = "#4e79a7"
FUNDING_COLOUR = "#59a14f"
FLAGGED_COLOUR = "#d62728"
LABEL_LIMIT = 32

_STYLE: Any = {
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
}


@contextmanager
def _drawing() -> Iterator[None]:
    # A name in a script the bundled font lacks (an emoji, say) is drawn as an
    # empty box rather than failing the report over a missing glyph.
    with matplotlib.rc_context(_STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        warnings.filterwarnings("ignore", message=r".*missing from font")
        yield


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def png_data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI for an ``<img>`` that needs no other file.

    Examples
    --------
    >>> png_data_uri(b"\\x89PNG")
    'data:image/png;base64,iVBORw=='
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _label(text: object) -> str:
    return plain_text(text, limit=LABEL_LIMIT)


def size_band_chart(table: pd.DataFrame) -> bytes:
    """Grouped bars per size band: share of organisations, of board seats and of
    funding.

    ``table`` has columns ``band`` (label), ``organisations``, ``board_seats`` and
    ``funding`` (shares from 0 to 1), in the order to draw.
    """
    with _drawing():
        fig = Figure(figsize=(7.6, 3.4), layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(len(table))
        width = 0.27
        series = (
            ("organisations", "Share of organisations", ORGANISATIONS_COLOUR),
            ("board_seats", "Share of board seats", SEATS_COLOUR),
            ("funding", "Share of funding received", FUNDING_COLOUR),
        )
        for i, (column, label, colour) in enumerate(series):
            values = table[column].to_numpy(dtype=float) * 100
            bars = ax.bar(x + (i - 1) * width, values, width, label=label, color=colour)
            ax.bar_label(bars, fmt="%.0f%%", fontsize=7, color=INK, padding=1)
        ax.set_xticks(x, [_label(b) for b in table["band"]])
        ax.set_ylabel("Per cent")
        ax.set_ylim(
            0,
            max(
                100.0,
                float(
                    np.nanmax(
                        table[["organisations", "board_seats", "funding"]].to_numpy(dtype=float),
                        initial=0,
                    )
                )
                * 110,
            ),
        )
        ax.legend(frameon=False, ncols=3, loc="upper right", fontsize=8)
        ax.set_xlabel("Size band (annual income)")
        return _png(fig)


def lorenz_chart(
    population_share: Sequence[float], amount_share: Sequence[float], *, gini: float
) -> bytes:
    """The Lorenz curve of funding across recipients, with the line of equality.

    The curve's points and the Gini coefficient are the analysis's
    (:func:`partnernet.analysis.exclusion.funding_concentration`): a chart draws
    figures, it never computes them.
    """
    x = np.asarray(population_share, dtype=float)
    y = np.asarray(amount_share, dtype=float)
    with _drawing():
        fig = Figure(figsize=(4.6, 4.2), layout="constrained")
        ax = fig.add_subplot()
        ax.plot([0, 100], [0, 100], color=MUTED, linestyle="--", linewidth=1, label="Equal shares")
        ax.plot(x * 100, y * 100, color=FUNDING_COLOUR, linewidth=2, label="Actual funding")
        ax.fill_between(x * 100, y * 100, x * 100, color=FUNDING_COLOUR, alpha=0.12)
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        ax.set_aspect("equal")
        ax.set_xlabel("Recipients, least funded first (cumulative %)")
        ax.set_ylabel("Funding received (cumulative %)")
        ax.legend(frameon=False, loc="upper left", fontsize=8)
        ax.text(4, 80, f"Gini coefficient {gini:.2f}", fontsize=10, color=INK)
        return _png(fig)


def overlap_heatmap(
    matrix: pd.DataFrame, labels: Sequence[str], *, annotate_up_to: int = 12
) -> bytes:
    """The department x department partner-overlap matrix (Jaccard) as a heatmap,
    each cell printed when there are at most ``annotate_up_to`` departments (beyond
    that the figures are too small to read, and drawing them is slow); the
    diagonal is left blank (a department with itself)."""
    values = matrix.to_numpy(dtype=float).copy()
    n = len(labels)
    np.fill_diagonal(values, np.nan)
    short = [_label(label) for label in labels]
    side = 1.6 + 0.62 * n
    with _drawing():
        fig = Figure(figsize=(max(5.0, side + 2.2), max(3.2, side)), layout="constrained")
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#f2f2f2")
        image = ax.imshow(
            np.ma.masked_invalid(values),
            cmap=cmap,
            vmin=0,
            vmax=max(0.5, float(np.nanmax(values, initial=0))),
        )
        ax.set_xticks(range(n), short, rotation=35, ha="right")
        ax.set_yticks(range(n), short)
        ax.spines[:].set_visible(False)
        for i in range(n if n <= annotate_up_to else 0):
            for j in range(n):
                if i == j or np.isnan(values[i, j]):
                    continue
                dark = values[i, j] > 0.3
                ax.text(
                    j,
                    i,
                    f"{values[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else INK,
                )
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("Partner overlap (Jaccard)")
        return _png(fig)


def removal_chart(labels: Sequence[str], cut_off: Sequence[int]) -> bytes:
    """Horizontal bars: small organisations cut off from every decision maker if
    each organisation were removed."""
    n = len(labels)
    with _drawing():
        fig = Figure(figsize=(7.2, 1.2 + 0.34 * n), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(n)
        bars = ax.barh(y, list(cut_off), color=FLAGGED_COLOUR, height=0.6)
        ax.bar_label(bars, fontsize=8, padding=2)
        ax.set_yticks(y, [_label(label) for label in labels])
        ax.invert_yaxis()
        ax.set_xlabel("Small organisations left with no path to any decision maker")
        ax.set_xlim(0, max(1, max(cut_off, default=0)) * 1.15)
        return _png(fig)


def group_chart(labels: Sequence[str], ratios: Sequence[float], flagged: Sequence[bool]) -> bytes:
    """Horizontal bars of each group's mean number of ties relative to the average
    (1 = average), flagged groups in red."""
    n = len(labels)
    with _drawing():
        fig = Figure(figsize=(7.2, 1.2 + 0.3 * n), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(n)
        colours = [FLAGGED_COLOUR if f else ORGANISATIONS_COLOUR for f in flagged]
        bars = ax.barh(y, list(ratios), color=colours, height=0.6)
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
        ax.axvline(1.0, color=INK, linewidth=1, linestyle="--")
        ax.set_yticks(y, [_label(label) for label in labels])
        ax.invert_yaxis()
        ax.set_xlabel("Ties per organisation, relative to the average (1 = average; red = flagged)")
        ax.set_xlim(0, max(1.2, max(ratios, default=0) * 1.15))
        return _png(fig)
