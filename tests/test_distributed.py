"""The Dask distributed mode gives the same bytes as a local run."""

from __future__ import annotations

import pytest

from .conftest import run_process

distributed = pytest.importorskip("distributed")


def test_dask_cluster_output_is_byte_identical_to_the_local_run(corpus, scan_ordered, tmp_path):
    root, _truth = corpus
    local, _code = scan_ordered  # the local run: --jobs 1 --order scan
    remote = tmp_path / "dask"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        code = run_process(
            [root / "scans"], remote, "--order", "scan", "--scheduler", cluster.scheduler_address
        )
    assert code in (0, 1)
    made = sorted(p.name for p in local.iterdir() if p.suffix in (".pdf", ".json"))
    assert made and made == sorted(p.name for p in remote.iterdir() if p.suffix in (".pdf", ".json"))
    for name in made:
        if name == "batch.json":  # the same but for "run": its dates and jobs
            import json

            batches = [json.loads((d / name).read_text()) for d in (local, remote)]
            assert [{k: v for k, v in b.items() if k != "run"} for b in batches] == [
                {k: v for k, v in batches[0].items() if k != "run"}
            ] * 2
            continue
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name


@pytest.mark.slow  # Dask tries the address for its whole 10 s timeout
def test_an_unreachable_scheduler_is_a_clear_error(corpus, tmp_path):
    root, _truth = corpus
    code = run_process([root / "scans"], tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2
