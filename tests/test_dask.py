"""Scale-out: the same build on a Dask cluster gives the same bytes as the local pool."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import generate
from imprint.builder.plan import BuildRequest, build

from .conftest import CONTENT, require

pytestmark = pytest.mark.tools


@pytest.fixture(scope="module")
def cluster_client():
    require(
        importlib.util.find_spec("distributed") is not None,
        "dask.distributed (pip install 'imprint[dask]')",
    )
    from distributed import Client, LocalCluster

    # separate processes, as real workers are: the project must travel to them pickled
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.mark.slow
def test_dask_build_equals_local_build(cluster_client, samples_build, settings, tmp_path):
    out = tmp_path / "dask"
    report = build(
        BuildRequest(
            [CONTENT],
            out=out,
            settings=settings.with_overrides(content=CONTENT),
            executor="dask",
            scheduler=cluster_client,
        ),
    )
    assert report.ok, [r.error for r in report.failed]
    assert report.executor == "dask"
    local = {(r.format, r.target.name): r.sha256 for r in samples_build.built}
    remote = {(r.format, r.target.name): r.sha256 for r in report.built}
    assert remote == local and len(remote) == 12
    for result in report.built:  # written here, by the client, where the report says
        assert result.target.parent.parent == out and result.target.stat().st_size == result.size
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["executor"] == "dask" and data["summary"]["built"] == 12
    assert data["workers"] == 2

    again = build(
        BuildRequest(
            [CONTENT],
            out=out,
            settings=settings.with_overrides(content=CONTENT),
            executor="dask",
            scheduler=cluster_client,
        ),
    )
    assert len(again.skipped) == 12 and not again.built  # the cache works the same way


def test_dask_without_a_scheduler_is_a_config_error(settings, tmp_path):
    require(importlib.util.find_spec("distributed") is not None, "dask.distributed")
    from imprint.errors import ConfigError

    with pytest.raises(ConfigError, match="--scheduler"):
        build(
            BuildRequest(
                [CONTENT],
                out=tmp_path,
                settings=settings.with_overrides(content=CONTENT),
                executor="dask",
                force=True,
            ),
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Cluster:
    """A real Dask scheduler and two real worker processes (each with its nanny) on
    loopback, started as a team would start them, from the `dask` command line."""

    def __init__(self, workdir: Path):
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        dask = str(Path(sys.executable).with_name("dask"))
        log = open(workdir / "cluster.log", "w")
        self.log = log
        self.scheduler = subprocess.Popen(
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                self.address.rsplit(":")[-1],
                "--no-dashboard",
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        self.workers = [
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    self.address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--name",
                    f"w{n}",
                    "--local-directory",
                    str(workdir / f"w{n}"),
                ],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            for n in (1, 2)
        ]
        from distributed import Client

        deadline = time.monotonic() + 120
        with Client(self.address, timeout="60s") as client:
            while len(client.scheduler_info()["workers"]) < 2:
                assert time.monotonic() < deadline, (workdir / "cluster.log").read_text()
                time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        """The processes that run the tasks (the nannies' children)."""
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            return sorted(client.run(os.getpid).values())

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            process.wait(timeout=60)
        self.log.close()


@pytest.fixture
def real_cluster(tmp_path):
    require(importlib.util.find_spec("distributed") is not None, "dask.distributed")
    require(Path(sys.executable).with_name("dask").is_file(), "the dask command line")
    cluster = _Cluster(tmp_path)
    yield cluster
    cluster.stop()


def _imprint_build(content: list[Path], out: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "imprint", "build", *map(str, content), "--out", str(out), *args],
        cwd=out.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )


def _all_files(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file() and p.name != "report.json"
    }


@pytest.mark.slow
def test_real_scheduler_and_worker_processes_give_the_local_bytes(real_cluster, corpus, tmp_path):
    sources = [CONTENT, corpus]
    local = _imprint_build(sources, tmp_path / "local", "--jobs", "2")
    _, local_errors = local.communicate(timeout=900)
    remote = _imprint_build(
        sources, tmp_path / "remote", "--executor", "dask", "--scheduler", real_cluster.address
    )
    _, remote_errors = remote.communicate(timeout=900)
    # some corpus files fail (a post with no title): the same ones, the same way
    assert remote.returncode == local.returncode

    def failures(errors: str) -> list[str]:
        return sorted(line for line in errors.splitlines() if ": source: " in line)

    assert failures(remote_errors) == failures(local_errors)
    expected = _all_files(tmp_path / "local")
    assert len([name for name in expected if name.startswith("pdf/")]) >= 15
    assert _all_files(tmp_path / "remote") == expected
    data = json.loads((tmp_path / "remote" / "report.json").read_text(encoding="utf-8"))
    assert data["executor"] == "dask" and data["workers"] == 2


@pytest.mark.slow
def test_a_worker_killed_mid_build_loses_nothing(real_cluster, tmp_path):
    content = tmp_path / "content"
    generate(CONTENT, content, 12)
    clean = _imprint_build([content], tmp_path / "clean", "--jobs", "2")
    _, errors = clean.communicate(timeout=900)
    assert clean.returncode == 0, errors
    expected = _all_files(tmp_path / "clean")

    out = tmp_path / "remote"
    build = _imprint_build(
        [content], out, "--executor", "dask", "--scheduler", real_cluster.address
    )
    deadline = time.monotonic() + 300
    while not list(out.glob("pdf/*.pdf")) and build.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    victim = real_cluster.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)  # a worker machine lost mid-build
    _, errors = build.communicate(timeout=900)
    assert build.returncode == 0, errors
    assert _all_files(out) == expected  # every output, each whole and the same bytes
    assert not [p for p in out.rglob(".imprint-*")]
