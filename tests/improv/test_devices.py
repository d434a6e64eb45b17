"""Device matching (pure logic on device lists)."""

from __future__ import annotations

import pytest

from improv.capture.devices import (
    AudioDevice,
    MidiPort,
    match_audio_device,
    match_midi_port,
    same_port_name,
)
from improv.errors import AmbiguousDeviceError, DeviceError, NoDevicesError

AUDIO = [
    AudioDevice(0, "jack", "ALSA", 2, 2, 48000.0),
    AudioDevice(1, "Scarlett 2i2 USB: Audio (hw:1,0)", "ALSA", 2, 2, 48000.0),
    AudioDevice(2, "HDMI 0", "ALSA", 0, 8, 48000.0),
    AudioDevice(3, "system", "JACK Audio Connection Kit", 2, 2, 48000.0),
    AudioDevice(4, "Scarlett 18i20", "ALSA", 18, 20, 48000.0),
]
MIDI = [
    MidiPort(0, "kb1:out", "input", "jack"),
    MidiPort(1, "kb2:out", "input", "jack"),
    MidiPort(2, "Pads:out", "input", "jack"),
    MidiPort(0, "Synth:in", "output", "jack"),
]


def test_audio_by_index_and_substring():
    assert match_audio_device(3, devices=AUDIO).name == "system"
    assert match_audio_device("3", devices=AUDIO).name == "system"
    assert match_audio_device("2I2", devices=AUDIO).index == 1
    # TESTRIG: the name "jack" finds ALSA's jack plug-in; select JACK by host API
    assert match_audio_device("jack", devices=AUDIO).hostapi == "ALSA"
    assert match_audio_device("sys", devices=AUDIO, hostapi="jack").index == 3


def test_audio_ambiguous_lists_candidates():
    with pytest.raises(AmbiguousDeviceError,
                       match=r"matches 2: \[1\] Scarlett 2i2.*\[4\] Scarlett 18i20"):
        match_audio_device("scarlett", devices=AUDIO)


def test_audio_unknown_lists_inputs_only():
    with pytest.raises(DeviceError, match="no audio input device matches 'Focusrite'") as e:
        match_audio_device("Focusrite", devices=AUDIO)
    assert "system" in str(e.value) and "HDMI" not in str(e.value)  # HDMI has no inputs
    with pytest.raises(DeviceError, match="no audio input device with index 2"):
        match_audio_device(2, devices=AUDIO)


def test_audio_hostapi_filter_and_empty():
    with pytest.raises(NoDevicesError, match="host API 'CoreAudio'"):
        match_audio_device("system", devices=AUDIO, hostapi="CoreAudio")
    with pytest.raises(NoDevicesError):
        match_audio_device("x", devices=[])


def test_midi_matching():
    assert match_midi_port("PADS", ports=MIDI).name == "Pads:out"
    assert match_midi_port(1, ports=MIDI).name == "kb2:out"
    with pytest.raises(AmbiguousDeviceError, match=r"'kb' matches 2: \[0\] kb1:out; \[1\] kb2:out"):
        match_midi_port("kb", ports=MIDI)
    with pytest.raises(DeviceError, match="no MIDI input port matches 'Synth'"):
        match_midi_port("Synth", ports=MIDI)  # an output, not an input


def test_exact_name_wins_over_substring():
    ports = [MidiPort(0, "Piano", "input", "alsa"), MidiPort(1, "Piano 2", "input", "alsa")]
    assert match_midi_port("piano", ports=ports).index == 0


def test_same_port_name_ignores_alsa_client_numbers():
    assert same_port_name("Keyboard:Keyboard MIDI 1 20:0", "Keyboard:Keyboard MIDI 1 24:0")
    assert not same_port_name("kb1:out", "kb2:out")


def test_no_reinitialisation_while_a_dead_servers_stream_is_open(monkeypatch):
    """A stream left behind when its JACK server died would make Pa_Terminate wait for ever:
    re-initialising PortAudio (to list devices, to record again) is refused with a way out."""
    from improv.capture import devices
    from improv.errors import NoDevicesError

    monkeypatch.setattr(devices, "ABANDONED_STREAMS", [object()])
    with pytest.raises(NoDevicesError) as err:
        devices.init_portaudio()
    # the Record page shows it as it is (review 36: it hid under "Details", in technical words)
    assert str(err.value) == (
        "Audio inputs cannot be used until improv is restarted: the audio system (JACK) "
        "stopped, or stopped answering, during a recording. Close improv and start it again "
        "(with JACK running); your recordings are kept.")
