"""A private PulseAudio server with a null sink, for capture tests through PortAudio's ALSA
``pulse`` device (the path of a machine whose sound goes through PulseAudio or PipeWire).

The server listens on its own socket in a temporary folder; clients of this process and its
children reach it through ``PULSE_SERVER``, so a user's own sound server is never touched.
It can be killed and started again on the same socket, which is what a sound device that is
unplugged and plugged back looks like to PortAudio.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from tests.rig.jackrig import _die_with_parent, stop_process, wait_for

SINK = "vsink"


def pulseaudio_path() -> str | None:
    return shutil.which("pulseaudio")


class PulseServer:
    """``pulseaudio`` with only a native-protocol socket and a null sink :data:`SINK`.

    Parameters
    ----------
    folder : Path
        Socket, runtime files and ``pulse.log`` go here.
    rate : int [Hz]
    """

    def __init__(self, folder: Path, *, rate: int = 48000) -> None:
        self.folder = Path(folder)
        self.rate = int(rate)
        self.socket = self.folder / "native"
        self.proc: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        """Environment for a client of this server (libpulse reads ``PULSE_SERVER``)."""
        return {**os.environ, "PULSE_SERVER": f"unix:{self.socket}",
                "PULSE_RUNTIME_PATH": str(self.folder / "runtime")}

    def start(self) -> "PulseServer":
        exe = pulseaudio_path()
        if exe is None:
            raise RuntimeError("pulseaudio not installed (apt-get install pulseaudio)")
        (self.folder / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket.unlink(missing_ok=True)
        log = open(self.folder / "pulse.log", "ab")
        self.proc = subprocess.Popen(
            [exe, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
             "--disallow-module-loading=no", "-L",
             f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
             "-L", f"module-null-sink sink_name={SINK} rate={self.rate} channels=2"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        log.close()
        try:
            wait_for(self._ready, timeout=15, interval=0.05, what="PulseAudio")
        except TimeoutError:
            self.stop()
            log_text = (self.folder / "pulse.log").read_text()
            raise RuntimeError(f"pulseaudio did not start: {log_text}") from None
        return self

    def _ready(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"pulseaudio exited: {(self.folder / 'pulse.log').read_text()}")
        r = subprocess.run(["pactl", "list", "short", "sinks"], env=self.env,
                           capture_output=True, text=True)
        return r.returncode == 0 and SINK in r.stdout

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as if the device were pulled out."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def play(self, path: Path) -> subprocess.Popen:
        """Play a WAV file into the null sink (``paplay``), in the background."""
        return subprocess.Popen(["paplay", "-d", SINK, str(path)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent)


def pulse_for_test(folder: Path, monkeypatch, *, rate: int = 48000):
    """A fixture's body: a PulseServer at ``rate`` [Hz] in ``folder``, this process's
    PulseAudio clients pointed at it (``PULSE_SERVER``, ``PULSE_RUNTIME_PATH``) and no JACK
    server started by PortAudio; stopped after the test. Use as ``yield from
    pulse_for_test(tmp_path / "pulse", monkeypatch, rate=...)``."""
    server = PulseServer(folder, rate=rate).start()
    for k in ("PULSE_SERVER", "PULSE_RUNTIME_PATH"):
        monkeypatch.setenv(k, server.env[k])
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    try:
        yield server
    finally:
        server.stop()
