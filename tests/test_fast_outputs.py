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
