"""The whole analysis on the sample place: the three planted findings come out,
named; every randomised figure repeats with the same seed; the metrics table
agrees with NetworkX computed independently."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_DIR

from partnernet.analysis.pipeline import analyse, funding_by_recipient
from partnernet.analysis.results import METRIC_COLUMNS, Results
from partnernet.export import summary_json
from partnernet.findings import Finding, explain
from partnernet.findings.coverage import coverage_findings
from partnernet.graph import org_graph
from partnernet.model import Dataset

CVS = "GB-CHC-1100019"  # Marshford CVS, the sample's one infrastructure organisation
SILOED = {"GB-LAE-MSF-ASC", "GB-LAE-MSF-HSG"}  # Adult Social Care and Housing


@pytest.fixture(scope="module")
def sample(sample_dataset: Dataset) -> Dataset:
    return sample_dataset


@pytest.fixture(scope="module")
def results(sample_results: Results) -> Results:
    return sample_results


@pytest.fixture(scope="module")
def findings(sample_findings: list[Finding]) -> list[Finding]:
    return sample_findings


def test_metrics_has_one_row_per_organisation(sample: Dataset, results: Results) -> None:
    assert list(results.metrics.columns) == list(METRIC_COLUMNS)
    assert sorted(results.metrics["id"]) == sorted(sample.organisations["id"])


def test_small_organisations_are_under_represented_on_boards(
    results: Results, findings: list[Finding]
) -> None:
    tests = results.summary["small_vs_large"]
    seat = tests["board_seat_share"]
    assert seat["group_value"] < 0.1 < 0.5 < seat["rest_value"]
    assert seat["p_value"] < 0.01
    assert seat["n_permutations"] >= 5000
    finding = next(f for f in findings if f.id == "small-orgs-board-seats")
    assert "under-represented" in finding.text


def test_the_two_planted_council_departments_are_siloed_with_duplicated_engagement(
    results: Results, findings: list[Finding]
) -> None:
    departments = results.departments.set_index("department_id")
    assert set(departments.index[departments["siloed"]]) == SILOED
    assert (departments.loc[sorted(SILOED), "duplicated_engagement"] >= 4).all()
    assert (departments.loc[sorted(SILOED), "coordination_ties"] == 0).all()
    names = {"Adult Social Care", "Housing"}
    finding = next(f for f in findings if f.id.startswith("siloed-departments-"))
    assert all(name in finding.text for name in names)


def test_the_cvs_is_the_top_liaison_broker_and_its_loss_cuts_small_groups_off(
    results: Results,
) -> None:
    metrics = results.metrics.set_index("id")
    liaison = metrics["liaison"].sort_values(ascending=False)
    assert liaison.index[0] == CVS
    assert liaison.iloc[0] > 2 * liaison.iloc[1]
    assert metrics.loc[CVS, "name"] == "Marshford CVS"
    removal = results.removal.set_index("id")
    assert removal["small_cut_off"].idxmax() == CVS
    assert removal.loc[CVS, "small_cut_off"] >= 15
    cut_off = removal.loc[CVS, "cut_off_ids"].split(";")
    # each one really does lose its last path: reachable now, not without the CVS
    assert (metrics.loc[cut_off, "distance_to_decision"] < np.inf).all()
    assert set(metrics.loc[cut_off, "size_band"]) <= {"micro", "small"}


def test_the_planted_findings_carry_permutation_p_values(
    results: Results, findings: list[Finding]
) -> None:
    by_id = {f.id: f for f in findings}
    seats = by_id["small-orgs-board-seats"]
    assert "(p < 0.001, 5,000 reshuffles of the size labels" in seats.text
    top = by_id["brokerage-top-liaison"]
    assert top.text.startswith("Marshford CVS is the main liaison broker")
    assert "more than its position alone explains" in top.text
    assert top.figures["p_value"] < 0.05 and top.figures["reshuffles"] == 5000
    cvs = next(b for b in results.summary.brokerage_null.top_brokers if b.id == CVS)
    assert cvs.liaison > 10 * cvs.reshuffled_expected
    liaison = by_id["brokerage-role-liaison"]
    assert "more than reshuffling gives (p < 0.001, 5,000 reshuffles)" in liaison.text
    assert "always equal" in by_id["brokerage-role-gatekeeper-representative"].text


def test_the_ethnic_minority_led_overlap_with_the_cvs_cut_off_is_stated(
    sample: Dataset, results: Results, findings: list[Finding]
) -> None:
    # Counted here from the tables: the CVS's cut-off list against the tag.
    removal = results.removal.set_index("id")
    cut_off = set(removal.loc[CVS, "cut_off_ids"].split(";"))
    tags = sample.organisations.set_index("id")["tags"].fillna("")
    emlg = {i for i, t in tags.items() if "ethnic-minority-led" in str(t).split(";")}
    assert (len(cut_off), len(cut_off & emlg)) == (31, 21)
    flagged = results.groups[results.groups["flagged"]]
    assert "ethnic-minority-led" in set(flagged["group"])
    assert "size_band" not in set(flagged["grouping"])
    overlap = next(f for f in findings if f.id == "under-connected-cut-off")
    assert overlap.text.startswith(
        "Of the 31 small organisations that losing Marshford CVS would leave with no path to "
        "any decision maker, 21 are in the under-connected group tag 'ethnic-minority-led'"
    )


def test_same_seed_gives_identical_results(
    sample: Dataset, results: Results, findings: list[Finding]
) -> None:
    again = analyse(sample, seed=11)
    pd.testing.assert_frame_equal(again.metrics, results.metrics)
    pd.testing.assert_frame_equal(again.groups, results.groups)
    assert again.summary == results.summary
    assert json.dumps(summary_json(again)) == json.dumps(summary_json(results))
    assert [f.text for f in explain(again)] == [f.text for f in findings]


class _OneAfterAnother:
    """The pipeline's _Background run with no thread: each piece as it is started."""

    def __init__(self, *, threads: int) -> None:
        self.values: dict[str, Any] = {}

    def __enter__(self) -> _OneAfterAnother:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def start(self, name: str, piece: Any, *, ahead: bool = False) -> None:
        self.values[name] = piece()

    def result(self, name: str) -> Any:
        return self.values[name]


