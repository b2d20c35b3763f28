"""The exchange formats (GEXF, GraphML, Kumu, Pajek) read back by other tools with
the same nodes, edges, names and metric values, on the sample and on hostile names;
people never exported; the ``export`` command; Results in a notebook; the README's
Python example runs."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import igraph as ig
import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DIR, TEST_DATA

from partnernet.analysis.pipeline import analyse
from partnernet.analysis.results import METRIC_COLUMNS, Results
from partnernet.cli import cli
from partnernet.exchange import (
    FORMATS,
    clean_value,
    exchange_graph,
    exchange_text,
    kumu_blueprint,
    write_exchange,
)
from partnernet.findings.wording import TYPE_LABELS
from partnernet.io.read import read_dataset
from partnernet.io.writers import write_dataset
from partnernet.model import Dataset
from partnernet.render.network import network_payload

KEY = "test-key-not-secret"
METRICS = [c for c in METRIC_COLUMNS if c not in ("id", "name")]
INTEGER_METRICS = {
    "degree",
    "coordinator",
    "itinerant",
    "gatekeeper",
    "representative",
    "liaison",
    "board_seats",
    "community",
}
# Names that break naive writers: markup, quotes, ampersands, line breaks of
# every kind, tabs, a non-BMP character, a control character XML cannot hold.
NASTY_NAMES = {
    "V-NEWLINE": 'Two\nlines "quoted" & <b>bold</b>',
    "V-CRLF": "Carriage\r\nreturn\rand line feed",
    "V-TAB": "Tab\tseparated\u2028line separator 😀",
    "V-QUOTES": "It's \"quoted\" & 'single' <script>alert(1)</script>",
    "V-CONTROL": "Bell\x07 and escape\x1b",
    "V-DUPLICATE-1": "Same Name Trust",
    "V-DUPLICATE-2": "Same Name Trust",
}


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    """The hostile fixture plus names with newlines, tabs, carriage returns,
    quotes, a control character and a shared name, written as a dataset folder by
    partnernet's own writer and read back, then analysed."""
    base = read_dataset(TEST_DATA / "hostile", pseudonym_key=KEY)
    extra = pd.DataFrame(
        {
            "id": list(NASTY_NAMES),
            "name": list(NASTY_NAMES.values()),
            "type": "vcse",
            "size_band": "micro",
        }
    )
    ids = list(NASTY_NAMES)
    ties = pd.DataFrame(
        {
            "source_id": ["CVS-1", *ids[:-1]],
            "target_id": [ids[0], *ids[1:]],
            "kind": "collaboration",
        }
    )
    ds = Dataset.from_frames(
        **{
            **base.tables(),
            "organisations": pd.concat([base.organisations, extra], ignore_index=True),
            "partnerships": pd.concat([base.partnerships, ties], ignore_index=True),
        }
    )
    folder = tmp_path_factory.mktemp("hostile-plus")
    write_dataset(ds, folder)
    read_back = read_dataset(folder, pseudonym_key=KEY)
    names = dict(zip(read_back.organisations["id"], read_back.organisations["name"], strict=True))
    assert all(names[k] == v for k, v in NASTY_NAMES.items()), "the reader changed a name"
    return analyse(read_back, seed=0, permutations=200)


@pytest.fixture(params=["sample", "hostile"])
def results(request: pytest.FixtureRequest, sample_results: Results) -> Results:
    if request.param == "sample":
        return sample_results
    hostile: Results = request.getfixturevalue("hostile_results")
    return hostile


# What every format must carry, worked out from the dataset and the results'
# own graph and tables, not from the exchange module.


def expected_labels(results: Results) -> dict[str, str]:
    ds = results.dataset
    labels = dict(zip(ds.organisations["id"], ds.organisations["name"], strict=True))
    labels.update(zip(ds.boards["id"], ds.boards["name"], strict=True))
    return labels


def xml_labels(results: Results) -> dict[str, str]:
    """The labels an XML file holds: the module docstring's promise, C0 controls
    other than tab, newline and carriage return replaced by U+FFFD."""
    return {
        k: re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", v)
        for k, v in expected_labels(results).items()
    }


def expected_ties(results: Results) -> dict[frozenset[str], dict[str, Any]]:
    return {frozenset((u, v)): d for u, v, d in results.graph.edges(data=True)}


def expected_seats(results: Results) -> set[frozenset[str]]:
    m = results.dataset.memberships
    return {frozenset(pair) for pair in zip(m["org_id"], m["board_id"], strict=True)}


