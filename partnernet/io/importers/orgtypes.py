"""Type an organisation from what an import knows about it, by stated rules.

An importer knows an organisation's identifier, its name, whether it gives grants,
whether it receives any and whether its record carries a charity number. The rules
below turn that into a type from :data:`partnernet.model.ORG_TYPES`, and each answer
names the rule that gave it, so an import can count them and a person can see why
an organisation was typed as it was (docs/import-rules.md, "Types"). The first rule
that applies wins:

1. ``prefix GB-LAE`` (and the other public-body prefixes): an org-id prefix whose
   members are all councils, NHS bodies or government (:data:`ORG_ID_PREFIX_TYPES`).
2. ``area code``: a UK government area code (GSS) of a council, such as
   ``E08000009`` (E06, E07, E08, E09, E10, W06, S12, N09 and six digits).
3. ``name (council)``, ``name (NHS)``, ``name (combined authority)``, ``name (fire
   and rescue)``, ``name (police)``, ``name (government)``: a name that says parish,
   town, city, borough, county, district or metropolitan council (or is a place and
   "Council"), NHS trust, integrated care board (ICB), clinical commissioning group
   or starts with NHS, combined authority, fire and rescue service or authority, a
   police force or constabulary, HMRC or a government department or ministry, when
   the identifier's prefix does not say otherwise.
4. ``funding only (gives grants, receives none)``: ``funder``, whatever the id. It
   comes after the public-body rules because a council or an NHS body that only
   gives is still a public body, and before the charity rules because a grant-maker
   with a charity number (a trust, a community foundation) is a funder in the
   network, not a member of the voluntary sector it funds.
5. ``prefix GB-CHC`` (and the other prefixes of one type: charities, schools,
   universities).
6. ``charity number``: the record names a registered charity number: ``vcse``.
7. A legal form or kind in the name, for identifiers that leave the type open
   (``GB-COH`` companies, ``GB-MPR`` mutuals, ``XI-GRID``, publishers' ``360G-``
   ids): ``name (CIC)``, ``name (CIO)``, ``name (community benefit society)``,
   ``name (charity)``, ``name (friends or PTA)`` are ``vcse``; ``name (university)``,
   ``name (college)``, ``name (school)``, ``name (academy)`` are ``education``;
   ``name (Ltd)``, ``name (PLC)`` are ``business``. A charitable legal form beats
   the rest (``... CIC Ltd`` is a CIC, ``Friends of ... School`` a voluntary group,
   ``... Academy CIC`` a CIC), and ``Ltd`` comes last: a charitable company is
   typed by its charity id or number (rules 5 and 6) before its name is read, and
   ``limited by guarantee`` is not taken as a sign of a business.
8. ``other``: nothing above applies.

A type set in an existing ``organisations.csv`` is never replaced: importers only
type organisations new to the dataset.
"""

from __future__ import annotations

import re

__all__ = [
    "FUNDER_RULE",
    "ORG_ID_PREFIX_TYPES",
    "OTHER_RULE",
    "area_code_type",
    "name_type",
    "org_type",
    "org_type_from_id",
    "type_from_id",
]

# org-id.guide lists whose members are all of one type in this tool's vocabulary.
# Lists not named here (GB-COH companies, GB-MPR mutuals, GB-SHPE housing
# providers, XI-GRID research organisations, 360G- publisher-local ids, ...) hold
# organisations of several types; their names decide (rule 7).
ORG_ID_PREFIX_TYPES: dict[str, str] = {
    # Charity regulators of England and Wales, Scotland and Northern Ireland; HMRC's
    # list of charities; community amateur sports clubs; Church of England PCCs.
    "GB-CHC": "vcse",
    "GB-SC": "vcse",
    "GB-NIC": "vcse",
    "GB-REV": "vcse",
    "GB-CASC": "vcse",
    "GB-COE": "vcse",
    # Principal local authorities of England, Scotland, Wales and Northern Ireland.
    "GB-LAE": "local_authority",
    "GB-LAS": "local_authority",
    "GB-PLA": "local_authority",
    "GB-LANI": "local_authority",
    # NHS Organisation Data Service codes.
    "GB-NHS": "nhs",
    # Government departments, agencies and arm's-length bodies.
    "GB-GOR": "central_government",
    "GB-GOV": "central_government",
    "GB-GOVUK": "central_government",
    "GB-COA": "central_government",
    # Schools, colleges, learning providers and universities.
    "GB-EDU": "education",
    "GB-UKPRN": "education",
    "GB-HESA": "education",
    "GB-SCOTEDU": "education",
    "GB-WALEDU": "education",
}

