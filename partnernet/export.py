"""Tables and JSON out of a Results, and the one function that writes every output
of ``partnernet analyse``.

Everything is rendered in memory first and written only when all of it rendered,
each file atomically, so a failing run writes nothing and an interrupted one never
leaves a half-written file. Text cells that a spreadsheet would run as a formula
are neutralised (:func:`partnernet.io.writers.neutralise_cell`); numbers stay
numbers. In ``metrics.csv`` an empty ``distance_to_decision`` means no path to any
decision maker, and empty ``constraint``/``effective_size`` an organisation with no
ties; in the JSON files both are ``null``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from partnernet.analysis.compare import (
    BOARD_SEAT_CHANGE_COLUMNS,
    HEADLINE_COLUMNS,
    ORGANISATION_CHANGE_COLUMNS,
    TIE_CHANGE_COLUMNS,
    Comparison,
)
from partnernet.analysis.records import as_plain
from partnernet.analysis.results import (
    DEPARTMENT_COLUMNS,
    GROUP_CSV_COLUMNS,
    METRIC_COLUMNS,
    Results,
)
from partnernet.findings import Finding
from partnernet.io.folders import prepare_output_folder
from partnernet.io.staging import stage_run
from partnernet.io.writers import csv_text

__all__ = [
    "comparison_files",
    "json_ready",
    "summary_json",
    "table_files",
    "write_comparison",
    "write_outputs",
]


def json_ready(value: Any) -> Any:
    """``value`` with numpy scalars made Python and NaN/inf made None, recursively.

    Examples
    --------
    >>> json_ready({"a": np.float64("nan"), "b": [np.int64(3), float("inf")]})
    {'a': None, 'b': [3, None]}
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [json_ready(r) for r in value.to_dict(orient="records")]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value


def _csv_text(frame: pd.DataFrame, columns: tuple[str, ...]) -> str:
    out = frame.loc[:, list(columns)].copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_float_dtype(series):
            out[column] = series.where(np.isfinite(series.to_numpy(dtype=float)), np.nan)
    # Formula starts neutralised, separators quoted: the one cell rule of io.writers.
    return csv_text(out)


def summary_json(results: Results) -> dict[str, Any]:
    """``summary.json``'s content: the run's settings, its headline records and the
    size-band, role and duplicated-engagement tables, as plain JSON-ready values.

    The one place the typed records of :class:`partnernet.analysis.results.Summary`
    become JSON.
    """
    summary = results.summary
    plain: dict[str, Any] = json_ready(
        {
            **as_plain(summary.settings),
            "network": as_plain(summary.network),
            "size_bands": results.size_bands.to_dict(orient="records"),
            "small_vs_large": as_plain(summary.small_vs_large),
            "funding_concentration": as_plain(summary.funding_concentration),
            "ei": as_plain(summary.ei),
            "brokerage_roles": results.roles.to_dict(orient="records"),
            "infrastructure_path_share": as_plain(summary.infrastructure_path_share),
            "brokerage_null": as_plain(summary.brokerage_null),
            "group_tests": as_plain(summary.group_tests),
            "removal_overlap": as_plain(summary.removal_overlap),
            "duplicated_engagement": results.duplicated.to_dict(orient="records"),
            "likely_renamings": results.renamings.to_dict(orient="records"),
            "currencies": as_plain(summary.currencies),
            "period": as_plain(summary.period),
        }
    )
    return plain


def table_files(results: Results, findings: Sequence[Finding]) -> dict[str, str]:
    """The tables and JSON files of a run, by file name, as text."""
    metrics = results.metrics.loc[:, list(METRIC_COLUMNS)]
    return {
        "metrics.csv": _csv_text(metrics, METRIC_COLUMNS),
        "groups.csv": _csv_text(results.groups, GROUP_CSV_COLUMNS),
        "departments.csv": _csv_text(results.departments, DEPARTMENT_COLUMNS),
        "metrics.json": _json_text(metrics),
        "summary.json": _json_text(summary_json(results)),
        "findings.json": _json_text([f.to_dict() for f in findings]),
    }


def _json_text(value: Any) -> str:
    return json.dumps(json_ready(value), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def comparison_files(comparison: Comparison) -> dict[str, str]:
    """The files of ``partnernet compare``, by file name, as text."""
    return {
        "ties_changed.csv": _csv_text(comparison.ties, TIE_CHANGE_COLUMNS),
        "organisations_changed.csv": _csv_text(
            comparison.organisations, ORGANISATION_CHANGE_COLUMNS
        ),
        "board_seats_changed.csv": _csv_text(comparison.board_seats, BOARD_SEAT_CHANGE_COLUMNS),
        "headline_changes.csv": _csv_text(comparison.headline, HEADLINE_COLUMNS),
    }


def write_comparison(out_dir: str | os.PathLike[str], comparison: Comparison) -> list[Path]:
    """Write the files of ``partnernet compare`` into ``out_dir`` (created when missing)."""
    return _write_files(
        prepare_output_folder(out_dir), comparison_files(comparison), command="compare"
    )


def write_outputs(
    out_dir: str | os.PathLike[str],
    results: Results,
    findings: Sequence[Finding],
    *,
    html: bool = True,
    title: str | None = None,
    place: str | None = None,
) -> list[Path]:
    """Write every output of an analysis run into ``out_dir``; return the paths.

    The folder is created when missing (:func:`prepare_output_folder`). The files
    are staged and put in place together with a manifest
    (:mod:`partnernet.io.staging`): the folder holds the whole of this run or, when
    it fails or is killed, the whole of the one before; outputs of an earlier
    analysis that this one does not write are removed with the swap. With
    ``html`` the interactive map and the report are written too; ``title`` and
    ``place`` go on the report's first page
    (:func:`partnernet.render.report.render_report`). Everything is
    rendered from ``results`` and ``findings``: no graph is built, no measure
    computed.
    """
    folder = prepare_output_folder(out_dir)
    files = table_files(results, findings)
    if html:
        from partnernet.render.network import render_network_html
        from partnernet.render.report import render_report

        files["network.html"] = render_network_html(results)
        files["report.html"], files["report.md"] = render_report(
            results, findings, title=title, place=place
        )
    return _write_files(folder, files, command="analyse", outputs=ANALYSIS_OUTPUTS)


# Every file `analyse` can write: a run removes the ones it does not write again.
ANALYSIS_OUTPUTS = (
    *("metrics.csv", "groups.csv", "departments.csv"),
    *("metrics.json", "summary.json", "findings.json"),
    *("network.html", "report.html", "report.md"),
)


def _write_files(
    folder: Path, files: dict[str, str], *, command: str, outputs: Sequence[str] = ()
) -> list[Path]:
    prepare_output_folder(folder)
    with stage_run(folder, command=command, retire=outputs) as run:
        written = [run.write_text(name, text) for name, text in files.items()]
    return written
