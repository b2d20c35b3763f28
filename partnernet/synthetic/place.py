"""What the synthetic place is made of, as data: its public bodies and departments,
its boards and who sits on them, the kinds and names of its organisations.

:mod:`partnernet.synthetic.generate` reads these tables to build each place; the
planted findings (see that module) depend on them, so a change here changes the
committed ``sample_data/`` and is checked by ``tests/test_sample.py``.

Templates take ``{P}`` (the place's name), ``{W}`` (a ward), ``{S}`` (a church
dedication) and ``{C}`` (the place's three-letter code).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BAND_SHARES",
    "BIG",
    "BOARD_ROUNDS",
    "BUSINESSES",
    "CENTRAL",
    "COMMUNITIES",
    "COMMUNITY_GROUPS",
    "COUNCIL",
    "CVS",
    "DEDICATIONS",
    "DEPARTMENTS",
    "DUPLICATED",
    "FOUNDATION",
    "GROUP_NAMES",
    "INCOME_RANGES",
    "NHS",
    "OVERLAPS",
    "PLACE_BOARDS",
    "PLACE_ENDS",
    "PLACE_STEMS",
    "PROGRAMMES",
    "SILOED",
    "THEME_WEIGHTS",
    "WARDS",
    "Board",
    "BoardRound",
    "CommunityGroup",
    "Department",
    "LocalCharity",
    "PublicBody",
    "Seat",
]

# -- the public bodies -------------------------------------------------------------


@dataclass(frozen=True)
class PublicBody:
    """A public body of the place (or shared by all places when its id is fixed)."""

    id: str
    name: str
    type: str


@dataclass(frozen=True)
class Department:
    """A council department, with the VCSE themes it commissions.

    ``portfolio`` is how many organisations it deals with per 250 organisations of
    the place; ``programmes`` are the names its awards are made under.
    """

    key: str
    name: str
    suffix: str
    themes: tuple[str, ...]
    portfolio: int
    programmes: tuple[str, ...]


COUNCIL = PublicBody("GB-LAE-{C}", "{P} Council", "local_authority")
NHS = PublicBody("GB-NHS-Q{C}", "NHS {P} Integrated Care Board", "nhs")
# Two central government departments, shared by every place of a run.
CENTRAL = (
    PublicBody("GB-GOR-DCMS", "Department for Culture, Media and Sport", "central_government"),
    PublicBody(
        "GB-GOR-MHCLG",
        "Ministry of Housing, Communities and Local Government",
        "central_government",
    ),
)
DEPARTMENTS = (
    Department(
        key="asc",
        name="Adult Social Care",
        suffix="ASC",
        themes=("older people", "disability", "carers"),
        portfolio=38,
        programmes=("Prevention and Wellbeing", "Carers Support", "Better Care Fund"),
    ),
    Department(
        key="hsg",
        name="Housing",
        suffix="HSG",
        themes=("homelessness", "housing", "domestic abuse"),
        portfolio=32,
        programmes=(
            "Homelessness Prevention",
            "Housing Related Support",
            "Rough Sleeping Initiative",
        ),
    ),
    Department(
        key="cs",
        name="Children's Services",
        suffix="CS",
        themes=("children", "youth", "families"),
        portfolio=26,
        programmes=("Early Help", "Holiday Activities and Food", "Youth Services"),
    ),
    Department(
        key="ph",
        name="Public Health",
        suffix="PH",
        themes=("health", "mental health", "food", "sport"),
        portfolio=28,
        programmes=("Healthy Communities", "Mental Wellbeing", "Healthy Weight"),
    ),
    Department(
        key="com",
        name="Communities",
        suffix="COM",
        themes=(
            "community",
            "arts",
            "heritage",
            "environment",
            "faith",
            "advice",
            "employment",
        ),
        portfolio=32,
        programmes=("Community Grants", "Cultural Fund", "Neighbourhood Fund"),
    ),
)
# The siloed pair (finding 2): they share DUPLICATED of their providers (per 250
# organisations), while the coordinating departments overlap on purpose: (who, with
# whom, how many).
SILOED = ("asc", "hsg")
DUPLICATED = 5
OVERLAPS = (("ph", "cs", 6), ("com", "ph", 6), ("com", "cs", 4))

# -- the voluntary sector's anchors ------------------------------------------------


@dataclass(frozen=True)
class LocalCharity:
    """A charity every place has one of, with its income at locality scale.

    The income grows with the square root of the place's size, plus up to
    ``spread`` at random, rounded to ``rounding`` digits (as for :func:`round`).
    """

    name: str
    type: str
    income: int
    spread: int
    rounding: int


CVS = LocalCharity("{P} CVS", "infrastructure", 420_000, 60_000, -3)
FOUNDATION = LocalCharity("{P} Community Foundation", "funder", 2_600_000, 400_000, -4)

# Award programmes of the funders that are not council departments.
PROGRAMMES = {
    "nhs": ("Health Inequalities Fund", "Social Prescribing", "Community Mental Health"),
    "foundation": ("Community Fund", "Small Grants", "Resilience Fund"),
    "cvs": ("Community Chest",),
    "business": ("Community Sponsorship",),
}

# -- organisations -----------------------------------------------------------------

# The NCVO Almanac's shape of the sector by income band.
BAND_SHARES = (
    ("micro", 0.50),
    ("small", 0.30),
    ("medium", 0.15),
    ("large", 0.04),
    ("major", 0.01),
)
INCOME_RANGES = {
    "micro": (500, 9_999),
    "small": (10_000, 99_999),
    "medium": (100_000, 999_999),
    "large": (1_000_000, 9_999_999),
    "major": (10_000_000, 40_000_000),
}
BIG = ("medium", "large", "major")

THEME_WEIGHTS = {
    "older people": 9,
    "disability": 8,
    "carers": 5,
    "homelessness": 6,
    "housing": 6,
    "domestic abuse": 4,
    "children": 5,
    "youth": 7,
    "families": 4,
    "health": 5,
    "mental health": 5,
    "food": 4,
    "sport": 5,
    "community": 8,
    "arts": 5,
    "heritage": 3,
    "environment": 4,
    "faith": 4,
    "advice": 3,
    "employment": 3,
}

# VCSE group names by theme: {P} place, {W} ward, {S} church dedication.
GROUP_NAMES = {
    "older people": (
        "{W} Lunch Club",
        "{P} Older People's Forum",
        "{W} Friendship Club",
        "{W} Over 60s Club",
        "{P} Dementia Support",
        "{W} Memory Café",
        "{P} Ageing Well",
        "{W} Good Neighbours",
    ),
    "disability": (
        "{P} Disability Forum",
        "{W} Accessible Arts",
        "{P} Deaf Club",
        "{P} Sight Support",
        "{P} Autism Support Group",
        "{W} Wheelchair Sports Club",
        "{P} Learning Disability Network",
        "{P} Independent Living Centre",
    ),
    "carers": (
        "{P} Carers' Centre",
        "{W} Young Carers",
        "{P} Parent Carers Forum",
        "{W} Carers Café",
    ),
    "homelessness": (
        "{P} Nightshelter",
        "{P} Homeless Outreach",
        "{W} Soup Run",
        "{P} Street Support",
        "{P} Foyer",
        "{W} Day Centre for Homeless People",
    ),
    "housing": (
        "{P} Housing Advice",
        "{W} Tenants' Association",
        "{P} Supported Housing Trust",
        "{W} Community Land Trust",
        "{P} Housing Co-operative",
        "{W} Move-On Housing Project",
    ),
    "domestic abuse": (
        "{P} Women's Aid",
        "{P} Domestic Abuse Service",
        "{P} Refuge Trust",
        "{P} Freedom Project",
        "{W} Safe Spaces",
    ),
    "children": (
        "{W} Pre-School",
        "{W} Toy Library",
        "{P} Children's Centre Trust",
        "{W} Playgroup",
        "{W} Play Association",
    ),
    "youth": (
        "{W} Youth Club",
        "{P} Scouts",
        "{W} Youth Project",
        "{P} Young People's Theatre",
        "{W} Boxing Club",
        "{P} Youth Council",
    ),
    "families": (
        "{P} Family Support",
        "{W} Family Hub Friends",
        "{P} Parents' Network",
        "{W} Dads' Group",
    ),
    "health": (
        "{P} Health Action",
        "{W} Health Walks",
        "{P} Breathe Easy Group",
        "{P} Diabetes Support",
        "{P} Cancer Support",
        "{P} Stroke Club",
    ),
    "mental health": (
        "{P} Mental Health Matters",
        "{W} Men's Shed",
        "{P} Wellbeing Hub",
        "{P} Recovery College",
        "{W} Listening Post",
        "{P} Bereavement Support",
    ),
    "food": (
        "{W} Food Bank",
        "{W} Community Pantry",
        "{W} Community Kitchen",
        "{P} Food Share",
        "{W} Community Fridge",
    ),
    "sport": (
        "{W} Football Club",
        "{W} Cricket Club",
        "{P} Swimming Club",
        "{W} Running Club",
        "{P} Cycling Club",
    ),
    "community": (
        "{W} Community Association",
        "{W} Community Centre",
        "{W} Residents' Association",
        "{W} Village Hall Trust",
        "{W} Neighbourhood Network",
    ),
    "arts": (
        "{P} Arts & Crafts Collective",
        "{W} Community Choir",
        "{P} Theatre Company",
        "{P} Film Society",
        "{W} Art Studio",
        "{P} Brass Band",
        "{P} Writers' Circle",
    ),
    "heritage": (
        "{P} History Society",
        "{P} Civic Society",
        "{W} Heritage Trust",
        "{P} Museum Friends",
        "{P} Canal Society",
    ),
    "environment": (
        "Friends of {W} Park",
        "{P} Wildlife Group",
        "{W} Community Garden",
        "{P} Repair Café",
        "{W} Allotment Society",
        "{P} Climate Action",
    ),
    "faith": (
        "{S} Church Community Project",
        "{W} Methodist Church",
        "{P} Interfaith Forum",
        "{W} Mosque Community Trust",
        "{P} Gurdwara Community Kitchen",
        "{W} Quaker Meeting",
        "{S} Parish Trust",
    ),
    "advice": (
        "{P} Advice Centre",
        "{P} Debt Advice",
        "{P} Law Centre",
        "{P} Welfare Rights",
        "{W} Advice Drop-in",
    ),
    "employment": (
        "{P} Employment Hub",
        "{W} Skills Centre",
        "{P} Training Trust",
        "{W} Jobs Club",
        "{P} Works",
    ),
}
DEDICATIONS = (
    "St Mark's",
    "St Anne's",
    "St John's",
    "St Mary's",
    "St Peter's",
    "St Luke's",
    "All Saints",
    "Christ Church",
    "Holy Trinity",
    "St Michael's",
)
COMMUNITIES = (
    "African Caribbean",
    "Bangladeshi",
    "Polish",
    "Somali",
    "Pakistani",
    "Chinese",
    "Kurdish",
    "Roma",
    "Nigerian",
    "Tamil",
    "Eritrean",
    "Gujarati",
    "Ukrainian",
    "Ghanaian",
    "Vietnamese",
    "Punjabi",
)


@dataclass(frozen=True)
class CommunityGroup:
    """A kind of ethnic-minority-led group: its name's noun, its theme, and a second
    tag it carries when it is connected (``None`` for none)."""

    noun: str
    theme: str
    tag: str | None


COMMUNITY_GROUPS = (
    CommunityGroup("Community Association", "community", None),
    CommunityGroup("Women's Group", "community", "women-led"),
    CommunityGroup("Elders Group", "older people", None),
    CommunityGroup("Supplementary School", "children", "youth"),
    CommunityGroup("Youth Club", "youth", "youth"),
    CommunityGroup("Welfare Association", "advice", None),
    CommunityGroup("Cultural Centre", "arts", None),
    CommunityGroup("Mothers' Network", "families", "women-led"),
    CommunityGroup("Community Kitchen", "food", None),
)
WARDS = (
    "Northside",
    "Eastfield",
    "Old Town",
    "Riverside",
    "St Mark's",
    "Hill Top",
    "Marsh End",
    "Westgate",
    "Abbey",
    "Brookside",
    "Castle",
    "Canal Side",
    "Fairfield",
    "Greenhill",
    "Harbour",
    "Kingsway",
    "Lark Rise",
    "Meadowbank",
    "Newtown",
    "Orchard",
    "Parkside",
    "Queen's Park",
    "Railway",
    "Southgate",
    "Thornton",
    "Upper Mill",
    "Victoria",
    "Woodlands",
    "Yew Tree",
    "Ashgrove",
    "Bridge End",
    "Cliffe",
)
BUSINESSES = (
    "{P} Building Society",
    "Hartley & Sons Ltd",
    "{P} Homes Ltd",
    "{P} Energy Co-operative Ltd",
    "Kestrel Digital Ltd",
    "Riverside Supermarkets Ltd",
    "{W} Brewery Ltd",
    "Ashworth & Patel Solicitors LLP",
    "{P} Bus Company Ltd",
    "Greenway Logistics Ltd",
    "{P} Printing Works Ltd",
    "Moorcroft Engineering Ltd",
)
PLACE_STEMS = (
    "Ash", "Brook", "Elm", "Kings", "Stan", "Wick", "Thorn", "Hal", "Bram", "Fen",
    "Oak", "Red", "Wood", "Lang", "Mill", "Cold",
)  # fmt: skip
PLACE_ENDS = ("ford", "ham", "ley", "by", "ton", "worth", "field", "bury", "well", "stead")

# -- boards ------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A seat kept for one of the place's own bodies.

    ``holder`` is ``council``, ``nhs``, ``cvs``, ``foundation``, a department key,
    ``school`` (the round's school, cycling through them), ``business:N`` (the
    N-th business) or ``businesses`` (all of them).
    """

    holder: str
    role: str


