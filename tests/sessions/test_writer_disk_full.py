"""The session writer on a disk that really fills up (a small tmpfs; review 31, H2).

After the write error the writer thread must sleep until something is queued: it used to wake
up for a flush that never came, at 100 % CPU, holding the interpreter lock that the recorder's
stop needed. Mounting needs root; as another user the test is skipped.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from sessions.store import Store
from tests.sessions.helpers import fill_disk, tmpfs, wait_written

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")

FLUSH_S = 0.05
"""The writer's flush interval in this test [seconds]: the old spin woke 20 times as often."""


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path / "disk", size="2m") as mount:
        yield mount


def _until(condition, what):
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within 30 s"
        time.sleep(0.01)


def test_writer_sleeps_after_a_full_disk_and_keeps_what_it_wrote(small_disk):
    store = Store(small_disk / "store")
    w = store.create_session(client="C07", players=["client"], flush_interval=FLUSH_S)
    a = w.add_audio_input("mic", sr=8000, channels=1, players={"client": [1]})
    a.write(np.full((8000, 1), 0.5, np.float32))
    w.midi(0.25, player="client", port="kb", data=b"\x90\x3c\x40")
    wait_written(w)  # one second of audio and a note on the disk before it fills
    filler = fill_disk(small_disk)
    for _ in range(4):  # 128 kB each: more than a block's slack, whatever the buffering
        a.write(np.full((32000, 1), 0.25, np.float32))
    _until(lambda: w.error is not None, "write error")
    assert "disk is full" in str(w.error)
    _until(lambda: w.queue_depth == 0, "empty queue")
    time.sleep(2 * FLUSH_S)  # the thread is back in its wait
    before = w.wakeups
    for i in range(3):  # the recorder's stop events, queued after the failure
        w.report("warning", t=1.0 + i, what="test")
    _until(lambda: w.wakeups >= before + 3, "turn of the writer")
    time.sleep(10 * FLUSH_S)  # ten flush intervals: the old loop spun thousands of times here
    assert w.wakeups - before == 3, "the writer thread woke up with nothing to do"
    assert w._thread.is_alive()

    filler.unlink()  # the recorder gives its disk reserve back before finalising
    m = w.finalize()
    assert not w._thread.is_alive()
    assert m["status"] == "complete"
    assert any("disk is full" in x for x in m["warnings"])
    assert m["midi"]["events"] == 1
    assert m["audio"][0]["frames"] >= 8000  # what was flushed before the disk filled
    assert [e["t"] for e in m["events"] if e.get("what") == "test"] == [1.0, 2.0, 3.0]
    y = store.session(m["id"]).read_audio("mic")
    np.testing.assert_array_equal(y[:8000, 0], 0.5)
    store.close()
