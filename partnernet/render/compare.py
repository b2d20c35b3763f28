"""The year-on-year change page (``compare.html`` and ``compare.md``) and the
difference map (``difference.html``) of ``partnernet compare``.

Both pages are built from one outline, so they say the same things; every
sentence comes from :mod:`partnernet.findings.compare`. The HTML is rendered by
jinja2 with autoescaping on and a Content-Security-Policy that allows no script
and no remote load (as the report); the Markdown escapes every markup character
of a name (:func:`partnernet.render.report.escape_markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jinja2
import pandas as pd

from partnernet.analysis.change_tests import TIE_RESHUFFLE, YEAR_SWAP
from partnernet.analysis.compare import Comparison
from partnernet.findings import compare as words
from partnernet.findings import wording
from partnernet.findings.wording import TYPE_LABELS, plain_text
from partnernet.render.common import script_free_style
from partnernet.render.difference import map_changes
from partnernet.render.network import render_network_html
from partnernet.render.report import Block, Table, escape_markdown

__all__ = [
    "DEFAULT_TITLE",
    "DIFFERENCE_MAP",
    "ROWS_LISTED",
    "render_compare",
    "render_difference_map",
]

DEFAULT_TITLE = "What changed"
DIFFERENCE_MAP = "difference.html"
# Up to this many rows of each kind of change are listed on the page; changes.csv
# has all.
ROWS_LISTED = 40

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("partnernet.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class _Section:
    id: str
    title: str
    intro: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class _Page:
    title: str
    subtitle: str
    about: list[tuple[str, str]]
    map_link: str
    sections: list[_Section]
    method: list[str]


def render_compare(
    comparison: Comparison,
    *,
    before_label: str = "before",
    after_label: str = "after",
    title: str | None = None,
    aliases_used: int = 0,
) -> tuple[str, str]:
    """The change page as HTML and as Markdown.

    Examples
    --------
    >>> from partnernet.analysis.compare import compare
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> run = analyse(Dataset.from_frames(), permutations=10)
    >>> html, md = render_compare(compare(run, run))
    >>> html.startswith("<!DOCTYPE html>"), md.startswith("# What changed")
    (True, True)
    """
    page = _outline(comparison, before_label, after_label, title, aliases_used)
    return _html(page), _markdown(page)


def render_difference_map(
    comparison: Comparison, *, before_label: str = "before", after_label: str = "after"
) -> str:
    """``difference.html``: the new year's map with the changes marked."""
    changes = map_changes(
        comparison.before.multilayer,
        before_label=before_label,
        after_label=after_label,
        after=comparison.after.multilayer,
    )
    return render_network_html(comparison.after, changes=changes)


def _outline(
    comparison: Comparison, before: str, after: str, title: str | None, aliases_used: int
) -> _Page:
    before_text, after_text = plain_text(before) or "before", plain_text(after) or "after"
    summary_before = comparison.before.summary.network
    summary_after = comparison.after.summary.network
    about = [
        (
            "Before",
            f"{before_text}: {wording.count(summary_before.organisations, 'organisation')}, "
            f"{wording.count(summary_before.ties, 'tie')}",
        ),
        (
            "After",
            f"{after_text}: {wording.count(summary_after.organisations, 'organisation')}, "
            f"{wording.count(summary_after.ties, 'tie')}",
        ),
    ]
    sections = [
        _Section(
            "changes",
            "What changed",
            bullets=words.key_changes(comparison),
        ),
        _covenant_section(comparison, before_text, after_text),
        _tests_section(comparison, before_text, after_text),
        _detail_section(comparison, before_text, after_text),
        _Section(
            "figures",
            "Every headline figure",
            intro=["headline_changes.csv has the same figures as numbers, with their definitions."],
            blocks=[Block(tables=[_headline_table(comparison, before_text, after_text)])],
        ),
    ]
    settings = comparison.after.summary.settings
    method = [
        "Organisations are matched across the two years by their id"
        + (
            f", after {wording.count(aliases_used, 'alias', 'aliases')} from the aliases file "
            "mapped renamed ids to one."
            if aliases_used
            else "; an organisation whose id changed counts as one leaving and one joining "
            "(give --aliases to join them)."
        ),
        "Both years are analysed the same way (layers "
        + ", ".join(settings.layers)
        + f"; seed {settings.seed}), and each figure is defined beside it.",
        f"Change tests: {YEAR_SWAP} for the figures of organisations; {TIE_RESHUFFLE} for "
        "the E-I index. P-values are two-sided.",
        "The Covenant view groups figures; it makes no score from them.",
    ]
    return _Page(
        title=plain_text(title) or DEFAULT_TITLE,
        subtitle=f"The partnership network of {before_text} against {after_text}: what got "
        "better, what got worse, and whether the change is more than chance.",
        about=about,
        map_link=DIFFERENCE_MAP,
        sections=sections,
        method=method,
    )


