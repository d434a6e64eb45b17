"""Devices as the Record page names and lists them: a label a therapist can read, and which
devices are left out because another entry is the same input.

The raw names stay what they are everywhere else: inputs are saved and matched by them
(:mod:`improv.capture.devices`), ``improv devices --json`` prints them, and the page shows
them on hover.  Labels are for the screen only.

Rules
-----
* A JACK MIDI port is ``client:port``.  A generic port name (``out``, ``midi_out``,
  ``capture_1`` ...) says nothing: the label is the client, ``Digital Piano (MIDI)``, with
  the port's number if it has one (``Drums (MIDI 2)``).  JACK's own ``system`` ports are the
  sound card's (``Sound card MIDI input 1 (system)``); a port bridged from ALSA by ``a2j``
  is named by its ALSA port.
* An ALSA MIDI port is ``client:port C:P``: the client numbers go, and the client too when
  the port's name begins with it (``Midi Through Port-0``).
* An audio device: JACK's ``system`` is ``Sound card inputs (system)``; ALSA's ``default``
  and ``pulse`` say what they are; ALSA's ``(hw:0,0)`` goes.
* Two devices that would read alike keep their raw names (a label must tell them apart).
* ALSA's ``jack`` device (the ALSA plug-in that routes into JACK) is hidden while the JACK
  host API lists its devices: it reaches the same JACK ports, so it would be the same inputs
  twice.  Without PortAudio's JACK host API it is the only way into JACK and stays.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

from improv.capture.devices import AudioDevice, MidiPort

__all__ = ["audio_device_label", "input_label", "label_audio_devices", "label_midi_ports",
           "midi_port_label", "plan_labels", "shown_audio_inputs"]

_GENERIC_PORT = re.compile(
    r"^(?:midi[ _-]?)?(?:out|output|in|input|capture|playback|port)(?:[ _-]?(\d+))?$", re.I)
_SYSTEM_PORT = re.compile(r"^(?:midi_)?(capture|playback)_(\d+)$")
_A2J = re.compile(r"^a2j:(.+?) \[\d+\] \((?:capture|playback)\): (.+)$")
_ALSA_NUMBERS = re.compile(r"\s+\d+:\d+$")
_ALSA_HW = re.compile(r"\s*\(hw:\d+,\d+\)$")
_JACK_HOSTAPI = "jack audio connection kit"


def _client_and_port(client: str, port: str) -> str:
    """``port`` alone if it begins with ``client``'s name, else both."""
    if port.lower().startswith(client.lower()):
        return port
    return f"{client}: {port}"


def midi_port_label(name: str, *, api: str) -> str:
    """The label of MIDI port ``name`` of rtmidi API ``api`` (``jack``, ``alsa`` ...).

    Examples
    --------
    >>> midi_port_label("Digital Piano:midi_out", api="jack")
    'Digital Piano (MIDI)'
    >>> midi_port_label("Midi Through:Midi Through Port-0 14:0", api="ALSA")
    'Midi Through Port-0'
    """
    api = api.lower()
    if "jack" in api:
        a2j = _A2J.match(name)
        if a2j:
            return _client_and_port(a2j.group(1), a2j.group(2))
        client, sep, port = name.partition(":")
        if not sep or not client or not port:
            return name
        system = _SYSTEM_PORT.match(port)
        if client == "system" and system:
            what = "input" if system.group(1) == "capture" else "output"
            return f"Sound card MIDI {what} {system.group(2)} (system)"
        generic = _GENERIC_PORT.match(port)
        if generic:
            return f"{client} (MIDI {generic.group(1)})" if generic.group(1) else f"{client} (MIDI)"
        return _client_and_port(client, port)
    if "alsa" in api:
        client, sep, port = _ALSA_NUMBERS.sub("", name).partition(":")
        if not sep or not client or not port:
            return name
        return _client_and_port(client, port)
    return name


def audio_device_label(name: str, *, hostapi: str) -> str:
    """The label of audio input device ``name`` of PortAudio host API ``hostapi``.

    Examples
    --------
    >>> audio_device_label("system", hostapi="JACK Audio Connection Kit")
    'Sound card inputs (system)'
    """
    h = hostapi.lower()
    if h == _JACK_HOSTAPI and name == "system":
        return "Sound card inputs (system)"
    if h == "alsa":
        if name == "default":
            return "The computer's default input (default)"
        if name == "pulse":
            return "PulseAudio sound server (pulse)"
        return _ALSA_HW.sub("", name) or name
    return name


