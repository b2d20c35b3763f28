"""Helpers shared by the map and the pages: names by id, which flagged groups an
organisation belongs to, and the inline style and Content-Security-Policy of the
pages with no script (report, profile, compare). How figures read is
:mod:`partnernet.findings.wording`; who the brokers are is
:mod:`partnernet.analysis.populations`.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from importlib import resources

from markupsafe import Markup, escape

from partnernet.analysis.results import Results
from partnernet.findings.wording import group_label, plain_text
from partnernet.model import Dataset

__all__ = [
    "csp_hash",
    "flagged_groups_by_member",
    "isolate_directions",
    "org_names",
    "script_free_style",
    "split_ids",
]

# Characters that carry a direction of their own or set one: right-to-left letters,
# Arabic digits and the explicit embeddings, overrides and isolates. A name holding
# one can reorder the sentence around it (an override reverses everything after it
# in the paragraph: "16" reads "61"); a name holding none cannot, on an LTR page.
_DIRECTIONAL = frozenset(
    {"R", "AL", "AN", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"}
)
# What may sit between two such characters inside one name: spaces, digits, marks,
# and the punctuation names use. Anything else (";", ",", ":", brackets, and any
# left-to-right letter) is the sentence's, so it ends the name.
_WITHIN_A_NAME = frozenset({"WS", "EN", "ES", "ET", "NSM", "BN"})
_WITHIN_A_NAME_CHARS = frozenset("'\u2019.&/")


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source for an inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def script_free_style(stylesheet: str, *, data_images: bool = False) -> tuple[Markup, str]:
    """A page with no script: the stylesheet ``templates/<stylesheet>``, to inline, and
    the Content-Security-Policy that lets that stylesheet alone apply (and images
    from ``data:`` URIs, the report's charts, with ``data_images``); nothing else
    loads, runs or submits.

    Examples
    --------
    >>> css, csp = script_free_style("profile.css")
    >>> csp.startswith("default-src 'none'; style-src 'sha256-") and "img-src" not in csp
    True
    """
    css = (resources.files("partnernet.render") / "templates" / stylesheet).read_text(
        encoding="utf-8"
    )
    policy = ["default-src 'none'", f"style-src {csp_hash(css)}"]
    if data_images:
        policy.append("img-src data:")
    policy += ["base-uri 'none'", "form-action 'none'"]
    return Markup(css), "; ".join(policy)


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


def _joins(char: str) -> bool:
    return unicodedata.bidirectional(char) in _WITHIN_A_NAME or char in _WITHIN_A_NAME_CHARS


def isolate_directions(text: object) -> Markup:
    """``text`` escaped for HTML, each right-to-left run of it (a name, or a control
    character that sets a direction) in its own ``<bdi>``.

    A ``<bdi>`` keeps a run's direction inside it: a right-to-left name reads as it
    should, and neither it nor an override it holds can move the figures of the
    sentence around it. Text with no such character is only escaped.

    Examples
    --------
    >>> print(isolate_directions("\u0645\u0631\u0643\u0632 1 \u0634 <b> has 16 ties"))
    <bdi>\u0645\u0631\u0643\u0632 1 \u0634</bdi> &lt;b&gt; has 16 ties
    >>> print(isolate_directions("Evil\u202e Trust has 16 ties"))
    Evil<bdi>\u202e</bdi> Trust has 16 ties
    """
    value = "" if text is None else str(text)
    if value.isascii():
        return escape(value)
    out: list[str] = []
    done = 0  # text before this is in ``out``
    i, n = 0, len(value)
    while i < n:
        if unicodedata.bidirectional(value[i]) not in _DIRECTIONAL:
            i += 1
            continue
        start, end, j = i, i + 1, i + 1
        while j < n and (unicodedata.bidirectional(value[j]) in _DIRECTIONAL or _joins(value[j])):
            j += 1
            if unicodedata.bidirectional(value[j - 1]) in _DIRECTIONAL:
                end = j
        out += [escape(value[done:start]), "<bdi>", escape(value[start:end]), "</bdi>"]
        done = i = end
    out.append(escape(value[done:]))
    return Markup("".join(out))
