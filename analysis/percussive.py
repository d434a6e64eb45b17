"""How percussive a player's audio is: the energy share of the percussive part of its spectrum.

The metre's cues (:mod:`analysis.metre`) tell a pitched player's beat from its dotted or
triplet level by where the long, low and loud events fall. On drums they mislead: a groove's
kick and snare pattern fits its half and its 3:2 levels about as well as its beat
(docs/benchmarks.md, drum cues), and MIDI leaves the GM percussion channel out for that reason.
An audio recording does not say whether a drum is playing, so the audio analyser measures it:

* **Excerpts** (:class:`ExcerptSampler`): while the recording streams through, at most
  :data:`KEEP` excerpts of :data:`EXCERPT_FRAMES` frames (4 s) of the magnitude spectrogram are
  kept,
  evenly spread over what has been heard so far (excerpts start at multiples of a spacing that
  doubles whenever more would be kept, dropping every other one), so memory stays flat
  (16 x 173 frames x 513 bins x 4 bytes = 5.7 MB) and the excerpts cover the whole recording.
* **Percussive share** (:func:`percussive_share`): on :data:`EXCERPTS` of them, evenly chosen,
  harmonic-percussive separation by median filtering (Fitzgerald 2010: a sustained partial is
  smooth along time, a drum stroke along frequency; librosa's ``decompose.hpss`` with its
  defaults, kernel 31, margin 1, Wiener masks of power 2, reproduced here to the float and
  tested against it) and the percussive part's share of the energy, 0 (sustained tones) to 1
  (drums only). The excerpts are joined in time, so the median along time mixes the 15
  frames on either side of a join. Rendered piano reads 0.04-0.31 (median 0.11), rendered drum
  grooves 0.19-0.995 (median 0.79), drum clips 0.63-0.99, two band mixes with drums 0.30 and
  0.32 (docs/benchmarks.md, 1.13.0).

References
----------
Fitzgerald, D. (2010). Harmonic/percussive separation using median filtering. Proc. 13th
International Conference on Digital Audio Effects (DAFx-10), Graz.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ExcerptSampler", "percussive_share", "EXCERPT_FRAMES", "EXCERPTS", "KEEP",
           "KERNEL", "SOUNDING_DBFS", "sounding_frames"]

#: Frames per excerpt (4.0 s at the analyser's 43.07 frames per second).
EXCERPT_FRAMES = 173
#: Excerpts the share is measured on (evenly chosen among those kept).
EXCERPTS = 8
#: Excerpts kept while streaming (a power of two times :data:`EXCERPTS` keeps the chosen ones
#: evenly spread).
KEEP = 16
#: Median filter length [frames along time, bins along frequency] (librosa's default).
KERNEL = 31
#: A frame whose mean power is below this [dBFS] holds no sound for the excerpts (digital
#: silence: a recording's padding before it started or after it ended, a dropout the recorder
#: filled with silence); a quiet room's background, far above it, still counts (since 1.22.0).
SOUNDING_DBFS = -90.0


class ExcerptSampler:
    """Evenly spread excerpts of a stream of spectrogram frames, in flat memory.

    Excerpt ``k`` covers frames ``k * spacing .. k * spacing + length - 1``; the spacing starts
    at ``length`` (back-to-back excerpts) and doubles, dropping the excerpts at odd multiples,
    whenever more than ``keep`` would be kept.

    Parameters
    ----------
    length : int [frames] — frames per excerpt
    keep : int — most excerpts kept (even)
    """

    def __init__(self, *, length: int = EXCERPT_FRAMES, keep: int = KEEP) -> None:
        if length < 1 or keep < 2 or keep % 2:
            raise ValueError(f"ExcerptSampler: length >= 1 and an even keep >= 2, got "
                             f"length={length}, keep={keep}")
        self.length, self.keep = length, keep
        self.spacing = length
        self.n_frames = 0
        self._parts: dict[int, list[np.ndarray]] = {}  # excerpt start frame -> frame blocks

    def push(self, frames: np.ndarray, *, sounding: np.ndarray | None = None) -> None:
        """Take the next frames (``(n, bins)``, complex spectra or magnitudes), in stream
        order; only the magnitudes of the frames kept are computed. ``sounding`` (``(n,)``
        bool; None: all): the frames that carry sound; the others (a recording's padding
        before it started, a dropout filled with silence) are passed over, so that the
        excerpts spread over the sound, not over the session's clock (since 1.22.0)."""
        rows = None if sounding is None else np.flatnonzero(sounding)
        n = frames.shape[0] if rows is None else rows.size
        pos = 0
        while pos < n:
            f = self.n_frames + pos
            start = f - f % self.spacing
            off = f - start
            if off >= self.length:  # between excerpts: skip to the next one
                pos += self.spacing - off
                continue
            if start not in self._parts:
                if len(self._parts) == self.keep:
                    self._halve()
                    continue  # the spacing changed: place this frame again
                self._parts[start] = []
            take = min(self.length - off, n - pos)
            part = frames[pos:pos + take] if rows is None else frames[rows[pos:pos + take]]
            self._parts[start].append(np.abs(part).astype(np.float32))
            pos += take
        self.n_frames += n

    def _halve(self) -> None:
        self.spacing *= 2
        self._parts = {s: p for s, p in self._parts.items() if s % self.spacing == 0}

    def excerpts(self) -> list[np.ndarray]:
        """The kept excerpts in time order, each ``(frames, bins)``; the last may be short."""
        return [np.concatenate(self._parts[s]) for s in sorted(self._parts) if self._parts[s]]