def _covenant_section(comparison: Comparison, before: str, after: str) -> _Section:
    blocks = []
    for principle, question, rows in words.covenant_rows(comparison):
        blocks.append(
            Block(
                heading=principle,
                paragraphs=[question],
                tables=[Table(["Figure", "Definition", before, after, "Change"], rows, {2, 3, 4})],
            )
        )
    return _Section(
        "covenant",
        "The Covenant view",
        intro=[
            "The figures grouped under the Civil Society Covenant's four principles: "
            "recognition, partnership, participation and transparency. Each figure is shown "
            "with its definition and its change; no score is made from them."
        ],
        blocks=blocks,
    )


def _tests_section(comparison: Comparison, before: str, after: str) -> _Section:
    tests = words.ordered_tests(comparison.tests)
    rows = []
    for t in tests:
        figure = words.TEST_FIGURES[t.figure]
        if words.cannot_test(comparison, t.figure) is not None:
            rows.append(
                [
                    t.figure[0].upper() + t.figure[1:],
                    "–",
                    "–",
                    "–",
                    "not answerable yet",
                    t.null_model,
                    "–",
                    "–",
                ]
            )
            continue
        rows.append(
            [
                t.figure[0].upper() + t.figure[1:],
                words.gap_text(figure, t.before),
                words.gap_text(figure, t.after),
                words.change_text(figure, t.before, t.after),
                "–" if t.p_value is None else wording.p_value(t.p_value, t.reshuffles),
                t.null_model,
                wording.integer(t.units_moved),
                "–" if t.seed is None else str(t.seed),
            ]
        )
    return _Section(
        "tests",
        "Is the change more than chance?",
        intro=[
            "For the gaps the findings test within one year, a permutation test of the "
            "change itself. Null model for the figures of organisations: "
            f"{YEAR_SWAP} (each organisation in both years keeps its two records, and "
            "which one is the earlier is swapped at random; organisations in one year only "
            "stay where they are). Null model for the E-I index: "
            f"{TIE_RESHUFFLE} (the ties of either year are pooled and which of them were "
            "kept, lost and new is drawn at random, as many of each as there were). "
            "A change counts as more than chance when "
            "p is below 0.05."
        ],
        bullets=[words.change_test_sentence(t, comparison) for t in tests],
        blocks=[
            Block(
                tables=[
                    Table(
                        [
                            "Figure",
                            before,
                            after,
                            "Change",
                            "p-value",
                            "Null model",
                            "Units reshuffled",
                            "Seed",
                        ],
                        rows,
                        {1, 2, 3, 6},
                    )
                ]
            )
        ],
    )


def _name(value: object, fallback: object) -> str:
    return plain_text(value) or str(fallback)


