"""Endpoints for recording: setups, devices, start/stop, markers, live status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from improv.web.deps import get_store
from improv.web.errors import NotFound
from sessions.store import Store

router = APIRouter(prefix="/api")

OPTION_KEYS = ("midi_api", "audio_api", "jack_server", "jack_midi_server")

#: The way to go ahead with a new code that reads like a name at Start
#: (:func:`improv.codes.name_like_refusal`): the Record page's answer to its question.
START_GO_AHEAD = 'start with "Use it anyway"'


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")
    midi_api: str | None = Field(None, max_length=64)
    audio_api: str | None = Field(None, max_length=64)
    jack_server: str | None = Field(None, max_length=128)
    jack_midi_server: str | None = Field(None, max_length=128)


class SetupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    players: list[str] = Field(min_length=1)
    percussion: list[str] = Field([], description="the specs of players that are drum kits")
    options: Options = Options()


class ArmBody(SetupBody):
    check: str = Field(description="the page's input check id (8-64 letters, digits, _ or -)")
    take_over: bool = Field(False, description="close another page's check of these inputs")


class StartBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client: str
    new_client: bool = Field(True, description="False: the client must exist already")
    title: str | None = Field(None, max_length=200)
    therapist: str | None = None
    setup: str | None = None
    players: list[str] = []
    percussion: list[str] = Field([], description="the specs of players that are drum kits")
    options: Options = Options()
    save_setup: str | None = None
    not_a_name: bool = Field(False, description="the new client or therapist code that reads "
                             "like a name is a pseudonym (the page's 'Use it anyway')")


class MarkerEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=2000)


class MarkerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field("", max_length=2000)
    kind: str = Field("marker", pattern="^(marker|note)$")
    t: float | None = Field(None, ge=0, description="session time [s]; now by default")


def _clean(options: Options) -> dict[str, Any]:
    return {k: v for k, v in options.model_dump().items() if v}


@router.get("/setups")
def list_setups(store: Store = Depends(get_store)) -> dict[str, Any]:
    from improv.capture.setups import load_setups

    return {"setups": load_setups(store.root)}


@router.put("/setups/{name}")
def put_setup(name: str, body: SetupBody, store: Store = Depends(get_store)) -> dict[str, Any]:
    from improv.capture.setups import (
        check_setup_name,
        mark_kit_specs,
        parse_player_spec,
        save_setup,
    )

    store.require_writable()
    check_setup_name(name)
    inputs = mark_kit_specs([parse_player_spec(p) for p in body.players], body.percussion)
    return {"name": name, "setup": save_setup(store.root, name, inputs=inputs,
                                              options=_clean(body.options))}


@router.delete("/setups/{name}")
def remove_setup(name: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    from improv.capture.setups import delete_setup
    from improv.errors import UnknownNameError

    store.require_writable()
    try:
        delete_setup(store.root, name)
    except UnknownNameError as exc:  # the resource itself is missing (naming one elsewhere: 400)
        raise NotFound(str(exc)) from None
    return {"deleted": name}


@router.get("/devices")
def devices(request: Request, jack_server: str | None = None,
            midi_api: str | None = None) -> dict[str, Any]:
    """Audio devices and MIDI ports to record from (as ``improv devices``), each with the
    ``label`` the page shows (:mod:`improv.capture.device_labels`); ``hidden``: audio devices
    left out as the same inputs twice.

    While a recording runs nothing is listed anew (the last lists are given): listing MIDI
    ports makes JACK clients, and that made the recording's audio drop out (measured: 10
    dropouts in 1.5 s).  While armed inputs have an audio stream open, the audio list is
    the last one too (listing anew re-initialises PortAudio, which closes the stream).
    The recording waits for a listing under way before it starts.
    """
    rec = request.app.state.recording
    with rec.portaudio() as state:
        if state == "recording":
            return {**rec.last_devices, "stale": True}
        from improv.capture.devices import quiet_native_stderr

        # ALSA and libjack print their probing complaints from C into the terminal where
        # improv serve runs; what failed is in "problems" instead
        with quiet_native_stderr(enabled=not logging.getLogger().isEnabledFor(logging.DEBUG)):
            out = _list_devices(jack_server=jack_server, midi_api=midi_api,
                                refresh_audio=state == "free")
        rec.last_devices = out
        return out


def _list_devices(*, jack_server: str | None, midi_api: str | None,
                  refresh_audio: bool) -> dict[str, Any]:
    from improv.capture.device_labels import (
        label_audio_devices,
        label_midi_ports,
        shown_audio_inputs,
    )
    from improv.capture.devices import init_portaudio, list_audio_devices, list_midi_ports

    out: dict[str, Any] = {"audio": [], "midi": [], "hidden": [], "problems": []}
    try:
        if refresh_audio:
            init_portaudio(jack_server_name=jack_server)
        found, hidden = shown_audio_inputs(list_audio_devices())
        out["audio"] = label_audio_devices(found)
        # the same inputs twice (ALSA's jack plug-in): a setup that names one still finds it
        out["hidden"] = [d.to_dict() for d in hidden]
        if jack_server and not any("jack" in d.hostapi.lower() for d in found):
            out["problems"].append(
                f"audio: no JACK server named {jack_server!r} answers (start it with "
                f"'jackd -n {jack_server} ...', or leave the server name empty for the default)")
    except Exception as exc:  # noqa: BLE001 - shown to the user
        out["problems"].append(f"audio: {exc}")
    try:
        out["midi"] = label_midi_ports(list_midi_ports(api=midi_api,
                                                       jack_server_name=jack_server))
    except Exception as exc:  # noqa: BLE001
        out["problems"].append(f"MIDI: {exc}")
    from improv.capture.sound_system import state

    # the desktop's sound system (PulseAudio): its own devices go when it stops, and the page
    # says to start it again rather than to plug them in
    out["sound_system"] = state()
    return out


@router.get("/recording")
def recording_status(request: Request) -> dict[str, Any]:
    return request.app.state.recording.status()


@router.post("/recording", status_code=201)
def start_recording(body: StartBody, request: Request,
                    store: Store = Depends(get_store)) -> dict[str, Any]:
    """Start recording with a saved setup and/or player specs (``client=midi:Keyboard``).

    A client or therapist code new to the store that reads like a person's name
    (:func:`improv.codes.refuse_name_like`, as ``improv record`` refuses it) is refused
    unless ``not_a_name``: the page asks first, and this is the rule for any request.
    A code the store knows is recorded as it is stored (``t01`` is ``T01``).
    """
    from improv.capture.setups import (
        check_codes,
        check_inputs,
        check_setup_name,
        mark_kit_specs,
        recording_inputs,
        save_setup,
    )
    from improv.codes import known_code, refuse_name_like, store_codes
    from improv.errors import ParameterError

    store.require_writable()
    check_codes(body.client, body.therapist)
    from sessions.manifest import check_title

    title = check_title(body.title)  # one line, no control characters (review 29)
    clients, therapists = store_codes(store)
    refuse_name_like(body.client, body.therapist, known_clients=clients,
                     known_therapists=therapists, not_a_name=body.not_a_name,
                     go_ahead=START_GO_AHEAD)
    client = _existing_client(store, body.client, new=body.new_client, known=clients)
    therapist = body.therapist and (known_code(body.therapist, therapists)
                                    or body.therapist.strip())
    inputs, opts = recording_inputs(store.root, setup=body.setup, players=body.players,
                                    options=_clean(body.options))
    if not inputs:
        raise ParameterError("choose a setup or give at least one player input")
    check_inputs(inputs)
    inputs = mark_kit_specs(inputs, body.percussion)
    if body.save_setup:  # saved once its devices are found (a refused start changes nothing)
        check_setup_name(body.save_setup)
    status = request.app.state.recording.start(
        client=client, therapist=therapist or None, inputs=inputs,
        title=title, setup_name=body.setup or body.save_setup, options=opts,
    )
    if body.save_setup:
        save_setup(store.root, body.save_setup, inputs=inputs, options=opts)
    return status


@router.post("/recording/marker", status_code=201)
def marker(body: MarkerBody, request: Request) -> dict[str, Any]:
    return request.app.state.recording.marker(text=body.text, kind=body.kind, t=body.t)


@router.post("/recording/stop")
def stop_recording(request: Request) -> dict[str, Any]:
    return request.app.state.recording.stop()


def _existing_client(store: Store, code: str, *, new: bool, known: list[str]) -> str:
    """The stored spelling of client ``code`` among the ``known`` codes (case-insensitive:
    ``k12`` is ``K12``); a code not stored yet only when ``new``."""
    from improv.codes import known_code
    from improv.errors import ParameterError

    code = code.strip()
    stored = known_code(code, known)
    if stored is not None:
        return stored
    if not new:
        raise ParameterError(f"there is no client {code!r} yet; choose an existing client or "
                             "create the new code on purpose", parameter="client")
    return code


@router.get("/recording/clients")
def clients(store: Store = Depends(get_store)) -> dict[str, Any]:
    """The client codes of the store, to choose from, and its therapist codes: a code the
    store has is not asked about as a name again (the page asks only about new codes, as
    Start refuses only those)."""
    from improv.codes import store_codes

    clients, therapists = store_codes(store)
    return {"clients": clients, "therapists": therapists}


@router.post("/recording/arm", status_code=201)
def arm(body: ArmBody, request: Request) -> dict[str, Any]:
    """Open the inputs for levels and activity before Start (recording nothing) as the input
    check ``check`` of one page; the rest of the body is a setup's (players and device
    options).  An input that another page's check holds is refused (409) unless
    ``take_over``."""
    from improv.capture.setups import check_inputs, parse_player_spec

    inputs = [parse_player_spec(p) for p in body.players]
    check_inputs(inputs)
    return request.app.state.recording.arm(check=body.check, inputs=inputs,
                                           options=_clean(body.options),
                                           take_over=body.take_over)


@router.get("/recording/arm")
def armed(request: Request, check: str) -> dict[str, Any]:
    """The levels and activity of the page's input check ``check``."""
    return request.app.state.recording.armed(check=check)


@router.delete("/recording/arm")
def disarm(request: Request, check: str) -> dict[str, Any]:
    """Close the page's input check ``check`` (the page left)."""
    request.app.state.recording.disarm(check=check)
    return {"armed": False}


@router.patch("/recording/marker/{annotation_id}")
def edit_marker(annotation_id: str, body: MarkerEdit, request: Request) -> dict[str, Any]:
    from improv.errors import UnknownNameError

    try:
        return request.app.state.recording.edit_marker(annotation_id, text=body.text)
    except UnknownNameError as exc:
        raise NotFound(str(exc)) from None
