"""The report: the findings in plain English for a council officer, with the
tables and charts that make them obvious, as ``report.html`` and ``report.md``.

Both are built from one in-memory outline of the report, so they say the same
things. The HTML is rendered by jinja2 with autoescaping on (every string from the
data is escaped, each right-to-left run of a name isolated in a ``<bdi>`` so it cannot
reorder the sentence it is in), carries its charts as inline SVG ``data:`` images and a
Content-Security-Policy that allows no script and no remote load, and prints
cleanly. The Markdown escapes every character that Markdown or HTML would read as
markup in a name, and breaks what GFM would autolink, so a name can neither inject a
link nor break a table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from partnernet.analysis.populations import EXCLUSION_TYPES, SMALL_BANDS
from partnernet.analysis.results import Results
from partnernet.analysis.silos import (
    HANDOVER_DAYS,
    RENAMING_GAP_DAYS,
    RENAMING_SHARED_AT_LEAST,
    SILO_OVERLAP_BELOW,
)
from partnernet.findings import Finding, wording
from partnernet.findings.thresholds import ALPHA, MODULARITY_CLEAR, Z_CLEAR
from partnernet.findings.wording import TYPE_LABELS, group_label, names_list, plain_text
from partnernet.io.folders import prepare_output_folder
from partnernet.io.writers import atomic_write_text
from partnernet.model import ORG_TYPES, SECTORS, SIZE_BANDS, TABLES, Dataset, sector_of
from partnernet.render import charts
from partnernet.render.common import isolate_directions, org_names, script_free_style, split_ids

__all__ = [
    "DEFAULT_TITLE",
    "GLOSSARY",
    "HEATMAP_MAX_DEPARTMENTS",
    "SCREEN_LINE",
    "escape_markdown",
    "glossary",
    "render_report",
    "write_report",
]

QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "exclusion",
        "Are small organisations excluded?",
        "Do micro and small organisations hold board seats, receive funding and reach "
        "decision makers as often as larger ones?",
    ),
    (
        "silos",
        "Are departments siloed?",
        "Do departments of the same public body engage the same organisations "
        "separately, with no coordination between them?",
    ),
    (
        "brokerage",
        "Who brokers?",
        "Which organisations connect groups that would otherwise be cut off, and what "
        "would be lost without them?",
    ),
)
MEMBERS_SHOWN = 15
ISOLATES_SHOWN = 20
GROUP_BARS = 30
# Up to this many departments of a body are drawn in the overlap heatmap and
# listed in the department table; beyond it, the departments with the most
# duplicated engagement (departments.csv lists every one).
HEATMAP_MAX_DEPARTMENTS = 30
# The overlap matrix as a table of figures: only for bodies this small, beyond
# which a row no longer fits on a screen.
OVERLAP_TABLE_MAX_DEPARTMENTS = 12
# No line of report.md is longer than this: about what one screen shows of a
# wrapped paragraph (a finding, a bullet, a table row).
SCREEN_LINE = 1000
MAP_FILE = "network.html"
DEFAULT_TITLE = "Partnership network report"

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("partnernet.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# `{{ text|isolated }}`: escaped, with each right-to-left run of a name in a <bdi>.
_TEMPLATES.filters["isolated"] = isolate_directions

# Characters that start markup anywhere in a line: emphasis, code, links and
# images, raw HTML and autolinks, table cells, strikethrough and maths; "&" too, so
# "&lt;" in a name stays those four characters. A backslash makes each literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~$])")
# Characters that start markup only at the start of a line (headings, lists,
# quotes, rules, setext underlines, numbered lists).
_MARKDOWN_LINE_START = re.compile(r"^([#+\-=>]|\d+(?=[.)](\s|$)))")
# What GFM's autolink extension would turn into a live link: "http://" (any
# "scheme://"), "www." and e-mail addresses. The ":" and the "." are escaped: the
# autolinker reads the raw text, where "http\://" and "www\." are no longer URLs.
# An address cannot be broken that way (cmark-gfm finds addresses in the text after
# escapes are undone), so a word joiner, invisible and never a line break, goes
# before its "@". Bare domains ("example.org") are not GFM links and stay as typed.
_AUTOLINK_SCHEME = re.compile(r":(?=//)")
_AUTOLINK_WWW = re.compile(r"(?i)(?<=www)\.")
_WORD_JOINER = "\u2060"


def escape_markdown(text: object) -> str:
    """``text`` made literal in Markdown: one line, every markup character escaped,
    and nothing GFM would make a link (a URL, ``www.``, an e-mail address) left
    whole.

    Examples
    --------
    >>> print(escape_markdown("[x](javascript:alert(1)) | <b>"))
    \\[x\\](javascript:alert(1)) \\| \\<b\\>
    >>> print(escape_markdown("# Heading"), escape_markdown("1. First"))
    \\# Heading 1\\. First
    >>> print(escape_markdown("See https://evil.example or www.evil.example"))
    See https\\://evil.example or www\\.evil.example
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", plain_text(text))
    escaped = _AUTOLINK_SCHEME.sub(r"\\:", escaped)
    escaped = _AUTOLINK_WWW.sub(r"\\.", escaped)
    escaped = escaped.replace("@", _WORD_JOINER + "@")
    match = _MARKDOWN_LINE_START.match(escaped)
    if match:
        end = match.end()
        if escaped[:end].isdigit():
            return escaped[:end] + "\\" + escaped[end:]
        return "\\" + escaped
    return escaped


@dataclass
class Table:
    """A table for both outputs: header, rows of display strings, numeric columns."""

    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    caption: str = ""


@dataclass
class Chart:
    title: str
    alt: str
    uri: str


@dataclass
class Block:
    """One part of a section: a heading, paragraphs, tables and charts."""

    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    question: str
    findings: list[str]
    blocks: list[Block] = field(default_factory=list)


