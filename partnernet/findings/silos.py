"""Findings on the second question: are departments siloed?"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from partnernet.analysis.results import Results
from partnernet.analysis.silos import (
    HANDOVER_DAYS,
    RENAMING_SHARED_AT_LEAST,
    SILO_OVERLAP_BELOW,
    coordination_observable,
)
from partnernet.findings.finding import Finding
from partnernet.findings.gates import sector_ei_gate
from partnernet.findings.thresholds import ALPHA, MAX_BODY_FINDINGS, MAX_LISTED
from partnernet.findings.wording import (
    and_list,
    count,
    integer,
    month,
    p_shown,
    p_value,
    percent,
    plural,
)
from partnernet.model import Dataset

__all__ = ["PAIRS_SHOWN", "silo_findings"]

# Uncoordinated pairs of departments named per organisation in the example.
PAIRS_SHOWN = 2


def _names(ds: Dataset) -> Mapping[Hashable, str]:
    names = ds.organisations.drop_duplicates("id").set_index("id")["name"]
    return {k: str(v) for k, v in names.items()}


def silo_findings(
    results: Results,
    *,
    alpha: float = ALPHA,
    overlap_below: float = SILO_OVERLAP_BELOW,
    max_listed: int = MAX_LISTED,
    max_bodies: int = MAX_BODY_FINDINGS,
) -> list[Finding]:
    """Plain-English findings on siloed departments.

    Each finding names the figures it rests on (every number in the text is in
    ``figures``); p-values of ``alpha`` or more are reported as not statistically
    significant; with no body of two or more departments the finding says siloing
    cannot be assessed. Up to ``max_bodies`` bodies get findings of their own;
    with more, one finding sums them up and names the ``max_listed`` that matter
    most.

    They read the department table, duplicated engagement and E-I indices of
    ``results``.

    Returns
    -------
    list[Finding]
        Ids: ``silos-not-assessable``, or ``likely-renamings`` (when a
        department likely replaced a sibling), then ``coordination-not-assessable``
        when the data has no partnerships or board memberships (no department is
        then called siloed or not), else ``siloed-departments-<parent id>`` per body
        with a siloed department (``siloed-departments`` when more than
        ``max_bodies`` have one; ``no-siloed-departments`` when none has), then
        ``duplicated-engagement``, ``ei-sector``, ``ei-body-<parent id>`` per body
        (``ei-bodies`` when there are more than ``max_bodies``).
    """
    departments, duplicated = results.departments, results.duplicated
    ei = results.summary.ei
    names = _names(results.dataset)

    def name(i: str) -> str:
        return names.get(i, i)

    findings: list[Finding] = []
    if departments.empty:
        findings.append(
            Finding(
                id="silos-not-assessable",
                question="silos",
                text=(
                    "No public body in the data has two or more departments listed (a "
                    "department needs a parent_id naming its body), so siloed working "
                    "cannot be assessed."
                ),
                figures={"bodies_with_departments": 0},
            )
        )
    else:
        observable = coordination_observable(results.dataset)
        if not results.renamings.empty:
            findings.append(_renaming_finding(results.renamings, name, max_listed))
        if not observable:
            findings.append(_coordination_not_assessable(departments))
        else:
            siloed_bodies = departments.loc[departments["siloed"].astype(bool), "parent_id"]
            if siloed_bodies.nunique() > max_bodies:
                findings.append(_siloed_summary(departments, name, overlap_below, max_listed))
            else:
                findings.extend(_siloed_findings(departments, name, overlap_below, max_listed))
        findings.append(_duplication_finding(duplicated, name, max_listed, observable=observable))
    sector = ei.get("sector") if ei else None
    if sector:
        findings.append(sector_ei_gate(results) or _sector_finding(sector, alpha))
    department = ei.get("department") if ei else None
    # Without partnerships or boards a body's units could show no tie among
    # themselves whatever they do, so their E-I index says nothing about working
    # together (coordination-not-assessable says what would show it).
    if department and coordination_observable(results.dataset):
        if len(department.get("bodies", [])) > max_bodies:
            findings.append(_body_ei_summary(department, name, alpha, max_listed))
        else:
            findings.extend(_body_ei_findings(department, name, alpha))
    return findings


def _siloed_findings(
    departments: pd.DataFrame, name: Any, overlap_below: float, max_listed: int = MAX_LISTED
) -> list[Finding]:
    findings = []
    siloed = departments[departments["siloed"].astype(bool)]
    if siloed.empty and not (departments["concurrent_siblings"] > 0).any():
        n_bodies = int(departments["parent_id"].nunique())
        return [
            Finding(
                id="no-siloed-departments",
                question="silos",
                text=(
                    f"No department is siloed: none of the {integer(len(departments))} "
                    f"departments of the {count(n_bodies, 'public body', 'public bodies')} "
                    "with two or more departments was active at the same time as another "
                    "department of its body, so none had a sibling to coordinate with."
                ),
                figures={
                    "departments": len(departments),
                    "bodies": n_bodies,
                    "concurrent_pairs": 0,
                },
            )
        ]
    if siloed.empty:
        n_bodies = int(departments["parent_id"].nunique())
        return [
            Finding(
                id="no-siloed-departments",
                question="silos",
                text=(
                    f"No department is siloed: each of the {integer(len(departments))} "
                    f"departments of the {count(n_bodies, 'public body', 'public bodies')} "
                    "with two or more departments has a partnership or shared board with "
                    "another department of its body active at the same time, shares at "
                    f"least {percent(overlap_below)} of its partners with one, or had no "
                    "such department to coordinate with."
                ),
                figures={
                    "departments": len(departments),
                    "bodies": n_bodies,
                    "overlap_threshold": overlap_below,
                },
            )
        ]
    for body, part in siloed.groupby("parent_id", sort=True):
        all_depts = departments[departments["parent_id"] == body]
        rows: list[dict[str, Any]] = [
            {
                "department_id": str(r["department_id"]),
                "max_partner_overlap": float(r["max_partner_overlap"]),
                "duplicated_engagement": int(r["duplicated_engagement"]),
            }
            for r in part.to_dict("records")
        ]
        # The most duplicated first, so a long list names those that matter most.
        rows.sort(key=lambda r: (-r["duplicated_engagement"], r["department_id"]))
        listed = [
            f"{name(r['department_id'])}: overlap at most {r['max_partner_overlap']:.2f} with "
            f"any other department active at the same time; it shares "
            f"{count(r['duplicated_engagement'], 'organisation')} with a department it "
            "does not coordinate with."
            for r in rows[:max_listed]
        ]
        if len(rows) > max_listed:
            listed.append(
                f"And {integer(len(rows) - max_listed)} more; departments.csv lists every one."
            )
        k = len(rows)
        body_name = name(str(body))
        whose = "its" if k == 1 else "each one's"
        text = (
            f"{integer(k)} of the {count(len(all_depts), 'department')} of {body_name} "
            f"{'is' if k == 1 else 'are'} siloed: {'it has' if k == 1 else 'none of them has'} "
            f"a partnership or shared board with any other department of {body_name}, and "
            f"{whose} partner overlap with every other department is "
            f"below {overlap_below:g} (overlap: the share of two departments' combined partners "
            f"that both deal with). {' '.join(listed)}"
        )
        findings.append(
            Finding(
                id=f"siloed-departments-{body}",
                question="silos",
                text=text,
                figures={
                    "parent_id": str(body),
                    "siloed": k,
                    "departments": len(all_depts),
                    "overlap_threshold": overlap_below,
                    "siloed_departments": rows[:max_listed],
                    "not_listed": max(len(rows) - max_listed, 0),
                },
            )
        )
    return findings


def _siloed_summary(
    departments: pd.DataFrame, name: Any, overlap_below: float, max_listed: int
) -> Finding:
    """One finding for many bodies with siloed departments: how many, and the
    bodies with the most siloed departments (ties broken by id)."""
    table = departments.assign(siloed=departments["siloed"].astype(bool))
    per_body = (
        table.groupby("parent_id", sort=True)
        .agg(siloed=("siloed", "sum"), departments=("siloed", "size"))
        .astype("int64")
    )
    affected = per_body[per_body["siloed"] > 0]
    affected = affected.reset_index().sort_values(
        ["siloed", "parent_id"], ascending=[False, True], kind="stable"
    )
    top = affected.head(max_listed).to_dict("records")
    k = int(affected["siloed"].sum())
    b = len(affected)
    more = b - len(top)
    examples = [
        f"{name(str(r['parent_id']))} ({integer(r['siloed'])} of "
        f"{count(r['departments'], 'department')})"
        for r in top
    ]
    text = (
        f"{count(k, 'department')} of {integer(b)} of the "
        f"{count(len(per_body), 'public body', 'public bodies')} with two or more "
        "departments are siloed: none of them has a partnership or shared board with any "
        "other department of its body, and each one's partner overlap with every other "
        f"department of its body is below {overlap_below:g} (overlap: the share of two "
        "departments' combined partners that both deal with). Most siloed departments: "
        f"{and_list(examples)}"
        + (f", and {more} more {plural(more, 'body', 'bodies')}" if more else "")
        + ". departments.csv lists every department."
    )
    return Finding(
        id="siloed-departments",
        question="silos",
        text=text,
        figures={
            "siloed": k,
            "bodies": b,
            "bodies_with_departments": len(per_body),
            "overlap_threshold": overlap_below,
            "bodies_not_listed": more,
            "examples": [
                {
                    "parent_id": str(r["parent_id"]),
                    "siloed": int(r["siloed"]),
                    "departments": int(r["departments"]),
                }
                for r in top
            ],
        },
    )


def _when(first: object, last: object) -> tuple[str, list[int]]:
    """``January 2013 to August 2020`` and the years in it (figures of the text)."""
    return f"{month(first)} to {month(last)}", [int(str(first)[:4]), int(str(last)[:4])]


def _renaming_finding(renamings: pd.DataFrame, name: Any, max_listed: int) -> Finding:
    """The departments that likely replaced a sibling: named, with their dates and
    the partners they share, so no one reads them as two conversations."""
    top = renamings.head(max_listed).to_dict("records")
    several_bodies = renamings["parent_id"].nunique() > 1
    listed = []
    figures_rows = []
    for r in top:
        before, before_years = _when(r["earlier_first"], r["earlier_last"])
        after, after_years = _when(r["later_first"], r["later_last"])
        smaller = min(int(r["earlier_partners"]), int(r["later_partners"]))
        body = name(str(r["parent_id"]))
        listed.append(
            f"{_short(name(str(r['earlier_id'])), body)} (dated ties {before}) and "
            f"{_short(name(str(r['later_id'])), body)} ({after})"
            + (f" of {body}" if several_bodies else "")
            + f": {integer(int(r['shared']))} of the {count(smaller, 'organisation')} the "
            f"smaller deals with ({percent(float(r['shared_share']))}) are partners of both"
        )
        figures_rows.append(
            {
                "parent_id": str(r["parent_id"]),
                "earlier_id": str(r["earlier_id"]),
                "later_id": str(r["later_id"]),
                "years": before_years + after_years,
                "shared": int(r["shared"]),
                "smaller_partners": smaller,
                "shared_share": float(r["shared_share"]),
                "gap_days": int(r["gap_days"]),
            }
        )
    k = len(renamings)
    more = k - len(top)
    text = (
        f"{count(k, 'department')} likely replaced a department of the same body under a "
        "new name"
        + ("" if several_bodies else f" ({name(str(renamings['parent_id'].iloc[0]))})")
        + ": "
        "one's dated ties end as the other's begin (overlapping by no more than "
        f"{integer(HANDOVER_DAYS)} days), and they share at least "
        f"{percent(RENAMING_SHARED_AT_LEAST)} of the smaller one's partners. "
        f"{'; '.join(listed)}"
        + (f"; and {integer(more)} more pairs" if more else "")
        + ". They are treated as one department over time: the organisations they share "
        "are not counted as dealt with separately."
    )
    return Finding(
        id="likely-renamings",
        question="silos",
        text=text,
        figures={
            "renamings": k,
            "handover_days": HANDOVER_DAYS,
            "shared_at_least": RENAMING_SHARED_AT_LEAST,
            "not_listed": more,
            "pairs": figures_rows,
        },
    )


def _coordination_not_assessable(departments: pd.DataFrame) -> Finding:
    n_bodies = int(departments["parent_id"].nunique())
    return Finding(
        id="coordination-not-assessable",
        question="silos",
        text=(
            "Whether departments are siloed cannot be assessed yet: the data has no "
            "partnerships and no board memberships, the ties that would show two "
            "departments working together, so every pair of departments looks "
            "uncoordinated. partnerships.csv (partnerships between departments, or "
            "with the organisations they work with) or boards.csv with memberships.csv "
            "(the boards and forums departments sit on) would show it; until then no "
            "body's E-I index is given either. The "
            f"{integer(len(departments))} departments of the "
            f"{count(n_bodies, 'public body', 'public bodies')} with two or more are "
            "compared below by the organisations they deal with only."
        ),
        figures={
            "departments": len(departments),
            "bodies": n_bodies,
            "partnerships": 0,
            "memberships": 0,
        },
    )


def _short(department: str, body: str) -> str:
    """A department's name without its body's, which the sentence already gives:
    ``Housing (Marshford Council)`` reads ``Housing``."""
    suffix = f" ({body})"
    if department.endswith(suffix) and len(department) > len(suffix):
        return department[: -len(suffix)]
    return department


def _pairs_text(pairs: str, parent: str, name: Any) -> list[str]:
    body = name(parent)
    return [
        " with ".join(_short(name(d), body) for d in pair.split("|"))
        for pair in pairs.split(";")
        if pair
    ]


def _duplication_finding(
    duplicated: pd.DataFrame, name: Any, max_listed: int, *, observable: bool = True
) -> Finding:
    n = len(duplicated)
    lacking = (
        "that have no partnership or shared board between them"
        if observable
        else "(whether those departments coordinate cannot be seen in this data)"
    )
    if n == 0:
        return Finding(
            id="duplicated-engagement",
            question="silos",
            text=(
                "No organisation is dealt with by two or more departments of the same body "
                "that were active at the same time and lack a partnership or shared board "
                "between them."
            ),
            figures={"organisations": 0},
        )
    distinct = int(duplicated["org_id"].nunique())
    public = duplicated[duplicated["sector"] == "public"]
    others = duplicated[duplicated["sector"] != "public"]
    n_public = int(public["org_id"].nunique())
    n_others = int(others["org_id"].nunique())

    def examples(part: pd.DataFrame) -> tuple[str, list[dict[str, Any]]]:
        top = part.head(max_listed).to_dict("records")
        words = []
        for r in top:
            pairs = _pairs_text(str(r["pairs"]), str(r["parent_id"]), name)
            k = int(r["uncoordinated_pairs"])
            shown = pairs[:PAIRS_SHOWN]
            rest = k - len(shown)
            body = name(str(r["parent_id"]))
            listed = "; ".join(shown) + (f"; and {integer(rest)} more" if rest else "")
            if k == 1:
                words.append(f"{r['name']} ({body}'s {listed})")
            else:
                words.append(f"{r['name']} ({integer(k)} pairs of {body}'s departments: {listed})")
        rows = [
            {
                "org_id": str(r["org_id"]),
                "parent_id": str(r["parent_id"]),
                "uncoordinated_pairs": int(r["uncoordinated_pairs"]),
                "not_listed": max(int(r["uncoordinated_pairs"]) - PAIRS_SHOWN, 0),
            }
            for r in top
        ]
        return and_list(words), rows

    text = (
        f"{count(distinct, 'organisation')} {'is' if distinct == 1 else 'are'} dealt with "
        "separately by two or more departments of the same public body, active at the same "
        f"time, {lacking}: several conversations with the same organisation. In brackets, "
        "the pairs of departments that each deals with separately."
    )
    figures: dict[str, Any] = {
        "organisations": distinct,
        "rows": n,
        "voluntary_and_other": n_others,
        "public_bodies": n_public,
    }
    if n_others:
        words, rows = examples(others)
        text += (
            " "
            + count(
                n_others,
                "is a voluntary or other organisation",
                "are voluntary or other organisations",
            )
            + (", for example " if n_others > max_listed else ": ")
            + f"{words}."
        )
        figures["examples"] = rows
    if n_public:
        words, rows = examples(public)
        text += (
            f" {count(n_public, 'is a public body', 'are public bodies')} ("
            + ("a statutory partner" if n_public == 1 else "statutory partners")
            + f" that several departments may well deal with in their own right): {words}."
        )
        figures["public_examples"] = rows
    return Finding(id="duplicated-engagement", question="silos", text=text, figures=figures)


def _significance(
    ei: float, expected: float, p: float, alpha: float, *, lower: str, higher: str, reshuffles: int
) -> str:
    """A sentence on the permutation test: ``lower`` says what an index below the
    expected one means, ``higher`` what one above it means."""
    if p < alpha:
        return f"{lower if ei < expected else higher} ({p_value(p, reshuffles)}; below {alpha:g})."
    return (
        f"The difference from chance is not statistically significant ({p_value(p, reshuffles)}; "
        f"{alpha:g} or less would be needed)."
    )


def _sector_finding(sector: Mapping[str, Any], alpha: float) -> Finding:
    figures = {
        "ei": sector.get("ei"),
        "expected": sector.get("expected"),
        "p_value": sector.get("p_value"),
        "internal": sector.get("internal"),
        "external": sector.get("external"),
        "n_permutations": sector.get("n_permutations"),
        "ei_closed": -1,
        "ei_open": 1,
        "alpha": alpha,
    }
    if sector.get("ei") is None or sector.get("p_value") is None:
        return Finding(
            "ei-sector",
            "silos",
            "Too little data to say whether ties stay within sectors: no tie joins two "
            "organisations.",
            figures,
        )
    ei, expected, p = float(sector["ei"]), float(sector["expected"]), float(sector["p_value"])
    text = (
        f"Of {count(int(sector['internal']) + int(sector['external']), 'tie')}, "
        f"{integer(int(sector['internal']))} "
        f"{'stays' if int(sector['internal']) == 1 else 'stay'} within a sector and "
        f"{integer(int(sector['external']))} "
        f"{'crosses' if int(sector['external']) == 1 else 'cross'} sectors: an E-I index "
        f"of {ei:.2f} (-1 would mean every tie stays within its sector, "
        f"+1 that every tie crosses). With sectors shuffled at random "
        f"({int(sector['n_permutations']):,} times) it would be about {expected:.2f}. "
        + _significance(
            ei,
            expected,
            p,
            alpha,
            lower="Ties stay within sectors more than chance would give",
            higher="Ties cross sectors more than chance would give",
            reshuffles=int(sector["n_permutations"]),
        )
    )
    figures["total_ties"] = int(sector["internal"]) + int(sector["external"])
    figures["p_shown"] = p_shown(p, int(sector["n_permutations"]))
    return Finding("ei-sector", "silos", text, figures)


def _body_ei_findings(department: Mapping[str, Any], name: Any, alpha: float) -> list[Finding]:
    findings = []
    for body in department.get("bodies", []):
        parent = str(body["parent_id"])
        figures = {k: body.get(k) for k in ("units", "internal", "external", "ei", "expected")}
        figures.update(p_value=body.get("p_value"), alpha=alpha, parent_id=parent)
        figures["n_permutations"] = int(department["n_permutations"])
        if body.get("p_value") is not None:
            figures["p_shown"] = p_shown(float(body["p_value"]), int(department["n_permutations"]))
        if body.get("ei") is None or body.get("p_value") is None:
            text = (
                f"Too little data for {name(parent)}: its {body['units']} units (the body and "
                "its departments) have no ties in the network, so how far they work together "
                "cannot be measured."
            )
        else:
            ei, expected, p = float(body["ei"]), float(body["expected"]), float(body["p_value"])
            text = (
                f"The {body['units']} units of {name(parent)} (the body and its departments) "
                f"have {count(body['internal'], 'tie')} among themselves and "
                f"{integer(body['external'])} with "
                f"other organisations: an E-I index of {ei:.2f}, against about {expected:.2f} "
                "for a random set of as many organisations. "
                + _significance(
                    ei,
                    expected,
                    p,
                    alpha,
                    lower="Its units are tied to one another more than chance would give",
                    higher="Its units are tied to one another less than chance would give",
                    reshuffles=int(department["n_permutations"]),
                )
            )
            if p >= alpha and ei >= expected:
                text += " There is no sign that its units work together more than chance."
        findings.append(Finding(f"ei-body-{parent}", "silos", text, figures))
    return findings


def _body_ei_summary(
    department: Mapping[str, Any], name: Any, alpha: float, max_listed: int
) -> Finding:
    """One finding for many bodies' E-I indices: how many are more inward, more
    outward or no different from chance, naming the most outward (the least
    joined-up) bodies whose difference is significant."""
    bodies = list(department.get("bodies", []))
    measured = [b for b in bodies if b.get("ei") is not None and b.get("p_value") is not None]
    significant = [b for b in measured if float(b["p_value"]) < alpha]
    inward = [b for b in significant if float(b["ei"]) < float(b["expected"])]
    outward = sorted(
        (b for b in significant if float(b["ei"]) >= float(b["expected"])),
        key=lambda b: (-(float(b["ei"]) - float(b["expected"])), str(b["parent_id"])),
    )
    unclear = len(measured) - len(significant)
    no_ties = len(bodies) - len(measured)
    text = (
        f"Of the {len(bodies):,} public bodies with two or more departments, "
        f"{len(inward):,} have units (the body and its departments) tied to one another more "
        f"than chance would give, {len(outward):,} less than chance (p below {alpha:g} for "
        f"each), and for {unclear:,} the difference from chance is not statistically "
        "significant"
        + (f"; {no_ties:,} have no ties in the network, so cannot be measured" if no_ties else "")
        + ". Chance here is a random set of as many organisations."
    )
    top = outward[:max_listed]
    if top:
        listed = [
            f"{name(str(b['parent_id']))} (E-I index {float(b['ei']):.2f} against about "
            f"{float(b['expected']):.2f}; "
            f"{p_value(float(b['p_value']), int(department['n_permutations']))})"
            for b in top
        ]
        text += f" Least joined-up: {and_list(listed)}."
    text += " summary.json holds every body's figures."
    return Finding(
        id="ei-bodies",
        question="silos",
        text=text,
        figures={
            "bodies": len(bodies),
            "more_inward": len(inward),
            "more_outward": len(outward),
            "not_significant": unclear,
            "no_ties": no_ties,
            "alpha": alpha,
            "least_joined_up": [
                {
                    **{k: b.get(k) for k in ("parent_id", "ei", "expected", "p_value")},
                    "p_shown": p_shown(float(b["p_value"]), int(department["n_permutations"])),
                }
                for b in top
            ],
            "n_permutations": int(department["n_permutations"]),
        },
    )
