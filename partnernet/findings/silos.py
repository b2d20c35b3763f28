"""Findings on the second question: are departments siloed?"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from partnernet.analysis.results import Results
from partnernet.analysis.silos import SILO_OVERLAP_BELOW
from partnernet.findings.finding import Finding
from partnernet.findings.gates import sector_ei_gate
from partnernet.findings.thresholds import ALPHA, MAX_BODY_FINDINGS, MAX_LISTED
from partnernet.findings.wording import and_list, count, p_shown, p_value, plural
from partnernet.model import Dataset

__all__ = ["silo_findings"]


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
        Ids: ``silos-not-assessable`` or ``siloed-departments-<parent id>`` per body
        with a siloed department (``siloed-departments`` when more than
        ``max_bodies`` have one; ``no-siloed-departments`` when none has),
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
        siloed_bodies = departments.loc[departments["siloed"].astype(bool), "parent_id"]
        if siloed_bodies.nunique() > max_bodies:
            findings.append(_siloed_summary(departments, name, overlap_below, max_listed))
        else:
            findings.extend(_siloed_findings(departments, name, overlap_below))
        findings.append(_duplication_finding(duplicated, name, max_listed))
    sector = ei.get("sector") if ei else None
    if sector:
        findings.append(sector_ei_gate(results) or _sector_finding(sector, alpha))
    department = ei.get("department") if ei else None
    if department:
        if len(department.get("bodies", [])) > max_bodies:
            findings.append(_body_ei_summary(department, name, alpha, max_listed))
        else:
            findings.extend(_body_ei_findings(department, name, alpha))
    return findings


def _siloed_findings(departments: pd.DataFrame, name: Any, overlap_below: float) -> list[Finding]:
    findings = []
    siloed = departments[departments["siloed"].astype(bool)]
    if siloed.empty:
        n_bodies = int(departments["parent_id"].nunique())
        return [
            Finding(
                id="no-siloed-departments",
                question="silos",
                text=(
                    f"No department is siloed: each of the {len(departments):,} departments of "
                    f"the {n_bodies:,} public bodies with two or more departments has a "
                    "partnership or shared board with another department of its body, or "
                    f"shares at least {overlap_below * 100:.0f}% of its partners with one."
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
        listed = [
            f"{name(r['department_id'])}: overlap at most {r['max_partner_overlap']:.2f} with "
            f"any other department; it shares "
            f"{count(r['duplicated_engagement'], 'organisation')} with a department it "
            "does not coordinate with."
            for r in rows
        ]
        k = len(rows)
        body_name = name(str(body))
        whose = "its" if k == 1 else "each one's"
        text = (
            f"{k} of the {len(all_depts)} departments of {body_name} "
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
                    "siloed_departments": rows,
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
        f"{name(str(r['parent_id']))} ({r['siloed']} of {r['departments']} departments)"
        for r in top
    ]
    text = (
        f"{k:,} departments of {b:,} of the {len(per_body):,} public bodies with two or more "
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


def _duplication_finding(duplicated: pd.DataFrame, name: Any, max_listed: int) -> Finding:
    n = len(duplicated)
    if n == 0:
        return Finding(
            id="duplicated-engagement",
            question="silos",
            text=(
                "No organisation is dealt with by two or more departments of the same body "
                "that lack a partnership or shared board between them."
            ),
            figures={"organisations": 0},
        )
    top = duplicated.head(max_listed).to_dict("records")
    examples = [
        f"{r['name']} ({int(r['count'])} departments of {name(str(r['parent_id']))})" for r in top
    ]
    distinct = int(duplicated["org_id"].nunique())
    return Finding(
        id="duplicated-engagement",
        question="silos",
        text=(
            f"{distinct:,} {'organisation is' if distinct == 1 else 'organisations are'} dealt "
            "with separately by two or more departments of the same public body that have no "
            "partnership or shared board between them: several conversations with the same "
            f"organisation. For example: {and_list(examples)}."
        ),
        figures={
            "organisations": distinct,
            "rows": n,
            "examples": [
                {
                    "org_id": str(r["org_id"]),
                    "parent_id": str(r["parent_id"]),
                    "count": int(r["count"]),
                }
                for r in top
            ],
        },
    )


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
        f"Of {int(sector['internal']) + int(sector['external']):,} ties, "
        f"{int(sector['internal']):,} stay within a sector and {int(sector['external']):,} cross "
        f"sectors: an E-I index of {ei:.2f} (-1 would mean every tie stays within its sector, "
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
                f"have {body['internal']:,} ties among themselves and {body['external']:,} with "
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