def _median_split(mag: np.ndarray, *, kernel: int) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic and percussive Wiener masks (power 2, margin 1) of a ``(bins, frames)``
    magnitude spectrogram, as ``librosa.decompose.hpss(mag, mask=True)``."""
    from scipy.ndimage import median_filter

    harm = median_filter(mag, size=(1, kernel), mode="reflect")
    perc = median_filter(mag, size=(kernel, 1), mode="reflect")
    z = np.maximum(harm, perc)
    bad = z < np.finfo(mag.dtype).tiny
    z[bad] = 1.0
    mh, mp = (harm / z) ** 2, (perc / z) ** 2
    total = mh + mp
    mh[~bad] /= total[~bad]
    mp[~bad] /= total[~bad]
    mh[bad] = mp[bad] = 0.5  # librosa's split_zeros at margin 1
    return mh, mp


def sounding_frames(buf: np.ndarray, *, n_frames: int, n_fft: int, hop: int) -> np.ndarray:
    """Which of the ``n_frames`` frames of ``buf`` (``n_fft`` samples each, ``hop`` apart,
    the first at sample 0; ``n_fft`` a multiple of ``hop``) hold sound: mean power at or above
    :data:`SOUNDING_DBFS` [``(n_frames,)`` bool]. One pass over the samples, by hops."""
    k = n_fft // hop
    if n_frames < 1 or k * hop != n_fft:
        raise ValueError(f"sounding_frames: n_frames >= 1 and n_fft a multiple of hop, got "
                         f"n_frames={n_frames}, n_fft={n_fft}, hop={hop}")
    seg = np.asarray(buf[:(n_frames - 1 + k) * hop], np.float32).reshape(-1, hop)
    e = np.einsum("ij,ij->i", seg, seg, dtype=np.float64)  # energy of each hop
    c = np.concatenate([[0.0], np.cumsum(e)])
    return (c[k:k + n_frames] - c[:n_frames]) >= n_fft * 10.0 ** (SOUNDING_DBFS / 10.0)


def percussive_share(excerpts: list[np.ndarray], *, n: int = EXCERPTS,
                     kernel: int = KERNEL) -> float | None:
    """Share of the energy in the percussive part of the excerpts' spectrogram.

    Parameters
    ----------
    excerpts : list of np.ndarray [shape=(frames, bins), magnitude] — from
        :meth:`ExcerptSampler.excerpts`; ``n`` of them, evenly chosen, are joined in time
    n : int — excerpts used
    kernel : int [frames, bins] — median filter length

    Returns
    -------
    float in 0..1, or None where there are fewer than ``kernel`` frames or no energy.
    """
    if not excerpts:
        return None
    pick = np.unique(np.round(np.linspace(0, len(excerpts) - 1, min(n, len(excerpts))))
                     .astype(int))
    mag = np.ascontiguousarray(np.concatenate([excerpts[i] for i in pick]).T, dtype=np.float32)
    if mag.shape[1] < kernel:
        return None
    mh, mp = _median_split(mag, kernel=kernel)
    power = mag.astype(np.float64) ** 2
    h = float((power * mh.astype(np.float64) ** 2).sum())
    p = float((power * mp.astype(np.float64) ** 2).sum())
    return p / (h + p) if h + p > 0 else None
