"""Matching the player inputs of a recording to devices, before anything is recorded: a
wrong name, a channel the device does not have or two players on one channel fail before a
session exists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from improv.capture.devices import (
    DEFAULT_JACK_CLIENT,
    init_portaudio,
    list_audio_devices,
    list_midi_ports,
    match_audio_device,
    match_midi_port,
)
from improv.capture.setups import PlayerInput, check_inputs
from improv.errors import (
    AmbiguousDeviceError,
    DeviceError,
    ImprovError,
    NoDevicesError,
    ParameterError,
)


@dataclass
class AudioPlan:
    device: Any
    channels: int
    players: dict[str, list[int]] = field(default_factory=dict)
    name: str = ""
    inputs: list[PlayerInput] = field(default_factory=list)  # the inputs on this device


@dataclass
class Plan:
    """Inputs resolved to devices."""

    midi: list = field(default_factory=list)  # (PlayerInput, MidiPort)
    audio: list[AudioPlan] = field(default_factory=list)
    midi_api: str | None = None


def resolve_inputs(inputs: list[PlayerInput], *, midi_api: str | None = None,
                   audio_api: str | None = None, jack_server: str | None = None,
                   jack_midi_server: str | None = None,
                   jack_client_name: str = DEFAULT_JACK_CLIENT) -> Plan:
    """Match every player input to a device.

    Raises
    ------
    ParameterError, DeviceError, AmbiguousDeviceError, NoDevicesError
        Before anything is recorded.
    """
    check_inputs(inputs)
    plan = Plan()
    midi_inputs = [i for i in inputs if i.kind == "midi"]
    if midi_inputs:
        ports = list_midi_ports(api=midi_api, jack_server_name=jack_midi_server or jack_server)
        plan.midi_api = ports[0].api if ports else None
        if plan.midi_api is None:
            from improv.capture.devices import open_midi_in

            m, plan.midi_api = open_midi_in(api=midi_api,
                                            jack_server_name=jack_midi_server or jack_server)
            m.delete()
        used: dict[str, str] = {}
        for i in midi_inputs:
            port = match_player_port(i, ports=ports)
            if port.name in used:
                raise ParameterError(
                    f"player input {i.spec!r} and {used[port.name]!r} both name MIDI port "
                    f"{port.name!r}", parameter="player")
            used[port.name] = i.spec
            plan.midi.append((i, port))
    audio_inputs = [i for i in inputs if i.kind == "audio"]
    if audio_inputs:
        init_portaudio(jack_server_name=jack_server, jack_client_name=f"{jack_client_name}-audio")
        devices = list_audio_devices()
        by_index: dict[int, AudioPlan] = {}
        for i in audio_inputs:
            dev = match_player_device(i, devices=devices, hostapi=audio_api)
            top = max(i.channels)
            ap = by_index.setdefault(dev.index, AudioPlan(device=dev, channels=0))
            ap.channels = max(ap.channels, top)
            have = {c for cs in ap.players.values() for c in cs}
            clash = sorted(have & set(i.channels))
            if clash:
                raise ParameterError(
                    f"player input {i.spec!r}: channel(s) {clash} of {dev.name!r} already "
                    "belong to another player", parameter="player")
            ap.players.setdefault(i.player, []).extend(i.channels)
            ap.inputs.append(i)
        names: set[str] = set()
        for ap in by_index.values():
            base = "".join(c if c.isalnum() else "-" for c in ap.device.name).strip("-")[:32]
            name = base or "audio"
            if name in names:
                name = f"{name}-{ap.device.index}"
            names.add(name)
            ap.name = name
            plan.audio.append(ap)
    return plan


def match_player_port(i: PlayerInput, *, ports) -> Any:
    """The MIDI input port of player input ``i``.

    Raises
    ------
    DeviceError, NoDevicesError, AmbiguousDeviceError
        Naming the player and the port pattern, and listing the MIDI input ports there are.
    """
    try:
        return match_midi_port(i.device, ports=ports)
    except AmbiguousDeviceError as exc:
        raise AmbiguousDeviceError(f"player {i.player!r}: {exc}") from None
    except DeviceError as exc:
        there = [f"[{p.index}] {p.name}" for p in ports if p.direction == "input"]
        listed = ("the MIDI input ports there are: " + "; ".join(there) if there else
                  "there are no MIDI input ports (is the instrument connected and on, and "
                  "the MIDI API or JACK server the right one?)")
        raise type(exc)(f"no MIDI input port found for player {i.player!r} matching "
                        f"{i.device!r}; {listed}") from None


def match_player_device(i: PlayerInput, *, devices, hostapi: str | None = None) -> Any:
    """The audio input device of player input ``i``, with every channel it names.

    Raises
    ------
    DeviceError, NoDevicesError, AmbiguousDeviceError, ParameterError
        With no audio input device at all: naming the player and the device pattern, and
        what to check.
    """
    try:
        dev = match_audio_device(i.device, devices=devices, hostapi=hostapi)
    except NoDevicesError as exc:
        raise NoDevicesError(
            f"{exc} for player {i.player!r} matching {i.device!r}: connect the audio interface or "
            "microphone, switch it on and try again, or choose the audio API or JACK server "
            "it is on") from None
    top = max(i.channels)
    if top > dev.input_channels:
        raise ParameterError(
            f"player input {i.spec!r}: device {dev.name!r} has {dev.input_channels} "
            f"input channels, channel {top} asked for", parameter="player")
    return dev


def unavailable_inputs(inputs: list[PlayerInput], *, midi_api: str | None = None,
                       audio_api: str | None = None, jack_server: str | None = None,
                       jack_midi_server: str | None = None) -> list[str]:
    """Why each input that cannot be found now would fail (for a warning when a setup is
    saved); empty when every input is there.  Listing errors become one line each."""
    from improv.capture.devices import quiet_native_stderr

    out: list[str] = []
    midi = [i for i in inputs if i.kind == "midi"]
    audio = [i for i in inputs if i.kind == "audio"]
    with quiet_native_stderr():
        if midi:
            try:
                ports = list_midi_ports(api=midi_api,
                                        jack_server_name=jack_midi_server or jack_server)
            except ImprovError as exc:
                out.append(f"the MIDI ports could not be listed: {exc}")
            else:
                out += _failures(lambda i: match_player_port(i, ports=ports), midi)
        if audio:
            try:
                init_portaudio(jack_server_name=jack_server)
                devices = list_audio_devices()
            except ImprovError as exc:
                out.append(f"the audio devices could not be listed: {exc}")
            else:
                out += _failures(lambda i: match_player_device(i, devices=devices,
                                                               hostapi=audio_api), audio)
    return out


def _failures(match, inputs: list[PlayerInput]) -> list[str]:
    out = []
    for i in inputs:
        try:
            match(i)
        except ImprovError as exc:
            out.append(f"{i.spec}: {exc}")
    return out