def _distinct(names: Sequence[str], labels: list[str]) -> list[str]:
    """``labels``, with the raw name wherever two labels read alike."""
    count: dict[str, int] = {}
    for lab in labels:
        count[lab.lower()] = count.get(lab.lower(), 0) + 1
    return [lab if count[lab.lower()] == 1 else n for n, lab in zip(names, labels, strict=True)]


def shown_audio_inputs(devices: Iterable[AudioDevice]
                       ) -> tuple[list[AudioDevice], list[AudioDevice]]:
    """The audio input devices to list, and those left out as the same inputs twice.

    ALSA's ``jack`` plug-in device is left out while a device of the JACK host API is listed
    (see the module's rules).  Devices with no input channels are left out of both lists.

    Returns
    -------
    (shown, hidden) : list of AudioDevice, list of AudioDevice
    """
    inputs = [d for d in devices if d.input_channels > 0]
    if not any(d.hostapi.lower() == _JACK_HOSTAPI for d in inputs):
        return inputs, []
    plug = [d for d in inputs if d.hostapi.lower() == "alsa" and d.name.lower() == "jack"]
    return [d for d in inputs if d not in plug], plug


def label_audio_devices(devices: Sequence[AudioDevice]) -> list[dict[str, Any]]:
    """Each device as a dict (:meth:`AudioDevice.to_dict`) with its ``label``; a door into the
    desktop's sound server also has ``sound_server`` True and its ``channel_names`` in words
    (``left``, ``right``; see :mod:`improv.capture.server_source`)."""
    from improv.capture.server_source import channel_names, is_server_device

    labels = _distinct([d.name for d in devices],
                       [audio_device_label(d.name, hostapi=d.hostapi) for d in devices])
    out = []
    for d, lab in zip(devices, labels, strict=True):
        extra: dict[str, Any] = {}
        if is_server_device(d, listed=devices):
            extra = {"sound_server": True, "channel_names": channel_names(d.input_channels)}
        out.append({**d.to_dict(), "label": lab, **extra})
    return out


def label_midi_ports(ports: Sequence[MidiPort]) -> list[dict[str, Any]]:
    """Each port as a dict (:meth:`MidiPort.to_dict`) with its ``label`` (inputs and outputs
    are told apart among themselves)."""
    out: list[dict[str, Any]] = []
    for direction in ("input", "output"):
        mine = [p for p in ports if p.direction == direction]
        labels = _distinct([p.name for p in mine],
                           [midi_port_label(p.name, api=p.api) for p in mine])
        out += [{**p.to_dict(), "label": lab} for p, lab in zip(mine, labels, strict=True)]
    return out


def plan_labels(plan) -> dict[tuple[str, str], str]:
    """The devices of a plan (:class:`improv.capture.plan.Plan`) as the Record page names them:
    ``("midi", port name)`` and ``("audio", device name)`` -> label (two that would read alike
    keep their raw names)."""
    midi = [port.name for _, port in plan.midi]
    audio = list({ap.device.name: ap.device for ap in plan.audio}.values())
    midi_labels = _distinct(midi, [midi_port_label(n, api=str(plan.midi_api or ""))
                                   for n in midi])
    audio_labels = _distinct([d.name for d in audio],
                             [audio_device_label(d.name, hostapi=d.hostapi) for d in audio])
    return ({("midi", n): lab for n, lab in zip(midi, midi_labels, strict=True)}
            | {("audio", d.name): lab for d, lab in zip(audio, audio_labels, strict=True)})


def input_label(kind: str, label: str, *, channels=()) -> str:
    """One input as the Record page names it in its rows and messages: a MIDI port by its
    label (``(MIDI)`` added where the label does not say MIDI), an audio input by its
    device's label and channels (``mic ch 1,2``).

    Examples
    --------
    >>> input_label("midi", "kb1 (MIDI)")
    'kb1 (MIDI)'
    >>> input_label("audio", "Sound card inputs (system)", channels=[2])
    'Sound card inputs (system) ch 2'
    """
    if kind == "audio":
        return f"{label} ch {','.join(str(c) for c in sorted(channels))}"
    return label if "midi" in label.lower() else f"{label} (MIDI)"
