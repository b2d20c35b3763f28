"""The faster writing of round 3 (issue 17) gives exactly what the slower code gave.

Each test runs the new code beside the code it replaced (kept here, or the library
it stopped calling) and asks for equal output, key order included: the files are
compared byte for byte by the run before and after, so a reordered key would be a
changed file.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from render_support import hostile, sample

from partnernet.render import network as network_module


def _pyvis_vis_options(*, seed: int, n_nodes: int) -> dict[str, Any]:
    """The map's options as they were built before: through pyvis's ``Network``."""
    from pyvis.network import Network

    net = Network(directed=True, height="100%", width="100%", cdn_resources="in_line")
    net.toggle_physics(False)
    net.toggle_stabilization(False)
    net.options.edges.smooth.enabled = False
    net.options.edges.color.inherit = False
    options: dict[str, Any] = json.loads(net.options.to_json())
    options["interaction"].update(
        {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": n_nodes > network_module.LARGE_MAP,
            "hideEdgesOnZoom": n_nodes > network_module.LARGE_MAP,
            "navigationButtons": False,
            "keyboard": False,
        }
    )
    options["layout"] = {"randomSeed": seed, "improvedLayout": False}
    options["nodes"] = {
        "font": {"face": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        "scaling": {"label": {"drawThreshold": 8}},
    }
    options["edges"]["selectionWidth"] = 2
    return options


def _ordered(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # key order kept: equal text, equal order


@pytest.mark.parametrize("n_nodes", [3, network_module.LARGE_MAP + 1])
def test_map_options_are_pyvis_options(n_nodes: int) -> None:
    ours = network_module._vis_options(seed=11, n_nodes=n_nodes)
    assert _ordered(ours) == _ordered(_pyvis_vis_options(seed=11, n_nodes=n_nodes))


@pytest.mark.parametrize("analysed", [sample, hostile], ids=["sample", "hostile"])
def test_map_nodes_and_edges_are_what_pyvis_built(
    analysed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every node and edge of two maps, built by our functions and by pyvis's
    ``Network.add_node`` and ``Edge`` from the same arguments."""
    from pyvis.edge import Edge
    from pyvis.network import Network

    net = Network(directed=True, height="100%", width="100%", cdn_resources="in_line")
    seen = {"nodes": 0, "edges": 0}
    ours_node, ours_edge = network_module.vis_node, network_module.vis_edge

    def both_node(vis_id: str, **options: Any) -> dict[str, Any]:
        node = ours_node(vis_id, **options)
        net.add_node(vis_id, **options)
        assert _ordered(node) == _ordered(net.nodes[-1])
        seen["nodes"] += 1
        return node

    def both_edge(source: str, target: str, options: dict[str, Any]) -> dict[str, Any]:
        edge = ours_edge(source, target, options)
        theirs = Edge(source, target, directed=options["arrows"]["to"]["enabled"], **options)
        assert _ordered(edge) == _ordered(theirs.options)
        seen["edges"] += 1
        return edge

    monkeypatch.setattr(network_module, "vis_node", both_node)
    monkeypatch.setattr(network_module, "vis_edge", both_edge)
    _, results = analysed()
    payload = network_module.network_payload(results)
    assert seen["nodes"] == len(payload["nodes"]) > 10
    assert seen["edges"] == len(payload["edges"]) > 10


def test_an_empty_label_is_the_node_id_as_in_pyvis() -> None:
    assert network_module.vis_node("n3", label="", shape="dot")["label"] == "n3"


def test_writing_a_run_imports_neither_pyvis_nor_ipython() -> None:
    code = (
        "import sys\n"
        "from partnernet.render import network, report\n"
        "from partnernet import export\n"
        "js, css = network._vis_assets()\n"
        "assert '@version 9.1.2' in js and css\n"
        "print(sorted(m for m in ('pyvis', 'IPython', 'jsonpickle') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _old_json_ready(value: Any) -> Any:
    """``export.json_ready`` as it was: one recursive call per value, frames through
    ``to_dict(orient="records")``."""
    if isinstance(value, dict):
        return {str(k): _old_json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_old_json_ready(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [_old_json_ready(r) for r in value.to_dict(orient="records")]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value


def _old_json_text(value: Any) -> str:
    return json.dumps(_old_json_ready(value), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _awkward_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.Series(["a", "b\u2028", "</script>"], dtype="str"),
            "missing_text": pd.Series(["x", None, "ü"], dtype="str"),
            "objects": pd.Series(["x", np.nan, np.int64(4)], dtype=object),
            "floats": [1.5, float("nan"), -float("inf")],
            "tiny": np.array([1e-300, -0.0, 0.1 + 0.2], dtype="float32"),
            "ints": np.array([0, -(2**62), 7], dtype="int64"),
            "unsigned": np.array([1, 2, 3], dtype="uint8"),
            "flags": [True, False, True],
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "when": pd.to_datetime(["2024-01-31", None, "1999-12-01"]),
            "category": pd.Categorical(["p", "q", "p"]),
            7: ["numbered", "column", "name"],
        }
    )


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        "text",
        3,
        None,
        {"a": {}, "b": [], "c": [[]], "d": [{}], "e": ({"x": (1, 2)},)},
        [1, [2, [3, {"k": [None, True, 2.5, 'é\n\t"\\']}]]],
        {1: "int key", "s": {"nested": {"deeper": [1.0, -0.0, 1e16, 123456789.123]}}},
        {"frame": pd.DataFrame({"a": [1, 2]}), "empty": pd.DataFrame({"a": []})},
    ],
    ids=lambda v: type(v).__name__,
)
def test_json_text_is_what_json_dumps_wrote(value: Any) -> None:
    from partnernet.export import _json_text

    assert _json_text(value) == _old_json_text(value)


