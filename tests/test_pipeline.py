"""The whole analysis on the sample place: the three planted findings come out,
named; every randomised figure repeats with the same seed; the metrics table
agrees with NetworkX computed independently."""

from __future__ import annotations

import json
import random

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_DIR

from partnernet.analysis.pipeline import analyse, funding_by_recipient
from partnernet.analysis.results import METRIC_COLUMNS, Results
from partnernet.export import json_ready
from partnernet.graph import org_graph
from partnernet.io.read import read_dataset
from partnernet.model import Dataset

CVS = "GB-CHC-1100019"  # Marshford CVS, the sample's one infrastructure organisation
SILOED = {"GB-LAE-MSF-ASC", "GB-LAE-MSF-HSG"}  # Adult Social Care and Housing


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return read_dataset(SAMPLE_DIR, pseudonym_key="test-key-not-secret")


@pytest.fixture(scope="module")
def results(sample: Dataset) -> Results:
    return analyse(sample, seed=11)


def test_metrics_has_one_row_per_organisation(sample: Dataset, results: Results) -> None:
    assert list(results.metrics.columns) == list(METRIC_COLUMNS)
    assert sorted(results.metrics["id"]) == sorted(sample.organisations["id"])


def test_small_organisations_are_under_represented_on_boards(results: Results) -> None:
    tests = results.summary["small_vs_large"]
    seat = tests["board_seat_share"]
    assert seat["group_value"] < 0.1 < 0.5 < seat["rest_value"]
    assert seat["p_value"] < 0.01
    assert seat["n_permutations"] >= 5000
    finding = next(f for f in results.findings if f.id == "small-orgs-board-seats")
    assert "under-represented" in finding.text


def test_the_two_planted_council_departments_are_siloed_with_duplicated_engagement(
    results: Results,
) -> None:
    departments = results.departments.set_index("department_id")
    assert set(departments.index[departments["siloed"]]) == SILOED
    assert (departments.loc[sorted(SILOED), "duplicated_engagement"] >= 4).all()
    assert (departments.loc[sorted(SILOED), "coordination_ties"] == 0).all()
    names = {"Adult Social Care", "Housing"}
    finding = next(f for f in results.findings if f.id.startswith("siloed-departments-"))
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


def test_same_seed_gives_identical_results(sample: Dataset, results: Results) -> None:
    again = analyse(sample, seed=11)
    pd.testing.assert_frame_equal(again.metrics, results.metrics)
    pd.testing.assert_frame_equal(again.groups, results.groups)
    assert json.dumps(json_ready(again.summary)) == json.dumps(json_ready(results.summary))
    assert [f.text for f in again.findings] == [f.text for f in results.findings]


def test_summary_is_plain_json(results: Results) -> None:
    text = json.dumps(json_ready(results.summary), allow_nan=False)
    assert "modularity" in text
    assert not any(isinstance(v, pd.DataFrame) for v in results.summary.values())


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
    sample: Dataset, results: Results
) -> None:
    from test_exclusion import assert_numbers_backed

    names = [*sample.organisations["name"], *sample.boards["name"]]
    assert {f.question for f in results.findings} == {
        "coverage",
        "exclusion",
        "silos",
        "brokerage",
        "summary",
    }
    for finding in results.findings:
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
        "routes from small organisations to decision makers",
        "findings",
    ]
    # One call per candidate removed and per decision maker routes are counted
    # from (the public bodies and the boards taken together), counting up.
    removal = [(d, t) for s, d, t in calls if s == "removal impact" and (d, t) != (0, 1)]
    n = len(results.removal)
    assert removal == [(i, n) for i in range(1, n + 1)]
    routes = [(d, t) for s, d, t in calls if s.startswith("routes") and (d, t) != (0, 1)]
    makers = results.summary["infrastructure_path_share"]["decision_makers"]
    assert routes == [(i, makers) for i in range(1, makers + 1)]


def test_the_command_names_each_step_on_stderr_and_nothing_under_quiet(tmp_path) -> None:
    from click.testing import CliRunner

    from partnernet.cli import cli

    args = ["analyse", str(SAMPLE_DIR), "--out", str(tmp_path), "--permutations", "100"]
    loud = CliRunner().invoke(cli, args)
    assert loud.exit_code == 0, loud.output
    for step in ("removal impact", "routes from small organisations", "writing the tables"):
        assert f"Analysing: {step}" in loud.stderr
    assert "Analysing" not in loud.stdout
    quiet = CliRunner().invoke(cli, [*args, "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_large_counts_in_findings_carry_thousands_separators() -> None:
    from partnernet.analysis.pipeline import coverage_findings

    n = 1_200
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            {"id": [f"o{i}" for i in range(n)], "name": "Group", "type": "vcse", "size_band": None}
        )
    )
    ties, bands = coverage_findings(ds, org_graph(ds))[:2]
    assert ties.text.startswith(
        "The data covers 1,200 organisations and 0 ties between them; 1,200 organisations "
        "(100.0%) have no tie at all"
    )
    assert bands.text.startswith("1,200 of 1,200 voluntary and infrastructure organisations")
