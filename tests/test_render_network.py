"""The network map's HTML, checked without a browser: what the page contains, what
it may load, and what it says about each organisation. (tests/test_browser.py opens
it in Chromium.)"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from render_support import hostile, sample

from partnernet.errors import OutputError
from partnernet.graph import build_graph
from partnernet.model import Dataset
from partnernet.render import network as network_module
from partnernet.render.network import (
    UNDER_CONNECTED_BORDER,
    check_map_path,
    render_network_html,
    script_json,
    write_network,
)


class _Page(HTMLParser):
    """Every tag with its attributes, and each script's type and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.styles: list[str] = []
        self._open: str | None = None
        self._type: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open, self._type, self._text = tag, dict(attrs).get("type"), []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open == "script":
            self.scripts.append((self._type, "".join(self._text)))
        elif tag == self._open == "style":
            self.styles.append("".join(self._text))
        if tag == self._open:
            self._open = None


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def payload(html: str) -> dict[str, Any]:
    """The page's data, read back the way the page reads it (JSON.parse)."""
    scripts = [text for kind, text in parse(html).scripts if kind == "application/json"]
    assert len(scripts) == 1
    return json.loads(scripts[0])


def csp_of(html: str) -> dict[str, list[str]]:
    metas = [
        a["content"]
        for t, a in parse(html).tags
        if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert len(metas) == 1, "exactly one Content-Security-Policy meta tag"
    policy: dict[str, list[str]] = {}
    for directive in (metas[0] or "").split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture(scope="module")
def sample_html() -> str:
    _ds, results = sample()
    return render_network_html(results)


@pytest.fixture(scope="module")
def hostile_html() -> str:
    _ds, results = hostile()
    return render_network_html(results)


# --- Safe embedding -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "<!-- <script>",
        "a & b > c < d",
        "line\u2028separator\u2029paragraph",
        {"nested": ["<img src=x onerror=alert(1)>", 1.5, None, True]},
    ],
)
def test_script_json_round_trips_with_nothing_that_can_end_a_script(value: Any) -> None:
    text = script_json(value)
    assert json.loads(text) == value
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text


def test_script_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        script_json({"x": float("nan")})


def test_no_dataset_id_and_no_raw_markup_from_names_reaches_the_page(hostile_html: str) -> None:
    ds, _ = hostile()
    for org_id in [*ds.organisations["id"], *ds.boards["id"]]:
        assert org_id not in hostile_html, f"dataset id {org_id!r} is in the page"
    texts = [
        *ds.organisations["name"],
        *ds.boards["name"],
        *ds.boards["theme"].dropna(),
        *ds.organisations["locality"].dropna(),
    ]
    marked_up = [t for t in texts if any(c in t for c in "<>&")]
    assert len(marked_up) >= 10
    for text in marked_up:
        assert text not in hostile_html
    # ...yet every name is in the page's data, exactly as written.
    names = {n["name"] for n in payload(hostile_html)["nodes"]}
    assert "<img src=x onerror=\"window.__pwned='img';alert('img')\">" in names
    assert "{{ 7*7 }} {% if true %}jinja{% endif %} ${7*7} <%= 7*7 %>" in names


def test_the_only_markup_is_the_pages_own(hostile_html: str) -> None:
    page = parse(hostile_html)
    tags = {t for t, _ in page.tags}
    assert tags <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p",
        "main", "aside", "section", "label", "input", "datalist", "ul", "div",
        "button", "noscript", "script",
    }  # fmt: skip
    assert [kind for kind, _ in page.scripts] == ["application/json", None, None]
    for tag, attrs in page.tags:
        assert "src" not in attrs and "href" not in attrs, f"<{tag}> loads something"
        assert not any(name.startswith("on") for name in attrs), f"<{tag}> has a handler"
        assert "style" not in attrs, f"<{tag}> has an inline style the CSP would block"