def render_report(
    results: Results,
    findings: Sequence[Finding],
    *,
    title: str | None = None,
    place: str | None = None,
) -> tuple[str, str]:
    """The report as HTML and as Markdown.

    Parameters
    ----------
    results : Results
        The analysis (:func:`partnernet.analysis.pipeline.analyse`).
    findings : the findings of ``results`` (:func:`partnernet.findings.explain`).
    title : the report's title (``DEFAULT_TITLE`` when None).
    place : the place the data covers, for the first page; when None, the local
        authorities in the data are named.

    Returns
    -------
    (str, str)
        ``report.html`` (self-contained: images inline, no script, no remote load)
        and ``report.md`` (the same text and tables, without the charts).

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.findings import explain
    >>> res = analyse(Dataset.from_frames())
    >>> html, md = render_report(res, explain(res))
    >>> html.startswith("<!DOCTYPE html>"), md.startswith("# Partnership network report")
    (True, True)
    """
    outline = _outline(results, findings, title=title, place=place)
    return _html(outline), _markdown(outline)


def write_report(
    out_dir: str | os.PathLike[str],
    results: Results,
    findings: Sequence[Finding],
    *,
    title: str | None = None,
    place: str | None = None,
) -> list[Path]:
    """Write ``report.html`` and ``report.md`` into ``out_dir`` (created when missing).

    Both are rendered before either is written, and each is written atomically:
    a failure leaves any earlier report untouched. Raises
    :class:`partnernet.errors.OutputError` when the folder cannot be written.
    """
    html, markdown = render_report(results, findings, title=title, place=place)
    folder = prepare_output_folder(out_dir)
    written = []
    for name, text in (("report.html", html), ("report.md", markdown)):
        atomic_write_text(folder / name, text)
        written.append(folder / name)
    return written


@dataclass
class _Outline:
    title: str
    subtitle: str
    about: list[tuple[str, str]]
    map_link: str
    overview: list[tuple[str, str]]
    key_findings: list[str]
    sections: list[Section]
    network: Section
    coverage: Section
    glossary: list[tuple[str, str]]
    method: list[str]


def _place(ds: Dataset, place: str | None) -> str:
    """The place as stated, or the local authorities the data holds."""
    if place:
        return plain_text(place)
    orgs = ds.organisations
    councils = orgs.loc[orgs["type"] == "local_authority", "id"].astype(str).tolist()
    if councils:
        return names_list(councils, org_names(ds), limit=3)
    return "not stated in the data (give one with --place)"


def _period_text(results: Results) -> str:
    p = results.summary.period
    parts = []
    if p.first_award and p.last_award:
        undated = p.awards - p.awards_dated
        parts.append(
            f"grants awarded {wording.month(p.first_award)} to {wording.month(p.last_award)}"
            + (f" ({wording.count(undated, 'award')} undated)" if undated else "")
        )
    for label, span in (("board memberships", p.memberships), ("partnerships", p.partnerships)):
        if span.first and span.last:
            parts.append(f"{label} dated {wording.period(span.first, span.last)}")
    if not parts:
        return "No dates in the data"
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def _sources(ds: Dataset) -> str:
    """Which tables the dataset had, with their row counts."""
    tables = ds.tables()
    had = [
        f"{name}.csv ({wording.count(len(tables[name]), 'row')})"
        for name in TABLES
        if len(tables.get(name, ())) > 0
    ]
    missing = [f"{name}.csv" for name in TABLES if not len(tables.get(name, ()))]
    text = "; ".join(had) if had else "no table has any rows"
    if missing:
        text += f". Not in the data: {wording.and_list(missing)}"
    return text


def _outline(
    results: Results,
    all_findings: Sequence[Finding],
    *,
    title: str | None = None,
    place: str | None = None,
) -> _Outline:
    ds = results.dataset
    names = org_names(ds)
    findings = _findings_by_question(all_findings)
    metrics = results.metrics
    sections = [
        Section(
            "exclusion",
            QUESTIONS[0][1],
            QUESTIONS[0][2],
            findings.get("exclusion", []),
            _exclusion_blocks(ds, results, names),
        ),
        Section(
            "silos",
            QUESTIONS[1][1],
            QUESTIONS[1][2],
            findings.get("silos", []),
            _silo_blocks(ds, results, names),
        ),
        Section(
            "brokerage",
            QUESTIONS[2][1],
            QUESTIONS[2][2],
            findings.get("brokerage", []),
            _brokerage_blocks(results, names),
        ),
    ]
    key = [section.findings[0] for section in sections if section.findings]
    n_orgs = len(ds.organisations)
    money = results.summary.currencies
    awards = f"{wording.integer(money.pounds_awards)} ({wording.money(money.pounds_amount)})"
    if money.other_awards:
        # Never added to the pounds: stated beside them (issue 11).
        awards += f"; also {wording.other_currencies(money.other)}, not added"
    years = wording.period(results.summary.period.first_award, results.summary.period.last_award)
    overview = [
        ("Organisations", wording.integer(n_orgs)),
        ("Boards and forums", wording.integer(len(ds.boards))),
        ("Board seats and memberships", wording.integer(len(ds.memberships))),
        ("Funding awards", awards),
        ("Partnerships", wording.integer(len(ds.partnerships))),
    ]
    if years:
        overview.insert(0, ("Grants awarded", years))
    if not metrics.empty and "degree" in metrics:
        isolated = int((metrics["degree"] == 0).sum())
        overview.append(("Organisations with no tie", wording.integer(isolated)))
    network = Section(
        "network",
        "The network at a glance",
        "How big and how joined-up the network is.",
        findings.get("summary", []),
        _network_blocks(results),
    )
    coverage = Section(
        "coverage",
        "Coverage and limits",
        "What the data covers, and what no analysis of it can show.",
        findings.get("coverage", []),
        _coverage_blocks(ds, results, names, all_findings),
    )
    about = [
        ("Place", _place(ds, place)),
        ("Period", _period_text(results)),
        ("Data sources", _sources(ds)),
    ]
    return _Outline(
        title=plain_text(title) if title else DEFAULT_TITLE,
        about=about,
        map_link=MAP_FILE,
        glossary=glossary(),
        subtitle=(
            f"{wording.count(n_orgs, 'organisation')}, {wording.count(len(ds.boards), 'board')}, "
            f"{wording.count(len(ds.funding), 'funding award')} and "
            f"{wording.count(len(ds.partnerships), 'partnership')}."
            + (f" Grants awarded {years}." if years else "")
        ),
        overview=overview,
        key_findings=key,
        sections=sections,
        network=network,
        coverage=coverage,
        method=_method(results),
    )


