"""Hearing every player: the recordings and the MIDI players (rendered) in one mix.

A MIDI player is made audible by rendering its MIDI with FluidSynth
(:func:`improv.playback.render.cached_rendering`, one rendering per player,
kept in the session's cache) at the recordings' sample rate; the renderings
are then mixed with the recordings by :class:`improv.playback.replay.AudioMix`,
the same mixer the terminal replay plays.  Choosing players (``--players`` in
the terminal, mute and solo in the web player) chooses which recordings and
which renderings go into the mix.

Sample 0 of a mix is session time 0; a mix is as long as the session.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from improv.errors import ImprovError

#: Sample rate of a mix with no recording to follow [Hz].
DEFAULT_SR = 48000
#: Frames mixed per block when writing or streaming a mix.
BLOCK_FRAMES = 16384


def renderings(session, *, players: list[str], sr: int, soundfont=None) -> list:
    """One rendering per MIDI player among ``players``, as audio inputs on the session clock.

    Parameters
    ----------
    session : sessions.session.Session
    players : list of str
        The chosen players; those without MIDI are passed over.
    sr : int [Hz]
        Sample rate to render at (the recordings' rate, so nothing is resampled).
    soundfont : path, optional

    Returns
    -------
    list of sessions.session.AudioInput
        Named ``"MIDI: <player>"``, ``t0 = 0``, ``players`` the one player.
    """
    import soundfile as sf

    from improv.playback.render import cached_rendering
    from sessions.session import AudioInput

    out = []
    midi = set(session.midi_players())
    for p in players:
        if p not in midi or not len(session.midi_events(players=[p])):
            continue
        path = cached_rendering(session, players=[p], sr=sr, soundfont=soundfont)
        info = sf.info(str(path))
        out.append(AudioInput(name=f"MIDI: {p}", path=path, sr=info.samplerate,
                              channels=info.channels, frames=info.frames, t0=0.0,
                              drift_ppm=None,
                              players={p: list(range(1, info.channels + 1))}))
    return out


def session_mix(session, *, players: list[str] | None = None, out_channels: int = 2,
                recordings: bool = True, midi: bool = True, soundfont=None):
    """The mixer for ``players`` (default: all): their recordings and rendered MIDI.

    Parameters
    ----------
    session : sessions.session.Session
    players : list of str, optional
    out_channels : int
    recordings, midi : bool
        Include the audio recordings; include the MIDI players (rendered).
    soundfont : path, optional

    Returns
    -------
    improv.playback.replay.AudioMix
        With no inputs if nothing of the players can sound.

    Raises
    ------
    sessions.errors.InvalidArgumentError
        An unknown player.
    """
    from improv.playback.replay import AudioMix
    from sessions.playlist import select_audio, validate_players

    chosen = validate_players(session, players)
    audio = select_audio(session, chosen) if recordings else []
    sr = audio[0][0].sr if audio else DEFAULT_SR
    rendered = renderings(session, players=chosen, sr=sr, soundfont=soundfont) if midi else []
    return AudioMix(audio, out_channels=out_channels, renderings=rendered)


def mix_blocks(mix, *, duration: float, first: int = 0, last: int | None = None,
               blocksize: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """Frames ``first`` to ``last`` (exclusive; default: the session's end) of the mix, as
    float32 blocks ``(n, channels)``; frame 0 is session time 0."""
    sr = mix.sr
    total = int(round(duration * sr))
    last = total if last is None else min(last, total)
    if last <= first:
        return
    n = last - first
    for block in mix.blocks(start=first / sr, end=last / sr, lead_in=0.0, blocksize=blocksize):
        take = min(len(block), n)
        yield block[:take]
        n -= take
        if n <= 0:
            return


def mix_length(mix, *, duration: float) -> float:
    """Seconds a whole mix lasts: the session's ``duration`` and the release tail of its
    renderings (at most :data:`improv.playback.render.MAX_TAIL_S`)."""
    return max([duration] + [r.duration_s for r in mix.renderings if r.sr == mix.sr])


def write_mix(mix, *, to: Path, duration: float) -> Path:
    """Write the whole mix to the WAV file ``to`` (32-bit float, replaced atomically)."""
    import os

    import soundfile as sf

    to = Path(to)
    tmp = to.with_name(f".{to.name}.part")
    try:
        with sf.SoundFile(str(tmp), "w", samplerate=mix.sr, channels=mix.out_channels,
                          subtype="FLOAT", format="WAV") as f:
            for block in mix_blocks(mix, duration=duration):
                f.write(block)
        os.chmod(tmp, 0o600)
        os.replace(tmp, to)
    finally:
        tmp.unlink(missing_ok=True)
    return to


# -- a mix as a 16-bit WAV file made on request, for the web player -------------------------

WAV_HEADER_BYTES = 44


def wav_size(mix, *, duration: float) -> int:
    """Bytes of the whole 16-bit WAV of the mix (header included)."""
    return WAV_HEADER_BYTES + int(round(duration * mix.sr)) * mix.out_channels * 2


def _wav_header(*, frames: int, channels: int, sr: int) -> bytes:
    data = frames * channels * 2
    return (b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, sr, sr * channels * 2, channels * 2, 16)
            + b"data" + struct.pack("<I", data))


def wav_bytes(mix, *, duration: float, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start`` to ``end`` (inclusive, as in an HTTP Range) of the mix as a 16-bit WAV
    file; only the frames asked for are read and mixed (seeking costs nothing)."""
    channels = mix.out_channels
    frames = int(round(duration * mix.sr))
    if start < WAV_HEADER_BYTES:
        yield _wav_header(frames=frames, channels=channels, sr=mix.sr)[start:end + 1]
    lo = max(start, WAV_HEADER_BYTES) - WAV_HEADER_BYTES  # data bytes lo..hi
    hi = end + 1 - WAV_HEADER_BYTES
    if hi <= lo:
        return
    width = channels * 2
    first = lo // width
    skip = lo - first * width
    left = hi - lo
    for block in mix_blocks(mix, duration=duration, first=first, last=-(-hi // width)):
        pcm = (np.clip(block, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()[skip:]
        skip = 0
        yield pcm[:left]
        left -= len(pcm[:left])
        if left <= 0:
            return


def check_audible(mix, *, players: list[str]) -> None:
    """Raise if nothing of ``players`` can sound (no recording and no MIDI)."""
    if not mix.inputs:
        raise ImprovError(f"nothing to hear for {', '.join(players)}: no recording and no MIDI")