def _detail_section(comparison: Comparison, before: str, after: str) -> _Section:
    blocks = []
    orgs = comparison.organisations
    if not orgs.empty:
        listed = orgs.head(ROWS_LISTED)
        rows = [
            [
                _name(o.name, o.id),
                TYPE_LABELS.get(str(o.type), str(o.type)),
                plain_text(o.size_band) or "unknown",
                "joined" if o.change == "joined" else "left",
            ]
            for o in listed.itertuples(index=False)
        ]
        blocks.append(
            Block(
                "Organisations that joined or left",
                paragraphs=_first_of(
                    len(orgs),
                    "organisation that joined or left",
                    "organisations that joined or left",
                ),
                tables=[Table(["Organisation", "Type", "Size band", "Change"], rows)],
            )
        )
    seats = comparison.board_seats
    if not seats.empty:
        rows = [
            [
                _name(s.name, s.id),
                plain_text(s.size_band) or "unknown",
                wording.integer(s.before),
                wording.integer(s.after),
            ]
            for s in seats.head(ROWS_LISTED).itertuples(index=False)
        ]
        blocks.append(
            Block(
                "Board seats gained and lost",
                paragraphs=_first_of(len(seats), "organisation", "organisations"),
                tables=[Table(["Organisation", "Size band", before, after], rows, {2, 3})],
            )
        )
    depts = comparison.departments
    if not depts.empty:
        rows = [
            [
                _name(d.name, d.id),
                "siloed" if d.before else "not siloed",
                "siloed" if d.after else "not siloed",
            ]
            for d in depts.itertuples(index=False)
        ]
        blocks.append(Block("Departments", tables=[Table(["Department", before, after], rows)]))
    brokers = comparison.brokers
    if not brokers.empty:
        rows = [
            [_name(b.name, b.id), str(b.role), wording.integer(b.before), wording.integer(b.after)]
            for b in brokers.itertuples(index=False)
        ]
        blocks.append(
            Block(
                "Brokerage of the top brokers",
                paragraphs=[
                    "Gould–Fernandez role counts of the top brokers of either year that changed."
                ],
                tables=[Table(["Organisation", "Role", before, after], rows, {2, 3})],
            )
        )
    ties = comparison.ties
    if not ties.empty:
        blocks.append(_ties_block(ties))
    return _Section(
        "detail",
        "Who and what changed",
        intro=[] if blocks else ["No organisation, tie, board seat, department or broker changed."],
        blocks=blocks,
    )


def _first_of(n: int, singular: str, plural: str) -> list[str]:
    if n <= ROWS_LISTED:
        return []
    return [
        f"The first {wording.integer(ROWS_LISTED)} of {wording.count(n, singular, plural)}; "
        "changes.csv lists every one."
    ]


def _ties_block(ties: pd.DataFrame) -> Block:
    shown = ties.head(ROWS_LISTED)
    rows = [
        [
            "new" if t.change == "new" else "lost",
            _name(t.source_name, t.source),
            _name(t.target_name, t.target),
            ", ".join(words.LAYER_WORDS.get(x, x) for x in str(t.layers).split(";") if x),
        ]
        for t in shown.itertuples(index=False)
    ]
    return Block(
        "New and lost ties",
        paragraphs=_first_of(len(ties), "changed tie", "changed ties"),
        tables=[Table(["Change", "Organisation", "Organisation", "Tied by"], rows)],
    )


def _headline_table(comparison: Comparison, before: str, after: str) -> Table:
    rows = [
        [
            str(r.figure)[0].upper() + str(r.figure)[1:],
            words.figure_text(str(r.figure), r.before),
            words.figure_text(str(r.figure), r.after),
            words.change_text(str(r.figure), r.before, r.after),
        ]
        for r in comparison.headline.itertuples(index=False)
    ]
    return Table(["Figure", before, after, "Change"], rows, {1, 2, 3})


def _html(page: _Page) -> str:
    css, csp = script_free_style("report.css", data_images=True)
    return _TEMPLATES.get_template("compare.html").render(page=page, css=css, csp=csp)


def _markdown(page: _Page) -> str:
    e = escape_markdown
    lines = [f"# {e(page.title)}", "", e(page.subtitle), ""]
    lines += [f"- **{e(label)}:** {e(value)}" for label, value in page.about]
    lines += ["", f"The map of what changed: [{page.map_link}]({page.map_link})", ""]
    for section in page.sections:
        lines += [f"## {e(section.title)}", ""]
        for paragraph in section.intro:
            lines += [e(paragraph), ""]
        if section.bullets:
            lines += [f"- {e(b)}" for b in section.bullets]
            lines.append("")
        for block in section.blocks:
            if block.heading:
                lines += [f"### {e(block.heading)}", ""]
            for paragraph in block.paragraphs:
                lines += [e(paragraph), ""]
            for table in block.tables:
                lines.append("| " + " | ".join(e(h) for h in table.header) + " |")
                lines.append(
                    "|"
                    + "|".join(
                        "---:" if i in table.numeric else "---" for i in range(len(table.header))
                    )
                    + "|"
                )
                lines += ["| " + " | ".join(e(c) for c in row) + " |" for row in table.rows]
                lines.append("")
    lines += ["## How this was worked out", ""]
    lines += [f"- {e(line)}" for line in page.method]
    return "\n".join(lines).rstrip("\n") + "\n"
