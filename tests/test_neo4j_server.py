"""The live-test launcher (neo4j-server/) without a server: one pinned Neo4j, named
alike everywhere, and with-neo4j's handling of a server that cannot start."""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET

from conftest import ROOT
from neo4j_server import launcher

SERVER_DIR = ROOT / "neo4j-server"
POM = "{http://maven.apache.org/POM/4.0.0}"


def _pinned_version() -> str:
    project = ET.parse(SERVER_DIR / "pom.xml").getroot()
    version = project.findtext(f"{POM}properties/{POM}neo4j.version")
    assert version is not None
    return version


def test_the_pom_pins_one_neo4j_5_26_release() -> None:
    version = _pinned_version()
    assert re.fullmatch(r"5\.26\.\d+", version), version  # 5.26 runs on Java 17
    project = ET.parse(SERVER_DIR / "pom.xml").getroot()
    neo4j = [
        d for d in project.iter(f"{POM}dependency") if d.findtext(f"{POM}groupId") == "org.neo4j"
    ]
    assert {d.findtext(f"{POM}artifactId") for d in neo4j} == {"neo4j", "neo4j-bolt"}
    assert {d.findtext(f"{POM}version") for d in neo4j} == {"${neo4j.version}"}
    for plugin in project.iter(f"{POM}plugin"):  # pinned, so offline builds find them
        assert plugin.findtext(f"{POM}version"), plugin.findtext(f"{POM}artifactId")


def test_docker_compose_and_the_readme_name_the_same_release() -> None:
    version = _pinned_version()
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.findall(r"image:\s*(\S+)", compose) == [f"neo4j:{version}-community"]
    assert f"Neo4j {version} Community" in (ROOT / "README.md").read_text(encoding="utf-8")


def _with_neo4j(ci: bool) -> subprocess.CompletedProcess[str]:
    launcher()  # built, so with-neo4j goes straight to starting the server
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(JAVA_HOME="/nonexistent-java", NEO4J_URI="bolt://caller:7687")
    if ci:
        env["CI"] = "true"
    command = 'echo "uri=${NEO4J_URI:-unset} password=${NEO4J_PASSWORD:-unset}"; exit 7'
    return subprocess.run(
        [str(SERVER_DIR / "with-neo4j"), "sh", "-c", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_server_that_cannot_start_fails_the_run_under_ci() -> None:
    done = _with_neo4j(ci=True)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""  # the command never ran
    assert "with-neo4j: Neo4j exited before it was ready (CI=true" in done.stderr


def test_elsewhere_the_command_runs_without_a_server() -> None:
    done = _with_neo4j(ci=False)
    assert done.returncode == 7  # the command's own status
    # never the caller's server, and no password made for a server that is not there
    assert done.stdout == "uri=unset password=unset\n"
    assert "running without Neo4j, so the live tests will be skipped" in done.stderr