def test_csp_allows_exactly_the_inline_scripts_and_styles_and_nothing_remote(
    sample_html: str,
) -> None:
    page = parse(sample_html)
    policy = csp_of(sample_html)
    assert policy["default-src"] == ["'none'"]
    executable = [text for kind, text in page.scripts if kind is None]
    assert sorted(policy["script-src"]) == sorted(sha256_source(t) for t in executable)
    assert sorted(policy["style-src"]) == sorted(sha256_source(s) for s in page.styles)
    assert policy["img-src"] == ["data:"]
    assert policy["base-uri"] == ["'none'"]
    sources = [source for values in policy.values() for source in values]
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources


def test_charset_is_declared_first_and_vis_comes_from_the_pyvis_package(sample_html: str) -> None:
    head = sample_html[: sample_html.index("</head>")]
    assert head.index('<meta charset="utf-8">') < head.index("<meta http-equiv")
    assert "@version 9.1.2" in sample_html  # the vis-network bundled in pyvis 0.3.2
    assert "sourceMappingURL" not in sample_html
    assert not re.search(r"https?://[^\s\"')]*\.(js|css)\b", sample_html.split("@license")[0])


def test_write_network_writes_utf8_atomically(tmp_path: Path) -> None:
    _ds, results = hostile()
    target = tmp_path / "map.html"
    assert write_network(target, results) == target
    data = target.read_bytes()
    assert data.decode("utf-8") == render_network_html(results)
    assert "Ünïcödé 東京 🎉 Café".encode() in data
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_a_folder_given_as_the_map_is_an_output_error_and_an_existing_map_is_untouched(
    tmp_path: Path,
) -> None:
    _ds, results = hostile()
    with pytest.raises(OutputError, match="it is a folder"):
        check_map_path(tmp_path)
    existing = tmp_path / "map.html"
    existing.write_text("old map", encoding="utf-8")
    with pytest.raises(ValueError):
        write_network(existing, results, colour_by="postcode")
    assert existing.read_text(encoding="utf-8") == "old map"


# --- What the map shows ---------------------------------------------------------


def test_every_organisation_and_board_is_a_node_with_an_opaque_id(sample_html: str) -> None:
    ds, _ = sample()
    data = payload(sample_html)
    nodes = data["nodes"]
    assert len(nodes) == build_graph(ds).number_of_nodes() == len(ds.organisations) + len(ds.boards)
    assert [n["id"] for n in nodes] == [f"n{i}" for i in range(len(nodes))]
    assert sorted(n["name"] for n in nodes) == sorted(
        [*ds.organisations["name"], *ds.boards["name"]]
    )
    assert {n["shape"] for n in nodes if n["kind"] == "board"} == {"diamond"}
    ids = {n["id"] for n in nodes}
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])


def test_edges_are_one_per_pair_and_layer(sample_html: str) -> None:
    ds, _ = sample()
    G = build_graph(ds)
    expected = {(u, v, d["layer"]) for u, v, d in G.edges(data=True) if u != v}
    edges = payload(sample_html)["edges"]
    assert len(edges) == len(expected)
    by_layer = pd.Series([e["layer"] for e in edges]).value_counts().to_dict()
    assert by_layer["PART_OF"] == int((ds.organisations["type"] == "department").sum())
    assert by_layer["MEMBER_OF"] == len(ds.memberships.drop_duplicates(["board_id", "org_id"]))
    assert by_layer["FUNDS"] == len(ds.funding[["funder_id", "recipient_id"]].drop_duplicates())
    part_of = [e for e in edges if e["layer"] == "PART_OF"]
    assert all(e["dashes"] and e["length"] == 40 for e in part_of)


