"""Nodes as real processes on loopback: made with ``node init``, pinned to each other with
``node peer add``, served with ``node serve``, and killed or stopped as a test needs."""

from __future__ import annotations

import functools
import io
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from jointzone.cli import app
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.tlog import Checkpoint, Note, bundles_for_size, decode_bundle, entries_path

ROOT = Path(__file__).parents[2]
REGIME = ROOT / "regimes" / "seed"
JOINTZONE = [sys.executable, "-m", "jointzone"]

#: How a helper runs a ``jointzone`` command: :func:`run` (a process) or :func:`run_here`.
Runner = Callable[..., subprocess.CompletedProcess[str]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(
    *args: str | Path, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*JOINTZONE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"jointzone {' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def run_here(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """:func:`run`, with the command's own Typer app in this process: the same code and exit
    status, without the two seconds a new interpreter takes to import it."""
    argv = list(map(str, args))
    result = CliRunner().invoke(app, argv, prog_name="jointzone")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    done = subprocess.CompletedProcess(argv, result.exit_code, result.stdout, result.stderr)
    if check and done.returncode != 0:
        raise AssertionError(
            f"jointzone {' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


@functools.cache
def _forkserver() -> BaseContext:
    """Where warm node processes are forked from: a fresh interpreter (no threads, no database
    connection) that has imported what ``node serve`` imports, seconds of every restart."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["jointzone.cli", "jointzone.server"])
    return context


def _serve_in_child(argv: list[str], log: str) -> None:
    """A warm node process's body: ``jointzone <argv>``, its output appended to ``log``."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(line_buffering=True)
    app(argv, prog_name="jointzone")


class _Forked:
    """A warm node process, with the few methods of ``subprocess.Popen`` a NodeProcess uses."""

    def __init__(self, argv: list[str], log: Path) -> None:
        self._process: BaseProcess = _forkserver().Process(  # type: ignore[attr-defined]
            target=_serve_in_child, args=(argv, str(log)), daemon=False
        )
        self._process.start()

    def poll(self) -> int | None:
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        assert self._process.pid is not None
        os.kill(self._process.pid, signum)

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired("jointzone node serve", timeout or 0)
        return self._process.exitcode


@dataclass
class NodeProcess:
    party: str
    root: Path
    #: The port of the URL the node is known by: the one peers pin and sign requests for.
    port: int
    db: str | None = None
    process: subprocess.Popen[bytes] | _Forked | None = None
    #: The port the node listens on, when it is not ``port`` (a proxy forwards that one here).
    listen: int | None = None
    regime: Path = REGIME
    #: Fork the node's process from an interpreter that has imported the CLI already, rather
    #: than start ``python -m jointzone``: the same command in a process of its own, in half
    #: the time, for tests that restart nodes many times.
    warm: bool = False
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root.with_name(f"{self.root.name}.log")

    @property
    def url(self) -> str:
        """The node's URL as its peers know it (``node init --url``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def direct(self) -> str:
        """Where the node listens: the test's way in, past any proxy."""
        return f"http://127.0.0.1:{self.listen or self.port}"

    @property
    def descriptor(self) -> Path:
        return self.root.with_name(f"{self.party}-descriptor.json")

    @property
    def database(self) -> str:
        """The node's database URL (SQLite in its directory unless it was given one)."""
        return self.db or f"sqlite:///{self.root / 'node.db'}"

    def verifier(self) -> str:
        """The node's verifier key (C2SP vkey), as its descriptor hands it out."""
        return str(json.loads(self.descriptor.read_text(encoding="utf-8"))["node_verifier"])

    def init(self, *, runner: Runner = run) -> dict[str, Any]:
        args: list[str | Path] = ["node", "init", self.root, "--party", self.party]
        args += ["--regime", self.regime, "--url", self.url, "--demo-keys"]
        if self.db:
            args += ["--db", self.db]
        runner(*args, "--descriptor", self.descriptor)
        return dict(json.loads(self.descriptor.read_text(encoding="utf-8")))

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        command = ["node", "serve", str(self.root), "--demo-keys"]
        if self.listen is not None:
            command += ["--port", str(self.listen)]
        if self.warm:
            self.process = _Forked(command, self.log)
        else:
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(
                    [*JOINTZONE, *command],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"node {self.party} died:\n{self.tail()}"
            try:
                if httpx.get(f"{self.direct}/status", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"node {self.party} did not come up:\n{self.tail()}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()

    def status(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.direct}/status", timeout=5).json())

    def checkpoint(self) -> bytes | None:
        response = httpx.get(f"{self.direct}/checkpoint", timeout=5)
        return response.content if response.status_code == 200 else None

    def entries(self) -> list[bytes]:
        """Every entry of the node's final log, read as a reader would: its public bundles."""
        checkpoint = self.checkpoint()
        if checkpoint is None:
            return []
        size = Checkpoint.from_text(Note.from_bytes(checkpoint).text).size
        out: list[bytes] = []
        for index, width in bundles_for_size(size):
            response = httpx.get(f"{self.direct}/{entries_path(index, width)}", timeout=10)
            assert response.status_code == 200, (response.status_code, response.text)
            out += decode_bundle(response.content, count=width, where=self.party)
        return out

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(
            self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        )


def connect(nodes: Iterable[NodeProcess], *, runner: Runner = run) -> dict[str, NodeProcess]:
    """Make each node and pin it to every other (none is started)."""
    made = {n.party: n for n in nodes}
    descriptors = {p: n.init(runner=runner) for p, n in made.items()}
    for p, n in made.items():
        for other, o in made.items():
            if other != p:
                runner("node", "peer", "add", n.root, o.descriptor)
    assert all(d["party"] == p for p, d in descriptors.items())
    return made


def pair(
    tmp: Path, *, dbs: dict[str, str] | None = None, runner: Runner = run
) -> dict[str, NodeProcess]:
    """Two parties' nodes, made and pinned to each other (not yet started)."""
    return connect(
        (NodeProcess(p, tmp / p, free_port(), db=(dbs or {}).get(p)) for p in ("japan", "russia")),
        runner=runner,
    )


def genesis(nodes: dict[str, NodeProcess], *, runner: Runner = run) -> None:
    """Each party signs the genesis at its own node with two of its three root keys, then
    declares its certificate key."""
    for party, node in nodes.items():
        keys = [node.root / "root-keys" / f"{party}-root-{i}.pem" for i in (1, 2)]
        args: list[str | Path] = ["node", "genesis", "--node", node.direct, "--demo-keys"]
        for k in keys:
            args += ["--root-key", k]
        runner(*args)
    for party, node in nodes.items():
        keys = [node.root / "root-keys" / f"{party}-root-{i}.pem" for i in (1, 2)]
        args = ["node", "genesis", "--node", node.direct, "--demo-keys", "--wait", "30"]
        for k in keys:
            args += ["--root-key", k]
        runner(*args)


def appoint(
    node: NodeProcess, official: str, role: str, key: Path, password: Path, *, runner: Runner = run
) -> None:
    """Appoint an official of ``node``'s party with a key of their own, made with ``key
    generate`` into ``key``: proposed and signed at the node by two of the party's root keys."""
    public = runner("key", "generate", "--out", key, "--passphrase-file", password).stdout
    public_key = next(
        line.split()[-1] for line in public.splitlines() if line.startswith("public key:")
    )
    appoint_key(node, official, role, public_key, runner=runner)


def appoint_key(
    node: NodeProcess, official: str, role: str, public_key: str, *, runner: Runner = run
) -> str:
    """Appoint an official of ``node``'s party whose key is ``public_key`` (unpadded base64url;
    made wherever the official keeps it, e.g. their browser), as two root keys sign it; the
    act's id."""
    act = node.root.with_name(f"{official}.json")
    act.write_text(
        json.dumps(
            {
                "type": "official.appoint",
                "party": node.party,
                "official": official,
                "display_name": f"Registrar of {node.party}",
                "roles": [role],
                "public_key": public_key,
            }
        ),
        encoding="utf-8",
    )
    roots = node.root / "root-keys"
    demo = node.root.with_name("demo-passphrase")
    demo.write_text(DEMO_PASSPHRASE.decode(), encoding="utf-8")
    out = runner(
        "act", "propose", "--node", node.direct, act,
        "--as", f"{node.party}-root-1", "--key-file", roots / f"{node.party}-root-1.pem",
        "--passphrase-file", demo,
    ).stdout  # fmt: skip
    act_id = out.split()[2]
    runner(
        "act", "sign", "--node", node.direct, act_id,
        "--as", f"{node.party}-root-2", "--key-file", roots / f"{node.party}-root-2.pem",
        "--passphrase-file", demo,
    )  # fmt: skip
    return act_id


def start_all(nodes: dict[str, NodeProcess]) -> None:
    """Start every node at once: each takes seconds to come up, and none waits on another."""
    with ThreadPoolExecutor(len(nodes)) as pool:
        for started in [pool.submit(n.start) for n in nodes.values()]:
            started.result()


@contextmanager
def serving(nodes: dict[str, NodeProcess]) -> Iterator[dict[str, NodeProcess]]:
    """The nodes started (:func:`start_all`), and stopped whatever happens meanwhile."""
    try:
        start_all(nodes)
        yield nodes
    finally:
        for n in nodes.values():
            n.stop()


def wait_final(nodes: dict[str, NodeProcess], size: int, timeout: float = 60) -> bytes:
    """Wait until every node holds the same final checkpoint of at least ``size``; return it."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            last = {p: n.status() for p, n in nodes.items()}
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        finals = {p: s["final_size"] for p, s in last.items()}
        if min(finals.values()) >= size and len(set(finals.values())) == 1:
            checkpoints = {n.checkpoint() for n in nodes.values()}
            if len(checkpoints) == 1:
                (checkpoint,) = checkpoints
                assert checkpoint is not None
                return checkpoint
        time.sleep(0.2)
    logs = "\n".join(f"--- {p}\n{n.tail()}" for p, n in nodes.items())
    raise AssertionError(f"no common final checkpoint of size {size}: {last}\n{logs}")
