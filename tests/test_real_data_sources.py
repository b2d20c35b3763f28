"""The real public files the tests read are in the repository, unchanged from their
source: each one's SHA-256 matches the one SOURCES.md records."""

from __future__ import annotations

import hashlib
import re

import pytest
from conftest import REAL_DATA

SOURCES = REAL_DATA / "SOURCES.md"
_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \|.*\| `(?P<sha>[0-9a-f]{64})` \|$", re.M)


def _recorded() -> dict[str, str]:
    return {m["file"]: m["sha"] for m in _ROW.finditer(SOURCES.read_text(encoding="utf-8"))}


def test_every_real_file_is_recorded_in_sources() -> None:
    on_disk = {p.name for p in REAL_DATA.iterdir() if p.name != "SOURCES.md"}
    assert on_disk == set(_recorded())


@pytest.mark.parametrize("name", sorted(_recorded()))
def test_real_file_is_unchanged_from_its_source(name: str) -> None:
    digest = hashlib.sha256((REAL_DATA / name).read_bytes()).hexdigest()
    assert digest == _recorded()[name]
