"""The layers of STYLE.md, enforced: imports point one way, only the CLI imports
click, and only the writers and the Neo4j store write files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "partnernet"

# Each layer may import from the layers listed for it (and from itself).
ALLOWED = {
    "model": {"model", "errors"},
    "errors": {"errors"},
    "version": set(),  # a constant; imports nothing
    "io": {"io", "model", "errors", "version"},
    "graph": {"graph", "model", "errors"},
    "synthetic": {"synthetic", "io", "model", "errors"},
    "analysis": {"analysis", "graph", "model", "errors"},
    "findings": {"findings", "analysis", "graph", "model", "errors"},
    "render": {"render", "findings", "analysis", "graph", "io", "model", "errors"},
    # the data dictionary is plain data: what each output column is and means
    "dictionary": {"dictionary"},
    "export": {
        "export",
        "dictionary",
        "render",
        "findings",
        "analysis",
        "graph",
        "io",
        "model",
        "errors",
    },
    "exchange": {
        "exchange",
        "dictionary",
        "render",
        "findings",
        "analysis",
        "graph",
        "io",
        "model",
        "errors",
    },
    "neo4j": {"neo4j", "model", "errors"},
    "cli": None,  # the top: may import anything
    "__init__": None,
    "__main__": None,
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _partnernet_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "partnernet":
                    found.append((node.lineno, alias.name))
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] == "partnernet"
        ):
            if node.module == "partnernet":
                # `from partnernet import model` imports the submodule, not the API
                found.extend((node.lineno, f"partnernet.{a.name}") for a in node.names)
            else:
                found.append((node.lineno, node.module))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    layer = _layer(path)
    assert layer in ALLOWED, f"{path}: new top-level module; add its layer to ALLOWED"
    allowed = ALLOWED[layer]
    if allowed is None:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for lineno, module in _partnernet_imports(tree):
        parts = module.split(".")
        target = parts[1] if len(parts) > 1 else "__init__"
        assert target in allowed, (
            f"{path.relative_to(PACKAGE)}:{lineno} imports {module}: "
            f"the {layer} layer may import only {sorted(allowed)}"
        )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_cli_imports_click(path: Path) -> None:
    if path.name == "cli.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        assert not any(n.split(".")[0] == "click" for n in names), f"{path} imports click"


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if _layer(p) in ("analysis", "graph", "model")],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_analyses_never_touch_files(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "open", f"{path}:{node.lineno} opens a file"
        if isinstance(node, ast.Attribute):
            assert node.attr not in ("read_csv", "to_csv", "write_text", "read_text"), (
                f"{path}:{node.lineno} uses {node.attr}"
            )


def test_the_layer_test_can_fail(tmp_path: Path) -> None:
    """A wrong-way import is caught (the check is not vacuous)."""
    tree = ast.parse(
        "from partnernet.cli import main\nimport partnernet.render.report\n"
        "from partnernet import model, read_dataset\n"
    )
    found = [m for _, m in _partnernet_imports(tree)]
    assert found == [
        "partnernet.cli",
        "partnernet.render.report",
        "partnernet.model",
        "partnernet.read_dataset",
    ]


def test_the_public_api_resolves() -> None:
    import partnernet

    for name in partnernet.__all__:
        assert getattr(partnernet, name) is not None, name
    assert partnernet.org_graph.__module__ == "partnernet.graph"
    with pytest.raises(AttributeError):
        _ = partnernet.no_such_thing
