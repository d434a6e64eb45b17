"""Rendering a session's MIDI to audio with FluidSynth and a General MIDI soundfont.

A session recorded with MIDI only must still be audible: ``improv render``
writes a WAV, and ``improv replay`` plays the rendering when no MIDI output
port is given.  FluidSynth (Debian ``fluidsynth``) renders the session's
Standard MIDI File faster than real time; the soundfont is Debian's
``fluid-soundfont-gm`` unless ``--soundfont`` or ``IMPROV_SOUNDFONT`` names
another.  Channel 10 plays drums, as General MIDI defines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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


def render_session(session, *, to: Path, players: list[str] | None = None, sr: int = 48000,
                   soundfont: str | os.PathLike | None = None, gain: float = 0.5) -> Path:
    """Render the MIDI of ``players`` (all by default) to a WAV file ``to``.

    Parameters
    ----------
    session : sessions.session.Session
    to : Path
        Output WAV (replaced atomically).
    sr : int [Hz]
    gain : float
        FluidSynth master gain (0.5 avoids clipping with several players).

    Returns
    -------
    Path
        ``to``.  Sample 0 is session time 0.
    """
    from sessions.smf import SmfBuilder

    fluidsynth = shutil.which("fluidsynth")
    if fluidsynth is None:
        raise ImprovError("FluidSynth is not installed (apt-get install fluidsynth)")
    sf2 = find_soundfont(soundfont)
    chosen = players or session.midi_players() or session.players
    ev = session.midi_events(players=chosen)
    if not len(ev):
        raise ImprovError(f"session {session.id} has no MIDI to render for {', '.join(chosen)}")
    smf = SmfBuilder(chosen)
    for t, player, data in zip(ev.t.tolist(), ev.player, ev.raw, strict=False):
        smf.add(t, player, data)
    to = Path(to)
    with tempfile.TemporaryDirectory(prefix="improv-render-") as tmp:
        mid = Path(tmp) / "render.mid"
        mid.write_bytes(smf.to_bytes())
        out = Path(tmp) / "render.wav"
        cmd = [fluidsynth, "-ni", "-q", "-g", str(gain), "-r", str(sr), "-F", str(out),
               "-T", "wav", "-O", "float", str(sf2), str(mid)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0 or not out.exists():
            raise ImprovError(f"FluidSynth failed: {(r.stderr or r.stdout).strip()[:300]}")
        os.chmod(out, 0o600)
        shutil.move(str(out), to)
    return to


def cached_rendering(session, *, players: list[str] | None = None, sr: int = 48000,
                     soundfont=None) -> Path:
    """A rendering kept in the session's cache folder (made on first use)."""
    chosen = players or session.midi_players() or session.players
    path = session.cache_dir / f"render-{'+'.join(chosen)}-{sr}.wav"
    if not path.exists():
        render_session(session, to=path, players=chosen, sr=sr, soundfont=soundfont)
    return path
