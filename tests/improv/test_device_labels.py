"""Devices as the Record page names and lists them (pure logic on device lists); the same
through a JACK server (dummy driver) and the web API in
``tests/improv/web/test_api_device_labels.py``."""

from __future__ import annotations

import pytest

from improv.capture.device_labels import (
    audio_device_label,
    label_audio_devices,
    label_midi_ports,
    midi_port_label,
    shown_audio_inputs,
)
from improv.capture.devices import AudioDevice, MidiPort

JACK = "JACK Audio Connection Kit"


@pytest.mark.parametrize(("name", "api", "label"), [
    ("Digital Piano:midi_out", "jack", "Digital Piano (MIDI)"),
    ("kb1:out", "jack", "kb1 (MIDI)"),
    ("Drums:midi_out_2", "jack", "Drums (MIDI 2)"),
    ("system:midi_capture_1", "jack", "Sound card MIDI input 1 (system)"),
    ("Pianoteq:Pianoteq MIDI", "jack", "Pianoteq MIDI"),          # a named port: as it is
    ("Looper:loop out", "jack", "Looper: loop out"),
    ("a2j:Digital Piano [20] (capture): Digital Piano MIDI 1", "jack", "Digital Piano MIDI 1"),
    ("Midi Through:Midi Through Port-0 14:0", "alsa", "Midi Through Port-0"),
    ("USB Keystation:Keystation 61 MIDI 1 20:0", "alsa", "USB Keystation: Keystation 61 MIDI 1"),
    ("no colon", "jack", "no colon"),
    (":odd", "jack", ":odd"),
    ("IAC Bus 1", "coremidi", "IAC Bus 1"),
])
def test_midi_port_labels(name, api, label):
    assert midi_port_label(name, api=api) == label


@pytest.mark.parametrize(("name", "hostapi", "label"), [
    ("system", JACK, "Sound card inputs (system)"),
    ("mic", JACK, "mic"),
    ("system", "ALSA", "system"),  # only JACK's system is the sound card's ports
    ("default", "ALSA", "The computer's default input (default)"),
    ("pulse", "ALSA", "PulseAudio sound server (pulse)"),
    ("Scarlett 2i2 USB: Audio (hw:1,0)", "ALSA", "Scarlett 2i2 USB: Audio"),
    ("Built-in Microphone", "Core Audio", "Built-in Microphone"),
])
def test_audio_device_labels(name, hostapi, label):
    assert audio_device_label(name, hostapi=hostapi) == label


def test_two_devices_that_would_read_alike_keep_their_raw_names():
    ports = [MidiPort(0, "kb:out", "input", "jack"), MidiPort(1, "kb:midi_out", "input", "jack"),
             MidiPort(2, "Pads:out", "input", "jack"), MidiPort(0, "kb:in", "output", "jack")]
    assert [(p["name"], p["label"]) for p in label_midi_ports(ports)] == [
        ("kb:out", "kb:out"), ("kb:midi_out", "kb:midi_out"), ("Pads:out", "Pads (MIDI)"),
        ("kb:in", "kb (MIDI)")]  # an output is told apart from outputs only
    devs = [AudioDevice(0, "Mic (hw:1,0)", "ALSA", 2, 0, 48000.0),
            AudioDevice(1, "Mic (hw:2,0)", "ALSA", 2, 0, 48000.0)]
    assert [d["label"] for d in label_audio_devices(devs)] == ["Mic (hw:1,0)", "Mic (hw:2,0)"]
    # the raw fields stay as they were
    assert label_audio_devices(devs[:1]) == [{**devs[0].to_dict(), "label": "Mic"}]


def test_alsas_jack_plugin_is_hidden_where_jack_lists_its_devices():
    plug = AudioDevice(0, "jack", "ALSA", 2, 2, 48000.0)
    system = AudioDevice(1, "system", JACK, 2, 2, 48000.0)
    usb = AudioDevice(2, "Scarlett 2i2 USB: Audio (hw:1,0)", "ALSA", 2, 2, 48000.0)
    hdmi = AudioDevice(3, "HDMI 0", "ALSA", 0, 8, 48000.0)
    assert shown_audio_inputs([plug, system, usb, hdmi]) == ([system, usb], [plug])
    # without PortAudio's JACK host API the plug-in is the only way into JACK: it stays
    assert shown_audio_inputs([plug, usb, hdmi]) == ([plug, usb], [])
    # a JACK device with no inputs lists no JACK input: the plug-in stays
    assert shown_audio_inputs([plug, AudioDevice(1, "system", JACK, 0, 2, 48000.0)]) == (
        [plug], [])
    # a device of another host API that happens to be called jack is not the plug-in
    other = AudioDevice(4, "jack", "PulseAudio", 2, 0, 48000.0)
    assert shown_audio_inputs([other, system]) == ([other, system], [])