FUNDER_RULE = "funding only (gives grants, receives none)"
OTHER_RULE = "other"
_PUBLIC_BODY_TYPES = frozenset({"local_authority", "nhs", "central_government"})

# GSS codes: unitary authorities (E06), non-metropolitan districts (E07),
# metropolitan districts (E08), London boroughs (E09), counties (E10), Welsh
# principal areas (W06), Scottish council areas (S12), Northern Irish local
# government districts (N09).
_AREA_CODE = re.compile(r"(?:E0[6-9]|E10|W06|S12|N09)\d{6}")

# (rule, type, pattern over the name's words joined by single spaces), in order.
_PUBLIC_NAMES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "name (council)",
        "local_authority",
        re.compile(r"\b(?:parish|town|city|borough|county|district) council\b"),
    ),
    (
        "name (NHS)",
        "nhs",
        re.compile(
            r"\bnhs (?:foundation )?trust\b|\bintegrated care board\b|\bicb\b"
            r"|\bclinical commissioning group\b|\bccg\b|^nhs\b"
        ),
    ),
    # A council named by its place alone ("Trafford Council", "Salford City
    # Council" is caught above): one or two words and "council", not a church,
    # youth, arts, sports or voluntary-sector council, which are no local authority.
    (
        "name (council)",
        "local_authority",
        re.compile(
            r"^(?!.*\b(?:church|youth|arts|sports?|british|voluntary|school|student|"
            r"pupils?|faith|residents?|tenants?|community|parochial)\b)"
            r"[a-z]+(?: [a-z]+)? council$|\bmetropolitan (?:borough |district )?council\b"
        ),
    ),
    ("name (combined authority)", "local_authority", re.compile(r"\bcombined authority\b")),
    # Fire and rescue authorities are local authorities in law.
    (
        "name (fire and rescue)",
        "local_authority",
        re.compile(r"\bfire (?:and rescue )?(?:service|authority)\b"),
    ),
    # Police forces and commissioners are public bodies outside local government; the
    # vocabulary's public type for them is central_government.
    (
        "name (police)",
        "central_government",
        re.compile(
            r"\bpolice$|\bconstabulary\b|\bpolice (?:and crime commissioner|service|force)\b"
        ),
    ),
    (
        "name (government)",
        "central_government",
        re.compile(
            r"\bhmrc\b|\bhm revenue (?:and )?customs\b|^department (?:for|of)\b"
            r"|^ministry of\b|^hm (?:treasury|courts|land registry|prison)"
            r"|^(?:cabinet|home) office$|\bdwp\b"
        ),
    ),
)
_FORM_NAMES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("name (CIC)", "vcse", re.compile(r"\bcic\b|\bcommunity interest company\b")),
    (
        "name (CIO)",
        "vcse",
        re.compile(r"\bcio\b|\bcharitable incorporated organi[sz]ation\b"),
    ),
    ("name (community benefit society)", "vcse", re.compile(r"\bcommunity benefit society\b")),
    ("name (charity)", "vcse", re.compile(r"\bcharity\b")),
    (
        "name (friends or PTA)",
        "vcse",
        re.compile(r"\bfriends of\b|\bpta\b|\bparents? teachers? association\b"),
    ),
    # The University of the Third Age is a movement of learning groups, not a university.
    ("name (university)", "education", re.compile(r"\buniversity\b(?! of the third age)")),
    ("name (college)", "education", re.compile(r"\bcollege\b")),
    ("name (school)", "education", re.compile(r"\bschool\b")),
    ("name (academy)", "education", re.compile(r"\bacademy\b")),
    ("name (Ltd)", "business", re.compile(r"\b(?:ltd|limited)\b(?! by guarantee)")),
    ("name (PLC)", "business", re.compile(r"\bplc\b")),
)