def expected_metrics(results: Results) -> dict[str, dict[str, Any]]:
    """Each organisation's metrics with the missing ones (NaN, infinity) left out."""
    out = {}
    for row in results.metrics.to_dict(orient="records"):
        values = {}
        for column in METRICS:
            value = row[column]
            if isinstance(value, float) and not math.isfinite(value):
                continue
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            values[column] = value.item() if hasattr(value, "item") else value
        out[row["id"]] = values
    return out


def assert_same_metrics(node: dict[str, Any], expected: dict[str, Any], *, text: bool) -> None:
    """The node's metric attributes are exactly ``expected``: values equal (as
    text when the format stores text), missing ones absent."""
    for column in METRICS:
        if column not in expected:
            assert column not in node, column
            continue
        value = expected[column]
        got = node[column]
        if text:
            got = _from_text(got, value)
        assert got == value, (column, got, value)
        assert type(got) is type(value), (column, type(got), type(value))


def _from_text(text: str, like: Any) -> Any:
    if isinstance(like, bool):
        return {"true": True, "false": False}[text]
    if isinstance(like, int):
        return int(text)
    if isinstance(like, float):
        return float(text)
    return text


def _write(tmp_path: Path, results: Results, fmt: str) -> Path:
    return write_exchange(tmp_path / f"network.{fmt}", results, fmt)


def test_graphml_reads_back_in_networkx_with_every_metric(results: Results, tmp_path: Path) -> None:
    G = nx.read_graphml(_write(tmp_path, results, "graphml"))
    labels = xml_labels(results)
    assert set(G) == set(labels)
    assert {n: d["label"] for n, d in G.nodes(data=True)} == labels
    metrics = expected_metrics(results)
    for org_id, values in metrics.items():
        assert_same_metrics(G.nodes[org_id], values, text=False)
        assert G.nodes[org_id]["kind"] == "organisation"
    ties = {frozenset((u, v)): d for u, v, d in G.edges(data=True) if d["kind"] == "tie"}
    assert ties.keys() == expected_ties(results).keys()
    for pair, data in expected_ties(results).items():
        assert ties[pair]["weight"] == data["weight"]
        assert ties[pair]["layers"].split(";") == list(data["layers"])
        assert ties[pair]["funds"] is ("FUNDS" in data["layers"])
    seats = {frozenset((u, v)) for u, v, d in G.edges(data=True) if d["kind"] == "board_seat"}
    assert seats == expected_seats(results)
    # igraph, the reader behind R's igraph::read_graph(format = "graphml"), too.
    g = ig.Graph.Read_GraphML(str(tmp_path / "network.graphml"))
    assert sorted(g.vs["id"]) == sorted(labels)
    assert dict(zip(g.vs["id"], g.vs["label"], strict=True)) == labels
    assert g.ecount() == G.number_of_edges()
    betweenness = dict(zip(g.vs["id"], g.vs["betweenness"], strict=True))
    assert all(betweenness[k] == v["betweenness"] for k, v in metrics.items())


def test_gexf_reads_back_with_the_maps_positions_colours_and_sizes(
    results: Results, tmp_path: Path
) -> None:
    path = _write(tmp_path, results, "gexf")
    text = path.read_text(encoding="utf-8")
    assert 'xmlns:viz="http://www.gexf.net/1.2draft/viz"' in text
    G = nx.read_gexf(path, version="1.2draft")
    labels = xml_labels(results)
    assert set(G) == set(labels)
    assert {n: d["label"] for n, d in G.nodes(data=True)} == labels
    for org_id, values in expected_metrics(results).items():
        assert_same_metrics(G.nodes[org_id], values, text=False)
    ties = {frozenset((u, v)): d for u, v, d in G.edges(data=True) if d["kind"] == "tie"}
    assert ties.keys() == expected_ties(results).keys()
    assert all(ties[p]["weight"] == d["weight"] for p, d in expected_ties(results).items())
    seats = {frozenset((u, v)) for u, v, d in G.edges(data=True) if d["kind"] == "board_seat"}
    assert seats == expected_seats(results)
    # The map's own picture, matched by the full name the map shows and by
    # place: Gephi's y axis points up, the page's down.
    drawn = sorted(
        (n["name"], n["x"], -n["y"], n["size"], n["color"]["background"])
        for n in network_payload(results)["nodes"]
    )
    written = sorted(
        (
            re.sub(r"[\x00-\x1f\u2028\u2029]", " ", d["label"]).strip(),
            d["viz"]["position"]["x"],
            d["viz"]["position"]["y"],
            d["viz"]["size"],
            "#{:02x}{:02x}{:02x}".format(*(d["viz"]["color"][c] for c in "rgb")),
        )
        for _, d in G.nodes(data=True)
    )
    if results.dataset.organisations["name"].str.contains(r"[\x00-\x1f]").any():
        # the map shows "Bell  and escape" where a control character was; the
        # positions are compared without the names
        drawn = sorted(t[1:] for t in drawn)
        written = sorted(t[1:] for t in written)
    assert written == drawn