def test_departments_are_drawn_beside_their_body(sample_html: str) -> None:
    """A department sits nearer its own body than the typical organisation does."""
    ds, _ = sample()
    nodes = {n["name"]: n for n in payload(sample_html)["nodes"]}
    orgs = ds.organisations.set_index("id")
    departments = orgs[orgs["type"] == "department"]
    assert len(departments) >= 2
    for _, row in departments.iterrows():
        body = nodes[orgs.loc[row["parent_id"], "name"]]
        dept = nodes[row["name"]]
        distances = sorted(
            ((n["x"] - body["x"]) ** 2 + (n["y"] - body["y"]) ** 2) ** 0.5
            for n in nodes.values()
            if n is not body
        )
        own = ((dept["x"] - body["x"]) ** 2 + (dept["y"] - body["y"]) ** 2) ** 0.5
        assert own <= distances[len(distances) // 4], row["name"]


def test_brokers_are_stars_and_under_connected_organisations_are_ringed(sample_html: str) -> None:
    _, results = sample()
    nodes = {n["name"]: n for n in payload(sample_html)["nodes"]}
    names = dict(zip(results.metrics["id"], results.metrics["name"], strict=True))
    brokers = list(results.top_brokers)
    assert "Marshford CVS" in {names[b] for b in brokers}
    assert {n for n, d in nodes.items() if d["shape"] == "star"} == {names[b] for b in brokers}
    flagged = set(results.metrics.loc[results.metrics["under_connected"], "name"])
    assert flagged
    ringed = {n for n, d in nodes.items() if d["color"]["border"] == UNDER_CONNECTED_BORDER}
    assert ringed == flagged
    cvs = nodes["Marshford CVS"]["title"]
    assert "Top broker (rank 1" in cvs
    row = results.metrics.set_index("name").loc["Marshford CVS"]
    assert f"Partners: {int(row['degree']):,}" in cvs
    assert f"Betweenness: {row['betweenness']:.4f}" in cvs


def test_tooltips_name_the_flagged_groups(sample_html: str) -> None:
    _, results = sample()
    groups = results.groups[results.groups["flagged"]]
    tag_group = groups[groups["grouping"] == "tag"].iloc[0]
    member = tag_group["members"].split(";")[0]
    name = results.metrics.set_index("id").loc[member, "name"]
    title = next(n["title"] for n in payload(sample_html)["nodes"] if n["name"] == name)
    assert f"Tag: {tag_group['group']}" in title.split("Under-connected group: ")[1]


def test_each_flagged_group_lists_its_members_for_the_highlight(sample_html: str) -> None:
    _, results = sample()
    data = payload(sample_html)
    name_of = {n["id"]: n["name"] for n in data["nodes"]}
    flagged = results.groups[results.groups["flagged"]]
    kinds = {"size_band": "Size band", "tag": "Tag", "locality": "Locality"}
    # Named as the report names them: a community by its most central member.
    assert [g["label"] for g in data["groups"]] == [
        f"{kinds.get(r.grouping, 'Community')}: {r.label}" for r in flagged.itertuples()
    ]
    assert "Community: around Old Town Gujarati Community Kitchen" in [
        g["label"] for g in data["groups"]
    ]
    m = results.metrics.set_index("id")
    for group, row in zip(data["groups"], flagged.itertuples(), strict=True):
        expected = sorted(m.loc[row.members.split(";"), "name"])
        assert sorted(name_of[i] for i in group["members"]) == expected
        assert group["count"] == row.n


@pytest.mark.parametrize("size_by", ["betweenness", "degree", "funding"])
def test_node_size_grows_with_the_chosen_measure(size_by: str) -> None:
    ds, results = sample()
    nodes = payload(render_network_html(results, size_by=size_by))["nodes"]
    m = results.metrics.set_index("name")
    given = ds.funding.groupby("funder_id")["amount"].sum()
    received = ds.funding.groupby("recipient_id")["amount"].sum()
    values = []
    for node in nodes:
        if node["kind"] != "organisation" or node["shape"] == "star":
            continue  # stars are drawn a quarter larger to stand out
        row = m.loc[node["name"]]
        if size_by == "funding":
            org_id = row["id"]
            value = float(given.get(org_id, 0.0) + received.get(org_id, 0.0))
        else:
            value = float(row[size_by])
        values.append((value, node["size"]))
    values.sort()
    sizes = [s for _, s in values]
    assert sizes == sorted(sizes)
    assert sizes[0] < sizes[-1]


@pytest.mark.parametrize(
    ("colour_by", "title", "first"),
    [
        ("type", "Colour: organisation type", "VCSE organisation"),
        ("size_band", "Colour: size band (income)", "Micro"),
        ("community", "Colour: detected community", "Community 0"),
    ],
)
def test_legend_follows_the_colouring(colour_by: str, title: str, first: str) -> None:
    _ds, results = sample()
    data = payload(render_network_html(results, colour_by=colour_by))
    legend = data["legend"]
    assert legend["colourTitle"] == title
    assert legend["colours"][0]["label"] == first
    organisations = [n for n in data["nodes"] if n["kind"] == "organisation"]
    assert sum(e["count"] for e in legend["colours"]) == len(organisations)
    palette = {e["colour"] for e in legend["colours"]}
    assert {n["color"]["background"] for n in organisations} <= palette


def test_layers_choose_the_ties_drawn_and_boards_need_memberships() -> None:
    ds, results = sample()
    data = payload(render_network_html(results, layers="funds,partners_with"))
    assert {e["layer"] for e in data["edges"]} == {"FUNDS", "PARTNERS_WITH", "PART_OF"}
    assert not [n for n in data["nodes"] if n["kind"] == "board"]
    assert len(data["nodes"]) == len(ds.organisations)
    assert [f["key"] for f in data["filters"]["layers"]] == ["PART_OF", "FUNDS", "PARTNERS_WITH"]
    with pytest.raises(ValueError, match="unknown layer"):
        render_network_html(results, layers="gossip")


def test_filters_count_what_is_drawn(sample_html: str) -> None:
    data = payload(sample_html)
    types = {f["key"]: f["count"] for f in data["filters"]["types"]}
    counted = pd.Series([n["ftype"] for n in data["nodes"]]).value_counts().to_dict()
    assert types == counted
    layers = {f["key"]: f["count"] for f in data["filters"]["layers"]}
    assert layers == pd.Series([e["layer"] for e in data["edges"]]).value_counts().to_dict()


def test_the_layout_is_seeded_and_untied_organisations_wait_underneath() -> None:
    _ds, results = sample()
    a = payload(render_network_html(results, seed=1))["nodes"]
    b = payload(render_network_html(results, seed=1))["nodes"]
    c = payload(render_network_html(results, seed=2))["nodes"]
    assert [(n["x"], n["y"]) for n in a] == [(n["x"], n["y"]) for n in b]
    assert [(n["x"], n["y"]) for n in a] != [(n["x"], n["y"]) for n in c]
    isolated = set(results.metrics.loc[results.metrics["degree"] == 0, "name"])
    assert isolated
    lowest_tied = max(n["y"] for n in a if n["name"] not in isolated)
    assert all(n["y"] > lowest_tied for n in a if n["name"] in isolated)


def test_physics_is_off_so_the_map_never_keeps_moving(sample_html: str) -> None:
    options = payload(sample_html)["options"]
    assert options["physics"]["enabled"] is False
    assert options["edges"]["smooth"]["enabled"] is False
    assert options["interaction"]["hover"] is True


def test_an_empty_dataset_still_renders() -> None:
    from partnernet.analysis.pipeline import analyse

    ds = Dataset.from_frames()
    data = payload(render_network_html(analyse(ds, permutations=100)))
    assert data["nodes"] == [] and data["edges"] == []


# --- partnernet render ----------------------------------------------------------


def _render(*args: str) -> Any:
    from click.testing import CliRunner

    from partnernet.cli import cli

    return CliRunner().invoke(cli, ["render", *args], catch_exceptions=False)


def test_render_rings_the_same_under_connected_organisations_as_analyse(
    tmp_path: Path, sample_html: str
) -> None:
    """render runs the group tests as analyse does: with too few reshuffles no group
    could pass Benjamini-Hochberg and its map would ring none."""
    from conftest import SAMPLE_DIR

    target = tmp_path / "map.html"
    result = _render(str(SAMPLE_DIR), "--out", str(target), "--quiet")
    assert result.exit_code == 0, result.output

    def ringed(html: str) -> list[str]:
        return sorted(n["name"] for n in payload(html)["nodes"] if n.get("under"))

    expected = ringed(sample_html)
    assert len(expected) == 28  # the two flagged groups of the sample (README, report)
    assert ringed(target.read_text(encoding="utf-8")) == expected


def test_render_command_writes_the_map_with_the_chosen_styling(tmp_path: Path) -> None:
    from conftest import SAMPLE_DIR

    target = tmp_path / "funding.html"
    result = _render(
        str(SAMPLE_DIR), "--out", str(target), "--colour-by", "size_band",
        "--size-by", "funding", "--layers", "funds,member_of", "--seed", "3", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == ""
    data = payload(target.read_text(encoding="utf-8"))
    assert data["legend"]["colourTitle"] == "Colour: size band (income)"
    assert data["legend"]["size"].startswith("Size: funding given or received")
    assert {e["layer"] for e in data["edges"]} == {"FUNDS", "MEMBER_OF", "PART_OF"}
    ds, _ = sample()
    assert len(data["nodes"]) == len(ds.organisations) + len(ds.boards)


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("network.html/map.html", "cannot write to {tmp}/network.html: it is a file"),
        ("", "cannot write {tmp}: it is a folder"),
    ],
)
def test_render_command_refuses_an_output_it_cannot_write(
    tmp_path: Path, out: str, message: str
) -> None:
    from conftest import SAMPLE_DIR

    existing = tmp_path / "network.html"
    existing.write_text("the old map", encoding="utf-8")
    result = _render(str(SAMPLE_DIR), "--out", str(tmp_path / out) if out else str(tmp_path))
    assert result.exit_code == 5
    assert message.format(tmp=tmp_path) in result.output
    assert existing.read_text(encoding="utf-8") == "the old map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["network.html"]


