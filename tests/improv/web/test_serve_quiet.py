"""Bug 9: ``improv serve`` printed ALSA's and libjack's probing complaints (``open
/dev/snd/seq failed``, ``Cannot connect to server socket``) into the therapist's terminal on
every device listing. They are silenced; our own lines still come through."""

from __future__ import annotations

import subprocess
import sys

from tests.improv.conftest import REPO

NOISE = ("ALSA lib", "/dev/snd/seq", "Cannot connect to server", "jack server is not running",
         "JackShmReadWritePtr")


def test_device_listing_prints_no_library_noise(live_server, store_path):
    import json
    import os
    import time
    import urllib.request

    env = {**os.environ, "IMPROV_MIDI_API": "auto"}  # probe every MIDI system, as at a practice
    srv = live_server(store_path, env=env)
    answer = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{srv.base}/api/devices", headers={"X-Improv-Request": "1",
                                            "X-Improv-Token": srv.token})).read())
    time.sleep(0.5)  # let the server's stderr be drained
    printed = "".join(srv.stderr)
    assert not [n for n in NOISE if n in printed], printed
    if not answer["midi"]:  # what failed is said in the answer instead
        assert any(p.startswith("MIDI: ") for p in answer["problems"]), answer


def test_quieting_keeps_our_own_lines():
    """Lines of our own written to fd 2 inside the quiet block still reach stderr (after it);
    the libraries' noise does not."""
    code = ("import os\n"
            "from improv.capture.devices import quiet_native_stderr\n"
            "with quiet_native_stderr():\n"
            "    os.write(2, b'ALSA lib seq_hw.c:466: open /dev/snd/seq failed\\n')\n"
            "    os.write(2, b'error: our own message\\n')\n"
            "    os.write(2, b'Cannot connect to server socket err = No such file\\n')\n"
            "os.write(2, b'after\\n')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "error: our own message\nafter\n"
