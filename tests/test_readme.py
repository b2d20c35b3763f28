"""The README works as written: from `make demo` onwards, every shell block runs, in
order, exactly as printed, in a scratch copy of the repository, and leaves nothing
git does not ignore; it lists every vocabulary the reader accepts."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from partnernet import model

README = ROOT / "README.md"
# A block the test cannot run (it needs a server) says so in a comment just above it.
NOT_RUN = "<!-- not run by tests/test_readme.py"


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """(section heading, command lines) of every ```sh block the test runs, in order."""
    blocks = []
    heading = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if line.strip() == "```sh":
            end = lines.index("```", i + 1)
            body = [c for c in lines[i + 1 : end] if c.strip()]
            above = next((p for p in reversed(lines[:i]) if p.strip()), "")
            if not above.startswith(NOT_RUN):
                blocks.append((heading, body))
            i = end
        i += 1
    return blocks


def _commands() -> list[str]:
    """Every line the test runs: `make demo` onwards (`make test` is this suite)."""
    commands: list[str] = []
    for _, body in _blocks(README.read_text(encoding="utf-8")):
        commands.extend(line for line in body if not line.startswith("make test"))
    demo = [i for i, line in enumerate(commands) if line.startswith("make demo")]
    assert demo, "the README has no `make demo` line"
    return commands[demo[0] :]


def _outputs(line: str) -> list[str]:
    """The files or folders a README command says it writes."""
    words = shlex.split(line, comments=True)
    if words[:2] == ["make", "demo"]:
        return ["out/report.html", "out/network.html"]
    # `sample --year-after DIR` writes a second dataset beside its --out.
    found = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("--out", "--year-after")]
    if words[:2] == ["partnernet", "init"]:
        found.append(words[2])
    return found


def test_the_readme_names_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Set up", 1)[1].split("##", 1)[0]
    assert re.findall(r"^make (\w+)", setup, re.M) == ["demo", "test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_the_blocks_are_found_and_only_the_neo4j_one_is_left_out() -> None:
    text = README.read_text(encoding="utf-8")
    commands = _commands()
    assert commands[0].startswith("make demo")
    names = {shlex.split(c, comments=True)[1] for c in commands if c.startswith("partnernet ")}
    assert {
        "validate",
        "analyse",
        "render",
        "init",
        "compare",
        "sample",
        "export",
        "profile",
    } <= names
    assert {"import-360giving", "import-register", "import-spend"} <= names
    assert text.count(NOT_RUN) == 1
    left_out = text.split(NOT_RUN, 1)[1].split("```", 2)[1]
    assert "docker compose up" in left_out
    # each command that writes says where, so the test can check it did
    for line in commands:
        if not line.startswith("partnernet validate"):
            assert _outputs(line), line


def test_every_file_a_command_reads_is_shipped_or_made_before() -> None:
    """The quick check: each path a README command names exists in the repository,
    or is the output of a command above it."""
    made: set[str] = set()
    for line in _commands():
        words = shlex.split(line, comments=True)
        outputs = _outputs(line)
        for word in words[2:]:
            if word.startswith("-") or word in outputs or ("/" not in word and "." not in word):
                continue
            if any(word.rstrip("/") == m.rstrip("/") for m in made):
                continue
            if (ROOT / word).exists():
                continue
            # option values that are not paths (an id, a scale, a colour)
            assert not re.search(r"\.(csv|zip|json|xlsx)$|/$", word), f"{line}: {word} missing"
        made.update(o.split("/")[0] + "/" if "/" in o else o for o in outputs)


def test_the_readme_lists_every_vocabulary() -> None:
    text = README.read_text(encoding="utf-8")
    data = text.split("## The data", 1)[1].split("\n## ", 1)[0]
    vocabularies = {
        "type": model.ORG_TYPES,
        "size_band": model.SIZE_BANDS,
        "role": model.ROLES,
        "kind` in funding.csv": model.FUNDING_KINDS,
        "kind` in partnerships.csv": model.PARTNERSHIP_KINDS,
    }
    for name, values in vocabularies.items():
        bullet = re.search(rf"^- `{re.escape(name)}.*?(?=^- |\Z)", data, re.M | re.S)
        assert bullet, f"the README's data section has no bullet for {name}"
        listed = re.findall(r"`([a-z_]+)`", bullet.group(0))
        assert [v for v in listed if v in values] == list(values), name


def _scratch_copy(tmp_path: Path) -> Path:
    """The repository's files (tracked, and new ones not ignored) in a fresh git repo."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    clone = tmp_path / "partnernet"
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            target = clone / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=clone, check=True)
    subprocess.run([*git, "add", "-A"], cwd=clone, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "scratch"], cwd=clone, check=True)
    return clone


@pytest.mark.slow
def test_every_readme_command_runs_as_printed(tmp_path: Path) -> None:
    clone = _scratch_copy(tmp_path)
    venv = Path(sys.prefix)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERNET_")}
    # A new user has no pseudonym key and runs the clone's code from .venv/bin.
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(clone)
    where = subprocess.run(
        ["python", "-c", "import partnernet; print(partnernet.__file__)"],
        cwd=clone,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(clone)
    for line in _commands():
        run = line
        if line.startswith("make demo"):
            # This run's environment stands in for the one `make demo` would create
            # (that needs the package index); -o keeps make from reinstalling into it.
            run = f"{line} VENV={shlex.quote(str(venv))} -o {shlex.quote(str(venv / '.package'))}"
        done = subprocess.run(
            ["bash", "-c", run], cwd=clone, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        for output in _outputs(line):
            path = clone / output
            assert path.exists(), f"{line}: {output} was not written"
            if path.is_dir():
                assert any(path.iterdir()), f"{line}: {output} is empty"
    assert (clone / "out" / "tables.xlsx").is_file()
    assert (clone / "change" / "headline_changes.csv").is_file()
    assert (clone / "trafford" / "funding.csv").is_file()
    # everything the commands wrote is git-ignored
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert status == "", f"README commands left files git does not ignore:\n{status}"