# --- The glossary ----------------------------------------------------------------

# Every term the report uses that a reader may not know, in the order a reader
# meets them; (term, definition). The sector entry is built from the model so it
# always lists the types that form each sector.
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "Organisation",
        "Any body in the data: a voluntary group, a charity, a council or one of its "
        "departments, an NHS body, a funder or a business.",
    ),
    (
        "VCSE organisation",
        "A voluntary, community or social enterprise organisation.",
    ),
    (
        "Infrastructure organisation (CVS)",
        "A council for voluntary service or similar body whose work is supporting other "
        "voluntary organisations.",
    ),
    (
        "Public body",
        "A local authority, one of its departments, an NHS body or a central government "
        "body: with boards, the decision makers the report measures distance to. Schools, "
        "colleges and universities are in the public sector (see Sector) but are not "
        "counted as decision makers.",
    ),
    ("Sector", ""),  # filled in by glossary()
    (
        "Size band",
        "An organisation's band by annual income: micro under £10,000, small £10,000 to "
        "£100,000, medium to £1m, large to £10m, major to £100m, super-major above. "
        "Small organisations means micro and small ones together.",
    ),
    (
        "Tie",
        "A link between two organisations: one funds the other, they have a partnership, "
        "they sit on the same board or forum, or they share a person (a trustee or member "
        "of staff). Two organisations have at most one tie, however many of these link "
        "them.",
    ),
    (
        "Isolated",
        "With no tie in the data at all. Nothing can be said about how such an "
        "organisation is connected: it may simply be unrecorded. Isolated organisations "
        "are counted apart from those with ties but no route.",
    ),
    (
        "Decision maker",
        "A public body, or a board or forum (reached through any organisation that has "
        "a seat on one).",
    ),
    (
        "Route, hops",
        "A chain of ties from one organisation to another; hops are the number of ties "
        "in the shortest chain. No route means no chain of ties reaches a decision "
        "maker, although the organisation has ties.",
    ),
    (
        "Betweenness",
        "The share (0 to 1) of the shortest routes between pairs of other organisations "
        "that pass through this one. The top brokers are ranked by it.",
    ),
    (
        "Broker",
        "An organisation that links others who have no direct tie to each other.",
    ),
    (
        "Brokerage roles",
        "Gould and Fernandez (1989) name each case of an organisation B linking A to C "
        "(A and C not tied) by sector: coordinator (all three in one sector), "
        "itinerant (A and C share a sector, B is outside it), gatekeeper (B and C share "
        "a sector, A is outside it), representative (A and B share a sector, C is "
        "outside it) and liaison (all three sectors differ). Ties have no direction, so "
        "each gatekeeper case is also a representative case the other way round.",
    ),
    (
        "Liaison",
        "The brokerage role of an organisation linking two organisations from two "
        "different sectors, neither its own, that have no direct tie.",
    ),
    (
        "Constraint",
        "Burt's (1992) measure of how far an organisation's contacts are tied to one "
        "another (0 to about 1): high constraint means few brokerage opportunities. "
        "Effective size is the number of its contacts that are not tied to each other.",
    ),
    (
        "Cut point",
        "An organisation whose loss would split its part of the network into pieces.",
    ),
    (
        "Separate part",
        "A set of organisations joined to one another by some chain of ties and to no "
        "other organisation.",
    ),
    (
        "Community",
        "A group of organisations more tied among themselves than to the rest, found by "
        "the Leiden method, a refinement of Louvain (seeded, so the same every run).",
    ),
    (
        "Modularity",
        "How clearly the network divides into communities, from 0 (no more than "
        f"chance) up to 1; {MODULARITY_CLEAR:g} or more is usually read as clear "
        "community structure.",
    ),
    (
        "Density",
        "The share of all possible ties between organisations that are present.",
    ),
    (
        "Degree centralisation",
        "From 0, when every organisation has as many ties as the others, to 1, when a "
        "single organisation holds every tie.",
    ),
    (
        "Average clustering",
        "How often two organisations tied to the same one are tied to each other (0 to 1).",
    ),
    (
        "E-I index",
        "Krackhardt and Stern's (1988) external-internal index: (ties crossing the "
        "group boundary minus ties within it) divided by all of them, from -1 (every tie "
        "stays within) to +1 (every tie crosses).",
    ),
    (
        "Department",
        "A part of a public body listed with the body as its parent; departments of the "
        "same body are siblings.",
    ),
    (
        "Partner overlap",
        "The Jaccard index of two departments' partners (the organisations each funds, "
        "partners with or sits on a board with): those both deal with, divided by those "
        "either deals with. 0 means none in common, 1 the same partners.",
    ),
    (
        "Coordination tie",
        "A partnership between two sibling departments, or a board both sit on. It can "
        "only be seen when the data has partnerships.csv or boards.csv with "
        "memberships.csv.",
    ),
    (
        "Active period",
        "From a department's first to its last dated tie (grant award dates, partnership "
        "and membership start and end dates). Two departments are active at the same "
        "time unless one's period ends before the other's begins (a handover of up to "
        f"{HANDOVER_DAYS} days allowed).",
    ),
    (
        "Likely renaming",
        "Two sibling departments in sequence, the later starting within "
        f"{RENAMING_GAP_DAYS} days of the earlier's last dated tie and sharing at least "
        f"{wording.percent(RENAMING_SHARED_AT_LEAST)} of the smaller one's partners: "
        "most likely one department under a new name, and treated as one over time.",
    ),
    (
        "Siloed",
        "A department with no coordination tie to any sibling active at the same time, "
        f"and a partner overlap below {SILO_OVERLAP_BELOW:g} with every one of them.",
    ),
    (
        "Duplicated engagement",
        "An organisation dealt with separately by two or more sibling departments that "
        "were active at the same time and have no coordination tie: several "
        "conversations with the same organisation. Only the pairs that do not "
        "coordinate are counted.",
    ),
    (
        "Under-connected group",
        "A group of organisations (by tag, locality or community) whose members have "
        "markedly fewer ties than average, or are far more often far from any decision "
        "maker.",
    ),
    (
        "Gini coefficient",
        "How unevenly funding is spread among recipients: 0 if all received the same, 1 "
        "if one received everything.",
    ),
    (
        "p-value, reshuffle",
        "To test a difference, the labels (sectors, sizes, group membership) are "
        "reshuffled at random many times, keeping the network as it is; the p-value is "
        "the share of reshuffles giving a difference at least as large as the one seen. "
        f"Below {ALPHA:g} the difference is called statistically significant.",
    ),
    (
        "z",
        "How many standard deviations an observed count is above what a random network "
        "of the same density and sector sizes would give (Gould and Fernandez's "
        f"random-graph comparison, kept for comparison with UCINET and sna); above "
        f"{Z_CLEAR:g} is read as clearly more than chance.",
    ),
)


