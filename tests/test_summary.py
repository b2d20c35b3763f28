"""The network summary and communities: known answers, NetworkX, determinism."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import subprocess
import sys

import networkx as nx
import pandas as pd
import pytest

from partnernet.analysis.records import NetworkSummary, as_plain
from partnernet.analysis.summary import (
    communities,
    community_labels,
    degree_centralisation,
    louvain_communities,
    network_summary,
)
from partnernet.findings.summary import summary_findings
from partnernet.graph import build_graph, org_graph
from partnernet.model import Dataset


def assert_numbers_in_figures(finding) -> None:
    values = [
        float(v)
        for v in finding.figures.values()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    for token in re.findall(r"-?\d[\d,]*(?:\.\d+)?", finding.text):
        number = float(token.replace(",", ""))
        assert any(math.isclose(number, v) for v in values), (number, finding)


def two_cliques() -> nx.Graph:
    G = nx.barbell_graph(4, 0)  # cliques {0..3} and {4..7} joined by the tie 3-4
    nx.set_node_attributes(G, "vcse", "type")
    return G


def test_two_cliques_joined_by_a_bridge():
    s = network_summary(two_cliques(), None, seed=1)
    assert (s["organisations"], s["ties"], s["components"], s["largest_component"]) == (
        8,
        13,
        1,
        8,
    )
    assert (s["communities"], s["community_sizes"]) == (2, (4, 4))
    # Each clique: 6 internal ties, degree sum 13 of 2m = 26:
    # Q = 2 (6/13 - (13/26)^2) = 12/13 - 1/2.
    assert s["modularity"] == pytest.approx(12 / 13 - 1 / 2)
    assert s["density"] == pytest.approx(13 / 28)
    assert communities(two_cliques(), seed=1).tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    # The communities found once and handed on give the same figures and labels.
    found = louvain_communities(two_cliques(), seed=1)
    assert network_summary(two_cliques(), None, seed=1, partition=found) == s
    assert community_labels(two_cliques(), found).tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize("leaves", [3, 5, 10])
def test_star(leaves):
    G = nx.star_graph(leaves)
    s = network_summary(G, None, seed=0)
    # k ties of the (k + 1) k / 2 possible.
    assert s["density"] == pytest.approx(2 / (leaves + 1))
    assert s["degree_centralisation"] == pytest.approx(1.0)
    assert s["average_clustering"] == 0.0 and s["transitivity"] == 0.0
    # Hub to leaf 1 hop (k pairs), leaf to leaf 2 hops (k (k - 1) / 2 pairs).
    pairs = leaves + leaves * (leaves - 1) / 2
    assert s["average_path_length"] == pytest.approx((leaves + leaves * (leaves - 1)) / pairs)


def test_degree_centralisation_known_answers():
    assert degree_centralisation(nx.star_graph(6)) == pytest.approx(1.0)
    assert degree_centralisation(nx.cycle_graph(6)) == pytest.approx(0.0)
    # Path of 4: degrees 1, 2, 2, 1: (1 + 0 + 0 + 1) / (3 * 2).
    assert degree_centralisation(nx.path_graph(4)) == pytest.approx(2 / 6)
    assert degree_centralisation(nx.path_graph(2)) is None


@pytest.mark.parametrize("seed", range(3))
def test_figures_agree_with_networkx(seed):
    G = nx.gnm_random_graph(60, 70, seed=seed)
    G.add_nodes_from(["lonely"])
    s = network_summary(G, None, seed=seed)
    parts = list(nx.connected_components(G))
    largest = max(parts, key=len)
    assert s["components"] == len(parts)
    assert s["largest_component"] == len(largest)
    assert s["isolates"] == nx.number_of_isolates(G)
    assert s["average_clustering"] == pytest.approx(nx.average_clustering(G))
    assert s["transitivity"] == pytest.approx(nx.transitivity(G))
    assert s["average_path_length"] == pytest.approx(
        nx.average_shortest_path_length(G.subgraph(largest))
    )
    assert s["average_path_length_method"] == "exact"
    # Communities come from igraph's Leiden (issue 17): they partition the nodes,
    # and their modularity is at least that of NetworkX's Louvain with the seed.
    assert sum(s["community_sizes"]) == G.number_of_nodes()
    found = nx.community.louvain_communities(G, weight="weight", seed=seed)
    assert s["modularity"] >= nx.community.modularity(G, found, weight="weight") - 1e-12


def test_large_graphs_sample_the_path_length_with_a_seed():
    G = nx.connected_watts_strogatz_graph(600, 6, 0.1, seed=3)
    exact = nx.average_shortest_path_length(G)
    s = network_summary(G, None, seed=4, exact_path_limit=100, path_sources=60)
    assert s["average_path_length_method"] == "sampled"
    assert s["average_path_length_sources"] == 60
    assert s["average_path_length"] == pytest.approx(exact, rel=0.05)
    again = network_summary(G, None, seed=4, exact_path_limit=100, path_sources=60)
    assert again == s


def test_layers_types_and_boards_from_a_dataset():
    ds = Dataset.from_frames(
        organisations=pd.DataFrame(
            {
                "id": ["c", "d", "cvs", "g"],
                "name": ["Council", "Housing", "CVS", "Group"],
                "type": ["local_authority", "department", "infrastructure", "vcse"],
                "parent_id": [None, "c", None, None],
            }
        ),
        boards=pd.DataFrame({"id": ["b"], "name": ["Board"]}),
        memberships=pd.DataFrame({"board_id": ["b", "b"], "org_id": ["c", "cvs"]}),
        funding=pd.DataFrame(
            {
                "id": ["1", "2"],
                "funder_id": ["c", "c"],
                "recipient_id": ["cvs", "cvs"],
                "amount": [5.0, 6.0],
                "award_date": ["2024-01-01", "2024-02-01"],
            }
        ),
        partnerships=pd.DataFrame({"source_id": ["cvs"], "target_id": ["g"]}),
    )
    s = network_summary(org_graph(ds), build_graph(ds), seed=0)
    assert s["organisations_by_type"] == {
        "department": 1,
        "infrastructure": 1,
        "local_authority": 1,
        "vcse": 1,
    }
    assert s["boards"] == 1
    # c-cvs is formed by FUNDS and MEMBER_OF; cvs-g by PARTNERS_WITH.
    assert s["ties_by_layer"] == {"FUNDS": 1, "MEMBER_OF": 1, "PARTNERS_WITH": 1}
    assert s["facts_by_layer"] == {"FUNDS": 2, "MEMBER_OF": 2, "PARTNERS_WITH": 1, "PART_OF": 1}
    assert s["isolates"] == 1  # the department: PART_OF is structure, not a tie
    assert isinstance(s, NetworkSummary)
    json.dumps(as_plain(s), allow_nan=False)  # JSON-ready


def test_empty_and_tieless_graphs():
    s = network_summary(nx.Graph(), None, seed=0)
    assert s["organisations"] == 0 and s["modularity"] is None and s["density"] is None
    s = network_summary(nx.empty_graph(4), None, seed=0)
    assert (s["components"], s["isolates"], s["communities"]) == (4, 4, 4)
    assert s["modularity"] is None
    assert s["average_path_length"] is None and s["average_path_length_method"] == "none"
    json.dumps(as_plain(s), allow_nan=False)


def test_communities_numbered_by_decreasing_size():
    G = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(5))
    G.add_node("alone")
    numbers = communities(G, seed=0)
    assert numbers.tolist() == [1, 1, 1, 0, 0, 0, 0, 0, 2]
    assert numbers.dtype == "int64"
    assert list(numbers.index) == list(G)


def test_same_seed_same_communities_in_another_process():
    # String labels, whose order in a set changes with the hash seed between
    # processes: nothing may depend on that order.
    script = (
        "import networkx as nx, json\n"
        "from partnernet.analysis.summary import communities, network_summary\n"
        "G = nx.relabel_nodes(nx.connected_caveman_graph(6, 5), lambda n: f'org-{n}')\n"
        "G.add_edges_from([('org-0', 'org-7'), ('org-3', 'org-20'), ('org-11', 'org-25')])\n"
        "c = communities(G, seed=42)\n"
        "s = network_summary(G, None, seed=42)\n"
        "print(json.dumps([c.tolist(), s['modularity'], s['community_sizes']]))\n"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_findings_rest_on_their_figures():
    G = nx.disjoint_union(two_cliques(), nx.path_graph(3))
    G.add_node("alone")
    findings = summary_findings(network_summary(G, None, seed=3))
    ids = [f.id for f in findings]
    assert ids == [
        "summary-size",
        "summary-parts",
        "summary-path-length",
        "summary-communities",
        "summary-centralisation",
    ]
    by_id = {f.id: f for f in findings}
    assert by_id["summary-parts"].figures["components"] == 3
    assert by_id["summary-parts"].figures["isolates"] == 1
    assert "12 organisations" in by_id["summary-size"].text
    for finding in findings:
        assert finding.question == "summary"
        assert_numbers_in_figures(finding)


def test_findings_say_when_the_sample_was_sampled_and_when_too_small():
    G = nx.connected_watts_strogatz_graph(200, 4, 0.1, seed=1)
    s = network_summary(G, None, seed=1, exact_path_limit=50, path_sources=40)
    path = {f.id: f for f in summary_findings(s)}["summary-path-length"]
    assert "estimated from 40 organisations chosen at random" in path.text
    assert_numbers_in_figures(path)
    small = summary_findings(network_summary(nx.path_graph(2), None, seed=0))
    assert [f.id for f in small] == ["summary-too-small"]
    assert_numbers_in_figures(small[0])


def test_a_sparse_national_density_is_not_shown_as_zero():
    # 592,611 ties among 200,000 organisations (the national sample):
    # 592611 / (200000 * 199999 / 2) = 2.963e-5, i.e. 0.0030% of possible ties.
    G = nx.empty_graph(4)
    G.add_edges_from([(0, 1), (2, 3)])
    network = network_summary(G, None, seed=0)
    network = dataclasses.replace(
        network, organisations=200_000, ties=592_611, density=592_611 / (200_000 * 199_999 / 2)
    )
    size = {f.id: f for f in summary_findings(network)}["summary-size"]
    assert size.text.endswith("ties between them: 0.003% of all the ties there could be.")
    assert size.figures["density_percent"] == 0.003
    # Denser networks keep two decimal places: 2 of 6 possible ties is 33.33%.
    size = {f.id: f for f in summary_findings(network_summary(G, None, seed=0))}["summary-size"]
    assert size.text.endswith("33.33% of all the ties there could be.")