def test_render_command_creates_a_missing_folder(tmp_path: Path) -> None:
    from conftest import SAMPLE_DIR

    result = _render(str(SAMPLE_DIR), "--out", str(tmp_path / "a" / "new" / "map.html"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "new" / "map.html").is_file()


def test_render_command_refuses_an_unwritable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permissions cannot be tested as root, so the write probe is made to fail."""
    import tempfile

    from conftest import SAMPLE_DIR

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # the probe io.folders makes
    result = _render(str(SAMPLE_DIR), "--out", str(tmp_path / "map.html"))
    assert result.exit_code == 5
    assert f"cannot write to {tmp_path}: Permission denied" in result.output
    assert list(tmp_path.iterdir()) == []


def test_render_command_leaves_the_old_map_when_the_data_is_invalid(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "organisations.csv").write_text("id,name\nA,Alpha\n", encoding="utf-8")
    existing = tmp_path / "network.html"
    existing.write_text("the old map", encoding="utf-8")
    result = _render(str(tmp_path / "data"), "--out", str(existing))
    assert result.exit_code == 3
    assert "type" in result.output
    assert existing.read_text(encoding="utf-8") == "the old map"


def test_render_command_rejects_unknown_layers(tmp_path: Path) -> None:
    from conftest import SAMPLE_DIR

    result = _render(str(SAMPLE_DIR), "--out", str(tmp_path / "m.html"), "--layers", "gossip")
    assert result.exit_code == 2
    assert "unknown layer(s) GOSSIP" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_large_map_draws_the_most_notable_organisations_and_says_so() -> None:
    ds, results = sample()
    limit = 60
    data = payload(render_network_html(results, size_by="degree", max_organisations=limit))
    # The expected choice, worked out here from the tables: a tenth of the room (6)
    # for boards; decision makers, infrastructure bodies and top brokers first, then
    # by degree, ties by id; then the boards with the most drawn members (two or
    # more), ties by id.
    orgs = results.metrics.set_index("id")
    public = {"local_authority", "department", "nhs", "central_government", "infrastructure"}
    first = set(orgs.index[orgs["type"].isin(public)]) | set(results.top_brokers)
    ranked = sorted(orgs.index, key=lambda i: (i not in first, -orgs.loc[i, "degree"], i))
    kept = ranked[: limit - 6]
    assert len(first) < limit < len(orgs)
    seats = ds.memberships.drop_duplicates(["board_id", "org_id"])
    members = seats[seats["org_id"].isin(kept)].groupby("board_id").size()
    members = members[members >= 2]
    boards = sorted(members.index, key=lambda b: (-members[b], b))[:6]
    assert len(boards) == 6 < len(ds.boards)

    drawn = [n for n in data["nodes"] if n["kind"] == "organisation"]
    assert sorted(n["name"] for n in drawn) == sorted(orgs.loc[kept, "name"])
    drawn_boards = sorted(n["name"] for n in data["nodes"] if n["kind"] == "board")
    assert drawn_boards == sorted(ds.boards.set_index("id").loc[boards, "name"])
    assert len(data["nodes"]) == limit
    assert [n["id"] for n in data["nodes"]] == [f"n{i}" for i in range(len(data["nodes"]))]
    ids = {n["id"] for n in data["nodes"]}
    assert data["edges"] and all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    assert data["subtitle"].startswith(
        f"{limit - 6} of {len(orgs)} organisations (public bodies, infrastructure bodies and "
        "top brokers, then the largest by degree; metrics.csv has every one) · "
        f"6 of {len(ds.boards)} boards (those joining most of them) · "
    )
    assert sum(f["count"] for f in data["filters"]["types"] if f["key"] != "board") == limit - 6


def test_the_heading_counts_what_is_drawn(sample_html: str) -> None:
    ds, _ = sample()
    data = payload(sample_html)
    assert data["subtitle"] == (
        f"{len(ds.organisations)} organisations · {len(ds.boards)} boards · "
        f"{len(data['edges'])} lines drawn — coloured by type, sized by betweenness"
    )


def test_the_group_chooser_lists_the_largest_flagged_groups_and_counts_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _ds, results = sample()
    everything = payload(render_network_html(results))
    assert everything["groupsNotListed"] == 0
    counts = [g["count"] for g in everything["groups"]]
    assert len(counts) > 1
    listed = len(counts) - 1
    monkeypatch.setattr(network_module, "GROUPS_LISTED", listed)
    capped = payload(render_network_html(results))
    # The ones with most drawn members, kept in the table's order.
    largest = sorted(range(len(counts)), key=lambda i: -counts[i])[:listed]
    assert capped["groups"] == [everything["groups"][i] for i in sorted(largest)]
    assert capped["groupsNotListed"] == len(counts) - listed


def test_the_page_draws_the_payload_other_writers_can_use(sample_html: str) -> None:
    _ds, results = sample()
    data = network_module.network_payload(results)
    assert payload(sample_html) == json.loads(json.dumps(data))
    organisations = [n for n in data["nodes"] if n["kind"] == "organisation"]
    assert len(organisations) == len(results.dataset.organisations)
    for node in data["nodes"]:
        assert {"id", "label", "name", "x", "y", "size", "color", "kind"} <= set(node)
        assert re.fullmatch(r"#[0-9a-f]{6}", node["color"]["background"])


# --- A legible map --------------------------------------------------------------


def test_the_lines_note_explains_lines_against_the_reports_ties(sample_html: str) -> None:
    ds, results = sample()
    data = payload(sample_html)
    network = results.summary.network
    # Counted here from the dataset: one MEMBER_OF line per (organisation, board).
    board_lines = len(ds.memberships.drop_duplicates(["org_id", "board_id"]))
    assert data["linesNote"] == (
        f"{len(data['edges']):,} lines drawn for the report's {network.ties:,} ties between "
        "organisations: two organisations tied in several ways (funding, partnership, a "
        "shared person) get one line for each way, and boards are drawn as "
        f"{board_lines:,} lines to their members where the report counts "
        f"{network.ties_by_layer['MEMBER_OF']:,} ties between members sharing a board."
    )
    # With fewer layers drawn the report's ties are not comparable: no claim.
    only_funding = payload(render_network_html(results, layers="FUNDS"))
    assert only_funding["linesNote"] == (
        f"Only some kinds of tie are drawn: the report's {network.ties:,} ties count every kind."
    )
    part = payload(render_network_html(results, max_organisations=60))
    assert part["linesNote"] == (
        f"The report's {network.ties:,} ties join all {len(ds.organisations):,} "
        "organisations; the lines here join only those drawn."
    )


def test_labels_go_first_to_brokers_infrastructure_and_public_bodies(sample_html: str) -> None:
    _ds, results = sample()
    nodes = payload(sample_html)["nodes"]
    orgs = results.metrics.set_index("name")
    brokers = set(orgs.index[orgs["id"].isin(results.top_brokers)])
    # The heads of public bodies (model.PUBLIC_BODY_TYPES less departments) and the CVS.
    heads = {"local_authority", "nhs", "central_government", "infrastructure"}
    for node in nodes:
        if node["kind"] == "board":
            assert "tier" not in node
            continue
        org_type = orgs.loc[node["name"], "type"]
        if node["name"] in brokers or org_type in heads:
            assert node["tier"] == 1, node["name"]
        elif org_type == "department":
            assert node["tier"] == 2, node["name"]
        else:
            assert node["tier"] == 3, node["name"]
        assert node["label"]  # kept for other writers; the page draws it (network.js)


def test_the_details_figures_are_explained_and_place_an_organisation_in_its_band(
    sample_html: str,
) -> None:
    _ds, results = sample()
    data = payload(sample_html)
    cvs = next(n for n in data["nodes"] if n["name"] == "Marshford CVS")
    facts = dict(cvs["facts"])
    row = results.metrics.set_index("id").loc["GB-CHC-1100019"]
    assert facts["degree"] == f"{row['degree']:,}"
    assert facts["itinerant"] == f"{row['itinerant']:,}"
    assert facts["betweenness"] == f"{row['betweenness']:.4f}"
    medium = results.metrics[results.metrics["size_band"] == "medium"]
    assert facts["band"].endswith(f"of the {len(medium) - 1} other organisations of its size band")
    assert facts["band"].startswith("more partners than 100% and a higher betweenness than 100%")
    for key in facts:
        assert key == "band" or data["meanings"][key][1], key
    assert "would lose every route to a decision maker" in cvs["cutOff"]
    rank = list(results.top_brokers).index("GB-CHC-1100019") + 1
    assert cvs["marks"][0] == f"★ Top broker (rank {rank} of {len(results.top_brokers)})"
    assert cvs["marks"][0] in cvs["title"].splitlines()


def test_a_city_sized_map_lays_communities_out_as_groups_and_rings_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    _ds, results = sample()
    monkeypatch.setattr(network_module, "COMMUNITY_LAYOUT_FROM", 100)
    data = network_module.network_payload(results)
    assert data["ringsByDefault"] is False
    under = [n for n in data["nodes"] if n.get("under")]
    assert under and all(n["color"]["border"] == n["plainBorder"] for n in under)
    # Each large community sits apart: its members are nearer their own centre than
    # any other community's centre is.
    community = results.metrics.set_index("name")["community"]
    tied = set(results.metrics.loc[results.metrics["degree"] > 0, "name"])
    xy: dict[int, list[tuple[float, float]]] = {}
    for node in data["nodes"]:
        if node["kind"] == "organisation" and node["name"] in tied:
            xy.setdefault(int(community[node["name"]]), []).append((node["x"], node["y"]))
    large = {c: np.array(p) for c, p in xy.items() if len(p) >= network_module.MIN_GROUP_DRAWN}
    assert len(large) >= 5
    centres = {c: p.mean(axis=0) for c, p in large.items()}
    for c, points in large.items():
        spread = np.median(np.hypot(*(points - centres[c]).T))
        nearest = min(np.hypot(*(centres[c] - centres[o])) for o in centres if o != c)
        assert spread < nearest / 2, c
    monkeypatch.undo()
    assert network_module.network_payload(results)["ringsByDefault"] is True