@pytest.fixture(scope="module")
def one_after_another(sample: Dataset) -> Results:
    from partnernet.analysis import pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "_Background", _OneAfterAnother)
        return analyse(sample, seed=11)


@pytest.mark.parametrize("threads", [1, 4])
def test_the_reshuffle_tests_give_the_same_figures_on_any_number_of_threads(
    sample: Dataset, one_after_another: Results, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each reshuffle test draws from a generator of its own, so running every piece
    one after another with no thread, on one thread beside the main one, or on four
    changes no figure."""
    from partnernet.analysis import pipeline

    monkeypatch.setattr(pipeline, "RESHUFFLE_THREADS", threads)
    again = analyse(sample, seed=11)
    pd.testing.assert_frame_equal(again.metrics, one_after_another.metrics)
    pd.testing.assert_frame_equal(again.groups, one_after_another.groups)
    pd.testing.assert_frame_equal(again.roles, one_after_another.roles)
    assert again.summary == one_after_another.summary


def test_an_interruption_stops_the_wait_at_once_and_empties_the_queue() -> None:
    """Ctrl-C reaching the main thread while it runs a queued piece itself is not
    held back until the other pieces are in; and leaving the run on an error
    leaves nothing queued for the threads."""
    import threading

    from partnernet.analysis.pipeline import _Background

    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(timeout=30)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), _Background(threads=1) as background:
        background.start("slow", slow)
        assert started.wait(timeout=30)  # the one thread is on it
        background.start("interrupted", interrupted)
        background.start("never", lambda: ran.append("never"))
        background.result("slow")  # runs the queued pieces while "slow" runs
    slow_done = background._done["slow"].is_set()
    release.set()
    background._done["slow"].wait(timeout=30)
    assert not slow_done  # the interruption came before "slow" ended
    assert background._pending == [] and ran == []


def test_an_error_in_a_reshuffle_test_reaches_the_caller(
    sample: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnernet.analysis import exclusion

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise ArithmeticError("planted in the small-against-larger tests")

    monkeypatch.setattr(exclusion, "small_vs_large_tests", broken)
    with pytest.raises(ArithmeticError, match="planted in the small-against-larger"):
        analyse(sample, seed=11, permutations=100)


def test_summary_is_typed_records_that_the_exporter_makes_plain_json(results: Results) -> None:
    from partnernet.analysis.records import Record

    assert all(
        isinstance(getattr(results.summary, f), Record)
        for f in ("settings", "network", "small_vs_large", "funding_concentration", "ei")
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.summary.network.ties = 0  # type: ignore[misc]
    text = json.dumps(summary_json(results), allow_nan=False)
    assert "modularity" in text


def _random_place(seed: int) -> Dataset:
    rng = random.Random(seed)
    types = ["vcse"] * 20 + ["infrastructure", "local_authority", "nhs", "funder"]
    ids = [f"o{i}" for i in range(len(types))]
    orgs = pd.DataFrame(
        {
            "id": ids,
            "name": [f"Org {i}" for i in range(len(ids))],
            "type": types,
            "size_band": [rng.choice(["micro", "small", "medium"]) for _ in types],
        }
    )
    orgs.loc[orgs["type"] != "vcse", "size_band"] = None
    pairs = {tuple(rng.sample(ids, 2)) for _ in range(40)}
    partnerships = pd.DataFrame(sorted(pairs), columns=["source_id", "target_id"])
    funding = pd.DataFrame(
        {
            "id": [f"g{i}" for i in range(10)],
            "funder_id": ["o23"] * 10,
            "recipient_id": [f"o{i}" for i in range(10)],
            "amount": [1000.0 * (i + 1) for i in range(10)],
            "award_date": ["2024-04-01"] * 10,
        }
    )
    return Dataset.from_frames(organisations=orgs, partnerships=partnerships, funding=funding)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metrics_agree_with_networkx_computed_independently(seed: int) -> None:
    ds = _random_place(seed)
    results = analyse(ds, seed=seed, permutations=200)
    metrics = results.metrics.set_index("id")
    # an independent graph: straight from the frames, not through partnernet.graph
    H = nx.Graph()
    H.add_nodes_from(ds.organisations["id"])
    H.add_edges_from(zip(ds.partnerships["source_id"], ds.partnerships["target_id"], strict=True))
    H.add_edges_from(zip(ds.funding["funder_id"], ds.funding["recipient_id"], strict=True))
    expected_betweenness = nx.betweenness_centrality(H, normalized=True)
    for node in H:
        assert metrics.loc[node, "degree"] == H.degree(node)
        assert metrics.loc[node, "betweenness"] == pytest.approx(expected_betweenness[node])
    # distance to decision makers: hops to the council or the NHS body
    lengths = nx.multi_source_dijkstra_path_length(H, {"o21", "o22"})
    for node in H:
        assert metrics.loc[node, "distance_to_decision"] == lengths.get(node, np.inf)
    funding = funding_by_recipient(ds)
    assert metrics.loc["o9", "funding_received"] == 10_000.0
    assert funding["funding_from_public"].sum() == 0.0  # o23 is a funder, not public
    assert list(org_graph(ds).nodes) == list(results.metrics["id"])


def test_every_number_in_every_finding_is_among_its_figures(
    sample: Dataset, findings: list[Finding]
) -> None:
    from test_exclusion import assert_numbers_backed

    names = [*sample.organisations["name"], *sample.boards["name"]]
    assert {f.question for f in findings} == {
        "coverage",
        "exclusion",
        "silos",
        "brokerage",
        "summary",
    }
    for finding in findings:
        assert_numbers_backed(finding, names)


def test_progress_announces_every_step_and_counts_the_long_ones(sample: Dataset) -> None:
    calls: list[tuple[str, int, int]] = []
    results = analyse(sample, seed=11, permutations=100, progress=lambda *c: calls.append(c))
    starts = [step for step, done, total in calls if (done, total) == (0, 1)]
    assert starts == [
        "building the graph",
        "centrality",
        "brokerage roles",
        "distance to decision makers",
        "communities",
        "exclusion of small organisations",
        "siloed departments",
        "removal impact",
        "reshuffle tests and routes from small organisations to decision makers",
    ]
    # One call per candidate removed, counting up; then one as each of the seven
    # pieces on other threads (five reshuffle tests, the route counts, the
    # effective sizes) is in.
    removal = [(d, t) for s, d, t in calls if s == "removal impact" and (d, t) != (0, 1)]
    n = len(results.removal)
    assert removal == [(i, n) for i in range(1, n + 1)]
    waits = [(d, t) for s, d, t in calls if s.startswith("reshuffle tests") and (d, t) != (0, 1)]
    assert waits == [(i, 7) for i in range(1, 8)]


def test_the_command_names_each_step_on_stderr_and_nothing_under_quiet(tmp_path) -> None:
    from click.testing import CliRunner

    from partnernet.cli import cli

    args = ["analyse", str(SAMPLE_DIR), "--out", str(tmp_path), "--permutations", "100"]
    loud = CliRunner().invoke(cli, args)
    assert loud.exit_code == 0, loud.output
    for step in ("removal impact", "reshuffle tests and routes", "writing the tables"):
        assert f"Analysing: {step}" in loud.stderr
    assert "Analysing" not in loud.stdout
    quiet = CliRunner().invoke(cli, [*args, "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_large_counts_in_findings_carry_thousands_separators() -> None:
    n = 1_200
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            {"id": [f"o{i}" for i in range(n)], "name": "Group", "type": "vcse", "size_band": None}
        )
    )
    ties, bands = coverage_findings(analyse(ds, permutations=100))[:2]
    assert ties.text.startswith(
        "The data covers 1,200 organisations and 0 ties between them; 1,200 organisations "
        "(100%) have no tie at all"
    )
    assert bands.text.startswith("1,200 of 1,200 voluntary and infrastructure organisations")


# --- Built once, handed on --------------------------------------------------------


def test_one_analyse_runs_each_costly_step_once_and_rendering_builds_nothing(
    sample: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Community detection, the brokerage roles and each graph build run exactly once per
    analysis; the findings, the tables, the map and the report read Results and
    build no graph and compute no measure again."""
    from partnernet.analysis import pipeline, roles, summary
    from partnernet.export import write_outputs

    calls: dict[str, int] = {}

    def counted(module: Any, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(summary, "_leiden")  # the community engine (igraph's Leiden)
    counted(roles, "brokerage_roles")
    counted(pipeline, "brokerage_roles")
    counted(pipeline, "org_graph")
    counted(pipeline, "build_graph")
    import partnernet.graph as graph_module

    counted(graph_module, "org_graph")
    counted(graph_module, "build_graph")

    results = analyse(sample, seed=11, permutations=100)
    assert calls == {
        "_leiden": 1,
        "brokerage_roles": 1,
        "org_graph": 1,
        "build_graph": 1,
    }
    calls.clear()
    findings = explain(results)
    write_outputs(tmp_path, results, findings)
    assert calls == {}
    assert {p.name for p in tmp_path.iterdir()} >= {"network.html", "report.html", "metrics.csv"}


def test_analyse_creates_a_missing_out_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from partnernet.cli import cli

    out = tmp_path / "a" / "new" / "folder"
    result = CliRunner().invoke(
        cli, ["analyse", str(SAMPLE_DIR), "--out", str(out), "--permutations", "100", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()


def test_an_unwritable_out_fails_before_the_data_is_read(tmp_path: Path) -> None:
    """The dataset folder does not exist: were it read first, the exit would be 3."""
    from click.testing import CliRunner

    from partnernet.cli import cli

    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    for command in ("analyse", "compare"):
        data = [str(tmp_path / "no-such-dataset")] * (2 if command == "compare" else 1)
        result = CliRunner().invoke(cli, [command, *data, "--out", str(tmp_path / "taken" / "x")])
        assert result.exit_code == 5, result.output
        assert "cannot write to" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