def org_type_from_id(org_id: str) -> str | None:
    """The organisation type an org-id's prefix makes plain, or ``None``.

    Parameters
    ----------
    org_id : str
        An org-id style identifier such as ``GB-CHC-1234567``.

    Returns
    -------
    str or None
        A type from :data:`partnernet.model.ORG_TYPES`, or ``None`` when the prefix
        does not say (see :data:`ORG_ID_PREFIX_TYPES`).

    Examples
    --------
    >>> org_type_from_id("GB-LAE-TRF"), org_type_from_id("GB-COH-07962245")
    ('local_authority', None)
    """
    prefix = _prefix(org_id)
    return ORG_ID_PREFIX_TYPES.get(prefix) if prefix else None


def area_code_type(org_id: str) -> str | None:
    """``'local_authority'`` when ``org_id`` is a council's GSS area code, else ``None``.

    Examples
    --------
    >>> area_code_type("E08000009"), area_code_type("E05000819")
    ('local_authority', None)
    """
    return "local_authority" if _AREA_CODE.fullmatch(org_id.strip().upper()) else None


def type_from_id(org_id: str) -> tuple[str, str] | None:
    """(type, rule) from the identifier alone (rules 1, 2 and 5), or ``None``.

    Examples
    --------
    >>> type_from_id("E08000009"), type_from_id("GB-CHC-1")
    (('local_authority', 'area code'), ('vcse', 'prefix GB-CHC'))
    """
    by_prefix = org_type_from_id(org_id)
    if by_prefix is not None:
        return by_prefix, f"prefix {_prefix(org_id)}"
    by_area = area_code_type(org_id)
    return (by_area, "area code") if by_area is not None else None


def name_type(name: str | None, *, public_only: bool = False) -> tuple[str, str] | None:
    """(type, rule) from a legal form or kind in the name (rules 3 and 7), or ``None``.

    Parameters
    ----------
    name : str or None
        The organisation's name.
    public_only : bool, keyword-only
        Apply only the public-body rules (rule 3).

    Examples
    --------
    >>> name_type("Sale Moor Community Interest Company")
    ('vcse', 'name (CIC)')
    >>> name_type("Trafford Handball Club Ltd"), name_type("Friends of Walton Park")
    (('business', 'name (Ltd)'), ('vcse', 'name (friends or PTA)'))
    """
    if not name:
        return None
    words = _words(name)
    rules = _PUBLIC_NAMES if public_only else _PUBLIC_NAMES + _FORM_NAMES
    for rule, org_type, pattern in rules:
        if pattern.search(words):
            return org_type, rule
    return None


def org_type(
    org_id: str,
    name: str | None,
    *,
    gives: bool,
    receives: bool,
    charity_number: bool = False,
) -> tuple[str, str]:
    """The type of an organisation and the rule that gave it (see the module docs).

    Parameters
    ----------
    org_id : str
        Its identifier.
    name : str or None
        Its name.
    gives, receives : bool, keyword-only
        Whether it funds any grant, and whether it receives any.
    charity_number : bool, keyword-only
        Whether its record names a registered charity number.

    Returns
    -------
    (str, str)
        A type from :data:`partnernet.model.ORG_TYPES` and the rule's name.

    Examples
    --------
    >>> org_type("GB-CHC-200051", "Esmée Fairbairn Foundation", gives=True, receives=False)
    ('funder', 'funding only (gives grants, receives none)')
    >>> org_type("GB-LAE-TRF", "Trafford Council", gives=True, receives=False)
    ('local_authority', 'prefix GB-LAE')
    >>> org_type("GB-COH-1", "Kids in Space CIC", gives=False, receives=True)
    ('vcse', 'name (CIC)')
    """
    by_id = type_from_id(org_id)
    if by_id is not None and by_id[0] in _PUBLIC_BODY_TYPES:
        return by_id
    if by_id is None:
        public = name_type(name, public_only=True)
        if public is not None:
            return public
    if gives and not receives:
        return "funder", FUNDER_RULE
    if by_id is not None:
        return by_id
    if charity_number:
        return "vcse", "charity number"
    return name_type(name) or ("other", OTHER_RULE)


def _prefix(org_id: str) -> str | None:
    parts = org_id.strip().upper().split("-")
    return f"{parts[0]}-{parts[1]}" if len(parts) >= 3 else None


def _words(name: str) -> str:
    # Dots and apostrophes join letters ("C.I.C", "Children's"); any other
    # character that is not a letter or digit separates words ("UK(LTD)").
    flat = re.sub(r"[.'\u2019]", "", name.casefold())
    return " ".join(re.findall(r"[^\W_]+", flat))
