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

import functools
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from partnernet.analysis.exclusion import name_communities
from partnernet.analysis.records import as_plain
from partnernet.analysis.results import Results
from partnernet.dictionary import ROUNDING, columns_of, dictionary_rows, unit_of
from partnernet.findings import Finding
from partnernet.io.folders import prepare_output_folder
from partnernet.io.staging import listed_files, stage_run
from partnernet.io.writers import csv_text

if TYPE_CHECKING:
    # Imported where a comparison is written: analyse never needs the comparison code.
    from partnernet.analysis.compare import Comparison

__all__ = [
    "comparison_files",
    "departments_table",
    "groups_table",
    "json_ready",
    "metrics_table",
    "rounded",
    "summary_json",
    "table_files",
    "tables_workbook",
    "write_comparison",
    "write_outputs",
]


def json_ready(value: Any) -> Any:
    """``value`` with numpy scalars made Python and NaN/inf made None, recursively.

    A data frame becomes a list of records, built column by column
    (:func:`_json_records`).

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
        return _json_records(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value


def _json_column(frame: pd.DataFrame, position: int) -> list[Any]:
    """One column of ``frame`` as JSON-ready Python values, what ``json_ready``
    gives for that column of ``frame.to_dict(orient="records")``.

    Numbers and booleans are converted by numpy once for the whole column (the
    same Python floats, ints and bools the records hold) with NaN and infinity
    made None; a text column is kept as it is, its missing values made None. Any
    other column (dates, nullable integers, mixed objects) goes the way of the
    records, one value at a time.
    """
    series = frame.iloc[:, position]
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        array = series.to_numpy()
        values: list[Any] = array.tolist()
        if dtype.kind == "f":
            for i in np.flatnonzero(~np.isfinite(array)).tolist():
                values[i] = None
        return values
    values = series.tolist()
    if isinstance(dtype, pd.StringDtype):  # strings, and NaN or NA where missing
        return [v if type(v) is str else json_ready(v) for v in values]
    if all(type(v) is str for v in values):
        return values
    column = frame.iloc[:, [position]]
    return [json_ready(next(iter(r.values()))) for r in column.to_dict(orient="records")]


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``json_ready(frame.to_dict(orient="records"))``, in time linear in the cells
    with one conversion per column instead of one recursive call per cell (2 s for
    ``metrics.json`` at region scale)."""
    keys = [str(c) for c in frame.columns]
    if len(set(keys)) != len(keys):  # repeated names: the records keep the last
        return [json_ready(r) for r in frame.to_dict(orient="records")]
    columns = [_json_column(frame, i) for i in range(len(keys))]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _csv_text(
    frame: pd.DataFrame, columns: tuple[str, ...], *, verbatim: tuple[str, ...] = ()
) -> str:
    out = frame.loc[:, list(columns)].copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_float_dtype(series):
            out[column] = series.where(np.isfinite(series.to_numpy(dtype=float)), np.nan)
    # Formula starts neutralised, separators quoted: the one cell rule of io.writers;
    # ``verbatim`` columns hold text we formatted from numbers ("+288"), not formulas.
    return csv_text(out, verbatim=verbatim)


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


def _names(results: Results) -> pd.Series:
    orgs = results.dataset.organisations
    return pd.Series(orgs["name"].to_numpy(), index=orgs["id"].to_numpy())


def _community_labels(results: Results) -> dict[str, str]:
    # Named as groups.csv names them, over every community: groups.csv lists only
    # those with VCSE or infrastructure members, metrics.csv every organisation's.
    metrics = results.metrics.set_index("id")
    by = results.summary.group_tests.community_names_by
    centrality = metrics["betweenness"] if by == "betweenness" else None
    names = name_communities(results.graph, metrics["community"], centrality=centrality)
    return {number: f"around {name}" for number, name in names.items()}


def metrics_table(results: Results) -> pd.DataFrame:
    """``metrics.csv``'s rows, unrounded: the metrics with each organisation's
    locality and tags (so the table filters by the groups the report names) and
    its community's name beside its number."""
    metrics = results.metrics
    orgs = results.dataset.organisations.set_index("id")
    table = metrics.assign(
        locality=metrics["id"].map(orgs["locality"]),
        tags=metrics["id"].map(orgs["tags"]),
        community_label=metrics["community"].astype(str).map(_community_labels(results)),
    )
    return table.loc[:, list(columns_of("metrics.csv"))]


def groups_table(results: Results) -> pd.DataFrame:
    """``groups.csv``'s rows, unrounded, with the name of the organisation that
    explains a group beside its id."""
    groups = results.groups
    explained = groups["explained_by"].map(_names(results))
    table = groups.assign(explained_by_name=explained.where(explained.notna(), ""))
    return table.loc[:, list(columns_of("groups.csv"))]


