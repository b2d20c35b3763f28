"""No injection where text lands outside the browser (issue 18): names reach the
terminal with every control character shown, report.md links nothing a name
carries, a pseudonym key is long enough and read the same from every source, and a
Neo4j URI's credentials are never echoed.

The browser half (the map's search, a right-to-left name in a finding) is in
tests/test_browser_text.py; it builds its dataset with :func:`text_hostile_dataset`.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DIR

from partnernet.cli import cli
from partnernet.errors import InputError, Problem, ValidationError, visible
from partnernet.io import pseudonym
from partnernet.neo4j.store import Store, connect, redact_uri
from partnernet.render.report import escape_markdown

KEY = "test-key-not-secret"

# A name that, printed raw, sets the terminal's title and clears its screen, then
# writes a C1 control sequence, a DEL and a zero-width space.
TERMINAL_PAYLOAD = "\x1b]0;PWNED\x07\x1b[2J"
COUNCIL_NAME = f"{TERMINAL_PAYLOAD}Marshford\x9b31m Council\x7f\u200b"
# A right-to-left override, then Latin and Arabic letters: the override reverses
# everything after it in its paragraph unless the name is isolated.
BROKER_NAME = "\u202eMarshford \u0645\u0631\u0643\u0632 CVS"
# Everything GFM would make a live link.
URL_NAME = "Westgate https://evil.example/x www.evil.example admin@evil.example Tenants"
# Names that are properties of every JavaScript object.
PROTOTYPE_NAMES = ("constructor", "__proto__", "hasOwnProperty")

# Arabic, Hebrew and Japanese: printable, so shown as they are.
SCRIPTS = "\u0645\u0631\u0643\u0632 \u05e9\u05dc\u05d5\u05dd 東京"

# Characters a terminal acts on or hides: C0/C1 controls and DEL (category Cc),
# format characters such as bidi controls and zero-width spaces (Cf), separators
# and lone surrogates. A newline between lines is the only one allowed.
_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def acted_on(text: str) -> list[str]:
    """The characters of ``text`` a terminal would act on or hide (newlines aside)."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in _INVISIBLE]


def text_hostile_dataset(folder: Path) -> Path:
    """The sample with the council, the main broker, a tenants' association and three
    small groups renamed to the payloads above; the figures stay the sample's."""
    shutil.copytree(SAMPLE_DIR, folder)
    path = folder / "organisations.csv"
    orgs = pd.read_csv(path, dtype=str, keep_default_na=False)
    renames = {
        "GB-LAE-MSF": COUNCIL_NAME,
        "GB-CHC-1100019": BROKER_NAME,
        "GB-CHC-1100766": URL_NAME,
    }
    small = orgs[(orgs["type"] == "vcse") & (orgs["size_band"] == "micro")]["id"]
    renames.update(zip(small.iloc[:3], PROTOTYPE_NAMES, strict=True))
    orgs["name"] = [renames.get(i, n) for i, n in zip(orgs["id"], orgs["name"], strict=True)]
    orgs.to_csv(path, index=False)
    return folder


def run_analyse(dataset: Path, out: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["analyse", str(dataset), "--out", str(out), "--permutations", "100"],
        env={"PARTNERNET_PSEUDONYM_KEY": KEY},
    )
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    root = tmp_path_factory.mktemp("text-safety")
    dataset = text_hostile_dataset(root / "data")
    code, out, err = run_analyse(dataset, root / "out")
    return root / "out", code, out, err


# --- the terminal ----------------------------------------------------------------


def test_analyse_prints_no_control_character_from_a_name(
    analysed: tuple[Path, int, str, str],
) -> None:
    _, code, out, err = analysed
    assert code == 0, err
    assert acted_on(out) == [] and acted_on(err) == []
    assert "\x1b" not in out + err and "\x07" not in out + err
    # The name is shown, its controls written out, in the findings it is part of.
    shown = visible(COUNCIL_NAME)
    assert shown == (
        "<U+001B>]0;PWNED<U+0007><U+001B>[2JMarshford<U+009B>31m Council<U+007F><U+200B>"
    )
    assert f"departments of {shown} are siloed" in out
    assert f"- {visible(BROKER_NAME)} is the main liaison broker" in out


