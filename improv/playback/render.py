"""Rendering a session's MIDI to audio with FluidSynth and a General MIDI soundfont.

A session recorded with MIDI only must still be audible: ``improv render``
writes a WAV, and ``improv replay`` plays the rendering when no MIDI output
port is given.  FluidSynth (Debian ``fluidsynth``) renders the session's
Standard MIDI File faster than real time; the soundfont is Debian's
``fluid-soundfont-gm`` unless ``--soundfont`` or ``IMPROV_SOUNDFONT`` names
another.  Channel 10 plays drums, as General MIDI defines; the hi-hat edge
strokes of Roland electronic kits, which General MIDI has no key for, are played
as the GM hi-hat (:data:`GM_DRUM_KEYS`).  The stored MIDI is never changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

from improv.errors import ImprovError, ParameterError

SOUNDFONT_ENV = "IMPROV_SOUNDFONT"
SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
)


def find_soundfont(path: str | os.PathLike | None = None) -> Path:
    """The soundfont to use: ``path``, ``$IMPROV_SOUNDFONT`` or a system GM soundfont."""
    for candidate in (path, os.environ.get(SOUNDFONT_ENV)):
        if candidate:
            p = Path(candidate)
            if not p.is_file():
                raise ParameterError(f"soundfont {p} does not exist")
            with open(p, "rb") as f:
                head = f.read(12)
            if head[:4] != b"RIFF" or head[8:12] != b"sfbk":  # SoundFont 2/3 (RIFF 'sfbk')
                raise ParameterError(f"{p} is not a SoundFont (.sf2 or .sf3): FluidSynth would "
                                     "render silence; give a General MIDI soundfont")
            return p
    for c in SOUNDFONT_CANDIDATES:
        if Path(c).is_file():
            return Path(c)
    raise ImprovError(
        "no General MIDI soundfont found (install fluid-soundfont-gm, or give a soundfont "
        "FILE.sf2)", parameter="soundfont")


#: Longest release tail kept after the session's end [s]: notes still held at the stop
#: are ended there, and their release (and the reverb) may ring this long at most.
MAX_TAIL_S = 2.0
#: Level under which the tail counts as silence and is cut off (about -90 dBFS).
SILENCE = 3e-5
#: Part of the cache file names: renderings made before the length fix (2) and before
#: :data:`GM_DRUM_KEYS` (3) are not reused.
RENDER_VERSION = 3
#: Percussion keys (channel 10) outside General MIDI's 35-81 that electronic kits send, played
#: as the GM key of the same drum: Roland V-Drums' hi-hat edge strokes, 22 (closed) and 26
#: (open), as the Groove MIDI Dataset's TD-11 table maps them. A GM soundfont has no sound
#: there: without the map a Roland kit's edge strokes, often much of a groove's hi-hat,
#: rendered as silence.
GM_DRUM_KEYS = {22: 42, 26: 46}
#: General MIDI's percussion channel, 10, counted from 0 (the same number as
#: ``analysis.convert.PERCUSSION_CHANNEL``, which playback may not import: tests/test_rooms.py).
_PERCUSSION = 9


def _session_smf(session, chosen: list[str]) -> bytes:
    """The chosen players' MIDI as a Standard MIDI File that ends at the session's end, where
    every note still held (and the sustain pedal) is released on every channel used."""
    from sessions.smf import SmfBuilder

    ev = session.midi_events(players=chosen)
    if not len(ev):
        raise ImprovError(f"session {session.id} has no MIDI to render for {', '.join(chosen)}")
    end = session.duration_s
    smf = SmfBuilder(chosen)
    channels: set[tuple[str, int]] = set()
    for t, player, data in zip(ev.t.tolist(), ev.player, ev.raw, strict=False):
        if t > end:
            continue
        if 0x80 <= data[0] < 0xF0:
            channels.add((player, data[0] & 0x0F))
        if (data[0] & 0xE0 == 0x80 and data[0] & 0x0F == _PERCUSSION and len(data) > 1
                and data[1] in GM_DRUM_KEYS):  # note on/off of a key GM has no sound for
            data = bytes([data[0], GM_DRUM_KEYS[data[1]], *data[2:]])
        smf.add(t, player, data)
    for player, ch in sorted(channels):
        smf.add(end, player, bytes([0xB0 | ch, 64, 0]))  # sustain pedal up
        smf.add(end, player, bytes([0xB0 | ch, 123, 0]))  # all notes off
    return smf.to_bytes(duration=end)


def _fit_length(path: Path, *, duration: float) -> None:
    """Make the WAV at ``path`` last ``duration`` seconds plus at most :data:`MAX_TAIL_S` of
    release tail (trailing silence cut, a short rendering padded with silence).  Edits the
    file in place; only the tail is read (an hour's rendering does not fit in memory)."""
    import numpy as np
    import soundfile as sf

    with sf.SoundFile(str(path), "r+") as f:
        sr, frames = f.samplerate, f.frames
        n_min = int(round(duration * sr))
        n_max = n_min + int(round(MAX_TAIL_S * sr))
        if frames <= n_min:
            f.seek(frames)
            f.write(np.zeros((n_min - frames, f.channels), dtype=np.float32))
            return
        f.seek(n_min)
        tail = f.read(min(frames, n_max) - n_min, dtype="float32", always_2d=True)
        loud = np.flatnonzero(np.max(np.abs(tail), axis=1) > SILENCE)
        n = n_min + (int(loud[-1]) + 1 if len(loud) else 0)
        if n == n_max:  # still ringing at the cut: fade out over the last 50 ms, no click
            k = min(int(0.05 * sr), len(tail))
            f.seek(n - k)
            f.write(tail[-k:] * np.linspace(1.0, 0.0, k, dtype=np.float32)[:, None])
        f.truncate(n)


def render_session(session, *, to: Path, players: list[str] | None = None, sr: int = 48000,
                   soundfont: str | os.PathLike | None = None, gain: float = 0.5) -> Path:
    """Render the MIDI of ``players`` (all by default) to a WAV file ``to``.

    The file is as long as the session: notes still held at the session's end are released
    there, and at most :data:`MAX_TAIL_S` seconds of release tail follow.

    Parameters
    ----------
    session : sessions.session.Session
    to : Path
        Output WAV (replaced atomically).
    players : list of str, optional
        The players whose MIDI to render (default: every player with MIDI).
    sr : int [Hz]
    soundfont : path, optional
        A General MIDI soundfont (default: :func:`find_soundfont`).
    gain : float
        FluidSynth master gain (0.5 avoids clipping with several players).

    Returns
    -------
    Path
        ``to``.  Sample 0 is session time 0.

    Raises
    ------
    improv.errors.ImprovError
        FluidSynth is missing or fails, or the players have no MIDI.
    """
    fluidsynth = shutil.which("fluidsynth")
    if fluidsynth is None:
        raise ImprovError("FluidSynth is not installed (apt-get install fluidsynth)")
    sf2 = find_soundfont(soundfont)
    chosen = players or session.midi_players() or session.players
    smf = _session_smf(session, chosen)
    to = Path(to)
    # made beside its destination (the session's cache, or the file asked for), never in the
    # system's temp folder: a rendering is the client's playing, and one cut off when improv
    # stops mid-render stayed there, a GB an hour of session (review 30)
    with tempfile.TemporaryDirectory(prefix=".improv-render-", dir=to.parent,
                                     ignore_cleanup_errors=True) as tmp:
        mid = Path(tmp) / "render.mid"
        mid.write_bytes(smf)
        out = Path(tmp) / "render.wav"
        cmd = [fluidsynth, "-ni", "-q", "-g", str(gain), "-r", str(sr), "-F", str(out),
               "-T", "wav", "-O", "float", str(sf2), str(mid)]
        limit = _render_limit(session)
        returncode, said = _run_fluidsynth(cmd, working=Path(tmp), limit=limit)
        if returncode != 0 or not out.exists():
            raise ImprovError(f"FluidSynth failed: {said.strip()[:300]}")
        _fit_length(out, duration=session.duration_s)
        os.chmod(out, 0o600)
        part = to.with_name(f".{to.name}.{uuid.uuid4().hex[:8]}.part")
        os.replace(out, part)  # the same folder's file system: renames, no copy
        os.replace(part, to)
    return to


#: FluidSynth processes rendering now, with their working folders: stopped, and the folders
#: removed, when improv stops (:func:`stop_renderings`), so that a server closed while a long
#: session's mix is made leaves no FluidSynth writing the client's playing (review 30)
_RUNNING: dict[subprocess.Popen, Path] = {}
_STOPPED: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()
_AT_EXIT = False


def _run_fluidsynth(cmd: list[str], *, working: Path, limit: float) -> tuple[int, str]:
    """Run FluidSynth, registered in :data:`_RUNNING` while it runs.

    Returns
    -------
    (int, str)
        Its exit status and what it printed.

    Raises
    ------
    improv.errors.ImprovError
        It did not finish within ``limit`` seconds (it is stopped), or
        :func:`stop_renderings` stopped it.
    """
    global _AT_EXIT
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with _RUNNING_LOCK:
        _RUNNING[proc] = working
        if not _AT_EXIT:  # the command line's way out; the web app also calls it at shutdown
            import atexit

            atexit.register(stop_renderings)
            _AT_EXIT = True
    try:
        said, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise ImprovError(f"FluidSynth did not finish within {limit:.0f} s") from None
    except BaseException:  # Ctrl-C, SIGTERM or SIGHUP while it renders: it stops too
        proc.kill()
        proc.wait()
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.pop(proc, None)
            stopped = proc in _STOPPED
            _STOPPED.discard(proc)
    if stopped:
        raise ImprovError("The rendering was stopped because improv is closing; "
                          "it is made again the next time it is asked for")
    return proc.returncode, said or ""


def stop_renderings() -> int:
    """Stop every FluidSynth rendering of this process and remove its working folder.

    Called when improv stops (at exit, and by the web app's shutdown): a rendering cut off
    there would otherwise run on, writing the client's playing to the session's cache, for up
    to :func:`_render_limit`.

    Returns
    -------
    int
        How many renderings were stopped.
    """
    with _RUNNING_LOCK:
        running = list(_RUNNING.items())
        _STOPPED.update(_RUNNING)
        _RUNNING.clear()
    for proc, working in running:
        proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
            pass
        shutil.rmtree(working, ignore_errors=True)
    return len(running)


def _render_limit(session) -> float:
    """How long a rendering may take [s]: FluidSynth renders far faster than real time."""
    return 120 + 2 * session.duration_s


def _sweep_cut_renderings(folder: Path, *, older_than_s: float) -> None:
    """Remove the working folders of renderings cut off (improv stopped mid-render) from a
    session's cache: those older than any rendering may take, so that one running now in
    another improv is left alone."""
    import time

    for tmp in folder.glob(".improv-render-*"):
        try:
            if tmp.is_dir() and not tmp.is_symlink() \
                    and time.time() - tmp.stat().st_mtime > older_than_s:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:  # gone meanwhile
            continue


def cached_rendering(session, *, players: list[str] | None = None, sr: int = 48000,
                     soundfont=None) -> Path:
    """A rendering kept in the session's cache folder (made on first use)."""
    chosen = players or session.midi_players() or session.players
    path = session.cache_dir / f"render-v{RENDER_VERSION}-{'+'.join(chosen)}-{sr}.wav"
    if not path.exists():
        _sweep_cut_renderings(session.cache_dir, older_than_s=_render_limit(session))
        render_session(session, to=path, players=chosen, sr=sr, soundfont=soundfont)
    return path