def departments_table(results: Results) -> pd.DataFrame:
    """``departments.csv``'s rows, unrounded, with the department's and its public
    body's names beside their ids."""
    names = _names(results)
    departments = results.departments
    table = departments.assign(
        department_name=departments["department_id"].map(names),
        parent_name=departments["parent_id"].map(names),
    )
    return table.loc[:, list(columns_of("departments.csv"))]


def _significant(value: float, figures: int = 4) -> float:
    # At 10,000 and above 4 significant figures would blur whole units (12,345
    # ties would read 12,350), so the value is rounded to a whole number instead.
    if abs(value) >= 10**figures:
        return float(round(value))
    return float(f"{value:.{figures}g}")


def rounded(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """``frame`` rounded, column by column, to what its unit means
    (:data:`partnernet.dictionary.ROUNDING`): shares and measures to 4 significant
    figures, pounds to the penny, counts and hops as whole numbers (empty where
    missing or infinite). Numbers stay numbers.

    Examples
    --------
    >>> frame = pd.DataFrame({"n": [209.0], "share_isolated": [0.025028112449799196]})
    >>> rounded(frame, "groups.csv").to_dict(orient="records")
    [{'n': 209, 'share_isolated': 0.02503}]
    """
    out = frame.copy()
    for column in out.columns:
        rule = ROUNDING.get(unit_of(file_name, column))
        if rule is None:
            continue
        values = pd.to_numeric(out[column], errors="raise").astype("float64")
        values = values.where(np.isfinite(values.to_numpy()), np.nan)
        if rule == "integer":
            out[column] = values.round().astype("Int64")
        elif rule == "pennies":
            out[column] = values.round(2)
        else:
            # One Python float per value, NaN kept: what Series.map gave, without
            # its call per value (100,000 values in metrics.csv at region scale).
            significant = [v if v != v else _significant(v) for v in values.to_numpy().tolist()]
            out[column] = pd.Series(significant, index=values.index, dtype="float64")
    return out


def _people_tables(results: Results, metrics: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three tables for people, rounded, by file name; ``metrics`` is
    :func:`metrics_table` of ``results``."""
    return {
        "metrics.csv": rounded(metrics, "metrics.csv"),
        "groups.csv": rounded(groups_table(results), "groups.csv"),
        "departments.csv": rounded(departments_table(results), "departments.csv"),
    }


def table_files(results: Results, findings: Sequence[Finding]) -> dict[str, str]:
    """The tables and JSON files of a run, by file name, as text.

    The CSV tables are rounded for people (:func:`rounded`); ``metrics.json`` has
    the same columns at full precision, for programs.
    """
    metrics = metrics_table(results)
    files = {
        name: _csv_text(table, columns_of(name))
        for name, table in _people_tables(results, metrics).items()
    }
    return {
        **files,
        "metrics.json": _json_text(metrics),
        "summary.json": _json_text(summary_json(results)),
        "findings.json": _json_text([f.to_dict() for f in findings]),
    }


def tables_workbook(results: Results) -> bytes:
    """``tables.xlsx``: the three tables as sheets, rounded as in the CSV files,
    and the data dictionary as a fourth sheet. Every cell is a value."""
    from partnernet.io.workbook import workbook_bytes

    sheets = {
        name.removesuffix(".csv"): t
        for name, t in _people_tables(results, metrics_table(results)).items()
    }
    sheets["dictionary"] = pd.DataFrame(
        dictionary_rows(), columns=["file", "column", "unit", "meaning"]
    )
    return workbook_bytes(sheets)


def _json_text(value: Any) -> str:
    return _indented_json(json_ready(value)) + "\n"


@functools.cache
def _flat_encoder(depth: int) -> Callable[[Any], str]:
    # json's compiled encoder runs only without ``indent``; a container of plain
    # values at ``depth`` comes out as the indented encoder writes it when its item
    # separator carries the newline and the next level's indent.
    newline = "\n" + "  " * (depth + 1)
    separators = ("," + newline, ": ")
    return json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=separators).encode


def _indented_json(value: Any, depth: int = 0) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)``, the same
    text, with each container of plain values (a record, a list of numbers) written
    by json's compiled encoder: the indented encoder is pure Python, about 1 s for
    ``metrics.json`` at region scale."""
    children: Iterable[Any]
    if isinstance(value, dict):
        if not value:
            return "{}"
        children = value.values()
    elif isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        children = value
    else:
        return _flat_encoder(depth)(value)
    indent = "  " * (depth + 1)
    if not any(isinstance(child, (dict, list, tuple)) for child in children):
        text = _flat_encoder(depth)(value)  # "{" or "[", the items, then "}" or "]"
        return f"{text[0]}\n{indent}{text[1:-1]}\n{'  ' * depth}{text[-1]}"
    if isinstance(value, dict):
        encode_key = _flat_encoder(depth)
        parts = [
            f"{encode_key(_json_key(k))}: {_indented_json(v, depth + 1)}" for k, v in value.items()
        ]
        opening, closing = "{", "}"
    else:
        parts = [_indented_json(v, depth + 1) for v in value]
        opening, closing = "[", "]"
    separator = ",\n" + indent
    return f"{opening}\n{indent}{separator.join(parts)}\n{'  ' * depth}{closing}"


def _json_key(key: Any) -> str:
    # The keys json itself accepts, written as it writes them (json_ready has made
    # every key a string already; this keeps the function equal to json.dumps).
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, (int, float)):
        return json.dumps(key, allow_nan=False)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def comparison_files(
    comparison: Comparison,
    *,
    before_label: str = "before",
    after_label: str = "after",
    title: str | None = None,
    aliases_used: int = 0,
) -> dict[str, str]:
    """The files of ``partnernet compare``, by file name, as text: the change page
    (``compare.html``, ``compare.md``), the difference map (``difference.html``),
    ``changes.csv`` (one row per change) and ``headline_changes.csv``."""
    from partnernet.analysis.compare import CHANGE_COLUMNS
    from partnernet.findings.compare import HEADLINE_TABLE_COLUMNS, headline_table
    from partnernet.render.compare import DIFFERENCE_MAP, render_compare, render_difference_map

    labels = {"before_label": before_label, "after_label": after_label}
    html, markdown = render_compare(comparison, title=title, aliases_used=aliases_used, **labels)
    return {
        "compare.html": html,
        "compare.md": markdown,
        DIFFERENCE_MAP: render_difference_map(comparison, **labels),
        "changes.csv": _csv_text(comparison.changes(), CHANGE_COLUMNS),
        "headline_changes.csv": _csv_text(
            headline_table(comparison),
            HEADLINE_TABLE_COLUMNS,
            verbatim=("before_text", "after_text", "change_text"),
        ),
    }


def write_comparison(
    out_dir: str | os.PathLike[str], comparison: Comparison, **options: Any
) -> list[Path]:
    """Write the files of ``partnernet compare`` into ``out_dir`` (created when missing);
    ``options`` as :func:`comparison_files`."""
    return _write_files(
        prepare_output_folder(out_dir), comparison_files(comparison, **options), command="compare"
    )


def write_outputs(
    out_dir: str | os.PathLike[str],
    results: Results,
    findings: Sequence[Finding],
    *,
    html: bool = True,
    xlsx: bool = False,
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
    (:func:`partnernet.render.report.render_report`). With ``xlsx`` the tables
    and the data dictionary are written as ``tables.xlsx`` too
    (:func:`tables_workbook`). Everything is
    rendered from ``results`` and ``findings``: no graph is built, no measure
    computed.
    """
    folder = prepare_output_folder(out_dir)
    files: dict[str, str | bytes] = dict(table_files(results, findings))
    if xlsx:
        files["tables.xlsx"] = tables_workbook(results)
    if html:
        from partnernet.render.network import render_network_html
        from partnernet.render.report import render_report

        files["network.html"] = render_network_html(results)
        files["report.html"], files["report.md"] = render_report(
            results, findings, title=title, place=place
        )
    # An earlier analysis's outputs that this one does not write go (tables.xlsx
    # without --xlsx), but only those the folder's manifest lists: a tables.xlsx of
    # the user's own (a dataset workbook, say) is theirs.
    earlier = listed_files(folder)
    retired = tuple(name for name in ANALYSIS_OUTPUTS if name in earlier)
    return _write_files(folder, files, command="analyse", outputs=retired)


# Every file `analyse` can write: a run removes the ones it does not write again.
ANALYSIS_OUTPUTS = (
    *("metrics.csv", "groups.csv", "departments.csv"),
    *("metrics.json", "summary.json", "findings.json"),
    *("network.html", "report.html", "report.md", "tables.xlsx"),
)


def _write_files(
    folder: Path, files: Mapping[str, str | bytes], *, command: str, outputs: Sequence[str] = ()
) -> list[Path]:
    prepare_output_folder(folder)
    with stage_run(folder, command=command, retire=outputs) as run:
        written = [
            run.write_bytes(name, content)
            if isinstance(content, bytes)
            else run.write_text(name, content)
            for name, content in files.items()
        ]
    return written
