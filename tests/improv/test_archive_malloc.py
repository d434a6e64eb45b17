"""Dask worker processes reuse freed memory for the next arrays, as a plain process does.

A Dask nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536``; with it glibc maps every
array over 128 kB anew and zeroes its pages (a page fault each), which made the analysis cost
1.7 times its CPU time on a worker. :func:`improv.archive.batch.compute_task` sets the
thresholds back; these tests count the page faults of allocating and freeing arrays.
"""

from __future__ import annotations

import logging
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="the thresholds are glibc's")


def _faults_of_arrays(n: int = 40, size: int = 1 << 18) -> int:
    """Minor page faults of allocating, touching and freeing ``n`` arrays of ``size`` float64
    values (2 MB each: the size of the analysis's per-block temporaries)."""
    import resource

    import numpy as np

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(n):
        a = np.ones(size)
        del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


_CHILD = """
import json
from tests.improv.test_archive_malloc import _faults_of_arrays
from improv.archive.batch import _malloc_for_arrays
before = _faults_of_arrays()
_malloc_for_arrays()
_faults_of_arrays(2)  # the heap grows once
print(json.dumps([before, _faults_of_arrays()]))
"""


def test_the_thresholds_set_by_a_nanny_are_set_back_in_the_process():
    """Under Dask's setting every 2 MB array is mapped anew and faults in its pages (how many
    faults that is depends on the kernel's fault-around); after ``_malloc_for_arrays`` the
    freed heap serves the next array."""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, cwd=REPO, text=True,
                         capture_output=True, check=True)
    before, after = (int(x) for x in out.stdout.strip().strip("[]").split(","))
    assert before > 40 * 25  # the premise: every array mapped and zeroed anew
    assert after * 20 < before


def _after_a_task(root: str, sid: str) -> dict:
    from improv.archive.batch import compute_task

    before = _faults_of_arrays()
    out = compute_task(root, sid, False, False)
    _faults_of_arrays(2)
    return {"ok": out["ok"], "env": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
            "before": before, "after": _faults_of_arrays()}


def test_a_local_cluster_worker_after_its_first_task(store, store_path):
    """On a real LocalCluster worker (started by a nanny, with Dask's environment)."""
    import distributed

    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=5.0)["id"]
    store.close()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  scheduler_kwargs={"dashboard": False},
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        got = client.submit(_after_a_task, str(store_path.resolve()), sid, pure=False).result()
    assert got["ok"]
    assert got["env"] == "65536"  # the nanny's setting is there ...
    assert got["before"] > 40 * 25  # ... costing faults before the first task ...
    assert got["after"] * 20 < got["before"]  # ... and no longer after it
