"""The data dictionary: every column of every table ``partnernet analyse`` and
``partnernet compare`` write, its unit and how it is computed, the top-level keys
of the JSON files, and the node and edge attributes of ``partnernet export``'s
GraphML.

It is the one source of three things: ``docs/outputs.md`` (generated from it with
``python -m partnernet.dictionary > docs/outputs.md``; a test checks the file is
current), the ``dictionary`` sheet of the ``--xlsx`` workbook, and how the
exporter rounds each column for people (:data:`ROUNDING`): shares, ratios and
measures to 4 significant figures, money to the penny, counts and hops as whole
numbers. Numbers stay numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FILES",
    "ROUNDING",
    "SIGNIFICANT",
    "UNITS",
    "Column",
    "OutputFile",
    "dictionary_markdown",
    "dictionary_rows",
]

# What each unit means to a reader, and (ROUNDING) how the tables round it.
UNITS: dict[str, str] = {
    "id": "an identifier, kept exactly as the dataset writes it",
    "text": "words",
    "count": "a whole number",
    "hops": "a whole number of ties; empty where there is no path",
    "share": "a fraction from 0 to 1",
    "ratio": "a ratio (1 is the average)",
    "measure": "a number on the scale its definition gives",
    "p-value": "a probability from 0 to 1; empty where untested",
    "pounds": "pounds sterling (awards in GBP or with no currency only)",
    "yes/no": "True or False",
    "date": "a date, YYYY-MM-DD; empty where nothing is dated",
    "JSON": "a JSON value (object, list or number); see its description",
    "figure": "a headline figure: a count, a share (0 to 1) or an index, as the row's "
    "kind says; empty where a year's data cannot give it",
}

SIGNIFICANT = "4 significant figures (whole numbers from 10,000 up)"
# How the CSV tables and the workbook round a unit. The JSON files keep full
# precision: they are for programs, the tables for people.
ROUNDING: dict[str, str] = {
    "count": "integer",
    "hops": "integer",
    "share": SIGNIFICANT,
    "ratio": SIGNIFICANT,
    "measure": SIGNIFICANT,
    "p-value": SIGNIFICANT,
    "pounds": "pennies",
}
# Units whose rounding is not ROUNDING's (the tables' rule) but their own file's:
# headline_changes.csv rounds each row by its kind (findings/compare.py, _rounded).
_ROUNDED_BY_FILE: dict[str, str] = {
    "figure": "counts whole, shares and indices to 4 decimal places",
}


@dataclass(frozen=True)
class Column:
    """One column (or JSON key) of an output file."""

    name: str
    unit: str
    meaning: str


@dataclass(frozen=True)
class OutputFile:
    """One output file, or files sharing their columns, with what a row is."""

    names: tuple[str, ...]
    row: str
    columns: tuple[Column, ...]


_ROLE = (
    "Gould-Fernandez brokerage (1989): ordered pairs (a, c) with no tie a-c for which "
    "this organisation is the middle of a two-path a-it-c, with sectors "
    "(vcse, infrastructure, public, funder, private) "
)

_METRICS = (
    Column("id", "id", "The organisation's id (organisations.csv)."),
    Column("name", "text", "The organisation's name (organisations.csv)."),
    Column("type", "text", "The organisation's type (organisations.csv)."),
    Column(
        "size_band",
        "text",
        "Income band: given in organisations.csv, else derived from income; empty "
        "when neither is known.",
    ),
    Column("locality", "text", "The organisation's locality (organisations.csv)."),
    Column(
        "tags",
        "text",
        "The organisation's tags, ';'-separated (organisations.csv); each tag is a group "
        "in groups.csv.",
    ),
    Column(
        "degree",
        "count",
        "Distinct organisations it is tied to in the organisation graph (partnerships, "
        "funding, shared boards, shared people, by --layers).",
    ),
    Column(
        "weighted_degree",
        "measure",
        "Sum of its tie weights (a shared board or person counts once per board or "
        "person; a partnership its weight).",
    ),
    Column(
        "betweenness",
        "share",
        "Normalised betweenness centrality: the share of shortest paths between other "
        "organisations that pass through it (sampled with a stated bound on large graphs).",
    ),
    Column(
        "constraint",
        "measure",
        "Burt's constraint (1992), 0 to about 1: high when its contacts are tied to "
        "each other; empty for an organisation with no ties.",
    ),
    Column(
        "effective_size",
        "measure",
        "Burt's effective size: its contacts less their redundancy with each other; "
        "empty for an organisation with no ties.",
    ),
    Column("coordinator", "count", _ROLE + "a, it and c all in one sector."),
    Column("itinerant", "count", _ROLE + "a and c in one sector, it in another."),
    Column("gatekeeper", "count", _ROLE + "it and c in one sector, a in another."),
    Column("representative", "count", _ROLE + "a and it in one sector, c in another."),
    Column("liaison", "count", _ROLE + "a, it and c in three different sectors."),
    Column(
        "board_seats",
        "count",
        "Boards it sits on as chair, co-chair or member (memberships.csv).",
    ),
    Column("funding_received", "pounds", "Total of the awards it received (funding.csv)."),
    Column(
        "funding_from_public",
        "pounds",
        "Total of the awards it received from public bodies (local_authority, "
        "department, nhs, central_government).",
    ),
    Column(
        "distance_to_decision",
        "hops",
        "Ties from it to the nearest decision maker (a public body, or a board seat at "
        "distance 1); 0 for a public body itself; empty when there is no path.",
    ),
    Column(
        "community",
        "count",
        "Number of its network community (Leiden, seeded; the same number in "
        "groups.csv, grouping 'community').",
    ),
    Column(
        "community_label",
        "text",
        "Its community's name: 'around' the community's most central member, as in "
        "groups.csv's label.",
    ),
    Column(
        "under_connected",
        "yes/no",
        "True when it belongs to at least one group flagged in groups.csv.",
    ),
)

_GROUPS = (
    Column(
        "grouping", "text", "What the groups are made by: size_band, tag, locality or community."
    ),
    Column("group", "text", "The group: a size band, a tag, a locality or a community number."),
    Column(
        "label",
        "text",
        "How a person reads the group; a community is named 'around' its most central member.",
    ),
    Column("n", "count", "Organisations in the group (VCSE and infrastructure organisations)."),
    Column(
        "mean_degree_ratio",
        "ratio",
        "The group's mean degree divided by the mean degree of all VCSE and "
        "infrastructure organisations.",
    ),
    Column("share_isolated", "share", "Share of its members with no tie at all."),
    Column(
        "share_far_from_decision",
        "share",
        "Share of its members more than 2 ties from any decision maker, or with no path.",
    ),
    Column(
        "p_degree",
        "p-value",
        "Share of random groups of the same size (seeded reshuffles) with as low a mean "
        "degree; empty for size bands, which are not tested here.",
    ),
    Column(
        "p_far",
        "p-value",
        "Share of random groups of the same size with as large a share far from "
        "decision makers; empty when untested.",
    ),
    Column(
        "significant",
        "yes/no",
        "A test passes the Benjamini-Hochberg step at a 5% false discovery rate over "
        "all groups tested.",
    ),
    Column(
        "flagged",
        "yes/no",
        "Significant, and past the effect threshold: mean degree ratio below 0.75, or a "
        "far share at least 0.15 above that of all VCSE and infrastructure organisations.",
    ),
    Column(
        "explained_by",
        "id",
        "The one organisation most of its members are tied to alone, when there is one; "
        "else empty.",
    ),
    Column("explained_by_name", "text", "That organisation's name."),
)

_DEPARTMENTS = (
    Column("department_id", "id", "The department's id (organisations.csv)."),
    Column("department_name", "text", "The department's name."),
    Column("parent_id", "id", "The id of the public body it belongs to (its parent_id)."),
    Column("parent_name", "text", "That public body's name."),
    Column(
        "coordination_ties",
        "count",
        "Sibling departments it has a direct partnership or a shared board with.",
    ),
    Column(
        "max_partner_overlap",
        "share",
        "Largest Jaccard overlap (shared / all) of the organisations it funds, partners "
        "or sits on a board with, against any sibling active at the same time.",
    ),
    Column(
        "siloed",
        "yes/no",
        "No coordination tie to any sibling and every overlap below 0.1.",
    ),
    Column(
        "duplicated_engagement",
        "count",
        "Organisations it deals with that a concurrent sibling with no coordination tie "
        "to it also deals with.",
    ),
    Column("active_from", "date", "Date of its first dated tie (award, membership, partnership)."),
    Column("active_to", "date", "Date of its last dated tie."),
    Column("concurrent_siblings", "count", "Sibling departments active at the same time."),
)

_SUMMARY = (
    Column("layers", "JSON", "The tie layers the organisation graph was built from."),
    Column("seed", "count", "The seed of every random step (reshuffles, communities)."),
    Column("permutations", "count", "Reshuffles each permutation test ran."),
    Column(
        "betweenness_sample",
        "JSON",
        "Sources sampled for betweenness, or null when it is exact.",
    ),
    Column(
        "network",
        "JSON",
        "Organisations and ties by type and layer, density, components, degree "
        "centralisation, clustering, average path length, communities and modularity.",
    ),
    Column(
        "size_bands",
        "JSON",
        "One object per size band: count, share, median degree, share with a board seat, "
        "share publicly funded, share of funding, median betweenness and distance, share "
        "with no path.",
    ),
    Column(
        "small_vs_large",
        "JSON",
        "Permutation tests of small and micro against medium and larger: degree and "
        "board-seat share, with p-values and reshuffles.",
    ),
    Column(
        "funding_concentration",
        "JSON",
        "Gini coefficient across recipients, the top 10% share and the Lorenz curve, in pounds.",
    ),
    Column(
        "ei",
        "JSON",
        "Krackhardt and Stern's E-I index (1988) by sector and by department, with "
        "permutation p-values.",
    ),
    Column(
        "brokerage_roles",
        "JSON",
        "Each Gould-Fernandez role: observed, expected in a random graph of the same "
        "density (with z), expected and p-value with sector labels reshuffled.",
    ),
    Column(
        "infrastructure_path_share",
        "JSON",
        "Share of shortest paths from small organisations to decision makers that pass "
        "through an infrastructure organisation.",
    ),
    Column("brokerage_null", "JSON", "The reshuffled-label null's settings and the top brokers."),
    Column(
        "group_tests",
        "JSON",
        "The under-connected group tests: reshuffles, false discovery rate, groups and "
        "tests run, how many significant and flagged.",
    ),
    Column(
        "removal_overlap",
        "JSON",
        "For each broker, how far the organisations its removal cuts off overlap each "
        "flagged group.",
    ),
    Column(
        "duplicated_engagement",
        "JSON",
        "Each organisation dealt with by sibling departments with no coordination tie "
        "between them, with those departments.",
    ),
    Column(
        "likely_renamings",
        "JSON",
        "Pairs of sibling departments where one likely replaced the other.",
    ),
    Column(
        "currencies",
        "JSON",
        "Awards and amounts in pounds, and the awards in other currencies (counted, never added).",
    ),
    Column(
        "period",
        "JSON",
        "First and last award dates and the dated memberships and partnerships.",
    ),
)

_FINDINGS = (
    Column("id", "id", "The finding's stable name (e.g. coverage-ties)."),
    Column(
        "question",
        "text",
        "The question it answers: coverage, exclusion, silos, brokerage or summary.",
    ),
    Column("text", "text", "The sentence, as the report prints it."),
    Column("figures", "JSON", "Every number the sentence rests on, by name."),
)

# io/staging.py writes it last: the run is the files it lists, with these hashes.
_MANIFEST = (
    Column("partnernet_run", "count", "The manifest format's version (1)."),
    Column("run_id", "id", "A random id of this run, also the name of its staging folder."),
    Column("command", "text", "The command that wrote the folder (analyse, compare, an import)."),
    Column("written_at", "date", "When the run was put in place (UTC, ISO 8601)."),
    Column("partnernet_version", "text", "The partnernet version that wrote it."),
    Column(
        "files",
        "JSON",
        "Each file of the run: name, bytes and SHA-256 of its contents; a file a later "
        "partnernet render wrote over also has replaced_by and replaced_at.",
    ),
    Column("retired", "JSON", "Files of an earlier run that this run removed."),
)

_WORKBOOK = (
    Column("metrics", "text", "The sheet of metrics.csv, the same columns and rounding."),
    Column("groups", "text", "The sheet of groups.csv."),
    Column("departments", "text", "The sheet of departments.csv."),
    Column("dictionary", "text", "This dictionary: file, column, unit, meaning."),
)

# partnernet compare (analysis/compare.py, findings/compare.py). Organisations are
# matched by id across the two years, after the aliases file (--aliases) maps
# renamed ids to one id.
_CHANGES = (
    Column(
        "kind",
        "text",
        "What changed: 'new tie' or 'lost tie' (a pair of organisations tied in the "
        "organisation graph of one year only); 'joined' or 'left' (an organisation in "
        "one year's graph only); 'gained board seats' or 'lost board seats'; 'started "
        "being siloed' or 'stopped being siloed' (a department in both years); "
        "'<role> brokerage grew' or 'shrank' (a Gould-Fernandez role count of one of "
        "either year's top brokers by betweenness).",
    ),
    Column(
        "id",
        "id",
        "The organisation or department that changed; for a tie, the first of its two "
        "ids in sorted order.",
    ),
    Column(
        "name",
        "text",
        "Its name, from the year that has it (the new year when both do; a department's "
        "from the new year's graph).",
    ),
    Column(
        "other_id",
        "id",
        "A tie's other organisation; a department's parent body; empty for other kinds.",
    ),
    Column("other_name", "text", "A tie's other organisation's name; empty otherwise."),
    Column(
        "layer",
        "text",
        "A tie's layers, ';'-separated, in the year that has it: FUNDS (funding), "
        "PARTNERS_WITH (a partnership), MEMBER_OF (a shared board), SHARES_PERSON (a "
        "shared trustee); empty for other kinds.",
    ),
    Column(
        "before",
        "count",
        "The old year's value: board seats (memberships.csv), 1 or 0 for siloed or not, "
        "or the brokerage role count (0 for an organisation absent that year); empty "
        "for ties and organisations.",
    ),
    Column("after", "count", "The new year's value, as 'before'."),
)

_HEADLINE_CHANGES = (
    Column(
        "figure",
        "text",
        "The headline figure's name, as the change page names it (the figures of "
        "analysis/compare.py's HEADLINE_FIGURES, in the report's order).",
    ),
    Column("kind", "text", "'count', 'share' (0 to 1) or 'index': how the figure is read."),
    Column(
        "before",
        "figure",
        "The figure in the old year's run, read from the same records as summary.json "
        "and the tables (counts whole, the rest to 4 decimal places).",
    ),
    Column("after", "figure", "The figure in the new year's run, as 'before'."),
    Column(
        "change",
        "figure",
        "after minus before (to 4 decimal places unless a count); empty when either is.",
    ),
    Column(
        "before_text",
        "text",
        "'before' as the page writes it (findings/wording.py: thousands separators, "
        "percentages, a gap in percentage points, indices to 2 or 3 places); '–' where it "
        "cannot be computed.",
    ),
    Column("after_text", "text", "'after' as the page writes it."),
    Column(
        "change_text",
        "text",
        "The change as the page writes it: 'no change', '+281', '+7.5 points' for a "
        "share (percentage points), '−0.17' for an index; '–' when either year lacks it.",
    ),
    Column("definition", "text", "What the figure is, in one sentence."),
)

# partnernet export --format graphml (exchange.py): the attributes of its nodes and
# edges, the GraphML keys a reader such as igraph or Cytoscape sees. A missing value
# is left out of that node or edge, as in metrics.csv an empty cell.
_BY_NAME = {c.name: c for c in _METRICS}
_GRAPHML_NODES = (
    Column("label", "text", "The organisation's or board's full name."),
    Column("kind", "text", "'organisation' or 'board'."),
    Column("type", "text", "The organisation's type (organisations.csv); 'board' for a board."),
    *(
        _BY_NAME[name]
        for name in (
            "degree",
            "weighted_degree",
            "betweenness",
            "constraint",
            "effective_size",
            "coordinator",
            "itinerant",
            "gatekeeper",
            "representative",
            "liaison",
            "board_seats",
            "funding_received",
            "funding_from_public",
            "distance_to_decision",
            "community",
            "under_connected",
            "size_band",
            "locality",
            "tags",
        )
    ),
    Column(
        "sector",
        "text",
        "The organisation's brokerage sector (vcse, infrastructure, public, funder, "
        "private), from its type.",
    ),
    Column("parent_id", "id", "A department's parent body (organisations.csv)."),
    Column(
        "public_body",
        "yes/no",
        "Whether its type is a public body (local_authority, department, nhs, central_government).",
    ),
    Column("top_broker", "yes/no", "Whether it is one of the run's top brokers by betweenness."),
    Column("broker_rank", "count", "Its rank among the top brokers, 1 the strongest."),
    Column("level", "text", "A board's level (boards.csv)."),
    Column("theme", "text", "A board's theme (boards.csv)."),
    Column("convener_id", "id", "The organisation that convenes the board (boards.csv)."),
    Column("members", "count", "Organisations that sit on the board."),
)
_GRAPHML_EDGES = (
    Column(
        "kind",
        "text",
        "'tie' (a tie of the organisation graph the measures describe) or 'board_seat' "
        "(an organisation and a board it sits on).",
    ),
    Column(
        "weight",
        "measure",
        "A tie's weight in the organisation graph (as weighted_degree sums it); 1 for a "
        "board seat.",
    ),
    Column(
        "layers",
        "text",
        "The layers forming a tie, ';'-separated (FUNDS, MEMBER_OF, PARTNERS_WITH, "
        "SHARES_PERSON); MEMBER_OF for a board seat.",
    ),
    Column("funds", "yes/no", "Whether a funding award forms the tie."),
    Column("member_of", "yes/no", "Whether a shared board forms the tie."),
    Column("partners_with", "yes/no", "Whether a partnership forms the tie."),
    Column("shares_person", "yes/no", "Whether a shared trustee or person forms the tie."),
    Column("role", "text", "A board seat's roles (chair, co-chair, member), ';'-separated."),
)

FILES: tuple[OutputFile, ...] = (
    OutputFile(
        ("metrics.csv", "metrics.json"),
        "one organisation (metrics.json: one object per organisation, unrounded, null for empty)",
        _METRICS,
    ),
    OutputFile(("groups.csv",), "one group of organisations", _GROUPS),
    OutputFile(
        ("departments.csv",),
        "one department of a public body with two or more departments",
        _DEPARTMENTS,
    ),
    OutputFile(("summary.json",), "one run (the top-level keys)", _SUMMARY),
    OutputFile(("findings.json",), "one finding (the keys of each object)", _FINDINGS),
    OutputFile(
        ("tables.xlsx",),
        "one sheet (written with --xlsx); cells are values, never formulas",
        _WORKBOOK,
    ),
    OutputFile(
        (".partnernet-run.json",),
        "one run's manifest (the top-level keys), written last: a folder whose files do "
        "not match it does not hold one whole run",
        _MANIFEST,
    ),
    OutputFile(
        ("changes.csv",),
        "one change between the two years of partnernet compare (a header only when "
        "nothing changed)",
        _CHANGES,
    ),
    OutputFile(
        ("headline_changes.csv",),
        "one headline figure of partnernet compare, before and after",
        _HEADLINE_CHANGES,
    ),
    OutputFile(
        ("network.graphml:node",),
        "one node of partnernet export --format graphml (an organisation or a board): "
        "its attributes",
        _GRAPHML_NODES,
    ),
    OutputFile(
        ("network.graphml:edge",),
        "one edge of partnernet export --format graphml: its attributes",
        _GRAPHML_EDGES,
    ),
)


def columns_of(file_name: str) -> tuple[str, ...]:
    """The column names of one output file, in order.

    Examples
    --------
    >>> columns_of("departments.csv")[:2]
    ('department_id', 'department_name')
    """
    for entry in FILES:
        if file_name in entry.names:
            return tuple(c.name for c in entry.columns)
    raise KeyError(file_name)


def unit_of(file_name: str, column: str) -> str:
    """The unit of one column of one output file."""
    for entry in FILES:
        if file_name in entry.names:
            for c in entry.columns:
                if c.name == column:
                    return c.unit
    raise KeyError((file_name, column))


def dictionary_rows() -> list[tuple[str, str, str, str]]:
    """(file, column, unit, meaning), one per column: the workbook's dictionary sheet."""
    return [
        (", ".join(entry.names), c.name, c.unit, c.meaning)
        for entry in FILES
        for c in entry.columns
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def dictionary_markdown() -> str:
    """The text of ``docs/outputs.md``."""
    lines = [
        "# What each output file holds",
        "",
        "Every column of every table `partnernet analyse` and `partnernet compare` write,",
        "its unit and how it is computed, the top-level keys of the JSON files, and the",
        "node and edge attributes of `partnernet export --format graphml` (the other",
        "export formats carry the same attributes; see `partnernet/exchange.py`).",
        "Generated from",
        "`partnernet/dictionary.py` (`python -m partnernet.dictionary > docs/outputs.md`);",
        "the same text is the `dictionary` sheet of `partnernet analyse --xlsx`'s",
        "`tables.xlsx`. The maps and the pages (`network.html`, `report.html`,",
        "`report.md`; compare's `compare.html`, `compare.md`, `difference.html`) are",
        "for reading and have no columns.",
        "",
        "## Units",
        "",
        "| unit | meaning | rounded in the tables to |",
        "|---|---|---|",
    ]
    for unit, meaning in UNITS.items():
        rule = ROUNDING.get(unit) or _ROUNDED_BY_FILE.get(unit, "as it is")
        lines.append(f"| {unit} | {_cell(meaning)} | {rule} |")
    lines += [
        "",
        "Text cells a spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`,",
        "tab or carriage return) are written with a leading `'`. The JSON files keep full",
        "precision.",
    ]
    for entry in FILES:
        heading = " and ".join(f"`{name}`" for name in entry.names)
        lines += [
            "",
            f"## {heading}",
            "",
            f"One row: {entry.row}.",
            "",
            "| column | unit | how it is computed |",
            "|---|---|---|",
        ]
        lines += [f"| `{c.name}` | {c.unit} | {_cell(c.meaning)} |" for c in entry.columns]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(dictionary_markdown(), end="")
