"""The pulse of an audio recording, with the settings that depend on the kind of audio.

From the streamed onset strength (:mod:`analysis.onset_spectrum`): the onsets, the tempo
envelope of the onsets' peaks (:func:`analysis.onsets.onset_peaks`), the tempo, beats and
pulse label (:func:`analysis.beats.analyze_pulse`), for pitched audio the metrical level its
accents mark (:func:`analysis.metre.audio_salience`), and the MIDI's level where the recording
hears the player's MIDI (:mod:`analysis.heard`). Whether audio is pitched or percussive is its
percussive share (:mod:`analysis.percussive`, :data:`PITCHED_SHARE`); the ``PERCUSSIVE_*``
settings are the percussive audio's (each measured on held-out recordings, docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import metre
from .beats import Pulse, analyze_pulse, over_the_playing
from .heard import HeardNotes, apply_heard
from .onset_spectrum import ANALYSIS_SR, HOP_LENGTH, _split_env
from .onsets import ONSET_LEVEL_SPAN, _onset_regions, onset_peaks, pick_onsets

__all__ = ["PITCHED_SHARE", "PERCUSSIVE_HEIGHTS", "PERCUSSIVE_REGIONS", "PERCUSSIVE_CROSS_FOLD",
           "PERCUSSIVE_CROSS_SHARE", "PERCUSSIVE_SLOWER_TIE"]

#: Audio whose percussive share (:func:`analysis.percussive.percussive_share`) is below this
#: is pitched playing, whose metrical level the onsets' accents choose
#: (:func:`analysis.metre.audio_salience`); at or above it (drums, a band with drums) the
#: tempo stage's level stands. Chosen by two-fold cross-validation over 223 held-out piano
#: renderings and 120 drum grooves (docs/benchmarks.md, 1.13.0).
PITCHED_SHARE = 0.2
#: The heights of the tempo envelope's impulses (:func:`analysis.onsets.onset_peaks`) for
#: percussive audio (``percussive_share`` at or above :data:`PITCHED_SHARE`): ``"log"``, log1p
#: of the dB above the local mean, so a groove's loud kick and snare, often off the beat's
#: regular grid, do not drown its steady hi-hats or ride in the autocorrelation (MIDI's envelope is
#: log-compressed too); pitched audio keeps ``"dB"``, where the strong onsets (bass notes,
#: chords) carry the beat. Chosen by two-fold cross-validation (docs/benchmarks.md, 1.13.0);
#: made again in session 21 on drum renderings that play every hi-hat stroke, the folds chose
#: square-root and flat heights (``"flat"``: every peak 1), so ``"log"`` stays.
PERCUSSIVE_HEIGHTS = "log"
#: Percussive audio's tempo envelope from each frequency region's peaks, summed (True), instead
#: of the peaks of the regions' mean (False): a hi-hat's onset then counts in its own region
#: even where the kick's decay or the snare's ring fills the mean (Klapuri, Eronen & Astola
#: 2006 sum band-wise accents). Measured on held-out drum renderings: off (docs/benchmarks.md,
#: session 20).
PERCUSSIVE_REGIONS = False
#: Tempo ratios at which a percussive recording's windows are moved onto its level
#: (``cross_fold`` of :func:`analysis.tempo.tempo_from_envelope`): ``(0.75, 4 / 3)`` puts the
#: dotted-eighth reading of a sixteenth-note groove (its 6 s windows 4:3 from the level the
#: whole performance has) on the beat. Measured on held-out drum renderings: off
#: (docs/benchmarks.md, session 21).
PERCUSSIVE_CROSS_FOLD: tuple[float, ...] = ()
#: The 3:2 bound of the pulse label (``cross_share`` of :func:`analysis.beats.analyze_pulse`,
#: :data:`analysis.beats.CROSS_SHARE`) for percussive audio, where no cue chooses between a
#: level and its dotted or triplet rival (pitched audio's accents and MIDI's note cues do):
#: no "clear" where that rival holds this share of the level score. Measured on held-out drum
#: renderings and off: a steady stream of drum strokes has a strong 3:2 rival by nature (every
#: stroke lies on both levels' multiples), 0.45-0.57 for accented eighths or sixteenths read at
#: the right level, so a bound of 0.4-0.5 takes "clear" from the steadiest playing
#: (docs/benchmarks.md, session 23). None: the label's own bound.
PERCUSSIVE_CROSS_SHARE: float | None = None
#: Whether the level's pulse-train tie-break (:func:`analysis.level_choice.metrical_level`) may
#: move a percussive recording's level to the slower of a 3:2 (or 3:1) pair (False: only to the
#: faster). In a groove subdivided in twos, every stroke lies on the grids of both the beat and
#: its dotted rival (2:3), and syncopated accents (a tresillo, 3 + 3 + 2) can give the dotted
#: pulse train a phase that fits; the faster of the two is the level on the groove's own
#: binary grid. In a swing or shuffle the slower one is the beat. Measured on held-out drum
#: renderings: better on the blocks it was chosen on, worse on an untouched one (on its swung
#: grooves), so off (docs/benchmarks.md, session 24).
PERCUSSIVE_SLOWER_TIE = True


def in_silence(onsets: np.ndarray, silences: np.ndarray, *,
               span: float = ONSET_LEVEL_SPAN) -> np.ndarray:
    """Whether each onset [seconds] lies in one of the ``silences`` ``(k, 2)`` [seconds] with
    the ``span`` seconds after it (its own sound: an onset is detected up to a frame before
    the tick its sound starts in)."""
    on = np.asarray(onsets, np.float64)
    sil = np.asarray(silences, np.float64).reshape(-1, 2)
    if on.size == 0 or sil.size == 0:
        return np.zeros(on.size, bool)
    k = np.searchsorted(sil[:, 0], on, side="right") - 1
    ok = k >= 0
    kk = np.maximum(k, 0)
    return ok & (on >= sil[kk, 0]) & (on + span <= sil[kk, 1])


def _outside(onsets: np.ndarray, silences, *, duration: float) -> np.ndarray:
    """The onsets [seconds] that lie in none of ``silences`` (``[start, end]`` pairs
    [seconds]); a silence that runs to ``duration`` runs on after it."""
    sil = np.array(silences, np.float64).reshape(-1, 2)
    sil[sil[:, 1] >= duration - 1e-9, 1] = np.inf
    return onsets[~in_silence(onsets, sil)]


def _audio_pulse(env: Any, *, duration: float, percussive: float | None, silent: bool,
                 silences: np.ndarray, window: float, hop: float,
                 heard: HeardNotes | None = None,
                 gate: bool = False,
                 refine: Callable[[np.ndarray], np.ndarray] | None = None,
                 ) -> tuple[np.ndarray, Pulse, str]:
    """Onsets and pulse of one recording from its streamed onset strength.

    Parameters
    ----------
    env : np.ndarray [shape=(n, 3)] or a stream store with ``take()``
        Flux of the three frequency regions per analysis frame (:mod:`analysis.onset_spectrum`);
        :class:`analysis.audio.AudioAnalyzer` hands over its store, so that this function holds
        the only reference and frees the envelopes as it goes.
    duration : float [seconds]
    percussive : float [0..1] or None
        The percussive share (:func:`analysis.percussive.percussive_share`; None: unknown).
    silent : bool
        Whether every level tick is under the silence gate.
    silences : np.ndarray [shape=(k, 2), seconds]
        The player's silences: windows wholly in one are pauses, left out of the pulsed share.
    window, hop : float [seconds]
    heard : HeardNotes or None
        The same player's MIDI, which this audio may hear (:mod:`analysis.heard`).
    gate : bool
        The onset gate (since 1.19.0): an onset counts unless it lies in one of the
        ``silences`` with :data:`analysis.onsets.ONSET_LEVEL_SPAN` after it, wherever it is
        in the recording, so a noise floor gives none and quiet playing (whose ticks sound)
        has its onsets whether or not something is loud elsewhere. False: every onset counts,
        except for a ``silent`` recording (before 1.19.0, the only gate: a recording whose
        every tick was under it had no onsets, the same playing beside one loud moment had
        them all).
    refine : callable or None
        With ``gate``: given the onsets that count under ``silences``, returns the silences
        to use from then on (the pulse's pauses and a second pass of the onset gate; since
        1.20.0, :func:`analysis.audio._audio_result` raises the gate over a room's noise
        floor where no onset sounds).

    Returns
    -------
    onsets : np.ndarray [shape=(m,), seconds]
    pulse : Pulse
        Over the playing (:func:`analysis.beats.over_the_playing`); no tempo and no beats for
        silence.
    level_from : str
        ``"midi"`` where the heard MIDI set the metrical level, else ``"audio"``.
    """
    frame_rate = ANALYSIS_SR / HOP_LENGTH
    n_env = int(np.ceil(duration * frame_rate))
    # the onset envelope is freed once the onsets are picked, the (n, 3) regions once each
    # onset's flux in them is read (finish hands them over as chunks), the tempo envelope once
    # its peaks are: a 3-hour session's envelopes are 30 MB, which the tempo step's tables would
    # otherwise sit on
    env3 = env.take() if hasattr(env, "take") else np.asarray(env)
    env, tempo_env = (np.pad(e[:n_env], (0, max(0, n_env - e.size))).astype(np.float64)
                      for e in _split_env(env3))
    if gate:
        onsets = pick_onsets(env, frame_rate=frame_rate)
        onsets = _outside(onsets[onsets < duration], silences, duration=duration)
        if refine is not None:
            silences = refine(onsets)
            onsets = _outside(onsets, silences, duration=duration)
    else:
        onsets = pick_onsets(env, frame_rate=frame_rate) if not silent else np.zeros(0)
        onsets = onsets[onsets < duration]
    del env
    regions = _onset_regions(env3, onsets, frame_rate=frame_rate)
    pitched = percussive is not None and percussive < PITCHED_SHARE
    drums = percussive is not None and not pitched  # the percussive-audio settings apply
    by_region = PERCUSSIVE_REGIONS and drums and env3.ndim == 2
    if by_region:  # measured, off
        peaks = sum(onset_peaks(np.pad(env3[:n_env, k].astype(np.float64),
                                       (0, max(0, n_env - env3.shape[0]))),
                                frame_rate=frame_rate, heights=PERCUSSIVE_HEIGHTS)
                    for k in range(env3.shape[1]))
    del env3
    if not by_region:
        peaks = onset_peaks(tempo_env, frame_rate=frame_rate,
                            heights=PERCUSSIVE_HEIGHTS if drums else "dB")
    del tempo_env

    bound = ({"cross_share": PERCUSSIVE_CROSS_SHARE}
             if drums and PERCUSSIVE_CROSS_SHARE is not None else {})
    pulse = analyze_pulse(peaks, frame_rate=frame_rate, duration=duration, window=window,
                          hop=hop, cross_fold=PERCUSSIVE_CROSS_FOLD if drums else (),
                          slower_tie=PERCUSSIVE_SLOWER_TIE or not drums,
                          silences=silences, **bound)
    if pitched and onsets.size >= 3:
        # pitched playing: the level its accents mark (analysis.metre); drums keep the
        # tempo stage's, as on MIDI's percussion channel
        pulse = metre.apply_salience(pulse, peaks, frame_rate=frame_rate, times=onsets,
                                     sal=metre.audio_salience(onsets, regions))
    level_from = "audio"
    if heard is not None and not silent:
        pulse, from_midi = apply_heard(pulse, peaks, frame_rate=frame_rate, onsets=onsets,
                                       heard=heard)
        level_from = "midi" if from_midi else "audio"
    del peaks
    pulse = over_the_playing(pulse, silences=silences, duration=duration, window=window)
    if silent:
        tc = type(pulse.curve)(pulse.curve.times, np.full_like(pulse.curve.bpm, np.nan),
                               np.full_like(pulse.curve.clarity, np.nan), 0.0, 0.0,
                               float("nan"))
        pulse = Pulse(tc, np.zeros(0), "none", 0.0, 0.0)
    return onsets, pulse, level_from
