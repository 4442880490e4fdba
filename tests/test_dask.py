"""Scale-out: the same build on a Dask cluster gives the same bytes as the local pool."""

from __future__ import annotations

import importlib.util
import json

import pytest

from imprint.builder.plan import build

from .conftest import CONTENT, require


@pytest.fixture(scope="module")
def cluster_client():
    require(importlib.util.find_spec("distributed") is not None,
            "dask.distributed (pip install 'imprint[dask]')")
    from distributed import Client, LocalCluster

    # separate processes, as real workers are: the project must travel to them pickled
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


@pytest.mark.slow
def test_dask_build_equals_local_build(cluster_client, samples_build, settings, tmp_path):
    out = tmp_path / "dask"
    report = build([CONTENT], out=out, settings=settings.with_overrides(content=CONTENT),
                   executor="dask", scheduler=cluster_client)
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

    again = build([CONTENT], out=out, settings=settings.with_overrides(content=CONTENT),
                  executor="dask", scheduler=cluster_client)
    assert len(again.skipped) == 12 and not again.built  # the cache works the same way


def test_dask_without_a_scheduler_is_a_config_error(settings, tmp_path):
    require(importlib.util.find_spec("distributed") is not None, "dask.distributed")
    from imprint.errors import ConfigError

    with pytest.raises(ConfigError, match="--scheduler"):
        build([CONTENT], out=tmp_path, settings=settings.with_overrides(content=CONTENT),
              executor="dask", force=True)
