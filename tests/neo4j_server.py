"""Start a Neo4j of our own from the live-test launcher (neo4j-server/), for the tests
that must stop a server: the one named by NEO4J_URI serves the rest of the suite."""

from __future__ import annotations

import selectors
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

from conftest import ROOT, missing_tool

LAUNCHER = ROOT / "neo4j-server" / "run"
BUILT = ROOT / "neo4j-server" / "target" / ".built"
START_TIMEOUT = 180.0


def launcher() -> Path:
    """The launcher script; skips the test (fails it under CI) when it is not built."""
    if not BUILT.exists():
        missing_tool("the Neo4j launcher is not built: run neo4j-server/build (make test does)")
    return LAUNCHER


class LaunchedServer:
    """A Neo4j without authentication on a free port, its store in ``store`` (kept).

    Use it as a context manager; on leaving, the server is stopped if it still runs.
    Its standard input is a pipe it watches (--stop-on-eof), so it cannot outlive
    the test process even when that is killed.
    """

    def __init__(self, store: Path, log: Path) -> None:
        self.store = store
        self.log = log
        self.uri = ""
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LaunchedServer:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [str(launcher()), "--store", str(self.store), "--stop-on-eof"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self._process.stdout is not None
        line = _read_line(self._process.stdout, START_TIMEOUT)
        if not line.startswith("ready bolt://"):
            self.kill()
            raise RuntimeError(
                f"the launched Neo4j did not start (said {line!r}); its log:\n"
                + self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
            )
        self.uri = line.removeprefix("ready ").strip()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def kill(self) -> None:
        """Stop the server at once (SIGKILL): no shutdown, as when a machine dies."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM), or kill it after 30 s; close its pipes."""
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        finally:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()


def _read_line(stream: object, timeout: float) -> str:
    """The first line the server prints, or '' when it exits or takes too long."""
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)  # type: ignore[arg-type]
        while b"\n" not in buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(timeout=left):
                break
            chunk = stream.read1(4096)  # type: ignore[attr-defined]
            if not chunk:
                break
            buffer += chunk
    return buffer.decode("utf-8", errors="replace").split("\n", 1)[0]
