"""The README's commands work as written: each line of its Commands block runs,
in a scratch folder laid out as the README assumes, and exits 0."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DIR, TEST_DATA

from partnernet.cli import cli

README = ROOT / "README.md"


def _commands_block() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's Commands section has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_names_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Set up", 1)[1].split("##", 1)[0]
    assert re.findall(r"^make (\w+)", setup, re.M) == ["demo", "test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder holding the files the README's examples name."""
    for name in ("sample_data", "place-2024", "place-2025"):
        shutil.copytree(SAMPLE_DIR, tmp_path / name)
    shutil.copy(TEST_DATA / "threesixty" / "grants.csv", tmp_path / "grants.csv")
    shutil.copy(TEST_DATA / "register" / "register.csv", tmp_path / "register.csv")
    shutil.copy(TEST_DATA / "spend" / "service_area.csv", tmp_path / "spend.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_readme_command_runs(place: Path) -> None:
    runner = CliRunner()
    lines = _commands_block()
    assert len(lines) >= 8
    for line in lines:
        for part in line.split("#", 1)[0].split("&&"):
            words = shlex.split(part)
            if words[:2] == ["mkdir", "-p"]:
                Path(words[2]).mkdir(parents=True, exist_ok=True)
                continue
            assert words[0] == "partnernet", line
            command, args = words[1], words[1:]
            if command not in ("validate", "init"):
                args.append("--quiet")
            if command in ("analyse", "compare"):
                args += ["--permutations", "200"]  # fewer than 5,000 keeps the test quick
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (place / "out" / "report.html").is_file()
    assert (place / "map.html").is_file()
    assert (place / "change" / "headline_changes.csv").is_file()
    assert (place / "my_place" / "funding.csv").is_file()
    funding = (place / "my_place" / "funding.csv").read_text(encoding="utf-8")
    assert "SPEND-GB-LAE-EXA:highways:2025-26:roadworks-plc" in funding
