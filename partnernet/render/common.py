"""Helpers shared by the map and the report: names by id, and which flagged groups
an organisation belongs to. How figures read is :mod:`partnernet.findings.wording`;
who the brokers are is :mod:`partnernet.analysis.populations`.
"""

from __future__ import annotations

from partnernet.analysis.results import Results
from partnernet.findings.wording import group_label, plain_text
from partnernet.model import Dataset

__all__ = ["flagged_groups_by_member", "org_names", "split_ids"]


def split_ids(value: object) -> list[str]:
    """The ids in a ``;``-joined cell (``members``, ``cut_off_ids``), in order.

    Examples
    --------
    >>> split_ids("a;b;"), split_ids(float("nan"))
    (['a', 'b'], [])
    """
    if not isinstance(value, str) or not value:
        return []
    return [part for part in value.split(";") if part]


def org_names(ds: Dataset) -> dict[str, str]:
    """Organisation and board names by id (boards included: they share one id space)."""
    names = dict(zip(ds.organisations["id"], ds.organisations["name"], strict=True))
    names.update(zip(ds.boards["id"], ds.boards["name"], strict=True))
    return {k: plain_text(v) or k for k, v in names.items()}


def flagged_groups_by_member(results: Results) -> dict[str, list[str]]:
    """For each organisation in a flagged under-connected group, the groups' labels."""
    out: dict[str, list[str]] = {}
    groups = results.groups
    if groups.empty:
        return out
    for row in groups[groups["flagged"].astype(bool)].itertuples(index=False):
        label = group_label(str(row.grouping), plain_text(row.label))
        for member in split_ids(row.members):
            out.setdefault(member, []).append(label)
    return out
