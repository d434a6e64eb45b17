"""Room noise and DC of analysis 1.20.0 (review 32, finding F3): known answers on
WAV files written and read back through :func:`analysis.analyze_audio` in blocks, as
``improv analyze`` reads a recording."""

import numpy as np
import pytest
import scipy.signal as ss
import soundfile as sf

from analysis import analyze_audio

SR = 48000
SCALE = [220.0, 246.9, 261.6, 293.7, 329.6, 349.2, 392.0, 440.0]


def rms_db(x):
    return 10 * np.log10(np.mean(x**2) + 1e-30)


def scaled(x, db):
    return x * 10 ** ((db - rms_db(x)) / 20)


def pink(n, rng):
    """Pink (1/f power) noise, ``n`` samples."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0
    return np.fft.irfft(spec, n)


def drum_hit(rng):
    """A hand drum: a 110 Hz thump gliding down from 165 Hz and a band-passed noise burst."""
    n = int(0.45 * SR)
    t = np.arange(n) / SR
    f = 110 * (1 + 0.5 * np.exp(-t / 0.02))
    thump = np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-t / 0.09)
    sos = ss.butter(2, [800, 6000], btype="band", fs=SR, output="sos")
    burst = ss.sosfilt(sos, rng.standard_normal(n)) * np.exp(-t / 0.03) * 2.0
    x = (thump + burst) * np.minimum(t / 0.002, 1.0)
    x[-int(0.02 * SR):] *= np.linspace(1, 0, int(0.02 * SR))
    return x


def note(f0, *, dur, tau, rng):
    """A pitched note: 6 harmonics, 5 ms attack, exponential decay (time constant ``tau``)."""
    t = np.arange(int(dur * SR)) / SR
    x = sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6.28)) / h for h in range(1, 7))
    x = x * np.minimum(t / 0.005, 1.0) * np.exp(-t / tau)
    x[-960:] *= np.linspace(1, 0, 960)
    return x


def place(y, x, t0, db=None):
    """Add ``x`` at ``t0`` [s] into ``y`` (its first 100 ms at ``db`` dBFS RMS if given)."""
    if db is not None:
        x = x * 10 ** ((db - rms_db(x[: int(0.1 * SR)])) / 20)
    a = int(round(t0 * SR))
    k = min(x.size, y.size - a)
    y[a : a + k] += x[:k]


def analyse(tmp_path, name, y):
    """Write ``y`` as a 24-bit WAV and analyse it the way a recording is read (in blocks)."""
    path = tmp_path / f"{name}.wav"
    sf.write(path, y.astype(np.float32), SR, subtype="PCM_24")
    with sf.SoundFile(path) as f:
        blocks = f.blocks(blocksize=SR * 5, dtype="float32")
        return analyze_audio(blocks, sr=SR, duration=y.size / SR)


# ---------------------------------------------------------------- F3: DC before the onsets
def test_a_dc_offset_leaves_a_drums_percussive_share_and_onsets(tmp_path):
    """F3: a DC offset of 2 % of full scale reached the spectrogram's lowest bins as steady
    energy and took a hand drum's percussive share from 0.58 to 0.08 (under PITCHED_SHARE,
    0.2: the drum was analysed as pitched). Since 1.20.0 the onset signal's DC is removed:
    the share and the onsets are those of the drum without the offset."""
    rng = np.random.default_rng(32)
    y = scaled(pink(30 * SR, rng), -65)
    times = [1.0 + 0.6 * i for i in range(45)]
    for t in times:
        place(y, drum_hit(rng), t, db=-26 + rng.uniform(-2, 2))
    clean = analyse(tmp_path, "clean", y)
    dc = analyse(tmp_path, "dc", y + 0.02)
    share = clean.summary["percussive_share"]
    assert share > 0.5  # a drum
    assert abs(dc.summary["percussive_share"] - share) < 0.02
    assert dc.onsets.size == clean.onsets.size == len(times)
    assert np.max(np.abs(dc.onsets - clean.onsets)) < 0.012  # one frame: 11.6 ms
    assert dc.summary["tempo_bpm"] == pytest.approx(clean.summary["tempo_bpm"], rel=0.01)