def test_an_import_summary_prints_no_control_character_from_a_name(tmp_path: Path) -> None:
    grants = tmp_path / "grants.csv"
    name = f"{TERMINAL_PAYLOAD} Age UK\u202e"
    grants.write_text(
        "Identifier,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Funding Org:Identifier,Funding Org:Name\n"
        f"A-1,1000,2024-01-01,GB-COH-04321098,{name},GB-LAE-AAA,Aville Council\n"
        f"A-2,2000,2024-01-02,GB-CHC-1098765,{name},GB-LAE-AAA,Aville Council\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["import-360giving", str(grants), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert acted_on(result.stdout) == [] and acted_on(result.stderr) == []
    # The likely duplicate is listed by the name both grants give, controls shown.
    assert (
        "  GB-COH-04321098 -> GB-CHC-1098765: same name as GB-CHC-1098765: "
        "'<U+001B>]0;PWNED<U+0007><U+001B>[2J Age UK<U+202E>'"
    ) in result.stderr


def test_an_error_message_quoting_a_cell_shows_its_controls(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE_DIR, tmp_path / "d")
    funding = tmp_path / "d" / "funding.csv"
    lines = funding.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("recipient_id")] = f"GB-CHC-9{TERMINAL_PAYLOAD}"
    lines[1] = ",".join(cells)
    funding.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["validate", str(tmp_path / "d")], env={"PARTNERNET_PSEUDONYM_KEY": KEY}
    )
    assert result.exit_code == 3, result.output
    assert acted_on(result.stderr) == []
    assert "GB-CHC-9<U+001B>]0;PWNED<U+0007><U+001B>[2J" in result.stderr


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "<U+001B>[2J"),
        ("bell\x07", "bell<U+0007>"),
        ("csi\x9b1m", "csi<U+009B>1m"),
        ("del\x7f", "del<U+007F>"),
        ("cr\rover", "cr<U+000D>over"),
        ("tab\tnew\nline", "tab<U+0009>new<U+000A>line"),
        ("rlo\u202eltr\u202d", "rlo<U+202E>ltr<U+202D>"),
        ("isolate\u2066\u2069", "isolate<U+2066><U+2069>"),
        ("zero\u200bwidth\u200d\ufeff", "zero<U+200B>width<U+200D><U+FEFF>"),
        ("line\u2028para\u2029", "line<U+2028>para<U+2029>"),
        ("lone\ud800", "lone<U+D800>"),
        ("tag\U000e0041", "tag<U+E0041>"),
        # Printable text of any script is unchanged.
        ("Zoë Café", "Zoë Café"),
        (SCRIPTS, SCRIPTS),
    ],
)
def test_visible_shows_every_control_and_keeps_printable_text(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(shown) == shown  # twice changes nothing
    assert acted_on(visible(raw)) == []


def test_exceptions_show_the_controls_of_the_values_they_quote() -> None:
    error = InputError(f"'{TERMINAL_PAYLOAD}' is not an id.", hint="Fix it.")
    assert str(error) == "'<U+001B>]0;PWNED<U+0007><U+001B>[2J' is not an id.\nFix it."
    problem = Problem("f.csv", 2, "id", "x\ny", "'x\ny' is not an id", "Fix it.")
    # The reason is one line: a newline in the value cannot forge a second message.
    assert str(problem) == "f.csv, row 2, column 'id': 'x<U+000A>y' is not an id\nFix it."
    assert acted_on(str(ValidationError([problem]))) == []


# --- Markdown --------------------------------------------------------------------

# What GFM's autolink extension links: a scheme URL, "www." and an e-mail address
# (an address with the word joiner before its "@" is no longer one).
GFM_AUTOLINK = re.compile(
    r"(?i)\b(?:https?|ftp)://|(?<![\w\\])www\.|[\w.+-]+@[\w-]+\.[\w.-]*\w", re.UNICODE
)


def test_a_name_with_links_is_text_in_report_md(analysed: tuple[Path, int, str, str]) -> None:
    import cmarkgfm
    from markdown_it import MarkdownIt

    out, code, _, err = analysed
    assert code == 0, err
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert escape_markdown(URL_NAME) in markdown
    assert GFM_AUTOLINK.findall(markdown) == []
    own_link = ['<a href="network.html">']
    # GitHub's own renderer (cmark-gfm with its autolink extension).
    github = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert re.findall(r"<a [^>]*>", github) == own_link
    # markdown-it with linkify (schemes and e-mail addresses; bare domains are not
    # GFM links).
    renderer = MarkdownIt("gfm-like")
    renderer.linkify.set({"fuzzy_link": False})
    rendered = renderer.render(markdown)
    assert re.findall(r"<a [^>]*>", rendered) == own_link
    # The name reads as written, less the invisible word joiner.
    shown = html_lib.unescape(re.sub(r"<[^>]+>", "", github)).replace("\u2060", "")
    assert URL_NAME in shown


@pytest.mark.parametrize(
    "text",
    [
        "http://evil.example/x",
        "see HTTPS://evil.example",
        "ftp://evil.example",
        "www.evil.example",
        "(WWW.evil.example)",
        "_www.evil.example_",
        "*www.evil.example*",
        "admin@evil.example",
        "mailto:admin@evil.example",
        "xmpp:admin@evil.example",
        "<https://evil.example>",
        "[x](https://evil.example)",
        "![x](https://evil.example/i.png)",
        "a | b `c` *d* _e_ ~f~",
        "# heading",
    ],
)
def test_escape_markdown_leaves_nothing_gfm_renders(text: str) -> None:
    import cmarkgfm

    escaped = escape_markdown(text)
    for source in (escaped, f"- {escaped}", f"| h |\n|---|\n| {escaped} |"):
        rendered = cmarkgfm.github_flavored_markdown_to_html(source)
        assert "<a " not in rendered and "<img" not in rendered, rendered
        assert not re.search(r"<(em|strong|code|del|h1)>", rendered), rendered
        shown = html_lib.unescape(re.sub(r"<[^>]+>", "", rendered)).replace("\u2060", "")
        assert text in shown


# --- pseudonym keys -----------------------------------------------------------------


@pytest.mark.parametrize("short", ["Q", "pin-1234", "Zx" * 7 + "Z"])
def test_a_short_key_is_refused_from_every_source(
    short: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(pseudonym.KEY_ENV, raising=False)
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    with pytest.raises(InputError, match="the pseudonym key given is too short") as given:
        pseudonym.resolve_key(short)
    monkeypatch.setenv(pseudonym.KEY_ENV, f" {short}\n")
    with pytest.raises(InputError, match=f"the pseudonym key in {pseudonym.KEY_ENV}") as env:
        pseudonym.resolve_key()
    monkeypatch.delenv(pseudonym.KEY_ENV)
    (tmp_path / "key").write_text(short + "\n")
    monkeypatch.setenv(pseudonym.KEY_FILE_ENV, str(tmp_path / "key"))
    with pytest.raises(InputError, match="too short") as file:
        pseudonym.resolve_key()
    for caught in (given, env, file):
        assert caught.value.exit_code == 3
        message = str(caught.value)
        assert "at least 16 characters" in message
        assert short not in message
        assert "secrets.token_hex(32)" in message


def test_a_key_of_the_minimum_length_is_accepted() -> None:
    assert pseudonym.MIN_KEY_LENGTH == 16
    key = "Zx" * 8
    assert pseudonym.resolve_key(key) == key.encode()


def test_the_same_key_gives_the_same_pseudonym_from_environment_and_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = "0123456789abcdef0123"
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    found = []
    for spaced in (key, f"  {key}\n", f"\t{key} \r\n"):
        monkeypatch.setenv(pseudonym.KEY_ENV, spaced)
        found.append(pseudonym.resolve_key())
        found.append(pseudonym.resolve_key(spaced))
    monkeypatch.delenv(pseudonym.KEY_ENV)
    monkeypatch.setenv(pseudonym.KEY_FILE_ENV, str(tmp_path / "key"))
    # As an editor may save it: a newline, Windows line endings, a byte-order mark.
    for contents in (f"{key}\n", f"{key}\r\n", f"\ufeff{key}\r\n"):
        (tmp_path / "key").write_bytes(contents.encode("utf-8"))
        found.append(pseudonym.resolve_key())
    assert found == [key.encode()] * len(found)
    assert len({pseudonym.pseudonymise("Jane Smith", k) for k in found if k}) == 1


# --- Neo4j URIs -------------------------------------------------------------------

SECRET = "hunter2-secret"


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        (f"neo4j://db.example.org:7687?password={SECRET}", "neo4j://db.example.org:7687?***"),
        (f"neo4j://db.example.org?policy=eu&auth={SECRET}", "neo4j://db.example.org?***"),
        (f"bolt://neo4j:{SECRET}@db.example.org:7687", "bolt://***@db.example.org:7687"),
        # A password holding "/", "?", "#" or "@" moves where a parser puts the host.
        (f"bolt://neo4j:{SECRET}/x@db.example.org", "bolt://***@db.example.org"),
        (f"bolt://neo4j:{SECRET}?x@db.example.org", "bolt://***@db.example.org"),
        (f"bolt://neo4j:a@{SECRET}@db.example.org", "bolt://***@db.example.org"),
        (f"bolt://db.example.org#{SECRET}", "bolt://db.example.org#***"),
        (f"bolt://db.example.org#x?{SECRET}", "bolt://db.example.org#***"),
        ("bolt://localhost:7687", "bolt://localhost:7687"),
    ],
)
def test_a_uri_is_shown_without_its_credentials(uri: str, shown: str) -> None:
    assert redact_uri(uri) == shown
    assert SECRET not in repr(Store(object(), uri=uri))
    assert Store(object(), uri=uri).shown_uri == shown


