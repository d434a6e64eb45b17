"""The JACK watch's client is left alone once its server is gone.

libjack's ``jack_deactivate`` / ``jack_client_close`` on it blocked the recorder's stop for good
in about one server stop in eight; the stop itself runs through a real server in
test_record_faults.py (``test_jack_server_that_stops_ends_the_recording_and_keeps_what_came_
before``), where the hang was found. Here the two paths of ``close`` on a stand-in client.
"""

from __future__ import annotations


def _watch(*, server_gone_at):
    import jack

    from improv.capture import jack_watch

    calls = []
    watch = object.__new__(jack_watch.JackSourceWatch)  # no server needed for the close
    watch._jack, watch._closed, watch.server_gone_at = jack, False, server_gone_at
    watch.client = type("Client", (), {
        "_ptr": "a client", "deactivate": lambda self: calls.append("deactivate"),
        "close": lambda self: calls.append("close")})()
    return watch, calls


def test_jack_watch_leaves_a_client_whose_server_is_gone_untouched():
    """libjack's deactivate or close on it blocked the whole process (not only the thread)."""
    import jack

    watch, calls = _watch(server_gone_at=2.5)
    watch.close()
    assert calls == [] and watch.client._ptr == jack._ffi.NULL  # nor closed when collected


def test_jack_watch_leaves_a_live_server_once():
    watch, calls = _watch(server_gone_at=None)
    watch.close()
    watch.close()
    assert calls == ["deactivate", "close"]


QUIET = """
import logging, sys
if sys.argv[1] == "debug":
    logging.basicConfig(level=logging.DEBUG)
from improv.capture.jack_watch import quiet_libjack
quiet_libjack()
import jack
try:
    jack.Client("probe", no_start_server=True, servername="improv-no-such-server")
except jack.JackOpenError:
    print("refused")
"""


def test_libjack_messages_silenced_without_python_and_raw_with_debug():
    """libjack's complaints about a missing server go nowhere, and reach stderr with --debug.

    (That the function taking them is C's, not Python's, is what keeps the recorder from
    freezing when libjack cancels the thread calling it: the server-stop test through a real
    JACK server in test_record_faults.py.)"""
    import subprocess
    import sys

    from tests.improv.conftest import REPO

    def run(mode):
        return subprocess.run([sys.executable, "-c", QUIET, mode], capture_output=True,
                              text=True, cwd=REPO, timeout=60)

    quiet, debug = run("quiet"), run("debug")
    assert quiet.stdout.strip() == debug.stdout.strip() == "refused"
    assert "Cannot connect to server" not in quiet.stderr, quiet.stderr
    assert "Cannot connect to server" in debug.stderr
