"""The Cypher files: shipped as package data, each used, each well formed, and each
passed by Neo4j's own Cypher front end (``@neo4j-cypher/language-support``, pinned
in tests/cypher_checker/package.json and installed there by ``make test``)."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, missing_tool

from partnernet.model import COLUMNS
from partnernet.neo4j import LABELS, RELATIONSHIP_TYPES
from partnernet.neo4j.queries import names, query

CYPHER_DIR = ROOT / "cypher"
CHECKER_DIR = Path(__file__).resolve().parent / "cypher_checker"
CHECKER_PACKAGE = "@neo4j-cypher/language-support"
FILES = sorted(CYPHER_DIR.glob("*.cypher"))
NEO4J_PACKAGE = ROOT / "partnernet" / "neo4j"


def _header_and_body(text: str) -> tuple[str, str]:
    lines = text.splitlines()
    header = [line for line in lines if line.startswith("//")]
    body = [line for line in lines if not line.startswith("//")]
    assert lines[: len(header)] == header, "comments belong in the header, before the statement"
    return "\n".join(header), "\n".join(body)


def _names_used_by_code() -> list[tuple[str, int, str | None]]:
    """(file, line, name) for every call of query(); name None when not a literal."""
    used = []
    for path in sorted(NEO4J_PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called != "query":
                continue
            literal = (
                node.args[0].value
                if len(node.args) == 1
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                else None
            )
            used.append((path.name, node.lineno, literal))
    return used


# -- package data ----------------------------------------------------------------------


def test_every_file_is_a_loadable_resource() -> None:
    assert names() == tuple(path.stem for path in FILES)
    for path in FILES:
        assert query(path.stem) == path.read_text(encoding="utf-8")
    with pytest.raises(KeyError, match="no Cypher statement named 'nope'"):
        query("nope")


def test_every_file_is_used_and_every_name_used_exists() -> None:
    used = _names_used_by_code()
    dynamic = [f"{file}:{line}" for file, line, name in used if name is None]
    assert dynamic == [], "query() must be called with a literal statement name"
    used_names = {name for _, _, name in used}
    assert used_names - set(names()) == set(), "names without a cypher/ file"
    assert set(names()) - used_names == set(), "cypher/ files no code uses"


def test_pyproject_ships_every_package_folder() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    assert config["package-dir"] == {"partnernet.cypher": "cypher"}
    assert "*.cypher" in config["package-data"]["partnernet.cypher"]
    folders = {
        ".".join(path.relative_to(ROOT).parts)
        for path in [ROOT / "partnernet", *(ROOT / "partnernet").rglob("*")]
        if path.is_dir() and path.name != "__pycache__" and any(path.iterdir())
    }
    missing = folders - set(config["packages"])
    assert missing == set(), f"add {sorted(missing)} to [tool.setuptools] packages"


# -- the files' own rules ----------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_header_lists_exactly_the_parameters(path: Path) -> None:
    header, body = _header_and_body(path.read_text(encoding="utf-8"))
    assert header, "start with a comment saying what the statement does"
    assert "Parameters:" in header
    used = set(re.findall(r"\$([A-Za-z_]\w*)", body))
    listed = set(re.findall(r"\$([A-Za-z_]\w*)", header))
    assert used == listed
    if not used:
        assert "Parameters: none." in header


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_values_are_parameters_and_one_statement(path: Path) -> None:
    _, body = _header_and_body(path.read_text(encoding="utf-8"))
    assert ";" not in body, "one statement per file"
    assert not re.search(r"['\"]", body), "no string literals: pass values as parameters"
    assert not re.search(r"(?<![\w$])\d", body), "no number literals: pass values as parameters"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_labels_and_types_come_from_the_model(path: Path) -> None:
    _, body = _header_and_body(path.read_text(encoding="utf-8"))
    labels = set(re.findall(r"[(:]\w*:([A-Z][A-Za-z]*)", body)) | set(
        re.findall(r"\bn:([A-Z][A-Za-z]*)", body)
    )
    types = set(re.findall(r"\[\w*:([A-Z_]+)", body))
    assert labels <= set(LABELS)
    assert types <= set(RELATIONSHIP_TYPES)


def test_the_model_is_fully_used() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in FILES)
    for label in LABELS:
        assert f":{label}" in text
    for rel_type in RELATIONSHIP_TYPES:
        assert f":{rel_type}" in text


@pytest.mark.parametrize("table", list(COLUMNS))
def test_read_statements_return_the_table_columns_in_order(table: str) -> None:
    text = query(f"read_{table}")
    returned = text.split("RETURN", 1)[1].split("ORDER BY")[0]
    aliases = [item.split()[-1] for item in returned.split(",")]
    assert aliases == list(COLUMNS[table])


# -- Neo4j's own front end ----------------------------------------------------------------


def _checker() -> list[str]:
    """The command that runs the pinned checker, or a skip/failure when it is missing."""
    node = shutil.which("node")
    if node is None:
        missing_tool("node is not installed: the Cypher checker needs it")
    installed = CHECKER_DIR / "node_modules" / CHECKER_PACKAGE / "package.json"
    if not installed.is_file():
        missing_tool(f"{CHECKER_PACKAGE} is not installed: run 'make cypher-checker'")
    pinned = json.loads((CHECKER_DIR / "package.json").read_text())["dependencies"][CHECKER_PACKAGE]
    version = json.loads(installed.read_text())["version"]
    if version != pinned:
        missing_tool(
            f"{CHECKER_PACKAGE} {version} is installed but {pinned} is pinned: "
            "run 'make cypher-checker'"
        )
    return [str(node), str(CHECKER_DIR / "lint.mjs")]


def _model_schema(tmp_path: Path) -> Path:
    """Labels, types and property keys of the model, so a misspelt one is reported."""
    keys = {column for columns in COLUMNS.values() for column in columns}
    schema = {
        "labels": list(LABELS),
        "relationshipTypes": list(RELATIONSHIP_TYPES),
        "propertyKeys": sorted(keys | {"row_key", "row_index", "count", "properties"}),
    }
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    return path


def _lint(tmp_path: Path, files: list[Path]) -> dict:
    command = [*_checker(), "--schema", str(_model_schema(tmp_path)), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.cypher
def test_every_file_passes_neo4js_cypher_front_end(tmp_path: Path) -> None:
    report = _lint(tmp_path, FILES)
    assert [Path(f["file"]).name for f in report["files"]] == [p.name for p in FILES]
    problems = [
        f"{Path(f['file']).relative_to(ROOT)}:{d['line']}:{d['column']}: "
        f"{d['severity']}: {d['message']}"
        for f in report["files"]
        for d in f["diagnostics"]
    ]
    problems += [
        f"{Path(f['file']).relative_to(ROOT)}: {f['statements']} statements, not one"
        for f in report["files"]
        if f["statements"] != 1
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.cypher
def test_the_checker_reports_errors_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cypher"
    bad.write_text(
        "// Parameters: $rows\n"
        "UNWIND $rows AS row\n"
        "MATCH (o:Organization {id: row.id})\n"
        "RETURN o.nmae, missing\n"
    )
    broken = tmp_path / "broken.cypher"
    broken.write_text("MATCH (o:Organisation\nRETURN o\n")
    two = tmp_path / "two.cypher"
    two.write_text("RETURN $a AS a;\nRETURN $b AS b\n")
    report = {Path(f["file"]).name: f for f in _lint(tmp_path, [bad, broken, two])["files"]}
    found = {
        (d["line"], d["severity"], d["message"].split(".")[0])
        for d in report["bad.cypher"]["diagnostics"]
    }
    assert (4, "error", "Variable `missing` not defined") in found
    assert any(line == 3 and "Organization" in message for line, _, message in found)
    assert any(line == 4 and "nmae" in message for line, _, message in found)
    assert not any("Parameter" in message for _, _, message in found)
    assert {d["line"] for d in report["broken.cypher"]["diagnostics"]} == {2}
    assert report["two.cypher"]["statements"] == 2
