"""One organisation's profile as a self-contained, offline HTML page
(``partnernet profile DIR --org ID --out FILE``): what a CVS sends to a member
group or a funder.

The words are :func:`partnernet.findings.profile.organisation_profile`'s; this
module only lays them out, the way the report is made safe: every value goes
through Jinja's autoescaping (nothing from the data is ever markup), the page has
no script at all, and its Content-Security-Policy allows its one inline style (by
hash) and nothing else, so it can load nothing from anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

from partnernet.analysis.results import Results
from partnernet.errors import InputError
from partnernet.findings.profile import OrganisationProfile, near_ids, organisation_profile
from partnernet.io.writers import atomic_write_text
from partnernet.model import Dataset
from partnernet.render.common import org_names, script_free_style

__all__ = ["check_organisation", "profile_for", "render_profile_html", "write_profile"]

# Longer lists (funders, recipients, organisations cut off) are cut here and the
# rest counted, so the page of a council or a national funder stays a page.
LISTED = 25

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("partnernet.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def check_organisation(ds: Dataset, org_id: str) -> None:
    """Refuse an ``org_id`` that is not an organisation of ``ds``, before any
    analysis: an :class:`partnernet.errors.InputError` (exit code 3) naming the id
    and the nearest ids and names."""
    known = [str(i) for i in ds.organisations["id"]]
    if org_id in set(known):
        return
    names = org_names(ds)
    near = near_ids(org_id, known, names)
    hint = (
        "Did you mean " + ", ".join(f"{i} ({names.get(i, i)})" for i in near) + "?"
        if near
        else "The ids are in the id column of organisations.csv (and of metrics.csv)."
    )
    raise InputError(
        f"--org {org_id!r} is not an organisation of this dataset.",
        hint=hint,
        value=org_id,
    )


def profile_for(results: Results, org_id: str) -> OrganisationProfile:
    """The profile of ``org_id`` (see :func:`check_organisation` for an unknown id)."""
    check_organisation(results.dataset, org_id)
    return organisation_profile(results, org_id)


def render_profile_html(profile: OrganisationProfile, *, glossary_link: str = "report.html") -> str:
    """The profile as one HTML page, to be written as UTF-8.

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> import pandas as pd
    >>> ds = Dataset.from_frames(organisations=pd.DataFrame(
    ...     {"id": ["a"], "name": ["<b>A</b>"], "type": ["vcse"]}))
    >>> page = render_profile_html(profile_for(analyse(ds, permutations=100), "a"))
    >>> "&lt;b&gt;A&lt;/b&gt;" in page and "<b>" not in page
    True
    """
    css, csp = script_free_style("profile.css")
    return _TEMPLATES.get_template("profile.html").render(
        profile=profile,
        listed=LISTED,
        css=css,
        csp=csp,
        glossary=glossary_link + "#glossary",
    )


def write_profile(path: str | os.PathLike[str], results: Results, org_id: str) -> Path:
    """Write the profile of ``org_id`` atomically; its folder must exist.

    An unknown id raises :class:`partnernet.errors.InputError` before anything is
    written.
    """
    html = render_profile_html(profile_for(results, org_id))
    target = Path(path)
    atomic_write_text(target, html)
    return target
