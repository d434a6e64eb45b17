"""Audio devices (PortAudio via sounddevice) and MIDI ports (python-rtmidi).

Listing and matching only; capture lives in :mod:`improv.capture.audio` and
:mod:`improv.capture.midi`.  A device is named by its index or by a
case-insensitive substring of its name; a name that fits several devices
raises :class:`~improv.errors.AmbiguousDeviceError` listing them, an unknown
name raises :class:`~improv.errors.DeviceError` listing what exists.

JACK
----
PortAudio reaches JACK through its ``JACK Audio Connection Kit`` host API and
reads ``JACK_DEFAULT_SERVER`` when it initialises; python-rtmidi's JACK API
reads it when a client is created.  :func:`jack_server` sets it for a block
of code so that audio and MIDI may use different servers (e.g. a MIDI server
with a small period).  Select JACK audio by host API (``audio_api="JACK"``):
``sounddevice.query_devices("JACK")`` would match ALSA's ``jack`` plug-in
device instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import threading
from dataclasses import asdict, dataclass
from typing import Iterator, Sequence

from improv.errors import AmbiguousDeviceError, DeviceError, NoDevicesError, ParameterError

MIDI_API_ENV = "IMPROV_MIDI_API"
MIDI_API_NAMES = ("alsa", "jack", "coremidi", "winmm")
#: How "no MIDI system available" says to try another MIDI API (the command line adds its
#: option to it, the web app its field).
CHOOSE_MIDI_API = "choose another MIDI API"
DEFAULT_JACK_CLIENT = "improv"
#: PortAudio host APIs (an audio API option matches a part of one of their names).
AUDIO_API_NAMES = ("ALSA", "JACK Audio Connection Kit", "PulseAudio", "OSS", "Core Audio",
                   "MME", "Windows DirectSound", "Windows WASAPI", "Windows WDM-KS", "ASIO")


def check_api_names(*, midi_api: str | None = None, audio_api: str | None = None) -> None:
    """Refuse a MIDI or audio API name that no system has (a typo in a saved setup would
    only show at the next recording)."""
    if midi_api and midi_api.strip().lower() not in (*MIDI_API_NAMES, "auto"):
        raise ParameterError(
            f"MIDI API must be one of {', '.join(MIDI_API_NAMES)} or auto, got {midi_api!r}")
    if audio_api and not any(audio_api.strip().lower() in n.lower() for n in AUDIO_API_NAMES):
        raise ParameterError(
            f"audio API must name a PortAudio host API ({', '.join(AUDIO_API_NAMES)}), "
            f"got {audio_api!r}")


@dataclass(frozen=True)
class AudioDevice:
    """One PortAudio device.

    Attributes
    ----------
    index : int
        PortAudio device index (valid until PortAudio is re-initialised).
    name : str
    hostapi : str
        Host API name, e.g. ``ALSA`` or ``JACK Audio Connection Kit``.
    input_channels, output_channels : int
    default_samplerate : float [Hz]
    """

    index: int
    name: str
    hostapi: str
    input_channels: int
    output_channels: int
    default_samplerate: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class MidiPort:
    """One MIDI port as python-rtmidi lists it.

    Attributes
    ----------
    index : int
        rtmidi port number (valid while the port list is unchanged).
    name : str
    direction : str
        ``input`` (we can record from it) or ``output``.
    api : str
        rtmidi API name (``alsa``, ``jack`` ...).
    """

    index: int
    name: str
    direction: str
    api: str

    def to_dict(self) -> dict:
        return asdict(self)


# -- JACK server selection ------------------------------------------------------------


@contextlib.contextmanager
def jack_server(name: str | None) -> Iterator[None]:
    """Set ``JACK_DEFAULT_SERVER`` to ``name`` inside the block (no-op for None)."""
    if not name:
        yield
        return
    old = os.environ.get("JACK_DEFAULT_SERVER")
    os.environ["JACK_DEFAULT_SERVER"] = name
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("JACK_DEFAULT_SERVER", None)
        else:
            os.environ["JACK_DEFAULT_SERVER"] = old


_client_name_buffer = None  # PortAudio keeps the pointer: keep the buffer alive


#: PortAudio streams that did not close (their sound server died; see
#: :func:`improv.capture.audio._close_or_abandon`). PortAudio cannot be terminated while they
#: exist (Pa_Terminate would wait for them for ever), so it cannot be re-initialised either.
ABANDONED_STREAMS: list = []

#: Why audio cannot be used while :data:`ABANDONED_STREAMS` holds a stream, and the way out, as
#: a therapist reads it on the Record page (improv/web/static/record_setup.js shows a problem
#: saying "until improv is restarted" on the page itself, not under "Details").
NEEDS_RESTART = ("Audio inputs cannot be used until improv is restarted: the audio system "
                 "(JACK) stopped, or stopped answering, during a recording. Close improv and "
                 "start it again (with JACK running); your recordings are kept.")


def init_portaudio(*, jack_server_name: str | None = None,
                   jack_client_name: str = DEFAULT_JACK_CLIENT):
    """(Re-)initialise PortAudio so it sees the current devices; returns sounddevice.

    sounddevice initialises PortAudio at import, which may be before a JACK
    server was started; PortAudio lists devices only at initialisation.
    This also names PortAudio's JACK client ``jack_client_name`` (instead of
    ``PortAudio``) so that its ports can be found and wired.  Call it only
    while no stream is open.

    Raises
    ------
    NoDevicesError
        If the PortAudio library is missing, or if a stream of a sound server that died is
        still open in this process (:data:`ABANDONED_STREAMS`): then only a new process can use
        PortAudio again.
    """
    global _client_name_buffer
    if ABANDONED_STREAMS:
        raise NoDevicesError(NEEDS_RESTART)
    try:
        import sounddevice as sd
    except OSError as exc:  # "PortAudio library not found"
        raise NoDevicesError(
            f"cannot use audio devices: {exc} (install libportaudio2)"
        ) from None
    with jack_server(jack_server_name):
        sd._terminate()
        try:
            lib = ctypes.CDLL(sd._libname)
            setter = getattr(lib, "PaJack_SetClientName", None)
            if setter is not None:
                _client_name_buffer = ctypes.create_string_buffer(jack_client_name.encode())
                setter(_client_name_buffer)
        except OSError:  # pragma: no cover - PortAudio without JACK support
            pass
        sd._initialize()
    return sd


def list_audio_devices(*, refresh: bool = False, jack_server_name: str | None = None
                       ) -> list[AudioDevice]:
    """All PortAudio devices (inputs and outputs).

    Parameters
    ----------
    refresh : bool
        Re-initialise PortAudio first (see :func:`init_portaudio`).
    jack_server_name : str, optional
        JACK server that PortAudio's JACK host API connects to.

    Notes
    -----
    The doors into the desktop's sound server (ALSA's ``pulse``, ``pipewire`` and ``default``)
    are listed with the channels and rate of the server's default source, not PortAudio's 32
    channels at 44.1 kHz (:func:`improv.capture.server_source.with_server_source`).
    """
    from improv.capture.server_source import with_server_source

    if refresh:
        sd = init_portaudio(jack_server_name=jack_server_name)
    else:
        try:
            import sounddevice as sd
        except OSError as exc:
            raise NoDevicesError(
                f"cannot use audio devices: {exc} (install libportaudio2)"
            ) from None
    apis = [h["name"] for h in sd.query_hostapis()]
    out = []
    for d in sd.query_devices():
        out.append(
            AudioDevice(
                index=int(d["index"]),
                name=str(d["name"]),
                hostapi=apis[d["hostapi"]],
                input_channels=int(d["max_input_channels"]),
                output_channels=int(d["max_output_channels"]),
                default_samplerate=float(d["default_samplerate"]),
            )
        )
    return with_server_source(out)


# -- MIDI -------------------------------------------------------------------------------


def _rtmidi():
    import rtmidi

    return rtmidi


def _api_by_name(name: str) -> int:
    rtmidi = _rtmidi()
    table = {
        "alsa": rtmidi.API_LINUX_ALSA,
        "jack": rtmidi.API_UNIX_JACK,
        "coremidi": rtmidi.API_MACOSX_CORE,
        "winmm": rtmidi.API_WINDOWS_MM,
    }
    check_api_names(midi_api=name)  # one of MIDI_API_NAMES (callers resolve "auto" first)
    key = name.strip().lower()
    if table[key] not in rtmidi.get_compiled_api():
        have = ", ".join(rtmidi.get_api_name(a) for a in rtmidi.get_compiled_api())
        raise ParameterError(f"MIDI API {name!r} is not available here (available: {have})")
    return table[key]


def open_midi_in(*, api: str | None = None, client_name: str = DEFAULT_JACK_CLIENT,
                 jack_server_name: str | None = None, queue_size_limit: int = 1024):
    """Create an ``rtmidi.MidiIn`` for ``api`` (``alsa``, ``jack`` ... or None for auto).

    Auto tries ``$IMPROV_MIDI_API``, else every compiled API in rtmidi's
    order (ALSA before JACK on Linux) and takes the first that works.

    Returns
    -------
    (rtmidi.MidiIn, str)
        The input object and the API's name.

    Raises
    ------
    NoDevicesError
        If no MIDI system can be reached, naming what failed.
    """
    rtmidi = _rtmidi()
    api = api or os.environ.get(MIDI_API_ENV) or "auto"
    failures = []
    if api.lower() == "auto":
        candidates = [a for a in rtmidi.get_compiled_api() if a != rtmidi.API_RTMIDI_DUMMY]
        if rtmidi.API_LINUX_ALSA in candidates and not os.path.exists("/dev/snd/seq"):
            # no ALSA sequencer here (a container, no snd-seq): trying it only makes ALSA
            # print "open /dev/snd/seq failed" from C
            candidates.remove(rtmidi.API_LINUX_ALSA)
            failures.append("ALSA: no sequencer (/dev/snd/seq is missing)")
    else:
        candidates = [_api_by_name(api)]
    for a in candidates:
        try:
            with jack_server(jack_server_name):
                return (rtmidi.MidiIn(a, name=client_name, queue_size_limit=queue_size_limit),
                        rtmidi.get_api_name(a))
        except rtmidi.RtMidiError as exc:
            failures.append(f"{rtmidi.get_api_name(a)}: {str(exc).strip()}")
    raise NoDevicesError(
        "no MIDI system available: start the JACK server (jackd) or load the ALSA sequencer "
        f"(snd-seq), or {CHOOSE_MIDI_API} (details: " + "; ".join(failures)
        + ")", parameter="midi_api"
    )


def list_midi_ports(*, api: str | None = None, jack_server_name: str | None = None
                    ) -> list[MidiPort]:
    """MIDI input and output ports of one rtmidi API (see :func:`open_midi_in`)."""
    rtmidi = _rtmidi()
    midi_in, api_name = open_midi_in(api=api, jack_server_name=jack_server_name,
                                     client_name="improv-list")
    try:
        ins = midi_in.get_ports()
        with jack_server(jack_server_name):
            midi_out = rtmidi.MidiOut(midi_in.get_current_api(), name="improv-list")
        try:
            outs = midi_out.get_ports()
        finally:
            midi_out.delete()
    finally:
        midi_in.delete()
    return [MidiPort(i, n, "input", api_name) for i, n in enumerate(ins)] + [
        MidiPort(i, n, "output", api_name) for i, n in enumerate(outs)
    ]


# -- matching ---------------------------------------------------------------------------


def _pick(query: str | int, items: Sequence, *, names: Sequence[str], what: str,
          describe, hint: str = ""):
    if not items:
        raise NoDevicesError(f"no {what} found{hint}")
    if isinstance(query, int) or (isinstance(query, str) and query.strip().isdigit()):
        index = int(query)
        for item in items:
            if item.index == index:
                return item
        raise DeviceError(
            f"no {what} with index {index}; candidates: "
            + "; ".join(describe(i) for i in items)
        )
    q = str(query).strip().lower()
    if not q:
        raise ParameterError(f"{what} name must not be empty")
    hits = [item for item, n in zip(items, names, strict=False) if q in n.lower()]
    if len(hits) > 1:
        exact = [item for item, n in zip(items, names, strict=False) if n.lower() == q]
        if len(exact) == 1:
            return exact[0]
        raise AmbiguousDeviceError(
            f"{what} name {query!r} matches {len(hits)}: "
            + "; ".join(describe(i) for i in hits)
            + " (use a longer name or the index)"
        )
    if not hits:
        raise DeviceError(
            f"no {what} matches {query!r}; candidates: "
            + "; ".join(describe(i) for i in items)
            + hint
        )
    return hits[0]


def match_audio_device(query: str | int, *, devices: Sequence[AudioDevice],
                       hostapi: str | None = None) -> AudioDevice:
    """The input device that ``query`` (index or name substring) names.

    Parameters
    ----------
    query : int or str
        Device index, or a case-insensitive substring of its name.
    devices : list of AudioDevice
    hostapi : str, optional
        Only devices of host APIs whose name contains this (e.g. ``JACK``).

    Raises
    ------
    NoDevicesError, DeviceError, AmbiguousDeviceError
    """
    pool = [d for d in devices if d.input_channels > 0]
    if hostapi:
        h = hostapi.lower()
        pool = [d for d in pool if h in d.hostapi.lower()]
    hint = f" (host API {hostapi!r})" if hostapi else ""
    return _pick(
        query, pool, names=[d.name for d in pool], what="audio input device",
        describe=lambda d: f"[{d.index}] {d.name} ({d.hostapi}, {d.input_channels} in)",
        hint=hint,
    )


def match_midi_port(query: str | int, *, ports: Sequence[MidiPort]) -> MidiPort:
    """The MIDI input port that ``query`` (index or name substring) names.

    Raises
    ------
    NoDevicesError, DeviceError, AmbiguousDeviceError
    """
    pool = [p for p in ports if p.direction == "input"]
    return _pick(
        query, pool, names=[p.name for p in pool], what="MIDI input port",
        describe=lambda p: f"[{p.index}] {p.name}",
    )


_ALSA_NUMBERS = re.compile(r"\s+\d+:\d+$")


def same_port_name(a: str, b: str) -> bool:
    """True if two MIDI port names name the same port (ALSA client numbers may change)."""
    return a == b or _ALSA_NUMBERS.sub("", a) == _ALSA_NUMBERS.sub("", b)


#: What ALSA, libjack and PortAudio print to fd 2 while MIDI and audio systems are probed
#: (``improv serve`` printed these into the therapist's terminal on every device listing).
NATIVE_NOISE = re.compile(
    r"^(ALSA lib |Cannot connect to server|jack server is not running|JackShmReadWritePtr|"
    r"Cannot open |connect\(2\) call to|attempt to connect to server failed|"
    r"Cannot read socket|JackSocket|Expression '.*' failed in ')")


_NATIVE_STDERR_LOCK = threading.RLock()  # two threads must not swap fd 2 at once (web app)


@contextlib.contextmanager
def quiet_native_stderr(*, enabled: bool = True) -> Iterator[None]:
    """Silence what C libraries print to file descriptor 2 inside the block.

    Probing for MIDI and audio systems makes ALSA and libjack print lines such
    as ``ALSA lib seq_hw.c: ... open /dev/snd/seq failed`` or ``Cannot connect
    to server socket`` even when another system works; improv reports what it
    found (and what failed) itself.  File descriptor 2 goes to a temporary file
    inside the block; afterwards every line that is not such library noise
    (:data:`NATIVE_NOISE`) is written to the real stderr, so our own messages
    (another thread's log line, a traceback) are delayed, never hidden.  Pass
    ``enabled=False`` (``--debug``) to see the raw output.
    """
    if not enabled:
        yield
        return
    import sys
    import tempfile

    try:
        sys.stderr.flush()
        os.fstat(2)
    except (OSError, ValueError):  # no real fd 2 (e.g. captured): nothing to silence
        yield
        return
    with _NATIVE_STDERR_LOCK, tempfile.TemporaryFile() as caught:  # one redirect at a time
        saved = os.dup(2)
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(True)
                    if not NATIVE_NOISE.match(line)]
            if kept:
                os.write(2, "".join(kept).encode())
