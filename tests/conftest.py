"""Shared fixtures. Under CI=true a test tier whose tool is missing fails instead of
skipping, so a green CI always means the browser, Cypher and live Neo4j tiers really
ran."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
TEST_DATA = Path(__file__).resolve().parent / "data"
# Real public files, copied unchanged with their sources (data/real/SOURCES.md), so
# a fresh clone tests itself with nothing beside it.
REAL_DATA = TEST_DATA / "real"

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing_tool(reason: str) -> None:
    """Skip the test for a missing tool locally; fail it under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing tool is a failure, not a skip)")
    pytest.skip(reason)


def require_neo4j() -> None:
    """The live tier needs a server named by NEO4J_URI ('make test' starts one)."""
    if not os.environ.get("NEO4J_URI"):
        missing_tool(
            "live Neo4j suite: set NEO4J_URI to a scratch server, or run 'make test', "
            "which starts one"
        )


@pytest.fixture(autouse=True)
def _live_neo4j(request: pytest.FixtureRequest) -> None:
    # the marker, not the keyword: keywords include folder names, and every doctest
    # under partnernet/neo4j/ would count as live with them
    if request.node.get_closest_marker("neo4j") is not None:
        require_neo4j()


@pytest.fixture
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_dataset() -> Any:
    """The committed sample place, read once per test run."""
    from partnernet.io.read import read_dataset

    return read_dataset(SAMPLE_DIR, pseudonym_key="test-key-not-secret")


@pytest.fixture(scope="session")
def sample_results(sample_dataset: Any) -> Any:
    """The sample's full analysis (5,000 permutations, seed 11), computed once per run."""
    from partnernet.analysis.pipeline import analyse

    return analyse(sample_dataset, seed=11)


@pytest.fixture(scope="session")
def sample_findings(sample_results: Any) -> Any:
    from partnernet.findings import explain

    return explain(sample_results)


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed pseudonymisation key, so tests never depend on the caller's shell."""
    monkeypatch.setenv("PARTNERNET_PSEUDONYM_KEY", "test-key-not-secret")
