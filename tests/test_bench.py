"""The benchmark scripts run with every option they document (issue 19), on inputs
small enough for the suite. Their figures are not checked here: a benchmark's
timings are read from bench/RESULTS.md, never asserted by a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.slow


def run_bench(script: str, *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=BENCH.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert result.returncode == 0, f"{script} {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_every_script_documents_its_options() -> None:
    for script in sorted(BENCH.glob("*.py")):
        if script.name == "steps.py":  # a module the others import, not a script
            continue
        result = subprocess.run(
            [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"{script.name} --help:\n{result.stderr}"
        assert "usage:" in result.stdout


def test_analyse_locality_with_stages() -> None:
    out = run_bench("analyse_locality.py", "--repeats", "1", "--stages")
    assert "ratio to the import floor" in out and "report.html" in out  # the stages listed


def test_many_departments_written_then_measured(tmp_path: Path) -> None:
    common = ["--departments", "8", "--organisations", "120", "--seed", "1"]
    run_bench("many_departments.py", *common, "--out", str(tmp_path / "d"), "--write-only")
    assert (tmp_path / "d" / "organisations.csv").is_file()
    run_bench("many_departments.py", *common, "--repeats", "1")


def test_metrics_against_igraph_on_both_sources() -> None:
    for source in ("random", "sample"):
        out = run_bench(
            "metrics_vs_igraph.py",
            "--source",
            source,
            "--seed",
            "1",
            "--repeats",
            "1",
            "--skip-networkx",
        )
        assert "betweenness" in out


def test_sample_memory_keeps_what_it_wrote(tmp_path: Path) -> None:
    run_bench("sample_memory.py", "--scale", "locality", "--seed", "1", "--keep", str(tmp_path))
    assert (tmp_path / "organisations.csv").is_file()


def test_scales_at_locality_with_its_tables(tmp_path: Path) -> None:
    tables = tmp_path / "scales.md"
    run_bench(
        "scales.py",
        "--scale",
        "locality",
        "--repeats",
        "1",
        "--markdown",
        str(tables),
    )
    text = tables.read_text(encoding="utf-8")
    # The heavy measures against igraph (rustworkx and networkit are not in the
    # suite's environment), the communities with their modularity among them.
    assert "| betweenness |" in text
    assert "igraph Leiden, best of 3 runs (partnernet's procedure)" in text
    # Each run says what it ran on: the targets in seconds hold on one kind of machine.
    assert text.startswith("Machine: ") and "usable cores; Python 3." in text.splitlines()[0]


def test_stream_memory_on_small_files(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    run_bench(
        "stream_memory.py",
        "--partnerships",
        "2000",
        "--grants",
        "2000",
        "--seed",
        "1",
        "--work",
        str(tmp_path / "work"),
        "--keep",
        "--json",
        str(figures),
        "--cases",
        "validate,import",
        "--before",
        str(BENCH.parent),
    )
    assert figures.is_file()


@pytest.mark.neo4j
def test_neo4j_load_against_a_scratch_server(tmp_path: Path) -> None:
    # A server of the test's own: the bench deletes the partnernet nodes of the one
    # it is given, and needs no authentication. (Without --uri it starts one itself
    # the same way, from neo4j-server/run.)
    from neo4j_server import LaunchedServer

    with LaunchedServer(tmp_path / "store", tmp_path / "neo4j.log") as server:
        out = run_bench(
            "neo4j_load.py", "--scales", "locality", "--repeats", "1", "--uri", server.uri
        )
    assert "| locality |" in out
