"""The change page, its Markdown and its tables on the hostile dataset: names that
carry HTML, script, Markdown or spreadsheet formulas stay inert text."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from render_support import hostile

from partnernet.analysis.compare import Comparison, compare
from partnernet.analysis.pipeline import analyse
from partnernet.export import comparison_files
from partnernet.model import Dataset


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    ds, results = hostile()
    tables = ds.tables()
    # Every organisation's ties end, so every hostile name is in changes.csv.
    after = Dataset.from_frames(**{**tables, "partnerships": tables["partnerships"].iloc[:0]})
    comparison: Comparison = compare(results, analyse(after, seed=0, permutations=200))
    assert not comparison.ties.empty
    return comparison_files(comparison, before_label="<i>2024</i>", after_label="2025")


def test_no_markup_from_the_data_reaches_the_html(files: dict[str, str]) -> None:
    html = files["compare.html"]
    hostile_markup = ("<script>window", "<img src=x", "<svg", '<a href="javascript', "<iframe")
    for raw in (*hostile_markup, "<i>2024"):
        assert raw not in html
    assert "&lt;script&gt;window.__pwned" in html
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert csp.startswith("default-src &#39;none&#39;") and "script-src" not in csp


def test_the_markdown_escapes_every_name(files: dict[str, str]) -> None:
    md = files["compare.md"]
    # a link needs "](" with the bracket unescaped
    assert not re.search(r"(?<!\\)\]\(javascript", md)
    assert "\\[click\\](javascript:" in md
    assert "<script>" not in md


def test_the_tables_neutralise_formulas(files: dict[str, str]) -> None:
    rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(files["changes.csv"])))
    names = {r["name"] for r in rows} | {r["other_name"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(str(n).startswith(("=", "+", "-", "@")) for n in names)