@pytest.mark.parametrize(
    "uri",
    [
        f"bolt://localhost:7687?password={SECRET}",  # the driver refuses routing on bolt
        f"bolt://neo4j:{SECRET}@localhost:7687",
        f"bolt://neo4j:{SECRET}/x@localhost:7687",  # not even a URI once parsed
        f"neo4j://localhost:notaport?password={SECRET}",
    ],
)
def test_a_refused_uri_is_never_echoed_with_its_password(uri: str) -> None:
    from partnernet.errors import StoreError

    with pytest.raises(StoreError) as caught:
        connect(uri, "neo4j", "pw", None).close()
    assert SECRET not in str(caught.value)


def test_a_store_error_names_the_uri_without_its_query() -> None:
    from neo4j import exceptions

    from partnernet.neo4j.store import _store_error

    store = Store(object(), uri=f"neo4j://localhost:1?password={SECRET}")
    error = _store_error(exceptions.ServiceUnavailable("down"), store, writing=False)
    assert error is not None
    assert SECRET not in str(error)
    assert "neo4j://localhost:1?***" in str(error)


def test_load_prints_the_uri_without_its_query(monkeypatch: pytest.MonkeyPatch) -> None:
    import test_neo4j_store as fakes

    from partnernet.neo4j import store as store_module

    driver = fakes.FakeDriver()
    seen: dict[str, str] = {}

    class Factory:
        @staticmethod
        def driver(uri: str, *, auth: object, **config: object) -> object:
            seen["uri"] = uri
            return driver

    monkeypatch.setattr(store_module, "GraphDatabase", Factory)
    uri = f"neo4j://localhost:7687?password={SECRET}"
    result = CliRunner().invoke(
        cli,
        ["load", str(SAMPLE_DIR), "--quiet", "--uri", uri],
        env={"NEO4J_PASSWORD": "pw", "PARTNERNET_PSEUDONYM_KEY": KEY},
    )
    assert result.exit_code == 0, result.output
    assert seen["uri"] == uri  # the driver gets the URI as given
    assert "into Neo4j at neo4j://localhost:7687?***;" in result.stdout
    assert SECRET not in result.output