def _sector_definition() -> str:
    words = wording.SECTOR_WORDS
    parts = []
    for sector in SECTORS:
        types = [TYPE_LABELS.get(t, t) for t in ORG_TYPES if sector_of(t) == sector]
        parts.append(f"{words.get(sector, sector)} ({wording.and_list(types)})")
    return (
        "The group an organisation's type puts it in, for the brokerage roles and the "
        "E-I index: " + "; ".join(parts) + "."
    )


def glossary() -> list[tuple[str, str]]:
    """The report's glossary: every term it uses that needs defining.

    Examples
    --------
    >>> dict(glossary())["Sector"].startswith("The group an organisation's type puts it in")
    True
    """
    return [(t, _sector_definition() if t == "Sector" else d) for t, d in GLOSSARY]


def _findings_by_question(findings: Sequence[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in findings:
        out.setdefault(finding.question, []).append(plain_text(finding.text))
    return out


# --- Question 1: exclusion -----------------------------------------------------


def band_shares(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per size band, over VCSE and infrastructure organisations: share of the
    organisations, of the board seats they hold and of the funding they received.

    Organisations with no size band form an ``unknown`` row when there are any.

    Examples
    --------
    >>> m = pd.DataFrame({"type": ["vcse"] * 3, "size_band": ["micro", "micro", "large"],
    ...                   "board_seats": [0, 1, 3], "funding_received": [0.0, 10.0, 30.0]})
    >>> band_shares(m).round(2).to_dict(orient="list")
    {'band': ['micro', 'large'], 'organisations': [0.67, 0.33], 'board_seats': [0.25, 0.75], \
'funding': [0.25, 0.75]}
    """
    population = metrics[metrics["type"].isin(EXCLUSION_TYPES)]
    bands = population["size_band"].where(population["size_band"].isin(SIZE_BANDS), "unknown")
    order = [b for b in (*SIZE_BANDS, "unknown") if (bands == b).any()]
    seats_total = float(population["board_seats"].sum())
    funding_total = float(population["funding_received"].sum())
    rows = []
    for band in order:
        members = population[bands == band]
        rows.append(
            {
                "band": band,
                "organisations": len(members) / len(population),
                "board_seats": float(members["board_seats"].sum()) / seats_total
                if seats_total
                else 0.0,
                "funding": float(members["funding_received"].sum()) / funding_total
                if funding_total
                else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=["band", "organisations", "board_seats", "funding"])


def _band_label(band: str) -> str:
    return {"super_major": "Super-major", "unknown": "Unknown"}.get(band, band.capitalize())


def _exclusion_blocks(ds: Dataset, results: Results, names: dict[str, str]) -> list[Block]:
    blocks: list[Block] = []
    metrics = results.metrics
    needed = {"type", "size_band", "board_seats", "funding_received"}
    if not metrics.empty and needed <= set(metrics.columns):
        shares = band_shares(metrics)
        if not shares.empty:
            labelled = shares.assign(band=[_band_label(b) for b in shares["band"]])
            small = shares[shares["band"].isin(SMALL_BANDS)]
            alt = (
                "Bar chart by size band. Micro and small organisations are "
                f"{wording.percent(small['organisations'].sum())} of organisations, hold "
                f"{wording.percent(small['board_seats'].sum())} of board seats and received "
                f"{wording.percent(small['funding'].sum())} of funding."
            )
            blocks.append(
                Block(
                    heading="Board seats and funding by size band",
                    paragraphs=[
                        "If size made no difference, each band's three bars would be the "
                        "same height. Bands are by annual income: micro under £10,000, "
                        "small £10,000 to £100,000, medium to £1m, large to £10m, major to "
                        "£100m. Voluntary and infrastructure organisations only."
                    ],
                    charts=[
                        Chart(
                            "Share of organisations, board seats and funding by size band",
                            alt,
                            charts.svg_data_uri(charts.size_band_chart(labelled)),
                        )
                    ],
                    tables=[_size_band_table(results.size_bands, metrics)],
                )
            )
        concentration = results.summary.funding_concentration
        if concentration.recipients >= 2 and concentration.gini is not None:
            n = concentration.recipients
            top_n = concentration.top_count
            top = wording.percent(concentration.top_share)
            top_fraction = wording.percent(concentration.top_fraction)
            g = concentration.gini
            blocks.append(
                Block(
                    heading="How evenly funding is spread",
                    paragraphs=[
                        f"Across the {wording.integer(n)} voluntary and infrastructure "
                        f"organisations that received funding, the top {top_fraction} "
                        f"({wording.integer(top_n)}) received {top} of it. The Gini "
                        f"coefficient is {g:.2f}: 0 would mean every recipient received the "
                        "same amount, 1 that one received everything. The further the curve "
                        "sags below the dashed line, the more unequal the funding."
                    ],
                    charts=[
                        Chart(
                            "Lorenz curve of funding received",
                            f"Lorenz curve of funding across {n} recipients; "
                            f"Gini {g:.2f}; top {top_fraction} receive {top}.",
                            charts.svg_data_uri(
                                charts.lorenz_chart(
                                    concentration.lorenz["population_share"],
                                    concentration.lorenz["amount_share"],
                                    gini=g,
                                )
                            ),
                        )
                    ],
                )
            )
    blocks.extend(_group_blocks(results, names))
    return blocks


def _size_band_table(size_bands: pd.DataFrame, metrics: pd.DataFrame) -> Table:
    columns: list[tuple[str, str, Callable[[Any], str]]] = [
        ("size_band", "Size band", lambda v: _band_label(str(v))),
        ("count", "Organisations", wording.number),
        ("share", "Share of organisations", wording.percent),
        ("share_with_board_seat", "With a board seat", wording.percent),
        ("share_public_funded", "Funded by a public body", wording.percent),
        ("share_of_funding", "Share of all funding", wording.percent),
        ("median_degree", "Median ties", lambda v: wording.number(v, digits=1)),
        (
            "median_distance_to_decision",
            "Median hops to a decision maker",
            lambda v: wording.number(v, digits=1),
        ),
    ]
    present = [c for c in columns if c[0] in size_bands.columns]
    routes = isolated_and_no_route(metrics)
    rows = []
    for row in size_bands.to_dict(orient="records"):
        band = str(row["size_band"])
        isolated, no_route = routes.get(band, (0, 0))
        rows.append(
            [fmt(row[c]) for c, _, fmt in present]
            + [wording.integer(isolated), wording.integer(no_route)]
        )
    return Table(
        header=[label for _, label, _ in present]
        + ["With no tie in the data", "With ties but no route to a decision maker"],
        rows=rows,
        numeric=set(range(1, len(present) + 2)),
        caption="Voluntary and infrastructure organisations by size band (the last two "
        "columns are counts: organisations with no tie at all are kept apart from those "
        "whose ties lead to no decision maker)",
    )


def isolated_and_no_route(metrics: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per size band (``unknown`` for none), over VCSE and infrastructure
    organisations: how many have no tie in the data, and how many have ties but
    no route to any decision maker.

    Examples
    --------
    >>> m = pd.DataFrame({"type": ["vcse"] * 3, "size_band": ["micro"] * 3,
    ...                   "degree": [0, 1, 2],
    ...                   "distance_to_decision": [float("inf"), float("inf"), 1.0]})
    >>> isolated_and_no_route(m)
    {'micro': (1, 1)}
    """
    needed = {"type", "size_band", "degree", "distance_to_decision"}
    if metrics.empty or not needed <= set(metrics.columns):
        return {}
    population = metrics[metrics["type"].isin(EXCLUSION_TYPES)]
    bands = population["size_band"].where(population["size_band"].isin(SIZE_BANDS), "unknown")
    isolated = population["degree"] == 0
    unreachable = ~isolated & ~population["distance_to_decision"].astype(float).lt(float("inf"))
    out = {}
    for band in dict.fromkeys(bands):
        mask = bands == band
        out[str(band)] = (int((isolated & mask).sum()), int((unreachable & mask).sum()))
    return out


def _group_blocks(results: Results, names: dict[str, str]) -> list[Block]:
    groups = results.groups
    if groups.empty or "flagged" not in groups:
        return []
    flagged = groups[groups["flagged"].astype(bool)]
    shown = pd.concat([groups[groups["grouping"] == "size_band"], flagged]).drop_duplicates(
        ["grouping", "group"]
    )
    shown = shown.sort_values(["mean_degree_ratio"], kind="stable").head(GROUP_BARS)
    block = Block(heading="Under-connected groups")
    if flagged.empty:
        block.paragraphs.append("No group of organisations is flagged as under-connected.")
    else:
        block.paragraphs.append(
            f"{wording.count(len(flagged), 'group')} {'is' if len(flagged) == 1 else 'are'} "
            "flagged as under-connected: against random groups of the same size (with the "
            "Benjamini-Hochberg step over every group tested), their members have markedly "
            "fewer ties than average, or many more of them are far from any decision maker."
        )
    if not shown.empty:
        labels = [group_label(str(g.grouping), plain_text(g.label)) for g in shown.itertuples()]
        block.charts.append(
            Chart(
                "Ties per organisation by group, relative to the average",
                "Bar chart of each size band's and each flagged group's mean ties relative to "
                "the average; flagged groups are red.",
                charts.svg_data_uri(
                    charts.group_chart(
                        labels,
                        shown["mean_degree_ratio"].astype(float).tolist(),
                        shown["flagged"].astype(bool).tolist(),
                    )
                ),
            )
        )
    if not flagged.empty:
        rows = []
        for g in flagged.itertuples():
            members = split_ids(g.members)
            rows.append(
                [
                    group_label(str(g.grouping), plain_text(g.label)),
                    wording.number(g.n),
                    wording.number(g.mean_degree_ratio),
                    wording.percent(g.share_isolated),
                    wording.percent(g.share_far_from_decision),
                    names_list(members, names, limit=MEMBERS_SHOWN),
                ]
            )
        block.tables.append(
            Table(
                header=[
                    "Group",
                    "Organisations",
                    "Ties relative to average",
                    "With no tie",
                    "Far from decision makers",
                    "Members",
                ],
                rows=rows,
                numeric={1, 2, 3, 4},
                caption="Flagged groups and their members",
            )
        )
    return [block]


# --- Question 2: silos ---------------------------------------------------------


def _short_department(name: str, parent: str) -> str:
    suffix = f" ({parent})"
    return name[: -len(suffix)] if name.endswith(suffix) and len(name) > len(suffix) else name


def shown_departments(
    departments: pd.DataFrame, ids: Sequence[str], *, limit: int = HEATMAP_MAX_DEPARTMENTS
) -> list[str]:
    """The departments of one body to draw and list: all of them up to ``limit``,
    beyond it the ``limit`` with the most duplicated engagement (ties by id), in
    their original order.

    Examples
    --------
    >>> table = pd.DataFrame({"department_id": list("abc"), "duplicated_engagement": [1, 5, 3]})
    >>> shown_departments(table, ["a", "b", "c"], limit=2)
    ['b', 'c']
    """
    if len(ids) <= limit:
        return list(ids)
    engaged = departments.set_index("department_id")["duplicated_engagement"]
    ranked = sorted(ids, key=lambda d: (-int(engaged.get(d, 0)), str(d)))[:limit]
    keep = set(ranked)
    return [d for d in ids if d in keep]


def _span(first: object, last: object) -> str:
    return f"{wording.month(first)} to {wording.month(last)}"


def _silo_blocks(ds: Dataset, results: Results, names: dict[str, str]) -> list[Block]:
    blocks: list[Block] = []
    departments = results.departments
    for parent_id, full in results.overlap.items():
        if full.empty:
            continue
        parent = names.get(parent_id, str(parent_id))
        mine = (
            departments[departments["parent_id"] == parent_id]
            if not departments.empty and "parent_id" in departments
            else departments
        )
        ids = shown_departments(mine, [str(d) for d in full.index])
        matrix = full.loc[ids, ids]
        labels = [_short_department(names.get(d, str(d)), parent) for d in matrix.index]
        block = Block(heading=f"Departments of {parent}")
        block.paragraphs.append(
            "Each cell is the partner overlap of two departments: the share of the "
            "organisations either deals with (funds, partners with or sits on a board "
            "with) that both deal with. 0 means no organisation in common."
        )
        if len(ids) < len(full):
            block.paragraphs.append(
                f"{parent} has {wording.count(len(full), 'department')}: more than the "
                f"{wording.integer(HEATMAP_MAX_DEPARTMENTS)} a heatmap can show legibly, so "
                f"the {wording.integer(len(ids))} shown are those with the most duplicated "
                "engagement. departments.csv lists every department."
            )
        block.charts.append(
            Chart(
                f"Partner overlap between the departments of {parent}",
                f"Heatmap of partner overlap between {wording.count(len(labels), 'department')}"
                f" of {parent}.",
                charts.svg_data_uri(charts.overlap_heatmap(matrix, labels)),
            )
        )
        if len(ids) <= OVERLAP_TABLE_MAX_DEPARTMENTS:
            values = matrix.to_numpy(dtype=float)
            rows = [
                [label] + ["–" if i == j else f"{values[i, j]:.2f}" for j in range(len(labels))]
                for i, label in enumerate(labels)
            ]
            block.tables.append(
                Table(
                    header=["Department", *labels],
                    rows=rows,
                    numeric=set(range(1, len(labels) + 1)),
                    caption="Partner overlap (Jaccard)",
                )
            )
        if not mine.empty:
            listed = mine.set_index("department_id").loc[ids]
            block.tables.append(
                Table(
                    header=[
                        "Department",
                        "Active (dated ties)",
                        "Coordination ties with sibling departments",
                        "Largest overlap with a sibling active at the same time",
                        "Siloed",
                        "Organisations also dealt with by an uncoordinated sibling",
                    ],
                    rows=[
                        [
                            _short_department(names.get(str(d), str(d)), parent),
                            wording.period(r.active_from, r.active_to) or "undated",
                            wording.number(r.coordination_ties),
                            wording.number(r.max_partner_overlap),
                            "yes" if bool(r.siloed) else "no",
                            wording.number(r.duplicated_engagement),
                        ]
                        for d, r in zip(listed.index, listed.itertuples(), strict=True)
                    ],
                    numeric={2, 3, 5},
                    caption="Coordination and duplicated engagement"
                    + (
                        f" (the {wording.integer(len(ids))} departments shown above)"
                        if len(ids) < len(full)
                        else ""
                    ),
                )
            )
        renamed = results.renamings
        if not renamed.empty:
            here = renamed[renamed["parent_id"] == parent_id]
            if not here.empty:
                block.tables.append(
                    Table(
                        header=[
                            "Earlier department",
                            "Active",
                            "Later department",
                            "Active",
                            "Partners shared",
                        ],
                        rows=[
                            [
                                _short_department(
                                    names.get(str(r.earlier_id), str(r.earlier_id)), parent
                                ),
                                _span(r.earlier_first, r.earlier_last),
                                _short_department(
                                    names.get(str(r.later_id), str(r.later_id)), parent
                                ),
                                _span(r.later_first, r.later_last),
                                f"{wording.integer(r.shared)} ({wording.percent(r.shared_share)} "
                                "of the smaller)",
                            ]
                            for r in here.head(HEATMAP_MAX_DEPARTMENTS).itertuples()
                        ],
                        numeric={4},
                        caption="Likely renamings: one department replacing another",
                    )
                )
        blocks.append(block)
    if not blocks:
        blocks.append(
            Block(
                paragraphs=[
                    "No public body in the data has two or more departments, so there is "
                    "nothing to compare."
                ]
            )
        )
    return blocks


# --- Question 3: brokerage -----------------------------------------------------


def betweenness_ranks(values: Sequence[float]) -> list[str]:
    """Competition ranks of values sorted highest first: equal values (to the three
    places shown) share a rank, marked ``=``.

    Examples
    --------
    >>> betweenness_ranks([0.5, 0.2, 0.2, 0.1])
    ['1', '2=', '2=', '4']
    """
    shown = [round(v, 3) for v in values]
    out = []
    for v in shown:
        shared = shown.count(v) > 1
        out.append(f"{shown.index(v) + 1}{'=' if shared else ''}")
    return out


def _brokerage_blocks(results: Results, names: dict[str, str]) -> list[Block]:
    metrics = results.metrics
    blocks: list[Block] = []
    removal = results.removal
    cut_by_id: dict[str, int] = {}
    if not removal.empty and "small_cut_off" in removal:
        cut_by_id = {str(r.id): int(r.small_cut_off) for r in removal.itertuples()}
    if not metrics.empty and {"betweenness", "liaison"} <= set(metrics.columns):
        by_id = metrics.set_index("id")
        # Ranked by betweenness alone, highest first; equal betweenness shares a rank.
        brokers = sorted(results.top_brokers, key=lambda i: -float(by_id.loc[i, "betweenness"]))
        ranks = betweenness_ranks([float(by_id.loc[i, "betweenness"]) for i in brokers])
        rows = []
        for rank, org_id in zip(ranks, brokers, strict=True):
            row = by_id.loc[org_id]
            rows.append(
                [
                    rank,
                    names.get(org_id, org_id),
                    TYPE_LABELS.get(str(row["type"]), str(row["type"])),
                    wording.number(row["betweenness"], digits=3),
                    wording.number(row["liaison"]),
                    wording.number(row["degree"]),
                    wording.number(cut_by_id[org_id]) if org_id in cut_by_id else "not tested",
                ]
            )
        if rows:
            blocks.append(
                Block(
                    heading="Top brokers",
                    paragraphs=[
                        "The organisations with the highest betweenness, ranked by it alone "
                        "(1 is the highest; equal betweenness shares a rank, marked =): the "
                        "share of shortest routes between other organisations that pass "
                        "through this one (0 to 1). The other columns are for reference and "
                        "do not affect the order. Liaison counts the pairs it links from "
                        "two different sectors, neither its own, that have no direct tie "
                        "(Gould and Fernandez, 1989). These organisations are starred on the "
                        "map, and the loss of each was tested."
                    ],
                    tables=[
                        Table(
                            header=[
                                "Rank by betweenness",
                                "Organisation",
                                "Type",
                                "Betweenness",
                                "Liaison",
                                "Ties",
                                "Small organisations cut off without it",
                            ],
                            rows=rows,
                            numeric={0, 3, 4, 5, 6},
                        )
                    ],
                )
            )
    if not removal.empty:
        ordered = removal.sort_values(
            ["small_cut_off", "id"], ascending=[False, True], kind="stable"
        )
        block = Block(
            heading="What would be lost without them",
            paragraphs=[
                "Each organisation below was taken out of the network in turn (the "
                "infrastructure bodies and the top brokers). The count is of small and "
                "micro organisations that would then have no route at all to a public body "
                "or a board."
            ],
        )
        block.charts.append(
            Chart(
                "Small organisations cut off from every decision maker, by organisation removed",
                "Bar chart of small organisations cut off when each organisation is removed.",
                charts.svg_data_uri(
                    charts.removal_chart(
                        [names.get(str(i), str(i)) for i in ordered["id"]],
                        [int(v) for v in ordered["small_cut_off"]],
                    )
                ),
            )
        )
        block.tables.append(
            Table(
                header=[
                    "Organisation removed",
                    "Small organisations cut off",
                    "Separate parts of the network (before → after)",
                    "Those cut off",
                ],
                rows=[
                    [
                        names.get(str(r.id), str(r.id)),
                        wording.number(r.small_cut_off),
                        wording.number(r.components_before)
                        + " → "
                        + wording.number(r.components_after),
                        names_list(split_ids(r.cut_off_ids), names, limit=MEMBERS_SHOWN) or "none",
                    ]
                    for r in ordered.itertuples()
                ],
                numeric={1},
            )
        )
        blocks.append(block)
    roles = results.roles
    if not roles.empty and {"reshuffled_expected", "random_graph_z"} <= set(roles.columns):
        blocks.append(
            Block(
                heading="Brokerage roles across the network",
                paragraphs=[
                    "How often organisations sit between two others that have no direct "
                    "tie, by the sectors involved (Gould and Fernandez, 1989), against the "
                    "same network with its sector labels reshuffled at random (which the "
                    "findings use), and, for comparison with UCINET and sna, against a "
                    "random network of the same density and sector sizes (Gould and "
                    f"Fernandez's z; above {Z_CLEAR:g} reads as clearly more than chance)."
                ],
                tables=[
                    Table(
                        header=[
                            "Role",
                            "Observed",
                            "Expected, labels reshuffled",
                            "p (reshuffled)",
                            "Expected, random graph",
                            "z (random graph)",
                        ],
                        rows=[
                            [
                                str(r.role).capitalize(),
                                wording.number(r.observed),
                                wording.number(r.reshuffled_expected, digits=1),
                                wording.p_value(float(r.reshuffled_p), int(r.reshuffles)),
                                wording.number(r.random_graph_expected, digits=1),
                                wording.number(r.random_graph_z, digits=1),
                            ]
                            for r in roles.itertuples()
                        ],
                        numeric={1, 2, 4, 5},
                    )
                ],
            )
        )
    return blocks


# --- The network, coverage, method ---------------------------------------------

_NETWORK_FIGURES: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("organisations", "Organisations", wording.number),
    ("boards", "Boards and forums", wording.number),
    ("ties", "Ties between organisations", wording.number),
    (
        "density",
        "Density (share of all possible ties present)",
        lambda v: wording.percent(v, digits=2),
    ),
    ("components", "Separate parts", wording.number),
    ("isolates", "Organisations with no tie", wording.number),
    ("degree_centralisation", "Degree centralisation (0 to 1)", wording.number),
    ("average_clustering", "Average clustering (0 to 1)", wording.number),
    (
        "average_path_length",
        "Average steps between organisations (largest part)",
        lambda v: wording.number(v, digits=1),
    ),
    ("communities_of_two_or_more", "Communities of two or more", wording.number),
    ("modularity", "Modularity", wording.number),
)


def _network_blocks(results: Results) -> list[Block]:
    network = results.summary.network
    rows = [
        [label, fmt(network[key])]
        for key, label, fmt in _NETWORK_FIGURES
        if key in network and network[key] is not None
    ]
    by_layer = network.ties_by_layer
    if by_layer:
        layer_names = {
            "FUNDS": "Ties from funding",
            "MEMBER_OF": "Ties from sharing a board",
            "PARTNERS_WITH": "Ties from partnerships",
            "SHARES_PERSON": "Ties from shared people",
        }
        rows.extend(
            [layer_names.get(str(k), str(k)), wording.number(v)] for k, v in by_layer.items()
        )
    if not rows:
        return []
    return [Block(tables=[Table(header=["Figure", "Value"], rows=rows, numeric={1})])]


def _coverage_blocks(
    ds: Dataset, results: Results, names: dict[str, str], findings: Sequence[Finding]
) -> list[Block]:
    """Who is behind the coverage figures, and the limits every reader should know.

    The counts themselves are the analysis's coverage findings; this adds the names
    and the limits that hold for any data.
    """
    metrics = results.metrics
    bullets = []
    if not metrics.empty and "degree" in metrics:
        isolated = metrics.loc[metrics["degree"] == 0, "id"].astype(str).tolist()
        if isolated:
            bullets.append(
                "With no tie in the data: "
                + names_list(isolated, names, limit=ISOLATES_SHOWN)
                + ". They may be well connected in ways the data does not record."
            )
    orgs = ds.organisations
    missing = orgs[orgs["type"].isin(EXCLUSION_TYPES) & orgs["size_band"].isna()]
    if len(missing):
        bullets.append(
            "With no size band or income, so left out of the comparisons by size: "
            + names_list(missing["id"].astype(str), names, limit=ISOLATES_SHOWN)
            + ". Adding their income (or a charity register extract) would bring them in."
        )
    boards_used = set(ds.memberships["board_id"])
    empty_boards = [b for b in ds.boards["id"] if b not in boards_used]
    if empty_boards:
        bullets.append(
            "Boards with no members recorded: "
            + names_list(empty_boards, names, limit=ISOLATES_SHOWN)
            + "."
        )
    stated = {f.id for f in findings if f.question == "coverage"}
    if "coverage-completeness" not in stated:
        bullets.append(
            "Ties are only as complete as the data: a partnership, grant or board seat "
            "missing from the files is missing from every figure here, and an organisation "
            "that looks cut off may simply be unrecorded."
        )
    bullets.append(
        "People are never named: ties through shared trustees or staff count people "
        "through keyed pseudonyms, and only organisation-to-organisation ties are shown."
    )
    return [Block(bullets=bullets)]


def _method(results: Results) -> list[str]:
    settings = results.summary.settings
    layers = list(settings.layers)
    lines = []
    if layers:
        lines.append("Ties measured: " + ", ".join(str(x) for x in layers) + ".")
    lines.append(f"Random seed: {results.seed} (the same data and seed give the same report).")
    lines.append(f"Permutations per significance test: {settings.permutations:,}.")
    sample = settings.betweenness_sample
    if isinstance(sample, int):
        lines.append(f"Betweenness estimated from {sample:,} sampled organisations.")
    return lines


# --- Output formats ------------------------------------------------------------


def _html(outline: _Outline) -> str:
    css, csp = script_free_style("report.css", data_images=True)
    return _TEMPLATES.get_template("report.html").render(report=outline, css=css, csp=csp)


def _markdown(outline: _Outline) -> str:
    e = escape_markdown
    lines = [f"# {e(outline.title)}", "", e(outline.subtitle), ""]
    lines += [f"- **{e(label)}:** {e(value)}" for label, value in outline.about]
    lines += [
        "",
        f"The interactive map of this network: [{outline.map_link}]({outline.map_link})",
        "",
    ]
    lines += ["| Figure | Value |", "|---|---:|"]
    lines += [f"| {e(k)} | {e(v)} |" for k, v in outline.overview]
    lines.append("")
    if outline.key_findings:
        lines += ["## Key findings", ""]
        lines += [f"- {e(text)}" for text in outline.key_findings]
        lines.append("")
    lines += ["_The charts are in report.html._", ""]
    for number, section in enumerate(outline.sections, start=1):
        lines += _markdown_section(section, f"{number}. ")
    lines += _markdown_section(outline.network, "")
    lines += _markdown_section(outline.coverage, "")
    lines += ["## Glossary", ""]
    lines += [f"- **{e(term)}**: {e(definition)}" for term, definition in outline.glossary]
    lines.append("")
    if outline.method:
        lines += ["## How this was worked out", ""]
        lines += [f"- {e(line)}" for line in outline.method]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_section(section: Section, prefix: str) -> list[str]:
    e = escape_markdown
    lines = [f"## {prefix}{e(section.title)}", "", f"_{e(section.question)}_", ""]
    if section.findings:
        lines += [f"- {e(text)}" for text in section.findings]
        lines.append("")
    for block in section.blocks:
        if block.heading:
            lines += [f"### {e(block.heading)}", ""]
        for paragraph in block.paragraphs:
            lines += [e(paragraph), ""]
        if block.bullets:
            lines += [f"- {e(b)}" for b in block.bullets]
            lines.append("")
        for table in block.tables:
            lines += _markdown_table(table)
    return lines


def _markdown_table(table: Table) -> list[str]:
    e = escape_markdown
    lines = []
    if table.caption:
        lines += [f"**{e(table.caption)}**", ""]
    lines.append("| " + " | ".join(e(h) for h in table.header) + " |")
    lines.append(
        "|"
        + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.header)))
        + "|"
    )
    for row in table.rows:
        lines.append("| " + " | ".join(e(cell) for cell in row) + " |")
    lines.append("")
    return lines
