"""Players in a process of their own, for tests in which the JACK server goes away.

A python-jack client whose server died crashes the garbage collector of the process that holds
it, so players that must outlive their server cannot live in the test process. Run as
``python -m tests.rig.players_process SERVER`` (the repository root as working directory): it
starts a MIDI player ``kb1`` (a note every 50 ms, :func:`notes`) and an audio player ``mic``
(a click every 100 ms), prints ``ready``, waits for a line on standard input, starts both on
the same frame, prints ``playing`` and then waits to be killed.
"""

from __future__ import annotations

import sys
import time

from tests.rig.jackrig import AudioPlayer, JackServer, MidiPlayer, click_train

SR = 48000


def notes(n: int = 400) -> list[tuple[float, bytes]]:
    """The MIDI player's schedule: a note-on every 50 ms, pitch and velocity cycling."""
    return [(0.05 * i, bytes([0x90, 60 + i % 24, 1 + i % 127])) for i in range(n)]


def main(server_name: str) -> None:
    server = JackServer(name=server_name)  # not started here: only its name is used
    kb = MidiPlayer(server, name="kb1", events=notes())
    clicks, _ = click_train(sr=SR, interval_s=0.1, count=200)
    mic = AudioPlayer(server, name="mic", signals=[clicks])
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    mic.start_frame = kb.start(delay_s=0.1)
    sys.stdout.write("playing\n")
    sys.stdout.flush()
    while True:
        time.sleep(1.0)


if __name__ == "__main__":
    main(sys.argv[1])