@dataclass(frozen=True)
class Board:
    """A board, and how its open seats are filled.

    ``names`` and ``levels`` are used in turn by a board's rounds (the last one for
    every later round); with ``cycle`` the names are cycled instead and numbered
    each time round. ``slug`` takes ``{n}`` (the round, from 1) and ``{w}`` (the
    ward's slug).

    The open seats go to ``big_seats`` medium-or-larger organisations drawn from
    ``big_pool`` and ``small_seats`` smaller ones from ``small_pool``; with
    ``grows`` both counts grow with the square root of the place's size. Pools:
    ``open`` (organisations no siloed department deals with), a department key
    (the big ones it deals with; for a coordinating department the open pool
    when it has none), ``large`` (large and major open ones, else any big open
    one), ``food`` (small food groups Public Health deals with, then the open
    ones) and ``local`` (the open ones of the round's ward first).
    """

    slug: str
    names: tuple[str, ...]
    convener: str
    levels: tuple[str, ...]
    theme: str
    seats: tuple[Seat, ...]
    big_pool: str
    big_seats: int
    small_pool: str = "open"
    small_seats: int = 0
    grows: bool = False
    cycle: bool = False


@dataclass(frozen=True)
class BoardRound:
    """Boards repeated ``rounds`` times per 250 organisations, one ward each time."""

    rounds: int
    boards: tuple[Board, ...]


