"""docs/outputs.md names every column of every file ``partnernet analyse`` and
``partnernet compare`` write, and nothing that is not there; it is the text
partnernet/dictionary.py generates."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DIR

from partnernet.cli import cli
from partnernet.dictionary import FILES, UNITS, dictionary_markdown
from partnernet.export import write_outputs

OUTPUTS_MD = ROOT / "docs" / "outputs.md"


def _documented(text: str | None = None) -> dict[str, set[str]]:
    """file name -> the columns docs/outputs.md lists for it, parsed from the text."""
    documented: dict[str, set[str]] = {}
    current: list[str] = []
    if text is None:
        text = OUTPUTS_MD.read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("## "):
            current = re.findall(r"`([^`]+)`", line)
            for name in current:
                documented.setdefault(name, set())
            continue
        row = re.match(r"\| `([^`]+)` \| ([^|]+) \|", line)
        if row and current:
            assert row.group(2).strip() in UNITS, line
            for name in current:
                documented[name].add(row.group(1))
    return documented


def _columns_written(folder: Path) -> dict[str, list[str]]:
    """file name -> the columns (or JSON keys) of each table and JSON file written."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                found[path.name] = next(csv.reader(handle))
        elif path.name in ("summary.json", ".partnernet-run.json"):  # one object: its keys
            found[path.name] = list(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix == ".json":
            items = json.loads(path.read_text(encoding="utf-8"))
            found[path.name] = sorted({key for item in items for key in item})
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            found[path.name] = list(book.sheetnames)
            for sheet in book.sheetnames:
                header = next(book[sheet].iter_rows(max_row=1, values_only=True))
                found[f"{path.name}:{sheet}"] = [str(v) for v in header]
            book.close()
    return found


@pytest.fixture(scope="module")
def written(
    tmp_path_factory: pytest.TempPathFactory, sample_results: Any, sample_findings: Any
) -> Path:
    folder = tmp_path_factory.mktemp("analysed")
    write_outputs(folder, sample_results, sample_findings, xlsx=True)
    return folder


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """compare's outputs on a sample and its planted year after: every kind of change."""
    root = tmp_path_factory.mktemp("compared")
    runner = CliRunner()
    made = runner.invoke(
        cli, ["sample", "--out", str(root / "a"), "--year-after", str(root / "b"), "-q"]
    )
    assert made.exit_code == 0, made.output
    out = root / "out"
    old, new = str(root / "a"), str(root / "b")
    args = ["compare", old, new, "--out", str(out), "-q", "--permutations", "100"]
    ran = runner.invoke(cli, args)
    assert ran.exit_code == 0, ran.output
    return out


def _check_both_ways(found: dict[str, list[str]], files: list[str]) -> None:
    documented = _documented()
    for name in files:
        assert name in documented, f"docs/outputs.md has no section for {name}"
        missing = set(found[name]) - documented[name]
        assert not missing, f"{name}: columns not in docs/outputs.md: {sorted(missing)}"
        # and the dictionary describes no column the file does not have
        extra = documented[name] - set(found[name])
        assert not extra, f"{name}: docs/outputs.md names columns it lacks: {sorted(extra)}"


def test_every_column_of_every_output_file_is_in_the_dictionary(written: Path) -> None:
    found = _columns_written(written)
    files = [name for name in found if ":" not in name]
    assert {"metrics.csv", "groups.csv", "departments.csv", "metrics.json"} <= set(files)
    assert {"summary.json", "findings.json", "tables.xlsx"} <= set(files)
    _check_both_ways(found, files)
    # each data sheet of the workbook is its CSV file, column for column
    for sheet in ("metrics", "groups", "departments"):
        assert found[f"tables.xlsx:{sheet}"] == found[f"{sheet}.csv"]
    assert found["tables.xlsx:dictionary"] == ["file", "column", "unit", "meaning"]


def test_every_column_compare_writes_is_in_the_dictionary(compared: Path) -> None:
    found = _columns_written(compared)
    assert set(found) == {"changes.csv", "headline_changes.csv", ".partnernet-run.json"}
    _check_both_ways(found, sorted(found))
    # the planted year after has changes of every kind the dictionary describes
    with (compared / "changes.csv").open(encoding="utf-8", newline="") as handle:
        kinds = {row["kind"].split(" brokerage ")[-1] for row in csv.DictReader(handle)}
    assert {"new tie", "lost tie", "joined", "left", "gained board seats"} <= kinds
    assert {"grew", "shrank"} <= kinds


def _graphml_keys(path: Path) -> dict[str, list[str]]:
    """'<file>:node' and '<file>:edge' -> the attribute names its GraphML keys declare."""
    root = ElementTree.parse(path).getroot()
    found: dict[str, list[str]] = {f"{path.name}:node": [], f"{path.name}:edge": []}
    for key in root.iter("{http://graphml.graphdrawing.org/xmlns}key"):
        if key.get("for") in ("node", "edge"):
            found[f"{path.name}:{key.get('for')}"].append(str(key.get("attr.name")))
    return found


def test_every_attribute_graphml_export_writes_is_in_the_dictionary(tmp_path: Path) -> None:
    """On the sample (boards included), every node and edge attribute both ways."""
    out = tmp_path / "network.graphml"
    args = ["export", str(SAMPLE_DIR), "--format", "graphml", "--out", str(out), "-q"]
    result = CliRunner().invoke(cli, [*args, "--permutations", "100"])
    assert result.exit_code == 0, result.output
    found = _graphml_keys(out)
    assert "members" in found["network.graphml:node"]  # the boards are there
    _check_both_ways(found, sorted(found))


def test_the_parser_sees_a_missing_column() -> None:
    """The check above can fail: a row taken out of the text is no longer documented."""
    text = OUTPUTS_MD.read_text(encoding="utf-8")
    assert "degree" in _documented(text)["metrics.csv"]
    without = "\n".join(line for line in text.splitlines() if not line.startswith("| `degree`"))
    assert "degree" not in _documented(without)["metrics.csv"]
    assert "degree" not in _documented(without)["metrics.json"]


def test_docs_outputs_md_is_what_the_dictionary_generates() -> None:
    assert OUTPUTS_MD.read_text(encoding="utf-8") == dictionary_markdown(), (
        "docs/outputs.md is stale: run python -m partnernet.dictionary > docs/outputs.md"
    )


def test_every_file_the_dictionary_names_has_rows_of_known_units() -> None:
    for entry in FILES:
        assert entry.columns
        for column in entry.columns:
            assert column.unit in UNITS, (entry.names, column.name)
            assert column.meaning.endswith("."), (entry.names, column.name)