def test_json_of_an_awkward_frame_is_what_the_records_gave() -> None:
    from partnernet.export import _json_text, json_ready

    frame = _awkward_frame()
    assert json_ready(frame) == _old_json_ready(frame)
    assert _json_text({"rows": frame, "again": [frame]}) == _old_json_text(
        {"rows": frame, "again": [frame]}
    )
    assert json_ready(frame)[2]["when"] == "1999-12-01"  # dates stay dates
    assert json_ready(frame)[1]["floats"] is None and json_ready(frame)[1]["missing_text"] is None


def test_json_refuses_what_json_refused() -> None:
    from partnernet.export import _indented_json

    for bad in ({"a": [float("nan")]}, [{"a": object()}], {"a": [1, {"b": float("inf")}]}):
        with pytest.raises((ValueError, TypeError)):
            _indented_json(bad)


@pytest.mark.parametrize("analysed", [sample, hostile], ids=["sample", "hostile"])
def test_json_files_of_a_run_are_what_they_were(analysed: Any) -> None:
    from partnernet.export import _json_text, metrics_table, summary_json
    from partnernet.findings import explain

    _, results = analysed()
    findings = [f.to_dict() for f in explain(results)]
    for value in (metrics_table(results), summary_json(results), findings):
        assert _json_text(value) == _old_json_text(value)


def _old_rounded(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """``export.rounded`` as it was: significant figures through ``Series.map``."""
    from partnernet.dictionary import ROUNDING, unit_of
    from partnernet.export import _significant

    out = frame.copy()
    for column in out.columns:
        rule = ROUNDING.get(unit_of(file_name, column))
        if rule is None:
            continue
        values = pd.to_numeric(out[column], errors="raise").astype("float64")
        values = values.where(np.isfinite(values.to_numpy()), np.nan)
        if rule == "integer":
            out[column] = values.round().astype("Int64")
        elif rule == "pennies":
            out[column] = values.round(2)
        else:
            out[column] = values.map(lambda v: v if pd.isna(v) else _significant(v))
    return out


@pytest.mark.parametrize("analysed", [sample, hostile], ids=["sample", "hostile"])
def test_rounded_tables_are_what_they_were(analysed: Any) -> None:
    from partnernet.export import departments_table, groups_table, metrics_table, rounded

    _, results = analysed()
    for name, table in (
        ("metrics.csv", metrics_table(results)),
        ("groups.csv", groups_table(results)),
        ("departments.csv", departments_table(results)),
    ):
        pd.testing.assert_frame_equal(rounded(table, name), _old_rounded(table, name))
        # assert_frame_equal lets -0.0 equal 0.0: the CSV would not
        assert rounded(table, name).to_csv() == _old_rounded(table, name).to_csv()


def test_rounding_keeps_missing_and_infinite_values_empty() -> None:
    from partnernet.export import rounded

    frame = pd.DataFrame(
        {"betweenness": [0.123456, float("nan"), float("inf"), -0.0, 12345.678, 1e-9]}
    )
    new, old = rounded(frame, "metrics.csv"), _old_rounded(frame, "metrics.csv")
    pd.testing.assert_frame_equal(new, old)
    assert new.to_csv() == old.to_csv()
    assert rounded(frame.iloc[:0], "metrics.csv").dtypes.equals(
        _old_rounded(frame.iloc[:0], "metrics.csv").dtypes
    )


@pytest.mark.parametrize("max_organisations", [60, network_module.MAP_LIMIT])
@pytest.mark.parametrize("analysed", [sample, hostile], ids=["sample", "hostile"])
def test_map_edges_are_grouped_in_the_order_every_edge_gave(
    analysed: Any, max_organisations: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drawn edges, built from the drawn sources' edges only, against the old
    grouping over every edge of the graph (which fixed the edges' order)."""
    from collections import defaultdict

    seen: dict[str, Any] = {}
    aggregate = network_module._aggregate_edges

    def recording(G: Any, nodes: Any, layers: Any, names: Any) -> Any:
        edges = aggregate(G, nodes, layers, names)
        grouped: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
        for u, v, data in G.edges(data=True):  # the old loop
            if data["layer"] in layers and u in nodes and v in nodes and u != v:
                grouped[(u, v, data["layer"])].append(data)
        seen["old"], seen["new"] = list(grouped), [(e.source, e.target, e.layer) for e in edges]
        seen["drawn"] = len(nodes)
        return edges

    monkeypatch.setattr(network_module, "_aggregate_edges", recording)
    _, results = analysed()
    network_module.network_payload(results, max_organisations=max_organisations)
    assert seen["new"] == seen["old"] and len(seen["new"]) > 10
    if max_organisations == 60 and analysed is sample:  # some sources not drawn
        assert seen["drawn"] < results.multilayer.number_of_nodes()