def _seats(*pairs: str) -> tuple[Seat, ...]:
    """Seats from ``"holder role"`` pairs, to keep the tables below readable."""
    return tuple(Seat(*pair.split()) for pair in pairs)


# The place-wide boards, once per place.
PLACE_BOARDS = (
    Board(
        slug="health-and-wellbeing",
        names=("{P} Health and Wellbeing Board",),
        convener="council",
        levels=("place",),
        theme="health",
        seats=_seats(
            "council chair", "nhs co_chair", "ph member", "cs member", "com member", "cvs member"
        ),
        big_pool="ph",
        big_seats=2,
    ),
    Board(
        slug="vcse-alliance",
        names=("{P} VCSE Alliance",),
        convener="cvs",
        levels=("place",),
        theme="voluntary sector",
        seats=_seats("cvs chair", "foundation member", "com member", "ph member", "nhs observer"),
        big_pool="open",
        big_seats=8,
        small_seats=1,
        grows=True,
    ),
    Board(
        slug="community-safety",
        names=("{P} Community Safety Partnership",),
        convener="com",
        levels=("place",),
        theme="community safety",
        seats=_seats("com chair", "cs member", "nhs member", "cvs member", "business:0 member"),
        big_pool="open",
        big_seats=2,
    ),
    Board(
        slug="anchor-network",
        names=("{P} Anchor Institutions Network",),
        convener="council",
        levels=("place",),
        theme="economy",
        seats=_seats(
            "council chair", "nhs member", "cvs member", "school member", "businesses member"
        ),
        big_pool="large",
        big_seats=1,
    ),
)
# Then the boards that repeat as a place grows, in rounds.
BOARD_ROUNDS = (
    BoardRound(
        rounds=1,
        boards=(
            Board(
                slug="children-{n}",
                names=("{P} Children and Young People's Partnership", "{W} Early Help Network"),
                convener="cs",
                levels=("place", "neighbourhood"),
                theme="children and young people",
                seats=_seats("cs chair", "ph member", "cvs member", "school member"),
                big_pool="cs",
                big_seats=3,
            ),
            Board(
                slug="adults-{n}",
                names=(
                    "{P} Safeguarding Adults Board",
                    "{P} Carers Partnership Board",
                    "{P} Learning Disability Partnership Board",
                    "{P} Adult Social Care Provider Forum",
                    "{P} Older People's Partnership Board",
                ),
                convener="asc",
                levels=("place",),
                theme="adult social care",
                seats=_seats("asc chair", "nhs member"),
                big_pool="asc",
                big_seats=5,
                cycle=True,
            ),
            Board(
                slug="housing-{n}",
                names=(
                    "{P} Housing and Homelessness Forum",
                    "{P} Supported Housing Providers Forum",
                    "{P} Rough Sleeping Partnership",
                    "{P} Tenancy Sustainment Network",
                ),
                convener="hsg",
                levels=("place",),
                theme="housing",
                seats=_seats("hsg chair", "business:2 member"),
                big_pool="hsg",
                big_seats=5,
                cycle=True,
            ),
            Board(
                slug="food-{n}",
                names=("{P} Food Partnership", "{W} Food Network"),
                convener="ph",
                levels=("place", "neighbourhood"),
                theme="food",
                seats=_seats("ph chair", "cvs member"),
                big_pool="open",
                big_seats=1,
                small_pool="food",
                small_seats=2,
            ),
        ),
    ),
    BoardRound(
        rounds=3,
        boards=(
            Board(
                slug="neighbourhood-{w}",
                names=("{W} Neighbourhood Forum",),
                convener="com",
                levels=("neighbourhood",),
                theme="neighbourhood",
                seats=_seats("com chair", "cvs secretariat"),
                big_pool="local",
                big_seats=3,
                small_pool="local",
                small_seats=2,
            ),
        ),
    ),
)