def _pajek_label(name: str) -> str:
    """What the Pajek module docstring promises a label becomes."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", " ", name).replace('"', "'")


def _pajek_labels(results: Results) -> dict[str, str]:
    labels = {k: _pajek_label(v) for k, v in expected_labels(results).items()}
    counts = pd.Series(list(labels.values())).value_counts()
    return {k: (v if counts[v] == 1 else f"{v} [{_pajek_label(k)}]") for k, v in labels.items()}


def test_pajek_reads_back_in_networkx_and_igraph(results: Results, tmp_path: Path) -> None:
    path = _write(tmp_path, results, "pajek")
    labels = _pajek_labels(results)
    by_label = {v: k for k, v in labels.items()}
    assert len(by_label) == len(labels), "Pajek labels must be unique"
    G = nx.read_pajek(path)
    assert set(G) == set(by_label)
    for org_id, values in expected_metrics(results).items():
        assert_same_metrics(G.nodes[labels[org_id]], values, text=True)
    for _, data in G.nodes(data=True):
        assert 0.0 <= data["x"] <= 1.0 and 0.0 <= data["y"] <= 1.0
    ties = {
        frozenset((by_label[u], by_label[v])): d
        for u, v, d in G.edges(data=True)
        if d["kind"] == "tie"
    }
    assert len(ties) == sum(1 for _, _, d in G.edges(data=True) if d["kind"] == "tie")
    assert ties.keys() == expected_ties(results).keys()
    assert all(ties[p]["weight"] == d["weight"] for p, d in expected_ties(results).items())
    seats = {
        frozenset((by_label[u], by_label[v]))
        for u, v, d in G.edges(data=True)
        if d["kind"] == "board_seat"
    }
    assert seats == expected_seats(results)
    # igraph, the reader behind R's igraph::read_graph(format = "pajek"), too.
    g = ig.Graph.Read_Pajek(str(path))
    assert sorted(g.vs["name"]) == sorted(labels.values())
    assert g.ecount() == G.number_of_edges()
    betweenness = dict(zip(g.vs["name"], g.vs["betweenness"], strict=True))
    for org_id, values in expected_metrics(results).items():
        assert float(betweenness[labels[org_id]]) == values["betweenness"]


# Kumu's documented blueprint (docs.kumu.io, guides/import/blueprints): an object
# with "elements" (each a "label", optional "id", "type", "description", "tags"
# list and custom keys) and "connections" (each "from" and "to", naming element
# ids or labels, optional "type" and "direction": undirected, directed or mutual).
KUMU_DIRECTIONS = {"undirected", "directed", "mutual"}


def check_kumu_shape(blueprint: Any) -> None:
    assert isinstance(blueprint, dict)
    assert set(blueprint) == {"elements", "connections"}
    ids = set()
    for element in blueprint["elements"]:
        assert isinstance(element["label"], str) and element["label"]
        assert isinstance(element["id"], str) and element["id"] not in ids
        ids.add(element["id"])
        assert isinstance(element["type"], str)
        if "tags" in element:
            assert isinstance(element["tags"], list)
            assert all(isinstance(t, str) and t for t in element["tags"])
        for key, value in element.items():
            if key != "tags":
                assert isinstance(value, str | int | float | bool), (key, value)
                assert not (isinstance(value, float) and not math.isfinite(value))
    for connection in blueprint["connections"]:
        assert connection["from"] in ids and connection["to"] in ids
        assert connection["direction"] in KUMU_DIRECTIONS
        assert isinstance(connection["type"], str)
        assert "id" not in connection, "ids must be unique across elements and connections"
        for key, value in connection.items():
            assert isinstance(value, str | int | float | bool), (key, value)


def test_the_shape_check_can_fail() -> None:
    good = {"elements": [{"id": "a", "label": "A", "type": "T"}], "connections": []}
    check_kumu_shape(good)
    for bad in (
        {"elements": [{"id": "a", "label": "A", "type": "T", "x": None}], "connections": []},
        {**good, "connections": [{"from": "a", "to": "b", "type": "T", "direction": "up"}]},
        {**good, "nodes": []},
    ):
        with pytest.raises((AssertionError, KeyError)):
            check_kumu_shape(bad)


def test_kumu_blueprint_has_the_documented_shape_and_round_trips(
    results: Results, tmp_path: Path
) -> None:
    text = _write(tmp_path, results, "kumu").read_text(encoding="utf-8")
    blueprint = json.loads(text)
    check_kumu_shape(blueprint)
    assert blueprint == json.loads(json.dumps(kumu_blueprint(results)))
    elements = {e["id"]: e for e in blueprint["elements"]}
    assert {k: e["label"] for k, e in elements.items()} == expected_labels(results)
    for org_id, values in expected_metrics(results).items():
        # Kumu's "type" is for people ("Local authority"); the dataset's is org_type
        element = elements[org_id]
        assert element["type"] == TYPE_LABELS[element["org_type"]]
        assert_same_metrics({**element, "type": element["org_type"]}, values, text=False)
    ties = {
        frozenset((c["from"], c["to"])): c for c in blueprint["connections"] if c["type"] == "Tie"
    }
    assert ties.keys() == expected_ties(results).keys()
    assert all(ties[p]["weight"] == d["weight"] for p, d in expected_ties(results).items())
    seats = [c for c in blueprint["connections"] if c["type"] == "Board seat"]
    assert {frozenset((c["from"], c["to"])) for c in seats} == expected_seats(results)
    boards = set(results.dataset.boards["id"])
    assert all(c["to"] in boards and c["direction"] == "directed" for c in seats)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_person_is_exported(fmt: str, results: Results) -> None:
    text = exchange_text(results, fmt)
    people = set(results.dataset.affiliations["person_id"])
    assert people, "the test needs a dataset with affiliations"
    assert not [p for p in people if p in text]
    assert "person" not in text.lower().replace("shares_person", "")


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_markup_in_names_stays_text_in_the_xml(fmt: str, hostile_results: Results) -> None:
    root = ET.fromstring(exchange_text(hostile_results, fmt).encode("utf-8"))
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags.isdisjoint({"script", "b", "img", "svg", "a", "style", "iframe", "marquee"})


def test_a_character_xml_cannot_hold_is_replaced_and_said(hostile_results: Results) -> None:
    G = nx.parse_graphml(exchange_text(hostile_results, "graphml"))
    assert G.nodes["V-CONTROL"]["label"] == "Bell\ufffd and escape\ufffd"
    assert G.nodes["V-CRLF"]["label"] == NASTY_NAMES["V-CRLF"]


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        (pd.NA, None),
        (1.5, 1.5),
        ("", ""),
        ((), None),
        (("youth", "faith"), "youth;faith"),
        ({"b", "a"}, "a;b"),
        (True, True),
    ],
)
def test_clean_value(value: Any, cleaned: Any) -> None:
    assert clean_value(value) == cleaned


def test_clean_value_makes_numpy_python() -> None:
    import numpy as np

    for value, kind in ((np.int64(2), int), (np.float64(0.5), float), (np.bool_(False), bool)):
        assert type(clean_value(value)) is kind


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_networkx_own_writers_take_the_exchange_graph(
    fmt: str, results: Results, tmp_path: Path
) -> None:
    """A Python user can hand exchange_graph to networkx's writers directly
    (warnings are errors here, so a dropped attribute would fail too)."""
    G = exchange_graph(results, xml_safe=True)
    path = tmp_path / f"direct.{fmt}"
    if fmt == "gexf":
        nx.write_gexf(G, path)
        back = nx.read_gexf(path)
    else:
        nx.write_graphml(G, path)
        back = nx.read_graphml(path)
    assert set(back) == set(G)
    assert back.number_of_edges() == G.number_of_edges()


ORGANISATION_ATTRIBUTES = {
    "label",
    "kind",
    *METRICS,
    "sector",
    "parent_id",
    "locality",
    "tags",
    "public_body",
    "top_broker",
    "broker_rank",
}
BOARD_ATTRIBUTES = {"label", "kind", "type", "level", "theme", "convener_id", "members"}


def test_nodes_carry_the_documented_attributes_and_nothing_more(results: Results) -> None:
    G = exchange_graph(results)
    org_keys = set().union(*(d.keys() for _, d in G.nodes(data=True) if d["kind"] != "board"))
    board_keys = set().union(*(d.keys() for _, d in G.nodes(data=True) if d["kind"] == "board"))
    assert org_keys <= ORGANISATION_ATTRIBUTES and "income" not in org_keys
    assert {"label", "kind", "degree", "betweenness", "top_broker"} <= org_keys
    assert board_keys <= BOARD_ATTRIBUTES
    assert {d["members"] for _, d in G.nodes(data=True) if d["kind"] == "board"} == {
        int(n) for n in results.dataset.memberships.groupby("board_id")["org_id"].nunique()
    }
    brokers = [n for n, d in G.nodes(data=True) if d.get("top_broker")]
    assert sorted(brokers, key=lambda n: G.nodes[n]["broker_rank"]) == list(results.top_brokers)


def test_only_the_organisation_graph_is_exported_with_boards_only_with_member_of(
    sample_dataset: Dataset,
) -> None:
    funds_only = analyse(sample_dataset, layers=["FUNDS"], seed=0, permutations=100)
    G = nx.parse_graphml(exchange_text(funds_only, "graphml"))
    assert set(G) == set(sample_dataset.organisations["id"])
    assert {d["kind"] for _, _, d in G.edges(data=True)} == {"tie"}
    assert {d["layers"] for _, _, d in G.edges(data=True)} == {"FUNDS"}


def test_exporting_builds_no_graph_and_measures_nothing(
    sample_results: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    import partnernet.analysis.pipeline as pipeline
    import partnernet.graph as graph

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("an export must read Results, not rebuild or remeasure")

    for module, name in ((graph, "build_graph"), (graph, "org_graph"), (pipeline, "analyse")):
        monkeypatch.setattr(module, name, refuse)
    for fmt in FORMATS:
        assert exchange_text(sample_results, fmt)


# The command.


def test_export_writes_each_format_after_one_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import partnernet.analysis.pipeline as pipeline

    calls = []
    real = pipeline.analyse

    def counted(*args: Any, **kwargs: Any) -> Results:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "analyse", counted)
    for fmt in FORMATS:
        out = tmp_path / "new folder" / f"network.{fmt}"
        result = CliRunner().invoke(
            cli,
            ["export", str(SAMPLE_DIR), "--format", fmt, "--out", str(out), "--quiet"],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert len(calls) == len(FORMATS)
    assert nx.read_graphml(tmp_path / "new folder" / "network.graphml").number_of_nodes() == 261


def test_export_to_a_folder_fails_before_reading_anything(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", str(tmp_path / "missing"), "--format", "gexf", "--out", str(tmp_path)]
    )
    assert result.exit_code == 5
    assert "it is a folder" in result.output
    assert list(tmp_path.iterdir()) == []


def test_export_of_an_invalid_dataset_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "organisations.csv").write_text("id,name,type\na,A,not-a-type\n", encoding="utf-8")
    out = tmp_path / "out" / "network.gexf"
    result = CliRunner().invoke(cli, ["export", str(bad), "--format", "gexf", "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert not out.exists()


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", str(SAMPLE_DIR), "--format", "csv", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "gexf" in result.output


# Python users.


def test_results_show_a_summary_without_names_in_a_notebook(hostile_results: Results) -> None:
    text = repr(hostile_results)
    html_text = hostile_results._repr_html_()
    net = hostile_results.summary.network
    assert f"{net.organisations:,} organisations" in text
    assert f"{net.ties:,} ties" in text
    assert f"metrics: DataFrame, {len(hostile_results.metrics):,} rows × 20 columns" in text
    assert "networkx Graph" in text and "networkx MultiDiGraph" in text
    assert f"{net.organisations:,} organisations" in html_text
    for org_id, name in expected_labels(hostile_results).items():
        for shown in (text, html_text):
            assert name not in shown and org_id not in shown
    for person in hostile_results.dataset.affiliations["person_id"]:
        assert person not in text and person not in html_text
    assert html_text.startswith("<table>") and "<script" not in html_text


def test_the_notebook_summary_escapes_what_it_shows(sample_results: Results) -> None:
    settings = sample_results.summary.settings
    odd = dataclasses.replace(
        sample_results,
        summary=dataclasses.replace(
            sample_results.summary,
            settings=dataclasses.replace(settings, layers=("<b>&</b>",)),
        ),
    )
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in odd._repr_html_()
    assert "<b>" not in odd._repr_html_()
    assert "layers: <b>&</b>" in repr(odd)


def _readme_python_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "the README's From Python section has no python block"
    return block.group(1)


def test_the_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SAMPLE_DIR, tmp_path / "sample_data")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(_readme_python_block(), "README.md", "exec"), namespace)
    assert isinstance(namespace["metrics"], pd.DataFrame)
    assert isinstance(namespace["G"], nx.Graph)
    assert isinstance(namespace["results"], Results)
    assert (tmp_path / "out" / "network.graphml").is_file()
