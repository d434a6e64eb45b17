"""The desktop's sound server through a real PulseAudio server (tests/rig/pulserig.py): its ALSA
devices have the channels and rate of the server's default source, not PortAudio's 32 channels
at 44.1 kHz; and when the server goes away mid-recording, PortAudio's and ALSA's C lines stay
out of ``improv record``'s terminal."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from improv.capture.devices import AudioDevice
from sessions.store import Store
from tests.improv.conftest import REPO
from tests.rig.jackrig import wait_for
from tests.rig.pulserig import pulse_for_test, pulseaudio_path

needs_pulse = pytest.mark.skipif(pulseaudio_path() is None,
                                 reason="pulseaudio not installed (apt-get install pulseaudio)")


@pytest.fixture
def pulse(tmp_path, monkeypatch):
    # 32 kHz: neither PortAudio's 44.1 kHz nor the usual 48 kHz, so the rate is the server's
    yield from pulse_for_test(tmp_path / "pulse", monkeypatch, rate=32000)


def _alsa(name: str, channels: int = 32) -> AudioDevice:
    return AudioDevice(index=0, name=name, hostapi="ALSA", input_channels=channels,
                       output_channels=channels, default_samplerate=44100.0)


@pytest.mark.pulse
@needs_pulse
def test_the_servers_devices_have_its_default_sources_channels_and_rate(pulse):
    from improv.capture.device_labels import label_audio_devices
    from improv.capture.devices import list_audio_devices
    from improv.capture.server_source import ServerSource, default_source

    assert default_source() == ServerSource("vsink.monitor", 2, 32000)
    devices = {d.name: d for d in list_audio_devices(refresh=True) if d.hostapi == "ALSA"}
    for name in ("pulse", "default"):  # PortAudio says 32 channels at 44100 Hz for both
        assert devices[name].input_channels == 2
        assert devices[name].default_samplerate == 32000.0
    labelled = {d["name"]: d for d in label_audio_devices(list(devices.values()))}
    assert labelled["pulse"]["sound_server"] is True
    assert labelled["pulse"]["channel_names"] == ["left", "right"]


def test_without_an_answer_from_the_server_two_channels_at_portaudios_rate(monkeypatch):
    from improv.capture import server_source
    from improv.capture.device_labels import label_audio_devices

    monkeypatch.setattr(server_source, "_pactl", lambda *args: None)  # no pactl, or no server
    hw = AudioDevice(index=3, name="Scarlett 4i4 (hw:1,0)", hostapi="ALSA", input_channels=4,
                     output_channels=4, default_samplerate=48000.0)
    out = {d.name: d for d in server_source.with_server_source(
        [_alsa("pulse"), _alsa("default"), hw])}
    assert out["pulse"].input_channels == 2 and out["default"].input_channels == 2
    assert out["pulse"].default_samplerate == 44100.0  # not known: left as PortAudio says
    assert out["Scarlett 4i4 (hw:1,0)"] == hw  # a sound card keeps its own inputs
    # ALSA's default without a sound server is the sound card's: left alone
    assert server_source.with_server_source([_alsa("default")]) == [_alsa("default")]
    assert "sound_server" not in label_audio_devices([_alsa("default")])[0]
    assert [d.get("channel_names") for d in label_audio_devices([_alsa("pulse", 1), hw])] == [
        ["mono"], None]


def test_a_lost_input_is_said_as_an_attempt_to_find_it():
    from improv.cli.record import event_words

    words = event_words({"kind": "audio_reinit", "t": 12.0, "devices": 2})
    assert words == "improv looked for the lost audio inputs again at 0:12.0"


def _tone(path, *, seconds: float, sr: int) -> None:
    t = np.arange(int(seconds * sr)) / sr
    x = (0.25 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    sf.write(path, np.stack([x, x], axis=1), sr)


@pytest.mark.pulse
@needs_pulse
def test_the_server_gone_mid_recording_prints_no_c_library_lines(pulse, tmp_path):
    """A real ``improv record`` whose sound server is killed at 3 s and started again 7 s
    later: before, its stderr had 15 lines from PortAudio and ALSA ("Expression
    'alsa_snd_pcm_poll_descriptors_revents(...)' failed in 'src/hostapi/alsa/pa_linux_alsa.c'",
    "ALSA lib pulse.c:242:(pulse_connect) PulseAudio: Unable to connect")."""
    wav = tmp_path / "tone.wav"
    _tone(wav, seconds=40.0, sr=32000)
    player = pulse.play(wav)
    store = tmp_path / "store"
    p = subprocess.Popen(
        [sys.executable, "-m", "improv", "--store", str(store), "record", "--client", "C07",
         "--new-client", "--player", "client=audio:pulse:1", "--audio-api", "ALSA",
         "--duration", "18", "--no-display"],
        cwd=REPO, env={**pulse.env, "JACK_NO_START_SERVER": "1"}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(p.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(line.startswith("recording 1 input") for line in lines),
                 timeout=30, what="the recording to start")
        time.sleep(3.0)
        pulse.kill()
        player.kill()
        time.sleep(7.0)  # two reopens fail, then PortAudio is initialised anew (audio_reinit),
        # which does not find the device yet: it is found at the next one, after the stop
        pulse.start()
        player = pulse.play(wav)
        out = p.stdout.read()
        p.wait(90)
        reader.join(10)
    finally:
        if p.poll() is None:
            p.kill()
        player.kill()
    err = "".join(lines)
    assert p.returncode == 0, err
    assert "Expression '" not in err and "ALSA lib" not in err, err
    assert "pa_linux_alsa.c" not in err
    # improv's own lines are all there
    assert "at 0:0" in err and "the recording goes on and picks it up" in err, err
    assert "stopped after 0:18" in err, err
    assert "the audio inputs were opened again" not in out
    assert "improv looked for the lost audio inputs again at" in out, out
    (sid,) = Store(store).session_ids()
    (a,) = Store(store).session(sid).manifest["audio"]
    assert a["sr"] == 32000 and a["channels"] == 1  # the server's rate, not PortAudio's 44.1 kHz


CHECK = r"""
import sys, time
from improv.capture.c_stderr import routed
from improv.capture.monitor import InputMonitor
from improv.capture.setups import parse_player_spec
mon = InputMonitor(inputs=[parse_player_spec("client=audio:pulse:1")], audio_api="ALSA").start()
assert routed()
print("checking", flush=True)
sys.stdin.readline()  # the server is killed meanwhile
time.sleep(2.0)  # PortAudio's audio thread has seen it go
mon.close()
assert not routed()
print("closed", file=sys.stderr, flush=True)
"""


@pytest.mark.pulse
@needs_pulse
def test_the_server_gone_while_the_inputs_are_checked_prints_no_c_library_lines(pulse):
    """The Record page's input check (before Start) whose sound server stops: PortAudio's
    lines as the stream dies went into the terminal of ``improv serve`` before."""
    p = subprocess.Popen([sys.executable, "-c", CHECK], cwd=REPO, env=pulse.env, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == "checking\n"
        time.sleep(0.5)
        pulse.kill()
        out, err = p.communicate("\n", timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert "Expression '" not in err and "ALSA lib" not in err, err
    assert err.endswith("closed\n")
