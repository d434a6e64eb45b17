"""Messages about inputs recorded or checked elsewhere name them as the Record page does
(:mod:`improv.capture.device_labels`), not by their raw port and device names; the locks stay
keyed by the raw names (a lock taken by an older improv still holds)."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from improv.capture.devices import AudioDevice, MidiPort
from improv.capture.inputlock import InputLocks, input_names
from improv.errors import DeviceError
from improv.web.recording import _claim_names
from tests.improv.test_record_panel import _HOLD

JACK = "JACK Audio Connection Kit"


def _plan(*, midi=(), audio=(), api="JACK"):
    """A resolved plan: MIDI ports by name; audio as (device name, host API, {player: chans})."""
    return SimpleNamespace(
        midi_api=api,
        midi=[(None, MidiPort(index=i, name=n, direction="input", api=api))
              for i, n in enumerate(midi)],
        audio=[SimpleNamespace(device=AudioDevice(index=i, name=n, hostapi=h, input_channels=2,
                                                  output_channels=0, default_samplerate=48e3),
                               players=players) for i, (n, h, players) in enumerate(audio)])


def test_lock_keys_stay_raw_and_labels_are_the_page_s():
    plan = _plan(midi=["Digital Piano:midi_out", "kb1:out"],
                 audio=[("system", JACK, {"therapist": (2,)})])
    assert input_names(plan) == [
        ("MIDI port 'Digital Piano:midi_out'", "Digital Piano (MIDI)"),
        ("MIDI port 'kb1:out'", "kb1 (MIDI)"),
        (f"audio channel 2 of 'system' ({JACK})", "Sound card inputs (system) ch 2"),
    ]
    # ALSA: the client numbers go, and a label that does not say MIDI gets it
    alsa = _plan(midi=["Roland:Roland Port 1 20:0"], api="ALSA")
    assert input_names(alsa) == [("MIDI port 'Roland:Roland Port 1'", "Roland Port 1 (MIDI)")]


def test_an_input_recorded_elsewhere_is_refused_by_its_label(tmp_path):
    """The lock is the raw name's (held here by another process as an older improv held it,
    by key alone); the refusal says the label."""
    plan = _plan(midi=["Digital Piano:midi_out"], audio=[("system", JACK, {"client": (1,)})])
    names = input_names(plan)
    other = subprocess.Popen([sys.executable, "-c", _HOLD, str(tmp_path), names[0][0]],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "held"
        with pytest.raises(DeviceError, match=r"^Digital Piano \(MIDI\) is being recorded "
                           r"already, in another improv window or a terminal "
                           rf"\(process {other.pid}\); stop that recording first, or choose "
                           "another input$"):
            InputLocks(tmp_path, names)
    finally:
        other.kill()
        other.wait(10)
    InputLocks(tmp_path, names).release()


def test_inputs_checked_elsewhere_are_named_by_their_labels():
    labels = {("midi", "Digital Piano:midi_out"): "Digital Piano (MIDI)",
              ("audio", "system"): "Sound card inputs (system)"}
    claims = {("midi", "Digital Piano:midi_out"), ("audio", "system", 2), ("audio", "system", 1),
              ("midi", "kb9:out")}
    assert _claim_names(claims, labels) == [
        "Digital Piano (MIDI)", "kb9:out (MIDI)", "Sound card inputs (system) ch 1,2"]
